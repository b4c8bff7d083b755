"""Pages for projects, their people, transcripts and participants: the list of projects,
creating and importing one, its page and members, adding transcripts (for a participant, with a
recording), renaming and merging participants, and playing a transcript's recording.

Thin, as every interview page: each checks the role (:func:`permissions.project_view`), reads
its form and calls :mod:`.services`, :mod:`.people` or :mod:`.media`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from readiness.interviews.errors import InterviewError
from readiness.web.forms import error_list, render_form
from readiness.web.interviews import media, people, services
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews.forms import (
    ImportForm,
    MemberForm,
    MemoForm,
    ProjectForm,
    TranscriptsForm,
)
from readiness.web.interviews.views_common import problem_list, render_page
from readiness.web.permissions import roles_held
from readiness.web.uploads import megabytes


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
            errors = problem_list(err)
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
            errors = problem_list(err)
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


@perm.signed_in
def projects(request):
    user = request.user
    rows = roles_held(user, m.InterviewProject.objects.all(), m.Member.objects, "project")
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
            errors = problem_list(err)
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
    """Import a project: the upload is kept and imported by the background worker (a large
    project takes longer than a request may), whose page follows it and then links to the
    project (:func:`readiness.web.jobs.work.import_interview_project`)."""
    if not perm.can_create_projects(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = error_list(form) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.importable(upload.name)
        except InterviewError as err:
            errors = problem_list(err)
        else:
            return _queue_import(request, upload, form.cleaned_data.get("line_endings") or "auto")
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


def _queue_import(request, upload, line_endings: str):
    """Keep the upload in the jobs' private folder, queue its import, show the job's page."""
    from readiness.web.jobs.models import Job
    from readiness.web.jobs.tasks import start

    job = start(
        Job.Kind.INTERVIEW_IMPORT,
        user=request.user,
        study=None,
        params={"file_name": upload.name, "line_endings": line_endings},
        upload=upload,
        name=services.safe_name(upload.name, "project.qdpx"),
    )
    return redirect("jobs:job", job_id=job.pk)


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
    return render_page(
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
    return render_page(
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
