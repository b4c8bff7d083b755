"""The `readiness paired` command (checked against the R fixtures of paired.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from readiness.cli.paired import paired
from readiness.errors import ProblemsError
from readiness.stats.paired import mcnemar, paired_t, wilcoxon_signed_rank

REF = json.loads((Path(__file__).parents[1] / "reference" / "fixtures" / "paired.json").read_text())
TOL = 1e-6


def _case(kind: str, name: str) -> dict:
    return next(c for c in REF[kind] if c["name"] == name)


MIXED = _case("paired", "worked_mixed")
MIXED_90 = _case("paired", "worked_mixed_90")
POSITIVE = _case("paired", "worked_all_positive")
BINARY = _case("mcnemar", "vectors_with_missing")


def run(*args):
    return CliRunner().invoke(paired, [str(a) for a in args])


def run_json(*args) -> dict:
    res = run(*args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> Path:
    """12 people with the worked Likert pairs and, beside them, 40 people's 0/1 answers."""
    n = len(BINARY["before"])
    frame = pd.DataFrame(
        {
            "pre": MIXED["before"] + [None] * (n - 12),
            "post": MIXED["after"] + [None] * (n - 12),
            "post_all_up": POSITIVE["after"] + [None] * (n - 12),
            "k_pre": BINARY["before"],
            "k_post": BINARY["after"],
            "unit": (["Ward A", "Ward B"] * n)[:n],
        }
    )
    frame.loc[7, "unit"] = None
    path = tmp_path_factory.mktemp("paired") / "linked.csv"
    frame.to_csv(path, index=False)
    return path


def test_scale_json_matches_r(linked) -> None:
    out = run_json(linked, "--before", "pre", "--after", "post")
    assert out["kind"] == "scale" and out["zero_method"] == "wilcox"
    assert out["incomplete_pairs"] == len(BINARY["before"]) - 12
    o = out["overall"]
    assert o["n"] == 12 and o["n_dropped"] == out["incomplete_pairs"]
    t = o["paired_t"]
    assert t["t"] == pytest.approx(MIXED["t_test"]["t"], abs=TOL)
    assert t["p_value"] == pytest.approx(MIXED["t_test"]["p_value"], abs=TOL)
    assert t["lower"] == pytest.approx(MIXED["t_test"]["lower"], abs=TOL)
    d = t["cohens_dz"]
    assert d["d_z"] == pytest.approx(MIXED["cohens_d"]["d"], abs=TOL)
    assert d["lower"] == pytest.approx(MIXED["cohens_d"]["exact_lower"], abs=TOL)
    assert d["upper"] == pytest.approx(MIXED["cohens_d"]["exact_upper"], abs=TOL)
    w = o["wilcoxon"]
    r_default = MIXED["wilcoxon"][0]  # exact = NULL, correct = TRUE
    assert w["v"] == r_default["statistic"] and w["method"] == "normal" and w["correct"]
    assert w["p_value"] == pytest.approx(r_default["p_value"], abs=TOL)
    assert w["n_zero"] == MIXED["n_zero"]
    rb = w["rank_biserial"]
    assert rb["r_rb"] == pytest.approx(MIXED["rank_biserial"]["r"], abs=TOL)
    assert rb["lower"] == pytest.approx(MIXED["rank_biserial"]["lower"], abs=TOL)
    assert rb["upper"] == pytest.approx(MIXED["rank_biserial"]["upper"], abs=TOL)
    assert len(out["conventions"]) == 4


def test_conf_level_reaches_every_interval(linked) -> None:
    out = run_json(linked, "--before", "pre", "--after", "post", "--conf-level", "0.9")
    o = out["overall"]
    assert o["paired_t"]["lower"] == pytest.approx(MIXED_90["t_test"]["lower"], abs=TOL)
    d = o["paired_t"]["cohens_dz"]
    assert d["lower"] == pytest.approx(MIXED_90["cohens_d"]["exact_lower"], abs=TOL)
    rb = o["wilcoxon"]["rank_biserial"]
    assert rb["lower"] == pytest.approx(MIXED_90["rank_biserial"]["lower"], abs=TOL)
    assert "90% interval" in out["conventions"][1]


