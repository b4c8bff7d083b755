"""The proportion-by-group kernel against R (design.R, comparisons.R, proportions.R), and its
invariants on random data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.errors import StatsError
from readiness.stats.by_group import FISHER_BELOW, NO_TEST, proportion_by_group
from readiness.stats.design import SurveyDesign

REF = Path(__file__).parents[1] / "reference" / "fixtures"
DESIGN = json.loads((REF / "design.json").read_text())
COMPARISONS = json.loads((REF / "comparisons.json").read_text())
PROPORTIONS = json.loads((REF / "proportions.json").read_text())
DATA = {
    k: np.array([np.nan if v is None else v for v in col])
    if k not in ("region", "discipline")
    else np.array(col, dtype=object)
    for k, col in DESIGN["data"].items()
}
DISCIPLINES = ["Allied health", "Dental", "Medicine", "Midwifery", "Nursing"]


def _design(kind: str) -> SurveyDesign:
    if kind == "stratified":
        return SurveyDesign(DATA["trust"], strata=DATA["region"], weights=DATA["weight"])
    if kind == "clustered":
        return SurveyDesign(DATA["trust"])
    return SurveyDesign(DATA["trust"], weights=DATA["weight"])


def test_simple_uses_fisher_below_an_expected_count_of_five() -> None:
    want = COMPARISONS["tables"]["discipline_by_trained"]
    res = proportion_by_group(DATA["trained"], DATA["discipline"])
    assert [g.group for g in res.groups] == DISCIPLINES
    test = res.test
    assert test is not None and test.test == "fisher"
    assert test.chi_square is not None and test.chi_square.min_expected < FISHER_BELOW
    assert test.fisher is not None
    assert test.fisher.p_value == pytest.approx(want["fisher_p"], rel=1e-6)
    assert test.chi_square.statistic == pytest.approx(want["chisq"]["statistic"], abs=1e-6)
    assert test.chi_square.p_value == pytest.approx(want["chisq"]["p_value"], rel=1e-6)
    assert test.cramers_v == pytest.approx(want["cramers_v"], abs=1e-9)
    assert test.reason.startswith("smallest expected count 0.6")
    table = sorted(tuple(row) for row in want["table"])
    ours = sorted((g.n - g.count, g.count) for g in res.groups)
    assert ours == table
    assert test.n == sum(sum(row) for row in want["table"])


def test_pearson_when_every_expected_count_is_five_or_more() -> None:
    keep = DATA["discipline"] != "Dental"
    res = proportion_by_group(DATA["trained"][keep], DATA["discipline"][keep])
    assert res.test is not None and res.test.test == "pearson" and res.test.fisher is None
    assert res.test.chi_square is not None and res.test.chi_square.df == 3


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "jeffreys", "agresti-coull"])
def test_intervals_match_r(method: str) -> None:
    key = method.replace("-", "_")
    for case in PROPORTIONS["cases"][:40]:
        count, n = int(case["count"]), int(case["n"])
        y = [1.0] * count + [0.0] * (n - count) + [math.nan]
        res = proportion_by_group(y, method=method, conf_level=case["conf_level"])
        est = res.overall.estimate
        assert res.overall.n == n and res.overall.count == count and res.test is None
        assert est is not None
        assert (est.lower, est.upper) == pytest.approx(tuple(case[key]), abs=1e-9)


@pytest.mark.parametrize("kind", ["stratified", "clustered", "weighted"])
def test_design_based_estimates_and_rao_scott_match_r(kind: str) -> None:
    case = next(
        r
        for r in DESIGN["results"]
        if r["design"] == kind and r["variable"] == "trained" and r["conf_level"] == 0.95
    )
    res = proportion_by_group(DATA["trained"], DATA["discipline"], _design(kind))
    assert res.design_based and res.method == "logit"
    overall = res.overall.estimate
    assert overall is not None
    for key in ("estimate", "se", "lower", "upper", "deff_replace"):
        assert getattr(overall, key) == pytest.approx(case["overall"][key], abs=1e-6), key
    for g in res.groups:
        want = case["groups"][g.group]
        assert g.proportion == pytest.approx(want["estimate"], abs=1e-6)
        assert g.estimate is not None
        assert g.estimate.se == pytest.approx(want["se"], abs=1e-6)
    rs = next(
        r
        for r in COMPARISONS["rao_scott"]
        if r["design"] == kind and r["y"] == "trained" and r["group"] == "discipline"
    )
    test = res.test
    assert test is not None and test.test == "rao-scott" and test.rao_scott is not None
    for key in ("statistic", "ndf", "ddf", "p_value"):
        assert getattr(test.rao_scott, key) == pytest.approx(rs["f"][key], rel=1e-6), key


def test_levels_keep_an_empty_group_and_no_test_without_variation() -> None:
    res = proportion_by_group([1, 0, 1, 1], ["a", "a", "b", "b"], levels=["b", "c", "a"])
    assert [(g.group, g.count, g.n) for g in res.groups] == [("b", 2, 2), ("c", 0, 0), ("a", 1, 2)]
    assert res.group("c").estimate is None and res.group("c").proportion is None
    same = proportion_by_group([1, 1, 1, 1], ["a", "a", "b", "b"])
    assert same.test is not None and same.test.test == "none" and same.test.reason == NO_TEST
    one = proportion_by_group([1, 0, None, None], ["a", "a", "b", "b"])
    assert one.test is not None and one.test.test == "none" and one.test.n == 2
    with pytest.raises(KeyError):
        res.group("d")


def test_bad_input_is_a_stats_error() -> None:
    with pytest.raises(StatsError):
        proportion_by_group([1, 2, 0], ["a", "b", "a"])
    with pytest.raises(StatsError):
        proportion_by_group([1, 0, 0], ["a", "b"])


answers = st.lists(
    st.tuples(st.sampled_from([0.0, 1.0, math.nan]), st.sampled_from(["x", "y", "z", None])),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(answers, st.sampled_from(["wilson", "clopper-pearson", "jeffreys", "agresti-coull"]))
def test_invariants(rows: list[tuple[float, str | None]], method: str) -> None:
    y = np.array([a for a, _ in rows])
    groups = [g for _, g in rows]
    res = proportion_by_group(y, groups, method=method)
    answered = ~np.isnan(y)
    with_group = np.array([g is not None for g in groups])
    assert res.overall.n == int(answered.sum())
    assert sum(g.n for g in res.groups) == int((answered & with_group).sum())
    assert sum(g.count for g in res.groups) == int(np.nansum(y[with_group]))
    for est in (res.overall, *res.groups):
        assert 0 <= est.count <= est.n
        if est.n == 0:
            assert est.estimate is None
            continue
        ci = est.estimate
        assert ci is not None
        assert 0 <= ci.lower <= ci.proportion <= ci.upper <= 1
        assert ci.proportion == pytest.approx(est.count / est.n)
    assert res.test is not None
    if res.test.test in ("pearson", "fisher"):
        assert 0 <= (res.test.fisher or res.test.chi_square).p_value <= 1
        assert res.test.n == sum(g.n for g in res.groups)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0]), st.sampled_from("xy")), min_size=8))
def test_design_invariants(rows: list[tuple[float, str]]) -> None:
    y = np.array([a for a, _ in rows])
    groups = [g for _, g in rows]
    design = SurveyDesign(np.arange(len(rows)) % 4)
    res = proportion_by_group(y, groups, design)
    assert res.overall.n == len(rows) == sum(g.n for g in res.groups)
    for est in (res.overall, *res.groups):
        d = est.estimate
        assert d is not None and 0 <= d.estimate <= 1
        if d.df > 0 and not math.isnan(d.lower):
            assert d.lower - 1e-12 <= d.estimate <= d.upper + 1e-12


def test_a_table_that_does_not_vary_between_clusters_has_no_rao_scott_test() -> None:
    # every cluster holds one (0, x) and one (1, y): the design's covariance is 0, and
    # R's svychisq gives NaN; here the comparison says why instead of dividing by zero
    y = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    groups = ["x", "x", "x", "x", "y", "y", "y", "y"]
    res = proportion_by_group(y, groups, SurveyDesign(np.arange(8) % 4))
    assert res.test is not None and res.test.test == "rao-scott"
    assert res.test.rao_scott is None
    assert "does not vary between the design's clusters" in res.test.note
