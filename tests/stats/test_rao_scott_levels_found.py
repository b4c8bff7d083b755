"""The Rao-Scott test counts the levels of y and the groups that respondents with both
answers have from their cells (issue 18), not from a selection of each variable over every
respondent.  The counts must be those of the earlier code, kept here as the reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.comparisons import _levels_found


@settings(max_examples=400, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), n=st.integers(0, 60), r=st.integers(0, 4), c=st.integers(0, 6)
)
def test_levels_found_as_before(seed, n, r, c):
    rng = np.random.default_rng(seed)
    yc = rng.integers(-1, r, n) if r else np.full(n, -1)
    gc = rng.integers(-1, c, n) if c else np.full(n, -1)
    complete = (yc >= 0) & (gc >= 0)
    before = tuple(
        int(np.count_nonzero(np.bincount(codes[complete], minlength=1))) for codes in (yc, gc)
    )
    assert _levels_found((yc + r * gc)[complete], r, c) == before
