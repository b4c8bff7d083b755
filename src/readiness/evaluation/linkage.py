"""Linking survey waves without identifying anyone: a self-generated identification code (SGIC).

A respondent answers a few questions only they can answer (the first letter of their mother's
first name, the day of the month they were born, ...).  Each answer is normalised (upper case,
trimmed, first letter only where stated) and stored only as a keyed hash, one per element:

    HMAC-SHA256(secret, element_id || 0x1F || normalised value), as hexadecimal text.

The secret belongs to the study and stays on the server, outside the database and exports, so a
digest cannot be reversed by trying every possible answer without it.  Element-wise digests
allow counting how many elements differ between two responses without storing the raw code.

:func:`link_waves` pairs an earlier wave's records with a later wave's, strictly one to one:

1. level 0 (exact): every element agrees (the site is not compared);
2. levels 1 to ``max_mismatch`` (fuzzy): at most that many elements differ, and the site is
   the same.

Level by level, among the records not yet linked or found ambiguous, a pair is accepted only
when each side has exactly one candidate at that level.  Where a record has two or more
candidates at its lowest level (or its only candidate has two), neither is linked: they are
*ambiguous*, counted, and take no further part.  A missing element (not answered) counts as a
disagreement, so it can never make a match.

The result is the same whatever order the records come in, and swapping the two waves swaps
the sides of every link and nothing else.

Example::

    >>> secret = b"a study secret of at least 16 bytes"
    >>> a = sgic_digests(secret, {"mother_initial": "m", "birth_day": "07",
    ...     "older_siblings": "1", "birth_town_initial": "Leeds", "shoe_size_band": "3"})
    >>> b = sgic_digests(secret, {"mother_initial": "M ", "birth_day": "7",
    ...     "older_siblings": "2", "birth_town_initial": "l", "shoe_size_band": "3"})
    >>> result = link_waves([Record("pre-1", a)], [Record("fu-9", b)])
    >>> [(link.earlier, link.later, link.differing) for link in result.links]
    [('pre-1', 'fu-9', ('older_siblings',))]
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from readiness.errors import Problem, ProblemsError, ReadinessError
from readiness.stats.result import Result

SEPARATOR = "\x1f"  # the unit separator between an element's id and its value
MIN_SECRET_BYTES = 16


class SgicError(ProblemsError):
    """The answers to the code questions cannot be used (every problem is listed)."""

    what = "linkage code answers"


@dataclass(frozen=True)
class SgicElement:
    """One question of the self-generated code, and how its answer is normalised.

    ``kind`` is ``"letter"`` (the first letter of the answer, upper case, accents removed),
    ``"number"`` (a whole number from ``minimum`` to ``maximum``, leading zeros dropped) or
    ``"choice"`` (one of ``choices``, given by its code).
    """

    id: str
    question: str
    kind: str
    hint: str = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)

    def normalise(self, answer: str) -> str:
        """The answer as it is hashed; raises ``ValueError`` with the reason if it cannot be."""
        text = unicodedata.normalize("NFKC", str(answer)).strip()
        if not text:
            raise ValueError("the answer is empty")
        if self.kind == "letter":
            first = unicodedata.normalize("NFKD", text[0].upper())
            letter = "".join(ch for ch in first if not unicodedata.combining(ch))
            if len(letter) != 1 or not letter.isalpha():
                raise ValueError(f"{text[0]!r} is not a letter")
            return letter
        if self.kind == "number":
            if not text.isdigit():
                raise ValueError(f"{text!r} is not a whole number")
            value = int(text)
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValueError(f"{value} is not from {self.minimum} to {self.maximum}")
            return str(value)
        if self.kind == "choice":
            codes = [code for code, _ in self.choices]
            if text.upper() not in codes:
                raise ValueError(f"{text!r} is not one of the codes {', '.join(codes)}")
            return text.upper()
        raise ValueError(f"unknown kind {self.kind!r}")


SGIC_ELEMENTS: tuple[SgicElement, ...] = (
    SgicElement(
        "mother_initial",
        "What is the first letter of your mother's first name?",
        "letter",
        hint="If you do not know, use the first letter of the name of the person who raised you.",
    ),
    SgicElement(
        "birth_day",
        "On what day of the month were you born?",
        "number",
        hint="A number from 1 to 31.",
        minimum=1,
        maximum=31,
    ),
    SgicElement(
        "older_siblings",
        "How many older brothers and sisters do you have?",
        "number",
        hint="Include half-brothers and half-sisters. Type 0 if you have none.",
        minimum=0,
        maximum=30,
    ),
    SgicElement(
        "birth_town_initial",
        "What is the first letter of the town or city where you were born?",
        "letter",
    ),
    SgicElement(
        "shoe_size_band",
        "What is your shoe size (UK)?",
        "choice",
        choices=(
            ("1", "5 or smaller"),
            ("2", "5½ to 7"),
            ("3", "7½ to 9"),
            ("4", "9½ to 11"),
            ("5", "11½ or larger"),
        ),
    ),
)
SGIC_ELEMENT_IDS: tuple[str, ...] = tuple(e.id for e in SGIC_ELEMENTS)


def _check_secret(secret: bytes) -> bytes:
    if not isinstance(secret, bytes | bytearray):
        raise ReadinessError(
            "the study secret must be bytes. Fix: pass the secret as bytes, for example "
            "secrets.token_bytes(32), kept outside the database."
        )
    if len(secret) < MIN_SECRET_BYTES:
        raise ReadinessError(
            f"the study secret is {len(secret)} bytes; it must be at least {MIN_SECRET_BYTES}. "
            "Fix: make one with secrets.token_bytes(32) and keep it outside the database."
        )
    return bytes(secret)


def element_digest(secret: bytes, element_id: str, normalised: str) -> str:
    """HMAC-SHA256(secret, element_id || 0x1F || normalised), as 64 hexadecimal characters."""
    message = f"{element_id}{SEPARATOR}{normalised}".encode()
    return hmac.new(_check_secret(secret), message, hashlib.sha256).hexdigest()


def sgic_digests(
    secret: bytes,
    answers: Mapping[str, str],
    *,
    elements: Sequence[SgicElement] = SGIC_ELEMENTS,
) -> dict[str, str]:
    """The keyed digest of each answered element: ``{element_id: hex digest}``.

    An element left blank (or absent from ``answers``) gets no digest; it then counts as a
    disagreement in :func:`link_waves`.  An answer that cannot be normalised (a birth day of
    45, a digit where a letter is asked for) or an unknown element id raises
    :class:`SgicError` listing every problem; nothing is returned.  The raw answers are not
    kept anywhere.
    """
    _check_secret(secret)
    known = {e.id: e for e in elements}
    problems = [
        Problem(
            f"there is no code question {name!r}.",
            fix=f"use the questions {', '.join(known)}.",
            column=str(name),
        )
        for name in answers
        if name not in known
    ]
    out: dict[str, str] = {}
    for element in elements:
        raw = answers.get(element.id)
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = element.normalise(raw)
        except ValueError as err:
            problems.append(
                Problem(
                    f"{err}.",
                    fix=element.hint or f"answer: {element.question}",
                    column=element.id,
                )
            )
            continue
        out[element.id] = element_digest(secret, element.id, value)
    if problems:
        raise SgicError(problems)
    return out


@dataclass(frozen=True)
class Record:
    """One response of a wave, as the linker sees it: an id, its digests and its site."""

    id: str
    digests: Mapping[str, str]
    site: str | None = None


@dataclass(frozen=True)
class Link(Result):
    """A linked pair: the earlier and the later response, and the elements that differ."""

    earlier: str
    later: str
    mismatches: int  # 0 for an exact match
    differing: tuple[str, ...] = ()  # element ids that differ (or are missing on a side)


@dataclass(frozen=True)
class ElementDisagreement(Result):
    """How often one element differed among the fuzzy links."""

    element: str
    count: int  # fuzzy links in which this element differed
    n: int  # fuzzy links
    rate: float | None  # count / n (None when there are no fuzzy links)


@dataclass(frozen=True)
class Linkage(Result):
    """The one-to-one links between two waves, and the linkage report.

    The four groups of each wave are disjoint: linked exactly, linked fuzzily, ambiguous (left
    unlinked because of a tie), unmatched (no candidate).
    """

    links: tuple[Link, ...]  # sorted by the earlier id
    n_earlier: int
    n_later: int
    exact: int
    fuzzy: int
    ambiguous_earlier: tuple[str, ...]
    ambiguous_later: tuple[str, ...]
    unmatched_earlier: tuple[str, ...]
    unmatched_later: tuple[str, ...]
    element_disagreement: tuple[ElementDisagreement, ...]
    max_mismatch: int
    elements: tuple[str, ...]
    n: int = 0  # links (exact + fuzzy)
    conventions: dict[str, str] = field(default_factory=dict)

    @property
    def ambiguous(self) -> int:
        """Records (of both waves) left unlinked because of a tie."""
        return len(self.ambiguous_earlier) + len(self.ambiguous_later)

    def table(self) -> list[tuple[str, int, int]]:
        """The linkage table: (row, earlier wave, later wave)."""
        return [
            ("responses", self.n_earlier, self.n_later),
            ("linked exactly", self.exact, self.exact),
            (f"linked with up to {self.max_mismatch} element(s) differing", self.fuzzy, self.fuzzy),
            ("ambiguous (tie; not linked)", len(self.ambiguous_earlier), len(self.ambiguous_later)),
            ("no candidate", len(self.unmatched_earlier), len(self.unmatched_later)),
        ]


LINKAGE_CONVENTIONS = {
    "code": "self-generated code, each element normalised (upper case, trimmed, first letter "
    "only where stated) and stored as HMAC-SHA256 under the study's secret",
    "order": "exact first (every element agrees; site not compared), then up to max_mismatch "
    "elements differing within the same site",
    "one to one": "a pair is linked only when each side has exactly one candidate at its "
    "lowest level; ties are left unlinked and counted as ambiguous",
    "missing": "an element not answered counts as a disagreement",
}


def _check_records(records: Sequence[Record], wave: str, elements: tuple[str, ...]) -> None:
    seen: set[str] = set()
    problems = []
    for record in records:
        if record.id in seen:
            problems.append(
                Problem(
                    f"the {wave} wave has the response id {record.id!r} twice.",
                    fix="give every response of a wave its own id.",
                )
            )
        seen.add(record.id)
        unknown = sorted(set(record.digests) - set(elements))
        if unknown:
            problems.append(
                Problem(
                    f"response {record.id!r} of the {wave} wave has digests for unknown "
                    f"elements {', '.join(unknown)}.",
                    fix=f"use the elements {', '.join(elements)}.",
                )
            )
    if problems:
        raise SgicError(problems)


# long: argument checks, then links level by level (exact first) over shared state
def link_waves(  # noqa: C901 - argument checks, then exact and fuzzy matching passes
    earlier: Sequence[Record],
    later: Sequence[Record],
    max_mismatch: int = 1,
    *,
    elements: Sequence[str] = SGIC_ELEMENT_IDS,
) -> Linkage:
    """Link an earlier wave's records to a later wave's, one to one (see the module notes).

    ``max_mismatch`` is the most elements that may differ in a fuzzy link (0 for exact links
    only).  Record ids must be unique within a wave.  Sites are compared as given: a record
    without a site (None) can be linked fuzzily only to another without one.
    """
    if isinstance(max_mismatch, bool) or not isinstance(max_mismatch, int) or max_mismatch < 0:
        raise ReadinessError(
            f"max_mismatch must be a whole number of 0 or more, not {max_mismatch!r}."
        )
    names = tuple(elements)
    k = len(names)
    if k == 0 or len(set(names)) != k:
        raise ReadinessError("give at least one code element, each once.")
    _check_records(earlier, "earlier", names)
    _check_records(later, "later", names)

    def values(records: Sequence[Record], side: str) -> list[tuple]:
        # a missing element gets a value that equals nothing else
        return [
            tuple(r.digests.get(e) or (side, i, e) for e in names) for i, r in enumerate(records)
        ]

    ev, lv = values(earlier, "e"), values(later, "l")

    def distance(i: int, j: int) -> tuple[int, tuple[str, ...]]:
        differing = tuple(names[p] for p in range(k) if ev[i][p] != lv[j][p])
        return len(differing), differing

    # Candidate pairs within max_mismatch: records that agree on every element outside some set
    # of max_mismatch positions share the key of that set.
    candidates: set[tuple[int, int]] = set()
    masks = itertools.combinations(range(k), min(max_mismatch, k))
    for mask in masks:
        keep = [p for p in range(k) if p not in mask]
        index: dict[tuple, list[int]] = defaultdict(list)
        for j, v in enumerate(lv):
            index[tuple(v[p] for p in keep)].append(j)
        for i, v in enumerate(ev):
            for j in index.get(tuple(v[p] for p in keep), ()):
                candidates.add((i, j))
    pairs: dict[int, list[tuple[int, int, tuple[str, ...]]]] = defaultdict(list)
    for i, j in candidates:
        d, differing = distance(i, j)
        if d > max_mismatch:
            continue
        if d > 0 and earlier[i].site != later[j].site:
            continue
        pairs[d].append((i, j, differing))

    done_e: set[int] = set()
    done_l: set[int] = set()
    ambiguous_e: set[int] = set()
    ambiguous_l: set[int] = set()
    links: list[Link] = []
    exact = fuzzy = 0
    for level in range(max_mismatch + 1):
        active = [
            (i, j, diff)
            for i, j, diff in pairs.get(level, ())
            if i not in done_e and j not in done_l
        ]
        by_e: dict[int, list[int]] = defaultdict(list)
        by_l: dict[int, list[int]] = defaultdict(list)
        for i, j, _ in active:
            by_e[i].append(j)
            by_l[j].append(i)
        for i, j, diff in active:
            if len(by_e[i]) == 1 and len(by_l[j]) == 1:
                links.append(Link(earlier[i].id, later[j].id, level, diff))
                if level == 0:
                    exact += 1
                else:
                    fuzzy += 1
        linked_e = {i for i, j, _ in active if len(by_e[i]) == 1 and len(by_l[j]) == 1}
        linked_l = {j for i, j, _ in active if len(by_e[i]) == 1 and len(by_l[j]) == 1}
        ambiguous_e |= set(by_e) - linked_e
        ambiguous_l |= set(by_l) - linked_l
        done_e |= set(by_e)
        done_l |= set(by_l)

    fuzzy_links = [link for link in links if link.mismatches > 0]
    disagreement = tuple(
        ElementDisagreement(
            e,
            sum(e in link.differing for link in fuzzy_links),
            len(fuzzy_links),
            (sum(e in link.differing for link in fuzzy_links) / len(fuzzy_links))
            if fuzzy_links
            else None,
        )
        for e in names
    )
    return Linkage(
        links=tuple(sorted(links, key=lambda link: (link.earlier, link.later))),
        n_earlier=len(earlier),
        n_later=len(later),
        exact=exact,
        fuzzy=fuzzy,
        ambiguous_earlier=tuple(sorted(earlier[i].id for i in ambiguous_e)),
        ambiguous_later=tuple(sorted(later[j].id for j in ambiguous_l)),
        unmatched_earlier=tuple(sorted(r.id for i, r in enumerate(earlier) if i not in done_e)),
        unmatched_later=tuple(sorted(r.id for j, r in enumerate(later) if j not in done_l)),
        element_disagreement=disagreement,
        max_mismatch=max_mismatch,
        elements=names,
        n=len(links),
        conventions=dict(LINKAGE_CONVENTIONS),
    )


__all__ = [
    "LINKAGE_CONVENTIONS",
    "SGIC_ELEMENTS",
    "SGIC_ELEMENT_IDS",
    "ElementDisagreement",
    "Link",
    "Linkage",
    "Record",
    "SgicElement",
    "SgicError",
    "element_digest",
    "link_waves",
    "sgic_digests",
]
