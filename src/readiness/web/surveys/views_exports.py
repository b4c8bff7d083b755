"""Staff pages of exports (study lead, analyst, system administrator: never a coordinator) and
imports (study lead, system administrator).  The logic is in :mod:`.exports` and
:mod:`.imports`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness.errors import ProblemsError
from readiness.web import uploads
from readiness.web.accounts import permissions as perm
from readiness.web.attachment import attachment
from readiness.web.surveys import exports, imports
from readiness.web.surveys.models import Response, ResponseImport, Session

MAX_LISTED_PROBLEMS = 500
WARNINGS_KEY = "readiness_import_warnings"


@perm.study_view(perm.EXPORT)
def export_page(request, study, access):
    total = Response.objects.filter(session__site__study=study).count()
    current = _export_rows(study)
    return render(
        request,
        "staff/export.jinja",
        {
            "study": study,
            "access": access,
            "formats": list(exports.FORMATS.values()),
            "rows": current,
            "other_versions": total - current,
            "earlier": current
            - Response.objects.filter(
                session__site__study=study, instrument=study.instrument
            ).count(),
            "in_background": current > settings.READINESS_EXPORT_INLINE_ROWS,
        },
    )


def _export_rows(study) -> int:
    """The responses exported: to every version of the study's instrument."""
    return Response.objects.filter(
        session__site__study=study, instrument__instrument_id=study.instrument.instrument_id
    ).count()


