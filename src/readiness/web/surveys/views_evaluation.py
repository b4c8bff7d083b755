"""Staff pages of a training evaluation: the evaluation page and its board-ready PDF.

The page shows the linkage report (how many answered each wave and how many were joined) and
the paired analysis of :func:`readiness.evaluation.evaluate` (who was trained, the change in
each knowledge statement, indicator and scale, what is still poorly known after training,
and what was kept at follow-up).  It needs ``view_results``: a site coordinator sees their own
sites, with small cells suppressed and the pairs released in steps (:func:`.waves.wave_frames`).
The PDF (:func:`readiness.evaluation.report.render_evaluation_html`, printed by WeasyPrint)
covers the whole study, with small cells suppressed, and is an export (``export``); it is made
by the background worker (:mod:`readiness.web.jobs`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness.web.accounts import permissions as perm
from readiness.web.surveys import waves


def _step(access) -> int | None:
    return max(1, settings.READINESS_MIN_CELL) if access.suppressed else None


def _tables(result, safe: bool) -> dict:
    """What the template shows of the result (hidden figures "[c]" when ``safe``)."""
    data = result.to_dict(safe=safe)
    return {
        "n": data["n"],
        "synthetic": data["synthetic"],
        "min_cell": data["min_cell"],
        "flow": data["flow"],
        "coverage": data["coverage"],
        "items": data["items"],
        "indicators": data["indicators"],
        "scales": data["scales"],
        "poorly_known": data["poorly_known"],
        "poorly_known_below": data["poorly_known_below"],
        "retention": data["retention"],
        "warnings": data["warnings"],
        "conf_level": data["conf_level"],
    }


@never_cache
@perm.study_view(perm.VIEW_RESULTS)
def evaluation(request, study, access):
    context = {"study": study, "access": access}
    if not study.evaluation:
        return render(request, "staff/evaluation.jinja", context)
    from readiness.evaluation.report import headlines

    site_ids = None if access.site_ids is None else set(access.site_ids)
    step = _step(access)
    result, error = waves.evaluation_for(study, site_ids, step)
    instrument = study.instrument.instrument
    context.update(
        {
            "linkage": waves.linkage_report(study, site_ids),
            "error": error,
            "results": _tables(result, access.suppressed) if result is not None else None,
            "headlines": headlines(result, instrument) if result is not None else [],
            "suppressed": access.suppressed,
            "step": step,
            "can_download": access.has(perm.EXPORT),
            "element_names": waves.ELEMENT_NAMES,
        }
    )
    return render(request, "staff/evaluation.jinja", context)


@never_cache
@perm.study_view(perm.EXPORT)
@require_http_methods(["GET", "POST"])
def evaluation_report(request, study, access):
    """The board-ready PDF of the whole study's evaluation (small cells suppressed): made by
    the background worker (several seconds of WeasyPrint), whose job page offers the file
    (:func:`readiness.web.jobs.work.evaluation_pdf`).  A GET (an old link) goes to the page
    with the button."""
    if not study.evaluation:
        raise Http404("This study does not evaluate training.")
    if request.method == "GET":
        return redirect("surveys:evaluation", slug=study.slug)
    from readiness.web.jobs.models import Job
    from readiness.web.jobs.tasks import start

    job = start(Job.Kind.EVALUATION_PDF, user=request.user, study=study)
    return redirect("jobs:job", job_id=job.pk)
