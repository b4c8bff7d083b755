"""Linear and logistic regression, with and without a (calibrated) design, against R
(tests/reference/regress.R: glm, lm and svyglm on R's api data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from readiness.errors import StatsError
from readiness.stats.calibration import Margin, post_stratify, rake
from readiness.stats.design import SurveyDesign
from readiness.stats.glm import fit_regression
from readiness.stats.regression import logistic_regression

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "regress.json").read_text()
)
SAMPLES = {
    name: pd.DataFrame(cols).astype({"acs.46": float, "pw": float, "api00": float})
    for name, cols in FIXTURE["data"].items()
}
POP = FIXTURE["population"]
STYPE = Margin.of("stype", dict(zip(POP["stype"]["level"], POP["stype"]["count"], strict=True)))
SCHWIDE = Margin.of(
    "sch.wide", dict(zip(POP["sch.wide"]["level"], POP["sch.wide"]["count"], strict=True))
)
CROSS = Margin.of(
    ("stype", "sch.wide"),
    {
        (s, w): c
        for s, w, c in zip(
            POP["cross"]["stype"], POP["cross"]["sch.wide"], POP["cross"]["count"], strict=True
        )
    },
)
MODELS = {
    "logistic": ("met", ["ell", "meals", "stype"]),
    "linear": ("api00", ["ell", "meals", "stype"]),
    "linear_missing": ("api00", ["ell", "meals", "stype", "acs.46"]),
}


def design_for(name: str, d: pd.DataFrame):
    if name.startswith("none"):
        return None
    if name == "clus1_fpc":
        return SurveyDesign(d["dnum"], weights=d["pw"], fpc=d["fpc"])
    if name == "clus2":
        return SurveyDesign([d["dnum"], d["snum"]], fpc=[d["fpc1"], d["fpc2"]])
    if name == "clus1":
        return SurveyDesign(d["dnum"], weights=d["pw"])
    if name == "strat":
        return SurveyDesign(np.arange(len(d)), strata=d["stype"], weights=d["pw"])
    if name == "strat_nest":
        return SurveyDesign(d["dnum"], strata=d["stype"], weights=d["pw"])
    if name == "clus1_raked":
        return rake(SurveyDesign(d["dnum"], weights=d["pw"]), d, [STYPE, SCHWIDE])
    if name == "strat_poststratified":
        base = SurveyDesign(np.arange(len(d)), strata=d["stype"], weights=d["pw"])
        return post_stratify(base, d, CROSS)
    raise AssertionError(name)


def _id(f) -> str:
    return f"{f['design']}-{f['model']}-{f['reference']}-{f['conf_level']}"


@pytest.mark.parametrize("ref", FIXTURE["fits"], ids=_id)
def test_matches_r(ref) -> None:
    d = SAMPLES[ref["sample"]]
    outcome, predictors = MODELS[ref["model"]]
    res = fit_regression(
        d[outcome],
        d[predictors],
        design_for(ref["design"], d),
        family=ref["family"],
        reference={"stype": ref["reference"]},
        conf_level=ref["conf_level"],
    )
    assert res.terms == tuple(ref["term"])
    assert (res.n, res.df_residual) == (ref["n"], ref["df_residual"])
    assert res.n_dropped == len(d) - ref["n"]
    for name in ("estimate", "se", "statistic", "lower", "upper"):
        got = [getattr(c, name) for c in res.coefficients]
        np.testing.assert_allclose(got, ref[name], atol=1e-6, rtol=0, err_msg=name)
    got = [c.p_value for c in res.coefficients]
    np.testing.assert_allclose(got, ref["p_value"], atol=0, rtol=1e-6, err_msg="p_value")
    if ref["family"] == "logistic":
        np.testing.assert_allclose(
            [c.or_lower for c in res.coefficients], np.exp(ref["lower"]), rtol=1e-6
        )
        assert res.statistic_name == ("t" if res.design_based else "z")
    else:
        assert all(c.odds_ratio is None for c in res.coefficients)
        assert res.statistic_name == "t"


def test_logistic_agrees_with_logistic_regression() -> None:
    d = SAMPLES["apiclus1"]
    design = SurveyDesign(d["dnum"], weights=d["pw"])
    mine = fit_regression(d["met"], d[["ell", "meals", "stype"]], design, family="logistic")
    theirs = logistic_regression(d["met"], d[["ell", "meals", "stype"]], design)
    np.testing.assert_allclose(
        [c.se for c in mine.coefficients], [c.se for c in theirs.coefficients], rtol=1e-9
    )


def test_calibration_is_recorded_and_reference_named() -> None:
    d = SAMPLES["apiclus1"]
    design = rake(SurveyDesign(d["dnum"], weights=d["pw"]), d, [STYPE, SCHWIDE])
    res = fit_regression(d["api00"], d[["ell", "stype"]], design, family="linear")
    assert res.reference == {"stype": "E"}
    assert [c.method for c in res.calibrations] == ["raking"]
    assert res.design_based and "svyglm" in res.method


def test_errors() -> None:
    d = SAMPLES["apiclus1"]
    with pytest.raises(StatsError, match="family"):
        fit_regression(d["api00"], d[["ell"]], family="poisson")
    with pytest.raises(StatsError, match="0/1"):
        fit_regression(d["api00"], d[["ell"]], family="logistic")
    with pytest.raises(StatsError, match="collinear"):
        fit_regression(d["api00"], d[["ell"]].assign(twice=2 * d["ell"]), family="linear")
    with pytest.raises(StatsError, match="numeric"):
        fit_regression(d["stype"], d[["ell"]], family="linear")
    few = d.iloc[:3]
    with pytest.raises(StatsError, match="more respondents"):
        fit_regression(few["api00"], few[["ell", "meals", "stype"]], family="linear")
