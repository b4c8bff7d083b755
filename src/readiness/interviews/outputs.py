"""What a coded project yields: segments, search, matrices, co-occurrence, framework, themes.

Everything here is computed from a :class:`~readiness.interviews.model.Project` and returned as
frozen dataclasses (with ``to_dict()`` for JSON); writing them to files is in
:mod:`readiness.interviews.documents`.

Counts of people are numbers of *participants* (a participant counts once however many times a
code was applied to what they said).  A coding belongs to the participants of its transcript
(REFI case -> source links); a transcript without a participant stands for itself, under its
own name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from readiness.interviews.errors import InterviewError, fail
from readiness.interviews.model import _LINE, Project, _speaker_ok
from readiness.stats.result import Result

__all__ = [
    "AttributeMatrix",
    "Cooccurrence",
    "FrameworkMatrix",
    "Hit",
    "Segment",
    "ThemeReport",
    "attribute_matrix",
    "attribution",
    "code_stats",
    "cooccurrence",
    "framework_matrix",
    "search",
    "segments",
    "speaker_at",
    "theme_report",
]

MISSING = "(not recorded)"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def speaker_at(text: str, offset: int, max_lines: int = 400) -> str | None:
    """The speaker of the turn that contains ``offset`` (the nearest speaker label above it)."""
    end = offset
    for _ in range(max_lines):
        start = text.rfind("\n", 0, end) + 1
        line = text[start : text.find("\n", start) if text.find("\n", start) != -1 else len(text)]
        m = _LINE.match(line)
        if m and m.group("speaker") and _speaker_ok(m.group("speaker")):
            return m.group("speaker").strip()
        if start == 0:
            return None
        end = start - 1
    return None


def strip_label(text: str) -> str:
    """Quote text without a leading timestamp or speaker label, on one line."""
    m = _LINE.match(text)
    if m and (m.group("stamp") or (m.group("speaker") and _speaker_ok(m.group("speaker")))):
        text = text[m.end() :]
    return re.sub(r"\s*\n\s*", " ", text).strip()


class _Index:
    """Lookups shared by the outputs: participants of each source, attributes, code paths."""

    def __init__(self, project: Project):
        self.p = project
        self.by_source: dict[str, list[str]] = defaultdict(list)  # source -> participant names
        self.attrs: dict[str, dict] = {}
        for part in project.participants.values():
            self.attrs[part.name] = part.attributes
            for s in part.sources:
                self.by_source[s].append(part.name)
        for sid, t in project.sources.items():
            if not self.by_source.get(sid):
                self.by_source[sid] = [t.name]
                self.attrs.setdefault(t.name, t.attributes)
        self.paths = {cid: project.code_path(cid) for cid in project.codes}
        self.memos_by_coding: dict[str, list[str]] = defaultdict(list)
        for m in project.memos.values():
            if m.target == "coding" and m.target_id is not None:
                self.memos_by_coding[m.target_id].append(m.text)

    def participants(self, source_id: str) -> list[str]:
        return self.by_source[source_id]

    def label(self, source_id: str) -> str:
        return ", ".join(self.by_source[source_id])


def _matches(attrs: dict, where: dict | None) -> bool:
    if not where:
        return True
    for k, want in where.items():
        wanted = {str(w) for w in (want if isinstance(want, list | tuple | set) else [want])}
        if str(attrs.get(k, MISSING)) not in wanted:
            return False
    return True


def _code_ids(project: Project, code: str | None, include_children: bool) -> set[str] | None:
    if code is None:
        return None
    cid = project.code(code).id
    return set(project.descendants(cid)) if include_children else {cid}


def attribution(name: str, attrs: dict, keys=("profession", "nation")) -> str:
    """``P12, nurse, England``: the participant and the chosen attributes they have."""
    parts = [name] + [str(attrs[k]) for k in keys if attrs.get(k) not in (None, "")]
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------
# retrieval and search
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One coded passage, with who said it."""

    coding: str
    code: str  # path
    source: str  # transcript name
    participant: str
    attributes: dict
    start: int
    end: int
    line: int
    speaker: str | None
    coder: str | None
    created: str
    text: str
    memos: tuple[str, ...] = ()
    time: int | None = None  # where the passage starts in the recording (ms), when known


