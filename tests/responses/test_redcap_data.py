"""Responses written as REDCap data (readiness.responses.redcap)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from readiness.cli.responses import responses
from readiness.instrument.load import parse_instrument
from readiness.responses import read_responses
from readiness.responses.redcap import (
    checkbox_column,
    dictionary_path,
    redcap_data,
    write_redcap,
)

SMALL = """
id: small
version: 1
title: Small
sections:
  - id: s
    title: S
    items:
      - id: race
        type: multiple_choice
        text: Race
        choices:
          - {code: 4, label: White}
          - {code: -99, label: Refused}
      - id: intro
        type: note
        text: Now some numbers.
      - id: Age
        type: number
        text: Age
      - id: remark
        type: text
        text: Anything else?
"""


@pytest.fixture
def small():
    return parse_instrument(SMALL, "small.yaml")


def test_checkbox_column_names_a_code_as_redcap_does():
    assert checkbox_column("race", 4) == "race___4"
    assert checkbox_column("race", -99) == "race____99"
    assert checkbox_column("q", "Yes") == "q___yes"


def test_redcap_data_columns_cells_and_record_ids(small):
    frame = pd.DataFrame(
        {
            "response_id": ["a1", None],
            "race": ["4 -99", None],
            "Age": [31.0, float("nan")],
            "remark": ["=HYPERLINK(1)", None],
        }
    )
    data = redcap_data(frame, small)
    # A note has no column; an upper-case id is written lower-case, as REDCap's names are.
    assert list(data.columns) == ["record_id", "race___4", "race____99", "age", "remark"]
    assert data["record_id"].tolist() == ["a1", "2"]  # no id: the row number
    assert data["race___4"].tolist() == ["1", "0"]  # not answered: every box 0
    assert data["race____99"].tolist() == ["1", "0"]
    assert data["age"].tolist() == ["31", ""]  # a number never gets an apostrophe
    assert data["remark"].tolist() == ["'=HYPERLINK(1)", ""]


def test_synthetic_record_ids_are_marked(small):
    frame = pd.DataFrame({"race": ["4"], "Age": [2.5], "remark": ["x"]})
    assert redcap_data(frame, small, synthetic=True)["record_id"].tolist() == ["SYNTHETIC-1"]


def test_written_data_read_back_give_the_same_answers(tmp_path, valid_csv, instrument):
    """The data and dictionary are written; the data, their record id named response_id, read
    back to the answers written (checkbox columns folded into the item's codes)."""
    responses = read_responses(valid_csv, instrument)
    written = write_redcap(responses, instrument, tmp_path / "out.csv")
    assert written.dictionary == dictionary_path(tmp_path / "out.csv")
    assert written.dictionary.read_text(encoding="utf-8").startswith("Variable / Field Name,")
    assert written.rows == 3
    data = pd.read_csv(written.data, dtype=str, keep_default_na=False)
    assert data["record_id"].tolist() == ["r1", "r2", "r3"]
    data.rename(columns={"record_id": "response_id"}).to_csv(tmp_path / "back.csv", index=False)
    back = read_responses(tmp_path / "back.csv", instrument).frame
    items = [i.id for i in instrument.data_items]
    expected = responses.frame[items].reset_index(drop=True)
    assert back[items].reset_index(drop=True).equals(expected)


def test_nothing_is_written_when_an_item_column_is_missing(tmp_path, small):
    with pytest.raises(KeyError):
        write_redcap(pd.DataFrame({"race": ["4"]}), small, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_convert_to_redcap_writes_the_data_and_the_dictionary(tmp_path, valid_csv):
    out = tmp_path / "redcap.csv"
    args = ["convert", str(valid_csv), str(out), "--instrument", "readiness-survey"]
    result = CliRunner().invoke(responses, [*args, "--to", "redcap"])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: 3 responses from {valid_csv}." in result.output
    assert f"Wrote {tmp_path / 'redcap-dictionary.csv'}: the REDCap data dictionary." in (
        result.output
    )
    data = pd.read_csv(out, dtype=str, keep_default_na=False)
    # The file's session and date go too (fields of their own in the dictionary).
    assert list(data.columns[:4]) == ["record_id", "session", "completed_on", "site"]
    assert "training_where___3" in data.columns and "training_where" not in data.columns
    as_json = CliRunner().invoke(responses, [*args, "--to", "redcap", "--json"])
    assert json.loads(as_json.output)["dictionary"] == str(tmp_path / "redcap-dictionary.csv")


def test_convert_to_redcap_marks_synthetic_data_and_wants_a_csv(tmp_path, text_frame):
    text_frame["synthetic"] = "1"
    source = tmp_path / "made.csv"
    text_frame.to_csv(source, index=False)
    out = tmp_path / "made-redcap.csv"
    args = ["convert", str(source), str(out), "--instrument", "readiness-survey", "--to", "redcap"]
    result = CliRunner().invoke(responses, args)
    assert result.exit_code == 0, result.output
    assert "record ids read SYNTHETIC-<id>" in result.output
    ids = pd.read_csv(out, dtype=str)["record_id"].tolist()
    assert ids == ["SYNTHETIC-r1", "SYNTHETIC-r2", "SYNTHETIC-r3"]
    wrong = CliRunner().invoke(responses, [*args[:2], str(tmp_path / "x.xlsx"), *args[3:]])
    assert "ending in .csv" in str(wrong.exception) and not (tmp_path / "x.xlsx").exists()
    assert not (tmp_path / "x-dictionary.csv").exists()
