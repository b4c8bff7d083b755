"""Search, the framework matrix, the theme report, agreement (and resolving disagreements),
downloads and the audit log: the core's outputs through :mod:`.analysis`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from readiness.interviews.errors import InterviewError
from readiness.web.attachment import attachment
from readiness.web.interviews import analysis, services
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews.views_common import problem_list, render_page, to_int


@perm.project_view(perm.VIEW)
def search(request, project, access):
    query = (request.GET.get("q") or "").strip()
    options = {
        "whole_word": bool(request.GET.get("whole_word")),
        "case_sensitive": bool(request.GET.get("case_sensitive")),
        "regex": bool(request.GET.get("regex")),
    }
    hits, n_sources, errors = [], 0, []
    if query:
        try:
            hits, n_sources = analysis.search(project, access, query, **options)
        except InterviewError as err:
            errors = problem_list(err)
    return render_page(
        request,
        "interviews/search.jinja",
        project,
        access,
        query=query,
        options=options,
        hits=hits,
        n_sources=n_sources,
        errors=errors,
    )


def _where(request) -> dict | None:
    """``?where=attribute:value`` filters (repeatable)."""
    out: dict[str, list[str]] = {}
    for item in request.GET.getlist("where"):
        if ":" in item:
            k, v = item.split(":", 1)
            out.setdefault(k, []).append(v)
    return out or None


@perm.project_view(perm.VIEW)
def framework(request, project, access):
    from readiness.interviews.outputs import framework_matrix

    by = "code" if request.GET.get("by") == "code" else "theme"
    core = services.core_for(project, access)
    errors, fm = [], None
    where = _where(request)
    try:
        fm = framework_matrix(core, by=by, where=where)
    except InterviewError as err:
        errors = problem_list(err)
    values: dict[str, set] = {}
    for p in core.participants.values():
        for k, v in p.attributes.items():
            values.setdefault(k, set()).add(str(v))
    return render_page(
        request,
        "interviews/framework.jinja",
        project,
        access,
        fm=fm,
        by=by,
        where=where or {},
        filters={k: sorted(v) for k, v in sorted(values.items())},
        errors=errors,
        source_guid=analysis.guid_by_name(core),
    )


@perm.project_view(perm.VIEW)
def report(request, project, access):
    from readiness.interviews.outputs import theme_report

    core = services.core_for(project, access)
    group_by = request.GET.get("group_by") or "professional_group"
    rep = theme_report(core, group_by=group_by)
    return render_page(
        request,
        "interviews/report.jinja",
        project,
        access,
        report=rep,
        attributes=[v.name for v in core.variables.values()],
        group_by=rep.group_by,
    )


@perm.project_view(perm.VIEW)
@require_http_methods(["GET", "POST"])
def agreement(request, project, access):
    params = request.POST if request.method == "POST" else request.GET
    unit = "character" if params.get("unit") == "character" else "turn"
    coders = [c for c in params.getlist("coders") if c]
    skip = [s for s in params.getlist("skip") if s]
    interviewer = params.get("interviewer") == "1"
    if request.method == "POST":
        _resolve(request, project, access, coders, unit, skip, interviewer)
        query = "&".join(
            [f"unit={unit}"]
            + [f"coders={c}" for c in coders]
            + [f"skip={s}" for s in skip]
            + (["interviewer=1"] if interviewer else [])
        )
        return redirect(f"{request.path}?{query}#disagreements")
    res, problems, core = analysis.agreement(
        project, access, coders=coders, unit=unit, skip=skip, interviewer=interviewer
    )
    all_coders = sorted({core.user_name(c.coder) for c in core.codings.values() if c.coder})
    mine = services.coder_of(project, access.user)
    me = mine.name if mine is not None else access.user.get_username()
    limit = 200
    return render_page(
        request,
        "interviews/agreement.jinja",
        project,
        access,
        result=res,
        problems=problems,
        unit=unit,
        coders=coders,
        skip=skip,
        interviewer=interviewer,
        all_coders=all_coders,
        speakers=analysis.speakers(core),
        source_guid=analysis.guid_by_name(core),
        code_guid={core.code_path(c): c for c in core.codes},
        me=me,
        disagreements=res.disagreements[:limit] if res else [],
        more=max(0, len(res.disagreements) - limit) if res else 0,
    )


def _resolve(request, project, access, coders, unit, skip, interviewer) -> None:
    """Resolve the disagreement posted, saying how it went in a message."""
    post = request.POST
    try:
        n = analysis.resolve(
            project,
            access,
            source=post.get("source", ""),
            code=post.get("code", ""),
            start=to_int(post.get("start")) or 0,
            end=to_int(post.get("end")) or 0,
            action=post.get("action", ""),
            coders=coders or None,
            unit=unit,
            skip=skip,
            interviewer=interviewer,
        )
    except InterviewError as err:
        for t in services.problem_texts(err):
            messages.error(request, t)
    else:
        messages.success(request, f"Disagreement resolved ({n} coding(s) changed).")


@perm.project_view(perm.EXPORT)
@require_http_methods(["GET", "POST"])
def downloads(request, project, access):
    errors = []
    if request.method == "POST":
        key = request.POST.get("download", "")
        try:
            name, data, content_type = analysis.download(
                project,
                access,
                key,
                reason=request.POST.get("reason"),
                by="code" if request.POST.get("by") == "code" else "theme",
            )
        except InterviewError as err:
            errors = problem_list(err)
        else:
            response = HttpResponse(data, content_type=content_type)
            response["Content-Disposition"] = attachment(name)
            response["Cache-Control"] = "no-store"
            return response
    items = [d for d in analysis.DOWNLOADS.values() if access.has(d.permission)]
    return render_page(
        request,
        "interviews/downloads.jinja",
        project,
        access,
        items=items,
        raw=analysis.unpseudonymised(project, access),
        errors=errors,
        chosen=request.POST.get("download", ""),
        reason=request.POST.get("reason", ""),
    )


@perm.project_view(perm.VIEW_AUDIT)
def audit(request, project, access):
    entries = m.AuditEntry.objects.filter(project=project).order_by("-id")[:500]
    return render_page(request, "interviews/audit.jinja", project, access, entries=entries)
