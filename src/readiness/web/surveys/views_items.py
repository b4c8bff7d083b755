"""Every question of a study's instrument summarised (:mod:`readiness.analysis.items_summary`):
the answers to each, questions the study added included.

The summaries come with the dashboard's results (:func:`readiness.web.surveys.dashboard.results`:
kept for every worker, brought up to date as responses arrive, and for a role that sees
suppressed results computed over the released responses).  For such a role (site
coordinators) small cells are hidden by the report's rules
(:func:`readiness.report.questions.question_rows`), as on the dashboard.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from readiness.report.questions import question_note, question_rows
from readiness.web.accounts import permissions as perm
from readiness.web.surveys import dashboard

PENDING = (
    "The summaries of every question come with the next results. Refresh the page in a minute."
)


def questions(data: dict, min_cell: int) -> list[dict]:
    """Each question of the kept results with its rows (small cells hidden from ``min_cell``)."""
    return [
        {
            "id": s["id"],
            "text": s["text"],
            "section": s["section"],
            "note": question_note(s),
            "rows": question_rows(s, min_cell),
        }
        for s in data.get("items") or []
    ]


@never_cache
@perm.study_view(perm.VIEW_RESULTS)
def study_items(request, study, access):
    data = dashboard.results(study, access)
    min_cell = max(1, settings.READINESS_MIN_CELL) if access.suppressed else 1
    error = data.get("error")
    if not error and "items" not in data:
        error = PENDING
    context = {
        "study": study,
        "access": access,
        "error": error,
        "stale": bool(data.get("stale")),
        "n": data.get("n", 0),
        "synthetic": data.get("synthetic", False),
        "intervals": (data.get("conventions") or {}).get("intervals", ""),
        "min_cell": min_cell,
        "questions": [] if error else questions(data, min_cell),
    }
    return render(request, "staff/items.jinja", context)
