"""Run the benchmarks and print one table: ``python -m benchmarks [--markdown] [NAME ...]``.

Every module ``benchmarks/bench_*.py`` exposes ``run()``, which returns a list of rows, each a
dict with the keys

``name``               what was timed;
``ours_seconds``       our time (per call where the name says so);
``reference_seconds``  the reference implementation's time in the same run, or None;
``target``             the target, in words (for example ``">= 20x faster than psych::alpha"``);
``passed``             True or False, or None when the target could not be checked;
``note``               anything the reader needs (what was compared, whether values agree).

Giving NAMEs (``reliability`` for ``bench_reliability.py``) runs only those modules.  The exit
status is 1 if any target was missed or a module failed, else 0.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

COLUMNS = ("benchmark", "ours", "reference", "ratio", "target", "passed", "note")


def discover() -> list[str]:
    """Names of the benchmark modules (``bench_*.py`` beside this file), sorted."""
    return sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))


def seconds(value: float | None) -> str:
    """A time in the unit that suits it."""
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def cells(row: dict) -> list[str]:
    ours, ref = row.get("ours_seconds"), row.get("reference_seconds")
    ratio = f"{ref / ours:.1f}x" if ours and ref else "-"
    passed = row.get("passed")
    return [
        str(row.get("name", "?")),
        seconds(ours),
        seconds(ref),
        ratio,
        str(row.get("target", "")),
        "n/a" if passed is None else ("yes" if passed else "NO"),
        str(row.get("note", "")),
    ]


def render(rows: list[dict], markdown: bool) -> str:
    table = [list(COLUMNS)] + [cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in table[1:]]
        return "\n".join(lines)
    widths = [max(len(r[j]) for r in table) for j in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("names", nargs="*", help="run only these modules, e.g. reliability")
    args = parser.parse_args(argv)
    modules = discover()
    if args.names:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.names}
        unknown = wanted - set(modules)
        if unknown:
            parser.error(
                f"no benchmark module {', '.join(sorted(unknown))}; have {', '.join(modules)}"
            )
        modules = [m for m in modules if m in wanted]
    rows: list[dict] = []
    for name in modules:
        print(f"running {name} ...", file=sys.stderr)
        try:
            rows.extend(importlib.import_module(f"benchmarks.{name}").run())
        except Exception as err:  # one broken module must not hide the others' results
            rows.append(
                {
                    "name": name,
                    "ours_seconds": None,
                    "reference_seconds": None,
                    "target": "runs",
                    "passed": False,
                    "note": f"failed: {type(err).__name__}: {err}",
                }
            )
    print(render(rows, args.markdown))
    return 1 if any(r.get("passed") is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
