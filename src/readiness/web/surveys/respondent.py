"""The respondent's pages as data: which sections and questions to show, and reading a page.

Nothing here touches the database or Django's request; views and services pass plain answers
(a mapping of item id to stored code, as :mod:`readiness.instrument.model` defines codes) and
the posted form (anything with ``get`` and ``getlist``).  Conditions (``show_if``) are honoured
here, on the server:

* a question whose condition depends only on earlier pages is shown or left out according to
  the answers saved so far;
* a question whose condition depends on a question of the same page is rendered on that page:
  nested under the choice that reveals it (the NHS.UK "conditional reveal", which without
  JavaScript simply shows it), or, for other conditions, with a hint;
* after every page the answers to questions whose conditions are now false are dropped
  (:func:`drop_hidden`), so a stale answer never reaches a response.

Each answer is parsed and checked per item type by :mod:`readiness.instrument.answers`, with
messages in the NHS.UK style; here the posted form becomes the plain values it takes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from readiness.guide.feedback import Lesson, lesson
from readiness.guide.model import Content, Guide
from readiness.instrument.answers import (
    DATE_PARTS,
    RADIO_TYPES,
    choices_of,
    is_dropdown,
    is_slider,
    parse_answers,
    plain_number,
    required_message,
)
from readiness.instrument.conditions import Leaf, is_missing
from readiness.instrument.derive import with_derived
from readiness.instrument.interface_words import say, words_for
from readiness.instrument.model import DATE_TYPES, UNASKED_TYPES, Instrument, Item, Section
from readiness.instrument.scoring import is_shown


def field_id(item: Item) -> str:
    """The HTML id of the item's first control (the error summary links to it)."""
    if item.type == "month_year":
        return f"q-{item.id}-month"
    if item.type in ("date", "datetime"):
        return f"q-{item.id}-day"
    return f"q-{item.id}"


# -- the respondent's language ------------------------------------------------------------------

_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def choose_language(instrument: Instrument, asked: str | None, kept: str | None) -> str:
    """The language to show: the one just asked for (``?lang=cy``), else the one kept for the
    respondent (a cookie holding the tag alone), else the instrument's default."""
    for tag in (asked, kept):
        if tag and _TAG.match(tag) and tag in instrument.languages:
            return tag
    return instrument.language


def in_language(instrument: Instrument, tag: str) -> Instrument:
    """:meth:`Instrument.in_language`, made once per instrument and language (the instrument
    is immutable, and the answer page is asked for many times a second)."""
    if tag == instrument.language:
        return instrument
    made = instrument.__dict__.get("_in_languages")
    if made is None:
        made = {}
        object.__setattr__(instrument, "_in_languages", made)
    if tag not in made:
        made[tag] = instrument.in_language(tag)
    return made[tag]


def language_choices(instrument: Instrument, current: str) -> list[dict]:
    """The language switch: one entry per language the instrument holds (none when it holds
    one), each with its tag, its name in that language and whether it is the one shown."""
    if len(instrument.languages) < 2:
        return []
    return [
        {"tag": tag, "label": instrument.language_label(tag), "current": tag == current}
        for tag in instrument.languages
    ]


def review_notice(instrument: Instrument, tag: str) -> dict | None:
    """What a page in ``tag`` says while its words await review (the instrument's translation
    or the service's own words, each marked with ``review``): in that language and in English;
    None when neither awaits review."""
    if tag == instrument.language:
        return None
    translation = instrument.translations.get(tag)
    words = words_for(tag)
    if not ((translation and translation.review) or (words and words.review)):
        return None
    if words and words.notice:
        return {"text": words.notice, "text_en": words.notice_en}
    name = instrument.language_label(tag)
    return {
        "text": "",
        "text_en": f"The {name} on these pages is a draft, awaiting review. Thank you for "
        "your patience.",
    }


# -- which sections and questions -------------------------------------------------------------


def _section_condition_holds(section: Section, answers: dict) -> bool:
    return section.show_if is None or section.show_if.evaluate(answers)


def asked_items(section: Section, instrument: Instrument) -> list[Item]:
    """The section's items that a respondent sees: questions and notes (hidden items are filled
    in and calculate items computed, never asked)."""
    return [
        item
        for item in (instrument.item(i) for i in section.items)
        if not item.hidden and item.type != "calculate"
    ]


