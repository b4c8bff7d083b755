"""Command-line access to the statistical kernels: ``readiness reliability``.

Commands read a plain table (CSV, XLSX, SPSS .sav, Stata .dta) with
:func:`readiness.tabular.read_table`, check the columns they are asked to use, and print either a
readable table or, with ``--json``, the result's ``to_dict()``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import click
import numpy as np
import pandas as pd

from readiness.errors import Problem, ProblemsError
from readiness.stats.reliability import AlphaResult, cronbach_alpha
from readiness.tabular import read_table

MAX_PROBLEMS = 20


def split_names(values: Iterable[str], columns: Iterable[str] = ()) -> list[str]:
    """Column names from repeated options, each of which may hold several names.

    ``--items A --items B`` and ``--items "A B"`` and ``--items A,B`` all give ``[A, B]``.
    A value that is exactly the name of one of ``columns`` is kept whole, so a column whose
    name contains a space or a comma can still be chosen with its own ``--items``.
    """
    known = set(columns)
    names: list[str] = []
    for value in values:
        if value in known:
            names.append(value)
        else:
            names.extend(part for part in re.split(r"[,\s]+", value) if part)
    return names


def _numeric_items(frame: pd.DataFrame, items: list[str], path: str) -> pd.DataFrame:
    """The chosen columns as floats, or a ProblemsError naming each bad cell or column."""
    problems: list[Problem] = []
    columns = [str(c) for c in frame.columns]
    frame = frame.rename(columns=dict(zip(frame.columns, columns, strict=True)))
    for name in items:
        if name not in columns:
            problems.append(
                Problem(
                    f"there is no column {name!r}.",
                    fix="the columns are: " + ", ".join(columns) + ".",
                    file=path,
                    column=name,
                )
            )
    seen: set[str] = set()
    for name in items:
        if name in seen:
            problems.append(
                Problem(f"column {name!r} is listed more than once.", file=path, column=name)
            )
        seen.add(name)
    if problems:
        raise ProblemsError(problems, file=path)

    out = {}
    bad = 0
    for name in items:
        col = frame[name]
        values = np.full(len(col), np.nan)
        for i, cell in enumerate(col.tolist()):
            if cell is None or (isinstance(cell, float) and math.isnan(cell)):
                continue
            text = str(cell).strip()
            if text == "":
                continue
            try:
                values[i] = float(text)
            except ValueError:
                bad += 1
                if bad <= MAX_PROBLEMS:
                    problems.append(
                        Problem(
                            f"{text!r} is not a numeric code.",
                            fix="recode answers as numbers (leave a missing answer empty).",
                            file=path,
                            row=i + 1,
                            column=name,
                        )
                    )
                continue
            if not math.isfinite(values[i]):
                values[i] = np.nan
        out[name] = values
    if bad > MAX_PROBLEMS:
        problems.append(Problem(f"... and {bad - MAX_PROBLEMS} more non-numeric cells.", file=path))
    if problems:
        raise ProblemsError(problems, file=path)
    return pd.DataFrame(out)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [
            c.rjust(w) if j in right else c.ljust(w)
            for j, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def format_alpha(res: AlphaResult, path: str) -> str:
    """A readable report of :func:`cronbach_alpha` in psych's layout."""
    out = [
        f"Cronbach's alpha: {res.n_items} items in {path}",
        f"missing data: {res.missing}; n = {res.n} respondents"
        + (f"; reversed: {', '.join(res.reverse)}" if res.reverse else ""),
        "",
    ]
    head = ["raw_alpha", "std_alpha", "G6", "average_r", "S/N", "ase", "mean", "sd", "median_r"]
    vals = [
        _fmt(res.raw_alpha),
        _fmt(res.std_alpha),
        _fmt(res.G6),
        _fmt(res.average_r),
        _fmt(res.s_n, 2),
        _fmt(res.ase),
        _fmt(res.mean, 2),
        _fmt(res.sd, 2),
        _fmt(res.median_r),
    ]
    out += _table([head, vals], set(range(len(head))))
    f = res.feldt
    out += [
        "",
        f"Feldt {f.conf_level:.0%} interval for raw_alpha: {_fmt(f.lower)} to {_fmt(f.upper)}",
    ]
    out += ["", "Item statistics (alpha if dropped: raw_alpha without the item)"]
    rows = [["item", "n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd", "alpha_if_dropped"]]
    for it in res.items:
        d = it.alpha_if_dropped
        rows.append(
            [
                it.item + ("-" if it.reversed else ""),
                str(it.n),
                _fmt(it.raw_r),
                _fmt(it.std_r),
                _fmt(it.r_cor),
                _fmt(it.r_drop),
                _fmt(it.mean, 2),
                _fmt(it.sd, 2),
                _fmt(d.raw_alpha if d else None),
            ]
        )
    out += _table(rows, set(range(1, 9)))
    if res.reverse:
        out.append("(an item marked - was reversed)")
    for w in res.warnings:
        out += ["", f"Note: {w}"]
    return "\n".join(out)


