"""The web application under load: gunicorn with several workers, on loopback.

Targets (issue 5): with PostgreSQL, at least 300 answer-page submissions a second with the 99th
percentile under 250 ms; with SQLite at least 150 a second; the dashboard of a study with
100,000 responses under 1.5 s; a worker killed with SIGKILL during load loses no response
that was acknowledged and duplicates none.  Issue 19: on PostgreSQL, the answer pages at
least 0.66 of the ceiling's pages a second, the ceiling being a bare Django view that does
what an answer page must (:mod:`benchmarks.ceiling.app`: the same form fields behind CSRF, a
Django form, one row upserted with a commit that waits for the disk, the redirect), served
the same way on its own database and measured alternately with Readiness in the same run.

How it runs (``run()``, or ``python -m benchmarks.bench_web`` for one database with more
detail and options):

1. A database of its own: PostgreSQL ``readiness_bench`` on ``BENCH_PG`` (default
   ``postgresql://postgres@127.0.0.1:5432``), created for the run and dropped after (never the
   test database), or SQLite in a temporary data folder.  A child process migrates it and
   makes a study with 10 sites and 30 sessions and thousands of drafts (each with its resume
   code, submission token and browser's respondent session, as a respondent who has consented
   has).  After the answer pages
   are measured, a second study is loaded with 100,000 synthetic responses (the synthetic
   cohort, through ``services.load_frame``) for the dashboard.
2. gunicorn with ``readiness.web.gunicorn_conf`` and the default settings (every commit waits
   for the disk; ``run()`` measures PostgreSQL's answer pages once more with
   ``READINESS_RELAXED_COMMITS=1``, the operator's choice for saved pages, see
   :mod:`readiness.web.commits`), with ``READINESS_WORKERS`` set to cores + 1
   (3 on this 2-core machine, which share the cores with the database and the load
   generator; ``--workers`` to change it: the configuration's own default, 2 x cores + 1,
   gives 5, which measured about the same, see benchmarks/RESULTS.md), its access log
   written to a file as in production.
3. The load generator (threads with ``http.client``, in this process): each thread fetches a
   CSRF token once, then takes drafts one by one and posts their seven answer pages, as a
   respondent's browser does (``POST /answer/<n>/`` with its respondent session's cookie and
   the form's draft marker; the ceiling's ``POST /r/<code>/<n>/``), answered with a redirect
   to the next page).  Submissions a second and latency percentiles count the requests completed in the
   measured windows, each after a warm-up.  Every reply must be the redirect; anything else is
   counted as an error.  The ceiling (:mod:`benchmarks.ceiling`, gunicorn with as many workers
   and an access log, on ``readiness_bench_ceiling`` or its own SQLite file) takes the same
   posts from the same load generator, in ``--rounds`` rounds alternately with Readiness
   (ours, bare, bare, ours, ...); the ratio is Readiness's pages a second over the ceiling's.
4. The dashboard: the study lead signs in and opens the dashboard of the 100,000-response
   study: the first view (the counts at once and a note that the results are being computed,
   for every worker, in the background), views after the results are ready, and a view right
   after a new response arrives (the previous results are shown, marked, while they are
   brought up to date in the background).  The time shown is the slowest of these views.
5. The kill: drafts are answered and submitted (``POST /answer/check/`` with the draft's
   submission token) while one worker is killed with SIGKILL halfway through.  A submission is
   acknowledged when the reply is the redirect to its thank-you page; requests that fail (the
   killed worker's) are retried with the same token, as a browser's retry would.  Afterwards
   every acknowledged token must have exactly one response in the database, and the database
   may hold no response that was not submitted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_NAME = "readiness_bench"
SECRET = "benchmark-only-secret-key-" + "b" * 30
SECTIONS = 7
ANSWERING_COOKIE = "readiness_answering"  # readiness.web.surveys.answering.COOKIE
TARGETS = {"postgresql": 300, "sqlite": 150}
P99_TARGET = 0.250
DASHBOARD_TARGET = 1.5
STALE = b"being brought up to date"
COMPUTING = b"are being computed"

# A valid answer for every page of the shipped readiness-survey (as tests/web/helpers.py).
PAGE_ANSWERS = [
    {"discipline": "2", "profession": "3", "years_qualified": "7"},
    {
        "training_prior": "1",
        "training_where": ["1", "4"],
        "training_when[month]": "3",
        "training_when[year]": "2024",
        "training_enough": "2",
    },
    {"contact_ever": "0"},
    {
        i: "2"
        for i in "pk_signs pk_scale pk_forms pk_health pk_enquiry pk_routes pk_entitlements "
        "pk_services pk_law".split()
    },
    {
        "k_disclose": "0",
        "k_see_alone": "1",
        "k_companion_interp": "1",
        "k_controlling": "1",
        "k_border": "8",
        "k_uk_nationals": "1",
        "k_police_danger": "0",
        "k_age_doubt": "1",
        "k_first_responder": "8",
        "k_adult_consent": "1",
        "k_child_consent": "0",
        "k_gp_papers": "0",
        "k_ae_free": "1",
        "k_urgent_delay": "0",
    },
    {
        i: "3"
        for i in "c_identify c_questions c_disclosure c_refer_men c_refer_women c_refer_children "
        "c_interpreter c_advice".split()
    },
    {"interest_training": "1", "interest_formats": ["1", "3"]},
]


# -- the database and the data -----------------------------------------------------------------

SETUP = r"""
import json, sys, time
from readiness.web import setup
setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from datetime import date, timedelta
from django.contrib.auth import get_user_model
from readiness.web.surveys import services
from readiness.web.surveys.models import Draft, code_digest, new_resume_code, new_submission_token
from readiness.web.surveys import answering
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.models import Session as SessionRow
from django.utils import timezone
from django.utils.crypto import get_random_string
spec = json.loads(sys.argv[1])
out = {}
started = time.perf_counter()
lead = get_user_model().objects.create_user("bench-lead", password=spec["password"])
study = services.create_study(name="Load", lead=lead, slug="load")
sessions = []
for s in range(10):
    site = services.add_site(study, f"T{s + 1:02d}", f"Trust {s + 1}")
    for k in range(3):
        sessions.append(services.add_session(site, date(2026, 3, 2) + timedelta(days=k), 40))