def pages(
    instrument: Instrument, answers: dict, only: frozenset[str] | None = None
) -> list[Section]:
    """The sections this respondent is shown, in order, given the answers so far (with
    ``only``, of those sections: a wave of an evaluation that asks part of the survey)."""
    out = []
    for section in instrument.sections:
        if only is not None and section.id not in only:
            continue
        if not _section_condition_holds(section, answers):
            continue
        if any(
            _may_show(instrument, section, item, answers)
            for item in asked_items(section, instrument)
        ):
            out.append(section)
    return out


def _may_show(instrument: Instrument, section: Section, item: Item, answers: dict) -> bool:
    """Whether the item is rendered on its page: its condition holds or depends on the page."""
    if item.show_if is None:
        return True
    if item.show_if.items() & set(section.items):
        return True
    return item.show_if.evaluate(answers)


def drop_hidden(instrument: Instrument, answers: dict) -> dict:
    """The answers without those to items whose conditions are false, and with every calculate
    item computed (:func:`readiness.instrument.derive.with_derived`), repeated to a fixpoint."""
    current = dict(answers)
    while True:
        kept = {
            k: v
            for k, v in current.items()
            if k not in instrument.item_ids or is_shown(instrument, k, current)
        }
        kept = with_derived(instrument, kept)
        if kept == current:
            return kept
        current = kept


# -- the page's fields, for the templates ------------------------------------------------------


@dataclass
class Field:
    """One question on a page: the macro to use and its parameters, and nested questions."""

    item: Item
    macro: str  # radios | checkboxes | select | input | textarea | date | note
    params: dict
    children: dict[str, list[Field]] = field(default_factory=dict)  # by choice code
    html: Any = None  # filled by the renderer


def _parent_choice(section: Section, instrument: Instrument, item: Item) -> tuple[str, str] | None:
    """(parent item id, choice code) when the item is revealed by one choice on the same page."""
    cond = item.show_if
    if not isinstance(cond, Leaf) or cond.item not in section.items:
        return None
    parent = instrument.item(cond.item)
    if parent.hidden or is_dropdown(parent):
        return None
    if cond.op == "equals" and parent.type in RADIO_TYPES:
        return parent.id, str(cond.value)
    if cond.op == "selected" and parent.type == "multiple_choice":
        return parent.id, str(cond.value)
    return None


def build_fields(
    instrument: Instrument,
    section: Section,
    answers: dict,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    interface_lang: str = "",
) -> list[Field]:
    """The page's questions as a tree of :class:`Field` (nested under revealing choices).

    ``answers`` are the saved answers (used for conditions on earlier pages and as the values
    shown); ``values`` the raw values just posted (shown back when the page had errors).
    ``interface_lang``, on a page in another language than the service's own words, is their
    language ("en-GB"): they are marked with it (hints, "(required)", error messages).
    """
    errors = errors or {}
    items = [
        i for i in asked_items(section, instrument) if _may_show(instrument, section, i, answers)
    ]
    fields = {
        item.id: _field(item, answers, values, errors.get(item.id), interface_lang)
        for item in items
    }
    top: list[Field] = []
    for item in items:
        parent = _parent_choice(section, instrument, item)
        if parent and parent[0] in fields:
            fields[parent[0]].children.setdefault(parent[1], []).append(fields[item.id])
        else:
            if (
                item.type != "note"
                and item.show_if is not None
                and item.show_if.items() & set(section.items)
            ):
                hint = fields[item.id].params.setdefault("hint", {})
                extra = _ui("Answer only if it applies to you.", interface_lang)
                hint["text"] = Markup(" ").join([hint.get("text") or "", extra]).strip()
            top.append(fields[item.id])
    return top


def _raw(item: Item, answers: dict, values: dict | None) -> Any:
    if values is not None:
        return values.get(item.id)
    value = answers.get(item.id)
    if is_missing(value) if not isinstance(value, list) else not value:
        return None
    if item.type == "multiple_choice":
        return str(value).split()
    if item.type == "month_year":
        year, _, month = str(value).partition("-")
        return {"month": str(int(month)) if month.isdigit() else month, "year": year}
    if item.type in ("date", "datetime"):
        day_part, _, time = str(value).partition("T")
        year, month, day = (day_part.split("-") + ["", ""])[:3]
        parts = {"day": day.lstrip("0"), "month": month.lstrip("0"), "year": year}
        return {**parts, "time": time} if item.type == "datetime" else parts
    if item.type == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ui(text: str, lang: str) -> str:
    """The service's own words: in ``lang`` when Readiness has its words in it (Welsh), else
    marked with their language (``lang`` is then "en-GB") on a page in another one."""
    if lang and words_for(lang) is not None:
        return say(text, lang)
    return Markup('<span lang="{}">{}</span>').format(lang, text) if lang else text


