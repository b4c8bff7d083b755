"""The background tasks: each is queued by :func:`start` (or by the dashboard's cache) and run
by ``readiness web worker``.  Their arguments are JSON (ids, not objects): a job waits in the
database, perhaps across a restart, and is run by another process."""

from __future__ import annotations

import logging
from datetime import timedelta
from importlib import import_module

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from readiness.web.jobs import runner
from readiness.web.jobs.models import Job
from readiness.web.jobs.queue import TaskResultStatus, task

log = logging.getLogger("readiness.web")

EXPIRY_EVERY = timedelta(hours=1)
KEEP_FILES = timedelta(days=7)  # how long a job's file (an export, a report) is kept


def start(
    kind: str, *, user, study, params: dict | None = None, upload=None, name: str = ""
) -> Job:
    """A new job, queued: the :class:`Job` its starter follows (``upload``, a file object, is
    kept in the jobs' folder as ``name`` for the worker to read).  The job and its task are
    written in one transaction: never a job that no task will run."""
    job = Job(kind=kind, started_by=user, study=study, params=params or {})
    job.stage = "Waiting for the background worker"
    if upload is not None:
        job.input_file.save(name or "upload", File(upload), save=False)
    with transaction.atomic():
        job.save()
        result = TASKS[kind].enqueue(str(job.pk))
        job.task_id = str(result.id)
        Job.objects.filter(pk=job.pk).update(task_id=job.task_id)
    return job


@task()
def import_responses(job_id: str) -> str:
    from readiness.web.jobs.work import import_responses as work

    return runner.run(job_id, work)


@task()
def evaluation_pdf(job_id: str) -> str:
    from readiness.web.jobs.work import evaluation_pdf as work

    return runner.run(job_id, work)


@task()
def export_responses(job_id: str) -> str:
    from readiness.web.jobs.work import export_responses as work

    return runner.run(job_id, work)


@task()
def study_report_pdf(job_id: str) -> str:
    from readiness.web.jobs.work import study_report_pdf as work

    return runner.run(job_id, work)


@task()
def import_interview_project(job_id: str) -> str:
    from readiness.web.jobs.work import import_interview_project as work

    return runner.run(job_id, work)


TASKS = {
    Job.Kind.IMPORT: import_responses,
    Job.Kind.EVALUATION_PDF: evaluation_pdf,
    Job.Kind.EXPORT: export_responses,
    Job.Kind.STUDY_REPORT_PDF: study_report_pdf,
    Job.Kind.INTERVIEW_IMPORT: import_interview_project,
}


# -- the dashboard's results ------------------------------------------------------------------


def describe(function) -> dict | None:
    """A ``functools.partial`` of a module-level function as JSON (for a task's arguments), or
    None when it is not one (a lambda cannot be sent to another process)."""
    import functools

    if not isinstance(function, functools.partial) or function.args:
        return None
    target = function.func
    if "<" in target.__qualname__:  # a lambda or a nested function
        return None
    kwargs = {
        k: {"set": sorted(v)} if isinstance(v, set | frozenset) else {"value": v}
        for k, v in function.keywords.items()
    }
    return {"function": f"{target.__module__}:{target.__qualname__}", "kwargs": kwargs}


def resolve(described: dict | None):
    """The function :func:`describe` described (None stays None)."""
    import functools

    if described is None:
        return None
    module, _, name = described["function"].partition(":")
    if not module.startswith("readiness.web."):  # only our own functions, whatever a row says
        raise ValueError(f"not a function of readiness.web: {described['function']}")
    target = import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    kwargs = {
        k: set(v["set"]) if "set" in v else v["value"] for k, v in described["kwargs"].items()
    }
    return functools.partial(target, **kwargs)


@task()
def refresh_results(study_pk: int, site_ids, key: str, compute: dict, stamp: dict | None) -> None:
    """Bring one study's kept dashboard results up to date (:mod:`.resultscache`); the cache's
    lock, which kept a second refresh of it from being queued, is released at the end."""
    from readiness.web.surveys import resultscache

    sites = None if site_ids is None else set(site_ids)
    resultscache._refresh(study_pk, sites, key, resolve(compute), resolve(stamp))


# -- the hourly tidy-up -----------------------------------------------------------------------


@task()
def expire_hourly() -> None:
    """Delete abandoned drafts and ended rate-limit counters (:mod:`.expiry`), then queue
    itself again an hour on (unless another worker's copy is queued already)."""
    from readiness.web.surveys import expiry

    try:
        with transaction.atomic():
            done = expiry.expire()
        log.info("deleted %s abandoned draft(s), %s counter(s)", done.drafts, done.counters)
        delete_old_files()
        forget_finished_tasks()
    except Exception:
        log.exception("Deleting abandoned drafts and ended rate-limit counters failed")
        raise
    finally:
        schedule_expiry(timezone.now() + EXPIRY_EVERY)


def delete_old_files(now=None) -> int:
    """Delete the files of jobs finished more than :data:`KEEP_FILES` ago (exports hold
    respondents' answers: not kept longer than needed to download them); returns how many."""
    cutoff = (now or timezone.now()) - KEEP_FILES
    old = Job.objects.filter(finished_on__lt=cutoff).exclude(result_file="")
    deleted = 0
    for job in old:
        job.result_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(result_file="")
        deleted += 1
    return deleted


def forget_finished_tasks(now=None) -> int:
    """Delete the queue's rows of tasks finished more than :data:`KEEP_FILES` ago (every
    dashboard refresh leaves one); the jobs' own records stay.  Returns how many."""
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - KEEP_FILES
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def schedule_expiry(when=None) -> bool:
    """Queue the hourly tidy-up (at ``when``; now if None) unless one is queued already;
    whether it was queued."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=expire_hourly.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    (expire_hourly.using(run_after=when) if when else expire_hourly).enqueue()
    return True
