"""Read a response file (CSV, XLSX, SPSS .sav, Stata .dta) and validate it against an instrument."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from readiness.errors import Problem, ReadinessError, ResponsesError
from readiness.instrument.load import IDENTIFIER, identifier_from
from readiness.instrument.model import META_COLUMNS, Instrument
from readiness.instrument.redcap_columns import checkbox_column
from readiness.responses.declared import (
    StatFile,
    count_warnings,
    dont_know_answers,
    label_problems,
    read_stat_cells,
    reason_counts,
)
from readiness.responses.validate import text_problems, validate_frame
from readiness.safezip import DEFAULT_LIMITS, ZipLimits
from readiness.tabular import check_xlsx, read_table, table_format


@dataclass(frozen=True)
class Responses:
    """Validated responses: one row per response, one column per item, stored codes.

    ``frame`` has the meta columns the file held (``response_id``, ``instrument_id``,
    ``instrument_version``, ``session``, ``completed_on``, ``synthetic``) followed by every
    item of the instrument in order.  Coded items (yes/no, true/false, Likert, single choice
    with numeric codes) and number items are float64 with NaN for missing; text, month-year,
    multiple-choice (``"1 3"``) and word-coded single-choice items are text.
    """

    frame: pd.DataFrame
    instrument_id: str
    instrument_version: str
    warnings: list[Problem] = field(default_factory=list)
    source: str | None = None
    items_in_file: tuple[str, ...] = ()  # the items that had a column in the file
    # Declared missing answers (SPSS user-missing, Stata .a-.z): NaN in ``frame``, so every
    # analysis treats them as missing; their codes row by row here ("9", ".a"), and labels.
    declared_missing: pd.DataFrame | None = None
    declared_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)

    def declared_counts(self) -> dict[str, dict[str, int]]:
        """item -> reason -> number of declared missing answers; the reason is the code with
        the file's label for it (``9 = 'Refused'``, ``.a``).  Empty for CSV and XLSX files."""
        if self.declared_missing is None:
            return {}
        return reason_counts(self.declared_missing, self.declared_labels)


def read_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    strict_conditions: bool = False,
    design_columns: dict[str, str] | None = None,
    zip_limits: ZipLimits = DEFAULT_LIMITS,
    allow_empty: bool = False,
) -> Responses:
    """Read and validate a response file; raise :class:`ResponsesError` listing every problem.

    Each problem names the file, the data row (1-based, header excluded) and the column; for a
    CSV file also the line, and for an XLSX file the sheet and the cell.  Cells are read as
    text (SPSS and Stata files as their stored codes), stripped of surrounding spaces, and
    parsed by :func:`readiness.responses.validate.validate_frame`.  ``design_columns`` (column
    -> "weights", "strata" or "cluster") are the survey design's columns that are not items:
    they are kept and checked instead of being refused as unknown.  Text with a control
    character other than a tab or a line break, or longer than an XLSX cell's 32,767
    characters, is refused (:func:`readiness.responses.validate.text_problems`), so that no
    stored answer can stop an export.  In a CSV file, an apostrophe that Readiness put before
    text starting like a formula (``'=1+1``) is removed (:func:`readiness.tabular.formula_safe`).
    An XLSX file that would unpack to more than ``zip_limits`` allow is refused unread.
    A file with a header but no rows is refused (:func:`require_rows`) unless ``allow_empty``,
    when it gives no responses.
    """
    path = Path(path)
    fmt = table_format(path)
    stat = read_stat_file(path, fmt) if fmt in STAT_FORMATS else None
    if stat is None:
        raw = read_raw_text(path, fmt, zip_limits, allow_empty=allow_empty)
    else:
        raw = stat.frame
        if not allow_empty:
            require_rows(raw, path)
    raw, named_notes, named = codebook_columns(raw, path, instrument)
    raw, column_notes, original = match_columns(raw, instrument, str(path), design_columns)
    column_notes, original = named_notes + column_notes, {**named, **original}
    if stat is not None:
        raw = dont_know_answers(raw, instrument)
    found: dict[str, pd.DataFrame] = {}  # the declared missing codes, row by row
    clean, problems, warnings = validate_frame(
        raw,
        instrument,
        str(path),
        strict_conditions=strict_conditions,
        design_columns=design_columns or {},
        declared_out=found,
    )
    problems = text_problems(raw, str(path)) + problems
    declared, labels = found["declared_missing"], {}
    if stat is not None:
        by_name = original  # item id -> the name in the file
        labels = {
            name: stat.declared[by_name.get(name, name)]
            for name in raw.columns
            if by_name.get(name, name) in stat.declared
        }
        value_labels = {
            name: stat.value_labels[by_name.get(name, name)]
            for name in raw.columns
            if by_name.get(name, name) in stat.value_labels
        }
        wrong, differ = label_problems(instrument, value_labels, labels, str(path))
        problems += wrong
        warnings += differ
        warnings += count_warnings(reason_counts(declared, labels), str(path))
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    warnings = column_notes + warnings
    if problems or warnings:
        locate = problem_locator(path, fmt, raw)
        problems = [_as_written(locate(p), original) for p in problems]
        warnings = [_as_written(locate(p), original) for p in warnings]
    if problems:
        raise ResponsesError(problems, file=str(path))
    return Responses(
        frame=clean,
        instrument_id=instrument.id,
        instrument_version=str(instrument.version),
        warnings=warnings,
        source=str(path),
        items_in_file=tuple(
            item_id
            for item_id in instrument.item_ids
            if item_id in raw.columns
            or any(str(c).startswith(item_id + "___") for c in raw.columns)
        ),
        declared_missing=declared,
        declared_labels=labels,
    )


