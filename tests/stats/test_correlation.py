"""Correlations against R (tests/reference/correlation.R -> fixtures/correlation.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from readiness.errors import StatsError
from readiness.stats.correlation import (
    correlation_matrix,
    disattenuated_r,
    pearson_r,
    spearman_rho,
)

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "correlation.json"
TOL = 1e-6


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads(FIXTURE.read_text())


def frame(columns: dict) -> pd.DataFrame:
    return pd.DataFrame({k: [np.nan if v is None else v for v in vs] for k, vs in columns.items()})


def pairs(ref):
    return [(p, frame(ref["data"][p["data"]])) for p in ref["pairs"]]


def test_pearson_matches_cor_test(ref):
    for p, d in pairs(ref):
        res = pearson_r(d[p["x"]], d[p["y"]], conf_level=p["conf_level"])
        want = p["pearson"]
        assert res.n == want["n"]
        assert res.df == want["df"]
        assert res.r == pytest.approx(want["r"], abs=TOL)
        assert res.lower == pytest.approx(want["lower"], abs=TOL)
        assert res.upper == pytest.approx(want["upper"], abs=TOL)
        assert res.t == pytest.approx(want["t"], abs=TOL)
        assert res.p_value == pytest.approx(want["p_value"], rel=1e-6, abs=0.0)
        assert res.conf_level == p["conf_level"]


def test_spearman_matches_corr_test(ref):
    for p, d in pairs(ref):
        res = spearman_rho(d[p["x"]], d[p["y"]], conf_level=p["conf_level"])
        want = p["spearman"]
        assert res.method == "spearman"
        assert res.n == want["n"]
        assert res.r == pytest.approx(want["rho"], abs=TOL)
        assert res.lower == pytest.approx(want["lower"], abs=TOL)
        assert res.upper == pytest.approx(want["upper"], abs=TOL)
        assert res.p_value == pytest.approx(want["p_value"], rel=1e-6, abs=0.0)


@pytest.mark.parametrize("index", range(5))
def test_matrix_matches_corr_test(ref, index):
    case = ref["matrices"][index]
    d = frame(case["data"])
    m = correlation_matrix(d, case["method"], case["missing"])
    assert m.columns == tuple(case["columns"])
    np.testing.assert_allclose(m.r, np.array(case["r"]), atol=TOL, rtol=0)
    np.testing.assert_array_equal(m.n_pairs, np.array(case["n"]))
    iu, ju = np.triu_indices(len(case["columns"]), 1)  # psych's order: (1,2), (1,3), ..., (2,3)
    np.testing.assert_allclose(m.lower[iu, ju], case["ci_lower"], atol=TOL, rtol=0)
    np.testing.assert_allclose(m.upper[iu, ju], case["ci_upper"], atol=TOL, rtol=0)
    np.testing.assert_allclose(m.p_value[iu, ju], case["ci_p"], atol=0, rtol=1e-6)
    assert m.n == (len(d) if case["missing"] == "pairwise" else len(d.dropna()))


def test_disattenuated_matches_correct_cor(ref):
    cc = ref["correct_cor"]
    r = np.array(cc["r"])
    rel = cc["reliabilities"]
    want = np.array(cc["corrected"])
    k = len(rel)
    for i in range(k):
        for j in range(i + 1, k):
            res = disattenuated_r(r[i, j], rel[i], rel[j])
            assert res.r_corrected == pytest.approx(want[i, j], abs=TOL)
            assert res.exceeds_one is False


def test_matrix_is_symmetric_and_readonly(ref):
    m = correlation_matrix(frame(ref["data"]["main"]), "spearman")
    np.testing.assert_array_equal(m.r, m.r.T)
    np.testing.assert_array_equal(m.n_pairs, m.n_pairs.T)
    np.testing.assert_array_equal(np.diag(m.r), 1.0)
    with pytest.raises(ValueError):
        m.r[0, 1] = 0.0
    d = m.to_dict()
    assert d["n"] == 300 and len(d["r"]) == 4


def test_pair_and_matrix_agree(ref):
    d = frame(ref["data"]["main"])
    m = correlation_matrix(d, "pearson")
    one = pearson_r(d["knowledge"], d["hours"])
    assert m.r[0, 2] == pytest.approx(one.r, abs=1e-12)
    assert m.n_pairs[0, 2] == one.n
    assert m.lower[0, 2] == pytest.approx(one.lower, abs=1e-12)


def test_array_input_gets_v_names():
    rng = np.random.default_rng(1)
    m = correlation_matrix(rng.normal(size=(20, 3)))
    assert m.columns == ("V1", "V2", "V3")


def test_perfect_correlation_is_one_with_degenerate_interval():
    res = pearson_r([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert res.r == pytest.approx(1.0)
    assert res.lower == pytest.approx(1.0) and res.upper == pytest.approx(1.0)
    assert res.p_value == 0.0


def test_disattenuated_can_exceed_one_and_carries_n():
    res = disattenuated_r(0.7, 0.5, 0.6, n=120)
    assert res.r_corrected == pytest.approx(0.7 / math.sqrt(0.3))
    assert res.exceeds_one is True
    assert res.n == 120


@pytest.mark.parametrize(
    ("x", "y", "needle"),
    [
        ([1, 2, 3], [1, 2, 4], "at least 4"),
        ([1, 2, None, 4, 5], [1, None, 3, 4, 2], "at least 4"),
        ([3, 3, 3, 3, 3], [1, 2, 3, 4, 5], "same value"),
        ([1, 2, 3, 4], [1, 2, 3], "same length"),
        (["a", "b", "c", "d"], [1, 2, 3, 4], "numeric"),
    ],
)
def test_pair_errors(x, y, needle):
    with pytest.raises(StatsError, match=needle):
        pearson_r(x, y)


def test_matrix_errors():
    d = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [1, 1, 1, 1, 1], "c": [5, 3, 4, 1, 2]})
    with pytest.raises(StatsError, match="a and b.*constant"):
        correlation_matrix(d)
    d2 = pd.DataFrame({"a": [1, 2, 3, None, None, None], "b": [None, None, 3, 4, 5, 6]})
    with pytest.raises(StatsError, match="only 1 complete pair"):
        correlation_matrix(d2)
    with pytest.raises(StatsError, match="not numeric: t"):
        correlation_matrix(pd.DataFrame({"a": [1, 2, 3, 4], "t": list("wxyz")}))
    with pytest.raises(StatsError, match="method"):
        correlation_matrix(d, "kendall")
    with pytest.raises(StatsError, match="missing"):
        correlation_matrix(d, missing="impute")


@pytest.mark.parametrize(
    ("args", "needle"), [((0.5, 0.0, 0.8), "rel_x"), ((1.5, 0.8, 0.8), "r_xy")]
)
def test_disattenuated_errors(args, needle):
    with pytest.raises(StatsError, match=needle):
        disattenuated_r(*args)


pairs_strategy = st.integers(min_value=5, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 10), min_size=n, max_size=n),
        st.lists(st.integers(0, 10), min_size=n, max_size=n),
    )
)


@settings(max_examples=80, deadline=None)
@given(pairs_strategy)
def test_correlation_invariants(xy):
    x, y = (np.array(v, dtype=float) for v in xy)
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    p = pearson_r(x, y)
    assert -1 <= p.lower <= p.r <= p.upper <= 1
    assert pearson_r(y, x).r == pytest.approx(p.r, abs=1e-12)
    assert pearson_r(3 * x + 7, y).r == pytest.approx(p.r, abs=1e-12)
    s = spearman_rho(x, y)
    assert spearman_rho(np.exp(x), y**3).r == pytest.approx(s.r, abs=1e-12)
    assert 0 <= p.p_value <= 1 and 0 <= s.p_value <= 1


def test_importing_correlation_loads_no_scipy_and_reliability_shares_its_matrix_helper():
    """SciPy is imported inside the functions that need it; reliability and correlation read
    a table into a matrix with one helper."""
    import subprocess
    import sys

    code = (
        "import sys, readiness.stats.correlation, readiness.stats.reliability; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

    import readiness.stats.reliability as reliability
    from readiness.stats.correlation import as_matrix

    assert reliability.as_matrix is as_matrix
    assert not hasattr(reliability, "_as_matrix")
    arr, names = as_matrix({"a": [1, 2, None], "b": [3.0, 4, 5]})
    assert names == ("a", "b") and np.isnan(arr[2, 0])
    assert correlation_matrix({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5]}).columns == ("a", "b")
