"""proportion_by_group numbers each respondent's group once and finds the members of a level
by number (issue 18); who is in each group must be as the earlier comparison of the groups
themselves (``present & (g == level)``) had it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from readiness.stats.by_group import _level_mask, proportion_by_group
from readiness.stats.design import SurveyDesign


def _old_mask(g, level):
    return ~pd.isna(g) & (g == level)


@pytest.mark.parametrize("seed", range(4))
def test_members_of_each_level_are_as_before(seed):
    rng = np.random.default_rng(seed)
    n = 500
    g = np.array(["Nurse", "Doctor", "AHP", 3, 2.5], dtype=object)[rng.integers(0, 5, n)]
    g[rng.random(n) < 0.1] = None
    g[rng.random(n) < 0.05] = np.nan
    codes, distinct = pd.factorize(g)
    for level in ("Nurse", "Doctor", "AHP", 3, 3.0, 2.5, "absent"):
        np.testing.assert_array_equal(_level_mask(codes, distinct, level), _old_mask(g, level))


def test_counts_by_group_match_the_members():
    rng = np.random.default_rng(3)
    n = 800
    y = rng.integers(0, 2, n).astype(float)
    y[rng.random(n) < 0.1] = np.nan
    g = np.array(["b", "a", "c"], dtype=object)[rng.integers(0, 3, n)]
    g[rng.random(n) < 0.1] = None
    for design in (None, SurveyDesign(cluster=rng.integers(0, 20, n))):
        res = proportion_by_group(y, g, design, levels=["a", "b", "c", "d"])
        for found, level in zip(res.groups, ["a", "b", "c", "d"], strict=True):
            mask = _old_mask(g, level) & ~np.isnan(y)
            assert (found.group, found.n, found.count) == (
                level,
                int(mask.sum()),
                int(np.nansum(y[mask])),
            )
        assert res.groups[-1].n == 0  # a level nobody is in
