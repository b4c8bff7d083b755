"""REDCap data dictionaries: round trips, hand-written dictionaries, unmapped features, errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from readiness.errors import ConversionError
from readiness.instrument import build_instrument, instrument_to_data
from readiness.instrument.conditions import All, Any_, Leaf, Not
from readiness.instrument.interop import ExpressionError, parse_redcap_logic
from readiness.instrument.redcap import (
    API_COLUMNS,
    DESIGNER_COLUMNS,
    parse_annotation,
    read_redcap_dictionary,
    write_redcap_dictionary,
)

FIXTURES = Path(__file__).parent / "fixtures"


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def by_field(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for note in result.unmapped:
        out.setdefault(note.field, []).append(note.message)
    return out


def with_headers(source: Path, target: Path, headers: tuple[str, ...]) -> Path:
    """The same dictionary with the other header style."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    with open(target, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(headers[: _count(source)])
        handle.writelines(lines[1:])
    return target


def _count(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as handle:
        return len(next(csv.reader(handle)))


# --- round trips of the shipped instrument ---------------------------------------------------


@pytest.mark.parametrize("headers", ["designer", "api"])
def test_shipped_instrument_survives_a_round_trip(survey, tmp_path, headers):
    path = tmp_path / "dictionary.csv"
    written = write_redcap_dictionary(survey, path, headers=headers)
    back = read_redcap_dictionary(path, base=survey)
    assert instrument_to_data(back.instrument) == instrument_to_data(survey)
    assert back.instrument.items == survey.items
    assert back.instrument.sections == survey.sections
    assert back.unmapped == []
    # what a dictionary cannot hold is reported on writing, one note per scale and indicator,
    # one for the Welsh (a dictionary holds one language; the base gives it back) and one for
    # the analysis block
    assert {n.field for n in written.unmapped} == {s.id for s in survey.scales} | {
        i.id for i in survey.indicators
    } | {"cy", "analysis"}


def test_round_trip_without_base_loses_only_what_a_dictionary_cannot_hold_and_says_so(
    survey, tmp_path
):
    path = tmp_path / "dictionary.csv"
    write_redcap_dictionary(survey, path)
    back = read_redcap_dictionary(path)
    expected = instrument_to_data(survey)
    del expected["scales"], expected["indicators"], expected["translations"]
    del expected["analysis"]
    assert instrument_to_data(back.instrument) == expected
    assert any("pass the original instrument" in n.fix for n in back.warnings)


def test_written_dictionary_uses_redcaps_own_conventions(survey, tmp_path):
    path = tmp_path / "dictionary.csv"
    write_redcap_dictionary(survey, path)
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == DESIGNER_COLUMNS
    rows = {r["Variable / Field Name"]: r for r in rows_of(path)}
    first = rows_of(path)[0]
    assert first["Variable / Field Name"] == "record_id" and first["Field Type"] == "text"
    assert "@READINESS-INSTRUMENT=readiness-survey" in first["Field Annotation"]
    assert rows["site"]["Field Annotation"] == "@HIDDEN"
    assert rows["training_prior"]["Field Type"] == "yesno"
    assert rows["training_where"]["Field Type"] == "checkbox"
    assert rows["discipline"]["Choices, Calculations, OR Slider Labels"].startswith(
        "1, Emergency medicine | 2, Maternity"
    )
    assert rows["discipline"]["Required Field?"] == "y"
    assert rows["profession_other"]["Branching Logic (Show field only if...)"] == (
        "[profession] = '8'"
    )
    years = rows["years_qualified"]
    assert (years["Field Type"], years["Text Validation Type OR Show Slider Number"]) == (
        "text",
        "integer",
    )
    assert (years["Text Validation Min"], years["Text Validation Max"]) == ("0", "60")
    knowledge = rows["k_police_danger"]
    assert knowledge["Choices, Calculations, OR Slider Labels"] == (
        "1, True | 0, False | 8, Don't know"
    )
    annotation = parse_annotation(knowledge["Field Annotation"])
    assert annotation.tags["TYPE"] == "true_false"
    assert annotation.tags["KEY"] == "1"
    assert annotation.tags["SOURCE"] == "scotgov2019"
    assert annotation.tags["EXPLANATION"].startswith("Involving the police")
    # runs of Likert items with the same points become a REDCap matrix (its rating grid)
    assert {rows[i]["Matrix Group Name"] for i in survey.section_of("pk_signs").items} == {
        "perceived_m1"
    }
    # a section's intro is a descriptive field tagged as ours; its title the section header
    assert rows["perceived_intro"]["Field Type"] == "descriptive"
    assert rows["perceived_intro"]["Section Header"] == "What you feel you know"


def test_sixteen_column_export_reports_every_tag_it_cannot_write(survey, tmp_path):
    path = tmp_path / "old.csv"
    written = write_redcap_dictionary(survey, path, headers="api", columns=16)
    with open(path, encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == API_COLUMNS[:16]
    lost = {n.field for n in written.unmapped if "16-column" in n.message}
    tagged = {
        i.id
        for i in survey.items
        if i.type in ("likert", "true_false", "month_year") or i.hidden or i.choice_set
    }
    assert tagged <= lost
    back = read_redcap_dictionary(path)
    # what the tags carried is lost, and nothing else: true/false reads as a single choice
    assert back.instrument.item("k_disclose").type == "single_choice"
    assert back.instrument.item("training_when").type == "text"
    assert back.instrument.item("site").hidden is False
    # a Likert run written as a matrix still reads as Likert, by the matrix rule
    assert back.instrument.item("pk_signs").type == "likert"
    assert back.instrument.item("training_enough").type == "single_choice"


def test_section_condition_round_trips(tmp_path):
    data = {
        "id": "sec",
        "version": 1,
        "title": "Sections with conditions",
        "sections": [
            {"id": "a", "title": "A", "items": [{"id": "q", "type": "yes_no", "text": "Q?"}]},
            {
                "id": "b",
                "title": "B",
                "intro": "Only if yes.",
                "show_if": {"item": "q", "equals": 1},
                "items": [
                    {"id": "n", "type": "number", "text": "How many?", "min": 0},
                    {
                        "id": "why",
                        "type": "text",
                        "text": "Why?",
                        "show_if": {"item": "n", "gt": 2},
                    },
                ],
            },
        ],
    }
    instrument = build_instrument(data)
    path = tmp_path / "sec.csv"
    write_redcap_dictionary(instrument, path)
    rows = {r["Variable / Field Name"]: r for r in rows_of(path)}
    logic = "Branching Logic (Show field only if...)"
    # REDCap forms have no branching logic, so each field carries its section's condition
    assert rows["n"][logic] == "[q] = '1'"
    assert rows["why"][logic] == "([q] = '1') and ([n] > 2)"
    back = read_redcap_dictionary(path)
    assert instrument_to_data(back.instrument) == instrument_to_data(instrument)


# --- hand-written dictionaries ------------------------------------------------------------


def test_designer_headers_18_columns():
    result = read_redcap_dictionary(FIXTURES / "redcap_designer_18.csv")
    inst = result.instrument
    assert [s.id for s in inst.sections] == ["about_you", "experience", "experience_2"]
    assert inst.sections[0].title == "About you"
    assert inst.sections[2].title == "How confident are you?"
    assert "record_id" not in inst.item_ids
    kinds = {i.id: i.type for i in inst.items}
    assert kinds == {
        "site": "text",
        "start_date": "date",
        "exp_intro": "note",
        "mood": "number",
        "role": "single_choice",
        "role_other": "text",
        "age": "number",
        "hours": "number",
        "email": "text",
        "seen_case": "yes_no",
        "actions": "multiple_choice",
        "police_help": "single_choice",
        "comments": "text",
        "conf_signs": "likert",
        "conf_refer": "likert",
        "border_tf": "single_choice",
        "k_border": "true_false",
        "followup": "text",
        "visit2": "yes_no",
        "late": "text",
        "satisfaction": "single_choice",
        "hid_yes": "yes_no",
    }
    assert inst.item("site").hidden
    assert inst.item("role").required and inst.item("role").codes == (1, 2, 3, 99)
    age = inst.item("age")
    assert (age.minimum, age.maximum, age.integer, age.help) == (18, 80, True, "Whole years")
    assert (inst.item("hours").minimum, inst.item("hours").integer) == (0, False)
    assert inst.item("border_tf").codes == (1, 0)
    k = inst.item("k_border")
    assert k.key is False and k.explanation == "Trafficking can happen within one country."
    assert inst.item("role_other").show_if == Leaf("role", "equals", 99)
    assert inst.item("actions").show_if == Leaf("seen_case", "equals", 1)
    assert inst.item("police_help").show_if == Leaf("actions", "selected", 2)
    assert inst.item("comments").show_if == All(
        (
            Leaf("seen_case", "equals", 1),
            Any_((Leaf("age", "gt", 30), Leaf("role", "not_equals", 1))),
        )
    )


def test_unmapped_features_are_reported_field_by_field():
    result = read_redcap_dictionary(FIXTURES / "redcap_designer_18.csv")
    reported = by_field(result)
    assert set(reported) == {"conf_score", "upload", "followup", "visit2", "late"}
    assert "calculated field" in reported["conf_score"][0]
    assert "'file'" in reported["upload"][0]
    # what is read with a change is named among the warnings
    warned_about = {n.field: n.message for n in result.warnings}
    assert "date_dmy" in warned_about["start_date"]
    assert "Bad | OK | Good" in warned_about["mood"]
    assert "datediff()" in reported["followup"][0]
    assert "event-qualified" in reported["visit2"][0]
    assert "smart variable" in reported["late"][0]
    # the items whose logic could not be mapped are kept, shown always, and the row is named
    for name in ("followup", "visit2", "late"):
        assert result.instrument.item(name).show_if is None
    note = next(n for n in result.unmapped if n.field == "followup")
    assert (note.row, note.column) == (21, "Branching Logic (Show field only if...)")
    warned = {(n.field, n.column) for n in result.warnings}
    assert ("email", "Identifier?") in warned
    assert ("border_tf", "Field Type") in warned
    assert ("satisfaction", "Field Annotation") in warned  # @DEFAULT and the free text
    assert ("satisfaction", "Custom Alignment") in warned
    assert ("hid_yes", "Field Annotation") in warned  # @HIDDEN on a yes/no is not kept
    assert ("conf_signs", "Matrix Group Name") in warned  # the Likert rule was applied


def test_api_headers_16_columns():
    result = read_redcap_dictionary(FIXTURES / "redcap_api_16.csv")
    inst = result.instrument
    assert [s.id for s in inst.sections] == ["screening", "attitudes"]
    assert [i.type for i in inst.items] == [
        "yes_no",
        "multiple_choice",
        "number",
        "likert",
        "likert",
        "single_choice",
    ]
    assert inst.item("trained").required
    assert inst.item("contact_way").codes == ("a", "b")
    assert inst.item("know_whom").show_if == Leaf("years", "ge", 2)
    assert inst.item("contact_way").show_if == All(
        (
            Any_((Leaf("trained", "equals", 1), Leaf("trained_where", "selected", 2))),
            Leaf("years", "lt", 40),
        )
    )
    assert result.unmapped == []


@pytest.mark.parametrize(
    ("fixture", "other_headers"),
    [("redcap_designer_18.csv", API_COLUMNS), ("redcap_api_16.csv", DESIGNER_COLUMNS)],
)
def test_either_header_style_reads_the_same(tmp_path, fixture, other_headers):
    original = read_redcap_dictionary(FIXTURES / fixture, instrument_id="x", title="X")
    swapped = with_headers(FIXTURES / fixture, tmp_path / fixture, other_headers)
    again = read_redcap_dictionary(swapped, instrument_id="x", title="X")
    assert instrument_to_data(again.instrument) == instrument_to_data(original.instrument)
    assert [(n.field, n.row) for n in again.unmapped] == [
        (n.field, n.row) for n in original.unmapped
    ]


def test_arguments_and_base_set_what_the_file_does_not_say(survey):
    result = read_redcap_dictionary(
        FIXTURES / "redcap_api_16.csv", instrument_id="screen", version="2", title="Screening"
    )
    inst = result.instrument
    assert (inst.id, inst.version, inst.title) == ("screen", "2", "Screening")
    default = read_redcap_dictionary(FIXTURES / "redcap_api_16.csv")
    assert default.instrument.id == "redcap_api_16"
    assert any("does not say the instrument's" in n.message for n in default.warnings)


def test_scales_from_base_that_no_longer_fit_are_reported(survey, tmp_path):
    path = tmp_path / "dictionary.csv"
    write_redcap_dictionary(survey, path)
    rows = rows_of(path)
    rows = [r for r in rows if r["Variable / Field Name"] != "c_questions"]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(DESIGNER_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    back = read_redcap_dictionary(path, base=survey)
    dropped = {n.field for n in back.unmapped}
    assert dropped == {"confidence", "lack_knowledge_questions"}
    assert "confidence" not in {s.id for s in back.instrument.scales}
    assert len(back.instrument.indicators) == len(survey.indicators) - 1


# --- broken files -------------------------------------------------------------------------


def test_broken_dictionary_lists_every_problem_with_row_and_column():
    with pytest.raises(ConversionError) as caught:
        read_redcap_dictionary(FIXTURES / "redcap_broken.csv")
    problems = caught.value.problems
    found = {(p.row, p.column) for p in problems}
    choices = "Choices, Calculations, OR Slider Labels"
    assert (2, choices) in found  # '2 Blue' has no code; code 1 twice
    assert (3, "Variable / Field Name") in found  # 'colour' twice
    assert (4, "Field Type") in found  # 'dropdwn'
    assert (5, "Form Name") in found  # form 'one' split
    assert (6, choices) in found  # a checkbox without choices
    assert all(p.file and p.fix for p in problems)
    text = str(caught.value)
    assert "dropdwn" in text and "used twice" in text and "has no code" in text


def test_missing_required_columns_are_all_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Variable / Field Name,Field Label,Colour\nrecord_id,Record ID,red\n")
    with pytest.raises(ConversionError) as caught:
        read_redcap_dictionary(path)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "'Form Name'" in messages and "'Field Type'" in messages
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"Variable / Field Name,Form Name,Field Type,Field Label\n", "no fields"),
        (b"Variable / Field Name,Form Name,Field Type,Field Label\nx,f,text,Caf\xe9\n", "UTF-8"),
    ],
)
def test_unreadable_files_give_clear_errors(tmp_path, content, expected):
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    with pytest.raises(ConversionError, match=expected):
        read_redcap_dictionary(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConversionError, match="no such file"):
        read_redcap_dictionary(tmp_path / "nothing.csv")


