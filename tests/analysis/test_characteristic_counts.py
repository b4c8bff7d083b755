"""The characteristics count each category without making a mask per category (issue 18: a
national study's 200 sites were 200 masks over every respondent, each then counted).  The
counts must be those of the masks, as before, for any mix of values and codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.survey import _code_counts, _masks

VALUES = st.one_of(
    st.sampled_from([1, 2, 3, 1.0, 2.5, "1", "2", "T01", "T02", " T01", None, float("nan")]),
    st.integers(-2, 4),
)
CODES = st.lists(
    st.sampled_from([1, 2, 3, 4, 2.5, "1", "T01", "T02", "T03", "x"]), max_size=8, unique=True
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(VALUES, min_size=1, max_size=40), codes=CODES, as_text=st.booleans())
def test_counts_are_the_masks_counts(values, codes, as_text):
    array = np.array(values, dtype=object)
    if as_text:  # a text column as pandas holds it
        array = pd.Series([None if v is None else str(v) for v in values], dtype="str").to_numpy()
    before = [int(m.sum()) for m in _masks(array, codes)]
    assert _code_counts(array, codes) == before
