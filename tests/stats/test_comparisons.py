"""Tests of association against R (fixtures written by tests/reference/comparisons.R)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from readiness.errors import StatsError
from readiness.stats.comparisons import (
    chi_square_test,
    cramers_v,
    fisher_exact_test,
    rao_scott_test,
)
from readiness.stats.design import SurveyDesign

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "comparisons.json").read_text()
)
TABLES = FIXTURE["tables"]
# p-values are compared relatively: the fixtures hold p down to 1e-20, which any absolute
# tolerance such as 1e-6 would pass whatever was computed (pytest.approx takes the larger of
# the two tolerances, so abs is 0).
P_TOL = {"rel": 1e-6, "abs": 0.0}
DATA = {
    k: np.array(col, dtype=object)
    if k in ("region", "discipline")
    else np.array([np.nan if v is None else v for v in col])
    for k, col in FIXTURE["data"].items()
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_chi_square_matches_chisq_test(name: str) -> None:
    ref = TABLES[name]
    res = chi_square_test(ref["table"])
    assert res.statistic == pytest.approx(ref["chisq"]["statistic"], abs=1e-6)
    assert res.df == ref["chisq"]["df"]
    assert res.p_value == pytest.approx(ref["chisq"]["p_value"], **P_TOL)
    np.testing.assert_allclose(res.expected, ref["chisq"]["expected"], atol=1e-6)
    assert res.n == sum(map(sum, ref["table"]))
    assert not res.correct


@pytest.mark.parametrize("name", sorted(TABLES))
def test_continuity_correction_like_r(name: str) -> None:
    ref = TABLES[name]
    res = chi_square_test(ref["table"], correct=True)
    assert res.statistic == pytest.approx(ref["chisq_corrected"]["statistic"], abs=1e-6)
    assert res.p_value == pytest.approx(ref["chisq_corrected"]["p_value"], **P_TOL)
    # R corrects only 2 x 2 tables, and only when |O - E| > 0
    assert res.correct == (np.shape(ref["table"]) == (2, 2))


@pytest.mark.parametrize("name", sorted(k for k in TABLES if "fisher_p" in TABLES[k]))
def test_fisher_matches_fisher_test(name: str) -> None:
    ref = TABLES[name]
    res = fisher_exact_test(ref["table"])
    assert res.p_value == pytest.approx(ref["fisher_p"], **P_TOL)
    assert res.n == sum(map(sum, ref["table"]))


def test_fixture_has_the_5_by_2_discipline_table_with_a_small_row() -> None:
    table = np.array(TABLES["discipline_by_trained"]["table"])
    assert table.shape == (5, 2)
    assert table.sum(1).min() < 5


def test_fisher_r_by_2_is_fast_for_survey_sized_tables() -> None:
    table = [[80, 76], [70, 86], [64, 92], [90, 66], [78, 80]]  # 782 respondents, near the mode
    start = time.perf_counter()
    res = fisher_exact_test(table)
    assert time.perf_counter() - start < 5
    assert 0 < res.p_value <= 1
    # the p-value of the most probable table is 1
    assert fisher_exact_test([[5, 5], [5, 5], [5, 5]]).p_value == pytest.approx(1.0)


def test_fisher_general_r_by_c_is_a_clear_error() -> None:
    with pytest.raises(StatsError, match="two rows or two columns"):
        fisher_exact_test(TABLES["three_by_three"]["table"])


@pytest.mark.parametrize("name", sorted(TABLES))
def test_cramers_v(name: str) -> None:
    ref = TABLES[name]
    plain = cramers_v(ref["table"])
    corrected = cramers_v(ref["table"], bias_correction=True)
    assert plain.value == pytest.approx(ref["cramers_v"], abs=1e-6)
    assert corrected.value == pytest.approx(ref["cramers_v_corrected"], abs=1e-6)
    assert not plain.bias_corrected and corrected.bias_corrected


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ([[1, 2, 3]], "at least two rows"),
        ([[1, -2], [3, 4]], "negative"),
        ([[0, 0], [3, 4]], "row 1 .* no respondents"),
        ([[1, np.nan], [3, 4]], "finite"),
        ([[1.5, 2], [3, 4]], "whole numbers"),
    ],
)
def test_bad_tables(table, match) -> None:
    with pytest.raises(StatsError, match=match):
        chi_square_test(table) if "whole" not in match else fisher_exact_test(table)


def _design(kind: str, rows=slice(None), lonely_psu: str = "fail") -> SurveyDesign:
    cl = DATA["trust"][rows]
    if kind == "stratified":
        return SurveyDesign(cl, DATA["region"][rows], DATA["weight"][rows], lonely_psu=lonely_psu)
    if kind == "clustered":
        return SurveyDesign(cl)
    return SurveyDesign(cl, weights=DATA["weight"][rows])


def _id(case):
    return f"{case['design']}-{case['y']}-{case['group']}"


@pytest.mark.parametrize("case", FIXTURE["rao_scott"], ids=_id)
def test_rao_scott_matches_svychisq(case) -> None:
    des = _design(case["design"])
    y, g = DATA[case["y"]], DATA[case["group"]]
    f = rao_scott_test(y, g, des)
    assert f.statistic == pytest.approx(case["f"]["statistic"], abs=1e-6)
    assert f.ndf == pytest.approx(case["f"]["ndf"], abs=1e-6)
    assert f.ddf == pytest.approx(case["f"]["ddf"], abs=1e-6)
    assert f.p_value == pytest.approx(case["f"]["p_value"], **P_TOL)
    c = rao_scott_test(y, g, des, statistic="Chisq")
    assert c.pearson == pytest.approx(case["chisq"]["statistic"], abs=1e-6)
    assert c.ndf == case["chisq"]["df"]
    assert c.p_value == pytest.approx(case["chisq"]["p_value"], **P_TOL)
    assert c.statistic == pytest.approx(c.pearson / c.mean_deff, rel=1e-12)


def test_rao_scott_with_a_lonely_psu_adjusted() -> None:
    rows = np.isin(DATA["trust"], FIXTURE["lonely_trusts"])
    des = _design("stratified", rows, lonely_psu="adjust")
    res = rao_scott_test(DATA["trained"][rows], DATA["discipline"][rows], des)
    ref = FIXTURE["lonely_adjust"]
    assert res.statistic == pytest.approx(ref["statistic"], abs=1e-6)
    assert res.ndf == pytest.approx(ref["ndf"], abs=1e-6)
    assert res.ddf == pytest.approx(ref["ddf"], abs=1e-6)
    assert res.p_value == pytest.approx(ref["p_value"], **P_TOL)


def test_rao_scott_bad_input() -> None:
    des = _design("clustered")
    with pytest.raises(StatsError, match="two different values"):
        rao_scott_test(np.zeros(des.n), DATA["discipline"], des)
    with pytest.raises(StatsError, match="statistic"):
        rao_scott_test(DATA["trained"], DATA["discipline"], des, statistic="Wald")
    with pytest.raises(StatsError, match="values"):
        rao_scott_test(DATA["trained"][:10], DATA["discipline"][:10], des)


def test_results_serialise() -> None:
    d = chi_square_test(TABLES["two_by_two"]["table"]).to_dict()
    assert d["df"] == 1 and isinstance(d["expected"], list)
    des = _design("stratified")
    d = rao_scott_test(DATA["trained"], DATA["discipline"], des).to_dict()
    assert set(d) >= {"statistic", "ndf", "ddf", "p_value", "n"}


def test_docstring_examples() -> None:
    import doctest

    import readiness.stats.comparisons as module

    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("case", FIXTURE["random_fisher"], ids=lambda c: str(c["table"]))
def test_fisher_random_tables(case) -> None:
    assert fisher_exact_test(case["table"]).p_value == pytest.approx(case["p_value"], **P_TOL)
    # the same table transposed (2 x r) gives the same p-value
    assert fisher_exact_test(np.array(case["table"]).T).p_value == pytest.approx(
        case["p_value"], **P_TOL
    )


# --- a group level whose members never answered y (svychisq keeps it) ---------------------------


@pytest.mark.parametrize("case", FIXTURE["rao_scott_empty_level"], ids=lambda c: c["design"])
def test_rao_scott_keeps_an_empty_group_level_as_svychisq(case) -> None:
    des = _design(case["design"])
    empty = DATA[case["group"]] == case["empty"]
    y = np.where(empty, np.nan, DATA["trained"])
    f = rao_scott_test(y, DATA[case["group"]], des)
    assert f.statistic == pytest.approx(case["f"]["statistic"], abs=1e-6)
    assert f.ndf == pytest.approx(case["f"]["ndf"], abs=1e-6)
    assert f.ddf == pytest.approx(case["f"]["ddf"], abs=1e-6)
    assert f.p_value == pytest.approx(case["f"]["p_value"], **P_TOL)
    assert f.empty_columns == (case["empty"],) and case["empty"] in f.columns
    assert f.empty_rows == ()
    assert f.n == int((~np.isnan(y) & ~pd.isna(DATA[case["group"]])).sum())
    c = rao_scott_test(y, DATA[case["group"]], des, statistic="Chisq")
    assert c.pearson == pytest.approx(case["chisq"]["statistic"], abs=1e-6)
    assert c.ndf == case["chisq"]["df"] == 4  # the empty level counts: (2 - 1) * (5 - 1)
    assert c.p_value == pytest.approx(case["chisq"]["p_value"], **P_TOL)
    # without the level anywhere (R: subset(design, discipline != "Dental")) the test differs
    group = np.where(empty, None, DATA[case["group"]])
    without = rao_scott_test(y, group, des)
    assert without.statistic == pytest.approx(case["f_without_level"]["statistic"], abs=1e-6)
    assert without.ndf == pytest.approx(case["f_without_level"]["ndf"], abs=1e-6)
    assert without.empty_columns == () and case["empty"] not in without.columns


def test_rao_scott_still_needs_two_levels_with_answers() -> None:
    des = _design("clustered")
    g = np.where(DATA["discipline"] == "Nursing", "Nursing", "Other").astype(object)
    y = np.where(g == "Other", np.nan, DATA["trained"])  # "Other" never answered
    with pytest.raises(StatsError, match="group needs at least two different values.*found 1"):
        rao_scott_test(y, g, des)


# --- Fisher's test of a table too large to enumerate: a Monte Carlo p, as R ---------------------

LARGE = FIXTURE["fisher_large"]


def _simulated_by_hand(table, replicates: int, seed: int) -> float:
    """R's formula with the documented draws, written out cell by cell."""
    table = np.asarray(table, dtype=np.int64)
    rows, first = table.sum(1), table[:, 0]
    drawn = np.random.default_rng(seed).multivariate_hypergeometric(
        rows, int(first.sum()), size=replicates
    )

    def score(col):
        return -sum(
            math.lgamma(a + 1) + math.lgamma(m - a + 1) for a, m in zip(col, rows, strict=True)
        )

    observed = score(first)
    hits = sum(score(d) <= observed / (1 + 64 * np.finfo(float).eps) for d in drawn)
    return (1 + hits) / (replicates + 1)


