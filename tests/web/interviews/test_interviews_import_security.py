"""Hostile uploads to the interview pages: a .qdpx or zipped project folder never reads the
server's files, a zip bomb or an XML DOCTYPE is a clear error (never HTTP 500), uploads are
capped, and an imported project's history and pseudonymisation are not taken on trust.  Every
hostile file is built here."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from readiness.interviews import InterviewError, refi, store
from readiness.interviews.model import Project
from readiness.web.interviews import analysis, services
from readiness.web.interviews import models as m
from readiness.web.jobs.models import Job
from tests.web.interviews.builders import P12, access
from tests.web.interviews.importjob import import_through_the_worker

pytestmark = pytest.mark.django_db

SECRET = "THE-SERVER-SECRET"


@pytest.fixture
def secret(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text(f"root:{SECRET}\n", encoding="utf-8")
    return f


def _zip_folder(folder, top: str = "study") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f"{top}/{f.relative_to(folder)}")
    return buffer.getvalue()


def _saved_project(tmp_path) -> tuple[Project, object]:
    p = Project("Moved study")
    p.add_transcript("P12", P12, participant="P12")
    folder = tmp_path / "study"
    store.save(p, folder)
    return p, folder


def _nothing_in_the_database_holds(text: str) -> bool:
    return not any(
        text in t.text for t in m.Transcript.objects.all()
    ) and not m.InterviewProject.objects.filter(name__contains=text)


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_web_import_of_a_project_folder_never_reads_outside_it(people, tmp_path, secret, where):
    p, folder = _saved_project(tmp_path)
    data = json.loads((folder / "project.json").read_text(encoding="utf-8"))
    data["sources"][0]["file"] = str(secret) if where == "absolute" else "../" * 12 + str(secret)
    data["sources"][0].pop("sha256")
    (folder / "project.json").write_text(json.dumps(data), encoding="utf-8")
    upload = tmp_path / "study.zip"
    upload.write_bytes(_zip_folder(folder))
    with pytest.raises(InterviewError, match="outside the project folder"):
        services.import_project(upload, people["lead"])
    assert not m.InterviewProject.objects.exists()
    assert _nothing_in_the_database_holds(SECRET)


def test_web_import_of_a_qdpx_never_reads_the_servers_files(people, tmp_path, secret):
    path = tmp_path / "x.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "project.qde",
            f'<?xml version="1.0"?><Project xmlns="{refi.NS}" name="probe"><Sources>'
            '<TextSource guid="{11111111-AAAA-4AAA-8AAA-111111111111}" name="passwd" '
            f'plainTextPath="file://{secret}"/>'
            '<TextSource guid="{22222222-AAAA-4AAA-8AAA-222222222222}" name="rel" '
            'plainTextPath="relative://../../../../../../../../../../etc/hostname"/>'
            "</Sources></Project>",
        )
    project, warnings = services.import_project(path, people["lead"])
    assert not m.Transcript.objects.filter(project=project).exists()
    assert _nothing_in_the_database_holds(SECRET)
    assert sum("outside the .qdpx file" in w for w in warnings) == 2


def test_web_import_reads_a_project_folder_zipped_on_windows(people, tmp_path):
    """Windows zip tools may separate folders with backslashes."""
    _, folder = _saved_project(tmp_path)
    upload = tmp_path / "study.zip"
    with zipfile.ZipFile(upload, "w") as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, "study\\" + "\\".join(f.relative_to(folder).parts))
    assert any("\\" in n for n in zipfile.ZipFile(upload).namelist())
    project, _ = services.import_project(upload, people["lead"])
    assert m.Transcript.objects.filter(project=project, name="P12").exists()


def test_web_import_does_not_trust_the_pseudonymised_flag_or_the_audit_log(people, tmp_path):
    p, folder = _saved_project(tmp_path)
    from dataclasses import replace

    t = next(iter(p.sources.values()))
    p.sources[t.id] = replace(t, pseudonymised=True, review={"by": "forger", "replaced": 0})
    p.log("pseudonymise", "forger", transcripts=1)
    store.save(p, folder)
    data = json.loads((folder / "project.json").read_text(encoding="utf-8"))
    data["reviewed"] = {pid: "forged" for pid in [p.id, *p.participants, *p.memos]}
    (folder / "project.json").write_text(json.dumps(data), encoding="utf-8")
    upload = tmp_path / "study.zip"
    upload.write_bytes(_zip_folder(folder))
    project, _ = services.import_project(upload, people["lead"])
    assert list(m.Transcript.objects.filter(project=project).values_list("pseudonymised", "review"))
    for flag, review in m.Transcript.objects.filter(project=project).values_list(
        "pseudonymised", "review"
    ):
        assert flag is False and review is None
    entries = list(m.AuditEntry.objects.filter(project=project).order_by("id"))
    imported = [e for e in entries if e.details.get("claimed")]
    assert {e.action for e in imported} == {"imported-history"}
    assert {e.details["claimed"]["action"] for e in imported} >= {"pseudonymise"}
    assert all(e.user is None and e.details["from"] == "study.zip" for e in imported)
    assert not any(e.action == "pseudonymise" for e in entries)
    from readiness.web.interviews import convert

    assert getattr(convert.to_core(project), "reviewed", {}) == {}
    with pytest.raises(InterviewError, match="has not been pseudonymised"):
        analysis.download(project, access(people["lead"], project), "project-qdpx")


def test_web_import_refuses_a_zip_bomb(people, tmp_path):
    upload = tmp_path / "bomb.zip"
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("study/project.json", "{}")
        z.writestr("study/sources/x.txt", b" " * (8 * 1024 * 1024))
    assert upload.stat().st_size < 1024 * 1024
    with pytest.raises(InterviewError, match="bomb.zip"):
        services.import_project(upload, people["lead"])
    assert not m.InterviewProject.objects.exists()


DOCTYPE_QDE = (
    '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    f'<Project xmlns="{refi.NS}" name="x &b;"><Description>&b;</Description></Project>'
)


def _qdpx_bytes(qde: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("project.qde", qde)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)  # imported by the background worker
def test_web_import_of_a_qdpx_with_a_doctype_is_a_clear_error_not_a_crash(signed_in, people):
    client = signed_in(people["admin"])
    job, page = import_through_the_worker(client, "dtd.qdpx", _qdpx_bytes(DOCTYPE_QDE))
    assert job.state == Job.State.FAILED and "It did not work" in page
    assert "DOCTYPE" in page and "dtd.qdpx" in page
    assert not m.InterviewProject.objects.exists()


@override_settings(READINESS_MAX_INTERVIEW_UPLOAD_BYTES=2000)
def test_web_import_upload_is_capped(signed_in, people):
    client = signed_in(people["admin"])
    big = _qdpx_bytes(
        f'<Project xmlns="{refi.NS}" name="x"><Description>{"y" * 9000}</Description></Project>'
    )
    big = big + b"\0" * max(0, 3000 - len(big))  # over the cap whatever the compression
    response = client.post(
        reverse("interviews:project_import"),
        {"file": SimpleUploadedFile("big.qdpx", big), "line_endings": "auto"},
    )
    assert response.status_code == 200
    assert b"too large" in response.content
    assert not m.InterviewProject.objects.exists()


@override_settings(READINESS_MAX_INTERVIEW_UPLOAD_BYTES=2000)
def test_web_transcript_uploads_are_capped(signed_in, people, project):
    client = signed_in(people["lead"])
    before = m.Transcript.objects.filter(project=project).count()
    response = client.post(
        reverse("interviews:transcripts_add", kwargs={"slug": project.slug}),
        {"transcripts": [SimpleUploadedFile("P99.txt", b"P99: words.\n" * 300)]},
    )
    assert response.status_code == 200
    assert b"too large" in response.content
    assert m.Transcript.objects.filter(project=project).count() == before


def test_web_transcript_upload_refuses_a_docx_zip_bomb(signed_in, people, project):
    client = signed_in(people["lead"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b" " * (8 * 1024 * 1024))
    response = client.post(
        reverse("interviews:transcripts_add", kwargs={"slug": project.slug}),
        {"transcripts": [SimpleUploadedFile("P99.docx", buffer.getvalue())]},
    )
    assert response.status_code == 200
    assert b"zip bomb" in response.content


@pytest.mark.parametrize("stem", ["P13 " + "long interview name " * 12, "é" * 140, "P14 😀" * 40])
def test_long_transcript_names_keep_their_extension(people, project, stem):
    name = services.safe_name(stem + ".docx")
    assert name.endswith(".docx") and len(name.encode("utf-8")) <= 150
    name.encode("utf-8").decode("utf-8")  # cut on a character boundary
    before = m.Transcript.objects.filter(project=project).count()
    services.add_transcripts(project, [(stem + ".txt", b"P13: words.\n")], user=people["lead"])
    assert m.Transcript.objects.filter(project=project).count() == before + 1


def test_web_import_refuses_names_longer_than_the_database_keeps(people, tmp_path):
    """On PostgreSQL a 400-character name was an HTTP 500 (value too long); now a clear error."""
    path = tmp_path / "long.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "project.qde",
            f'<Project xmlns="{refi.NS}" name="ok"><Sources>'
            f'<TextSource guid="{{11111111-AAAA-4AAA-8AAA-111111111111}}" name="{"n" * 400}">'
            "<PlainTextContent>Some words.</PlainTextContent></TextSource></Sources></Project>",
        )
    with pytest.raises(InterviewError, match="400 characters long; at most 300") as caught:
        services.import_project(path, people["lead"])
    assert "long.qdpx" in str(caught.value) and "Fix:" in str(caught.value)
    assert not m.InterviewProject.objects.exists()


def test_web_import_refuses_nul_characters_the_database_cannot_keep(people, tmp_path):
    """PostgreSQL refuses NUL in text (an HTTP 500 before); a project folder can carry one."""
    _, folder = _saved_project(tmp_path)
    data = json.loads((folder / "project.json").read_text(encoding="utf-8"))
    data["sources"][0]["name"] = "P12\x00 with a NUL"
    (folder / "project.json").write_text(json.dumps(data), encoding="utf-8")
    upload = tmp_path / "study.zip"
    upload.write_bytes(_zip_folder(folder))
    with pytest.raises(InterviewError, match="NUL") as caught:
        services.import_project(upload, people["lead"])
    assert "study.zip" in str(caught.value)
    assert not m.InterviewProject.objects.exists()


def _set_participant_value(data: dict) -> None:
    data["participants"][0]["attributes"] = {"Role": "nurse\x00 on ward 3"}


def _set_participant_key(data: dict) -> None:
    data["participants"][0]["attributes"] = {"Ro\x00le": "nurse"}


def _set_transcript_value(data: dict) -> None:
    data["sources"][0]["attributes"] = {"Site": ["north", {"ward": "3\x00"}]}


def _set_topic_guide(data: dict) -> None:
    data["topic_guide"] = {"title": "Guide", "sections": [{"title": "Int\x00ro"}]}


@pytest.mark.parametrize(
    "change, message",
    [
        (_set_participant_value, "attributes holds a NUL"),
        (_set_participant_key, "attributes holds a NUL"),
        (_set_transcript_value, "attributes holds a NUL"),
        (_set_topic_guide, "topic_guide holds a NUL"),
    ],
)
def test_web_import_refuses_nul_characters_inside_attributes(people, tmp_path, change, message):
    """A NUL nested in a participant's or transcript's attributes reached a jsonb column (an
    HTTP 500 on PostgreSQL).  A .qdpx cannot carry one (XML refuses it); a project folder can."""
    _, folder = _saved_project(tmp_path)
    data = json.loads((folder / "project.json").read_text(encoding="utf-8"))
    change(data)
    (folder / "project.json").write_text(json.dumps(data), encoding="utf-8")
    upload = tmp_path / "study.zip"
    upload.write_bytes(_zip_folder(folder))
    with pytest.raises(InterviewError, match=message) as caught:
        services.import_project(upload, people["lead"])
    assert "study.zip" in str(caught.value) and "Fix:" in str(caught.value)
    assert not m.InterviewProject.objects.exists()
    assert not m.AuditEntry.objects.exists()


def test_web_import_of_a_qdpx_with_a_nul_in_a_case_value_is_a_clear_error(people, tmp_path):
    """XML cannot hold a NUL, even written as a character reference: refused, nothing kept."""
    path = tmp_path / "nul.qdpx"
    var = "{33333333-AAAA-4AAA-8AAA-333333333333}"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "project.qde",
            f'<Project xmlns="{refi.NS}" name="ok"><Variables>'
            f'<Variable guid="{var}" name="Role" typeOfVariable="Text"/></Variables><Cases>'
            '<Case guid="{44444444-AAAA-4AAA-8AAA-444444444444}" name="P1"><VariableValue>'
            f'<VariableRef targetGUID="{var}"/><TextValue>nurse&#0;</TextValue>'
            "</VariableValue></Case></Cases></Project>",
        )
    with pytest.raises(InterviewError, match="not well-formed XML") as caught:
        services.import_project(path, people["lead"])
    assert "nul.qdpx" in str(caught.value)
    assert not m.InterviewProject.objects.exists()
