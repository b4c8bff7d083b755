"""The evaluation's own statistics against R (tests/reference/evaluation.R and paired.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from readiness.evaluation.kernels import (
    friedman_table,
    holm_adjust,
    newcombe_difference,
    random_intercept_model,
    standardised_mean_difference,
)
from readiness.stats.paired import friedman

FIXTURES = Path(__file__).parents[1] / "reference" / "fixtures"
REF = json.loads((FIXTURES / "evaluation.json").read_text())
PAIRED = json.loads((FIXTURES / "paired.json").read_text())


def nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("case", REF["holm"], ids=lambda c: f"m{len(c['p'])}")
def test_holm_matches_p_adjust(case):
    got = holm_adjust(nan(case["p"]))
    np.testing.assert_allclose(got, nan(case["holm"]), rtol=0, atol=1e-12)


def test_holm_of_nothing_and_all_missing():
    assert holm_adjust([]).shape == (0,)
    assert np.isnan(holm_adjust([np.nan, np.nan])).all()


@pytest.mark.parametrize(
    "case",
    REF["newcombe"],
    ids=lambda c: f"{c['count1']}of{c['n1']}-{c['count2']}of{c['n2']}-{c['conf_level']}",
)
def test_newcombe_unpaired_matches_the_formula_in_r(case):
    got = newcombe_difference(
        case["count1"], case["n1"], case["count2"], case["n2"], case["conf_level"]
    )
    for key in ("difference", "lower", "upper"):
        assert got.__getattribute__(key) == pytest.approx(case[key], abs=1e-12)


def test_newcombe_unpaired_published_example():
    # Newcombe (1998), Stat Med 17:873-890, example (a): 56/70 - 48/80, method 10
    got = newcombe_difference(56, 70, 48, 80)
    assert (round(got.difference, 4), round(got.lower, 4), round(got.upper, 4)) == (
        0.2,
        0.0524,
        0.3339,
    )


def test_newcombe_unpaired_empty_group_is_none():
    got = newcombe_difference(3, 10, 0, 0)
    assert got.difference is None and got.lower is None and got.n == 10


@pytest.mark.parametrize("case", REF["smd"], ids=lambda c: f"n{len(c['x'])}-{len(c['y'])}")
def test_smd_matches_r(case):
    got = standardised_mean_difference(nan(case["x"]), nan(case["y"]))
    assert got == pytest.approx(case["smd"], abs=1e-12)


def test_smd_needs_two_values_a_side_and_some_spread():
    assert standardised_mean_difference([1.0], [1.0, 2.0]) is None
    assert standardised_mean_difference([2.0, 2.0], [2.0, 2.0]) is None
    assert standardised_mean_difference([3.0, 3.0], [2.0, 2.0]) == float("inf")


def _design(wave: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    levels = [lv for lv in ("pre", "post", "follow_up") if lv in set(wave)]
    columns = [np.ones(len(wave))] + [(wave == lv).astype(float) for lv in levels[1:]]
    return np.column_stack(columns), ("(Intercept)",) + tuple(f"wave{lv}" for lv in levels[1:])


@pytest.mark.parametrize("case", REF["lmer"], ids=lambda c: c["name"])
def test_random_intercept_model_matches_lmer(case):
    wave = np.array(case["wave"])
    x, terms = _design(wave)
    fit = random_intercept_model(nan(case["y"]), x, np.array(case["person"]), terms)
    assert fit.terms == tuple(case["terms"])
    assert fit.n == case["n"] and fit.n_groups == case["n_people"]
    np.testing.assert_allclose(fit.estimate, case["estimate"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.se, case["se"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fit.t, case["t"], rtol=1e-5)
    assert fit.group_variance == pytest.approx(case["person_variance"], abs=1e-5)
    assert fit.residual_variance == pytest.approx(case["residual_variance"], rel=1e-5)
    assert fit.reml_criterion == pytest.approx(case["reml_criterion"], abs=1e-6)
    assert fit.lrt_chi_square == pytest.approx(case["lrt_chi_square"], abs=1e-6)
    assert fit.lrt_df == case["lrt_df"]
    assert fit.lrt_p_value == pytest.approx(case["lrt_p_value"], rel=1e-5)
    assert fit.singular == case["singular"]


def test_random_intercept_model_agrees_with_statsmodels_mixedlm():
    import statsmodels.api as sm

    case = REF["lmer"][0]
    wave = np.array(case["wave"])
    x, terms = _design(wave)
    y = nan(case["y"])
    fit = random_intercept_model(y, x, np.array(case["person"]), terms)
    ref = sm.MixedLM(y, x, groups=np.array(case["person"])).fit(reml=True)
    np.testing.assert_allclose(fit.estimate, ref.fe_params, atol=1e-5)
    assert fit.group_variance == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=1e-4)
    assert fit.residual_variance == pytest.approx(float(ref.scale), rel=1e-4)


def test_random_intercept_model_refuses_too_few_observations():
    from readiness.errors import StatsError

    with pytest.raises(StatsError, match="more observations"):
        random_intercept_model([1.0, 2.0], np.ones((2, 2)), ["a", "b"])


@pytest.mark.parametrize("case", PAIRED["friedman"], ids=lambda c: c["name"])
def test_friedman_table_matches_friedman_test(case):
    got = friedman_table(nan_matrix(case["data"]))
    assert got.n == case["n"] and got.k == case["k"] and got.n_dropped == case["n_dropped"]
    assert got.statistic == pytest.approx(case["statistic"], abs=1e-10)
    assert got.p_value == pytest.approx(case["p_value"], abs=1e-12)
    assert got.kendalls_w.w == pytest.approx(case["kendalls_w"], abs=1e-10)


def nan_matrix(rows):
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        float,
        st.tuples(st.integers(1, 12), st.integers(2, 4)),
        elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]),
    )
)
def test_friedman_table_equals_the_row_by_row_kernel(x):
    if (~np.isnan(x).any(axis=1)).sum() == 0:
        return
    a, b = friedman_table(x), friedman(x)
    assert (a.n, a.k, a.n_dropped, a.df, a.ties) == (b.n, b.k, b.n_dropped, b.df, b.ties)
    for u, v in ((a.statistic, b.statistic), (a.p_value, b.p_value)):
        assert (math.isnan(u) and math.isnan(v)) or u == pytest.approx(v, abs=1e-12)
