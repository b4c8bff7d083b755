"""Pages for a project's transcripts and participants: adding transcripts (for a participant,
with a recording), renaming and merging participants, and playing a transcript's recording.

Thin, as :mod:`.views`: each checks the role (:func:`permissions.project_view`) and calls
:mod:`.people` or :mod:`.media`."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from readiness.interviews.errors import InterviewError
from readiness.web.forms import error_list
from readiness.web.interviews import media, people, services
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews.forms import TranscriptsForm
from readiness.web.uploads import megabytes


def _errors(err: InterviewError) -> list[dict]:
    return [{"text": t} for t in services.problem_texts(err)]


@perm.project_view(perm.MANAGE_TRANSCRIPTS)
@require_http_methods(["GET", "POST"])
def transcripts_add(request, project, access):
    form = TranscriptsForm(request.POST or None, request.FILES or None)
    errors = error_list(form) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = people.add_transcripts(
                project,
                form.transcript_files(),
                participants=form.participants_file(),
                user=request.user,
                encoding=data["encoding"],
                participant=data["participant"],
                recording=data["recording"],
            )
        except InterviewError as err:
            errors = _errors(err)
        else:
            messages.success(request, _added(done, data))
            return redirect("interviews:project", slug=project.slug)
    values = {k: (form.data.get(k) or "").strip() for k in ("participant", "encoding")}
    return render(
        request,
        "interviews/transcripts_add.jinja",
        {
            "project": project,
            "access": access,
            "errors": errors,
            "values": values,
            "known": m.Participant.objects.filter(project=project).values_list("name", flat=True),
            "media_types": ", ".join(media.MEDIA_TYPES),
            "media_limit": megabytes(media.max_media_bytes()),
        },
    )


def _added(done: dict, data: dict) -> str:
    """What adding the files did, in a sentence."""
    parts = []
    if done["transcripts"]:
        parts.append(f"{done['transcripts']} transcript(s) added")
        if data["participant"]:
            parts[-1] += f" for participant {data['participant']}"
    if data["recording"] is not None:
        parts.append("with its recording")
    if done["participants"]:
        parts.append(f"attributes of {done['participants']} participant(s) read")
    said = "; ".join(parts)  # not capitalize(): it would lower "P21"
    return said[:1].upper() + said[1:] + ". Review their pseudonymisation before anyone codes them."


@perm.project_view(perm.MANAGE_TRANSCRIPTS)
@require_http_methods(["GET", "POST"])
def participants(request, project, access):
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rename":
                row = people.rename(
                    project,
                    request.POST.get("participant"),
                    request.POST.get("name", ""),
                    request.user,
                )
                messages.success(request, f"Participant renamed {row.name}.")
            elif action == "merge":
                row, moved = people.merge(
                    project, request.POST.get("participant"), request.POST.get("into"), request.user
                )
                messages.success(
                    request,
                    f"Merged into {row.name}: {moved} transcript(s) moved.",
                )
            else:
                raise Http404
        except InterviewError as err:
            errors = _errors(err)
        except ValueError:  # a participant number that is not a number
            errors = [{"text": "Choose a participant from the list."}]
        else:
            return redirect("interviews:participants", slug=project.slug)
    rows = (
        m.Participant.objects.filter(project=project)
        .annotate(n=Count("links"))
        .prefetch_related("transcripts")
        .order_by("position", "id")
    )
    return render(
        request,
        "interviews/participants.jinja",
        {"project": project, "access": access, "rows": rows, "errors": errors},
    )


@perm.project_view(perm.VIEW)
@require_http_methods(["GET", "HEAD"])
def recording(request, project, access, guid):
    """A transcript's recording, for those who may read the transcript."""
    t = services.visible_transcripts(project, access).filter(guid=guid).first()
    row = m.TranscriptMedia.objects.filter(transcript=t).first() if t is not None else None
    if row is None:
        raise Http404
    return media.media_response(request, row)
