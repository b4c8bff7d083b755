"""Options shared by several commands are defined once (``readiness.cli.options``) and agree."""

from __future__ import annotations

import dataclasses

import click
import pytest
from click.testing import CliRunner

from readiness.cli import cli
from readiness.cli.analyse import analyse_command
from readiness.cli.options import StudyOptions
from readiness.cli.report import report_command

STUDY = [
    "sessions",
    "group_by",
    "cluster",
    "strata",
    "weights",
    "fpc",
    "rake_file",
    "poststratify_file",
    "lonely_psu",
    "interval",
    "conf_level",
    "missing",
]


def describe(option: click.Parameter) -> dict:
    assert isinstance(option, click.Option)
    return option.to_info_dict()


def options_of(command: click.Command) -> dict[str, click.Parameter]:
    return {p.name: p for p in command.params if p.name is not None}


def test_analyse_and_report_take_the_same_study_options_in_the_same_order():
    analyse, report = options_of(analyse_command), options_of(report_command)
    for name in [*STUDY, "instrument_ref"]:
        assert describe(analyse[name]) == describe(report[name]), name
    order = [p.name for p in analyse_command.params if p.name in STUDY]
    assert order == STUDY
    assert order == [p.name for p in report_command.params if p.name in STUDY]


def test_the_command_gets_the_study_options_as_one_object():
    assert [f.name for f in dataclasses.fields(StudyOptions)] == STUDY


@pytest.mark.parametrize("command", [["analyse"], ["report", "--out", "r.html"]])
def test_rake_and_poststratify_together_are_refused_before_anything_is_read(tmp_path, command):
    for name in ("responses.csv", "counts.csv"):
        (tmp_path / name).write_text("not read\n", encoding="utf-8")
    rake = ["--rake", str(tmp_path / "counts.csv"), "--poststratify", str(tmp_path / "counts.csv")]
    result = CliRunner().invoke(
        cli, [command[0], str(tmp_path / "responses.csv"), *command[1:], *rake]
    )
    assert result.exit_code == 2
    assert "give --rake or --poststratify, not both." in result.output
