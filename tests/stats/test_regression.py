"""Logistic regression against R's glm and survey::svyglm (tests/reference/regression.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from readiness.errors import StatsError
from readiness.stats.design import SurveyDesign
from readiness.stats.regression import logistic_regression

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "regression.json").read_text()
)
DATA = pd.DataFrame(FIXTURE["data"]).astype(
    {"trained": float, "contact": float, "years": float, "confident": float, "weight": float}
)
DESIGNS = {
    "stratified": SurveyDesign(DATA["trust"], DATA["region"], DATA["weight"]),
    "clustered": SurveyDesign(DATA["trust"]),
    "weighted": SurveyDesign(DATA["trust"], weights=DATA["weight"]),
}
FORMULAS = {
    "main": ("confident", ["staff_group", "trained", "years"]),
    "small": ("contact", ["trained", "years"]),
}


def _id(fit):
    return f"{fit['kind']}-{fit['design']}-{fit['formula']}-{fit['reference']}-{fit['conf_level']}"


@pytest.mark.parametrize("ref", FIXTURE["fits"], ids=_id)
def test_matches_r(ref) -> None:
    outcome, predictors = FORMULAS[ref["formula"]]
    reference = None if ref["reference"] == "default" else {"staff_group": ref["reference"]}
    if "staff_group" not in predictors:
        reference = None
    design = DESIGNS[ref["design"]] if ref["kind"] == "svyglm" else None
    res = logistic_regression(
        DATA[outcome], DATA[predictors], design, reference=reference, conf_level=ref["conf_level"]
    )
    assert res.terms == tuple(ref["term"])
    assert res.n == ref["n"]
    assert res.df_residual == ref["df_residual"]
    assert res.design_based == (design is not None)
    for name in ("estimate", "se", "statistic", "lower", "upper"):
        got = [getattr(c, name) for c in res.coefficients]
        np.testing.assert_allclose(got, ref[name], atol=1e-6, rtol=0, err_msg=name)
    # p-values relatively: they go down to 1e-27, below any useful absolute tolerance
    got = [c.p_value for c in res.coefficients]
    np.testing.assert_allclose(got, ref["p_value"], atol=0, rtol=1e-6, err_msg="p_value")
    np.testing.assert_allclose(
        [c.or_lower for c in res.coefficients], np.exp(ref["lower"]), rtol=1e-6
    )


def test_reference_levels_are_reported() -> None:
    res = logistic_regression(
        DATA["confident"], DATA[["staff_group", "years"]], reference={"staff_group": "Nursing"}
    )
    assert res.reference == {"staff_group": "Nursing"}
    assert "staff_groupMedicine" in res.terms and "staff_groupNursing" not in res.terms
    assert res.n_dropped == len(DATA) - res.n > 0


def test_outcome_by_column_name_and_frame_output() -> None:
    frame = DATA[["confident", "trained", "years"]]
    res = logistic_regression("confident", frame)
    assert res.terms == ("(Intercept)", "trained", "years")
    table = res.as_frame()
    assert table.loc["years", "odds_ratio"] == pytest.approx(np.exp(res["years"].estimate))
    assert res.to_dict()["coefficients"][0]["term"] == "(Intercept)"


def test_arrays_without_names() -> None:
    res = logistic_regression(DATA["confident"], DATA[["trained", "years"]].to_numpy())
    assert res.terms == ("(Intercept)", "x1", "x2")


def test_separation_by_a_category_is_a_clear_error() -> None:
    frame = pd.DataFrame({"group": ["a"] * 6 + ["b"] * 6 + ["small"] * 3, "x": np.arange(15.0)})
    y = np.array([0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1], dtype=float)
    with pytest.raises(StatsError, match=r"group = 'small' answered yes.*separation.*merge"):
        logistic_regression(y, frame)


def test_perfect_prediction_by_a_number_is_a_clear_error() -> None:
    x = np.arange(20.0)
    y = (x > 9).astype(float)
    with pytest.raises(StatsError, match="separation"):
        logistic_regression(y, x[:, None])


def test_bad_input() -> None:
    with pytest.raises(StatsError, match="both answers"):
        logistic_regression(np.zeros(10), np.arange(10.0)[:, None])
    with pytest.raises(StatsError, match="collinear"):
        x = np.arange(10.0)
        logistic_regression(x % 2, np.c_[x, 2 * x])
    with pytest.raises(StatsError, match="not a level"):
        logistic_regression(
            DATA["confident"], DATA[["staff_group"]], reference={"staff_group": "Surgery"}
        )
    with pytest.raises(StatsError, match="unknown predictor"):
        logistic_regression(DATA["confident"], DATA[["years"]], reference={"grade": "A"})
    with pytest.raises(StatsError, match="0/1"):
        logistic_regression(DATA["years"], DATA[["trained"]])
    with pytest.raises(StatsError, match="design has 782"):
        logistic_regression(DATA["confident"][:50], DATA[["years"]][:50], DESIGNS["clustered"])


def test_docstring_examples() -> None:
    import doctest

    import readiness.stats.regression as module

    assert doctest.testmod(module).failed == 0


# --- svyglm with a finite population correction at one and two stages (data(api)) -------------

API = {name: pd.DataFrame(frame) for name, frame in FIXTURE["api_data"].items()}
API_FORMULAS = {
    "small": ["ell", "meals", "stype"],
    "missing": ["ell", "meals", "stype", "acs46"],
}


def _api_design(name: str) -> SurveyDesign:
    if name == "clus1_fpc":
        d = API["apiclus1"]
        return SurveyDesign(d["dnum"], fpc=d["fpc"])
    d = API["apiclus2"]
    return SurveyDesign([d["dnum"], d["snum"]], fpc=[d["fpc1"], d["fpc2"]])


@pytest.mark.parametrize(
    "ref",
    FIXTURE["api_fits"],
    ids=lambda f: f"{f['design']}-{f['formula']}-{f['conf_level']}",
)
def test_svyglm_with_fpc_at_one_and_two_stages_matches_r(ref) -> None:
    frame = API[ref["sample"]].astype({"acs46": float})
    design = _api_design(ref["design"])
    assert design.variance_stages == (2 if ref["design"] == "clus2_fpc" else 1)
    res = logistic_regression(
        frame["sw"], frame[API_FORMULAS[ref["formula"]]], design, conf_level=ref["conf_level"]
    )
    assert res.terms == tuple(ref["term"])
    assert (res.n, res.df_residual) == (ref["n"], ref["df_residual"])
    for name in ("estimate", "se", "statistic", "lower", "upper"):
        got = [getattr(c, name) for c in res.coefficients]
        np.testing.assert_allclose(got, ref[name], atol=1e-6, rtol=0, err_msg=name)
    got = [c.p_value for c in res.coefficients]
    np.testing.assert_allclose(got, ref["p_value"], atol=0, rtol=1e-6, err_msg="p_value")


def test_logistic_regression_equals_fit_regression_on_a_two_stage_design() -> None:
    """The contact regression of the analysis uses fit_regression; both give R's svyglm."""
    from readiness.stats.glm import fit_regression

    frame = API["apiclus2"]
    design = _api_design("clus2_fpc")
    X = frame[["ell", "meals", "stype"]]
    a = logistic_regression(frame["sw"], X, design)
    b = fit_regression(frame["sw"], X, design)
    np.testing.assert_allclose(
        [c.se for c in a.coefficients], [c.se for c in b.coefficients], rtol=1e-9
    )
