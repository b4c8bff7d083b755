"""An interview project is imported by the background worker, never in the request: the upload
is kept in the jobs' private folder, its starter follows the job's page (stage and counts),
and it ends with a link to the new project and the import's warnings, or with the problems of
the file.  All or nothing, and only for those who may import a project."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from readiness.interviews import refi
from readiness.web.interviews import convert, services
from readiness.web.interviews import models as m
from readiness.web.jobs import worker
from readiness.web.jobs.models import Job
from tests.web.interviews.importjob import import_through_the_worker, qdpx, queue_import

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits as it goes


DOCTYPE = (
    '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY b "boom">]>'
    f'<Project xmlns="{refi.NS}" name="x &b;"></Project>'
)


def _zipped(qde: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("project.qde", qde)
    return buffer.getvalue()


def _page(client, job) -> str:
    return client.get(reverse("jobs:job", kwargs={"job_id": job.pk})).content.decode("utf-8")


def _importer(make_user):
    """Someone given the permission to create projects (not a system administrator)."""
    user = make_user("importer")
    user.user_permissions.add(Permission.objects.get(codename="add_interviewproject"))
    return user


def test_the_upload_is_queued_and_nothing_is_imported_in_the_request(signed_in, people, settings):
    client = signed_in(people["admin"])
    job = queue_import(client, "study.qdpx", qdpx())
    assert job.kind == Job.Kind.INTERVIEW_IMPORT and job.state == Job.State.QUEUED
    assert job.study is None and job.started_by == people["admin"]
    kept = Path(job.input_file.path)
    assert kept.is_file() and kept.is_relative_to(Path(settings.READINESS_JOB_FILES_DIR))
    assert kept.suffix == ".qdpx"
    assert not m.InterviewProject.objects.exists()
    page = _page(client, job)
    assert "Import of an interview project" in page and "Waiting to start" in page


def test_the_worker_imports_it_and_the_page_links_to_the_project(signed_in, people):
    client = signed_in(people["admin"])
    job = queue_import(client, "study.qdpx", qdpx(3, outside=True))
    kept = Path(job.input_file.path)
    worker.run(once=True)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    project = m.InterviewProject.objects.get(name="Étude")
    assert m.Member.objects.filter(project=project, user=people["admin"], role=m.Role.LEAD).exists()
    assert m.Transcript.objects.filter(project=project).count() == 3
    assert (job.done, job.total) == (3, 3)  # the transcripts added
    assert not job.input_file and not kept.exists()  # the upload is not kept: it holds transcripts
    page = _page(client, job)
    link = reverse("interviews:project", kwargs={"slug": project.slug})
    assert f'href="{link}"' in page and "Imported study.qdpx as project" in page
    assert "Review their pseudonymisation" in page
    assert 'id="import-warnings"' in page and "outside the .qdpx file" in page


def test_each_stage_is_told_outside_the_imports_transaction(people, tmp_path):
    path = tmp_path / "study.qdpx"
    path.write_bytes(qdpx(2))
    seen = []

    def progress(stage, done=None, total=None):
        seen.append((stage, done, total, connection.in_atomic_block))

    services.import_project(path, people["lead"], progress=progress)
    assert seen[0][0] == "Reading the project file"
    assert ("Adding 2 transcripts", 0, 2, False) in seen
    assert seen[-1] == ("Imported the project", 2, 2, False)
    assert not any(inside for *_, inside in seen)  # the starter sees each one as it comes


def test_a_refused_file_shows_its_problems_and_imports_nothing(signed_in, people, settings):
    client = signed_in(people["admin"])
    job, page = import_through_the_worker(client, "dtd.qdpx", _zipped(DOCTYPE))
    assert job.state == Job.State.FAILED
    assert job.error == "1 problem in interview data dtd.qdpx, listed below."
    assert "It did not work" in page and 'id="job-problems"' in page
    table = page[page.index('id="job-problems"') :]
    assert "dtd.qdpx" in table and "DOCTYPE" in table and "How to fix it" in table
    assert settings.READINESS_JOB_FILES_DIR not in page and "/dev/shm" not in page
    assert "/tmp/" not in table  # no folder of the server
    assert not m.InterviewProject.objects.exists() and not job.input_file


def test_a_file_of_another_kind_is_refused_in_the_request(signed_in, people):
    client = signed_in(people["admin"])
    reply = client.post(
        reverse("interviews:project_import"),
        {"file": SimpleUploadedFile("notes.txt", b"words"), "line_endings": "auto"},
    )
    assert reply.status_code == 200 and b".qdpx" in reply.content
    assert not Job.objects.exists()


def test_a_failure_while_writing_leaves_nothing(signed_in, people, monkeypatch):
    client = signed_in(people["admin"])
    job = queue_import(client, "study.qdpx", qdpx(3))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(convert, "save_audit", broken)  # after the transcripts are written
    worker.run(once=True)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "Something went wrong" in job.error
    assert not m.InterviewProject.objects.exists() and not m.Transcript.objects.exists()
    assert not m.Member.objects.exists() and not m.Code.objects.exists()
    assert not job.input_file


def test_only_those_who_may_import_start_it(signed_in, people):
    client = signed_in(people["lead"])  # leads a project, may not create one
    assert client.get(reverse("interviews:project_import")).status_code == 403
    reply = client.post(
        reverse("interviews:project_import"),
        {"file": SimpleUploadedFile("study.qdpx", qdpx()), "line_endings": "auto"},
    )
    assert reply.status_code == 403 and not Job.objects.exists()


def test_only_the_starter_sees_the_job(signed_in, people, make_user):
    importer = _importer(make_user)
    client = signed_in(importer)
    job, page = import_through_the_worker(client, "study.qdpx", qdpx())
    assert job.state == Job.State.DONE, job.error
    for name in ("lead", "outsider", "admin"):
        other = Client()
        other.force_login(people[name])
        for suffix in ("", "status/", "file/"):
            assert other.get(f"/jobs/{job.pk}/{suffix}").status_code == 404, (name, suffix)


def test_a_starter_who_may_no_longer_import_gets_nothing(signed_in, make_user):
    importer = _importer(make_user)
    client = signed_in(importer)
    job = queue_import(client, "study.qdpx", qdpx())
    importer.user_permissions.clear()
    worker.run(once=True)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "may no longer" in job.error
    assert not m.InterviewProject.objects.exists() and not job.input_file
    importer = type(importer).objects.get(pk=importer.pk)  # permissions are cached per object
    client.force_login(importer)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
