"""Pseudonymisation review in the browser, the key that is never kept, and the export gate."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.apps import apps
from django.db import connection

from readiness.web.interviews import models as m
from tests.web.interviews.builders import KEY, SECRETS, code_words, make_project, transcript

pytestmark = pytest.mark.django_db


def every_value_in_the_database() -> str:
    """Every text value of every table, as one string (the privacy test's method)."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                out.extend(str(v) for v in row if v is not None)
    return "\n".join(out)


def propose(client, project, data):
    return client.post(f"/interviews/{project.slug}/pseudonymise/", {"step": "propose", **data})


def test_the_lead_reviews_in_the_browser_and_the_key_is_kept_nowhere(people, signed_in):
    lead = people["lead"]
    project = make_project(lead, coders=[people["alice"]], pseudonymise=False)
    # A coding made before the review keeps covering the same words afterwards.
    t12 = transcript(project, "P12")
    before = code_words(project, lead, "P12", "Sarah Jones came in", "Recognising indicators")[0]
    client = signed_in(lead)
    page = client.get(f"/interviews/{project.slug}/pseudonymise/")
    assert "no-store" in page["Cache-Control"]
    sources = [t.guid for t in m.Transcript.objects.filter(project=project)]
    kinds = ["name", "email", "nhs_number", "phone", "postcode", "date_of_birth"]
    response = propose(client, project, {"sources": sources, "kinds": kinds, "key": KEY})
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert html.count('type="radio"') == 18  # 6 strings found x 3 choices
    for found in (
        "Sarah Jones",
        "07700 900123",
        "nurse.p12@nhs.net",
        "943 476 5919",
        "12/03/1985",
        "SW1A 1AA",
    ):
        assert found in html
    form = dict(re.findall(r'name="(seen)" value="([^"]+)"', html))
    from readiness.web.interviews.review import group_id

    groups = re.findall(r'name="group-(g\w+)" type="radio" value="replace"', html)
    assert len(groups) == 6
    decisions = {f"group-{g}": "replace" for g in groups}
    decisions[f"group-{group_id('SW1A 1AA')}"] = "keep"  # keep the postcode
    decisions[f"group-{group_id('Sarah Jones')}"] = "new"
    decisions[f"pseudonym-{group_id('Sarah Jones')}"] = "Ms A"
    response = client.post(
        f"/interviews/{project.slug}/pseudonymise/",
        {"step": "apply", "sources": sources, "kinds": kinds, "key": KEY, **form, **decisions},
    )
    assert response.status_code == 302
    t12.refresh_from_db()
    assert "Ms A came in" in t12.text and "[phone]" in t12.text and "[email]" in t12.text
    moved = m.Coding.objects.get(guid=before.guid)
    assert t12.text[moved.start : moved.end] == "Ms A came in"
    assert all(m.Transcript.objects.filter(project=project).values_list("pseudonymised", flat=True))
    assert "SW1A 1AA" in transcript(project, "P7_interview").text
    log = m.AuditEntry.objects.filter(project=project, action="pseudonymise").get()
    assert log.details["accepted"] == {
        "name": 1,
        "phone": 1,
        "email": 1,
        "nhs_number": 1,
        "date_of_birth": 1,
    }
    # No table holds the key, a name in it that never appeared, or what was replaced.
    everything = every_value_in_the_database()
    for secret in (*SECRETS, "Zebedee", "Participant Z"):
        assert secret not in everything, secret
    # And neither does any download.
    for key in ("framework-xlsx", "report-html", "project-qdpx", "project-zip"):
        data = client.post(f"/interviews/{project.slug}/downloads/", {"download": key}).content
        blobs = [data]
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                blobs = [z.read(n) for n in z.namelist()]
        for blob in blobs:
            for secret in (*SECRETS, "Zebedee", "Participant Z"):
                assert secret.encode() not in blob, (key, secret)


def test_a_stale_review_is_refused(people, signed_in):
    lead = people["lead"]
    project = make_project(lead, pseudonymise=False)
    client = signed_in(lead)
    sources = [transcript(project, "P12").guid]
    html = propose(
        client, project, {"sources": sources, "kinds": ["phone"], "key": ""}
    ).content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', html).group(1)
    # Meanwhile the text changes.
    t = transcript(project, "P12")
    t.text = t.text.replace("07700 900123", "07700 900999")
    t.save()
    response = client.post(
        f"/interviews/{project.slug}/pseudonymise/",
        {
            "step": "apply",
            "sources": sources,
            "kinds": ["phone"],
            "key": "",
            "seen": seen,
            "group-" + re.search(r'name="group-(g\w+)"', html).group(1): "replace",
        },
    )
    assert "changed since the proposals were made" in response.content.decode()
    assert not transcript(project, "P12").pseudonymised


def test_a_bad_key_is_explained(people, signed_in):
    project = make_project(people["lead"], pseudonymise=False)
    client = signed_in(people["lead"])
    html = propose(
        client,
        project,
        {"sources": [transcript(project, "P12").guid], "kinds": ["name"], "key": "Sarah,Sarah B\n"},
    ).content.decode()
    assert "the key" in html and "contains the real name" in html


def test_coders_see_only_pseudonymised_transcripts(people, signed_in):
    project = make_project(people["lead"], coders=[people["alice"]], pseudonymise=False)
    from tests.web.interviews.builders import accept_all

    accept_all(project, people["lead"], sources=[transcript(project, "P3").guid])
    alice = signed_in(people["alice"])
    overview = alice.get(f"/interviews/{project.slug}/").content.decode()
    assert "P3" in overview and "3 transcript(s) are waiting" in overview
    assert (
        alice.get(
            f"/interviews/{project.slug}/transcripts/{transcript(project, 'P12').guid}/"
        ).status_code
        == 404
    )
    hits = alice.get(f"/interviews/{project.slug}/search/?q=Sarah").content.decode()
    assert "0 hits" in hits and "in 1 transcript" in hits
    assert "Sarah" not in alice.get(f"/interviews/{project.slug}/framework/").content.decode()
    assert alice.get(f"/interviews/{project.slug}/pseudonymise/").status_code == 403
    # Their downloads hold P3 only, and pass the gate without a reason.
    data = alice.post(
        f"/interviews/{project.slug}/downloads/", {"download": "report-html"}
    ).content.decode()
    assert "Sarah" not in data and "Themes: Pilot study" in data


def test_the_export_gate_refuses_without_a_reason_and_logs_one(people, signed_in):
    lead = people["lead"]
    project = make_project(lead, pseudonymise=False)
    code_words(project, lead, "P12", "we had no interpreter", "Interpreters")
    client = signed_in(lead)
    page = client.get(f"/interviews/{project.slug}/downloads/").content.decode()
    assert "Not everything is reviewed for pseudonymisation" in page and 'name="reason"' in page
    refused = client.post(f"/interviews/{project.slug}/downloads/", {"download": "framework-xlsx"})
    assert refused.status_code == 200
    assert "has not been pseudonymised, so it may not leave the project" in refused.content.decode()
    assert not m.AuditEntry.objects.filter(project=project, action="write-framework").exists()
    given = client.post(
        f"/interviews/{project.slug}/downloads/",
        {"download": "framework-xlsx", "reason": "Sent to the data controller for redaction"},
    )
    assert given.status_code == 200 and given["Content-Disposition"].endswith('.xlsx"')
    override = m.AuditEntry.objects.get(project=project, action="export-override")
    assert override.user == "ilead"
    assert override.details["reason"] == "Sent to the data controller for redaction"
    assert len(override.details["transcripts"]) == 4
    assert m.AuditEntry.objects.filter(project=project, action="write-framework").exists()
    if apps.is_installed("readiness.web.audit"):
        from readiness.web.audit.models import Event

        event = Event.objects.filter(action="export").last()
        assert event.detail["override"] is True
        assert event.detail["reason"] == "Sent to the data controller for redaction"
    # The codebook carries code and theme names, which are reviewed too.
    qdc = client.post(f"/interviews/{project.slug}/downloads/", {"download": "codebook-qdc"})
    assert "Content-Disposition" not in qdc and "18 codes (" in qdc.content.decode()
    qdc = client.post(
        f"/interviews/{project.slug}/downloads/", {"download": "codebook-qdc", "reason": "Shared"}
    )
    assert qdc["Content-Disposition"].endswith('.qdc"')


def test_a_key_file_is_read_like_the_command_line_reads_it(people, signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = make_project(people["lead"], pseudonymise=False)
    client = signed_in(people["lead"])
    source = transcript(project, "P12").guid
    utf8 = SimpleUploadedFile("key.csv", "\ufeffreal,pseudonym\nSarah Jones,Zoë\n".encode())
    html = client.post(
        f"/interviews/{project.slug}/pseudonymise/",
        {"step": "propose", "sources": [source], "kinds": ["name"], "key_file": utf8},
    ).content.decode()
    assert 'id="proposals"' in html and "Replace with <strong>Zoë</strong>" in html
    # A Windows file that is not UTF-8 is refused with the place of the first bad byte, and
    # nothing is proposed (not even without the names).
    cp1252 = SimpleUploadedFile("key.csv", "real,pseudonym\nSarah Jones,Zoë\n".encode("cp1252"))
    html = client.post(
        f"/interviews/{project.slug}/pseudonymise/",
        {"step": "propose", "sources": [source], "kinds": ["name"], "key_file": cp1252},
    ).content.decode()
    assert 'id="proposals"' not in html
    assert "the key file, line 2: is not UTF-8 text: byte 0xeb" in html


def test_reviewing_every_transcript_reviews_every_memo(people, signed_in):
    from readiness.web.interviews import review, services
    from tests.web.interviews.builders import access

    lead = people["lead"]
    project = make_project(lead, pseudonymise=False)
    coding = code_words(project, lead, "P12", "we had no interpreter", "Interpreters")[0]
    services.add_memo(project, access(lead, project), text="Sarah Jones rang me", target="project")
    services.add_memo(
        project,
        access(lead, project),
        text="Ask Sarah Jones",
        target="coding",
        target_id=coding.guid,
    )
    some = [transcript(project, "P12").guid]
    every = [t.guid for t in m.Transcript.objects.filter(project=project)]
    services.add_memo(
        project,
        access(lead, project),
        text="Sarah Jones is in P7 too",
        target="source",
        target_id=transcript(project, "P7_interview").guid,
    )
    # A review of P12 reads the memos on the project and on P12's codings, not those on P7.
    found = [p.where for p in review.propose(project, KEY, some, list(review.KINDS))]
    assert found.count("memo") == 2
    found = [p.where for p in review.propose(project, KEY, every, list(review.KINDS))]
    assert found.count("memo") == 3
    from tests.web.interviews.builders import accept_all

    accept_all(project, lead)
    assert not m.Memo.objects.filter(text__contains="Sarah").exists()
    assert set(m.Memo.objects.values_list("text", flat=True)) == {
        "Participant A rang me",
        "Ask Participant A",
        "Participant A is in P7 too",
    }


# -- pseudonymised downloads carry no real name --------------------------------------------------

RITCHIE_KEY = "real,pseudonym\nRitchie,Person R\n"


def _review_everything(project, lead, key=RITCHIE_KEY):
    from readiness.web.interviews import review

    project.refresh_from_db()  # its name may have been reviewed already
    every = [t.guid for t in m.Transcript.objects.filter(project=project)]
    kinds = list(review.KINDS)
    proposals = review.propose(project, key, every, kinds)
    review.apply(
        project,
        lead,
        key_text=key,
        sources=every,
        kinds=kinds,
        seen=review.fingerprint(proposals),
        decisions={p.id: "accept" for p in proposals},
        replacements={},
    )


def _blobs(data: bytes) -> list[bytes]:
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [z.read(n) for n in z.namelist()]
    return [data]


@pytest.fixture
def ritchie(people):
    """A project whose file, transcript and participant names, attributes, memos, codes and
    themes carry the key's name Ritchie; coded by the lead, with alice as a coder."""
    from readiness.web.interviews import services
    from readiness.web.interviews.models import Role
    from tests.web.interviews.builders import access

    lead = people["lead"]
    project = services.new_project("Ritchie pilot", lead, starter_codebook=True)
    text = "Interviewer: Tell me about the clinic.\nR1: Ritchie from unix-ritchie told me.\n"
    services.add_transcripts(
        project,
        [("unix-ritchie.txt", text.encode())],
        participants=(
            "people.csv",
            b"participant,profession,nation\nunix-ritchie,nurse (Ritchie ward),England\n",
        ),
        user=lead,
    )
    services.set_member(project, people["alice"], Role.CODER)
    me = access(lead, project)
    theme = m.Theme.objects.filter(project=project).first()
    code = services.add_code(
        project, me, name="Ritchie's referral", definition="What Ritchie did", themes=[theme.guid]
    )
    coding = code_words(project, lead, "unix-ritchie", "Ritchie from", code.name)[0]
    services.add_memo(
        project,
        me,
        text="Ritchie upset; exemplar",
        target="coding",
        target_id=coding.guid,
        title="Ritchie",
    )
    services.add_memo(project, me, text="Met Ritchie twice", target="project")
    return project


def test_pseudonymised_downloads_carry_no_real_name_anywhere(people, signed_in, ritchie):
    """Every download, by the lead and by a coder, once the project is reviewed: the name is
    in no byte of any file (zip members unpacked), though it was in every kind of object."""
    from readiness.web.interviews.analysis import DOWNLOADS

    _review_everything(ritchie, people["lead"])
    for who in ("lead", "alice"):
        client = signed_in(people[who])
        for key in DOWNLOADS:
            for by in ("theme", "code"):
                r = client.post(
                    f"/interviews/{ritchie.slug}/downloads/", {"download": key, "by": by}
                )
                if r.status_code == 403 or "Content-Disposition" not in r:
                    assert who == "alice" and key.startswith("project"), (who, key)
                    continue
                for blob in _blobs(r.content):
                    assert b"ritchie" not in blob.lower(), (who, key, by)
    assert (
        b"person r"
        in _blobs(
            signed_in(people["lead"])
            .post(f"/interviews/{ritchie.slug}/downloads/", {"download": "project-qdpx"})
            .content
        )[0].lower()
    )


def test_a_download_is_refused_while_anything_is_unreviewed(people, signed_in, ritchie):
    """Once reviewed, a memo written after the review holds back every download (a coder's
    too) until the lead reviews again or gives a reason, which is logged."""
    from readiness.web.interviews import services
    from tests.web.interviews.builders import access

    _review_everything(ritchie, people["lead"])
    alice = signed_in(people["alice"])
    ok = alice.post(f"/interviews/{ritchie.slug}/downloads/", {"download": "report-html"})
    assert ok.status_code == 200 and "Content-Disposition" in ok
    services.add_memo(
        ritchie, access(people["alice"], ritchie), text="Ritchie rang", target="project"
    )
    for key in ("report-html", "framework-xlsx", "framework-docx", "report-docx"):
        r = alice.post(f"/interviews/{ritchie.slug}/downloads/", {"download": key})
        assert "Content-Disposition" not in r, key
        assert "not reviewed for pseudonymisation since added or last changed" in r.content.decode()
    lead = signed_in(people["lead"])
    page = lead.get(f"/interviews/{ritchie.slug}/downloads/").content.decode()
    assert "Not everything is reviewed for pseudonymisation" in page
    given = lead.post(
        f"/interviews/{ritchie.slug}/downloads/",
        {"download": "project-qdpx", "reason": "To the data controller"},
    )
    assert "Content-Disposition" in given
    override = m.AuditEntry.objects.get(project=ritchie, action="export-override")
    assert override.details["unreviewed"] == {"memo": 1}
    assert override.details["reason"] == "To the data controller"
    _review_everything(ritchie, people["lead"])
    again = alice.post(f"/interviews/{ritchie.slug}/downloads/", {"download": "report-html"})
    assert "Content-Disposition" in again and b"ritchie" not in again.content.lower()


# -- proposals grouped by the string found, a page at a time ------------------------------------


def _long_transcript() -> str:
    """A transcript that names 60 different people (Mr ...), Rik misheard as Rick three times
    and Mark (in the key, and an ordinary word) twice."""
    lines = ["Interviewer: Who did you meet?"]
    lines += [f"P20: I met Mr Qa{chr(97 + i // 26)}{chr(97 + i % 26)}x there." for i in range(60)]
    lines += ["P20: Rick came. Later Rick left, and Rick rang.", "P20: Mark said to mark it."]
    return "\n".join(lines) + "\n"


def test_the_review_groups_by_string_and_pages(people, signed_in):
    from readiness.web.interviews import services
    from readiness.web.interviews.review import PAGE_SIZE, group_id

    lead = people["lead"]
    project = services.new_project("Long study", lead)
    services.add_transcripts(project, [("P20.txt", _long_transcript().encode())], user=lead)
    client = signed_in(lead)
    sources = [transcript(project, "P20").guid]
    key = "real,pseudonym\nRik,Person R\nMark,Person M\n"
    data = {"sources": sources, "kinds": list(m_kinds()), "key": key}
    html = propose(client, project, data).content.decode()
    rick, mark = group_id("Rick"), group_id("Mark")
    # One row for the three Ricks, with the key's pseudonym, replaced unless told otherwise.
    assert "(3&times;)" in html and "Replace with <strong>Person R</strong>" in html
    assert re.search(rf'id="replace-{rick}"[^>]*checked', html)
    # Mark (twice: "Mark" and "mark") is proposed, but kept unless the lead says otherwise.
    assert re.search(rf'id="keep-{mark}"[^>]*checked', html)
    assert "ordinary word" in html
    # 62 strings (60 names, Rick, Mark): two pages, the others' choices carried along hidden.
    shown = re.findall(r'name="group-(g\w+)" type="radio" value="replace"', html)
    hidden = re.findall(r'type="hidden" name="group-(g\w+)" value="(\w+)"', html)
    assert len(shown) == PAGE_SIZE and len(hidden) == 62 - PAGE_SIZE
    assert "Page 1 of 2" in html and "Next page" in html
    # Decide on page 1, go to page 2: page 1's decisions travel with the form.
    form = dict(re.findall(r'name="(seen)" value="([^"]+)"', html))
    choices = {f"group-{g}": "keep" for g in shown}
    choices.update({f"group-{g}": v for g, v in hidden})
    choices[f"group-{rick}"] = "new"
    choices[f"pseudonym-{rick}"] = "Ricardo X"
    page2 = client.post(
        f"/interviews/{project.slug}/pseudonymise/",
        {"step": "apply", "goto": "2", **data, **form, **choices},
    ).content.decode()
    assert "Page 2 of 2" in page2 and "Previous page" in page2
    assert f'type="hidden" name="group-{rick}" value="new"' in page2
    assert f'name="pseudonym-{rick}" value="Ricardo X"' in page2
    assert not transcript(project, "P20").pseudonymised
    # Apply from page 2: all the Ricks become the new pseudonym, Mark stays, the names kept.
    form = dict(re.findall(r'name="(seen|page)" value="([^"]+)"', page2))
    choices = dict(
        re.findall(r'type="hidden" name="((?:group|pseudonym)-g\w+)" value="([^"]*)"', page2)
    )
    choices.update(
        {
            f"group-{g}": "replace"
            for g in re.findall(r'name="group-(g\w+)" type="radio" value="replace"', page2)
        }
    )
    response = client.post(
        f"/interviews/{project.slug}/pseudonymise/",
        {"step": "apply", **data, **form, **choices},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    text = transcript(project, "P20").text
    assert text.count("Ricardo X") == 3 and "Rick" not in text
    assert "Mark said to mark it" in text and "Mr Qaax" in text


def test_a_new_pseudonym_must_be_given(people, signed_in):
    from readiness.web.interviews.review import group_id

    lead = people["lead"]
    project = make_project(lead, pseudonymise=False)
    client = signed_in(lead)
    sources = [transcript(project, "P12").guid]
    data = {"sources": sources, "kinds": ["phone"], "key": ""}
    html = propose(client, project, data).content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', html).group(1)
    gid = group_id("07700 900123")
    response = client.post(
        f"/interviews/{project.slug}/pseudonymise/",
        {"step": "apply", "seen": seen, **data, f"group-{gid}": "new", f"pseudonym-{gid}": " "},
    )
    html = response.content.decode()
    assert "no new pseudonym was given for &#39;07700 900123&#39;" in html
    assert f'id="new-{gid}"' in html  # the review is shown again
    assert not transcript(project, "P12").pseudonymised


def m_kinds():
    from readiness.web.interviews.review import KINDS

    return KINDS