instrument = study.instrument
drafts, codes, rows = [], [], []
# Each draft with its browser's respondent session (readiness.web.surveys.answering), as
# consenting gives one: the load generator sends its cookie and each form's draft marker.
store, expires = answering.AnsweringStore(), timezone.now() + timedelta(days=30)
for i in range(spec["drafts"]):
    session = sessions[i % len(sessions)]
    code, token = new_resume_code(), new_submission_token()
    digest, key = code_digest(code), get_random_string(32, VALID_KEY_CHARS)
    drafts.append(Draft(session=session, instrument=instrument, code_digest=digest,
                        answers={"site": session.site.code}, submission_token=token))
    data = {answering.DRAFT: digest, answering.CODE: answering.seal(code, key)}
    rows.append(SessionRow(session_key=answering.row_key(key), session_data=store.encode(data),
                           expire_date=expires))
    codes.append([code, token, key, answering.form_marker(digest)])
Draft.objects.bulk_create(drafts, batch_size=1000)
SessionRow.objects.bulk_create(rows, batch_size=1000)
out["codes"] = codes
out["drafts_seconds"] = time.perf_counter() - started
print(json.dumps(out))
"""

# The dashboard's study, loaded after the answer pages are measured (a bulk load of 100,000
# rows keeps the database writing for a while after it).
LOAD_DASHBOARD = r"""
import json, sys, time
from readiness.web import setup
setup()
from django.contrib.auth import get_user_model
from readiness.synth.cohort import make_cohort
from readiness.web.surveys import services
from readiness.web.surveys.models import Source
n = int(sys.argv[1])
started = time.perf_counter()
lead = get_user_model().objects.get(username="bench-lead")
cohort = make_cohort(n, 7)
big = services.create_study(name="Dashboard", lead=lead, slug="dashboard", synthetic=True)
sites = {code: services.add_site(big, code, code) for code in sorted(cohort.sessions["site"].unique())}
for row in cohort.sessions.itertuples():
    services.add_session(sites[row.site], row.date, int(row.attended), code=row.session)
loaded = services.load_frame(big, cohort.responses, source=Source.DEMO, synthetic=True)
print(json.dumps({"loaded": loaded, "load_seconds": time.perf_counter() - started}))
"""

COUNT = r"""
import json, sys
from readiness.web import setup
setup()
from readiness.web.surveys.models import Response
tokens = list(Response.objects.filter(session__site__study__slug="load").values_list("submission_token", flat=True))
print(json.dumps(tokens))
"""

RESPOND = r"""
import sys
from readiness.web import setup
setup()
from readiness.web.surveys.models import Response, Session
from django.utils import timezone
from readiness.web.surveys.models import new_submission_token
session = Session.objects.filter(site__study__slug="dashboard").first()
Response.objects.create(session=session, instrument=session.site.study.instrument,
                        answers={"site": session.site.code, "discipline": 1},
                        completed_on=timezone.localdate(), submission_token=new_submission_token())
"""


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def postgresql_available() -> bool:
    try:
        _pg("SELECT 1")
    except Exception:
        return False
    return True


CEILING_SETUP = r"""
import json, secrets, sys
import django
django.setup()
from django.db import connection
from benchmarks.ceiling.app import TABLE, create_table
create_table()
codes = ["C" + secrets.token_hex(8).upper() for _ in range(int(sys.argv[1]))]
with connection.cursor() as cursor:
    cursor.executemany(f"INSERT INTO {TABLE} (code, answers) VALUES (%s, %s)",
                       [(code, json.dumps({"site": "T01"})) for code in codes])
