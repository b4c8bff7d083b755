"""Question summaries count a closed question's codes from one look-up of every answer, not a
pass per code (issue 18).  The counts must be those of comparing every answer with each code,
as before."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.items_summary import _code_counts

VALUES = st.one_of(
    st.sampled_from([np.nan, -0.0, 0.5, 2.5, -1.0, np.inf, 8.0, 99.0]),
    st.integers(-1, 9).map(float),
)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(VALUES, max_size=60),
    codes=st.lists(st.integers(0, 9) | st.sampled_from([99, 5000, -1]), max_size=8),
)
def test_counts_as_the_comparisons(values, codes):
    x = np.array(values, dtype=np.float64)
    before = [int(np.count_nonzero(x == float(code))) for code in codes]
    assert _code_counts(x, codes) == before
