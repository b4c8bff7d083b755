"""The codebook: codes and themes listed and added, and a code's page (edit, move, merge)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods

from readiness.interviews.errors import InterviewError
from readiness.web.forms import error_list, render_form
from readiness.web.interviews import analysis, services, views_coding
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews.forms import (
    CodeForm,
    MemoForm,
    ThemeForm,
)
from readiness.web.interviews.views_common import problem_list, render_page


def _code_form(project, data=None, *, initial=None, with_parent=True):
    parents = [(c.guid, "— " * d + c.name) for c, d in services.codebook_tree(project)]
    themes = list(m.Theme.objects.filter(project=project).values_list("guid", "name"))
    return CodeForm(data, parents=parents, themes=themes, initial=initial, with_parent=with_parent)


@perm.project_view(perm.VIEW)
@require_http_methods(["GET", "POST"])
def codebook(request, project, access):
    form = _code_form(project, request.POST if request.POST.get("add") == "code" else None)
    theme_form = ThemeForm(request.POST if request.POST.get("add") == "theme" else None)
    errors = []
    if request.method == "POST":
        try:
            if request.POST.get("add") == "theme":
                access.require(perm.MANAGE_CODEBOOK)
                if theme_form.is_valid():
                    th = services.add_theme(
                        project,
                        access,
                        name=theme_form.cleaned_data["theme_name"],
                        description=theme_form.cleaned_data["theme_description"],
                    )
                    messages.success(request, f"Theme {th.name} added.")
                    return redirect("interviews:codebook", slug=project.slug)
                errors = error_list(theme_form)
            else:
                access.require(perm.CODE)
                if form.is_valid():
                    d = form.cleaned_data
                    c = services.add_code(
                        project,
                        access,
                        name=d["name"],
                        parent=d.get("parent") or None,
                        definition=d["definition"],
                        inclusion=d["inclusion"],
                        exclusion=d["exclusion"],
                        example=d["example"],
                        themes=d.get("themes") or [],
                    )
                    messages.success(request, f"Code {c.name} added.")
                    return redirect("interviews:codebook", slug=project.slug)
                errors = error_list(form)
        except InterviewError as err:
            errors = problem_list(err)
    themes = list(m.Theme.objects.filter(project=project).prefetch_related("codes"))
    return render_page(
        request,
        "interviews/codebook.jinja",
        project,
        access,
        tree=services.codebook_tree(project),
        themes=themes,
        fields=render_form(form),
        theme_fields=render_form(theme_form),
        errors=errors,
    )


@perm.project_view(perm.VIEW)
@require_http_methods(["GET", "POST"])
def code(request, project, access, guid):
    row = get_object_or_404(m.Code, project=project, guid=guid)
    theme_guids = list(row.themes.values_list("guid", flat=True))
    form = _code_form(
        project,
        request.POST
        if request.method == "POST"
        and not request.POST.get("delete")
        and not request.POST.get("action")
        else None,
        initial={
            "name": row.name,
            "definition": row.definition,
            "inclusion": row.inclusion,
            "exclusion": row.exclusion,
            "example": row.example,
            "themes": theme_guids,
        },
        with_parent=False,
    )
    errors = []
    if request.method == "POST" and request.POST.get("action") in ("tree", "merge"):
        done, errors = views_coding.code_tree_post(request, project, access, row)
        if done is not None:
            return done
    elif request.method == "POST":
        done, errors = _edit_code(request, project, access, row, form)
        if done is not None:
            return done
    from readiness.interviews.outputs import segments

    core = services.core_for(project, access)
    segs = segments(core, row.guid)
    return render_page(
        request,
        "interviews/code.jinja",
        project,
        access,
        code=row,
        path=services.code_paths(project).get(row.pk, row.name),
        segments=segs,
        source_guid=analysis.guid_by_name(core),
        themes=row.themes.all(),
        fields=render_form(form) if access.has(perm.MANAGE_CODEBOOK) else [],
        errors=errors,
        memos=services.memos_on(project, "code", row.guid),
        memo_fields=render_form(MemoForm(prefix="memo")),
        **views_coding.tree_choices(project, row),
    )


def _edit_code(request, project, access, row, form):
    """Delete the code or save the form: (where to go next, or None; the errors)."""
    access.require(perm.MANAGE_CODEBOOK)
    try:
        if request.POST.get("delete"):
            services.delete_code(project, row, access)
            messages.success(request, f"Code {row.name} deleted.")
            return redirect("interviews:codebook", slug=project.slug), []
        if form.is_valid():
            d = form.cleaned_data
            services.update_code(
                project,
                row,
                access,
                name=d["name"],
                definition=d["definition"],
                inclusion=d["inclusion"],
                exclusion=d["exclusion"],
                example=d["example"],
                themes=d.get("themes") if "themes" in form.fields else None,
            )
            messages.success(request, "Code saved.")
            return redirect("interviews:code", slug=project.slug, guid=row.guid), []
        return None, error_list(form)
    except InterviewError as err:
        return None, problem_list(err)
