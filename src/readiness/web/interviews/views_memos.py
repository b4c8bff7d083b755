"""Memos: on the project, a transcript, a code or a coding; listed, added, edited, deleted."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from readiness.interviews.errors import InterviewError
from readiness.web.forms import error_list, render_form
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews import services
from readiness.web.interviews.forms import (
    MemoForm,
)
from readiness.web.interviews.views_common import problem_list, render_page, safe_next, to_int


@perm.project_view(perm.CODE)
@require_POST
def memo_add(request, project, access):
    form = MemoForm(request.POST, prefix="memo")
    target = request.POST.get("target", "project")
    target_id = request.POST.get("target_id") or None
    back = safe_next(request, redirect("interviews:project", slug=project.slug).url)
    if not form.is_valid():
        messages.error(request, "Write the memo before adding it.")
        return redirect(back)
    try:
        memo = services.add_memo(
            project,
            access,
            text=form.cleaned_data["text"],
            title=form.cleaned_data["title"],
            target=target,
            target_id=target_id,
            start=to_int(request.POST.get("start")),
            end=to_int(request.POST.get("end")),
        )
    except InterviewError as err:
        for t in services.problem_texts(err):
            messages.error(request, t)
        return redirect(back)
    messages.success(
        request,
        f"Memo added on {services.memo_target_label(project, memo.target, memo.target_id)}.",
    )
    return redirect(back.split("#")[0] + f"#memo-{memo.pk}")


@perm.project_view(perm.VIEW)
def memos(request, project, access):
    visible = set(services.visible_transcripts(project, access).values_list("guid", flat=True))
    rows = []
    for memo in m.Memo.objects.filter(project=project).select_related("author", "transcript"):
        label, link = _memo_place(project, memo, visible)
        if label is None:
            continue
        rows.append((memo, label, link))
    return render_page(request, "interviews/memos.jinja", project, access, rows=rows)


def _memo_place(project, memo, visible):
    """What a memo is about and where to see it; (None, None) when hidden from this person."""
    slug = project.slug
    if memo.target == "project":
        return "The project", f"/interviews/{slug}/"
    if memo.target == "source":
        if memo.target_id not in visible:
            return None, None
        t = m.Transcript.objects.filter(project=project, guid=memo.target_id).first()
        return f"Transcript {t.name}", f"/interviews/{slug}/transcripts/{t.guid}/"
    if memo.target == "code":
        c = m.Code.objects.filter(project=project, guid=memo.target_id).first()
        return (
            (f"Code {c.name}", f"/interviews/{slug}/codebook/{c.guid}/") if c else ("A code", None)
        )
    if memo.target == "coding":
        c = (
            m.Coding.objects.filter(project=project, guid=memo.target_id)
            .select_related("code", "transcript")
            .first()
        )
        if c is None or c.transcript.guid not in visible:
            return None, None
        return (
            f"Coding of {c.code.name} in {c.transcript.name}",
            f"/interviews/{slug}/codings/{c.guid}/",
        )
    if memo.transcript_id is None or memo.transcript.guid not in visible:
        return None, None
    return (
        f"Passage of {memo.transcript.name}",
        f"/interviews/{slug}/transcripts/{memo.transcript.guid}/?at={memo.start}&to={memo.end}#at",
    )


@perm.project_view(perm.CODE)
@require_http_methods(["GET", "POST"])
def memo(request, project, access, memo_id):
    row = get_object_or_404(m.Memo.objects.select_related("author"), project=project, pk=memo_id)
    visible = set(services.visible_transcripts(project, access).values_list("guid", flat=True))
    label, link = _memo_place(project, row, visible)
    if label is None:
        raise Http404
    if not access.may_change(row.author.account_id if row.author else None):
        raise PermissionDenied
    form = MemoForm(
        request.POST or None, prefix="memo", initial={"title": row.title, "text": row.text}
    )
    errors = []
    if request.method == "POST":
        if request.POST.get("delete"):
            services.delete_memo(row, access)
            messages.success(request, "Memo deleted.")
            return redirect(link or f"/interviews/{project.slug}/")
        if form.is_valid():
            try:
                services.update_memo(
                    row, access, text=form.cleaned_data["text"], title=form.cleaned_data["title"]
                )
            except InterviewError as err:
                errors = problem_list(err)
            else:
                messages.success(request, "Memo saved.")
                return redirect(link or f"/interviews/{project.slug}/")
        else:
            errors = error_list(form)
    return render_page(
        request,
        "interviews/memo.jinja",
        project,
        access,
        memo=row,
        about=label,
        link=link,
        fields=render_form(form),
        errors=errors,
    )
