"""Writing responses: round trips, labels in SPSS and Stata, and nothing written on failure."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from readiness.errors import ResponsesError
from readiness.responses import read_responses, validate_frame, write_responses

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
    data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["discipline"] == "Which area do you mainly work in?"
    assert meta.variable_value_labels["discipline"][2.0] == "Maternity"
    assert meta.variable_value_labels["k_border"] == {1.0: "True", 0.0: "False", 8.0: "Don't know"}
    assert meta.variable_value_labels["training_prior"] == {1.0: "Yes", 0.0: "No"}
    assert meta.variable_measure["c_refer_men"] == "ordinal"
    assert meta.variable_measure["years_qualified"] == "scale"
    assert meta.file_label == "readiness-survey version 1"
    # Multiple choice stays one string of codes.
    assert data["training_where"].iloc[0] == "1 3"


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


def test_xlsx_refuses_control_characters(tmp_path, clean, instrument):
    clean.loc[0, "contact_story"] = "bell\x07"
    with pytest.raises(ResponsesError) as caught:
        write_responses(clean, instrument, tmp_path / "out.xlsx")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (1, "contact_story")
    assert not (tmp_path / "out.xlsx").exists()
    # The other formats hold it.
    path = write_responses(clean, instrument, tmp_path / "out.csv")
    assert read_responses(path, instrument).frame["contact_story"].iloc[0] == "bell\x07"


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
