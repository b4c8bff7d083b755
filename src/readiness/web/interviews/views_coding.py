"""The coding screen: the transcript with its codings (:func:`transcript`), a coding's page, and
what the page's script asks for without reloading (the fragments after coding, moving a
coding's span or undoing), and the stylesheet of the codes' colours."""

from __future__ import annotations

import hashlib
from bisect import bisect_right

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST

from readiness.interviews.codebook import palette_colour
from readiness.interviews.errors import InterviewError
from readiness.interviews.model import Segment
from readiness.interviews.text import line_starts
from readiness.web.forms import render_form
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews import services
from readiness.web.interviews.forms import (
    MemoForm,
)
from readiness.web.interviews.render import (
    Span,
    render_chips,
    render_code_colours,
    render_codings,
    render_turns,
)
from readiness.web.interviews.views_common import problem_list, render_page, safe_next, to_int


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _coder_filter(request, project, access):
    """Whose codings the page shows: everyone's, only mine, or one coder's."""
    value = request.GET.get("coder") or "all"
    if value == "mine":
        coder = services.coder_of(project, access.user)
        return value, [coder.pk] if coder else []
    if value != "all":
        coder = m.Coder.objects.filter(project=project, guid=value).first()
        if coder is not None:
            return value, [coder.pk]
        value = "all"
    return value, None


def transcript_context(request, project, access, t: m.Transcript) -> dict:
    """What the transcript page (and its fragments after coding) shows."""
    shown, coder_ids = _coder_filter(request, project, access)
    qs = m.Coding.objects.filter(transcript=t)
    if coder_ids is not None:
        qs = qs.filter(coder_id__in=coder_ids)
    rows = list(
        qs.order_by("start", "end", "id").values_list(
            "pk", "guid", "start", "end", "code_id", "coder_id", "coder__account_id"
        )
    )
    at = _int(request.GET.get("at"))
    to = _int(request.GET.get("to"))
    highlight = (
        (at, to) if at is not None and to is not None and 0 <= at < to <= len(t.text) else None
    )
    turns = render_turns(
        t.text,
        [Span(r[0], r[2], r[3], r[4]) for r in rows],
        highlight=highlight,
        segments=tuple(Segment(*g) for g in t.segments or ()),
    )
    paths = services.code_paths(project)
    coders = dict(m.Coder.objects.filter(project=project).values_list("pk", "name"))
    memo_counts = dict(
        m.Memo.objects.filter(
            project=project,
            target="coding",
            target_id__in=m.Coding.objects.filter(transcript=t).values("guid"),
        )
        .values("target_id")
        .annotate(n=Count("id"))
        .values_list("target_id", "n")
    )
    starts = line_starts(t.text)
    me = access.user.pk
    codings = [
        {
            "pk": pk,
            "guid": guid,
            "start": s,
            "end": e,
            "code": paths.get(code_id, "?"),
            "code_pk": code_id,
            "coder": coders.get(coder_id, ""),
            "line": bisect_right(starts, s),
            "excerpt": _excerpt(t.text, s, e),
            "memos": memo_counts.get(guid, 0),
            "mine": owner == me,
            "may_change": access.has(perm.EDIT_ANY) or owner == me,
        }
        for pk, guid, s, e, code_id, coder_id, owner in rows
    ]
    return {
        "transcript": t,
        "turns": turns,
        "codings": codings,
        "shown": shown,
        "highlight": highlight,
        "codings_html": render_codings(codings, f"/interviews/{project.slug}/codings/"),
        "chips": render_chips(codings, turns, f"/interviews/{project.slug}/codings/"),
        "checked": [],
        "recording": m.TranscriptMedia.objects.filter(transcript=t).first(),
    }


def _excerpt(text: str, s: int, e: int, width: int = 72) -> str:
    piece = " ".join(text[s:e].split())
    return piece if len(piece) <= width else piece[: width - 1] + "…"


def codebook_choices(project):
    """Codes in codebook order with depth, theme names and numbers (every codable code has
    one: keys 1 to 9 tick the first nine, and the filter finds any by its number)."""
    tree = services.codebook_tree(project)
    themes: dict[int, list[str]] = {}
    for code_id, name in m.ThemeCode.objects.filter(theme__project=project).values_list(
        "code_id", "theme__name"
    ):
        themes.setdefault(code_id, []).append(name)
    out = []
    key = 0
    for c, depth in tree:
        shortcut = None
        if c.codable:
            key += 1
            shortcut = key
        out.append({"code": c, "depth": depth, "themes": themes.get(c.pk, []), "key": shortcut})
    return out


def fragments(request, project, access, t, message: str, **extra) -> JsonResponse:
    """The parts of the transcript page that change after coding, as JSON."""
    context = transcript_context(request, project, access, t)
    context.update(project=project, access=access)
    return JsonResponse(
        {
            "ok": True,
            "message": message,
            "text": render_to_string("interviews/_turns.jinja", context, request),
            "list": render_to_string("interviews/_codings.jinja", context, request),
            "codebook": render_to_string(
                "interviews/_codebook_choices.jinja",
                {**context, "codebook": codebook_choices(project)},
                request,
            ),
            **extra,
        }
    )


