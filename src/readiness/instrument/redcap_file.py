"""A REDCap data dictionary's rows: the CSV file read, its headers found, its fatal problems."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from readiness.errors import ConversionError, Problem
from readiness.instrument.interop import ConversionNote, FileReader
from readiness.instrument.redcap_columns import (
    API_COLUMNS,
    CHOICE_FIELDS,
    DESIGNER_COLUMNS,
    FIELD_TYPES,
    REQUIRED_COLUMNS,
    column_for,
)
from readiness.instrument.redcap_fields import Choices, parse_choices

# R's write.csv writes a missing value as NA: a cell holding only NA is an empty cell.
R_MISSING = "NA"


@dataclass
class Row:
    number: int  # 1-based data row, header excluded
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


class DictionaryFile(FileReader):
    """The dictionary's file: rows by our column names, and notes with the file's headers."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.headers: dict[str, str] = {}  # our column -> the file's header

    def note(
        self, kind: str, row: Row | None, column: str | None, message: str, fix: str = ""
    ) -> None:
        target = self.unmapped if kind == "unmapped" else self.warnings
        target.append(
            ConversionNote(
                message=message,
                fix=fix,
                field=(row["field_name"] or None) if row else None,
                file=self.file,
                row=row.number if row else None,
                column=self.headers.get(column, column) if column else None,
            )
        )

    def problem(self, row: Row | None, column: str | None, message: str, fix: str) -> Problem:
        field_name = row["field_name"] if row else ""
        return Problem(
            message=(f"{field_name}: " if field_name else "") + message,
            fix=fix,
            file=self.file,
            row=row.number if row else None,
            column=self.headers.get(column, column) if column else None,
        )

    # the file -----------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        table = self._table()
        index = self._columns(table[0])
        rows, missing = [], 0
        for number, cells in enumerate(table[1:], start=1):
            if not any(cell.strip() for cell in cells):
                continue
            values = {}
            for column, position in index.items():
                value = cells[position].strip() if position < len(cells) else ""
                if value == R_MISSING:
                    value, missing = "", missing + 1
                values[column] = value
            rows.append(Row(number, values))
        if not rows:
            raise self.fatal(
                "the data dictionary has a header but no fields.", "add the fields, one per row."
            )
        if missing:
            self.warnings.append(
                ConversionNote(
                    message=f"{missing} cells hold NA, as R writes an empty value; read as empty.",
                    file=self.file,
                )
            )
        return rows

    def _table(self) -> list[list[str]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise self.fatal("no such file.", "check the path.") from None
        except OSError as err:
            raise self.fatal(f"cannot be read: {err.strerror}.", "check the path.") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise self.fatal(
                f"not UTF-8 text (byte {err.start}).", "save the data dictionary as CSV UTF-8."
            ) from None
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as err:
            raise self.fatal(f"not a readable CSV file: {err}.", "save it as CSV.") from None
        if not table or not any(cell.strip() for cell in table[0]):
            raise self.fatal(
                "the file is empty: a data dictionary starts with a header row.",
                "download the data dictionary from REDCap again.",
            )
        return table

    def _columns(self, header: list[str]) -> dict[str, int]:
        """Our column -> its position; fatal when a required column is missing or doubled."""
        problems: list[Problem] = []
        index: dict[str, int] = {}
        unknown = []
        for position, name in enumerate(header):
            column = column_for(name)
            if column is None:
                if name.strip():
                    unknown.append(name)
            elif column in index:
                problems.append(
                    Problem(
                        f"column '{name}' appears twice (as '{header[index[column]]}').",
                        fix="remove one of them.",
                        file=self.file,
                        column=name,
                    )
                )
            else:
                index[column] = position
                self.headers[column] = name.strip()
        problems += [
            self._missing(column, header) for column in REQUIRED_COLUMNS if column not in index
        ]
        if problems:
            raise ConversionError(problems, file=self.file)
        for name in unknown:
            self.warnings.append(
                ConversionNote(
                    message=f"column '{name}' is not a REDCap data dictionary column; ignored.",
                    fix="remove it, or check its spelling.",
                    file=self.file,
                    column=name,
                )
            )
        return index

    def _missing(self, column: str, header: list[str]) -> Problem:
        designer = DESIGNER_COLUMNS[API_COLUMNS.index(column)]
        return Problem(
            f"the required column '{designer}' (API: {column}) is missing.",
            fix="use REDCap's data dictionary headers; found: "
            + ", ".join(h for h in header if h.strip())
            + ".",
            file=self.file,
        )

    # fatal problems -----------------------------------------------------------------------
    def check(self, rows: list[Row]) -> dict[str, Choices]:
        """Fatal problems, all at once; returns the parsed choices of each field."""
        problems: list[Problem] = []
        seen: dict[str, int] = {}
        forms: list[str] = []
        choices: dict[str, Choices] = {}
        for row in rows:
            problems += self._check_name(row, seen) + self._check_form(row, forms)
            kind = row["field_type"].lower()
            if kind not in FIELD_TYPES:
                problems.append(
                    self.problem(
                        row,
                        "field_type",
                        f"field type {row['field_type']!r} is not a REDCap field type.",
                        "use one of " + ", ".join(FIELD_TYPES) + ".",
                    )
                )
            if kind in CHOICE_FIELDS:
                parsed, errors = parse_choices(row["select_choices_or_calculations"])
                column = "select_choices_or_calculations"
                problems += [self.problem(row, column, m, fix) for m, fix in errors]
                if not errors:
                    choices[row["field_name"]] = parsed
        if problems:
            raise ConversionError(problems, file=self.file)
        return choices

    def _check_name(self, row: Row, seen: dict[str, int]) -> list[Problem]:
        name = row["field_name"]
        if not name:
            return [self.problem(row, "field_name", "the field has no name.", "name every field.")]
        if name in seen:
            return [
                self.problem(
                    row,
                    "field_name",
                    f"the field name is used twice (first at row {seen[name]}).",
                    "give each field its own name.",
                )
            ]
        seen[name] = row.number
        return []

    def _check_form(self, row: Row, forms: list[str]) -> list[Problem]:
        form = row["form_name"]
        if not form:
            return [self.problem(row, "form_name", "the field has no form name.", "name its form.")]
        if forms and forms[-1] == form:
            return []
        forms.append(form)
        if form in forms[:-1]:
            return [
                self.problem(
                    row,
                    "form_name",
                    f"form '{form}' starts again after other forms; REDCap keeps a form's fields "
                    "together.",
                    f"move all the fields of '{form}' next to each other.",
                )
            ]
        return []
