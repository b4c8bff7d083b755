"""Several Readiness app servers behind haproxy, on one PostgreSQL database, on loopback.

What ``tests/web/test_several_servers.py`` proves things with and ``benchmarks.bench_servers``
measures: a database made for the run (dropped after), ``readiness migrate`` run once, app
servers started as docs/web.md says (gunicorn with ``readiness.web.gunicorn_conf``, each with a
data folder of its own, so that nothing one server keeps on its disk can help another), the
background worker (``readiness web worker``), and haproxy with the shipped configuration
(``src/readiness/web/deploy/haproxy.cfg``, the file docs/web.md shows), its addresses given
through the environment as that file reads them.

:class:`Browser` is one person's browser through the proxy: cookies, the CSRF token, and a new
connection for every request (so that haproxy's round robin turns on every request).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAPROXY_CONFIG = ROOT / "src" / "readiness" / "web" / "deploy" / "haproxy.cfg"
SECRET = "several-servers-secret-key-" + "s" * 40  # one key shared by every app server
BIN = Path(sys.executable).parent

# A study with sites and sessions, and its lead (printed: the session links, as JSON).
SETUP = r"""
import json, sys
from datetime import date
from readiness.web import setup
setup()
from django.contrib.auth import get_user_model
from readiness.web.surveys import services
lead = get_user_model().objects.create_user(username="lead", password=sys.argv[1])
study = services.create_study(name="Several servers", lead=lead, slug="several")
sessions = []
for i in range(int(sys.argv[2])):
    site = services.add_site(study, f"S{i:02d}", f"Site {i}")
    sessions.append(services.add_session(site, date(2026, 3, 2), attended=500))
print(json.dumps({"links": [s.token for s in sessions], "codes": [s.code for s in sessions]}))
"""


def pg_server() -> str:
    """The PostgreSQL server of ``DATABASE_URL`` (or ``BENCH_PG``), without a database name."""
    url = os.environ.get("BENCH_PG") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgresql://postgres@127.0.0.1:5432"
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def sql(url: str, statement: str, params: tuple | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@contextmanager
def database(name: str):
    """A PostgreSQL database of the run's own: its URL; dropped afterwards."""
    admin = f"{pg_server()}/postgres"
    sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    sql(admin, f"CREATE DATABASE {name}")
    try:
        yield f"{pg_server()}/{name}"
    finally:
        sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def command_line(argv) -> tuple[str, ...]:
    """A command as docs/web.md writes it: programs and files by their names alone."""
    return tuple(Path(a).name if "/" in a and not a.startswith("-") else a for a in argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}:\n{log.read_text()[-3000:]}")


