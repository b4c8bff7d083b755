"""Property tests: random valid instruments survive ours -> REDCap -> ours and ours -> XLSForm ->
ours; the branching-logic and relevant parsers either parse or raise ExpressionError."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyxform.xls2xform import convert

from readiness.instrument import build_instrument, instrument_to_data
from readiness.instrument.conditions import Condition, parse_condition
from readiness.instrument.interop import (
    ExpressionError,
    canonical_condition,
    format_redcap_logic,
    format_xlsform_relevant,
    parse_redcap_logic,
    parse_xlsform_relevant,
)
from readiness.instrument.model import DATE_TYPES, ITEM_TYPES, META_COLUMNS, UNASKED_TYPES
from readiness.instrument.redcap import read_redcap_dictionary, write_redcap_dictionary
from readiness.instrument.xlsform import read_xlsform, write_xlsform

FILES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


IDS = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda s: s not in META_COLUMNS and s != "meta" and not s.startswith("sec")
)
WORD_CODES = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda s: not _is_number(s)
)
WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJéüß0123456789?.,'\"()-&<>/!:;",
    min_size=1,
    max_size=8,
)
TEXT = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
TEXT_VALUES = st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)
NUMBERS = st.one_of(st.integers(-5, 120), st.sampled_from([0.5, 2.25, -1.5, 10.125]))
FIXED = {"yes_no": [1, 0], "true_false": [1, 0, 8]}


@st.composite
def choice_list(draw, likert: bool = False) -> list[dict]:
    k = draw(st.integers(2, 5)) if likert else draw(st.integers(1, 5))
    if likert or draw(st.booleans()):
        start = draw(st.integers(-1, 2))
        codes: list[Any] = list(range(start, start + k))
    else:
        codes = draw(st.lists(WORD_CODES, min_size=k, max_size=k, unique=True))
    labels = draw(st.lists(TEXT, min_size=k, max_size=k))
    return [{"code": c, "label": label} for c, label in zip(codes, labels, strict=True)]


def codes_of(item: dict, choice_sets: dict) -> list:
    if item["type"] in FIXED:
        return FIXED[item["type"]]
    choices = item.get("choices", [])
    if isinstance(choices, str):
        choices = choice_sets[choices]
    return [c["code"] for c in choices]


@st.composite
def leaf(draw, targets: list[dict], choice_sets: dict) -> dict:
    target = draw(st.sampled_from(targets))
    kind = target["type"]
    codes = codes_of(target, choice_sets)
    if kind in ("single_choice", "likert", "yes_no", "true_false"):
        ops = ["equals", "not_equals", "in", "not_in", "answered"]
        if kind == "likert":
            ops += ["gt", "ge", "lt", "le"]
    elif kind == "multiple_choice":
        ops = ["selected", "answered"]
    elif kind == "number":
        ops = ["equals", "not_equals", "in", "gt", "ge", "lt", "le", "answered"]
    else:
        ops = ["equals", "not_equals", "answered"]
    op = draw(st.sampled_from(ops))
    if op == "answered":
        value: Any = draw(st.booleans())
    elif kind == "number":
        value = (
            draw(st.lists(NUMBERS, min_size=1, max_size=3, unique=True))
            if op == "in"
            else draw(NUMBERS)
        )
    elif op in ("gt", "ge", "lt", "le"):
        value = draw(st.integers(-2, 7))
    elif kind in ("text", "month_year", *DATE_TYPES):
        value = draw(TEXT_VALUES)
    elif kind == "calculate":
        value = draw(st.sampled_from([1, 0]))  # a calculation stores 1 or 0
    elif op in ("in", "not_in"):
        value = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True))
    else:
        value = draw(st.sampled_from(codes))
    return {"item": target["id"], op: value}


def conditions(targets: list[dict], choice_sets: dict, depth: int = 2) -> st.SearchStrategy:
    base = leaf(targets, choice_sets)
    if depth == 0:
        return base
    inner = conditions(targets, choice_sets, depth - 1)
    return st.one_of(
        base,
        base,
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x}),
    )


# Dates, times, notes and calculations are held by the model (test_languages_and_types.py);
# each tool's reader and writer learns them item by item, and they join that tool's list then.
BASIC_TYPES = tuple(t for t in ITEM_TYPES if t not in (*DATE_TYPES, *UNASKED_TYPES))
REDCAP_TYPES = ITEM_TYPES  # dates, times, notes (descriptive) and calculations (calc) too
XLSFORM_TYPES = ITEM_TYPES  # dates, times, notes and calculations too
LANGUAGES = [("cy", "Cymraeg"), ("fr", "Français"), ("pt-BR", "Português"), ("ar", "")]
DEFAULT_LANGUAGES = [
    ("en", "English"), ("en-GB", ""), ("en-GB", "English"), ("und-x-lingo", "Lingo 🗣"),
    ("und-x-lingo", ""),
]  # fmt: skip


@st.composite
def instruments(draw, kinds: tuple[str, ...] = BASIC_TYPES) -> dict:  # noqa: C901 - draws each optional part
    n_items = draw(st.integers(1, 9))
    ids = draw(st.lists(IDS, min_size=n_items, max_size=n_items, unique=True))
    choice_sets: dict[str, list] = {}
    if draw(st.booleans()):
        choice_sets["agree"] = draw(choice_list(likert=True))
    sources = {"src": {"citation": "Somebody, A guide, 2020."}}
    items: list[dict] = []
    for item_id in ids:
        kind = draw(st.sampled_from(kinds))
        answered = [i for i in items if i["type"] != "note"]  # what a condition may ask about
        if kind == "calculate" and not answered:
            kind = "text"
        item: dict[str, Any] = {"id": item_id, "type": kind, "text": draw(TEXT)}
        if kind == "calculate":
            item["calculation"] = draw(conditions(answered, choice_sets))
        if kind in ("single_choice", "multiple_choice"):
            item["choices"] = draw(choice_list())
        elif kind == "likert":
            use_set = choice_sets and draw(st.booleans())
            item["choices"] = "agree" if use_set else draw(choice_list(likert=True))
        elif kind == "true_false":
            item["key"] = draw(st.booleans())
            item["explanation"] = draw(TEXT)
            if draw(st.booleans()):
                item["source"] = "src"
        elif kind == "number":
            low = draw(st.none() | NUMBERS)
            high = draw(st.none() | NUMBERS)
            if low is not None and high is not None and low > high:
                low, high = high, low
            if low is not None:
                item["min"] = low
            if high is not None:
                item["max"] = high
            if draw(st.booleans()):
                item["integer"] = True
        if draw(st.booleans()):
            item["help"] = draw(TEXT)
        if kind not in UNASKED_TYPES and draw(st.booleans()):
            item["required"] = True
        if kind in ("text", "single_choice", "number") and draw(st.integers(0, 3)) == 0:
            item["hidden"] = True
        if answered and draw(st.booleans()):
            item["show_if"] = draw(conditions(answered, choice_sets))
        items.append(item)
    n_sections = draw(st.integers(1, min(3, n_items)))
    cuts = (
        sorted(draw(st.sets(st.integers(1, n_items - 1), max_size=n_sections - 1)))
        if (n_items > 1)
        else []
    )
    bounds = [0, *cuts, n_items]
    sections = []
    for s_index in range(len(bounds) - 1):
        first = bounds[s_index]
        section: dict[str, Any] = {
            "id": f"sec{s_index}",
            "title": draw(TEXT),
            "items": items[first : bounds[s_index + 1]],
        }
        if draw(st.booleans()):
            section["intro"] = draw(TEXT)
        answered = [i for i in items[:first] if i["type"] != "note"]
        if answered and draw(st.booleans()):
            section["show_if"] = draw(conditions(answered, choice_sets, depth=1))
        sections.append(section)
    data: dict[str, Any] = {
        "id": draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)),
        "version": draw(st.sampled_from([1, 2, "1.1", "2024-06"])),
        "title": draw(TEXT),
        "sources": sources,
        "sections": sections,
    }
    if choice_sets:
        data["choice_sets"] = choice_sets
    if draw(st.booleans()):
        data["notice"] = draw(TEXT)
    scorable = [i for i in items if i["type"] in ("likert", "yes_no", "true_false")]
    if scorable and draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(scorable), min_size=1, unique_by=lambda i: i["id"]))
        likert = [i["id"] for i in members if i["type"] == "likert"]
        scale = {
            "id": "score_total",
            "label": draw(TEXT),
            "items": [i["id"] for i in members],
            "scoring": draw(st.sampled_from(["mean", "sum"])),
            "reverse": draw(st.lists(st.sampled_from(likert), unique=True)) if likert else [],
        }
        data["scales"] = [scale]
        data["indicators"] = [
            {"id": "score_low", "label": draw(TEXT), "scale": "score_total", "when": {"lt": 2}}
        ]
    return data


def canonical_data(instrument, push_not: bool) -> dict:
    """The instrument's data with every condition in its round-trip (canonical) form."""
    targets = {item.id: item for item in instrument.items}
    data = instrument_to_data(instrument)
    for section_data, section in zip(data["sections"], instrument.sections, strict=True):
        if section.show_if is not None:
            section_data["show_if"] = canonical_condition(
                section.show_if, push_not=push_not, targets=targets
            ).to_data()
        for item_data in section_data["items"]:
            item = instrument.item(item_data["id"])
            if item.show_if is not None:
                item_data["show_if"] = canonical_condition(
                    item.show_if, push_not=push_not, targets=targets
                ).to_data()
    return data


