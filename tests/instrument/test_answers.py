"""A respondent's answer parsed per item type (readiness.instrument.answers): examples and
properties over any posted value."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.instrument.answers import (
    MAX_TEXT,
    RADIO_TYPES,
    choices_of,
    is_blank,
    is_dropdown,
    is_slider,
    number_wanted,
    parse_answer,
    parse_answers,
    required_message,
)
from readiness.instrument.model import Choice, Item
from readiness.tabular import has_illegal_characters

CODES = (1, 2, 3, -99)
CHOICES = tuple(Choice(c, f"Choice {c}") for c in CODES)
TODAY = date(2026, 6, 15)
ANSWERABLE = (*RADIO_TYPES, "multiple_choice", "number", "month_year", "date", "time",
              "datetime", "text")  # fmt: skip


def item(type_: str, **kw) -> Item:
    if type_ in ("single_choice", "likert", "multiple_choice") and "choices" not in kw:
        kw["choices"] = CHOICES
    return Item("q", type_, "Question?", "s", **kw)


def posted_text() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8"), max_size=40)


# -- choices ----------------------------------------------------------------------------------


@given(type_=st.sampled_from(RADIO_TYPES), appearance=st.sampled_from(["", "dropdown", "minimal"]))
def test_a_choice_posted_as_its_code_is_stored_as_the_code(type_, appearance):
    question = item(type_, appearance=appearance)
    for choice in choices_of(question):
        assert parse_answer(question, str(choice.code)) == (choice.code, None)


@given(type_=st.sampled_from(RADIO_TYPES), raw=posted_text())
def test_anything_but_a_code_is_refused_for_a_choice(type_, raw):
    question = item(type_)
    codes = {str(c.code) for c in choices_of(question)}
    value, error = parse_answer(question, raw)
    if raw in codes:
        assert error is None
    else:
        assert (value, error) == (None, "Select one of the answers")


@given(ticked=st.lists(st.sampled_from([str(c) for c in CODES]), min_size=1))
def test_ticked_codes_are_stored_once_each_in_the_instruments_order(ticked):
    stored, error = parse_answer(item("multiple_choice"), ticked)
    assert error is None
    assert stored.split() == [str(c) for c in CODES if str(c) in ticked]


@given(
    ticked=st.lists(st.sampled_from([str(c) for c in CODES])),
    stray=posted_text().filter(lambda t: t not in {str(c) for c in CODES}),
)
def test_a_code_the_item_lacks_refuses_the_whole_multiple_choice(ticked, stray):
    assert parse_answer(item("multiple_choice"), [*ticked, stray]) == (
        None,
        "Select from the options given",
    )


def test_yes_no_and_true_false_have_their_fixed_codes():
    assert [c.code for c in choices_of(item("yes_no"))] == [1, 0]
    assert [c.code for c in choices_of(item("true_false"))] == [1, 0, 8]
    assert parse_answer(item("true_false"), "8") == (8, None)


@pytest.mark.parametrize(
    ("appearance", "select"),
    [
        ("dropdown", True),  # REDCap's dropdown
        ("autocomplete", True),
        ("minimal", True),  # XLSForm's drop-down, kept as written on import
        ("minimal search", True),
        ("likert", False),
        ("", False),
    ],
)
def test_the_appearances_the_tools_write_for_a_drop_down(appearance, select):
    assert is_dropdown(item("single_choice", appearance=appearance)) is select
    assert not is_dropdown(item("text", appearance=appearance))


# -- numbers and sliders ----------------------------------------------------------------------


@given(
    value=st.integers(-10_000, 10_000),
    lo=st.none() | st.integers(-5_000, 0),
    hi=st.none() | st.integers(0, 5_000),
    slider=st.booleans(),
)
def test_a_whole_number_is_stored_when_within_bounds(value, lo, hi, slider):
    question = item("number", minimum=lo, maximum=hi, integer=True,
                    appearance="slider" if slider else "")  # fmt: skip
    assert is_slider(question) is (slider and lo is not None and hi is not None)
    inside = (lo is None or value >= lo) and (hi is None or value <= hi)
    expected = (value, None) if inside else (None, number_wanted(question))
    assert parse_answer(question, str(value)) == expected


@given(value=st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)))
def test_a_decimal_reads_back_as_the_number_typed(value):
    stored, error = parse_answer(item("number"), repr(value))
    assert error is None and stored == value
    assert isinstance(stored, int) is float(value).is_integer()


def test_number_messages_name_the_bounds_and_the_items_own_message_wins_out_of_range():
    bounded = item("number", minimum=0, maximum=60, integer=True)
    assert parse_answer(bounded, "61") == (None, "Enter a whole number between 0 and 60")
    assert parse_answer(bounded, "2.5") == (None, "Enter a whole number between 0 and 60")
    assert parse_answer(item("number", minimum=1.5), "x") == (None, "Enter a number of 1.5 or more")
    own = item("number", maximum=10, constraint_message="Ten at most")
    assert parse_answer(own, "11") == (None, "Ten at most")
    assert parse_answer(own, "lots") == (None, "Enter a number of 10 or less")
    assert parse_answer(item("number"), "1,200") == (1200, None)


# -- months, dates and times ------------------------------------------------------------------


@given(month=st.dates(date(1900, 1, 1), TODAY), pad=st.booleans())
def test_a_past_month_is_stored_as_yyyy_mm(month, pad):
    raw = {"month": f"{month.month:02d}" if pad else str(month.month), "year": str(month.year)}
    assert parse_answer(item("month_year"), raw, TODAY) == (month.strftime("%Y-%m"), None)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"month": "", "year": "2020"}, "The date must include a month"),
        ({"month": "3", "year": ""}, "The date must include a year"),
        ({"month": "13", "year": "2020"}, "Month must be a number from 1 to 12"),
        ({"month": "3", "year": "20"}, "Year must include 4 numbers"),
        ({"month": "7", "year": "2026"}, "The date must be in the past"),
        ({"month": "12", "year": "1899"}, "The date must be in the past"),
    ],
)
def test_month_year_errors(raw, error):
    assert parse_answer(item("month_year"), raw, TODAY) == (None, error)


@settings(max_examples=60)
@given(day=st.dates(date(1900, 1, 1), date(2099, 12, 31)), pad=st.booleans())
def test_a_date_typed_in_day_month_year_is_stored_as_iso(day, pad):
    fmt = "%02d" if pad else "%d"
    raw = {"day": fmt % day.day, "month": fmt % day.month, "year": str(day.year)}
    assert parse_answer(item("date"), raw) == (day.isoformat(), None)


@given(when=st.datetimes(datetime(1900, 1, 1), datetime(2099, 12, 31)))
def test_a_date_and_time_is_stored_as_iso_to_the_minute(when):
    raw = {"day": str(when.day), "month": str(when.month), "year": str(when.year),
           "time": when.strftime("%H:%M")}  # fmt: skip
    assert parse_answer(item("datetime"), raw) == (when.strftime("%Y-%m-%dT%H:%M"), None)


@given(at=st.times())
def test_a_time_on_the_24_hour_clock_is_stored_as_typed(at: time):
    assert parse_answer(item("time"), at.strftime("%H:%M")) == (at.strftime("%H:%M"), None)


@pytest.mark.parametrize(
    ("type_", "raw", "error"),
    [
        ("date", {"day": "31", "month": "2", "year": "2024"}, "real date"),
        ("date", {"day": "", "month": "2", "year": "2024"}, "must include a day"),
        ("date", {"day": "1", "month": "2", "year": "24"}, "real date"),
        ("datetime", {"day": "1", "month": "2", "year": "2024"}, "must include a time"),
        ("datetime", {"day": "1", "month": "2", "year": "2024", "time": "25:00"}, "24-hour"),
        ("time", "7:30", "24-hour"),
    ],
)
def test_date_and_time_errors(type_, raw, error):
    value, message = parse_answer(item(type_), raw)
    assert value is None and error in message


# -- text, blanks, and what is never answered -------------------------------------------------


@given(raw=posted_text())
def test_text_is_stored_stripped_and_without_control_characters(raw):
    stored, error = parse_answer(item("text"), raw)
    assert error is None
    assert stored == stored.strip()
    assert not has_illegal_characters(stored)  # nothing an XLSX export could not hold


def test_text_over_the_limit_is_refused():
    assert parse_answer(item("text"), "x" * MAX_TEXT) == ("x" * MAX_TEXT, None)
    assert parse_answer(item("text"), "x" * (MAX_TEXT + 1))[1] == (
        f"Your answer must be {MAX_TEXT} characters or fewer"
    )


@given(
    type_=st.sampled_from(ANSWERABLE),
    raw=posted_text()
    | st.lists(posted_text(), max_size=4)
    | st.dictionaries(st.sampled_from(["day", "month", "year", "time"]), posted_text()),
)
def test_any_posted_value_gives_a_code_or_a_reason_never_an_exception(type_, raw):
    """Whatever arrives, of the shape the type's form sends, is a code or a reason."""
    shape = {"multiple_choice": list, "month_year": dict, "date": dict, "datetime": dict}
    if not isinstance(raw, shape.get(type_, str)) or is_blank(raw):
        return
    value, error = parse_answer(item(type_), raw, TODAY)
    assert (value is None) != (error is None)


