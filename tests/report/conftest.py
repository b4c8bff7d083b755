"""Shared fixtures for the report tests: the matched demo cohort and a cohort with small groups
(helpers that read the HTML are in report_helpers.py)."""

from __future__ import annotations

import lxml.html
import numpy as np
import pytest

from readiness.analysis import analyse
from readiness.report import render_html
from readiness.synth import make_cohort

SOURCE = {
    "responses": "readiness-demo/responses.csv",
    "sessions": "readiness-demo/responses-sessions.csv",
    "produced": "2026-11-21",
}


@pytest.fixture(scope="session")
def demo_cohort(survey):
    return make_cohort(782, 2015, match_published=True, instrument=survey)


@pytest.fixture(scope="session")
def demo_result(demo_cohort, survey):
    return analyse(demo_cohort.responses, survey, sessions=demo_cohort.sessions)


@pytest.fixture(scope="session")
def demo_html(demo_result, survey):
    return render_html(demo_result, instrument=survey, compare_published=True, source=SOURCE)


@pytest.fixture(scope="session")
def demo_doc(demo_html):
    return lxml.html.fromstring(demo_html)


@pytest.fixture(scope="session")
def small_frame(demo_cohort):
    """150 respondents of which 3 work in maternity; 2 strongly agree they have had enough
    training (every other 'strongly agree' made 'agree')."""
    frame = demo_cohort.responses
    maternity = frame.index[frame["discipline"] == 2][:3]
    others = frame.index[frame["discipline"] != 2][:147]
    small = frame.loc[list(others) + list(maternity)].reset_index(drop=True).copy()
    strongly = np.flatnonzero(small["training_enough"].to_numpy() == 5)
    small.loc[strongly[2:], "training_enough"] = 4.0
    return small


@pytest.fixture(scope="session")
def small_result(small_frame, demo_cohort, survey):
    return analyse(small_frame, survey, sessions=demo_cohort.sessions)


@pytest.fixture(scope="session")
def small_html(small_result, survey):
    return render_html(small_result, instrument=survey, source={"produced": "2026-11-21"})


@pytest.fixture(scope="session")
def small_doc(small_html):
    return lxml.html.fromstring(small_html)
