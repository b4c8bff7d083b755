"""Hostile XLSX files for the tests: built here, a few hundred kilobytes on disk."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>discipline</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>'
)
_TAIL = "</t></is></c></row></sheetData></worksheet>"


def bomb_xlsx(path: Path, megabytes: int = 64) -> Path:
    """A valid XLSX whose one text cell is ``megabytes`` MB of the letter a: openpyxl would
    read it whole, yet it packs about a thousand times smaller."""
    ordinary = path.with_name(path.stem + "-ordinary.xlsx")
    pd.DataFrame({"discipline": ["1"]}).to_excel(ordinary, index=False)
    with (
        zipfile.ZipFile(ordinary) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for member in source.infolist():
            if member.filename != SHEET:
                bomb.writestr(member, source.read(member))
        with bomb.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(_HEAD.encode())
            block = b"a" * (1024 * 1024)
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(_TAIL.encode())
    ordinary.unlink()
    return path
