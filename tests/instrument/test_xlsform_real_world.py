"""XLSForms as people write them: list names in any case, the legacy select forms, single-colon
language columns, .xls and CSV forms, sheets that claim a million rows."""

from __future__ import annotations

import csv
import re
import struct
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from readiness.cli import main
from readiness.errors import ConversionError
from readiness.instrument.load import load_instrument
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


# --- 2. .xls workbooks and CSV forms --------------------------------------------------------


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _text(value: str) -> bytes:
    units = value.encode("utf-16-le")
    return struct.pack("<HB", len(units) // 2, 1) + units


def _sheet_stream(rows: list[list]) -> bytes:
    out = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int | float):
                out += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
            else:
                out += _record(0x0204, struct.pack("<HHH", r, c, 0) + _text(str(value)))
    return out + _record(0x000A, b"")


def write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A BIFF8 workbook stream (what an .xls holds inside its container), which xlrd and
    therefore pyxform read: label and number cells, one stream per sheet."""
    bof = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
    bounds = [struct.pack("<IBB", 0, 0, 0) + struct.pack("<B", len(n)) + b"\x01" for n in sheets]
    names = [n.encode("utf-16-le") for n in sheets]
    head = len(bof) + sum(4 + len(b) + len(n) for b, n in zip(bounds, names, strict=True)) + 4
    streams = [_sheet_stream(rows) for rows in sheets.values()]
    offset, globals_ = head, bof
    for bound, name, stream in zip(bounds, names, streams, strict=True):
        globals_ += _record(0x0085, struct.pack("<I", offset) + bound[4:] + name)
        offset += len(stream)
    path.write_bytes(globals_ + _record(0x000A, b"") + b"".join(streams))
    return path


FORM = {
    "survey": [
        ["type", "name", "label::English (en)", "hint::English (en)", "required"],
        ["select_one Role", "role", "Your role", "Choose one", "yes"],
        ["integer", "years", "Years qualified", None, None],
    ],
    "choices": [
        ["list_name", "name", "label::English (en)"],
        ["Role", "nurse", "Nurse"],
        ["Role", "doctor", "Doctor"],
        ["Role", 3, "Other 🩺"],
    ],
    "settings": [["form_title", "form_id", "version"], ["Staff check", "staff_check", 4]],
}


def _check_form(inst) -> None:
    assert (inst.id, inst.version, inst.title) == ("staff_check", "4", "Staff check")
    role = inst.item("role")
    assert (role.type, role.codes, role.required) == ("single_choice", ("nurse", "doctor", 3), True)
    assert [c.label for c in role.choices][-1] == "Other 🩺"
    assert (role.text, role.help) == ("Your role", "Choose one")
    assert inst.item("years").integer


def test_xls_workbooks_are_read(tmp_path):
    path = write_xls(tmp_path / "form.xls", FORM)
    compiles(path)
    _check_form(read_xlsform(path).instrument)


def write_form_csv(path: Path, sheets: dict[str, list[list]]) -> Path:
    """pyxform's CSV layout: a sheet's name alone in the first column, then its header and rows
    shifted one column to the right."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        for name, rows in sheets.items():
            out.writerow([name])
            for row in rows:
                out.writerow(["", *("" if v is None else v for v in row)])
    return path


def test_csv_forms_are_read(tmp_path):
    path = write_form_csv(tmp_path / "form.csv", FORM)
    compiles(path)
    _check_form(read_xlsform(path).instrument)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("type,name,label\ntext,a,A\n", "no 'survey' sheet"),
        ("survey\n,type,name,label\n,text,a\n\xff", "not UTF-8"),
        ("", "no 'survey' sheet"),
    ],
)
def test_a_csv_that_is_not_an_xlsform_is_a_clear_error(tmp_path, text, says):
    path = tmp_path / "dictionary.csv"
    path.write_bytes(text.encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    with pytest.raises(ConversionError, match=says):
        read_xlsform(path)


def test_cli_imports_xls_and_csv_forms(tmp_path, capsys):
    for path in (write_xls(tmp_path / "f.xls", FORM), write_form_csv(tmp_path / "f.csv", FORM)):
        out = tmp_path / f"{path.suffix[1:]}.yaml"
        assert main(["instrument", "import", str(path), "--out", str(out)]) == 0
        assert "Wrote" in capsys.readouterr().out
        _check_form(load_instrument(out))


# --- 3. sheets that claim a million rows ----------------------------------------------------

MILLION = 1_048_576


def claim_rows(path: Path, empty_rows: bool) -> Path:
    """Make every sheet of ``path`` claim rows to the last one Excel has: a dimension of
    A1:Z1048576 and, with ``empty_rows``, every row to 1,048,576 present, formatted and empty
    (as a spreadsheet program saves a sheet after a whole column was formatted)."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    for name, data in members.items():
        if not re.match(r"xl/worksheets/sheet\d+\.xml$", name):
            continue
        text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:Z{MILLION}"', data.decode())
        if empty_rows:
            last = max(int(r) for r in re.findall(r'<row r="(\d+)"', text))
            filler = "".join(
                f'<row r="{r}" s="1" customFormat="1"/>' for r in range(last + 1, MILLION + 1)
            )
            text = text.replace("</sheetData>", filler + "</sheetData>")
        members[name] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


@pytest.mark.parametrize("empty_rows", [False, True])
def test_sheets_claiming_a_million_rows_stop_at_the_last_row_with_content(tmp_path, empty_rows):
    sheets = {name: rows + [[None]] * 3 + [rows[1]] for name, rows in FORM.items()}  # a gap
    sheets["survey"][-1] = ["text", "after_gap", "Still read after three empty rows"]
    sheets["choices"][-1] = ["Role", "porter", "Porter"]
    path = claim_rows(workbook(tmp_path / "big.xlsx", sheets), empty_rows)
    started = time.process_time()
    inst = read_xlsform(path).instrument
    assert time.process_time() - started < 5  # the benchmark holds the 1 s target
    assert inst.item("after_gap").text == "Still read after three empty rows"
    assert inst.item("role").codes == ("nurse", "doctor", 3, "porter")
