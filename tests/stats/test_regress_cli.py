"""The `readiness regress` command, checked against R (tests/reference/regress.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from readiness.cli.regress import NEST_WARNING, regress
from readiness.errors import ProblemsError, StatsError

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "regress.json").read_text()
)
POP = FIXTURE["population"]


def fit(design: str, model: str, reference: str = "E", level: float = 0.95) -> dict:
    return next(
        f
        for f in FIXTURE["fits"]
        if (f["design"], f["model"], f["reference"], f["conf_level"])
        == (design, model, reference, level)
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("regress")
    out = {}
    for name, columns in FIXTURE["data"].items():
        out[name] = folder / f"{name}.csv"
        pd.DataFrame(columns).to_csv(out[name], index=False)
    margins = ["variable,level,count"]
    for var in ("stype", "sch.wide"):
        margins += [
            f"{var},{lev},{c}" for lev, c in zip(POP[var]["level"], POP[var]["count"], strict=True)
        ]
    out["margins"] = folder / "staff.csv"
    out["margins"].write_text("\n".join(margins) + "\n")
    cells = ["stype,sch.wide,count"] + [
        f"{s},{w},{c}"
        for s, w, c in zip(
            POP["cross"]["stype"], POP["cross"]["sch.wide"], POP["cross"]["count"], strict=True
        )
    ]
    out["cells"] = folder / "cells.csv"
    out["cells"].write_text("\n".join(cells) + "\n")
    return out


def run(*args):
    return CliRunner().invoke(regress, [str(a) for a in args])


def run_json(*args) -> dict:
    res = run(*args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def assert_matches(out: dict, ref: dict) -> None:
    rows = out["coefficients"]
    assert [r["term"] for r in rows] == ref["term"]
    assert out["n"] == ref["n"] and out["df_residual"] == ref["df_residual"]
    for key in ("estimate", "se", "statistic", "lower", "upper"):
        np.testing.assert_allclose([r[key] for r in rows], ref[key], atol=1e-6, rtol=0)
    np.testing.assert_allclose([r["p_value"] for r in rows], ref["p_value"], rtol=1e-6)


COMMON = ("--predictors", "ell meals stype")


def test_logistic_with_cluster_design_gives_odds_ratios(files) -> None:
    out = run_json(files["apiclus1"], "--outcome", "met", *COMMON, "--cluster", "dnum",
                   "--weights", "pw")  # fmt: skip
    ref = fit("clus1", "logistic")
    assert_matches(out, ref)
    np.testing.assert_allclose(
        [r["odds_ratio"] for r in out["coefficients"]], np.exp(ref["estimate"]), rtol=1e-6
    )
    np.testing.assert_allclose(
        [r["or_upper"] for r in out["coefficients"]], np.exp(ref["upper"]), rtol=1e-6
    )
    assert out["family"] == "logistic" and out["statistic"] == "t"
    assert out["design"]["clusters"] == 15 and out["weighting"] is None
    assert out["reference"] == {"stype": "E"}
    assert out["warnings"] == []


def test_yes_no_outcome_is_read_as_one_and_zero(files) -> None:
    out = run_json(files["apiclus1"], "--outcome", "sch.wide", *COMMON, "--cluster", "dnum",
                   "--weights", "pw")  # fmt: skip
    assert out["success"] == "Yes"
    assert_matches(out, fit("clus1", "logistic"))


def test_linear_with_strata_reference_and_level(files) -> None:
    out = run_json(files["apistrat"], "--outcome", "api00", *COMMON, "--family", "linear",
                   "--strata", "stype", "--weights", "pw", "--reference", "stype=M",
                   "--conf-level", "0.9")  # fmt: skip
    assert_matches(out, fit("strat", "linear", "M", 0.9))
    assert out["reference"] == {"stype": "M"}
    assert all("odds_ratio" not in r for r in out["coefficients"])


@pytest.mark.parametrize("family", ["logistic", "linear"])
def test_without_a_design_it_is_glm_or_lm(files, family) -> None:
    outcome = "met" if family == "logistic" else "api00"
    out = run_json(files["apiclus1"], "--outcome", outcome, *COMMON, "--family", family)
    assert_matches(out, fit("none_clus1", family))
    assert out["design"] is None
    assert out["statistic"] == ("z" if family == "logistic" else "t")


def test_listwise_deletion_is_counted_and_printed(files) -> None:
    args = (files["apiclus1"], "--outcome", "api00", "--predictors", "ell meals stype acs.46",
            "--family", "linear", "--cluster", "dnum", "--weights", "pw")  # fmt: skip
    out = run_json(*args)
    assert_matches(out, fit("clus1", "linear_missing"))
    assert (out["n"], out["n_dropped"], out["n_rows"]) == (157, 26, 183)
    text = run(*args).output
    assert "157 of 183 respondents used; 26 left out for a missing value" in text


def test_clusters_repeating_across_strata_warn_unless_nest(files) -> None:
    args = (files["apistrat"], "--outcome", "met", *COMMON, "--cluster", "dnum", "--strata",
            "stype", "--weights", "pw")  # fmt: skip
    out = run_json(*args)
    assert_matches(out, fit("strat_nest", "logistic"))
    (warning,) = out["warnings"]
    assert NEST_WARNING in warning and "dnum" in warning and "stype" in warning
    assert "nest=TRUE" in FIXTURE["nest_error"] and "nest = TRUE" in NEST_WARNING
    res = run(*args)
    assert res.exit_code == 0 and f"Warning: {warning}" in res.output
    nested = run_json(*args, "--nest")
    assert nested["warnings"] == [] and nested["design"]["nest"] is True
    assert nested["coefficients"] == out["coefficients"]


def test_no_warning_when_clusters_are_nested(files) -> None:
    frame = pd.read_csv(files["apistrat"])
    frame["district"] = frame["stype"] + "-" + frame["dnum"].astype(str)
    path = files["apistrat"].with_name("nested.csv")
    frame.to_csv(path, index=False)
    out = run_json(path, "--outcome", "met", *COMMON, "--cluster", "district", "--strata",
                   "stype", "--weights", "pw")  # fmt: skip
    # labels made unique within strata give the same (nested) result without a warning
    assert out["warnings"] == []
    assert_matches(out, fit("strat_nest", "logistic"))


def test_rake_to_staff_counts(files) -> None:
    out = run_json(files["apiclus1"], "--outcome", "api00", *COMMON, "--family", "linear",
                   "--cluster", "dnum", "--weights", "pw", "--rake", files["margins"])  # fmt: skip
    assert_matches(out, fit("clus1_raked", "linear"))
    weighting = out["weighting"]
    assert weighting["method"] == "raking" and weighting["file"] == str(files["margins"])
    assert [m["variables"] for m in weighting["margins"]] == [["stype"], ["sch.wide"]]
    assert weighting["margins"][0]["population"] == [4421, 755, 1018]
    assert weighting["converged"] is True
    text = run(files["apiclus1"], "--outcome", "api00", *COMMON, "--family", "linear",
               "--cluster", "dnum", "--weights", "pw", "--rake", files["margins"]).output  # fmt: skip
    assert "raked to stype (3 levels) and sch.wide (2 levels)" in text
    assert "stype: E 4421, H 755, M 1018" in text


def test_poststratify_by_crossed_cells(files) -> None:
    out = run_json(files["apistrat"], "--outcome", "met", *COMMON, "--strata", "stype",
                   "--weights", "pw", "--poststratify", files["cells"])  # fmt: skip
    assert_matches(out, fit("strat_poststratified", "logistic"))
    assert out["weighting"]["margins"][0]["variables"] == ["stype", "sch.wide"]
    assert out["weighting"]["description"] == "post-stratified by stype x sch.wide (6 cells)"


def test_poststratify_needs_one_table(files) -> None:
    res = run(files["apiclus1"], "--outcome", "met", *COMMON, "--poststratify", files["margins"])
    assert isinstance(res.exception, ProblemsError)
    assert "--rake" in str(res.exception) and str(files["margins"]) in str(res.exception)


def test_margins_with_an_unknown_level_name_the_row(files, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("variable,level,count\nstype,E,4421\nstype,H,755\nstype,M,1018\nstype,X,3\n")
    res = run(files["apiclus1"], "--outcome", "met", *COMMON, "--rake", bad)
    assert isinstance(res.exception, ProblemsError)
    (problem,) = res.exception.problems
    assert (problem.file, problem.row, problem.column) == (str(bad), 4, "level")


def test_text_report(files) -> None:
    res = run(files["apiclus1"], "--outcome", "met", *COMMON, "--cluster", "dnum",
              "--weights", "pw")  # fmt: skip
    assert res.exit_code == 0, res.output
    text = res.output
    assert text.startswith("Logistic regression of met on ell, meals and stype")
    assert "15 clusters (dnum), weights pw" in text
    assert "183 respondents used (none left out)" in text
    assert "Reference level: stype = E." in text
    assert "odds ratio" in text and "95% interval" in text
    ref = fit("clus1", "logistic")
    line = next(x for x in text.splitlines() if x.startswith("stypeH"))
    assert f"{np.exp(ref['estimate'][3]):.3f}" in line


def test_categorical_numeric_codes(files, tmp_path) -> None:
    frame = pd.read_csv(files["apiclus1"])
    frame["type"] = frame["stype"].map({"E": 1, "H": 2, "M": 3})
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    out = run_json(path, "--outcome", "met", "--predictors", "ell meals type", "--categorical",
                   "type", "--cluster", "dnum", "--weights", "pw")  # fmt: skip
    assert [r["term"] for r in out["coefficients"]][-2:] == ["type2", "type3"]
    ref = fit("clus1", "logistic")
    np.testing.assert_allclose([r["estimate"] for r in out["coefficients"]], ref["estimate"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--outcome", "nope", *COMMON), "no column 'nope'"),
        (("--outcome", "met", "--predictors", "ell nope"), "no column 'nope'"),
        (("--outcome", "stype", *COMMON[:1], "ell meals"), "--success"),
        (("--outcome", "stype", "--predictors", "ell", "--family", "linear"), "not a number"),
        (("--outcome", "met", *COMMON, "--weights", "stype"), "positive number"),
    ],
)
def test_input_errors(files, args, message) -> None:
    res = run(files["apiclus1"], *args)
    assert isinstance(res.exception, ProblemsError | StatsError), res.output
    assert message in str(res.exception)


def test_usage_errors(files) -> None:
    res = run(files["apiclus1"], "--outcome", "met", *COMMON, "--rake", files["margins"],
              "--poststratify", files["cells"])  # fmt: skip
    assert res.exit_code == 2 and "not both" in res.output
    res = run(files["apiclus1"], "--outcome", "met", *COMMON, "--nest")
    assert res.exit_code == 2 and "--nest" in res.output


def test_registered_in_the_readiness_command(files, capsys) -> None:
    from readiness.cli import main

    status = main(["regress", str(files["apiclus1"]), "--outcome", "nope", *COMMON, "--json"])
    assert status == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["problems"][0]["column"] == "nope"
