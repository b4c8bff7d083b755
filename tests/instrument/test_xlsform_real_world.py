"""XLSForms as people write them: list names in any case, the legacy select forms, single-colon
language columns, .xls and CSV forms, sheets that claim a million rows."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from readiness.instrument.xlsform import read_xlsform


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def compiles(path: Path) -> None:
    convert(str(path))  # raises when pyxform refuses the form


# --- 1. list names, legacy select forms, label:Language ------------------------------------


def test_list_names_are_case_sensitive_and_kept_as_written(tmp_path):
    path = workbook(
        tmp_path / "cases.xlsx",
        {
            "survey": [
                ["type", "name", "label"],
                ["select_one Sex", "sex", "Sex at birth"],
                ["select_one sex", "sex_now", "Gender now 🙂"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["Sex", "F", "Female"],
                ["Sex", "M", "Male"],
                ["sex", "w", "Woman"],
                ["sex", "m", "Man"],
                ["sex", "o", "In another way"],
            ],
        },
    )
    compiles(path)
    inst = read_xlsform(path).instrument
    assert inst.item("sex").codes == ("F", "M")
    assert inst.item("sex_now").codes == ("w", "m", "o")


@pytest.mark.parametrize(
    ("one", "many"),
    [
        ("select one from yn", "select all that apply from acts"),
        ("select_one yn", "select all that apply acts"),
        ("select one yn", "select_multiple acts"),
    ],
)
def test_legacy_select_forms(tmp_path, one, many):
    path = workbook(
        tmp_path / "legacy.xlsx",
        {
            "survey": [
                ["type", "name", "label"],
                [one, "seen", "Seen?"],
                [many, "did", "Did?"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["yn", "yes", "Yes"],
                ["yn", "no", "No"],
                ["acts", "1", "Told my manager"],
                ["acts", "2", "Called the police"],
            ],
        },
    )
    compiles(path)
    inst = read_xlsform(path).instrument
    assert (inst.item("seen").type, inst.item("seen").codes) == ("single_choice", ("yes", "no"))
    assert (inst.item("did").type, inst.item("did").codes) == ("multiple_choice", (1, 2))


def test_single_colon_language_columns(tmp_path):
    path = workbook(
        tmp_path / "colon.xlsx",
        {
            "survey": [
                ["type", "name", "label:English", "hint:English"],
                ["select_one yn", "seen", "Have you seen a patient?", "Think of the last year"],
            ],
            "choices": [
                ["list_name", "name", "label:English"],
                ["yn", "1", "Yes"],
                ["yn", "0", "No"],
            ],
        },
    )
    compiles(path)
    inst = read_xlsform(path).instrument
    seen = inst.item("seen")
    assert (seen.text, seen.help) == ("Have you seen a patient?", "Think of the last year")
    assert [c.label for c in seen.choices] == ["Yes", "No"]
