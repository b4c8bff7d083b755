"""The worker: ``readiness web worker`` runs the queued jobs (:mod:`.tasks`), one at a time.

On start it settles the jobs a dead worker left *running*: they are marked **failed** (not
retried), with a message saying so.  An import writes in one transaction and a report is
written whole, so such a job changed nothing and its starter can simply start it again; a
retry could instead repeat work that fails the worker each time.  A job is taken for one whose
worker died when that worker was on this host and its process is gone, or when it has given
no sign of life (a progress update) for ``READINESS_JOB_STALE_SECONDS``.

Then it queues the hourly tidy-up (:func:`.tasks.schedule_expiry`) and runs jobs until
stopped (Ctrl+C, SIGTERM: the job under way is finished first), or, with ``once``, until none
is waiting.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from readiness.web.jobs.models import Job
from readiness.web.jobs.queue import TaskResultStatus

log = logging.getLogger("readiness.web")

STOPPED = (
    "The background worker stopped before this job was finished (the server was restarted or "
    "the worker ended), so nothing was changed. Start it again."
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _abandoned(job: Job, host: str, silent_since) -> bool:
    where, _, pid = job.worker.rpartition(":")
    if where == host and pid.isdigit() and not _alive(int(pid)):
        return True
    return job.heartbeat is None or job.heartbeat < silent_since


def settle_abandoned() -> int:
    """Mark failed the jobs left running by a worker that died; returns how many."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    silent_since = now - timedelta(seconds=settings.READINESS_JOB_STALE_SECONDS)
    host = socket.gethostname()
    settled = 0
    for job in Job.objects.filter(state=Job.State.RUNNING):
        if not _abandoned(job, host, silent_since):
            continue
        settled += Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
            state=Job.State.FAILED, error=STOPPED, finished_on=now
        )
        if job.task_id:
            DBTaskResult.objects.filter(id=job.task_id, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=now
            )
        log.warning("job %s was left running by worker %s; marked failed", job.pk, job.worker)
    return settled


def run(*, once: bool = False, interval: float = 1.0) -> None:
    """Run queued jobs: until stopped, or with ``once`` until none is waiting."""
    from django_tasks_db.management.commands.db_worker import Worker

    from readiness.web.jobs.runner import worker_name
    from readiness.web.jobs.tasks import schedule_expiry

    if connection.in_atomic_block:
        # Each job commits as it goes (its progress is read by another request), and the
        # queue's loop closes connections it takes for stale: it cannot run inside a
        # transaction (in tests: django_db(transaction=True)).
        raise RuntimeError("the worker cannot run inside a transaction")
    settle_abandoned()
    if not once:
        schedule_expiry()
    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=once,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_name()[:64],
        excluded_queue_names=[],
    )
    if not once:
        worker.configure_signals()  # Ctrl+C or SIGTERM: finish the job under way, then stop
    worker.run()
