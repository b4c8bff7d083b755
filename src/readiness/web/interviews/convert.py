"""The database and the core's :class:`~readiness.interviews.model.Project`, both ways.

:func:`to_core` reads a project's rows into a core project (all of it, or only some
transcripts: a coder's view leaves out those not yet pseudonymised).  :func:`sync` writes a
*complete* core project back: it creates, updates and deletes rows by GUID so that the
database holds exactly the core project, changing only rows that differ, and moves the core's
new audit entries into :class:`~readiness.web.interviews.models.AuditEntry`.

So every operation that the core knows (import of transcripts, attributes, a ``.qdpx`` file or
a project folder; pseudonymisation; REFI-QDA export) runs on a core project and is written back
here; nothing of it is re-implemented in the web application.
"""

from __future__ import annotations

from dataclasses import asdict, astuple, replace

from django.db import transaction

from readiness.interviews.model import Code as CoreCode
from readiness.interviews.model import Coding as CoreCoding
from readiness.interviews.model import DocumentSet as CoreDocumentSet
from readiness.interviews.model import Memo as CoreMemo
from readiness.interviews.model import Participant as CoreParticipant
from readiness.interviews.model import Project, Section, Segment, TopicGuide, User
from readiness.interviews.model import Theme as CoreTheme
from readiness.interviews.model import Transcript as CoreTranscript
from readiness.interviews.model import Variable as CoreVariable
from readiness.web.interviews import models as m

__all__ = ["sync", "to_core", "topic_guide_of"]


def topic_guide_of(data: dict | None) -> TopicGuide | None:
    if not data:
        return None
    return TopicGuide(
        data.get("title", ""),
        tuple(
            Section(s["title"], tuple(s.get("questions", ())), tuple(s.get("prompts", ())))
            for s in data.get("sections", [])
        ),
        data.get("source", ""),
    )