# --- random instruments survive both round trips -------------------------------------------


@st.composite
def redcap_instruments(draw) -> dict:
    """Instruments with what REDCap shows besides the types: dropdowns (autocomplete), sliders,
    multi-line text boxes, constraint messages and the language's name."""
    data = draw(instruments(REDCAP_TYPES))
    for item in (i for section in data["sections"] for i in section["items"]):
        kind = item["type"]
        if kind in ("single_choice", "likert", "true_false") and draw(st.integers(0, 2)) == 0:
            item["appearance"] = draw(st.sampled_from(["dropdown", "autocomplete"]))
        slider = "min" in item and "max" in item and not item.get("integer")
        if kind == "number" and slider and draw(st.booleans()):
            item["appearance"] = "slider"  # REDCap's slider has both ends and whole numbers
        if kind == "text" and draw(st.booleans()):
            item["appearance"] = "multiline"
        if kind not in UNASKED_TYPES and draw(st.integers(0, 3)) == 0:
            item["constraint_message"] = draw(TEXT)
    if draw(st.booleans()):
        data["language_name"] = draw(TEXT)
    return data


def with_canonical_calculations(expected: dict, instrument) -> dict:
    """A calculation is written as logic and read back in its canonical form, as conditions."""
    targets = {item.id: item for item in instrument.items}
    for item_data in (i for section in expected["sections"] for i in section["items"]):
        calculation = instrument.item(item_data["id"]).calculation
        if calculation is not None:
            item_data["calculation"] = canonical_condition(
                calculation, push_not=True, targets=targets
            ).to_data()
    return expected


