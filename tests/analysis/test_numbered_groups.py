"""The analysis numbers its groups from their masks rather than hashing every respondent's
label (issue 18).  Codes, levels and values must be ``number_groups``'s, as before."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.survey import _numbered_groups
from readiness.stats.by_group import number_groups

LABELS = st.lists(st.sampled_from(["Maternity", "ED", "Other", "b", "a", "A", "é"]), max_size=6)


@settings(max_examples=300, deadline=None)
@given(labels=LABELS, data=st.data())
def test_as_number_groups(labels, data):
    n = data.draw(st.integers(0, 40))
    k = len(labels)
    # masks as _groups makes them, overlapping too (a later mask wins)
    masks = [
        np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        for _ in range(k)
    ]
    values = np.full(n, None, dtype=object)
    for label, mask in zip(labels, masks, strict=True):
        values[mask] = label
    found = _numbered_groups(labels, masks, values)
    want = number_groups(values)
    assert found.codes.dtype == want.codes.dtype
    assert np.array_equal(found.codes, want.codes)
    assert list(found.levels) == list(want.levels) and found.levels.dtype == want.levels.dtype
    assert found.values is values
