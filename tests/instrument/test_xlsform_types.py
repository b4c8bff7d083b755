"""XLSForm question types beyond choices, numbers and text: dates and times, notes,
calculations, ranges, appearances and constraint messages; what stays out is named."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from pyxform.xls2xform import convert

from readiness.instrument.conditions import All, Leaf
from readiness.instrument.dump import instrument_to_data
from readiness.instrument.xlsform import read_xlsform, write_xlsform
from tests.instrument.workbooks import workbook

HEADER = ["type", "name", "label", "appearance", "calculation", "parameters", "constraint",
          "constraint_message", "required"]  # fmt: skip
FORM = {
    "survey": [
        HEADER,
        ["note", "welcome", "Diolch — thank you for taking part 🙏"],
        ["select_one yn", "seen", "Have you seen a patient?", None, None, None, None, None, "yes"],
        ["select_one role", "role", "Your role", "minimal"],
        ["date", "when_seen", "When?", "no-calendar"],
        ["time", "shift_start", "Shift start"],
        ["dateTime", "logged_at", "Logged at"],
        ["range", "stress", "Stress today", None, None, "start=0 end=10 step=1"],
        ["integer", "hours", "Hours", None, None, None, ". >= 0 and . <= 24", "0 to 24 hours"],
        ["text", "notes", "Anything else?", "multiline"],
        ["calculate", "seen_nurse", None, None, "if(${seen} = '1' and ${role} = 'nurse', 1, 0)"],
        ["calculate", "band", None, None, "if(${hours} < 30, 'short', 'long')"],
        ["begin repeat", "cases", "Cases"],
        ["text", "case_desc", "Describe the case"],
        ["end repeat"],
        ["geopoint", "where", "Where are you?"],
        ["image", "photo", "A photo"],
    ],
    "choices": [
        ["list_name", "name", "label"],
        ["yn", "1", "Yes"],
        ["yn", "0", "No"],
        ["role", "nurse", "Nurse"],
        ["role", "doctor", "Doctor"],
    ],
    "settings": [["form_title", "form_id", "version", "style"], ["Types", "types", "1", "pages"]],
    "entities": [["list_name", "label"], ["patients", "${seen}"]],
}


def read(tmp_path: Path):
    path = workbook(tmp_path / "types.xlsx", FORM)
    convert(str(path))  # pyxform accepts the form
    return read_xlsform(path)


def test_dates_times_notes_ranges_and_appearances_are_read(tmp_path):
    inst = read(tmp_path).instrument
    types = {i.id: i.type for i in inst.items}
    assert types["welcome"] == "note" and inst.item("welcome").text.endswith("🙏")
    assert (types["when_seen"], types["shift_start"], types["logged_at"]) == (
        "date",
        "time",
        "datetime",
    )
    assert inst.item("when_seen").appearance == "no-calendar"
    assert inst.item("role").appearance == "minimal"  # ODK's dropdown, kept as written
    assert inst.item("notes").appearance == "multiline"
    stress = inst.item("stress")
    assert (stress.type, stress.minimum, stress.maximum, stress.integer) == ("number", 0, 10, True)
    assert stress.appearance == "slider"
    assert inst.item("hours").constraint_message == "0 to 24 hours"


def test_a_calculation_in_the_conditions_language_is_read(tmp_path):
    inst = read(tmp_path).instrument
    calc = inst.item("seen_nurse")
    assert calc.type == "calculate"
    assert calc.calculation == All((Leaf("seen", "equals", 1), Leaf("role", "equals", "nurse")))


def test_what_cannot_be_held_is_named_item_by_item(tmp_path):
    result = read(tmp_path)
    lost = {n.field: n.message for n in result.unmapped}
    assert "band" in lost and "calculation" in lost["band"]
    assert {"cases", "case_desc", "where", "photo"} <= set(lost)
    every = " ".join(n.message for n in result.unmapped + result.warnings)
    assert "ENTITIES" in every or "entities" in every
    assert any(n.column == "style" and "pages" in n.message for n in result.warnings)


def test_new_types_round_trip_and_pyxform_compiles_the_export(tmp_path):
    inst = read(tmp_path).instrument
    out = tmp_path / "out.xlsx"
    written = write_xlsform(inst, out)
    assert written.unmapped == []
    xform = convert(str(out)).xform
    assert 'type="dateTime"' in xform and 'type="time"' in xform
    assert "<range" in xform and 'appearance="minimal"' in xform
    assert 'calculate="if(' in xform
    back = read_xlsform(out).instrument
    assert instrument_to_data(back) == instrument_to_data(inst)
    rows = list(openpyxl.load_workbook(out)["survey"].iter_rows(values_only=True))
    by_name = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[1]}
    assert by_name["logged_at"]["type"] == "dateTime"
    assert by_name["welcome"]["type"] == "note"
    assert by_name["stress"]["type"] == "range"


def test_a_calculation_on_a_note_or_a_later_question_is_named_not_fatal(tmp_path):
    path = workbook(
        tmp_path / "calc.xlsx",
        {
            "survey": [
                ["type", "name", "label", "calculation"],
                ["note", "hello", "Hello"],
                ["calculate", "on_note", None, "if(${hello} != '', 1, 0)"],
                ["calculate", "on_later", None, "if(${age} > 30, 1, 0)"],
                ["integer", "age", "Age"],
            ]
        },
    )
    convert(str(path))
    result = read_xlsform(path)
    assert {n.field for n in result.unmapped} == {"on_note", "on_later"}
    assert [i.id for i in result.instrument.items] == ["hello", "age"]


def test_a_slider_with_one_point_is_written_as_an_integer_that_pyxform_compiles(tmp_path):
    inst = read(tmp_path).instrument
    from dataclasses import replace

    stress = replace(inst.item("stress"), minimum=3.0, maximum=3.0)
    inst = replace(inst, items=tuple(stress if i.id == "stress" else i for i in inst.items))
    out = tmp_path / "one.xlsx"
    write_xlsform(inst, out)
    convert(str(out))
    back = read_xlsform(out).instrument.item("stress")
    assert (back.minimum, back.maximum, back.appearance) == (3, 3, "slider")
