"""`readiness proportion` with an fpc and two stages, on R's data(api) (design_api.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from readiness.cli.proportion import proportion

REFERENCE = Path(__file__).parents[1] / "reference" / "fixtures"
FIXTURE = json.loads(
    (Path(__file__).parents[1] / "reference" / "fixtures" / "design_api.json").read_text()
)


def _csv(tmp_path, name: str) -> Path:
    data = FIXTURE["data"][name]
    frame = pd.DataFrame({k: ["" if v is None else v for v in col] for k, col in data.items()})
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def run(*args):
    return CliRunner().invoke(proportion, [str(a) for a in args])


def run_json(*args) -> dict:
    res = run(*args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


@pytest.mark.parametrize(
    ("case", "options"),
    [
        ("clus2_fpc", ["--cluster", "dnum snum", "--fpc", "fpc1 fpc2"]),
        ("clus1_fpc", ["--cluster", "dnum", "--fpc", "fpc"]),
        ("clus1_frac", ["--cluster", "dnum", "--fpc", "frac", "--weights", "pw"]),
        ("srs_fpc", ["--fpc", "fpc"]),
        ("strat_fpc", ["--strata", "stype", "--weights", "pw", "--fpc", "fpc"]),
    ],
)
def test_matches_svyciprop_with_fpc_and_stages(tmp_path, case, options) -> None:
    ref = FIXTURE["results"][case]
    path = _csv(tmp_path, ref["spec"]["data"])
    out = run_json(path, "--var", "aw_na", "--by", "stype", *options)
    want = ref["overall"]["proportions"]["aw_na"]
    got = out["overall"]
    for ours, theirs in (("proportion", "estimate"), ("se", "se"), ("lower", "lower")):
        assert got[ours] == pytest.approx(want[theirs], abs=1e-6)
    assert got["deff"] == pytest.approx(want["deff_replace"], abs=1e-6)
    assert got["df"] == want["df"]
    for row in out["groups"]:
        g = ref["groups"][row["group"]]["proportions"]["aw_na"]
        assert row["se"] == pytest.approx(g["se"], abs=1e-6)
        if g["df"] > 1:
            assert row["upper"] == pytest.approx(g["upper"], abs=1e-6)
    assert out["design"]["fpc"] == options[options.index("--fpc") + 1].split()


def test_text_names_the_stages_and_the_fpc(tmp_path) -> None:
    path = _csv(tmp_path, "apiclus2")
    res = run(path, "--var", "sw", "--cluster", "dnum snum", "--fpc", "fpc1 fpc2")
    assert res.exit_code == 0, res.output
    assert "126 units (snum) within 40 clusters (dnum)" in res.output
    assert "weights from the fpc" in res.output
    assert "finite population correction fpc1, fpc2" in res.output
    res = run(path, "--var", "sw", "--by", "stype", "--cluster", "dnum snum", "--fpc", "fpc1 fpc2")
    assert res.exit_code == 0, res.output
    assert "does not yet take" not in res.output and "Rao-Scott" in res.output


def test_rao_scott_with_an_fpc_at_two_stages_matches_svychisq(tmp_path) -> None:
    # svychisq(~sw + stype, svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2))
    fixture = json.loads((REFERENCE / "comparisons.json").read_text())
    (r,) = [
        c
        for c in fixture["rao_scott_api"]
        if c["design"] == "clus2_fpc" and c["y"] == "sw" and c["group"] == "stype"
    ]
    path = _csv(tmp_path, "apiclus2")
    test = run_json(
        path, "--var", "sw", "--by", "stype", "--cluster", "dnum snum", "--fpc", "fpc1 fpc2"
    )["test"]
    for key in ("statistic", "ndf", "ddf", "p_value"):
        assert test[key] == pytest.approx(r["f"][key], rel=1e-6), key


def test_fpc_problems_name_file_row_column_and_fix(tmp_path) -> None:
    path = _csv(tmp_path, "apiclus1")
    frame = pd.read_csv(path)
    frame["small"] = 10
    frame["mixed"] = frame["fpc"].astype(float)
    frame.loc[4, "mixed"] = 0.2
    frame["blank"] = frame["fpc"].astype(object)
    frame.loc[2, "blank"] = ""
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    res = run(bad, "--var", "sw", "--cluster", "dnum", "--fpc", "small")
    assert res.exit_code == 1
    msg = str(res.exception)
    assert "bad.csv" in msg and "small" in msg and "15" in msg and "100%" in msg
    res = run(bad, "--var", "sw", "--cluster", "dnum", "--fpc", "mixed")
    assert "mix the two" in str(res.exception) and "row 5" in str(res.exception)
    res = run(bad, "--var", "sw", "--cluster", "dnum", "--fpc", "blank")
    assert "row 3" in str(res.exception) and "missing" in str(res.exception)
    res = run(bad, "--var", "sw", "--cluster", "dnum snum", "--fpc", "fpc")
    assert "1 column(s) for 2 stage(s)" in str(res.exception)
    res = run(bad, "--var", "sw", "--cluster", "dnum school", "--fpc", "fpc fpc")
    assert "no column 'school'" in str(res.exception)


def test_strata_without_clusters_need_an_fpc(tmp_path) -> None:
    path = _csv(tmp_path, "apistrat")
    res = run(path, "--var", "sw", "--strata", "stype", "--weights", "pw")
    assert res.exit_code == 2 and "need --cluster" in res.output and "--fpc" in res.output