def segments(
    project: Project,
    code: str | None = None,
    *,
    theme: str | None = None,
    include_children: bool = True,
    where: dict | None = None,
    coders: list[str] | None = None,
    sources: list[str] | None = None,
) -> list[Segment]:
    """Every coded segment for ``code`` (and the codes below it) or ``theme``, filtered by
    participant attributes (``where={"nation": "Scotland"}``), coder names and transcripts;
    in transcript order, then by position."""
    idx = _Index(project)
    wanted = _code_ids(project, code, include_children)
    if theme is not None:
        th = set(project.theme_codes(project.theme(theme).id))
        wanted = th if wanted is None else wanted & th
    coder_ids = None
    if coders:
        coder_ids = set()
        for name in coders:
            u = next((u for u in project.users.values() if u.name == name), None)
            if u is None:
                raise fail(f"no coder is called {name!r}.", fix="check the name.")
            coder_ids.add(u.id)
    src_ids = {project.source(s).id for s in sources} if sources else None
    order = {sid: i for i, sid in enumerate(project.sources)}
    out = []
    for c in sorted(project.codings.values(), key=lambda c: (order[c.source], c.start, c.end)):
        if wanted is not None and c.code not in wanted:
            continue
        if coder_ids is not None and c.coder not in coder_ids:
            continue
        if src_ids is not None and c.source not in src_ids:
            continue
        t = project.sources[c.source]
        names = idx.participants(c.source)
        if where and not any(_matches(idx.attrs.get(n, {}), where) for n in names):
            continue
        attrs = idx.attrs.get(names[0], {}) if len(names) == 1 else {}
        out.append(
            Segment(
                c.id,
                idx.paths[c.code],
                t.name,
                ", ".join(names),
                dict(attrs),
                c.start,
                c.end,
                project.line_of(c.source, c.start),
                speaker_at(t.text, c.start),
                project.user_name(c.coder),
                c.created,
                t.text[c.start : c.end],
                tuple(idx.memos_by_coding.get(c.id, ())),
                t.time_at(c.start),
            )
        )
    return out


def _user_pattern(query: str, case_sensitive: bool):
    """A regular expression typed by a user, compiled by RE2 (``google-re2``).

    Python's own engine backtracks: a pattern such as ``([a-z ]+)+!`` takes time exponential in
    the length of the text and holds a worker for minutes.  RE2 runs in time linear in the text
    whatever the pattern, at the price of back-references and look-around, which it refuses.
    """
    import re2

    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False
    try:
        return re2.compile(query, options)
    except re2.error as err:
        detail = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else err
        raise fail(
            f"{query!r} is not a valid regular expression for the search ({detail}).",
            fix="check brackets and escapes.  Back-references (\\1) and look-around ((?=...), "
            "(?!...), (?<=...), (?<!...)) are not supported, because they can make a search run "
            "for ever; use whole words instead, or search for plain text.",
        ) from err


# A character that is not part of a word (letters and digits in any script, and "_"), as in
# Python's ``\w``.
_NOT_WORD = r"[^\pL\pN_]"


def _spans(rx, text: str) -> Iterator[tuple[int, int]]:
    """Character spans of the non-empty matches of ``rx`` in ``text``."""
    for m in rx.finditer(text):
        if m.end() > m.start():
            yield m.start(), m.end()


