"""The code tree in the web application: colours (imported and new), rename, move without
cycles, merge, undo of the last coding and moving a coding's span from the page's script;
every change audited, and only by those allowed."""

from __future__ import annotations

import json

import pytest

from readiness.web.interviews import models as m
from readiness.web.interviews import services
from tests.web.interviews.builders import access, code_words, transcript

pytestmark = pytest.mark.django_db


def url(project, *parts) -> str:
    return "/".join(["", "interviews", project.slug, *parts, ""]).replace("//", "/")


def code(project, name) -> m.Code:
    return m.Code.objects.get(project=project, name=name)


def actions(project) -> list[str]:
    return list(m.AuditEntry.objects.filter(project=project).values_list("action", flat=True))


def test_new_codes_get_colours_and_the_stylesheet_has_them(project, people, signed_in):
    lead = people["lead"]
    c = services.add_code(project, access(lead, project), name="Übersetzung 🗣")
    assert c.color and c.color.startswith("#")
    picked = services.add_code(project, access(lead, project), name="ZWEI", color="#0a0")
    assert picked.color == "#00AA00"
    client = signed_in(people["alice"])
    css = client.get(f"/interviews/{project.slug}/codes.css")
    assert css["Content-Type"].startswith("text/css")
    body = css.content.decode()
    assert f".ri-k{picked.pk}{{--k:#00AA00}}" in body
    # A colour that is not #RGB or #RRGGBB never reaches the stylesheet.
    m.Code.objects.filter(pk=c.pk).update(color="red;}body{x:y")
    assert (
        f".ri-k{c.pk}" not in client.get(f"/interviews/{project.slug}/codes.css").content.decode()
    )
    assert "add-code" in actions(project)


