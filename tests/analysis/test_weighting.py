"""Weighting the analysis to staff counts: the figures on a weighted design against R
(tests/reference/weighting.R), and the counts file's levels as codes or labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from readiness.analysis.weighting import (
    weighted_mean,
    weighted_quantile,
    weighted_total,
    woodruff_interval,
)
from readiness.stats.calibration import Margin, post_stratify, rake
from readiness.stats.design import SurveyDesign

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "weighting.json").read_text()
)
DATA = {name: pd.DataFrame(frame) for name, frame in FIXTURE["data"].items()}
POPULATION = {
    var: Margin.of(var, dict(zip(p["level"], p["count"], strict=True)))
    for var, p in FIXTURE["population"].items()
}


def _design(name: str):
    if name == "clus1_fpc_poststratified":
        d = DATA["apiclus1"]
        return post_stratify(SurveyDesign(d["dnum"], fpc=d["fpc"]), d, POPULATION["stype"])
    d = DATA["apiclus2"]
    base = SurveyDesign([d["dnum"], d["snum"]], fpc=[d["fpc1"], d["fpc2"]])
    return rake(base, d, [POPULATION["stype"], POPULATION["sw"]])


PROBS = (0.25, 0.5, 0.75)


def _tie(x: np.ndarray, w: np.ndarray, prob: float, ours: float, r: float) -> bool:
    """Whether the weighted share at or below our quantile is exactly ``prob`` (to rounding),
    and R's is the next value: an exact tie, which the last bit of the calibrated weights
    decides (R's and ours differ there)."""
    share = w[x <= ours].sum() / w.sum()
    return abs(share - prob) < 1e-12 and r == np.min(x[x > ours])


def _check(got_mean, got_total, got_q, want, x, w, interval) -> None:
    for key in ("mean", "se", "lower", "upper", "sd"):
        assert got_mean[key] == pytest.approx(want[key], abs=1e-6), key
    assert got_mean["deff"] == pytest.approx(want["deff_replace"], abs=1e-6)
    assert got_mean["df"] == want["df"] and got_mean["n"] == want["n"]
    assert got_total["estimate"] == pytest.approx(want["total"], rel=1e-9)
    assert got_total["se"] == pytest.approx(want["total_se"], rel=1e-9)
    assert got_total["lower"] == pytest.approx(want["total_lower"], rel=1e-9)
    assert got_total["upper"] == pytest.approx(want["total_upper"], rel=1e-9)
    for j, q in enumerate(got_q):
        r = want["quantile"][j]
        if q["estimate"] != r:
            assert _tie(x, w, PROBS[j], q["estimate"], r)
            q = {"estimate": r, **interval(r)}  # R's interval is of R's estimate
        for key, ref in (
            ("lower", want["quantile_lower"][j]),
            ("upper", want["quantile_upper"][j]),
        ):
            if ref is None:
                assert np.isnan(q[key])
            else:
                assert q[key] == ref, key
        assert q["df"] == want["quantile_df"]


@pytest.mark.parametrize("case", FIXTURE["results"], ids=lambda c: f"{c['design']}-{c['variable']}")
def test_weighted_figures_match_r_overall_and_by_school_type(case) -> None:
    design = _design(case["design"])
    np.testing.assert_allclose(design.weights, case["weights"], rtol=1e-9)
    frame = DATA[case["sample"]]
    x = frame[case["variable"]].to_numpy(dtype=float)
    answered = ~np.isnan(x)
    _check(
        weighted_mean(x, design),
        weighted_total(x, design),
        [weighted_quantile(x, design, p) for p in PROBS],
        case["overall"],
        x[answered],
        design.weights[answered],
        lambda q: woodruff_interval(x, design, answered, q),
    )
    assert case["groups"], "the fixture has domains"
    for group, want in case["groups"].items():
        mask = (frame["stype"] == group).to_numpy()
        used = mask & answered
        _check(
            weighted_mean(x, design, mask),
            weighted_total(x, design, mask),
            [weighted_quantile(x, design, p, mask) for p in PROBS],
            want,
            x[used],
            design.weights[used],
            lambda q, used=used: woodruff_interval(x, design, used, q),
        )


def test_weighted_figures_equal_the_design_kernels_without_calibration() -> None:
    from readiness.stats.design import design_mean, design_quantile

    d = DATA["apiclus2"]
    des = SurveyDesign([d["dnum"], d["snum"]], fpc=[d["fpc1"], d["fpc2"]])
    x = d["enroll"].to_numpy(dtype=float)
    m, k = weighted_mean(x, des), design_mean(x, des)
    assert (m["mean"], m["se"], m["sd"], m["lower"]) == pytest.approx(
        (k.estimate, k.se, k.sd, k.lower), rel=1e-12
    )
    q, kq = weighted_quantile(x, des, 0.5), design_quantile(x, des, 0.5)
    assert (q["estimate"], q["lower"], q["upper"]) == (kq.estimate, kq.lower, kq.upper)
