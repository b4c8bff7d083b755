"""`readiness analyse` with a survey design: weights, fpc and two stages reach scale scores and
number items, and the output says which figures are weighted and which are not."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from readiness.analysis import AnalysisSettings, analyse
from readiness.analysis.read import design_columns, read_for_analysis
from readiness.analysis.survey import result_to_json
from readiness.cli import main
from readiness.errors import ReadinessError
from readiness.instrument.scoring import scale_scores
from readiness.stats.design import SurveyDesign, design_mean, design_quantile, design_total


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The matched demo cohort with design columns: maternity staff weigh four times the
    others; 10 of 40 sites, and at each site all but two of its sessions, were sampled.
    "weighted" has weight and region; "fpc" has those and sites_total, sessions_total."""
    folder = tmp_path_factory.mktemp("design")
    path = folder / "cohort.csv"
    assert main(["demo-data", "--match-published", "--out", str(path)]) == 0
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    per_site = frame.groupby("site")["session"].nunique()
    frame["weight"] = ["4" if d == "2" else "1" for d in frame["discipline"]]
    frame["region"] = ["north" if s <= "T05" else "south" for s in frame["site"]]
    weighted = folder / "weighted.csv"
    frame.to_csv(weighted, index=False)
    frame["sites_total"] = "40"
    frame["sessions_total"] = [str(per_site[s] + 2) for s in frame["site"]]
    fpc = folder / "fpc.csv"
    frame.to_csv(fpc, index=False)
    return {"weighted": weighted, "fpc": fpc}


@pytest.fixture(scope="module")
def survey_instrument():
    from readiness.instrument import shipped_instrument

    return shipped_instrument()


@pytest.fixture(scope="module")
def clean(files, survey_instrument):
    columns = design_columns("site session", "region", "weight", "sites_total sessions_total")
    frame = read_for_analysis(files["fpc"], survey_instrument, columns).frame
    frame["staff_total"] = 950.0  # the trust's staff, for a one-stage design with an fpc
    return frame


TWO_STAGES = ["--cluster", "site session", "--fpc", "sites_total sessions_total"]
KEEP = ["--weights", "weight", "--strata", "region"]