class _WholeWords:
    """A user's RE2 pattern that matches only whole words.

    The word test is part of the pattern (group 1 between two non-word characters or an end of
    the text), not a check of each hit afterwards: RE2 gives the leftmost match and never
    backtracks, so a hit that fails the check (``cat`` in "category" for ``cat|category``)
    would hide the longer one that passes.
    """

    def __init__(self, query: str, case_sensitive: bool) -> None:
        groups = _user_pattern(query, case_sensitive).groups  # errors name the user's pattern
        for body in (query, query + r"\E"):  # \E closes a \Q quote left open at the end
            try:
                first = _user_pattern(f"(?:^|{_NOT_WORD})({body})(?:{_NOT_WORD}|$)", case_sensitive)
            except InterviewError:
                continue
            if first.groups == groups + 1:
                break
        else:
            raise fail(
                f"{query!r} cannot be searched for as whole words.",
                fix="search for it without whole words.",
            )
        self.first = first
        self.rest = _user_pattern(f"{_NOT_WORD}({body})(?:{_NOT_WORD}|$)", case_sensitive)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Spans of the whole-word hits in ``text``, none missed.

        A hit takes the character on each side with it, so each search after the first restarts
        one character before the end of the last hit (that character may be the gap before the
        next) with ``rest``, which has no ``^`` to match the start of the text again.  The text
        is encoded once and searched as UTF-8 bytes (RE2 encodes a ``str`` again at every
        search); byte offsets become character offsets as the search moves on.
        """
        data = text.encode("utf-8")
        chars = _CharOffsets(data)
        m, rx = self.first.search(data), self.rest
        while m is not None:
            start, end = m.span(1)
            if end > start:
                yield chars.at(start), chars.at(end)
                pos = end - _char_len_before(data, end)
            else:  # an empty hit: the next one starts at least a character further on
                pos = start
            m = rx.search(data, pos)


def _char_len_before(data: bytes, i: int) -> int:
    """Bytes in the UTF-8 character that ends at byte ``i`` (``i`` > 0)."""
    j = i - 1
    while j > 0 and data[j] & 0xC0 == 0x80:
        j -= 1
    return i - j


class _CharOffsets:
    """Character offsets of byte offsets into UTF-8 ``data``, asked for in increasing order."""

    def __init__(self, data: bytes) -> None:
        self.data, self.byte, self.char = data, 0, 0

    def at(self, byte: int) -> int:
        if byte < self.byte:  # a step back is at most one hit: count from the start again
            self.byte, self.char = 0, 0
        self.char += len(self.data[self.byte : byte].decode("utf-8"))
        self.byte = byte
        return self.char


@dataclass(frozen=True)
class Hit:
    source: str
    participant: str
    start: int
    end: int
    line: int
    speaker: str | None
    context: str


def search(
    project: Project,
    query: str,
    *,
    regex: bool = False,
    case_sensitive: bool = False,
    whole_word: bool = False,
    sources: list[str] | None = None,
    limit: int | None = 1000,
    context: int = 60,
) -> list[Hit]:
    """Find ``query`` (text, or a regular expression with ``regex``) across transcripts.

    Offsets index the normalised text, so a hit can be coded directly.  At most ``limit``
    hits are returned (None for all).  A regular expression runs in RE2
    (:func:`_user_pattern`), in time linear in the text whatever the pattern.
    """
    if not query:
        raise fail("the search is empty.", fix="give some words to search for.")
    if regex:
        rx = _user_pattern(query, case_sensitive)
        if whole_word:
            rx = _WholeWords(query, case_sensitive)
    else:
        pattern = re.escape(query)
        if whole_word:
            pattern = rf"(?<!\w)(?:{pattern})(?!\w)"
        rx = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    ids = [project.source(s).id for s in sources] if sources else list(project.sources)
    hits: list[Hit] = []
    idx = None
    for sid in ids:
        t = project.sources[sid]
        spans = rx.spans(t.text) if isinstance(rx, _WholeWords) else _spans(rx, t.text)
        for start, end in spans:
            if idx is None:
                idx = _Index(project)
            a = max(0, start - context)
            b = min(len(t.text), end + context)
            ctx = t.text[a:start] + "[" + t.text[start:end] + "]" + t.text[end:b]
            hits.append(
                Hit(
                    t.name,
                    idx.label(sid),
                    start,
                    end,
                    project.line_of(sid, start),
                    speaker_at(t.text, start),
                    ctx.replace("\n", " "),
                )
            )
            if limit is not None and len(hits) >= limit:
                return hits
    return hits


# ---------------------------------------------------------------------------------------------
# counts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeCount:
    code: str
    codings: int
    participants: int
    transcripts: int
    coders: int


@dataclass(frozen=True)
class CodeStats(Result):
    codes: list[CodeCount]
    n_codings: int
    n_participants: int
    n_transcripts: int
    include_children: bool


def code_stats(project: Project, *, include_children: bool = False) -> CodeStats:
    """For each code: codings, participants, transcripts and coders (with the codes below it
    when ``include_children``)."""
    idx = _Index(project)
    per: dict[str, list] = defaultdict(list)
    for c in project.codings.values():
        per[c.code].append(c)
    rows = []
    for cid in project.codes:
        ids = project.descendants(cid) if include_children else [cid]
        cs = [c for i in ids for c in per.get(i, [])]
        people = {n for c in cs for n in idx.participants(c.source)}
        rows.append(
            CodeCount(
                idx.paths[cid],
                len(cs),
                len(people),
                len({c.source for c in cs}),
                len({c.coder for c in cs}),
            )
        )
    all_people = {n for s in project.sources for n in idx.participants(s)}
    return CodeStats(
        rows, len(project.codings), len(all_people), len(project.sources), include_children
    )


@dataclass(frozen=True)
class AttributeMatrix(Result):
    """Codes by the values of one attribute; each cell the number of participants with that
    value who have at least one coding of the code.  ``None`` marks a suppressed small cell."""

    attribute: str
    codes: list[str]
    values: list[str]
    counts: list[list[int | None]]
    totals: list[int]  # participants with each value
    n: int  # participants
    unit: str = "participants"
    suppressed_below: int = 0


def _suppress(v: int, k: int) -> int | None:
    return None if k and 0 < v < k else v


def attribute_matrix(
    project: Project,
    attribute: str,
    *,
    codes: list[str] | None = None,
    include_children: bool = True,
    suppress_below: int = 0,
) -> AttributeMatrix:
    """Code by attribute matrix (number of participants).  Cells from 1 to
    ``suppress_below - 1`` are suppressed (``None``) for tables that leave the analyst."""
    if project.variable_named(attribute) is None:
        known = ", ".join(v.name for v in project.variables.values()) or "none yet"
        raise fail(
            f"no participant attribute is called {attribute!r}.",
            fix=f"use one of: {known} (import them with --participants).",
        )
    idx = _Index(project)
    people = sorted({n for s in project.sources for n in idx.participants(s)})
    value_of = {n: str(idx.attrs.get(n, {}).get(attribute, MISSING)) for n in people}
    values = sorted(set(value_of.values()), key=lambda v: (v == MISSING, v))
    code_ids = [project.code(c).id for c in codes] if codes else list(project.codes)
    coded: dict[str, set[str]] = defaultdict(set)  # code -> participants
    for c in project.codings.values():
        for n in idx.participants(c.source):
            coded[c.code].add(n)
    counts = []
    for cid in code_ids:
        ids = project.descendants(cid) if include_children else [cid]
        who = set().union(*(coded.get(i, set()) for i in ids))
        counts.append(
            [_suppress(sum(value_of[n] == v for n in who), suppress_below) for v in values]
        )
    totals = [sum(value_of[n] == v for n in people) for v in values]
    return AttributeMatrix(
        attribute,
        [idx.paths[c] for c in code_ids],
        values,
        counts,
        totals,
        len(people),
        suppressed_below=suppress_below,
    )


@dataclass(frozen=True)
class Cooccurrence(Result):
    """Pairs of codes applied to overlapping text (sharing at least one character).

    ``participants[i][j]``: participants in whose transcripts codes i and j overlap (on the
    diagonal: participants with code i at all); ``segments[i][j]``: overlapping coding pairs.
    """

    codes: list[str]
    participants: list[list[int]]
    segments: list[list[int]]
    n: int


def cooccurrence(project: Project, *, codes: list[str] | None = None) -> Cooccurrence:
    idx = _Index(project)
    code_ids = [project.code(c).id for c in codes] if codes else list(project.codes)
    pos = {cid: i for i, cid in enumerate(code_ids)}
    k = len(code_ids)
    people: list[list[set]] = [[set() for _ in range(k)] for _ in range(k)]
    segs = [[0] * k for _ in range(k)]
    by_source: dict[str, list] = defaultdict(list)
    for c in project.codings.values():
        if c.code in pos:
            by_source[c.source].append(c)
    for sid, cs in by_source.items():
        names = idx.participants(sid)
        cs.sort(key=lambda c: c.start)
        active: list = []
        for c in cs:
            i = pos[c.code]
            people[i][i].update(names)
            active = [a for a in active if a.end > c.start]
            for a in active:
                j = pos[a.code]
                if i == j:
                    continue
                segs[i][j] += 1
                segs[j][i] += 1
                people[i][j].update(names)
                people[j][i].update(names)
            active.append(c)
    n = len({n for s in project.sources for n in idx.participants(s)})
    return Cooccurrence(
        [idx.paths[c] for c in code_ids],
        [[len(s) for s in row] for row in people],
        segs,
        n,
    )


# ---------------------------------------------------------------------------------------------
# framework matrix
# ---------------------------------------------------------------------------------------------


NO_THEME = "(codes in no theme)"  # the framework matrix's column for codes outside every theme


@dataclass(frozen=True)
class Quote:
    """A coded passage.  ``coders`` names who coded it when more than one coder coded that
    passage (or one overlapping it) in the same cell; one quote stands for identical codings."""

    coding: str
    source: str
    start: int
    end: int
    line: int
    code: str
    coder: str | None
    text: str
    coders: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    """One participant by one theme (or code): the memos written on its codings, as the
    summary, and the coded passages as linked quotes (transcript, line, offsets)."""

    participant: str
    column: str
    n_codings: int
    codes: list[str]
    summary: str
    quotes: list[Quote] = field(default_factory=list)


@dataclass(frozen=True)
class FrameworkMatrix(Result):
    by: str  # "theme" or "code"
    participants: list[str]
    attributes: list[dict]
    columns: list[str]
    descriptions: list[str]
    cells: list[list[Cell]]
    n: int


def framework_matrix(  # noqa: C901 - argument checks, then the cells of the matrix
    project: Project,
    *,
    by: str = "theme",
    columns: list[str] | None = None,
    where: dict | None = None,
    include_children: bool = True,
) -> FrameworkMatrix:
    """Participants by themes (``by="theme"``) or codes (``by="code"``).

    A cell holds every coding of the column's codes in the participant's transcripts; its
    summary is the memos written on those codings (in transcript order), and its quotes the
    coded passages (naming the coders where two or more coded the same passage).  By theme,
    codes that belong to no theme get a last column of their own, :data:`NO_THEME`, unless
    ``columns`` chooses the themes.
    """
    if by not in ("theme", "code"):
        raise fail(f"a framework matrix is by theme or by code, not {by!r}.")
    idx = _Index(project)
    if by == "theme":
        if not project.themes:
            raise fail(
                "the project has no themes.",
                fix="load a codebook with themes, or use --by code.",
            )
        cols = [project.theme(c) for c in columns] if columns else list(project.themes.values())
        col_names = [t.name for t in cols]
        descriptions = [t.description for t in cols]
        col_codes = [set(project.theme_codes(t.id)) for t in cols]
        if not columns:
            themed = {cid for th in project.themes for cid in project.theme_codes(th)}
            rest = {cid for cid in project.codes if cid not in themed}
            if rest:
                col_names.append(NO_THEME)
                descriptions.append("Codes that belong to no theme.")
                col_codes.append(rest)
    else:
        code_objs = [project.code(c) for c in columns] if columns else list(project.codes.values())
        col_names = [idx.paths[c.id] for c in code_objs]
        descriptions = [c.definition for c in code_objs]
        col_codes = [
            set(project.descendants(c.id)) if include_children else {c.id} for c in code_objs
        ]
    code_to_cols: dict[str, list[int]] = defaultdict(list)
    for j, ids in enumerate(col_codes):
        for cid in ids:
            code_to_cols[cid].append(j)
    people = []
    for sid in project.sources:
        for n in idx.participants(sid):
            if n not in people and _matches(idx.attrs.get(n, {}), where):
                people.append(n)
    people.sort(key=_natural)
    row_of = {n: i for i, n in enumerate(people)}
    buckets: list[list[list]] = [[[] for _ in col_names] for _ in people]
    order = {sid: i for i, sid in enumerate(project.sources)}
    for c in sorted(project.codings.values(), key=lambda c: (order[c.source], c.start)):
        js = code_to_cols.get(c.code)
        if not js:
            continue
        for n in idx.participants(c.source):
            i = row_of.get(n)
            if i is None:
                continue
            for j in js:
                buckets[i][j].append(c)
    cells = [
        [_cell(project, idx, n, col, buckets[i][j]) for j, col in enumerate(col_names)]
        for i, n in enumerate(people)
    ]
    return FrameworkMatrix(
        by,
        people,
        [dict(idx.attrs.get(n, {})) for n in people],
        col_names,
        descriptions,
        cells,
        len(people),
    )


def _cell(project: Project, idx: _Index, participant: str, column: str, cs: list) -> Cell:
    """One cell: identical codings by several coders make one quote that names them, and a
    quote overlapping another coder's passage names its own coder."""
    memos: list[str] = []
    codes_used: list[str] = []
    groups: dict[tuple, list] = {}
    for c in cs:
        path = idx.paths[c.code]
        if path not in codes_used:
            codes_used.append(path)
        groups.setdefault((c.source, c.start, c.end, c.code), []).append(c)
        memos.extend(idx.memos_by_coding.get(c.id, ()))
    quotes = []
    for (sid, start, end, code), same in groups.items():
        t = project.sources[sid]
        names = list(dict.fromkeys(project.user_name(c.coder) or "(no coder)" for c in same))
        others = {
            project.user_name(c.coder) or "(no coder)"
            for c in cs
            if c.source == sid and c.start < end and start < c.end
        }
        first = same[0]
        quotes.append(
            Quote(
                first.id,
                t.name,
                start,
                end,
                project.line_of(sid, start),
                idx.paths[code],
                project.user_name(first.coder),
                strip_label(t.text[start:end]),
                tuple(names) if len(others) > 1 else (),
            )
        )
    return Cell(participant, column, len(cs), codes_used, "\n".join(memos), quotes)


