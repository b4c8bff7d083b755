"""Weighting to known counts against R's survey package (tests/reference/calibration.R).

postStratify, rake and calibrate(calfun = "linear") on R's own api data: the new weights, and
svymean/svytotal/svyciprop on the calibrated designs with survey's standard errors.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from readiness.errors import ProblemsError, StatsError
from readiness.stats.calibration import (
    CalibratedDesign,
    Margin,
    PopulationTotal,
    calibrate,
    calibrated_proportion,
    calibrated_proportion_by,
    post_stratify,
    rake,
    read_margins,
    survey_mean,
    survey_total,
)
from readiness.stats.design import SurveyDesign, design_proportion_by

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "calibration.json").read_text()
)
POP = FIXTURE["population"]
SAMPLES = {
    name: pd.DataFrame(columns).astype({"acs.46": float, "enroll": float, "pw": float})
    for name, columns in FIXTURE["data"].items()
}
CLUS1, STRAT = SAMPLES["apiclus1"], SAMPLES["apistrat"]
TOL = 1e-6


CLUS2 = SAMPLES["apiclus2"]


def _design(name: str) -> SurveyDesign:
    if name == "clus1":
        return SurveyDesign(CLUS1["dnum"], weights=CLUS1["pw"])
    if name == "strat":
        return SurveyDesign(np.arange(len(STRAT)), strata=STRAT["stype"], weights=STRAT["pw"])
    if name == "clus1_fpc":
        return SurveyDesign(CLUS1["dnum"], weights=CLUS1["pw"], fpc=CLUS1["fpc"])
    if name == "strat_fpc":
        return SurveyDesign(None, strata=STRAT["stype"], weights=STRAT["pw"], fpc=STRAT["fpc"])
    if name == "clus2":
        return SurveyDesign([CLUS2["dnum"], CLUS2["snum"]], fpc=[CLUS2["fpc1"], CLUS2["fpc2"]])
    raise AssertionError(name)


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
API99 = PopulationTotal("api99", POP["api99"])


def _calibrate(kind: str, design, frame):
    if kind == "none":
        return design
    if kind == "poststratify_stype":
        return post_stratify(design, frame, STYPE)
    if kind == "poststratify_cross":
        return post_stratify(design, frame, CROSS)
    if kind == "rake":
        return rake(design, frame, [STYPE, SCHWIDE])
    if kind == "rake_tight":
        return rake(design, frame, [STYPE, SCHWIDE], maxit=100, epsilon=1e-10)
    if kind == "rake_maxit2":
        with pytest.warns(RuntimeWarning, match="did not converge"):
            return rake(design, frame, [SCHWIDE, STYPE], maxit=2, epsilon=1e-12)
    if kind == "linear_api99":
        return calibrate(design, frame, [STYPE, API99])
    if kind == "linear_margins":
        return calibrate(design, frame, [STYPE, SCHWIDE])
    raise AssertionError(kind)


def _id(ref) -> str:
    return f"{ref['design']}-{ref['calibration']}"


@pytest.mark.parametrize("ref", FIXTURE["results"], ids=_id)
def test_weights_and_estimates_match_r(ref) -> None:
    frame = SAMPLES[ref["sample"]]
    design = _calibrate(ref["calibration"], _design(ref["design"]), frame)
    np.testing.assert_allclose(design.weights, ref["weights"], atol=TOL, rtol=0)
    assert design.degf == ref["degf"]
    if isinstance(design, CalibratedDesign):
        assert design.record.converged == ref["converged"]
    for var, want in ref["estimates"].items():
        if var in ("proportion", "domain"):
            continue
        y = frame[var].to_numpy(dtype=float)
        mean, total = survey_mean(y, design), survey_total(y, design)
        got = [mean.estimate, mean.se, total.estimate, total.se]
        expected = [want["mean"], want["mean_se"], want["total"], want["total_se"]]
        # totals are millions: compared to 1e-6 relative, everything else to 1e-6 absolute
        np.testing.assert_allclose(got[:2], expected[:2], atol=TOL, rtol=0, err_msg=var)
        np.testing.assert_allclose(got[2:], expected[2:], atol=0, rtol=TOL, err_msg=var)
        assert mean.n == total.n == int(np.isfinite(y).sum())


@pytest.mark.parametrize("ref", FIXTURE["results"], ids=_id)
def test_proportions_match_svyciprop(ref) -> None:
    frame = SAMPLES[ref["sample"]]
    design = _calibrate(ref["calibration"], _design(ref["design"]), frame)
    y = frame["comp01"].to_numpy(dtype=float)
    for key, domain in (("proportion", None), ("domain", (frame["stype"] == "M").to_numpy())):
        want = ref["estimates"][key]
        res = calibrated_proportion(y, design, domain=domain, conf_level=0.9)
        got = [res.estimate, res.se, res.lower, res.upper, res.deff_replace]
        expected = [want[k] for k in ("estimate", "se", "lower", "upper", "deff_replace")]
        np.testing.assert_allclose(got, expected, atol=TOL, rtol=0, err_msg=key)
        assert res.df == want["df"]


def test_proportions_by_group() -> None:
    y = CLUS1["comp01"].to_numpy(dtype=float)
    y[[0, 5]] = np.nan
    groups = CLUS1["sch.wide"].to_numpy(dtype=object).copy()
    groups[3] = None
    raked = rake(_design("clus1"), CLUS1, [STYPE, SCHWIDE])
    by = calibrated_proportion_by(y, groups, raked, conf_level=0.9)
    assert by.groups == ("No", "Yes")
    for g in by.groups:
        one = calibrated_proportion(y, raked, domain=(groups == g), conf_level=0.9)
        assert by[g].group == g
        assert (by[g].estimate, by[g].se, by[g].lower, by[g].n) == (
            one.estimate,
            one.se,
            one.lower,
            one.n,
        )
    plain = _design("clus1")
    mine = calibrated_proportion_by(y, groups, plain)
    theirs = design_proportion_by(y, groups, plain)
    for g in theirs.groups:
        np.testing.assert_allclose(
            [mine[g].estimate, mine[g].se, mine[g].lower, mine[g].upper, mine[g].deff_replace],
            [theirs[g].estimate, theirs[g].se, theirs[g].lower, theirs[g].upper,
             theirs[g].deff_replace],
            rtol=1e-10,
        )  # fmt: skip
        assert (mine[g].df, mine[g].n, mine[g].count) == (
            theirs[g].df,
            theirs[g].n,
            theirs[g].count,
        )
    with pytest.raises(StatsError, match="'Yes'"):
        calibrated_proportion_by(np.where(groups == "Yes", np.nan, y), groups, raked)


def test_post_stratified_weights_hit_the_counts() -> None:
    des = post_stratify(_design("clus1"), CLUS1, CROSS)
    for (s, w), count in zip(CROSS.levels, CROSS.counts, strict=True):
        rows = ((CLUS1["stype"] == s) & (CLUS1["sch.wide"] == w)).to_numpy()
        assert des.weights[rows].sum() == pytest.approx(count, rel=1e-12)
    rec = des.record
    assert rec.method == "post-stratification"
    assert rec.n == len(CLUS1)
    (margin,) = rec.margins
    assert margin.variables == ("stype", "sch.wide")
    assert margin.levels == tuple(f"{s} x {w}" for s, w in CROSS.levels)
    assert margin.population == CROSS.counts
    assert sum(margin.respondents) == len(CLUS1)
    assert margin.weighted_after == pytest.approx(CROSS.counts, rel=1e-12)
    assert sum(margin.weighted_before) == pytest.approx(CLUS1["pw"].sum())


def test_rake_reports_margins_iterations_and_convergence() -> None:
    des = rake(_design("strat"), STRAT, [STYPE, SCHWIDE])
    rec = des.record
    assert rec.method == "raking"
    assert [m.variables for m in rec.margins] == [("stype",), ("sch.wide",)]
    assert rec.converged and 1 <= rec.iterations <= 10
    assert (rec.epsilon, rec.maxit) == (1.0, 10)  # survey's defaults
    for margin in rec.margins:
        assert margin.weighted_after == pytest.approx(margin.population, abs=1.0)
    with pytest.warns(RuntimeWarning, match="did not converge after 1 iteration"):
        tight = rake(_design("strat"), STRAT, [SCHWIDE, STYPE], maxit=1, epsilon=1e-12)
    assert not tight.record.converged and tight.record.iterations == 1


def test_calibrations_chain_and_keep_the_design() -> None:
    base = _design("clus1")
    once = post_stratify(base, CLUS1, STYPE)
    twice = post_stratify(once, CLUS1, SCHWIDE)
    assert twice.base is base and len(twice.calibrations) == 2
    assert (twice.n_clusters, twice.degf) == (base.n_clusters, base.degf)
    assert (twice.stages, twice.variance_stages, twice.fpc) == (1, 1, False)
    described = twice.describe()
    assert described["clusters"] == 15 and described["weighted"] is True
    assert described["calibrations"] == [
        "post-stratified by stype (3 levels)",
        "post-stratified by sch.wide (2 levels)",
    ]
    # a calibrated design is not a SurveyDesign: code that only knows cluster totals (and so
    # would miss the calibration's residuals) fails loudly instead of giving wrong errors
    assert not hasattr(twice, "variances") and not hasattr(twice, "covariance")
    # a second post-stratification leaves the first margin off its counts: the record shows it
    assert twice.calibrations[0].margins[0].variables == ("stype",)
    assert twice.record.margins[0].variables == ("sch.wide",)


def test_plain_weights_are_a_design_of_independent_respondents() -> None:
    des = post_stratify(STRAT["pw"].to_numpy(), STRAT, STYPE)
    same = post_stratify(SurveyDesign(np.arange(len(STRAT)), weights=STRAT["pw"]), STRAT, STYPE)
    np.testing.assert_allclose(des.weights, same.weights)
    y = STRAT["api00"].to_numpy(float)
    assert survey_mean(y, des).se == pytest.approx(survey_mean(y, same).se, rel=1e-12)


def test_linear_calibration_meets_the_numeric_total() -> None:
    des = calibrate(_design("clus1"), CLUS1, [STYPE, API99])
    assert float(des.weights @ CLUS1["api99"].to_numpy(float)) == pytest.approx(POP["api99"])
    rec = des.record
    assert rec.method == "linear calibration"
    assert [t.variable for t in rec.totals] == ["api99"]
    assert rec.totals[0].weighted_after == pytest.approx(POP["api99"], rel=1e-12)


# -- errors ------------------------------------------------------------------------------------


def test_margins_that_disagree_on_the_total_are_refused() -> None:
    short = Margin.of("sch.wide", {"No": 1000, "Yes": 5122})
    with pytest.raises(StatsError, match=r"add up to 6194 .* 6122"):
        rake(_design("strat"), STRAT, [STYPE, short])


def test_a_level_in_the_data_without_a_count_names_the_file() -> None:
    partial = Margin.of("stype", {"E": 4421, "H": 755}, source="staff.csv", rows=(1, 2))
    with pytest.raises(ProblemsError) as err:
        post_stratify(_design("clus1"), CLUS1, partial)
    (problem,) = err.value.problems
    assert problem.file == "staff.csv" and problem.column == "level"
    assert "'M'" in problem.message and "25 respondents" in problem.message
    assert "stype,M," in problem.fix


def test_a_count_for_a_level_nobody_has_names_the_row() -> None:
    extra = Margin.of(
        "stype", {"E": 4421, "H": 755, "M": 1018, "X": 5}, source="staff.csv", rows=(1, 2, 3, 4)
    )
    with pytest.raises(ProblemsError) as err:
        rake(_design("clus1"), CLUS1, [extra])
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column) == ("staff.csv", 4, "level")
    assert "'X'" in problem.message and "E, H, M" in problem.message


def test_missing_values_and_unknown_columns_are_refused() -> None:
    frame = CLUS1.copy()
    frame.loc[[3, 7], "stype"] = None
    with pytest.raises(ProblemsError) as err:
        post_stratify(_design("clus1"), frame, STYPE, data_name="survey.csv")
    rows = [p.row for p in err.value.problems]
    assert rows == [4, 8] and err.value.problems[0].file == "survey.csv"
    with pytest.raises(ProblemsError, match="no column 'site'"):
        post_stratify(_design("clus1"), CLUS1, Margin.of("site", {"a": 1}))


def test_design_and_frame_must_have_the_same_rows() -> None:
    with pytest.raises(StatsError, match="183 respondents .* 200 rows"):
        post_stratify(_design("clus1"), STRAT, STYPE)


# -- the margins file --------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "staff.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_margins_long_format(tmp_path) -> None:
    path = _write(
        tmp_path,
        "variable,level,count\nstype,E,4421\nstype,H,755\nstype,M,1018\n"
        "sch.wide,No,1072\nsch.wide,Yes,5122\napi99,,3914069\n",
    )
    margins = read_margins(path)
    assert [type(m).__name__ for m in margins] == ["Margin", "Margin", "PopulationTotal"]
    stype, schwide, total = margins
    assert stype.variables == ("stype",) and stype.levels == (("E",), ("H",), ("M",))
    assert stype.counts == (4421.0, 755.0, 1018.0) and stype.rows == (1, 2, 3)
    assert schwide.source == str(path)
    assert (total.variable, total.total, total.row) == ("api99", 3914069.0, 6)
    des = rake(_design("clus1"), CLUS1, margins[:2])
    ref = next(
        r for r in FIXTURE["results"] if r["design"] == "clus1" and r["calibration"] == "rake"
    )
    np.testing.assert_allclose(des.weights, ref["weights"], atol=TOL)


def test_read_margins_crossed_table(tmp_path) -> None:
    rows = "".join(
        f"{s},{w},{c}\n"
        for s, w, c in zip(
            POP["cross"]["stype"], POP["cross"]["sch.wide"], POP["cross"]["count"], strict=True
        )
    )
    (margin,) = read_margins(_write(tmp_path, "stype,sch.wide,count\n" + rows))
    assert margin.variables == ("stype", "sch.wide") and len(margin.levels) == 6
    des = post_stratify(_design("clus1"), CLUS1, margin)
    ref = next(
        r
        for r in FIXTURE["results"]
        if r["design"] == "clus1" and r["calibration"] == "poststratify_cross"
    )
    np.testing.assert_allclose(des.weights, ref["weights"], atol=TOL)


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("variable,level,count\nsite,A,12\nsite,B,0\n", 2, "count", "zero"),
        ("variable,level,count\nsite,A,twelve\n", 1, "count", "not a number"),
        ("variable,level,count\nsite,A,-3\n", 1, "count", "negative"),
        ("variable,level,count\nsite,A,\n", 1, "count", "missing"),
        ("variable,level,count\nsite,A,3\nsite,A,4\n", 2, "level", "twice"),
        ("variable,level,count\n,A,3\n", 1, "variable", "missing"),
        ("variable,level,count\nsite,,3\nsite,B,4\n", 1, "level", "no level"),
    ],
)
def test_read_margins_errors_name_row_and_column(tmp_path, text, row, column, words) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ProblemsError) as err:
        read_margins(path)
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == (str(path), row, column)
    assert words in problem.message


def test_read_margins_bad_header_and_empty_file(tmp_path) -> None:
    with pytest.raises(ProblemsError, match="count"):
        read_margins(_write(tmp_path, "variable,level,n\nsite,A,3\n"))
    with pytest.raises(ProblemsError, match="no rows"):
        read_margins(_write(tmp_path, "variable,level,count\n"))


def test_numeric_total_needs_linear_calibration() -> None:
    with pytest.raises(StatsError, match="calibrate"):
        rake(_design("clus1"), CLUS1, [STYPE, API99])
    with pytest.raises(StatsError, match="categorical"):
        calibrate(_design("clus1"), CLUS1, [API99])


def test_rake_control_is_checked() -> None:
    with pytest.raises(StatsError, match="maxit"):
        rake(_design("clus1"), CLUS1, [STYPE], maxit=0)
    with pytest.raises(StatsError, match="epsilon"):
        rake(_design("clus1"), CLUS1, [STYPE], epsilon=0)


def test_no_warning_when_rake_converges() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rake(_design("clus1"), CLUS1, [STYPE, SCHWIDE])
