"""No column, file or log line holds a respondent's IP address or user agent.

The respondent's whole way through is made with a recognisable address, forwarded address,
user agent and referrer; then every table of the database and every log line written by our
handlers, by the development server (``readiness serve``) and by gunicorn with our
configuration are searched for them.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from readiness.web.logs import Anonymise, redact
from readiness.web.surveys.models import Draft, Response
from tests.web.helpers import answer_all, post_page, start

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "PrivacyProbe/9.9 (unique-agent-marker)"
REFERRER = "https://referrer.example/unique-referrer-marker"
MARKERS = (ADDRESS, FORWARDED, "unique-agent-marker", "PrivacyProbe", "unique-referrer-marker")
CLIENT_EXTRA = {
    "REMOTE_ADDR": ADDRESS,
    "HTTP_X_FORWARDED_FOR": FORWARDED,
    "HTTP_X_REAL_IP": FORWARDED,
    "HTTP_USER_AGENT": AGENT,
    "HTTP_REFERER": REFERRER,
}


def test_response_and_draft_have_no_identifying_fields():
    for model, allowed in (
        (
            Response,
            {
                "id",
                "session",
                "instrument",
                "answers",
                "completed_on",
                "submission_token",
                "source",
                "synthetic",
                # A training evaluation: the wave, a random link id shared by one device's
                # before and after answers, and the keyed digests of the self-generated code
                # (tests/web/test_evaluation_waves.py).
                "wave",
                "link",
                "sgic",
                # An imported response: the source it had in the file (web, paper) and its id
                # there, so that the same file is never imported twice
                # (tests/web/test_import_duplicates.py); neither says who answered.
                "origin",
                "origin_id",
            },
        ),
        (
            Draft,
            {
                "id",
                "session",
                "instrument",
                "code_digest",
                "answers",
                "seen",
                "submission_token",
                "updated_on",
                "wave",
                "link",
                "sgic",
            },
        ),
    ):
        assert {f.name for f in model._meta.concrete_fields} == allowed
    assert Response._meta.get_field("completed_on").get_internal_type() == "DateField"


@pytest.fixture
def captured_logs():
    """Swap the streams of every handler we configured for a buffer; restore afterwards."""
    buffer = io.StringIO()
    swapped = []
    names = ("", "django", "django.server", "django.request", "readiness")
    handlers = {h for n in names for h in logging.getLogger(n).handlers}
    for handler in handlers:
        if isinstance(handler, logging.StreamHandler):
            swapped.append((handler, handler.setStream(buffer)))
    levels = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    for handler, stream in swapped:
        handler.setStream(stream)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _all_rows() -> str:
    """Every row of every table in the database, as text."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


@pytest.mark.django_db
def test_whole_way_through_leaves_no_address_or_agent(client, session_a, captured_logs):
    code = start(client, session_a, **CLIENT_EXTRA)
    bad = post_page(client, 1, {"years_qualified": "x"}, **CLIENT_EXTRA)
    assert bad.status_code == 200
    token = answer_all(client, code, **CLIENT_EXTRA)
    for _ in range(2):
        post_page(client, "check", {"submission_token": token}, **CLIENT_EXTRA)
    client.get(f"/thanks/{token}/", **CLIENT_EXTRA)
    type(client)().get("/answer/1/", **CLIENT_EXTRA)  # no draft in that browser: a 404, logged
    assert client.get(f"/r/{code}/1/", **CLIENT_EXTRA)["Location"] == "/resume/"
    strict = type(client)(enforce_csrf_checks=True)
    strict.post(f"/s/{session_a.token}/", {"consent": "yes"}, **CLIENT_EXTRA)  # 403 CSRF
    assert Response.objects.count() == 1
    assert apps.get_model("surveys", "Response").objects.count() == 1

    rows = _all_rows()
    logs = captured_logs.getvalue()
    assert "Not Found" in logs and "Forbidden (CSRF" in logs  # the handlers did write
    # The respondent session held the draft's digest and the sealed code, nothing about the
    # browser, and it is gone once the answers are submitted; the code is in no row or log.
    assert code not in rows and code not in logs
    from django.contrib.sessions.models import Session as SessionRow

    from readiness.web.surveys import answering

    assert not SessionRow.objects.exists()
    other = type(client)()
    start(other, session_a, **CLIENT_EXTRA)
    (row,) = SessionRow.objects.all()
    assert set(answering.AnsweringStore().decode(row.session_data)) == {"draft", "code"}
    for marker in MARKERS:
        assert marker not in rows, f"{marker} stored in the database"
        assert marker not in logs, f"{marker} in a log line"
    assert code not in logs and session_a.token not in logs and token not in logs


