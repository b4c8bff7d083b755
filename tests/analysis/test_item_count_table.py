"""Item distributions count every respondent's (group, answer) pair at once, without picking
out the rows that answered or have a group first (issue 18).  Counts overall and by group
must be those of the earlier code, kept here as the reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.items import _count_table, _counts_by_group, _group_numbers


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 200),
    k=st.integers(1, 8),
    groups=st.integers(0, 6),
)
def test_counts_as_before(seed, n, k, groups):
    rng = np.random.default_rng(seed)
    index = rng.integers(-1, k, n).astype(np.int64)  # -1: none of the codes
    member = rng.integers(-1, groups, n) if groups else np.full(n, -1)
    masks = [member == g for g in range(groups)]
    labels = [f"g{g}" for g in range(groups)]
    group = _group_numbers(masks, n)
    assert group is not None
    counted = index >= 0
    counts, by_group = _count_table(index, k, labels, group + 1)
    assert counts.tolist() == np.bincount(index[counted], minlength=k).tolist()
    assert by_group == _counts_by_group(index, counted, k, labels, masks, group)
    assert int(counts.sum()) == int(counted.sum())