def error_line(item: Item, error: str, ours: str = "") -> str:
    """The line of the error summary: the question, then what is wrong (in the service's
    words, marked with their language, unless it is the item's own constraint message)."""
    if not ours:
        return f"{item.text} - {error}"
    shown = error if error == item.constraint_message else _ui(error, ours)
    return Markup("{} - {}").format(item.text, shown)


def _field(
    item: Item, answers: dict, values: dict | None, error: str | None, ours: str = ""
) -> Field:
    """One question's macro and parameters; ``ours`` as ``interface_lang`` of build_fields."""
    raw = _raw(item, answers, values)
    question: str = item.text
    if item.required:
        question = Markup("{} {}").format(item.text, _ui("(required)", ours))
    legend = {"text": question, "size": "s"}
    common: dict[str, Any] = {}
    if item.help:
        common["hint"] = {"text": item.help}
    if error:
        mine = error == item.constraint_message  # the instrument's words, in its language
        common["errorMessage"] = {"text": error if mine else _ui(error, ours)}
    fid = field_id(item)
    if item.type == "note":
        return Field(item, "note", {"id": fid, "text": item.text, **common})
    if is_dropdown(item):
        return Field(item, "select", _select_params(item, raw, fid, common, question, ours))
    if item.type in DATE_TYPES:
        return _date_field(item, raw, fid, common, legend, ours)
    if is_slider(item):
        return Field(item, "input", _slider_params(item, raw, fid, common, question, ours))
    if item.type in RADIO_TYPES or item.type == "multiple_choice":
        selected = set(raw) if isinstance(raw, list) else ({raw} if raw is not None else set())
        options = [
            {
                "value": str(c.code),
                "text": c.label,
                "checked": str(c.code) in selected,
            }
            for c in choices_of(item)
        ]
        params = {
            "idPrefix": fid,
            "name": item.id,
            "fieldset": {"legend": legend},
            "items": options,
            **common,
        }
        if item.type == "true_false":
            params["classes"] = "nhsuk-radios--inline"
        return Field(item, "checkboxes" if item.type == "multiple_choice" else "radios", params)
    if item.type == "month_year":
        raw = raw if isinstance(raw, dict) else {}
        bad = "nhsuk-input--error" if error else ""
        params = {
            "id": f"q-{item.id}",
            "namePrefix": item.id,
            "fieldset": {"legend": legend},
            "items": [
                {
                    "name": "month",
                    "label": _ui("Month", ours),
                    "classes": f"nhsuk-input--width-2 {bad}".strip(),
                    "value": raw.get("month") or "",
                    "inputmode": "numeric",
                },
                {
                    "name": "year",
                    "label": _ui("Year", ours),
                    "classes": f"nhsuk-input--width-4 {bad}".strip(),
                    "value": raw.get("year") or "",
                    "inputmode": "numeric",
                },
            ],
            **common,
        }
        if "hint" not in params:
            params["hint"] = {"text": _ui("For example, 3 2019", ours)}
        return Field(item, "date", params)
    label = {"text": question, "size": "s"}
    if item.type == "number":
        params = {
            "id": fid,
            "name": item.id,
            "label": label,
            "value": raw or "",
            "classes": "nhsuk-input--width-5",
            "inputmode": "numeric" if item.integer else "decimal",
            "spellcheck": False,
            **common,
        }
        return Field(item, "input", params)
    params = {
        "id": fid,
        "name": item.id,
        "label": label,
        "value": raw or "",
        "rows": 4,
        **common,
    }
    return Field(item, "textarea", params)


def _select_params(item: Item, raw: Any, fid: str, common: dict, question: str, ours: str) -> dict:
    options = [{"value": "", "text": say("Choose an answer", ours), "selected": raw is None}]
    if ours:
        options[0]["attributes"] = {"lang": ours}
    options += [
        {"value": str(c.code), "text": c.label, "selected": str(c.code) == raw}
        for c in choices_of(item)
    ]
    return {
        "id": fid,
        "name": item.id,
        "label": {"text": question, "size": "s"},
        "items": options,
        **common,
    }


