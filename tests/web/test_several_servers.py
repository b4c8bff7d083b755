"""Two app servers behind haproxy, one worker, one PostgreSQL database (docs/web.md, "Several
servers"): whatever one server keeps, the other sees.

The servers run as the docs say (gunicorn with ``readiness.web.gunicorn_conf``), each with a
data folder of its own, behind haproxy with the configuration shipped in
``src/readiness/web/deploy/haproxy.cfg`` (the file the docs show), on a database made for the
run and dropped after (:mod:`benchmarks.cluster`).  Every request goes through the proxy on a
new connection, so that its round robin sends the requests to one server and the other in
turn.  Runs in ``make test``'s PostgreSQL pass; haproxy comes from Debian (``make test-deps``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import threading
import time
from pathlib import Path

import pytest
from benchmarks.cluster import (
    HAPROXY_CONFIG,
    Browser,
    Cluster,
    command_line,
    database,
    requests_served,
    respond,
    sql,
)

from tests.web.helpers import PAGE_ANSWERS

needs_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="several app servers share a PostgreSQL database (SQLite serves one machine)",
)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"

PASSWORD = "several-servers-lead-password"
PAGES = list(PAGE_ANSWERS.values())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        pytest.fail("haproxy is not installed: `make test-deps` installs Debian's package")
    folder = tmp_path_factory.mktemp("several-servers")
    with database(f"readiness_servers_{os.getpid()}") as url:
        # Any file larger than this is imported by the worker (the page then follows it).
        servers = Cluster(folder, url, {"READINESS_IMPORT_INLINE_BYTES": "1000"})
        try:
            links = servers.migrate_and_make_study(PASSWORD, sites=4)
            first = servers.start_server("app1")
            second = servers.start_server("app2")
            servers.start_worker()
            proxy = servers.start_proxy(f"127.0.0.1:{first}", f"127.0.0.1:{second}")
            servers.app_ports = (first, second)
            yield servers, proxy, links, url
        finally:
            servers.stop()


def _kept_tokens(url: str) -> set[str]:
    return {row[0] for row in sql(url, "SELECT submission_token FROM surveys_response")}


@pytest.mark.slow
@needs_postgresql
def test_answers_through_either_server_are_all_kept(cluster):
    servers, proxy, links, url = cluster
    before = _kept_tokens(url)
    acknowledged = [respond(proxy, links[i % len(links)], PAGES, retries=0) for i in range(8)]
    assert len(set(acknowledged)) == 8
    assert set(acknowledged) == _kept_tokens(url) - before
    for name in ("app1", "app2"):  # each server took its share of the pages and submissions
        assert requests_served(servers, name, '"POST /answer/') >= 8 * 8 // 2 - 8, name


def _results_entries(url: str) -> list[tuple]:
    return sql(
        url,
        "SELECT cache_key, expires FROM readiness_cache "
        "WHERE cache_key LIKE '%readiness:results:%' ORDER BY cache_key",
    )


@pytest.mark.slow
@needs_postgresql
def test_the_dashboard_results_are_computed_once_for_both_servers(cluster):
    servers, proxy, links, url = cluster
    respond(proxy, links[0], PAGES, retries=0)
    n = len(_kept_tokens(url))
    lead = Browser(proxy)
    lead.sign_in("lead", PASSWORD)  # the session is kept in the database: both servers know it
    served = (
        requests_served(servers, "app1", '"GET /studies/'),
        requests_served(servers, "app2", '"GET /studies/'),
    )
    status, _, page = lead.get("/studies/several/")
    assert status == 200 and f"<strong>{n}</strong> response".encode() in page
    first = _results_entries(url)
    assert len(first) == 1  # computed by the server that took the first view, kept for both
    for _ in range(5):
        status, _, page = lead.get("/studies/several/")
        assert status == 200 and b"being computed" not in page
        assert re.search(rb'<p class="nhsuk-body-s">\s*%d response' % n, page), page[:2000]
    # Neither server computed them again: the entry was never written again.
    assert _results_entries(url) == first
    assert requests_served(servers, "app1", '"GET /studies/') > served[0]
    assert requests_served(servers, "app2", '"GET /studies/') > served[1]


def _section(title: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_docs_show_the_shipped_haproxy_configuration():
    shown = re.search(
        r"<!-- file: haproxy.cfg -->\n```haproxy\n(.*?)```", _section("Several servers"), re.S
    )
    assert shown and shown.group(1) == HAPROXY_CONFIG.read_text(encoding="utf-8")


def _documented_commands() -> list[tuple[str, ...]]:
    """The commands of the section's sh block, without their settings and comments."""
    block = re.search(r"```sh\n(.*?)```", _section("Several servers"), re.S).group(1)
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        while words and re.match(r"^[A-Z_0-9]+=", words[0]):
            words.pop(0)
        if words and words[0] != "export":
            commands.append(command_line(words))
    return commands


