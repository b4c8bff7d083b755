"""`readiness analyse` and `readiness report` weighted to staff counts (--rake, --poststratify):
every design-based figure uses the weighted design, the output says which counts and margins
were used, and the counts file may name the answers by their codes or their labels."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from readiness.analysis import AnalysisSettings, analyse
from readiness.analysis.read import read_for_analysis
from readiness.analysis.survey import _group_test, build_design
from readiness.cli import main
from readiness.errors import ProblemsError, ReadinessError
from readiness.instrument.scoring import indicator_values, scale_scores
from readiness.stats.calibration import (
    Margin,
    calibrated_proportion,
    post_stratify,
    rake,
    survey_mean,
)
from readiness.stats.comparisons import fisher_exact_test, rao_scott_test
from readiness.stats.design import SurveyDesign
from readiness.stats.glm import fit_regression

DISCIPLINE = {
    "Emergency medicine": 400,
    "Maternity": 300,
    "Mental health": 350,
    "Paediatrics": 250,
    "Other clinical": 700,
}
CODES = dict(zip(DISCIPLINE, range(1, 6), strict=True))


@pytest.fixture(scope="module")
def survey_instrument():
    from readiness.instrument import shipped_instrument

    return shipped_instrument()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The demo cohort, and staff counts: by discipline (labels) and site for raking, the same
    with discipline as codes, and a table of discipline by site cells."""
    folder = tmp_path_factory.mktemp("weighting")
    cohort = folder / "cohort.csv"
    assert main(["demo-data", "--out", str(cohort)]) == 0
    sites = sorted(pd.read_csv(cohort, dtype=str)["site"].unique())
    labels = ["variable,level,count"] + [f"discipline,{d},{c}" for d, c in DISCIPLINE.items()]
    labels += [f"site,{s},200" for s in sites]
    codes = [line if not line.startswith("discipline,") else _as_code(line) for line in labels]
    cells = ["discipline,site,count"] + [
        f"{d},{s},{c // len(sites) + 3 * k}"
        for d, c in DISCIPLINE.items()
        for k, s in enumerate(sites)
    ]
    out = {"cohort": cohort}
    for name, lines in (("labels", labels), ("codes", codes), ("cells", cells)):
        out[name] = folder / f"{name}.csv"
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _as_code(line: str) -> str:
    _, label, count = line.split(",")
    return f"discipline,{CODES[label]},{count}"


@pytest.fixture(scope="module")
def frame(files, survey_instrument):
    return read_for_analysis(files["cohort"], survey_instrument).frame


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    names = {v: k for k, v in CODES.items()}
    return pd.DataFrame(
        {"discipline": [names[int(v)] for v in frame["discipline"]], "site": frame["site"]}
    )


def _margins(frame) -> list[Margin]:
    sites = sorted(frame["site"].unique())
    return [Margin.of("discipline", DISCIPLINE), Margin.of("site", dict.fromkeys(sites, 200))]


def _groups(survey_instrument, frame) -> np.ndarray:
    labels = {c.code: c.label for c in survey_instrument.item("discipline").choices}
    return np.array([labels[int(v)] for v in frame["discipline"]], dtype=object)


def test_raking_reaches_every_design_based_figure(files, frame, survey_instrument):
    settings = AnalysisSettings(cluster="site", rake=str(files["labels"]))
    res = analyse(frame, survey_instrument, settings=settings)
    base = SurveyDesign(frame["site"].astype(str).to_numpy())
    weighted = rake(base, _labelled(frame), _margins(frame))
    assert res.weighting["method"] == "raking"
    assert res.weighting["description"] == weighted.record.describe()
    np.testing.assert_allclose(weighted.weights.sum(), 2000)
    scores = scale_scores(survey_instrument, frame)
    groups = _groups(survey_instrument, frame)
    for ind, result in zip(survey_instrument.indicators, res.indicators, strict=True):
        y = indicator_values(survey_instrument, ind, frame, scores)
        kernel = calibrated_proportion(y, weighted)
        assert result.overall.percent == pytest.approx(100 * kernel.estimate, rel=1e-12)
        assert result.overall.lower == pytest.approx(100 * kernel.lower, rel=1e-12)
        maternity = calibrated_proportion(y, weighted, domain=groups == "Maternity")
        assert result.by_group["Maternity"].upper == pytest.approx(100 * maternity.upper, rel=1e-12)
        test = rao_scott_test(y, groups, weighted)
        assert result.test.statistic == pytest.approx(test.statistic, rel=1e-12)
        assert result.test.p_value == pytest.approx(test.p_value, rel=1e-9)
    for scale in res.scales:
        kernel = survey_mean(scores[scale.id].to_numpy(dtype=float), weighted)
        assert scale.mean == pytest.approx(kernel.estimate, rel=1e-12)
        assert scale.design["se"] == pytest.approx(kernel.se, rel=1e-12)
        assert scale.mean != pytest.approx(scale.design["unweighted"]["mean"], rel=1e-6)
    X = pd.DataFrame(
        {
            "discipline": pd.Categorical(groups, categories=list(DISCIPLINE)),
            "trained": pd.to_numeric(frame["training_prior"]),
            "years": pd.to_numeric(frame["years_qualified"]),
        }
    )
    fit = fit_regression(
        frame["contact_ever"].to_numpy(dtype=float),
        X,
        weighted,
        reference={"discipline": "Emergency medicine"},
    )
    terms = {t.term: t for t in res.regression.terms}
    assert terms["trained"].se == pytest.approx(fit["trained"].se, rel=1e-9)
    assert "after weighting to the staff counts" in res.regression.errors


