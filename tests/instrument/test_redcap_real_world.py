"""REDCap dictionaries as people's projects hold them: R-written (NA cells), saved by Excel
(a byte-order mark), long and upper-case names, Welsh and emoji labels, several forms with
section headers inside them. Each comes in, and goes back out with its shape."""

from __future__ import annotations

import csv
from pathlib import Path

from readiness.instrument.redcap import (
    API_COLUMNS,
    DESIGNER_COLUMNS,
    parse_annotation,
    read_redcap_dictionary,
    write_redcap_dictionary,
)

# REDCap's own demo uses form names of up to 61 characters and variable names of 27-47.
BASELINE = "baseline_assessment_for_participants_in_the_wellbeing_study_v2"
STAFF = "how_many_staff_members_attended_the_session"
WELLBEING = "llesiant_cyffredinol_yr_wythnos_ddiwethaf"


def write_dictionary(
    path: Path, rows: list[dict[str, str]], *, na: bool = False, bom: bool = False
) -> Path:
    """A dictionary with the designer's headers; ``na``: as R's write.csv writes it (strings
    quoted, NA unquoted in empty cells); ``bom``: as Excel saves "CSV UTF-8"."""
    lines = [",".join(f'"{h}"' if na else _csv_cell(h) for h in DESIGNER_COLUMNS)]
    for row in rows:
        cells = []
        for column in API_COLUMNS:
            value = row.get(column, "")
            if na:
                cells.append('"' + value.replace('"', '""') + '"' if value else "NA")
            else:
                cells.append(_csv_cell(value))
        lines.append(",".join(cells))
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _csv_cell(value: str) -> str:
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    columns = API_COLUMNS[: len(table[0])]
    return [dict(zip(columns, cells, strict=True)) for cells in table[1:]]


