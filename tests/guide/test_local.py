"""A trust's own contacts file: reading it, checking it for a nation, and setting one contact."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import yaml

from readiness.errors import GuideError
from readiness.guide import local as local_mod
from readiness.guide.load import load_content
from readiness.guide.local import (
    LocalContact,
    check_local,
    due_contacts,
    guess_nation,
    load_local,
    set_contact,
)

from .guide_helpers import changed, write_content

D = dt.date

GOOD = """\
contacts:
  safeguarding_team:
    value: "0115 000 0000 (extension 1234)"
    last_checked: 2026-12-01
    checked_by: A. Person
    test_call: 2026-12-01
  la_adult_safeguarding:
    value: 0115 000 1111
    label: Nottingham adult safeguarding
    last_checked: 2026-11-15
    checked_by: B. Person
    review_by: 2027-02-15
"""


@pytest.fixture
def content(tmp_path):
    return load_content(write_content(tmp_path / "guide"))


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_loads_contacts_with_default_labels_and_review_dates(content, good):
    local = load_local(good, content)
    team = local.contacts["safeguarding_team"]
    assert isinstance(team, LocalContact)
    assert team.value == "0115 000 0000 (extension 1234)"
    assert team.label == "Safeguarding team"  # from the slot
    assert team.last_checked == D(2026, 12, 1)
    assert team.review_by == D(2027, 6, 1)  # last checked + 6 months
    assert team.test_call == D(2026, 12, 1)
    assert team.line == 2
    la = local.contacts["la_adult_safeguarding"]
    assert la.label == "Nottingham adult safeguarding"
    assert la.review_by == D(2027, 2, 15)  # the trust's own, earlier date
    assert la.test_call is None


def test_every_problem_is_named_with_file_line_and_field(content, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text(
        "contacts:\n"
        "  safeguarding_team:\n"
        "    value: 0115 000 0000\n"
        "    last_checked: 1 December\n"
        "    checked_by: A. Person\n"
        "  safeguarding_teem:\n"
        "    value: 0115 000 0001\n"
        "  la_adult_safeguarding:\n"
        "    value: 0115 000 1111\n"
        "    last_checked: 2026-12-01\n"
        "    reviewed: 2027-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(GuideError) as err:
        load_local(path, content)
    found = {(p.line, p.column): p for p in err.value.problems}
    assert set(found) == {
        (4, "contacts.safeguarding_team.last_checked"),
        (6, "contacts.safeguarding_teem"),
        (8, "contacts.la_adult_safeguarding.checked_by"),
        (11, "contacts.la_adult_safeguarding.reviewed"),
    }
    unknown = found[(6, "contacts.safeguarding_teem")]
    assert unknown.file == "local.yaml"
    assert "'safeguarding_teem' is not a contact slot" in unknown.message
    assert "safeguarding_team, la_adult_safeguarding" in unknown.fix
    assert "not a date" in found[(4, "contacts.safeguarding_team.last_checked")].message
    assert "local.yaml, line 11" in str(err.value)


def test_a_file_that_is_not_yaml_names_its_line(content, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text("contacts:\n  safeguarding_team: [oops\n", encoding="utf-8")
    with pytest.raises(GuideError, match=r"local.yaml, line \d+: is not valid YAML"):
        load_local(path, content)


def test_a_missing_file_is_named(content, tmp_path):
    with pytest.raises(GuideError, match="nowhere.yaml: cannot be read"):
        load_local(tmp_path / "nowhere.yaml", content)


def test_an_empty_value_loads_so_that_the_check_can_name_it(content, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text("contacts:\n  safeguarding_team: {value: ''}\n", encoding="utf-8")
    local = load_local(path, content)
    assert local.contacts["safeguarding_team"].value == ""
    assert local.contacts["safeguarding_team"].review_by is None


def test_a_number_read_as_a_number_must_be_quoted(content, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text(
        "contacts:\n  safeguarding_team:\n    value: 01150001111\n"
        "    last_checked: 2026-12-01\n    checked_by: A\n",
        encoding="utf-8",
    )
    with pytest.raises(GuideError) as err:
        load_local(path, content)
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (3, "contacts.safeguarding_team.value")
    assert "quotes" in problem.fix


def test_check_names_an_empty_required_slot_and_the_cards_that_print_it(content, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text("contacts: {}\n", encoding="utf-8")
    problems = check_local(content, load_local(path, content), "wales", D(2027, 1, 1))
    assert len(problems) == 1
    text = str(problems[0])
    assert "safeguarding_team" in text and "is empty" in text
    assert "adult and child cards" in text
    assert "readiness guide local set safeguarding_team" in problems[0].fix


def test_check_names_a_single_card_when_only_one_prints_the_contact(tmp_path):
    def edit(g):
        g["actions"]["child_referral"]["variants"]["all"]["local"] = ["la_adult_safeguarding"]

    content = load_content(write_content(tmp_path / "g", changed(guide=edit)))
    path = tmp_path / "local.yaml"
    path.write_text(GOOD.split("  la_adult")[0], encoding="utf-8")
    (problem,) = check_local(content, load_local(path, content), "england", D(2027, 1, 1))
    assert "is empty; the child card prints it (action child_referral)." in problem.message


def test_check_only_asks_for_the_slots_of_the_nation(content, good):
    local = load_local(good, content)
    assert check_local(content, local, "scotland", D(2027, 1, 1)) == []
    assert check_local(content, local, "england", D(2027, 1, 1)) == []


def test_check_names_an_overdue_required_slot(content, good):
    local = load_local(good, content)
    problems = check_local(content, local, "england", D(2027, 3, 1))
    assert [p.column for p in problems] == ["contacts.la_adult_safeguarding.review_by"]
    assert problems[0].line == 12
    assert "was due for review on 15 February 2027 (14 days ago)" in problems[0].message
    assert "no action names it" in problems[0].message
    later = check_local(content, local, "england", D(2027, 6, 2))
    assert [p.column.split(".")[1] for p in later] == ["safeguarding_team", "la_adult_safeguarding"]


def test_due_contacts_lists_past_and_coming_review_dates(content, good):
    local = load_local(good, content)
    assert due_contacts(content, local, D(2027, 1, 1)) == []
    soon = due_contacts(content, local, D(2027, 1, 1), within_days=60)
    assert [(d.contact.slot, d.days_overdue) for d in soon] == [("la_adult_safeguarding", -45)]
    late = due_contacts(content, local, D(2027, 7, 1))
    assert [d.contact.slot for d in late] == ["la_adult_safeguarding", "safeguarding_team"]
    assert {u.nation: u.cards for u in late[1].used_by}["wales"] == ("adult", "child")


def test_the_nation_is_guessed_from_the_slots_filled(content, good, tmp_path):
    assert guess_nation(content, load_local(good, content)) == "england"
    only_team = tmp_path / "team.yaml"
    only_team.write_text(GOOD.split("  la_adult")[0], encoding="utf-8")
    assert guess_nation(content, load_local(only_team, content)) is None


def test_set_contact_creates_the_file(content, tmp_path):
    path = tmp_path / "trust" / "local.yaml"
    set_contact(path, "safeguarding_team", "0115 999 9999", "C. Person", D(2026, 8, 31), content)
    team = load_local(path, content).contacts["safeguarding_team"]
    assert (team.value, team.checked_by) == ("0115 999 9999", "C. Person")
    assert (team.last_checked, team.review_by) == (D(2026, 8, 31), D(2027, 2, 28))


def test_set_contact_updates_one_entry_and_keeps_the_others(content, good):
    before = load_local(good, content).contacts["la_adult_safeguarding"]
    set_contact(good, "safeguarding_team", "0115 222 2222", "D. Person", D(2027, 1, 10), content)
    after = load_local(good, content)
    assert after.contacts["la_adult_safeguarding"] == before
    team = after.contacts["safeguarding_team"]
    assert team.value == "0115 222 2222" and team.checked_by == "D. Person"
    assert team.review_by == D(2027, 7, 10)
    assert team.test_call is None  # the test call was of the old number
    raw = yaml.safe_load(good.read_text(encoding="utf-8"))
    assert list(raw["contacts"]) == ["safeguarding_team", "la_adult_safeguarding"]


def test_rechecking_the_same_value_keeps_the_test_call_and_label(content, good):
    set_contact(good, "la_adult_safeguarding", "0115 000 1111", "E. Person", D(2027, 2, 1), content)
    la = load_local(good, content).contacts["la_adult_safeguarding"]
    assert la.label == "Nottingham adult safeguarding"
    assert la.review_by == D(2027, 8, 1)  # moved on from the trust's old date
    set_contact(good, "safeguarding_team", "0115 000 0000 (extension 1234)", "F", D(2027, 2, 1))
    assert load_local(good, content).contacts["safeguarding_team"].test_call == D(2026, 12, 1)


def test_set_contact_refuses_an_unknown_slot_and_leaves_the_file(content, good):
    with pytest.raises(GuideError, match="'safeguarding' is not a contact slot"):
        set_contact(good, "safeguarding", "0115", "A", D(2027, 1, 1), content)
    assert good.read_text(encoding="utf-8") == GOOD


def test_set_contact_refuses_a_file_it_cannot_read_as_yaml(content, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text("contacts: [\n", encoding="utf-8")
    with pytest.raises(GuideError, match="is not valid YAML"):
        set_contact(path, "safeguarding_team", "0115", "A", D(2027, 1, 1), content)
    assert path.read_text(encoding="utf-8") == "contacts: [\n"


def test_a_failing_write_leaves_the_old_file_and_no_temporary_file(content, good, monkeypatch):
    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        set_contact(good, "safeguarding_team", "0115 3", "G", D(2027, 1, 1), content)
    assert good.read_text(encoding="utf-8") == GOOD
    assert sorted(p.name for p in good.parent.iterdir()) == ["guide", "local.yaml"]


def test_a_write_that_fails_midway_leaves_the_old_file(content, good, monkeypatch):
    def half_write(path, text):
        path.write_text(text[: len(text) // 2], encoding="utf-8")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(local_mod, "_write_text", half_write)
    with pytest.raises(OSError, match="Input/output error"):
        set_contact(good, "safeguarding_team", "0115 3", "G", D(2027, 1, 1), content)
    assert good.read_text(encoding="utf-8") == GOOD
    assert sorted(p.name for p in good.parent.iterdir()) == ["guide", "local.yaml"]


def test_set_contact_updates_a_symlinked_file_where_it_lives(content, good, tmp_path):
    """A trust may keep the file elsewhere and link to it: the link stays a link."""
    link = tmp_path / "deploy" / "local.yaml"
    link.parent.mkdir()
    link.symlink_to(good)
    set_contact(link, "safeguarding_team", "0115 222 2222", "D. Person", D(2027, 1, 10), content)
    assert link.is_symlink() and link.resolve() == good.resolve()
    assert load_local(good, content).contacts["safeguarding_team"].value == "0115 222 2222"
    assert sorted(p.name for p in link.parent.iterdir()) == ["local.yaml"]  # no temporary file
    # A link through a linked folder too.
    folder = tmp_path / "linked-folder"
    folder.symlink_to(good.parent, target_is_directory=True)
    set_contact(folder / "local.yaml", "safeguarding_team", "0115 3", "E", D(2027, 1, 11), content)
    assert folder.is_symlink() and link.is_symlink()
    assert load_local(good, content).contacts["safeguarding_team"].value == "0115 3"


def test_set_contact_names_a_problem_already_in_the_file_at_its_own_line(content, tmp_path):
    path = tmp_path / "local.yaml"
    text = (
        "# Our contacts\n"
        "contacts:\n"
        "  la_adult_safeguarding:\n"
        "    value: 0115 000 1111\n"
        "    last_checked: 1 December\n"  # line 5
        "    checked_by: B. Person\n"
        "  safeguarding_teem:\n"  # line 7
        "    value: 0115 000 0001\n"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GuideError) as err:
        set_contact(path, "safeguarding_team", "0115 3", "G", D(2027, 1, 1), content)
    found = {(p.line, p.column) for p in err.value.problems}
    assert found == {
        (5, "contacts.la_adult_safeguarding.last_checked"),
        (7, "contacts.safeguarding_teem"),
    }
    assert path.read_text(encoding="utf-8") == text


def test_set_contact_mends_the_entry_it_sets(content, tmp_path):
    """A problem in the entry being set is what the command is for: it is replaced."""
    path = tmp_path / "local.yaml"
    path.write_text(
        "contacts:\n  safeguarding_team:\n    value: 01150001111\n    last_checked: soon\n",
        encoding="utf-8",
    )
    set_contact(path, "safeguarding_team", "0115 000 1111", "H", D(2027, 1, 1), content)
    assert load_local(path, content).contacts["safeguarding_team"].value == "0115 000 1111"


def test_a_kept_label_that_is_not_text_is_named_at_its_own_line(content, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text(
        "contacts:\n  safeguarding_team:\n    value: '0115'\n    label: 12\n", encoding="utf-8"
    )
    with pytest.raises(GuideError) as err:
        set_contact(path, "safeguarding_team", "0115 000 1111", "H", D(2027, 1, 1), content)
    assert [(p.line, p.column) for p in err.value.problems] == [
        (4, "contacts.safeguarding_team.label")
    ]


@pytest.mark.parametrize("field", ["value", "label", "checked_by"])
@pytest.mark.parametrize("bad", ["\n", "\r", "\t", "\x00", "\x1b", "\u2028"])
def test_a_line_break_or_control_character_in_a_field_is_refused(content, tmp_path, field, bad):
    entry = {"value": "0115 000 0000", "label": "Team", "checked_by": "A. Person"}
    entry[field] = f"first{bad}second"
    entry["last_checked"] = "2026-12-01"
    path = tmp_path / "local.yaml"
    path.write_text(
        yaml.safe_dump({"contacts": {"safeguarding_team": entry}}, allow_unicode=False),
        encoding="utf-8",
    )
    with pytest.raises(GuideError) as err:
        load_local(path, content)
    (problem,) = err.value.problems
    assert problem.column == f"contacts.safeguarding_team.{field}"
    assert f"'{field}'" in problem.message and "one line" in problem.fix


@pytest.mark.parametrize("bad", ["\n", "\r\n", "\x07", "\u2029"])
def test_set_contact_refuses_a_line_break_or_control_character(content, good, bad):
    with pytest.raises(GuideError, match="the value .*control character") as err:
        set_contact(good, "safeguarding_team", f"0115{bad}000", "A", D(2027, 1, 1), content)
    assert "one line" in err.value.problems[0].fix
    with pytest.raises(GuideError, match="--checked-by .*control character"):
        set_contact(good, "safeguarding_team", "0115 000", f"A{bad}B", D(2027, 1, 1), content)
    assert good.read_text(encoding="utf-8") == GOOD


def test_a_value_ending_in_a_line_break_is_one_line(content, tmp_path):
    """YAML's block style ends a value with a line break: that one is trimmed, not refused."""
    path = tmp_path / "local.yaml"
    path.write_text(
        "contacts:\n  safeguarding_team:\n    value: |\n      0115 000 0000\n"
        "    last_checked: 2026-12-01\n    checked_by: A\n",
        encoding="utf-8",
    )
    assert load_local(path, content).contacts["safeguarding_team"].value == "0115 000 0000"
