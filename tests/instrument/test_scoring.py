"""Conditions, item and scale scoring and indicator rules, on hand-made responses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from readiness.instrument import parse_instrument
from readiness.instrument.conditions import All, Any_, Leaf, Not, parse_condition
from readiness.instrument.scoring import (
    indicator_table,
    indicator_values,
    is_shown,
    scale_score,
    shown_mask,
)

INSTRUMENT = parse_instrument(
    """\
id: t
version: 1
title: T
choice_sets:
  agree5: [SD, D, N, A, SA]
sections:
  - id: s
    title: S
    items:
      - {id: l1, type: likert, text: L1, choices: agree5}
      - {id: l2, type: likert, text: L2, choices: agree5}
      - {id: l3, type: likert, text: L3, choices: agree5}
      - {id: t1, type: true_false, text: T1, key: true, explanation: x}
      - {id: t2, type: true_false, text: T2, key: false, explanation: x}
      - {id: yn, type: yes_no, text: YN}
      - {id: m, type: multiple_choice, text: M, choices: [One, Two, Three]}
      - {id: n, type: number, text: N}
      - {id: after_yes, type: text, text: AY, show_if: {item: yn, equals: 1}}
  - id: later
    title: Later
    show_if: {item: n, ge: 18}
    items:
      - {id: adult, type: yes_no, text: AD}
scales:
  - {id: mean3, label: M3, items: [l1, l2, l3], reverse: [l3], scoring: mean, min_answered: 2}
  - {id: sum3, label: S3, items: [l1, l2, l3], scoring: sum, min_answered: 2}
  - {id: know, label: K, items: [t1, t2], scoring: sum}
indicators:
  - {id: low_l1, label: x, item: l1, when: {bottom: 3}}
  - {id: high_l1, label: x, item: l1, when: {top: 2}}
  - {id: t1_wrong, label: x, item: t1, when: {incorrect: true}}
  - {id: t2_right, label: x, item: t2, when: {correct: true}}
  - {id: said_yes, label: x, item: yn, when: {in: [1]}}
  - {id: yes_all, label: x, item: yn, when: {in: [1]}, missing: negative}
  - {id: picked2, label: x, item: m, when: {selected: 2}}
  - {id: over5, label: x, item: n, when: {gt: 5}}
  - {id: low_mean, label: x, scale: mean3, when: {lt: 3}}
