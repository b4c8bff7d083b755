"""The suppression rules (readiness.report.suppression), case by case and as invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.report.suppression import (
    is_small,
    merge_small_categories,
    safe_message,
    suppress_counts,
    suppress_proportions,
)


def test_primary_and_secondary_counts():
    s = suppress_counts([40, 3, 25, 12])
    assert s.cells == (False, True, False, True) and s.primary == (False, True, False, False)
    assert not s.total
    # two small cells that add up to 5 or more protect each other
    assert suppress_counts([40, 3, 25, 2, 30]).cells == (False, True, False, True, False)
    # two small cells adding up to less than 5 need a third
    assert suppress_counts([40, 1, 25, 2, 30]).cells == (False, True, True, True, False)
    # zeros are shown; without a shown total no secondary cell is needed
    assert suppress_counts([0, 3, 9], total_shown=False).cells == (False, True, False)
    assert suppress_counts([0, 0, 7]).cells == (False, False, False)


def test_a_small_total_is_hidden_with_its_cells():
    s = suppress_counts([2, 0, 1])
    assert s.total and s.cells == (True, False, True)


def test_a_part_shown_nowhere_counts_towards_the_hidden_part():
    # 3 respondents in no shown cell: the total minus the cells would reveal them; hiding 12
    # beside them is not enough (12 + 3 unshown: 12 is 12 to 15), so 25 goes too
    assert suppress_counts([40, 25, 12], unshown=3).cells == (False, True, True)
    # a single hidden cell is safe only beside at least min_cell unshown
    assert suppress_counts([40, 3, 25], unshown=10).cells == (False, True, False)


def test_forced_cells_are_hidden_and_protected():
    s = suppress_counts([40, 30, 25], force=[False, True, False])
    assert s.cells == (False, True, True)  # alone, the forced cell would be total minus others


def test_proportions_hide_small_complements_and_denominators():
    s = suppress_proportions([95, 165, 147], [98, 176, 152], overall=(407, 426))
    assert s.count == (True, False, True)  # 98 - 95 = 3 did not; then 152 - 147 = 5 protects
    assert s.n == (False, False, False)
    s = suppress_proportions([1, 20, 30], [3, 40, 60], overall=(51, 103))
    assert s.n == (True, True, False) and s.count == (True, True, False)
    assert suppress_proportions([0], [0]).count == (False,)


def test_merging_ordered_answers():
    assert merge_small_categories([50, 120, 80, 30, 2]) == [(0, 0), (1, 1), (2, 2), (3, 4)]
    assert merge_small_categories([3, 120, 80, 30, 20]) == [(0, 1), (2, 2), (3, 3), (4, 4)]
    # a small middle joins its smaller non-empty neighbour
    assert merge_small_categories([50, 40, 2, 30, 60]) == [(0, 0), (1, 1), (2, 3), (4, 4)]
    assert merge_small_categories([0, 0, 3, 0, 0]) is None
    assert merge_small_categories([0, 0, 0, 0, 0]) == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)]


def test_min_cell_must_be_a_whole_number_of_at_least_1():
    with pytest.raises(ValueError, match="at least 1"):
        suppress_counts([1, 2], min_cell=0)
    assert not any(suppress_counts([1, 2, 3], min_cell=1).cells)
    assert is_small(4) and not is_small(0) and not is_small(5) and is_small(9, min_cell=10)


def test_safe_messages_keep_what_failed_not_the_details():
    message = "regression of contact: all 3 respondents with discipline = 'Maternity' answered no"
    assert safe_message(message) == (
        "regression of contact: details withheld from the report, since they can describe a few "
        "respondents; readiness analyse shows them to the analyst."
    )
    assert safe_message(message, min_cell=1) == message


counts_lists = st.lists(st.integers(0, 60), min_size=1, max_size=9)


@settings(max_examples=300, deadline=None)
@given(counts_lists, st.integers(0, 12), st.integers(2, 11))
def test_no_shown_count_is_small_and_the_hidden_part_is_never_small(counts, unshown, m):
    s = suppress_counts(counts, min_cell=m, unshown=unshown)
    total = sum(counts) + unshown
    for c, hidden in zip(counts, s.cells, strict=True):
        assert hidden or not 1 <= c < m
    if s.total:  # small, or nothing left to hide beside the hidden part
        assert 1 <= total < m or all(h or c == 0 for c, h in zip(counts, s.cells, strict=True))
        return
    hidden = [c for c, h in zip(counts, s.cells, strict=True) if h]
    residual = sum(hidden) + unshown
    assert not 1 <= residual < m
    if len(hidden) == 1:
        assert unshown >= m


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), min_size=1, max_size=7),
    st.integers(2, 11),
)
def test_shown_proportions_reveal_no_small_count(pairs, m):
    ks = [min(a, b) for a, b in pairs]
    ns = [max(a, b) for a, b in pairs]
    K, N = sum(ks), sum(ns)
    s = suppress_proportions(ks, ns, min_cell=m, overall=(K, N))
    for k, n, hide_k, hide_n in zip(ks, ns, s.count, s.n, strict=True):
        if not hide_k:
            assert not 1 <= k < m and not 1 <= n - k < m
        if not hide_n:
            assert not 1 <= n < m
        assert hide_k or not hide_n  # a hidden denominator hides its count
    if not s.overall_count:
        hidden = [i for i, h in enumerate(s.count) if h]
        assert not 1 <= sum(ks[i] for i in hidden) < m
        assert not 1 <= sum(ns[i] - ks[i] for i in hidden) < m
        assert len(hidden) != 1
    if not s.overall_n:
        hidden = [i for i, h in enumerate(s.n) if h]
        assert not 1 <= sum(ns[i] for i in hidden) < m and len(hidden) != 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=2, max_size=7), st.integers(2, 11))
def test_merged_segments_cover_every_answer_and_none_is_small(counts, m):
    spans = merge_small_categories(counts, min_cell=m)
    if spans is None:
        assert 1 <= sum(counts) < m
        return
    assert spans[0][0] == 0 and spans[-1][1] == len(counts) - 1
    assert all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:], strict=False))
    for first, last in spans:
        assert not 1 <= sum(counts[first : last + 1]) < m