def test_fixture_table_is_too_large_for_r_exact_test() -> None:
    assert np.shape(LARGE["table"]) == (64, 2)
    assert "FEXACT error 7" in LARGE["exact_error"]
    assert "simulate.p.value=TRUE" in LARGE["exact_error"]


def test_fisher_falls_back_to_a_monte_carlo_p_for_a_64_by_2_table() -> None:
    res = fisher_exact_test(LARGE["table"])
    assert res.simulated and res.replicates == 2000 and res.seed == 1
    assert res.method == "Fisher's exact test with simulated p-value (based on 2000 replicates)"
    assert res.n == 782 and (res.rows, res.columns) == (64, 2)
    # R's formula with the same draws, exactly
    assert res.p_value == _simulated_by_hand(LARGE["table"], 2000, 1)
    # within Monte Carlo error of R's p-value from 1,000,000 replicates (and of R's own
    # 2,000-replicate value): 4 standard errors
    precise = LARGE["p_value_1e6"]
    se = math.sqrt(precise * (1 - precise) / 2000)
    assert abs(res.p_value - precise) < 4 * se
    assert abs(LARGE["p_value_2000"] - precise) < 4 * se
    # the same seed gives the same p; another seed another draw
    assert fisher_exact_test(LARGE["table"], simulate=True).p_value == res.p_value
    other = fisher_exact_test(LARGE["table"], simulate=True, seed=7)
    assert other.p_value != res.p_value and abs(other.p_value - precise) < 4 * se
    # the 2 x 64 table is the same test
    assert fisher_exact_test(np.array(LARGE["table"]).T, simulate=True).p_value == res.p_value


