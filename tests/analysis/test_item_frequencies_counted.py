"""A question with whole-number codes counts each code's answers by comparing the numbers
with it (issue 18), not through a table of every distinct value; the counts must be those of
the earlier ``value_counts`` table, whatever else the column holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.items_summary import _frequencies
from readiness.instrument import shipped_instrument
from readiness.instrument.scoring import numeric_column

INSTRUMENT = shipped_instrument()
ITEMS = [
    item
    for item in INSTRUMENT.data_items
    if item.choices and all(isinstance(c.code, int) for c in item.choices)
]
ODD = ["7", "x", None, "", " 2 ", "-0", "1.0", "nan", "inf"]


def _counted_by_table(item, frame):
    found = pd.Series(numeric_column(frame, item.id)).value_counts()
    return [int(found.get(float(c.code), 0)) for c in item.choices]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 400), pick=st.integers(0, 10**6))
def test_counts_are_those_of_the_value_counts_table(seed, n, pick):
    rng = np.random.default_rng(seed)
    item = ITEMS[pick % len(ITEMS)]
    codes = [str(c.code) for c in item.choices]
    column = pd.Series(rng.choice(codes + ODD, size=n), dtype=object)
    if seed % 2:  # a column already numeric, as validated responses hold it
        column = pd.to_numeric(column, errors="coerce")
    frame = pd.DataFrame({item.id: column})
    found = _frequencies(item, frame, "wilson", 0.95)
    counts = [answer.count for answer in found["answers"]]
    assert counts == _counted_by_table(item, frame)
    assert found["n"] == sum(counts)