def test_filter_drops_request_objects_and_redacts():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s from %s",
        ("/s/ABC/", ADDRESS),
        None,
    )
    record.request = object()
    assert Anonymise().filter(record)
    assert record.request is None
    assert record.getMessage() == "Not Found: /s/*/ from [address]"
    assert redact("GET /thanks/secret-token/ HTTP/1.1") == "GET /thanks/*/ HTTP/1.1"


@pytest.mark.django_db
def test_the_follow_up_link_is_redacted(client, session_a, captured_logs):
    # A study without a follow-up answers its follow-up link with a 404, which Django logs.
    token = session_a.follow_up_token
    assert client.get(f"/f/{token}/", **CLIENT_EXTRA).status_code == 404
    logs = captured_logs.getvalue()
    assert "Not Found: /f/*/" in logs
    assert token not in logs
    assert redact(f"GET /f/{token}/ HTTP/1.1") == "GET /f/*/ HTTP/1.1"


def test_the_guides_answers_are_redacted():
    # The guide's address is the member of staff's answers (adult, no consent, ...).
    assert redact("GET /guide/0-1-2-0-1/ HTTP/1.1") == "GET /guide/*/ HTTP/1.1"
    assert redact("GET /guide/print/wales.pdf HTTP/1.1") == "GET /guide/print/wales.pdf HTTP/1.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the servers here use their own SQLite database
    env["READINESS_DATA_DIR"] = str(tmp_path / "data")
    env["READINESS_SECRET_KEY"] = "privacy-test-secret-key-" + "y" * 30
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _wait(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


def _requests(port: int, token: str) -> None:
    for path in ("/", f"/s/{token}/", "/resume/", "/no-such-page/", "/static/readiness/init.js"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}?q={ADDRESS}",
            headers={"User-Agent": AGENT, "X-Forwarded-For": FORWARDED, "Referer": REFERRER},
        )
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError as err:
            assert err.code == 404


def _prepare(tmp_path: Path) -> tuple[dict, str]:
    env = _env(tmp_path)
    subprocess.run([_bin("readiness"), "migrate", "-q"], env=env, check=True, timeout=120)
    made = subprocess.run(
        [
            _bin("python"),
            "-c",
            "from readiness.web import setup; setup();"
            "from datetime import date;"
            "from readiness.web.surveys import services as s;"
            "st = s.create_study(name='P', lead=None);"
            "print(s.add_session(s.add_site(st, 'A', 'A'), date(2026, 1, 5), 3).token)",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return env, made.stdout.strip().splitlines()[-1]


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


@pytest.mark.slow
def test_development_server_log_has_no_address_or_agent(tmp_path):
    env, token = _prepare(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [_bin("readiness"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait(port, proc)
        _requests(port, token)
        time.sleep(0.5)
    finally:
        out = _stop(proc)
    request_lines = [line for line in out.splitlines() if '"GET ' in line]
    assert len(request_lines) >= 5, out
    assert any('"GET /s/*/ HTTP/1.1" 200' in line for line in request_lines), out
    for line in request_lines:
        assert "127.0.0.1" not in line
    for marker in MARKERS:
        assert marker not in out
    assert token not in out


@pytest.mark.slow
def test_gunicorn_access_log_has_no_address_or_agent(tmp_path):
    env, token = _prepare(tmp_path)
    port = _free_port()
    access = tmp_path / "access.log"
    env.update(
        {
            "READINESS_BIND": f"127.0.0.1:{port}",
            "READINESS_WORKERS": "2",
            "READINESS_ACCESS_LOG": str(access),
        }
    )
    proc = subprocess.Popen(
        [_bin("gunicorn"), "-c", "python:readiness.web.gunicorn_conf", "readiness.web.wsgi"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait(port, proc)
        _requests(port, token)
        time.sleep(0.5)
    finally:
        out = _stop(proc)
    lines = access.read_text().splitlines()
    assert len(lines) >= 5, (lines, out)
    assert any('"GET /s/*/ HTTP/1.1" 200' in line for line in lines), lines
    for line in lines:
        assert "127.0.0.1" not in line
    everything = access.read_text() + out
    for marker in MARKERS:
        assert marker not in everything
    assert token not in everything
