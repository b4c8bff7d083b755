"""Background jobs (readiness.web.jobs): queued in the database, run once by
``readiness web worker`` (here the batch worker, in this process or as a process of its own),
followed on a page only their starter sees."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tasks_db.models import DBTaskResult

from readiness.web.jobs import runner, worker
from readiness.web.jobs.models import Job
from readiness.web.jobs.queue import TaskResultStatus
from readiness.web.surveys import exports, imports
from readiness.web.surveys.models import Response, ResponseImport

pytestmark = pytest.mark.django_db(transaction=True)

SRC = Path(__file__).resolve().parents[2] / "src"


def run_jobs() -> None:
    """The batch worker, in this process: every job waiting now is done."""
    worker.run(once=True)


def _database_url() -> str:
    """This test database, as another process reaches it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker_process(once: bool = True, **env) -> subprocess.Popen:
    """``readiness web worker --once`` (or without ``--once``: until stopped) as a process of
    its own, on this test database."""
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": str(SRC),
        "READINESS_IMPORT_INLINE_BYTES": "0",
        **env,
    }
    environment.pop("READINESS_TEST_DB_NAME", None)
    return subprocess.Popen(
        [sys.executable, "-m", "readiness.cli", "web", "worker", *(["--once"] if once else [])],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _user(name: str):
    return get_user_model().objects.get(username=name)


def _csv(tmp_path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("session,discipline,years_qualified\n" + "".join(rows), encoding="utf-8")
    return path


def _upload(client, study, path, session: str = ""):
    with open(path, "rb") as handle:
        return client.post(f"/studies/{study.slug}/import/", {"file": handle, "session": session})


@pytest.fixture
def lead_client(client, study, settings):
    settings.READINESS_IMPORT_INLINE_BYTES = 0  # every file through the queue
    client.force_login(_user("lead"))
    return client


def _job_from(reply) -> Job:
    assert reply.status_code == 302, reply.content.decode()[-1500:]
    match = re.fullmatch(r"/jobs/([0-9a-f-]+)/", reply["Location"])
    assert match, reply["Location"]
    return Job.objects.get(pk=match.group(1))


def test_a_job_waits_with_no_worker_and_a_worker_started_later_does_it(
    lead_client, study, tmp_path
):
    path = _csv(tmp_path, "late.csv", ["A-1,2,7\n", "B-1,1,3\n"])
    job = _job_from(_upload(lead_client, study, path))
    assert job.state == Job.State.QUEUED and job.kind == Job.Kind.IMPORT
    page = lead_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Waiting to start" in page and "Waiting for the background worker" in page
    assert '<meta http-equiv="refresh"' in page  # without the script the page reloads
    assert Response.objects.count() == 0  # nothing was done in the request
    # A worker started later, in a process of its own (as after a restart), does it.
    done = worker_process()
    out, _ = done.communicate(timeout=120)
    assert done.returncode == 0, out
    job.refresh_from_db()
    assert job.state == Job.State.DONE, (job.error, out)
    assert Response.objects.filter(session__site__study=study).count() == 2
    assert not job.input_file  # the upload is not kept once imported
    page = lead_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Imported 2 responses from late.csv." in page
    assert '<meta http-equiv="refresh"' not in page


def test_two_workers_run_each_job_once(lead_client, study, tmp_path):
    jobs = [
        _job_from(_upload(lead_client, study, _csv(tmp_path, f"f{i}.csv", [f"A-1,2,{i}\n"] * 3)))
        for i in range(8)
    ]
    workers = [worker_process(), worker_process()]
    for process in workers:
        out, _ = process.communicate(timeout=180)
        assert process.returncode == 0, out
    for job in jobs:
        job.refresh_from_db()
        assert job.state == Job.State.DONE, job.error
        claims = DBTaskResult.objects.get(id=job.task_id).worker_ids
        assert len(claims) == 1, claims  # taken by one worker, once
    assert ResponseImport.objects.count() == 8
    assert Response.objects.filter(session__site__study=study).count() == 24


def test_the_starter_polls_the_progress(lead_client, study, tmp_path):
    path = _csv(tmp_path, "poll.csv", ["A-1,2,7\n"] * 5)
    job = _job_from(_upload(lead_client, study, path))
    status = f"/jobs/{job.pk}/status/"
    reply = lead_client.get(status)
    assert reply.json()["state"] == "queued" and "no-store" in reply["Cache-Control"]
    # What a running job writes (runner.Progress) is what the starter's poll reads.
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    runner.Progress(job.pk)("Writing the responses", 2, 5)
    seen = lead_client.get(status).json()
    assert seen["state"] == "running" and seen["stage"] == "Writing the responses"
    assert (seen["done"], seen["total"], seen["percent"], seen["finished"]) == (2, 5, 40, False)
    page = lead_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Writing the responses: 2 of 5" in page and 'value="2"' in page
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
    run_jobs()
    seen = lead_client.get(status).json()
    assert seen["state"] == "done" and seen["finished"] is True
    assert (seen["done"], seen["total"]) == (5, 5)


def test_a_failing_import_shows_its_problems_on_the_job_page(lead_client, study, tmp_path):
    path = _csv(tmp_path, "bad.csv", ["A-1,2,7\n", "A-1,9,7\n", "A-1,2,700\n"])
    job = _job_from(_upload(lead_client, study, path))
    run_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error == "2 problems in responses bad.csv, listed below."
    page = lead_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "It did not work" in page and 'id="job-problems"' in page
    table = page[page.index('id="job-problems"') :]
    assert "bad.csv" in table  # the file as uploaded, not the worker's copy
    assert "discipline" in table and "years_qualified" in table  # the columns
    assert "How to fix it" in table and "leave the cell empty if unanswered" in table
    rows = re.findall(r"Row </span><span>(\d+)", table)
    assert rows == ["2", "3"]
    assert Response.objects.count() == 0 and not job.input_file


def test_an_unexpected_failure_is_a_plain_message_and_a_log_line(
    lead_client, study, tmp_path, monkeypatch, caplog
):
    job = _job_from(_upload(lead_client, study, _csv(tmp_path, "x.csv", ["A-1,2,7\n"])))

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "import_file", broken)
    with caplog.at_level("ERROR", logger="readiness.web"):
        run_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "Something went wrong on the server" in job.error and str(job.pk) in job.error
    assert "disk on fire" not in job.error and "disk on fire" in caplog.text


def test_another_person_cannot_see_the_job(lead_client, client, study, tmp_path):
    job = _job_from(_upload(lead_client, study, _csv(tmp_path, "mine.csv", ["A-1,2,7\n"])))
    run_jobs()
    from django.test import Client

    for name in ("analyst", "coordinator", "outsider", "admin"):
        other = Client()
        other.force_login(_user(name))
        for suffix in ("", "status/", "file/"):
            assert other.get(f"/jobs/{job.pk}/{suffix}").status_code == 404, (name, suffix)
    anonymous = Client().get(f"/jobs/{job.pk}/status/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert lead_client.get(f"/jobs/{job.pk}/").status_code == 200


def test_a_job_left_running_by_a_dead_worker_is_marked_failed(lead_client, study, tmp_path):
    job = _job_from(_upload(lead_client, study, _csv(tmp_path, "d.csv", ["A-1,2,7\n"])))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, worker=f"{socket.gethostname()}:{gone.pid}"
    )
    DBTaskResult.objects.filter(id=job.task_id).update(status=TaskResultStatus.RUNNING)
    seen = lead_client.get(f"/jobs/{job.pk}/status/").json()
    assert (
        seen["state"] == "failed"
        and "worker stopped before this job was finished" in (seen["error"])
    )
    assert DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.FAILED
    run_jobs()  # not retried: a failed job stays failed, and nothing was imported
    assert Job.objects.get(pk=job.pk).state == Job.State.FAILED
    assert Response.objects.count() == 0


def test_a_job_of_a_live_worker_is_left_running(study):
    job = Job.objects.create(
        kind=Job.Kind.IMPORT,
        study=study,
        state=Job.State.RUNNING,
        worker=runner.worker_name(),  # this process: alive
        heartbeat=Job._meta.get_field("created_on").default(),
    )
    assert worker.settle_abandoned() == 0
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING


def test_the_demo_export_imports_the_same_through_the_job(client, settings, tmp_path):
    from readiness.web.surveys.demo import demo_accounts, load_demo

    study, _created = load_demo()
    demo_accounts(study)
    lead = study.memberships.get(role="lead").user
    client.force_login(lead)
    path = tmp_path / "demo-export.csv"
    exports.write_export(study, "csv", path)

    def imported_anew(inline: bool):
        Response.objects.filter(session__site__study=study).delete()
        ResponseImport.objects.filter(study=study).delete()
        settings.READINESS_IMPORT_INLINE_BYTES = 10**9 if inline else 0
        reply = _upload(client, study, path)
        assert reply.status_code == 302
        if not inline:
            _job_from(reply)
            run_jobs()
        return sorted(
            (r.session.code, r.completed_on.isoformat(), r.synthetic, sorted(r.answers.items()))
            for r in Response.objects.filter(session__site__study=study).select_related("session")
        )

    inline = imported_anew(inline=True)
    assert len(inline) == 782
    assert imported_anew(inline=False) == inline


# What starts a thread, or hands work to a pool of threads.
THREADS = re.compile(r"\bThread\(|ThreadPoolExecutor|\bTimer\(|start_new_thread|_thread\b")


def test_no_request_code_starts_a_thread():
    """Background work goes through the queue: nothing under readiness.web starts a thread
    that outlives what started it, but the worker's watch (its heartbeat), in the worker's own
    process.  The one other thread is the read-ahead of a response read (responseread), which
    fetches the next rows while a chunk is validated and is stopped and joined before the read
    returns, error or not (tests/web/test_response_read_fast.py: no ``readiness-read`` thread
    is left behind)."""
    web = SRC / "readiness" / "web"
    starting = sorted(
        path.relative_to(web).as_posix()
        for path in web.rglob("*.py")
        if THREADS.search(path.read_text(encoding="utf-8"))
    )
    assert starting == ["jobs/worker.py", "surveys/responseread.py"]


def test_a_large_studys_export_is_made_by_the_worker(lead_client, study, tmp_path, settings):
    path = _csv(tmp_path, "in.csv", ["A-1,2,7\n", "B-1,1,3\n", "A-1,3,\n"])
    settings.READINESS_IMPORT_INLINE_BYTES = 10**9
    assert _upload(lead_client, study, path).status_code == 302  # imported there and then
    inline = lead_client.get(f"/studies/{study.slug}/export/sav/")
    assert inline.status_code == 200
    settings.READINESS_EXPORT_INLINE_ROWS = 2  # this study of 3 responses counts as large
    page = lead_client.get(f"/studies/{study.slug}/export/").content.decode()
    assert 'id="export-background"' in page and 'method="post"' in page
    old_link = lead_client.get(f"/studies/{study.slug}/export/sav/")
    assert old_link["Location"] == f"/studies/{study.slug}/export/"  # nothing made in a GET
    job = _job_from(lead_client.post(f"/studies/{study.slug}/export/sav/"))
    assert job.kind == Job.Kind.EXPORT and job.state == Job.State.QUEUED
    run_jobs()
    page = lead_client.get(f"/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.result_name in page
    made = lead_client.get(f"/jobs/{job.pk}/file/")
    assert made.status_code == 200 and made["Content-Type"] == inline["Content-Type"]
    assert job.result_name in made["Content-Disposition"]
    back = tmp_path / job.result_name
    back.write_bytes(b"".join(made.streaming_content))
    first = tmp_path / "inline.sav"
    first.write_bytes(inline.content)
    from readiness.responses import read_responses

    instrument = study.instrument.instrument
    assert read_responses(back, instrument).frame.equals(read_responses(first, instrument).frame)


def test_a_jobs_file_is_deleted_after_a_week(lead_client, study, settings):
    from datetime import timedelta

    from django.utils import timezone

    from readiness.web.jobs.tasks import delete_old_files, forget_finished_tasks

    settings.READINESS_EXPORT_INLINE_ROWS = -1
    job = _job_from(lead_client.post(f"/studies/{study.slug}/export/csv/"))
    run_jobs()
    job.refresh_from_db()
    stored = Path(job.result_file.path)
    assert stored.exists() and lead_client.get(f"/jobs/{job.pk}/file/").status_code == 200
    assert delete_old_files(timezone.now() + timedelta(days=6)) == 0
    assert delete_old_files(timezone.now() + timedelta(days=8)) == 1
    assert not stored.exists()
    assert lead_client.get(f"/jobs/{job.pk}/file/").status_code == 404
    assert (
        "The file was deleted 7 days after" in lead_client.get(f"/jobs/{job.pk}/").content.decode()
    )
    # The queue's row of the finished task goes too; the job's record stays.
    assert forget_finished_tasks(timezone.now() + timedelta(days=6)) == 0
    assert forget_finished_tasks(timezone.now() + timedelta(days=8)) == 1
    assert not DBTaskResult.objects.exists() and Job.objects.filter(pk=job.pk).exists()


def test_a_refresh_is_sent_to_the_worker_as_named_functions():
    import functools

    from readiness.web.jobs.tasks import describe, resolve
    from readiness.web.surveys import dashboard

    compute = functools.partial(dashboard._compute, site_ids={3, 1}, step=5)
    sent = describe(compute)
    assert sent == {
        "function": "readiness.web.surveys.dashboard:_compute",
        "kwargs": {"site_ids": {"set": [1, 3]}, "step": {"value": 5}},
    }
    back = resolve(sent)
    assert back.func is dashboard._compute and back.keywords == {"site_ids": {1, 3}, "step": 5}
    assert describe(lambda study: study) is None  # a lambda cannot go through the database
    with pytest.raises(ValueError):
        resolve({"function": "os:system", "kwargs": {}})


def test_the_served_demos_worker_runs_jobs_and_stops_with_it(
    lead_client, study, tmp_path, monkeypatch
):
    """``readiness web demo --serve`` (``make run``) starts the worker as a child process and
    stops it on the way out."""
    import time

    from readiness.web.cli import _start_worker, _stop_worker

    job = _job_from(_upload(lead_client, study, _csv(tmp_path, "s.csv", ["A-1,2,7\n"])))
    monkeypatch.setenv("DATABASE_URL", _database_url())
    monkeypatch.delenv("READINESS_TEST_DB_NAME", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(SRC))
    child = _start_worker()
    try:
        deadline = time.monotonic() + 120
        while Job.objects.get(pk=job.pk).state != Job.State.DONE:
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        _stop_worker(child)
    assert child.returncode == 0  # SIGTERM: a clean stop