@never_cache
@perm.study_view(perm.EXPORT)
@require_http_methods(["GET", "POST"])
def export_download(request, study, access, fmt):
    """The export as a download; for a study of more than ``READINESS_EXPORT_INLINE_ROWS``
    responses (an XLSX of 50,000 takes a minute and a half), a job of the background worker,
    started by the export page's buttons (POST), whose page offers the file."""
    if fmt not in exports.FORMATS:
        raise Http404("No such export format.")
    if request.method == "POST":
        from readiness.web.jobs.models import Job
        from readiness.web.jobs.tasks import start

        job = start(Job.Kind.EXPORT, user=request.user, study=study, params={"format": fmt})
        return redirect("jobs:job", job_id=job.pk)
    if _export_rows(study) > settings.READINESS_EXPORT_INLINE_ROWS:  # an old link
        messages.info(request, "This study's exports are made in the background: choose one.")
        return redirect("surveys:export", slug=study.slug)
    try:
        result = exports.download(study, fmt, actor=request.user)
    except ProblemsError as err:  # responses that no longer fit the instrument
        messages.error(request, exports.failure_message(err))
        return redirect("surveys:export", slug=study.slug)
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = attachment(result.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _field(kind: str, params: dict):
    module = engines["jinja2"].env.get_template("staff/formfields.jinja").module
    return module.field(kind, params)


def _cap() -> int:
    return settings.READINESS_MAX_SURVEY_UPLOAD_BYTES


def _xlsx_cap() -> int:
    return settings.READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES


def _inline_cap() -> int:
    return settings.READINESS_IMPORT_INLINE_BYTES


def _import_in_background(request, study, upload, session):
    """A large file is kept and imported by the background worker; its page follows it."""
    from readiness.web.jobs.models import Job
    from readiness.web.jobs.tasks import start

    name = get_valid_filename(Path(upload.name).name) or "upload.csv"
    job = start(
        Job.Kind.IMPORT,
        user=request.user,
        study=study,
        params={"file_name": upload.name, "session": session.pk if session else None},
        upload=upload,
        name=name,
    )
    return redirect("jobs:job", job_id=job.pk)


def _upload_html(error: str | None):
    module = engines["jinja2"].env.get_template("staff/upload.jinja").module
    params = {
        "id": "import-file",
        "name": "file",
        "label": {"text": "Response file", "size": "s"},
        "hint": {
            "text": "CSV, Excel (.xlsx), SPSS (.sav) or Stata (.dta): one row per response, one "
            "column per question named by its variable, holding the stored codes, as the "
            f"exports write them. At most {uploads.megabytes(_cap())}; an Excel file at most "
            f"{uploads.megabytes(_xlsx_cap())} once unpacked (about 12,000 responses): save "
            "larger ones as CSV."
        },
        "attributes": {"accept": ",".join(imports.SUFFIXES)},
    }
    if error:
        params["errorMessage"] = {"text": error}
    return module.upload(params)


def _session_radios(sessions, chosen: str, error: str | None) -> dict:
    items = [
        {
            "value": "",
            "text": "The sessions named in the file's session column",
            "hint": {"text": "Each row's session code must be one of this study's sessions."},
            "checked": chosen == "",
        },
        {"divider": "or"},
    ] + [
        {
            "value": str(s.pk),
            "text": f"All rows into session {s.code} ({s.date.isoformat()}, {s.site.name})",
            "checked": chosen == str(s.pk),
        }
        for s in sessions
    ]
    params = {
        "idPrefix": "import-session",
        "name": "session",
        "fieldset": {"legend": {"text": "Which session the responses belong to", "size": "s"}},
        "items": items,
    }
    if error:
        params["errorMessage"] = {"text": error}
    return params


@perm.study_view(perm.IMPORT_RESPONSES)
@require_http_methods(["GET", "POST"])
def import_page(request, study, access):
    sessions = list(
        Session.objects.filter(site__study=study)
        .select_related("site")
        .order_by("site__code", "date", "code")
    )
    by_id = {str(s.pk): s for s in sessions}
    chosen = request.POST.get("session", "") if request.method == "POST" else ""
    file_error = session_error = None
    problems = []
    problem_file = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        session = by_id.get(chosen)
        if chosen and session is None:
            session_error = "Choose one of the sessions listed"
        if upload is None:
            file_error = "Choose the response file to import"
        elif uploads.too_large(upload):
            file_error = f"The file must be smaller than {uploads.megabytes(_cap())}"
        elif Path(upload.name).suffix.lower() not in imports.SUFFIXES:
            file_error = "The file must be a CSV, XLSX, SAV or DTA file"
        if not file_error and not session_error and upload.size > _inline_cap():
            return _import_in_background(request, study, upload, session)
        if not file_error and not session_error:
            name = get_valid_filename(Path(upload.name).name) or "upload.csv"
            with tempfile.TemporaryDirectory(prefix="readiness-import-") as folder:
                path = Path(folder) / name
                with open(path, "wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    result = imports.import_file(
                        study,
                        path,
                        session=session,
                        actor=request.user,
                        file_name=upload.name,
                        zip_limits=imports.xlsx_limits(),
                    )
                except ProblemsError as err:
                    problems = err.problems
                    problem_file = upload.name
                else:
                    n = result.rows
                    text = f"Imported {n} response{'s' if n != 1 else ''} from {upload.name}" + (
                        f" into session {session.code}." if session else "."
                    )
                    if result.warnings:
                        w = len(result.warnings)
                        text += f" {w} warning{'s' if w != 1 else ''} about the file, below."
                        # Shown once, on the page this redirects to.
                        request.session[WARNINGS_KEY] = [
                            {"message": p.message, "fix": p.fix, "column": p.column}
                            for p in result.warnings[:50]
                        ]
                    messages.success(request, text)
                    return redirect("surveys:import", slug=study.slug)
    errors = []
    if file_error:
        errors.append({"text": file_error, "href": "#import-file"})
    if session_error:
        errors.append({"text": session_error, "href": "#import-session"})
    if problems:
        n = len(problems)
        errors.append(
            {
                "text": f"{problem_file}: {n} problem{'s' if n != 1 else ''}, listed below. "
                "Nothing was imported.",
                "href": "#import-problems",
            }
        )
    return render(
        request,
        "staff/import.jinja",
        {
            "study": study,
            "access": access,
            "upload_html": _upload_html(file_error),
            "session_html": _field("radios", _session_radios(sessions, chosen, session_error)),
            "errors": errors,
            "problems": problems[:MAX_LISTED_PROBLEMS],
            "more_problems": max(0, len(problems) - MAX_LISTED_PROBLEMS),
            "problem_file": problem_file,
            "imports": ResponseImport.objects.filter(study=study).select_related(
                "session", "imported_by"
            )[:20],
            "no_sessions": not sessions,
            "export_url": reverse("surveys:export", args=[study.slug]),
            "warnings": request.session.pop(WARNINGS_KEY, None)
            if request.method == "GET"
            else None,
        },
    )
