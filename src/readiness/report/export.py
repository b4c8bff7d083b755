"""The report's tables as CSV and XLSX files for journals: the same cells as the report, with the
same suppression.

* CSV: UTF-8 with a byte-order mark (so that spreadsheet programs read the symbols), one header
  row of flattened column names (``Indicator; discipline``), the row group (indicator, scale,
  characteristic) as the first column, cells exactly as the report prints them (negative
  numbers with a minus sign, U+2212), except that text starting like a spreadsheet formula
  (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets an apostrophe before it.
* XLSX: the caption in the first row, the header, the rows with numbers as numbers (rounded as
  printed, with a matching number format) and ``[c]`` where a cell is suppressed, and the
  table's notes below; text is always a text cell, never a formula.
"""

from __future__ import annotations

import csv
from pathlib import Path

from readiness.instrument.model import Instrument
from readiness.report.model import Table
from readiness.report.suppression import DEFAULT_MIN_CELL
from readiness.tabular import atomic_write, formula_safe_values, xlsx_row


def write_csv(table: Table, path: Path) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(formula_safe_values(table.export_columns()))
            for row in table.export_rows(as_text=True):
                writer.writerow(formula_safe_values(row))

    atomic_write(path, write)


def write_xlsx(table: Table, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Table {table.number}"[:31]
    sheet.append(xlsx_row(sheet, [table.caption]))
    sheet["A1"].font = Font(bold=True, size=12)
    columns = table.export_columns()
    sheet.append(xlsx_row(sheet, columns))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    formats: list[list[str | None]] = []
    for body in table.bodies:
        for row in body.rows:
            lead: list[str | None] = [None] if table.group_column else []
            formats.append(
                lead + [f for c in row for f in [c.number_format] + [None] * (c.colspan - 1)]
            )
    for values, row_formats in zip(table.export_rows(), formats, strict=True):
        sheet.append(xlsx_row(sheet, values))
        for cell, number_format in zip(sheet[sheet.max_row], row_formats, strict=False):
            if number_format and isinstance(cell.value, int | float):
                cell.number_format = number_format
            if isinstance(cell.value, str) and cell.value == "[c]":
                cell.alignment = Alignment(horizontal="right")
    sheet.append([])
    for note in table.notes:
        sheet.append(xlsx_row(sheet, [note]))
    for index, name in enumerate(columns, start=1):
        letter = sheet.cell(row=2, column=index).column_letter
        width = max([len(str(name))] + [len(str(v[index - 1])) for v in table.export_rows()])
        sheet.column_dimensions[letter].width = min(max(8, width + 2), 60)
    sheet.freeze_panes = "A3"
    atomic_write(path, lambda tmp: workbook.save(tmp))


def write_tables(
    result, instrument: Instrument, directory, *, min_cell: int = DEFAULT_MIN_CELL
) -> list[Path]:
    """Write every table of the report (Tables 1 to 5 and the indicator definitions) as CSV and
    XLSX into ``directory`` (created if needed); return the paths written, CSV before XLSX for
    each table.  Small cells are suppressed as in the report."""
    from readiness.report.html import report_tables

    tables, _ = report_tables(result, instrument, min_cell=min_cell)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, table in tables.items():
        if number == "B1":  # the checklist is a form for the author, not a results table
            continue
        csv_path = directory / f"{table.slug}.csv"
        xlsx_path = directory / f"{table.slug}.xlsx"
        write_csv(table, csv_path)
        write_xlsx(table, xlsx_path)
        written += [csv_path, xlsx_path]
    return written


__all__ = ["write_csv", "write_tables", "write_xlsx"]
