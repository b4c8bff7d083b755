"""Pseudonymisation: propose replacements, let a person accept or reject each, apply them.

Two things find what to replace:

* the **key** (:mod:`.key`), a CSV file kept *apart from the project* with columns
  ``real,pseudonym`` (``Sarah Jones,Participant A``; ``St Mary's,Hospital 1``).  Names are
  matched as whole words, ignoring case and line breaks between words.  The key is never stored
  in the project folder, never written to the audit log and never exported;
* **detectors** (:mod:`.detect`) for spellings close to the key's names, UK telephone numbers,
  e-mail addresses, NHS numbers, UK postcodes, dates of birth, web addresses, social media
  handles, and names and places not in the key (from shipped lists, :mod:`.names`, with
  capitalisation and context).  Each proposal says why it was made (``reason``) and whether it
  is pre-set to be replaced (``preset``): suggestions such as a key name that is also an
  ordinary word ("Mark") or a name found by the lists are left for a person to decide.

:func:`propose` returns :class:`Proposal` records for every text a review covers
(:data:`FIELDS`, :func:`review_scope`): the transcripts' text, names, file names and attributes,
the participants' names, descriptions and attributes, memos, codes, themes, document sets
and the project's name; :func:`apply` carries out the accepted ones, moves every coding so it covers the same
words (a coding that ended inside a replaced name ends after its pseudonym), marks the reviewed
transcripts as pseudonymised, records a digest of everything else it reviewed
(``Project.reviewed``) and writes an audit entry with counts only.

Every export refuses a project with anything not reviewed as it is now (:func:`unreviewed`)
unless a reason is given (:func:`check_export`), and the reason is logged.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import Project, now_iso
from readiness.interviews.pseudonymise.detect import (
    DETECTORS,
    KINDS,
    Finding,
    detect,
    find,
    nhs_number_valid,
)
from readiness.interviews.pseudonymise.key import Key, _inside, load_key
from readiness.interviews.text import Edit, apply_edits, line_of, line_starts
from readiness.interviews.transcripts import decode
from readiness.tabular import atomic_write, formula_restored, formula_safe_values

__all__ = [
    "CODEBOOK_KINDS",
    "DETECTORS",
    "FIELDS",
    "KINDS",
    "Finding",
    "Text",
    "Unreviewed",
    "review_scope",
    "texts_of",
    "unreviewed",
    "Key",
    "Proposal",
    "apply",
    "check_export",
    "decide",
    "detect",
    "find",
    "load_key",
    "nhs_number_valid",
    "propose",
    "read_proposals",
    "write_proposals",
]


# ---------------------------------------------------------------------------------------------
# Proposals
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One proposed replacement.  ``where`` is a key of :data:`FIELDS` (``transcript`` for its
    text, ``name`` for a transcript's name, ``memo``...); ``target_id`` the GUID of what holds
    it.  ``reason`` says why it was proposed, ``score`` how likely it is to identify someone
    (0 to 1) and ``preset`` whether it starts as "replace" (True) or is left to a person."""

    id: str
    where: str
    target_id: str
    target: str  # transcript name, or memo title
    start: int
    end: int
    kind: str
    original: str
    replacement: str
    line: int | None = None
    context: str = ""
    decision: str = ""  # accept / reject
    reason: str = ""
    score: float = 1.0
    preset: bool = True


def _context(text: str, s: int, e: int, width: int = 30) -> str:
    a = max(0, s - width)
    b = min(len(text), e + width)
    left = text[a:s].replace("\n", " ")
    right = text[e:b].replace("\n", " ")
    return f"...{left}[{text[s:e]}]{right}..."


# Every text a review reads, by where it is: (collection, field).  ``where`` is what a proposal
# records; an attribute's ``target_id`` is its object's GUID, ":", the attribute's name.
FIELDS = {
    "transcript": ("sources", "text"),
    "name": ("sources", "name"),
    "origin": ("sources", "origin"),
    "transcript description": ("sources", "description"),
    "transcript attribute": ("sources", "attributes"),
    "participant": ("participants", "name"),
    "participant description": ("participants", "description"),
    "participant attribute": ("participants", "attributes"),
    "memo": ("memos", "text"),
    "memo title": ("memos", "title"),
    "code": ("codes", "name"),
    "code definition": ("codes", "definition"),
    "code inclusion": ("codes", "inclusion"),
    "code exclusion": ("codes", "exclusion"),
    "code example": ("codes", "example"),
    "theme": ("themes", "name"),
    "theme description": ("themes", "description"),
    "set": ("sets", "name"),
    "set description": ("sets", "description"),
    "project": ("project", "name"),
    "project description": ("project", "description"),
}
_RUNNING_TEXT = {"transcript", "memo", "memo title"}  # proposals give a line and context
_KIND_OF = {"sources": "transcript", "participants": "participant", "memos": "memo"}
_KIND_OF.update({"codes": "code", "themes": "theme", "sets": "set", "project": "project"})


