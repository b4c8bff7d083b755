"""Writing to REDCap what it names differently or cannot hold: upper-case ids (REDCap's
variable names are lower-case) and other languages (a dictionary holds one)."""

from __future__ import annotations

from readiness.instrument import build_instrument
from readiness.instrument.conditions import Leaf
from readiness.instrument.redcap import (
    read_redcap_dictionary,
    record_field,
    redcap_names,
    write_redcap_dictionary,
)
from tests.instrument.test_redcap_real_world import read_rows


def bilingual() -> dict:
    return {
        "id": "llesiant",
        "version": 2,
        "title": "Llesiant staff",
        "language": "en-GB",
        "language_name": "English",
        "sections": [
            {
                "id": "About_You",
                "title": "About you",
                "items": [
                    {"id": "Age", "type": "number", "text": "Age", "min": 16, "max": 99},
                    {"id": "age", "type": "text", "text": "Age group (as you'd say it)"},
                    {
                        "id": "Q1_Seen_A_Case_In_The_Last_Twelve_Months",
                        "type": "yes_no",
                        "text": "Seen a case? 🤔",
                        "show_if": {"item": "Age", "ge": 18},
                    },
                    {
                        "id": "_Adult",
                        "type": "calculate",
                        "text": "Adult",
                        "calculation": {"item": "Age", "ge": 18},
                    },
                ],
            }
        ],
        "translations": {
            "cy": {
                "name": "Cymraeg",
                "title": "Llesiant staff (Cymraeg)",
                "sections": {"About_You": {"title": "Amdanoch chi"}},
                "items": {"Age": {"text": "Oed"}},
            }
        },
    }


def test_names_are_lower_case_unique_and_start_with_a_letter():
    inst = build_instrument(bilingual())
    names = redcap_names(inst)
    assert names == {
        "Age": "age_2",
        "age": "age",
        "Q1_Seen_A_Case_In_The_Last_Twelve_Months": "q1_seen_a_case_in_the_last_twelve_months",
        "_Adult": "v_adult",
    }
    assert record_field(inst) == "record_id"


def test_upper_case_ids_are_lower_cased_on_write_reported_and_come_back(tmp_path):
    inst = build_instrument(bilingual())
    path = tmp_path / "llesiant.csv"
    written = write_redcap_dictionary(inst, path)
    rows = {row["field_name"]: row for row in read_rows(path)}
    assert set(rows) == {
        "record_id",
        "age_2",
        "age",
        "q1_seen_a_case_in_the_last_twelve_months",
        "v_adult",
    }
    seen = rows["q1_seen_a_case_in_the_last_twelve_months"]
    assert seen["branching_logic"] == "[age_2] >= 18"
    assert rows["v_adult"]["select_choices_or_calculations"] == "if([age_2] >= 18, 1, 0)"
    renamed = {n.field: n.message for n in written.warnings if "lower-case" in n.message}
    assert set(renamed) == {"Age", "Q1_Seen_A_Case_In_The_Last_Twelve_Months", "_Adult"}
    assert "'age_2'" in renamed["Age"]
    # every variable name is one REDCap accepts
    for name in rows:
        assert name == name.lower() and name[0].isalpha()
    back = read_redcap_dictionary(path).instrument
    assert back.item_ids == inst.item_ids
    assert back.item("Q1_Seen_A_Case_In_The_Last_Twelve_Months").show_if == Leaf("Age", "ge", 18)
    assert back.item("_Adult").calculation == Leaf("Age", "ge", 18)
    assert [s.id for s in back.sections] == ["About_You"]


def test_translations_are_reported_as_not_written(tmp_path):
    inst = build_instrument(bilingual())
    path = tmp_path / "llesiant.csv"
    written = write_redcap_dictionary(inst, path)
    (note,) = [n for n in written.unmapped if n.field == "cy"]
    assert "Cymraeg" in note.message and "one language" in note.message
    text = path.read_text(encoding="utf-8")
    assert "Oed" not in text and "Amdanoch chi" not in text
    # the original instrument, given as base, brings them back
    assert read_redcap_dictionary(path).instrument.translations == {}
    back = read_redcap_dictionary(path, base=inst).instrument
    assert back.translations == inst.translations


def test_record_id_and_forms_that_redcap_would_refuse_are_renamed_and_reported(tmp_path):
    data = bilingual()
    data["record_id"] = "Study_ID"
    data["sections"][0]["form"] = "Baseline Form"
    inst = build_instrument(data)
    path = tmp_path / "renamed.csv"
    written = write_redcap_dictionary(inst, path)
    rows = read_rows(path)
    assert rows[0]["field_name"] == "study_id"
    assert {row["form_name"] for row in rows} == {"baseline_form"}
    assert {"study_id", "About_You"} <= {n.field for n in written.warnings}
    assert read_redcap_dictionary(path).instrument.record_id == "Study_ID"
