"""Write responses as CSV, XLSX, SPSS .sav or Stata .dta, with the instrument's labels.

What each format holds:

* **CSV**: UTF-8 (no byte-order mark), a header of column names, codes (``1``, not
  ``Agree``), empty cells for missing values.  Multiple-choice answers are the selected codes
  separated by spaces (``"1 3"``).  Text that a spreadsheet would run as a formula (starting
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with an apostrophe
  before it (``'=1+1``), as OWASP advises; :func:`readiness.responses.read_responses` removes
  it again.  Numbers are never prefixed.
* **XLSX**: a ``responses`` sheet as the CSV (numbers as numbers, everything else as text,
  never as formulas: text that starts like a formula carries Excel's quote prefix) and a
  ``variables`` sheet listing each column, its label and its codes, and how text was fitted to
  XLSX: control characters left out (a vertical tab or form feed becomes a line break) and
  text over 32,767 characters cut with a note of its length, so that no cell can stop an
  export.
* **SPSS .sav** and **Stata .dta** (format 118, Stata 14 and later): coded and number items
  as numeric variables with value labels (the choice labels); text, month-year and
  word-coded single-choice items as strings.  Variable labels are the item texts, shortened
  with "..." to what the format allows (Stata: 80 characters; SPSS: 256 bytes; SPSS value
  labels: 120 bytes).  **Multiple-choice items are one string variable of space-separated
  codes**, as in the CSV (so that a round trip gives the same data back); split them with
  ``split`` in Stata or ``STRING``/``INDEX`` in SPSS, or read the file back with
  :func:`readiness.responses.read_responses`.

Every file records, in the ``instrument_id`` and ``instrument_version`` columns, the
instrument its responses answered: the columns are added when the frame lacks them.  Files
are written atomically: on any error nothing is written and an earlier file is untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.errors import Problem, ResponsesError
from readiness.instrument.model import META_COLUMNS, Instrument, Item
from readiness.responses.read import Responses
from readiness.responses.validate import TEXT_DTYPE, choices_of, is_numeric_item, validate_frame
from readiness.tabular import atomic_write, formula_safe_values, table_format, xlsx_row

META_LABELS = {
    "response_id": "Response id",
    "instrument_id": "Instrument id",
    "instrument_version": "Instrument version answered",
    "session": "Session (collection link or event)",
    "completed_on": "Date completed",
    "synthetic": "Synthetic data (1) or real (0)",
    "wave": "Evaluation wave (pre, post, follow_up; empty: not an evaluation)",
    "link": "Linkage id (the same id in two waves is the same person; empty: not linked)",
}
STATA_LABEL_BYTES = 80
SPSS_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
# What the variables sheet says of the text cells (see readiness.tabular).
XLSX_TEXT_NOTES = (
    "Text is stored as text, never as a formula: text that starts with =, +, -, @, a tab or a "
    "carriage return is marked as text (Excel's quote prefix) and reads back unchanged.",
    "An XLSX cell cannot hold control characters or more than 32,767 characters: a vertical "
    "tab or form feed is written as a line break, other control characters are left out, and "
    "longer text is cut, ending with a note of its full length. The CSV export holds such "
    "text in full.",
)
_SPSS_NAME = re.compile(r"^[A-Za-z@#$][A-Za-z0-9_.@#$]*$")
_SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
_STATA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STATA_RESERVED = {
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
    "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
}  # fmt: skip


def write_responses(
    data: pd.DataFrame | Responses, instrument: Instrument, path: str | Path
) -> Path:
    """Validate responses against the instrument and write them in the format of ``path``.

    ``data`` is a frame (one row per response, stored codes, as
    :func:`readiness.responses.read_responses` gives) or a :class:`Responses`.  Invalid data
    raise :class:`ResponsesError` listing every problem, and nothing is written.  Returns the
    path written.
    """
    path = Path(path)
    fmt = table_format(path)
    frame = data.frame if isinstance(data, Responses) else data
    where = f"(responses being written to {path})"
    clean, problems, _warnings = validate_frame(frame, instrument, None)
    if problems:
        raise ResponsesError(problems, file=where)
    clean = _with_instrument_columns(clean, instrument)
    writer = {"csv": _write_csv, "xlsx": _write_xlsx, "sav": _write_sav, "dta": _write_dta}[fmt]
    writer(clean, instrument, path)
    return path


def _with_instrument_columns(clean: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    clean = clean.copy()
    n = len(clean)
    if "instrument_id" not in clean:
        clean["instrument_id"] = pd.Series([instrument.id] * n, dtype=TEXT_DTYPE)
    if "instrument_version" not in clean:
        clean["instrument_version"] = pd.Series([str(instrument.version)] * n, dtype=TEXT_DTYPE)
    meta = [m for m in META_COLUMNS if m in clean]
    return clean[meta + list(instrument.item_ids)]


def number_text(values: np.ndarray) -> np.ndarray:
    """Numbers as text: whole numbers without ``.0``, others exactly (repr), NaN as ""."""
    out = np.full(len(values), "", dtype=object)
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        whole = present & (np.mod(values, 1) == 0) & (np.abs(values) < 2**53)
    out[whole] = values[whole].astype(np.int64).astype(str)
    other = present & ~whole
    out[other] = [repr(float(x)) for x in values[other]]
    return out


def _as_text(clean: pd.DataFrame) -> pd.DataFrame:
    """The cells as CSV text: numbers as :func:`number_text`, text made formula-safe."""
    columns = {}
    for name in clean.columns:
        series = clean[name]
        if pd.api.types.is_float_dtype(series.dtype):
            columns[name] = number_text(series.to_numpy(dtype=float))
        else:
            text = series.astype(object).where(series.notna(), "").tolist()
            columns[name] = np.array(formula_safe_values(text), dtype=object)
    return pd.DataFrame(columns, columns=clean.columns)


def _write_csv(clean: pd.DataFrame, instrument: Instrument, path: Path) -> None:
    text = _as_text(clean)
    atomic_write(
        path, lambda tmp: text.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    )


def _label(name: str, instrument: Instrument) -> str:
    if name in META_LABELS:
        return META_LABELS[name]
    return " ".join(instrument.item(name).text.split())


def _value_labels(item: Item) -> dict[int, str] | None:
    if not is_numeric_item(item) or item.type == "number":
        return None
    return {int(c.code): c.label for c in choices_of(item)}


def _codes_text(item: Item) -> str:
    choices = choices_of(item)
    if item.type == "multiple_choice":
        return "codes separated by spaces: " + "; ".join(f"{c.code} = {c.label}" for c in choices)
    if choices:
        return "; ".join(f"{c.code} = {c.label}" for c in choices)
    if item.type == "number":
        parts = ["whole number" if item.integer else "number"]
        if item.minimum is not None:
            parts.append(f"min {item.minimum:g}")
        if item.maximum is not None:
            parts.append(f"max {item.maximum:g}")
        return ", ".join(parts)
    if item.type == "month_year":
        return "YYYY-MM"
    return "text"


def _write_xlsx(clean: pd.DataFrame, instrument: Instrument, path: Path) -> None:
    from openpyxl import Workbook

    columns = []
    for name in clean.columns:
        series = clean[name]
        if pd.api.types.is_float_dtype(series.dtype):
            values = series.to_numpy(dtype=float)
            columns.append([None if np.isnan(v) else float(v) for v in values])
        else:
            columns.append(series.astype(object).where(series.notna(), None).tolist())

    def write(tmp: Path) -> None:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("responses")
        sheet.append(xlsx_row(sheet, clean.columns))
        for row in zip(*columns, strict=True) if columns else ():
            sheet.append(xlsx_row(sheet, row))
        variables = book.create_sheet("variables")
        variables.append(["variable", "label", "type", "values"])
        for name in clean.columns:
            if name in META_LABELS:
                variables.append([name, META_LABELS[name], "meta", ""])
            else:
                item = instrument.item(name)
                label, codes = _label(name, instrument), _codes_text(item)
                variables.append(xlsx_row(variables, [name, label, item.type, codes]))
        for note in XLSX_TEXT_NOTES:
            variables.append(xlsx_row(variables, ["(note)", note, "", ""]))
        book.save(tmp)

    atomic_write(path, write)


def _truncate(text: str, max_bytes: int) -> str:
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    cut = text.encode("utf-8")[: max_bytes - 3].decode("utf-8", errors="ignore")
    return cut.rstrip() + "..."


def _stats_frame(clean: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name in clean.columns:
        series = clean[name]
        if pd.api.types.is_float_dtype(series.dtype):
            out[name] = series.to_numpy(dtype=float)
        else:
            out[name] = series.astype(object).where(series.notna(), "").to_numpy(dtype=object)
    return pd.DataFrame(out, columns=clean.columns)


def _check_names(clean: pd.DataFrame, path: Path, fmt: str) -> None:
    problems = []
    for name in clean.columns:
        if fmt == "sav":
            ok = (
                _SPSS_NAME.match(name)
                and len(name.encode("utf-8")) <= 64
                and name.upper() not in _SPSS_RESERVED
            )
            limit = "SPSS names have at most 64 characters, start with a letter, and are not "
            limit += "reserved words (ALL, AND, BY, TO, WITH, ...)"
        else:
            ok = _STATA_NAME.match(name) and len(name) <= 32 and name not in _STATA_RESERVED
            limit = "Stata names have at most 32 letters, digits or underscores and are not "
            limit += "reserved words"
        if not ok:
            problems.append(
                Problem(
                    f"'{name}' cannot be a variable name in a {fmt.upper()} file ({limit}).",
                    fix="give the item a shorter id in the instrument, or write CSV or XLSX.",
                    column=name,
                )
            )
    if problems:
        raise ResponsesError(problems, file=f"(responses being written to {path})")


def _file_label(clean: pd.DataFrame, instrument: Instrument, max_bytes: int) -> str:
    label = f"{instrument.id} version {instrument.version}"
    if "synthetic" in clean and (clean["synthetic"] == 1).any():
        label = "SYNTHETIC " + label
    return _truncate(label, max_bytes)


def _write_stats(clean: pd.DataFrame, instrument: Instrument, path: Path, fmt: str) -> None:
    import pyreadstat

    _check_names(clean, path, fmt)
    limit = STATA_LABEL_BYTES if fmt == "dta" else SPSS_LABEL_BYTES
    value_limit = 32000 if fmt == "dta" else SPSS_VALUE_LABEL_BYTES
    labels = {name: _truncate(_label(name, instrument), limit) for name in clean.columns}
    value_labels: dict = {}
    measure: dict = {}
    formats: dict = {}
    for name in clean.columns:
        if name == "synthetic":
            value_labels[name] = {1: "Synthetic", 0: "Real"}
            measure[name] = "nominal"
            formats[name] = "F1.0"
            continue
        if name in META_LABELS:
            measure[name] = "nominal"
            continue
        item = instrument.item(name)
        coded = _value_labels(item)
        if coded is not None:
            value_labels[name] = {k: _truncate(v, value_limit) for k, v in coded.items()}
            width = max(len(str(k)) for k in coded)
            formats[name] = f"F{max(width, 1)}.0"
        elif item.type == "number" and item.integer:
            formats[name] = "F8.0"
        measure[name] = (
            "ordinal" if item.type == "likert" else "scale" if item.type == "number" else "nominal"
        )
    frame = _stats_frame(clean)
    file_label = _file_label(clean, instrument, 64 if fmt == "sav" else 80)

    def write(tmp: Path) -> None:
        try:
            if fmt == "sav":
                pyreadstat.write_sav(
                    frame,
                    str(tmp),
                    file_label=file_label,
                    column_labels=labels,
                    variable_value_labels=value_labels,
                    variable_measure=measure,
                    variable_format=formats,
                )
            else:
                pyreadstat.write_dta(
                    frame,
                    str(tmp),
                    file_label=file_label,
                    column_labels=labels,
                    variable_value_labels=value_labels,
                    version=15,
                )
        except Exception as err:
            if not type(err).__module__.startswith("pyreadstat"):
                raise
            raise ResponsesError(
                [
                    Problem(
                        f"could not be written as {fmt.upper()}: {err}",
                        fix="write CSV instead, and report this as a bug in Readiness.",
                        file=str(path),
                    )
                ],
                file=str(path),
            ) from err

    atomic_write(path, write)


def _write_sav(clean: pd.DataFrame, instrument: Instrument, path: Path) -> None:
    _write_stats(clean, instrument, path, "sav")


def _write_dta(clean: pd.DataFrame, instrument: Instrument, path: Path) -> None:
    _write_stats(clean, instrument, path, "dta")