def test_many_replicates_agree_with_r_closely() -> None:
    res = fisher_exact_test(LARGE["table"], simulate=True, replicates=100_000, seed=3)
    precise = LARGE["p_value_1e6"]
    se = math.sqrt(precise * (1 - precise) * (1 / 100_000 + 1 / 1_000_000))
    assert abs(res.p_value - precise) < 4 * se


def test_simulated_p_by_hand_and_close_to_the_exact_p() -> None:
    table = [[3, 9], [7, 4], [2, 8], [6, 6]]
    exact = fisher_exact_test(table)
    assert (
        not exact.simulated and exact.replicates is None and exact.method == "Fisher's exact test"
    )
    sim = fisher_exact_test(table, simulate=True, replicates=4000, seed=11)
    assert sim.simulated and sim.replicates == 4000
    assert sim.p_value == pytest.approx(_simulated_by_hand(table, 4000, 11), abs=1e-15)
    se = math.sqrt(exact.p_value * (1 - exact.p_value) / 4000)
    assert abs(sim.p_value - exact.p_value) < 4 * se


def test_never_simulating_a_table_too_large_is_an_error_with_a_fix() -> None:
    with pytest.raises(StatsError, match=r"too large for the exact test.*simulate=True"):
        fisher_exact_test(LARGE["table"], simulate=False)
    with pytest.raises(StatsError, match="replicates"):
        fisher_exact_test([[1, 2], [3, 4]], simulate=True, replicates=0)