print(json.dumps([[code, ""] for code in codes]))  # (code, submission token), as drafts
"""


@contextmanager
def database(kind: str, name: str = PG_NAME, fresh: bool = True, drop: bool = True):
    """The environment of a fresh benchmark database (PostgreSQL: ``name``), removed afterwards
    (PostgreSQL: ``fresh=False`` uses the database as it is, ``drop=False`` keeps it)."""
    folder = Path(tempfile.mkdtemp(prefix="readiness-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    env.pop("DATABASE_URL", None)
    env.update(
        READINESS_DATA_DIR=str(folder / "data"),
        READINESS_SECRET_KEY=SECRET,
        READINESS_SECURE="0",  # plain HTTP on loopback
        READINESS_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="readiness.web.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
    )
    if kind == "postgresql":
        if fresh:
            _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            _pg(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    try:
        yield env, folder
    finally:
        if kind == "postgresql" and drop:
            _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def ceiling_database(kind: str):
    """The environment of the ceiling's own database (:mod:`benchmarks.ceiling`), removed
    afterwards: ``readiness_bench_ceiling`` on the same PostgreSQL server, or SQLite."""
    folder = Path(tempfile.mkdtemp(prefix="readiness-ceiling-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    env.update(
        CEILING_SECRET_KEY=SECRET,
        DJANGO_SETTINGS_MODULE="benchmarks.ceiling.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "src")])),
        DATABASE_URL=f"sqlite:///{folder / 'ceiling.sqlite3'}",
    )
    name = PG_NAME + "_ceiling"
    if kind == "postgresql":
        _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _pg(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    try:
        yield env, folder
    finally:
        if kind == "postgresql":
            _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(folder, ignore_errors=True)


CEILING_SERVER = ["benchmarks.ceiling.wsgi"]


def child(script: str, env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


# -- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


READINESS_SERVER = ["-c", "python:readiness.web.gunicorn_conf", "readiness.web.wsgi"]


@contextmanager
def gunicorn(env: dict, folder: Path, workers: int, app: list[str] = READINESS_SERVER):
    """gunicorn serving ``app`` (Readiness, or the ceiling: :func:`ceiling_server`)."""
    port = free_port()
    server_env = dict(
        env,
        READINESS_BIND=f"127.0.0.1:{port}",
        READINESS_WORKERS=str(workers),
        READINESS_ACCESS_LOG=str(folder / "access.log"),
        READINESS_ERROR_LOG=str(folder / "error.log"),
    )
    if app is not READINESS_SERVER:  # the same options, given on the command line
        app = [
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "30"),
            *("--access-logfile", str(folder / "access.log")),
            *("--error-logfile", str(folder / "error.log")),
            *app,
        ]
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), *app],
        env=server_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(worker_pids(process.pid)) < workers or not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
                raise RuntimeError(f"gunicorn did not start:\n{log[-3000:]}")
            time.sleep(0.2)
        yield port, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _answers(port: int) -> bool:
    try:
        status, _, _ = request(port, "GET", "/resume/")
    except OSError:
        return False
    return status == 200


def cpu_seconds(pids) -> float:
    """User and system CPU time of processes (from /proc), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(master: int, env: dict, connection=None) -> tuple[list[int], list[int]]:
    """gunicorn's master and workers; the PostgreSQL backends serving the benchmark (asked on
    ``connection``, a connection to the server's ``postgres`` database, or a new one)."""
    pids: list[int] = []
    if env.get("DATABASE_URL", "").startswith("postgresql"):
        import psycopg

        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
        if connection is None:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
                pids += [r[0] for r in connection.execute(query, [name]).fetchall()]
        else:
            pids += [r[0] for r in connection.execute(query, [name]).fetchall()]
    return [master, *worker_pids(master)], pids


class CpuMeter:
    """CPU time used from now on by gunicorn's processes and the database's backends, polled
    (:meth:`poll`) so that a process that ends meanwhile (a database connection closed at its
    ``conn_max_age``, replaced by a new one) counts with what it used until it was last seen."""

    def __init__(self, master: int, env: dict):
        self.master, self.env, self.connection = master, env, None
        if env.get("DATABASE_URL", "").startswith("postgresql"):
            import psycopg

            self.connection = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self.poll(first=True)

    def poll(self, first: bool = False) -> None:
        web, db = server_pids(self.master, self.env, self.connection)
        for kind, pids in (("web", web), ("db", db)):
            for pid in pids:
                used = cpu_seconds([pid])
                if pid not in self.start:  # a process started after the first poll used 0 then
                    self.start[pid] = used if first else 0.0
                    self.kind[pid] = kind
                if used or pid not in self.last:
                    self.last[pid] = max(used, self.last.get(pid, 0.0))

    def used(self) -> tuple[float, float]:
        """(gunicorn's, the database's) CPU seconds since the first poll."""
        self.poll()
        if self.connection is not None:
            self.connection.close()
        totals = {"web": 0.0, "db": 0.0}
        for pid, start in self.start.items():
            totals[self.kind[pid]] += self.last[pid] - start
        return totals["web"], totals["db"]


