"""The `readiness reliability` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from readiness.cli.stats import reliability, split_names
from readiness.errors import ProblemsError, StatsError
from readiness.stats.reliability import cronbach_alpha

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "reliability.json"


@pytest.fixture(scope="module")
def main_case() -> dict:
    ref = json.loads(FIXTURE.read_text())
    return next(c for c in ref["alpha"] if c["name"] == "main_pairwise")


@pytest.fixture()
def survey(tmp_path, main_case) -> Path:
    d = pd.DataFrame(
        {k: [np.nan if v is None else v for v in vs] for k, vs in main_case["data"].items()}
    )
    d.insert(0, "discipline", ["nurse", "doctor", "midwife"] * 100)
    path = tmp_path / "survey.csv"
    d.to_csv(path, index=False)
    return path


def run(*args):
    return CliRunner().invoke(reliability, [str(a) for a in args])


ITEMS = "q1 q2 q3 q4 q5 q6 q7 q8"


def test_split_names_accepts_all_forms():
    assert split_names(["a", "b"]) == ["a", "b"]
    assert split_names(["a b  c"]) == ["a", "b", "c"]
    assert split_names(["a,b", "c"]) == ["a", "b", "c"]


def test_json_matches_psych(survey, main_case):
    res = run(survey, "--items", ITEMS, "--reverse", "q4", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    want = main_case["total"]
    for key in ("raw_alpha", "std_alpha", "G6", "average_r", "mean", "sd"):
        assert out[key] == pytest.approx(want[key], abs=1e-6)
    assert out["n_obs"] == out["n"] == 300
    assert out["missing"] == "pairwise"
    assert out["feldt"]["lower"] == pytest.approx(main_case["feldt"]["lower"], abs=1e-6)
    assert out["feldt"]["upper"] == pytest.approx(main_case["feldt"]["upper"], abs=1e-6)
    drops = [it["alpha_if_dropped"]["raw_alpha"] for it in out["items"]]
    assert drops == pytest.approx(main_case["alpha_drop"]["raw_alpha"], abs=1e-6)
    r_drop = [it["r_drop"] for it in out["items"]]
    assert r_drop == pytest.approx(main_case["item_stats"]["r_drop"], abs=1e-6)
    assert out["reverse"] == ["q4"]


def test_repeated_and_comma_forms_agree(survey):
    a = run(survey, *sum((["--items", f"q{i}"] for i in range(1, 9)), []), "--json")
    b = run(survey, "--items", ",".join(ITEMS.split()), "--json")
    assert a.exit_code == 0 and b.exit_code == 0
    assert json.loads(a.output) == json.loads(b.output)


def test_listwise(survey, main_case):
    res = run(survey, "--items", ITEMS, "--reverse", "q4", "--missing", "listwise", "--json")
    out = json.loads(res.output)
    assert out["missing"] == "listwise" and out["n"] == 192


def test_readable_table(survey):
    res = run(survey, "--items", ITEMS, "--reverse", "q4")
    assert res.exit_code == 0, res.output
    text = res.output
    assert "raw_alpha" in text and "std_alpha" in text and "G6" in text
    assert "missing data: pairwise; n = 300" in text
    assert "Feldt 95% interval for raw_alpha: 0.809 to 0.864" in text
    assert "q4-" in text and "alpha_if_dropped" in text
    assert "0.838" in text


def test_unknown_column_lists_columns(survey):
    res = run(survey, "--items", "q1 q2 q9")
    assert isinstance(res.exception, ProblemsError)
    msg = str(res.exception)
    assert "there is no column 'q9'" in msg
    assert "discipline, q1, q2" in msg and str(survey) in msg


def test_non_numeric_code_names_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2,3\n2,three,3\n3,4,5\n4,4,4\n")
    res = run(path, "--items", "a b c")
    assert isinstance(res.exception, ProblemsError)
    p = res.exception.problems[0]
    assert (p.row, p.column) == (2, "b")
    assert "'three' is not a numeric code" in str(res.exception)


def test_reverse_must_be_an_item(survey):
    res = run(survey, "--items", "q1 q2 q3", "--reverse", "q4")
    assert isinstance(res.exception, ProblemsError)
    assert "not one of the --items" in str(res.exception)


def test_statistics_error_passes_through(tmp_path):
    path = tmp_path / "const.csv"
    path.write_text("a,b,c\n1,2,3\n2,3,3\n3,4,3\n")
    res = run(path, "--items", "a,b,c")
    assert isinstance(res.exception, StatsError)
    assert "item c" in str(res.exception)


def test_help_documents_item_forms():
    res = CliRunner().invoke(reliability, ["--help"])
    assert "--items q1 --items q2" in res.output
    assert "q1,q2,q3" in res.output


def test_xlsx_input(tmp_path):
    d = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [5, 4, 3, 2, None]})
    path = tmp_path / "s.xlsx"
    d.to_excel(path, index=False)
    res = run(path, "--items", "a b c", "--reverse", "c", "--json")
    assert res.exit_code == 0, res.output
    want = cronbach_alpha(d, reverse=["c"])
    assert json.loads(res.output)["raw_alpha"] == pytest.approx(want.raw_alpha)


def test_through_readiness_main(survey, capsys):
    try:
        from readiness.cli import main
    except ModuleNotFoundError as err:  # other commands' modules not written yet
        pytest.skip(f"readiness.cli cannot be imported yet: {err}")
    assert main(["reliability", str(survey), "--items", ITEMS, "--reverse", "q4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["raw_alpha"] == pytest.approx(0.838153562126422, abs=1e-6)
    assert main(["reliability", str(survey), "--items", "q1 nope", "--json"]) == 1
    err = json.loads(capsys.readouterr().out)
    assert err["problems"][0]["column"] == "nope"


def test_column_name_with_space_is_kept_whole(tmp_path):
    path = tmp_path / "spaced.csv"
    path.write_text("knows signs,b,c\n1,2,2\n2,2,3\n3,4,3\n4,3,5\n5,5,4\n")
    assert split_names(["knows signs", "b c"], ["knows signs", "b", "c"]) == [
        "knows signs",
        "b",
        "c",
    ]
    res = run(path, "--items", "knows signs", "--items", "b,c", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["items"][0]["item"] == "knows signs"


def test_blank_rows_are_counted_and_said(tmp_path, main_case):
    d = pd.DataFrame(
        {k: [np.nan if v is None else v for v in vs] for k, vs in main_case["data"].items()}
    )
    blank = pd.DataFrame(np.nan, index=range(5), columns=d.columns)
    path = tmp_path / "blank.csv"
    pd.concat([d, blank], ignore_index=True).to_csv(path, index=False)
    res = run(path, "--items", ITEMS, "--reverse", "q4")
    assert res.exit_code == 0, res.output
    assert "n = 305 respondents (5 of them answered no item: counted in n, as psych" in res.output
    kept = json.loads(run(path, "--items", ITEMS, "--reverse", "q4", "--json").output)
    assert kept["n"] == 305 and kept["n_blank"] == 5
    dropped = run(path, "--items", ITEMS, "--reverse", "q4", "--blank-rows", "drop", "--json")
    out = json.loads(dropped.output)
    assert out["n"] == 300 and out["n_blank"] == 0
    assert out["raw_alpha"] == kept["raw_alpha"] and out["ase"] != kept["ase"]
