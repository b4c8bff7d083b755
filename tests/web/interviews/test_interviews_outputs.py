"""Framework matrix, theme report, agreement and its disagreements, downloads."""

from __future__ import annotations

import io
import zipfile

import pytest

from readiness.interviews.agreement import agreement as core_agreement
from readiness.web.interviews import convert, services
from readiness.web.interviews import models as m
from tests.web.interviews.builders import access, code_words, transcript

pytestmark = pytest.mark.django_db


def two_coders(project, people):
    """alice and bob code P12 and P7 as in docs/interviews.md."""
    alice, bob = people["alice"], people["bob"]
    a = code_words(project, alice, "P12", "we had no interpreter", "Interpreters")[0]
    code_words(project, alice, "P12", "a man who spoke for her", "Recognising indicators")
    code_words(project, alice, "P7_interview", "Only one slide in the safeguarding day", "Training")
    code_words(
        project,
        alice,
        "P7_interview",
        "We use the telephone line, but it takes ages",
        "Interpreters",
    )
    code_words(project, bob, "P12", "we had no interpreter", "Interpreters")
    code_words(project, bob, "P7_interview", "Only one slide in the safeguarding day", "Training")
    code_words(project, bob, "P7_interview", "I wouldn't know who to refer to", "Referral routes")
    services.add_memo(
        project,
        access(alice, project),
        text="No interpreter; the companion offered",
        target="coding",
        target_id=a.guid,
    )


def test_the_framework_matrix_shows_memos_and_linked_quotes(project, people, signed_in):
    two_coders(project, people)
    client = signed_in(people["alice"])
    html = client.get(f"/interviews/{project.slug}/framework/").content.decode()
    assert "No interpreter; the companion offered" in html
    t = transcript(project, "P12")
    s = t.text.index("we had no interpreter")
    assert f"/transcripts/{t.guid}/?at={s}&amp;to={s + 21}#at" in html
    assert "“we had no interpreter”" in html
    assert '<th scope="col">Availability of resources</th>' in html
    by_code = client.get(f"/interviews/{project.slug}/framework/?by=code").content.decode()
    assert '<th scope="col">Interpreters</th>' in by_code
    filtered = client.get(
        f"/interviews/{project.slug}/framework/?where=nation:Scotland"
    ).content.decode()
    assert "P7" in filtered and '<th scope="row">P12' not in filtered


def test_the_theme_report_attributes_quotes(project, people, signed_in):
    two_coders(project, people)
    html = signed_in(people["bob"]).get(f"/interviews/{project.slug}/report/").content.decode()
    assert "Availability of resources" in html and "P12, nurse, England" in html


def test_agreement_figures_are_the_cores(project, people, signed_in):
    two_coders(project, people)
    client = signed_in(people["lead"])
    html = client.get(
        f"/interviews/{project.slug}/agreement/?unit=turn&skip=Interviewer"
    ).content.decode()
    expected = core_agreement(convert.to_core(project), unit="turn", skip_speakers=["Interviewer"])
    assert "Reflexive thematic analysis does not use inter-coder agreement" in html
    assert expected.note in html
    o = expected.overall
    assert f"{100 * o.percent_agreement:.1f}%" in html  # 81.2%
    assert f"{o.kappa:.3f}" in html and f"{o.alpha:.3f}" in html  # 0.455, 0.469
    assert (o.kappa, o.alpha) == pytest.approx((0.4545, 0.4688), abs=1e-3)
    assert html.count('class="ri-disagreement"') == len(expected.disagreements) == 3
    character = client.get(f"/interviews/{project.slug}/agreement/?unit=character").content.decode()
    assert "Unit: character." in character


def test_interviewer_turns_are_left_out_unless_the_box_is_ticked(project, people, signed_in):
    two_coders(project, people)
    code_words(project, people["alice"], "P12", "Can you tell me about your role", "Training")
    client = signed_in(people["lead"])
    core = convert.to_core(project)
    default = client.get(f"/interviews/{project.slug}/agreement/?unit=turn").content.decode()
    left_out = core_agreement(core, unit="turn")
    assert left_out.note in default and "Interviewer" in left_out.note
    assert 'id="interviewer" name="interviewer" type="checkbox" value="1" ' in default
    ticked = client.get(
        f"/interviews/{project.slug}/agreement/?unit=turn&interviewer=1"
    ).content.decode()
    kept = core_agreement(core, unit="turn", include_interviewer=True)
    assert kept.overall.n > left_out.overall.n
    assert f"{100 * kept.overall.percent_agreement:.1f}%" in ticked
    assert 'value="1" checked' in ticked
    assert html_count(ticked) == len(kept.disagreements) == len(left_out.disagreements) + 1


def html_count(html: str) -> int:
    return html.count('class="ri-disagreement"')


def test_one_coder_gets_an_explanation(project, people, signed_in):
    code_words(project, people["alice"], "P12", "we had no interpreter", "Interpreters")
    html = signed_in(people["alice"]).get(f"/interviews/{project.slug}/agreement/").content.decode()
    assert "agreement needs two or more coders" in html


