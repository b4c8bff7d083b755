"""Question summaries number only the answers of a text column with missing answers, not its
missing rows (issue 18: optional free-text questions of a national study are mostly blank).
The numbers must be ``pd.factorize``'s, as before, for any column."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.items_summary import _numbered, _stripped

TEXT = st.one_of(st.none(), st.sampled_from(["1 2", " 1 2", "3", "", "  ", "a", "A", "é"]))
ANY = st.one_of(TEXT, st.integers(0, 3), st.just(float("nan")), st.just(1.0))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=40), dtype=st.sampled_from(["str", object]))
def test_text_numbered_as_factorize(values, dtype):
    column = pd.Series(values, dtype=dtype)
    codes, distinct = _numbered(column)
    want_codes, want_distinct = pd.factorize(column)
    assert codes.dtype == want_codes.dtype
    assert np.array_equal(codes, want_codes)
    assert list(distinct) == list(want_distinct)
    rows, texts = _stripped(column)
    assert rows.sum() == int(column.notna().sum())


@settings(max_examples=200, deadline=None)
@given(values=st.lists(ANY, min_size=1, max_size=30))
def test_mixed_objects_numbered_as_factorize(values):
    column = pd.Series(values, dtype=object)
    codes, distinct = _numbered(column)
    want_codes, want_distinct = pd.factorize(column)
    assert np.array_equal(codes, want_codes)
    assert len(distinct) == len(want_distinct)
