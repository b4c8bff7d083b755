"""Proportion intervals against R (fixtures written by tests/reference/proportions.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from readiness.errors import StatsError
from readiness.stats.proportions import (
    METHODS,
    ProportionInterval,
    agresti_coull_interval,
    clopper_pearson_interval,
    jeffreys_interval,
    proportion_ci,
    wilson_interval,
)

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "proportions.json"
CASES = json.loads(FIXTURE.read_text())["cases"]
FUNCTIONS = {
    "wilson": wilson_interval,
    "clopper_pearson": clopper_pearson_interval,
    "jeffreys": jeffreys_interval,
    "agresti_coull": agresti_coull_interval,
}


def _id(case: dict) -> str:
    return f"{case['count']}/{case['n']}@{case['conf_level']}"


@pytest.mark.parametrize("case", CASES, ids=_id)
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_matches_r(case: dict, name: str) -> None:
    res = FUNCTIONS[name](case["count"], case["n"], conf_level=case["conf_level"])
    assert isinstance(res, ProportionInterval)
    assert res.n == case["n"] and res.count == case["count"]
    assert res.proportion == pytest.approx(case["proportion"], abs=1e-12)
    np.testing.assert_allclose([res.lower, res.upper], case[name], atol=1e-6, rtol=0)
    assert res.lower <= res.proportion <= res.upper


def test_fixture_covers_the_edges() -> None:
    assert any(c["count"] == 0 for c in CASES)
    assert any(c["count"] == c["n"] for c in CASES)
    assert any(c["n"] == 782 for c in CASES)


@pytest.mark.parametrize("method", METHODS)
def test_proportion_ci_dispatches(method: str) -> None:
    res = proportion_ci(68, 782, method=method)
    direct = FUNCTIONS[method.replace("-", "_")](68, 782)
    assert res == direct
    assert res.method == method.replace("_", "-")


def test_default_is_wilson_not_wald() -> None:
    res = proportion_ci(3, 10)
    assert res.method == "wilson"
    wald_lower = 0.3 - 1.959963984540054 * np.sqrt(0.3 * 0.7 / 10)
    assert res.lower != pytest.approx(wald_lower, abs=1e-3)


def test_zero_n_is_a_clear_error() -> None:
    with pytest.raises(StatsError, match="no respondents"):
        wilson_interval(0, 0)


@pytest.mark.parametrize(
    ("count", "n", "conf", "match"),
    [
        (-1, 10, 0.95, "between 0 and n"),
        (11, 10, 0.95, "between 0 and n"),
        (2.5, 10, 0.95, "whole number"),
        (2, 10, 1.0, "conf_level"),
        (2, 10, 0.0, "conf_level"),
        (2, -3, 0.95, "n must be"),
    ],
)
def test_bad_input(count, n, conf, match) -> None:
    with pytest.raises(StatsError, match=match):
        clopper_pearson_interval(count, n, conf_level=conf)


def test_unknown_method() -> None:
    with pytest.raises(StatsError, match="wilson"):
        proportion_ci(1, 10, method="wald")


def test_boundaries() -> None:
    for name, fn in FUNCTIONS.items():
        lo = fn(0, 20)
        hi = fn(20, 20)
        assert lo.lower == 0.0 and 0 < lo.upper < 1, name
        assert hi.upper == 1.0 and 0 < hi.lower < 1, name


def test_numpy_integers_and_to_dict() -> None:
    res = wilson_interval(np.int64(5), np.int64(40))
    d = res.to_dict()
    assert d["n"] == 40 and d["count"] == 5 and d["method"] == "wilson"
    assert isinstance(d["lower"], float)
    with pytest.raises(AttributeError):
        res.lower = 0.0  # frozen


def test_docstring_examples() -> None:
    import doctest

    import readiness.stats.proportions as module

    assert doctest.testmod(module).failed == 0