@pytest.mark.parametrize("type_", ["note", "calculate"])
def test_a_note_or_calculate_item_is_never_answered(type_):
    with pytest.raises(ValueError, match="never answered"):
        parse_answer(item(type_), "1")


def test_blank_is_nothing_given_in_any_shape():
    assert all(is_blank(raw) for raw in (None, "", [], {"day": "", "month": ""}))
    assert not any(is_blank(raw) for raw in ("0", ["1"], {"day": "1"}))


@pytest.mark.parametrize(
    ("type_", "message"),
    [
        ("multiple_choice", "Select at least one option"),
        ("likert", "Select an answer"),
        ("month_year", "Enter the month and year"),
        ("datetime", "Enter the date and time"),
        ("number", "Enter a number"),
        ("text", "Enter your answer"),
    ],
)
def test_a_required_question_left_blank_says_what_to_give(type_, message):
    assert required_message(item(type_)) == message


def test_a_page_of_answers_parsed_at_once():
    items = [item("number", minimum=0), item("text"), item("multiple_choice")]
    items = [Item(f"q{k}", i.type, i.text, "s", i.choices, minimum=i.minimum)
             for k, i in enumerate(items)]  # fmt: skip
    parsed, problems = parse_answers(items, {"q0": "-1", "q1": "", "q2": ["3", "1"], "x": "9"})
    assert parsed == {"q2": "1 3"}  # a blank answer is no answer; what is not an item, ignored
    assert problems == {"q0": "Enter a number of 0 or more"}
