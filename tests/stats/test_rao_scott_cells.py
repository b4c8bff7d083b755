"""The Rao-Scott test sums its linearised cell values by cluster one cell at a time (issue 18:
at 1.5 million respondents the respondents x cells matrix was most of the test's time) and
codes its levels without converting the answers to Python objects.  Both must give what the
earlier code gave: that code is kept here as the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from readiness.stats.calibration import design_covariance
from readiness.stats.comparisons import _cell_covariance, rao_scott_test
from readiness.stats.design import SurveyDesign


def _old_covariance(design, cell, w, props, complete):
    sw = w.sum()
    x = np.zeros((design.n, len(props)))
    x[complete] = -(w[:, None] * props[None, :]) / sw
    x[np.flatnonzero(complete), cell] += w / sw
    return design_covariance(design, x, complete)


def _designs(rng, n):
    cluster = rng.integers(0, 30, n)
    strata = cluster % 4
    yield SurveyDesign(cluster=cluster)
    yield SurveyDesign(cluster=cluster, strata=strata, weights=rng.uniform(0.5, 4, n))
    lonely = np.where(cluster == 0, 99, cluster)  # stratum 99 has one cluster
    yield SurveyDesign(
        cluster=lonely, strata=np.where(lonely == 99, 99, lonely % 3), lonely_psu="average"
    )
    second = rng.integers(0, 4, n)
    stages = np.column_stack([cluster, cluster * 10 + second])
    yield SurveyDesign(stages, fpc=np.column_stack([np.full(n, 60), np.full(n, 8)]))


@pytest.mark.parametrize("seed", range(4))
def test_cell_covariance_is_the_earlier_one(seed):
    rng = np.random.default_rng(seed)
    n = 2000
    for design in _designs(rng, n):
        complete = rng.random(n) < 0.8
        r, c = 2, 4
        cell = rng.integers(0, r * c, int(complete.sum()))
        w = np.asarray(design.weights, dtype=np.float64)[complete]
        props = np.bincount(cell, weights=w, minlength=r * c) / w.sum()
        new = _cell_covariance(design, cell, w, props, complete)
        old = _old_covariance(design, cell, w, props, complete)
        np.testing.assert_array_equal(new, old)


def _old_levels(values):
    arr = np.asarray(values, dtype=object) if np.asarray(values).dtype.kind in "OUS" else values
    arr = np.asarray(arr)
    return pd.factorize(np.where(pd.isna(arr), None, arr), sort=True)


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.0, 0.0, np.nan, 1.0, 0.0]),
        np.array([3, 1, 2, 1, 3]),
        np.array(["b", None, "a", np.nan, "b"], dtype=object),
        np.array([True, False, True, True, False]),
    ],
)
def test_levels_are_coded_as_before(values):
    old_codes, old_levels = _old_levels(values)
    arr = np.asarray(values, dtype=object) if values.dtype.kind in "OUS" else values
    codes, levels = pd.factorize(arr, sort=True)
    np.testing.assert_array_equal(codes, old_codes)
    assert [v.item() if hasattr(v, "item") else v for v in levels] == list(old_levels)


def test_the_test_is_the_same_for_numbers_and_objects():
    rng = np.random.default_rng(7)
    n = 600
    design = SurveyDesign(cluster=rng.integers(0, 12, n))
    y = rng.integers(0, 2, n).astype(float)
    y[rng.random(n) < 0.1] = np.nan
    group = np.array(list("abc"), dtype=object)[rng.integers(0, 3, n)]
    group[rng.random(n) < 0.05] = None
    as_numbers = rao_scott_test(y, group, design)
    as_objects = rao_scott_test(np.where(np.isnan(y), None, y).astype(object), group, design)
    assert as_numbers == as_objects
    assert as_numbers.rows == (0.0, 1.0) and as_numbers.columns == ("a", "b", "c")
