"""Every group's respondents with a value are found together (``domain_rows_by_group``), and
the design-based mean, total and quartiles of a group take them as their domain (issue 18:
each group's estimates scanned a national study's every respondent a dozen times).  The
results must be, bit for bit, those of the group's mask as the domain, as before."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.errors import StatsError
from readiness.stats.design import (
    DomainRows,
    SurveyDesign,
    design_mean,
    design_quantiles,
    design_total,
    domain_rows_by_group,
)


def _same(a, b) -> bool:
    """Two results equal field by field, NaN equal to NaN."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
            continue
        if x != y or type(x) is not type(y):
            return False
    return True


def _draw(seed, n, k, stratified, weighted, lonely, missing):
    rng = np.random.default_rng(seed)
    cluster = rng.permutation(np.arange(n) % max(4, n // 5))
    strata = (cluster % 3) if stratified else None
    weights = rng.uniform(0.2, 5.0, n) if weighted else None
    design = SurveyDesign(cluster=cluster, strata=strata, weights=weights, lonely_psu=lonely)
    y = rng.integers(0, 8, n) / 4.0  # ties, as scale scores have
    y[rng.random(n) < missing] = np.nan
    group = rng.integers(-1, k, n)  # -1: in no group
    return design, y, [group == g for g in range(k)]


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(10, 250),
    k=st.integers(1, 6),
    stratified=st.booleans(),
    weighted=st.booleans(),
    lonely=st.sampled_from(["adjust", "average", "certainty", "remove"]),
    missing=st.sampled_from([0.0, 0.1, 0.6]),
)
def test_group_estimates_as_with_masks(seed, n, k, stratified, weighted, lonely, missing):
    design, y, masks = _draw(seed, n, k, stratified, weighted, lonely, missing)
    order = np.argsort(y, kind="stable")
    found = domain_rows_by_group(y, design, masks, order)
    assert found is not None and len(found) == k
    probs = (0.25, 0.5, 0.75)
    for mask, rows in zip(masks, found, strict=True):
        answered = mask & ~np.isnan(y)
        assert np.array_equal(rows.of(y), y[answered])
        assert rows.n == int(answered.sum())
        if not answered.any():
            continue
        for estimate in (design_mean, design_total):
            assert _same(estimate(y, design, domain=rows), estimate(y, design, domain=mask))
        new = design_quantiles(y, design, probs, rows, order=order)
        old = design_quantiles(y, design, probs, mask, order=order)
        assert all(_same(a, b) for a, b in zip(new, old, strict=True))
        unsorted = dataclasses.replace(rows, order=None)  # its order from the whole's
        again = design_quantiles(y, design, probs, unsorted, order=order)
        assert all(_same(a, b) for a, b in zip(again, old, strict=True))


def test_overlapping_or_odd_masks_are_left_as_they_are():
    design = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3])
    y = np.arange(6.0)
    both = np.array([True, True, False, False, True, False])
    assert domain_rows_by_group(y, design, [both, both]) is None
    assert domain_rows_by_group(y, design, [np.ones(6, dtype=int)]) is None
    assert domain_rows_by_group(y, design, [np.ones(5, dtype=bool)]) is None


def test_a_group_with_no_value_says_so_as_before():
    design = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3])
    y = np.array([1.0, np.nan, 2.0, 3.0, 4.0, 5.0])
    nobody = np.array([False, True, False, False, False, False])
    (rows,) = domain_rows_by_group(y, design, [nobody])
    assert isinstance(rows, DomainRows) and rows.n == 0
    messages = []
    for domain in (rows, nobody):
        with pytest.raises(StatsError, match="n = 0") as err:
            design_mean(y, design, domain=domain)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