ITEMS_HELP = (
    "Item column; repeat the option (--items q1 --items q2) or give several in one quoted "
    'value, separated by spaces or commas (--items "q1 q2 q3" or --items q1,q2,q3).'
)


@click.command("reliability")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--items", "items", multiple=True, required=True, metavar="NAMES", help=ITEMS_HELP)
@click.option(
    "--reverse",
    "reverse",
    multiple=True,
    metavar="NAMES",
    help="Reverse-keyed item(s), given the same way as --items; reversed as (min + max) - x "
    "with min and max over all items, as R's psych::alpha does with keys.",
)
@click.option(
    "--missing",
    type=click.Choice(["pairwise", "listwise"]),
    default="pairwise",
    show_default=True,
    help="pairwise: each covariance uses everyone who answered both items (psych's default); "
    "listwise: drop respondents with any missing item first.",
)
@click.option(
    "--conf-level",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Level of the Feldt interval.",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def reliability(
    file: Path,
    items: tuple[str, ...],
    reverse: tuple[str, ...],
    missing: str,
    conf_level: float,
    as_json: bool,
) -> None:
    """Cronbach's alpha of the scale made of the --items columns of FILE.

    FILE is a CSV, XLSX, SPSS (.sav) or Stata (.dta) table with one row per respondent.
    Prints psych's statistics: raw_alpha, std_alpha, G6, average_r, S/N, ase, mean, sd,
    median_r, the Feldt interval, and per item n, raw_r, std_r, r_cor, r_drop, mean, sd and
    alpha if the item is dropped.

    \b
    Give the items (and --reverse) in any of these forms:
      --items q1 --items q2 --items q3
      --items "q1 q2 q3"
      --items q1,q2,q3

    \b
    Examples:
      readiness reliability survey.csv --items "k1 k2 k3 k4" --reverse k3
      readiness reliability survey.csv --items k1 --items k2 --items k3 --json
    """
    path = str(file)
    frame = read_table(file, as_text=True)
    columns = [str(c) for c in frame.columns]
    names = split_names(items, columns)
    rev = split_names(reverse, columns)
    unknown = [r for r in rev if r not in names]
    if unknown:
        raise ProblemsError(
            [
                Problem(
                    f"--reverse names {r!r}, which is not one of the --items.",
                    fix="the items are: " + ", ".join(names) + ".",
                    column=r,
                )
                for r in unknown
            ],
            file=path,
        )
    data = _numeric_items(frame, names, path)
    res = cronbach_alpha(data, reverse=rev or None, missing=missing, conf_level=conf_level)
    if as_json:
        payload = {"statistic": "cronbach_alpha", "file": path, **res.to_dict()}
        click.echo(json.dumps(payload, indent=2, allow_nan=False))
    else:
        click.echo(format_alpha(res, path))
