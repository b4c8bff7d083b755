"""The proportion over everyone comes from the same count of cells as the groups' (issue 18:
another two passes over a national study's every respondent per indicator).  Without
weights each cell's weight is a whole number, so everyone's cells are the groups' summed
exactly.  The estimate must be, bit for bit, ``design_proportion`` over everyone's."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.by_group import _estimates
from readiness.stats.design import SurveyDesign, design_proportion, design_proportions_in


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(10, 300),
    k=st.integers(0, 6),
    stages=st.sampled_from([1, 2]),
    weighted=st.booleans(),
    stratified=st.booleans(),
    lonely=st.sampled_from(["adjust", "average", "certainty", "remove"]),
    missing=st.sampled_from([0.0, 0.3, 1.0]),
)
def test_overall_as_design_proportion(seed, n, k, stages, weighted, stratified, lonely, missing):
    rng = np.random.default_rng(seed)
    site = rng.permutation(np.arange(n) % max(4, n // 8))
    cluster = [site, rng.integers(0, 3, n)] if stages == 2 else site
    fpc = [np.full(n, 300), np.full(n, 7)] if stages == 2 else None
    design = SurveyDesign(
        cluster=cluster,
        strata=(site % 3) if stratified else None,
        weights=rng.uniform(0.3, 4.0, n) if weighted and fpc is None else None,
        fpc=fpc,
        lonely_psu=lonely,
    )
    y = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(float)
    y[rng.random(n) < missing] = np.nan
    group = rng.integers(-1, k, n) if k else np.full(n, -1)
    masks = [group == g for g in range(k)]
    found = design_proportions_in(y, design, masks, overall=True)
    assert found is not None and len(found) == k + 1
    if np.isnan(y).all():
        assert found[0] is None
    else:
        assert repr(found[0]) == repr(design_proportion(y, design))
    overall, _groups = _estimates(y, masks, design, "wilson", 0.95)
    if not np.isnan(y).all():
        assert repr(overall.estimate) == repr(design_proportion(y, design))
    else:
        assert overall.estimate is None and overall.n == 0