def _date_field(item: Item, raw: Any, fid: str, common: dict, legend: dict, ours: str) -> Field:
    """A date as the NHS.UK date input (day, month, year); a time as the browser's own time
    input (the NHS.UK design system has no time pattern); a date and time as the date input
    with a time input after the year.  All are checked on the server."""
    bad = "nhsuk-input--error" if "errorMessage" in common else ""
    if item.type in ("date", "datetime"):
        raw = raw if isinstance(raw, dict) else {}
        parts = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))
        if item.type == "datetime":
            parts += (("time", "Time", 10),)  # room for a 12-hour clock's AM/PM
        params = {
            "id": f"q-{item.id}",
            "namePrefix": item.id,
            "fieldset": {"legend": legend},
            "items": [
                {
                    "name": name,
                    "label": _ui(label, ours),
                    "classes": f"nhsuk-input--width-{width} {bad}".strip(),
                    "value": raw.get(name) or "",
                    "inputmode": "numeric",
                    **({"type": "time"} if name == "time" else {}),
                }
                for name, label, width in parts
            ],
            **common,
        }
        example = "15 3 2024" + (", 14:30" if item.type == "datetime" else "")
        params.setdefault("hint", {"text": _ui(f"For example, {example}", ours)})
        return Field(item, "date", params)
    params = {
        "id": fid,
        "name": item.id,
        "type": "time",
        "label": {"text": legend["text"], "size": "s"},
        "value": raw or "",
        "classes": "nhsuk-input--width-10",
        **common,
    }
    params.setdefault("hint", {"text": _ui("For example, 14:30", ours)})
    return Field(item, "input", params)


def _slider_params(item: Item, raw: Any, fid: str, common: dict, question: str, ours: str) -> dict:
    """A number with a range input beside it: the number box is what is sent (and works
    without JavaScript, and may be left empty); slider.js shows the range and keeps the two
    in step, so the value chosen is always shown as a number."""
    from markupsafe import escape

    step = "1" if item.integer else "any"
    lo, hi = plain_number(item.minimum), plain_number(item.maximum)
    start = raw if raw not in (None, "") else plain_number((item.minimum + item.maximum) / 2)
    slider = Markup(
        '<input type="range" class="readiness-slider" id="{fid}-range" min="{lo}" max="{hi}" '
        'step="{step}" value="{start}" data-slider-for="{fid}" aria-label="{label}" hidden>'
    ).format(fid=fid, lo=lo, hi=hi, step=step, start=start, label=escape(item.text))
    hint = common.get("hint", {}).get("text", "")
    bounds = _ui(f"From {lo} to {hi}.", ours)
    return {
        "id": fid,
        "name": item.id,
        "label": {"text": question, "size": "s"},
        "value": raw or "",
        "classes": "nhsuk-input--width-5",
        "inputmode": "numeric" if item.integer else "decimal",
        "spellcheck": False,
        "formGroup": {"afterInput": {"html": slider}},
        **common,
        "hint": {"text": Markup(" ").join([hint, bounds]).strip()},
    }


# -- reading a posted page ---------------------------------------------------------------------


@dataclass
class PageResult:
    answers: dict  # the saved answers merged with this page's valid answers, hidden ones dropped
    errors: dict[str, str]  # item id -> message, in page order
    values: dict  # the raw values posted, to show back


def posted_values(items: list[Item], form) -> dict[str, Any]:
    """Each item's posted value, as plain data (:data:`readiness.instrument.answers.Posted`)."""
    return {item.id: _posted(item, form) for item in items}


def _posted(item: Item, form) -> Any:
    if item.type == "multiple_choice":
        return [v for v in form.getlist(item.id) if v.strip()]
    if item.type == "month_year":
        return {
            "month": (form.get(f"{item.id}[month]") or "").strip(),
            "year": (form.get(f"{item.id}[year]") or "").strip(),
        }
    if item.type in ("date", "datetime"):
        parts = DATE_PARTS + (("time",) if item.type == "datetime" else ())
        return {part: (form.get(f"{item.id}[{part}]") or "").strip() for part in parts}
    if item.type == "note":
        return None
    value = form.get(item.id)
    return value.strip() if isinstance(value, str) else None