def test_binary_json_matches_r(linked) -> None:
    out = run_json(linked, "--before", "k_pre", "--after", "k_post")
    assert out["kind"] == "binary" and out["zero_method"] is None
    o = out["overall"]
    m = o["mcnemar"]
    assert o["n"] == BINARY["n"] and m["n_dropped"] == len(BINARY["before"]) - BINARY["n"]
    assert (m["b"], m["c"]) == (BINARY["b"], BINARY["c"])
    assert m["exact_p_value"] == pytest.approx(BINARY["exact_p"], abs=TOL)
    assert m["chi_square_corrected"] == pytest.approx(BINARY["chisq_corrected"], abs=TOL)
    assert m["p_value"] == pytest.approx(BINARY["p_value"], abs=TOL)
    assert m["odds_ratio"] == pytest.approx(BINARY["odds_ratio"], abs=TOL)
    assert m["or_upper"] == pytest.approx(BINARY["or_upper"], rel=1e-7)
    diff = m["difference"]
    assert diff["lower"] == pytest.approx(BINARY["newcombe"]["lower"], abs=TOL)
    assert diff["upper"] == pytest.approx(BINARY["newcombe"]["upper"], abs=TOL)
    assert "Newcombe" in out["conventions"][3]


def test_by_gives_each_group(linked) -> None:
    out = run_json(linked, "--before", "k_pre", "--after", "k_post", "--by", "unit")
    frame = pd.read_csv(linked)
    assert [g["group"] for g in out["groups"]] == ["Ward A", "Ward B"]
    assert out["missing_group"] == 1
    for group in out["groups"]:
        part = frame[frame["unit"] == group["group"]]
        want = mcnemar(before=part["k_pre"], after=part["k_post"])
        assert group["n"] == want.n
        assert group["mcnemar"]["exact_p_value"] == pytest.approx(want.exact_p_value)
        assert group["mcnemar"]["difference"]["lower"] == pytest.approx(want.difference.lower)
    out = run_json(linked, "--before", "pre", "--after", "post", "--by", "unit")
    for group in out["groups"]:
        part = frame[frame["unit"] == group["group"]]
        assert group["paired_t"]["t"] == pytest.approx(paired_t(part["pre"], part["post"]).t)
        want = wilcoxon_signed_rank(part["pre"], part["post"])
        assert group["wilcoxon"]["p_value"] == pytest.approx(want.p_value)


def test_scale_text(linked) -> None:
    res = run(linked, "--before", "pre", "--after", "post", "--by", "unit")
    assert res.exit_code == 0, res.output
    text = res.output
    assert "Conventions:" in text
    assert "left out (listwise deletion)" in text
    assert "people with no change are dropped before ranking (Wilcoxon's method)" in text
    assert "normal approximation with tie correction and continuity correction" in text
    assert "noncentral t distribution" in text
    assert "1 row(s) have no unit (in 'All' only)" in text
    all_row = next(x for x in text.splitlines() if x.startswith("All ") and "normal" in x)
    assert all_row.split()[1] == "12"  # n beside every figure
    assert "0.71   0.24 to 0.91" in all_row
    t_row = next(x for x in text.splitlines() if x.startswith("All ") and "normal" not in x)
    assert "0.71   0.06 to 1.34" in t_row


def test_all_changes_one_direction_in_the_text(linked) -> None:
    res = run(linked, "--before", "pre", "--after", "post_all_up")
    assert res.exit_code == 0, res.output
    assert "one direction" in res.output
    assert (
        "All: rank-biserial r: all changes were in one direction (up; 10 of n = 12 changed)."
        in (res.output)
    )


def test_binary_text(linked) -> None:
    res = run(linked, "--before", "k_pre", "--after", "k_post")
    assert res.exit_code == 0, res.output
    assert "McNemar's test uses only the people who changed" in res.output
    assert "Clopper-Pearson" in res.output and "Newcombe" in res.output
    row = next(x for x in res.output.splitlines() if x.startswith("All "))
    assert row.split()[1] == str(BINARY["n"])
    # n, % before, % after, change, its interval, b, c, exact p, chi2 cc, p, chi2, p, OR, its CI
    assert row.split() == [
        "All", "36", "36.1", "63.9", "27.8", "9.7", "to", "42.9", "11", "1", "0.006", "6.75",
        "0.009", "8.33", "0.004", "11.00", "1.60", "to", "473.47",
    ]  # fmt: skip


