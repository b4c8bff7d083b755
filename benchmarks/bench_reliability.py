"""Reliability kernels against R's psych, timed in the same run.

- ``cronbach_alpha`` on a 782 x 10 scale (the size of the workforce survey) against
  ``psych::alpha``, both per call and both starting from a data frame; R is timed inside R over
  repeated calls (``system.time`` around a loop, best of three loops), so R's start-up is not
  counted.  The values must agree to 1e-6 and ours must be at least 20 times faster.
- ``alpha_bootstrap_ci`` with 2000 resamples on the same data must take under 0.25 s.
  ``psych::alpha(n.iter = 2000)`` is timed for information.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.stats.reliability import alpha_bootstrap_ci, cronbach_alpha

N_ROWS, N_ITEMS = 782, 10
SPEEDUP = 20.0
BOOT_SECONDS = 0.25
TOL = 1e-6

R_SCRIPT = r"""
suppressPackageStartupMessages({library(psych); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
reps <- as.integer(args[2])
a <- alpha(x, warnings = FALSE)
per_call <- min(sapply(1:3, function(i) {
  system.time(for (j in seq_len(reps)) alpha(x, warnings = FALSE))[["elapsed"]] / reps
}))
set.seed(1)
boot <- system.time(alpha(x, n.iter = 2000, warnings = FALSE))[["elapsed"]]
cat(toJSON(list(
  per_call = per_call, boot = boot,
  raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, G6 = a$total$`G6(smc)`,
  average_r = a$total$average_r, sd = a$total$sd,
  r_drop = a$item.stats$r.drop, alpha_drop = a$alpha.drop$raw_alpha,
  psych = as.character(packageVersion("psych"))
), digits = NA, auto_unbox = TRUE))
"""


def scale(seed: int = 20240611) -> pd.DataFrame:
    """782 respondents x 10 five-point items from one factor (loadings 0.5 to 0.8)."""
    rng = np.random.default_rng(seed)
    loadings = np.linspace(0.5, 0.8, N_ITEMS)
    f = rng.normal(size=(N_ROWS, 1))
    latent = f * loadings + rng.normal(size=(N_ROWS, N_ITEMS)) * np.sqrt(1 - loadings**2)
    codes = np.digitize(latent, [-1.2, -0.4, 0.4, 1.2]) + 1
    return pd.DataFrame(codes, columns=[f"k{j + 1}" for j in range(N_ITEMS)])


def per_call(fn, *, budget: float = 0.3, repeats: int = 5) -> float:
    """Best-of-``repeats`` mean time of ``fn()``, each repeat lasting about ``budget`` s."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-6)
    loops = max(1, int(budget / once))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def run_r(data: pd.DataFrame, reps: int = 50) -> dict | None:
    """psych's timings and values for ``data``, or None when Rscript or psych is missing."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "scale.csv"
        script = Path(tmp) / "bench.R"
        data.to_csv(csv, index=False)
        script.write_text(R_SCRIPT)
        done = subprocess.run(
            ["Rscript", "--vanilla", str(script), str(csv), str(reps)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    if done.returncode != 0:
        raise RuntimeError(f"Rscript failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def agree(ours, ref: dict) -> tuple[bool, float]:
    """Do our values equal psych's to TOL? Returns (agree, largest difference)."""
    pairs = [
        (ours.raw_alpha, ref["raw_alpha"]),
        (ours.std_alpha, ref["std_alpha"]),
        (ours.G6, ref["G6"]),
        (ours.average_r, ref["average_r"]),
        (ours.sd, ref["sd"]),
    ]
    pairs += [(it.r_drop, v) for it, v in zip(ours.items, ref["r_drop"], strict=True)]
    pairs += [
        (it.alpha_if_dropped.raw_alpha, v)
        for it, v in zip(ours.items, ref["alpha_drop"], strict=True)
    ]
    worst = max(abs(a - b) for a, b in pairs)
    return worst <= TOL, worst


def run() -> list[dict]:
    data = scale()
    ours_alpha = per_call(lambda: cronbach_alpha(data))
    result = cronbach_alpha(data)

    def boot(method: str) -> float:
        return min(
            per_call(
                lambda: alpha_bootstrap_ci(data, n_boot=2000, seed=1, method=method),
                budget=0.0,
                repeats=5,
            ),
            float("inf"),
        )

    boot_pct = boot("percentile")
    boot_bca = boot("bca")
    ref = run_r(data)

    size = f"{N_ROWS} x {N_ITEMS}"
    if ref is None:
        alpha_row = {
            "name": f"cronbach_alpha {size}, per call",
            "ours_seconds": ours_alpha,
            "reference_seconds": None,
            "target": f">= {SPEEDUP:.0f}x faster than psych::alpha, same values",
            "passed": None,
            "note": "Rscript or psych not available: not compared",
        }
        boot_ref = None
        boot_note = ""
    else:
        same, worst = agree(result, ref)
        speedup = ref["per_call"] / ours_alpha
        alpha_row = {
            "name": f"cronbach_alpha {size}, per call",
            "ours_seconds": ours_alpha,
            "reference_seconds": ref["per_call"],
            "target": f">= {SPEEDUP:.0f}x faster than psych::alpha, same values",
            "passed": bool(same and speedup >= SPEEDUP),
            "note": f"psych {ref['psych']}; values agree to {worst:.1e}"
            + ("" if same else f" (more than {TOL:g}: MISMATCH)"),
        }
        boot_ref = ref["boot"]
        boot_note = "; reference: psych::alpha(n.iter = 2000)"
    return [
        alpha_row,
        {
            "name": f"alpha_bootstrap_ci {size}, 2000 resamples, percentile",
            "ours_seconds": boot_pct,
            "reference_seconds": boot_ref,
            "target": f"< {BOOT_SECONDS} s",
            "passed": boot_pct < BOOT_SECONDS,
            "note": "best of 5" + boot_note,
        },
        {
            "name": f"alpha_bootstrap_ci {size}, 2000 resamples, BCa",
            "ours_seconds": boot_bca,
            "reference_seconds": None,
            "target": f"< {BOOT_SECONDS} s",
            "passed": boot_bca < BOOT_SECONDS,
            "note": "best of 5; includes the jackknife",
        },
    ]