"""
)

FRAME = pd.DataFrame(
    {
        "l1": [1, 2, 3, 4, 5, np.nan],
        "l2": [1, 2, np.nan, 4, 5, np.nan],
        "l3": [5, 4, 3, np.nan, 1, 2],
        "t1": [1, 0, 8, np.nan, 1, 1],
        "t2": [0, 1, 8, 0, np.nan, 0],
        "yn": [1, 0, np.nan, 1, 0, 1],
        "m": ["1 2", "3", None, "2", "12", "1"],
        "n": [3, 18, 40, np.nan, 5, 6],
    }
)


def test_scale_mean_reverses_and_requires_min_answered():
    # row 0: l1=1, l2=1, l3 reversed 6-5=1 -> 1; row 2: 3 and reversed 3 -> 3; row 3: 4, 4 -> 4
    # row 5: only l3 answered (1 of 3, below min 2) -> missing
    expected = [1.0, 2.0, 3.0, 4.0, 5.0, np.nan]
    np.testing.assert_allclose(scale_score(INSTRUMENT, "mean3", FRAME), expected)


def test_scale_sum_prorates_allowed_missing_items():
    # row 2: l1=3, l3=3 answered (l2 missing) -> mean 3 x 3 items = 9
    got = scale_score(INSTRUMENT, "sum3", FRAME)
    np.testing.assert_allclose(got, [7.0, 8.0, 9.0, 8 * 1.5, 11.0, np.nan])


def test_true_false_scores_dont_know_as_incorrect():
    # t1 key true: 1 ok, 0 wrong, 8 dk -> 0; t2 key false: 0 ok
    np.testing.assert_allclose(scale_score(INSTRUMENT, "know", FRAME), [2, 0, 0, np.nan, np.nan, 2])


def test_indicator_rules():
    table = indicator_table(INSTRUMENT, FRAME)
    np.testing.assert_array_equal(table["low_l1"], [1, 1, 1, 0, 0, np.nan])
    np.testing.assert_array_equal(table["high_l1"], [0, 0, 0, 1, 1, np.nan])
    np.testing.assert_array_equal(table["t1_wrong"], [0, 1, 1, np.nan, 0, 0])
    np.testing.assert_array_equal(table["t2_right"], [1, 0, 0, 1, np.nan, 1])
    np.testing.assert_array_equal(table["said_yes"], [1, 0, np.nan, 1, 0, 1])
    np.testing.assert_array_equal(table["yes_all"], [1, 0, 0, 1, 0, 1])
    # "12" is one code twelve, not codes 1 and 2
    np.testing.assert_array_equal(table["picked2"], [1, 0, np.nan, 1, 0, 0])
    np.testing.assert_array_equal(table["over5"], [0, 1, 1, np.nan, 0, 1])
    np.testing.assert_array_equal(table["low_mean"], [1, 1, 0, 0, 0, np.nan])


def test_indicator_by_name_equals_table_column():
    np.testing.assert_array_equal(
        indicator_values(INSTRUMENT, "low_l1", FRAME), indicator_table(INSTRUMENT, FRAME)["low_l1"]
    )


def test_item_and_section_conditions():
    np.testing.assert_array_equal(shown_mask(INSTRUMENT, "after_yes", FRAME), [1, 0, 0, 1, 0, 1])
    np.testing.assert_array_equal(shown_mask(INSTRUMENT, "adult", FRAME), [0, 1, 1, 0, 0, 0])
    assert is_shown(INSTRUMENT, "after_yes", {"yn": 1})
    assert not is_shown(INSTRUMENT, "after_yes", {"yn": 0})
    assert not is_shown(INSTRUMENT, "after_yes", {})
    assert is_shown(INSTRUMENT, "adult", {"n": 18}) and not is_shown(INSTRUMENT, "adult", {"n": 17})


CASES = [
    ({"item": "a", "equals": 1}, [True, False, False, False]),
    ({"item": "a", "not_equals": 1}, [False, True, True, True]),
    ({"item": "a", "in": [1, 2]}, [True, True, False, False]),
    ({"item": "a", "not_in": [1, 2]}, [False, False, True, True]),
    ({"item": "a", "gt": 1}, [False, True, True, False]),
    ({"item": "a", "ge": 2}, [False, True, True, False]),
    ({"item": "a", "lt": 2}, [True, False, False, False]),
    ({"item": "a", "le": 2}, [True, True, False, False]),
    ({"item": "a", "answered": True}, [True, True, True, False]),
    ({"item": "a", "answered": False}, [False, False, False, True]),
    ({"item": "m", "selected": 3}, [False, True, False, False]),
    ({"all": [{"item": "a", "ge": 1}, {"item": "m", "selected": 1}]}, [True, False, True, False]),
    (
        {"any": [{"item": "a", "equals": 3}, {"item": "m", "selected": 1}]},
        [True, False, True, False],
    ),
    ({"not": {"item": "a", "equals": 1}}, [False, True, True, True]),
]


@pytest.mark.parametrize("data,expected", CASES)
def test_condition_mask_and_single_evaluation_agree(data, expected):
    frame = pd.DataFrame({"a": [1, 2, 3, np.nan], "m": ["1 2", "3", "1", None]})
    condition = parse_condition(data)
    np.testing.assert_array_equal(condition.mask(frame), expected)
    singles = [condition.evaluate(row) for row in frame.to_dict("records")]
    assert singles == expected
    assert parse_condition(condition.to_data()) == condition


def test_condition_classes():
    cond = parse_condition({"any": [{"item": "a", "equals": 1}, {"not": {"item": "b", "in": [1]}}]})
    assert isinstance(cond, Any_) and isinstance(cond.conditions[1], Not)
    assert cond.items() == {"a", "b"}
    assert isinstance(parse_condition({"all": [{"item": "a", "equals": 1}]}), All)
    assert Leaf("a", "equals", "1").evaluate({"a": 1.0})  # codes compare as numbers
