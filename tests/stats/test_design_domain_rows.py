"""Design-based means, totals and quantiles sum a domain's linearised values by cluster over
the domain's rows alone (issue 18: each group's estimate filled and summed a vector over every
respondent of a national study).  The results must be, bit for bit, those of the earlier
code, kept here as the reference: a vector over everyone, zero outside the domain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.design import (
    SurveyDesign,
    _domain,
    _svyvar,
    design_mean,
    design_quantiles,
    design_total,
)


def _as_before(statistic, y, design, domain):
    """The earlier ``_mean_or_total``: estimate, variance, sd and clusters."""
    rows, answered = _domain(y, design, domain)
    w = design.weights
    ya, wa = y[answered], w[answered]
    sw = float(wa.sum())
    z = np.zeros(design.n)
    if statistic == "mean":
        estimate = float(np.sum(wa * ya) / sw)
        z[answered] = wa * (ya - estimate) / sw
    else:
        estimate = float(np.sum(wa * ya))
        z[answered] = wa * ya
    var = float(design.row_variances(z, answered)[0])
    clusters = int(len(np.unique(design.psu[answered])))
    return estimate, var, _svyvar(ya, wa), clusters, design.domain_degf(rows)


def _woodruff_se_as_before(y, design, domain, qhat):
    _rows, answered = _domain(y, design, domain)
    x, w = y[answered], design.weights[answered]
    sw = w.sum()
    below = (x <= qhat).astype(np.float64)
    share = float(np.sum(w * below) / sw)
    z = np.zeros(design.n)
    z[answered] = w * (below - share) / sw
    return float(np.sqrt(design.row_variances(z, answered)[0]))


def _draw(seed, n, stratified, weighted, lonely):
    rng = np.random.default_rng(seed)
    cluster = rng.permutation(np.arange(n) % max(4, n // 6))
    strata = (cluster % 3) if stratified else None
    weights = rng.uniform(0.2, 5.0, n) if weighted else None
    design = SurveyDesign(cluster=cluster, strata=strata, weights=weights, lonely_psu=lonely)
    y = rng.integers(0, 12, n) / 3.0 + rng.normal(0, 0.01, n) * (seed % 2)
    y[rng.random(n) < 0.15] = np.nan
    domain = rng.random(n) < rng.uniform(0.05, 1.0)
    domain[int(rng.integers(0, n))] = True
    y[np.flatnonzero(domain)[0]] = 1.0  # someone in the domain has a value
    return rng, design, y, domain


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(8, 300),
    stratified=st.booleans(),
    weighted=st.booleans(),
    lonely=st.sampled_from(["adjust", "average", "certainty", "remove"]),
    whole=st.booleans(),
)
def test_mean_and_total_as_before(seed, n, stratified, weighted, lonely, whole):
    _rng, design, y, domain = _draw(seed, n, stratified, weighted, lonely)
    domain = None if whole else domain
    for statistic, estimate in (("mean", design_mean), ("total", design_total)):
        found = estimate(y, design, domain=domain)
        est, var, s2, clusters, degf = _as_before(statistic, y, design, domain)
        assert found.estimate == est
        se = float(np.sqrt(var)) if var >= 0 else float("nan")
        assert np.array_equal([found.se], [se], equal_nan=True)
        assert (found.n_clusters, found.df) == (clusters, degf)
        if statistic == "mean" and np.isfinite(s2):
            assert found.sd == float(np.sqrt(s2))


def _full_vector_variance(design, values, answered, units=None):
    """The earlier way: the values over every respondent, zero outside the domain."""
    z = np.zeros(design.n)
    z[answered] = values
    return float(design.row_variances(z, answered)[0])


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(8, 300),
    stratified=st.booleans(),
    weighted=st.booleans(),
    lonely=st.sampled_from(["adjust", "average", "certainty", "remove"]),
)
def test_quantiles_as_before(seed, n, stratified, weighted, lonely):
    _rng, design, y, domain = _draw(seed, n, stratified, weighted, lonely)
    probs = (0.25, 0.5, 0.75, 0.9)
    found = design_quantiles(y, design, probs, domain=domain)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SurveyDesign, "domain_variance", _full_vector_variance)
        before = design_quantiles(y, design, probs, domain=domain)
    for new, old in zip(found, before, strict=True):
        for key in ("estimate", "lower", "upper", "se", "df", "n", "n_clusters"):
            assert np.array_equal([getattr(new, key)], [getattr(old, key)], equal_nan=True)
