"""What the interview pages do, below the views: projects, members, transcripts, codings,
memos and the codebook.

Every change that the core knows how to make is made by the core on a core project
(:func:`~readiness.web.interviews.convert.to_core`), which checks it as it does on the command
line, and the result is written to the database: a coding is added by
:meth:`Project.add_coding <readiness.interviews.model.Project.add_coding>` on a core project
holding the codebook and the one transcript, then stored.  Each change runs in a transaction
that first locks the project's row, so two people coding at once queue rather than clash.

Errors a user can cause raise :class:`~readiness.interviews.errors.InterviewError` (the
core's); :func:`problem_texts` turns them into sentences for the page.
"""

from __future__ import annotations

import re
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Max
from django.utils.text import slugify

from readiness.interviews.codebook import change_code as core_change_code
from readiness.interviews.codebook import check_colour, merge_codes, palette_colour
from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import Project, turns_of
from readiness.interviews.text import has_nul, normalise
from readiness.web.interviews import convert
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm

__all__ = [
    "add_code",
    "add_memo",
    "add_theme",
    "code_passage",
    "coder_for",
    "core_for",
    "delete_coding",
    "delete_memo",
    "new_project",
    "problem_texts",
    "resolve_span",
    "update_coding",
]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def problem_texts(err: InterviewError, folder: str | Path | None = None) -> list[str]:
    """The problems of ``err`` as sentences, without the temporary folder of an upload."""
    out = []
    for p in err.problems:
        text = str(p)
        if folder:
            text = text.replace(str(folder).rstrip("/") + "/", "")
        out.append(text)
    return out


