"""Design-based means, totals, quantiles and proportions with fpc and several stages, against
R's survey package on its own data(api) (tests/reference/design_api.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from readiness.errors import DesignError, StatsError
from readiness.stats.design import (
    SurveyDesign,
    design_mean,
    design_mean_by,
    design_proportion,
    design_proportion_by,
    design_quantile,
    design_quantile_by,
    design_total,
    design_total_by,
)

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "design_api.json").read_text()
)
TEXT = ("stype",)


def _data(name: str) -> dict[str, np.ndarray]:
    """The data as R held them: numbers are written as text with 17 significant digits."""
    raw = FIXTURE["data"][name]
    return {
        k: np.array(v, dtype=object)
        if k in TEXT
        else np.array([np.nan if x is None else float(x) for x in v], dtype=float)
        for k, v in raw.items()
    }


DATA = {name: _data(name) for name in FIXTURE["data"]}
CASES = sorted(FIXTURE["results"])
ATOL = 1e-6


def _as_list(x):
    return x if isinstance(x, list) else [x]


def build(spec: dict, lonely_psu: str = "fail") -> SurveyDesign:
    d = DATA[spec["data"]]
    ids = _as_list(spec["ids"])
    cluster = None if ids == ["1"] else [d[c] for c in ids]
    fpc = [d[c] for c in _as_list(spec["fpc"])] if "fpc" in spec else None
    return SurveyDesign(
        cluster,
        strata=d[spec["strata"]] if "strata" in spec else None,
        weights=d[spec["weights"]] if "weights" in spec else None,
        fpc=fpc,
        lonely_psu=lonely_psu,
    )


DESIGNS = {name: build(FIXTURE["results"][name]["spec"]) for name in CASES}


def near(got, want, name: str = "") -> None:
    if want is None:  # R's NA / NaN / Inf
        assert got is None or not math.isfinite(got), f"{name}: {got} is not NA"
        return
    np.testing.assert_allclose(got, want, rtol=0, atol=ATOL, err_msg=name)


def near_rel(got, want, name: str = "") -> None:
    """Totals run to millions: compare at 1e-6 of their size (and 1e-6 absolute below 1)."""
    if want is None:
        assert got is None or not math.isfinite(got), f"{name}: {got} is not NA"
        return
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=ATOL, err_msg=name)


def _domain(name: str, group: str | None):
    d = DATA[FIXTURE["results"][name]["spec"]["data"]]
    return None if group is None else d["stype"] == group


def _targets(name: str):
    res = FIXTURE["results"][name]
    yield name, None, res["overall"]
    for group, ref in res["groups"].items():
        yield name, group, ref


TARGETS = [t for name in CASES for t in _targets(name)]


def _id(t):
    return f"{t[0]}-{t[1] or 'all'}"


def test_designs_match_r_weights() -> None:
    for name in CASES:
        np.testing.assert_allclose(
            DESIGNS[name].weights, FIXTURE["results"][name]["weights"], rtol=1e-12, err_msg=name
        )


@pytest.mark.parametrize("target", TARGETS, ids=_id)
@pytest.mark.parametrize("var", ["api00", "enroll"])
def test_mean_matches_svymean(target, var) -> None:
    name, group, ref = target
    des = DESIGNS[name]
    y = DATA[FIXTURE["results"][name]["spec"]["data"]][var]
    want = ref["means"][var]["mean"]
    got = design_mean(y, des, domain=_domain(name, group))
    for field in ("estimate", "se", "deff", "deff_replace", "lower", "upper"):
        near(getattr(got, field), want[field], f"{name} {group} {var} {field}")
    assert got.df == want["df"]
    assert got.n == ref["means"][var]["n"]
    near(got.sd, math.sqrt(ref["means"][var]["var_answered"]), "sd")
    normal = design_mean(y, des, domain=_domain(name, group), df=math.inf)
    near(normal.lower, want["lower_z"], "lower_z")
    near(normal.upper, want["upper_z"], "upper_z")


@pytest.mark.parametrize("target", TARGETS, ids=_id)
@pytest.mark.parametrize("var", ["api00", "enroll"])
def test_total_matches_svytotal(target, var) -> None:
    name, group, ref = target
    y = DATA[FIXTURE["results"][name]["spec"]["data"]][var]
    want = ref["means"][var]["total"]
    got = design_total(y, DESIGNS[name], domain=_domain(name, group))
    for field in ("estimate", "se", "lower", "upper"):
        near_rel(getattr(got, field), want[field], f"{name} {group} {var} {field}")
    for field in ("deff", "deff_replace"):
        near(getattr(got, field), want[field], f"{name} {group} {var} {field}")


@pytest.mark.parametrize("target", TARGETS, ids=_id)
@pytest.mark.parametrize("var", ["api00", "enroll"])
def test_quantiles_match_svyquantile(target, var) -> None:
    name, group, ref = target
    y = DATA[FIXTURE["results"][name]["spec"]["data"]][var]
    want = ref["quantiles"][var]
    for i, prob in enumerate(want["probs"]):
        got = design_quantile(y, DESIGNS[name], prob, domain=_domain(name, group))
        label = f"{name} {group} {var} q{prob}"
        near(got.estimate, want["quantile"][i], label)
        near(got.lower, want["lower"][i], label + " lower")
        near(got.upper, want["upper"][i], label + " upper")
        near(got.se, want["se"][i], label + " se")
        assert got.df == want["df"]


@pytest.mark.parametrize("target", TARGETS, ids=_id)
@pytest.mark.parametrize("var", ["sw", "aw", "aw_na"])
def test_proportion_matches_svyciprop(target, var) -> None:
    name, group, ref = target
    y = DATA[FIXTURE["results"][name]["spec"]["data"]][var]
    want = ref["proportions"][var]
    got = design_proportion(y, DESIGNS[name], domain=_domain(name, group))
    for field in ("estimate", "se", "deff", "deff_replace"):
        near(getattr(got, field), want[field], f"{name} {group} {var} {field}")
    if want["df"] > 1:  # with 1 df R turns the t level into a normal one (see test_design.py)
        near(got.lower, want["lower"], "lower")
        near(got.upper, want["upper"], "upper")
    assert got.df == want["df"]


@pytest.mark.parametrize("name", CASES)
def test_by_group_matches_svyby_and_subset(name) -> None:
    res = FIXTURE["results"][name]
    d = DATA[res["spec"]["data"]]
    des = DESIGNS[name]
    sv = res["svyby"]
    means = design_mean_by(d["api00"], d["stype"], des)
    totals = design_total_by(d["enroll"], d["stype"], des)
    medians = design_quantile_by(d["api00"], d["stype"], des, 0.5)
    assert means.groups == tuple(sv["group"]) == tuple(sorted(res["groups"]))
    for i, g in enumerate(sv["group"]):
        near(means[g].estimate, sv["mean"][i])
        near(means[g].se, sv["mean_se"][i])
        near(means[g].deff, sv["mean_deff"][i])
        near_rel(totals[g].estimate, sv["total"][i])
        near_rel(totals[g].se, sv["total_se"][i])
        near(medians[g].estimate, sv["median"][i])
        near(medians[g].se, sv["median_se"][i])
        one = design_mean(d["api00"], des, domain=d["stype"] == g)
        assert means[g] == dataclass_with_group(one, g)
        want = res["groups"][g]["quantiles"]["api00"]
        j = want["probs"].index(0.5)
        near(medians[g].lower, want["lower"][j])
        near(medians[g].upper, want["upper"][j])
    props = design_proportion_by(d["aw_na"], d["stype"], des)
    for g in sv["group"]:
        near(props[g].se, res["groups"][g]["proportions"]["aw_na"]["se"])
    assert means.n == int((~np.isnan(d["api00"])).sum())


def dataclass_with_group(res, group):
    import dataclasses

    return dataclasses.replace(res, group=group)


def test_fpc_narrows_standard_errors_as_r() -> None:
    """The correction the issue quotes: 15 of 757 districts; 200 of 6194 schools in strata."""
    y1 = DATA["apiclus1"]["api00"]
    with_fpc = design_mean(y1, DESIGNS["clus1_fpc"]).se
    without = design_mean(y1, DESIGNS["clus1_weights"]).se
    near(with_fpc / without, FIXTURE["fpc_effect"]["clus1"])
    assert 0.985 < with_fpc / without < 0.995  # about 1%
    d = DATA["apistrat"]
    plain = SurveyDesign(None, strata=d["stype"], weights=d["pw"])
    ratio = design_mean(d["api00"], DESIGNS["strat_fpc"]).se / design_mean(d["api00"], plain).se
    near(ratio, FIXTURE["fpc_effect"]["strat"])


def test_fractions_and_population_sizes_give_the_same_design() -> None:
    y = DATA["apiclus1"]["api00"]
    a = design_mean(y, DESIGNS["clus1_fpc"])
    b = design_mean(y, DESIGNS["clus1_frac"])
    assert a.se == pytest.approx(b.se, rel=1e-12)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12)


def test_two_stages_without_fpc_use_the_first_stage_only() -> None:
    """svydesign(ids = ~dnum + snum) without fpc: the ultimate-cluster estimator."""
    d = DATA["apiclus2"]
    one = SurveyDesign(d["dnum"], weights=d["pw"])
    two = DESIGNS["clus2_weights"]
    assert two.stages == 2 and two.variance_stages == 1
    assert design_mean(d["api00"], one).se == pytest.approx(
        design_mean(d["api00"], two).se, rel=1e-12
    )
    # with an fpc for both stages the second stage adds to the variance
    assert DESIGNS["clus2_fpc"].variance_stages == 2
    assert DESIGNS["clus2_fpc"].n_units == len(d["snum"])


@pytest.mark.parametrize("how", ["adjust", "certainty", "remove", "average"])
def test_lonely_units_at_stage_two_match_r(how) -> None:
    des = build(FIXTURE["lonely_spec"], lonely_psu=how)
    d = DATA["apiclus2"]
    ref = FIXTURE["lonely"][how]
    got = design_mean(d["api00"], des)
    near(got.estimate, ref["estimate"])
    near(got.se, ref["se"])
    h = design_mean(d["api00"], des, domain=d["stype"] == "H")
    near(h.estimate, ref["estimate_h"])
    near(h.se, ref["se_h"])


def test_lonely_unit_at_stage_two_fails_by_default_and_names_it() -> None:
    d = DATA["apiclus2"]
    with pytest.raises(DesignError, match=r"dnum .* has only one snum sampled.*stage 2"):
        SurveyDesign(
            [d["dnum"], d["snum"]],
            fpc=[d["fpc1"], d["fpc2_lonely"]],
            names={"cluster": ["dnum", "snum"], "fpc": ["fpc1", "fpc2_lonely"]},
        )
    # sampled completely (fpc2 = 1 school of 1) it is not lonely: apiclus2 as shipped
    assert DESIGNS["clus2_fpc"].variance_stages == 2


def test_fpc_errors_name_the_problem() -> None:
    d = DATA["apiclus1"]
    assert "100%" in FIXTURE["errors"]["too_small"]
    with pytest.raises(
        DesignError, match=r"population size of 10.*15 different cluster values.*100%"
    ):
        SurveyDesign(d["dnum"], fpc=np.full(len(d["dnum"]), 10.0))
    d2 = DATA["apiclus2"]
    assert "fpc>=1" in FIXTURE["errors"]["mixed"]
    with pytest.raises(DesignError, match="mix the two.*cannot be above 1"):
        SurveyDesign([d2["dnum"], d2["snum"]], fpc=[d2["fpc1"], d2["fpc2"] / 10])
    varying = d["fpc"].copy()
    varying[3] = 800
    with pytest.raises(DesignError, match="differs within the design: row"):
        SurveyDesign(d["dnum"], fpc=varying)
    with pytest.raises(DesignError, match="1 column.*2 stage"):
        SurveyDesign([d2["dnum"], d2["snum"]], fpc=d2["fpc1"])
    bad = d["fpc"].copy()
    bad[0] = np.nan
    with pytest.raises(DesignError, match="missing"):
        SurveyDesign(d["dnum"], fpc=bad)
    bad[0] = -3
    with pytest.raises(DesignError, match="positive number.*rows 1"):
        SurveyDesign(d["dnum"], fpc=bad)


def test_stratum_sampled_completely_is_not_lonely() -> None:
    # one cluster in stratum "b", but it is the stratum's whole population (fpc 1)
    des = SurveyDesign(
        [1, 1, 2, 2, 3, 3, 4, 4], strata=list("aaaaaabb"), fpc=[5, 5, 5, 5, 5, 5, 1, 1]
    )
    r = design_mean([1.0, 2, 3, 4, 5, 6, 7, 8], des)
    assert math.isfinite(r.se) and r.se > 0


def test_old_cluster_totals_api_refuses_multistage_fpc_clearly() -> None:
    des = DESIGNS["clus2_fpc"]
    with pytest.raises(DesignError, match="row_covariance"):
        des.covariance(np.zeros((des.n_clusters, 2)))
    # and the row-level API gives svymean's variance
    d = DATA["apiclus2"]
    w = des.weights
    m = np.sum(w * d["api00"]) / w.sum()
    cov = des.row_covariance((w * (d["api00"] - m) / w.sum())[:, None])
    near(
        math.sqrt(cov[0, 0]),
        FIXTURE["results"]["clus2_fpc"]["overall"]["means"]["api00"]["mean"]["se"],
    )


def test_quantile_ties_and_exact_shares() -> None:
    """p * sum(w) reached exactly: survey takes the value there, not the next one."""
    des = SurveyDesign(np.arange(8) // 2)
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    assert design_quantile(y, des, 0.5).estimate == 4.0
    assert design_quantile(y, des, 0.51).estimate == 5.0
    assert design_quantile(y, des, 0.01).estimate == 2.0  # survey's rule below the first
    assert design_quantile(y, des, 1.0).estimate == 8.0


def test_bad_inputs_are_clear_errors() -> None:
    des = DESIGNS["srs_fpc"]
    with pytest.raises(StatsError, match="n = 0"):
        design_mean(np.full(des.n, np.nan), des)
    with pytest.raises(StatsError, match="y has 3 values"):
        design_total([1, 2, 3], des)
    with pytest.raises(StatsError, match="between 0 and 1"):
        design_quantile(DATA["apisrs"]["api00"], des, 1.5)
    with pytest.raises(StatsError, match="numbers"):
        design_mean(np.array(["a"] * des.n, dtype=object), des)
    y = DATA["apisrs"]["api00"].copy()
    y[DATA["apisrs"]["stype"] == "H"] = np.nan
    with pytest.raises(StatsError, match="group 'H'"):
        design_mean_by(y, DATA["apisrs"]["stype"], des)
    with pytest.raises(DesignError, match="needs clusters"):
        SurveyDesign()


def test_results_are_frozen_and_serialise() -> None:
    d = DATA["apiclus2"]
    res = design_mean_by(d["enroll"], d["stype"], DESIGNS["clus2_fpc"])
    out = res.to_dict()
    assert out["estimates"][0]["statistic"] == "mean" and out["estimates"][0]["group"] == "E"
    q = design_quantile(d["enroll"], DESIGNS["clus2_fpc"]).to_dict()
    assert q["prob"] == 0.5 and "Woodruff" in q["method"]
    with pytest.raises(AttributeError):
        res.estimates[0].estimate = 1.0  # type: ignore[misc]


def test_design_describes_itself() -> None:
    info = DESIGNS["clus2_fpc"].describe()
    assert info["stages"] == 2 and info["fpc"] and info["weights_from_fpc"]
    assert info["units_per_stage"] == [40, 126] and info["df"] == 39
    assert DESIGNS["srs_fpc"].describe()["sampled_singly"]
