"""Reliability against R's psych (tests/reference/reliability.R -> fixtures/reliability.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from readiness.errors import StatsError
from readiness.stats.reliability import (
    alpha_bootstrap_ci,
    cronbach_alpha,
    kr20,
    omega_total,
)

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "reliability.json"
TOL = 1e-6


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads(FIXTURE.read_text())


def frame(columns: dict) -> pd.DataFrame:
    return pd.DataFrame({k: [np.nan if v is None else v for v in vs] for k, vs in columns.items()})


def case(ref, name):
    return next(c for c in ref["alpha"] if c["name"] == name)


ALPHA_CASES = [
    "main_pairwise",
    "main_listwise",
    "main_no_keys",
    "main_blank_rows",
    "small_pairwise",
    "two_items",
    "binary",
]


def close(actual, expected):
    if expected is None:
        return actual is None
    return actual is not None and math.isclose(actual, expected, abs_tol=TOL, rel_tol=0)


@pytest.mark.parametrize("name", ALPHA_CASES)
def test_alpha_totals_match_psych(ref, name):
    c = case(ref, name)
    res = cronbach_alpha(frame(c["data"]), reverse=c["reverse"] or None, missing=c["missing"])
    want = c["total"]
    for key in ("raw_alpha", "std_alpha", "G6", "average_r", "s_n", "ase", "mean", "sd"):
        assert close(getattr(res, key), want[key]), key
    assert close(res.median_r, want["median_r"])
    assert close(res.var_r, want["var_r"])
    assert res.n_obs == want["n_obs"] == res.n
    assert res.missing == c["missing"]
    assert res.n_items == len(c["columns"])
    assert res.feldt.lower == pytest.approx(c["feldt"]["lower"], abs=TOL)
    assert res.feldt.upper == pytest.approx(c["feldt"]["upper"], abs=TOL)
    assert res.feldt.conf_level == 0.95


@pytest.mark.parametrize("name", ALPHA_CASES)
def test_alpha_item_statistics_match_psych(ref, name):
    c = case(ref, name)
    res = cronbach_alpha(frame(c["data"]), reverse=c["reverse"] or None, missing=c["missing"])
    want = c["item_stats"]
    assert [it.item for it in res.items] == c["columns"]
    for i, it in enumerate(res.items):
        assert it.n == want["n"][i]
        assert it.reversed == (it.item in c["reverse"])
        for key in ("raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"):
            assert close(getattr(it, key), want[key][i]), (it.item, key)


@pytest.mark.parametrize("name", [n for n in ALPHA_CASES if n != "two_items"])
def test_alpha_if_dropped_matches_psych(ref, name):
    c = case(ref, name)
    res = cronbach_alpha(frame(c["data"]), reverse=c["reverse"] or None, missing=c["missing"])
    want = c["alpha_drop"]
    for i, it in enumerate(res.items):
        d = it.alpha_if_dropped
        for key in ("raw_alpha", "std_alpha", "G6", "average_r", "s_n", "var_r", "med_r"):
            assert close(getattr(d, key), want[key][i]), (it.item, key)
        assert close(d.alpha_se, want["alpha_se"][i])


def test_two_items_reports_no_alpha_if_dropped(ref):
    c = case(ref, "two_items")
    res = cronbach_alpha(frame(c["data"]))
    assert all(it.alpha_if_dropped is None for it in res.items)
    assert res.var_r is None
    assert any("two items" in w for w in res.warnings)


def test_reverse_uses_min_plus_max_over_all_items(ref):
    # item c only uses codes 2..5 while the scale uses 1..5: psych reverses as 6 - x
    c = case(ref, "small_pairwise")
    d = frame(c["data"])
    res = cronbach_alpha(d, reverse=["c"])
    assert res.items[2].mean == pytest.approx(6 - d["c"].mean())
    assert res.reverse_adjust == 6


def test_reverse_by_index_equals_by_name(ref):
    c = case(ref, "main_pairwise")
    d = frame(c["data"])
    by_name = cronbach_alpha(d, reverse=["q4"])
    by_index = cronbach_alpha(d, reverse=[3])
    assert by_index.to_dict() == by_name.to_dict()
    assert by_name.reverse == ("q4",)


def test_unreversed_negative_item_is_warned_about(ref):
    c = case(ref, "main_no_keys")
    res = cronbach_alpha(frame(c["data"]))
    assert any("q4" in w and "reverse" in w for w in res.warnings)
    keyed = cronbach_alpha(frame(c["data"]), reverse=["q4"])
    assert not any("negatively" in w for w in keyed.warnings)


def test_array_input_and_listwise_drop_agree(ref):
    c = case(ref, "main_listwise")
    d = frame(c["data"])
    a = cronbach_alpha(d.dropna().to_numpy(), reverse=[3], missing="pairwise")
    b = cronbach_alpha(d, reverse=["q4"], missing="listwise")
    assert a.raw_alpha == pytest.approx(b.raw_alpha, abs=1e-12)
    assert a.items[0].item == "V1"
    assert b.n == 192


def test_blank_rows_are_counted_in_n_as_psych_counts_them(ref):
    # psych::alpha's n.obs is every row of the data; rows with no answer change only ase, the
    # Feldt interval and each dropped item's alpha se (checked against psych in the
    # "main_blank_rows" case above); every other number is that of the data without them
    c = case(ref, "main_blank_rows")
    assert len(c["data"]["q1"]) == 305 and c["total"]["n_obs"] == 305
    with_blank = cronbach_alpha(frame(c["data"]), reverse=["q4"])
    plain = cronbach_alpha(frame(case(ref, "main_pairwise")["data"]), reverse=["q4"])
    assert with_blank.n == with_blank.n_obs == 305 and with_blank.n_blank == 5
    assert plain.n == 300 and plain.n_blank == 0
    assert with_blank.ase < plain.ase
    assert with_blank.feldt.upper - with_blank.feldt.lower < plain.feldt.upper - plain.feldt.lower
    a, b = with_blank.to_dict(), plain.to_dict()
    for key in ("ase", "feldt", "n", "n_obs", "n_blank", "items"):
        a.pop(key), b.pop(key)
    assert a == b
    for it_a, it_b in zip(with_blank.items, plain.items, strict=True):
        assert it_a.n == it_b.n and it_a.r_drop == it_b.r_drop
        assert it_a.alpha_if_dropped.raw_alpha == it_b.alpha_if_dropped.raw_alpha
        assert it_a.alpha_if_dropped.alpha_se < it_b.alpha_if_dropped.alpha_se


def test_blank_rows_drop_leaves_them_out(ref):
    c = case(ref, "main_blank_rows")
    dropped = cronbach_alpha(frame(c["data"]), reverse=["q4"], blank_rows="drop")
    plain = cronbach_alpha(frame(case(ref, "main_pairwise")["data"]), reverse=["q4"])
    assert dropped.to_dict() == plain.to_dict()
    assert dropped.n == 300 and dropped.n_blank == 0
    # listwise deletion drops them like any incomplete row, as alpha(na.omit(x))
    listwise = cronbach_alpha(frame(c["data"]), reverse=["q4"], missing="listwise")
    assert listwise.n == 192 and listwise.n_blank == 0
    with pytest.raises(StatsError, match="blank_rows must be 'keep' or 'drop'"):
        cronbach_alpha(frame(c["data"]), blank_rows="ignore")


def test_conf_level_changes_feldt(ref):
    d = frame(case(ref, "main_pairwise")["data"])
    f95 = cronbach_alpha(d, reverse=["q4"]).feldt
    f90 = cronbach_alpha(d, reverse=["q4"], conf_level=0.90).feldt
    assert f90.lower > f95.lower and f90.upper < f95.upper
    assert f90.conf_level == 0.90


def test_to_dict_is_json_ready_and_named_as_psych(ref):
    d = frame(case(ref, "main_pairwise")["data"])
    out = cronbach_alpha(d, reverse=["q4"]).to_dict()
    json.dumps(out, allow_nan=False)
    for key in ("raw_alpha", "std_alpha", "G6", "average_r", "s_n", "ase", "mean", "sd"):
        assert key in out
    assert out["missing"] == "pairwise" and out["n"] == 300
    assert set(out["feldt"]) == {"lower", "upper", "conf_level"}
    assert "r_drop" in out["items"][0] and "raw_alpha" in out["items"][0]["alpha_if_dropped"]


# --- errors --------------------------------------------------------------------------------


def test_item_with_no_answers():
    d = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [np.nan] * 4})
    with pytest.raises(StatsError, match=r"item c has no answers.*leave it out"):
        cronbach_alpha(d)


def test_constant_item():
    d = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [3, 3, 3, 3]})
    with pytest.raises(StatsError, match=r"item c: .*same answer \(3\).*no variance"):
        cronbach_alpha(d)


def test_one_respondent():
    with pytest.raises(StatsError, match="1 respondent"):
        cronbach_alpha(pd.DataFrame({"a": [1], "b": [2], "c": [3]}))


def test_listwise_leaving_too_few_rows():
    d = pd.DataFrame({"a": [1, np.nan, 3], "b": [np.nan, 2, 3], "c": [1, 2, np.nan]})
    with pytest.raises(StatsError, match="listwise.*pairwise"):
        cronbach_alpha(d, missing="listwise")


def test_fewer_than_two_items():
    with pytest.raises(StatsError, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))


def test_items_never_answered_together():
    d = pd.DataFrame(
        {"a": [1, 2, 3, np.nan, np.nan], "b": [np.nan, np.nan, 3, 4, 5], "c": [1, 3, 2, 4, 5]}
    )
    with pytest.raises(StatsError, match="items a and b"):
        cronbach_alpha(d)


@pytest.mark.parametrize(
    ("reverse", "needle"),
    [(["zz"], "unknown item 'zz'.*a, b, c"), ([5], "index 5"), (["a", "a"], "more than once")],
)
def test_bad_reverse(reverse, needle):
    d = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [1, 3, 2, 4]})
    with pytest.raises(StatsError, match=needle):
        cronbach_alpha(d, reverse=reverse)


def test_non_numeric_and_bad_policy():
    d = pd.DataFrame({"a": [1, 2, 3, 4], "b": list("wxyz"), "c": [1, 3, 2, 4]})
    with pytest.raises(StatsError, match="not numeric: b"):
        cronbach_alpha(d)
    with pytest.raises(StatsError, match="missing must be"):
        cronbach_alpha(d[["a", "c"]], missing="mean")


# --- KR-20 ---------------------------------------------------------------------------------


def test_kr20_matches_hand_formula_and_alpha(ref):
    k = ref["kr20"]
    res = kr20(frame(k["data"]))
    assert res.kr20 == pytest.approx(k["kr20"], abs=TOL)
    assert res.n == k["n_obs"]
    alpha = cronbach_alpha(frame(k["data"]))
    assert res.kr20 == pytest.approx(alpha.raw_alpha, abs=1e-12)


def test_kr20_small_by_hand():
    x = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 0]])
    p = x.mean(axis=0)
    total = x.sum(axis=1)
    want = 3 / 2 * (1 - np.sum(p * (1 - p)) / total.var())  # both with divisor n
    res = kr20(x)
    assert res.kr20 == pytest.approx(want)
    assert res.p == pytest.approx(tuple(p))


def test_kr20_only_listwise():
    with pytest.raises(StatsError, match="complete data"):
        kr20(pd.DataFrame({"a": [0, 1, 1], "b": [0, 1, 1]}), missing="pairwise")


def test_kr20_rejects_non_binary_and_drops_missing_rows():
    with pytest.raises(StatsError, match=r"item b .*value 2.*0 and 1"):
        kr20(pd.DataFrame({"a": [0, 1, 1], "b": [0, 2, 1]}))
    d = pd.DataFrame({"a": [0, 1, 1, 0, np.nan], "b": [0, 1, 1, 1, 1], "c": [1, 1, 0, 0, 1]})
    res = kr20(d)
    assert res.n == 4 and res.missing == "listwise"


# --- omega ---------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(4))
def test_omega_total_matches_psych(ref, index):
    o = ref["omega"][index]
    res = omega_total(frame(o["data"]), missing=o["missing"])
    assert res.omega_tot == pytest.approx(o["omega_tot"], abs=TOL)
    # 1e-6, except where a uniqueness sits on psych's lower bound (the "heywood" case): there
    # the minres optimum is flat along the bound and the loadings agree to 1e-5 (3e-6 apart).
    atol = 1e-5 if o["name"] == "heywood" else 1e-6
    np.testing.assert_allclose(np.abs(res.loadings), np.abs(o["loadings"]), atol=atol)
    np.testing.assert_allclose(res.u2, o["u2"], atol=atol)
    assert res.n == o["n_obs"]
    # item h4 of the "heywood" case reaches psych's lower bound for a uniqueness
    assert res.heywood == (o["name"] == "heywood")


def test_omega_errors():
    with pytest.raises(StatsError, match="at least 2 items"):
        omega_total(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(StatsError, match="item b: .*same answer"):
        omega_total(pd.DataFrame({"a": [1, 2, 3], "b": [1, 1, 1], "c": [3, 1, 2]}))


def test_omega_total_close_to_lavaan_cfa(ref):
    # ML (lavaan) and minres (psych) differ slightly; this is a cross-check, not a match.
    o = next(o for o in ref["omega"] if o["name"] == "main_listwise")
    res = omega_total(frame(o["data"]), missing="listwise")
    assert res.omega_tot == pytest.approx(ref["lavaan_omega"]["main_listwise"], abs=0.005)


def test_omega_flips_negative_items(ref):
    o = ref["omega"][0]
    res = omega_total(frame(o["data"]))
    assert res.flipped == ("q4",)
    assert all(v > 0 for v in res.loadings)


# --- bootstrap -----------------------------------------------------------------------------


def simulated(n, k=10, loading=0.7, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    return loading * f + math.sqrt(1 - loading**2) * rng.normal(size=(n, k))


def test_bootstrap_percentile_contains_estimate_and_is_seeded(ref):
    d = frame(case(ref, "main_pairwise")["data"])
    a = alpha_bootstrap_ci(d, reverse=["q4"], n_boot=500, seed=7)
    b = alpha_bootstrap_ci(d, reverse=["q4"], n_boot=500, seed=7)
    c = alpha_bootstrap_ci(d, reverse=["q4"], n_boot=500, seed=8)
    assert a == b
    assert a.lower != c.lower
    assert a.lower < a.raw_alpha < a.upper
    assert a.raw_alpha == pytest.approx(cronbach_alpha(d, reverse=["q4"]).raw_alpha)
    assert a.n == 300 and a.missing == "pairwise" and a.method == "percentile"


def test_bootstrap_width_close_to_feldt_on_large_sample():
    x = simulated(3000)
    boot = alpha_bootstrap_ci(x, n_boot=2000, seed=1)
    feldt = cronbach_alpha(x).feldt
    ratio = (boot.upper - boot.lower) / (feldt.upper - feldt.lower)
    assert 0.85 < ratio < 1.15
    assert abs((boot.upper + boot.lower) / 2 - (feldt.upper + feldt.lower) / 2) < 0.005


def _alpha_plain(x):
    c = np.cov(x, rowvar=False)
    k = x.shape[1]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def _quantile7(sorted_values, p):
    h = (len(sorted_values) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def test_bootstrap_by_hand_on_tiny_example():
    # 8 respondents x 3 items; resample rows with the documented protocol and compute every
    # resample's alpha with np.cov in a plain loop, then the percentile and BCa limits by the
    # formulas of Efron & Tibshirani (1993), eqs. 13.5, 14.9-14.15.
    x = np.array(
        [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 3, 5], [5, 5, 4], [2, 1, 2], [4, 4, 4], [3, 3, 2]],
        dtype=float,
    )
    n, n_boot, seed, level = len(x), 400, 11, 0.9
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    boots = np.array([_alpha_plain(x[rows]) for rows in idx])
    theta = _alpha_plain(x)
    srt = np.sort(boots)
    tail = (1 - level) / 2

    pct = alpha_bootstrap_ci(x, n_boot=n_boot, seed=seed, conf_level=level)
    assert pct.lower == pytest.approx(_quantile7(srt, tail), abs=1e-10)
    assert pct.upper == pytest.approx(_quantile7(srt, 1 - tail), abs=1e-10)

    z0 = stats.norm.ppf(np.mean(boots < theta))
    jack = np.array([_alpha_plain(np.delete(x, i, axis=0)) for i in range(n)])
    d = jack.mean() - jack
    a = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
    za, zb = stats.norm.ppf(tail), stats.norm.ppf(1 - tail)
    p_lo = stats.norm.cdf(z0 + (z0 + za) / (1 - a * (z0 + za)))
    p_hi = stats.norm.cdf(z0 + (z0 + zb) / (1 - a * (z0 + zb)))
    bca = alpha_bootstrap_ci(x, n_boot=n_boot, seed=seed, conf_level=level, method="bca")
    assert bca.z0 == pytest.approx(z0, abs=1e-10)
    assert bca.acceleration == pytest.approx(a, abs=1e-10)
    assert bca.lower == pytest.approx(_quantile7(srt, p_lo), abs=1e-10)
    assert bca.upper == pytest.approx(_quantile7(srt, p_hi), abs=1e-10)


def test_bootstrap_pairwise_by_hand_with_missing():
    rng = np.random.default_rng(3)
    x = np.round(simulated(40, k=4, seed=3) * 1.5 + 3)
    x[rng.random(x.shape) < 0.1] = np.nan
    idx = np.random.default_rng(5).integers(0, len(x), size=(50, len(x)))
    want = []
    for rows in idx:
        c = pd.DataFrame(x[rows]).cov().to_numpy()  # pandas: pairwise complete, divisor n - 1
        want.append(4 / 3 * (1 - np.trace(c) / c.sum()))
    res = alpha_bootstrap_ci(x, n_boot=50, seed=5, conf_level=0.8)
    srt = np.sort(want)
    assert res.lower == pytest.approx(_quantile7(srt, 0.1), abs=1e-10)
    assert res.upper == pytest.approx(_quantile7(srt, 0.9), abs=1e-10)


def test_bootstrap_errors():
    x = simulated(50, k=3)
    with pytest.raises(StatsError, match="method"):
        alpha_bootstrap_ci(x, method="basic")
    with pytest.raises(StatsError, match="n_boot"):
        alpha_bootstrap_ci(x, n_boot=5)


def test_items_that_cancel_out():
    d = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [5, 4, 3, 2, 1]})
    with pytest.raises(StatsError, match="cancel each other out.*reverse"):
        cronbach_alpha(d)
    assert cronbach_alpha(d, reverse=["b"]).raw_alpha == pytest.approx(1.0)


# --- invariants ----------------------------------------------------------------------------

likert = st.integers(min_value=6, max_value=40).flatmap(
    lambda n: st.integers(min_value=3, max_value=6).flatmap(
        lambda k: arrays(np.float64, (n, k), elements=st.integers(1, 5).map(float))
    )
)


def alpha_or_reject(x, **kw):
    try:
        return cronbach_alpha(x, **kw)
    except StatsError:
        assume(False)


@settings(max_examples=60, deadline=None)
@given(likert, st.randoms(use_true_random=False))
def test_alpha_permutation_and_shift_invariance(x, rnd):
    base = alpha_or_reject(x)
    order = list(range(x.shape[1]))
    rnd.shuffle(order)
    perm = cronbach_alpha(x[:, order])
    shifted = cronbach_alpha(x + 10)
    for other in (perm, shifted):
        for key in ("raw_alpha", "std_alpha", "G6", "average_r", "ase", "sd"):
            assert getattr(other, key) == pytest.approx(getattr(base, key), abs=1e-9)
    for j, it in zip(order, perm.items, strict=True):
        assert it.r_drop == pytest.approx(base.items[j].r_drop, abs=1e-9)
    assert shifted.mean == pytest.approx(base.mean + 10)
    assert base.feldt.lower <= base.raw_alpha <= base.feldt.upper


@settings(max_examples=60, deadline=None)
@given(likert, st.floats(min_value=0.1, max_value=10))
def test_std_alpha_ignores_item_scale(x, factor):
    base = alpha_or_reject(x)
    scaled = x.copy()
    scaled[:, 0] *= factor
    other = cronbach_alpha(scaled)
    assert other.std_alpha == pytest.approx(base.std_alpha, abs=1e-9)
    assert other.G6 == pytest.approx(base.G6, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(likert)
def test_reversing_a_reversed_copy_gives_back_alpha(x):
    base = alpha_or_reject(x)
    flipped = x.copy()
    flipped[:, 1] = 6 - flipped[:, 1]
    # A reversed item is read as (lowest + highest answer in the data) - answer, as psych
    # does: 6 - answer only when both tables use the whole range 1 to 5 (flipping the one 5
    # of an item can leave the flipped table without a 5).
    assume(np.nanmin(x) == 1 and np.nanmax(x) == 5)
    assume(np.nanmin(flipped) == 1 and np.nanmax(flipped) == 5)
    again = alpha_or_reject(flipped, reverse=[1])
    assert again.raw_alpha == pytest.approx(base.raw_alpha, abs=1e-9)
    assert again.items[1].mean == pytest.approx(base.items[1].mean, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=6, max_value=40).flatmap(
        lambda n: arrays(np.float64, (n, 4), elements=st.integers(0, 1).map(float))
    )
)
def test_kr20_equals_raw_alpha_on_binary_items(x):
    a = alpha_or_reject(x)
    assert kr20(x).kr20 == pytest.approx(a.raw_alpha, abs=1e-9)