@contextmanager
def private_folder():
    """A temporary folder only this process can read, in memory where the system allows
    (``/dev/shm``), removed with everything in it on leaving."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="readiness-", dir=base) as folder:
        yield Path(folder)


def safe_name(name: str, default: str = "upload", limit: int = 150) -> str:
    """A file name without folders or characters that a file system may refuse, at most
    ``limit`` bytes in UTF-8; a long name is cut before its extension, on a character."""
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[^\w .()+-]", "_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 16:
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    room = limit - len(suffix.encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(" .")
    return f"{stem}{suffix}" if stem else default


def check_upload_size(uploads) -> None:
    """Refuse uploads that together exceed ``READINESS_MAX_INTERVIEW_UPLOAD_BYTES``, before
    anything reads them (each has ``name`` and ``size``, as Django's uploaded files do)."""
    limit = settings.READINESS_MAX_INTERVIEW_UPLOAD_BYTES
    uploads = [u for u in uploads if u is not None]
    total = sum(u.size for u in uploads)
    if total > limit:
        names = ", ".join(u.name for u in uploads[:3]) + (" and others" if len(uploads) > 3 else "")
        raise fail(
            f"the upload is too large ({total / 2**20:,.1f} MB); at most "
            f"{limit / 2**20:,.1f} MB is accepted at once.",
            fix="upload fewer or smaller files at a time (or ask the administrator to raise "
            "READINESS_MAX_INTERVIEW_UPLOAD_BYTES).",
            file=names,
        )


def _locked(project: m.InterviewProject) -> m.InterviewProject:
    return m.InterviewProject.objects.select_for_update().get(pk=project.pk)


def unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "project"
    slug, n = base, 1
    while m.InterviewProject.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def visible_transcripts(project: m.InterviewProject, access: perm.Access):
    """The transcripts this person may see: all for a lead, pseudonymised ones for a coder."""
    qs = m.Transcript.objects.filter(project=project)
    return qs if access.sees_raw else qs.filter(pseudonymised=True)


def core_for(project: m.InterviewProject, access: perm.Access, **kwargs) -> Project:
    """The core project as this person may see it (see :func:`visible_transcripts`)."""
    if access.sees_raw:
        return convert.to_core(project, **kwargs)
    ids = list(visible_transcripts(project, access).values_list("pk", flat=True))
    return convert.to_core(project, sources=ids, **kwargs)


def coder_of(project: m.InterviewProject, user) -> m.Coder | None:
    """The coder that is this account in the project, if they have coded or written a memo."""
    return m.Coder.objects.filter(project=project, account=user).first()


def coder_for(project: m.InterviewProject, user) -> m.Coder:
    """The coder (core user) that is this account in the project, made on first use.

    A coder of an imported project with the account's username, not yet linked to another
    account, becomes this account's.
    """
    coder = m.Coder.objects.filter(project=project, account=user).first()
    if coder is not None:
        return coder
    name = user.get_username()
    coder = m.Coder.objects.filter(project=project, name=name, account__isnull=True).first()
    if coder is not None:
        coder.account = user
        coder.save(update_fields=["account"])
        return coder
    core = Project(project.name)
    u = core.user(name)
    return m.Coder.objects.create(project=project, guid=u.id, name=u.name, account=user)


def _next_position(model, project) -> int:
    top = model.objects.filter(project=project).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


# ---------------------------------------------------------------------------------------------
# projects and members
# ---------------------------------------------------------------------------------------------


def new_project(
    name: str,
    lead,
    *,
    description: str = "",
    starter_codebook: bool = False,
    topic_guide: bool = False,
) -> m.InterviewProject:
    """A new project (the core's, with the starter codebook and topic guide if asked) with
    ``lead`` as its lead."""
    from readiness.interviews.codebook import apply_codebook
    from readiness.interviews.codebook import starter_codebook as starter
    from readiness.interviews.ingest import load_topic_guide

    name = name.strip()
    if not name:
        raise fail("a project needs a name.", fix="give the project a name.")
    core = Project(name, description=description.strip())
    creator = lead.get_username()
    core.creator = core.user(creator).id
    core.log("create-project", creator, name=name)
    if starter_codebook:
        apply_codebook(core, starter())
        for i, c in enumerate(list(core.codes.values())):  # each code a colour of its own
            core.codes[c.id] = replace(c, color=c.color or palette_colour(i))
    if topic_guide:
        core.topic_guide = load_topic_guide()
    with transaction.atomic():
        project = convert.sync(core, slug=unique_slug(name))
        m.Member.objects.create(project=project, user=lead, role=m.Role.LEAD)
        m.Coder.objects.filter(project=project, guid=core.creator).update(account=lead)
    return project


IMPORTABLE = (".qdpx", ".zip")


def importable(name: str) -> None:
    """Refuse a file that is neither a REFI-QDA project nor a zipped project folder, by its
    name: before anything reads it (or queues its import)."""
    suffix = Path(name).suffix.lower()
    if suffix not in IMPORTABLE:
        raise fail(
            f"cannot import a {suffix or 'file without a suffix'} file.",
            fix="upload a REFI-QDA project (.qdpx) or a zipped Readiness project folder (.zip).",
            file=Path(name).name,
        )


def _quiet(stage: str, done: int | None = None, total: int | None = None) -> None:
    """No progress to report (an import from a test or the shell)."""


def _transcripts(n: int) -> str:
    return f"{n} transcript{'' if n == 1 else 's'}"


def import_project(
    path: Path, lead, *, line_endings: str = "auto", progress=None
) -> tuple[m.InterviewProject, list[str]]:
    """A new project from a ``.qdpx`` file or a zipped project folder; ``lead`` leads it.

    Returns the project and the import's warnings.  Nothing is read from outside the upload
    (a ``.qdpx`` file's sources outside it are left out, with a warning).  What the file says
    is not taken on trust: no transcript comes in marked as pseudonymised, so the lead reviews
    them all before anything leaves, and the audit log that came with it is kept only as
    ``imported-history`` entries (see :func:`_imported_history`).  ``progress(stage, done,
    total)``, if given, is told each stage, never inside the import's transaction (a
    background import's page reads it); the transcripts count as added once committed.
    """
    from readiness.interviews import refi

    progress = progress or _quiet
    importable(path.name)
    progress("Reading the project file")
    warnings: list[str] = []
    if path.suffix.lower() == ".qdpx":
        core, report = refi.read_qdpx(path, line_endings=line_endings)  # internal:// only
        warnings = list(report.warnings)
        history = []
    else:
        core, history = _read_project_zip(path)
    n = len(core.sources)
    progress(f"Checking the {_transcripts(n)} read", 0, n)
    _distrust(core)
    _check_storable(core, path.name)
    progress(f"Adding {_transcripts(n)}", 0, n)
    with transaction.atomic():
        project = convert.sync(core, slug=unique_slug(core.name))
        m.AuditEntry.objects.bulk_create(_imported_history(project, history, path.name))
        core.log("import-web", lead.get_username(), file=path.name)
        convert.save_audit(core, project)
        m.Member.objects.create(project=project, user=lead, role=m.Role.LEAD)
    progress("Imported the project", n, n)
    return project, warnings


def import_upload(
    stored: Path, file_name: str, lead, *, line_endings: str = "auto", progress=None
) -> tuple[m.InterviewProject, list[str]]:
    """:func:`import_project` of an upload kept at ``stored`` (waiting in the jobs' folder),
    under the name it was uploaded with: its problems, warnings and audit log name that file,
    never a folder of the server."""
    with private_folder() as folder:
        path = folder / safe_name(file_name, "project.qdpx")
        path.symlink_to(stored)  # a name, not a copy: a project may weigh tens of megabytes
        try:
            project, warnings = import_project(
                path, lead, line_endings=line_endings, progress=progress
            )
        except InterviewError as err:
            problems = [_without_folder(p, folder) for p in err.problems]
            raise InterviewError(problems, file=path.name) from None
    return project, [_unfoldered(w, folder) for w in warnings]


def _read_project_zip(path: Path) -> tuple[Project, list]:
    """The project and audit log of a zipped project folder, unpacked (checked against zip
    bombs and unsafe paths) into a private folder that is removed at once."""
    from readiness.interviews import store
    from readiness.safezip import check_zip, extract_zip, safe_member_path

    members = check_zip(path, name=path.name, error=InterviewError)
    top = _project_root([str(p) for i in members if (p := safe_member_path(i.filename))])
    if top is None:
        raise fail(
            "the zip file holds no Readiness project folder (no project.json).",
            fix="zip the project folder made by `readiness interviews init`.",
            file=path.name,
        )
    with private_folder() as folder:
        extract_zip(path, folder, name=path.name, error=InterviewError)
        root = folder / top if top else folder
        try:
            return store.load(root), store.read_audit(root)
        except InterviewError as err:
            raise InterviewError(
                [_without_folder(p, folder) for p in err.problems], file=path.name
            ) from err


def _without_folder(problem: Problem, folder: Path) -> Problem:
    return replace(
        problem,
        file=_unfoldered(problem.file or "", folder) or None,
        message=_unfoldered(problem.message, folder),
        fix=_unfoldered(problem.fix, folder),
    )


def _unfoldered(text: str, folder: Path) -> str:
    """``text`` without the private folder's path (the names in it stay)."""
    return text.replace(str(folder).rstrip("/") + "/", "")


_CORE_NAME = {"guid": "id", "creator_guid": "creator"}  # database field -> core attribute
# A project's own attributes that are checked as rows of their own (or as the audit log).
_OWN_ROWS = {"users", "variables", "participants", "sources", "codes", "themes", "codings"}
_OWN_ROWS |= {"memos", "audit"}
_STORABLE_FIX = "change it in the program that made the file, and export the project again."


def _check_storable(core: Project, file: str) -> None:
    """Refuse what the database cannot keep, before writing anything: a value longer than its
    column, or a NUL character anywhere in a value, nested ones included (PostgreSQL keeps no
    NUL in text or jsonb)."""
    groups = [
        (m.InterviewProject, [core]),
        (m.Coder, core.users.values()),
        (m.Variable, core.variables.values()),
        (m.Participant, core.participants.values()),
        (m.Transcript, core.sources.values()),
        (m.Code, core.codes.values()),
        (m.Theme, core.themes.values()),
        (m.Coding, core.codings.values()),
        (m.Memo, core.memos.values()),
    ]
    problems: list[Problem] = []
    for model, objects in groups:
        limits = {
            _CORE_NAME.get(f.name, f.name): f.max_length
            for f in model._meta.fields
            if isinstance(f, models.CharField) and f.max_length
        }
        for obj in objects:
            problems += _unstorable(obj, model._meta.verbose_name, limits, file)
    if problems:
        raise InterviewError(problems, file=file)


def _unstorable(obj, what: str, limits: dict[str, int], file: str) -> list[Problem]:
    """What in one object (one database row) the database cannot keep."""
    label = str(getattr(obj, "name", "") or getattr(obj, "title", "") or obj.id)
    out: list[Problem] = []
    for attr, value in vars(obj).items():
        if isinstance(obj, Project) and attr in _OWN_ROWS:
            continue
        if has_nul(value):
            out.append(
                Problem(
                    f"{what} {label[:60]!r}: its {attr} holds a NUL character.",
                    fix=_STORABLE_FIX,
                    file=file,
                    column=attr,
                )
            )
        limit = limits.get(attr)
        if limit and isinstance(value, str) and len(value) > limit:
            out.append(
                Problem(
                    f"{what} {label[:60]!r}: its {attr} is {len(value):,} characters "
                    f"long; at most {limit:,} are kept.",
                    fix=_STORABLE_FIX,
                    file=file,
                    column=attr,
                )
            )
    return out


def _distrust(core: Project) -> None:
    """An imported project is reviewed again: no transcript comes in marked as pseudonymised,
    whatever the file says, and no earlier review is carried over."""
    for sid, t in list(core.sources.items()):
        core.sources[sid] = replace(t, pseudonymised=False, review=None)
    core.reviewed = {}


def _imported_history(project, history: list, file: str) -> list:
    """The audit log that came with an upload, kept only as a record of what the file claims:
    each entry is logged now as ``imported-history`` by nobody, with the claimed time, action,
    user and details under ``claimed``.  Nothing counts it as a review or an export."""
    from readiness.interviews.model import now_iso

    entries = []
    for e in history:
        if e.action == "imported-history" and "claimed" in e.details:
            claimed = e.details["claimed"]  # moved before: keep the first claim, not nest it
        else:
            claimed = {"time": e.time, "action": e.action, "user": e.user, "details": e.details}
        entries.append(
            m.AuditEntry(
                project=project,
                time=now_iso(),
                action="imported-history",
                user=None,
                details={"from": file, "claimed": claimed},
            )
        )
    return entries


def _project_root(names: list[str]) -> str | None:
    """The folder inside a zip that holds ``project.json`` ('' for the top)."""
    found = sorted((n for n in names if n.rsplit("/", 1)[-1] == "project.json"), key=len)
    if not found:
        return None
    return found[0][: -len("project.json")].rstrip("/")


def set_member(project: m.InterviewProject, user, role: str) -> m.Member:
    member, _ = m.Member.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return member


# ---------------------------------------------------------------------------------------------
# transcripts and participants
# ---------------------------------------------------------------------------------------------


def add_transcripts(
    project: m.InterviewProject,
    files: list[tuple[str, bytes]],
    *,
    participants: tuple[str, bytes] | None = None,
    user=None,
    encoding: str | None = None,
    participant: str | None = None,
) -> dict:
    """Import transcript files and/or a participants CSV with the core's readers; all or none.

    Each file's participant is ``participant`` (created if new), or else guessed from its name
    as on the command line (``P12_x.txt`` is ``P12``).  Returns counts.
    """
    from readiness.interviews.ingest import import_attributes, import_transcripts

    if not files and participants is None:
        raise fail("choose transcript files or a participants file to add.")
    with private_folder() as folder, transaction.atomic():
        locked = _locked(project)
        who = coder_for(locked, user).name if user is not None else None
        core = convert.to_core(locked)
        paths = []
        for name, data in files:
            path = folder / safe_name(name, "transcript.txt")
            if path.exists():
                raise fail(f"two files are called {path.name}.", fix="upload each file once.")
            path.write_bytes(data)
            paths.append(path)
        try:
            added = (
                import_transcripts(
                    core, paths, encoding=encoding, creator=who, participant=participant or None
                )
                if paths
                else []
            )
            n_attr = 0
            if participants is not None:
                (folder / "participants").mkdir()
                ppath = folder / "participants" / safe_name(participants[0], "participants.csv")
                ppath.write_bytes(participants[1])
                n_attr = import_attributes(core, ppath, encoding=encoding)
        except InterviewError as err:
            raise InterviewError(
                [
                    Problem(
                        p.message,
                        fix=p.fix,
                        file=Path(p.file).name if p.file else None,
                        line=p.line,
                        row=p.row,
                        column=p.column,
                    )
                    for p in err.problems
                ]
            ) from err
        convert.sync(core, locked)
    return {
        "transcripts": len(added),
        "participants": n_attr,
        "names": [t.name for t in added],
        "guids": [t.id for t in added],
    }


# ---------------------------------------------------------------------------------------------
# turns and spans
# ---------------------------------------------------------------------------------------------


def resolve_span(
    text: str,
    *,
    start: int | None = None,
    end: int | None = None,
    turn_from: int | None = None,
    turn_to: int | None = None,
    words: str | None = None,
) -> tuple[int, int]:
    """The span to code: ``start``/``end`` (character offsets, as the page's script sends
    them), or the first occurrence of ``words`` (within the turns, when given), or the words of
    turns ``turn_from`` to ``turn_to`` (numbered from 1, speaker labels left out).

    Without JavaScript a person picks turns and, if they like, the words in them.
    """
    if start is not None or end is not None:
        if start is None or end is None:
            raise fail("give both the first and the last character.", fix="fill in start and end.")
        if not 0 <= start < end <= len(text):
            raise fail(
                f"the passage {start}-{end} is not inside the transcript (0-{len(text)} characters) "
                "or is empty.",
                fix="select some text of the transcript.",
            )
        return start, end
    turns = turns_of(text)
    lo, hi = 0, len(text)
    if turn_from is not None or turn_to is not None:
        a = turn_from if turn_from is not None else turn_to
        b = turn_to if turn_to is not None else turn_from
        if a > b:
            a, b = b, a
        if not (1 <= a and b <= len(turns)):
            raise fail(
                f"there is no turn {b if b > len(turns) else a}; the transcript has {len(turns)}.",
                fix=f"give turn numbers from 1 to {len(turns)} (shown beside the text).",
            )
        lo, hi = turns[a - 1].body, turns[b - 1].end
        if hi <= lo:
            lo = turns[a - 1].start
    words = (words or "").strip()
    if words:
        words = normalise(words)[0]
        pos = text.find(words, lo, hi)
        if pos < 0:
            where = "in those turns" if (turn_from or turn_to) else "in the transcript"
            raise fail(
                f"the words {words!r} are not {where}.",
                fix="copy the words exactly as they are in the transcript.",
            )
        return pos, pos + len(words)
    if turn_from is None and turn_to is None:
        raise fail(
            "no passage was chosen.",
            fix="select text in the transcript, or give turn numbers or the words to code.",
        )
    return lo, hi


# ---------------------------------------------------------------------------------------------
# codings
# ---------------------------------------------------------------------------------------------


def _core_for_transcript(project, transcript, *, memos=False) -> Project:
    return convert.to_core(project, sources=[transcript.pk], memos=memos)


def _write_code(project, c, position: int) -> m.Code:
    parent = m.Code.objects.get(project=project, guid=c.parent) if c.parent else None
    return m.Code.objects.create(
        project=project,
        guid=c.id,
        name=c.name,
        parent=parent,
        definition=c.definition,
        inclusion=c.inclusion,
        exclusion=c.exclusion,
        example=c.example,
        color=c.color,
        codable=c.codable,
        position=position,
    )


def in_vivo_name(text: str, limit: int = 60) -> str:
    """A code name from the participant's own words: one line, no '/', at most ``limit``
    characters (cut at a word)."""
    name = " ".join(text.replace("/", " ").split()).strip(" \"'“”‘’.,;:!?")
    if len(name) > limit:
        name = name[:limit].rsplit(" ", 1)[0] + "…"
    return name


def code_passage(
    project: m.InterviewProject,
    transcript: m.Transcript,
    access: perm.Access,
    *,
    start: int,
    end: int,
    codes: list[str] = (),
    new_code: str = "",
    in_vivo: bool = False,
    revision: str | None = None,
) -> list[m.Coding]:
    """Apply ``codes`` (GUIDs) to ``transcript.text[start:end]`` as this person.

    ``new_code`` adds a code of that name first (or uses the existing one); ``in_vivo`` adds a
    code named from the selected words.  ``revision`` is the text's SHA-256 that the page
    showed: when the text has changed since (a pseudonymisation review), nothing is coded.
    Returns the new codings (a passage already coded with the same code by the same person is
    not coded twice).
    """
    access.require(perm.CODE)
    with transaction.atomic():
        locked = _locked(project)
        t = m.Transcript.objects.get(pk=transcript.pk, project=locked)
        if revision and revision != t.sha256:
            raise fail(
                "the transcript has changed since you opened it (its pseudonymisation was "
                "reviewed), so the positions you selected may point at other words.",
                fix="reload the page and select the passage again.",
            )
        coder = coder_for(locked, access.user)
        core = _core_for_transcript(locked, t)
        refs = list(dict.fromkeys(codes))
        position = _next_position(m.Code, locked)
        made_codes = []
        names = []
        if in_vivo:
            names.append(in_vivo_name(t.text[start:end]) if 0 <= start < end <= len(t.text) else "")
        if new_code.strip():
            names.append(new_code.strip())
        for name in names:
            existing = next(
                (c for c in core.codes.values() if c.name == name and c.parent is None), None
            )
            c = existing or core.add_code(name, color=palette_colour(len(core.codes)))
            if existing is None:
                made_codes.append(c)
            refs.append(c.id)
        if not refs:
            raise fail("choose at least one code.", fix="tick a code, or make a new one.")
        before = set(core.codings)
        for ref in dict.fromkeys(refs):
            if ref not in core.codes:
                raise fail(
                    "one of the chosen codes is not in the codebook any more.",
                    fix="reload the page.",
                )
            core.add_coding(t.guid, start, end, ref, coder.guid)
        for k, c in enumerate(made_codes):
            _write_code(locked, c, position + k)
        code_pk = dict(m.Code.objects.filter(project=locked).values_list("guid", "pk"))
        new = [c for g, c in core.codings.items() if g not in before]
        pos = _next_position(m.Coding, locked)
        rows = m.Coding.objects.bulk_create(
            [
                m.Coding(
                    project=locked,
                    guid=c.id,
                    transcript=t,
                    start=c.start,
                    end=c.end,
                    code_id=code_pk[c.code],
                    coder=coder,
                    created=c.created,
                    selection=c.selection,
                    position=pos + k,
                )
                for k, c in enumerate(new)
            ]
        )
        if rows or made_codes:
            new_codes = (
                {
                    "new_codes": [c.name for c in made_codes],
                    "new_code_ids": [c.id for c in made_codes],
                }
                if made_codes
                else {}
            )
            core.log("code", coder.name, added=len(rows), source=t.name, **new_codes)
            convert.save_audit(core, locked)
    return rows


def _coding_row(project, coding_guid) -> m.Coding:
    row = (
        m.Coding.objects.select_related("transcript", "coder")
        .filter(project=project, guid=coding_guid)
        .first()
    )
    if row is None:
        raise fail("there is no such coding (it may have been deleted).")
    return row


def update_coding(
    project: m.InterviewProject,
    coding: m.Coding,
    access: perm.Access,
    *,
    start: int | None = None,
    end: int | None = None,
    code: str | None = None,
) -> m.Coding:
    """Move a coding and/or give it another code (the core's ``update_coding``)."""
    if not access.may_change(coding.coder.account_id if coding.coder else None):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    with transaction.atomic():
        locked = _locked(project)
        row = _coding_row(locked, coding.guid)
        core = _core_for_transcript(locked, row.transcript)
        c = core.update_coding(row.guid, start=start, end=end, code=code)
        row.start, row.end = c.start, c.end
        row.code = m.Code.objects.get(project=locked, guid=c.code)
        row.save(update_fields=["start", "end", "code"])
        core.log(
            "edit-coding", access.user.get_username(), coding=row.guid, source=row.transcript.name
        )
        convert.save_audit(core, locked)
    return row


def delete_coding(project: m.InterviewProject, coding: m.Coding, access: perm.Access) -> None:
    """Delete a coding and the memos on it (the core's ``remove_coding``)."""
    if not access.may_change(coding.coder.account_id if coding.coder else None):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    with transaction.atomic():
        locked = _locked(project)
        row = _coding_row(locked, coding.guid)
        core = _core_for_transcript(locked, row.transcript, memos=True)
        memos_before = set(core.memos)
        core.remove_coding(row.guid)
        gone = memos_before - set(core.memos)
        m.Memo.objects.filter(project=locked, guid__in=gone).delete()
        row.delete()
        core.log("code", access.user.get_username(), removed=1, source=row.transcript.name)
        convert.save_audit(core, locked)


def undo_codings(
    project: m.InterviewProject,
    transcript: m.Transcript,
    access: perm.Access,
    *,
    codings: list[str],
    codes: list[str] = (),
) -> tuple[int, int]:
    """Undo the page's last coding: delete ``codings`` (GUIDs of this transcript that this
    person may change) and the ``codes`` that coding made, when nothing else uses them.

    A code is deleted only if this person's last ``code`` entry in the audit log made it and
    it has no codings, codes below it, themes or memos left, so a coder cannot delete the
    codebook's codes this way.  Returns (codings, codes) deleted.  Audited as ``undo-code``.
    """
    from django.core.exceptions import PermissionDenied

    access.require(perm.CODE)
    with transaction.atomic():
        locked = _locked(project)
        rows = list(
            m.Coding.objects.filter(
                project=locked, transcript=transcript, guid__in=codings
            ).select_related("coder")
        )
        if not rows and not codes:
            raise fail("there is nothing to undo (the coding has been deleted).")
        for row in rows:
            if not access.may_change(row.coder.account_id if row.coder else None):
                raise PermissionDenied
        core = _core_for_transcript(locked, transcript, memos=True)
        memos_before = set(core.memos)
        for row in rows:
            core.remove_coding(row.guid)
        m.Memo.objects.filter(project=locked, guid__in=memos_before - set(core.memos)).delete()
        m.Coding.objects.filter(pk__in=[r.pk for r in rows]).delete()
        gone = _undo_new_codes(locked, access, codes)
        core.log(
            "undo-code",
            access.user.get_username(),
            removed=len(rows),
            source=transcript.name,
            **({"removed_codes": gone} if gone else {}),
        )
        convert.save_audit(core, locked)
    return len(rows), len(gone)


def new_code_guids(project: m.InterviewProject, made: list[m.Coding]) -> list[str]:
    """The codes that the coding which made ``made`` created (its audit entry says)."""
    if not made or made[0].coder is None:
        return []
    last = (
        m.AuditEntry.objects.filter(project=project, action="code", user=made[0].coder.name)
        .order_by("-id")
        .first()
    )
    return list((last.details or {}).get("new_code_ids", [])) if last else []


def _undo_new_codes(project: m.InterviewProject, access: perm.Access, codes) -> list[str]:
    coder = coder_of(project, access.user)
    if not codes or coder is None:
        return []
    last = (
        m.AuditEntry.objects.filter(project=project, action="code", user=coder.name)
        .order_by("-id")
        .first()
    )
    made = set((last.details or {}).get("new_code_ids", [])) if last else set()
    gone = []
    for c in m.Code.objects.filter(project=project, guid__in=[g for g in codes if g in made]):
        used = (
            c.codings.exists()
            or c.children.exists()
            or c.theme_links.exists()
            or m.Memo.objects.filter(project=project, target="code", target_id=c.guid).exists()
        )
        if not used:
            gone.append(c.name)
            c.delete()
    return gone


# ---------------------------------------------------------------------------------------------
# memos
# ---------------------------------------------------------------------------------------------

MEMO_TARGETS = ("project", "source", "code", "coding", "selection")


def memo_target_label(project: m.InterviewProject, target: str, target_id: str | None) -> str:
    if target == "project":
        return f"the project {project.name}"
    if target == "source":
        t = m.Transcript.objects.filter(project=project, guid=target_id).first()
        return f"transcript {t.name}" if t else "a transcript"
    if target == "code":
        c = m.Code.objects.filter(project=project, guid=target_id).first()
        return f"code {c.name}" if c else "a code"
    if target == "coding":
        c = (
            m.Coding.objects.filter(project=project, guid=target_id)
            .select_related("code", "transcript")
            .first()
        )
        return f"a coding of {c.code.name} in {c.transcript.name}" if c else "a coding"
    return "a passage"


def add_memo(
    project: m.InterviewProject,
    access: perm.Access,
    *,
    text: str,
    target: str = "project",
    target_id: str | None = None,
    title: str = "",
    start: int | None = None,
    end: int | None = None,
) -> m.Memo:
    """A memo by this person on the project, a transcript, a code, a coding or a passage
    (the core's ``add_memo`` checks what it is about)."""
    access.require(perm.CODE)
    if not text.strip():
        raise fail("the memo is empty.", fix="write the memo.")
    if target not in MEMO_TARGETS:
        raise fail(f"a memo cannot be about {target!r}.")
    with transaction.atomic():
        locked = _locked(project)
        transcript = None
        if target in ("source", "selection"):
            transcript = visible_transcripts(locked, access).filter(guid=target_id).first()
            if transcript is None:
                raise fail("there is no such transcript.")
        elif target == "coding":
            coding = (
                m.Coding.objects.filter(project=locked, guid=target_id)
                .select_related("transcript")
                .first()
            )
            if (
                coding is None
                or not visible_transcripts(locked, access).filter(pk=coding.transcript_id).exists()
            ):
                raise fail("there is no such coding (it may have been deleted).")
            transcript = coding.transcript
        coder = coder_for(locked, access.user)
        sources = [transcript.pk] if transcript is not None else []
        core = convert.to_core(locked, sources=sources, memos=False)
        memo = core.add_memo(
            text.strip(),
            target=target,
            target_id=target_id if target != "selection" else None,
            author=coder.guid,
            title=title.strip(),
            source=transcript.guid if target == "selection" else None,
            start=start,
            end=end,
        )
        return m.Memo.objects.create(
            project=locked,
            guid=memo.id,
            text=memo.text,
            title=memo.title,
            author=coder,
            created=memo.created,
            target=memo.target,
            target_id=memo.target_id,
            transcript=transcript if target == "selection" else None,
            start=memo.start,
            end=memo.end,
            position=_next_position(m.Memo, locked),
        )


def update_memo(memo: m.Memo, access: perm.Access, *, text: str, title: str = "") -> m.Memo:
    if not access.may_change(memo.author.account_id if memo.author else None):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if not text.strip():
        raise fail("the memo is empty.", fix="write the memo, or delete it.")
    memo.text = normalise(text.strip())[0]
    memo.title = title.strip()
    memo.save(update_fields=["text", "title"])
    return memo


def delete_memo(memo: m.Memo, access: perm.Access) -> None:
    if not access.may_change(memo.author.account_id if memo.author else None):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    memo.delete()


def memos_on(project, target: str, target_id: str | None = None):
    return (
        m.Memo.objects.filter(project=project, target=target, target_id=target_id)
        .select_related("author")
        .order_by("position", "id")
    )


# ---------------------------------------------------------------------------------------------
# the codebook
# ---------------------------------------------------------------------------------------------


def add_code(
    project: m.InterviewProject,
    access: perm.Access,
    *,
    name: str,
    parent: str | None = None,
    definition: str = "",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    themes: list[str] = (),
    color: str | None = None,
) -> m.Code:
    """A new code (the core's ``add_code`` checks its name), optionally in themes, with the
    colour chosen or the next of the palette."""
    access.require(perm.CODE)
    with transaction.atomic():
        locked = _locked(project)
        core = convert.to_core(locked, sources=[], codings=False, memos=False)
        c = core.add_code(
            name,
            parent=parent or None,
            definition=definition.strip(),
            inclusion=inclusion.strip(),
            exclusion=exclusion.strip(),
            example=example.strip(),
            color=check_colour(color) or _next_colour(locked),
        )
        row = _write_code(locked, c, _next_position(m.Code, locked))
        core.log("add-code", access.user.get_username(), code=c.id)
        convert.save_audit(core, locked)
        for guid in themes:
            th = m.Theme.objects.filter(project=locked, guid=guid).first()
            if th is not None:
                n = m.ThemeCode.objects.filter(theme=th).count()
                m.ThemeCode.objects.create(theme=th, code=row, position=n)
    return row


def _next_colour(project: m.InterviewProject) -> str:
    return palette_colour(m.Code.objects.filter(project=project).count())


def update_code(
    project: m.InterviewProject,
    code: m.Code,
    access: perm.Access,
    *,
    name: str,
    definition: str = "",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    themes: list[str] | None = None,
) -> m.Code:
    """Change a code's name, definition, rules and themes (audited as ``change-code``)."""
    access.require(perm.MANAGE_CODEBOOK)
    with transaction.atomic():
        locked = _locked(project)
        core = convert.to_core(locked, sources=[], codings=False, memos=False)
        user = access.user.get_username()
        core_change_code(core, code.guid, name=name, user=user)
        code.name = core.codes[code.guid].name
        fields = {
            "definition": definition.strip(),
            "inclusion": inclusion.strip(),
            "exclusion": exclusion.strip(),
            "example": example.strip(),
        }
        changed = [k for k, v in fields.items() if getattr(code, k) != v]
        for k, v in fields.items():
            setattr(code, k, v)
        code.save()
        if changed:
            core.log("change-code", user, code=code.guid, fields=changed)
        if themes is not None:
            _set_themes(project, code, themes)
        convert.save_audit(core, locked)
    return code


def _set_themes(project: m.InterviewProject, code: m.Code, themes: list[str]) -> None:
    wanted = set(themes)
    for link in m.ThemeCode.objects.filter(code=code).select_related("theme"):
        if link.theme.guid not in wanted:
            link.delete()
    have = set(m.ThemeCode.objects.filter(code=code).values_list("theme__guid", flat=True))
    for th in m.Theme.objects.filter(project=project, guid__in=wanted - have):
        n = m.ThemeCode.objects.filter(theme=th).count()
        m.ThemeCode.objects.create(theme=th, code=code, position=n)


_KEEP = ...


def change_code(
    project: m.InterviewProject,
    code: m.Code,
    access: perm.Access,
    *,
    name: str | None = None,
    color: object = _KEEP,
    parent: object = _KEEP,
) -> m.Code:
    """Rename a code, recolour it or move it under another code (a GUID; None or "" for the
    top).  The core refuses a move under the code itself or below it.  Audited."""
    access.require(perm.MANAGE_CODEBOOK)
    with transaction.atomic():
        locked = _locked(project)
        core = convert.to_core(locked, sources=[], codings=False, memos=False)
        done = core_change_code(
            core,
            code.guid,
            name=name,
            color=color,
            parent=(parent or None) if parent is not _KEEP else _KEEP,
            user=access.user.get_username(),
        )
        c = core.codes[code.guid]
        row = m.Code.objects.get(pk=code.pk, project=locked)
        row.name, row.color = c.name, c.color
        row.parent = m.Code.objects.get(project=locked, guid=c.parent) if c.parent else None
        if "parent" in done.changes:
            row.position = _next_position(m.Code, locked)  # last among its new siblings
        row.save()
        convert.save_audit(core, locked)
    return row


def merge_code(
    project: m.InterviewProject, code: m.Code, into: str, access: perm.Access
) -> tuple[m.Code, int]:
    """Merge ``code`` into the code ``into`` (a GUID): its codings, codes below it, themes and
    memos go there, and it is deleted (the core's ``merge_codes``).  Returns the code kept and
    how many codings it received.  Audited as ``merge-codes``."""
    access.require(perm.MANAGE_CODEBOOK)
    with transaction.atomic():
        locked = _locked(project)
        core = convert.to_core(locked)
        done = merge_codes(core, code.guid, into, user=access.user.get_username())
        dst = m.Code.objects.get(project=locked, guid=done.into)
        m.Code.objects.filter(project=locked, guid__in=done.children).update(parent=dst)
        for memo in m.Memo.objects.filter(project=locked, guid__in=list(core.memos)):
            target = core.memos[memo.guid].target_id
            if memo.target in ("code", "coding") and memo.target_id != target:
                memo.target_id = target
                memo.save(update_fields=["target_id"])
        m.Coding.objects.filter(project=locked, guid__in=done.dropped).delete()
        m.Coding.objects.filter(project=locked, guid__in=done.recoded).update(code=dst)
        have = set(m.ThemeCode.objects.filter(code=dst).values_list("theme_id", flat=True))
        for link in m.ThemeCode.objects.filter(code__guid=done.source, code__project=locked):
            if link.theme_id not in have:
                m.ThemeCode.objects.create(theme_id=link.theme_id, code=dst, position=link.position)
        for part in m.Participant.objects.filter(project=locked):
            refs = (
                list(core.participants[part.guid].code_refs)
                if part.guid in core.participants
                else None
            )
            if refs is not None and refs != list(part.code_refs):
                part.code_refs = refs
                part.save(update_fields=["code_refs"])
        m.Code.objects.filter(project=locked, guid=done.source).delete()
        convert.save_audit(core, locked)
    return dst, len(done.recoded)


def delete_code(project: m.InterviewProject, code: m.Code, access: perm.Access) -> None:
    access.require(perm.MANAGE_CODEBOOK)
    if code.codings.exists():
        raise fail(
            f"the code {code.name!r} has {code.codings.count()} coding(s).",
            fix="delete or recode its codings first, or merge it into another code.",
        )
    if code.children.exists():
        raise fail(f"the code {code.name!r} has codes below it.", fix="delete or move them first.")
    with transaction.atomic():
        locked = _locked(project)
        m.ThemeCode.objects.filter(code=code).delete()
        code.delete()
        core = Project(locked.name)
        core.log("delete-code", access.user.get_username(), code=code.guid, name=code.name)
        convert.save_audit(core, locked)


def add_theme(
    project: m.InterviewProject, access: perm.Access, *, name: str, description: str = ""
) -> m.Theme:
    access.require(perm.MANAGE_CODEBOOK)
    with transaction.atomic():
        locked = _locked(project)
        core = convert.to_core(locked, sources=[], codings=False, memos=False)
        th = core.add_theme(name.strip(), description=description.strip())
        return m.Theme.objects.create(
            project=locked,
            guid=th.id,
            name=th.name,
            description=th.description,
            position=_next_position(m.Theme, locked),
        )


def codebook_tree(project: m.InterviewProject) -> list[tuple[m.Code, int]]:
    """Codes in codebook order, each with its depth (children under their parent)."""
    codes = list(
        m.Code.objects.filter(project=project)
        .annotate(n_codings=Count("codings"))
        .order_by("position", "id")
    )
    children: dict[int | None, list[m.Code]] = {}
    for c in codes:
        children.setdefault(c.parent_id, []).append(c)
    out: list[tuple[m.Code, int]] = []
    seen: set[int] = set()

    def walk(parent, depth):
        for c in children.get(parent, []):
            if c.pk in seen:
                continue
            seen.add(c.pk)
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    for c in codes:  # anything in a cycle (never made by Readiness)
        if c.pk not in seen:
            out.append((c, 0))
    return out


def code_paths(project: m.InterviewProject) -> dict[int, str]:
    rows = {
        pk: (name, parent)
        for pk, name, parent in m.Code.objects.filter(project=project).values_list(
            "pk", "name", "parent_id"
        )
    }
    out = {}
    for pk in rows:
        names, cur, seen = [], pk, set()
        while cur is not None and cur not in seen:
            seen.add(cur)
            names.append(rows[cur][0])
            cur = rows[cur][1]
        out[pk] = "/".join(reversed(names))
    return out