def to_core(
    project: m.InterviewProject,
    *,
    sources=None,
    codings: bool = True,
    memos: bool = True,
) -> Project:
    """The core project of ``project``.

    ``sources``: the transcripts to include (Transcript rows, primary keys or GUIDs; all
    without it).  Codings and memos on transcripts left out are left out too, and so are
    participants' links to them and participants of no transcript included.  ``codings`` and
    ``memos`` false leave those out entirely
    (for pages that need neither).
    """
    p = Project(
        project.name,
        id=project.guid,
        created=project.created or None,
        description=project.description,
        creator=project.creator_guid,
    )
    p.topic_guide = topic_guide_of(project.topic_guide)
    p.reviewed = dict(project.reviewed or {})
    coder_guid = {}
    for pk, guid, name in m.Coder.objects.filter(project=project).values_list("pk", "guid", "name"):
        coder_guid[pk] = guid
        p.users[guid] = User(guid, name)
    for v in m.Variable.objects.filter(project=project):
        p.variables[v.guid] = CoreVariable(v.guid, v.name, v.type, v.description)

    rows = m.Transcript.objects.filter(project=project)
    if sources is not None:
        keys = [getattr(s, "pk", s) for s in sources]
        ints = [k for k in keys if isinstance(k, int)]
        strs = [k for k in keys if isinstance(k, str)]
        from django.db.models import Q

        rows = rows.filter(Q(pk__in=ints) | Q(guid__in=strs))
    source_guid = {}
    for t in rows:
        source_guid[t.pk] = t.guid
        p.sources[t.guid] = CoreTranscript(
            t.guid,
            t.name,
            t.text,
            format=t.format,
            origin=t.origin,
            created=t.created,
            creator=t.creator_guid,
            description=t.description,
            attributes=dict(t.attributes or {}),
            pseudonymised=t.pseudonymised,
            review=t.review,
            segments=tuple(Segment(*g) for g in t.segments or ()),
        )

    links: dict[int, list[str]] = {}
    for part_id, t_id in m.ParticipantSource.objects.filter(
        participant__project=project
    ).values_list("participant_id", "transcript_id"):
        if t_id in source_guid:
            links.setdefault(part_id, []).append(source_guid[t_id])
    for part in m.Participant.objects.filter(project=project):
        if sources is not None and part.pk not in links:
            continue  # a participant of transcripts left out is left out too
        p.participants[part.guid] = CoreParticipant(
            part.guid,
            part.name,
            part.description,
            dict(part.attributes or {}),
            tuple(links.get(part.pk, ())),
            tuple(part.code_refs or ()),
            tuple(part.selection_refs or ()),
        )

    code_guid = dict(m.Code.objects.filter(project=project).values_list("pk", "guid"))
    for c in m.Code.objects.filter(project=project):
        p.codes[c.guid] = CoreCode(
            c.guid,
            c.name,
            code_guid.get(c.parent_id),
            c.definition,
            c.inclusion,
            c.exclusion,
            c.example,
            c.color,
            c.codable,
        )
    theme_codes: dict[int, list[str]] = {}
    for theme_id, code_id in m.ThemeCode.objects.filter(theme__project=project).values_list(
        "theme_id", "code_id"
    ):
        theme_codes.setdefault(theme_id, []).append(code_guid[code_id])
    complete = sources is None
    for th in m.Theme.objects.filter(project=project):
        p.themes[th.guid] = CoreTheme(
            th.guid,
            th.name,
            th.description,
            tuple(theme_codes.get(th.pk, ())),
            tuple(s for s in (th.sources or ()) if complete or s in p.sources),
            tuple(th.memos or ()),
        )

    for ds in m.DocumentSet.objects.filter(project=project):
        members = tuple(s for s in ds.sources or () if complete or s in p.sources)
        if complete or members:
            p.sets[ds.guid] = CoreDocumentSet(
                ds.guid, ds.name, ds.description, members, tuple(ds.memos or ())
            )

    if codings:
        for guid, t_id, start, end, code_id, coder_id, created, selection in (
            m.Coding.objects.filter(project=project, transcript_id__in=list(source_guid))
            .order_by("position", "id")
            .values_list(
                "guid",
                "transcript_id",
                "start",
                "end",
                "code_id",
                "coder_id",
                "created",
                "selection",
            )
        ):
            p.codings[guid] = CoreCoding(
                guid,
                source_guid[t_id],
                start,
                end,
                code_guid[code_id],
                coder_guid.get(coder_id),
                created,
                selection,
            )
    if memos:
        for memo in m.Memo.objects.filter(project=project).select_related("transcript"):
            source = memo.transcript.guid if memo.transcript_id else None
            if memo.target == "source" and memo.target_id not in p.sources:
                continue
            if memo.target == "coding" and memo.target_id not in p.codings:
                continue
            if memo.target == "selection" and source not in p.sources:
                continue
            p.memos[memo.guid] = CoreMemo(
                memo.guid,
                memo.text,
                memo.title,
                coder_guid.get(memo.author_id),
                memo.created,
                memo.target,
                memo.target_id,
                source,
                memo.start,
                memo.end,
            )
        if not complete:
            for guid, ds in list(p.sets.items()):
                p.sets[guid] = replace(ds, memos=tuple(x for x in ds.memos if x in p.memos))
            for guid, th in list(p.themes.items()):
                p.themes[guid] = CoreTheme(
                    th.id,
                    th.name,
                    th.description,
                    th.codes,
                    th.sources,
                    tuple(x for x in th.memos if x in p.memos),
                )
    return p


def save_audit(core: Project, project: m.InterviewProject) -> int:
    """Move the core project's new audit entries into the database."""
    entries = [
        m.AuditEntry(project=project, time=e.time, action=e.action, user=e.user, details=e.details)
        for e in core.audit
    ]
    m.AuditEntry.objects.bulk_create(entries)
    core.audit = []
    return len(entries)


# ---------------------------------------------------------------------------------------------
# writing back
# ---------------------------------------------------------------------------------------------


