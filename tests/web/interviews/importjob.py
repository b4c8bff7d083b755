"""Importing an interview project through its page, as a person does: the upload is queued,
the background worker imports it, and the job's page tells how it went.  The tests that use
it run outside a transaction (``django_db(transaction=True)``), as the worker must."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from readiness.web.jobs import worker
from readiness.web.jobs.models import Job


def queue_import(client, name: str, data: bytes, **fields) -> Job:
    """Upload ``data`` as ``name`` on the import page; the job it queued."""
    reply = client.post(
        reverse("interviews:project_import"),
        {"file": SimpleUploadedFile(name, data), "line_endings": "auto", **fields},
    )
    assert reply.status_code == 302, reply.content.decode()[-1500:]
    match = re.fullmatch(r"/jobs/([0-9a-f-]+)/", reply["Location"])
    assert match, reply["Location"]
    return Job.objects.get(pk=match.group(1))


def import_through_the_worker(client, name: str, data: bytes, **fields) -> tuple[Job, str]:
    """Queue the import, let the worker do it; the finished job and its page."""
    job = queue_import(client, name, data, **fields)
    worker.run(once=True)
    job.refresh_from_db()
    assert job.finished, (job.state, job.stage)
    page = client.get(reverse("jobs:job", kwargs={"job_id": job.pk}))
    assert page.status_code == 200
    return job, page.content.decode("utf-8")