def load_average() -> float:
    return os.getloadavg()[0]


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(entry.name))
    return pids


# -- the client --------------------------------------------------------------------------------


def request(port, method, path, body=None, cookies=None, timeout=30):
    """One request on a new connection (gunicorn's sync workers close each one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, response, data
    finally:
        connection.close()


def set_cookies(response, cookies: dict) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]


def csrf(port: int) -> tuple[dict, str]:
    """A CSRF cookie and form token, reused for all of a client's posts (as a browser may)."""
    cookies: dict = {}
    status, response, data = request(port, "GET", "/resume/")
    set_cookies(response, cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data).group(1).decode()
    return cookies, token


def encode(fields: dict, token: str) -> bytes:
    pairs = [("csrfmiddlewaretoken", token)]
    for key, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, v))
    return urllib.parse.urlencode(pairs).encode()


class Load:
    """Threads answering drafts; latencies of answer-page posts by completion time."""

    def __init__(self, port: int, codes: list, threads: int, submit: bool = False):
        self.port, self.codes, self.threads, self.submit = port, list(codes), threads, submit
        self.lock = threading.Lock()
        self.samples: list[tuple[float, float]] = []  # (completed at, seconds)
        self.errors: list[str] = []
        self.retries = 0
        self.retried_submissions = 0
        self.acknowledged: set[str] = set()
        self.unacknowledged: set[str] = set()
        self.stop = threading.Event()

    def next_code(self):
        with self.lock:
            return self.codes.pop() if self.codes else None

    def post(self, path: str, body: bytes, cookies: dict, expect: str):
        """Post until answered (a failed connection is retried, as a browser's retry);
        returns (status, location)."""
        for attempt in range(20):
            start = time.perf_counter()
            try:
                status, response, _ = request(self.port, "POST", path, body, cookies)
            except (OSError, http.client.HTTPException) as err:
                with self.lock:
                    self.retries += 1
                    if path.endswith("/check/"):
                        self.retried_submissions += 1
                    if attempt == 19:
                        self.errors.append(f"{path}: {err}")
                time.sleep(0.05)
                continue
            end = time.perf_counter()
            location = response.getheader("Location") or ""
            if status == 302 and expect in location:
                return status, location, start, end
            with self.lock:
                self.errors.append(f"{path}: {status} {location}")
            return status, location, start, end
        return None, "", 0.0, 0.0

    @staticmethod
    def addressed(item, cookies: dict, token: str) -> tuple[str, dict, list[bytes], dict]:
        """(the answer pages' address, with {} for the page, the cookies, each page's body,
        the extra fields of a form).  A Readiness draft has its respondent session (its cookie
        and the forms' draft marker); the ceiling's pages hold the code."""
        code, _submission, *session = item
        if not session:
            return f"/r/{code}/{{}}/", cookies, [encode(p, token) for p in PAGE_ANSWERS], {}
        key, marker = session
        extra = {"draft": marker}
        bodies = [encode({**page, **extra}, token) for page in PAGE_ANSWERS]
        return "/answer/{}/", {**cookies, ANSWERING_COOKIE: key}, bodies, extra

    def worker(self) -> None:
        plain, token = csrf(self.port)
        while not self.stop.is_set():
            item = self.next_code()
            if item is None:
                return
            submission = item[1]
            path, cookies, bodies, extra = self.addressed(item, plain, token)
            for number, body in enumerate(bodies, start=1):
                expect = "/check/" if number == SECTIONS else f"/{number + 1}/"
                status, _, start, end = self.post(path.format(number), body, cookies, expect)
                if status is None:
                    break
                with self.lock:
                    self.samples.append((end, end - start))
                if self.stop.is_set() and not self.submit:
                    return
            else:
                if self.submit:
                    body = encode({"submission_token": submission, **extra}, token)
                    status, location, _, _ = self.post(
                        path.format("check"), body, cookies, f"/thanks/{submission}/"
                    )
                    with self.lock:
                        if status == 302 and f"/thanks/{submission}/" in location:
                            self.acknowledged.add(submission)
                        else:
                            self.unacknowledged.add(submission)

    def run(self, seconds: float | None = None) -> float:
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.threads)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        if seconds is not None:
            time.sleep(seconds)
            self.stop.set()
        for t in threads:
            t.join()
        return began

    def window(self, began: float, warmup: float, seconds: float) -> dict:
        lo, hi = began + warmup, began + warmup + seconds
        latencies = sorted(d for end, d in self.samples if lo <= end < hi)
        if not latencies:
            return {"rate": 0.0, "n": 0, "_latencies": []}
        return {
            "_latencies": latencies,
            "rate": len(latencies) / seconds,
            "n": len(latencies),
            "p50": percentile(latencies, 50),
            "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99),
            "max": latencies[-1],
        }