class _Rows:
    """Create, update and delete the rows of one model so they match ``wanted`` (by GUID)."""

    def __init__(self, model, project, queryset=None):
        self.model = model
        self.project = project
        qs = queryset if queryset is not None else model.objects.filter(project=project)
        self.existing = {r.guid: r for r in qs}
        self.pk: dict[str, int] = {g: r.pk for g, r in self.existing.items()}
        self.seen: set[str] = set()

    def put(self, guids_fields: list[tuple[str, dict]]) -> None:
        create, update, changed_fields = [], [], set()
        for guid, fields in guids_fields:
            self.seen.add(guid)
            row = self.existing.get(guid)
            if row is None:
                create.append(self.model(project=self.project, guid=guid, **fields))
                continue
            changed = [k for k, v in fields.items() if getattr(row, k) != v]
            if changed:
                for k in changed:
                    setattr(row, k, fields[k])
                update.append(row)
                changed_fields.update(changed)
        if create:
            made = self.model.objects.bulk_create(create, batch_size=500)
            for r in made:
                if r.pk is None:  # databases that do not return keys from bulk inserts
                    r.pk = self.model.objects.get(project=self.project, guid=r.guid).pk
                self.existing[r.guid] = r
                self.pk[r.guid] = r.pk
        if update:
            self.model.objects.bulk_update(update, sorted(changed_fields), batch_size=500)

    def stale(self) -> list[int]:
        return [r.pk for g, r in self.existing.items() if g not in self.seen]

    def delete_stale(self) -> int:
        ids = self.stale()
        if ids:
            self.model.objects.filter(pk__in=ids).delete()
        return len(ids)