def codebook_path(path: Path) -> Path:
    """The codebook beside a response file: ``out.sav`` -> ``out-codebook.csv``."""
    return path.with_name(f"{path.stem}-codebook.csv")


def codebook_columns(
    raw: pd.DataFrame, path: Path, instrument: Instrument
) -> tuple[pd.DataFrame, list[Problem], dict[str, str]]:
    """Read an SPSS or Stata file's columns as the codebook beside it says (``out.sav`` and
    ``out-codebook.csv``, as :func:`readiness.responses.write.write_responses_noted` writes
    them when the format needed other names): a column is renamed to its item when the
    codebook gives it, the item is the instrument's and has no column of its own.  Returns
    the frame, a note for each, and the map of new name -> name in the file."""
    book = codebook_path(path)
    if table_format(path) not in STAT_FORMATS or not book.is_file():
        return raw, [], {}
    try:
        with book.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return raw, [], {}
    names = [str(c) for c in raw.columns]
    ids = set(instrument.item_ids)
    renames = {
        row["column"]: row["variable"]
        for row in rows
        if row.get("column") in names
        and row.get("variable") in ids
        and row["variable"] not in names
        and row["column"] != row["variable"]
        and not _checkbox_columns(row, instrument)
    }
    for row in rows:
        for column, target in _checkbox_columns(row, instrument).items():
            if column in names and column != target and target not in names:
                renames[column] = target
    if not renames:
        return raw, [], {}
    notes = [
        Problem(
            f"column '{column}' is read as '{item}', as {book.name} says.",
            file=str(path),
            column=column,
        )
        for column, item in renames.items()
    ]
    out = raw.copy()
    out.columns = [renames.get(c, c) for c in names]
    return out, notes, {item: column for column, item in renames.items()}


def _checkbox_columns(row: dict[str, str], instrument: Instrument) -> dict[str, str]:
    """A codebook row's 0/1 columns (``column`` lists them, separated by spaces, in the order
    of the item's choices) -> the name the fold reads (``item___code``); {} for other rows."""
    item_id, listed = row.get("variable") or "", (row.get("column") or "").split()
    if item_id not in instrument.item_ids or not all("___" in c for c in listed):
        return {}
    item = instrument.item(item_id)
    if item.type != "multiple_choice" or len(listed) != len(item.choices) or not listed:
        return {}
    return {
        column: f"{item_id}___{choice.code}"
        if CHECKBOX_CODE.fullmatch(str(choice.code))
        else checkbox_column(item_id, choice.code)
        for column, choice in zip(listed, item.choices, strict=True)
    }


