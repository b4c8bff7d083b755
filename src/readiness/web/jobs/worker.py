"""The worker: ``readiness web worker`` runs the queued jobs (:mod:`.tasks`), one at a time.

A job is taken for one whose worker died when that worker was on this host and its process is
gone, or when it has given no sign of life for ``READINESS_JOB_STALE_SECONDS``.  Such a job is
marked **failed** (not retried), with a message saying so.  An import writes in one
transaction and a report is written whole, so such a job changed nothing and its starter can
simply start it again; a retry could instead repeat work that fails the worker each time.

On start the worker settles those jobs, queues the hourly tidy-up
(:func:`.tasks.schedule_expiry`) and runs jobs until stopped (Ctrl+C, SIGTERM: the job under
way is finished first), or, with ``once``, until none is waiting.  Meanwhile its watch
(:class:`Watch`, a thread of the worker process only) gives the sign of life of the job under
way every tenth of the stale time, however long a step goes without reporting progress, and
settles other workers' dead jobs every half of it, so that the job of a worker that died on
another machine is marked failed even if nobody opens its page.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections
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


def beat(worker: str) -> int:
    """The sign of life of the jobs running in ``worker`` (this process); returns how many."""
    return Job.objects.filter(state=Job.State.RUNNING, worker=worker).update(
        heartbeat=timezone.now()
    )


class Watch:
    """The worker process's watch, a thread beside the loop that runs the jobs: a job's step
    may be long and silent (a large study's analysis), and the worker's loop, busy with it,
    can look at nothing else.  Errors (a database busy or restarting) are logged and the
    watch carries on: the next beat is soon."""

    def __init__(self, worker: str) -> None:
        stale = settings.READINESS_JOB_STALE_SECONDS
        self.worker = worker
        self.beat_every = stale / 10  # nine beats may be lost before the job seems dead
        self.settle_every = stale / 2
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="readiness-watch", daemon=True)

    def __enter__(self) -> Watch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=self.beat_every + 30)

    def _watch(self) -> None:
        settled_on = time.monotonic()
        try:
            while not self.stopping.wait(self.beat_every):
                self._try("give its job's sign of life", beat, self.worker)
                if time.monotonic() - settled_on >= self.settle_every:
                    settled_on = time.monotonic()
                    self._try("settle dead workers' jobs", settle_abandoned)
        finally:
            connections.close_all()  # this thread's own connections

    def _try(self, what: str, step, *args) -> None:
        try:
            step(*args)
        except Exception:
            log.warning("the worker's watch could not %s", what, exc_info=True)


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
    with Watch(worker_name()):
        worker.run()
