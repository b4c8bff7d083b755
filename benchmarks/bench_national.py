"""A national study: many responses across many sites (issue 18), on PostgreSQL.

Targets, at 1,500,000 responses across 200 sites: the dashboard answers in under 1.5 s once
its results are ready; a full refresh of the results (every response read, validated,
analysed and kept) under 60 s; a CSV export of every response with the process's peak memory
under 1 GB; the analysis itself under 15 s.

``python -m benchmarks`` runs it at 20,000 responses (a quick check that every step works);
the national size is ``python -m benchmarks.bench_national --responses 1500000``.

How it runs:

1. A database of its own, ``readiness_scale`` (or ``BENCH_NATIONAL_DB``) on ``BENCH_PG``
   (created, then dropped: :func:`benchmarks.bench_web.database`).  A child process
   migrates it, makes a synthetic study of ``--sites`` sites with three sessions each, and
   loads the responses in chunks, each a cohort drawn by
   :func:`readiness.synth.make_cohort` (its own seed) whose respondents are spread over the
   sessions at random, through ``services.load_frame`` (validated, then written with COPY).
2. The full refresh, in a fresh process: the kept response frames and results are removed,
   then the dashboard's results are computed and kept as a dashboard view that waits for them
   does (inside a transaction, :func:`readiness.web.surveys.resultscache.get` computes there
   and then).  Its peak memory (``ru_maxrss``) is reported.
3. The analysis, in a fresh process: the study's frame as the dashboard reads it (kept), then
   :func:`readiness.analysis.analyse` with the dashboard's settings (clusters = sites).
4. The CSV export, in a fresh process: :func:`readiness.web.surveys.exports.write_export` of
   the CSV and its codebook, which both the download and the background export job call (a
   study this large is exported by the job: a gunicorn worker would be stopped by its 30 s
   timeout); the process's peak memory is the figure.
5. The dashboard through gunicorn on loopback (:func:`benchmarks.bench_web.dashboard`): the
   study lead's views once the results are ready, then a new response and its refresh.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from benchmarks import bench_web

# Another name (BENCH_NATIONAL_DB) lets two measurements run side by side on one server.
DATABASE = os.environ.get("BENCH_NATIONAL_DB", "readiness_scale")
DEFAULT_RESPONSES = 20_000
DEFAULT_SITES = 200
STEPS = ("refresh", "analysis", "export", "dashboard")
TARGETS = {"dashboard": 1.5, "refresh": 60.0, "analysis": 15.0, "export_bytes": 1024**3}

LOAD = r"""
import json, sys, time
import numpy as np
from readiness.web import setup
setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from datetime import date, timedelta
from django.contrib.auth import get_user_model
from readiness.synth import make_cohort
from readiness.web.surveys import services
from readiness.web.surveys.models import Source
spec = json.loads(sys.argv[1])
n, n_sites, chunk = spec["responses"], spec["sites"], spec["chunk"]
started = time.perf_counter()
lead = get_user_model().objects.create_user("bench-lead", password=spec["password"])
study = services.create_study(name="National", lead=lead, slug="dashboard", synthetic=True)
rng = np.random.default_rng(18)
codes = [f"S{s + 1:03d}-{k + 1}" for s in range(n_sites) for k in range(3)]
session_of = rng.integers(0, len(codes), size=n)
responded = np.bincount(session_of, minlength=len(codes))
attended = responded + rng.binomial(responded + 5, 0.3)
for s in range(n_sites):
    site = services.add_site(study, f"S{s + 1:03d}", f"Site {s + 1}")
    for k in range(3):
        i = 3 * s + k
        services.add_session(site, date(2026, 1, 5) + timedelta(days=i % 300), int(attended[i]),
                             code=codes[i])
