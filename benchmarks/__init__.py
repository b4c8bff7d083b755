"""Speed and memory benchmarks, run with ``python -m benchmarks`` from the repository root.

Each ``benchmarks/bench_*.py`` module exposes ``run() -> list[dict]``; see ``__main__``.
"""
