"""REDCap's field types and validations as Readiness item types, both ways, and what is lost."""

from __future__ import annotations

import pytest

from readiness.instrument.conditions import Leaf
from readiness.instrument.redcap import read_redcap_dictionary, write_redcap_dictionary
from tests.instrument.test_redcap_real_world import read_rows, without_our_tags, write_dictionary


def text_field(name: str, validation: str, label: str = "") -> dict[str, str]:
    return {
        "field_name": name,
        "form_name": "ymweliad",
        "field_type": "text",
        "field_label": label or f"When? ({validation})",
        "text_validation_type_or_show_slider_number": validation,
    }


def field(name: str, kind: str, label: str, **cells: str) -> dict[str, str]:
    return {
        "field_name": name,
        "form_name": "ymweliad",
        "field_type": kind,
        "field_label": label,
        **cells,
    }


RECORD = field("record_id", "text", "Record ID")
AGE = field("oed", "text", "Oed / Age", text_validation_type_or_show_slider_number="integer")


def read(tmp_path, rows, **options):
    return read_redcap_dictionary(write_dictionary(tmp_path / "d.csv", [RECORD, *rows], **options))


def written_rows(tmp_path, instrument) -> dict[str, dict[str, str]]:
    out = tmp_path / "out.csv"
    write_redcap_dictionary(instrument, out)
    return {row["field_name"]: row for row in read_rows(out)}


@pytest.mark.parametrize(
    ("validation", "kind"),
    [
        ("date_ymd", "date"),
        ("date_dmy", "date"),
        ("date_mdy", "date"),
        ("time", "time"),
        ("time_hh_mm_ss", "time"),
        ("datetime_ymd", "datetime"),
        ("datetime_dmy", "datetime"),
        ("datetime_seconds_mdy", "datetime"),
        ("datetime_seconds_ymd", "datetime"),
    ],
)
def test_dates_and_times(tmp_path, validation, kind):
    result = read(tmp_path, [text_field("pryd_the_visit_took_place_at_the_clinic", validation)])
    item = result.instrument.item("pryd_the_visit_took_place_at_the_clinic")
    assert item.type == kind
    assert result.unmapped == []
    row = written_rows(tmp_path, result.instrument)[item.id]
    assert row["field_type"] == "text"
    if validation in ("date_ymd", "time", "datetime_ymd"):
        assert row["text_validation_type_or_show_slider_number"] == validation
    else:  # the display order or the seconds are not kept, and the reader said so
        notes = [n.message for n in result.warnings if n.field == item.id]
        assert any(validation in m and "written back" in m for m in notes)


def test_minutes_and_seconds_are_text_and_the_loss_is_named(tmp_path):
    result = read(tmp_path, [text_field("amser_rhedeg", "time_mm_ss")])
    assert result.instrument.item("amser_rhedeg").type == "text"
    assert any("time_mm_ss" in n.message for n in result.warnings if n.field == "amser_rhedeg")


def test_descriptive_is_a_note_and_goes_back_as_descriptive(tmp_path):
    rows = [field("croeso", "descriptive", "Croeso! Welcome 👋 Diolch am gymryd rhan.")]
    result = read(tmp_path, [AGE, *rows])
    note = result.instrument.item("croeso")
    assert (note.type, note.text) == ("note", "Croeso! Welcome 👋 Diolch am gymryd rhan.")
    assert written_rows(tmp_path, result.instrument)["croeso"]["field_type"] == "descriptive"


@pytest.mark.parametrize(
    "expression", ["[oed] >= 18", "if([oed] >= 18, 1, 0)", "if( [oed]>=18 ,1,0 )"]
)
def test_calc_that_is_a_condition_is_a_calculate_item(tmp_path, expression):
    calc = field("oedolyn", "calc", "Adult?", select_choices_or_calculations=expression)
    result = read(tmp_path, [AGE, calc])
    item = result.instrument.item("oedolyn")
    assert item.type == "calculate"
    assert item.calculation == Leaf("oed", "ge", 18)
    row = written_rows(tmp_path, result.instrument)["oedolyn"]
    assert row["field_type"] == "calc"
    assert row["select_choices_or_calculations"] == "if([oed] >= 18, 1, 0)"


@pytest.mark.parametrize(
    "expression", ["[oed] * 12", "datediff([dob], 'today', 'y')", "sum([a], [b])", "[later] = 1"]
)
def test_other_calcs_are_named_as_lost(tmp_path, expression):
    calc = field("cyfrif", "calc", "Months", select_choices_or_calculations=expression)
    result = read(tmp_path, [AGE, calc, field("later", "yesno", "Later?")])
    assert "cyfrif" not in result.instrument.item_ids
    (lost,) = [n for n in result.unmapped if n.field == "cyfrif"]
    assert expression in lost.message and lost.row == 3


