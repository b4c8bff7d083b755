"""Paired statistics against R (fixtures written by tests/reference/paired.R)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from readiness.errors import ReadinessError, StatsError
from readiness.stats.paired import (
    CohensDz,
    Friedman,
    KendallsW,
    McNemar,
    PairedDifference,
    PairedT,
    RankBiserial,
    WilcoxonSignedRank,
    _signrank_probabilities,
    cohens_dz,
    friedman,
    kendalls_w,
    mcnemar,
    newcombe_paired_difference,
    paired_t,
    rank_biserial,
    wilcoxon_signed_rank,
)

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "paired.json"
REF = json.loads(FIXTURE.read_text())
PAIRED = REF["paired"]
MCNEMAR = REF["mcnemar"]
FRIEDMAN = REF["friedman"]
TOL = 1e-6


def _nan(values: list) -> list:
    return [math.nan if v is None else v for v in values]


def _case(cases: list, name: str) -> dict:
    return next(c for c in cases if c["name"] == name)


def _p(value: float, want: float) -> None:
    """p-values: within 1e-6 and, for the very small ones, within a relative 1e-7."""
    assert value == pytest.approx(want, abs=TOL)
    assert value == pytest.approx(want, rel=1e-7, abs=1e-15)


# --- paired t and d_z -------------------------------------------------------------------------


@pytest.mark.parametrize("case", PAIRED, ids=lambda c: c["name"])
def test_paired_t_matches_r(case: dict) -> None:
    before, after = _nan(case["before"]), _nan(case["after"])
    res = paired_t(before, after, conf_level=case["conf_level"])
    want = case["t_test"]
    assert isinstance(res, PairedT)
    assert res.n == case["n"] and res.n_dropped == case["n_dropped"]
    assert res.df == want["df"]
    assert res.t == pytest.approx(want["t"], abs=TOL)
    _p(res.p_value, want["p_value"])
    assert res.mean_difference == pytest.approx(want["mean_difference"], abs=TOL)
    assert res.lower == pytest.approx(want["lower"], abs=TOL)
    assert res.upper == pytest.approx(want["upper"], abs=TOL)
    assert res.cohens_dz.d_z == pytest.approx(res.t / math.sqrt(res.n), abs=1e-12)


@pytest.mark.parametrize("case", PAIRED, ids=lambda c: c["name"])
def test_cohens_dz_matches_effectsize(case: dict) -> None:
    res = cohens_dz(_nan(case["before"]), _nan(case["after"]), conf_level=case["conf_level"])
    want = case["cohens_d"]
    assert isinstance(res, CohensDz) and res.n == case["n"]
    assert res.d_z == pytest.approx(want["d"], abs=TOL)
    # the noncentral-t roots solved to full precision in R (uniroot)
    assert res.lower == pytest.approx(want["exact_lower"], abs=1e-8)
    assert res.upper == pytest.approx(want["exact_upper"], abs=1e-8)
    # effectsize's own values: within 1e-6 plus however far effectsize's optimiser stopped
    # from the root (under 2e-6 in every case here)
    for ours, es, exact in (
        (res.lower, want["lower"], want["exact_lower"]),
        (res.upper, want["upper"], want["exact_upper"]),
    ):
        assert abs(ours - es) <= TOL + abs(es - exact)


# --- Wilcoxon signed-rank ---------------------------------------------------------------------


VARIANTS = [(c, v) for c in PAIRED for v in c["wilcoxon"]]


@pytest.mark.parametrize(
    ("case", "variant"),
    VARIANTS,
    ids=[f"{c['name']}-exact={v['exact']}-correct={v['correct']}" for c, v in VARIANTS],
)
def test_wilcoxon_matches_r(case: dict, variant: dict) -> None:
    exact = variant["exact"]  # None (R's NULL), False or True
    res = wilcoxon_signed_rank(
        _nan(case["before"]), _nan(case["after"]), exact=exact, correct=variant["correct"]
    )
    assert isinstance(res, WilcoxonSignedRank)
    assert res.n == case["n"] and res.n_dropped == case["n_dropped"]
    assert res.n_zero == case["n_zero"] and res.n_nonzero == case["n"] - case["n_zero"]
    assert res.v == pytest.approx(variant["statistic"], abs=1e-9)
    assert res.method == ("exact" if variant["exact_used"] else "normal")
    _p(res.p_value, variant["p_value"])


def test_wilcoxon_exact_rule_is_rs() -> None:
    """Exact below 50 non-zero differences without ties or zeros, else normal."""
    n49 = _case(PAIRED, "exact_n49_no_ties")
    n50 = _case(PAIRED, "normal_n50_no_ties")
    assert wilcoxon_signed_rank(n49["before"], n49["after"]).method == "exact"
    res = wilcoxon_signed_rank(n50["before"], n50["after"])
    assert res.method == "normal" and res.correct and not res.ties
    forced = wilcoxon_signed_rank(n50["before"], n50["after"], exact=True)
    assert forced.method == "exact"
    worked = _case(PAIRED, "worked_mixed")
    tied = wilcoxon_signed_rank(worked["before"], worked["after"], exact=True)
    assert tied.method == "normal" and tied.ties and tied.n_zero == 2
    assert "no exact p-value with ties and zero changes" in tied.note


@pytest.mark.parametrize("case", PAIRED, ids=lambda c: c["name"])
def test_zero_methods_match_coin(case: dict) -> None:
    """Without continuity correction, both zero methods match coin::wilcoxsign_test."""
    before, after = _nan(case["before"]), _nan(case["after"])
    for method, key in (("pratt", "pratt"), ("wilcox", "wilcoxon")):
        res = wilcoxon_signed_rank(before, after, exact=False, correct=False, zero_method=method)
        assert res.zero_method == method and res.method == "normal"
        assert res.z == pytest.approx(case["coin"][f"{key}_z"], abs=TOL)
        _p(res.p_value, case["coin"][f"{key}_p"])


def test_pratt_ranks_the_zeros_first() -> None:
    # differences 0, 0, 1, -2, 3: Pratt ranks |d| with the zeros (1.5, 1.5, 3, 4, 5)
    res = wilcoxon_signed_rank([1, 1, 1, 3, 1], [1, 1, 2, 1, 4], zero_method="pratt")
    assert (res.v, res.r_minus) == (8.0, 4.0)
    plain = wilcoxon_signed_rank([1, 1, 1, 3, 1], [1, 1, 2, 1, 4])
    assert (plain.v, plain.r_minus) == (4.0, 2.0)


def test_signrank_distribution() -> None:
    probs = _signrank_probabilities(10)
    assert probs.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(probs, probs[::-1], atol=0)
    assert probs[0] == 2.0**-10 and len(probs) == 56


# --- rank-biserial ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", PAIRED, ids=lambda c: c["name"])
def test_rank_biserial_matches_effectsize(case: dict) -> None:
    res = rank_biserial(_nan(case["before"]), _nan(case["after"]), conf_level=case["conf_level"])
    want = case["rank_biserial"]
    assert isinstance(res, RankBiserial)
    assert res.n == case["n"] and res.n_nonzero == case["n"] - case["n_zero"]
    assert res.r_rb == pytest.approx(want["r"], abs=TOL)
    if res.one_direction:
        assert abs(res.r_rb) == 1 and want["lower"] == want["upper"] == want["r"]
        assert math.isnan(res.lower) and math.isnan(res.upper)
        return
    # effectsize's formula with n = the complete pairs
    assert res.lower == pytest.approx(want["lower_n_pairs"], abs=TOL)
    assert res.upper == pytest.approx(want["upper_n_pairs"], abs=TOL)
    if not want["any_after_zero"]:
        # ... which is exactly effectsize 0.8.3 whenever no after value is 0
        assert res.lower == pytest.approx(want["lower"], abs=TOL)
        assert res.upper == pytest.approx(want["upper"], abs=TOL)


def test_rank_biserial_with_after_zero_differs_from_effectsize_on_purpose() -> None:
    """effectsize 0.8.3 counts non-zero after values, not pairs, in its standard error."""
    case = _case(PAIRED, "knowledge_after_zero")
    assert case["rank_biserial"]["any_after_zero"]
    res = rank_biserial(case["before"], case["after"])
    assert res.lower != pytest.approx(case["rank_biserial"]["lower"], abs=1e-3)


def test_all_changes_in_one_direction() -> None:
    case = _case(PAIRED, "worked_all_positive")
    res = wilcoxon_signed_rank(case["before"], case["after"]).rank_biserial
    assert res.r_rb == 1 and res.one_direction
    assert math.isnan(res.lower) and math.isnan(res.upper)
    assert res.note == "all changes were in one direction (up; 10 of n = 12 changed)."
    down = rank_biserial([3, 3, 4, 5], [2, 3, 3, 4])
    assert down.r_rb == -1 and down.one_direction and "(down;" in down.note


def test_every_difference_the_same_negative_value() -> None:
    # effectsize 0.8.3 returns +1 here (its ranking shortcut drops the sign); the answer is -1
    res = rank_biserial([3, 4, 5], [2, 3, 4])
    assert res.r_rb == -1


# --- the worked values of the evaluation notes (section 3.8) ----------------------------------


PRE = [2, 3, 3, 2, 1, 4, 3, 2, 2, 3, 1, 2]


def test_worked_values_all_positive() -> None:
    post = [4, 4, 3, 3, 3, 5, 4, 4, 2, 4, 3, 3]
    w = wilcoxon_signed_rank(PRE, post, exact=False, correct=True)
    assert w.v == 55 and round(w.p_value, 6) == 0.004565
    assert w.n_nonzero == 10 and w.n_zero == 2 and w.rank_biserial.r_rb == 1
    t = paired_t(PRE, post)
    assert round(t.t, 3) == 5.631 and round(t.cohens_dz.d_z, 3) == 1.625


def test_worked_values_mixed_signs() -> None:
    post = [4, 2, 3, 3, 3, 5, 4, 1, 2, 4, 3, 3]
    rb = rank_biserial(PRE, post)
    assert round(rb.r_rb, 4) == 0.7091
    assert (round(rb.lower, 2), round(rb.upper, 2)) == (0.24, 0.91)
    d = cohens_dz(PRE, post)
    assert round(d.d_z, 4) == 0.7107
    assert (round(d.lower, 2), round(d.upper, 2)) == (0.06, 1.34)


def test_worked_values_mcnemar() -> None:
    altman = mcnemar([[14, 5], [0, 22]])
    assert round(altman.difference.difference, 4) == 0.1220
    assert round(altman.difference.lower, 4) == 0.0115
    assert round(altman.difference.upper, 4) == 0.2265
    assert altman.chi_square_corrected == pytest.approx(3.2)
    assert round(altman.p_value_corrected, 4) == 0.0736
    assert altman.exact_p_value == pytest.approx(0.0625)
    b7 = mcnemar([[10, 7], [2, 15]])
    assert b7.odds_ratio == 3.5 and round(b7.exact_p_value, 4) == 0.1797
    assert (round(b7.or_lower, 3), round(b7.or_upper, 2)) == (0.666, 34.53)


# --- McNemar ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MCNEMAR, ids=lambda c: c["name"])
def test_mcnemar_matches_r(case: dict) -> None:
    if "before" in case:
        res = mcnemar(
            before=_nan(case["before"]), after=_nan(case["after"]), conf_level=case["conf_level"]
        )
        assert res.n_dropped == len(case["before"]) - case["n"]
    else:
        res = mcnemar(case["table"], conf_level=case["conf_level"])
        assert res.n_dropped == 0
    assert isinstance(res, McNemar)
    assert (res.b, res.c, res.n) == (case["b"], case["c"], case["n"])
    assert res.d == case["table"][0][0] and res.a == case["table"][1][1]
    assert res.chi_square_corrected == pytest.approx(case["chisq_corrected"], abs=TOL)
    _p(res.p_value_corrected, case["p_corrected"])
    assert res.chi_square == pytest.approx(case["chisq"], abs=TOL)
    _p(res.p_value, case["p_value"])
    _p(res.exact_p_value, case["exact_p"])
    if case["odds_ratio"] is None:
        assert res.odds_ratio == math.inf and "infinite" in res.note
    else:
        assert res.odds_ratio == pytest.approx(case["odds_ratio"], abs=TOL)
    assert res.or_lower == pytest.approx(case["or_lower"], abs=TOL)
    if case["or_upper"] is None:
        assert res.or_upper == math.inf
    else:
        assert res.or_upper == pytest.approx(case["or_upper"], rel=1e-7)
    nc = case["newcombe"]
    assert isinstance(res.difference, PairedDifference) and res.difference.n == case["n"]
    assert res.difference.difference == pytest.approx(nc["difference"], abs=TOL)
    assert res.difference.lower == pytest.approx(nc["lower"], abs=TOL)
    assert res.difference.upper == pytest.approx(nc["upper"], abs=TOL)
    assert res.difference.phi == pytest.approx(nc["phi"], abs=TOL)
    assert res.p_after - res.p_before == pytest.approx(res.difference.difference, abs=1e-12)


def test_newcombe_function_is_the_mcnemar_difference() -> None:
    case = _case(MCNEMAR, "large")
    res = newcombe_paired_difference(case["table"], conf_level=0.9)
    assert res == mcnemar(case["table"], conf_level=0.9).difference
    assert res.conf_level == 0.9 and res.n == 100


def test_mcnemar_vectors_give_the_table() -> None:
    before = [0, 0, 1, 1, 1, 0, np.nan, 1]
    after = [1, 0, 1, 0, 1, 1, 1, np.nan]
    res = mcnemar(before=before, after=after)
    assert (res.a, res.b, res.c, res.d) == (2, 2, 1, 1)
    assert res.n == 6 and res.n_dropped == 2
    assert res == dataclasses.replace(mcnemar([[1, 2], [1, 2]]), n_dropped=2)


def test_mcnemar_without_discordant_pairs() -> None:
    res = mcnemar([[4, 0], [0, 6]])
    assert math.isnan(res.chi_square) and math.isnan(res.odds_ratio)
    assert res.exact_p_value == 1.0 and "no one changed answer" in res.note
    assert res.difference.difference == 0


# --- Friedman and Kendall's W -----------------------------------------------------------------


@pytest.mark.parametrize("case", FRIEDMAN, ids=lambda c: c["name"])
def test_friedman_matches_r(case: dict) -> None:
    data = np.array([_nan(row) for row in case["data"]], dtype=float)
    res = friedman(data)
    assert isinstance(res, Friedman)
    assert (res.n, res.k, res.n_dropped) == (case["n"], case["k"], case["n_dropped"])
    assert res.df == case["df"]
    assert res.statistic == pytest.approx(case["statistic"], abs=TOL)
    _p(res.p_value, case["p_value"])
    assert isinstance(res.kendalls_w, KendallsW)
    assert res.kendalls_w.w == pytest.approx(case["kendalls_w"], abs=TOL)
    assert kendalls_w(data) == res.kendalls_w


def test_friedman_everyone_the_same_in_every_wave() -> None:
    res = friedman([[2, 2, 2], [3, 3, 3]])
    assert math.isnan(res.statistic) and math.isnan(res.kendalls_w.w) and res.note


# --- edge cases and errors --------------------------------------------------------------------


def test_constant_change() -> None:
    res = paired_t([1, 2, 3], [2, 3, 4])
    assert math.isnan(res.t) and math.isnan(res.cohens_dz.d_z)
    assert res.mean_difference == 1 and "every change is the same (+1)" in res.note


def test_no_one_changed() -> None:
    res = wilcoxon_signed_rank([1, 2, 3], [1, 2, 3])
    assert res.n_zero == 3 and math.isnan(res.p_value)
    assert "no one changed" in res.note and math.isnan(res.rank_biserial.r_rb)


def test_missing_pairs_are_dropped_and_counted() -> None:
    before = [1, 2, np.nan, 4, 5, 2]
    after = [2, np.nan, 3, 5, 7, 2]
    assert paired_t(before, after).n_dropped == 2
    res = wilcoxon_signed_rank(before, after)
    assert (res.n, res.n_dropped, res.n_zero) == (4, 2, 1)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: paired_t([1, 2, 3], [1, 2]), "before has 3 values and after has 2"),
        (lambda: paired_t([1, "x"], [1, 2]), "must be numbers"),
        (lambda: paired_t([[1, 2]], [[1, 2]]), "one list of values"),
        (lambda: paired_t([1, np.inf], [1, 2]), "infinite"),
        (lambda: paired_t([1, np.nan], [np.nan, 2]), r"at least 2 complete pair\(s\); there are 0"),
        (lambda: paired_t([1, 2], [2, 4], conf_level=1.0), "conf_level"),
        (lambda: wilcoxon_signed_rank([1], [2], zero_method="zsplit"), "zero_method"),
        (
            lambda: wilcoxon_signed_rank(np.zeros(1001), np.arange(1, 1002), exact=True),
            "up to 1000 changes",
        ),
        (lambda: mcnemar(before=[0, 1, 2], after=[0, 1, 1]), "before must hold only 0 and 1"),
        (lambda: mcnemar(before=[0, 1], after=[0, 0.5]), r"after .* also has 0\.5"),
        (lambda: mcnemar([[1, 2, 3], [1, 2, 3]]), "2 x 2"),
        (lambda: mcnemar([[1, -2], [1, 2]]), "counts"),
        (lambda: mcnemar([[0, 0], [0, 0]]), "empty"),
        (lambda: mcnemar([[1, 2], [3, 4]], before=[0], after=[1]), "not both"),
        (lambda: mcnemar(before=[0, 1]), "both before and after"),
        (lambda: friedman([[1], [2]]), "at least 2"),
        (lambda: friedman([[1, np.nan], [np.nan, 2]]), "no person has a value in every wave"),
    ],
)
def test_clear_errors(call, match: str) -> None:
    with pytest.raises(StatsError, match=match) as info:
        call()
    assert isinstance(info.value, ReadinessError)


def test_results_are_frozen_and_json_ready() -> None:
    case = _case(PAIRED, "worked_all_positive")
    w = wilcoxon_signed_rank(case["before"], case["after"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.v = 0  # type: ignore[misc]
    out = json.loads(json.dumps(w.to_dict()))
    assert out["rank_biserial"]["lower"] is None and out["n"] == 12
    m = json.loads(json.dumps(mcnemar([[14, 5], [0, 22]]).to_dict()))
    assert m["odds_ratio"] is None and m["difference"]["n"] == 41