def undo(request, project, access, t, wants_json: bool):
    """Undo the page's last coding (its codings and the codes it made)."""
    access.require(perm.CODE)
    try:
        n, k = services.undo_codings(
            project,
            t,
            access,
            codings=request.POST.getlist("undo_codings"),
            codes=request.POST.getlist("undo_codes"),
        )
    except InterviewError as err:
        texts = services.problem_texts(err)
        if wants_json:
            return JsonResponse({"ok": False, "errors": texts}, status=400)
        for text in texts:
            messages.error(request, text)
        return redirect(request.path)
    note = f"Undone: {n} coding(s) deleted" + (f" and {k} new code(s)." if k else ".")
    if wants_json:
        return fragments(request, project, access, t, note)
    messages.success(request, note)
    return redirect(request.path)


@perm.project_view(perm.VIEW)
def codes_css(request, project, access):
    """Each code's colour as a class, ``.ri-k<pk>``: the page's marks, labels and swatches use
    it (the content security policy allows no inline styles)."""
    # A code without a colour (imported so) is shown in the palette's, by its place.
    codes = m.Code.objects.filter(project=project).order_by("position", "id")
    rows = [
        (pk, colour or palette_colour(i))
        for i, (pk, colour) in enumerate(codes.values_list("pk", "color"))
    ]
    body = render_code_colours(rows)
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    return response


def code_tree_post(request, project, access, row: m.Code):
    """The code page's colour, place and merge forms: (redirect, None) or (None, errors)."""
    action = request.POST.get("action")
    access.require(perm.MANAGE_CODEBOOK)
    try:
        if action == "merge":
            into = request.POST.get("into") or ""
            if not into:
                return None, [{"text": "Choose the code to merge it into."}]
            dst, n = services.merge_code(project, row, into, access)
            messages.success(request, f"Merged {row.name} into {dst.name} ({n} coding(s) moved).")
            return redirect("interviews:code", slug=project.slug, guid=dst.guid), None
        services.change_code(
            project,
            row,
            access,
            color=request.POST.get("color") or None,
            parent=request.POST.get("parent") or None,
        )
    except InterviewError as err:
        return None, [{"text": t} for t in services.problem_texts(err)]
    messages.success(request, "Colour and place saved.")
    return redirect("interviews:code", slug=project.slug, guid=row.guid), None


def tree_choices(project, row: m.Code) -> dict:
    """Where the code may go (not under itself or below it) and what it may merge into."""
    tree = services.codebook_tree(project)
    below: set[int] = {row.pk}
    for c, _depth in tree:  # parents come before their children
        if c.parent_id in below:
            below.add(c.pk)
    return {
        "parents": [(c, d) for c, d in tree if c.pk not in below],
        "merge_into": [(c, d) for c, d in tree if c.pk not in below],
    }


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
        return undo(request, project, access, t, wants_json)
    if request.method == "POST":
        access.require(perm.CODE)
        values = request.POST
        done, errors = _code_posted(request, project, access, t, wants_json)
        if done is not None:
            return done
    context = transcript_context(request, project, access, t)
    participants = list(t.participants.all())
    return render_page(
        request,
        "interviews/transcript.jinja",
        project,
        access,
        errors=errors,
        values=values,
        participants=participants,
        codebook=codebook_choices(project),
        coders=m.Coder.objects.filter(project=project, codings__transcript=t).distinct(),
        memos=services.memos_on(project, "source", t.guid),
        passage_memos=m.Memo.objects.filter(project=project, target="selection", transcript=t),
        memo_fields=render_form(MemoForm(prefix="memo")),
        **{**context, "checked": values.getlist("codes") if values else []},
    )


def _code_posted(request, project, access, t, wants_json: bool):
    """Code the posted passage: (the answer to give, or None to show the page again; errors)."""
    values = request.POST
    try:
        start, end = services.resolve_span(
            t.text,
            start=to_int(values.get("start")),
            end=to_int(values.get("end")),
            turn_from=to_int(values.get("turn_from")),
            turn_to=to_int(values.get("turn_to")),
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
        errors = problem_list(err)
        if wants_json:
            texts = [e["text"] for e in errors]
            return JsonResponse({"ok": False, "errors": texts}, status=400), errors
        return None, errors
    note = (
        f"Coded {end - start} characters with {len(made)} code(s)."
        if made
        else "That passage already has those codes from you."
    )
    if wants_json:
        undo_data = {
            "codings": [c.guid for c in made],
            "codes": services.new_code_guids(project, made),
        }
        codings = [c.pk for c in made]
        return fragments(request, project, access, t, note, codings=codings, undo=undo_data), []
    messages.success(request, note)
    anchor = f"#c{made[0].pk}" if made else ""
    query = request.GET.urlencode()
    return redirect(request.path + (f"?{query}" if query else "") + anchor), []


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
                start=to_int(request.POST.get("start")),
                end=to_int(request.POST.get("end")),
                code=request.POST.get("code") or None,
            )
        except InterviewError as err:
            errors = problem_list(err)
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse(
                    {"ok": False, "errors": [e["text"] for e in errors]}, status=400
                )
        else:
            if request.headers.get("Accept", "").startswith("application/json"):
                note = (
                    f"The coding of {row.code.name} now covers characters {row.start} to {row.end}."
                )
                return fragments(request, project, access, t, note, codings=[row.pk])
            messages.success(request, "Coding saved.")
            return redirect("interviews:coding", slug=project.slug, guid=row.guid)
    codes = [(c, d) for c, d in services.codebook_tree(project) if c.codable]
    return render_page(
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
        safe_next(
            request,
            redirect("interviews:transcript", slug=project.slug, guid=row.transcript.guid).url,
        )
    )
