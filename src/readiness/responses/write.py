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
  word-coded single-choice items as strings; ``completed_on`` as a date variable (SPSS
  ``DATE11``, Stata ``%td``) when every value is a date without a time.  Variable labels are the item texts, shortened
  with "..." to what the format allows (Stata: 80 characters; SPSS: 256 bytes; SPSS value
  labels: 120 bytes).  **A multiple-choice item is one 0/1 variable per choice**, as REDCap
  exports a checkbox field: ``item___code`` (:func:`checkbox_frame`), labelled
  "<question>: <choice>", with values 0 "Not selected" and 1 "Selected", and system-missing
  in every one where the item was not answered (not shown, or skipped: the data hold no
  answer that chose nothing).  :func:`readiness.responses.read_responses` folds them back
  into the space-separated codes.  **"Don't know" (8) of a true/false item is declared
  missing**: in SPSS a user-missing value (the 8 and its label stay in the data; SPSS leaves
  it out of analyses by default), in Stata the extended missing value ``.d`` labelled "Don't
  know".  Readiness itself scores "don't know" as incorrect, not missing (the file label says
  so when it fits): to score as Readiness does, count it as a wrong answer (SPSS: ``MISSING
  VALUES item ()`` first, then 8 is a valid value; Stata: ``recode item (.d = 8)``).
  Reading the file back gives 8 again.

**Names.** CSV and XLSX columns are the item ids.  SPSS and Stata accept fewer names (SPSS: 64
bytes, starting with a letter, different regardless of case; Stata: 32 characters, and 31 for a
variable with value labels as ReadStat writes them; both: no reserved words), so an item whose
id does not fit gets a name made for it (:func:`export_names`); :func:`write_responses_noted`
says which, and writes ``<name>-codebook.csv`` beside the file with each item's ``column``
there, which :func:`readiness.responses.read_responses` uses to read the file back.  A note
item holds no answer and has no column in any format.

Every file records, in the ``instrument_id`` and ``instrument_version`` columns, the
instrument its responses answered: the columns are added when the frame lacks them.  Files
are written atomically: on any error nothing is written and an earlier file is untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.errors import Problem, ResponsesError
from readiness.instrument.describe import codebook_csv
from readiness.instrument.model import DONT_KNOW, META_COLUMNS, Instrument, Item
from readiness.instrument.redcap_columns import checkbox_column, checkbox_suffix
from readiness.responses.read import Responses, codebook_path
from readiness.responses.validate import TEXT_DTYPE, choices_of, is_numeric_item, validate_frame
from readiness.tabular import atomic_write, formula_safe_values, table_format, xlsx_row

