"""The analysis numbers the group column once and passes the numbering to every indicator's
proportion by group and Rao-Scott test (issue 18); their results must be, bit for bit, those
of passing each respondent's group and numbering it in every call, as before."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.errors import StatsError
from readiness.stats.by_group import number_groups, proportion_by_group
from readiness.stats.comparisons import rao_scott_test
from readiness.stats.design import SurveyDesign

LEVELS = np.array(["Nurse", "Doctor", "AHP", "Other", None], dtype=object)


def _data(seed: int, n: int, n_levels: int):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(float)
    y[rng.random(n) < 0.15] = np.nan
    g = LEVELS[rng.integers(0, n_levels, n)]
    cluster = rng.permutation(np.arange(n) % max(2, n // 8))  # two clusters or more
    weights = rng.uniform(0.5, 3.0, n)
    return y, g, cluster, weights


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 120),
    n_levels=st.integers(1, 5),
    designed=st.booleans(),
)
def test_numbered_groups_give_the_same_results(seed, n, n_levels, designed):
    y, g, cluster, weights = _data(seed, n, n_levels)
    design = SurveyDesign(cluster=cluster, weights=weights) if designed else None
    levels = ["AHP", "Doctor", "Nurse", "Other", "absent"]
    for chosen in (levels, None):
        before = proportion_by_group(y, g, design, levels=chosen)
        after = proportion_by_group(y, number_groups(g), design, levels=chosen)
        assert repr(after) == repr(before)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(4, 150), n_levels=st.integers(2, 5))
def test_rao_scott_with_the_numbering_is_as_without(seed, n, n_levels):
    y, g, cluster, weights = _data(seed, n, n_levels)
    design = SurveyDesign(cluster=cluster, weights=weights)
    numbered = number_groups(g)
    try:
        before = rao_scott_test(y, g, design)
    except StatsError as err:
        with pytest.raises(StatsError, match="at least two|degrees of freedom") as again:
            rao_scott_test(y, g, design, group_codes=(numbered.codes, numbered.levels))
        assert str(again.value) == str(err)
        return
    after = rao_scott_test(y, g, design, group_codes=(numbered.codes, numbered.levels))
    assert repr(after) == repr(before)


def test_a_numbering_of_another_length_is_refused():
    y, g, cluster, _ = _data(1, 40, 3)
    numbered = number_groups(g[:30])
    with pytest.raises(StatsError, match="group_codes has 30 codes but group has 40"):
        rao_scott_test(
            y, g, SurveyDesign(cluster=cluster), group_codes=(numbered.codes, numbered.levels)
        )
