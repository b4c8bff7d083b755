"""Declared missing answers in SPSS and Stata files, and value labels against the instrument.

SPSS lets a variable declare codes as missing (user-missing values: ``9`` = "Refused", or a
range ``-9 thru -1``); Stata has 26 tagged missing values, ``.a`` to ``.z``.  Each says *why*
an answer is missing.  Readiness keeps them as **declared missing**:

* in the raw table read from the file (:func:`read_stat_cells`), such a cell holds a
  :class:`DeclaredMissing` (its code as text, ``"9"`` or ``".a"``, and the file's value label
  for it), never a blank;
* validation (:func:`readiness.responses.validate.validate_frame`) reads it as missing in the
  typed frame (NaN), so every analysis treats it as missing, but a row holding one is an
  answered row, never skipped as empty;
* :class:`readiness.responses.read.Responses` keeps the codes row by row in
  ``declared_missing`` (a frame beside ``frame``, the code text where an answer is declared
  missing, missing elsewhere) and the labels in ``declared_labels``; ``declared_counts()``
  counts each reason per item, and ``readiness responses validate`` reports the counts.

A cell that is blank in the file (SPSS system-missing ``.``, Stata ``.``) stays plain missing.

One declared code is an answer: "don't know" of a true/false item, which Readiness codes 8 and
scores as incorrect (:mod:`readiness.instrument.model`).  Its exports declare it missing (SPSS
user-missing 8, Stata ``.d``) so that SPSS and Stata users see it as they expect; on reading, a
true/false item's declared 8 or ``.d`` is the answer 8 again (:func:`dont_know_answers`).
:func:`label_problems` compares the file's value labels with the instrument's choices.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from readiness.errors import Problem
from readiness.instrument.model import Instrument, Item


@dataclass(frozen=True, eq=False)
class DeclaredMissing:
    """A cell whose answer the file declares missing: its code as text, and the file's label.

    Compared and hashed by identity (fast in pandas' hash tables): a file's reader gives every
    cell of a column holding the same code the same object."""

    code: str
    label: str = ""

    def __str__(self) -> str:
        return f"{self.code} = {self.label!r}" if self.label else self.code


@dataclass
class StatFile:
    """What an SPSS or Stata file holds: its cells (declared missing ones as
    :class:`DeclaredMissing`) and the value labels of each variable."""

    frame: pd.DataFrame
    value_labels: dict[str, dict[Any, str]]
    declared: dict[str, dict[str, str]]  # variable -> code text -> label (may be "")


def code_text(value: Any) -> str:
    """A stored code as text: ``9.0`` -> ``"9"``, ``2.5`` -> ``"2.5"``, strings as they are."""
    if isinstance(value, str):
        return value.strip()
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _label_for(labels: dict[Any, str], value: Any) -> str:
    for key, label in labels.items():
        if isinstance(key, str) != isinstance(value, str):
            continue
        if (key.strip() == value.strip()) if isinstance(key, str) else float(key) == float(value):
            return str(label)
    return ""


def _in_ranges(values: pd.Series, ranges: list[Any]) -> np.ndarray:
    """Which cells of an SPSS column hold one of its user-missing values or ranges."""
    hit = np.zeros(len(values), dtype=bool)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = values.map(lambda v: v.rstrip() if isinstance(v, str) else None)
        for entry in ranges:
            hit |= (text == str(entry["lo"]).rstrip()).to_numpy(dtype=bool)
        return hit
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        for entry in ranges:
            hit |= (numbers >= float(entry["lo"])) & (numbers <= float(entry["hi"]))
    return hit


def read_stat_cells(path: Path, fmt: str) -> StatFile:
    """Read an SPSS (``fmt="sav"``) or Stata (``"dta"``) file with its declared missing codes.

    The codes are read as stored (no value labels applied); SPSS user-missing values and Stata
    ``.a``-``.z`` become :class:`DeclaredMissing` cells.  pyreadstat's errors propagate.
    """
    import pyreadstat

    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = reader(str(path), apply_value_formats=False, user_missing=True)
    labels = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    declared: dict[str, dict[str, str]] = {}
    ranges = meta.missing_ranges or {}
    for name in frame.columns:
        column = frame[name]
        if fmt == "sav":
            hit = _in_ranges(column, ranges.get(name, [])) if name in ranges else None
        elif _textual(column) and name not in _string_columns(meta):
            # A numeric variable read as text holds Stata's .a-.z (all of it may: pandas
            # then gives it a string dtype).
            hit = column.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        else:
            hit = None
        if hit is None or not hit.any():
            continue
        found: dict[str, str] = {}
        cells = column.astype(object).copy()
        for value in pd.unique(column[hit]):
            text = ("." + value) if fmt == "dta" else code_text(value)
            found[text] = _label_for(labels.get(name, {}), value)
            marker = DeclaredMissing(text, found[text])
            cells[hit & (column == value).to_numpy(dtype=bool)] = marker
        frame[name] = cells
        declared[name] = found
    _dates_as_text(frame, meta, fmt)
    return StatFile(frame=frame, value_labels=labels, declared=declared)


DONT_KNOW_CODES = {"8", ".d"}  # SPSS user-missing 8, Stata's .d ("don't know")


def dont_know_answers(raw: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """``raw`` (columns named as items) with each true/false item's declared missing 8 or
    ``.d`` as the answer 8, "don't know": an answer Readiness scores, not a missing value."""
    from readiness.instrument.model import DONT_KNOW

    out = raw
    for name in raw.columns:
        if name not in instrument.item_ids or instrument.item(name).type != "true_false":
            continue
        column = raw[name]
        if not _textual(column):
            continue
        hit = column.map(lambda v: is_declared(v) and v.code in DONT_KNOW_CODES)
        if hit.any():
            out = out.copy() if out is raw else out
            cells = column.copy()
            cells[hit.to_numpy(dtype=bool)] = float(DONT_KNOW)
            out[name] = cells
    return out


STATA_ORIGIN = datetime(1960, 1, 1)
SPSS_ORIGIN = datetime(1582, 10, 14)


def _dates_as_text(frame: pd.DataFrame, meta: Any, fmt: str) -> None:
    """Date, time and month variables that pyreadstat leaves as numbers (Stata's ``%tm`` and
    ``%td``/``%tc`` with a display pattern, SPSS ``MOYR`` and ``MTIME``) as ISO 8601 text, as
    :func:`readiness.instrument.statfiles.date_type` types them."""
    from readiness.instrument.statfiles import date_type

    kind_of_file = "spss" if fmt == "sav" else "stata"
    for name in frame.columns:
        kind, _ = date_type((meta.original_variable_types or {}).get(name), kind_of_file)
        if kind is None:
            continue
        column = frame[name]
        if not (column.dtype == object or pd.api.types.is_float_dtype(column.dtype)):
            continue
        numbers = [isinstance(v, float | int) and not isinstance(v, bool) for v in column]
        if not any(numbers):
            continue
        convert = _stata_date if fmt == "dta" else _spss_date
        cells = column.astype(object).copy()
        for i, is_number in enumerate(numbers):
            if is_number and not np.isnan(cells.iat[i]):
                cells.iat[i] = convert(float(cells.iat[i]), kind)
        frame[name] = cells


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _stata_date(value: float, kind: str) -> str:
    if kind == "month_year":
        months = int(value)
        return f"{1960 + months // 12:04d}-{months % 12 + 1:02d}"
    if kind == "date":
        return (STATA_ORIGIN + timedelta(days=value)).date().isoformat()
    moment = STATA_ORIGIN + timedelta(milliseconds=value)
    return _clock(moment) if kind == "time" else moment.date().isoformat() + "T" + _clock(moment)


def _spss_date(value: float, kind: str) -> str:
    if kind == "time":
        return _clock(datetime(2000, 1, 1) + timedelta(seconds=value % 86400))
    moment = SPSS_ORIGIN + timedelta(seconds=value)
    if kind == "month_year":
        return f"{moment.year:04d}-{moment.month:02d}"
    if kind == "date":
        return moment.date().isoformat()
    return moment.date().isoformat() + "T" + _clock(moment)


def _textual(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column.dtype)


def _string_columns(meta: Any) -> set[str]:
    types = meta.readstat_variable_types or {}
    return {name for name, kind in types.items() if kind == "string"}


def is_declared(value: Any) -> bool:
    return isinstance(value, DeclaredMissing)


def reason_counts(codes: pd.DataFrame, labels: dict[str, dict[str, str]]) -> dict:
    """item -> reason -> count, the reason being the code with its label: ``9 = 'Refused'``."""
    out: dict[str, dict[str, int]] = {}
    for name in codes.columns:
        counts = codes[name].value_counts(sort=False)
        if counts.empty:
            continue
        out[name] = {
            str(DeclaredMissing(code, labels.get(name, {}).get(code, ""))): int(n)
            for code, n in sorted(counts.items(), key=lambda kv: _code_order(kv[0]))
        }
    return out


def _code_order(code: str) -> tuple:
    try:
        return (0, float(code), "")
    except ValueError:
        return (1, 0.0, code)


def count_warnings(counts: dict, file: str | None) -> list[Problem]:
    """One warning per item counting its declared missing answers by reason."""
    out = []
    for name, reasons in counts.items():
        total = sum(reasons.values())
        listed = ", ".join(f"{reason}: {n}" for reason, n in reasons.items())
        out.append(
            Problem(
                f"'{name}' has {total} declared missing answer{'s' if total != 1 else ''} "
                f"({listed}); analyses treat them as missing.",
                file=file,
                column=name,
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Value labels against the instrument


def _plain(text: str) -> str:
    """A label compared loosely: case, accents, spaces and trailing dots do not count."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().rstrip(".").casefold()


def _labels_by_code(item: Item, instrument: Instrument) -> dict[str, list[str]]:
    """Each code of the item with its label in every language the instrument holds (the
    default language's first)."""
    from readiness.responses.validate import choices_of

    out: dict[str, list[str]] = {}
    for language in instrument.languages:
        for choice in choices_of(instrument.in_language(language).item(item.id)):
            labels = out.setdefault(str(choice.code), [])
            if choice.label not in labels:
                labels.append(choice.label)
    return out


def _same_label(file_label: str, labels: list[str]) -> bool:
    plain = _plain(file_label)
    for label in labels:
        if _plain(label) == plain:
            return True
        # A label Readiness shortened to fit the format's limit ("Strongly disagr...").
        if file_label.endswith("...") and _plain(label).startswith(_plain(file_label[:-3])):
            return True
    return False


def label_problems(
    instrument: Instrument,
    value_labels: dict[str, dict[Any, str]],
    declared: dict[str, dict[str, str]],
    file: str | None,
) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings): the file's value labels that disagree with the instrument's
    choices, one report per variable giving both labels of each code.

    A code whose file label is the instrument's label of *another* code (1 = Male in the file,
    1 = Female and 2 = Male in the instrument) is a problem: the codes mean different things.
    A label that is merely different (in no language of the instrument) is a warning.  Declared
    missing codes, and labels of codes the instrument does not have, are not compared.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for name, labels in value_labels.items():
        if name not in instrument.item_ids:
            continue
        item = instrument.item(name)
        expected = _labels_by_code(item, instrument)
        if not expected:
            continue
        swapped, differ = [], []
        for key, file_label in labels.items():
            if isinstance(key, str) and key not in expected:
                continue  # a Stata .a-.z label, or a text code the instrument lacks
            code = code_text(key)
            if code in declared.get(name, {}) or code not in expected:
                continue
            if _same_label(str(file_label), expected[code]):
                continue
            others = [
                c for c, texts in expected.items() if c != code and _same_label(file_label, texts)
            ]
            shown = f"{code} = {str(file_label)!r} in the file, {code} = {_one(expected[code])!r} in the instrument"
            if others:
                swapped.append(shown + f" (whose {others[0]} is {_one(expected[others[0]])!r})")
            else:
                differ.append(shown)
        if swapped:
            problems.append(
                Problem(
                    f"the file's value labels of '{name}' give its codes other meanings than the "
                    "instrument: " + "; ".join(swapped + differ) + ".",
                    fix="recode the variable so that its codes are the instrument's (SPSS: "
                    "RECODE; Stata: recode), or read the file with the instrument it was "
                    "collected with.",
                    file=file,
                    column=name,
                )
            )
        elif differ:
            warnings.append(
                Problem(
                    f"the file's value labels of '{name}' differ from the instrument's: "
                    + "; ".join(differ)
                    + ". The codes are read as the instrument's.",
                    fix="check that the codes mean the same; correct the labels in the file or "
                    "the instrument.",
                    file=file,
                    column=name,
                )
            )
    return problems, warnings


def _one(labels: list[str]) -> str:
    return labels[0] if labels else ""
