"""The coding screen: the transcript with its codings, and what the page's script asks for
without reloading (the fragments after coding, moving a coding's span or undoing), and the
stylesheet of the codes' colours.  The page itself is :func:`views.transcript`."""

from __future__ import annotations

import hashlib
from bisect import bisect_right

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string

from readiness.interviews.codebook import palette_colour
from readiness.interviews.errors import InterviewError
from readiness.interviews.model import Segment
from readiness.interviews.text import line_starts
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews import services
from readiness.web.interviews.render import (
    Span,
    render_chips,
    render_code_colours,
    render_codings,
    render_turns,
)


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
