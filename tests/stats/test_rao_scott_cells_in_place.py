"""The Rao-Scott test's cell covariance works each cell's linearised values out in place,
into buffers used again for every cell (issue 18); the covariance must be, bit for bit, that
of the earlier code, which made new arrays for each cell."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.comparisons import _cell_covariance
from readiness.stats.design import SurveyDesign


def _as_before(design, cell, w, props, complete):
    k, sw = len(props), w.sum()
    units = design.unit[complete]
    own = w / sw
    totals = np.empty((design.n_units, k))
    for j in range(k):
        values = -(w * props[j]) / sw
        here = cell == j
        values[here] += own[here]
        totals[:, j] = np.bincount(units, weights=values, minlength=design.n_units)
    return design.unit_covariance(totals, complete)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(8, 400),
    k=st.integers(1, 12),
    stratified=st.booleans(),
    weighted=st.booleans(),
)
def test_cell_covariance_is_as_before(seed, n, k, stratified, weighted):
    rng = np.random.default_rng(seed)
    cluster = rng.permutation(np.arange(n) % max(4, n // 6))
    strata = (cluster % 2) if stratified else None
    weights = rng.uniform(0.2, 5.0, n) if weighted else None
    design = SurveyDesign(cluster=cluster, strata=strata, weights=weights)
    complete = rng.random(n) < 0.85
    m = int(complete.sum())
    cell = rng.integers(0, k, m)
    w = np.asarray(design.weights, dtype=np.float64)[complete]
    props = np.bincount(cell, weights=w, minlength=k) / w.sum() if m else np.zeros(k)
    found = _cell_covariance(design, cell, w, props, complete)
    assert found.tobytes() == _as_before(design, cell, w, props, complete).tobytes()
