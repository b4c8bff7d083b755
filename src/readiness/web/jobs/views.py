"""A job's page, its status (JSON, for the page's script) and its file: for the person who
started it only (anyone else gets 404: not even that the job exists)."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from readiness.web.accounts import permissions as perm
from readiness.web.attachment import attachment
from readiness.web.jobs.models import Job
from readiness.web.jobs.worker import settle_abandoned
from readiness.web.permissions import may_create

POLL_SECONDS = 2


def _own_job(request, job_id) -> Job:
    job = get_object_or_404(Job.objects.select_related("study"), pk=job_id)
    if job.started_by_id != request.user.pk:
        raise Http404("No such job.")
    if job.study is not None and perm.access_for(request.user, job.study) is None:
        raise Http404("No such job.")  # no longer a member of the study
    if job.kind == Job.Kind.INTERVIEW_IMPORT and not may_create(
        request.user, "interviews.add_interviewproject"
    ):
        raise Http404("No such job.")  # may no longer import interview projects
    if job.state == Job.State.RUNNING:
        # A worker that died leaves its job running: say so rather than wait for ever.
        settle_abandoned()
        job.refresh_from_db()
    return job


def status_of(job: Job) -> dict:
    return {
        "state": job.state,
        "state_text": job.get_state_display(),
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "error": job.error,
    }


@never_cache
@perm.staff_view
def job_page(request, job_id):
    job = _own_job(request, job_id)
    access = perm.access_for(request.user, job.study) if job.study else None
    return render(
        request,
        "jobs/job.jinja",
        {
            "job": job,
            "study": job.study,
            "access": access,
            "poll_seconds": POLL_SECONDS,
            "problems": job.summary.get("problems", []),
            "more_problems": job.summary.get("more_problems", 0),
        },
    )


@never_cache
@perm.staff_view
def job_status(request, job_id):
    return JsonResponse(status_of(_own_job(request, job_id)))


@never_cache
@perm.staff_view
def job_file(request, job_id):
    job = _own_job(request, job_id)
    if job.state != Job.State.DONE or not job.result_file:
        raise Http404("This job has no file.")
    kind = (
        job.summary.get("content_type")
        or mimetypes.guess_type(job.result_name)[0]
        or "application/octet-stream"
    )
    response = FileResponse(job.result_file.open("rb"), content_type=kind)
    response["Content-Disposition"] = attachment(job.result_name or job.result_file.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
