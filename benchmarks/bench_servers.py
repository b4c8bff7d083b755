"""Answers a second through haproxy to one app server, then to two (docs/web.md, "Several
servers").

How it runs (:mod:`benchmarks.cluster`): a PostgreSQL database of its own
(``readiness_bench_servers`` on ``BENCH_PG``, default ``postgresql://postgres@127.0.0.1:5432``;
created for the run and dropped after), migrated once, with a study of 10 sites; two app
servers (gunicorn with ``readiness.web.gunicorn_conf``, ``--workers`` each, a data folder of
their own) and two haproxy processes with the shipped configuration: one sends every request
to the first server (both of its server lines name it), the other to both in turn.  Client
threads answer the survey as respondents do, each on a new connection per request: the
information page, consent, the seven pages, the check page and the submission.  Rounds
alternate one server and two; each counts the answer-page posts (consent, pages, submission)
completed in its window, after a warm-up.  The respondent rate limits are off (every client
here is one address).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.bench_web import PAGE_ANSWERS
from benchmarks.cluster import Cluster, database, respond

PASSWORD = "bench-servers-lead-password"
PAGES = PAGE_ANSWERS  # a valid answer for every page of the shipped survey
NO_LIMITS = {
    "READINESS_RATE_CLIENT_STARTS": "0/600",
    "READINESS_RATE_STARTS": "0/600",
    "READINESS_RATE_PAGES": "0/60",
}


def load(port: int, links: list[str], threads: int, warmup: float, seconds: float) -> dict:
    """Respondents through the proxy at ``port``: answer posts a second in the window."""
    posted: list[float] = []  # when each post (consent, page, submission) was answered
    submitted: list[float] = []
    errors: list[str] = []
    stop = threading.Event()

    def respondent(n: int) -> None:
        i = n
        while not stop.is_set():
            try:
                respond(port, links[i % len(links)], PAGES, retries=0, posted=posted)
                submitted.append(time.monotonic())
            except Exception as err:
                errors.append(repr(err))
            i += threads

    workers = [threading.Thread(target=respondent, args=(n,)) for n in range(threads)]
    began = time.monotonic()
    for worker in workers:
        worker.start()
    time.sleep(warmup + seconds)
    stop.set()
    for worker in workers:
        worker.join(timeout=120)
    start, end = began + warmup, began + warmup + seconds
    return {
        "answers_per_second": sum(start <= t < end for t in posted) / seconds,
        "submissions": sum(start <= t < end for t in submitted),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def measure(workers: int, threads: int, warmup: float, seconds: float, rounds: int) -> dict:
    with (
        tempfile.TemporaryDirectory(prefix="readiness-bench-servers-") as folder,
        database("readiness_bench_servers") as url,
    ):
        cluster = Cluster(Path(folder), url, NO_LIMITS)
        try:
            links = cluster.migrate_and_make_study(PASSWORD, sites=10)
            first = f"127.0.0.1:{cluster.start_server('app1', workers)}"
            second = f"127.0.0.1:{cluster.start_server('app2', workers)}"
            one = cluster.start_proxy(first, first, name="proxy-one")
            two = cluster.start_proxy(first, second, name="proxy-two")
            runs: dict[str, list[dict]] = {"one server": [], "two servers": []}
            for _ in range(rounds):
                for label, port in (("one server", one), ("two servers", two)):
                    runs[label].append(load(port, links, threads, warmup, seconds))
        finally:
            cluster.stop()
    return {
        "workers_per_server": workers,
        "threads": threads,
        "seconds": seconds,
        "rounds": runs,
        "median_answers_per_second": {
            label: statistics.median(r["answers_per_second"] for r in results)
            for label, results in runs.items()
        },
        "load_average": os.getloadavg()[0],
    }


def report(result: dict) -> str:
    lines = [
        f"{'through haproxy':<16} {'answers/s (median)':>19}  rounds",
    ]
    for label, median in result["median_answers_per_second"].items():
        each = ", ".join(f"{r['answers_per_second']:.0f}" for r in result["rounds"][label])
        errors = sum(r["errors"] for r in result["rounds"][label])
        lines.append(f"{label:<16} {median:>19.0f}  {each} ({errors} errors)")
        lines += [
            f"  first error: {r['first_error']}" for r in result["rounds"][label] if r["errors"]
        ]
    lines.append(
        f"{result['workers_per_server']} gunicorn workers a server, {result['threads']} client "
        f"threads, {result['seconds']:.0f} s windows; load average {result['load_average']:.1f}"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_servers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers a server")
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--seconds", type=float, default=15, help="each round's window")
    parser.add_argument("--warmup", type=float, default=3, help="before each window")
    parser.add_argument("--rounds", type=int, default=2, help="one server, then two, per round")
    parser.add_argument("--json", action="store_true", help="print the raw results")
    args = parser.parse_args()
    result = measure(args.workers, args.threads, args.warmup, args.seconds, args.rounds)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
