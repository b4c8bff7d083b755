"""A project on disk: a folder with ``project.json``, ``sources/*.txt`` and ``audit.jsonl``.

``project.json`` holds everything but the transcripts' text; each transcript is a UTF-8 file
named after its GUID and a hash of its content.  Saving writes new text files first and
``project.json`` last, each through a temporary file that is renamed into place, and then
removes text files that ``project.json`` no longer names.  A save that fails part way leaves the
project as it was; a transcript's text from before pseudonymisation does not stay behind.

The pseudonymisation key never lives here: see :mod:`readiness.interviews.pseudonymise`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import (
    AuditEntry,
    Code,
    Coding,
    DocumentSet,
    Memo,
    Participant,
    Project,
    Section,
    Segment,
    Theme,
    TopicGuide,
    Transcript,
    User,
    Variable,
)
from readiness.interviews.text import has_nul
from readiness.tabular import atomic_write

__all__ = ["FORMAT", "init", "is_project", "load", "read_audit", "save"]

FORMAT = "readiness-interviews"
VERSION = 1
PROJECT_FILE = "project.json"
AUDIT_FILE = "audit.jsonl"
SOURCES_DIR = "sources"


def is_project(folder: str | Path) -> bool:
    return (Path(folder) / PROJECT_FILE).is_file()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source_file(t: Transcript) -> str:
    return f"{t.id}-{_digest(t.text)[:12]}.txt"


def to_dict(project: Project) -> dict:
    """The ``project.json`` content (transcript text excluded)."""
    sources = []
    for t in project.sources.values():
        d = asdict(t)
        d.pop("text")
        d["file"] = f"{SOURCES_DIR}/{_source_file(t)}"
        d["sha256"] = _digest(t.text)
        d["characters"] = len(t.text)
        sources.append(d)
    guide = None
    if project.topic_guide is not None:
        guide = asdict(project.topic_guide)
    return {
        "format": FORMAT,
        "version": VERSION,
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "created": project.created,
        "creator": project.creator,
        "users": [asdict(u) for u in project.users.values()],
        "variables": [asdict(v) for v in project.variables.values()],
        "participants": [asdict(p) for p in project.participants.values()],
        "topic_guide": guide,
        "sources": sources,
        "codes": [asdict(c) for c in project.codes.values()],
        "themes": [asdict(t) for t in project.themes.values()],
        "sets": [asdict(t) for t in project.sets.values()],
        "codings": [asdict(c) for c in project.codings.values()],
        "memos": [asdict(m) for m in project.memos.values()],
        "reviewed": dict(project.reviewed),
    }


def save(project: Project, folder: str | Path) -> Path:
    """Write ``project`` to ``folder`` (created if needed) and append its new audit entries."""
    folder = Path(folder)
    problems = project.problems()
    if problems:
        raise InterviewError(problems, file=str(folder / PROJECT_FILE))
    (folder / SOURCES_DIR).mkdir(parents=True, exist_ok=True)
    wanted = set()
    for t in project.sources.values():
        name = _source_file(t)
        wanted.add(name)
        target = folder / SOURCES_DIR / name
        if not target.exists():
            data = t.text.encode("utf-8")
            atomic_write(target, lambda p, data=data: p.write_bytes(data))
    content = json.dumps(to_dict(project), ensure_ascii=False, indent=1) + "\n"
    atomic_write(folder / PROJECT_FILE, lambda p: p.write_text(content, encoding="utf-8"))
    for old in (folder / SOURCES_DIR).glob("*.txt"):
        if old.name not in wanted:
            old.unlink(missing_ok=True)
    if project.audit:
        with open(folder / AUDIT_FILE, "a", encoding="utf-8") as fh:
            for e in project.audit:
                fh.write(json.dumps(asdict(e), ensure_ascii=False) + "\n")
        project.audit = []
    return folder


def init(folder: str | Path, name: str | None = None, *, creator: str | None = None) -> Project:
    """Create a new, empty project folder."""
    folder = Path(folder)
    if is_project(folder):
        raise fail(
            "there is already a project here.",
            fix="choose a new folder, or work on this project.",
            file=str(folder),
        )
    if folder.exists() and any(folder.iterdir()):
        raise fail(
            "the folder exists and is not empty.",
            fix="give a new or empty folder for the project.",
            file=str(folder),
        )
    project = Project(name or folder.name)
    if creator:
        project.creator = project.user(creator).id
    project.log("create-project", creator, name=project.name)
    save(project, folder)
    return project


def _req(d: dict, key: str, where: str, file: str, problems: list[Problem]):
    if key not in d:
        problems.append(
            Problem(
                f"{where} has no {key!r}.",
                fix="restore project.json from a backup.",
                file=file,
                column=key,
            )
        )
        return None
    return d[key]


def load(folder: str | Path) -> Project:
    """Read a project folder, checking every reference and every transcript's hash."""
    folder = Path(folder)
    file = str(folder / PROJECT_FILE)
    data = _project_data(folder)
    problems: list[Problem] = []
    p = Project(
        data.get("name", folder.name),
        id=data.get("id"),
        created=data.get("created"),
        description=data.get("description", ""),
        creator=data.get("creator"),
    )
    try:
        _read_people(p, data)
        g = data.get("topic_guide")
        if g:
            p.topic_guide = _topic_guide(g)
        for d in data.get("sources", []):
            _read_source(p, dict(d), folder, file, problems)
        _read_coding(p, data)
    except (KeyError, TypeError) as err:
        raise fail(
            f"has an entry that Readiness cannot read ({type(err).__name__}: {err}).",
            fix="restore project.json from a backup; it should only be changed by Readiness.",
            file=file,
        ) from err
    if problems:
        raise InterviewError(problems, file=file)
    problems = p.problems(file)
    if problems:
        raise InterviewError(problems, file=file)
    return p