def read_page(
    instrument: Instrument,
    section: Section,
    form,
    answers: dict,
    *,
    validate: bool = True,
    today: date | None = None,
) -> PageResult:
    """Merge a posted page into the saved answers; errors only for questions still shown.

    With ``validate=False`` (saving to finish later) invalid answers are left out silently
    and required questions may be blank.
    """
    items = [
        i for i in asked_items(section, instrument) if _may_show(instrument, section, i, answers)
    ]
    values = posted_values(items, form)
    parsed, problems = parse_answers(items, values, today)
    merged = {k: v for k, v in answers.items() if k not in values}
    merged.update(parsed)
    merged = drop_hidden(instrument, merged)
    errors: dict[str, str] = {}
    if validate:
        for item in items:
            if not is_shown(instrument, item.id, merged):
                continue
            if item.id in problems:
                errors[item.id] = problems[item.id]
            elif item.required and item.id not in merged:
                errors[item.id] = required_message(item)
    return PageResult(merged, errors, values)


# -- after submission --------------------------------------------------------------------------


def knowledge_feedback(
    instrument: Instrument,
    answers: dict,
    nation: str = "england",
    *,
    content: Content | None = None,
    as_of: date | None = None,
    contacts: Mapping[str, Any] | None = None,
) -> Lesson:
    """The lesson shown after submission (:func:`readiness.guide.feedback.lesson`): for each
    knowledge statement shown, the right answer, why and its dated sources, the published
    figure where there is one, the calibration box and the nation's "what to do" card.

    ``content`` is the guide's content; without it (the guide cannot be loaded) each statement
    keeps the instrument's own explanation and source, and there is no card.
    """
    return lesson(
        content or _NO_GUIDE,
        instrument,
        answers,
        nation,
        as_of or date.today(),
        contacts=contacts,
    )


# Guide content with nothing in it: the lesson then falls back to the instrument's own words.
_NO_GUIDE = Content(
    guide=Guide(
        id="", version="", title="", start="", disclaimer="", acronyms={}, nodes={}, actions={}
    ),
    facts={},
    sources={},
    slots={},
)


def count_answered(
    instrument: Instrument, answers: dict, only: frozenset[str] | None = None
) -> tuple[int, int]:
    """(questions answered, questions shown) over the whole instrument (with ``only``, over
    those sections)."""
    shown = [
        i
        for i in instrument.items
        if not i.hidden
        and i.type not in UNASKED_TYPES
        and (only is None or i.section in only)
        and is_shown(instrument, i.id, answers)
    ]
    return sum(1 for i in shown if i.id in answers), len(shown)


@dataclass
class GivenAnswer:
    """One question on the check page, with the answer as the respondent reads it."""

    item: Item
    text: str
    answered: bool

    @property
    def anchor(self) -> str:
        return field_id(self.item)


def given_answers(
    instrument: Instrument, answers: dict, sections: list[Section]
) -> list[tuple[Section, list[GivenAnswer]]]:
    """The questions shown on each page, with the answers given (for the check page)."""
    out = []
    for section in sections:
        rows = [
            GivenAnswer(item, answer_text(item, answers.get(item.id)), item.id in answers)
            for item in asked_items(section, instrument)
            if item.type not in UNASKED_TYPES and is_shown(instrument, item.id, answers)
        ]
        out.append((section, rows))
    return out


def answer_text(item: Item, value: Any) -> str:
    """An answer in the words of the question's choices ('Agree'; 'March 2019'); no codes."""
    if value is None or value == "":
        return "Not answered"
    labels = {_code_key(c.code): c.label for c in choices_of(item)}
    if item.type == "multiple_choice":
        return "; ".join(labels.get(_code_key(c), c) for c in str(value).split())
    if labels:
        return labels.get(_code_key(value), str(value))
    if item.type == "month_year":
        year, _, month = str(value).partition("-")
        if month.isdigit() and 1 <= int(month) <= 12:
            return f"{date(2000, int(month), 1).strftime('%B')} {year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _code_key(code: Any) -> str:
    """A choice code compared as written: 1, 1.0 and "1" alike."""
    try:
        return plain_number(float(code))
    except (TypeError, ValueError):
        return str(code)
