"""Read one wave of an evaluation from a response file that has a link column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from readiness.errors import Problem, ResponsesError
from readiness.instrument.model import Instrument
from readiness.responses.read import problem_locator, read_raw_text
from readiness.responses.validate import text_problems, validate_frame
from readiness.tabular import table_format


def read_wave(path: str | Path, instrument: Instrument, link_column: str = "link") -> pd.DataFrame:
    """Read and validate a response file (CSV, XLSX, SPSS, Stata) of one wave.

    The file holds the instrument's items and meta columns, as
    :func:`readiness.responses.read_responses` accepts, plus ``link_column``: the linkage id
    (text; an empty cell means the response cannot be linked).  Returns the validated frame
    with ``link_column`` added as text (None where empty); validation warnings are in
    ``frame.attrs["warnings"]`` (a list of :class:`readiness.errors.Problem`).  Every problem (a
    missing link column, a link id used twice, a bad answer) is raised together as
    :class:`readiness.errors.ResponsesError`, naming the file, the row and the column.
    """
    path = Path(path)
    fmt = table_format(path)
    raw = read_raw_text(path, fmt)
    raw.columns = [str(c) for c in raw.columns]
    problems: list[Problem] = []
    if link_column not in raw.columns:
        problems.append(
            Problem(
                f"there is no link column {link_column!r}.",
                fix=f"add a column {link_column!r} holding each response's linkage id, or name "
                "the column that holds it with --link. The columns are: "
                + ", ".join(raw.columns[:30])
                + ("..." if len(raw.columns) > 30 else "")
                + ".",
                file=str(path),
                column=link_column,
            )
        )
        raise ResponsesError(problems, file=str(path))
    links = [
        None if pd.isna(v) or str(v).strip() == "" else str(v).strip()
        for v in raw[link_column].tolist()
    ]
    items = raw.drop(columns=[link_column])
    # rows validate_frame drops as empty must be dropped from the links too
    clean, found, warnings = validate_frame(items, instrument, str(path))
    problems = text_problems(raw, str(path)) + found
    seen: dict[str, int] = {}
    for row, value in enumerate(links, start=1):
        if value is None:
            continue
        if value in seen:
            problems.append(
                Problem(
                    f"the link id {value!r} is used again (first on row {seen[value]}).",
                    fix="keep one response per person in each wave, or clear the link id of the "
                    "response that does not belong to that person.",
                    file=str(path),
                    row=row,
                    column=link_column,
                )
            )
        else:
            seen[value] = row
    locate = problem_locator(path, fmt, raw)
    problems = [locate(p) for p in problems]
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    if problems:
        raise ResponsesError(problems, file=str(path))
    kept = _kept_rows(items)
    if len(kept) != len(clean):  # pragma: no cover - validate_frame's rule changed
        raise ResponsesError(
            [Problem("the empty rows could not be matched to their link ids.", file=str(path))],
            file=str(path),
        )
    clean = clean.copy()
    clean[link_column] = pd.Series([links[i] for i in kept], index=clean.index, dtype=object)
    clean.attrs["warnings"] = [locate(w) for w in warnings]
    return clean


def _kept_rows(items: pd.DataFrame) -> list[int]:
    """The rows validate_frame keeps: those with at least one value."""
    filled = items.notna() & items.astype(str).apply(lambda c: c.str.strip() != "")
    return [i for i, keep in enumerate(filled.any(axis=1).tolist()) if keep]


__all__ = ["read_wave"]
