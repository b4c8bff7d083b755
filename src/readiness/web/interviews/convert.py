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
    source_guid = _read_transcripts(p, project, sources)
    _read_participants(p, project, source_guid, every=sources is None)
    code_guid = _read_codes(p, project)
    _read_themes_and_sets(p, project, code_guid, complete=sources is None)
    if codings:
        _read_codings(p, project, source_guid, code_guid, coder_guid)
    if memos:
        _read_memos(p, project, coder_guid)
        if sources is not None:
            _drop_memos_left_out(p)
    return p


def _read_transcripts(p: Project, project: m.InterviewProject, sources) -> dict[int, str]:
    """Add the transcripts asked for (all without ``sources``); their GUIDs by primary key."""
    rows = m.Transcript.objects.filter(project=project)
    if sources is not None:
        from django.db.models import Q

        keys = [getattr(s, "pk", s) for s in sources]
        ints = [k for k in keys if isinstance(k, int)]
        strs = [k for k in keys if isinstance(k, str)]
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
    return source_guid


def _read_participants(
    p: Project, project: m.InterviewProject, source_guid: dict[int, str], *, every: bool
) -> None:
    """Add the participants with their links to the transcripts read (``every``: also those
    linked to none of them)."""
    links: dict[int, list[str]] = {}
    for part_id, t_id in m.ParticipantSource.objects.filter(
        participant__project=project
    ).values_list("participant_id", "transcript_id"):
        if t_id in source_guid:
            links.setdefault(part_id, []).append(source_guid[t_id])
    for part in m.Participant.objects.filter(project=project):
        if not every and part.pk not in links:
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


def _read_codes(p: Project, project: m.InterviewProject) -> dict[int, str]:
    """Add the codes; their GUIDs by primary key."""
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
    return code_guid


def _read_themes_and_sets(
    p: Project, project: m.InterviewProject, code_guid: dict[int, str], *, complete: bool
) -> None:
    """Add the themes and document sets; unless ``complete``, only with the transcripts read
    (and only document sets that keep one)."""
    theme_codes: dict[int, list[str]] = {}
    for theme_id, code_id in m.ThemeCode.objects.filter(theme__project=project).values_list(
        "theme_id", "code_id"
    ):
        theme_codes.setdefault(theme_id, []).append(code_guid[code_id])
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


def _read_codings(
    p: Project,
    project: m.InterviewProject,
    source_guid: dict[int, str],
    code_guid: dict[int, str],
    coder_guid: dict[int, str],
) -> None:
    """Add the codings of the transcripts read, in their order."""
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


def _read_memos(p: Project, project: m.InterviewProject, coder_guid: dict[int, str]) -> None:
    """Add the memos, except those on a transcript, coding or selection left out."""
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


def _drop_memos_left_out(p: Project) -> None:
    """Document sets and themes refer only to the memos read."""
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
        project = _project_row(core, project, slug)
        coders = _Rows(m.Coder, project)
        coders.put([(u.id, {"name": u.name}) for u in core.users.values()])
        variables = _put_variables(core, project)
        participants = _put_participants(core, project)
        transcripts = _put_transcripts(core, project)
        participant_links = _Links(
            m.ParticipantSource,
            m.ParticipantSource.objects.filter(participant__project=project),
            ("participant_id", "transcript_id"),
            {
                (participants.pk[x.id], transcripts.pk[s]): k
                for x in core.participants.values()
                for k, s in enumerate(x.sources)
            },
        )
        codes = _put_codes(core, project)
        themes, document_sets = _put_themes_and_sets(core, project)
        theme_links = _Links(
            m.ThemeCode,
            m.ThemeCode.objects.filter(theme__project=project),
            ("theme_id", "code_id"),
            {
                (themes.pk[th.id], codes.pk[c]): k
                for th in core.themes.values()
                for k, c in enumerate(th.codes)
            },
        )
        codings = _put_codings(core, project, transcripts, codes, coders)
        memos = _put_memos(core, project, transcripts, coders)

        # What the core project no longer holds, dependants first.
        memos.delete_stale()
        codings.delete_stale()
        theme_links.delete_stale()
        themes.delete_stale()
        document_sets.delete_stale()
        stale_codes = codes.stale()
        if stale_codes:
            m.Code.objects.filter(pk__in=stale_codes).update(parent=None)
            m.Code.objects.filter(pk__in=stale_codes).delete()
        participant_links.delete_stale()
        transcripts.delete_stale()
        participants.delete_stale()
        variables.delete_stale()
        save_audit(core, project)
    return project


class _Links:
    """The rows of a table that links two kinds of rows in order (``position``): those in
    ``wanted`` ((first key, second key) -> position) are made or moved at once, the others
    deleted by :meth:`delete_stale`."""

    def __init__(self, model, queryset, fields: tuple[str, str], wanted: dict[tuple, int]):
        self.model = model
        self.wanted = wanted
        first, second = fields
        self.existing = {(getattr(r, first), getattr(r, second)): r for r in queryset}
        model.objects.bulk_create(
            [
                model(**{first: a, second: b}, position=k)
                for (a, b), k in wanted.items()
                if (a, b) not in self.existing
            ]
        )
        moved = []
        for key, row in self.existing.items():
            if key in wanted and row.position != wanted[key]:
                row.position = wanted[key]
                moved.append(row)
        if moved:
            model.objects.bulk_update(moved, ["position"])

    def delete_stale(self) -> None:
        self.model.objects.filter(
            pk__in=[r.pk for k, r in self.existing.items() if k not in self.wanted]
        ).delete()


def _project_row(
    core: Project, project: m.InterviewProject | None, slug: str | None
) -> m.InterviewProject:
    """The project row (made if None) with the core project's own fields."""
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
    return project


def _put_variables(core: Project, project: m.InterviewProject) -> _Rows:
    variables = _Rows(m.Variable, project)
    variables.put(
        [
            (v.id, {"name": v.name, "type": v.type, "description": v.description, "position": i})
            for i, v in enumerate(core.variables.values())
        ]
    )
    return variables


def _put_participants(core: Project, project: m.InterviewProject) -> _Rows:
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
    return participants


def _put_transcripts(core: Project, project: m.InterviewProject) -> _Rows:
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
    return transcripts


def _put_codes(core: Project, project: m.InterviewProject) -> _Rows:
    """The codes, then their parents (a parent may come after its children)."""
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
    return codes


def _put_themes_and_sets(core: Project, project: m.InterviewProject) -> tuple[_Rows, _Rows]:
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
    return themes, document_sets


def _put_codings(
    core: Project, project: m.InterviewProject, transcripts: _Rows, codes: _Rows, coders: _Rows
) -> _Rows:
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
    return codings


def _put_memos(
    core: Project, project: m.InterviewProject, transcripts: _Rows, coders: _Rows
) -> _Rows:
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
    return memos
