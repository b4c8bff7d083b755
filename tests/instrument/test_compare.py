"""What changed between two versions of an instrument, and reading old answers as new codes."""

from __future__ import annotations

import pytest

from readiness.instrument import parse_instrument
from readiness.instrument.compare import (
    MappingProblem,
    apply_choice_mapping,
    check_mapping,
    compare_versions,
)

OLD = """
id: demo
version: "1"
title: Demo
sections:
  - id: s1
    title: About you
    items:
      - id: role
        type: single_choice
        text: Your role
        choices:
          - {code: 1, label: Nurse}
          - {code: 2, label: Doctor}
          - {code: 3, label: Other}
      - id: seen
        type: yes_no
        text: Have you met a trafficked patient?
      - id: gone
        type: text
        text: Anything else?
      - id: tools
        type: multiple_choice
        text: Which tools?
        choices:
          - {code: 1, label: Leaflet}
          - {code: 2, label: Poster}
"""

NEW = """
id: demo
version: "2"
title: Demo
sections:
  - id: s1
    title: About you
    items:
      - id: role
        type: single_choice
        text: Your main role
        choices:
          - {code: 1, label: Nurse}
          - {code: 2, label: Midwife}
          - {code: 4, label: Doctor}
      - id: seen
        type: yes_no
        text: Have you met a trafficked patient?
      - id: tools
        type: multiple_choice
        text: Which tools?
        choices:
          - {code: 1, label: Leaflet}
          - {code: 2, label: Poster}
          - {code: 3, label: Website}
      - id: added
        type: number
        text: Years in post
"""


@pytest.fixture
def old():
    return parse_instrument(OLD, file="old.yaml")


@pytest.fixture
def new():
    return parse_instrument(NEW, file="new.yaml")


def test_items_added_and_removed(old, new):
    changes = compare_versions(old, new)
    assert changes.added == ("added",)
    assert changes.removed == ("gone",)
    assert not changes.unchanged


def test_wording_changed(old, new):
    changes = compare_versions(old, new)
    assert [(w.item, w.old, w.new) for w in changes.wording] == [
        ("role", "Your role", "Your main role")
    ]


def test_choices_changed(old, new):
    changes = compare_versions(old, new)
    by_item = {c.item: c for c in changes.choices}
    role = by_item["role"]
    assert [(c.code, c.old, c.new) for c in role.relabelled] == [(2, "Doctor", "Midwife")]
    assert [c.code for c in role.removed] == [3]
    assert [c.code for c in role.added] == [4]
    assert role.changes_meaning
    tools = by_item["tools"]
    assert [c.code for c in tools.added] == [3]
    assert not tools.relabelled and not tools.removed
    assert not tools.changes_meaning  # only a new choice: old answers mean the same
    assert changes.needs_mapping == ("role",)


def test_same_instrument_has_no_changes(old):
    changes = compare_versions(old, old)
    assert changes.unchanged
    assert changes.needs_mapping == ()


def test_a_type_change_is_reported(old):
    text = OLD.replace("type: text\n        text: Anything", "type: number\n        text: Anything")
    changed = parse_instrument(text.replace('version: "1"', 'version: "3"'), file="x.yaml")
    changes = compare_versions(old, changed)
    assert [(t.item, t.old, t.new) for t in changes.types] == [("gone", "text", "number")]
    assert changes.needs_mapping == ()  # no choices: a mapping of codes cannot help
    assert not changes.unchanged


def test_summary_lines_name_each_change(old, new):
    lines = compare_versions(old, new).summary()
    text = "\n".join(lines)
    assert "Added: added" in text
    assert "Removed: gone" in text
    assert "role: wording changed" in text
    assert "code 2 was 'Doctor', now 'Midwife'" in text


def test_mapping_must_cover_every_item_whose_meaning_changed(old, new):
    changes = compare_versions(old, new)
    problems = check_mapping(changes, new, {})
    assert problems == [
        MappingProblem(
            item="role",
            message="role: the choices changed meaning (code 2 was 'Doctor', now 'Midwife'; "
            "code 3 'Other' removed).",
            fix="Give, for each old code of role (1, 2, 3), the new code it becomes.",
        )
    ]


def test_mapping_codes_must_exist_in_the_new_version(old, new):
    changes = compare_versions(old, new)
    problems = check_mapping(changes, new, {"role": {"1": 1, "2": 4, "3": 9}})
    assert len(problems) == 1
    assert "9" in problems[0].message and "role" in problems[0].message
    assert "1, 2, 4" in problems[0].fix


def test_mapping_must_name_every_old_code(old, new):
    changes = compare_versions(old, new)
    problems = check_mapping(changes, new, {"role": {"1": 1, "2": 4}})
    assert len(problems) == 1 and "3" in problems[0].message


def test_a_complete_mapping_is_accepted(old, new):
    changes = compare_versions(old, new)
    assert check_mapping(changes, new, {"role": {"1": 1, "2": 4, "3": ""}}) == []


def test_apply_mapping_recodes_single_and_multiple_choices(new):
    mapping = {"role": {"1": 1, "2": 4, "3": ""}, "tools": {"1": 2, "2": 1}}
    assert apply_choice_mapping({"role": 2, "tools": "1 2", "seen": 1}, mapping, new) == {
        "role": 4,
        "tools": "1 2",
        "seen": 1,
    }
    assert apply_choice_mapping({"role": 3, "tools": "1"}, mapping, new) == {"tools": "2"}
    assert apply_choice_mapping({"role": "2"}, mapping, new) == {"role": 4}


def test_apply_mapping_leaves_unmapped_items_alone(new):
    answers = {"role": 1, "gone": "text"}
    assert apply_choice_mapping(answers, {}, new) == answers
