"""Item distributions count the answers in every group in one pass over (group, answer)
pairs (issue 18); the counts must be those of counting each group through its own mask, as
before, including when masks overlap or leave respondents out."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.items import _counts_by_group, _group_numbers


def _by_mask(index, counted, k, labels, masks):
    return {
        label: np.bincount(index[counted & mask], minlength=k).tolist()
        for label, mask in zip(labels, masks, strict=True)
    }


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    k=st.integers(1, 6),
    n_groups=st.integers(0, 6),
    overlap=st.booleans(),
)
def test_counts_by_group_are_those_of_each_mask(seed, n, k, n_groups, overlap):
    rng = np.random.default_rng(seed)
    index = rng.integers(-1, k, n)
    counted = index >= 0
    member = rng.integers(-1, n_groups, n) if n_groups else np.full(n, -1)
    masks = [member == g for g in range(n_groups)]
    if overlap and n_groups > 1 and n:
        masks[1] = masks[1] | (rng.random(n) < 0.3)
    labels = [f"group {g}" for g in range(n_groups)]
    group = _group_numbers(masks, n)
    if overlap and n_groups > 1 and n and (masks[0] & masks[1]).any():
        assert group is None
    found = _counts_by_group(index, counted, k, labels, masks, group)
    assert found == _by_mask(index, counted, k, labels, masks)
    assert list(found) == labels