def test_invalid_field_names_are_fatal_with_their_row(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "field_name,form_name,field_type,field_label\n"
        "record_id,f,text,ID\n"
        "bad name,f,text,Question\n"
        "9_lives,f,text,Another\n"
        "a_name_that_is_much_longer_than_redcap_advises,f,text,Long names are REDCap's own\n"
    )
    with pytest.raises(ConversionError) as caught:
        read_redcap_dictionary(path)
    rows = sorted(p.row for p in caught.value.problems)
    assert rows == [2, 3]


def test_a_tagged_true_false_without_its_key_is_fatal_and_points_at_the_annotation(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "field_name,form_name,field_type,field_label,select_choices_or_calculations,"
        "field_annotation\n"
        "record_id,f,text,ID,,\n"
        'k,f,radio,Statement,"1, True | 0, False | 8, Don\'t know",'
        '"@READINESS-TYPE=true_false @READINESS-EXPLANATION=""Because."""\n'
    )
    with pytest.raises(ConversionError) as caught:
        read_redcap_dictionary(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "field_annotation")
    assert "answer key" in problem.message and problem.fix


def test_a_failed_write_leaves_the_earlier_file_and_no_partial_one(survey, tmp_path, monkeypatch):
    path = tmp_path / "dictionary.csv"
    path.write_text("earlier")
    real_writer = csv.writer

    class Failing:
        def __init__(self, handle, **kwargs):
            self.inner, self.count = real_writer(handle, **kwargs), 0

        def writerow(self, row):
            self.count += 1
            if self.count == 5:
                raise OSError("disk full")
            self.inner.writerow(row)

    monkeypatch.setattr("readiness.instrument.redcap_write.csv.writer", Failing)
    with pytest.raises(OSError, match="disk full"):
        write_redcap_dictionary(survey, path)
    assert path.read_text() == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["dictionary.csv"]
    with pytest.raises(ValueError):
        write_redcap_dictionary(survey, path, columns=17)