def test_readiness_proportion_says_the_p_was_simulated(tmp_path, capsys) -> None:
    from readiness.cli import main

    lines = ["site,trained"]
    for i, (yes, no) in enumerate(LARGE["table"]):
        lines += [f"s{i:02d},1"] * int(yes) + [f"s{i:02d},0"] * int(no)
    path = tmp_path / "sites.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["proportion", str(path), "--var", "trained", "--by", "site", "--json"]) == 0
    test = json.loads(capsys.readouterr().out)["test"]
    assert test["test"] == "Fisher's exact test with simulated p-value (based on 2000 replicates)"
    assert test["p_value"] == fisher_exact_test(LARGE["table"]).p_value
    assert main(["proportion", str(path), "--var", "trained", "--by", "site"]) == 0
    assert "simulated p-value (based on 2000 replicates)" in capsys.readouterr().out


# --- Rao-Scott with a finite population correction at one and two stages (data(api)) -----------

API = {
    name: pd.DataFrame(frame).replace({None: np.nan}) for name, frame in FIXTURE["api_data"].items()
}


def _api_design(name: str):
    from readiness.stats.calibration import Margin, post_stratify, rake

    pops = {
        var: Margin.of(var, dict(zip(p["level"], p["count"], strict=True)))
        for var, p in FIXTURE["api_population"].items()
    }
    if name.startswith("clus1"):
        d = API["apiclus1"]
        des = SurveyDesign(d["dnum"], fpc=d["fpc"])
    else:
        d = API["apiclus2"]
        des = SurveyDesign([d["dnum"], d["snum"]], fpc=[d["fpc1"], d["fpc2"]])
    if name.endswith("poststratified"):
        return post_stratify(des, d, pops["stype"])
    if name.endswith("raked"):
        return rake(des, d, [pops["stype"], pops["sw"]])
    return des


def _values(frame: pd.DataFrame, name: str) -> np.ndarray:
    return np.array([None if pd.isna(v) else v for v in frame[name]], dtype=object)


@pytest.mark.parametrize(
    "case", FIXTURE["rao_scott_api"], ids=lambda c: f"{c['design']}-{c['y']}-{c['group']}"
)
def test_rao_scott_with_fpc_at_one_and_two_stages_matches_svychisq(case) -> None:
    des = _api_design(case["design"])
    frame = API[case["sample"]]
    y, g = _values(frame, case["y"]), _values(frame, case["group"])
    f = rao_scott_test(y, g, des)
    assert f.statistic == pytest.approx(case["f"]["statistic"], abs=1e-6)
    assert f.ndf == pytest.approx(case["f"]["ndf"], abs=1e-6)
    assert f.ddf == pytest.approx(case["f"]["ddf"], abs=1e-6)
    assert f.p_value == pytest.approx(case["f"]["p_value"], **P_TOL)
    c = rao_scott_test(y, g, des, statistic="Chisq")
    assert c.pearson == pytest.approx(case["chisq"]["statistic"], abs=1e-6)
    assert c.ndf == case["chisq"]["df"]
    assert c.p_value == pytest.approx(case["chisq"]["p_value"], **P_TOL)
    if case["y"] == "aw_no_h":  # high schools never answered: kept as an empty level
        assert f.empty_columns == ("H",)


def test_two_stage_fpc_changes_the_test_from_the_first_stage_alone() -> None:
    """The second stage counts: the test on districts alone (with their fpc) differs."""
    d = API["apiclus2"]
    y, g = _values(d, "sw"), _values(d, "stype")
    two = rao_scott_test(y, g, _api_design("clus2_fpc"))
    first = rao_scott_test(y, g, SurveyDesign(d["dnum"], fpc=d["fpc1"]))
    case = next(
        c
        for c in FIXTURE["rao_scott_api"]
        if (c["design"], c["y"], c["group"]) == ("clus2_fpc", "sw", "stype")
    )
    assert two.statistic == pytest.approx(case["f"]["statistic"], abs=1e-6)
    assert abs(first.statistic - two.statistic) > 1e-3
