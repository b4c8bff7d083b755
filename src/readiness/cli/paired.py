"""The ``readiness paired`` command: the change from a before column to an after column.

Each row of the table is one person, with their before and after answers in two columns.  A row
with either answer missing is left out (listwise deletion) and counted.  The kind of data decides
the statistics (:mod:`readiness.stats.paired`):

- columns holding only 0 and 1 (for example correct / not correct): McNemar's test with and
  without continuity correction, the exact binomial p-value, the conditional odds ratio with its
  exact interval, and the difference in proportions with Newcombe's paired interval;
- any other numbers (a Likert item, a scale mean, a score): the paired t-test with Cohen's d_z
  and the Wilcoxon signed-rank test with the matched-pairs rank-biserial correlation.

With ``--by`` every statistic is given for each group as well as for everyone.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click
import numpy as np
import pandas as pd

from readiness.cli.options import conf_level_option, json_option
from readiness.errors import Problem, ProblemsError, StatsError
from readiness.stats.paired import (
    EXACT_LIMIT,
    ZERO_METHODS,
    mcnemar,
    paired_t,
    wilcoxon_signed_rank,
)
from readiness.stats.result import jsonable
from readiness.tabular import read_table

MAX_PROBLEMS = 20
SMALL = 5  # groups with fewer people are flagged for suppression, as `readiness proportion`


def _missing(cell) -> bool:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return True
    return isinstance(cell, str) and cell.strip() == ""


def _check_columns(frame: pd.DataFrame, path: str, wanted: dict[str, str | None]) -> None:
    columns = [str(c) for c in frame.columns]
    problems = [
        Problem(
            f"--{option} {name}: there is no column {name!r}.",
            fix="the columns are: " + ", ".join(columns) + ".",
            file=path,
            column=name,
        )
        for option, name in wanted.items()
        if name is not None and name not in columns
    ]
    if wanted["before"] == wanted["after"]:
        problems.append(
            Problem(
                f"--before and --after both name column {wanted['before']!r}.",
                fix="give the column of the first answers to --before and of the later answers "
                "to --after.",
                file=path,
                column=wanted["before"],
            )
        )
    if problems:
        raise ProblemsError(problems, file=path)


def _numbers(frame: pd.DataFrame, path: str, columns: dict[str, str]) -> dict[str, np.ndarray]:
    """The --before and --after columns as floats (NaN = missing), or every bad cell named."""
    problems: list[Problem] = []
    out = {}
    bad = 0
    for option, name in columns.items():
        values = np.full(len(frame), np.nan)
        for i, cell in enumerate(frame[name].tolist()):
            if _missing(cell):
                continue
            text = str(cell).strip()
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                bad += 1
                if bad <= MAX_PROBLEMS:
                    problems.append(
                        Problem(
                            f"--{option} {name}: {text!r} is not a number.",
                            fix="code the answers as numbers (for a yes/no or correct/not "
                            "correct item: 1 and 0) and leave a missing answer empty.",
                            file=path,
                            row=i + 1,
                            column=name,
                        )
                    )
                continue
            values[i] = value
        out[option] = values
    if bad > MAX_PROBLEMS:
        problems.append(Problem(f"... and {bad - MAX_PROBLEMS} more cells that are not numbers."))
    if problems:
        raise ProblemsError(problems, file=path)
    return out


def _kind(before: np.ndarray, after: np.ndarray) -> str:
    seen = np.concatenate([before[~np.isnan(before)], after[~np.isnan(after)]])
    return "binary" if len(seen) and np.isin(seen, (0.0, 1.0)).all() else "scale"


def _conventions(kind: str, conf: str, zero_method: str) -> list[str]:
    common = (
        "Pairs: one row per person; change = after - before. A person with a missing before "
        "or after answer is left out (listwise deletion); n is the number of complete pairs."
    )
    if kind == "binary":
        return [
            common,
            "McNemar's test uses only the people who changed: b went from 0 to 1, c from 1 to "
            "0. The exact p-value is the two-sided binomial test of b out of b + c (R's "
            "binom.test); the chi-square is shown with continuity correction (R's mcnemar.test "
            "default) and without.",
            f"Odds ratio b / c with the exact {conf} interval (Clopper-Pearson for b / (b + c), "
            "turned into odds).",
            f"Change in % with 1: after - before = (b - c) / n, with Newcombe's {conf} hybrid "
            "score interval for paired proportions (Wilson intervals, Newcombe 1998).",
        ]
    zeros = (
        "people with no change are dropped before ranking (Wilcoxon's method)"
        if zero_method == "wilcox"
        else "people with no change are ranked with the rest, then dropped (Pratt's method)"
    )
    return [
        common,
        f"Paired t-test of the mean change with its {conf} interval; Cohen's d_z = mean change "
        f"/ SD of the change, {conf} interval by the noncentral t distribution.",
        f"Wilcoxon signed-rank test (R's wilcox.test): {zeros}; V is the sum of the ranks of "
        f"the increases. Exact p-value when fewer than {EXACT_LIMIT} people changed and there "
        "are no ties or zero changes; otherwise the normal approximation with tie correction "
        "and continuity correction.",
        f"Rank-biserial r = (R+ - R-) / (R+ + R-) over the people who changed (1 = every change "
        f"up, -1 = every change down); {conf} interval by Fisher's z with n = all complete pairs "
        "(as R's effectsize). When every change is in one direction there is no interval.",
    ]


def _conf_label(conf_level: float) -> str:
    """0.95 -> "95%", 0.975 -> "97.5%"."""
    return f"{100 * conf_level:.10g}%"


def _analyse(label: str, before: np.ndarray, after: np.ndarray, kind: str, conf, zero) -> dict:
    complete = ~(np.isnan(before) | np.isnan(after))
    row: dict = {"group": label, "n": int(complete.sum()), "n_dropped": int((~complete).sum())}
    if row["n"] == 0:
        row["note"] = "no complete pairs"
        return row
    if kind == "binary":
        row["mcnemar"] = mcnemar(before=before, after=after, conf_level=conf)
        return row
    try:
        row["paired_t"] = paired_t(before, after, conf_level=conf)
    except StatsError as err:
        row["paired_t"] = None
        row["note"] = str(err)
    row["wilcoxon"] = wilcoxon_signed_rank(before, after, zero_method=zero, conf_level=conf)
    return row


def compute(
    frame: pd.DataFrame,
    path: str,
    before: str,
    after: str,
    by: str | None = None,
    conf_level: float = 0.95,
    zero_method: str = "wilcox",
) -> dict:
    """Everything ``readiness paired`` reports, as a dictionary of results."""
    frame = frame.rename(columns={c: str(c) for c in frame.columns})
    _check_columns(frame, path, {"before": before, "after": after, "by": by})
    values = _numbers(frame, path, {"before": before, "after": after})
    b, a = values["before"], values["after"]
    complete = ~(np.isnan(b) | np.isnan(a))
    if not complete.any():
        raise ProblemsError(
            [
                Problem(
                    f"no row has both a --before ({before}) and an --after ({after}) answer, so "
                    "there are no pairs to compare.",
                    fix="check that the two columns hold the same people's answers, one person "
                    "per row.",
                    file=path,
                    column=f"{before}, {after}",
                )
            ],
            file=path,
        )
    kind = _kind(b, a)
    conf = _conf_label(conf_level)
    out: dict = {
        "file": path,
        "before": before,
        "after": after,
        "by": by,
        "kind": kind,
        "conf_level": conf_level,
        "zero_method": zero_method if kind == "scale" else None,
        "n_rows": len(frame),
        "incomplete_pairs": int((~complete).sum()),
        "conventions": _conventions(kind, conf, zero_method),
        "overall": _analyse("All", b, a, kind, conf_level, zero_method),
        "groups": [],
        "missing_group": 0,
    }
    if by:
        cells = [None if _missing(c) else c for c in frame[by].tolist()]
        cells = [int(c) if isinstance(c, float) and c.is_integer() else c for c in cells]
        labels = sorted({str(c).strip() for c in cells if c is not None})
        keys = np.array([None if c is None else str(c).strip() for c in cells], dtype=object)
        out["missing_group"] = int(sum(k is None for k in keys))
        for label in labels:
            mask = keys == label
            out["groups"].append(_analyse(label, b[mask], a[mask], kind, conf_level, zero_method))
    return out


# --- text -------------------------------------------------------------------------------------


def _num(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "infinite" if value > 0 else "-infinite"
    return f"{value:.{digits}f}"


def _p(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _ci(lower, upper, digits: int = 2) -> str:
    if lower is None or (isinstance(lower, float) and math.isnan(lower)):
        return "-"
    return f"{_num(lower, digits)} to {_num(upper, digits)}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    return [
        "  ".join(
            c.ljust(w) if j == 0 else c.rjust(w)
            for j, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]


def _scale_tables(rows: list[dict], conf: str) -> list[str]:
    t_rows = [
        ["group", "n", "mean before", "mean after", "change", f"{conf} CI", "t", "df", "p"]
        + ["d_z", f"{conf} CI"]
    ]
    w_rows = [["group", "n", "no change", "up", "down", "V", "p", "p method", "r_rb", f"{conf} CI"]]
    for row in rows:
        t, w = row.get("paired_t"), row.get("wilcoxon")
        if t is None:
            t_rows.append([row["group"], str(row["n"])] + ["-"] * 9)
        else:
            t_rows.append(
                [
                    row["group"],
                    str(t.n),
                    _num(t.mean_before),
                    _num(t.mean_after),
                    _num(t.mean_difference),
                    _ci(t.lower, t.upper),
                    _num(t.t),
                    str(t.df),
                    _p(t.p_value),
                    _num(t.cohens_dz.d_z),
                    _ci(t.cohens_dz.lower, t.cohens_dz.upper),
                ]
            )
        if w is None:
            w_rows.append([row["group"], str(row["n"])] + ["-"] * 8)
            continue
        rb = w.rank_biserial
        method = "exact" if w.method == "exact" else ("normal, cc" if w.correct else "normal")
        w_rows.append(
            [
                row["group"],
                str(w.n),
                str(w.n_zero),
                str(w.n_positive),
                str(w.n_negative),
                _num(w.v, 1),
                _p(w.p_value),
                method,
                _num(rb.r_rb),
                "one direction" if rb.one_direction else _ci(rb.lower, rb.upper),
            ]
        )
    return (
        ["Paired t-test and Cohen's d_z (change = after - before)"]
        + _table(t_rows)
        + ["", "Wilcoxon signed-rank test and rank-biserial r"]
        + _table(w_rows)
    )


def _binary_tables(rows: list[dict], conf: str) -> list[str]:
    head = ["group", "n", "% before", "% after", "change (points)", f"{conf} CI"]
    head += ["b (0->1)", "c (1->0)", "exact p", "chi2 cc", "p", "chi2", "p"]
    head += ["OR b/c", f"{conf} CI"]
    table = [head]
    for row in rows:
        m = row.get("mcnemar")
        if m is None:
            table.append([row["group"], str(row["n"])] + ["-"] * (len(head) - 2))
            continue
        diff = m.difference
        table.append(
            [
                row["group"],
                str(m.n),
                _num(100 * m.p_before, 1),
                _num(100 * m.p_after, 1),
                _num(100 * diff.difference, 1),
                _ci(100 * diff.lower, 100 * diff.upper, 1),
                str(m.b),
                str(m.c),
                _p(m.exact_p_value),
                _num(m.chi_square_corrected),
                _p(m.p_value_corrected),
                _num(m.chi_square),
                _p(m.p_value),
                _num(m.odds_ratio),
                _ci(m.or_lower, m.or_upper),
            ]
        )
    return ["McNemar's test, odds ratio and change in % with 1 (after - before)"] + _table(table)


def format_report(res: dict) -> str:
    """The human-readable report of :func:`compute`."""
    conf = _conf_label(res["conf_level"])
    kind = "0/1 answers" if res["kind"] == "binary" else "numbers"
    lines = [
        f"Paired change from {res['before']} (before) to {res['after']} (after) in {res['file']}"
        f" ({kind})",
        "",
        "Conventions:",
    ]
    lines += [f"  - {c}" for c in res["conventions"]]
    rows = [res["overall"], *res["groups"]]
    lines.append("")
    if res["kind"] == "binary":
        lines += _binary_tables(rows, conf)
    else:
        lines += _scale_tables(rows, conf)
    notes = []
    if res["incomplete_pairs"]:
        notes.append(
            f"{res['incomplete_pairs']} of {res['n_rows']} row(s) have a missing before or "
            "after answer and are left out."
        )
    if res["by"] and res["missing_group"]:
        notes.append(f"{res['missing_group']} row(s) have no {res['by']} (in 'All' only).")
    for row in rows:
        for key in ("paired_t", "wilcoxon", "mcnemar"):
            result = row.get(key)
            if result is not None and result.note:
                notes.append(f"{row['group']}: {result.note}")
        rb = row.get("wilcoxon").rank_biserial if row.get("wilcoxon") else None
        if rb is not None and rb.note:
            notes.append(f"{row['group']}: rank-biserial r: {rb.note}")
        if row.get("note"):
            notes.append(f"{row['group']}: {row['note']}")
    small = [str(r["group"]) for r in rows if 0 < r["n"] < SMALL]
    if small:
        notes.append(f"fewer than {SMALL} pairs in {', '.join(small)}: suppress before sharing.")
    if notes:
        lines.append("")
        lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


@click.command("paired")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--before", required=True, metavar="COLUMN", help="The first (pre) answers.")
@click.option("--after", required=True, metavar="COLUMN", help="The later (post) answers.")
@click.option("--by", metavar="COLUMN", help="Give the statistics for each group of COLUMN too.")
@conf_level_option("Level of every interval.")
@click.option(
    "--zero-method",
    type=click.Choice(ZERO_METHODS),
    default="wilcox",
    show_default=True,
    help="Wilcoxon test: drop people with no change before ranking (wilcox), or rank them "
    "with the rest and then drop them (pratt).",
)
@json_option()
def paired(
    file: Path,
    before: str,
    after: str,
    by: str | None,
    conf_level: float,
    zero_method: str,
    as_json: bool,
) -> None:
    """The change from a --before to an --after column of FILE, one row per person.

    FILE is a CSV, XLSX, SPSS (.sav) or Stata (.dta) table. Columns of 0 and 1 get McNemar's
    test, the odds ratio and the change in % with Newcombe's interval; other numbers get the
    paired t-test with Cohen's d_z and the Wilcoxon signed-rank test with the rank-biserial r.

    \b
    readiness paired linked.csv --before pre_confidence --after post_confidence
    readiness paired linked.csv --before pre_k3 --after post_k3 --by discipline --json
    """
    from readiness.responses.read import require_rows

    frame = read_table(file, as_text=True)
    require_rows(frame, file)  # 'FILE has a header but no rows'
    res = compute(
        frame, str(file), before, after, by=by, conf_level=conf_level, zero_method=zero_method
    )
    if as_json:
        click.echo(json.dumps(jsonable(res), indent=2))
    else:
        click.echo(format_report(res))