@dataclass(frozen=True)
class Text:
    """One text a review reads: ``where`` (a key of :data:`FIELDS`), whose it is, and the text."""

    where: str
    target_id: str
    target: str  # how a person recognises the object: a name, a title, a code's path
    text: str


def _object(project: Project, collection: str, oid: str):
    return project if collection == "project" else getattr(project, collection).get(oid)


def _label(project: Project, collection: str, obj) -> str:
    if collection == "memos":
        return obj.title or obj.text[:30]
    if collection == "codes":
        return project.code_path(obj.id)
    return obj.name


def texts_of(project: Project, ref: str) -> list[Text]:
    """The texts of one object, ``ref`` being ``kind:GUID`` (see :func:`review_scope`)."""
    kind, oid = ref.split(":", 1)
    collection = next(c for c, k in _KIND_OF.items() if k == kind)
    obj = _object(project, collection, oid)
    if obj is None:
        return []
    label = _label(project, collection, obj)
    out = []
    for where, (coll, attr) in FIELDS.items():
        if coll != collection:
            continue
        value = getattr(obj, attr)
        if attr == "attributes":
            for name, v in value.items():
                if isinstance(v, str):
                    out.append(Text(where, f"{oid}:{name}", f"{label} ({name})", v))
        else:
            out.append(Text(where, oid, label, value or ""))
    return out


def review_scope(project: Project, sources: list[str] | None = None) -> list[str]:
    """What a review of ``sources`` (all without it) covers, as ``kind:GUID`` references.

    The transcripts chosen, their participants, the memos on them and on their codings, and
    everything tied to no transcript: the project's name, the codes, the themes, participants
    of no transcript and memos on the project or a code.  Without ``sources``: everything.
    """
    ids = [project.source(s).id for s in sources] if sources else list(project.sources)
    chosen = set(ids)
    coding_source = {c.id: c.source for c in project.codings.values()}
    refs = [f"transcript:{sid}" for sid in ids]
    refs += [
        f"participant:{p.id}"
        for p in project.participants.values()
        if not p.sources or chosen & set(p.sources)
    ]
    for m in project.memos.values():
        on = {"source": m.target_id, "selection": m.source}.get(m.target)
        if m.target == "coding":
            on = coding_source.get(m.target_id or "")
        if on is None or on in chosen:
            refs.append(f"memo:{m.id}")
    refs += [f"code:{c}" for c in project.codes] + [f"theme:{t}" for t in project.themes]
    refs += [
        f"set:{s.id}"
        for s in project.sets.values()
        if not s.sources or not sources or chosen & set(s.sources)
    ]
    refs.append(f"project:{project.id}")
    return refs


def propose(
    project: Project,
    key: Key | None = None,
    *,
    sources: list[str] | None = None,
    kinds=None,
    memos: bool = True,
) -> list[Proposal]:
    """Proposals for everything a review of ``sources`` covers (see :func:`review_scope`):
    the transcripts' text, names and attributes, participants, memos, codes, themes, document
    sets and the project's name.  Numbered from 1 in a fixed order, so the same project and key give the
    same numbers.  ``memos=False`` leaves memos out.
    """
    out: list[Proposal] = []
    for ref in review_scope(project, sources):
        if not memos and ref.startswith("memo:"):
            continue
        for item in texts_of(project, ref):
            running = item.where in _RUNNING_TEXT
            starts = line_starts(item.text) if running else None
            for f in find(item.text, key, kinds):
                s, e = f.start, f.end
                out.append(
                    Proposal(
                        str(len(out) + 1),
                        item.where,
                        item.target_id,
                        item.target,
                        s,
                        e,
                        f.kind,
                        item.text[s:e],
                        f.replacement,
                        line_of(item.text, s, starts) if running else None,
                        _context(item.text, s, e) if running else item.text,
                        reason=f.reason,
                        score=f.score,
                        preset=f.preset,
                    )
                )
    return out


_COLUMNS = [
    "id",
    "decision",
    "kind",
    "original",
    "replacement",
    "suggested",
    "reason",
    "where",
    "target",
    "line",
    "context",
    "start",
    "end",
    "target_id",
]


