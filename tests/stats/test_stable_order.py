"""``stable_order`` sorts a variable by the ranks of its few distinct values (issue 18: a
stable sort of every scale score and number of a national study took a tenth of the
summaries' time).  The order must be ``np.argsort(y, kind="stable")``'s, exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.design import stable_order

FEW = st.sampled_from([0.0, -0.0, 1.0, 0.25, 1 / 3, -2.5, np.nan, np.inf, -np.inf, 1e-300])


@settings(max_examples=400, deadline=None)
@given(values=st.lists(FEW | st.floats(allow_nan=True), max_size=80))
def test_order_is_the_stable_argsort(values):
    y = np.array(values, dtype=np.float64)
    assert np.array_equal(stable_order(y), np.argsort(y, kind="stable"))


def test_many_distinct_values_and_many_ties():
    rng = np.random.default_rng(5)
    for y in (rng.normal(size=70_000), rng.integers(0, 40, 70_000) / 7.0):
        y[rng.random(len(y)) < 0.05] = np.nan
        assert np.array_equal(stable_order(y), np.argsort(y, kind="stable"))