def match_columns(
    raw: pd.DataFrame,
    instrument: Instrument,
    file: str | None = None,
    design_columns: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem], dict[str, str]]:
    """Read a column whose name differs from an item id only in case as that item (an SPSS file
    with ``AGE`` for item ``age``), when exactly one item id, and one column, match that way.

    REDCap checkbox columns (``SYMPTOMS___2``) match on their item part, and the columns
    Readiness keeps beside the items (``Response_ID``) match too. Returns the frame with those
    columns renamed, a note for each, and the map of new name -> name in the file. A name that
    could be two items (``Age`` and ``AGE`` in one instrument) or two columns is left as it is
    (and refused as an unknown column, naming the likely item).
    """
    names = [str(c) for c in raw.columns]
    known = list(instrument.item_ids) + list(META_COLUMNS) + list(design_columns or {})
    exact = set(known)
    by_lower: dict[str, list[str]] = {}
    for name in dict.fromkeys(known):
        by_lower.setdefault(name.lower(), []).append(name)
    wanted: dict[str, list[str]] = {}  # the new name -> the file's columns that would take it
    made: set[str] = set()  # columns matched through the id made from their name
    for column in names:
        if column in exact:
            continue
        target = _case_match(column, by_lower)
        if target is None and not IDENTIFIER.match(column):
            # The id `instrument import` made from a name SPSS or ODK allows (Rôl -> Rol).
            target = _case_match(identifier_from(column, ""), by_lower)
            made.add(column)
        if target is not None and target not in names:
            wanted.setdefault(target, []).append(column)
    renames = {cols[0]: target for target, cols in wanted.items() if len(cols) == 1}
    if not renames:
        return raw, [], {}
    notes = [
        Problem(
            f"column '{column}' is read as '{target}': "
            + (
                "the item's id is the one made from the column's name on import."
                if column in made
                else "they differ only in case."
            ),
            fix=f"nothing to do; rename the column to '{target}' to match exactly.",
            file=file,
            column=column,
        )
        for column, target in renames.items()
    ]
    out = raw.copy()
    out.columns = [renames.get(c, c) for c in names]
    return out, notes, {target: column for column, target in renames.items()}


def _case_match(column: str, by_lower: dict[str, list[str]]) -> str | None:
    """The one known name ``column`` equals regardless of case, also as ``item___code``."""
    found = by_lower.get(column.lower(), [])
    if len(found) == 1:
        return found[0]
    item, sep, code = column.partition("___")
    found = by_lower.get(item.lower(), []) if sep and code else []
    return f"{found[0]}___{code}" if len(found) == 1 else None


def _as_written(problem: Problem, original: dict[str, str]) -> Problem:
    """A problem named with the column as the file writes it."""
    if problem.column in original:
        return replace(problem, column=original[problem.column])
    return problem


def no_rows_problem(path: str | Path) -> Problem:
    """The problem of a table file that has a header but no rows (said the same by every command)."""
    return Problem(
        f"{path} has a header but no rows.",
        fix="check that this is the file you meant and that the answers were saved in it "
        "(an export of a study with no responses has only its header).",
    )


def require_rows(frame: pd.DataFrame, path: str | Path) -> None:
    """Raise :class:`ResponsesError` ("FILE has a header but no rows") if ``frame`` is empty."""
    if len(frame) == 0:
        raise ResponsesError([no_rows_problem(path)], file=str(path))


def read_raw_text(
    path: Path, fmt: str, zip_limits: ZipLimits = DEFAULT_LIMITS, *, allow_empty: bool = False
) -> pd.DataFrame:
    """The file's cells as text, before any validation (empty cells are missing).

    Problems reading it are a :class:`ResponsesError` naming the file and the fix.  An XLSX
    file is checked against ``zip_limits`` before it is unpacked (:func:`check_xlsx`).  A file
    with a header but no rows is refused (:func:`require_rows`) unless ``allow_empty``.
    """
    raw = _read_raw_text(path, fmt, zip_limits)
    if not allow_empty:
        require_rows(raw, path)
    return raw


STAT_FORMATS = ("sav", "dta")
# A code that a checkbox column may name as it is (as validate's CHECKBOX_COLUMN reads it).
CHECKBOX_CODE = re.compile(r"[A-Za-z0-9_.-]+")


