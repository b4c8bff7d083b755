"""Spreadsheets the XLSForm tests write: one workbook of named sheets, rows as given."""

from pathlib import Path

import openpyxl


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path
