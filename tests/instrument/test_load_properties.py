"""Property tests: the instrument parser never fails with anything but InstrumentError, and any
valid instrument survives a dump and reload unchanged."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.errors import InstrumentError
from readiness.instrument import (
    build_instrument,
    instrument_to_data,
    instrument_to_yaml,
    parse_instrument,
)

ids = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
labels = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def instruments(draw):
    """Random valid instruments: every item type, conditions on earlier items, scales, indicators."""
    n_items = draw(st.integers(1, 12))
    item_ids = draw(
        st.lists(ids, min_size=n_items, max_size=n_items, unique=True).filter(
            lambda xs: not {"response_id", "session", "synthetic"} & set(xs)
        )
    )
    items = []
    for item_id in item_ids:
        kind = draw(
            st.sampled_from(
                [
                    "single_choice",
                    "multiple_choice",
                    "likert",
                    "true_false",
                    "yes_no",
                    "number",
                    "text",
                    "month_year",
                ]
            )
        )
        item = {"id": item_id, "type": kind, "text": draw(labels)}
        if kind in ("single_choice", "multiple_choice", "likert"):
            k = draw(st.integers(2, 7))
            item["choices"] = [{"code": c + 1, "label": draw(labels)} for c in range(k)]
        if kind == "true_false":
            item["key"] = draw(st.booleans())
            item["explanation"] = draw(labels)
        if kind == "number":
            low = draw(st.integers(-5, 5))
            item["min"] = low
            item["max"] = low + draw(st.integers(0, 100))
            item["integer"] = draw(st.booleans())
        earlier = [i for i in items if i["type"] in ("yes_no", "single_choice", "number")]
        if earlier and draw(st.booleans()):
            target = draw(st.sampled_from(earlier))
            if target["type"] == "number":
                item["show_if"] = {"item": target["id"], "ge": target["min"]}
            else:
                codes = (
                    [1, 0] if target["type"] == "yes_no" else [c["code"] for c in target["choices"]]
                )
                item["show_if"] = {"item": target["id"], "equals": draw(st.sampled_from(codes))}
        if draw(st.booleans()):
            item["required"] = True
        items.append(item)
    data = {
        "id": "random",
        "version": draw(st.integers(1, 9)),
        "title": draw(labels),
        "sections": [],
    }
    cut = draw(st.integers(1, len(items)))
    data["sections"].append({"id": "first", "title": "First", "items": items[:cut]})
    if items[cut:]:
        data["sections"].append({"id": "second", "title": "Second", "items": items[cut:]})
    likerts = [i["id"] for i in items if i["type"] == "likert"]
    if len(likerts) >= 2:
        data["scales"] = [
            {
                "id": "scale_a",
                "label": "A",
                "items": likerts,
                "reverse": likerts[:1],
                "scoring": "mean",
                "min_answered": 1,
            }
        ]
        data["indicators"] = [
            {"id": "ind_a", "label": "low", "item": likerts[0], "when": {"bottom": 1}},
            {"id": "ind_b", "label": "score", "scale": "scale_a", "when": {"lt": 2.5}},
        ]
    return data


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(instruments())
def test_valid_instruments_survive_dump_and_reload(data):
    first = build_instrument(copy.deepcopy(data))
    again = parse_instrument(instrument_to_yaml(first))
    assert again.items == first.items
    assert again.sections == first.sections
    assert again.scales == first.scales
    assert again.indicators == first.indicators
    assert instrument_to_data(again) == instrument_to_data(first)


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_arbitrary_text_is_parsed_or_rejected_cleanly(text):
    try:
        parse_instrument(text, file="x.yaml")
    except InstrumentError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.file == "x.yaml" and problem.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["id", "type", "items", "choices", "show_if", "item", "equals", "when", "all"]
            ),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(instruments(), st.data())
def test_corrupted_instruments_fail_with_located_problems(data, draw):
    broken = copy.deepcopy(data)
    section = draw.draw(st.sampled_from(broken["sections"]))
    item = draw.draw(st.sampled_from(section["items"]))
    key = draw.draw(
        st.sampled_from(["id", "type", "choices", "show_if", "key", "min", "text", "extra"])
    )
    item[key] = draw.draw(json_values)
    try:
        build_instrument(broken)
    except InstrumentError as err:
        assert all(p.message and p.fix for p in err.problems)