@FILES
@given(redcap_instruments())
def test_random_instruments_survive_a_redcap_round_trip(data):
    instrument = build_instrument(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dictionary.csv"
        written = write_redcap_dictionary(instrument, path)
        back = read_redcap_dictionary(path, base=instrument)
    expected = with_canonical_calculations(canonical_data(instrument, push_not=True), instrument)
    used = {item.choice_set for item in instrument.items if item.choice_set}
    unused = set(instrument.choice_sets) - used
    if unused:  # REDCap has no named lists: a set no item uses is reported, not written
        assert unused <= {note.field for note in written.unmapped}
        expected["choice_sets"] = {k: v for k, v in expected["choice_sets"].items() if k in used}
        if not expected["choice_sets"]:
            del expected["choice_sets"]
    assert instrument_to_data(back.instrument) == expected
    assert back.unmapped == []


def _appearance(draw, item: dict) -> None:
    """What XLSForm shows besides the type: a dropdown (ODK's minimal), a slider (a range: whole
    numbers, both ends), a multi-line text box, a date without a calendar."""
    kind = item["type"]
    whole = isinstance(item.get("min"), int) and isinstance(item.get("max"), int)
    choices = {
        "single_choice": ["minimal", "minimal search"],
        "text": ["multiline"],
        "date": ["no-calendar"],
        "number": ["slider"] if item.get("integer") and whole and not item.get("hidden") else [],
    }.get(kind, [])
    if choices and draw(st.booleans()):
        item["appearance"] = draw(st.sampled_from(choices))
    if kind == "number" and ("min" in item or "max" in item) and draw(st.booleans()):
        item["constraint_message"] = draw(TEXT)


def _item_texts(draw, item: dict, set_labels: dict[str, str]) -> dict:
    texts: dict[str, Any] = {}
    for key in ("text", "help", "constraint_message"):
        if item.get(key) and draw(st.booleans()):
            texts[key] = draw(TEXT)
    choices = item.get("choices")
    if isinstance(choices, str):
        texts["choices"] = set_labels  # a named list has one label a language
    elif choices and item["type"] in ("single_choice", "multiple_choice", "likert"):
        chosen = draw(st.lists(st.sampled_from(choices), unique_by=lambda c: str(c["code"])))
        labels = {str(c["code"]): draw(TEXT) for c in chosen}
        if labels:
            texts["choices"] = labels
    return {k: v for k, v in texts.items() if v}


@st.composite
def xlsform_instruments(draw, languages: bool = True) -> dict:
    """Instruments with what XLSForm holds besides the types: appearances, constraint messages
    and, with ``languages``, the default language's tag and name and up to two translations
    (section titles and intros, item texts, hints, constraint messages and choice labels)."""
    data = draw(instruments(XLSFORM_TYPES))
    items = [i for section in data["sections"] for i in section["items"]]
    for item in items:
        _appearance(draw, item)
    if not languages:
        return data
    data["language"], name = draw(st.sampled_from(DEFAULT_LANGUAGES))
    if name:
        data["language_name"] = name
    tags = draw(st.lists(st.sampled_from(LANGUAGES), max_size=2, unique_by=lambda t: t[0]))
    translations = {}
    for tag, name in tags:
        agree = {str(c["code"]): draw(TEXT) for c in data.get("choice_sets", {}).get("agree", [])}
        body: dict[str, Any] = {"name": name} if name else {}
        sections = {}
        for section in data["sections"]:
            texts = {
                k: draw(TEXT) for k in ("title", "intro") if section.get(k) and draw(st.booleans())
            }
            if texts:
                sections[section["id"]] = texts
        item_texts = {i["id"]: _item_texts(draw, i, agree) for i in items}
        if sections:
            body["sections"] = sections
        if any(item_texts.values()):
            body["items"] = {k: v for k, v in item_texts.items() if v}
        translations[tag] = body
    if translations:
        data["translations"] = translations
    return data


def xlsform_expected(instrument) -> dict:
    """The instrument's data with every condition and calculation in its canonical form."""
    expected = canonical_data(instrument, push_not=False)
    targets = {item.id: item for item in instrument.items}
    for item_data in (i for section in expected["sections"] for i in section["items"]):
        calculation = instrument.item(item_data["id"]).calculation
        if calculation is not None:
            item_data["calculation"] = canonical_condition(
                calculation, push_not=False, targets=targets
            ).to_data()
    return expected


@FILES
@given(xlsform_instruments())
def test_random_instruments_survive_an_xlsform_round_trip(data):
    instrument = build_instrument(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.xlsx"
        written = write_xlsform(instrument, path)
        back = read_xlsform(path)
    assert written.unmapped == []
    assert instrument_to_data(back.instrument) == xlsform_expected(instrument)
    expected = build_instrument(xlsform_expected(instrument))
    for language in instrument.languages:  # equal in every language it holds
        seen = back.instrument.in_language(language)
        assert seen.items == expected.in_language(language).items
        assert seen.sections == expected.in_language(language).sections
    assert back.unmapped == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xlsform_instruments())
def test_pyxform_compiles_every_random_export(data):
    instrument = build_instrument(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.xlsx"
        write_xlsform(instrument, path)
        xform = convert(str(path)).xform
    for item in instrument.items:
        assert f"/{item.id}" in xform
        if item.show_if is not None:
            assert f'nodeset="/data/{item.section}/{item.id}"' in xform


# --- conditions: formatting, parsing and the canonical form -------------------------------


@st.composite
def condition_cases(draw) -> tuple[Condition, dict]:
    data = draw(instruments())
    instrument = build_instrument(data)
    targets = {item.id: item for item in instrument.items}
    condition = parse_condition(
        draw(conditions(list(_flat_items(data)), data.get("choice_sets", {})))
    )
    return condition, targets


def _flat_items(data: dict):
    for section in data["sections"]:
        yield from section["items"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition_cases())
def test_formatted_conditions_parse_back_to_their_canonical_form(case):
    condition, targets = case
    redcap = format_redcap_logic(condition, targets)
    assert parse_redcap_logic(redcap, targets) == canonical_condition(
        condition, push_not=True, targets=targets
    )
    relevant = format_xlsform_relevant(condition, targets)
    assert parse_xlsform_relevant(relevant, targets) == canonical_condition(
        condition, push_not=False, targets=targets
    )


def _answers(draw, targets: dict) -> dict:
    answers: dict[str, Any] = {}
    for item_id, item in targets.items():
        if draw(st.integers(0, 3)) == 0:
            continue  # missing
        if item.type == "multiple_choice":
            chosen = draw(st.lists(st.sampled_from(item.codes), unique=True))
            answers[item_id] = " ".join(str(c) for c in chosen)
        elif item.codes:
            answers[item_id] = draw(st.sampled_from(item.codes))
        elif item.type == "number":
            answers[item_id] = draw(NUMBERS)
        else:
            answers[item_id] = draw(TEXT_VALUES)
    return answers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition_cases(), st.data())
def test_the_canonical_form_means_the_same_and_is_stable(case, data):
    condition, targets = case
    answers = _answers(data.draw, targets)
    for push_not in (False, True):
        canonical = canonical_condition(condition, push_not=push_not, targets=targets)
        assert canonical.evaluate(answers) == condition.evaluate(answers)
        assert canonical_condition(canonical, push_not=push_not, targets=targets) == canonical


# --- the parsers never fail with anything but ExpressionError --------------------------------

TARGETS = {
    item["id"]: item
    for item in [
        {"id": "a", "type": "single_choice", "codes": (1, 2, "x")},
        {"id": "b", "type": "multiple_choice", "codes": (1, 2, 3)},
        {"id": "n", "type": "number", "codes": ()},
        {"id": "t", "type": "text", "codes": ()},
        {"id": "l", "type": "likert", "codes": (1, 2, 3, 4, 5)},
    ]
}


class _Target:
    def __init__(self, kind: str, codes: tuple):
        self.type, self.codes = kind, codes


PARSE_TARGETS = {k: _Target(v["type"], v["codes"]) for k, v in TARGETS.items()}
TOKENS = [
    "[a]", "[b(1)]", "[b(9)]", "[n]", "[t]", "[l]", "[zz]", "[A]", "[a:value]", "[event-name]",
    "${a}", "${b}", "${n}", "${t}", "${l}", "${", "}", "[", "]", "'1'", "'x'", "''", '"2"', "'",
    '"', "1", "2.5", "-3", ".", "=", "<>", "!=", "<", "<=", ">", ">=", "==", "and", "or", "AND",
    "not", "not(", "selected(", ",", "(", ")", "&&", "||", "+", "*", "datediff(", "true()",
    "div", "@", "\\", "\n", "é",
]  # fmt: skip


def _parses_or_explains(parse, text: str) -> None:
    try:
        result = parse(text, PARSE_TARGETS)
    except ExpressionError as err:
        assert err.message and err.fix
        assert 0 <= err.position <= len(text)
    else:
        assert isinstance(result, Condition)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_parsers_survive_arbitrary_text(text):
    _parses_or_explains(parse_redcap_logic, text)
    _parses_or_explains(parse_xlsform_relevant, text)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join))
def test_parsers_survive_token_soup(text):
    _parses_or_explains(parse_redcap_logic, text)
    _parses_or_explains(parse_xlsform_relevant, text)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 400))
def test_deep_nesting_is_a_clear_error_not_a_crash(depth):
    for parse, ref in ((parse_redcap_logic, "[a] = '1'"), (parse_xlsform_relevant, "${a} = '1'")):
        _parses_or_explains(parse, "(" * depth + ref + ")" * depth)
    _parses_or_explains(parse_xlsform_relevant, "not(" * depth + "${a} = '1'" + ")" * depth)