def percentile(sorted_values: list[float], p: float) -> float:
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# -- the three measurements --------------------------------------------------------------------


def throughput(
    port: int, process, env: dict, codes: list, threads: int, warmup: float, seconds: float
) -> dict:
    """Answer pages for warmup + seconds; the rate and latencies of the measured window, and
    the CPU time it took: the server's (gunicorn and, for PostgreSQL, its backends) and this
    client's, per answer page, which does not depend on what else the machine is doing."""
    load = Load(port, codes, threads)
    marks = {}

    def sample():
        time.sleep(warmup)
        meter = CpuMeter(process.pid, env)
        marks["start"] = (time.process_time(), len(load.samples))
        marks["load_start"] = load_average()
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            time.sleep(min(0.25, max(0.0, end - time.perf_counter())))
            meter.poll()
        marks["end"] = (time.process_time(), len(load.samples))
        marks["cpu"] = meter.used()
        marks["load_end"] = load_average()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = load.run(warmup + seconds)
    sampler.join()
    result = load.window(began, warmup, seconds)
    done = max(1, marks["end"][1] - marks["start"][1])
    web_cpu, db_cpu = marks["cpu"]
    result.update(
        errors=len(load.errors),
        first_errors=load.errors[:3],
        threads=threads,
        server_cpu_ms=(web_cpu + db_cpu) / done * 1000,
        database_cpu_ms=db_cpu / done * 1000,
        client_cpu_ms=(marks["end"][0] - marks["start"][0]) / done * 1000,
        load_average=(marks["load_start"], marks["load_end"]),
    )
    return result


def pooled(rounds: list[dict], seconds: float) -> dict:
    """One result from several measured windows of the same server: the rate and latencies of
    all their posts together, and each window's rate (the spread)."""
    latencies = sorted(x for r in rounds for x in r.pop("_latencies"))
    out = {
        "rate": len(latencies) / (seconds * len(rounds)),
        "n": len(latencies),
        "rates": [r["rate"] for r in rounds],
        "errors": sum(r["errors"] for r in rounds),
        "first_errors": [e for r in rounds for e in r["first_errors"]][:3],
        "threads": rounds[0]["threads"],
        "server_cpu_ms": statistics.mean(r["server_cpu_ms"] for r in rounds),
        "database_cpu_ms": statistics.mean(r["database_cpu_ms"] for r in rounds),
        "client_cpu_ms": statistics.mean(r["client_cpu_ms"] for r in rounds),
        "load_average": (rounds[0]["load_average"][0], rounds[-1]["load_average"][1]),
    }
    if latencies:
        out.update({f"p{p}": percentile(latencies, p) for p in (50, 90, 99)})
        out["max"] = latencies[-1]
    return out


def side_by_side(
    ours: tuple, bare: tuple, rounds: int, threads: int, warmup: float, seconds: float
):
    """Readiness's answer pages and the ceiling's (each ``(port, process, env, codes)``), measured
    one after the other in ``rounds`` rounds (in the order ours, bare, bare, ours, ...: drift
    in what else the machine does falls on both alike); returns the pooled results of each and
    the ratio of their rates in each round."""
    measured: dict[str, list[dict]] = {"ours": [], "bare": []}
    for port, _process, _env, codes in (ours, bare):  # both warm before the first round
        Load(port, codes[rounds :: rounds + 1], threads).run(warmup)
    for n in range(rounds):
        order = ("ours", "bare") if n % 2 == 0 else ("bare", "ours")
        for name in order:
            port, process, env, codes = ours if name == "ours" else bare
            share = codes[n :: rounds + 1]
            measured[name].append(throughput(port, process, env, share, threads, warmup, seconds))
    ratios = [
        o["rate"] / b["rate"] for o, b in zip(measured["ours"], measured["bare"], strict=True)
    ]
    return pooled(measured["ours"], seconds), pooled(measured["bare"], seconds), ratios


