"""The web benchmark's ceiling (issue 19): the bare Django view is honest (CSRF, a Django form
that refuses bad answers, one row merged, the redirect), and the ratio is reported as measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from benchmarks import bench_web

ROOT = Path(__file__).resolve().parents[2]

# Run in a process of its own: the ceiling is a Django project with its own settings.
BARE = r"""
import json, re, sys
import django
django.setup()
from django.conf import settings
settings.ALLOWED_HOSTS = ["testserver"]
from django.db import connection
from django.test import Client
from benchmarks.bench_web import PAGE_ANSWERS, encode
from benchmarks.ceiling.app import TABLE, create_table
create_table()
client = Client(enforce_csrf_checks=True)
page = client.get("/resume/")
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
form = "application/x-www-form-urlencoded"
out = {"no_token": client.post("/r/ÅBC-123/1/", encode(PAGE_ANSWERS[0], "x" * 64), content_type=form).status_code}
bad = dict(PAGE_ANSWERS[0], years_qualified="75")
out["bad"] = client.post("/r/ÅBC-123/1/", encode(bad, token), content_type=form).status_code
missing = {k: v for k, v in PAGE_ANSWERS[1].items() if k != "training_enough"}
out["missing"] = client.post("/r/ÅBC-123/2/", encode(missing, token), content_type=form).status_code
out["locations"] = []
for n, answers in enumerate(PAGE_ANSWERS, start=1):
    reply = client.post(f"/r/ÅBC-123/{n}/", encode(answers, token), content_type=form)
    out["locations"].append((reply.status_code, reply["Location"]))
with connection.cursor() as cursor:
    cursor.execute(f"SELECT code, answers FROM {TABLE}")
    rows = cursor.fetchall()
out["rows"] = [[code, answers if isinstance(answers, dict) else json.loads(answers)] for code, answers in rows]
print(json.dumps(out))
"""


def test_the_bare_view_checks_the_token_and_the_form_and_merges_one_row(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.ceiling.settings",
        CEILING_SECRET_KEY="test-only-" + "k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'ceiling.sqlite3'}",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    )
    done = subprocess.run(
        [sys.executable, "-c", BARE], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["no_token"] == 403
    assert out["bad"] == 400 and out["missing"] == 400
    code = quote("ÅBC-123")  # as Django writes a Location
    expected = [f"/r/{code}/{n}/" for n in range(2, 8)] + [f"/r/{code}/check/"]
    assert out["locations"] == [[302, url] for url in expected]
    [(code, answers)] = out["rows"]
    assert code == "ÅBC-123"
    fields = {k for page in bench_web.PAGE_ANSWERS for k in page}
    assert set(answers) == fields  # every page merged into the one row
    assert answers["training_where"] == [1, 4] and answers["years_qualified"] == 7


def _window(rate: float, latencies: list[float], errors: int = 0) -> dict:
    return {
        "rate": rate,
        "_latencies": sorted(latencies),
        "errors": errors,
        "first_errors": ["e"] * errors,
        "threads": 16,
        "server_cpu_ms": 2.0,
        "database_cpu_ms": 0.5,
        "client_cpu_ms": 0.3,
        "load_average": (1.0, 2.0),
    }


def test_rounds_are_pooled_as_one_window_with_the_spread_kept():
    pooled = bench_web.pooled(
        [_window(30.0, [0.01] * 300), _window(10.0, [0.03] * 99 + [0.5])], seconds=10
    )
    assert pooled["rate"] == pytest.approx(400 / 20)
    assert pooled["rates"] == [30.0, 10.0] and pooled["n"] == 400
    assert pooled["p50"] == 0.01 and pooled["p99"] == 0.03 and pooled["max"] == 0.5
    assert pooled["load_average"] == (1.0, 2.0)


@pytest.mark.parametrize(("ours", "bare", "passed"), [(800, 1200, True), (700, 1200, False)])
def test_the_ceiling_row_shows_the_ratio_and_checks_it_on_postgresql(ours, bare, passed):
    result = {
        "database": "postgresql",
        "throughput": bench_web.pooled([_window(ours, [0.02] * ours)], 1),
        "ceiling": bench_web.pooled([_window(bare, [0.01] * bare)], 1),
        "ratios": [ours / bare],
    }
    row = bench_web.ceiling_row(result, "PostgreSQL")
    assert row["passed"] is passed
    assert f"ratio {ours / bare:.2f}" in row["note"]
    assert row["reference_seconds"] / row["ours_seconds"] == pytest.approx(ours / bare)
    result["database"] = "sqlite"
    assert bench_web.ceiling_row(result, "SQLite")["passed"] is None
