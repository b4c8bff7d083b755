"""Check a table of responses against its instrument and build the typed frame.

:func:`validate_frame` takes a table as read from a file (every cell a string, as
:func:`readiness.tabular.read_table` gives with ``as_text=True``; numbers, as SPSS and Stata
files hold them, are accepted too) and returns the clean frame, the problems (errors) and the
warnings.  It never raises for bad data: it collects every problem, each with the row and the
column, so that a caller can report all of them at once.

Work is done per column, not per cell: each column is factorised, each distinct value is
parsed once, and the result is spread back over the rows with NumPy indexing.  Python loops
over rows happen only to describe problems that were found.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from readiness.errors import Problem
from readiness.instrument.describe import describe_condition
from readiness.instrument.model import (
    META_COLUMNS,
    Choice,
    Instrument,
    Item,
    choices_of,
)
from readiness.instrument.redcap_columns import checkbox_suffix
from readiness.instrument.scoring import shown_mask
from readiness.responses.declared import DeclaredMissing
from readiness.tabular import XLSX_MAX_CELL, has_illegal_characters

# The dtype of text columns: pandas' string dtype with NaN for missing values.
TEXT_DTYPE = pd.StringDtype(na_value=np.nan)

# Meta columns stored as text; ``synthetic`` is stored as 1.0 / 0.0.
TEXT_META = ("response_id", "instrument_id", "instrument_version", "session", "completed_on")

# REDCap exports a checkbox field as one 0/1 column per choice: ``formats___2``.
CHECKBOX_COLUMN = re.compile(r"^(?P<item>.+?)___(?P<code>[A-Za-z0-9_.-]+)$")

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# How a month typed into Excel comes back: the first of the month at midnight.
_EXCEL_MONTH = re.compile(r"^(\d{4})-(\d{2})-01[ T]00:00:00$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_TRUE_WORDS = {"1", "true", "yes", "y"}
_FALSE_WORDS = {"0", "false", "no", "n"}
_MAX_LISTED_ROWS = 10

# What parsing one distinct cell value gives: (value, None) or (missing, (message, fix)).
Parsed = tuple[Any, tuple[str, str] | None]


def cell_text(value: Any) -> str:
    """A cell as stripped text: numbers without a spurious ``.0``, missing values as ``""``."""
    if value is None or isinstance(value, DeclaredMissing):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        if float(value).is_integer() and abs(float(value)) < 2**53:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def _shown(text: str) -> str:
    """A cell value quoted for a message, shortened if long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def is_numeric_item(item: Item) -> bool:
    """Whether the item's stored values are numbers (float64 in the frame)."""
    if item.type in ("number", "yes_no", "true_false", "likert", "calculate"):
        return True
    if item.type == "single_choice":
        return all(isinstance(c.code, int) for c in choices_of(item))
    return False


def _code_list(choices: tuple[Choice, ...]) -> str:
    return ", ".join(f"{c.code} = {c.label}" for c in choices)


class _CodeMatcher:
    """Turns the text of a cell into one of an item's codes, or says it is none of them."""

    def __init__(self, choices: tuple[Choice, ...]):
        self.choices = choices
        self.by_text = {str(c.code): c.code for c in choices}
        self.by_lower = {str(c.code).lower(): c.code for c in choices}
        self.by_number = {float(c.code): c.code for c in choices if isinstance(c.code, int)}
        self.by_label = {c.label.strip().lower(): c.code for c in choices}
        self.order = {str(c.code): i for i, c in enumerate(choices)}

    def match(self, text: str) -> int | str | None:
        if text in self.by_text:
            return self.by_text[text]
        if text.lower() in self.by_lower:
            return self.by_lower[text.lower()]
        if self.by_number and _NUMBER.match(text):
            return self.by_number.get(float(text))
        return None

    def label_code(self, text: str) -> int | str | None:
        return self.by_label.get(text.strip().lower())


def _parse_single(item: Item) -> Callable[[str], Parsed]:
    choices = choices_of(item)
    matcher = _CodeMatcher(choices)
    numeric = is_numeric_item(item)
    kind = {"likert": "Likert item", "yes_no": "yes/no item", "true_false": "true/false item"}
    what = kind.get(item.type, "item")

    def parse(text: str) -> Parsed:
        code = matcher.match(text)
        if code is not None:
            return (float(code) if numeric else str(code)), None
        by_label = matcher.label_code(text)
        if by_label is not None:
            return np.nan, (
                f"{_shown(text)} is a label, not a code.",
                f"store the code {by_label} for {text.strip()!r} "
                f"(codes of '{item.id}': {_code_list(choices)}).",
            )
        return np.nan, (
            f"{_shown(text)} is not a code of the {what} '{item.id}'.",
            f"use one of its codes: {_code_list(choices)}; leave the cell empty if unanswered.",
        )

    return parse


_SEPARATORS = re.compile(r"[\s,;]+")


def _parse_multiple(item: Item) -> Callable[[str], Parsed]:
    choices = choices_of(item)
    matcher = _CodeMatcher(choices)

    def parse(text: str) -> Parsed:
        tokens = [t for t in _SEPARATORS.split(text) if t]
        found, unknown = set(), []
        for token in tokens:
            code = matcher.match(token)
            if code is None:
                unknown.append(token)
            else:
                found.add(str(code))
        if unknown:
            listed = ", ".join(_shown(t) for t in unknown[:5])
            return np.nan, (
                f"{_shown(text)} holds {listed}, which "
                f"{'is not a code' if len(unknown) == 1 else 'are not codes'} "
                f"of the multiple-choice item '{item.id}'.",
                "write the selected codes separated by spaces, for example '1 3'; codes: "
                + _code_list(choices)
                + ".",
            )
        if not found:
            return np.nan, None
        return " ".join(sorted(found, key=matcher.order.__getitem__)), None

    return parse