def dashboard(
    port: int, password: str, env: dict, views: int = 6, n: int = 100_000, patience: float = 300
) -> dict:
    """The study lead's views of the dashboard of the ``dashboard`` study of ``n`` responses
    (``patience``: seconds to wait for its results to be shown)."""
    cookies, token = csrf(port)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "bench-lead", "password": password}
    ).encode()
    status, response, _ = request(port, "POST", "/accounts/login/", body, cookies)
    set_cookies(response, cookies)
    if status != 302:
        raise RuntimeError(f"sign-in failed: {status}")

    served = ServedBy()

    def view() -> tuple[float, bytes]:
        served.before()
        start = time.perf_counter()
        status, _, data = request(port, "GET", "/studies/dashboard/", cookies=cookies, timeout=120)
        if status != 200:
            raise RuntimeError(f"dashboard: {status}")
        seconds = time.perf_counter() - start
        served.after(seconds)
        return seconds, data

    began = time.perf_counter()
    first, page = view()
    computing = COMPUTING in page
    ready_after = None
    while time.perf_counter() - began < patience:
        if f"{n} responses".encode() in page and COMPUTING not in page:
            ready_after = time.perf_counter() - began
            break
        time.sleep(0.25)
        _seconds, page = view()
    if ready_after is None:
        raise RuntimeError(f"the dashboard never showed the results of the {n:,} responses")
    after = [view()[0] for _ in range(views)]
    child(RESPOND, env)  # a new response arrives
    arrived = time.perf_counter()
    stale, page = view()
    marked = STALE in page
    fresh_after = None
    while time.perf_counter() - arrived < max(120, patience):
        _seconds, page = view()
        if STALE not in page and f"{n + 1} responses".encode() in page:
            fresh_after = time.perf_counter() - arrived
            break
        time.sleep(0.25)
    return {
        "first": first,
        "computing_first": computing,
        "ready_after": ready_after,
        "after_max": max(after),
        "after_median": statistics.median(after),
        "new_response": stale,
        "marked_updating": marked,
        "fresh_after": fresh_after,
        **served.by_worker(),
    }


def _gunicorn_master() -> int | None:
    """The gunicorn master this process started (None: none, or more than one)."""
    masters = []
    for pid in worker_pids(os.getpid()):
        try:
            if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                masters.append(pid)
        except OSError:
            continue
    return masters[0] if len(masters) == 1 else None


class ServedBy:
    """Which gunicorn worker served each request, one at a time: the one whose CPU time grew
    most meanwhile (idle workers use none), so that each worker's first view can be told from
    its later ones (a worker's first request may do work later ones do not)."""

    def __init__(self) -> None:
        self.master = _gunicorn_master()
        self.cpu: dict[int, float] = {}
        self.views: list[tuple[float, int | None]] = []

    def _workers(self) -> dict[int, float]:
        if self.master is None:
            return {}
        return {pid: cpu_seconds([pid]) for pid in worker_pids(self.master)}

    def before(self) -> None:
        self.cpu = self._workers()

    def after(self, seconds: float) -> None:
        grew = {pid: used - self.cpu.get(pid, 0.0) for pid, used in self._workers().items()}
        self.views.append((seconds, max(grew, key=grew.get) if grew else None))

    def by_worker(self) -> dict:
        """Each worker's first view and the median of the others (empty: workers unknown)."""
        if self.master is None:
            return {}
        firsts, later, seen = [], [], set()
        for seconds, pid in self.views:
            (later if pid in seen else firsts).append(seconds)
            seen.add(pid)
        return {
            "worker_first": firsts,
            "worker_later_median": statistics.median(later) if later else None,
        }


def kill_during_load(port: int, process, codes: list, threads: int, env: dict) -> dict:
    """Answer and submit drafts while a worker is killed with SIGKILL, three times."""
    load = Load(port, codes, threads, submit=True)
    killed = []

    def killer():
        for _ in range(3):
            time.sleep(3)
            if load.stop.is_set() or not load.codes:
                return
            pids = worker_pids(process.pid)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    load.run()  # answers and submits every draft given
    thread.join()
    # Submissions whose reply was lost are posted again with the same token.
    plain, token = csrf(port)
    for submission in sorted(load.unacknowledged):
        item = next(item for item in codes if item[1] == submission)
        path, cookies, _bodies, extra = Load.addressed(item, plain, token)
        body = encode({"submission_token": submission, **extra}, token)
        status, location, _, _ = load.post(
            path.format("check"), body, cookies, f"/thanks/{submission}/"
        )
        if status == 302:
            load.acknowledged.add(submission)
    stored = json.loads(child(COUNT, env))
    submitted = {item[1] for item in codes}
    return {
        "killed": len(killed),
        "retried_submissions": load.retried_submissions,
        "submitted": len(submitted),
        "acknowledged": len(load.acknowledged),
        "retries": load.retries,
        "stored": len(stored),
        "lost": len(load.acknowledged - set(stored)),
        "duplicated": len(stored) - len(set(stored)),
        "unknown": len(set(stored) - submitted),
        "errors": len(load.errors),
        "first_errors": load.errors[:3],
    }


