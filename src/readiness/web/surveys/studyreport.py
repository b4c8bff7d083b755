"""A study's full report (:mod:`readiness.report`) from its responses, as the dashboard
analyses them: the HTML download and the PDF the background worker makes share it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from readiness.web.surveys import dashboard, services
from readiness.web.surveys.models import Study

Stage = Callable[[str], None]


def _quiet(stage: str) -> None:
    """No progress to show (the HTML download, made while the person waits)."""


def report_html(study: Study, stage: Stage = _quiet) -> str | None:
    """The report's HTML, or None when the study has no responses yet.  ``stage`` is told
    each step as it begins (the job page shows it)."""
    from readiness.analysis.survey import AnalysisSettings, analyse
    from readiness.report import render_html

    stage("Reading the responses")
    data = services.study_data(study)
    if len(data.responses) == 0:
        return None
    instrument = study.instrument.instrument
    # Sites are clusters on the same rule as the dashboard's (enough of them to estimate how
    # much they differ); the report's methods section states the design either way.
    clustered = dashboard.sites_as_clusters(int(data.responses["site"].nunique()))
    stage("Analysing them")
    result = analyse(
        data.responses,
        instrument,
        sessions=data.sessions,
        settings=AnalysisSettings(cluster="site" if clustered else None),
    )
    stage("Writing the report")
    return render_html(
        result,
        instrument=instrument,
        min_cell=settings.READINESS_MIN_CELL,
        source={"study": study.name},
    )
