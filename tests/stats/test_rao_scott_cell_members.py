"""The Rao-Scott cell covariance finds each cell's rows once, from one sort of the cells, and
multiplies by the negated proportion rather than negating the product (issue 18: a
comparison per row and cell, and a pass to negate, were a third of each indicator's test).
The covariance must be, bit for bit, that of the previous code, kept here as the reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.comparisons import _cell_covariance, _cell_members
from readiness.stats.design import SurveyDesign


def _previous(design, cell, w, props, complete):
    k, sw = len(props), w.sum()
    units = design.unit[complete]
    own = w / sw
    totals = np.empty((design.n_units, k))
    values, here = np.empty_like(w), np.empty(len(w), dtype=bool)
    for j in range(k):
        np.multiply(w, props[j], out=values)
        np.negative(values, out=values)
        np.divide(values, sw, out=values)
        np.equal(cell, j, out=here)
        np.add(values, own, out=values, where=here)
        totals[:, j] = np.bincount(units, weights=values, minlength=design.n_units)
    return design.unit_covariance(totals, complete)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 500),
    k=st.integers(1, 40),
    stages=st.sampled_from([1, 2]),
    weighted=st.booleans(),
    lonely=st.sampled_from(["adjust", "average"]),
)
def test_cell_covariance_as_before(seed, n, k, stages, weighted, lonely):
    rng = np.random.default_rng(seed)
    site = rng.permutation(np.arange(n) % max(2, n // 6))
    cluster = [site, rng.integers(0, 3, n)] if stages == 2 else site
    fpc = [np.full(n, 100), np.full(n, 5)] if stages == 2 else None
    weights = rng.uniform(0.2, 5.0, n) if weighted and fpc is None else None
    design = SurveyDesign(cluster=cluster, weights=weights, fpc=fpc, lonely_psu=lonely)
    complete = rng.random(n) < 0.8
    m = int(complete.sum())
    cell = rng.integers(0, k, m)
    w = np.asarray(design.weights, dtype=np.float64)[complete]
    props = np.bincount(cell, weights=w, minlength=k) / w.sum() if m else np.zeros(k)
    found = _cell_covariance(design, cell, w, props, complete)
    assert found.tobytes() == _previous(design, cell, w, props, complete).tobytes()


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(st.integers(0, 9), max_size=60), extra=st.integers(0, 3))
def test_cell_members_in_row_order(cells, extra):
    cell = np.array(cells, dtype=np.intp)
    k = (int(cell.max()) + 1 if len(cell) else 0) + extra
    members = _cell_members(cell, k)
    assert len(members) == k
    for j, rows in enumerate(members):
        assert np.array_equal(rows, np.flatnonzero(cell == j))
