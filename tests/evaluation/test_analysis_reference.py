"""evaluate() on the small cohort of tests/reference/evaluation.R, against R step by step.

Every figure R computed (flow, knowledge items with Holm, scales, indicators, retention, three
waves with the mixed model, attrition) must agree to 1e-6 (the mixed model's fixed effects to
1e-6, its variances to 1e-5).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from readiness.evaluation import evaluate
from readiness.instrument import shipped_instrument

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "evaluation.json"
REF = json.loads(FIXTURE.read_text())["evaluation"]
TOL = 1e-6


def frame(columns: dict) -> pd.DataFrame:
    out = {}
    for name, values in columns.items():
        if name in ("link", "site"):
            out[name] = pd.Series(values, dtype=object)
        else:
            out[name] = pd.Series([np.nan if v is None else v for v in values], dtype=float)
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def result():
    data = REF["data"]
    return evaluate(
        frame(data["pre"]),
        frame(data["post"]),
        shipped_instrument(),
        follow_up=frame(data["follow_up"]),
    )


def close(got, want, tol=TOL):
    if want is None:
        assert got is None or (isinstance(got, float) and not math.isfinite(got)), got
    else:
        assert got == pytest.approx(want, abs=tol, rel=tol)


def check_share(got, want):
    assert (got.count, got.n) == (want["count"], want["n"])
    for key in ("percent", "lower", "upper"):
        close(getattr(got, key), want[key])


def check_binary(got, want):
    m = got.mcnemar
    assert (got.n, m.a, m.b, m.c, m.d) == (want["n"], want["a"], want["b"], want["c"], want["d"])
    check_share(got.before, want["before"])
    check_share(got.after, want["after"])
    close(m.exact_p_value, want["exact_p_value"])
    for key in ("odds_ratio", "or_lower", "or_upper"):
        if key in want:
            close(getattr(m, key), want[key])
    for key in ("difference", "lower", "upper"):
        close(getattr(m.difference, key), want["newcombe"][key])
    if "dont_know_to_correct" in want:
        assert got.dont_know_to_correct == want["dont_know_to_correct"]
        assert got.wrong_to_correct == want["wrong_to_correct"]


def check_summary(got, want):
    assert got.n == want["n"]
    for key in ("mean", "sd", "median", "q1", "q3"):
        close(getattr(got, key), want[key])


def check_scale(got, want):
    assert got.n == want["n"]
    check_summary(got.before, want["before"])
    check_summary(got.after, want["after"])
    close(got.median_difference, want["median_difference"])
    w, t = got.wilcoxon, got.t_test
    close(w.v, want["v"])
    close(w.p_value, want["wilcoxon_p"])
    assert w.n_zero == want["n_zero"]
    close(w.rank_biserial.r_rb, want["r_rb"])
    close(w.rank_biserial.lower, want["r_rb_lower"])
    close(w.rank_biserial.upper, want["r_rb_upper"])
    close(t.mean_difference, want["mean_difference"])
    close(t.lower, want["t_lower"])
    close(t.upper, want["t_upper"])
    close(t.t, want["t"])
    close(t.p_value, want["t_p"])
    close(t.cohens_dz.d_z, want["d_z"])
    close(t.cohens_dz.lower, want["d_z_lower"])
    close(t.cohens_dz.upper, want["d_z_upper"])


def test_flow(result):
    f, want = result.flow, REF["flow"]
    assert (f.pre, f.post, f.follow_up, f.matched) == (
        want["pre"],
        want["post"],
        want["follow_up"],
        want["matched"],
    )
    assert (f.pre_only, f.post_only, f.follow_up_matched, f.complete) == (
        want["pre_only"],
        want["post_only"],
        want["follow_up_matched"],
        want["complete"],
    )
    assert f.unlinkable == want["unlinkable"]
    assert result.n == want["matched"] == f.n


def test_knowledge_items_with_holm(result):
    got = {c.id: c for c in result.items}
    assert list(got) == list(REF["items"])
    for item_id, want in REF["items"].items():
        check_binary(got[item_id], want)
        close(got[item_id].holm_p, want["holm_p"])


def test_scales(result):
    got = {c.id: c for c in result.scales}
    assert set(got) == set(REF["scales"])
    for scale_id, want in REF["scales"].items():
        check_scale(got[scale_id], want)


def test_indicators(result):
    got = {c.id: c for c in result.indicators}
    assert set(got) == set(REF["indicators"])
    for ind_id, want in REF["indicators"].items():
        check_binary(got[ind_id], want)


def test_retention(result):
    r, want = result.retention, REF["retention"]
    assert r.n == want["n"]
    items = {c.id: c for c in r.items}
    for item_id, w in want["items"].items():
        check_binary(items[item_id], w)
        assert items[item_id].waves == ("post", "follow_up")
    scales = {c.id: c for c in r.scales}
    for scale_id, w in want["scales"].items():
        check_scale(scales[scale_id], w)
    inds = {c.id: c for c in r.indicators}
    for ind_id, w in want["indicators"].items():
        check_binary(inds[ind_id], w)


def test_three_waves_friedman_pairwise_and_mixed_model(result):
    got = {t.id: t for t in result.three_waves}
    for scale_id, want in REF["three_waves"].items():
        t = got[scale_id]
        assert t.n == want["n"]
        close(t.friedman.statistic, want["statistic"])
        assert t.friedman.df == want["df"]
        close(t.friedman.p_value, want["p_value"])
        close(t.friedman.kendalls_w.w, want["kendalls_w"])
        for pw, w in zip(t.pairwise, want["pairwise"], strict=True):
            assert list(pw.waves) == w["waves"]
            close(pw.wilcoxon.v, w["v"])
            close(pw.wilcoxon.p_value, w["p_value"])
            close(pw.holm_p, w["holm_p"])
        m, w = t.mixed, want["mixed"]
        assert (m.n, m.n_people) == (w["n"], w["n_people"])
        assert [f.term for f in m.fixed] == w["terms"]
        np.testing.assert_allclose([f.estimate for f in m.fixed], w["estimate"], atol=1e-6)
        np.testing.assert_allclose([f.se for f in m.fixed], w["se"], rtol=1e-5)
        np.testing.assert_allclose([f.lower for f in m.fixed], w["lower"], atol=1e-5)
        np.testing.assert_allclose([f.upper for f in m.fixed], w["upper"], atol=1e-5)
        close(m.person_variance, w["person_variance"], 1e-5)
        close(m.residual_variance, w["residual_variance"], 1e-5)
        close(m.reml_criterion, w["reml_criterion"], 1e-6)
        close(m.lrt_chi_square, w["lrt_chi_square"], 1e-6)
        assert m.lrt_df == w["lrt_df"] and m.singular == w["singular"]


def test_attrition(result):
    a, want = result.attrition, REF["attrition"]
    assert (a.n_matched, a.n_unmatched) == (want["n_matched"], want["n_unmatched"])
    scales = {s.id: s for s in a.scales}
    for scale_id, w in want["scales"].items():
        s = scales[scale_id]
        assert (s.n_matched, s.n_unmatched) == (w["n_matched"], w["n_unmatched"])
        for key in ("mean_matched", "sd_matched", "mean_unmatched", "sd_unmatched", "smd"):
            close(getattr(s, key), w[key])
    for c, w in zip(a.categories, want["categories"], strict=True):
        assert c.code == str(w["code"])
        check_share(c.matched, w["matched"])
        check_share(c.unmatched, w["unmatched"])
        for key in ("difference", "lower", "upper"):
            close(getattr(c, key), w[key])


def test_poorly_known_lists_items_below_80_percent_after_lowest_first(result):
    post = {k: v["after"]["percent"] for k, v in REF["items"].items()}
    expected = sorted((p, k) for k, p in post.items() if p < 80)
    assert [p.id for p in result.poorly_known] == [k for _, k in expected]
    assert all(p.explanation and p.source for p in result.poorly_known)
