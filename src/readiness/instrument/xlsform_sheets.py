"""Reading an XLSForm's sheets as pyxform (4.5.0) reads them: headers normalised, cells as text.

A header is split into the column and its language the way pyxform splits it: on ``::`` when
any header of the sheet holds ``::``, else on a single ``:`` (``label:English``), so
``label::English (en)`` and ``label:English`` both give the column ``label`` in a language.
The column part is lower-cased; the language is kept as written. A sheet's rows end after a
run of 60 empty rows (pyxform's rule), its columns after a run of 20 empty headers, so a sheet
that claims a million rows (formatted but empty) costs no more than the rows it holds.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness.errors import ConversionError
from readiness.safezip import check_zip

EMPTY_ROWS_END = 60  # pyxform: a run of this many empty rows ends a sheet
EMPTY_COLUMNS_END = 20  # pyxform: a run of this many empty headers ends the header
SHEETS = ("survey", "choices", "settings", "entities", "external_choices", "osm")
HEADER_ALIASES = {
    "list name": "list_name",
    "jr:constraintmsg": "constraint_message",
    "constraint message": "constraint_message",
    "jr:requiredmsg": "required_message",
    "required message": "required_message",
    "guidance hint": "guidance_hint",
    # Other names pyxform takes for the same columns (its header aliases).
    "relevance": "relevant",
    "caption": "label",
    "constraining_message": "constraint_message",
    "calculate": "calculation",
    "readonly": "read_only",
    "requiredmsg": "required_message",
}
# Columns written with the XForm attribute they become (older forms, and pyxform's own
# examples): ``bind::relevant``, ``bind::jr:constraintMsg``, ``control::appearance``.
XFORM_COLUMNS = {
    ("bind", "relevant"): "relevant",
    ("bind", "constraint"): "constraint",
    ("bind", "jr:constraintmsg"): "constraint_message",
    ("bind", "required"): "required",
    ("bind", "jr:requiredmsg"): "required_message",
    ("bind", "calculate"): "calculation",
    ("bind", "readonly"): "read_only",
    ("control", "appearance"): "appearance",
}
Fatal = Callable[[str, str], ConversionError]


@dataclass
class Sheet:
    name: str  # as written in the file
    header: list[str]  # normalised: "label", "label::English (en)", "readiness::type"
    rows: list[tuple[int, dict[str, str]]]  # (1-based data row, column -> text)


def cell_text(value: Any) -> str:
    """A cell as pyxform reads it: whole floats without ``.0``, booleans TRUE / FALSE, no
    non-breaking spaces, stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\xa0", " ").strip()


def column_key(header: str, double_colon: bool) -> str:
    """The normalised name of a column: ``Label:English`` -> ``label::English``."""
    text = " ".join(header.split())
    if double_colon or "::" in text:
        tokens = [t.strip() for t in text.split("::")]
    else:
        tokens = [t.strip() for t in text.split(":")]
        if "jr" in (t.lower() for t in tokens):  # jr:constraintMsg is one name
            at = [t.lower() for t in tokens].index("jr")
            tokens[at : at + 2] = [":".join(tokens[at : at + 2])]
    base = tokens[0].lower()
    base = HEADER_ALIASES.get(base, base)
    xform = (base, tokens[1].lower()) if len(tokens) > 1 else None
    if xform in XFORM_COLUMNS:  # bind::jr:constraintMsg::Cymraeg (cy) -> constraint_message::...
        base, tokens = XFORM_COLUMNS[xform], tokens[1:]
    return "::".join([base, *tokens[1:]]) if len(tokens) > 1 else base


def header_of(values: Iterable[Any]) -> list[str]:
    """The normalised header, "" for an empty header cell, ending after a run of empties."""
    raw: list[str] = []
    run = 0
    for value in values:
        text = cell_text(value)
        raw.append(text)
        run = run + 1 if not text else 0
        if run > EMPTY_COLUMNS_END:
            break
    while raw and not raw[-1]:
        raw.pop()
    double = any("::" in h for h in raw)
    return [column_key(h, double) if h else "" for h in raw]


def body_of(header: list[str], rows: Iterator[Iterable[Any]]) -> list[tuple[int, dict[str, str]]]:
    """Numbered rows with content (column -> text), stopping after a run of empty rows."""
    body = []
    run = 0
    for number, values in enumerate(rows, start=1):
        cells: dict[str, str] = {}
        for column, value in zip(header, values, strict=False):
            if column:
                text = cell_text(value)
                if text:
                    cells.setdefault(column, text)
        if not cells:
            run += 1
            if run >= EMPTY_ROWS_END:
                break
            continue
        run = 0
        body.append((number, cells))
    return body


