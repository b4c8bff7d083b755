"""Participants of an interview project in the web: rename, merge, and transcripts uploaded
for one participant with their recording.

Each change is made by the core (:meth:`Project.rename_participant
<readiness.interviews.model.Project.rename_participant>`, :meth:`Project.merge_participants
<readiness.interviews.model.Project.merge_participants>`) on the whole project, logged in the
project's audit log (by GUID: an identifier may still be a real name before review) and
written back, in a transaction that first locks the project's row.  A renamed or merged
participant has changed since the last pseudonymisation review, so coders' exports wait for
the next review, as after any other change.
"""

from __future__ import annotations

from django.db import transaction

from readiness.interviews.errors import fail
from readiness.web.interviews import convert, media, services
from readiness.web.interviews import models as m

__all__ = ["add_transcripts", "merge", "rename"]


def _participant(project: m.InterviewProject, pk) -> m.Participant:
    row = m.Participant.objects.filter(project=project, pk=pk).first()
    if row is None:
        raise fail("there is no such participant in this project.", fix="choose one from the list.")
    return row


def rename(project: m.InterviewProject, pk, new_name: str, user) -> m.Participant:
    """Give participant ``pk`` the identifier ``new_name``."""
    with transaction.atomic():
        locked = m.InterviewProject.objects.select_for_update().get(pk=project.pk)
        row = _participant(locked, pk)
        core = convert.to_core(locked)
        p = core.rename_participant(row.guid, new_name)
        if p.name != row.name:
            core.log("rename-participant", user.get_username(), participant=row.guid)
        convert.sync(core, locked)
    return m.Participant.objects.get(project=project, guid=row.guid)


def merge(project: m.InterviewProject, pk, into_pk, user) -> tuple[m.Participant, int]:
    """Move every transcript of participant ``pk`` to ``into_pk`` and remove ``pk``;
    returns the participant kept and how many transcripts moved."""
    with transaction.atomic():
        locked = m.InterviewProject.objects.select_for_update().get(pk=project.pk)
        gone, kept = _participant(locked, pk), _participant(locked, into_pk)
        core = convert.to_core(locked)
        before = len(core.participants[kept.guid].sources)
        p = core.merge_participants(gone.guid, kept.guid)
        moved = len(p.sources) - before
        core.log(
            "merge-participants",
            user.get_username(),
            participant=gone.guid,
            into=kept.guid,
            transcripts=moved,
        )
        convert.sync(core, locked)
    return m.Participant.objects.get(project=project, guid=kept.guid), moved


def add_transcripts(
    project: m.InterviewProject,
    files: list[tuple[str, bytes]],
    *,
    participants=None,
    user=None,
    encoding: str | None = None,
    participant: str | None = None,
    recording=None,
) -> dict:
    """:func:`services.add_transcripts`, and the recording of the one transcript uploaded, if
    given: all or none (a recording that cannot be kept adds no transcript)."""
    if recording is not None:
        if len(files) != 1:
            raise fail(
                "a recording can be added with one transcript at a time.",
                fix="upload the transcript of this recording on its own.",
                file=recording.name,
            )
        media.check_media(recording)
    stored = None
    try:
        with transaction.atomic():
            done = services.add_transcripts(
                project,
                files,
                participants=participants,
                user=user,
                encoding=encoding,
                participant=participant,
            )
            if recording is not None:
                t = m.Transcript.objects.get(project=project, guid=done["guids"][0])
                stored = media.save_media(t, recording).stored
                m.AuditEntry.objects.create(
                    project=project,
                    time=_now(),
                    action="add-recording",
                    user=user.get_username() if user is not None else None,
                    details={"source": t.guid, "bytes": recording.size},
                )
    except BaseException:
        if stored:
            media.remove_file(stored)
        raise
    return done


def _now() -> str:
    from readiness.interviews.model import now_iso

    return now_iso()
