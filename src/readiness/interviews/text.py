"""Text normalisation with offset maps.

Every transcript is stored as UTF-8 text in Unicode NFC with ``\\n`` line endings, and every
character offset (codings, memos on a selection, speaker turns) indexes into that normalised
text.  Anything that changes the text (normalising another tool's source, replacing a real name
with a pseudonym) produces an :class:`OffsetMap` that carries old offsets to new ones, so a
coding keeps covering the same words.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, fields, is_dataclass

__all__ = [
    "Edit",
    "OffsetMap",
    "apply_edits",
    "has_nul",
    "line_of",
    "line_starts",
    "normalise",
]


@dataclass(frozen=True)
class Edit:
    """Replace ``old[start:end]`` with ``new`` (offsets into the old text)."""

    start: int
    end: int
    new: str


class OffsetMap:
    """Maps offsets in an old text to offsets in the new text made by a list of edits.

    ``start(p)`` and ``end(p)`` differ only for a position strictly inside an edited stretch:
    a span that starts inside a replaced stretch starts where its replacement starts, and a span
    that ends inside one ends where its replacement ends.  So a coding that covered part of a
    real name covers the whole pseudonym, and the rest of its text is unchanged.
    """

    def __init__(self, edits: list[Edit] | None = None):
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._new_starts: list[int] = []
        self._new_lens: list[int] = []
        self._delta_before: list[int] = [0]  # cumulative length change of edits [0, i)
        delta = 0
        for e in sorted(edits or [], key=lambda e: (e.start, e.end)):
            if self._ends and e.start < self._ends[-1]:
                raise ValueError(f"overlapping edits at {e.start}")
            self._starts.append(e.start)
            self._ends.append(e.end)
            self._new_starts.append(e.start + delta)
            self._new_lens.append(len(e.new))
            delta += len(e.new) - (e.end - e.start)
            self._delta_before.append(delta)

    @property
    def identity(self) -> bool:
        return not self._starts

    def _locate(self, pos: int) -> tuple[int, bool]:
        i = bisect_right(self._ends, pos)  # edits that end at or before pos
        inside = i < len(self._starts) and self._starts[i] < pos
        return i, inside

    def start(self, pos: int) -> int:
        """New offset for a span starting at ``pos`` (after anything inserted at ``pos``)."""
        i, inside = self._locate(pos)
        if inside:
            return self._new_starts[i]
        return pos + self._delta_before[i]

    def end(self, pos: int) -> int:
        """New offset for a span ending at ``pos`` (before anything inserted at ``pos``)."""
        i, inside = self._locate(pos)
        while i > 0 and self._starts[i - 1] == self._ends[i - 1] == pos:
            i -= 1
        if inside:
            return self._new_starts[i] + self._new_lens[i]
        return pos + self._delta_before[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.start(start), self.end(end)

    def then(self, other: OffsetMap) -> _Chain:
        """The map that applies this one, then ``other``."""
        return _Chain([self, other])


class _Chain(OffsetMap):
    def __init__(self, maps: list[OffsetMap]):
        super().__init__([])
        self._maps = maps

    @property
    def identity(self) -> bool:
        return all(m.identity for m in self._maps)

    def start(self, pos: int) -> int:
        for m in self._maps:
            pos = m.start(pos)
        return pos

    def end(self, pos: int) -> int:
        for m in self._maps:
            pos = m.end(pos)
        return pos

    def then(self, other: OffsetMap) -> _Chain:
        return _Chain([*self._maps, other])


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, OffsetMap]:
    """Apply non-overlapping edits to ``text``; return the new text and its offset map."""
    edits = sorted(edits, key=lambda e: (e.start, e.end))
    parts: list[str] = []
    pos = 0
    for e in edits:
        if e.start < pos or e.end < e.start or e.end > len(text):
            raise ValueError(f"bad edit {e.start}-{e.end}")
        parts.append(text[pos : e.start])
        parts.append(e.new)
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts), OffsetMap(edits)


# Characters that cannot appear in XML 1.0 or that split lines behind our back: C0 controls other
# than tab and newline, byte-order marks, and the non-characters U+FFFE and U+FFFF.  A lone CR or
# a CRLF pair becomes LF.
_CONTROL = re.compile("\r\n|[\r\x00-\x08\x0b\x0c\x0e-\x1f\ufeff\ufffe\uffff]|[\ud800-\udfff]")


def _control_edits(text: str) -> list[Edit]:
    edits = []
    for m in _CONTROL.finditer(text):
        s = m.group()
        edits.append(Edit(m.start(), m.end(), "\n" if s in ("\r\n", "\r") else ""))
    return edits


def _is_hangul_follower(ch: str) -> bool:
    o = ord(ch)
    return 0x1160 <= o <= 0x11FF or 0xD7B0 <= o <= 0xD7FF


def _nfc_edits(line: str, offset: int) -> list[Edit]:
    """Edits that put one line into NFC, each as small as composition allows."""
    # Segment into a base character and the marks that may compose with it.
    bounds = [0]
    for i in range(1, len(line)):
        ch = line[i]
        if unicodedata.combining(ch) == 0 and not _is_hangul_follower(ch):
            bounds.append(i)
    bounds.append(len(line))
    segments = [line[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]
    starts = bounds[:-1]
    # Merge a segment into the previous one when normalising them apart differs.
    merged: list[tuple[int, str]] = []
    for start, seg in zip(starts, segments, strict=True):
        if merged:
            pstart, prev = merged[-1]
            joined = prev + seg
            if unicodedata.normalize("NFC", joined) != unicodedata.normalize(
                "NFC", prev
            ) + unicodedata.normalize("NFC", seg):
                merged[-1] = (pstart, joined)
                continue
        merged.append((start, seg))
    out = "".join(unicodedata.normalize("NFC", seg) for _, seg in merged)
    if not unicodedata.is_normalized("NFC", out):
        return [Edit(offset, offset + len(line), unicodedata.normalize("NFC", line))]
    edits = []
    for start, seg in merged:
        norm = unicodedata.normalize("NFC", seg)
        if norm != seg:
            edits.append(Edit(offset + start, offset + start + len(seg), norm))
    return edits


def normalise(text: str) -> tuple[str, OffsetMap]:
    """Normalise ``text`` to NFC with LF line endings and no control characters.

    Returns the normalised text and the :class:`OffsetMap` from offsets in ``text``.

    >>> normalise("Cafe\\u0301\\r\\nP1: yes")[0]
    'Café\\nP1: yes'
    """
    first = _control_edits(text)
    step1, map1 = apply_edits(text, first) if first else (text, OffsetMap())
    if unicodedata.is_normalized("NFC", step1):
        return step1, map1
    edits: list[Edit] = []
    pos = 0
    for line in step1.split("\n"):
        if not unicodedata.is_normalized("NFC", line):
            edits.extend(_nfc_edits(line, pos))
        pos += len(line) + 1
    step2, map2 = apply_edits(step1, edits)
    return step2, (map2 if map1.identity else map1.then(map2))


def line_starts(text: str) -> list[int]:
    """Offsets at which each line of ``text`` starts."""
    return [0] + [m.end() for m in re.finditer("\n", text)]


def line_of(text: str, offset: int, starts: list[int] | None = None) -> int:
    """1-based line number of ``offset`` in ``text``."""
    starts = starts if starts is not None else line_starts(text)
    return bisect_right(starts, offset)


def has_nul(value: object) -> bool:
    """Whether a NUL character is anywhere in ``value``: a string, or any key or item of the
    dicts, lists, tuples and dataclasses it holds.  PostgreSQL keeps no NUL in text or jsonb."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_nul(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return any(has_nul(getattr(value, f.name)) for f in fields(value))
    return False