def _project_data(folder: Path) -> dict:
    """The contents of project.json, if it is a project file this Readiness can read."""
    path = folder / PROJECT_FILE
    file = str(path)
    if not path.is_file():
        raise fail(
            "is not a Readiness interview project (no project.json).",
            fix="give the project folder, or create one with `readiness interviews init FOLDER`.",
            file=str(folder),
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        line = getattr(err, "lineno", None)
        raise fail(
            f"cannot be read as JSON ({err}).",
            fix="restore project.json from a backup; it should only be changed by Readiness.",
            file=file,
            line=line,
        ) from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise fail("is not a Readiness interview project file.", file=file, column="format")
    if data.get("version", 0) > VERSION:
        raise fail(
            f"was written by a newer Readiness (format version {data.get('version')}).",
            fix="upgrade Readiness.",
            file=file,
        )
    return data


def _tuples(d: dict, keys: tuple[str, ...]) -> dict:
    """A copy of ``d`` with the lists under ``keys`` as tuples (JSON has no tuples)."""
    d = dict(d)
    for k in keys:
        d[k] = tuple(d.get(k, ()))
    return d


def _read_people(p: Project, data: dict) -> None:
    for d in data.get("users", []):
        p.users[d["id"]] = User(**d)
    for d in data.get("variables", []):
        p.variables[d["id"]] = Variable(**d)
    for d in data.get("participants", []):
        d = _tuples(d, ("sources", "code_refs", "selection_refs"))
        p.participants[d["id"]] = Participant(**d)


def _topic_guide(g: dict) -> TopicGuide:
    return TopicGuide(
        g["title"],
        tuple(
            Section(s["title"], tuple(s.get("questions", ())), tuple(s.get("prompts", ())))
            for s in g.get("sections", [])
        ),
        g.get("source", ""),
    )


def _read_source(p: Project, d: dict, folder: Path, file: str, problems: list[Problem]) -> None:
    """Add the transcript ``d`` describes, unless its text file is missing, outside the
    folder, not UTF-8 or changed since (each a problem)."""
    rel = _req(d, "file", f"transcript {d.get('name')!r}", file, problems)
    sha = d.pop("sha256", None)
    d.pop("characters", None)
    d.pop("file", None)
    if rel is None:
        return
    text = _transcript_text(d.get("name"), rel, folder, file, problems)
    if text is None:
        return
    if sha and _digest(text) != sha:
        problems.append(
            Problem(
                f"the text of transcript {d.get('name')!r} was changed outside Readiness "
                "(its hash does not match), so codings may no longer point at the right "
                "words.",
                fix="undo the change, or re-import the transcript as a new one.",
                file=str(_inside(folder, rel)),
            )
        )
        return
    d["segments"] = tuple(Segment(**g) for g in d.get("segments") or ())
    p.sources[d["id"]] = Transcript(text=text, **d)


def _transcript_text(
    name: object, rel: object, folder: Path, file: str, problems: list[Problem]
) -> str | None:
    """The text of a transcript's file inside the project folder, or None (and a problem)."""
    tpath = _inside(folder, rel)
    if tpath is None:
        problems.append(
            Problem(
                f"transcript {name!r} names a text file outside the project "
                f"folder ({rel!r}); Readiness reads only files inside it.",
                fix="restore project.json from a backup; it should only be changed by Readiness.",
                file=file,
                column="file",
            )
        )
        return None
    try:
        return tpath.read_bytes().decode("utf-8")
    except FileNotFoundError:
        problems.append(
            Problem(
                f"the text of transcript {name!r} ({rel}) is missing.",
                fix="restore the project folder from a backup.",
                file=str(tpath),
            )
        )
    except UnicodeDecodeError as err:
        problems.append(
            Problem(f"is not UTF-8 (byte {err.start}).", file=str(tpath)),
        )
    return None


def _read_coding(p: Project, data: dict) -> None:
    """Codes, themes, document sets, codings, memos and the review marks."""
    for d in data.get("codes", []):
        p.codes[d["id"]] = Code(**d)
    for d in data.get("themes", []):
        d = _tuples(d, ("codes", "sources", "memos"))
        p.themes[d["id"]] = Theme(**d)
    for d in data.get("sets", []):
        d = _tuples(d, ("sources", "memos"))
        p.sets[d["id"]] = DocumentSet(**d)
    for d in data.get("codings", []):
        p.codings[d["id"]] = Coding(**d)
    for d in data.get("memos", []):
        p.memos[d["id"]] = Memo(**d)
    p.reviewed = {str(k): str(v) for k, v in dict(data.get("reviewed") or {}).items()}


def _inside(folder: Path, rel: object) -> Path | None:
    """``folder / rel`` if it stays inside ``folder`` (links resolved), else None."""
    if not isinstance(rel, str) or not rel:
        return None
    root = folder.resolve()
    target = (root / rel).resolve()
    return target if target.is_relative_to(root) and target != root else None


def read_audit(folder: str | Path) -> list[AuditEntry]:
    """The entries of ``audit.jsonl``; every line must be one entry Readiness wrote."""
    path = Path(folder) / AUDIT_FILE
    if not path.exists():
        return []
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise fail(f"is not UTF-8 (byte {err.start}).", file=str(path)) from err
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = AuditEntry(**json.loads(line))
        except (json.JSONDecodeError, TypeError) as err:
            raise fail(
                f"this line is not an audit entry Readiness wrote ({err}).",
                fix="restore audit.jsonl from a backup; it should only be changed by Readiness.",
                file=str(path),
                line=number,
            ) from err
        if (
            not isinstance(entry.details, dict)
            or not isinstance(entry.action, str)
            or has_nul(entry)  # no database text column keeps a NUL
        ):
            raise fail(
                "this line is not an audit entry Readiness wrote.",
                fix="restore audit.jsonl from a backup; it should only be changed by Readiness.",
                file=str(path),
                line=number,
            )
        out.append(entry)
    return out
