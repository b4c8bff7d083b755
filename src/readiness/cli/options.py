"""Options that several commands share, written once so that their names, defaults and help agree.

Each function returns a decorator; ``study_options`` stacks the options of a study's analysis that
``readiness analyse`` and ``readiness report`` both take, and hands them to the command as one
:class:`StudyOptions`.  Importing this module is cheap: the
choices come from the small ``readiness.stats.proportions`` and ``readiness.stats.design`` tables
only when a decorator is made.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

if TYPE_CHECKING:
    from readiness.analysis.survey import AnalysisSettings

F = TypeVar("F", bound=Callable[..., Any])

# a confidence level strictly between 0 and 1, as the statistics commands take it
OPEN_UNIT = click.FloatRange(0, 1, min_open=True, max_open=True)


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Apply ``decorators`` so that the options list in ``--help`` in the order given."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def instrument_option() -> Callable[[F], F]:
    """``--instrument``: a YAML file, or the name of a shipped instrument."""
    return click.option(
        "--instrument",
        "instrument_ref",
        default="readiness-survey",
        show_default=True,
        help="Instrument YAML file, or the name of a shipped one.",
    )


def json_option(help: str = "Machine-readable output.") -> Callable[[F], F]:
    """``--json`` (the parameter ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def conf_level_option(
    help: str | None = None, range_: click.FloatRange = OPEN_UNIT
) -> Callable[[F], F]:
    """``--conf-level``, 0.95 by default."""
    return click.option("--conf-level", type=range_, default=0.95, show_default=True, help=help)


def lonely_psu_option(
    help: str = "A stratum with one cluster: fail, or handle it as R's options(survey.lonely.psu).",
) -> Callable[[F], F]:
    """``--lonely-psu``: what a stratum with one sampled unit does (``fail`` by default)."""
    from readiness.stats.design import LONELY_PSU

    return click.option(
        "--lonely-psu",
        type=click.Choice(LONELY_PSU),
        default="fail",
        show_default=True,
        help=help,
    )


def interval_option(help: str) -> Callable[[F], F]:
    """``--interval``: the method of a proportion's interval (``wilson`` by default)."""
    from readiness.stats.proportions import METHODS

    return click.option(
        "--interval", type=click.Choice(METHODS), default="wilson", show_default=True, help=help
    )


def missing_option(help: str) -> Callable[[F], F]:
    """``--missing``: pairwise (psych's default) or listwise deletion in reliability."""
    return click.option(
        "--missing",
        type=click.Choice(["pairwise", "listwise"]),
        default="pairwise",
        show_default=True,
        help=help,
    )


def calibration_options(
    rake_help: str, poststratify_help: str, must_exist: bool = True
) -> Callable[[F], F]:
    """``--rake`` and ``--poststratify`` (the parameters ``rake_file``, ``poststratify_file``)."""
    path = click.Path(exists=must_exist, dir_okay=False, path_type=Path)
    return _stack(
        click.option("--rake", "rake_file", type=path, help=rake_help),
        click.option("--poststratify", "poststratify_file", type=path, help=poststratify_help),
    )


@dataclass(frozen=True)
class StudyOptions:
    """The values of :func:`study_options`, as the command receives them (parameter ``study``)."""

    sessions: Path | None
    group_by: str | None
    cluster: str | None
    strata: str | None
    weights: str | None
    fpc: str | None
    rake_file: Path | None
    poststratify_file: Path | None
    lonely_psu: str
    interval: str
    conf_level: float
    missing: str

    def settings(self) -> AnalysisSettings:
        """The analysis settings these options ask for."""
        from readiness.analysis.survey import AnalysisSettings

        return AnalysisSettings(
            interval=self.interval,
            conf_level=self.conf_level,
            group_by=self.group_by,
            cluster=self.cluster,
            strata=self.strata,
            weights=self.weights,
            missing=self.missing,
            fpc=self.fpc,
            lonely_psu=self.lonely_psu,
            rake=None if self.rake_file is None else str(self.rake_file),
            poststratify=None if self.poststratify_file is None else str(self.poststratify_file),
        )

    def design_columns(self) -> dict[str, str]:
        """The design columns to read with the responses, mapped to their roles."""
        from readiness.responses.design import design_columns

        return design_columns(self.cluster, self.strata, self.weights, self.fpc)

    def sessions_for(self, responses: Path) -> Path | None:
        """--sessions, or RESPONSES-sessions.csv beside the responses when it exists."""
        from readiness.synth.output import sessions_path_for

        if self.sessions is None and sessions_path_for(responses).exists():
            return sessions_path_for(responses)
        return self.sessions


_STUDY_FIELDS = tuple(f.name for f in fields(StudyOptions))


def study_options() -> Callable[[F], F]:
    """The analysis options of ``readiness analyse`` and ``readiness report``, in that order:
    ``--sessions``, ``--by``, the design (``--cluster``, ``--strata``, ``--weights``,
    ``--fpc``), ``--rake``, ``--poststratify``, ``--lonely-psu``, ``--interval``,
    ``--conf-level`` and ``--missing``; the command gets them as one :class:`StudyOptions`,
    its parameter ``study``."""
    options = _stack(
        click.option(
            "--sessions",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="CSV of sessions (site, session, date, attended) for response rates. "
            "Default: RESPONSES-sessions.csv beside the responses, if it exists.",
        ),
        click.option(
            "--by",
            "group_by",
            default=None,
            help="Item to break figures down by.  [default: the instrument's analysis: "
            "group_by, discipline in the shipped survey]",
        ),
        click.option(
            "--cluster",
            help="Column of cluster ids (e.g. site) for design-based estimates; several columns, "
            'one per stage of sampling, outermost first: --cluster "site session".',
        ),
        click.option("--strata", help="Column of strata (needs --cluster or --fpc)."),
        click.option("--weights", help="Column of sampling weights (needs --cluster or --fpc)."),
        click.option(
            "--fpc",
            help="Finite population correction: one column per stage, as --cluster, holding the "
            "population size each unit was sampled from (or the sampling fraction, 1 or less). "
            "Without --cluster, respondents were sampled one by one from that population.",
        ),
        calibration_options(
            rake_help="Rake the weights to the staff counts in this CSV (variable,level,count; "
            "levels as the instrument's codes or its choice labels), as R's survey::rake.",
            poststratify_help="Post-stratify the weights to the counts in this CSV (one column "
            "per variable and a count column, one row per cell), as R's survey::postStratify.",
        ),
        lonely_psu_option(
            "A stratum (or cluster) with one unit sampled: fail, or as R's "
            "options(survey.lonely.psu)."
        ),
        interval_option("Interval for proportions without a design."),
        conf_level_option("Confidence level.", click.FloatRange(0.5, 0.999)),
        missing_option("Missing answers in reliability (psych's default is pairwise)."),
    )

    def apply(command: F) -> F:
        @functools.wraps(command)
        def gather(*args: Any, **kwargs: Any) -> Any:
            study = StudyOptions(**{name: kwargs.pop(name) for name in _STUDY_FIELDS})
            if study.rake_file and study.poststratify_file:
                raise click.UsageError("give --rake or --poststratify, not both.")
            return command(*args, study=study, **kwargs)

        return options(cast(F, gather))

    return apply