def without_our_tags(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows with our @READINESS-... tags taken out of the annotations."""
    out = []
    for row in rows:
        row = dict(row)
        annotation = row.get("field_annotation", "")
        row["field_annotation"] = " ".join(
            word for word in annotation.split() if not word.startswith("@READINESS-")
        )
        out.append(row)
    return out


def project_rows() -> list[dict[str, str]]:
    """Two forms; the first has a second section header inside it."""
    return [
        {
            "field_name": "study_id",
            "form_name": BASELINE,
            "field_type": "text",
            "field_label": "Record ID",
        },
        {
            "field_name": STAFF,
            "form_name": BASELINE,
            "section_header": "Participant details",
            "field_type": "text",
            "field_label": "How many staff attended?",
            "text_validation_type_or_show_slider_number": "integer",
            "text_validation_min": "0",
            "text_validation_max": "500",
        },
        {
            "field_name": WELLBEING,
            "form_name": BASELINE,
            "section_header": "Llesiant / Wellbeing 😊",
            "field_type": "radio",
            "field_label": "Sut ydych chi'n teimlo? / How do you feel?",
            "select_choices_or_calculations": "1, Da iawn 😊 | 2, Iawn | 3, Gwael 😞",
            "branching_logic": f"[{STAFF}] > 0",
            "required_field": "y",
        },
        {
            "field_name": "fu_contact",
            "form_name": "follow_up",
            "field_type": "yesno",
            "field_label": "Were you contacted again?",
        },
        {
            "field_name": "fu_notes",
            "form_name": "follow_up",
            "field_type": "notes",
            "field_label": "Unrhyw beth arall? / Anything else?",
            "field_note": "Optional",
        },
    ]


def test_sections_keep_their_forms_and_ids(tmp_path):
    result = read_redcap_dictionary(write_dictionary(tmp_path / "project.csv", project_rows()))
    inst = result.instrument
    assert [(s.id, s.form) for s in inst.sections] == [
        (BASELINE, BASELINE),
        (f"{BASELINE}_2", BASELINE),
        ("follow_up", "follow_up"),
    ]
    assert [s.title for s in inst.sections] == [
        "Participant details",
        "Llesiant / Wellbeing 😊",
        "Follow up",
    ]
    assert inst.record_id == "study_id"
    assert "study_id" not in inst.item_ids


def test_a_real_dictionary_comes_back_with_its_shape(tmp_path):
    source = write_dictionary(tmp_path / "project.csv", project_rows())
    inst = read_redcap_dictionary(source).instrument
    target = tmp_path / "again.csv"
    write_redcap_dictionary(inst, target)
    original = read_rows(source)
    again = read_rows(target)
    assert without_our_tags(again) == without_our_tags(original)
    # and reading it again gives the same instrument
    assert read_redcap_dictionary(target).instrument.sections == inst.sections


def test_r_written_dictionary_reads_na_as_empty(tmp_path):
    plain = read_redcap_dictionary(write_dictionary(tmp_path / "a.csv", project_rows()))
    from_r = read_redcap_dictionary(write_dictionary(tmp_path / "a.csv", project_rows(), na=True))
    assert from_r.instrument == plain.instrument
    assert not any("NA" in note.message and "not kept" in note.message for note in from_r.warnings)
    assert from_r.instrument.item("fu_contact").help == ""


def test_excel_saved_dictionary_with_a_byte_order_mark(tmp_path):
    result = read_redcap_dictionary(write_dictionary(tmp_path / "x.csv", project_rows(), bom=True))
    assert result.instrument.record_id == "study_id"
    assert result.instrument.item(WELLBEING).choices[0].label == "Da iawn 😊"


def test_readiness_instrument_is_one_form_with_section_headers(survey, tmp_path):
    path = tmp_path / "survey.csv"
    write_redcap_dictionary(survey, path)
    rows = read_rows(path)
    assert len({row["form_name"] for row in rows}) == 1
    headers = [row["section_header"] for row in rows if row["section_header"]]
    assert headers == [s.title for s in survey.sections]
    back = read_redcap_dictionary(path, base=survey).instrument
    assert back.sections == survey.sections
    assert back.record_id == ""


def test_first_field_that_is_a_question_is_kept_as_an_item(tmp_path):
    rows = [
        {
            "field_name": "consent",
            "form_name": "survey",
            "field_type": "radio",
            "field_label": "Do you agree to take part?",
            "select_choices_or_calculations": "1, Yes | 0, No",
        },
        {"field_name": "age", "form_name": "survey", "field_type": "text", "field_label": "Age"},
    ]
    result = read_redcap_dictionary(write_dictionary(tmp_path / "q.csv", rows))
    assert result.instrument.item_ids == ("consent", "age")
    assert result.instrument.record_id == ""
    assert any("record identifier" in n.message for n in result.warnings)
    out = tmp_path / "out.csv"
    write_redcap_dictionary(result.instrument, out)
    names = [row["field_name"] for row in read_rows(out)]
    assert names == ["record_id", "consent", "age"]


def test_record_id_label_and_notes_that_cannot_be_kept_are_named(tmp_path):
    rows = project_rows()
    rows[0].update(field_label="Study ID", field_note="Given by the team")
    result = read_redcap_dictionary(write_dictionary(tmp_path / "p.csv", rows))
    lost = " ".join(n.message for n in result.warnings if n.field == "study_id")
    assert "Study ID" in lost and "Given by the team" in lost


def test_header_on_the_record_id_row_is_kept_and_its_move_named(tmp_path):
    rows = project_rows()
    rows[0]["section_header"], rows[1]["section_header"] = rows[1]["section_header"], ""
    source = write_dictionary(tmp_path / "p.csv", rows)
    result = read_redcap_dictionary(source)
    assert result.instrument.sections[0].title == "Participant details"
    moved = [n for n in result.warnings if n.field == "study_id" and "section header" in n.message]
    assert moved and STAFF in moved[0].message
    out = tmp_path / "out.csv"
    write_redcap_dictionary(result.instrument, out)
    assert without_our_tags(read_rows(out)) == without_our_tags(project_rows_read(tmp_path))


def project_rows_read(tmp_path: Path) -> list[dict[str, str]]:
    return read_rows(write_dictionary(tmp_path / "expected.csv", project_rows()))


def test_headers_on_the_record_id_row_and_the_first_question_both_count(tmp_path):
    rows = project_rows()
    rows[0]["section_header"] = "Cofrestru / Enrolment"
    result = read_redcap_dictionary(write_dictionary(tmp_path / "p.csv", rows))
    lost = [n for n in result.unmapped if n.field == "study_id"]
    assert any("Cofrestru / Enrolment" in n.message for n in lost)
    assert result.instrument.sections[0].title == "Participant details"


def test_record_id_tag_round_trip(tmp_path):
    inst = read_redcap_dictionary(write_dictionary(tmp_path / "p.csv", project_rows())).instrument
    out = tmp_path / "out.csv"
    write_redcap_dictionary(inst, out)
    first = read_rows(out)[0]
    assert first["field_name"] == "study_id"
    assert parse_annotation(first["field_annotation"]).tags["INSTRUMENT"]
    assert read_redcap_dictionary(out).instrument.record_id == "study_id"


def test_what_the_record_ids_annotation_and_a_matrix_name_lose_is_named(tmp_path):
    rows = project_rows()
    rows[0]["field_annotation"] = "@READONLY Given by the registry"
    rows.insert(
        3,
        {
            "field_name": "hwyl",
            "form_name": BASELINE,
            "field_type": "radio",
            "field_label": "Mood",
            "select_choices_or_calculations": "1, Isel | 2, Iawn | 3, Da",
            "matrix_group_name": "wellbeing_grid",
        },
    )
    result = read_redcap_dictionary(write_dictionary(tmp_path / "p.csv", rows))
    notes = [n.message for n in result.warnings if n.field == "study_id"]
    assert any("@READONLY" in m for m in notes)
    assert any("Given by the registry" in m for m in notes)
    matrix = [n.message for n in result.warnings if n.field == "hwyl"]
    assert any("wellbeing_grid" in m and "written back" in m for m in matrix)


def test_import_to_yaml_and_export_again_keeps_the_shape(tmp_path, capsys):
    from readiness.cli import main

    source = write_dictionary(tmp_path / "project.csv", project_rows(), na=True, bom=True)
    yaml_path, again = tmp_path / "project.yaml", tmp_path / "again.csv"
    assert main(["instrument", "import", str(source), "--out", str(yaml_path)]) == 0
    text = yaml_path.read_text(encoding="utf-8")
    assert "record_id: study_id" in text and f"form: {BASELINE}" in text
    assert main(["instrument", "export", str(yaml_path), "--out", str(again)]) == 0
    capsys.readouterr()
    plain = write_dictionary(tmp_path / "plain.csv", project_rows())
    assert without_our_tags(read_rows(again)) == without_our_tags(read_rows(plain))


def test_a_form_holding_only_the_record_id_is_named_as_not_kept(tmp_path):
    rows = project_rows()
    rows[0].update(form_name="enrolment", section_header="Cofrestru")
    result = read_redcap_dictionary(write_dictionary(tmp_path / "p.csv", rows))
    (note,) = [n for n in result.unmapped if n.field == "study_id"]
    assert "enrolment" in note.message and "Cofrestru" in note.message and BASELINE in note.message
    assert result.instrument.sections[0].form == BASELINE
