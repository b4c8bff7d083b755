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
    assert html.count('name="decision-') == 12  # 6 radios x 2
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
    decisions = {f"decision-{i}": "accept" for i in range(1, 7)}
    decisions["decision-6"] = "reject"  # keep the postcode
    decisions["replacement-1"] = "Ms A"
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
            "decision-1": "accept",
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
    assert "Not every transcript is pseudonymised" in page and 'name="reason"' in page
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
    # The codebook carries no transcript text: no gate.
    qdc = client.post(f"/interviews/{project.slug}/downloads/", {"download": "codebook-qdc"})
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
    assert 'id="proposals"' in html and 'value="Zoë"' in html
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
    found = [p.where for p in review.propose(project, KEY, some, list(review.KINDS))]
    assert "memo" not in found
    found = [p.where for p in review.propose(project, KEY, every, list(review.KINDS))]
    assert found.count("memo") == 2
    from tests.web.interviews.builders import accept_all

    accept_all(project, lead)
    assert not m.Memo.objects.filter(text__contains="Sarah").exists()
    assert set(m.Memo.objects.values_list("text", flat=True)) == {
        "Participant A rang me",
        "Ask Participant A",
    }
