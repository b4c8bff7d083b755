"""Staff pages of a training evaluation: the evaluation page and its board-ready PDF.

The page shows the linkage report (how many answered each wave and how many were joined) and
the paired analysis of :func:`readiness.evaluation.evaluate` (who was trained, the change in
each knowledge statement, indicator and scale, what is still poorly known after training,
and what was kept at follow-up).  It needs ``view_results``: a site coordinator sees their own
sites, with small cells suppressed and the pairs released in steps (:func:`.waves.wave_frames`).
The PDF (:func:`readiness.evaluation.report.render_evaluation_html`, printed by WeasyPrint)
covers the whole study, with small cells suppressed, and is an export (``export``).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from readiness.web.accounts import permissions as perm
from readiness.web.attachment import attachment
from readiness.web.surveys import auditing, waves


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
def evaluation_report(request, study, access):
    """The board-ready PDF of the whole study's evaluation (small cells suppressed)."""
    if not study.evaluation:
        raise Http404("This study does not evaluate training.")
    from readiness.evaluation.report import render_evaluation_html
    from readiness.report.pdf import write_pdf

    result, error = waves.evaluation_for(study, None, None)
    if result is None:
        raise Http404(error)
    html = render_evaluation_html(
        result,
        study.instrument.instrument,
        source={
            "title": f"{study.name}: training evaluation",
            "produced": date.today().isoformat(),
        },
    )
    with tempfile.TemporaryDirectory(prefix="readiness-evaluation-") as folder:
        path = Path(folder) / "evaluation.pdf"
        write_pdf(html, path)
        content = path.read_bytes()
    auditing.record(
        request.user,
        auditing.EXPORT,
        study,
        {"format": "evaluation-pdf", "pairs": result.n, "synthetic": result.synthetic},
    )
    mark = "-SYNTHETIC" if study.synthetic or result.synthetic else ""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = attachment(f"{study.slug}{mark}-evaluation.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response
