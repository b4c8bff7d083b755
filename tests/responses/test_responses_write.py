"""Writing responses: round trips, labels in SPSS and Stata, and nothing written on failure."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from readiness.errors import ResponsesError
from readiness.responses import read_responses, validate_frame, write_responses
from readiness.responses.write import number_text

FORMATS = ["csv", "xlsx", "sav", "dta"]


@pytest.fixture
def clean(text_frame, instrument) -> pd.DataFrame:
    frame, problems, _ = validate_frame(text_frame, instrument)
    assert problems == []
    return frame


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_then_read_gives_the_same_frame(tmp_path, clean, instrument, fmt):
    path = write_responses(clean, instrument, tmp_path / f"out.{fmt}")
    back = read_responses(path, instrument)
    pd.testing.assert_frame_equal(back.frame, clean)
    assert back.warnings == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_text_that_looks_like_something_else_stays_text(tmp_path, clean, instrument, fmt):
    clean.loc[0, "contact_story"] = "=SUM(A1:A3)"
    clean.loc[1, "site"] = "#N/A"
    clean.loc[2, "site"] = "NA"
    clean.loc[0, "session"] = "007"
    clean.loc[1, "response_id"] = "2.50"
    path = write_responses(clean, instrument, tmp_path / f"out.{fmt}")
    pd.testing.assert_frame_equal(read_responses(path, instrument).frame, clean)


def test_csv_holds_codes_as_whole_numbers(tmp_path, clean, instrument):
    path = write_responses(clean, instrument, tmp_path / "out.csv")
    text = path.read_text(encoding="utf-8")
    header, first = text.split("\n")[:2]
    assert header.startswith("response_id,instrument_id,instrument_version,session,")
    assert first.startswith(
        "r1,readiness-survey,1,site-a-2025,2025-05-01,0,Site A,2,8,Paramedic,5,1,1 3,2019-03,"
    )
    assert not text.startswith("\ufeff")


def test_the_instrument_is_recorded_when_the_frame_lacks_it(tmp_path, clean, instrument):
    frame = clean.drop(columns=["instrument_id", "instrument_version"])
    path = write_responses(frame, instrument, tmp_path / "out.csv")
    back = read_responses(path, instrument).frame
    assert back["instrument_id"].tolist() == ["readiness-survey"] * 3
    assert back["instrument_version"].tolist() == ["1"] * 3


def test_spss_has_variable_and_value_labels(tmp_path, clean, instrument):
    path = write_responses(clean, instrument, tmp_path / "out.sav")
    data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["discipline"] == "Which area do you mainly work in?"
    assert meta.variable_value_labels["discipline"][2.0] == "Maternity"
    assert meta.variable_value_labels["k_border"] == {1.0: "True", 0.0: "False", 8.0: "Don't know"}
    assert meta.variable_value_labels["training_prior"] == {1.0: "Yes", 0.0: "No"}
    assert meta.variable_measure["c_refer_men"] == "ordinal"
    assert meta.variable_measure["years_qualified"] == "scale"
    assert meta.file_label == "readiness-survey version 1; don't know = incorrect in Readiness"
    assert meta.missing_ranges["k_border"] == [{"lo": 8.0, "hi": 8.0}]
    # Multiple choice is one 0/1 variable per choice, as REDCap exports a checkbox field.
    assert "training_where" not in data.columns
    assert [data[f"training_where___{c}"].iloc[0] for c in (1, 2, 3)] == [1.0, 0.0, 1.0]


def test_stata_labels_are_cut_to_80_characters(tmp_path, clean, instrument):
    path = write_responses(clean, instrument, tmp_path / "out.dta")
    _, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    long_text = " ".join(instrument.item("contact_story").text.split())
    assert len(long_text) > 80
    assert len(labels["contact_story"]) <= 80
    assert labels["contact_story"].endswith("...")
    assert long_text.startswith(labels["contact_story"][:-3])
    assert labels["discipline"] == "Which area do you mainly work in?"
    assert meta.variable_value_labels["c_refer_men"][5] == "Strongly agree"


def test_a_synthetic_file_says_so_in_its_label(tmp_path, clean, instrument):
    clean["synthetic"] = 1.0
    path = write_responses(clean, instrument, tmp_path / "out.dta")
    _, meta = pyreadstat.read_dta(str(path), metadataonly=True)
    assert meta.file_label.startswith("SYNTHETIC")


def test_xlsx_has_a_variables_sheet(tmp_path, clean, instrument):
    path = write_responses(clean, instrument, tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["responses", "variables"]
    rows = list(book["variables"].iter_rows(values_only=True))
    book.close()
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["discipline"][3].startswith("1 = Emergency medicine; 2 = Maternity")
    assert by_name["training_where"][3].startswith("codes separated by spaces")


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_data_write_nothing(tmp_path, clean, instrument, fmt):
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(b"earlier file")
    clean.loc[1, "discipline"] = 9.0
    clean.loc[2, "years_qualified"] = 2.5
    with pytest.raises(ResponsesError) as caught:
        write_responses(clean, instrument, path)
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (2, "discipline"),
        (3, "years_qualified"),
    }
    assert path.read_bytes() == b"earlier file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"out.{fmt}"]


def test_xlsx_cleans_control_characters_and_cuts_over_long_text(tmp_path, clean, instrument):
    """One bad cell never stops an export: XLSX leaves out what it cannot hold, and says so."""
    clean.loc[0, "contact_story"] = "bell\x07 and a\x0bline break"
    clean.loc[1, "contact_story"] = "x" * 40_000
    path = write_responses(clean, instrument, tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["responses"]
    column = [c.value for c in sheet[1]].index("contact_story") + 1
    assert sheet.cell(row=2, column=column).value == "bell and a\nline break"
    cut = sheet.cell(row=3, column=column).value
    assert len(cut) == 32767 and cut.endswith(
        "[cut: 40,000 characters in all; an XLSX cell holds 32,767]"
    )
    notes = [row[1].value for row in book["variables"].iter_rows() if row[0].value == "(note)"]
    assert any("control characters" in n and "32,767" in n for n in notes)
    # The CSV holds the text exactly.
    path = write_responses(clean, instrument, tmp_path / "out.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame["contact_story"].tolist()[:2] == ["bell\x07 and a\x0bline break", "x" * 40_000]


HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _hostile(clean: pd.DataFrame) -> pd.DataFrame:
    """Six responses whose free text, other text and session start like formulas."""
    frame = pd.concat([clean, clean], ignore_index=True)
    frame["response_id"] = [f"r{i}" for i in range(len(frame))]
    frame["contact_story"] = pd.array(HOSTILE, dtype=frame["contact_story"].dtype)
    frame["profession_other"] = pd.array(
        ["'=x", "-3", "''+1", "a", "-", "@"], dtype=frame["profession_other"].dtype
    )
    frame["profession"] = 8.0  # "Other", so that profession_other is asked
    frame.loc[0, "session"] = "=1+1"
    return frame


def test_csv_neutralises_formulas_in_text_and_reads_them_back(tmp_path, clean, instrument):
    frame = _hostile(clean)
    path = write_responses(frame, instrument, tmp_path / "out.csv")
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for row in rows[1:]:
        assert not any(cell.startswith(TRIGGERS) for cell in row), row
    story = [row[header.index("contact_story")] for row in rows[1:]]
    assert story == ["'" + h.strip() for h in HOSTILE]  # the writer strips text, as the reader
    # Numbers stay numbers: no apostrophe before them.
    years = [row[header.index("years_qualified")] for row in rows[1:]]
    assert years == number_text(frame["years_qualified"].to_numpy(dtype=float)).tolist()
    back = read_responses(path, instrument).frame
    # The reader removes the apostrophes again (and strips the text, as always).
    assert back["contact_story"].tolist() == [h.strip() for h in HOSTILE]
    assert back["profession_other"].tolist() == ["'=x", "-3", "''+1", "a", "-", "@"]
    assert back["session"].iloc[0] == "=1+1"


def test_xlsx_stores_formula_text_as_text(tmp_path, clean, instrument):
    frame = _hostile(clean)
    path = write_responses(frame, instrument, tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(TRIGGERS):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    sheet = book["responses"]
    header = [c.value for c in sheet[1]]
    years = [sheet.cell(row=r, column=header.index("years_qualified") + 1) for r in (2, 3)]
    assert [(c.value, c.data_type) for c in years] == [(5, "n"), (0, "n")]
    back = read_responses(path, instrument).frame
    assert back["contact_story"].tolist() == [h.strip() for h in HOSTILE]


def test_a_response_object_can_be_written(tmp_path, valid_csv, instrument):
    result = read_responses(valid_csv, instrument)
    path = write_responses(result, instrument, tmp_path / "copy.sav")
    pd.testing.assert_frame_equal(read_responses(path, instrument).frame, result.frame)


def test_frames_with_integer_columns_are_accepted(tmp_path, clean, instrument):
    frame = clean.copy()
    frame["training_enough"] = frame["training_enough"].astype("Int64")
    frame["discipline"] = frame["discipline"].astype(np.int64)
    path = write_responses(frame, instrument, tmp_path / "out.csv")
    pd.testing.assert_frame_equal(read_responses(path, instrument).frame, clean)