def test_pratt_option(linked) -> None:
    out = run_json(linked, "--before", "pre", "--after", "post", "--zero-method", "pratt")
    assert out["overall"]["wilcoxon"]["zero_method"] == "pratt"
    res = run(linked, "--before", "pre", "--after", "post", "--zero-method", "pratt")
    assert "ranked with the rest, then dropped (Pratt's method)" in res.output


def test_xlsx(tmp_path) -> None:
    path = tmp_path / "linked.xlsx"
    pd.DataFrame({"pre": MIXED["before"], "post": MIXED["after"]}).to_excel(path, index=False)
    out = run_json(path, "--before", "pre", "--after", "post")
    assert out["overall"]["wilcoxon"]["v"] == MIXED["wilcoxon"][0]["statistic"]


def test_small_groups_and_groups_without_pairs(tmp_path) -> None:
    path = tmp_path / "small.csv"
    pd.DataFrame(
        {
            "pre": [1, 2, 3, 2, 4, 1, np.nan],
            "post": [2, 2, 4, 4, 4, 3, 2],
            "g": ["a", "a", "a", "a", "a", "b", "c"],
        }
    ).to_csv(path, index=False)
    out = run_json(path, "--before", "pre", "--after", "post", "--by", "g")
    groups = {g["group"]: g for g in out["groups"]}
    assert groups["c"] == {"group": "c", "n": 0, "n_dropped": 1, "note": "no complete pairs"}
    assert groups["b"]["paired_t"] is None and "at least 2" in groups["b"]["note"]
    assert groups["b"]["wilcoxon"]["n"] == 1
    res = run(path, "--before", "pre", "--after", "post", "--by", "g")
    assert res.exit_code == 0, res.output
    assert "fewer than 5 pairs in b: suppress before sharing." in res.output
    assert "c: no complete pairs" in res.output


def _problems(res) -> str:
    assert res.exit_code != 0
    assert isinstance(res.exception, ProblemsError), res.output
    return str(res.exception)


def test_unknown_columns_name_the_option_and_list_the_columns(linked) -> None:
    msg = _problems(run(linked, "--before", "pree", "--after", "post", "--by", "ward"))
    assert "--before pree: there is no column 'pree'" in msg
    assert "--by ward: there is no column 'ward'" in msg
    assert "the columns are: pre, post, post_all_up, k_pre, k_post, unit." in msg


def test_same_column_twice(linked) -> None:
    msg = _problems(run(linked, "--before", "pre", "--after", "pre"))
    assert "--before and --after both name column 'pre'" in msg


def test_text_cells_name_row_column_and_fix(tmp_path) -> None:
    path = tmp_path / "text.csv"
    pd.DataFrame({"pre": ["1", "two", "3"], "post": ["2", "3", "Yes"]}).to_csv(path, index=False)
    msg = _problems(run(path, "--before", "pre", "--after", "post"))
    assert f"{path}, row 2, column pre: --before pre: 'two' is not a number." in msg
    assert "row 3, column post: --after post: 'Yes' is not a number" in msg
    assert "1 and 0" in msg


def test_no_complete_pairs(tmp_path) -> None:
    path = tmp_path / "apart.csv"
    pd.DataFrame({"pre": [1, 2, None, None], "post": [None, None, 3, 4]}).to_csv(path, index=False)
    msg = _problems(run(path, "--before", "pre", "--after", "post"))
    assert "no row has both a --before (pre) and an --after (post) answer" in msg
    assert "same people's answers" in msg


def test_registered_in_the_main_command(linked, capsys) -> None:
    from readiness.cli import main

    assert main(["paired", str(linked), "--before", "pre", "--after", "post", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"]["n"] == 12
    assert main(["paired", str(linked), "--before", "pre", "--after", "nope", "--json"]) == 1
    err = json.loads(capsys.readouterr().out)
    assert err["problems"][0]["column"] == "nope"
    assert err["problems"][0]["file"] == str(linked)
