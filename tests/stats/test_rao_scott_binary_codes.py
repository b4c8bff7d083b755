"""The Rao-Scott test numbers answers coded 0/1 (NaN missing) from two comparisons rather than
``pd.factorize`` (issue 18: numbering the answers was a third of each indicator's test at a
national study's size).  Codes and levels must be factorize's, bit for bit, for any values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.comparisons import _factorized

VALUES = st.sampled_from([0.0, -0.0, 1.0, np.nan, 2.0, 0.5])


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(VALUES, min_size=1, max_size=40),
    binary=st.booleans(),
)
def test_codes_and_levels_are_factorize_s(values, binary):
    y = np.array(values, dtype=np.float64)
    if binary:
        y[(y != 0) & (y != 1)] = np.nan
    codes, levels = _factorized(y)
    want_codes, want_levels = pd.factorize(y, sort=True)
    assert codes.dtype == want_codes.dtype
    assert np.array_equal(codes, want_codes)
    assert levels.dtype == want_levels.dtype
    assert levels.tobytes() == np.asarray(want_levels).tobytes()  # the sign of a zero too


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.integers(0, 3) | st.text(max_size=2), min_size=1, max_size=20))
def test_other_values_are_factorized_as_before(values):
    y = np.asarray(values, dtype=object)
    codes, levels = _factorized(y)
    want_codes, want_levels = pd.factorize(y, sort=True)
    assert np.array_equal(codes, want_codes)
    assert list(levels) == list(want_levels)
