"""Running a job: taken once, its progress written as it goes, its failure put in plain words.

Each task of :mod:`.tasks` is a thin wrapper that calls :func:`run` with the job's id and the
work to do.  :func:`run` moves the job from *queued* to *running* with one conditional UPDATE,
so a job the queue delivered twice (or a task re-run by hand) is done once; a
:class:`~readiness.errors.ReadinessError` becomes the job's failure message as it stands (an
import's problems are kept too, with their rows and columns); anything else is logged with its
traceback and shown as a generic message.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable

from django.utils import timezone

from readiness.errors import ProblemsError, ReadinessError
from readiness.web.jobs.models import Job

log = logging.getLogger("readiness.web")

GENERIC_FAILURE = (
    "Something went wrong on the server while doing this, and it was not finished. Try again; "
    "if it fails again, tell your system administrator: the server's log names this job ({id})."
)
MAX_PROBLEMS = 500


def worker_name() -> str:
    """This process, as a job's ``worker`` names it (host and process id)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Progress:
    """Writes a running job's stage and counts (``done`` of ``total``) where its starter's
    page reads them; each write is also the worker's sign of life."""

    def __init__(self, job_id) -> None:
        self.job_id = job_id

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        fields: dict = {"stage": stage[:200], "heartbeat": timezone.now()}
        if done is not None:
            fields["done"] = done
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=self.job_id).update(**fields)


Work = Callable[[Job, Progress], dict | None]


def run(job_id, work: Work) -> str:
    """Do ``work`` for the job (once); returns the job's final state."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, worker=worker_name(), started_on=now, heartbeat=now
    )
    if not taken:  # done, failed or running already: never twice
        log.warning("job %s was not waiting to run; it is left as it is", job_id)
        return "skipped"
    job = Job.objects.get(pk=job_id)
    try:
        summary = work(job, Progress(job_id)) or {}
    except ReadinessError as err:
        _finish(job_id, Job.State.FAILED, error=_message(err), summary=_problems(err))
        return Job.State.FAILED
    except Exception:
        log.exception("background job %s (%s) failed", job_id, job.kind)
        _finish(job_id, Job.State.FAILED, error=GENERIC_FAILURE.format(id=job_id))
        return Job.State.FAILED
    _finish(job_id, Job.State.DONE, summary=summary)
    return Job.State.DONE


def _finish(job_id, state: str, *, error: str = "", summary: dict | None = None) -> None:
    now = timezone.now()
    fields: dict = {"state": state, "error": error, "finished_on": now, "heartbeat": now}
    if summary is not None:
        fields["summary"] = summary
    Job.objects.filter(pk=job_id).update(**fields)


def _message(err: ReadinessError) -> str:
    """The error's text; for a list of problems its first line (the page lists them all)."""
    if isinstance(err, ProblemsError):
        return str(err).split("\n", 1)[0].rstrip(":") + ", listed below."
    return str(err)


def _problems(err: ReadinessError) -> dict:
    """An error's problems (file, row, column, fix) as the job page lists them."""
    if not isinstance(err, ProblemsError):
        return {}
    return {
        "problems": [p.to_dict() for p in err.problems[:MAX_PROBLEMS]],
        "more_problems": max(0, len(err.problems) - MAX_PROBLEMS),
    }
