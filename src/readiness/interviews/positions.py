"""How another QDA tool counted the positions of its selections, worked out per source.

A REFI-QDA selection gives ``startPosition`` and ``endPosition`` in the source's plain text.
Tools count them differently: in Unicode code points (Python, QualCoder, Readiness) or in
UTF-16 code units (.NET and Java programs such as NVivo, where a character outside the Basic
Multilingual Plane, an emoji, counts as two), and a Windows line ending (CR LF) as two
characters or as one.  The four conventions give the same positions for a text without CR LF
and without such characters; otherwise the wrong one moves every later selection by a few
characters, onto the wrong words, without any error.

:func:`choose` weighs three kinds of evidence and says how sure it is:

* the selected text that some tools store in the selection's ``name`` (strongest);
* word boundaries: people select words, so under the right convention the selections that the
  conventions disagree on start and end between words, under a wrong one mostly inside them;
* the program that wrote the file (the ``origin`` attribute of the project): NVivo counts
  UTF-16 code units, QualCoder and Readiness code points.

Only selections whose text differs between the candidate conventions count as evidence; when
there are none the choice does not matter.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

__all__ = ["CONVENTIONS", "PositionChoice", "choose", "position_tables", "to_raw"]

# name -> (units, how a CR LF is counted)
CONVENTIONS: dict[str, tuple[str, str]] = {
    "as-is": ("code-points", "two"),
    "lf": ("code-points", "one"),
    "utf16": ("utf-16", "two"),
    "utf16-lf": ("utf-16", "one"),
}
UNITS = ("auto", "code-points", "utf-16")
_UNIT_WORDS = {"code-points": "Unicode code points", "utf-16": "UTF-16 code units"}
_CRLF_WORDS = {"two": "a Windows line ending (CR LF) as two", "one": "a CR LF as one"}
# what the program named in the project's ``origin`` is known to count
_ORIGIN_UNITS = {"nvivo": "utf-16", "qualcoder": "code-points", "readiness": "code-points"}


@dataclass(frozen=True)
class PositionChoice:
    """The convention chosen for one source, how sure the choice is, and why.

    ``confidence`` is ``high``, ``medium`` or ``low``; ``given`` when the caller fixed it;
    ``depends`` is the number of selections whose text differs between the candidates (0: the
    choice makes no difference to this source)."""

    convention: str
    units: str
    line_endings: str
    confidence: str
    evidence: str
    depends: int = 0
    given: bool = False

    @property
    def words(self) -> str:
        return f"{_UNIT_WORDS[self.units]}, {_CRLF_WORDS[self.line_endings]}"

    def describe(self) -> str:
        how = "as given" if self.given else f"{self.confidence} confidence"
        return f"{self.words} ({how}: {self.evidence})"


def position_tables(raw: str) -> dict[str, list[int] | None]:
    """For each convention that differs from counting code points, a table from a position as
    that convention counts it to a position in ``raw`` (None: the identity).  Conventions that
    give the same positions as a simpler one for this text are left out."""
    has_cr = "\r\n" in raw
    astral = any(ord(ch) > 0xFFFF for ch in raw)
    tables: dict[str, list[int] | None] = {"as-is": None}
    if has_cr:
        tables["lf"] = _table(raw, utf16=False, crlf_one=True)
    if astral:
        tables["utf16"] = _table(raw, utf16=True, crlf_one=False)
        if has_cr:
            tables["utf16-lf"] = _table(raw, utf16=True, crlf_one=True)
    return tables


def _table(raw: str, *, utf16: bool, crlf_one: bool) -> list[int]:
    table = []
    i = 0
    while i < len(raw):
        table.append(i)
        if utf16 and ord(raw[i]) > 0xFFFF:
            table.append(i + 1)  # the low surrogate: a position there falls after the character
        i += 2 if crlf_one and raw.startswith("\r\n", i) else 1
    table.append(len(raw))
    return table


def to_raw(pos: int, table: list[int] | None, limit: int) -> int | None:
    """A position of a convention (its table) in the raw text, or None outside it."""
    if table is None:
        return pos if 0 <= pos <= limit else None
    return table[pos] if 0 <= pos < len(table) else None


def _canonical(name: str, tables: dict) -> str:
    """The simplest convention that gives the same positions as ``name`` for this text."""
    units, crlf = CONVENTIONS[name]
    if units == "utf-16" and "utf16" not in tables:
        units = "code-points"
    if crlf == "one" and "lf" not in tables:
        crlf = "two"
    return next(k for k, v in CONVENTIONS.items() if v == (units, crlf))


def origin_units(origin: str | None) -> str | None:
    """What the program that wrote a project is known to count, from its ``origin``."""
    low = (origin or "").lower()
    return next((u for key, u in _ORIGIN_UNITS.items() if key in low), None)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "'’_" or unicodedata.category(ch).startswith("M")


def _on_boundary(raw: str, i: int) -> bool:
    return i <= 0 or i >= len(raw) or not (_word_char(raw[i - 1]) and _word_char(raw[i]))


def _same_text(raw: str, s: int, e: int, label: str) -> bool:
    got = raw[s:e].replace("\r\n", "\n").strip()
    want = label.replace("\r\n", "\n").strip()
    # tools may store a shortened name: the start of the selected text
    return bool(got) and (got == want or (len(want) >= 10 and got.startswith(want)))


@dataclass
class _Evidence:
    depends: int = 0  # selections whose text differs between candidates
    named: int = 0  # of those, the ones with a stored text
    # convention -> selections whose stored text matches
    names: dict[str, int] = field(default_factory=dict)
    # convention -> selections on word boundaries at both ends
    bounds: dict[str, int] = field(default_factory=dict)


def _evidence(raw: str, spans: list[tuple[int, int, str]], tables: dict) -> _Evidence:
    ev = _Evidence(names=dict.fromkeys(tables, 0), bounds=dict.fromkeys(tables, 0))
    for s, e, label in spans:
        mapped = {}
        for conv, table in tables.items():
            rs, re_ = to_raw(s, table, len(raw)), to_raw(e, table, len(raw))
            mapped[conv] = None if rs is None or re_ is None else (rs, re_)
        if len(set(mapped.values())) < 2:
            continue
        ev.depends += 1
        ev.named += bool(label.strip())
        for conv, m in mapped.items():
            if m is None:
                continue
            if label.strip() and _same_text(raw, m[0], m[1], label):
                ev.names[conv] += 1
            if _on_boundary(raw, m[0]) and _on_boundary(raw, m[1]):
                ev.bounds[conv] += 1
    return ev


def _ranked(ev: _Evidence, candidates: list[str], prior: str | None) -> list[str]:
    order = list(CONVENTIONS)

    def key(c):
        return (-ev.names[c], -ev.bounds[c], CONVENTIONS[c][0] != prior, order.index(c))

    return sorted(candidates, key=key)


def choose(
    raw: str,
    spans: list[tuple[int, int, str]],
    *,
    units: str = "auto",
    line_endings: str = "auto",
    origin: str | None = None,
) -> tuple[PositionChoice, list[int] | None]:
    """The convention for one source and its position table.

    ``spans``: each selection's (start, end, stored text or "").  ``units`` (``auto``,
    ``code-points``, ``utf-16``) and ``line_endings`` (``auto``, or a name in
    :data:`CONVENTIONS`, which fixes both) narrow the candidates; ``origin`` is the project's
    ``origin`` attribute.
    """
    tables = position_tables(raw)
    names = list(CONVENTIONS)
    if line_endings != "auto":
        lu, crlf = CONVENTIONS[line_endings]
        names = [n for n in names if CONVENTIONS[n][1] == crlf]
        if lu == "utf-16":  # the old names utf16 and utf16-lf also fix the units
            units = "utf-16"
    if units != "auto":
        names = [n for n in names if CONVENTIONS[n][0] == units]
    candidates = list(dict.fromkeys(_canonical(n, tables) for n in names))
    given = line_endings != "auto" or units != "auto"
    if len(candidates) == 1:
        conv = candidates[0]
        why = "set by the caller" if given else "the text has no CR LF and no emoji or other "
        if not given:
            why += "characters outside the Basic Multilingual Plane, so every convention agrees"
        return _choice(conv, "high", why, 0, given), tables[conv]
    prior = origin_units(origin)
    ev = _evidence(raw, spans, {c: tables[c] for c in candidates})
    ranked = _ranked(ev, candidates, prior)
    best, second = ranked[0], ranked[1]
    confidence, why = _judge(ev, best, second, prior, origin)
    return _choice(best, confidence, why, ev.depends, False), tables[best]


def _choice(conv, confidence, why, depends, given) -> PositionChoice:
    units, crlf = CONVENTIONS[conv]
    return PositionChoice(conv, units, crlf, confidence, why, depends, given)


def _origin_note(prior_words: str, against: bool) -> str:
    if not prior_words:
        return ""
    return f", although {prior_words}" if against else f"; {prior_words} too"


def _judge(ev: _Evidence, best: str, second: str, prior: str | None, origin: str | None):
    """How sure the choice of ``best`` over ``second`` is, and the reason in words."""
    d = ev.depends
    who = f"{origin.strip()} " if origin and origin.strip() else ""
    prior_words = f"{who}counts {_UNIT_WORDS[prior]}" if prior else ""
    if d == 0:
        return "high", "no selection's text depends on the convention"
    n_best, n_second = ev.names[best], ev.names[second]
    b_best, b_second = ev.bounds[best], ev.bounds[second]
    against = prior is not None and CONVENTIONS[best][0] != prior
    if n_best > n_second and n_best * 2 >= max(ev.named, 1):
        why = f"the stored text of {n_best} of {ev.named} selections matches"
        return ("medium" if against else "high"), why + _origin_note(prior_words, against)
    margin = b_best - b_second
    why = (
        f"{b_best} of {d} selections that depend on it start and end between words "
        f"({b_second} under the next best)"
    )
    if margin >= 2 and b_best * 4 >= d * 3:
        return ("medium" if against else "high"), why + _origin_note(prior_words, against)
    if margin >= 1:
        return "medium", why
    if prior is not None and not against:
        return "medium", f"{prior_words}; the text itself does not tell ({why})"
    return "low", f"the text does not tell ({why}); {_choice(best, '', '', 0, False).words} assumed"