def _run_json(capsys, *args) -> dict:
    capsys.readouterr()
    assert main(["analyse", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_weights_reach_scale_means_sds_and_medians(clean, survey_instrument):
    plain = analyse(clean, survey_instrument, settings=AnalysisSettings())
    weighted = analyse(
        clean, survey_instrument, settings=AnalysisSettings(cluster="site", weights="weight")
    )
    design = SurveyDesign(clean["site"].to_numpy(), weights=clean["weight"].to_numpy())
    scores = scale_scores(survey_instrument, clean)
    for before, after in zip(plain.scales, weighted.scales, strict=True):
        y = scores[after.id].to_numpy(dtype=float)
        kernel = design_mean(y, design)
        assert after.mean == pytest.approx(kernel.estimate, rel=1e-12)
        assert after.sd == pytest.approx(kernel.sd, rel=1e-12)
        assert after.design["se"] == pytest.approx(kernel.se, rel=1e-12)
        assert after.design["lower"] == pytest.approx(kernel.lower, rel=1e-12)
        assert after.design["df"] == kernel.df == 9
        assert after.median == design_quantile(y, design, 0.5).estimate
        assert after.design["unweighted"]["mean"] == pytest.approx(before.mean, rel=1e-12)
        assert after.n == before.n  # n stays unweighted
        # by group: the domain estimate on the whole design (svyby)
        maternity = clean["discipline"].to_numpy(dtype=float) == 2
        group = design_mean(y, design, domain=maternity)
        assert after.by_group["Maternity"]["mean"] == pytest.approx(group.estimate, rel=1e-12)
        assert after.by_group["Maternity"]["se"] == pytest.approx(group.se, rel=1e-12)
        # reliability is not weighted: identical to the plain run, and said so
        assert after.reliability.raw_alpha == before.reliability.raw_alpha
        assert after.omega_total == before.omega_total
    # the weights matter (maternity staff score higher on some scales)
    pairs = zip(plain.scales, weighted.scales, strict=True)
    assert max(abs(a.mean - b.mean) for a, b in pairs) > 1e-3
    assert weighted.correlations.pairs == plain.correlations.pairs
    conv = weighted.conventions
    assert "reliability (alpha, omega) and correlations between scales" in conv["weighting"]
    assert "weighted and design-based" in conv["weighting"]
    assert conv["reliability"].endswith("; unweighted")
    assert "weighted mean" in conv["scale_scores"]
    assert "weighting" not in plain.conventions  # nothing to say without a design


def test_number_items_get_means_medians_and_totals(clean, survey_instrument):
    res = analyse(
        clean, survey_instrument, settings=AnalysisSettings(cluster="site", weights="weight")
    )
    design = SurveyDesign(clean["site"].to_numpy(), weights=clean["weight"].to_numpy())
    numbers = {n.id: n for n in res.numbers}
    assert set(numbers) == {"years_qualified", "contact_count"}
    x = clean["contact_count"].to_numpy(dtype=float)
    o = numbers["contact_count"].overall
    assert o["mean"] == pytest.approx(design_mean(x, design).estimate, rel=1e-12)
    assert o["total"]["estimate"] == pytest.approx(design_total(x, design).estimate, rel=1e-12)
    assert o["total"]["se"] == pytest.approx(design_total(x, design).se, rel=1e-12)
    assert o["n"] == int((~np.isnan(x)).sum())
    assert o["unweighted"]["mean"] == pytest.approx(np.nanmean(x), rel=1e-12)
    # without a design: the plain summary, no total
    plain = {n.id: n for n in analyse(clean, survey_instrument).numbers}
    assert plain["contact_count"].overall["mean"] == pytest.approx(np.nanmean(x), rel=1e-12)
    assert "total" not in plain["contact_count"].overall
    json.dumps(result_to_json(res), allow_nan=False)


def test_fpc_without_clusters_is_staff_sampled_one_by_one(clean, survey_instrument):
    """A trust that surveyed 782 of its 950 staff: the correction narrows the SEs a lot."""
    settings = AnalysisSettings(fpc="staff_total")
    res = analyse(clean, survey_instrument, settings=settings)
    scores = scale_scores(survey_instrument, clean)
    y = scores["confidence"].to_numpy(dtype=float)
    srs = SurveyDesign(None, fpc=clean["staff_total"].to_numpy(dtype=float))
    scale = next(s for s in res.scales if s.id == "confidence")
    kernel = design_mean(y, srs)
    assert scale.design["se"] == pytest.approx(kernel.se, rel=1e-12)
    infinite = np.nanstd(y, ddof=1) / np.sqrt(np.sum(~np.isnan(y)))
    assert kernel.se == pytest.approx(infinite * np.sqrt(1 - 782 / 950), rel=1e-6)
    assert "respondents sampled one by one" in res.conventions["design"]
    assert "weights from it" in res.conventions["design"]
    # indicators are design-based too, with the correction
    contact = res.indicator("contact_reported").overall
    assert contact.method == "logit (design-based)"


def test_two_stages_with_fpc_match_the_kernel_and_warn_about_tests(clean, survey_instrument):
    settings = AnalysisSettings(cluster="site session", fpc="sites_total sessions_total")
    res = analyse(clean, survey_instrument, settings=settings)
    design = SurveyDesign(
        [clean["site"].to_numpy(), clean["session"].to_numpy()],
        fpc=[clean["sites_total"].to_numpy(float), clean["sessions_total"].to_numpy(float)],
    )
    assert design.variance_stages == 2
    scores = scale_scores(survey_instrument, clean)
    for s in res.scales:
        kernel = design_mean(scores[s.id].to_numpy(dtype=float), design)
        assert s.design["se"] == pytest.approx(kernel.se, rel=1e-12)
    one_stage = analyse(
        clean, survey_instrument, settings=AnalysisSettings(cluster="site", fpc="sites_total")
    )
    assert res.scales[0].design["se"] != pytest.approx(one_stage.scales[0].design["se"])
    assert "site, then session within site" in res.conventions["design"]
    assert not any("several stages" in w for w in res.warnings)
    # the Rao-Scott test and the regression take every stage (survey's multistage variance)
    from readiness.instrument.scoring import indicator_values
    from readiness.stats.comparisons import rao_scott_test

    ind = res.indicators[0]
    values = indicator_values(
        survey_instrument,
        survey_instrument.indicators[0],
        clean,
        scale_scores(survey_instrument, clean),
    )
    labels = {c.code: c.label for c in survey_instrument.item("discipline").choices}
    groups = np.array(
        [labels.get(int(v)) if v == v else None for v in clean["discipline"]], dtype=object
    )
    kernel = rao_scott_test(values, groups, design)
    assert ind.test.method == "Rao-Scott F" and ind.test.note == ""
    assert ind.test.statistic == pytest.approx(kernel.statistic, rel=1e-12)
    assert ind.test.ddf == pytest.approx(kernel.ddf, rel=1e-12)
    assert ind.test.p_value != one_stage.indicators[0].test.p_value
    assert res.regression.fitted and "svyglm" in res.regression.method
    first = {t.term: t.se for t in one_stage.regression.terms}
    assert all(t.se != pytest.approx(first[t.term]) for t in res.regression.terms)


def test_cli_text_names_what_is_weighted_and_what_is_not(files, capsys):
    capsys.readouterr()
    options = ["--cluster", "site", "--weights", "weight", "--strata", "region"]
    assert main(["analyse", str(files["weighted"]), *options]) == 0
    out = capsys.readouterr().out
    assert "Scales, design-based: weighted mean (weighted sd)" in out
    assert "Reliability is not design-based" in out
    assert "unweighted, respondents treated as independent" in out  # correlations
    assert "weighting: weighted and design-based" in out
    assert "Numbers, design-based" in out and "contact_count" in out and "total" in out
    data = _run_json(capsys, files["weighted"], *options)
    assert "alpha" in data["conventions"]["weighting"]
    scale = data["scales"][0]
    assert {"se", "lower", "upper", "deff", "median_lower", "unweighted"} <= set(scale["design"])


def test_cli_two_stages_and_fpc(files, capsys):
    data = _run_json(capsys, files["fpc"], *TWO_STAGES, *KEEP)
    assert data["settings"]["cluster"] == "site session"
    assert data["settings"]["fpc"] == "sites_total sessions_total"
    assert not any("several stages" in w for w in data["warnings"])
    assert data["indicators"][0]["test"]["method"] == "Rao-Scott F"
    assert data["indicators"][0]["test"]["p_value"] > 0
    assert data["regression"]["terms"]
    assert data["scales"][0]["design"]["se"] > 0


def _write(files, tmp_path, name, change) -> str:
    frame = pd.read_csv(files["fpc"], dtype=str, keep_default_na=False)
    change(frame)
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    ("name", "change", "options", "expected"),
    [
        (
            "small.csv",
            lambda f: f.__setitem__("sites_total", "4"),
            TWO_STAGES,
            [
                "column sites_total",
                "stratum 'north' a population size of 4",
                "5 different site values",
                "100%",
            ],
        ),
        (
            "mixed.csv",
            lambda f: f.__setitem__("sessions_total", "0.5"),
            TWO_STAGES,
            ["column sessions_total", "mix the two", "cannot be above 1"],
        ),
        (
            "varies.csv",
            lambda f: f.loc.__setitem__((3, "sessions_total"), "99"),
            TWO_STAGES,
            ["row 4", "differs within site", "one population size"],
        ),
        (
            "blank.csv",
            lambda f: f.loc.__setitem__((6, "sites_total"), ""),
            TWO_STAGES,
            ["row 7", "column sites_total", "no population size (fpc)"],
        ),
        (
            "negative.csv",
            lambda f: f.loc.__setitem__((2, "sites_total"), "-4"),
            TWO_STAGES,
            ["row 3", "not greater than 0"],
        ),
        (
            "count.csv",
            lambda f: None,
            ["--cluster", "site session", "--fpc", "sites_total"],
            ["--fpc names 1 column(s)", "2 stage(s)", "one fpc column per stage"],
        ),
        (
            "missing.csv",
            lambda f: None,
            ["--cluster", "site visit", "--fpc", "sites_total sessions_total"],
            ["--cluster visit", "no column 'visit'"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.endswith(".csv") else "",
)
def test_design_columns_are_validated_with_file_row_column_and_fix(
    files, tmp_path, capsys, name, change, options, expected
):
    path = _write(files, tmp_path, name, change)
    capsys.readouterr()
    assert main(["analyse", path, *options, *KEEP]) == 1
    captured = capsys.readouterr()
    err = captured.err + captured.out
    assert name in err or "no column" in err
    for text in expected:
        assert text in err, (text, err)
    assert "Fix" in err or "fix" in err


def test_strata_and_weights_without_clusters_need_fpc(clean, survey_instrument):
    with pytest.raises(ReadinessError, match="need a cluster column.*or --fpc"):
        analyse(clean, survey_instrument, settings=AnalysisSettings(weights="weight"))
    res = analyse(
        clean,
        survey_instrument,
        settings=AnalysisSettings(weights="weight", strata="region", fpc="staff_total"),
    )
    assert res.settings.weighted and res.scales[0].design is not None


def test_lonely_psu_option_reaches_the_design(clean, survey_instrument):
    # region "south" with one site: fails by default, and "adjust" analyses
    one = clean[(clean["site"] <= "T05") | (clean["site"] == "T06")]
    settings = AnalysisSettings(cluster="site", strata="region")
    with pytest.raises(ReadinessError, match="only one cluster"):
        analyse(one, survey_instrument, settings=settings)
    res = analyse(
        one,
        survey_instrument,
        settings=AnalysisSettings(cluster="site", strata="region", lonely_psu="adjust"),
    )
    assert res.scales[0].design["se"] > 0


def test_report_says_the_same_as_analyse(files, tmp_path, capsys):
    """`readiness report` with the same options: design in words, weighted scale means in
    Table 4a with a note, and the unweighted reliability said plainly."""
    import lxml.html

    out = tmp_path / "report.html"
    options = [*TWO_STAGES, *KEEP]
    capsys.readouterr()
    assert main(["report", str(files["fpc"]), "--out", str(out), *options]) == 0
    data = _run_json(capsys, files["fpc"], *options)
    doc = lxml.html.fromstring(out.read_text(encoding="utf-8"))

    def words(element) -> str:
        return " ".join(element.text_content().split())

    methods = words(doc.xpath("//section[@aria-labelledby='methods']")[0])
    assert (
        "design-based, with site as clusters, then session within site, strata region, "
        "weights weight, finite population correction sites_total, sessions_total" in methods
    )
    assert "scale means, SDs and medians are weighted and design-based" in methods
    assert "alpha, omega and the correlations are not" in methods
    assert "not yet available" not in methods  # the Rao-Scott test takes both stages
    table = next(t for t in doc.iter("table") if words(t.find("caption")).startswith("Table 4a."))
    scale = data["scales"][0]
    cells = [words(c) for c in table.xpath(".//tbody/tr[1]/*")]
    assert f"{scale['mean']:.2f} ({scale['sd']:.2f})" in cells
    assert scale["design"]["unweighted"]["mean"] != pytest.approx(scale["mean"], abs=1e-9)
    notes = words(table.getparent()) if table.getparent() is not None else ""
    assert "Mean (SD): weighted mean" in notes and "Not design-based: α" in notes