def test_codes_or_labels_give_the_same_weights_and_say_which(files, frame, survey_instrument):
    by_label = analyse(
        frame, survey_instrument, settings=AnalysisSettings(rake=str(files["labels"]))
    )
    by_code = analyse(frame, survey_instrument, settings=AnalysisSettings(rake=str(files["codes"])))
    assert by_label.weighting["levels_as"] == {"discipline": "labels", "site": "values"}
    assert by_code.weighting["levels_as"] == {"discipline": "codes", "site": "values"}
    assert "discipline levels given as choice labels" in by_label.conventions["staff_counts"]
    assert "discipline levels given as codes" in by_code.conventions["staff_counts"]
    for a, b in zip(by_label.indicators, by_code.indicators, strict=True):
        assert a.overall.percent == pytest.approx(b.overall.percent, rel=1e-12)
        assert a.overall.se == pytest.approx(b.overall.se, rel=1e-12)
    # without --cluster respondents are the sampling units (R's ids = ~1)
    assert "respondents sampled one by one" in by_label.conventions["design"]
    assert by_label.indicators[0].overall.method == "logit (design-based)"


def test_poststratify_a_table_of_cells_with_two_stages_and_fpc(files, frame, survey_instrument):
    data = frame.copy()
    per_site = data.groupby("site")["session"].nunique()
    data["sites_total"] = 40.0
    data["sessions_total"] = [float(per_site[s] + 2) for s in data["site"]]
    settings = AnalysisSettings(
        cluster="site session",
        fpc="sites_total sessions_total",
        poststratify=str(files["cells"]),
    )
    res = analyse(data, survey_instrument, settings=settings)
    base = SurveyDesign(
        [data["site"].to_numpy(), data["session"].to_numpy()],
        fpc=[data["sites_total"].to_numpy(), data["sessions_total"].to_numpy()],
    )
    cells = pd.read_csv(files["cells"])
    margin = Margin.of(
        ("discipline", "site"),
        {(d, s): c for d, s, c in cells.itertuples(index=False)},
    )
    weighted = post_stratify(base, _labelled(data), margin)
    assert res.weighting["method"] == "post-stratification"
    assert res.weighting["description"].startswith("post-stratified by discipline x site (")
    scores = scale_scores(survey_instrument, data)
    y = indicator_values(survey_instrument, survey_instrument.indicators[0], data, scores)
    kernel = calibrated_proportion(y, weighted)
    assert res.indicators[0].overall.se == pytest.approx(100 * kernel.se, rel=1e-12)
    test = rao_scott_test(y, _groups(survey_instrument, data), weighted)
    assert res.indicators[0].test.ddf == pytest.approx(test.ddf, rel=1e-12)
    assert res.regression.fitted


def test_counts_that_do_not_fit_name_the_file_row_and_level(
    files, frame, survey_instrument, tmp_path
):
    text = files["labels"].read_text(encoding="utf-8")
    cases = {
        "typo": (
            text.replace("Maternity", "Midwives"),
            2,
            "'Midwives' is neither a code nor a label",
        ),
        "mixed": (text.replace("Maternity", "2"), 2, "'2' is a code, but the other levels"),
        "column": (text + "grade,A,10\n", 16, "no column 'grade'"),
    }
    for name, (content, row, words) in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ProblemsError) as err:
            analyse(frame, survey_instrument, settings=AnalysisSettings(rake=str(path)))
        problem = err.value.problems[0]
        assert problem.file == str(path) and words in problem.message, name
        assert problem.row == row, name  # data rows of the counts file, header not counted
        assert problem.column == ("variable" if name == "column" else "level"), name
    with pytest.raises(ProblemsError, match="takes one table of counts"):
        analyse(
            frame, survey_instrument, settings=AnalysisSettings(poststratify=str(files["labels"]))
        )
    with pytest.raises(ReadinessError, match="not both"):
        _ = AnalysisSettings(rake="a.csv", poststratify="b.csv").weighting


def test_a_respondent_without_a_discipline_is_named_in_the_responses(
    files, frame, survey_instrument
):
    data = frame.copy()
    data.loc[4, "discipline"] = np.nan
    with pytest.raises(ProblemsError) as err:
        analyse(
            data,
            survey_instrument,
            settings=AnalysisSettings(rake=str(files["labels"])),
            data_name="cohort.csv",
        )
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("cohort.csv", 5, "discipline")