def write_proposals(
    proposals: list[Proposal], path: str | Path, *, project_folder: str | Path | None = None
) -> None:
    """Write proposals to a CSV file for a person to mark ``accept`` or ``reject``.

    The file contains the real identifiers, so, like the key, it may not go inside the project.
    """
    path = Path(path)
    if project_folder is not None and _inside(path, Path(project_folder)):
        raise fail(
            "the proposals file holds real names and may not be written inside the project folder.",
            fix="write it next to the key, outside the project, and delete it when done.",
            file=str(path),
        )

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(_COLUMNS)
            for p in proposals:
                w.writerow(
                    formula_safe_values(
                        [
                            p.id,
                            p.decision,
                            p.kind,
                            p.original,
                            p.replacement,
                            "replace" if p.preset else "check",
                            p.reason,
                            p.where,
                            p.target,
                            p.line or "",
                            p.context,
                            p.start,
                            p.end,
                            p.target_id,
                        ]
                    )
                )

    atomic_write(path, write)


_ACCEPT = {"accept", "accepted", "a", "y", "yes", "ok", "replace"}
_REJECT = {"reject", "rejected", "r", "n", "no", "keep", "skip"}


def read_proposals(path: str | Path, fresh: list[Proposal]) -> list[Proposal]:
    """Read decisions from a proposals file, checked against ``fresh`` proposals made again
    from the project now; every fresh proposal must be decided.  Returns the decided proposals
    (with any replacement the person edited)."""
    path = Path(path)
    file = str(path)
    try:
        rows = [
            {k: formula_restored(v) if isinstance(v, str) else v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(decode(path.read_bytes(), file=file)))
        ]
    except FileNotFoundError as err:
        raise fail("no such proposals file.", fix="check the path.", file=file) from err
    by_id = {p.id: p for p in fresh}
    problems: list[Problem] = []
    out: list[Proposal] = []
    seen = set()
    for n, row in enumerate(rows, start=2):
        pid = (row.get("id") or "").strip()
        decision = (row.get("decision") or "").strip().lower()
        p = by_id.get(pid)
        if (
            p is None
            or (row.get("original") or "") != p.original
            or ((row.get("target_id") or "") != p.target_id)
        ):
            problems.append(
                Problem(
                    f"proposal {pid or '(no id)'} does not match the project as it is now "
                    "(the project or the key changed since the file was written).",
                    fix="write the proposals again and review the new file.",
                    file=file,
                    line=n,
                    column="id",
                )
            )
            continue
        seen.add(pid)
        if decision in _ACCEPT:
            rep = row.get("replacement")
            rep = p.replacement if rep is None or rep == "" else rep
            out.append(replace(p, decision="accept", replacement=rep))
        elif decision in _REJECT:
            out.append(replace(p, decision="reject"))
        else:
            problems.append(
                Problem(
                    f"proposal {pid} ({p.kind} {p.original!r}) has no decision"
                    + (f" ({decision!r} is not one)" if decision else "")
                    + ".",
                    fix="write accept or reject in the decision column.",
                    file=file,
                    line=n,
                    column="decision",
                )
            )
    for pid, p in by_id.items():
        if pid not in seen:
            problems.append(
                Problem(
                    f"proposal {pid} ({p.kind} {p.original!r} in {p.target}) is missing from the "
                    "file.",
                    fix="write the proposals again and review the new file.",
                    file=file,
                )
            )
    if problems:
        raise InterviewError(problems, file=file)
    return out


def decide(
    proposals: list[Proposal], *, accept=None, reject=None, accept_all=False, accept_preset=False
):
    """Mark proposals: ``accept_all``; or ``accept_preset``, those pre-set to be replaced;
    and those whose id is in ``accept``.  The rest are rejected (ids in ``reject`` must be
    known too, and may not be accepted)."""
    ids = {p.id for p in proposals}
    unknown = sorted((set(accept or ()) | set(reject or ())) - ids, key=str)
    if unknown:
        raise fail(
            f"no proposal has the id {', '.join(unknown)}.",
            fix="list the proposals first (without --accept) to see their ids.",
        )
    both = set(accept or ()) & set(reject or ())
    if both:
        raise fail(f"proposal {', '.join(sorted(both))} is both accepted and rejected.")
    out = []
    for p in proposals:
        ok = accept_all or (accept_preset and p.preset) or p.id in set(accept or ())
        ok = ok and p.id not in set(reject or ())
        out.append(replace(p, decision="accept" if ok else "reject"))
    return out