drawn = loaded = 0
for first in range(0, n, chunk):
    size = min(chunk, n - first)
    t = time.perf_counter()
    responses = make_cohort(max(size, 10), 1000 + first // chunk).responses.iloc[:size].copy()
    drawn += time.perf_counter() - t
    mine = session_of[first:first + size]
    responses["session"] = [codes[i] for i in mine]
    responses["site"] = [codes[i][:4] for i in mine]
    t = time.perf_counter()
    services.load_frame(study, responses, source=Source.DEMO, synthetic=True)
    loaded += time.perf_counter() - t
print(json.dumps({"seconds": time.perf_counter() - started, "draw_seconds": drawn,
                  "load_seconds": loaded}))
"""

REFRESH = r"""
import json, resource, time
from readiness.web import setup
setup()
from django.core.cache import caches
from django.db import transaction
from readiness.web.accounts.permissions import ADMIN, Access
from readiness.web.surveys import dashboard, responseframe
from readiness.web.surveys.models import Study
study = Study.objects.select_related("instrument").get(slug="dashboard")
responseframe.forget_all()
caches["results"].clear()
before = resource.getrusage(resource.RUSAGE_SELF)
cpu = before.ru_utime + before.ru_stime
start = time.perf_counter()
with transaction.atomic():  # computed and kept there and then, as a view that waits for it
    results = dashboard.results(study, Access(None, study, ADMIN, None))
seconds = time.perf_counter() - start
assert not results.get("error"), results.get("error")
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "n": results["n"], "peak_bytes": usage.ru_maxrss * 1024,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu}))
"""

ANALYSIS = r"""
import json, resource, time
from readiness.web import setup
setup()
from readiness.analysis import AnalysisSettings, analyse
from readiness.web.surveys import services
from readiness.web.surveys.models import Study
study = Study.objects.select_related("instrument").get(slug="dashboard")
start = time.perf_counter()
data = services.study_data(study)
read = time.perf_counter() - start
settings = AnalysisSettings(cluster="site", regression=False)  # the dashboard's, 200 sites
cpu = time.process_time()
start = time.perf_counter()
result = analyse(data.responses, study.instrument.instrument, sessions=data.sessions,
                 settings=settings)
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "read_seconds": read, "n": result.n, "peak_bytes": peak,
                  "cpu_seconds": cpu}))
"""

EXPORT = r"""
import json, resource, tempfile, time
from pathlib import Path
from readiness.web import setup
setup()
from readiness.web.surveys import exports
from readiness.web.surveys.models import Study
study = Study.objects.select_related("instrument").get(slug="dashboard")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with tempfile.TemporaryDirectory() as folder:
    cpu = time.process_time()
    start = time.perf_counter()
    done = exports.write_export(study, "csv", Path(folder) / "export.csv")
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    size = done.files[0].stat().st_size
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "bytes": size, "rows": done.rows, "peak_bytes": peak,
                  "before_bytes": before, "cpu_seconds": cpu}))