def sync(core: Project, project: m.InterviewProject | None = None, *, slug: str | None = None):
    """Write the complete core project ``core`` into ``project`` (a new one when None).

    Rows are matched by GUID; rows that the core project no longer holds are deleted.  Never
    call it with a project made by :func:`to_core` with ``sources``: the transcripts left out
    would be deleted.  Runs in one transaction; returns the project row.
    """
    problems = core.problems()
    if problems:
        from readiness.interviews.errors import InterviewError

        raise InterviewError(problems)
    with transaction.atomic():
        if project is None:
            project = m.InterviewProject.objects.create(
                slug=slug or core.id, guid=core.id, name=core.name
            )
        project.guid = core.id
        project.name = core.name
        project.description = core.description or ""
        project.created = core.created or ""
        project.creator_guid = core.creator
        project.topic_guide = asdict(core.topic_guide) if core.topic_guide else None
        project.reviewed = dict(core.reviewed)
        project.save()

        coders = _Rows(m.Coder, project)
        coders.put([(u.id, {"name": u.name}) for u in core.users.values()])

        variables = _Rows(m.Variable, project)
        variables.put(
            [
                (
                    v.id,
                    {"name": v.name, "type": v.type, "description": v.description, "position": i},
                )
                for i, v in enumerate(core.variables.values())
            ]
        )

        participants = _Rows(m.Participant, project)
        participants.put(
            [
                (
                    x.id,
                    {
                        "name": x.name,
                        "description": x.description,
                        "attributes": dict(x.attributes),
                        "code_refs": list(x.code_refs),
                        "selection_refs": list(x.selection_refs),
                        "position": i,
                    },
                )
                for i, x in enumerate(core.participants.values())
            ]
        )

        from readiness.web.interviews.models import text_digest

        transcripts = _Rows(m.Transcript, project)
        transcripts.put(
            [
                (
                    t.id,
                    {
                        "name": t.name,
                        "text": t.text,
                        "sha256": text_digest(t.text),
                        "characters": len(t.text),
                        "format": t.format,
                        "origin": t.origin,
                        "created": t.created,
                        "creator_guid": t.creator,
                        "description": t.description,
                        "attributes": dict(t.attributes),
                        "pseudonymised": t.pseudonymised,
                        "review": t.review,
                        "segments": [list(astuple(g)) for g in t.segments],
                        "position": i,
                    },
                )
                for i, t in enumerate(core.sources.values())
            ]
        )

        # Participant -> transcript links.
        wanted_links = {
            (participants.pk[x.id], transcripts.pk[s]): k
            for x in core.participants.values()
            for k, s in enumerate(x.sources)
        }
        existing_links = {
            (r.participant_id, r.transcript_id): r
            for r in m.ParticipantSource.objects.filter(participant__project=project)
        }
        m.ParticipantSource.objects.bulk_create(
            [
                m.ParticipantSource(participant_id=a, transcript_id=b, position=k)
                for (a, b), k in wanted_links.items()
                if (a, b) not in existing_links
            ]
        )
        moved = []
        for key, row in existing_links.items():
            if key in wanted_links and row.position != wanted_links[key]:
                row.position = wanted_links[key]
                moved.append(row)
        if moved:
            m.ParticipantSource.objects.bulk_update(moved, ["position"])

        codes = _Rows(m.Code, project)
        codes.put(
            [
                (
                    c.id,
                    {
                        "name": c.name,
                        "definition": c.definition,
                        "inclusion": c.inclusion,
                        "exclusion": c.exclusion,
                        "example": c.example,
                        "color": c.color,
                        "codable": c.codable,
                        "position": i,
                    },
                )
                for i, c in enumerate(core.codes.values())
            ]
        )
        codes.put(
            [
                (c.id, {"parent_id": codes.pk[c.parent] if c.parent else None})
                for c in core.codes.values()
            ]
        )

        themes = _Rows(m.Theme, project)
        themes.put(
            [
                (
                    th.id,
                    {
                        "name": th.name,
                        "description": th.description,
                        "sources": list(th.sources),
                        "memos": list(th.memos),
                        "position": i,
                    },
                )
                for i, th in enumerate(core.themes.values())
            ]
        )
        document_sets = _Rows(m.DocumentSet, project)
        document_sets.put(
            [
                (
                    ds.id,
                    {
                        "name": ds.name,
                        "description": ds.description,
                        "sources": list(ds.sources),
                        "memos": list(ds.memos),
                        "position": i,
                    },
                )
                for i, ds in enumerate(core.sets.values())
            ]
        )
        wanted_tc = {
            (themes.pk[th.id], codes.pk[c]): k
            for th in core.themes.values()
            for k, c in enumerate(th.codes)
        }
        existing_tc = {
            (r.theme_id, r.code_id): r for r in m.ThemeCode.objects.filter(theme__project=project)
        }
        m.ThemeCode.objects.bulk_create(
            [
                m.ThemeCode(theme_id=a, code_id=b, position=k)
                for (a, b), k in wanted_tc.items()
                if (a, b) not in existing_tc
            ]
        )
        moved = []
        for key, row in existing_tc.items():
            if key in wanted_tc and row.position != wanted_tc[key]:
                row.position = wanted_tc[key]
                moved.append(row)
        if moved:
            m.ThemeCode.objects.bulk_update(moved, ["position"])

        codings = _Rows(m.Coding, project)
        codings.put(
            [
                (
                    c.id,
                    {
                        "transcript_id": transcripts.pk[c.source],
                        "start": c.start,
                        "end": c.end,
                        "code_id": codes.pk[c.code],
                        "coder_id": coders.pk.get(c.coder) if c.coder else None,
                        "created": c.created,
                        "selection": c.selection,
                        "position": i,
                    },
                )
                for i, c in enumerate(core.codings.values())
            ]
        )

        memos = _Rows(m.Memo, project)
        memos.put(
            [
                (
                    x.id,
                    {
                        "text": x.text,
                        "title": x.title,
                        "author_id": coders.pk.get(x.author) if x.author else None,
                        "created": x.created,
                        "target": x.target,
                        "target_id": x.target_id,
                        "transcript_id": transcripts.pk[x.source] if x.source else None,
                        "start": x.start,
                        "end": x.end,
                        "position": i,
                    },
                )
                for i, x in enumerate(core.memos.values())
            ]
        )

        # What the core project no longer holds, dependants first.
        memos.delete_stale()
        codings.delete_stale()
        m.ThemeCode.objects.filter(
            pk__in=[r.pk for k, r in existing_tc.items() if k not in wanted_tc]
        ).delete()
        themes.delete_stale()
        document_sets.delete_stale()
        stale_codes = codes.stale()
        if stale_codes:
            m.Code.objects.filter(pk__in=stale_codes).update(parent=None)
            m.Code.objects.filter(pk__in=stale_codes).delete()
        m.ParticipantSource.objects.filter(
            pk__in=[r.pk for k, r in existing_links.items() if k not in wanted_links]
        ).delete()
        transcripts.delete_stale()
        participants.delete_stale()
        variables.delete_stale()
        save_audit(core, project)
    return project
