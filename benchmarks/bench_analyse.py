"""The full study analysis (``readiness.analysis.analyse``) on large synthetic cohorts.

Targets (issue 3): 100,000 respondents under 2 s; 1,000,000 under 15 s and under 3 GB peak
memory.  Each size runs in a fresh process so that peak memory (ru_maxrss) belongs to that run;
the cohort is drawn before the clock starts, so the time is the analysis alone (reading a file of
a million rows is a separate cost: see ``readiness responses validate``).
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from readiness.analysis import analyse, AnalysisSettings
from readiness.instrument import shipped_instrument
from readiness.synth import make_cohort
n, cluster = int(sys.argv[1]), sys.argv[2] or None
instrument = shipped_instrument()
cohort = make_cohort(n, 1, instrument=instrument)
start = time.perf_counter()
result = analyse(cohort.responses, instrument, sessions=cohort.sessions, settings=AnalysisSettings(cluster=cluster))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "n": result.n}))
"""

CASES = [
    (100_000, "", 2.0, None),
    (100_000, "site", None, None),
    (1_000_000, "", 15.0, 3 * 1024**3),
    (1_000_000, "site", None, None),
]


def measure(n: int, cluster: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), cluster],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    rows = []
    for n, cluster, limit, memory_limit in CASES:
        m = measure(n, cluster)
        peak_gb = m["peak_bytes"] / 1024**3
        passed = None
        target = "(no target; for comparison)"
        if limit is not None:
            passed = m["seconds"] < limit and (
                memory_limit is None or m["peak_bytes"] < memory_limit
            )
            target = f"< {limit:g} s" + (
                f" and < {memory_limit / 1024**3:g} GB peak" if memory_limit else ""
            )
        design = "design-based, clusters = site" if cluster else "simple random sample"
        rows.append(
            {
                "name": f"analyse {n:,} respondents ({design})",
                "ours_seconds": m["seconds"],
                "reference_seconds": None,
                "target": target,
                "passed": passed,
                "note": f"peak memory of the process {peak_gb:.2f} GB (cohort included)",
            }
        )
    return rows
