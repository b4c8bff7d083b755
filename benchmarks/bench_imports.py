"""Survey imports through the web page: a 40 MB CSV, and an XLSX at the web's limit for XLSX.

Target (issue 9, finding 14): an import of a CSV as large as the web accepts finishes well
within gunicorn's 30 s worker timeout (``readiness.web.gunicorn_conf``): under 15 s on the
2-core machine.  The CSV is 40 MB, or 95% of the upload cap if that is smaller
(``READINESS_MAX_SURVEY_UPLOAD_BYTES``: 50 MB on SQLite, 20 MB on PostgreSQL, which parses
every answer into ``jsonb``).  An XLSX is read far more slowly than a CSV (openpyxl), so the
web takes XLSX files only up to ``READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES`` once unpacked
(20 MB); the second row imports a workbook just under that limit, with the same target.

Measured on the server side: a POST of the file to ``/studies/<slug>/import/`` through Django's
test client, signed in as the study lead (every middleware, the upload stored in a temporary
file, the file's digest, reading and validating every cell, writing every response in one
transaction), after one warm-up request.  The files are synthetic responses to the shipped
instrument (``readiness.synth``) written as Readiness's exports write them
(:func:`readiness.responses.write_responses`), for a study holding the cohort's sessions.
The note gives the process's CPU time too: with SQLite the database's work is in it, so on a
machine whose cores are shared with other work the CPU time is the steadier number.

Runs in a fresh process with its own SQLite database in a temporary folder (or the database
``DATABASE_URL`` names, when set).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.django_child import django_prelude

SECONDS = 15.0
XLSX_SHARE = 0.95  # of the web's unpacked limit for XLSX

CHILD = (
    django_prelude("readiness-bench-imports-")
    + r"""
import json, os, sys, tempfile, time, zipfile
from pathlib import Path
try:
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.test import Client
    from readiness.responses import write_responses
    from readiness.synth.cohort import make_cohort
    from readiness.web.surveys import services
    from readiness.web.surveys.models import Response

    kind, target = sys.argv[1], sys.argv[2]
    cap = settings.READINESS_MAX_SURVEY_UPLOAD_BYTES
    target = min(40 * 2**20, 0.95 * cap) if target == "cap" else float(target)
    lead = get_user_model().objects.create_user("lead", password="x")
    instrument = services.install_instrument().instrument

    def size_of(n):  # bytes of the file (CSV) or of its unpacked sheets (XLSX) for n rows
        path = Path(folder) / f"sample.{kind}"
        write_responses(make_cohort(n, 3).responses, instrument, path)
        if kind == "csv":
            return path.stat().st_size
        with zipfile.ZipFile(path) as z:
            return sum(m.file_size for m in z.infolist())

    per_row = size_of(2000) / 2000
    n = int(target / per_row)
    cohort = make_cohort(n, 2024)
    path = Path(folder) / f"responses.{kind}"
    write_responses(cohort.responses, instrument, path)
    study = services.create_study(name="Imports", lead=lead, slug="imports")
    sites = {c: services.add_site(study, c, c) for c in sorted(cohort.sessions["site"].unique())}
    for row in cohort.sessions.itertuples():
        services.add_session(sites[row.site], pd.Timestamp(row.date).date(), int(row.attended),
                             code=row.session)
    client = Client()
    client.force_login(lead)
    url = f"/studies/{study.slug}/import/"
    assert client.get(url).status_code == 200  # warm-up: templates, imports
    with open(path, "rb") as handle:
        wall, cpu = time.perf_counter(), time.process_time()
        page = client.post(url, {"file": handle, "session": ""})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert page.status_code == 302, page.content.decode()[-2000:]
    stored = Response.objects.filter(session__site__study=study).count()
    assert stored == n, (stored, n)
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    unpacked = None
    if kind == "xlsx":
        with zipfile.ZipFile(path) as z:
            unpacked = sum(m.file_size for m in z.infolist())
    print(json.dumps({"seconds": wall, "cpu": cpu, "rows": n, "bytes": path.stat().st_size,
                      "unpacked": unpacked, "database": connection.vendor, "load": load,
                      "xlsx_limit": settings.READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES,
                      "cap": cap}))
finally:
    connection.creation.destroy_test_db(old, verbosity=0)
"""
)


def measure(kind: str, target: str) -> dict:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(target)],
        capture_output=True,
        text=True,
        cwd=root,
    )
    if done.returncode != 0:
        raise RuntimeError(
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def xlsx_limit() -> int:
    """The web's unpacked limit for XLSX imports, as the settings read it from the environment."""
    import os

    return int(os.environ.get("READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES", str(20 * 1024 * 1024)))


def row(kind: str, r: dict) -> dict:
    size = f"{r['bytes'] / 2**20:.1f} MB"
    if r["unpacked"] is None:
        size += f" (cap {r['cap'] / 2**20:.0f})"
    if r["unpacked"] is not None:
        size += f" ({r['unpacked'] / 2**20:.1f} MB unpacked; limit {r['xlsx_limit'] / 2**20:.0f})"
    return {
        "name": f"web import: {size} {kind.upper()}, {r['rows']:,} responses",
        "ours_seconds": r["seconds"],
        "reference_seconds": None,
        "target": f"< {SECONDS:.0f} s (gunicorn timeout 30 s)",
        "passed": r["seconds"] < SECONDS,
        "note": f"POST through the import page, {r['database']}; CPU {r['cpu']:.1f} s; "
        f"load average {r['load']:.1f}",
    }


def run() -> list[dict]:
    return [
        row("csv", measure("csv", "cap")),
        row("xlsx", measure("xlsx", str(XLSX_SHARE * xlsx_limit()))),
    ]


if __name__ == "__main__":  # pragma: no cover
    for result in run():
        print(result)