# --- branching logic ---------------------------------------------------------------------


@pytest.fixture
def targets(survey):
    return {item.id: item for item in survey.items}


@pytest.mark.parametrize(
    ("logic", "expected"),
    [
        ("[profession] = '8'", Leaf("profession", "equals", 8)),
        ('[profession] = "8"', Leaf("profession", "equals", 8)),
        ("[profession] <> '1'", Leaf("profession", "not_equals", 1)),
        ("[profession] != '1'", Leaf("profession", "not_equals", 1)),
        ("[years_qualified] > 5", Leaf("years_qualified", "gt", 5)),
        ("[years_qualified] <= 2.5", Leaf("years_qualified", "le", 2.5)),
        ("5 < [years_qualified]", Leaf("years_qualified", "gt", 5)),
        ("[training_where(2)] = '1'", Leaf("training_where", "selected", 2)),
        ("[training_where(2)] = '0'", Not(Leaf("training_where", "selected", 2))),
        ("[contact_story] <> ''", Leaf("contact_story", "answered", True)),
        ("[contact_story] = ''", Leaf("contact_story", "answered", False)),
        ("[discipline] = '1' or [discipline] = '2'", Leaf("discipline", "in", [1, 2])),
        ("[discipline] <> '1' AND [discipline] <> '2'", Leaf("discipline", "not_in", [1, 2])),
        (
            "([contact_ever] = '1' or [training_prior] = '1') and [pk_signs] >= 4",
            All(
                (
                    Any_((Leaf("contact_ever", "equals", 1), Leaf("training_prior", "equals", 1))),
                    Leaf("pk_signs", "ge", 4),
                )
            ),
        ),
    ],
)
def test_branching_logic_subset(targets, logic, expected):
    assert parse_redcap_logic(logic, targets) == expected


