"""`readiness responses validate` and `readiness responses convert`."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from readiness.cli.responses import responses
from readiness.errors import ResponsesError
from readiness.instrument import shipped_instrument_path
from readiness.responses import read_responses


def _broken(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(
        "response_id,discipline,training_prior,colour\n1,9,1,\n2,1,maybe,\n", encoding="utf-8"
    )
    return path


def test_validate_summarises_a_valid_file(valid_csv):
    result = CliRunner().invoke(
        responses, ["validate", str(valid_csv), "--instrument", "readiness-survey"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{valid_csv}: 3 responses to readiness-survey version 1; 47 of 47 items in the file.\n"
        "No problems found.\n"
    )


def test_validate_takes_an_instrument_path_and_prints_json(tmp_path, text_frame):
    text_frame.loc[1, "training_where"] = "2"  # answered although not shown: a warning
    path = tmp_path / "r.csv"
    text_frame.drop(columns=["site"]).to_csv(path, index=False)
    result = CliRunner().invoke(
        responses,
        ["validate", str(path), "--instrument", str(shipped_instrument_path()), "--json"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["valid"] is True
    assert summary["responses"] == 3
    assert summary["items_in_file"] == 46 and summary["items_absent"] == ["site"]
    assert {(w.get("row"), w.get("column")) for w in summary["warnings"]} == {
        (None, None),
        (2, "training_where"),
    }


def test_validate_with_strict_conditions_fails(tmp_path, text_frame):
    text_frame.loc[1, "training_where"] = "2"
    path = tmp_path / "r.csv"
    text_frame.to_csv(path, index=False)
    args = ["validate", str(path), "--instrument", "readiness-survey", "--strict-conditions"]
    result = CliRunner().invoke(responses, args)
    assert result.exit_code == 1
    assert isinstance(result.exception, ResponsesError)
    assert [(p.row, p.column) for p in result.exception.problems] == [(2, "training_where")]


def test_convert_writes_the_format_of_out(tmp_path, valid_csv, instrument):
    out = tmp_path / "converted.dta"
    result = CliRunner().invoke(
        responses, ["convert", str(valid_csv), str(out), "--instrument", "readiness-survey"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}: 3 responses from {valid_csv}.\n"
    pd.testing.assert_frame_equal(
        read_responses(out, instrument).frame, read_responses(valid_csv, instrument).frame
    )


def test_convert_writes_nothing_when_the_input_has_problems(tmp_path):
    out = tmp_path / "out.sav"
    result = CliRunner().invoke(
        responses, ["convert", str(_broken(tmp_path)), str(out), "--instrument", "readiness-survey"]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, ResponsesError)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.csv"]


def test_main_prints_every_problem_and_exits_1(tmp_path, capsys):
    from readiness.cli import main

    path = _broken(tmp_path)
    status = main(["responses", "validate", str(path), "--instrument", "readiness-survey"])
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: 3 problems in responses {path}:")
    assert f"{path}, line 1, field colour: 'colour' is not an item" in err
    assert f"{path}, line 2, row 1, column discipline: '9' is not a code" in err
    assert f"{path}, line 3, row 2, column training_prior: 'maybe' is not a code" in err

    status = main(
        ["responses", "validate", str(path), "--instrument", "readiness-survey", "--json"]
    )
    assert status == 1
    payload = json.loads(capsys.readouterr().out)
    assert [(p.get("row"), p["column"]) for p in payload["problems"]] == [
        (None, "colour"),
        (1, "discipline"),
        (2, "training_prior"),
    ]
