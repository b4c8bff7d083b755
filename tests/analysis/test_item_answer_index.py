"""Item distributions look each answer's code up in a table rather than comparing every
answer with every code (issue 18).  The places must be those of the comparisons, as before,
for any values (NaN, fractions, negative zero, infinities, numbers beyond the codes)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.items import answer_index

VALUES = st.one_of(
    st.sampled_from([np.nan, -0.0, 0.0, 0.5, 2.5, -1.0, np.inf, -np.inf, 1e-300, 4096.0]),
    st.integers(-3, 12).map(float),
    st.floats(allow_nan=True, allow_infinity=True),
)
CODES = st.one_of(
    st.lists(st.integers(0, 12), max_size=9),  # duplicates too: the later one wins
    st.lists(st.sampled_from([1, 2, 8, 4095, 4096, -1, 2.5, True]), max_size=5),
)


def _before(values, codes):
    index = np.full(len(values), -1, dtype=np.int64)
    for i, code in enumerate(codes):
        index[values == float(code)] = i
    return index


@settings(max_examples=400, deadline=None)
@given(values=st.lists(VALUES, max_size=50), codes=CODES)
def test_places_as_the_comparisons_give_them(values, codes):
    x = np.array(values, dtype=np.float64)
    found = answer_index(x, codes)
    assert found.dtype == np.int64
    assert np.array_equal(found, _before(x, codes))
