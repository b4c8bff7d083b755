"""Calculate items computed from the answers, one response at a time and a table at once."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.instrument.derive import derive, derive_frame, with_derived
from readiness.instrument.load import parse_instrument

FORM = """
id: ward-check
version: 1
title: Ward check 🏥
sections:
  - id: about
    title: About you
    items:
      - {id: Seen, type: yes_no, text: "Have you seen a patient?"}
      - id: role
        type: single_choice
        text: Your role
        appearance: dropdown
        choices: [{code: nurse, label: Nurse}, {code: doctor, label: Doctor}]
      - {id: hours, type: number, text: Hours, min: 0, max: 24}
      - {id: seen_nurse, type: calculate, text: Seen by a nurse,
         calculation: {all: [{item: Seen, equals: 1}, {item: role, equals: nurse}]}}
      - {id: long_day, type: calculate, text: Long day, calculation: {item: hours, ge: 12},
         show_if: {item: Seen, equals: 1}}
      - {id: not_nurse, type: calculate, text: Not a nurse seeing,
         calculation: {item: seen_nurse, not_equals: 1}}
"""


def test_a_calculation_is_1_when_its_condition_holds_and_0_when_not():
    inst = parse_instrument(FORM)
    assert derive(inst, {"Seen": 1, "role": "nurse", "hours": 12}) == {
        "seen_nurse": 1,
        "long_day": 1,
        "not_nurse": 0,
    }
    assert derive(inst, {"Seen": 1, "role": "doctor", "hours": 8})["seen_nurse"] == 0


def test_unanswered_inputs_give_0_as_odk_does_and_an_irrelevant_calculation_is_missing():
    inst = parse_instrument(FORM)
    # Nothing answered: the conditions are false (an empty answer differs from every value),
    # long_day is not relevant (its show_if is false), not_nurse sees seen_nurse = 0.
    assert derive(inst, {}) == {"seen_nurse": 0, "long_day": None, "not_nurse": 1}
    assert "long_day" not in with_derived(inst, {"long_day": 1})


def test_a_supplied_value_is_recomputed_not_trusted():
    inst = parse_instrument(FORM)
    answers = with_derived(inst, {"Seen": 0, "role": "nurse", "seen_nurse": 1})
    assert answers["seen_nurse"] == 0
    assert answers["role"] == "nurse"


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "Seen": st.sampled_from([0, 1]),
        "role": st.sampled_from(["nurse", "doctor"]),
        "hours": st.integers(0, 24),
        "seen_nurse": st.sampled_from([0, 1]),
    },
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ANSWERS, min_size=1, max_size=8))
def test_the_table_gives_what_each_response_gives(rows):
    inst = parse_instrument(FORM)
    frame = pd.DataFrame(
        [{k: row.get(k, np.nan) for k in ("Seen", "role", "hours", "seen_nurse")} for row in rows]
    )
    frame["role"] = frame["role"].astype(object)
    table = derive_frame(inst, frame)
    for i, row in enumerate(rows):
        one = derive(inst, row)
        for item_id, value in one.items():
            cell = table[item_id].iloc[i]
            assert (np.isnan(cell) and value is None) or cell == value, (row, item_id)