def read_stat_file(path: Path, fmt: str) -> StatFile:
    """An SPSS or Stata file's cells, declared missing answers as
    :class:`readiness.responses.declared.DeclaredMissing`, and its value labels.  A file that
    cannot be read is a :class:`ResponsesError` naming it and the fix."""
    if not path.exists():
        raise ReadinessError(f"{path}: no such file. Fix: check the path.")
    name = {"sav": "SPSS", "dta": "Stata"}[fmt]
    try:
        return read_stat_cells(path, fmt)
    except Exception as err:  # pyreadstat raises its own error types
        if not (
            isinstance(err, OSError | ValueError) or type(err).__module__.startswith("pyreadstat")
        ):
            raise
        raise ResponsesError(
            [
                Problem(
                    f"could not be read as a {name} file: {err}",
                    fix=f"check that the file really is a {name} file and is not damaged.",
                    file=str(path),
                )
            ],
            file=str(path),
        ) from err


def _read_raw_text(path: Path, fmt: str, zip_limits: ZipLimits) -> pd.DataFrame:
    if fmt in STAT_FORMATS:
        return read_stat_file(path, fmt).frame
    if fmt != "xlsx":
        try:
            return read_table(path, as_text=True)
        except ResponsesError:
            raise
        except (ValueError, OSError, UnicodeError) as err:  # e.g. a NUL byte in a CSV
            raise ResponsesError(
                [
                    Problem(
                        f"could not be read as {fmt.upper()}: {err}",
                        fix=f"check that the file really is a {fmt.upper()} file.",
                        file=str(path),
                    )
                ],
                file=str(path),
            ) from err
    # Read XLSX here rather than through read_table so that cells holding "NA", "null" or
    # "nan" stay text: only empty cells are missing.
    if not path.exists():
        raise ReadinessError(f"{path}: no such file. Fix: check the path.")
    check_xlsx(path, zip_limits)
    try:
        return pd.read_excel(
            path, dtype=str, engine="openpyxl", keep_default_na=False, na_values=[""]
        )
    except Exception as err:  # openpyxl raises many types for damaged files
        raise ResponsesError(
            [
                Problem(
                    f"could not be read as XLSX: {err}",
                    fix="check that the file really is an XLSX workbook and is not damaged.",
                    file=str(path),
                )
            ],
            file=str(path),
        ) from err


def problem_locator(path: Path, fmt: str, raw: pd.DataFrame):
    """A function that adds the CSV line, or the XLSX sheet and cell, to a problem."""
    if fmt == "csv":
        header, lines = _csv_lines(path, len(raw))

        def locate_csv(problem: Problem) -> Problem:
            if problem.row is not None and lines is not None and problem.row <= len(lines):
                return replace(problem, line=lines[problem.row - 1])
            if problem.row is None and problem.column is not None and header is not None:
                return replace(problem, line=header)
            return problem

        return locate_csv
    if fmt == "xlsx":
        sheet, header_row = _xlsx_sheet(path)
        positions = {str(c): i for i, c in enumerate(raw.columns)}

        def locate_xlsx(problem: Problem) -> Problem:
            changes: dict = {"sheet": sheet}
            if problem.column in positions:
                letter = _column_letter(positions[problem.column])
                row = header_row if problem.row is None else header_row + problem.row
                changes["message"] = f"{problem.message} (cell {letter}{row})"
            return replace(problem, **changes)

        return locate_xlsx
    return lambda problem: problem


def _csv_lines(path: Path, n_rows: int) -> tuple[int | None, list[int] | None]:
    """The line of the header and the line each data row starts on, as pandas counts rows.

    pandas skips blank lines; so does this.  If the two disagree on the number of rows (a
    malformed file), no lines are given rather than wrong ones.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header: int | None = None
            lines: list[int] = []
            start = 1
            for record in reader:
                end = reader.line_num
                if record and not (len(record) == 1 and record[0].strip() == ""):
                    if header is None:
                        header = start
                    else:
                        lines.append(start)
                start = end + 1
    except (csv.Error, UnicodeError, OSError):
        return None, None
    return header, (lines if len(lines) == n_rows else None)


def _xlsx_sheet(path: Path) -> tuple[str | None, int]:
    """The name of the first sheet and the row of its header (the first non-empty row)."""
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            sheet = book.worksheets[0]
            for number, row in enumerate(sheet.iter_rows(values_only=True, max_row=1000), 1):
                if any(v is not None and str(v).strip() != "" for v in row):
                    return sheet.title, number
            return sheet.title, 1
        finally:
            book.close()
    except Exception:  # the data were read already; only the location is lost
        return None, 1


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