META_LABELS = {
    "response_id": "Response id",
    "instrument_id": "Instrument id",
    "instrument_version": "Instrument version answered",
    "session": "Session (collection link or event)",
    "completed_on": "Date completed",
    "synthetic": "Synthetic data (1) or real (0)",
    "source": "How the response came (web, paper, import, demo)",
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
# Variable names each format accepts. SPSS (Command Syntax Reference, "Variable names"): at
# most 64 bytes, starting with a letter (or @, # and $, which SPSS gives meanings), then
# letters, digits, '.', '_', '@', '#', '$'; not a reserved word; unique regardless of case.
# Stata ([U] 11.3 "Naming conventions"): 1 to 32 characters, letters, digits and '_', not
# starting with a digit, not a reserved word; case matters.
_SPSS_NAME = re.compile(r"\A[A-Za-z][A-Za-z0-9_.@#$]*\Z")
_SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
SPSS_NAME_BYTES = 64
_STATA_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
_STATA_RESERVED = {
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
    "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
}  # fmt: skip
STATA_NAME_CHARS = 32
STATA_LABELLED_CHARS = 31  # ReadStat names a variable's value-label set after it: 31 at most
NAME_RULES = {
    "sav": "SPSS names are at most 64 bytes, start with a letter, are not reserved words "
    "(ALL, AND, BY, TO, WITH, ...) and differ regardless of case",
    "dta": "Stata names are at most 32 letters, digits or '_', do not start with a digit and "
    "are not reserved words (if, in, int, using, with, str1, ...)",
}


@dataclass(frozen=True)
class Written:
    """What :func:`write_responses_noted` wrote: the file, the name of each column in it
    (item or meta column -> name in the file, the same unless the format needed another),
    what was changed on the way, in words, and the codebook written beside it, if any."""

    path: Path
    names: dict[str, str]
    notes: list[str] = field(default_factory=list)
    codebook: Path | None = None


def write_responses(
    data: pd.DataFrame | Responses, instrument: Instrument, path: str | Path
) -> Path:
    """Validate responses against the instrument and write them in the format of ``path``.

    ``data`` is a frame (one row per response, stored codes, as
    :func:`readiness.responses.read_responses` gives) or a :class:`Responses`.  Invalid data
    raise :class:`ResponsesError` listing every problem, and nothing is written.  Returns the
    path written; :func:`write_responses_noted` also says which names changed.
    """
    return write_responses_noted(data, instrument, path).path


def write_responses_noted(
    data: pd.DataFrame | Responses,
    instrument: Instrument,
    path: str | Path,
    *,
    own_versions: bool = False,
) -> Written:
    """:func:`write_responses`, returning a :class:`Written`.

    ``own_versions``: the rows answered several versions of the instrument, were checked
    against each, and are read as ``instrument``'s items; their ``instrument_id`` and
    ``instrument_version`` are written as they are (:func:`validate_own_versions`).

    An SPSS or Stata file whose format does not accept an item id as a variable name (too long,
    a reserved word, or in SPSS the same as another regardless of case) gets a name made for it
    (:func:`export_names`); the notes say which, and a codebook beside the file,
    ``<name>-codebook.csv``, gives each item's column in the file (:func:`codebook_path`).
    """
    path = Path(path)
    fmt = table_format(path)
    frame = data.frame if isinstance(data, Responses) else data
    where = f"(responses being written to {path})"
    if own_versions:
        clean, problems = validate_own_versions(frame, instrument)
    else:
        clean, problems, _warnings = validate_frame(frame, instrument, None)
    if problems:
        raise ResponsesError(problems, file=where)
    clean = _with_instrument_columns(clean, instrument)
    boxes: dict[str, Checkbox] = {}
    if fmt in NAME_RULES:  # SPSS and Stata: multiple choice as one 0/1 column per choice
        clean, boxes = checkbox_frame(clean, instrument)
    labelled = {c for c in clean.columns if c in boxes or _has_value_labels(c, instrument)}
    suffixes = {key: (box.item, checkbox_suffix(box.code)) for key, box in boxes.items()}
    names, notes = export_names(list(clean.columns), fmt, labelled, suffixes)
    writers: dict[str, Callable[..., None]] = {
        "csv": _write_csv,
        "xlsx": _write_xlsx,
        "sav": _write_sav,
        "dta": _write_dta,
    }
    writer = writers[fmt]
    if fmt in ("sav", "dta"):
        writer(clean, instrument, path, names, boxes)
    else:
        writer(clean, instrument, path)
    codebook = None
    if notes:
        codebook = codebook_path(path)
        text = codebook_csv(instrument, columns=_item_columns(names, boxes))
        atomic_write(codebook, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        notes.append(f"{codebook.name} gives the column in {path.name} of every item.")
    return Written(path, names, notes, codebook)


def export_names(
    columns: list[str],
    fmt: str,
    labelled: frozenset[str] | set[str] = frozenset(),
    checkboxes: dict[str, tuple[str, str]] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """The variable name each column gets in a ``fmt`` file, and notes on those changed.

    CSV and XLSX keep every name. SPSS and Stata keep a name the format accepts and that no
    earlier column holds (SPSS compares regardless of case, Stata exactly); another name is
    cut to the format's length (a reserved word gets ``_v``, a name SPSS cannot start gets
    ``v`` before it) and, if taken, ends ``_2``, ``_3`` ... instead.  In Stata the
    ``labelled`` columns (those with value labels) get at most 31 characters: ReadStat, which
    writes the file, names a variable's label set after it and takes at most 31 there.

    ``checkboxes`` (column -> item id and REDCap's suffix for the choice's code) are the 0/1
    columns of a multiple-choice item: a name made for one keeps ``___<suffix>`` whole and
    shortens the item's part instead (``<item, cut>___10``), so that a cut never turns one
    code into another (``..___10`` into ``..___1``).
    """
    if fmt not in NAME_RULES:
        return {c: c for c in columns}, []
    key = str.lower if fmt == "sav" else str

    def limit(column: str) -> int:
        if fmt == "sav":
            return SPSS_NAME_BYTES
        return STATA_LABELLED_CHARS if column in labelled else STATA_NAME_CHARS

    kept: dict[str, str] = {}
    taken: set[str] = set()
    boxes = checkboxes or {}
    # An item's 0/1 columns keep their names only all together: one stem per item.
    refused = {boxes[c][0] for c in columns if c in boxes and not _name_ok(c, fmt, limit(c))}
    for column in columns:  # first, every name the format accepts as it is
        if column in boxes and boxes[column][0] in refused:
            continue
        if _name_ok(column, fmt, limit(column)) and key(column) not in taken:
            kept[column] = column
            taken.add(key(column))
    for column in columns:
        if column in kept:
            continue
        if column in boxes:
            item, suffix = boxes[column]
            kept[column] = _checkbox_name(item, suffix, fmt, limit(column), taken, key)
        else:
            kept[column] = _made_name(column, fmt, limit(column), taken, key)
        taken.add(key(kept[column]))
    names = {column: kept[column] for column in columns}
    changed = [f"{c} -> {n}" for c, n in names.items() if c != n]
    if not changed:
        return names, []
    what = {"sav": "SPSS", "dta": "Stata"}[fmt]
    rule = NAME_RULES[fmt]
    if fmt == "dta" and any(c in labelled and len(c) > STATA_LABELLED_CHARS for c in columns):
        rule += "; one with value labels at most 31, as ReadStat (which writes the file) needs"
    return names, [
        f"{len(changed)} {what} variable name{'s' if len(changed) != 1 else ''} differ from "
        f"the item id ({rule}): " + ", ".join(changed) + "."
    ]


def _name_ok(name: str, fmt: str, limit: int) -> bool:
    if fmt == "sav":
        return (
            _SPSS_NAME.match(name) is not None
            and len(name.encode("utf-8")) <= limit
            and name.upper() not in _SPSS_RESERVED
        )
    return (
        _STATA_NAME.match(name) is not None
        and len(name) <= limit
        and name not in _STATA_RESERVED
        and not re.fullmatch(r"str[0-9]+", name)
    )


def _made_name(column: str, fmt: str, limit: int, taken: set[str], key) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", column) or "v"
    if fmt == "sav" and not base[0].isalpha():
        base = "v" + base
    if fmt == "dta" and base[0].isdigit():
        base = "_" + base
    if not _name_ok(base[:limit], fmt, limit) and len(base) <= limit:
        base += "_v"  # a reserved word
    name, number = base[:limit], 1
    while key(name) in taken or not _name_ok(name, fmt, limit):
        number += 1
        suffix = f"_{number}"
        name = base[: limit - len(suffix)] + suffix
    return name


def _checkbox_name(item: str, suffix: str, fmt: str, limit: int, taken: set[str], key) -> str:
    """A name for one 0/1 column of a multiple-choice item: the item's part cut (and numbered
    if taken), ``___<suffix>`` kept whole; made as any other when the suffix leaves no room."""
    tail = "___" + suffix
    room = limit - len(tail)
    base = re.sub(r"[^A-Za-z0-9_]", "_", item).rstrip("_") or "v"
    if fmt == "sav" and not base[0].isalpha():
        base = "v" + base
    if fmt == "dta" and base[0].isdigit():
        base = "_" + base
    if room < 4 or not re.fullmatch(r"[a-z0-9_]+", suffix):
        return _made_name(item + tail, fmt, limit, taken, key)
    stem, number = base[:room].rstrip("_") or "v", 1
    while key(stem + tail) in taken or not _name_ok(stem + tail, fmt, limit):
        number += 1
        end = f"_{number}"
        stem = base[: room - len(end)].rstrip("_") + end
    return stem + tail


@dataclass(frozen=True)
class Checkbox:
    """One 0/1 column of a multiple-choice item in an SPSS or Stata file: the item and the
    choice it stands for."""

    item: str
    code: int | str
    label: str


CHECKBOX_LABELS = {0: "Not selected", 1: "Selected"}


def checkbox_frame(
    clean: pd.DataFrame, instrument: Instrument
) -> tuple[pd.DataFrame, dict[str, Checkbox]]:
    """The frame with each multiple-choice item as one 0/1 column per choice, in its place.

    A column is named as REDCap names a checkbox (``item___code``,
    :func:`readiness.instrument.redcap_columns.checkbox_column`); where two codes of an item
    get the same name that way (``a`` and ``A``), the later one is ``item___<code>``.  A
    response that answered the item has 1 for each code chosen and 0 for the others; one that
    did not (not shown, or skipped) is missing in every column, since the data hold no
    answer that chose nothing.  Returns the frame and the column -> :class:`Checkbox` map.
    """
    out: dict[str, np.ndarray] = {}
    boxes: dict[str, Checkbox] = {}
    for name in clean.columns:
        item = None if name in META_LABELS else instrument.item(name)
        if item is None or item.type != "multiple_choice":
            out[name] = clean[name].to_numpy()
            continue
        values = clean[name].astype(object).tolist()
        chosen = [set(v.split()) if isinstance(v, str) and v.strip() else None for v in values]
        for choice in choices_of(item):
            column = checkbox_column(item.id, choice.code)
            if column in out or column in clean.columns:
                column = f"{item.id}___{choice.code}"
            while column in out or column in clean.columns:
                column += "_"
            boxes[column] = Checkbox(item.id, choice.code, choice.label)
            code = str(choice.code)
            out[column] = np.array(
                [np.nan if c is None else float(code in c) for c in chosen], dtype=float
            )
    frame = pd.DataFrame(out, index=clean.index)
    for name in clean.columns:
        if name in frame and name not in boxes:
            frame[name] = clean[name]  # keep the dtype (text stays text)
    return frame, boxes


def _item_columns(names: dict[str, str], boxes: dict[str, Checkbox]) -> dict[str, str]:
    """Item id -> its column(s) in the file, for the codebook: a multiple-choice item's 0/1
    columns separated by spaces, in the order of its choices."""
    out = {name: made for name, made in names.items() if name not in boxes}
    for key, box in boxes.items():
        out[box.item] = (out[box.item] + " " + names[key]) if box.item in out else names[key]
    return out


VERSION_COLUMNS = ("instrument_id", "instrument_version")


def validate_own_versions(
    frame: pd.DataFrame, instrument: Instrument
) -> tuple[pd.DataFrame, list[Problem]]:
    """:func:`validate_frame` of rows that answered several versions of ``instrument`` (each
    checked against its own when it was read, then read as this one's items): their
    ``instrument_id`` and ``instrument_version`` are kept as they are, not checked against
    ``instrument``."""
    own = {c: frame[c].reset_index(drop=True) for c in VERSION_COLUMNS if c in frame}
    clean, problems, _warnings = validate_frame(frame.drop(columns=list(own)), instrument, None)
    for name, values in own.items():
        if len(values) == len(clean):
            clean[name] = values.astype(TEXT_DTYPE)
    return clean, problems


def _with_instrument_columns(clean: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    clean = clean.copy()
    n = len(clean)
    if "instrument_id" not in clean:
        clean["instrument_id"] = pd.Series([instrument.id] * n, dtype=TEXT_DTYPE)
    if "instrument_version" not in clean:
        clean["instrument_version"] = pd.Series([str(instrument.version)] * n, dtype=TEXT_DTYPE)
    meta = [m for m in META_COLUMNS if m in clean]
    return clean[meta + [item.id for item in instrument.data_items]]


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


def _has_value_labels(name: str, instrument: Instrument) -> bool:
    if name in META_LABELS:
        return name == "synthetic"
    return _value_labels(instrument.item(name)) is not None


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
        if name == "completed_on" and _bare_dates(series):  # SPSS DATE, Stata %td: not text
            out[name] = pd.Series(_dates(series), dtype=object).to_numpy(dtype=object)
        elif pd.api.types.is_float_dtype(series.dtype):
            out[name] = series.to_numpy(dtype=float)
        else:
            out[name] = series.astype(object).where(series.notna(), "").to_numpy(dtype=object)
    return pd.DataFrame(out, columns=clean.columns)


def _bare_dates(series: pd.Series) -> bool:
    """Whether every value is a date without a time (the web's are): one with a time stays
    text, so that the file reads back to what was written."""
    return all(not isinstance(v, str) or len(v) == 10 for v in series.astype(object).tolist())


def _dates(series: pd.Series) -> list:
    """Validated ISO dates as dates; None where missing."""
    return [
        date.fromisoformat(v) if isinstance(v, str) and v else None
        for v in series.astype(object).tolist()
    ]


# Said in the file label of a file with true/false items, when it fits (SPSS: 64 bytes).
DONT_KNOW_LABEL = "; don't know = incorrect in Readiness"


def _file_label(clean: pd.DataFrame, instrument: Instrument, max_bytes: int) -> str:
    label = f"{instrument.id} version {instrument.version}"
    if "synthetic" in clean and (clean["synthetic"] == 1).any():
        label = "SYNTHETIC " + label
    if _dont_know_items(clean, instrument):
        if len((label + DONT_KNOW_LABEL).encode("utf-8")) <= max_bytes:
            label += DONT_KNOW_LABEL
    return _truncate(label, max_bytes)


def _dont_know_items(clean: pd.DataFrame, instrument: Instrument) -> list[str]:
    """The true/false items among the columns: their "don't know" (8) is declared missing."""
    return [
        c
        for c in clean.columns
        if c in instrument.item_ids and instrument.item(c).type == "true_false"
    ]


@dataclass
class _StatMeta:
    """The variable metadata of an SPSS or Stata file, by column of the frame written."""

    labels: dict[str, str | None] = field(default_factory=dict)
    value_labels: dict[str, dict] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    missing: dict[str, list] = field(default_factory=dict)  # SPSS user-missing, Stata .a-.z

    def renamed(self, names: dict[str, str]) -> _StatMeta:
        def by_name(values: dict) -> dict:
            return {names[k]: v for k, v in values.items()}

        return _StatMeta(
            by_name(self.labels),
            by_name(self.value_labels),
            by_name(self.measure),
            by_name(self.formats),
            by_name(self.missing),
        )


def _stat_meta(
    clean: pd.DataFrame, instrument: Instrument, fmt: str, boxes: dict[str, Checkbox]
) -> _StatMeta:
    limit = STATA_LABEL_BYTES if fmt == "dta" else SPSS_LABEL_BYTES
    value_limit = 32000 if fmt == "dta" else SPSS_VALUE_LABEL_BYTES
    meta = _StatMeta()
    questions = _checkbox_questions(boxes, instrument, limit)
    for name in clean.columns:
        if name in boxes:
            box = boxes[name]
            text = f"{questions[box.item]}: {' '.join(box.label.split())}"
            meta.labels[name] = _truncate(text, limit)
            meta.value_labels[name] = dict(CHECKBOX_LABELS)
            meta.measure[name], meta.formats[name] = "nominal", "F1.0"
            continue
        meta.labels[name] = _truncate(_label(name, instrument), limit)
        if name == "synthetic":
            meta.value_labels[name] = {1: "Synthetic", 0: "Real"}
            meta.measure[name], meta.formats[name] = "nominal", "F1.0"
            continue
        if name == "completed_on" and _bare_dates(clean[name]):
            meta.measure[name], meta.formats[name] = "scale", "DATE11"
            continue
        if name in META_LABELS:
            meta.measure[name] = "nominal"
            continue
        item = instrument.item(name)
        coded = _value_labels(item)
        if coded is not None:
            meta.value_labels[name] = {k: _truncate(v, value_limit) for k, v in coded.items()}
            meta.formats[name] = f"F{max(len(str(k)) for k in coded)}.0"
        elif item.type == "number" and item.integer:
            meta.formats[name] = "F8.0"
        meta.measure[name] = (
            "ordinal" if item.type == "likert" else "scale" if item.type == "number" else "nominal"
        )
    return meta


def _checkbox_questions(
    boxes: dict[str, Checkbox], instrument: Instrument, limit: int
) -> dict[str, str]:
    """Each multiple-choice item's question as its 0/1 variables' labels begin: cut (with
    "...") the same way for every choice, so that each label still ends with its choice."""
    longest: dict[str, int] = {}
    for box in boxes.values():
        size = len(" ".join(box.label.split()).encode("utf-8"))
        longest[box.item] = max(longest.get(box.item, 0), size)
    out = {}
    for item, size in longest.items():
        room = limit - len(b": ") - size
        question = _label(item, instrument)
        out[item] = _truncate(question, room) if room >= 20 else question
    return out


def _declare_dont_know(frame: pd.DataFrame, meta: _StatMeta, items: list[str], fmt: str) -> None:
    """Declare "don't know" (8) of true/false items missing: SPSS user-missing 8 (the value and
    its label stay), Stata's extended missing ``.d`` labelled "Don't know" (the value 8 is
    not kept: Stata's ``.d`` is what its users look for)."""
    for name in items:
        if fmt == "sav":
            meta.missing[name] = [DONT_KNOW]
            continue
        values = frame[name].to_numpy(dtype=float)
        if (values == DONT_KNOW).any():
            cells = values.astype(object)
            cells[values == DONT_KNOW] = "d"
            frame[name] = cells
        labels = dict(meta.value_labels.get(name, {}))
        labels["d"] = labels.pop(DONT_KNOW, "Don't know")
        meta.value_labels[name] = labels
        meta.missing[name] = ["d"]


def _write_stats(
    clean: pd.DataFrame,
    instrument: Instrument,
    path: Path,
    fmt: str,
    names: dict[str, str],
    boxes: dict[str, Checkbox] | None = None,
) -> None:
    import pyreadstat

    frame = _stats_frame(clean)
    meta = _stat_meta(clean, instrument, fmt, boxes or {})
    _declare_dont_know(frame, meta, _dont_know_items(clean, instrument), fmt)
    frame = frame.rename(columns=names)
    meta = meta.renamed(names)
    file_label = _file_label(clean, instrument, 64 if fmt == "sav" else 80)

    def write(tmp: Path) -> None:
        try:
            if fmt == "sav":
                pyreadstat.write_sav(
                    frame,
                    str(tmp),
                    file_label=file_label,
                    column_labels=meta.labels,
                    variable_value_labels=meta.value_labels,
                    variable_measure=meta.measure,
                    variable_format=meta.formats,
                    missing_ranges=meta.missing or None,
                )
            else:
                pyreadstat.write_dta(
                    frame,
                    str(tmp),
                    file_label=file_label,
                    column_labels=meta.labels,
                    variable_value_labels=meta.value_labels,
                    missing_user_values=meta.missing or None,
                    version=15,
                )
        except Exception as err:
            if not type(err).__module__.startswith("pyreadstat"):
                raise
            # The library names the temporary file it was writing: name the file asked for.
            said = str(err).replace(str(tmp), path.name)
            raise ResponsesError(
                [
                    Problem(
                        f"could not be written as {fmt.upper()}: {said}",
                        fix="write CSV instead, and report this as a bug in Readiness.",
                        file=str(path),
                    )
                ],
                file=str(path),
            ) from err

    atomic_write(path, write)


def _write_sav(
    clean: pd.DataFrame, instrument: Instrument, path: Path, names: dict, boxes=None
) -> None:
    _write_stats(clean, instrument, path, "sav", names, boxes)


def _write_dta(
    clean: pd.DataFrame, instrument: Instrument, path: Path, names: dict, boxes=None
) -> None:
    _write_stats(clean, instrument, path, "dta", names, boxes)
