"""Options shared by several commands are defined once (``readiness.cli.options``) and agree."""

from __future__ import annotations

import click

from readiness.cli.analyse import analyse_command
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
