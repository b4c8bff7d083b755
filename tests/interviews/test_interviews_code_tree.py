"""Changing the code tree in the core: colours, renames, moves without cycles, merges."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.interviews import InterviewError
from readiness.interviews.codebook import (
    PALETTE,
    change_code,
    check_colour,
    merge_codes,
    palette_colour,
)
from readiness.interviews.model import Project

TEXT = "Interviewer: Wie geht's?\nP1: Ünd dann kam 😀 der Dolmetscher NICHT.\n"


def tree() -> Project:
    p = Project("Studie")
    p.add_transcript("P1", TEXT)
    p.add_code("BARRIERS", color="#aa0000")
    p.add_code("Sprache", parent="BARRIERS")
    p.add_code("Dolmetscher 🗣", parent="BARRIERS/Sprache")
    p.add_code("Zugang")
    return p


def test_colours_are_checked_and_written_upper_case():
    assert check_colour("#abc") == "#AABBCC"
    assert check_colour(" #00a499 ") == "#00A499"
    assert check_colour("") is None
    with pytest.raises(InterviewError, match="'rot' is not #RRGGBB"):
        check_colour("rot")
    assert palette_colour(0) == PALETTE[0]
    assert palette_colour(len(PALETTE) + 1) == PALETTE[1]


def test_rename_recolour_and_move_are_logged():
    p = tree()
    change = change_code(p, "Zugang", name="Zugang zur Versorgung", color="#00a499", user="Ada")
    assert change.changes == {
        "name": ("Zugang", "Zugang zur Versorgung"),
        "color": (None, "#00A499"),
    }
    change_code(p, "BARRIERS/Sprache/Dolmetscher 🗣", parent="Zugang zur Versorgung")
    assert p.code_path(p.code("Dolmetscher 🗣").id) == "Zugang zur Versorgung/Dolmetscher 🗣"
    change_code(p, "Dolmetscher 🗣", parent=None)
    assert p.code("Dolmetscher 🗣").parent is None
    assert [(a.action, a.user) for a in p.audit[-3:]] == [
        ("change-code", "Ada"),
        ("change-code", None),
        ("change-code", None),
    ]
    # Nothing asked, nothing changed, nothing logged.
    n = len(p.audit)
    assert change_code(p, "Zugang zur Versorgung", name="Zugang zur Versorgung").changes == {}
    assert len(p.audit) == n


def test_a_code_cannot_go_under_itself_or_below_it():
    p = tree()
    before = dict(p.codes)
    for target in ("BARRIERS", "BARRIERS/Sprache", "BARRIERS/Sprache/Dolmetscher 🗣"):
        with pytest.raises(InterviewError, match="itself or below it"):
            change_code(p, "BARRIERS", parent=target, name="Renamed too")
    assert p.codes == before


def test_names_stay_unique_under_a_parent():
    p = tree()
    p.add_code("Sprache")  # the same name at the top is fine
    with pytest.raises(InterviewError, match="already exists there"):
        change_code(p, "BARRIERS/Sprache", parent=None)
    with pytest.raises(InterviewError, match="empty or contains '/'"):
        change_code(p, "Zugang", name="a/b")


def test_merge_moves_codings_children_themes_and_memos():
    p = tree()
    src, dst = p.code("BARRIERS/Sprache"), p.code("Zugang")
    a = p.add_coding("P1", 30, 40, src.id, "ada")
    b = p.add_coding("P1", 30, 40, dst.id, "ada")  # the same passage, coder: a repeat
    c = p.add_coding("P1", 30, 40, src.id, "bob")
    p.add_memo("on the code", target="code", target_id=src.id)
    m = p.add_memo("on the repeat", target="coding", target_id=a.id)
    p.add_theme("Thema", codes=[src.id, dst.id])
    result = merge_codes(p, src.id, dst.id, user="Ada")
    assert src.id not in p.codes
    assert result.dropped == (a.id,) and result.recoded == (c.id,)
    assert p.codings[c.id].code == dst.id and b.id in p.codings and a.id not in p.codings
    assert p.memos[m.id].target_id == b.id
    assert [mm.target_id for mm in p.memos.values() if mm.target == "code"] == [dst.id]
    assert p.code("Dolmetscher 🗣").parent == dst.id
    assert p.theme("Thema").codes == (dst.id,)
    assert p.audit[-1].action == "merge-codes" and p.audit[-1].details["dropped"] == 1
    assert p.problems() == []


def test_merge_into_itself_or_below_is_refused():
    p = tree()
    with pytest.raises(InterviewError, match="itself or below it"):
        merge_codes(p, "BARRIERS", "BARRIERS/Sprache/Dolmetscher 🗣")
    with pytest.raises(InterviewError, match="itself or below it"):
        merge_codes(p, "Zugang", "Zugang")
    p.add_code("Sprache", parent="Zugang")
    with pytest.raises(InterviewError, match="already has a code 'Sprache'"):
        merge_codes(p, "BARRIERS", "Zugang")
    assert len(p.codes) == 5


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 7), min_size=8, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), st.integers(-1, 7)), max_size=25),
)
def test_moves_never_make_a_cycle(parents, moves):
    """Whatever moves are asked for, every code keeps a path to the top."""
    p = Project("x")
    ids = []
    for i, k in enumerate(parents):
        parent = ids[k] if ids and k < len(ids) else None
        ids.append(p.add_code(f"C{i}", parent=parent).id)
    for code, target in moves:
        try:
            change_code(p, ids[code], parent=None if target < 0 else ids[target])
        except InterviewError:
            pass
    for cid in ids:
        seen, cur = set(), cid
        while cur is not None:
            assert cur not in seen, "a cycle"
            seen.add(cur)
            cur = p.codes[cur].parent