def resolve(client, project, d, action, **params):
    t = m.Transcript.objects.get(project=project, name=d.source)
    code = m.Code.objects.get(project=project, name=d.code)
    return client.post(
        f"/interviews/{project.slug}/agreement/",
        {
            "source": t.guid,
            "code": code.guid,
            "start": d.start,
            "end": d.end,
            "action": action,
            **params,
        },
    )


def test_disagreements_are_resolved_by_the_lead_or_each_coder_for_themselves(
    project, people, signed_in
):
    two_coders(project, people)

    def disagreements():
        return core_agreement(convert.to_core(project), skip_speakers=["Interviewer"]).disagreements

    found = {(d.source, d.code): d for d in disagreements()}
    assert set(found) == {
        ("P12", "Recognising indicators"),
        ("P7_interview", "Interpreters"),
        ("P7_interview", "Referral routes"),
    }
    params = {"unit": "turn", "skip": "Interviewer"}
    # bob may not remove alice's coding, but may code it himself.
    bob = signed_in(people["bob"])
    assert (
        resolve(
            bob, project, found[("P12", "Recognising indicators")], "remove", **params
        ).status_code
        == 403
    )
    r = resolve(bob, project, found[("P12", "Recognising indicators")], "add", **params)
    assert r.status_code == 302 and r["Location"].endswith("#disagreements")
    copy = m.Coding.objects.get(coder__name="bob", code__name="Recognising indicators")
    assert copy.transcript.text[copy.start : copy.end] == "a man who spoke for her"
    # The lead takes alice's telephone-line passage out.
    lead = signed_in(people["lead"])
    resolve(lead, project, found[("P7_interview", "Interpreters")], "remove", **params)
    assert not m.Coding.objects.filter(
        coder__name="alice", transcript__name="P7_interview", code__name="Interpreters"
    ).exists()
    resolve(lead, project, found[("P7_interview", "Referral routes")], "add", **params)
    assert disagreements() == []
    log = m.AuditEntry.objects.filter(project=project, action="resolve-disagreement")
    assert [e.details["resolution"] for e in log] == ["add", "remove", "add"]
    # Resolving one that has gone is explained.
    page = resolve(lead, project, found[("P7_interview", "Referral routes")], "add", **params)
    assert page.status_code == 302
    assert "no longer there" in lead.get(page["Location"]).content.decode()


def test_removing_part_of_a_longer_coding_splits_it(project, people, signed_in):
    alice, bob = people["alice"], people["bob"]
    t = transcript(project, "P12")
    text = "I'm a nurse in A&E. Last year Participant A came in with a man who spoke for her."
    long = code_words(project, alice, "P12", text, "Recognising indicators")[0]
    code_words(project, bob, "P12", "I'm a nurse", "Recognising indicators")
    code_words(project, bob, "P12", "who spoke for her", "Recognising indicators")
    res = core_agreement(convert.to_core(project), unit="character")
    middle = [d for d in res.disagreements if d.coded_by == ["alice"]]
    inner = max(middle, key=lambda d: d.end - d.start)
    resolve(signed_in(people["lead"]), project, inner, "remove", unit="character")
    pieces = sorted(t.text[c.start : c.end] for c in m.Coding.objects.filter(coder__name="alice"))
    assert long.guid in set(m.Coding.objects.values_list("guid", flat=True))
    assert len(pieces) == 2 and all(p.strip() for p in pieces)


@pytest.mark.parametrize(
    ("key", "magic"),
    [
        ("framework-xlsx", b"PK"),
        ("framework-docx", b"PK"),
        ("report-docx", b"PK"),
        ("report-html", b"<!DOCTYPE html>"),
        ("codebook-qdc", b"<?xml"),
        ("project-qdpx", b"PK"),
        ("project-zip", b"PK"),
    ],
)
def test_every_download(project, people, signed_in, key, magic):
    from tests.web.interviews.builders import accept_all

    two_coders(project, people)
    accept_all(project, people["lead"])  # the memos written while coding are reviewed
    response = signed_in(people["lead"]).post(
        f"/interviews/{project.slug}/downloads/", {"download": key}
    )
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert "no-store" in response["Cache-Control"]
    if key == "framework-xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(response.content))
        values = [c.value for row in wb["Framework"].iter_rows() for c in row]
        assert any("No interpreter; the companion offered" in str(v) for v in values)
    if key == "project-qdpx":
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            assert "project.qde" in z.namelist()
    assert (
        m.AuditEntry.objects.filter(
            project=project, details__file__endswith=key.split("-")[1]
        ).exists()
        or key == "codebook-qdc"
    )


def test_coders_may_not_download_the_whole_project(project, people, signed_in):
    client = signed_in(people["alice"])
    assert (
        client.post(
            f"/interviews/{project.slug}/downloads/", {"download": "project-qdpx"}
        ).status_code
        == 403
    )
    page = client.get(f"/interviews/{project.slug}/downloads/").content.decode()
    assert "project-qdpx" not in page and "framework-xlsx" in page
