"""The design finds each unit's first respondent in one pass instead of sorting every row
(issue 18).  The rows must be ``np.unique(..., return_index=True)``'s, and a design built
with them the same, array for array, as one built by sorting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats import design as design_module
from readiness.stats.design import SurveyDesign, _first_rows


@settings(max_examples=300, deadline=None)
@given(codes=st.lists(st.integers(-2, 12), max_size=60), dense=st.booleans())
def test_first_rows_as_unique(codes, dense):
    array = np.array(codes, dtype=np.intp)
    if dense and len(array):
        array = np.unique(array, return_inverse=True)[1].astype(np.intp)
    assert np.array_equal(_first_rows(array), np.unique(array, return_index=True)[1])


def _sorted_first_rows(codes):
    return np.unique(codes, return_index=True)[1]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(6, 300),
    stages=st.sampled_from([1, 2]),
    stratified=st.booleans(),
)
def test_design_as_when_sorting(seed, n, stages, stratified):
    rng = np.random.default_rng(seed)
    site = rng.permutation(np.arange(n) % max(3, n // 7))
    cluster = [site, rng.integers(0, 3, n)] if stages == 2 else site
    fpc = [np.full(n, 400), np.full(n, 9)] if stages == 2 else None
    strata = site % 2 if stratified else None

    def build():
        return SurveyDesign(cluster, strata=strata, fpc=fpc, lonely_psu="adjust")

    new = build()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(design_module, "_first_rows", _sorted_first_rows)
        old = build()
    for name in ("psu", "psu_stratum", "psu_per_stratum", "weights", "unit"):
        assert getattr(new, name).tobytes() == getattr(old, name).tobytes()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(new._up, old._up, strict=True))
    assert new.describe() == old.describe()
    x = rng.normal(size=(n, 2))
    assert new.row_variances(x).tobytes() == old.row_variances(x).tobytes()