def make_sheet(name: str, rows: Iterator[Iterable[Any]]) -> Sheet:
    header = header_of(next(rows, ()))
    return Sheet(name, header, body_of(header, rows))


def read_xlsx(path: Path, file: str, fatal: Fatal) -> dict[str, Sheet]:
    import openpyxl

    with path.open("rb") as handle:  # a handle: openpyxl would refuse a file named .xls
        try:
            if zipfile.is_zipfile(path):  # a zip bomb is refused before anything unpacks
                check_zip(path, name=file, error=ConversionError)
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
            raise fatal(
                f"not a readable .xlsx workbook ({err}).",
                "save the XLSForm as an Excel workbook (.xlsx).",
            ) from None
        sheets: list[Sheet] = []
        try:
            for ws in book.worksheets:
                first = next(ws.iter_rows(max_row=1, values_only=True), ())
                header = header_of(first)
                rows = ws.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
                sheets.append(Sheet(ws.title, header, body_of(header, rows)))
        finally:
            book.close()
    return by_name(sheets)


def by_name(sheets: list[Sheet]) -> dict[str, Sheet]:
    """Sheets by lower-case name; a workbook's only sheet is its survey whatever its name."""
    if len(sheets) == 1 and sheets[0].name.strip().lower() not in SHEETS:
        return {"survey": sheets[0]}
    out: dict[str, Sheet] = {}
    for sheet in sheets:
        out.setdefault(sheet.name.strip().lower(), sheet)
    return out


def read_xls(path: Path, file: str, fatal: Fatal) -> dict[str, Sheet]:
    """An old-style Excel workbook (.xls, BIFF), read with xlrd as pyxform reads it."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except (
        xlrd.XLRDError,
        xlrd.compdoc.CompDocError,
        OSError,
        ValueError,
        AssertionError,
        struct.error,
    ) as err:
        raise fatal(
            f"not a readable .xls workbook ({err}).",
            "open it in a spreadsheet program and save it as .xlsx.",
        ) from None
    try:
        sheets = []
        for index in range(book.nsheets):
            ws = book.sheet_by_index(index)
            rows = (_xls_row(book, ws, r) for r in range(ws.nrows))
            sheets.append(make_sheet(ws.name, rows))
    finally:
        book.release_resources()
    return by_name(sheets)


def _xls_row(book: Any, ws: Any, r: int) -> list[Any]:
    import xlrd

    out: list[Any] = []
    for cell in ws.row(r):
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            out.append(bool(cell.value))
        elif cell.ctype == xlrd.XL_CELL_DATE:
            try:
                out.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                out.append(cell.value)
        else:
            out.append(cell.value)
    return out


def read_csv(path: Path, file: str, fatal: Fatal) -> dict[str, Sheet]:
    """pyxform's CSV layout: a row whose first cell names a sheet starts that sheet; the next
    row with content is its header, the rows after it its rows (the first column left empty)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise fatal(
            f"the CSV is not UTF-8 text (byte {err.start}).",
            "save it as CSV UTF-8 from your spreadsheet program.",
        ) from None
    parts: dict[str, tuple[str, list[list[str]]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text, newline="")):
        if not row:
            continue
        if row[0].strip():
            name = row[0].strip()
            current = parts.setdefault(name.lower(), (name, []))[1]
        if current is not None and any(v.strip() for v in row[1:]):
            current.append(row[1:])
    return {key: make_sheet(name, iter(rows)) for key, (name, rows) in parts.items()}


def is_csv_xlsform(path: Path) -> bool:
    """True when the CSV at ``path`` is laid out as pyxform's CSV XLSForm (its first cell with
    content names the survey, choices or settings sheet), not as a table such as a REDCap
    data dictionary."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            for row in csv.reader(handle):
                if any(v.strip() for v in row):
                    return row[0].strip().lower() in SHEETS
    except (OSError, csv.Error):
        return False
    return False


def read_sheets(path: Path, file: str, fatal: Fatal) -> dict[str, Sheet]:
    """Every sheet of the XLSForm at ``path`` (.xlsx, .xls or pyxform's CSV) by its lower-case
    name."""
    if not path.exists():
        raise fatal("no such file.", "check the path.")
    suffix = path.suffix.lower()
    if suffix == ".xls" and not zipfile.is_zipfile(path):  # (an .xlsx named .xls is read as one)
        return read_xls(path, file, fatal)
    if suffix == ".csv":
        return read_csv(path, file, fatal)
    return read_xlsx(path, file, fatal)
