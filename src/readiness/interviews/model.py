"""The interview project: a small model after REFI-QDA (QDA-XML 1.0).

A :class:`Project` holds users (coders), participants (REFI "cases") with attributes (REFI
"variables"), a topic guide, transcripts (REFI text sources), a codebook of hierarchical codes,
themes (REFI "sets" of codes), codings (a span of a transcript, a code, the coder and a time) and
memos (REFI "notes") on the project, a transcript, a code, a coding or a selection.

Every object has a GUID, as in REFI-QDA, so that a project exported to another tool and imported
back keeps its identities.  Value objects are frozen dataclasses; the project is the one mutable
container and checks every change against what it already holds.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, overload

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.text import OffsetMap, line_starts, normalise

__all__ = [
    "AuditEntry",
    "Code",
    "Coding",
    "DocumentSet",
    "Memo",
    "Participant",
    "Project",
    "Section",
    "Segment",
    "TopicGuide",
    "Transcript",
    "Theme",
    "Turn",
    "User",
    "Variable",
    "new_guid",
    "now_iso",
    "timed_turns",
    "turns_of",
]

VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
MEMO_TARGETS = ("project", "source", "code", "coding", "selection")

_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)


def new_guid() -> str:
    return str(uuid.uuid4())


def norm_guid(value: str) -> str | None:
    """A GUID in lower case without braces, or None if ``value`` is not one."""
    m = _GUID.match(value.strip()) if isinstance(value, str) else None
    return m.group(1).lower() if m else None


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class User:
    id: str
    name: str


@dataclass(frozen=True)
class Variable:
    """An attribute that participants (or transcripts) carry, e.g. ``profession``."""

    id: str
    name: str
    type: str = "Text"  # one of VARIABLE_TYPES
    description: str = ""


@dataclass(frozen=True)
class Participant:
    """A person interviewed (REFI case).  ``name`` is their study identifier, e.g. ``P12``."""

    id: str
    name: str
    description: str = ""
    attributes: dict = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    code_refs: tuple[str, ...] = ()  # kept for REFI round trips
    selection_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    title: str
    questions: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicGuide:
    title: str
    sections: tuple[Section, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Transcript:
    """A transcript: normalised text (NFC, LF) and where it came from."""

    id: str
    name: str
    text: str
    format: str = "txt"  # txt, docx, vtt, srt, qdpx
    origin: str = ""  # the file name it was imported from (no directory)
    created: str = ""
    creator: str | None = None  # user id
    description: str = ""
    attributes: dict = field(default_factory=dict)
    pseudonymised: bool = False
    review: dict | None = None  # who reviewed the pseudonymisation, when, what was replaced
    # Where the text is in the recording (subtitle cues, otter.ai turns), in text order.
    segments: tuple[Segment, ...] = ()

    @property
    def turns(self) -> tuple[Turn, ...]:
        return timed_turns(self.text, self.segments)

    def time_at(self, offset: int) -> int | None:
        """The media time (ms) of the segment holding character ``offset``, if any."""
        return time_at(self.segments, offset)


@dataclass(frozen=True)
class Segment:
    """``text[start:end]`` is heard from ``time_start`` to ``time_end`` (milliseconds from the
    start of the recording; ``time_end`` is None when the transcript does not say)."""

    start: int
    end: int
    time_start: int
    time_end: int | None = None


@dataclass(frozen=True)
class Code:
    id: str
    name: str
    parent: str | None = None
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    color: str | None = None
    codable: bool = True


@dataclass(frozen=True)
class Theme:
    """A theme groups codes (REFI set); it may also list sources and memos."""

    id: str
    name: str
    description: str = ""
    codes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    memos: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentSet:
    """A named group of transcripts (a REFI set with member sources and no codes, as MAXQDA
    writes its document sets), e.g. "Scotland" or "Wave 2"."""

    id: str
    name: str
    description: str = ""
    sources: tuple[str, ...] = ()
    memos: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coding:
    """``code`` applied by ``coder`` to ``text[start:end]`` of ``source`` at ``created``."""

    id: str
    source: str
    start: int
    end: int
    code: str
    coder: str | None = None
    created: str = ""
    selection: str | None = None  # REFI selection GUID; codings of one selection share it


@dataclass(frozen=True)
class Memo:
    """A memo.  ``target`` says what it is about: the project, a source, a code, a coding, or a
    selection (``source`` with ``start``/``end``, for memos on text that carries no code)."""

    id: str
    text: str
    title: str = ""
    author: str | None = None
    created: str = ""
    target: str = "project"
    target_id: str | None = None
    source: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    time: str
    action: str
    user: str | None = None
    details: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Speaker turns
# ---------------------------------------------------------------------------------------------

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LINE = re.compile(
    r"[ \t]*(?P<stamp>[\[(](?P<t1>" + _TS + r")(?:[ \t]*(?:-->|-|–)[ \t]*(?P<t2>" + _TS + r"))?"
    r"[\])][ \t]*)?"
    r"(?:(?P<speaker>[^\s:\[\]()?!;,\"“”][^:\n?!;\"“”]{0,39}?)[ \t]*:(?:[ \t]+|$))?"
)


@dataclass(frozen=True)
class Turn:
    """A speaker turn: ``text[start:end]`` of its transcript, label included.

    ``body`` is where the words after the speaker label (and timestamp) start.  Times are in
    milliseconds from the start of the recording, when the transcript carries them.
    """

    index: int
    start: int
    end: int
    body: int
    speaker: str | None = None
    time_start: int | None = None
    time_end: int | None = None


def parse_time(value: str) -> int:
    """Milliseconds in ``[h]h:mm[:ss][.fff]``; ``mm:ss`` when there are two parts."""
    value = value.replace(",", ".")
    frac = 0
    if "." in value:
        value, f = value.split(".", 1)
        frac = int((f + "000")[:3])
    parts = [int(p) for p in value.split(":")]
    if len(parts) == 2:
        parts = [0, *parts]
    h, m, s = parts
    return ((h * 60 + m) * 60 + s) * 1000 + frac


def format_time(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, f = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{f:03d}"


def _speaker_ok(label: str) -> bool:
    words = label.split()
    return 0 < len(words) <= 4 and any(ch.isalpha() for ch in label)


@lru_cache(maxsize=256)
def turns_of(text: str) -> tuple[Turn, ...]:
    """Speaker turns of a normalised transcript.

    A line that starts with an optional timestamp (``[00:01:02]``, ``[00:01:02.500 -->
    00:01:04.000]``) and a speaker label of at most four words (``P12:``, ``Interviewer:``)
    starts a turn; following lines without a label continue it.  Before the first labelled line,
    each non-empty line is a turn of its own with no speaker.  A turn ends at the end of its last
    non-empty line.
    """
    turns: list[Turn] = []
    cur: dict[str, Any] | None = None
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            m = _LINE.match(line)
            speaker = m.group("speaker") if m else None
            if speaker is not None and not _speaker_ok(speaker):
                speaker = None
            has_time = bool(m and m.group("t1"))
            starts_turn = speaker is not None or has_time or cur is None or cur["speaker"] is None
            if starts_turn:
                if cur is not None:
                    turns.append(Turn(len(turns), **cur))
                if m is not None and speaker is not None:
                    body = pos + m.end()
                elif m is not None and has_time:
                    body = pos + m.end("stamp")
                else:
                    body = pos + len(line) - len(line.lstrip())
                cur = {
                    "start": pos + len(line) - len(line.lstrip()),
                    "end": pos + len(line.rstrip()),
                    "body": min(body, pos + len(line.rstrip())),
                    "speaker": speaker.strip() if speaker else None,
                    "time_start": parse_time(m.group("t1")) if m and has_time else None,
                    "time_end": parse_time(m.group("t2"))
                    if m and has_time and m.group("t2")
                    else None,
                }
            elif cur is not None:  # always, as starts_turn holds when there is none
                cur["end"] = pos + len(line.rstrip())
        pos += len(line) + 1
    if cur is not None:
        turns.append(Turn(len(turns), **cur))
    return tuple(turns)


@lru_cache(maxsize=256)
def timed_turns(text: str, segments: tuple[Segment, ...] = ()) -> tuple[Turn, ...]:
    """The turns of ``text`` (:func:`turns_of`), each timed by the segments it overlaps: from
    the start of the first to the end of the last (a turn no segment overlaps keeps the times
    written in its text, if any)."""
    turns = turns_of(text)
    if not segments:
        return turns
    from bisect import bisect_right

    starts = [s.start for s in segments]
    out = []
    for t in turns:
        k = max(bisect_right(starts, t.start) - 1, 0)
        hit = []
        while k < len(segments) and segments[k].start < max(t.end, t.start + 1):
            if segments[k].end > t.start or segments[k].start == t.start:
                hit.append(segments[k])
            k += 1
        if hit:
            ends = [s.time_end for s in hit]
            end = None if ends[-1] is None else max(e for e in ends if e is not None)
            t = replace(t, time_start=hit[0].time_start, time_end=end)
        out.append(t)
    return tuple(out)


def time_at(segments: tuple[Segment, ...], offset: int) -> int | None:
    """The start time (ms) of the segment holding character ``offset``, or of the last segment
    before it; None when there is none."""
    from bisect import bisect_right

    k = bisect_right([s.start for s in segments], offset) - 1
    return segments[k].time_start if k >= 0 else None


# ---------------------------------------------------------------------------------------------
# The project
# ---------------------------------------------------------------------------------------------


class Project:
    """An interview study: everything but the pseudonymisation key.

    Methods that add or change things check their arguments and raise
    :class:`~readiness.interviews.errors.InterviewError` without changing anything when they are
    wrong.  Changes that a later reader should be able to trace are appended to
    :attr:`audit` (and written to ``audit.jsonl`` by :func:`readiness.interviews.store.save`).
    """

    def __init__(
        self,
        name: str,
        *,
        id: str | None = None,
        created: str | None = None,
        description: str = "",
        creator: str | None = None,
    ):
        self.name = name
        self.id = id or new_guid()
        self.created = created or now_iso()
        self.description = description
        self.creator = creator
        self.users: dict[str, User] = {}
        self.variables: dict[str, Variable] = {}  # by id
        self.participants: dict[str, Participant] = {}
        self.sources: dict[str, Transcript] = {}
        self.codes: dict[str, Code] = {}
        self.themes: dict[str, Theme] = {}
        self.sets: dict[str, DocumentSet] = {}  # groups of transcripts (REFI sets of sources)
        self.codings: dict[str, Coding] = {}
        self.memos: dict[str, Memo] = {}
        self.topic_guide: TopicGuide | None = None
        self.audit: list[AuditEntry] = []  # entries not yet written to the audit log
        # What the last pseudonymisation review saw of each object (participant, memo, code...),
        # as a digest of its text: see readiness.interviews.pseudonymise.unreviewed.
        self.reviewed: dict[str, str] = {}

    # -- users ---------------------------------------------------------------------------------

    def user(self, name: str) -> User:
        """The user called ``name``, created if new."""
        name = name.strip()
        if not name:
            raise fail("a user (coder) needs a name.", fix="give a name, e.g. --coder 'A. Smith'.")
        for u in self.users.values():
            if u.name == name:
                return u
        u = User(new_guid(), name)
        self.users[u.id] = u
        return u

    @overload
    def user_name(self, user_id: str) -> str: ...
    @overload
    def user_name(self, user_id: None) -> None: ...
    @overload
    def user_name(self, user_id: str | None) -> str | None: ...

    def user_name(self, user_id: str | None) -> str | None:
        if user_id is None:
            return None
        u = self.users.get(user_id)
        return u.name if u else user_id

    def log(self, action: str, user: str | None = None, **details) -> None:
        self.audit.append(AuditEntry(now_iso(), action, user, details))

    # -- variables and participants ------------------------------------------------------------

    def variable(self, name: str, type: str = "Text", description: str = "") -> Variable:
        """The attribute called ``name``, created with ``type`` if new."""
        for v in self.variables.values():
            if v.name == name:
                return v
        if type not in VARIABLE_TYPES:
            raise fail(
                f"attribute {name!r} has unknown type {type!r}.",
                fix="use one of " + ", ".join(VARIABLE_TYPES) + ".",
            )
        v = Variable(new_guid(), name, type, description)
        self.variables[v.id] = v
        return v

    def variable_named(self, name: str) -> Variable | None:
        return next((v for v in self.variables.values() if v.name == name), None)

    def participant(self, ref: str) -> Participant:
        """A participant by GUID or name, or a clear error."""
        if ref in self.participants:
            return self.participants[ref]
        for p in self.participants.values():
            if p.name == ref:
                return p
        known = ", ".join(sorted(p.name for p in self.participants.values())[:20]) or "none yet"
        raise fail(
            f"there is no participant {ref!r}.",
            fix=f"use one of the participants ({known}), or add it with --participants.",
        )

    def find_participant(self, name: str) -> Participant | None:
        return next((p for p in self.participants.values() if p.name == name), None)

    def add_participant(
        self, name: str, attributes: dict | None = None, description: str = ""
    ) -> Participant:
        """Add a participant, or update the attributes of the one with that name."""
        name = name.strip()
        if not name:
            raise fail("a participant needs an identifier.", fix="give e.g. P12.")
        attributes = dict(attributes or {})
        for key in attributes:
            if self.variable_named(key) is None:
                self.variable(key)
        existing = self.find_participant(name)
        if existing:
            merged = {**existing.attributes, **attributes}
            p = replace(
                existing, attributes=merged, description=description or existing.description
            )
        else:
            p = Participant(new_guid(), name, description, attributes)
        self.participants[p.id] = p
        return p

    def rename_participant(self, ref: str, new_name: str) -> Participant:
        """Give a participant (GUID or name) another identifier, unused in the project."""
        p = self.participant(ref)
        new_name = new_name.strip()
        if not new_name:
            raise fail("a participant needs an identifier.", fix="give e.g. P12.")
        other = self.find_participant(new_name)
        if other is not None and other.id != p.id:
            raise fail(
                f"there is already a participant {new_name!r}.",
                fix=f"merge {p.name!r} into {new_name!r} instead, or choose another identifier.",
            )
        self.participants[p.id] = replace(p, name=new_name)
        return self.participants[p.id]

    def merge_participants(self, ref: str, into: str) -> Participant:
        """Move every transcript of participant ``ref`` to ``into`` and remove ``ref``.

        ``into`` keeps its attributes; those it has no value for are taken from ``ref``.
        """
        gone, kept = self.participant(ref), self.participant(into)
        if gone.id == kept.id:
            raise fail(
                f"cannot merge participant {kept.name!r} into itself.",
                fix="choose two different participants.",
            )
        sources = (*kept.sources, *(s for s in gone.sources if s not in kept.sources))
        merged = replace(
            kept,
            sources=sources,
            attributes={**gone.attributes, **kept.attributes},
            description=kept.description or gone.description,
            code_refs=tuple(dict.fromkeys((*kept.code_refs, *gone.code_refs))),
            selection_refs=tuple(dict.fromkeys((*kept.selection_refs, *gone.selection_refs))),
        )
        del self.participants[gone.id]
        self.participants[kept.id] = merged
        return merged

    def link(self, participant_id: str, source_id: str) -> None:
        """Record that a participant speaks in a source (REFI case -> source reference)."""
        p = self.participants[participant_id]
        if source_id not in p.sources:
            self.participants[p.id] = replace(p, sources=(*p.sources, source_id))

    def participants_of(self, source_id: str) -> list[Participant]:
        return [p for p in self.participants.values() if source_id in p.sources]

    def participant_label(self, source_id: str) -> str:
        ps = self.participants_of(source_id)
        return ", ".join(p.name for p in ps) if ps else self.sources[source_id].name

    # -- transcripts ---------------------------------------------------------------------------

    def source(self, ref: str | None) -> Transcript:
        """A transcript by GUID or name, or a clear error."""
        if ref in self.sources:
            return self.sources[ref]
        for s in self.sources.values():
            if s.name == ref:
                return s
        known = ", ".join(sorted(s.name for s in self.sources.values())[:20]) or "none yet"
        raise fail(f"there is no transcript {ref!r}.", fix=f"use one of: {known}.")

    def find_source(self, name: str) -> Transcript | None:
        return next((s for s in self.sources.values() if s.name == name), None)

    def add_transcript(
        self,
        name: str,
        text: str,
        *,
        format: str = "txt",
        origin: str = "",
        participant: str | None = None,
        creator: str | None = None,
        id: str | None = None,
        created: str | None = None,
        segments: tuple[Segment, ...] = (),
    ) -> Transcript:
        """Add a normalised transcript; ``participant`` (a name) is created if new.

        ``segments`` say where parts of the text are in the recording (subtitle cues)."""
        if self.find_source(name) is not None:
            raise fail(
                f"a transcript called {name!r} is already in the project.",
                fix="give the new one another name (--name) or remove the old one first.",
                file=origin or None,
            )
        t = Transcript(
            id or new_guid(),
            name,
            text,
            format=format,
            origin=origin,
            created=created or now_iso(),
            creator=creator,
            segments=tuple(segments),
        )
        self.sources[t.id] = t
        if participant:
            p = self.find_participant(participant) or self.add_participant(participant)
            self.link(p.id, t.id)
        self.log("import-transcript", self.user_name(creator), source=name, format=format)
        return t

    def replace_text(self, source_id: str, new_text: str, offsets: OffsetMap, **changes) -> None:
        """Give a source new text and carry every coding and selection memo with it."""
        t = self.sources[source_id]
        for c in [c for c in self.codings.values() if c.source == source_id]:
            s, e = offsets.span(c.start, c.end)
            self.codings[c.id] = replace(c, start=s, end=max(e, s))
        for m in [m for m in self.memos.values() if m.source == source_id and m.start is not None]:
            s, e = offsets.span(m.start or 0, m.end or 0)
            self.memos[m.id] = replace(m, start=s, end=max(e, s))
        segments = tuple(
            replace(g, start=a, end=max(b, a))
            for g in t.segments
            for a, b in [offsets.span(g.start, g.end)]
        )
        self.sources[source_id] = replace(t, text=new_text, segments=segments, **changes)

    # -- codebook ------------------------------------------------------------------------------

    def code_path(self, code_id: str) -> str:
        names = []
        seen = set()
        c: Code | None = self.codes[code_id]
        while c is not None and c.id not in seen:
            seen.add(c.id)
            names.append(c.name)
            c = self.codes.get(c.parent) if c.parent else None
        return "/".join(reversed(names))

    def code(self, ref: str | None) -> Code:
        """A code by GUID, by path (``Parent/Child``) or by a name that only one code has."""
        if ref in self.codes:
            return self.codes[ref]
        by_path = [c for c in self.codes.values() if self.code_path(c.id) == ref]
        if by_path:
            return by_path[0]
        by_name = [c for c in self.codes.values() if c.name == ref]
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            paths = ", ".join(self.code_path(c.id) for c in by_name)
            raise fail(f"more than one code is called {ref!r}.", fix=f"give its path: {paths}.")
        raise fail(
            f"there is no code {ref!r} in the codebook.",
            fix="check the spelling (see `readiness interviews codebook`), or add the code.",
        )

    def find_code(self, ref: str) -> Code | None:
        try:
            return self.code(ref)
        except InterviewError:
            return None

    def add_code(
        self,
        name: str,
        *,
        parent: str | None = None,
        definition: str = "",
        inclusion: str = "",
        exclusion: str = "",
        example: str = "",
        color: str | None = None,
        id: str | None = None,
        codable: bool = True,
    ) -> Code:
        name = name.strip()
        if not name or "/" in name:
            raise fail(
                f"code name {name!r} is empty or contains '/'.",
                fix="give a name without '/', which separates a code's path.",
            )
        parent_id = self.code(parent).id if parent else None
        for c in self.codes.values():
            if c.name == name and c.parent == parent_id:
                raise fail(
                    f"the code {self.code_path(c.id)!r} already exists.",
                    fix="use the existing code or choose another name.",
                )
        c = Code(
            id or new_guid(),
            name,
            parent_id,
            definition,
            inclusion,
            exclusion,
            example,
            color,
            codable,
        )
        self.codes[c.id] = c
        return c

    def descendants(self, code_id: str) -> list[str]:
        """``code_id`` and every code below it."""
        children: dict[str | None, list[str]] = {}
        for c in self.codes.values():
            children.setdefault(c.parent, []).append(c.id)
        out, stack = [], [code_id]
        while stack:
            cid = stack.pop()
            if cid in out:
                continue
            out.append(cid)
            stack.extend(children.get(cid, []))
        return out

    def add_theme(
        self, name: str, *, description: str = "", codes: Sequence[str] = (), id: str | None = None
    ) -> Theme:
        if any(t.name == name for t in self.themes.values()):
            raise fail(f"the theme {name!r} already exists.", fix="choose another name.")
        th = Theme(id or new_guid(), name, description, tuple(self.code(c).id for c in codes))
        self.themes[th.id] = th
        return th

    def theme(self, ref: str) -> Theme:
        if ref in self.themes:
            return self.themes[ref]
        for th in self.themes.values():
            if th.name == ref:
                return th
        known = ", ".join(t.name for t in self.themes.values()) or "none yet"
        raise fail(f"there is no theme {ref!r}.", fix=f"use one of: {known}.")

    def theme_codes(self, theme_id: str) -> list[str]:
        """Every code of a theme, with the codes below them."""
        out: list[str] = []
        for cid in self.themes[theme_id].codes:
            for d in self.descendants(cid):
                if d not in out:
                    out.append(d)
        return out

    # -- codings and memos ---------------------------------------------------------------------

    def add_coding(
        self,
        source: str,
        start: int,
        end: int,
        code: str,
        coder: str | None = None,
        *,
        created: str | None = None,
        id: str | None = None,
        selection: str | None = None,
    ) -> Coding:
        """Code ``text[start:end]`` of ``source`` (GUID or name) with ``code`` (GUID, path or name).

        ``coder`` is a user GUID or a name (created if new).  Coding the same span with the same
        code by the same coder twice returns the existing coding.
        """
        t = self.source(source)
        c = self.code(code)
        if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end <= len(
            t.text
        ):
            raise fail(
                f"span {start}-{end} is not inside transcript {t.name!r} "
                f"(0-{len(t.text)} characters) or is empty.",
                fix="give 0 <= start < end <= the transcript's length.",
            )
        if not c.codable:
            raise fail(f"code {self.code_path(c.id)!r} is a heading that cannot be applied.")
        coder_id = None
        if coder is not None:
            coder_id = coder if coder in self.users else self.user(coder).id
        for other in self.codings.values():
            if (other.source, other.start, other.end, other.code, other.coder) == (
                t.id,
                start,
                end,
                c.id,
                coder_id,
            ):
                return other
        coding = Coding(
            id or new_guid(),
            t.id,
            start,
            end,
            c.id,
            coder_id,
            created or now_iso(),
            selection or new_guid(),
        )
        self.codings[coding.id] = coding
        return coding

    def update_coding(
        self,
        coding_id: str,
        *,
        start: int | None = None,
        end: int | None = None,
        code: str | None = None,
    ) -> Coding:
        """Move a coding to another span of its transcript and/or give it another code.

        The coding keeps its id, coder, time and memos.
        """
        c = self.codings.get(coding_id)
        if c is None:
            raise fail(f"there is no coding {coding_id!r}.")
        t = self.sources[c.source]
        s = c.start if start is None else start
        e = c.end if end is None else end
        if not 0 <= s < e <= len(t.text):
            raise fail(
                f"span {s}-{e} is not inside transcript {t.name!r} (0-{len(t.text)} characters) "
                "or is empty.",
                fix="give 0 <= start < end <= the transcript's length.",
            )
        new = self.code(code) if code is not None else self.codes[c.code]
        if not new.codable:
            raise fail(f"code {self.code_path(new.id)!r} is a heading that cannot be applied.")
        updated = replace(c, start=s, end=e, code=new.id)
        self.codings[c.id] = updated
        return updated

    def remove_coding(self, coding_id: str) -> None:
        if coding_id not in self.codings:
            raise fail(f"there is no coding {coding_id!r}.")
        del self.codings[coding_id]
        for m in [m for m in self.memos.values() if m.target == "coding"]:
            if m.target_id == coding_id:
                del self.memos[m.id]

    def add_memo(
        self,
        text: str,
        *,
        target: str = "project",
        target_id: str | None = None,
        author: str | None = None,
        title: str = "",
        source: str | None = None,
        start: int | None = None,
        end: int | None = None,
        created: str | None = None,
        id: str | None = None,
    ) -> Memo:
        """A memo on the project, a source, a code, a coding or a selection (span of a source)."""
        if target not in MEMO_TARGETS:
            raise fail(f"a memo cannot be about {target!r}.", fix=f"use one of {MEMO_TARGETS}.")
        if target == "source":
            target_id = self.source(target_id).id
        elif target == "code":
            target_id = self.code(target_id).id
        elif target == "coding" and target_id not in self.codings:
            raise fail(f"there is no coding {target_id!r} to attach the memo to.")
        elif target == "selection":
            t = self.source(source)
            source = t.id
            if start is None or end is None or not 0 <= start <= end <= len(t.text):
                raise fail(f"memo span {start}-{end} is not inside transcript {t.name!r}.")
            target_id = target_id or new_guid()
        elif target == "project":
            target_id = None
        author_id = None
        if author is not None:
            author_id = author if author in self.users else self.user(author).id
        m = Memo(
            id or new_guid(),
            normalise(text)[0],
            title,
            author_id,
            created or now_iso(),
            target,
            target_id,
            source,
            start,
            end,
        )
        self.memos[m.id] = m
        return m

    def memos_on(self, target: str, target_id: str | None = None) -> list[Memo]:
        return [m for m in self.memos.values() if m.target == target and m.target_id == target_id]

    # -- checks --------------------------------------------------------------------------------

    def problems(self, file: str | None = None) -> list[Problem]:  # noqa: C901 - one check per kind of reference in a project
        """Every inconsistency in the project (dangling references, spans outside the text)."""
        out = []

        def bad(msg, column=None):
            out.append(
                Problem(
                    msg,
                    fix="restore the project folder from a backup, or remove the entry.",
                    file=file,
                    column=column,
                )
            )

        for c in self.codes.values():
            if c.parent is not None and c.parent not in self.codes:
                bad(f"code {c.name!r} has an unknown parent {c.parent}.", "codes")
        for cd in self.codings.values():
            t = self.sources.get(cd.source)
            if t is None:
                bad(f"coding {cd.id} refers to unknown transcript {cd.source}.", "codings")
            elif not 0 <= cd.start <= cd.end <= len(t.text):
                bad(f"coding {cd.id} span {cd.start}-{cd.end} is outside {t.name!r}.", "codings")
            if cd.code not in self.codes:
                bad(f"coding {cd.id} refers to unknown code {cd.code}.", "codings")
        for t in self.sources.values():
            for g in t.segments:
                if not 0 <= g.start <= g.end <= len(t.text) or g.time_start < 0:
                    bad(f"a time of {t.name!r} is outside its text ({g.start}-{g.end}).", "sources")
        for p in self.participants.values():
            for s in p.sources:
                if s not in self.sources:
                    bad(f"participant {p.name!r} refers to unknown transcript {s}.", "participants")
        for th in self.themes.values():
            for cid in th.codes:
                if cid not in self.codes:
                    bad(f"theme {th.name!r} refers to unknown code {cid}.", "themes")
        for ds in self.sets.values():
            for sid in ds.sources:
                if sid not in self.sources:
                    bad(f"set {ds.name!r} refers to unknown transcript {sid}.", "sets")
        for m in self.memos.values():
            if m.target == "coding" and m.target_id not in self.codings:
                bad(f"memo {m.id} is on unknown coding {m.target_id}.", "memos")
            if m.target == "code" and m.target_id not in self.codes:
                bad(f"memo {m.id} is on unknown code {m.target_id}.", "memos")
            if m.target == "source" and m.target_id not in self.sources:
                bad(f"memo {m.id} is on unknown transcript {m.target_id}.", "memos")
            if m.target == "selection":
                t = self.sources.get(m.source) if m.source else None
                if t is None or not 0 <= (m.start or 0) <= (m.end or 0) <= len(t.text):
                    bad(f"memo {m.id} is on a span outside its transcript.", "memos")
        return out

    def line_of(self, source_id: str, offset: int) -> int:
        return _line_of_cached(self.sources[source_id].text, offset)

    def __repr__(self) -> str:
        return (
            f"Project({self.name!r}: {len(self.sources)} transcripts, {len(self.codes)} codes, "
            f"{len(self.codings)} codings)"
        )


@lru_cache(maxsize=64)
def _line_starts_cached(text: str) -> list[int]:
    return line_starts(text)


def _line_of_cached(text: str, offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(_line_starts_cached(text), offset)
