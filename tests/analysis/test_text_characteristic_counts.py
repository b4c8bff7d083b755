"""A text characteristic without choices (the site) is counted from one count of its answers
(issue 18: one pass to find a national study's 200 sites, another to count them).  Labels
and counts must be those found and counted as before."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.survey import _code_counts, _group_codes, _text_counts
from readiness.instrument import shipped_instrument

TEXT = st.one_of(
    st.none(), st.sampled_from(["T01", "T02", "T10", "t01", "nan", "", " T01", "2", "10"])
)
INSTRUMENT = shipped_instrument()


@settings(max_examples=300, deadline=None)
@given(values=st.lists(TEXT, max_size=40), item_id=st.sampled_from(["site", "not_an_item"]))
def test_labels_and_counts_as_before(values, item_id):
    frame = pd.DataFrame({item_id: pd.Series(values, dtype="str")})
    found = _text_counts(INSTRUMENT, frame[item_id], item_id)
    assert found is not None
    column, codes, labels = _group_codes(INSTRUMENT, frame, item_id)
    assert found == (labels, _code_counts(column, codes))


def test_other_columns_as_before():
    frame = pd.DataFrame({"site": pd.Series(["a", None], dtype=object), "discipline": [1, 2]})
    assert _text_counts(INSTRUMENT, frame["site"], "site") is None
    assert _text_counts(INSTRUMENT, frame["discipline"], "discipline") is None