def test_dropdown_stays_a_dropdown(tmp_path):
    rows = [
        field(
            "bwrdd_iechyd",
            "dropdown",
            "Health board",
            select_choices_or_calculations="1, Betsi Cadwaladr | 2, Hywel Dda | 3, Caerdydd",
        )
    ]
    result = read(tmp_path, rows)
    item = result.instrument.item("bwrdd_iechyd")
    assert (item.type, item.appearance) == ("single_choice", "dropdown")
    row = written_rows(tmp_path, result.instrument)["bwrdd_iechyd"]
    assert row["field_type"] == "dropdown"


def test_autocomplete_is_kept(tmp_path):
    rows = [
        field(
            "gwlad",
            "dropdown",
            "Country",
            select_choices_or_calculations="GB, United Kingdom | FR, France | PL, Polska",
            text_validation_type_or_show_slider_number="autocomplete",
        )
    ]
    result = read(tmp_path, rows)
    assert result.instrument.item("gwlad").appearance == "autocomplete"
    row = written_rows(tmp_path, result.instrument)["gwlad"]
    assert (row["field_type"], row["text_validation_type_or_show_slider_number"]) == (
        "dropdown",
        "autocomplete",
    )


def test_slider_is_a_number_with_its_range(tmp_path):
    rows = [
        field(
            "poen",
            "slider",
            "Pain today 😣",
            select_choices_or_calculations="Dim poen | Canolig | Gwaethaf",
        ),
        field(
            "hyder",
            "slider",
            "Confidence",
            text_validation_min="1",
            text_validation_max="10",
        ),
    ]
    result = read(tmp_path, rows)
    pain, confidence = result.instrument.item("poen"), result.instrument.item("hyder")
    assert (pain.type, pain.minimum, pain.maximum, pain.appearance) == ("number", 0, 100, "slider")
    assert (confidence.minimum, confidence.maximum) == (1, 10)
    # the slider's three labels have no place in Readiness: named
    assert any(
        "Dim poen" in n.message for n in result.warnings + result.unmapped if n.field == "poen"
    )
    out = written_rows(tmp_path, result.instrument)
    assert out["poen"]["field_type"] == "slider"
    assert (out["poen"]["text_validation_min"], out["poen"]["text_validation_max"]) == ("", "")
    assert (out["hyder"]["text_validation_min"], out["hyder"]["text_validation_max"]) == ("1", "10")


@pytest.mark.parametrize(("kind", "validation"), [("file", ""), ("file", "signature"), ("sql", "")])
def test_files_signatures_and_sql_are_named_item_by_item(tmp_path, kind, validation):
    rows = [
        field("llofnod", kind, "Sign here", text_validation_type_or_show_slider_number=validation),
        field("llun", kind, "Photo", text_validation_type_or_show_slider_number=validation),
    ]
    result = read(tmp_path, [AGE, *rows])
    assert result.instrument.item_ids == ("oed",)
    lost = {n.field: n.message for n in result.unmapped}
    assert set(lost) == {"llofnod", "llun"}
    assert ("signature" if validation else kind) in lost["llofnod"]


def test_constraint_message_rides_as_a_tag(tmp_path):
    rows = [
        field(
            "oed",
            "text",
            "Age",
            text_validation_type_or_show_slider_number="integer",
            text_validation_min="16",
            text_validation_max="99",
            field_annotation='@READINESS-CONSTRAINT-MESSAGE="Rhwng 16 a 99 / Between 16 and 99"',
        )
    ]
    result = read(tmp_path, rows)
    assert result.instrument.item("oed").constraint_message == "Rhwng 16 a 99 / Between 16 and 99"
    again = tmp_path / "again.csv"
    write_redcap_dictionary(result.instrument, again)
    assert read_redcap_dictionary(again).instrument.item("oed").constraint_message == (
        "Rhwng 16 a 99 / Between 16 and 99"
    )


def test_a_dictionary_of_every_type_comes_back_unchanged(tmp_path):
    rows = [
        AGE,
        text_field("dyddiad_geni_date_of_birth_of_the_participant", "date_ymd"),
        text_field("amser", "time"),
        text_field("cyrraedd", "datetime_ymd"),
        field("croeso", "descriptive", "Croeso 👋"),
        field("oedolyn", "calc", "Adult?", select_choices_or_calculations="if([oed] >= 18, 1, 0)"),
        field("bwrdd", "dropdown", "Board", select_choices_or_calculations="1, A | 2, B"),
        field(
            "gwlad",
            "dropdown",
            "Country",
            select_choices_or_calculations="GB, UK | FR, France",
            text_validation_type_or_show_slider_number="autocomplete",
        ),
        field("poen", "slider", "Pain"),
        field("sylwadau", "notes", "Comments / Sylwadau"),
    ]
    source = write_dictionary(tmp_path / "all.csv", [RECORD, *rows], na=True)
    result = read_redcap_dictionary(source)
    assert result.unmapped == []
    out = tmp_path / "out.csv"
    write_redcap_dictionary(result.instrument, out)
    assert without_our_tags(read_rows(out)) == without_our_tags(
        read_rows(write_dictionary(tmp_path / "plain.csv", [RECORD, *rows]))
    )
