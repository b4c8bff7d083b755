"""A number's design-based summaries by group take every group's respondents found together
(issue 18); each group's summary must be, bit for bit, the one worked out with the group's
mask as the domain, as the analysis did before."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.survey import AnalysisSettings, _design_numbers, _summaries
from readiness.stats.design import SurveyDesign


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(12, 300),
    k=st.integers(1, 5),
    weighted=st.booleans(),
    stratified=st.booleans(),
    total=st.booleans(),
)
def test_summaries_by_group_as_with_masks(seed, n, k, weighted, stratified, total):
    rng = np.random.default_rng(seed)
    cluster = rng.permutation(np.arange(n) % max(4, n // 6))
    design = SurveyDesign(
        cluster=cluster,
        strata=cluster % 2 if stratified else None,
        weights=rng.uniform(0.5, 4.0, n) if weighted else None,
    )
    x = rng.integers(0, 20, n) / 4.0
    x[rng.random(n) < 0.1] = np.nan
    group = rng.integers(-1, k, n)
    masks = [group == g for g in range(k)]
    labels = [f"g{g}" for g in range(k)]
    conf = AnalysisSettings()
    overall, by_group = _summaries(x, design, conf, labels, masks, total=total)
    order = np.argsort(x, kind="stable")
    for label, mask in zip(labels, masks, strict=True):
        before = _design_numbers(x, design, conf, domain=mask, total=total, order=order)
        assert json.dumps(by_group[label]) == json.dumps(before)  # NaN and None alike
    assert json.dumps(overall) == json.dumps(
        _design_numbers(x, design, conf, total=total, order=order)
    )