def _parse_number(item: Item) -> Callable[[str], Parsed]:
    lo, hi = item.minimum, item.maximum
    bounds = []
    if lo is not None:
        bounds.append(f"at least {_fmt(lo)}")
    if hi is not None:
        bounds.append(f"at most {_fmt(hi)}")
    kind = "a whole number" if item.integer else "a number"
    fix = f"enter {kind}" + (" " + " and ".join(bounds) if bounds else "") + "."

    def parse(text: str) -> Parsed:
        if not _NUMBER.match(text):
            return np.nan, (f"{_shown(text)} is not a number ('{item.id}' takes {kind}).", fix)
        value = float(text)
        if not np.isfinite(value):
            return np.nan, (f"{_shown(text)} is too large to be a number here.", fix)
        if item.integer and not value.is_integer():
            return np.nan, (f"{_shown(text)} is not a whole number.", fix)
        if lo is not None and value < lo:
            return np.nan, (
                f"{_fmt(value)} is less than the minimum of '{item.id}', {_fmt(lo)}.",
                fix,
            )
        if hi is not None and value > hi:
            return np.nan, (
                f"{_fmt(value)} is more than the maximum of '{item.id}', {_fmt(hi)}.",
                fix,
            )
        return value, None

    return parse


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _parse_month(item: Item) -> Callable[[str], Parsed]:
    def parse(text: str) -> Parsed:
        found = _MONTH.match(text) or _EXCEL_MONTH.match(text)
        if found and 1 <= int(found.group(2)) <= 12:
            return f"{found.group(1)}-{found.group(2)}", None
        return np.nan, (
            f"{_shown(text)} is not a month and year.",
            "write the year and month as YYYY-MM, for example 2019-03 "
            "(in a spreadsheet, format the column as text first).",
        )

    return parse


def _parse_text(text: str) -> Parsed:
    return text, None


