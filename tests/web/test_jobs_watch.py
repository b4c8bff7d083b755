"""The worker's watch (readiness.web.jobs.worker): a running worker keeps its own job alive
however long a step goes without progress, and fails the job of a worker that died elsewhere
without waiting for a restart or for someone to open the job's page."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from readiness.errors import ReadinessError
from readiness.web.jobs import worker
from readiness.web.jobs.models import Job
from readiness.web.jobs.tasks import start
from readiness.web.surveys import imports
from tests.web.test_jobs import worker_process

pytestmark = pytest.mark.django_db(transaction=True)

STALE = 2  # seconds: the watch beats every 0.2 s and settles every second


@pytest.fixture
def import_job(study, tmp_path):
    """A queued import (its work is replaced by each test)."""
    path = tmp_path / "x.csv"
    path.write_text("session,discipline\nA-1,2\n", encoding="utf-8")
    with open(path, "rb") as handle:
        return start(
            Job.Kind.IMPORT, user=None, study=study, params={"file_name": "x.csv"}, upload=handle
        )


def _dead_job(study) -> Job:
    """A job left running by a worker on another machine, silent for a minute."""
    silent = timezone.now() - timedelta(seconds=60)
    return Job.objects.create(
        kind=Job.Kind.EXPORT,
        study=study,
        state=Job.State.RUNNING,
        worker="another-machine:4242",
        started_on=silent,
        heartbeat=silent,
    )


def _started(process) -> None:
    """Wait until the worker process has started (settled what it found, and run the hourly
    tidy-up it queues at its start)."""
    from django_tasks_db.models import DBTaskResult

    from readiness.web.jobs.queue import TaskResultStatus
    from readiness.web.jobs.tasks import expire_hourly

    deadline = time.monotonic() + 60
    done = DBTaskResult.objects.filter(
        task_path=expire_hourly.module_path, status=TaskResultStatus.SUCCESSFUL
    )
    while not done.exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.25)


def test_a_long_silent_step_keeps_its_job_alive(import_job, settings, monkeypatch):
    settings.READINESS_JOB_STALE_SECONDS = STALE
    seen: dict = {}

    def silent_step(*args, **kwargs):
        time.sleep(2.5 * STALE)  # a long analysis that reports no progress
        job = Job.objects.get(pk=import_job.pk)
        seen["age"] = (timezone.now() - job.heartbeat).total_seconds()
        seen["settled"] = worker.settle_abandoned()  # as a page view of the job would
        seen["state"] = Job.objects.get(pk=import_job.pk).state
        raise ReadinessError("stopped here")

    monkeypatch.setattr(imports, "import_file", silent_step)
    worker.run(once=True)
    assert seen["age"] < STALE / 2, seen
    assert seen["settled"] == 0 and seen["state"] == Job.State.RUNNING
    job = Job.objects.get(pk=import_job.pk)
    assert job.state == Job.State.FAILED and job.error == "stopped here"
    # The beat stops with the job: a finished job's heartbeat is its finish.
    time.sleep(0.5)
    assert Job.objects.get(pk=import_job.pk).heartbeat == job.heartbeat


def test_a_busy_worker_fails_the_job_of_a_worker_that_died_elsewhere(
    import_job, study, settings, monkeypatch
):
    settings.READINESS_JOB_STALE_SECONDS = STALE
    seen: dict = {}

    def long_step(*args, **kwargs):
        dead = _dead_job(study)  # after this worker started: its start did not see it
        time.sleep(2 * STALE)
        seen["dead"] = Job.objects.get(pk=dead.pk)
        return imports.Imported(0, None, [])

    monkeypatch.setattr(imports, "import_file", long_step)
    worker.run(once=True)
    dead = seen["dead"]
    assert dead.state == Job.State.FAILED and dead.error == worker.STOPPED


def test_an_idle_worker_fails_the_job_of_a_worker_that_died_elsewhere(study):
    running = worker_process(once=False, READINESS_JOB_STALE_SECONDS=str(STALE))
    try:
        _started(running)
        dead = _dead_job(study)
        deadline = time.monotonic() + 60
        while Job.objects.get(pk=dead.pk).state == Job.State.RUNNING:
            assert running.poll() is None, running.communicate()[0]
            assert time.monotonic() < deadline, "the running worker never noticed"
            time.sleep(0.25)
    finally:
        running.terminate()
        out, _ = running.communicate(timeout=60)
    dead.refresh_from_db()
    assert dead.state == Job.State.FAILED and dead.error == worker.STOPPED
    assert running.returncode == 0, out


def test_the_watch_carries_on_after_a_failed_beat(study, settings, monkeypatch, caplog):
    settings.READINESS_JOB_STALE_SECONDS = STALE
    from readiness.web.jobs.runner import worker_name

    old = timezone.now() - timedelta(seconds=60)
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        study=study,
        state=Job.State.RUNNING,
        worker=worker_name(),
        heartbeat=old,
    )
    real, calls = worker.beat, []

    def flaky(name):
        calls.append(name)
        if len(calls) == 1:
            raise DatabaseError("the database is restarting")
        return real(name)

    monkeypatch.setattr(worker, "beat", flaky)
    with caplog.at_level("WARNING", logger="readiness.web"), worker.Watch(worker_name()):
        time.sleep(1)
    assert len(calls) >= 2 and "could not give its job's sign of life" in caplog.text
    assert Job.objects.get(pk=job.pk).heartbeat > old