"""


def child(script: str, env: dict, *args: str) -> dict:
    return json.loads(bench_web.child(script, env, *args))


# Before measuring a study loaded by an earlier run (--reuse): the migrations since, and a
# password for the study lead.
PREPARE = r"""
import json, sys
from readiness.web import setup
setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.contrib.auth import get_user_model
from readiness.web.surveys.models import Response, Site
lead = get_user_model().objects.get(username="bench-lead")
lead.set_password(sys.argv[1])
lead.save()
n = Response.objects.filter(session__site__study__slug="dashboard").count()
sites = Site.objects.filter(study__slug="dashboard").count()
print(json.dumps({"responses": n, "sites": sites}))
"""


def measure(
    responses: int,
    sites: int,
    chunk: int = 250_000,
    dashboard: bool = True,
    keep: bool = False,
    reuse: bool = False,
    load_only: bool = False,
    only: tuple[str, ...] = STEPS,
) -> dict:
    """Load the study (unless ``reuse``: the one an earlier run with ``keep`` left), then
    measure the refresh, the analysis, the export and the dashboard (those of ``only``)."""
    password = "bench-" + os.urandom(6).hex()
    spec = {"responses": responses, "sites": sites, "chunk": chunk, "password": password}
    out: dict = {"responses": responses, "sites": sites}
    keep = keep or load_only
    with bench_web.database("postgresql", DATABASE, fresh=not reuse, drop=not keep) as (
        env,
        folder,
    ):
        if reuse:
            out.update(child(PREPARE, env, password))
        else:
            out["load"] = child(LOAD, env, json.dumps(spec))
            print(f"loaded in {out['load']['seconds']:.0f} s", file=sys.stderr)
            if load_only:
                return out
        for step, script in (("refresh", REFRESH), ("analysis", ANALYSIS), ("export", EXPORT)):
            if step not in only:
                continue
            out[step] = child(script, env)
            out[step]["load_average"] = os.getloadavg()[0]  # the machine's, as it ends
        if dashboard and "dashboard" in only:
            with (
                bench_web.gunicorn(env, folder, bench_web.WORKERS) as (port, _process),
                bench_web.job_worker(env),
            ):
                out["dashboard"] = bench_web.dashboard(
                    port, password, env, n=out["responses"], patience=600
                )
    return out


def gb(value: float) -> str:
    return f"{value / 1024**3:.2f} GB"


def rows(result: dict) -> list[dict]:
    n, sites = result["responses"], result["sites"]
    size = f"{n:,} responses, {sites} sites, PostgreSQL"
    out = []
    if "refresh" in result:
        r = result["refresh"]
        out.append(
            {
                "name": f"national: full refresh of the results, {size}",
                "ours_seconds": r["seconds"],
                "reference_seconds": None,
                "target": f"< {TARGETS['refresh']:g} s",
                "passed": r["seconds"] < TARGETS["refresh"] and r["n"] == n,
                "note": f"every response read, validated, analysed and kept ({r['n']:,} analysed); "
                f"peak memory of the process {gb(r['peak_bytes'])}; its CPU time "
                f"{r['cpu_seconds']:.0f} s (the database's besides); load average "
                f"{r['load_average']:.1f} as it ended",
            }
        )
    if "analysis" in result:
        a = result["analysis"]
        out.append(
            {
                "name": f"national: analysis (clusters = sites), {size}",
                "ours_seconds": a["seconds"],
                "reference_seconds": None,
                "target": f"< {TARGETS['analysis']:g} s",
                "passed": a["seconds"] < TARGETS["analysis"],
                "note": f"CPU time {a['cpu_seconds']:.0f} s; the kept frame read in "
                f"{a['read_seconds']:.1f} s before it; peak memory {gb(a['peak_bytes'])}; load "
                f"average {a['load_average']:.1f} as it ended",
            }
        )
    if "export" in result:
        e = result["export"]
        out.append(
            {
                "name": f"national: CSV export of every response, {size}",
                "ours_seconds": e["seconds"],
                "reference_seconds": None,
                "target": f"peak memory < {gb(TARGETS['export_bytes'])}",
                "passed": e["peak_bytes"] < TARGETS["export_bytes"] and e["rows"] == n,
                "note": f"peak memory of the process {gb(e['peak_bytes'])} ({gb(e['before_bytes'])} "
                f"before it); {e['seconds']:.0f} s, CPU time {e['cpu_seconds']:.0f} s; "
                f"{e['rows']:,} rows, {e['bytes'] / 1024**2:.0f} MB of CSV written by "
                "exports.write_export, as the export job does",
            }
        )
    if "dashboard" in result:
        d = result["dashboard"]
        shown = max(d["first"], d["after_max"], d["new_response"])
        out.append(
            {
                "name": f"national: dashboard once results are ready, {size}",
                "ours_seconds": shown,
                "reference_seconds": None,
                "target": f"< {TARGETS['dashboard']:g} s",
                "passed": shown < TARGETS["dashboard"] and d["fresh_after"] is not None,
                "note": f"gunicorn {bench_web.WORKERS} workers; first view {d['first']:.2f} s, "
                f"then median {d['after_median']:.2f} s, worst {d['after_max']:.2f} s; after a "
                f"new response {d['new_response']:.2f} s, up to date "
                + (f"{d['fresh_after']:.1f} s later" if d["fresh_after"] is not None else "never"),
            }
        )
    return out


def run() -> list[dict]:
    if not bench_web.postgresql_available():
        return [
            {
                "name": "national: PostgreSQL",
                "ours_seconds": None,
                "reference_seconds": None,
                "target": "runs",
                "passed": None,
                "note": f"no PostgreSQL at {bench_web.PG_SERVER}: not run",
            }
        ]
    return rows(measure(DEFAULT_RESPONSES, DEFAULT_SITES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_national",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES)
    parser.add_argument("--sites", type=int, default=DEFAULT_SITES)
    parser.add_argument(
        "--chunk", type=int, default=250_000, help="responses drawn and loaded at a time"
    )
    parser.add_argument("--no-dashboard", action="store_true", help="leave out gunicorn")
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the database {DATABASE} afterwards"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"measure the study an earlier run with --keep left in {DATABASE} (no load)",
    )
    parser.add_argument(
        "--load-only", action="store_true", help="load the study, keep it, measure nothing"
    )
    parser.add_argument(
        "--only",
        default=",".join(STEPS),
        help="the steps to measure, comma-separated (default: all of "
        f"{', '.join(STEPS)}); with --reuse, a step measured again after a change",
    )
    parser.add_argument("--json", action="store_true", help="print the raw results")
    args = parser.parse_args(argv)
    if args.reuse and args.load_only:
        parser.error("--reuse measures a study loaded before; --load-only loads one")
    only = tuple(step.strip() for step in args.only.split(",") if step.strip())
    unknown = sorted(set(only) - set(STEPS))
    if unknown:
        parser.error(f"--only: unknown step {', '.join(unknown)}; the steps: {', '.join(STEPS)}")
    result = measure(
        args.responses,
        args.sites,
        args.chunk,
        not args.no_dashboard,
        args.keep,
        args.reuse,
        args.load_only,
        only,
    )
    if args.load_only:
        print(json.dumps(result, indent=1))
        return 0
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    from benchmarks.__main__ import render

    table = rows(result)
    print(render(table, markdown=False))
    return 1 if any(r["passed"] is False for r in table) else 0


if __name__ == "__main__":
    sys.exit(main())