# Dates and times as ODK and REDCap write them: ISO 8601, a space or "T" between date and time,
# optional seconds and fractions, an optional UTC offset.  Stored as the clock time written
# (the offset dropped), "HH:MM", or "HH:MM:SS" when the seconds are not zero.
_ISO_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
_ISO_TIME = r"(?P<time>\d{2}:\d{2})(?::(?P<sec>\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_DATE_ONLY = re.compile(rf"^{_ISO_DATE}(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_TIME_ONLY = re.compile(rf"^{_ISO_TIME}$")
_DATE_TIME = re.compile(rf"^{_ISO_DATE}[T ]{_ISO_TIME}$")
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def _real_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _clock(found: re.Match) -> str | None:
    """ "HH:MM" or "HH:MM:SS" from a match of _ISO_TIME, None if not a time of day."""
    hours, minutes = (int(x) for x in found.group("time").split(":"))
    seconds = int(found.group("sec") or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return found.group("time") + (f":{seconds:02d}" if seconds else "")


def _slashed_fix(text: str) -> str | None:
    """The ISO form of a day/month/year date, or both readings when the order is unclear."""
    found = _SLASHED.match(text)
    if not found:
        return None
    a, b, year = int(found.group(1)), int(found.group(2)), found.group(3)
    readings = []
    for day, month, order in ((a, b, "the day"), (b, a, "the month")):
        iso = f"{year}-{month:02d}-{day:02d}"
        if _real_date(iso):
            readings.append((iso, order))
    if len(readings) == 1:
        return f"write {readings[0][0]} (YYYY-MM-DD)."
    if len(readings) == 2:
        return (
            f"write {readings[0][0]} if the day comes first, {readings[1][0]} if the month "
            "does (YYYY-MM-DD, as REDCap's and ODK's exports write dates)."
        )
    return None


_DATE_FIX = (
    "write the date as YYYY-MM-DD, for example 2024-03-15 (as REDCap's and ODK's exports do)."
)


def _parse_date(text: str) -> Parsed:
    found = _DATE_ONLY.match(text)
    if found and _real_date(found.group("date")):
        return found.group("date"), None
    if found:
        return np.nan, (f"{_shown(text)} is not a date: there is no such day.", _DATE_FIX)
    slashed = _slashed_fix(text)
    if slashed:
        return np.nan, (f"{_shown(text)} is not written year first.", slashed)
    return np.nan, (f"{_shown(text)} is not a date.", _DATE_FIX)


def _parse_time(text: str) -> Parsed:
    found = _TIME_ONLY.match(text)
    clock = _clock(found) if found else None
    if clock:
        return clock, None
    return np.nan, (
        f"{_shown(text)} is not a time of day.",
        "write the time on the 24-hour clock as HH:MM, for example 14:30.",
    )


def _parse_datetime(text: str) -> Parsed:
    found = _DATE_TIME.match(text)
    clock = _clock(found) if found else None
    if found is not None and clock and _real_date(found.group("date")):
        return f"{found.group('date')}T{clock}", None
    fix = "write the date and time as YYYY-MM-DDTHH:MM, for example 2024-03-15T14:30."
    if _DATE_ONLY.match(text) and _real_date(text[:10]):
        return np.nan, (f"{_shown(text)} is a date without a time.", "add the time: " + fix)
    return np.nan, (f"{_shown(text)} is not a date and time.", fix)


def _parse_calculated(text: str) -> Parsed:
    """A calculate item's value as a file holds it: 1/0, or true/false as ODK writes a
    boolean calculation."""
    low = text.lower()
    if low in _TRUE_WORDS:
        return 1.0, None
    if low in _FALSE_WORDS:
        return 0.0, None
    return np.nan, (
        f"{_shown(text)} is not 1 or 0.",
        "a calculate item holds 1 when its calculation holds and 0 when not; or remove the "
        "column, and Readiness computes it.",
    )


def _parse_completed_on(text: str) -> Parsed:
    if _DATE.match(text):
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            return text, None
        except ValueError:
            pass
    return np.nan, (
        f"{_shown(text)} is not a date.",
        "write the date as YYYY-MM-DD, or the date and time as YYYY-MM-DDTHH:MM:SS.",
    )


def _parse_flag(text: str) -> Parsed:
    low = text.lower()
    if low in _TRUE_WORDS:
        return 1.0, None
    if low in _FALSE_WORDS:
        return 0.0, None
    return np.nan, (f"{_shown(text)} is not 1 or 0.", "write 1 for synthetic data and 0 for real.")


# Roles of the columns of a survey design, as the analysis names them (--weights, --strata,
# --cluster, --fpc), and what one value of each is called in a message.  --cluster and --fpc
# may name one column per stage, outermost first: the order of the columns in
# ``design_columns`` is the order of the stages.
DESIGN_ROLES = {
    "weights": "weight",
    "strata": "stratum",
    "cluster": "cluster",
    "fpc": "population size (fpc)",
}
NUMERIC_ROLES = ("weights", "fpc")


def _parse_weight(text: str) -> Parsed:
    fix = "give every response a sampling weight greater than 0."
    if not _NUMBER.match(text) or not np.isfinite(float(text)):
        return np.nan, (f"{_shown(text)} is not a number; a sampling weight must be one.", fix)
    value = float(text)
    if value <= 0:
        return np.nan, (f"the weight {_fmt(value)} is not greater than 0.", fix)
    return value, None


def _parse_fpc(text: str) -> Parsed:
    fix = (
        "give the population size each response's stratum (or cluster) was sampled from, or "
        "the sampling fraction (sampled divided by population, 1 or less)."
    )
    if not _NUMBER.match(text) or not np.isfinite(float(text)):
        return np.nan, (f"{_shown(text)} is not a number; an fpc must be one.", fix)
    value = float(text)
    if value <= 0:
        return np.nan, (f"the fpc {_fmt(value)} is not greater than 0.", fix)
    return value, None


def _check_design_structure(
    clean: pd.DataFrame,
    design_columns: dict[str, str],
    rows: np.ndarray,
    file: str | None,
    problems: list[Problem],
) -> None:
    """Check the fpc columns against the sample, as survey::svydesign would: one column per
    stage of clusters, all population sizes or all sampling fractions, one value per stratum,
    and no population smaller than the sample drawn from it."""
    from readiness.stats.design import fpc_problems

    if any(c not in clean for c in design_columns):
        return  # the analysis names the missing column
    fpc = [c for c, role in design_columns.items() if role == "fpc"]
    if not fpc or not len(clean):
        return
    cluster = [c for c, role in design_columns.items() if role == "cluster"]
    strata = next((c for c, role in design_columns.items() if role == "strata"), None)
    stages = max(len(cluster), 1)
    if len(fpc) != stages:
        what = (
            f"{len(cluster)} stage(s) of clusters ({' '.join(cluster)})"
            if cluster
            else "no clusters (respondents sampled one by one: one stage)"
        )
        problems.append(
            Problem(
                f"--fpc names {len(fpc)} column(s) for {what}: {' '.join(fpc)}.",
                fix="give one fpc column per stage, in the order of --cluster, for example "
                '--cluster "site session" --fpc "sites_in_trust sessions_at_site".',
                file=file,
                column=fpc[0],
            )
        )
        return
    found = fpc_problems(
        [clean[c].to_numpy() for c in cluster] or None,
        None if strata is None else clean[strata].to_numpy(),
        [clean[c].to_numpy(dtype=float) for c in fpc],
        cluster_names=cluster or None,
        fpc_names=fpc,
    )
    for p in found:
        problems.append(
            Problem(
                p.message,
                fix=p.fix,
                file=file,
                row=None if p.row is None else int(rows[p.row]),
                column=fpc[p.stage],
            )
        )


def _blank_cells(column: pd.Series) -> np.ndarray:
    """Which cells are blank (missing, or only spaces), judged once per distinct value: a
    design column of a million responses holds a few dozen sites."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    blank = np.array([cell_text(u) == "" for u in uniques], dtype=bool)
    out = np.ones(len(codes), dtype=bool)
    inside = codes >= 0
    out[inside] = blank[codes[inside]]
    return out


def _check_design_columns(
    frame: pd.DataFrame,
    clean: pd.DataFrame,
    design_columns: dict[str, str],
    keep: np.ndarray,
    rows: np.ndarray,
    file: str | None,
    problems: list[Problem],
) -> None:
    """Add the design columns that are not items to ``clean``, and check every design column:
    a weight on every row, greater than 0; an fpc on every row, greater than 0; a stratum or
    cluster on every row.  Then, if those are sound, the fpc against the sample."""
    before = len(problems)
    items_or_meta = set(clean.columns)
    for name, role in design_columns.items():
        if name not in frame.columns:
            continue  # the analysis says which column it needs
        word = DESIGN_ROLES[role]
        raw_blank = _blank_cells(frame[name])[keep]
        if name in items_or_meta:
            values = clean[name]
            if role == "weights":
                bad = (values.notna() & ~(values > 0)).to_numpy()
                for i in np.flatnonzero(bad):
                    problems.append(
                        Problem(
                            f"the weight {_fmt(values.iloc[i])} is not greater than 0.",
                            fix="give every response a sampling weight greater than 0.",
                            file=file,
                            row=int(rows[i]),
                            column=name,
                        )
                    )
        else:
            numeric = role in NUMERIC_ROLES
            parse = {"weights": _parse_weight, "fpc": _parse_fpc}.get(role, _parse_text)
            column = _Column(
                frame[name].iloc[np.flatnonzero(keep)].reset_index(drop=True),
                parse,
                numeric=numeric,
            )
            problems.extend(column.problems(name, rows, file))
            clean[name] = column.series(numeric=numeric)
        holds = {"weights": "sampling weights", "fpc": "finite population correction"}
        for i in np.flatnonzero(raw_blank):
            problems.append(
                Problem(
                    f"this response has no {word}: it is missing in the column '{name}', "
                    f"which holds the {holds.get(role, role)} of the survey design.",
                    fix=f"fill in the {word} of every response.",
                    file=file,
                    row=int(rows[i]),
                    column=name,
                )
            )
    if len(problems) == before:
        _check_design_structure(clean, design_columns, rows, file, problems)


def check_design_columns(
    frame: pd.DataFrame, design_columns: dict[str, str], file: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """The design columns of a table that was not read as responses (one that
    :func:`validate_frame` has not checked), parsed and checked as :func:`validate_frame`
    checks them: the typed columns, and the problems (rows counted from 1)."""
    frame = frame.reset_index(drop=True)
    clean = pd.DataFrame(index=frame.index)
    problems: list[Problem] = []
    keep = np.ones(len(frame), dtype=bool)
    rows = np.arange(1, len(frame) + 1)
    _check_design_columns(frame, clean, design_columns, keep, rows, file, problems)
    return clean, problems


def _canonical_version(text: str) -> str:
    if _NUMBER.match(text):
        value = float(text)
        if value.is_integer():
            return str(int(value))
    return text


def parser_for(item: Item) -> Callable[[str], Parsed]:
    """The function that parses the stripped text of one cell of the item's column."""
    if item.type in ("single_choice", "likert", "yes_no", "true_false"):
        return _parse_single(item)
    if item.type == "multiple_choice":
        return _parse_multiple(item)
    if item.type == "number":
        return _parse_number(item)
    if item.type == "month_year":
        return _parse_month(item)
    if item.type in _DATE_PARSERS:
        return _DATE_PARSERS[item.type]
    if item.type == "calculate":
        return _parse_calculated
    return _parse_text


_DATE_PARSERS = {"date": _parse_date, "time": _parse_time, "datetime": _parse_datetime}


def _all_text(uniques: np.ndarray) -> bool:
    """Whether every distinct value of a column is text (so none is a declared missing code,
    a number or anything else :func:`cell_text` turns into text its own way)."""
    return pd.api.types.infer_dtype(uniques, skipna=False) in ("string", "empty")


class _Column:
    """One parsed column: its values, which rows were blank, and the rows that failed."""

    def __init__(self, series: pd.Series, parse: Callable[[str], Parsed], numeric: bool):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        if parse is _parse_text and not numeric and _all_text(uniques):
            self._texts(codes, uniques)
            return
        values: list[Any] = []
        errors: list[tuple[str, str] | None] = []
        blank: list[bool] = []
        reasons: list[str | None] = []  # the code of each declared missing value, else None
        for raw in uniques:
            text = cell_text(raw)
            reasons.append(raw.code if isinstance(raw, DeclaredMissing) else None)
            if reasons[-1] is not None:  # missing, with a reason: not a blank cell
                values.append(np.nan)
                errors.append(None)
                blank.append(False)
                continue
            if text == "":
                values.append(np.nan)
                errors.append(None)
                blank.append(True)
                continue
            value, error = parse(text)
            values.append(value)
            errors.append(error)
            blank.append(False)
        # The sentinel -1 of missing cells picks the last entry.
        values.append(np.nan)
        errors.append(None)
        blank.append(True)
        if numeric:
            table = np.array(values, dtype=float)
            self.values = table[codes]
        else:
            table = np.array(values, dtype=object)
            self.values = table[codes]
        self.blank = np.array(blank, dtype=bool)[codes]
        self.codes = codes
        self.errors = errors
        self.failed = np.array([e is not None for e in errors], dtype=bool)[codes]
        # Row by row, the declared missing code (SPSS user-missing, Stata .a-.z) or None.
        self.declared = None
        if any(r is not None for r in reasons):
            self.declared = np.array([*reasons, None], dtype=object)[codes]

    def _texts(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        """A text column whose cells are all text (or missing): each distinct value stripped
        in one pass, as :func:`cell_text` strips it; no cell can fail.  A column of response
        ids holds as many distinct values as rows, one Python call each the longer way."""
        stripped = np.array([*map(str.strip, uniques), ""], dtype=object)
        blank = stripped == ""
        table = stripped.copy()
        table[blank] = np.nan
        self.values = table[codes]
        self.blank = blank[codes]
        self.codes = codes
        self.errors = [None] * len(table)
        self.failed = np.zeros(len(codes), dtype=bool)
        self.declared = None

    def problems(self, column: str, rows: np.ndarray, file: str | None) -> list[Problem]:
        out = []
        for i in np.flatnonzero(self.failed):
            message, fix = self.errors[self.codes[i]]
            out.append(Problem(message, fix=fix, file=file, row=int(rows[i]), column=column))
        return out

    def series(self, numeric: bool) -> pd.Series:
        if numeric:
            return pd.Series(self.values, dtype="float64")
        return pd.Series(self.values, dtype=TEXT_DTYPE)


def _condition_text(instrument: Instrument, item: Item) -> str:
    parts = []
    section = instrument.section_of(item.id)
    if section.show_if is not None:
        parts.append(describe_condition(section.show_if, instrument))
    if item.show_if is not None:
        parts.append(describe_condition(item.show_if, instrument))
    return " and ".join(parts)


def _listed_rows(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_LISTED_ROWS])
    more = len(rows) - _MAX_LISTED_ROWS
    return shown + (f" and {more} more" if more > 0 else "")


def _rows_word(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"


def _fold_checkboxes(
    frame: pd.DataFrame,
    instrument: Instrument,
    file: str | None,
    problems: list[Problem],
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Fold REDCap checkbox columns (``item___code``, 1/0) into the space-separated form.

    Returns the frame with each group of checkbox columns replaced by one column named for the
    item (placed where the first checkbox column was), and the map item -> checkbox columns.
    A response with no box ticked is unanswered, since REDCap cannot tell the two apart.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    items = {item.id: item for item in instrument.items}
    for column in frame.columns:
        found = CHECKBOX_COLUMN.match(column)
        if column in items or column in META_COLUMNS or not found:
            continue
        item = items.get(found.group("item"))
        if item is None or item.type != "multiple_choice":
            continue
        groups.setdefault(item.id, []).append((column, found.group("code")))
    if not groups:
        return frame, {}
    out = frame.copy()
    folded: dict[str, list[str]] = {}
    n = len(frame)
    for item_id, columns in groups.items():
        item = items[item_id]
        matcher = _CodeMatcher(choices_of(item))
        names = [c for c, _ in columns]
        folded[item_id] = names
        if item_id in frame.columns:
            for name in names:
                problems.append(
                    Problem(
                        f"the file has both '{item_id}' and the checkbox column '{name}'.",
                        fix=f"keep either '{item_id}' (codes separated by spaces) or the "
                        f"checkbox columns {item_id}___CODE, not both.",
                        file=file,
                        column=name,
                    )
                )
            out = out.drop(columns=names)
            continue
        # REDCap names the column for code -99 "item____99"
        redcap = {checkbox_suffix(c.code): c.code for c in item.choices}
        selected = pd.Series([""] * n, dtype=object)
        ok = True
        for name, suffix in columns:
            code = matcher.match(suffix)
            if code is None:
                code = redcap.get(suffix.lower())
            if code is None:
                ok = False
                problems.append(
                    Problem(
                        f"checkbox column '{name}' is for code {suffix!r}, which the "
                        f"multiple-choice item '{item_id}' does not have.",
                        fix=f"rename or remove the column; codes of '{item_id}': "
                        + _code_list(item.choices)
                        + ".",
                        file=file,
                        column=name,
                    )
                )
                continue
            column = _Column(frame[name], _parse_checkbox, numeric=True)
            problems.extend(column.problems(name, np.arange(1, n + 1), file))
            ticked = np.asarray(column.values == 1.0)
            selected = selected + np.where(ticked, f"{code} ", "")
        where = list(out.columns).index(names[0])
        out = out.drop(columns=names)
        if ok:
            text = selected.str.strip().replace("", np.nan)
            out.insert(min(where, len(out.columns)), item_id, text.to_numpy(dtype=object))
    return out, folded


def _parse_checkbox(text: str) -> Parsed:
    low = text.lower()
    if low in ("1", "checked", "yes", "true"):
        return 1.0, None
    if low in ("0", "unchecked", "no", "false"):
        return 0.0, None
    return np.nan, (
        f"{_shown(text)} is not a checkbox value.",
        "a checkbox column holds 1 (ticked) or 0 (not ticked).",
    )


def _unknown_column(name: str, instrument: Instrument, columns: list[str], file) -> Problem:
    known = list(instrument.item_ids) + list(META_COLUMNS)
    lower = {k.lower(): k for k in known}
    found = CHECKBOX_COLUMN.match(name)
    if found and found.group("item") in instrument.item_ids:
        item = instrument.item(found.group("item"))
        return Problem(
            f"'{name}' looks like a REDCap checkbox column, but '{item.id}' is a "
            f"{item.type} item, not multiple choice.",
            fix=f"store the answer to '{item.id}' in one column named '{item.id}'.",
            file=file,
            column=name,
        )
    dup = re.match(r"^(.+)\.(\d+)$", name)
    if dup and dup.group(1) in columns:
        return Problem(
            f"the column '{dup.group(1)}' appears more than once in the header.",
            fix="keep one column per item and delete the others.",
            file=file,
            column=dup.group(1),
        )
    if name.startswith("Unnamed: ") or name.strip() == "":
        return Problem(
            "a column has no name in the header but holds values.",
            fix="give the column the id of its item, or delete it.",
            file=file,
            column=name,
        )
    close = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
    multiple = [i.id for i in instrument.items if i.type == "multiple_choice"]
    if found and not close:
        near = difflib.get_close_matches(found.group("item"), multiple, n=1, cutoff=0.5)
        close = [f"{near[0]}___{found.group('code')}"] if near else []
        lower.update({c: c for c in close})
    if close:
        fix = f"did you mean '{lower[close[0]]}'? Rename the column."
    else:
        fix = (
            "rename it to the id of an item of the instrument, or remove it; "
            "`readiness instrument codebook` lists the item ids."
        )
    return Problem(
        f"'{name}' is not an item of {instrument.id} version {instrument.version}, "
        "nor a column Readiness keeps beside the items.",
        fix=fix,
        file=file,
        column=name,
    )


# long: the checks in the order their problems are reported
def validate_frame(  # noqa: C901 - one pass over the columns, a check per kind of problem
    frame: pd.DataFrame,
    instrument: Instrument,
    file: str | None = None,
    *,
    strict_conditions: bool = False,
    design_columns: dict[str, str] | None = None,
    declared_out: dict[str, pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Check a table of responses against an instrument; return (clean, problems, warnings).

    ``frame`` holds one row per response and the cells as read from a file (text, or numbers
    from SPSS and Stata files).  Every problem names the 1-based data row (header excluded)
    and the column.  ``clean`` has the meta columns present (in :data:`META_COLUMNS` order)
    followed by every item of the instrument in order, items absent from the file being all
    missing; coded and number items are float64 with NaN for missing, everything else text.
    A note holds no answer: it has no column in ``clean``, and a column for it in the file is
    ignored with a warning.  Calculate items are computed from the answers
    (:func:`readiness.instrument.derive.derive_frame`: 1.0, 0.0, NaN when not relevant); a
    value the file gives for one (1/0 or true/false) that differs is a problem (an empty cell
    gives none, and is computed).  Dates, times
    and date-times are ISO 8601 as ODK and REDCap's raw exports write them (a space or T
    between date and time, seconds, fractions and a UTC offset allowed) and are stored as
    ``2024-03-15``, ``14:30`` and ``2024-03-15T14:30``, the clock time as written; a
    day/month/year date such as 15/03/2024 is refused, with its ISO form in the fix (03/04/2024
    could be either order, so it is never guessed).
    Rows with no value at all are dropped (with a warning).  Cells that failed are missing in
    ``clean``; ``clean`` is only meaningful when ``problems`` is empty.  A cell holding a
    :class:`readiness.responses.declared.DeclaredMissing` (an SPSS user-missing or Stata
    ``.a``-``.z`` answer) is missing in ``clean`` but not blank: its row is kept, and when
    ``declared_out`` is a dict, ``declared_out["declared_missing"]`` is given those codes row by
    row, aligned with ``clean`` (see that module); a required item answered so is not
    reported as unanswered.

    Errors: unknown columns, codes that are not the item's, numbers that are not numbers or
    are out of range, months that are not YYYY-MM, duplicate response ids, an instrument id or
    version other than the instrument's, and, with ``strict_conditions``, answers to items
    whose show_if condition is false.  Warnings: those answers (by default), required items
    left unanswered, items absent from the file.

    ``design_columns`` maps the columns of a survey design to their role (``"weights"``,
    ``"strata"``, ``"cluster"`` or ``"fpc"``, as the analysis's --weights, --strata, --cluster
    and --fpc name them; several cluster and fpc columns are stages, in order).  Such a column
    is accepted although it is not an item, and kept at the end of ``clean`` (weights and fpc
    as float64, strata and clusters as text); every design column, item or not, must have a
    value on every row, weights and fpc must be numbers greater than 0, and the fpc must fit
    the sample (see :func:`readiness.stats.design.check_fpc`).
    """
    design_columns = dict(design_columns or {})
    for role in design_columns.values():
        if role not in DESIGN_ROLES:
            raise ValueError(f"unknown design role {role!r}; use one of {', '.join(DESIGN_ROLES)}")
    problems: list[Problem] = []
    warnings: list[Problem] = []
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    n = len(frame)
    rows = np.arange(1, n + 1)
    items = {item.id: item for item in instrument.items}
    asked = [i for i in instrument.data_items if i.type != "calculate"]

    # Columns beside the items and the metadata.
    columns = list(frame.columns)
    frame = _drop_notes(frame, instrument, file, warnings)
    frame, _folded = _fold_checkboxes(frame, instrument, file, problems)
    for name in frame.columns:
        if name in items or name in META_COLUMNS or name in design_columns:
            continue
        if name.startswith("Unnamed: ") and frame[name].map(cell_text).eq("").all():
            warnings.append(
                Problem(
                    "an empty column without a name was ignored.",
                    file=file,
                    column=name,
                )
            )
            continue
        problems.append(_unknown_column(name, instrument, columns, file))

    parsed: dict[str, pd.Series] = {}
    declared_codes: dict[str, np.ndarray] = {}  # column -> declared missing codes, row by row
    blank = np.ones(n, dtype=bool)
    for name in META_COLUMNS:
        if name not in frame.columns:
            continue
        if name == "synthetic":
            column = _Column(frame[name], _parse_flag, numeric=True)
        elif name == "completed_on":
            column = _Column(frame[name], _parse_completed_on, numeric=False)
        else:
            column = _Column(frame[name], _parse_text, numeric=False)
        problems.extend(column.problems(name, rows, file))
        blank &= column.blank
        parsed[name] = column.series(numeric=name == "synthetic")
        if column.declared is not None:
            declared_codes[name] = column.declared
    for item in instrument.data_items:
        if item.id not in frame.columns:
            continue
        numeric = is_numeric_item(item)
        column = _Column(frame[item.id], parser_for(item), numeric=numeric)
        problems.extend(column.problems(item.id, rows, file))
        blank &= column.blank
        parsed[item.id] = column.series(numeric=numeric)
        if column.declared is not None:
            declared_codes[item.id] = column.declared

    absent = [
        item.id
        for item in instrument.data_items
        if item.id not in frame.columns and item.type != "calculate"
    ]
    if absent and n:
        shown = ", ".join(absent[:20]) + (
            f" and {len(absent) - 20} more" if len(absent) > 20 else ""
        )
        warnings.append(
            Problem(
                f"{len(absent)} of the {len(asked)} items are not in the file and are read "
                f"as unanswered: {shown}.",
                fix="add the columns if those answers were collected.",
                file=file,
            )
        )

    # Whole-row checks run on the rows that hold something.
    keep = ~blank
    if n and blank.any() and len(frame.columns):
        warnings.append(
            Problem(
                f"{_rows_word(int(blank.sum()))} with no value at all "
                f"(rows {_listed_rows(rows[blank])}) were skipped.",
                file=file,
                row=int(rows[blank][0]),
            )
        )
    rows = rows[keep]
    data = {}
    for name in META_COLUMNS:
        if name in parsed:
            data[name] = parsed[name][keep].reset_index(drop=True)
    for item in instrument.data_items:
        if item.id in parsed:
            data[item.id] = parsed[item.id][keep].reset_index(drop=True)
        elif is_numeric_item(item):
            data[item.id] = pd.Series(np.full(len(rows), np.nan), dtype="float64")
        else:
            data[item.id] = pd.Series(np.full(len(rows), np.nan), dtype=TEXT_DTYPE)
    clean = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    declared = pd.DataFrame(
        {name: pd.Series(codes[keep], dtype=TEXT_DTYPE) for name, codes in declared_codes.items()},
        index=clean.index,
    )
    if declared_out is not None:
        declared_out["declared_missing"] = declared

    _recompute_calculations(clean, instrument, set(parsed), rows, file, problems)
    _check_design_columns(frame, clean, design_columns, keep, rows, file, problems)
    problems.extend(_check_meta(clean, instrument, rows, file, warnings))
    _check_conditions(
        clean, instrument, rows, file, strict_conditions, frame, problems, warnings, declared
    )
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    return clean, problems, warnings


def _drop_notes(
    frame: pd.DataFrame, instrument: Instrument, file: str | None, warnings: list[Problem]
) -> pd.DataFrame:
    """The frame without columns named for notes (ODK Central's exports have them, empty):
    a note holds no answer, so its column is ignored, with a warning that says whether it held
    anything."""
    notes = [i.id for i in instrument.items if i.type == "note" and i.id in frame.columns]
    for name in notes:
        filled = ~frame[name].map(cell_text).eq("").to_numpy()
        held = (
            f" Its values in {_rows_word(int(filled.sum()))} "
            f"(rows {_listed_rows(np.flatnonzero(filled) + 1)}) were not read."
            if filled.any()
            else ""
        )
        warnings.append(
            Problem(
                f"'{name}' is a note (text shown to respondents), which holds no answer; its "
                "column was ignored." + held,
                fix="remove the column, or make the item a question if answers were collected.",
                file=file,
                row=int(np.flatnonzero(filled)[0]) + 1 if filled.any() else None,
                column=name,
            )
        )
    return frame.drop(columns=notes) if notes else frame


def _recompute_calculations(
    clean: pd.DataFrame,
    instrument: Instrument,
    supplied: set[str],
    rows: np.ndarray,
    file: str | None,
    problems: list[Problem],
) -> None:
    """Set every calculate item of ``clean`` to its value computed from the answers
    (:mod:`readiness.instrument.derive`); a value the file supplied that differs is a problem."""
    from readiness.instrument.derive import derive_frame

    if not any(i.type == "calculate" for i in instrument.items) or not len(clean):
        return
    derived = derive_frame(instrument, clean)
    for item_id in derived.columns:
        computed = derived[item_id].to_numpy(dtype=float)
        if item_id in supplied:
            given = clean[item_id].to_numpy(dtype=float)
            # An empty cell supplies nothing (it is computed); a value must agree.
            differ = ~np.isnan(given) & ~(given == computed)
            calculation = instrument.item(item_id).calculation
            condition = (
                describe_condition(calculation, instrument) if calculation is not None else ""
            )
            for i in np.flatnonzero(differ):
                gives = (
                    "nothing (it is not relevant)" if np.isnan(computed[i]) else (_fmt(computed[i]))
                )
                was = _fmt(given[i])
                problems.append(
                    Problem(
                        f"'{item_id}' is {was} in the file, but its calculation ({condition}) "
                        f"gives {gives} from this response's answers.",
                        fix="correct the answers it is computed from, or remove the column "
                        "(Readiness computes calculate items).",
                        file=file,
                        row=int(rows[i]),
                        column=item_id,
                    )
                )
        clean[item_id] = computed


def _all_text_fits(series: pd.Series) -> bool:
    """Whether no cell of the column has a control character or more than an XLSX cell holds,
    from one search of all its text at once (a 40 MB import has 15 million cells)."""
    values = series.dropna().tolist()
    try:
        joined = "".join(values)
    except TypeError:  # numbers or declared missing codes among the text (SPSS, Stata)
        values = [v for v in pd.unique(series.dropna()) if isinstance(v, str)]  # distinct ones
        joined = "".join(values)
    return not has_illegal_characters(joined) and max(map(len, values), default=0) <= XLSX_MAX_CELL


def text_problems(frame: pd.DataFrame, file: str | None = None) -> list[Problem]:
    """Cells of a file being read whose text cannot be stored and exported as it is: text with
    a control character (other than a tab or a line break), which XLSX cannot hold, or longer
    than the 32,767 characters of an XLSX cell.  One problem per cell (row 1-based, header
    excluded), at most :data:`_MAX_LISTED_ROWS` per column and a count of the rest."""
    problems: list[Problem] = []
    for name in frame.columns:
        series = frame[name]
        if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
            continue
        if _all_text_fits(series):  # the usual case, checked in one pass over the column
            continue
        text = series.map(lambda v: v if isinstance(v, str) else "")
        bad = text.map(has_illegal_characters).to_numpy(dtype=bool)
        long = (text.str.len() > XLSX_MAX_CELL).to_numpy(dtype=bool)
        found = np.flatnonzero(bad | long)
        for i in found[:_MAX_LISTED_ROWS]:
            if bad[i]:
                code = next(c for c in text.iloc[i] if has_illegal_characters(c))
                message = f"the text holds the control character U+{ord(code):04X}."
                fix = "remove it (tabs and line breaks are fine), or retype the text."
            else:
                message = (
                    f"the text is {len(text.iloc[i]):,} characters long, more than the "
                    f"{XLSX_MAX_CELL:,} a spreadsheet cell holds."
                )
                fix = f"shorten it to at most {XLSX_MAX_CELL:,} characters."
            problems.append(Problem(message, fix=fix, file=file, row=int(i) + 1, column=str(name)))
        if len(found) > _MAX_LISTED_ROWS:
            more = found[_MAX_LISTED_ROWS:] + 1
            problems.append(
                Problem(
                    f"{_rows_word(len(more))} more have text with control characters or over "
                    f"{XLSX_MAX_CELL:,} characters (rows {_listed_rows(more)}).",
                    fix="remove the control characters and shorten the texts.",
                    file=file,
                    row=int(more[0]),
                    column=str(name),
                )
            )
    return problems


def _check_meta(
    clean: pd.DataFrame,
    instrument: Instrument,
    rows: np.ndarray,
    file: str | None,
    warnings: list[Problem],
) -> list[Problem]:
    problems: list[Problem] = []
    if "response_id" in clean:
        ids = clean["response_id"]
        dup = ids.notna() & ids.duplicated(keep="first")
        if dup.any():
            first = pd.Series(rows, index=ids.index).groupby(ids.to_numpy()).transform("first")
            for i in np.flatnonzero(dup.to_numpy()):
                problems.append(
                    Problem(
                        f"response_id {_shown(ids.iloc[i])} is also in row {int(first.iloc[i])}.",
                        fix="give every response its own id (or remove the duplicate response).",
                        file=file,
                        row=int(rows[i]),
                        column="response_id",
                    )
                )
    if "instrument_id" in clean:
        values = clean["instrument_id"]
        wrong = values.notna() & values.ne(instrument.id)
        for i in np.flatnonzero(wrong.to_numpy()):
            problems.append(
                Problem(
                    f"this response is to the instrument {_shown(values.iloc[i])}, "
                    f"not to '{instrument.id}'.",
                    fix="validate it against the instrument it was collected with "
                    "(--instrument PATH).",
                    file=file,
                    row=int(rows[i]),
                    column="instrument_id",
                )
            )
    expected = _canonical_version(str(instrument.version))
    if "instrument_version" in clean:
        values = clean["instrument_version"]
        canonical = values.map({v: _canonical_version(v) for v in values.dropna().unique()})
        clean["instrument_version"] = canonical.astype(TEXT_DTYPE)
        wrong = values.notna() & canonical.ne(expected)
        for i in np.flatnonzero(wrong.to_numpy()):
            problems.append(
                Problem(
                    f"this response answered version {values.iloc[i]} of the instrument, "
                    f"but {instrument.id} version {instrument.version} was given.",
                    fix="validate it against the version it answered (--instrument PATH to "
                    "that version's file); a response records the version it answered.",
                    file=file,
                    row=int(rows[i]),
                    column="instrument_version",
                )
            )
        missing = values.isna().to_numpy()
        if missing.any():
            warnings.append(
                Problem(
                    f"{_rows_word(int(missing.sum()))} do not record the instrument version "
                    f"(rows {_listed_rows(rows[missing])}); read as version {instrument.version}.",
                    fix="fill in instrument_version.",
                    file=file,
                    row=int(rows[missing][0]),
                    column="instrument_version",
                )
            )
    elif len(clean):
        warnings.append(
            Problem(
                "the file has no instrument_version column; its responses are read as answers "
                f"to {instrument.id} version {instrument.version}.",
                fix="add instrument_version (`readiness responses convert` writes it).",
                file=file,
            )
        )
    return problems


def _check_conditions(
    clean: pd.DataFrame,
    instrument: Instrument,
    rows: np.ndarray,
    file: str | None,
    strict: bool,
    source: pd.DataFrame,
    problems: list[Problem],
    warnings: list[Problem],
    declared: pd.DataFrame | None = None,
) -> None:
    for item in instrument.data_items:
        if item.id not in source.columns or item.type == "calculate":
            continue
        section = instrument.section_of(item.id)
        has_condition = item.show_if is not None or section.show_if is not None
        if not has_condition and not item.required:
            continue
        answered = clean[item.id].notna().to_numpy()
        shown = shown_mask(instrument, item.id, clean) if has_condition else np.ones_like(answered)
        stale = answered & ~shown
        if stale.any():
            condition = _condition_text(instrument, item)
            if strict:
                for i in np.flatnonzero(stale):
                    problems.append(
                        Problem(
                            f"'{item.id}' is answered, but it is shown only when {condition}, "
                            "which is false in this response.",
                            fix="remove the answer, or correct the answer it depends on "
                            "(or validate without --strict-conditions).",
                            file=file,
                            row=int(rows[i]),
                            column=item.id,
                        )
                    )
            else:
                warnings.append(
                    Problem(
                        f"'{item.id}' is answered in {_rows_word(int(stale.sum()))} where it is "
                        f"not shown, because {condition} is false (rows {_listed_rows(rows[stale])}). "
                        "The answers are kept; analyses count only those who were shown it.",
                        fix="remove the stale answers, or use --strict-conditions to treat them "
                        "as errors.",
                        file=file,
                        row=int(rows[stale][0]),
                        column=item.id,
                    )
                )
        if item.required and not item.hidden:
            unanswered = shown & ~answered
            if declared is not None and item.id in declared:  # answered with a missing code
                unanswered &= declared[item.id].isna().to_numpy()
            if unanswered.any():
                warnings.append(
                    Problem(
                        f"'{item.id}' is required but unanswered in "
                        f"{_rows_word(int(unanswered.sum()))} (rows {_listed_rows(rows[unanswered])}).",
                        fix="check the data entry; analyses treat these as missing.",
                        file=file,
                        row=int(rows[unanswered][0]),
                        column=item.id,
                    )
                )