def test_colour_and_parent_from_the_code_page(project, people, signed_in):
    client = signed_in(people["lead"])
    child, parent = code(project, "Interpreters"), code(project, "Training")
    response = client.post(
        url(project, "codebook", child.guid),
        {"action": "tree", "color": "#aa00ff", "parent": parent.guid},
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.color == "#AA00FF" and child.parent == parent
    entry = m.AuditEntry.objects.filter(project=project, action="change-code").last()
    assert entry.user == "ilead" and entry.details["fields"] == ["color", "parent"]
    # Under itself or a code below it: refused, nothing changes.
    html = client.post(
        url(project, "codebook", parent.guid), {"action": "tree", "parent": child.guid}
    ).content.decode()
    assert "itself or below it" in html
    parent.refresh_from_db()
    assert parent.parent is None
    # The choices offered leave out the code and what is below it.
    page = client.get(url(project, "codebook", parent.guid)).content.decode()
    assert f'<option value="{child.guid}"' not in page


def test_rename_is_audited_and_checked(project, people, signed_in):
    client = signed_in(people["lead"])
    c = code(project, "Training")
    client.post(url(project, "codebook", c.guid), {"name": "Schulung & Training"})
    c.refresh_from_db()
    assert c.name == "Schulung & Training"
    assert "change-code" in actions(project)
    html = client.post(url(project, "codebook", c.guid), {"name": "a/b"}).content.decode()
    assert "is empty or contains" in html
    c.refresh_from_db()
    assert c.name == "Schulung & Training"


def test_merge_moves_codings_and_memos(project, people, signed_in):
    lead, alice = people["lead"], people["alice"]
    a = code_words(project, alice, "P12", "we had no interpreter", "Interpreters")[0]
    code_words(project, alice, "P12", "we had no interpreter", "Training")  # a repeat after
    b = code_words(project, lead, "P7_interview", "Only one slide", "Interpreters")[0]
    services.add_memo(
        project, access(alice, project), text="memo", target="coding", target_id=a.guid
    )
    src, dst = code(project, "Interpreters"), code(project, "Training")
    client = signed_in(lead)
    response = client.post(
        url(project, "codebook", src.guid), {"action": "merge", "into": dst.guid}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{dst.guid}/")
    assert not m.Code.objects.filter(pk=src.pk).exists()
    assert m.Coding.objects.get(pk=b.pk).code == dst
    assert not m.Coding.objects.filter(pk=a.pk).exists()  # the repeat, kept once
    kept = m.Coding.objects.get(project=project, code=dst, coder__name="alice")
    assert m.Memo.objects.get(target="coding").target_id == kept.guid
    entry = m.AuditEntry.objects.filter(project=project, action="merge-codes").last()
    assert entry.details["recoded"] == 1 and entry.details["dropped"] == 1


def test_a_coder_may_not_change_the_tree(project, people, signed_in):
    client = signed_in(people["alice"])
    c = code(project, "Training")
    for data in ({"action": "tree", "color": "#000000"}, {"action": "merge", "into": c.guid}):
        assert client.post(url(project, "codebook", c.guid), data).status_code == 403
    c.refresh_from_db()
    assert c.color != "#000000"


def test_undo_takes_back_the_last_coding_and_its_new_code(project, people, signed_in):
    client = signed_in(people["alice"])
    t = transcript(project, "P12")
    start = t.text.index("we had no interpreter")
    data = json.loads(
        client.post(
            url(project, "transcripts", t.guid),
            {"start": start, "end": start + 21, "new_code": "Kein Dolmetscher"},
            HTTP_ACCEPT="application/json",
        ).content
    )
    assert data["ok"] and len(data["undo"]["codings"]) == 1 and len(data["undo"]["codes"]) == 1
    body = {
        "undo": "1",
        "undo_codings": data["undo"]["codings"],
        "undo_codes": data["undo"]["codes"],
    }
    done = json.loads(
        client.post(
            url(project, "transcripts", t.guid), body, HTTP_ACCEPT="application/json"
        ).content
    )
    assert done["ok"] and "Codings (0)" in done["list"]
    assert not m.Coding.objects.filter(transcript=t).exists()
    assert not m.Code.objects.filter(project=project, name="Kein Dolmetscher").exists()
    entry = m.AuditEntry.objects.filter(project=project, action="undo-code").last()
    assert entry.details["removed"] == 1 and entry.details["removed_codes"] == ["Kein Dolmetscher"]


def test_undo_cannot_delete_codebook_codes_or_others_codings(project, people, signed_in):
    lead_coding = code_words(project, people["lead"], "P12", "we had no interpreter", "Training")[0]
    t = transcript(project, "P12")
    client = signed_in(people["bob"])
    unused = code(project, "Time and continuity")
    # Another's coding: refused.
    response = client.post(
        url(project, "transcripts", t.guid),
        {"undo": "1", "undo_codings": [lead_coding.guid]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403
    # An unused code of the codebook that bob's last coding did not make: kept.
    code_words(project, people["bob"], "P12", "a man who spoke", "Interpreters")
    mine = m.Coding.objects.get(coder__name="bob")
    client.post(
        url(project, "transcripts", t.guid),
        {"undo": "1", "undo_codings": [mine.guid], "undo_codes": [unused.guid]},
        HTTP_ACCEPT="application/json",
    )
    assert m.Code.objects.filter(pk=unused.pk).exists()
    assert not m.Coding.objects.filter(pk=mine.pk).exists()
    assert m.Coding.objects.filter(pk=lead_coding.pk).exists()


def test_moving_a_span_from_the_script(project, people, signed_in):
    c = code_words(project, people["alice"], "P12", "we had no interpreter", "Interpreters")[0]
    t = c.transcript
    client = signed_in(people["alice"])
    start = t.text.index("no interpreter")
    data = json.loads(
        client.post(
            url(project, "codings", c.guid),
            {"start": start, "end": c.end},
            HTTP_ACCEPT="application/json",
        ).content
    )
    assert data["ok"] and f'data-start="{start}"' in data["text"]
    c.refresh_from_db()
    assert t.text[c.start : c.end] == "no interpreter"
    bad = client.post(
        url(project, "codings", c.guid), {"start": 5, "end": 5}, HTTP_ACCEPT="application/json"
    )
    assert bad.status_code == 400 and not json.loads(bad.content)["ok"]
    assert "edit-coding" in actions(project)


def test_an_imported_colour_is_kept_and_shown(people, signed_in, tmp_path):
    from readiness.interviews import refi
    from readiness.interviews.model import Project

    core = Project("Aus NVivo")
    core.add_transcript("HCP01", "HCP01: Ich rief die Hotline an. 😀\n")
    core.add_code("ÜBERWEISUNG", color="#00a499")
    core.add_code("Ohne Farbe")
    path = refi.write_qdpx(core, tmp_path / "aus nvivo.qdpx", reason="a test file")
    project, _ = services.import_project(path, people["lead"])
    coloured = code(project, "ÜBERWEISUNG")
    assert coloured.color.upper() == "#00A499"
    assert code(project, "Ohne Farbe").color is None
    css = signed_in(people["lead"]).get(f"/interviews/{project.slug}/codes.css").content.decode()
    assert f".ri-k{coloured.pk}{{--k:{coloured.color}}}" in css
    assert f".ri-k{code(project, 'Ohne Farbe').pk}{{--k:#" in css  # the palette's, shown
