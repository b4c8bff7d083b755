"""Answers to an earlier version of an instrument read as answers to a later one: recoded with
the stored mapping, steps composed, items removed left out (or kept for an export), items
added unanswered, and codes the mapping does not name refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.instrument.load import parse_instrument
from readiness.responses.validate import validate_frame
from readiness.responses.versions import Step, chain, recode, recode_chain, step_problems

HEAD = 'id: check\nversion: "{v}"\ntitle: Check\nsections:\n  - id: s\n    title: S\n    items:\n'
V1 = HEAD.format(v=1) + (
    "      - id: role\n        type: single_choice\n        text: Role\n"
    "        choices: [{code: 1, label: Nurse}, {code: 2, label: Doctor}, {code: 3, label: Other}]\n"
    "      - id: tasks\n        type: multiple_choice\n        text: Tasks\n"
    "        choices: [{code: a, label: Ward}, {code: b, label: Clinic}, {code: c, label: Home}]\n"
    '      - {id: gone, type: text, text: "Anything else?"}\n'
)
V2 = HEAD.format(v=2) + (
    "      - id: role\n        type: single_choice\n        text: Role\n"
    "        choices: [{code: 1, label: Nurse}, {code: 2, label: Midwife}, {code: 4, label: Doctor},"
    " {code: 3, label: Other}]\n"
    "      - id: tasks\n        type: multiple_choice\n        text: Tasks\n"
    "        choices: [{code: a, label: Ward}, {code: c, label: Home}, {code: d, label: Other}]\n"
    "      - {id: years, type: number, text: Years}\n"
)
V3 = HEAD.format(v=3) + (
    "      - id: role\n        type: single_choice\n        text: Role\n"
    "        choices: [{code: 1, label: Nurse}, {code: 5, label: Midwife}, {code: 4, label: Doctor},"
    " {code: 3, label: Other}]\n"
    "      - id: tasks\n        type: multiple_choice\n        text: Tasks\n"
    "        choices: [{code: a, label: Ward}, {code: c, label: Home}, {code: d, label: Other}]\n"
    "      - {id: years, type: number, text: Years}\n"
)
ONE, TWO, THREE = (parse_instrument(t) for t in (V1, V2, V3))
M12 = {"role": {"1": 1, "2": 4, "3": 3}, "tasks": {"a": "a", "b": "", "c": "c"}}
M23 = {"role": {"1": 1, "2": 5, "4": 4, "3": 3}}


def _clean(rows: list[dict], instrument=ONE) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame.insert(0, "response_id", [str(i + 1) for i in range(len(rows))])
    clean, problems, _warnings = validate_frame(frame, instrument)
    assert problems == []
    return clean


def test_one_step_recodes_drops_removed_and_leaves_added_unanswered():
    clean = _clean([{"role": 2, "tasks": "a b", "gone": "x"}, {"role": 3, "tasks": "b"}])
    out, problems = recode(clean, Step(ONE, TWO, M12))
    assert problems == []
    assert list(out.columns) == ["response_id", "role", "tasks", "years"]
    assert out["role"].tolist() == [4.0, 3.0]
    assert out["tasks"].iloc[0] == "a" and pd.isna(out["tasks"].iloc[1])
    assert out["years"].isna().all() and out["years"].dtype == "float64"
    # The result is what a frame of answers to the new version validates to.
    again, problems, _w = validate_frame(out, TWO)
    assert problems == [] and again["role"].tolist() == [4.0, 3.0]


def test_removed_items_kept_for_an_export_with_their_old_answers():
    clean = _clean([{"role": 1, "gone": "x"}])
    clean["site"] = ["A"]
    out, problems = recode(clean, Step(ONE, TWO, M12), keep_removed=True)
    assert problems == []
    assert list(out.columns) == ["response_id", "role", "tasks", "years", "gone", "site"]
    assert out["gone"].tolist() == ["x"] and out["site"].tolist() == ["A"]


def test_steps_compose_v1_to_v2_to_v3():
    clean = _clean([{"role": 1}, {"role": 2}, {"role": 3}])
    out, problems = recode_chain(clean, [Step(ONE, TWO, M12), Step(TWO, THREE, M23)])
    assert problems == []
    # Doctor: 2 -> 4 -> 4; Other stays 3; the v2 Midwife code 2 -> 5 is not what v1's 2 was.
    assert out["role"].tolist() == [1.0, 4.0, 3.0]
    v2 = _clean([{"role": 2}], TWO)
    out2, _ = recode_chain(v2, [Step(TWO, THREE, M23)])
    assert out2["role"].tolist() == [5.0]


def test_a_change_of_meaning_without_a_mapping_is_refused():
    clean = _clean([{"role": 2}])
    out, problems = recode(clean, Step(ONE, TWO, {}))
    assert len(out) == 0
    assert any(p.column == "role" and "Fix:" not in p.message and p.fix for p in problems)
    assert "check v1 to v2" in str(problems[0])


def test_a_code_the_mapping_does_not_name_is_refused_not_kept():
    clean = _clean([{"role": 1}, {"role": 3}])
    # A mapping that names every old code of v1 passes the check; v1's data with a code
    # outside it (as if a stored answer held one) is refused, the row named.
    clean.loc[1, "role"] = 9.0
    out, problems = recode(clean, Step(ONE, TWO, M12))
    assert len(out) == 0 and problems[0].row == 2 and problems[0].column == "role"
    assert "9.0" in problems[0].message or "9" in problems[0].message


def test_a_change_of_kind_is_refused():
    numeric = parse_instrument(
        HEAD.format(v=4) + '      - {id: gone, type: number, text: "Anything else?"}\n'
    )
    problems = step_problems(Step(ONE, numeric, {}))
    assert problems and problems[0].column == "gone" and "another id" in problems[0].fix


def test_chain_finds_the_shortest_path_through_stored_mappings():
    kept = {(1, 2), (2, 3)}
    assert chain([1, 2, 3], 1, 3, lambda a, b: (a, b) in kept) == [(1, 2), (2, 3)]
    assert chain([1, 2, 3], 1, 3, lambda a, b: (a, b) in kept | {(1, 3)}) == [(1, 3)]
    assert chain([1, 2, 3], 3, 1, lambda a, b: (a, b) in kept) is None
    assert chain([1, 2, 3], 2, 2, lambda a, b: False) == []


SINGLE = st.lists(st.sampled_from([1, 2, 3, None]), min_size=1, max_size=30)
TASKS = st.lists(
    st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3), min_size=1, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(roles=SINGLE, tasks=TASKS)
def test_an_identity_mapping_changes_nothing(roles, tasks):
    n = min(len(roles), len(tasks))
    rows = [{"role": roles[i], "tasks": " ".join(tasks[i]) or None, "gone": "x"} for i in range(n)]
    clean = _clean(rows)
    identity = {
        "role": {"1": 1, "2": 2, "3": 3},
        "tasks": {"a": "a", "b": "b", "c": "c"},
    }
    out, problems = recode(clean, Step(ONE, ONE, identity))
    assert problems == []
    pd.testing.assert_frame_equal(out, clean)


@settings(max_examples=60, deadline=None)
@given(roles=SINGLE, wrong=st.integers(min_value=4, max_value=99), at=st.integers(0, 29))
def test_any_code_outside_the_mapping_is_refused(roles, wrong, at):
    clean = _clean([{"role": r, "gone": "x"} for r in roles])
    at = at % len(clean)
    clean.loc[at, "role"] = float(wrong)
    out, problems = recode(clean, Step(ONE, TWO, M12))
    assert len(out) == 0
    assert [p.row for p in problems] == [at + 1]


@settings(max_examples=60, deadline=None)
@given(roles=SINGLE)
def test_composed_steps_equal_the_composed_mapping(roles):
    clean = _clean([{"role": r, "gone": "x"} for r in roles])
    out, problems = recode_chain(clean, [Step(ONE, TWO, M12), Step(TWO, THREE, M23)])
    assert problems == []
    composed = {float(k): float(M23["role"][str(v)]) for k, v in M12["role"].items()}
    expected = clean["role"].map(lambda v: composed.get(v, np.nan))
    assert out["role"].tolist() == pytest.approx(expected.tolist(), nan_ok=True)
