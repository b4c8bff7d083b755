"""The `readiness proportion` command (checked against the R fixtures of design.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from readiness.cli.proportion import proportion
from readiness.errors import DesignError, ProblemsError
from readiness.stats.proportions import clopper_pearson_interval, wilson_interval

REF = Path(__file__).parents[1] / "reference" / "fixtures"
DESIGN = json.loads((REF / "design.json").read_text())
COMPARISONS = json.loads((REF / "comparisons.json").read_text())


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> Path:
    frame = pd.DataFrame(DESIGN["data"])
    path = tmp_path_factory.mktemp("proportion") / "survey.csv"
    frame.to_csv(path, index=False)
    return path


def run(*args):
    return CliRunner().invoke(proportion, [str(a) for a in args])


def run_json(*args) -> dict:
    res = run(*args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_simple_json(survey) -> None:
    out = run_json(survey, "--var", "trained", "--by", "discipline")
    y = pd.read_csv(survey)["trained"]
    n, count = int(y.notna().sum()), int(y.sum())
    ref = wilson_interval(count, n)
    assert out["overall"]["n"] == n and out["overall"]["count"] == count
    assert out["overall"]["lower"] == pytest.approx(ref.lower)
    assert out["method"] == "wilson" and out["design"] is None
    assert [g["group"] for g in out["groups"]] == [
        "Allied health",
        "Dental",
        "Medicine",
        "Midwifery",
        "Nursing",
    ]
    assert out["missing_answers"] == 31 and out["missing_group"] == 6
    test = out["test"]
    # the 4-person Dental group gives expected counts below 5, so Fisher's exact test is the
    # test (as in `readiness analyse`); Pearson's chi-square is kept beside it for reference
    assert test["min_expected"] < 5
    want = COMPARISONS["tables"]["discipline_by_trained"]
    assert test["test"] == "Fisher's exact test"
    assert test["p_value"] == pytest.approx(want["fisher_p"], rel=1e-6, abs=0.0)
    assert test["fisher_p_value"] == test["p_value"]
    assert test["pearson"]["df"] == 4
    assert test["pearson"]["statistic"] == pytest.approx(want["chisq"]["statistic"], abs=1e-6)
    assert test["pearson"]["p_value"] == pytest.approx(want["chisq"]["p_value"], rel=1e-6, abs=0.0)
    assert "statistic" not in test and "df" not in test


def test_interval_choice(survey) -> None:
    out = run_json(survey, "--var", "trained", "--interval", "clopper-pearson")
    o = out["overall"]
    assert o["lower"] == pytest.approx(clopper_pearson_interval(o["count"], o["n"]).lower)
    assert out["method"] == "clopper-pearson" and out["test"] is None


def test_design_based_json_matches_r(survey) -> None:
    out = run_json(
        survey,
        "--var",
        "trained",
        "--by",
        "discipline",
        "--cluster",
        "trust",
        "--strata",
        "region",
        "--weights",
        "weight",
    )
    case = next(
        r
        for r in DESIGN["results"]
        if r["design"] == "stratified" and r["variable"] == "trained" and r["conf_level"] == 0.95
    )
    assert out["method"] == "logit"
    assert out["design"]["clusters"] == 10 and out["design"]["df"] == 7
    o, want = out["overall"], case["overall"]
    for key in ("lower", "upper", "se"):
        assert o[key] == pytest.approx(want[key], abs=1e-6)
    assert o["proportion"] == pytest.approx(want["estimate"], abs=1e-6)
    assert o["deff"] == pytest.approx(want["deff_replace"], abs=1e-6)
    for g in out["groups"]:
        want = case["groups"][g["group"]]
        assert g["proportion"] == pytest.approx(want["estimate"], abs=1e-6)
        assert g["se"] == pytest.approx(want["se"], abs=1e-6)
    rs = next(
        r
        for r in COMPARISONS["rao_scott"]
        if r["design"] == "stratified" and r["y"] == "trained" and r["group"] == "discipline"
    )
    assert out["test"]["statistic"] == pytest.approx(rs["f"]["statistic"], abs=1e-6)
    assert out["test"]["p_value"] == pytest.approx(rs["f"]["p_value"], rel=1e-6, abs=0.0)
    assert out["test"]["ddf"] == pytest.approx(rs["f"]["ddf"], abs=1e-6)


def test_design_based_text_says_so(survey) -> None:
    res = run(survey, "--var", "trained", "--by", "discipline", "--cluster", "trust")
    assert res.exit_code == 0, res.output
    assert "Design-based" in res.output and "logit" in res.output
    assert "SE %" in res.output and "deff" in res.output
    assert "Rao-Scott F" in res.output
    assert "fewer than 5 respondents in Dental" in res.output


def test_simple_text(survey) -> None:
    res = run(survey, "--var", "trained", "--by", "discipline")
    assert res.exit_code == 0, res.output
    assert "Wilson score intervals" in res.output
    assert "Fisher's exact test: p" in res.output and "Pearson's chi-square" in res.output
    assert "31 respondent(s) did not answer" in res.output


def test_text_answers_and_success_code(tmp_path) -> None:
    path = tmp_path / "answers.csv"
    pd.DataFrame({"q": ["Yes", "No", "yes", "", "No", "No"], "site": list("aabbcc")}).to_csv(
        path, index=False
    )
    out = run_json(path, "--var", "q")
    assert out["success"] == "Yes" and out["overall"]["count"] == 2 and out["overall"]["n"] == 5
    out = run_json(path, "--var", "q", "--success", "no")
    assert out["overall"]["count"] == 3


def _problems(res) -> str:
    assert res.exit_code != 0
    assert isinstance(res.exception, ProblemsError | DesignError), res.output
    return str(res.exception)


def test_unknown_columns_list_the_available_ones(survey) -> None:
    msg = _problems(run(survey, "--var", "trianed", "--by", "disc"))
    assert "no column 'trianed'" in msg and "no column 'disc'" in msg
    assert "trust, region, weight, discipline, trained" in msg


def test_not_binary(survey) -> None:
    msg = _problems(run(survey, "--var", "region"))
    assert "not binary" in msg and "'North'" in msg


def test_success_code_absent(survey) -> None:
    msg = _problems(run(survey, "--var", "trained", "--success", "2"))
    assert "does not occur" in msg and "values are" in msg


def test_bad_weights_name_row_and_column(tmp_path) -> None:
    frame = pd.DataFrame(DESIGN["data"])
    frame["weight"] = frame["weight"].astype(object)
    frame.loc[4, "weight"] = "heavy"
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    msg = _problems(run(path, "--var", "trained", "--cluster", "trust", "--weights", "weight"))
    assert "row 5, column weight" in msg and "'heavy'" in msg


def test_cluster_with_one_value(tmp_path) -> None:
    path = tmp_path / "one.csv"
    pd.DataFrame({"y": [1, 0, 1, 0], "site": ["A"] * 4}).to_csv(path, index=False)
    msg = _problems(run(path, "--var", "y", "--cluster", "site"))
    assert "same value" in msg and "leave out --cluster" in msg


def test_lonely_psu(tmp_path) -> None:
    frame = pd.DataFrame(DESIGN["data"])
    frame = frame[frame["trust"].isin(DESIGN["lonely_trusts"])]
    path = tmp_path / "lonely.csv"
    frame.to_csv(path, index=False)
    args = [path, "--var", "trained", "--cluster", "trust", "--strata", "region"]
    msg = _problems(run(*args))
    assert "'South' has only one cluster" in msg
    out = run_json(*args, "--lonely-psu", "adjust")
    assert out["design"]["lonely_psu"] == "adjust"


def test_strata_need_a_cluster(survey) -> None:
    res = run(survey, "--var", "trained", "--strata", "region")
    assert res.exit_code == 2 and "need --cluster" in res.output


def test_registered_in_the_main_command(survey, capsys) -> None:
    from readiness.cli import main

    assert main(["proportion", str(survey), "--var", "trained", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["variable"] == "trained"
    assert main(["proportion", str(survey), "--var", "nope", "--json"]) == 1
    err = json.loads(capsys.readouterr().out)
    assert "problem" in err["error"] and err["problems"][0]["column"] == "nope"


def test_group_without_answers(tmp_path) -> None:
    path = tmp_path / "g.csv"
    pd.DataFrame(
        {
            "y": [1, 0, 1, 0, np.nan, np.nan, 1, 0],
            "g": ["a", "a", "b", "b", "c", "c", "a", "b"],
            "site": list("xyxyxyzz"),
        }
    ).to_csv(path, index=False)
    for extra in ([], ["--cluster", "site"]):
        out = run_json(path, "--var", "y", "--by", "g", *extra)
        assert out["groups"][2] == {"group": "c", "count": 0, "n": 0, "note": "no answers"}
        res = run(path, "--var", "y", "--by", "g", *extra)
        assert res.exit_code == 0 and "no answers" in res.output


def test_small_expected_counts_switch_to_fisher_in_the_text(survey) -> None:
    res = run(survey, "--var", "trained", "--by", "discipline")
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("Test of difference"))
    assert "Fisher's exact test: p = " in line and "Pearson" not in line
    assert "so Fisher's exact test is used instead of Pearson's chi-square" in res.output
    assert "prefer Fisher" not in res.output


def test_few_respondents_overall_are_noted(tmp_path) -> None:
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"yes": [1, 0, 1, 1], "unit": ["A", "A", "B", "B"]}).to_csv(path, index=False)
    res = run(path, "--var", "yes", "--by", "unit")
    assert res.exit_code == 0, res.output
    assert "fewer than 5 respondents in All, A, B: suppress before sharing." in res.output
    res = run(path, "--var", "yes")
    assert "fewer than 5 respondents in All: suppress before sharing." in res.output


def test_large_expected_counts_keep_pearson(tmp_path) -> None:
    path = tmp_path / "even.csv"
    yes = [1] * 20 + [0] * 20 + [1] * 10 + [0] * 30
    pd.DataFrame({"yes": yes, "unit": ["A"] * 40 + ["B"] * 40}).to_csv(path, index=False)
    out = run_json(path, "--var", "yes", "--by", "unit")
    assert out["test"]["test"] == "Pearson chi-square (no continuity correction)"
    assert out["test"]["df"] == 1 and "note" not in out["test"]
    res = run(path, "--var", "yes", "--by", "unit")
    assert "Pearson chi-square (no continuity correction): X-squared = 5.333, df = 1" in res.output
    assert "Fisher" not in res.output
