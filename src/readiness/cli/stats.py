"""Command-line access to the statistical kernels: ``readiness reliability``.

Commands read a plain table (CSV, XLSX, SPSS .sav, Stata .dta), check the columns they are asked
to use, and print either a readable table or, with ``--json``, the result's ``to_dict()``.

``readiness reliability`` starts quickly: a CSV file is read with Python's own ``csv`` module
(cells as text, as :func:`readiness.tabular.read_table` gives them with ``as_text=True``), so
pandas is imported only for the other formats.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import click
import numpy as np

from readiness.cli.options import conf_level_option, json_option
from readiness.errors import Problem, ProblemsError, ReadinessError, ResponsesError
from readiness.stats.reliability import AlphaResult, cronbach_alpha

MAX_PROBLEMS = 20

# One leading apostrophe that Readiness's exports put before text starting like a formula
# (readiness.tabular.formula_safe); removed on reading, as read_table does.
_FORMULA_QUOTE = re.compile(r"^'(?='*[=+\-@\t\r\0])")


def _unique_names(header: list[str]) -> list[str]:
    """Column names as pandas gives them: empty ones 'Unnamed: i', repeats 'name.1', ..."""
    names: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(header):
        base = name if name != "" else f"Unnamed: {i}"
        candidate, count = base, 0
        while candidate in seen:
            count += 1
            candidate = f"{base}.{count}"
        seen.add(candidate)
        names.append(candidate)
    return names


def read_csv_text(path: Path) -> dict[str, list[str | None]]:
    """The columns of a CSV file as text (None for an empty cell), without pandas.

    Reads as ``read_table(path, as_text=True)`` does: UTF-8 (with or without a byte-order
    mark), blank lines skipped, the first line the header, empty cells missing, other text kept
    as written.  A line with more cells than the header, text that is not UTF-8, an empty file
    and a file with a header but no rows are errors naming the file and the fix.
    """
    if not path.exists():
        raise ReadinessError(f"{path}: no such file. Fix: check the path.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ResponsesError(
            [
                Problem(
                    f"the file is not UTF-8 text (byte {err.start}).",
                    fix="save it as CSV UTF-8 from your spreadsheet program.",
                    file=str(path),
                )
            ],
            file=str(path),
        ) from err
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    try:
        for record in reader:
            if not record or (len(record) == 1 and record[0].strip() == ""):
                continue  # a blank line is not a row
            if header is None:
                header = record
                continue
            if len(record) > len(header):
                raise ResponsesError(
                    [
                        Problem(
                            f"this line has {len(record)} cells but the header has {len(header)}.",
                            fix="check the commas and quotes on that line.",
                            file=str(path),
                            line=reader.line_num,
                        )
                    ],
                    file=str(path),
                )
            rows.append(record)
    except csv.Error as err:
        raise ResponsesError(
            [
                Problem(
                    f"could not be read as CSV: {err}",
                    fix="check that the file really is a CSV file and is not damaged.",
                    file=str(path),
                    line=reader.line_num,
                )
            ],
            file=str(path),
        ) from err
    if header is None:
        raise ResponsesError(
            [
                Problem(
                    f"{path} is empty.",
                    fix="check that it is the right file; a table needs a header line "
                    "naming its columns and one line for each respondent.",
                )
            ],
            file=str(path),
        )
    if not rows:
        from readiness.responses.read import no_rows_problem

        raise ResponsesError([no_rows_problem(path)], file=str(path))
    columns: dict[str, list[str | None]] = {}
    for j, name in enumerate(_unique_names(header)):
        cells: list[str | None] = []
        for record in rows:
            cell = record[j] if j < len(record) else ""
            if cell == "":
                cells.append(None)
            else:
                cells.append(cell[1:] if cell[:1] == "'" and _FORMULA_QUOTE.match(cell) else cell)
        columns[name] = cells
    return columns


def read_columns(path: Path) -> dict[str, list]:
    """The columns of a table file, by name: CSV without pandas, other formats through
    :func:`readiness.tabular.read_table` (cells as text, or SPSS and Stata's stored codes)."""
    if path.suffix.lower() == ".csv":
        return read_csv_text(path)
    from readiness.responses.read import require_rows
    from readiness.tabular import read_table

    frame = read_table(path, as_text=True)
    require_rows(frame, path)
    return {str(c): frame.iloc[:, j].tolist() for j, c in enumerate(frame.columns)}


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


def _numeric_items(table: dict[str, list], items: list[str], path: str) -> dict[str, np.ndarray]:
    """The chosen columns as floats, or a ProblemsError naming each bad cell or column."""
    problems: list[Problem] = []
    columns = list(table)
    for name in items:
        if name not in table:
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
        col = table[name]
        values = np.full(len(col), np.nan)
        for i, cell in enumerate(col):
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
    return out


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
        + (
            f" ({res.n_blank} of them answered no item: counted in n, as psych::alpha "
            "counts every row; --blank-rows drop leaves them out)"
            if res.n_blank
            else ""
        )
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
@conf_level_option("Level of the Feldt interval.")
@click.option(
    "--blank-rows",
    type=click.Choice(["keep", "drop"]),
    default="keep",
    show_default=True,
    help="Rows with no answer to any item: keep counts them in n, as psych::alpha does (only "
    "ase and the Feldt interval change); drop leaves them out.",
)
@json_option("Print machine-readable JSON.")
def reliability(
    file: Path,
    items: tuple[str, ...],
    reverse: tuple[str, ...],
    missing: str,
    conf_level: float,
    blank_rows: str,
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
    table = read_columns(file)
    columns = list(table)
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
    data = _numeric_items(table, names, path)
    res = cronbach_alpha(
        data, reverse=rev or None, missing=missing, conf_level=conf_level, blank_rows=blank_rows
    )
    if as_json:
        payload = {"statistic": "cronbach_alpha", "file": path, **res.to_dict()}
        click.echo(json.dumps(payload, indent=2, allow_nan=False))
    else:
        click.echo(format_alpha(res, path))
