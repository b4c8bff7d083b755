"""XLSForm round trips keep the form's shape: questions outside any group stay outside, names
reused in different groups are renamed (and reported), choice names as ODK allows them."""

from __future__ import annotations

import pytest
from pyxform.xls2xform import convert

from readiness.errors import ConversionError
from readiness.instrument.dump import instrument_to_data, instrument_to_yaml
from readiness.instrument.load import parse_instrument
from readiness.instrument.xlsform import read_xlsform, write_xlsform
from tests.instrument.workbooks import workbook


def test_a_section_that_is_not_a_group_survives_yaml():
    text = """
id: flat
version: 1
title: Flat
sections:
  - id: main
    title: Flat
    group: false
    items: [{id: a, type: text, text: A}]
"""
    inst = parse_instrument(text)
    assert inst.sections[0].group is False
    assert "group: false" in instrument_to_yaml(inst)
    assert parse_instrument(instrument_to_yaml(inst)) == inst


FLAT = {
    "survey": [
        ["type", "name", "label", "relevant"],
        ["text", "first", "First, outside any group"],
        ["begin group", "about", "About you"],
        ["select_one colour", "colour", "Favourite colour"],
        ["text", "q1", "Anything?"],
        ["end group"],
        ["begin group", "later", "Later"],
        ["text", "q1", "Anything else?"],
        ["end group"],
        ["integer", "last", "Last, outside again", "${colour} = 'dark blue'"],
    ],
    "choices": [
        ["list_name", "name", "label"],
        ["colour", "dark blue", "Dark blue"],
        ["colour", "red/pink", "Red or pink"],
        ["colour", "red/pink", "Pinkish red"],
    ],
    "settings": [
        ["form_title", "form_id", "version", "allow_choice_duplicates"],
        ["Flat form", "flat", "1", "yes"],
    ],
}


def paths(xform: str) -> set[str]:
    import re

    return set(re.findall(r'nodeset="(/data/[^"]+)"', xform))


@pytest.fixture
def flat(tmp_path):
    path = workbook(tmp_path / "flat.xlsx", FLAT)
    before = paths(convert(str(path)).xform)
    return path, before, read_xlsform(path)


def test_questions_outside_groups_are_not_wrapped_in_a_group(flat, tmp_path):
    path, before, result = flat
    inst = result.instrument
    assert [s.group for s in inst.sections] == [False, True, True, False]
    out = tmp_path / "out.xlsx"
    write_xlsform(inst, out)
    after = paths(convert(str(out)).xform)
    assert {"/data/first", "/data/last", "/data/about/colour"} <= after
    assert not any(p.startswith("/data/main") for p in after)
    # the same data paths as the original form, the renamed question apart
    assert before - after == {"/data/later/q1"} and after - before == {"/data/later/later_q1"}
    assert instrument_to_data(read_xlsform(out).instrument) == instrument_to_data(inst)


def test_names_reused_in_different_groups_are_renamed_and_reported(flat):
    _, _, result = flat
    inst = result.instrument
    assert inst.item("q1").text == "Anything?"
    assert inst.item("later_q1").text == "Anything else?"
    (note,) = [n for n in result.warnings if n.field == "later_q1"]
    assert "'q1'" in note.message and note.row == 7


def test_same_name_in_one_group_is_still_refused(tmp_path):
    sheets = {"survey": [["type", "name", "label"], ["text", "a", "A"], ["text", "a", "Again"]]}
    with pytest.raises(ConversionError, match="used twice"):
        read_xlsform(workbook(tmp_path / "dup.xlsx", sheets))


def test_choice_names_with_spaces_and_allowed_duplicates(flat):
    _, _, result = flat
    colour = result.instrument.item("colour")
    assert colour.codes == ("dark blue", "red/pink")
    assert colour.choices[1].label == "Red or pink"
    assert any(n.row == 3 and "allow" in n.message for n in result.warnings)
    assert result.instrument.item("last").show_if is not None


def test_duplicate_choices_without_the_setting_are_refused(tmp_path):
    sheets = {k: v for k, v in FLAT.items() if k != "settings"}
    with pytest.raises(ConversionError, match="allow_choice_duplicates"):
        read_xlsform(workbook(tmp_path / "d.xlsx", sheets))


def test_a_select_multiple_choice_with_a_space_is_refused(tmp_path):
    sheets = dict(FLAT)
    sheets["survey"] = [FLAT["survey"][0], ["select_multiple colour", "colours", "Colours"]]
    with pytest.raises(ConversionError, match="space") as caught:
        read_xlsform(workbook(tmp_path / "m.xlsx", sheets))
    assert caught.value.problems[0].sheet == "survey"
