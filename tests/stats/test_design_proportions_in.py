"""Every group's design-based proportion from one count of all the groups' cells
(``design_proportions_in``; issue 18: two passes over a national study's every respondent
per group and indicator).  Each group's result must be, bit for bit, that of
``design_proportion`` with the group's mask as the domain, as before; the analysis's
proportions by group likewise."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.by_group import _estimates
from readiness.stats.design import SurveyDesign, design_proportion, design_proportions_in


def _draw(seed, n, k, stages, stratified, weighted, lonely, missing):
    rng = np.random.default_rng(seed)
    site = rng.permutation(np.arange(n) % max(4, n // 8))
    cluster = [site, rng.integers(0, 3, n)] if stages == 2 else site
    fpc = [np.full(n, 200), np.full(n, 6)] if stages == 2 else None
    design = SurveyDesign(
        cluster=cluster,
        strata=(site % 3) if stratified else None,
        weights=rng.uniform(0.2, 5.0, n) if weighted and fpc is None else None,
        fpc=fpc,
        lonely_psu=lonely,
    )
    y = (rng.random(n) < rng.uniform(0.02, 0.98)).astype(float)
    y[rng.random(n) < missing] = np.nan
    group = rng.integers(-1, k, n)
    return design, y, [group == g for g in range(k)]


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(10, 300),
    k=st.integers(1, 7),
    stages=st.sampled_from([1, 2]),
    stratified=st.booleans(),
    weighted=st.booleans(),
    lonely=st.sampled_from(["adjust", "average", "certainty", "remove"]),
    missing=st.sampled_from([0.0, 0.2, 0.7]),
)
def test_each_group_as_its_own_domain(seed, n, k, stages, stratified, weighted, lonely, missing):
    design, y, masks = _draw(seed, n, k, stages, stratified, weighted, lonely, missing)
    found = design_proportions_in(y, design, masks)
    assert found is not None
    for mask, est in zip(masks, found, strict=True):
        if not (mask & ~np.isnan(y)).any():
            assert est is None
            continue
        before = design_proportion(y, design, domain=mask)
        assert repr(est) == repr(before)  # every field, NaN as NaN, to the last digit
    overall, groups = _estimates(y, masks, design, "wilson", 0.95)
    for mask, got in zip(masks, groups, strict=True):
        if (mask & ~np.isnan(y)).any():
            assert repr(got.estimate) == repr(design_proportion(y, design, domain=mask))


def test_overlapping_or_odd_masks_are_left_as_they_are():
    design = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3])
    y = np.array([1.0, 0, 1, 0, 1, 1])
    both = np.array([True, True, False, False, True, False])
    assert design_proportions_in(y, design, [both, both]) is None
    assert design_proportions_in(y, design, [np.ones(6, dtype=int)]) is None
