"""The interview pages.  Thin: each checks the role (:func:`permissions.project_view`), reads
its form and calls :mod:`.services`, :mod:`.review` or :mod:`.analysis`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from readiness.interviews.errors import InterviewError
from readiness.web.attachment import attachment
from readiness.web.forms import error_list, render_form
from readiness.web.interviews import analysis, review, services, views_coding
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews.forms import (
    CodeForm,
    ImportForm,
    MemberForm,
    MemoForm,
    ProjectForm,
    ThemeForm,
)


def _page(request, template, project=None, access=None, **context):
    context.update(project=project, access=access)
    return render(request, template, context)


def _errors(err: InterviewError) -> list[dict]:
    return [{"text": t} for t in services.problem_texts(err)]


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# -- projects ----------------------------------------------------------------------------------


@perm.signed_in
def projects(request):
    user = request.user
    if user.is_superuser:
        rows = [(p, "System administrator") for p in m.InterviewProject.objects.all()]
    else:
        rows = [
            (mb.project, mb.get_role_display())
            for mb in m.Member.objects.filter(user=user).select_related("project")
        ]
    return render(
        request,
        "interviews/projects.jinja",
        {"rows": rows, "can_create": perm.can_create_projects(user)},
    )


@perm.signed_in
@require_http_methods(["GET", "POST"])
def project_new(request):
    if not perm.can_create_projects(request.user):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, initial={"starter_codebook": True})
    errors = error_list(form) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.new_project(
                data["name"],
                request.user,
                description=data["description"],
                starter_codebook=data["starter_codebook"],
                topic_guide=data["topic_guide"],
            )
        except InterviewError as err:
            errors = _errors(err)
        else:
            messages.success(request, f"Project {project.name} created. Add its transcripts next.")
            return redirect("interviews:transcripts_add", slug=project.slug)
    return render(
        request,
        "interviews/form.jinja",
        {
            "title": "Create an interview project",
            "fields": render_form(form),
            "errors": errors,
            "button_text": "Create project",
            "back": redirect("interviews:projects").url,
        },
    )


@perm.signed_in
@require_http_methods(["GET", "POST"])
def project_import(request):
    if not perm.can_create_projects(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST":
        errors = error_list(form)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with services.private_folder() as folder:
                path = folder / services.safe_name(upload.name, "project.qdpx")
                try:
                    services.check_upload_size([upload])
                    with open(path, "wb") as fh:
                        for chunk in upload.chunks():
                            fh.write(chunk)
                    project, warnings = services.import_project(
                        path,
                        request.user,
                        line_endings=form.cleaned_data.get("line_endings") or "auto",
                    )
                except InterviewError as err:
                    errors = [{"text": t} for t in services.problem_texts(err, folder)]
                else:
                    messages.success(request, f"Imported {upload.name} as project {project.name}.")
                    for w in warnings[:10]:
                        messages.warning(request, w)
                    return redirect("interviews:project", slug=project.slug)
    return render(
        request,
        "interviews/form.jinja",
        {
            "title": "Import an interview project",
            "fields": render_form(form),
            "errors": errors,
            "button_text": "Import project",
            "multipart": True,
            "back": redirect("interviews:projects").url,
        },
    )


@perm.project_view(perm.VIEW)
def project(request, project, access):
    transcripts = (
        services.visible_transcripts(project, access)
        .annotate(n_codings=Count("codings"))
        .prefetch_related("participants")
        .order_by("position", "id")
    )
    hidden = m.Transcript.objects.filter(project=project).count() - len(transcripts)
    participants = list(m.Participant.objects.filter(project=project))
    attributes = list(m.Variable.objects.filter(project=project).values_list("name", flat=True))
    sets_of: dict[str, list[str]] = {}
    for name, members in m.DocumentSet.objects.filter(project=project).values_list(
        "name", "sources"
    ):
        for guid in members or ():
            sets_of.setdefault(guid, []).append(name)
    return _page(
        request,
        "interviews/project.jinja",
        project,
        access,
        transcripts=transcripts,
        sets_of=sets_of,
        hidden=hidden,
        participants=participants,
        attributes=attributes,
        memos=services.memos_on(project, "project"),
        memo_fields=render_form(MemoForm(prefix="memo")),
    )


@perm.project_view(perm.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def members(request, project, access):
    form = MemberForm(request.POST or None, actor=request.user, project=project)
    if request.method == "POST" and form.is_valid():
        member = services.set_member(
            project, form.cleaned_data["username"], form.cleaned_data["role"]
        )
        messages.success(request, f"{member.user.username} is now {member.get_role_display()}.")
        return redirect("interviews:members", slug=project.slug)
    return _page(
        request,
        "interviews/members.jinja",
        project,
        access,
        rows=project.members.select_related("user"),
        fields=render_form(form),
        errors=error_list(form),
    )


@perm.project_view(perm.MANAGE_MEMBERS)
@require_POST
def member_remove(request, project, access, member_id):
    member = get_object_or_404(m.Member, pk=member_id, project=project)
    if member.user_id == request.user.id and member.role == m.Role.LEAD:
        messages.error(request, "You cannot remove yourself as project lead.")
    else:
        member.delete()
        messages.success(request, f"{member.user.username} removed from the project.")
    return redirect("interviews:members", slug=project.slug)


# -- transcripts -------------------------------------------------------------------------------


def _transcript(project, access, guid) -> m.Transcript:
    t = services.visible_transcripts(project, access).filter(guid=guid).first()
    if t is None:
        raise Http404
    return t


def _context(text: str, pos: int, *, before: bool, width: int = 160) -> str:
    """Up to ``width`` characters before or after ``pos``, cut at a word, with an ellipsis
    where the transcript goes on."""
    if before:
        a = max(0, pos - width)
        piece = text[a:pos]
        if a > 0:
            piece = "…" + (piece.split(None, 1)[1] if len(piece.split(None, 1)) == 2 else piece)
        return piece.lstrip("\n")
    b = min(len(text), pos + width)
    piece = text[pos:b]
    if b < len(text):
        piece = (piece.rsplit(None, 1)[0] if len(piece.rsplit(None, 1)) == 2 else piece) + "…"
    return piece.rstrip("\n")


@perm.project_view(perm.VIEW)
@require_http_methods(["GET", "POST"])
def transcript(request, project, access, guid):
    t = _transcript(project, access, guid)
    errors = []
    values = {}
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.method == "POST" and request.POST.get("undo"):
        return views_coding.undo(request, project, access, t, wants_json)
    if request.method == "POST":
        access.require(perm.CODE)
        values = request.POST
        try:
            start, end = services.resolve_span(
                t.text,
                start=_int(values.get("start")),
                end=_int(values.get("end")),
                turn_from=_int(values.get("turn_from")),
                turn_to=_int(values.get("turn_to")),
                words=values.get("words"),
            )
            made = services.code_passage(
                project,
                t,
                access,
                start=start,
                end=end,
                codes=values.getlist("codes"),
                new_code=values.get("new_code", ""),
                in_vivo=bool(values.get("in_vivo")),
                revision=values.get("revision") or None,
            )
        except InterviewError as err:
            errors = _errors(err)
            if wants_json:
                return JsonResponse(
                    {"ok": False, "errors": [e["text"] for e in errors]}, status=400
                )
        else:
            note = (
                f"Coded {end - start} characters with {len(made)} code(s)."
                if made
                else "That passage already has those codes from you."
            )
            if wants_json:
                return views_coding.fragments(
                    request,
                    project,
                    access,
                    t,
                    note,
                    codings=[c.pk for c in made],
                    undo={
                        "codings": [c.guid for c in made],
                        "codes": services.new_code_guids(project, made),
                    },
                )
            messages.success(request, note)
            anchor = f"#c{made[0].pk}" if made else ""
            query = request.GET.urlencode()
            return redirect(request.path + (f"?{query}" if query else "") + anchor)
    context = views_coding.transcript_context(request, project, access, t)
    participants = list(t.participants.all())
    return _page(
        request,
        "interviews/transcript.jinja",
        project,
        access,
        errors=errors,
        values=values,
        participants=participants,
        codebook=views_coding.codebook_choices(project),
        coders=m.Coder.objects.filter(project=project, codings__transcript=t).distinct(),
        memos=services.memos_on(project, "source", t.guid),
        passage_memos=m.Memo.objects.filter(project=project, target="selection", transcript=t),
        memo_fields=render_form(MemoForm(prefix="memo")),
        **{**context, "checked": values.getlist("codes") if values else []},
    )


@perm.project_view(perm.VIEW)
@require_http_methods(["GET", "POST"])
def coding(request, project, access, guid):
    row = get_object_or_404(
        m.Coding.objects.select_related("transcript", "code", "coder"), project=project, guid=guid
    )
    t = _transcript(project, access, row.transcript.guid)
    may_change = access.may_change(row.coder.account_id if row.coder else None)
    errors = []
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        try:
            services.update_coding(
                project,
                row,
                access,
                start=_int(request.POST.get("start")),
                end=_int(request.POST.get("end")),
                code=request.POST.get("code") or None,
            )
        except InterviewError as err:
            errors = _errors(err)
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse(
                    {"ok": False, "errors": [e["text"] for e in errors]}, status=400
                )
        else:
            if request.headers.get("Accept", "").startswith("application/json"):
                note = (
                    f"The coding of {row.code.name} now covers characters {row.start} to {row.end}."
                )
                return views_coding.fragments(request, project, access, t, note, codings=[row.pk])
            messages.success(request, "Coding saved.")
            return redirect("interviews:coding", slug=project.slug, guid=row.guid)
    codes = [(c, d) for c, d in services.codebook_tree(project) if c.codable]
    return _page(
        request,
        "interviews/coding.jinja",
        project,
        access,
        coding=row,
        transcript=t,
        text=t.text[row.start : row.end],
        before=_context(t.text, row.start, before=True),
        after=_context(t.text, row.end, before=False),
        codes=codes,
        may_change=may_change,
        errors=errors,
        memos=services.memos_on(project, "coding", row.guid),
        memo_fields=render_form(MemoForm(prefix="memo")),
    )


@perm.project_view(perm.CODE)
@require_POST
def coding_delete(request, project, access, guid):
    row = get_object_or_404(
        m.Coding.objects.select_related("transcript", "coder"), project=project, guid=guid
    )
    _transcript(project, access, row.transcript.guid)
    services.delete_coding(project, row, access)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": True})
    messages.success(request, f"Coding of {row.code.name} deleted.")
    return redirect(
        _next(
            request,
            redirect("interviews:transcript", slug=project.slug, guid=row.transcript.guid).url,
        )
    )


# -- memos -------------------------------------------------------------------------------------


@perm.project_view(perm.CODE)
@require_POST
def memo_add(request, project, access):
    form = MemoForm(request.POST, prefix="memo")
    target = request.POST.get("target", "project")
    target_id = request.POST.get("target_id") or None
    back = _next(request, redirect("interviews:project", slug=project.slug).url)
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
            start=_int(request.POST.get("start")),
            end=_int(request.POST.get("end")),
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
    return _page(request, "interviews/memos.jinja", project, access, rows=rows)


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
                errors = _errors(err)
            else:
                messages.success(request, "Memo saved.")
                return redirect(link or f"/interviews/{project.slug}/")
        else:
            errors = error_list(form)
    return _page(
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


# -- codebook ----------------------------------------------------------------------------------


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
            errors = _errors(err)
    themes = list(m.Theme.objects.filter(project=project).prefetch_related("codes"))
    return _page(
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
        access.require(perm.MANAGE_CODEBOOK)
        try:
            if request.POST.get("delete"):
                services.delete_code(project, row, access)
                messages.success(request, f"Code {row.name} deleted.")
                return redirect("interviews:codebook", slug=project.slug)
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
                return redirect("interviews:code", slug=project.slug, guid=row.guid)
            errors = error_list(form)
        except InterviewError as err:
            errors = _errors(err)
    from readiness.interviews.outputs import segments

    core = services.core_for(project, access)
    segs = segments(core, row.guid)
    return _page(
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


# -- search, framework, report, agreement ------------------------------------------------------


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
            errors = _errors(err)
    return _page(
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
        errors = _errors(err)
    values: dict[str, set] = {}
    for p in core.participants.values():
        for k, v in p.attributes.items():
            values.setdefault(k, set()).add(str(v))
    return _page(
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
    return _page(
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
        try:
            n = analysis.resolve(
                project,
                access,
                source=request.POST.get("source", ""),
                code=request.POST.get("code", ""),
                start=_int(request.POST.get("start")) or 0,
                end=_int(request.POST.get("end")) or 0,
                action=request.POST.get("action", ""),
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
    return _page(
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


# -- pseudonymisation --------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("key")
@perm.project_view(perm.MANAGE_TRANSCRIPTS)
@require_http_methods(["GET", "POST"])
def pseudonymise(request, project, access):
    transcripts = list(m.Transcript.objects.filter(project=project).order_by("position", "id"))
    errors, proposals, fingerprint, shown = [], None, "", None
    post = request.POST
    key_text = post.get("key", "")
    upload = request.FILES.get("key_file")
    if upload is not None:
        from readiness.interviews.transcripts import decode

        try:
            services.check_upload_size([upload])
            key_text = decode(upload.read(), file="the key file")
        except InterviewError as err:
            key_text = ""
            errors = _errors(err)
    chosen = (
        post.getlist("sources")
        if request.method == "POST"
        else [t.guid for t in transcripts if not t.pseudonymised]
        or [t.guid for t in transcripts]  # all reviewed: again, for what changed since
    )
    kinds = post.getlist("kinds") if request.method == "POST" else list(review.KINDS)
    if request.method == "POST" and not errors:
        try:
            choices = review.read_choices(post) if post.get("step") == "apply" else None
            if post.get("step") == "apply" and "goto" not in post:
                result = review.apply(
                    project,
                    request.user,
                    key_text=key_text,
                    sources=chosen,
                    kinds=kinds,
                    seen=post.get("seen", ""),
                    choices=choices,
                )
                accepted = sum(result["accepted"].values())
                rejected = sum(result["rejected"].values())
                messages.success(
                    request,
                    f"Replaced {accepted}, kept {rejected}. "
                    f"{result['transcripts']} transcript(s) marked as pseudonymised.",
                )
                return redirect("interviews:project", slug=project.slug)
            proposals = review.propose(project, key_text, chosen, kinds)
            fingerprint = review.fingerprint(proposals)
            shown = review.page(review.groups(proposals, choices), post.get("goto", 1))
        except InterviewError as err:
            errors = _errors(err)
            if proposals is None and post.get("step") == "apply":  # the review again, as it is
                try:
                    proposals = review.propose(project, key_text, chosen, kinds)
                    fingerprint = review.fingerprint(proposals)
                    shown = review.page(review.groups(proposals, choices), post.get("page", 1))
                except InterviewError:
                    proposals = None
    return _page(
        request,
        "interviews/pseudonymise.jinja",
        project,
        access,
        transcripts=transcripts,
        chosen=list(dict.fromkeys(chosen)),
        kinds=kinds,
        kind_labels=review.KIND_LABELS,
        key_text=key_text,
        proposals=proposals,
        page=shown,
        fingerprint=fingerprint,
        errors=errors,
    )


# -- downloads and audit -----------------------------------------------------------------------


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
            errors = _errors(err)
        else:
            response = HttpResponse(data, content_type=content_type)
            response["Content-Disposition"] = attachment(name)
            response["Cache-Control"] = "no-store"
            return response
    items = [d for d in analysis.DOWNLOADS.values() if access.has(d.permission)]
    return _page(
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
    return _page(request, "interviews/audit.jinja", project, access, entries=entries)
