"""Dates, times, notes and calculations in a response file, as ODK and REDCap export them."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.instrument.load import parse_instrument
from readiness.responses.validate import validate_frame

FORM = """
id: shift-log
version: 1
title: Shift log
sections:
  - id: s
    title: Yr shifft
    items:
      - {id: intro, type: note, text: "Diolch! Thank you 🙏"}
      - {id: Seen, type: yes_no, text: "Seen a patient?"}
      - {id: role, type: single_choice, text: Role, appearance: dropdown,
         choices: [{code: nurse, label: Nurse}, {code: doctor, label: Doctor}]}
      - {id: when_seen, type: date, text: "When?"}
      - {id: shift_start, type: time, text: Shift start}
      - {id: logged_at, type: datetime, text: Logged at}
      - {id: seen_nurse, type: calculate, text: Seen by a nurse,
         calculation: {all: [{item: Seen, equals: 1}, {item: role, equals: nurse}]}}
"""


def check(rows: list[dict]):
    frame = pd.DataFrame(rows, dtype=object).fillna("")
    return validate_frame(frame, parse_instrument(FORM), "shifts.csv")


def row(**cells):
    base = {"instrument_version": "1", "Seen": "1", "role": "nurse"}
    return {**base, **cells}


@pytest.mark.parametrize(
    ("column", "written", "stored"),
    [
        ("when_seen", "2024-03-15", "2024-03-15"),
        ("when_seen", "2024-03-15 00:00:00", "2024-03-15"),  # a spreadsheet's date cell
        ("shift_start", "14:30", "14:30"),
        ("shift_start", "14:30:00.000+01:00", "14:30"),  # ODK Collect
        ("shift_start", "07:05:09", "07:05:09"),
        ("logged_at", "2024-03-15 14:30", "2024-03-15T14:30"),  # REDCap datetime_ymd
        ("logged_at", "2024-03-15T14:30:00.000Z", "2024-03-15T14:30"),  # ODK Central
    ],
)
def test_iso_dates_and_times_as_the_tools_write_them_are_stored_in_one_form(
    column, written, stored
):
    clean, problems, _ = check([row(**{column: written})])
    assert problems == []
    assert clean[column].iloc[0] == stored


@pytest.mark.parametrize(
    ("column", "written", "words"),
    [
        ("when_seen", "15/03/2024", "write 2024-03-15"),
        ("when_seen", "03/04/2024", "2024-04-03 if the day comes first, 2024-03-04 if"),
        ("when_seen", "2024-02-30", "is not a date"),
        ("when_seen", "next Tuesday", "YYYY-MM-DD"),
        ("shift_start", "25:00", "HH:MM"),
        ("shift_start", "2pm", "HH:MM"),
        ("logged_at", "2024-03-15", "add the time"),
    ],
)
def test_other_dates_are_refused_with_the_row_column_and_fix(column, written, words):
    _, problems, _ = check([row(), row(**{column: written})])
    assert len(problems) == 1
    p = problems[0]
    assert (p.row, p.column, p.file) == (2, column, "shifts.csv")
    assert words in f"{p.message} {p.fix}"


def test_a_note_column_is_ignored_with_a_warning_and_is_not_in_the_data():
    clean, problems, warnings = check([row(intro=""), row(intro="x")])
    assert problems == []
    assert "intro" not in clean.columns
    said = [w for w in warnings if w.column == "intro"]
    assert said and "note" in said[0].message and "1 row" in said[0].message


def test_calculations_are_computed_when_absent_and_not_named_as_missing():
    clean, problems, warnings = check([row(), row(Seen="0"), row(role="doctor")])
    assert problems == []
    assert clean["seen_nurse"].tolist() == [1.0, 0.0, 0.0]
    assert not any("seen_nurse" in w.message for w in warnings)


def test_a_supplied_calculation_that_disagrees_is_reported():
    clean, problems, _ = check(
        [
            row(seen_nurse="1"),
            row(Seen="0", seen_nurse="1"),
            row(seen_nurse="true"),
            row(seen_nurse=""),  # an empty cell supplies nothing: computed
        ]
    )
    assert [(p.row, p.column) for p in problems] == [(2, "seen_nurse")]
    assert clean["seen_nurse"].iloc[3] == 1.0
    assert "gives 0" in problems[0].message and "Seen = 1" in problems[0].message
    assert clean["seen_nurse"].tolist()[0] == 1.0
    assert np.isclose(clean["seen_nurse"].iloc[2], 1.0)


@settings(max_examples=80, deadline=None)
@given(
    when=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2099, 12, 31)),
    sep=st.sampled_from(["T", " "]),
    seconds=st.booleans(),
    fraction=st.booleans(),
    offset=st.sampled_from(["", "Z", "+01:00", "-0530"]),
)
def test_any_date_time_as_the_tools_write_it_is_stored_as_its_clock_time(
    when, sep, seconds, fraction, offset
):
    clock = when.strftime("%H:%M") + (when.strftime(":%S") if seconds or fraction else "")
    clock += ".000" if fraction else ""
    written = {
        "when_seen": when.strftime("%Y-%m-%d"),
        "shift_start": clock + offset,
        "logged_at": when.strftime("%Y-%m-%d") + sep + clock + offset,
    }
    clean, problems, _ = check([row(**written)])
    assert problems == []
    shown = when.strftime("%H:%M") + (
        when.strftime(":%S") if (seconds or fraction) and when.second else ""
    )
    assert clean["when_seen"].iloc[0] == when.strftime("%Y-%m-%d")
    assert clean["shift_start"].iloc[0] == shown
    assert clean["logged_at"].iloc[0] == when.strftime("%Y-%m-%dT") + shown


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav", ".dta"])
def test_dates_and_calculations_come_back_from_every_format(tmp_path, suffix):
    from readiness.responses.read import read_responses
    from readiness.responses.write import write_responses

    instrument = parse_instrument(FORM)
    written = pd.DataFrame(
        [
            row(when_seen="2024-03-15", shift_start="07:05", logged_at="2024-03-15T19:30"),
            row(Seen="0", role="doctor"),
        ],
        dtype=object,
    )
    path = tmp_path / f"Shifts ward 7{suffix}"
    write_responses(written, instrument, path)
    back = read_responses(path, instrument).frame
    assert back["when_seen"].iloc[0] == "2024-03-15"
    assert back["shift_start"].iloc[0] == "07:05"
    assert back["logged_at"].iloc[0] == "2024-03-15T19:30"
    assert back["seen_nurse"].tolist() == [1.0, 0.0]
    assert "intro" not in back.columns