def _read(project: Project, where: str, target_id: str) -> str | None:
    """The text of one field now (None when its object or attribute is gone)."""
    if where not in FIELDS:
        return None
    collection, attr = FIELDS[where]
    oid, _, name = target_id.partition(":") if attr == "attributes" else (target_id, "", "")
    obj = _object(project, collection, oid)
    if obj is None:
        return None
    value = getattr(obj, attr)
    if attr == "attributes":
        value = value.get(name)
        return value if isinstance(value, str) else None
    return value or ""


def _clash(project: Project, where: str, target_id: str, new: str) -> str | None:
    """Why ``new`` cannot be the name of the object (another has it, or it is malformed)."""
    if where == "name":
        other = project.find_source(new)
        if other is not None and other.id != target_id:
            return f"renaming transcript to {new!r} would clash with another one."
    if where == "participant":
        person = project.find_participant(new)
        if person is not None and person.id != target_id:
            return f"renaming a participant to {new!r} would clash with another one."
    if where == "code":
        parent = project.codes[target_id].parent
        if not new.strip() or "/" in new:
            return f"a code cannot be called {new!r} (empty, or with '/')."
        if any(
            c.name == new and c.parent == parent and c.id != target_id
            for c in project.codes.values()
        ):
            return f"renaming a code to {new!r} would clash with another one."
    if where == "theme" and any(
        t.name == new and t.id != target_id for t in project.themes.values()
    ):
        return f"renaming a theme to {new!r} would clash with another one."
    if where == "set" and any(s.name == new and s.id != target_id for s in project.sets.values()):
        return f"renaming a document set to {new!r} would clash with another one."
    if where in ("name", "participant", "theme", "set", "project") and not new.strip():
        return f"a {where} cannot be renamed to nothing."
    return None


def _write(project: Project, where: str, target_id: str, new: str, offsets) -> None:
    collection, attr = FIELDS[where]
    if where == "transcript":
        project.replace_text(target_id, new, offsets)
        return
    if collection == "project":
        setattr(project, attr, new)
        return
    table = getattr(project, collection)
    if attr == "attributes":
        oid, _, name = target_id.partition(":")
        table[oid] = replace(table[oid], attributes={**table[oid].attributes, name: new})
    else:
        table[target_id] = replace(table[target_id], **{attr: new})


def apply(
    project: Project,
    decided: list[Proposal],
    *,
    reviewer: str | None = None,
    sources: list[str] | None = None,
) -> dict:
    """Carry out accepted proposals and mark what was reviewed.

    ``sources`` are the transcripts that were reviewed (all without it); they are marked as
    pseudonymised, and everything else the review covered (:func:`review_scope`) is recorded
    as reviewed as it is now (:func:`unreviewed`).  Returns counts by kind.  Nothing changes
    if any accepted replacement no longer matches the text.
    """
    problems: list[Problem] = []
    accepted = [p for p in decided if p.decision == "accept"]
    by_target: dict[tuple[str, str], list[Proposal]] = {}
    for p in accepted:
        by_target.setdefault((p.where, p.target_id), []).append(p)
    plans = []
    for (where, tid), props in by_target.items():
        text = _read(project, where, tid)
        if text is None:
            problems.append(Problem(f"proposals refer to a {where} that no longer exists."))
            continue
        props = sorted(props, key=lambda p: p.start)
        before = len(problems)
        for a, b in zip(props, props[1:], strict=False):
            if b.start < a.end:
                problems.append(Problem(f"proposals {a.id} and {b.id} overlap; reject one."))
        for p in props:
            if text[p.start : p.end] != p.original:
                problems.append(
                    Problem(
                        f"proposal {p.id}: the text is no longer {p.original!r}.",
                        fix="make the proposals again.",
                    )
                )
        if len(problems) > before:
            continue
        new, offsets = apply_edits(text, [Edit(p.start, p.end, p.replacement) for p in props])
        why = _clash(project, where, tid, new) if new != text else None
        if why:
            problems.append(Problem(why, fix="edit the replacement in the proposals file."))
        plans.append((where, tid, new, offsets))
    if problems:
        raise InterviewError(problems)
    counts = Counter(p.kind for p in accepted)
    for where, tid, new, offsets in plans:
        _write(project, where, tid, new, offsets)
    reviewed = [project.source(s).id for s in sources] if sources else list(project.sources)
    rejected = Counter(p.kind for p in decided if p.decision != "accept")
    when = now_iso()
    for sid in reviewed:
        t = project.sources[sid]
        mine = [p for p in decided if p.target_id.partition(":")[0] == sid]
        review = {
            "reviewed_by": reviewer,
            "reviewed_at": when,
            "accepted": sum(p.decision == "accept" for p in mine),
            "rejected": sum(p.decision != "accept" for p in mine),
        }
        project.sources[sid] = replace(t, pseudonymised=True, review=review)
    scope = review_scope(project, sources)
    for ref in scope:
        project.reviewed[ref] = _digest(project, ref)
    project.log(
        "pseudonymise",
        reviewer,
        transcripts=[project.sources[s].name for s in reviewed],
        reviewed=dict(Counter(ref.split(":", 1)[0] for ref in scope)),
        accepted=dict(counts),
        rejected=dict(rejected),
    )
    return {"accepted": dict(counts), "rejected": dict(rejected), "transcripts": len(reviewed)}


