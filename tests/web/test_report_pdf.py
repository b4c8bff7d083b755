"""The study's full report as a PDF from the dashboard, made by the background worker."""

from __future__ import annotations

import pytest
from django.test import Client

from readiness.web.audit.models import Event
from readiness.web.jobs import worker
from readiness.web.jobs.models import Job
from tests.web.helpers import answer_all, post_page, start

pytestmark = pytest.mark.django_db(transaction=True)  # the worker makes the PDF


def _signed_in(django_user_model, username: str) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.get(username=username))
    return client


def _respond(session) -> None:
    client = Client()
    code = start(client, session)
    token = answer_all(client, code)
    assert post_page(client, "check", {"submission_token": token}).status_code == 302


def test_a_lead_has_the_report_made_as_a_pdf(django_user_model, study, session_a, session_b):
    for session in (session_a, session_b, session_a):
        _respond(session)
    lead = _signed_in(django_user_model, "lead")
    url = f"/studies/{study.slug}/report.pdf"
    assert 'id="report-pdf"' in lead.get(f"/studies/{study.slug}/").content.decode()
    assert lead.get(url)["Location"] == f"/studies/{study.slug}/"  # an old link
    job_page = lead.post(url)["Location"]
    assert job_page.startswith("/jobs/")
    job = Job.objects.get()
    assert job.kind == Job.Kind.STUDY_REPORT_PDF and job.state == Job.State.QUEUED
    worker.run(once=True)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert (job.stage, job.done, job.total) == ("Done", 4, 4)
    page = lead.get(job_page).content.decode()
    assert f"{study.slug}-report.pdf" in page
    pdf = lead.get(f"{job_page}file/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert Event.objects.filter(study=study, detail__format="report-pdf").count() == 1
    # The job and its file are the starter's alone.
    assert _signed_in(django_user_model, "analyst").get(f"{job_page}file/").status_code == 404


def test_a_study_without_responses_says_so(django_user_model, study):
    lead = _signed_in(django_user_model, "lead")
    job_page = lead.post(f"/studies/{study.slug}/report.pdf")["Location"]
    worker.run(once=True)
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and "no responses yet" in job.error
    assert "no responses yet" in lead.get(job_page).content.decode()


def test_a_coordinator_cannot_have_it_made(django_user_model, study):
    coordinator = _signed_in(django_user_model, "coordinator")
    assert coordinator.post(f"/studies/{study.slug}/report.pdf").status_code == 403
    assert not Job.objects.exists()