def _natural(name: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


# ---------------------------------------------------------------------------------------------
# theme report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributedQuote:
    text: str
    attribution: str  # "P12, nurse, England"
    source: str
    line: int
    code: str


@dataclass(frozen=True)
class CodeEntry:
    path: str
    definition: str
    inclusion: str
    exclusion: str
    participants: int


@dataclass(frozen=True)
class ThemeSection:
    name: str
    description: str
    codes: list[CodeEntry]
    participants: int
    by_group: dict  # group value -> participants (None when suppressed)
    quotes: list[AttributedQuote]
    memos: list[str]


@dataclass(frozen=True)
class ThemeReport(Result):
    title: str
    project: str
    group_by: str | None
    groups: list[str]
    group_totals: dict
    themes: list[ThemeSection]
    n: int
    suppressed_below: int = 0


def theme_report(
    project: Project,
    *,
    group_by: str | None = "professional_group",
    attribution_keys: tuple[str, ...] = ("profession", "nation"),
    quotes_per_theme: int = 3,
    suppress_below: int = 0,
    title: str | None = None,
) -> ThemeReport:
    """Themes with their definitions and codes, how many participants (by ``group_by``)
    spoke to each, and exemplar quotes attributed as "P12, nurse, England".

    Exemplar quotes come from different participants.  A coding whose memo contains the word
    "exemplar" is chosen first; otherwise passages nearest 200 characters long are preferred.
    Group counts from 1 to ``suppress_below - 1`` are suppressed (shown as fewer than k).
    """
    if group_by is not None and project.variable_named(group_by) is None:
        group_by = None
    idx = _Index(project)
    people = sorted({n for s in project.sources for n in idx.participants(s)}, key=_natural)

    def group(n):
        return str(idx.attrs.get(n, {}).get(group_by, MISSING)) if group_by else "all"

    groups = sorted({group(n) for n in people}, key=lambda v: (v == MISSING, v))
    totals = {g: sum(group(n) == g for n in people) for g in groups}
    memo_words = {
        m.target_id: m.text
        for m in project.memos.values()
        if m.target == "coding" and "exemplar" in m.text.lower()
    }
    sections = []
    per_code_people: dict[str, set] = defaultdict(set)
    for c in project.codings.values():
        per_code_people[c.code].update(idx.participants(c.source))
    for th in project.themes.values():
        ids = project.theme_codes(th.id)
        who = set().union(*(per_code_people.get(i, set()) for i in ids)) if ids else set()
        by_group = {g: _suppress(sum(group(n) == g for n in who), suppress_below) for g in groups}
        entries = [
            CodeEntry(
                idx.paths[cid],
                project.codes[cid].definition,
                project.codes[cid].inclusion,
                project.codes[cid].exclusion,
                len(per_code_people.get(cid, ())),
            )
            for cid in ids
        ]
        cands = [c for c in project.codings.values() if c.code in set(ids)]
        cands.sort(
            key=lambda c: (
                c.id not in memo_words,
                abs((c.end - c.start) - 200),
                _natural(idx.label(c.source)),
                c.start,
            )
        )
        quotes, used = [], set()
        for c in cands:
            names = idx.participants(c.source)
            if names[0] in used:
                continue
            used.add(names[0])
            t = project.sources[c.source]
            quotes.append(
                AttributedQuote(
                    strip_label(t.text[c.start : c.end]),
                    attribution(names[0], idx.attrs.get(names[0], {}), attribution_keys),
                    t.name,
                    project.line_of(c.source, c.start),
                    idx.paths[c.code],
                )
            )
            if len(quotes) >= quotes_per_theme:
                break
        theme_memos = [m.text for m in project.memos.values() if m.id in th.memos]
        sections.append(
            ThemeSection(th.name, th.description, entries, len(who), by_group, quotes, theme_memos)
        )
    return ThemeReport(
        title or f"Themes: {project.name}",
        project.name,
        group_by,
        groups,
        {g: _suppress(v, suppress_below) for g, v in totals.items()},
        sections,
        len(people),
        suppress_below,
    )
