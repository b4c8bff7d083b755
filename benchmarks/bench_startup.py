"""Start-up of the ``readiness`` command line, as a user runs it (a fresh process each time).

Targets (issue 15, item 7): ``readiness --help`` under 0.3 s, and ``readiness reliability`` on a
100-row CSV file under 0.6 s.  Each is run N times in a new process through the installed
``readiness`` script (wall time from start to exit, Python's own start-up included); the median
is reported.  The commands are loaded lazily (``readiness.cli.COMMANDS``), so ``--help`` imports
none of them; the reference column is what loading every command costs (``--help`` before the
change imported them all), measured the same way.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RUNS = 11
HELP_SECONDS = 0.3
RELIABILITY_SECONDS = 0.6


def readiness_command() -> list[str]:
    """The installed console script beside this Python, or ``python -m readiness.cli``."""
    script = Path(sys.executable).parent / "readiness"
    return [str(script)] if script.exists() else [sys.executable, "-m", "readiness.cli"]


def median_seconds(args: list[str], cwd: Path, runs: int = RUNS) -> tuple[float, float]:
    """Median and smallest wall time of ``runs`` fresh processes (after one warm-up run)."""
    subprocess.run(args, cwd=cwd, capture_output=True, check=True)  # the file cache warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def scale_csv(path: Path, n: int = 100, k: int = 8, seed: int = 100) -> None:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    codes = np.digitize(f + rng.normal(size=(n, k)), [-1.5, -0.5, 0.5, 1.5]) + 1
    lines = [",".join(f"q{j + 1}" for j in range(k))]
    lines += [",".join(str(v) for v in row) for row in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load() -> float:
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def run() -> list[dict]:
    command = readiness_command()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scale_csv(folder / "scale.csv")
        items = " ".join(f"q{j + 1}" for j in range(8))
        every = [
            sys.executable,
            "-c",
            "from readiness.cli import COMMANDS, load_command\n"
            "for name in COMMANDS: load_command(name)",
        ]
        eager, _ = median_seconds(every, folder)
        help_median, help_best = median_seconds([*command, "--help"], folder)
        rel_median, rel_best = median_seconds(
            [*command, "reliability", "scale.csv", "--items", items], folder
        )
    note = f"median of {RUNS} fresh processes; load average {load():.1f}"
    return [
        {
            "name": "readiness --help (start-up)",
            "ours_seconds": help_median,
            "reference_seconds": eager,
            "target": f"< {HELP_SECONDS} s",
            "passed": help_median < HELP_SECONDS,
            "note": f"{note}; fastest {help_best:.2f} s; reference: importing every command",
        },
        {
            "name": "readiness reliability, 100 rows x 8 items CSV (start to exit)",
            "ours_seconds": rel_median,
            "reference_seconds": None,
            "target": f"< {RELIABILITY_SECONDS} s",
            "passed": rel_median < RELIABILITY_SECONDS,
            "note": f"{note}; fastest {rel_best:.2f} s",
        },
    ]


if __name__ == "__main__":  # pragma: no cover
    for result in run():
        print(result)
