"""The study report (``readiness.report``): HTML and PDF for the matched demo cohort, HTML for
100,000 respondents.

Targets (issue 4): the HTML report for 782 respondents under 5 s and its PDF under 15 s; the
HTML report for 100,000 respondents under 30 s.  Each size runs in a fresh process, as the
command line does: the cohort is drawn before the clock starts; the HTML time is the analysis
plus ``render_html`` (first call, so it includes loading matplotlib and Jinja2 and drawing the
three figures); the PDF time is ``write_pdf`` of that HTML (WeasyPrint layout and writing).
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
from readiness.analysis import analyse
from readiness.instrument import shipped_instrument
from readiness.synth import make_cohort
n, pdf = int(sys.argv[1]), sys.argv[2] == "pdf"
instrument = shipped_instrument()
cohort = make_cohort(n, 2015, match_published=(n == 782), instrument=instrument)
start = time.perf_counter()
result = analyse(cohort.responses, instrument, sessions=cohort.sessions)
analysed = time.perf_counter()
from readiness.report import render_html, write_pdf
html = render_html(result, instrument=instrument, compare_published=True)
rendered = time.perf_counter()
out = {"analyse": analysed - start, "html": rendered - start, "bytes": len(html.encode())}
if pdf:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        write_pdf(html, path)
        out["pdf"] = time.perf_counter() - rendered
        out["pdf_bytes"] = path.stat().st_size
out["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(out))
"""


def measure(n: int, pdf: bool) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), "pdf" if pdf else "html"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    small = measure(782, pdf=True)
    large = measure(100_000, pdf=False)
    return [
        {
            "name": "report HTML, 782 respondents (analyse + render_html)",
            "ours_seconds": small["html"],
            "reference_seconds": None,
            "target": "< 5 s",
            "passed": small["html"] < 5,
            "note": f"analysis {small['analyse']:.2f} s; HTML {small['bytes'] / 1e6:.2f} MB, 3 inline SVG figures",
        },
        {
            "name": "report PDF, 782 respondents (write_pdf)",
            "ours_seconds": small["pdf"],
            "reference_seconds": None,
            "target": "< 15 s",
            "passed": small["pdf"] < 15,
            "note": f"WeasyPrint; {small['pdf_bytes'] / 1e6:.2f} MB; HTML and PDF together {small['html'] + small['pdf']:.2f} s",
        },
        {
            "name": "report HTML, 100,000 respondents (analyse + render_html)",
            "ours_seconds": large["html"],
            "reference_seconds": None,
            "target": "< 30 s",
            "passed": large["html"] < 30,
            "note": f"analysis {large['analyse']:.2f} s; peak memory {large['peak_bytes'] / 1024**3:.2f} GB (cohort included)",
        },
    ]