# ---------------------------------------------------------------------------------------------
# The export gate
# ---------------------------------------------------------------------------------------------


def _digest(project: Project, ref: str) -> str:
    """What a review saw of one object: a hash of its texts (never the texts themselves)."""
    h = hashlib.sha256()
    for item in texts_of(project, ref):
        h.update(f"{item.where}\x00{item.target_id}\x00{item.text}\x01".encode())
    return h.hexdigest()


CODEBOOK_KINDS = ("code", "theme")  # what a codebook carries, for the export gate


@dataclass(frozen=True)
class Unreviewed:
    """An object that has not been reviewed as it is now: ``kind`` (transcript, participant,
    memo, code, theme, project) and how a person recognises it."""

    kind: str
    name: str


def unreviewed(project: Project, *, kinds: tuple[str, ...] | None = None) -> list[Unreviewed]:
    """Everything in ``project`` (of ``kinds``) that no review has seen as it is now.

    A transcript is unreviewed until it is marked as pseudonymised; anything else (and a
    transcript's name, attributes and description) once it is added or changed after the last
    review that covered it.
    """
    out = []
    for ref in review_scope(project):
        kind = ref.split(":", 1)[0]
        if kinds is not None and kind not in kinds:
            continue
        if kind == "transcript" and not project.sources[ref.split(":", 1)[1]].pseudonymised:
            fresh = False
        else:
            fresh = project.reviewed.get(ref) == _digest(project, ref)
        if not fresh:
            items = texts_of(project, ref)
            out.append(Unreviewed(kind, items[0].target if items else ref))
    return out


_PLURAL = {"memo": "memos", "code": "codes", "theme": "themes", "participant": "participants"}
_PLURAL.update({"transcript": "transcripts", "set": "sets", "project": "projects"})


def check_export(
    project: Project,
    *,
    reason: str | None = None,
    user: str | None = None,
    export: str = "export",
    kinds: tuple[str, ...] | None = None,
) -> list[str]:
    """Refuse an export while anything in it has not been reviewed, unless a reason is given.

    Transcripts not marked as pseudonymised are listed one by one; participants, memos, codes,
    themes and the project's name added or changed since the last review, by kind.  With a
    reason, the override is logged in the project's audit log (who, when, why, which
    transcripts, how many of each kind, what export).  ``kinds`` limits the check to what the
    export carries (a codebook: codes).  Returns what had not been reviewed.
    """
    todo = unreviewed(project, kinds=kinds)
    if not todo:
        return []
    raw = [t.name for t in project.sources.values() if not t.pseudonymised]
    raw = [name for name in raw if Unreviewed("transcript", name) in todo]
    fix_reason = "or, if this export may carry real names, give --reason '...' (it is logged)."
    if not (reason and reason.strip()):
        problems = [
            Problem(
                f"transcript {name!r} has not been pseudonymised, so it may not leave the "
                f"project ({export}).",
                fix="run `readiness interviews pseudonymise` and review its proposals, "
                + fix_reason,
            )
            for name in raw
        ]
        by_kind: dict[str, list[str]] = {}
        for u in todo:
            if not (u.kind == "transcript" and u.name in raw):
                by_kind.setdefault(u.kind, []).append(u.name)
        if by_kind:
            parts = []
            for kind, names in by_kind.items():
                shown = ", ".join(repr(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
                parts.append(f"{len(names)} {kind if len(names) == 1 else _PLURAL[kind]} ({shown})")
            problems.append(
                Problem(
                    "not reviewed for pseudonymisation since added or last changed, so they may "
                    f"not leave the project ({export}): " + "; ".join(parts) + ".",
                    fix="run `readiness interviews pseudonymise` again (with the transcripts, it "
                    "reviews the participants, memos, codes and themes) and review its "
                    "proposals, " + fix_reason,
                )
            )
        raise InterviewError(problems)
    project.log(
        "export-override",
        user,
        export=export,
        reason=reason.strip(),
        transcripts=raw,
        unreviewed=dict(Counter(u.kind for u in todo)),
    )
    return [u.name for u in todo]