WORKERS = (os.cpu_count() or 2) + 1


# Answer pages a second that the drafts made for a run must cover (Readiness; the ceiling).
CODES_FOR = {"ours": 1500, "bare": 2500}
CEILING_TARGET = 0.66  # Readiness's answer pages a second over the ceiling's, on PostgreSQL


def measure(
    kind: str,
    workers: int = WORKERS,
    threads: int = 16,
    warmup: float = 3,
    seconds: float = 6,
    dashboard_n: int = 100_000,
    kill: bool = True,
    relaxed: bool = False,
    rounds: int = 4,
) -> dict:
    """Readiness's answer pages (and, with ``rounds``, the ceiling's, alternately: ``rounds``
    windows of ``seconds`` each), then the dashboard and the kill."""
    password = "bench-" + os.urandom(6).hex()
    windows = max(1, rounds) * (warmup + seconds) + warmup
    drafts = int(CODES_FOR["ours"] * windows / SECTIONS) + 1500
    with database(kind) as (env, folder), ceiling_database(kind) as (bare_env, bare_folder):
        if relaxed:
            env["READINESS_RELAXED_COMMITS"] = "1"
        spec = json.dumps({"drafts": drafts, "password": password})
        made = json.loads(child(SETUP, env, spec))
        codes = made["codes"]
        kill_codes, load_codes = codes[:1500], codes[1500:]
        result = {
            "database": kind,
            "workers": workers,
            "relaxed": relaxed,
        }
        with gunicorn(env, folder, workers) as (port, process):
            if rounds:
                bare_codes = json.loads(
                    child(CEILING_SETUP, bare_env, str(int(CODES_FOR["bare"] * windows / SECTIONS)))
                )
                with gunicorn(bare_env, bare_folder, workers, CEILING_SERVER) as bare_server:
                    ours = (port, process, env, load_codes)
                    bare = (*bare_server, bare_env, bare_codes)
                    result["throughput"], result["ceiling"], result["ratios"] = side_by_side(
                        ours, bare, rounds, threads, warmup, seconds
                    )
            else:
                result["throughput"] = pooled(
                    [throughput(port, process, env, load_codes, threads, warmup, seconds)],
                    seconds,
                )
            if dashboard_n:
                result["loaded"] = json.loads(child(LOAD_DASHBOARD, env, str(dashboard_n)))
                with job_worker(env):  # the dashboard's refresh runs there, as in production
                    result["dashboard"] = dashboard(port, password, env)
            if kill:
                result["kill"] = kill_during_load(port, process, kill_codes, threads, env)
    return result