class Cluster:
    """App servers, a worker and haproxy on one database; :meth:`stop` ends them all."""

    def __init__(self, folder: Path, database_url: str, extra_env: dict | None = None):
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
        self.env.update(
            DATABASE_URL=database_url,
            READINESS_SECRET_KEY=SECRET,
            READINESS_SECURE="0",  # plain HTTP on loopback
            READINESS_ALLOWED_HOSTS="127.0.0.1,localhost",
            READINESS_FORWARDED_ALLOW_IPS="127.0.0.1",
            DJANGO_SETTINGS_MODULE="readiness.web.settings",
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
            ),
            PYTHONUNBUFFERED="1",
            # The one folder every server and the worker mount (docs/web.md): uploads waiting
            # for the worker are files.
            READINESS_JOB_FILES_DIR=str(folder / "shared" / "job-files"),
            **(extra_env or {}),
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.commands: list[tuple[str, ...]] = []  # every command run, as :func:`command_line`

    def _env(self, name: str, **extra: str) -> dict:
        data = self.folder / name / "data"
        data.mkdir(parents=True, exist_ok=True)
        return {**self.env, "READINESS_DATA_DIR": str(data), **extra}

    def log(self, name: str) -> Path:
        return self.folder / name / "output.log"

    def access_log(self, name: str) -> Path:
        return self.folder / name / "access.log"

    def run(self, *args: str, name: str = "setup") -> str:
        """A command (``readiness ...`` or a Python script) in a process of its own."""
        self.commands.append(command_line(args))
        done = subprocess.run(
            list(args), env=self._env(name), capture_output=True, text=True, timeout=600
        )
        if done.returncode:
            raise RuntimeError(f"{args[:3]} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
        return done.stdout

    def migrate_and_make_study(self, password: str, sites: int) -> list[str]:
        """Migrate, make the study (slug ``several``, lead ``lead``): its session links."""
        self.run(str(BIN / "readiness"), "migrate", "-q")
        out = self.run(sys.executable, "-c", SETUP, password, str(sites))
        self.study = json.loads(out.strip().splitlines()[-1])
        return self.study["links"]

    def _start(self, name: str, command: list[str], env: dict, port: int | None) -> None:
        self.commands.append(command_line(command))
        log = self.log(name)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            # A session of its own: killing the server kills its workers too, as a machine
            # that fails takes all of them.
            self.processes[name] = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        if port is not None:
            self.ports[name] = port
            wait_for_port(port, self.processes[name], log)

    def start_server(self, name: str, workers: int = 2) -> int:
        """An app server as docs/web.md runs one: gunicorn with readiness.web.gunicorn_conf."""
        port = free_port()
        env = self._env(
            name,
            READINESS_BIND=f"127.0.0.1:{port}",
            READINESS_WORKERS=str(workers),
            READINESS_ACCESS_LOG=str(self.access_log(name)),
        )
        command = [str(BIN / "gunicorn"), "-c", "python:readiness.web.gunicorn_conf"]
        self._start(name, [*command, "readiness.web.wsgi"], env, port)
        self._wait_until_serving(name, port, workers)
        return port

    def _wait_until_serving(self, name: str, port: int, workers: int, timeout=120) -> None:
        """Until every worker has loaded the application: gunicorn listens before they have."""
        deadline = time.monotonic() + timeout
        served = 0
        while served < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} does not answer:\n{self.log(name).read_text()[-3000:]}")
            try:
                if Browser(port, timeout=timeout).get("/accounts/login/")[0] == 200:
                    served += 1
            except OSError:
                time.sleep(0.2)

    def start_worker(self, name: str = "worker") -> None:
        self._start(name, [str(BIN / "readiness"), "web", "worker"], self._env(name), None)

    def start_proxy(self, app_1: str, app_2: str, name: str = "proxy") -> int:
        """haproxy with the shipped configuration, in front of the two addresses."""
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        port = free_port()
        env = {
            **os.environ,
            "READINESS_PROXY_BIND": f"127.0.0.1:{port}",
            "READINESS_APP_1": app_1,
            "READINESS_APP_2": app_2,
        }
        self._start(name, [haproxy, "-db", "-f", str(HAPROXY_CONFIG)], env, port)
        return port

    def kill(self, name: str) -> None:
        """SIGKILL the process and every process it started (gunicorn's workers)."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


class Browser:
    """One person's browser through the proxy (a new connection for every request)."""

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        """(status, Location header, body); a form is posted with the CSRF token."""
        if fields is None:
            return self._send(method, path, None, None)
        return self._send(method, path, self._form(fields), "application/x-www-form-urlencoded")

    def _send(self, method: str, path: str, body: bytes | None, kind: str | None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Host": "127.0.0.1"}
        if kind:
            headers["Content-Type"] = kind
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", data

    def post_file(self, path: str, fields: dict, name: str, filename: str, content: bytes):
        """A form with a file (multipart), as the import page's is posted."""
        boundary = "----readiness-" + os.urandom(12).hex()
        parts = []
        for key, value in [("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))] + list(
            fields.items()
        ):
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._send("POST", path, body, f"multipart/form-data; boundary={boundary}")

    def _form(self, fields: dict) -> bytes:
        pairs = [("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))]
        for key, value in fields.items():
            for v in value if isinstance(value, list) else [value]:
                pairs.append((key, v))
        return urllib.parse.urlencode(pairs).encode()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields: dict):
        return self.request("POST", path, fields)

    def sign_in(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        status, where, _ = self.post(
            "/accounts/login/", {"username": username, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"signing in answered {status}")


class Refused(Exception):
    """A request that got no answer the respondent's page would accept."""


def _expect(reply, status: int, what: str):
    if reply[0] != status:
        raise Refused(f"{what}: {reply[0]}")
    return reply


def respond(
    port: int,
    token: str,
    pages: list[dict],
    retries: int = 5,
    posted: list | None = None,
    failed: list | None = None,
) -> str:
    """A respondent through the proxy: consent, every page, check and submit.  A request that
    fails (an error page, a dropped connection) is sent again, as the person would press the
    button again (each failure is added to ``failed``, if given).  Returns the submission
    token once the thank-you redirect came back.  When each post was answered is added to
    ``posted``, if given."""
    browser = Browser(port)

    def step(method: str, path: str, fields: dict | None, status: int, what: str):
        for attempt in range(retries + 1):
            try:
                reply = _expect(browser.request(method, path, fields), status, what)
                if posted is not None and method == "POST":
                    posted.append(time.monotonic())
                return reply
            except (Refused, OSError, http.client.HTTPException) as err:
                if failed is not None:
                    failed.append(f"{what}: {err!r}")
                if attempt == retries:
                    raise
                time.sleep(0.2)

    step("GET", f"/s/{token}/", None, 200, "the information page")
    _, where, _ = step("POST", f"/s/{token}/", {"consent": "yes"}, 302, "consent")
    if where != "/answer/1/":
        raise Refused(f"the consent went to {where}")
    # The browser's respondent session names the draft; each form also names it (the marker).
    _, _, first = step("GET", "/answer/1/", None, 200, "page 1")
    draft = re.search(rb'name="draft" value="([^"]+)"', first).group(1).decode()
    for number, fields in enumerate(pages, start=1):
        step("POST", f"/answer/{number}/", {**fields, "draft": draft}, 302, f"page {number}")
    _, _, page = step("GET", "/answer/check/", None, 200, "the check page")
    submission = re.search(rb'name="submission_token" value="([^"]+)"', page).group(1).decode()
    _, where, _ = step(
        "POST",
        "/answer/check/",
        {"submission_token": submission, "draft": draft},
        302,
        "submission",
    )
    if where != f"/thanks/{submission}/":
        raise Refused(f"the submission went to {where}")
    return submission


def requests_served(cluster: Cluster, name: str, pattern: str) -> int:
    """How many lines of the server's access log hold ``pattern`` (e.g. '"POST /answer/')."""
    log = cluster.access_log(name)
    return sum(pattern in line for line in log.read_text().splitlines()) if log.exists() else 0
