"""XLSForm: round trips, pyxform compiles our export, a hand-written form, unmapped features,
broken workbooks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from readiness.errors import ConversionError
from readiness.instrument import build_instrument, instrument_to_data
from readiness.instrument.conditions import All, Leaf, Not
from readiness.instrument.interop import ExpressionError, parse_xlsform_relevant
from readiness.instrument.xlsform import read_xlsform, write_xlsform
from tests.instrument.workbooks import workbook

FIXTURES = Path(__file__).parent / "fixtures"
XF = "{http://www.w3.org/2002/xforms}"


def compile_xform(path: Path) -> tuple[ET.Element, list[str]]:
    warnings: list[str] = []
    result = convert(str(path), warnings=warnings)
    return ET.fromstring(result.xform), warnings


def binds(root: ET.Element) -> dict[str, dict[str, str]]:
    return {b.get("nodeset").rsplit("/", 1)[-1]: b.attrib for b in root.iter(f"{XF}bind")}


# --- round trip of the shipped instrument -------------------------------------------------


def test_shipped_instrument_survives_a_round_trip(survey, tmp_path):
    path = tmp_path / "survey.xlsx"
    written = write_xlsform(survey, path)
    assert written.unmapped == []
    back = read_xlsform(path)
    # everything travels, scales, indicators and the Welsh included (in sheets pyxform ignores)
    assert instrument_to_data(back.instrument) == instrument_to_data(survey)
    assert back.instrument.items == survey.items
    assert back.instrument.sections == survey.sections
    assert back.instrument.scales == survey.scales
    assert back.instrument.indicators == survey.indicators
    assert back.unmapped == []


def test_pyxform_compiles_our_export_with_the_relevant_expressions(survey, tmp_path):
    path = tmp_path / "survey.xlsx"
    write_xlsform(survey, path)
    root, warnings = compile_xform(path)
    # The range messages Readiness writes are English only: ODK shows them to Welsh users too.
    assert warnings == ["Language 'Cymraeg (cy)' is missing the survey constraint_message column."]
    instance = root.find(f".//{XF}instance/{XF}data")
    assert instance is not None and instance.get("id") == survey.id
    assert instance.get("version") == survey.version
    by_name = binds(root)
    paths = {item.id: f"/data/{item.section}/{item.id}" for item in survey.items}
    for item in survey.items:
        relevant = by_name[item.id].get("relevant")
        if item.show_if is None:
            assert relevant is None, item.id
            continue
        assert relevant is not None, item.id
        assert isinstance(item.show_if, Leaf) and item.show_if.op == "equals"
        expected = f"{paths[item.show_if.item]} = '{item.show_if.value}'"
        assert re.sub(r"\s+", " ", relevant).strip() == expected
    assert by_name["years_qualified"]["type"] == "int"
    assert by_name["years_qualified"]["constraint"] == ". >= 0 and . <= 60"
    assert by_name["discipline"]["required"] == "true()"
    assert by_name["site"]["type"] == "string"  # hidden: a bind with no control
    assert root.find(f".//{XF}*[@ref='/data/about/site']") is None
    assert by_name["training_when"]["type"] == "date"
    likert = root.find(f".//{XF}select1[@ref='/data/perceived/pk_signs']")
    assert likert is not None and likert.get("appearance") == "likert"
    # our own columns and sheets stay out of the XForm
    text = ET.tostring(root, encoding="unicode")
    assert "readiness" not in text.replace("readiness-survey", "")


def test_written_workbook_layout(survey, tmp_path):
    path = tmp_path / "survey.xlsx"
    write_xlsform(survey, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["survey", "choices", "settings"]
    assert {"readiness", "readiness_scales", "readiness_indicators"} <= set(book.sheetnames)
    rows = list(book["survey"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in body if r[1]}
    assert by_name["about"]["type"] == "begin group"
    assert by_name["discipline"]["type"] == "select_one discipline"
    assert by_name["k_disclose"]["type"] == "select_one true_false_dk"
    assert by_name["k_disclose"]["readiness::type"] == "true_false"
    assert by_name["k_disclose"]["readiness::key"] == "0"
    assert by_name["training_when"]["appearance"] == "month-year"
    assert by_name["site"]["type"] == "hidden"
    assert by_name["profession_other"]["relevant"] == "${profession} = '8'"
    settings = list(book["settings"].iter_rows(values_only=True))
    assert settings == [("form_title", "form_id", "version"), (survey.title, survey.id, "1")]


def test_hidden_choice_and_number_items_and_section_conditions_round_trip(tmp_path):
    data = {
        "id": "hidden-things",
        "version": "2.1",
        "title": "Hidden things",
        "choice_sets": {"sites": [{"code": "a", "label": "Site A"}, {"code": "b", "label": "B"}]},
        "sections": [
            {
                "id": "setup",
                "title": "Set-up",
                "items": [
                    {
                        "id": "site",
                        "type": "single_choice",
                        "text": "Site",
                        "choices": "sites",
                        "hidden": True,
                    },
                    {
                        "id": "round",
                        "type": "number",
                        "text": "Wave",
                        "hidden": True,
                        "min": 1,
                        "max": 3,
                        "integer": True,
                    },
                    {"id": "ok", "type": "yes_no", "text": "Go on?"},
                ],
            },
            {
                "id": "more",
                "title": "More",
                "show_if": {
                    "not": {"any": [{"item": "ok", "equals": 0}, {"item": "round", "gt": 2}]}
                },
                "items": [{"id": "why", "type": "text", "text": "Why?", "required": True}],
            },
        ],
    }
    instrument = build_instrument(data)
    path = tmp_path / "h.xlsx"
    write_xlsform(instrument, path)
    back = read_xlsform(path)
    assert instrument_to_data(back.instrument) == instrument_to_data(instrument)
    root, _ = compile_xform(path)
    relevant = binds(root)["more"]["relevant"]
    assert "not(" in relevant and "/data/setup/ok" in relevant


def test_names_odk_reserves_are_refused_before_writing(tmp_path):
    data = {
        "id": "r",
        "version": 1,
        "title": "R",
        "sections": [
            {"id": "meta", "title": "M", "items": [{"id": "a", "type": "text", "text": "A"}]}
        ],
    }
    path = tmp_path / "r.xlsx"
    with pytest.raises(ConversionError, match="reserves") as caught:
        write_xlsform(build_instrument(data), path)
    assert caught.value.problems[0].column == "meta"
    assert not path.exists()


# --- the hand-written XLSForm -------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    return read_xlsform(FIXTURES / "xlsform_example.xlsx")


def test_hand_written_xlsform_is_itself_valid_for_pyxform():
    compile_xform(FIXTURES / "xlsform_example.xlsx")


def test_hand_written_xlsform_items_and_sections(example):
    inst = example.instrument
    assert (inst.id, inst.version, inst.title) == ("staff_check", "3", "Staff readiness check")
    assert [(s.id, s.title) for s in inst.sections] == [
        ("about", "About you"),
        ("experience", "Your experience"),
        ("followup", "Follow-up"),
        ("experience_2", "Your experience"),
    ]
    assert {i.id: i.type for i in inst.items} == {
        "role": "single_choice",
        "role_other": "text",
        "age": "number",
        "hours": "number",
        "started": "month_year",
        "site": "text",
        "seen": "single_choice",
        "did": "multiple_choice",
        "c_signs": "likert",
        "c_refer": "likert",
        "why": "text",
        "times": "number",
        "more": "single_choice",
        "dob": "date",
        "exp_note": "note",
    }
    age = inst.item("age")
    assert (age.minimum, age.maximum, age.integer, age.help) == (18, 80, True, "In whole years")
    assert (inst.item("hours").minimum, inst.item("hours").maximum) == (0, None)
    assert inst.item("site").hidden
    assert inst.item("role").required and inst.item("role").codes == ("doctor", "nurse", "other")
    # a list used by several questions becomes a named choice set
    assert inst.item("seen").choice_set == "yn" and inst.item("c_signs").choice_set == "agree"
    assert inst.item("role").choice_set is None
    assert inst.item("role_other").show_if == Leaf("role", "equals", "other")
    # selected() on a select_one is equality
    assert inst.item("did").show_if == Leaf("seen", "equals", "yes")
    assert inst.item("c_refer").show_if == All(
        (Leaf("seen", "equals", "yes"), Not(Leaf("c_signs", "le", 2)))
    )
    old_enough = Leaf("age", "ge", 21)
    assert inst.sections[1].show_if == old_enough
    assert inst.sections[2].show_if == All((old_enough, Leaf("seen", "equals", "yes")))
    assert inst.sections[3].show_if == old_enough


def test_hand_written_xlsform_unmapped_question_by_question(example):
    reported = {(n.field, n.row): n.message for n in example.unmapped}
    assert set(reported) == {
        ("age_band", 9),  # if() giving words is not a condition
        ("why", 17),
        ("cases", 22),
        ("case_desc", 23),
        ("where", 25),
    }
    assert "count-selected()" in reported[("why", 17)]
    assert all(n.sheet == "survey" and n.file for n in example.unmapped)
    assert example.instrument.item("why").show_if is None
    warned = " ".join(n.message for n in example.warnings)
    assert "label::Français" not in warned  # the French is kept, not reported
    french = example.instrument.in_language("fr")
    assert example.instrument.translations["fr"].name == "Français"
    assert french.item("role").text == "Quel est votre rôle ?"
    assert [c.label for c in french.item("role").choices] == ["Médecin", "Infirmier", "Autre"]
    assert french.sections[0].title == "Vous"
    assert french.item("age").text == "How old are you?"  # no French: the default's
    assert "if()" in reported[("age_band", 9)]
    assert "month-year" in warned
    assert "inside group 'experience'" in warned


# --- broken workbooks ---------------------------------------------------------------------


def test_broken_xlsform_lists_every_problem_with_sheet_row_and_column(tmp_path):
    path = workbook(
        tmp_path / "broken.xlsx",
        {
            "survey": [
                ["type", "name", "label"],
                ["begin group", "g", "Group"],
                ["select_one colours", "colour", "Colour?"],
                ["text", "colour", "Colour again"],
                ["select_one sizes", "size", "Size?"],
                ["whatever", "odd", "Odd"],
                [None, "typeless", "No type"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["colours", "red", "Red"],
                ["colours", "red", "Rouge"],
                ["colours", "dark blue", "Dark blue"],
            ],
        },
    )
    with pytest.raises(ConversionError) as caught:
        read_xlsform(path)
    found = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    assert ("choices", 2, "name") in found  # 'red' twice in one list
    assert ("survey", 3, "name") in found  # 'colour' twice
    assert ("survey", 4, "type") in found  # the list 'sizes' is not defined
    assert ("survey", 5, "type") in found  # 'whatever' is not a type
    assert ("survey", 6, "type") in found  # a row without a type
    assert ("survey", 1, "type") in found  # group 'g' never closed
    assert all(p.fix for p in caught.value.problems)


@pytest.mark.parametrize(
    ("sheets", "says"),
    [
        (
            {"questions": [["type", "name", "label"]], "choices": [["list_name", "name", "label"]]},
            "no 'survey' sheet",
        ),
        ({"survey": [["kind", "name", "label"], ["text", "a", "A"]]}, "no 'type' column"),
        ({"survey": [["type", "name"], ["text", "a"]]}, "no 'label' column"),
        ({"survey": [["type", "name", "label"], ["end group", None, None]]}, "no matching begin"),
        (
            {"survey": [["type", "name", "label"], ["select_one x", "a", "A"]]},
            "'x' is not defined",
        ),
    ],
)
def test_broken_workbooks_give_clear_errors(tmp_path, sheets, says):
    path = workbook(tmp_path / "b.xlsx", sheets)
    with pytest.raises(ConversionError, match=says):
        read_xlsform(path)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "form.xlsx"
    path.write_text("type,name,label\n")
    with pytest.raises(ConversionError, match="not a readable .xlsx"):
        read_xlsform(path)
    with pytest.raises(ConversionError, match="no such file"):
        read_xlsform(tmp_path / "none.xlsx")
    with pytest.raises(ConversionError, match=r"not a readable \.xls workbook"):
        (tmp_path / "old.xls").write_bytes(b"x")
        read_xlsform(tmp_path / "old.xls")


def test_invalid_question_names_are_fatal_with_their_row(tmp_path):
    path = workbook(
        tmp_path / "n.xlsx",
        {"survey": [["type", "name", "label"], ["text", "1st", "Question one"]]},
    )
    with pytest.raises(ConversionError) as caught:
        read_xlsform(path)
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.row) == ("survey", 1)
    assert "1st" in problem.message


# --- relevant expressions -----------------------------------------------------------------


@pytest.fixture
def targets(survey):
    return {item.id: item for item in survey.items}


@pytest.mark.parametrize(
    ("relevant", "expected"),
    [
        ("${profession} = '8'", Leaf("profession", "equals", 8)),
        ("${profession} != '8'", Leaf("profession", "not_equals", 8)),
        ("selected(${training_where}, '2')", Leaf("training_where", "selected", 2)),
        ("selected(${profession}, '8')", Leaf("profession", "equals", 8)),
        ("${years_qualified} >= 10", Leaf("years_qualified", "ge", 10)),
        ("not(${years_qualified} < -1.5)", Not(Leaf("years_qualified", "lt", -1.5))),
        ("${training_where} != ''", Leaf("training_where", "answered", True)),
        ("${discipline} = '1' or ${discipline} = '3'", Leaf("discipline", "in", [1, 3])),
    ],
)
def test_relevant_subset(targets, relevant, expected):
    assert parse_xlsform_relevant(relevant, targets) == expected


@pytest.mark.parametrize(
    ("relevant", "says"),
    [
        ("count-selected(${training_where}) > 1", "count-selected()"),
        ("${profession} = '1' AND ${discipline} = '2'", "lower case"),
        (". > 3", "paths"),
        ("${training_where} = '1'", "select_multiple"),
        ("${years_qualified} div 2 > 1", "arithmetic"),
        ("selected(${years_qualified}, '1')", "no choice"),
        ("${profession = '1'", "not closed"),
    ],
)
def test_relevant_outside_the_subset_is_a_clear_error(targets, relevant, says):
    with pytest.raises(ExpressionError, match=re.escape(says)):
        parse_xlsform_relevant(relevant, targets)