@contextmanager
def job_worker(env: dict):
    """``readiness web worker``, which brings the dashboard's results up to date in the
    background (readiness.web.jobs), beside gunicorn as in production."""
    process = subprocess.Popen(
        [sys.executable, "-m", "readiness.cli", "web", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def rows(result: dict) -> list[dict]:
    kind = result["database"]
    label = "PostgreSQL" if kind == "postgresql" else "SQLite"
    if result.get("relaxed"):
        label += " (READINESS_RELAXED_COMMITS=1)"
    t = result["throughput"]
    out = [
        {
            "name": f"web: answer-page submissions, {label}, gunicorn {result['workers']} workers",
            "ours_seconds": t.get("p99"),
            "reference_seconds": None,
            "target": f">= {TARGETS[kind]}/s"
            + (f", p99 < {P99_TARGET * 1000:.0f} ms" if kind == "postgresql" else ""),
            "passed": t["rate"] >= TARGETS[kind]
            and t["errors"] == 0
            and (kind != "postgresql" or t["p99"] < P99_TARGET),
            "note": f"{t['rate']:.0f}/s over {t['n']} posts; p50 {t.get('p50', 0) * 1000:.0f} ms, "
            f"p99 {t.get('p99', 0) * 1000:.0f} ms (the time shown), {t['threads']} client threads, "
            f"{t['errors']} errors; CPU per post: server {t['server_cpu_ms']:.1f} ms, client "
            f"{t['client_cpu_ms']:.1f} ms; load average {t['load_average'][0]:.1f}",
        }
    ]
    if "ceiling" in result:
        out.append(ceiling_row(result, label))
    if "dashboard" in result:
        d = result["dashboard"]
        worst = max(d["first"], d["after_max"], d["new_response"])
        refreshed = (
            f"up to date {d['fresh_after']:.1f} s later"
            if d["fresh_after"] is not None
            else "never brought up to date"
        )
        out.append(
            {
                "name": f"web: dashboard of 100,000 responses, {label}",
                "ours_seconds": worst,
                "reference_seconds": None,
                "target": f"< {DASHBOARD_TARGET} s",
                "passed": worst < DASHBOARD_TARGET and d["fresh_after"] is not None,
                "note": f"first view {d['first'] * 1000:.0f} ms"
                + (" (counts, and 'being computed')" if d["computing_first"] else "")
                + f", results shown {d['ready_after']:.1f} s after it (the analysis, kept for "
                f"every worker); then median {d['after_median'] * 1000:.0f} ms, worst "
                f"{d['after_max'] * 1000:.0f} ms; after a new response {d['new_response'] * 1000:.0f} ms, the previous "
                f"results shown{' marked as being updated' if d['marked_updating'] else ''}, "
                f"{refreshed}",
            }
        )
    if "kill" in result:
        k = result["kill"]
        out.append(
            {
                "name": f"web: SIGKILL of a worker during load, {label}",
                "ours_seconds": None,
                "reference_seconds": None,
                "target": "no acknowledged response lost, none duplicated",
                "passed": k["lost"] == 0
                and k["duplicated"] == 0
                and k["unknown"] == 0
                and k["acknowledged"] == k["submitted"] == k["stored"],
                "note": f"{k['killed']} workers killed during {k['submitted']} submissions: "
                f"{k['acknowledged']} acknowledged, {k['stored']} stored, {k['lost']} lost, "
                f"{k['duplicated']} duplicated; {k['retries']} requests failed with the killed "
                f"workers and were sent again ({k['retried_submissions']} of them submissions)",
            }
        )
    return out


def ceiling_row(result: dict, label: str) -> dict:
    """Readiness's answer pages a second against the bare Django view's, side by side."""
    ours, bare, ratios = result["throughput"], result["ceiling"], result["ratios"]
    ratio = ours["rate"] / bare["rate"] if bare["rate"] else 0.0
    postgresql = result["database"] == "postgresql"

    def rates(t: dict) -> str:
        return (
            f"{t['rate']:.0f}/s (rounds {', '.join(f'{r:.0f}' for r in t['rates'])}; "
            f"p50 {t.get('p50', 0) * 1000:.0f} ms, p99 {t.get('p99', 0) * 1000:.0f} ms, "
            f"server CPU {t['server_cpu_ms']:.1f} ms a post, of which the database "
            f"{t['database_cpu_ms']:.1f} ms; {t['errors']} errors)"
        )

    return {
        "name": f"web: answer pages against the bare Django view (the ceiling), {label}",
        "ours_seconds": 1 / ours["rate"] if ours["rate"] else None,
        "reference_seconds": 1 / bare["rate"] if bare["rate"] else None,
        "target": f">= {CEILING_TARGET} of the ceiling's pages a second"
        if postgresql
        else "(no target; for comparison)",
        "passed": (ratio >= CEILING_TARGET and ours["errors"] == bare["errors"] == 0)
        if postgresql
        else None,
        "note": f"ratio {ratio:.2f} (rounds {', '.join(f'{r:.2f}' for r in ratios)}); "
        f"Readiness {rates(ours)}; bare view {rates(bare)}; {len(ratios)} rounds of each, "
        "alternately; the times shown are 1 / pages a second",
    }


def run() -> list[dict]:
    out = []
    kinds = ["postgresql", "sqlite"] if postgresql_available() else ["sqlite"]
    for kind in kinds:
        out.extend(rows(measure(kind)))
    if "postgresql" in kinds:  # the operator's choice of commits that need not wait for the disk
        relaxed = measure(
            "postgresql", dashboard_n=0, kill=False, relaxed=True, rounds=0, warmup=5, seconds=20
        )
        out.extend(rows(relaxed))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_web", description=__doc__)
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--seconds", type=float, default=6, help="measured window (each round's)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="rounds of Readiness and the bare Django view (the ceiling), alternately; "
        "0: Readiness alone, one window",
    )
    parser.add_argument("--warmup", type=float, default=3, help="before each window")
    parser.add_argument("--dashboard-n", type=int, default=100_000, help="0: no dashboard")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument(
        "--relaxed-commits",
        action="store_true",
        help="READINESS_RELAXED_COMMITS=1: saved pages need not wait for the disk",
    )
    parser.add_argument("--json", action="store_true", help="print the raw results")
    args = parser.parse_args(argv)
    kinds = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    table = []
    for kind in kinds:
        result = measure(
            kind,
            workers=args.workers,
            threads=args.threads,
            warmup=args.warmup,
            seconds=args.seconds,
            dashboard_n=args.dashboard_n,
            kill=not args.no_kill,
            relaxed=args.relaxed_commits,
            rounds=args.rounds,
        )
        if args.json:
            print(json.dumps(result, indent=1, default=str))
        table.extend(rows(result))
    from benchmarks.__main__ import render

    print(render(table, markdown=False))
    return 1 if any(r["passed"] is False for r in table) else 0


if __name__ == "__main__":
    sys.exit(main())