@pytest.mark.slow
@needs_postgresql
def test_the_documented_commands_are_those_run_here(cluster):
    servers, *_ = cluster
    documented = _documented_commands()
    assert len(documented) == 4
    assert [c for c in documented if c not in servers.commands] == []


@pytest.mark.slow
@needs_postgresql
def test_an_import_started_through_one_server_shows_its_progress_through_the_other(cluster):
    servers, _proxy, _links, url = cluster
    first, second = servers.app_ports
    rows = 20_000
    code = servers.study["codes"][1]
    before = len(_kept_tokens(url))
    one = Browser(first)  # straight to each server, not through the proxy: which one is known
    one.sign_in("lead", PASSWORD)
    status, where, _ = one.post_file(
        "/studies/several/import/",
        {"session": ""},
        "file",
        "many.csv",
        ("session,discipline\n" + f"{code},2\n" * rows).encode(),
    )
    assert status == 302 and where.startswith("/jobs/"), (status, where)
    other = Browser(second)
    other.cookies = dict(one.cookies)  # the same person, whose session the database keeps
    seen = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status, _, body = other.get(f"{where}status/")
        assert status == 200, body[:500]
        state = json.loads(body)
        seen.append((state["state"], state["done"]))
        if state["finished"]:
            break
        time.sleep(0.2)
    assert seen[-1] == ("done", rows), (seen[-1], state["error"])
    assert seen[0][0] in ("queued", "running")  # followed on the other server as it went
    assert len(_kept_tokens(url)) == before + rows
    status, _, page = other.get(where)
    assert status == 200 and b"20000" in page.replace(b",", b"")


@pytest.mark.slow
@needs_postgresql
def test_a_rate_limit_counts_the_requests_to_both_servers(cluster):
    servers, proxy, *_ = cluster
    visitor = Browser(proxy)
    visitor.get("/resume/")
    served = (
        requests_served(servers, "app1", '"POST /resume/'),
        requests_served(servers, "app2", '"POST /resume/'),
    )
    # READINESS_RATE_RESUME: 10 tries of one code in 10 minutes, wherever they land, counted
    # in fixed windows of wall-clock time: not across a window's end.
    left = 600 - time.time() % 600
    if left < 30:
        time.sleep(left + 1)
    replies = [visitor.post("/resume/", {"code": "ABCD-EFGH-JKMN"})[0] for _ in range(11)]
    assert replies == [200] * 10 + [429]
    assert requests_served(servers, "app1", '"POST /resume/') >= served[0] + 5
    assert requests_served(servers, "app2", '"POST /resume/') >= served[1] + 5


@pytest.mark.slow
@needs_postgresql
def test_killing_a_server_loses_no_acknowledged_answer(cluster):
    servers, proxy, links, url = cluster
    acknowledged: list[str] = []
    failures: list[str] = []  # respondents who gave up
    retried: list[str] = []  # requests that failed, and were sent again by the respondent
    stop = threading.Event()

    def respondents(link: str) -> None:
        while not stop.is_set():
            try:
                acknowledged.append(respond(proxy, link, PAGES, retries=2, failed=retried))
            except Exception as err:  # counted, never hidden: the test fails on any
                failures.append(repr(err))

    threads = [threading.Thread(target=respondents, args=(link,)) for link in links]
    for thread in threads:
        thread.start()
    _wait_for(lambda: len(acknowledged) >= 2 or failures)
    done_before_kill = len(acknowledged)
    servers.kill("app1")  # SIGKILL to gunicorn and its workers, requests in flight or not
    _wait_for(lambda: len(acknowledged) >= done_before_kill + 2 * len(links) or failures)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    # haproxy sent the requests the dead server dropped to the other one; only a reply the
    # dead server had begun to send (its headers, not all its body) cannot be sent again by
    # the proxy, and fails: at most one request in flight per respondent.
    assert len(retried) <= len(links), retried
    assert len(acknowledged) >= done_before_kill + 2 * len(links)
    assert len(acknowledged) == len(set(acknowledged))
    kept = sql(
        url,
        "SELECT submission_token, answers->>'years_qualified', answers->>'interest_training' "
        "FROM surveys_response WHERE submission_token = ANY(%s)",
        (acknowledged,),
    )
    # Every answer that was acknowledged is in the database, the first page's and the last's.
    assert sorted(kept) == sorted((token, "7", "1") for token in acknowledged)


def _wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
