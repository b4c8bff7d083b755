"""What a study's results stamp reads from the database, read once per request.

A dashboard view needs the stamp (:func:`readiness.web.surveys.services.results_key`) for
its counts and again for its results; at 1,500,000 responses its count and last id took
1.3 s each time (benchmarks/RESULTS.md, national).  Inside :func:`once` (a view's body) the
figures of a study are read once and reused; outside it (the background worker, the tests,
anything that adds responses between two stamps) every call reads them afresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Count, Max

from readiness.web.surveys.models import Response, Session, Study

_read: ContextVar[dict | None] = ContextVar("readiness_study_stamps", default=None)


@contextmanager
def once() -> Iterator[None]:
    """Within this block a study's response figures are read from the database once (for
    a view that only reads: a response added inside it would not change them)."""
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def responses(study: Study) -> tuple[int, int | None]:
    """How many responses the study has and the last one's id.

    The study's session ids first, then the responses of those sessions: PostgreSQL counts
    them from the (session, id) index alone (an index-only scan) instead of joining every
    response row to its session and site."""
    memo = _read.get()
    key = (study.pk, study.data_revision)
    if memo is not None and key in memo:
        return memo[key]
    sessions = Session.objects.filter(site__study=study).values("id")
    found = Response.objects.filter(session_id__in=sessions).aggregate(
        n=Count("id"), last=Max("id")
    )
    figures = (found["n"], found["last"])
    if memo is not None:
        memo[key] = figures
    return figures
