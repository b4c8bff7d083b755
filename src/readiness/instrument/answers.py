"""One answer as a respondent gives it, per item type: the stored code, or why it is refused.

A posted answer is plain data, whatever collected it (a web form, a paper form keyed in):

* a choice (single choice, Likert, yes/no, true/false, and a single choice shown as a
  drop-down): the code as text, ``"2"``;
* a multiple choice: the codes ticked, as a list of texts, ``["1", "3"]``;
* a number (also one shown as a slider), a time (``HH:MM``) and text: the text typed;
* a month and year: ``{"month": "3", "year": "2024"}``;
* a date: ``{"day": ..., "month": ..., "year": ...}``, and a date and time with ``"time"``
  too.

:func:`parse_answer` turns it into the code :mod:`readiness.instrument.model` stores (a choice's
code, the ticked codes in the instrument's order separated by spaces, a number, ISO 8601 text,
text without control characters) or gives the reason it was refused, in the NHS.UK style
("Enter a whole number between 0 and 60"), to show beside the question.  Notes and calculate
items are never answered: a calculate item is computed from the answers
(:func:`readiness.instrument.derive.with_derived`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, cast

from readiness.instrument.model import (
    DATE_TYPES,
    UNASKED_TYPES,
    Item,
    choices_of,
)
from readiness.responses.validate import parser_for
from readiness.tabular import clean_text

RADIO_TYPES = ("single_choice", "likert", "yes_no", "true_false")
DATE_PARTS = ("day", "month", "year")
MAX_TEXT = 2000  # characters of a text answer
Posted = str | list[str] | dict[str, str] | None
Parsed = tuple[Any, str | None]  # (stored code, None) or (None, the reason it was refused)

_WHOLE = re.compile(r"^\s*\d+\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_BAD_TIME = "Enter a time on the 24-hour clock, for example 14:30"
_BAD_DATE = "The date must be a real date, for example 15 3 2024"


def is_dropdown(item: Item) -> bool:
    """A single choice shown as a drop-down list (XLSForm's "minimal" and "autocomplete",
    REDCap's dropdown and autocomplete), rather than as radio buttons."""
    words = set(item.appearance.split())  # XLSForm: "minimal", "minimal search", "autocomplete"
    return item.type in RADIO_TYPES and bool(words & {"dropdown", "autocomplete", "minimal"})


def is_slider(item: Item) -> bool:
    """A number shown with a slider: it needs both bounds."""
    return (
        item.type == "number"
        and item.appearance == "slider"
        and item.minimum is not None
        and item.maximum is not None
    )


def is_blank(raw: Posted) -> bool:
    """Whether nothing was given: no value, an empty text, no box ticked, no date part."""
    if raw is None:
        return True
    if isinstance(raw, list):
        return not raw
    if isinstance(raw, dict):
        return not any(raw.values())
    return raw == ""


def required_message(item: Item) -> str:
    """What a required question left blank says."""
    if item.type == "multiple_choice":
        return "Select at least one option"
    if item.type in RADIO_TYPES:
        return "Select an answer"
    by_type = {
        "month_year": "Enter the month and year",
        "date": "Enter the date",
        "time": "Enter the time",
        "datetime": "Enter the date and time",
        "number": "Enter a number",
    }
    return by_type.get(item.type, "Enter your answer")


def parse_answer(item: Item, raw: Posted, today: date | None = None) -> Parsed:
    """(stored code, None) or (None, the reason) for one answer that is not blank
    (:func:`is_blank`).  ``today`` bounds a month and year (default: the date today)."""
    if item.type in UNASKED_TYPES:
        raise ValueError(f"{item.id}: a {item.type} item is never answered")
    # The value has the shape the item's type is posted in (the module's list says which).
    if item.type in RADIO_TYPES:
        return _parse_choice(item, cast(str, raw))
    if item.type == "month_year":
        return _parse_month_year(cast(dict, raw), today or date.today())
    if item.type in DATE_TYPES:
        return parse_date_value(item, raw)
    parse = _PARSERS.get(item.type, _parse_text)
    return parse(item, raw)


def parse_answers(
    items: Iterable[Item], posted: Mapping[str, Posted], today: date | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers to ``items`` given in ``posted`` (item id -> posted value; a blank or absent
    one is no answer): (item id -> stored code, item id -> the reason it was refused)."""
    parsed: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for item in items:
        raw = posted.get(item.id)
        if is_blank(raw):
            continue
        value, problem = parse_answer(item, raw, today)
        if problem:
            problems[item.id] = problem
        else:
            parsed[item.id] = value
    return parsed, problems


def _parse_choice(item: Item, raw: str) -> Parsed:
    for c in choices_of(item):
        if str(c.code) == raw:
            return c.code, None
    return None, "Select one of the answers"


def _parse_multiple(item: Item, raw: list[str]) -> Parsed:
    codes = {str(c.code) for c in choices_of(item)}
    if any(v not in codes for v in raw):
        return None, "Select from the options given"
    ticked = set(raw)
    return " ".join(str(c.code) for c in choices_of(item) if str(c.code) in ticked), None


def plain_number(x: float) -> str:
    """A bound as a person writes it: 60, not 60.0; 2.5 as it is."""
    return str(int(x)) if float(x).is_integer() else str(x)


def number_wanted(item: Item) -> str:
    """What a number item asks for, with its bounds: "Enter a whole number between 0 and 60"."""
    lo, hi = item.minimum, item.maximum
    kind = "a whole number" if item.integer else "a number"
    if lo is not None and hi is not None:
        return f"Enter {kind} between {plain_number(lo)} and {plain_number(hi)}"
    if lo is not None:
        return f"Enter {kind} of {plain_number(lo)} or more"
    if hi is not None:
        return f"Enter {kind} of {plain_number(hi)} or less"
    return f"Enter {kind}"


def _parse_number(item: Item, raw: str) -> Parsed:
    text = raw.replace(",", "")  # thousands separators: 1,200
    value, problem = parser_for(item)(text)
    if problem is not None:
        custom = item.constraint_message if _out_of_range(item, text) else ""
        return None, custom or number_wanted(item)
    return (int(value) if float(value).is_integer() else float(value)), None


def _out_of_range(item: Item, text: str) -> bool:
    """Whether the text is a number below the item's minimum or above its maximum."""
    if not _NUMBER.match(text):
        return False
    value = float(text)
    return (item.minimum is not None and value < item.minimum) or (
        item.maximum is not None and value > item.maximum
    )


def _parse_month_year(raw: dict[str, str], today: date) -> Parsed:
    month, year = raw.get("month", ""), raw.get("year", "")
    if not month:
        return None, "The date must include a month"
    if not year:
        return None, "The date must include a year"
    if not _WHOLE.match(month) or not 1 <= int(month) <= 12:
        return None, "Month must be a number from 1 to 12"
    if not _WHOLE.match(year) or len(year.strip()) != 4:
        return None, "Year must include 4 numbers"
    stored = f"{int(year):04d}-{int(month):02d}"
    if int(year) < 1900 or stored > f"{today.year:04d}-{today.month:02d}":
        return None, "The date must be in the past"
    return stored, None


def parse_date_value(item: Item, raw: Posted) -> Parsed:
    """A date (day, month and year), time (HH:MM, as a browser's time input sends it) or date
    and time (both) as its ISO text, or the NHS.UK error."""
    if item.type == "time":
        text = cast(str, raw)
    else:
        text, problem = _date_text(item, cast(dict, raw))
        if problem:
            return None, problem
    value, refused = parser_for(item)(text)
    if refused is None:
        return value, None
    return None, _BAD_TIME if item.type == "time" else _BAD_DATE


def _date_text(item: Item, raw: dict[str, str]) -> tuple[str, str | None]:
    """The ISO text of a posted date (and time), unchecked as a date, or the error."""
    for part in DATE_PARTS:
        if not raw.get(part):
            return "", f"The date must include a {part}"
    if not all(_WHOLE.match(raw[p]) for p in DATE_PARTS) or len(raw["year"]) != 4:
        return "", _BAD_DATE
    text = f"{int(raw['year']):04d}-{int(raw['month']):02d}-{int(raw['day']):02d}"
    if item.type != "datetime":
        return text, None
    if not raw.get("time"):
        return "", "The date and time must include a time"
    if parser_for(replace(item, type="time"))(raw["time"])[1] is not None:
        return "", _BAD_TIME
    return f"{text}T{raw['time']}", None


def _parse_text(item: Item, raw: str) -> Parsed:
    text = clean_text(raw).strip()  # no control character reaches storage or an export
    if len(text) > MAX_TEXT:
        return None, f"Your answer must be {MAX_TEXT} characters or fewer"
    return text, None


_PARSERS: dict[str, Callable[[Item, Any], Parsed]] = {
    "multiple_choice": _parse_multiple,
    "number": _parse_number,
}