def test_cli_text_json_and_report_say_which_counts_and_margins(files, capsys, tmp_path):
    cohort, counts = str(files["cohort"]), str(files["labels"])
    capsys.readouterr()
    assert main(["analyse", cohort, "--cluster", "site", "--rake", counts]) == 0
    out = capsys.readouterr().out
    assert (
        f"staff_counts: weighted to the staff counts in {counts} (survey::rake): raked to " in out
    )
    assert "discipline (5 levels) and site (10 levels); converged after" in out
    assert f"Weighted to the staff counts in {counts} (raking, survey::rake):" in out
    assert "  discipline: Emergency medicine 400 (" in out
    assert main(["analyse", cohort, "--rake", counts, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["rake"] == counts
    assert data["weighting"]["margins"][0]["variables"] == ["discipline"]
    assert data["weighting"]["margins"][0]["population"] == list(map(float, DISCIPLINE.values()))
    assert main(["analyse", cohort, "--rake", counts, "--poststratify", counts]) == 2
    assert "not both" in capsys.readouterr().err

    import lxml.html

    html = tmp_path / "report.html"
    assert main(["report", cohort, "--out", str(html), "--rake", counts]) == 0
    assert "raked to discipline (5 levels) and site (10 levels)" in capsys.readouterr().out
    doc = lxml.html.fromstring(html.read_text(encoding="utf-8"))
    methods = " ".join(doc.xpath("//section[@aria-labelledby='methods']")[0].text_content().split())
    assert "Weighting to the workforce (R's survey::rake): raked to discipline" in methods
    assert f"The staff counts come from {counts}: discipline: Emergency medicine 400," in methods
    assert "discipline levels given as choice labels" in methods
    assert "weights raked to the staff counts in" in methods


# --- the tests across groups ---------------------------------------------------------------------


def test_rao_scott_keeps_a_group_whose_members_never_answered(frame, survey_instrument):
    data = frame.copy()
    ind = survey_instrument.indicator("prior_training")
    item = "training_prior"
    data.loc[data["discipline"] == 2, item] = np.nan  # nobody in maternity answered
    res = analyse(data, survey_instrument, settings=AnalysisSettings(cluster="site"))
    result = res.indicator("prior_training")
    assert result.by_group["Maternity"].n == 0
    y = indicator_values(survey_instrument, ind, data, scale_scores(survey_instrument, data))
    design = build_design(data, AnalysisSettings(cluster="site"))
    kernel = rao_scott_test(y, _groups(survey_instrument, data), design)
    assert kernel.empty_columns == ("Maternity",)
    assert result.test.statistic == pytest.approx(kernel.statistic, rel=1e-12)
    assert result.test.df == pytest.approx(kernel.ndf, rel=1e-12)
    assert "Maternity" in result.test.note and "svychisq" in result.test.note
    from readiness.cli.analyse import _test

    assert _test(result.test).endswith(
        "; kept as an empty level, as R's svychisq keeps it: Maternity (nobody in it answered)"
    )
    # blanking the group first (the old way) drops the level and gives another test
    blanked = np.where(np.isnan(y), None, _groups(survey_instrument, data))
    other = rao_scott_test(y, blanked, design)
    assert other.ndf != pytest.approx(kernel.ndf)


def test_fisher_names_a_simulated_p_and_its_replicates():
    from pathlib import Path

    fixture = json.loads(
        (Path(__file__).parents[1] / "reference/fixtures/comparisons.json").read_text()
    )
    table = np.asarray(fixture["fisher_large"]["table"])  # 64 sites by yes / no
    values, groups = [], []
    for i, (yes, no) in enumerate(table):
        values += [1.0] * int(yes) + [0.0] * int(no)
        groups += [f"s{i:02d}"] * int(yes + no)
    values, groups = np.array(values), np.array(groups, dtype=object)
    masks = [groups == f"s{i:02d}" for i in range(len(table))]
    test = _group_test(values, masks, None, groups)
    assert test.method == "Fisher's exact test with simulated p-value (based on 2000 replicates)"
    assert test.p_value == fisher_exact_test(table).p_value
    small = _group_test(values[:40], [m[:40] for m in masks[:3]], None, groups[:40])
    assert small.method in ("Fisher's exact test", "Pearson chi-square")


def test_conventions_say_what_alpha_n_counts(frame, survey_instrument):
    data = frame.copy()
    items = list(survey_instrument.scale("confidence").items)
    data.loc[:2, items] = np.nan  # three respondents answered none of the scale's items
    pairwise = analyse(data, survey_instrument, settings=AnalysisSettings(regression=False))
    assert (
        "every respondent, those who answered none of the scale's items included"
        in (pairwise.conventions["alpha_n"])
    )
    scale = next(s for s in pairwise.scales if s.id == "confidence")
    assert scale.reliability.n == len(data)
    assert scale.reliability.alpha.n_blank >= 3
    listwise = analyse(
        data, survey_instrument, settings=AnalysisSettings(missing="listwise", regression=False)
    )
    assert "listwise" in listwise.conventions["alpha_n"]
    scale = next(s for s in listwise.scales if s.id == "confidence")
    assert scale.reliability.n <= len(data) - 3
