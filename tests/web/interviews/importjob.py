"""Importing an interview project through its page, as a person does: the upload is queued,
the background worker imports it, and the job's page tells how it went.  The tests that use
it run outside a transaction (``django_db(transaction=True)``), as the worker must."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from readiness.interviews import refi
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


def _g() -> str:
    return str(uuid.uuid4()).upper()


def qdpx(n: int = 2, *, outside: bool = False, name: str = "Étude") -> bytes:
    """A REFI-QDA project of ``n`` transcripts (and one source outside the file, left out)."""
    sources = "".join(
        f'<TextSource guid="{_g()}" name="P{i}"><PlainTextContent>P{i}: words {i}.'
        "</PlainTextContent></TextSource>"
        for i in range(1, n + 1)
    )
    if outside:
        sources += f'<TextSource guid="{_g()}" name="far" plainTextPath="file:///etc/hostname"/>'
    qde = f'<Project xmlns="{refi.NS}" name="{name}"><Sources>{sources}</Sources></Project>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("project.qde", qde)
    return buffer.getvalue()