@pytest.mark.parametrize(
    ("logic", "says"),
    [
        ("datediff([a], 'today', 'y') > 1", "function datediff()"),
        ("[baseline_arm_1][profession] = '1'", "event-qualified"),
        ("[event-name] = 'baseline'", "smart variable"),
        ("[profession:value] = '1'", "field modifier"),
        ("[years_qualified] + 1 > 5", "arithmetic"),
        ("[profession] = [discipline]", "two fields"),
        ("[training_where] = '1'", "checkbox"),
        ("[profession] = '42'", "no choice '42'"),
        ("[nobody] = '1'", "'nobody' is not an item"),
        ("[profession] = '1' and", "expected"),
        ("([profession] = '1'", "expected ')'"),
        ("[profession] > 'a'", "compares with a number"),
        ("[contact_story] > 3", "order comparisons"),
        ("not [profession] = '1'", "has no 'not'"),
    ],
)
def test_branching_logic_outside_the_subset_is_a_clear_error(targets, logic, says):
    with pytest.raises(ExpressionError) as caught:
        parse_redcap_logic(logic, targets)
    assert says in str(caught.value)
    assert caught.value.fix


def test_parse_annotation_separates_our_tags_from_redcaps():
    text = (
        '@READINESS-TYPE=true_false @READINESS-KEY=1 @READINESS-EXPLANATION="It is \\"so\\"." '
        "@HIDDEN-SURVEY @DEFAULT='2' @IF([a] = '1', @READONLY, '') note to self "
        '@READINESS-SOURCES={"a": {"citation": "A"}}'
    )
    annotation = parse_annotation(text)
    assert annotation.tags == {
        "TYPE": "true_false",
        "KEY": "1",
        "EXPLANATION": 'It is "so".',
        "SOURCES": {"a": {"citation": "A"}},
    }
    assert annotation.hidden
    assert annotation.other_tags == ["@DEFAULT", "@IF"]
    assert annotation.text == "note to self"
