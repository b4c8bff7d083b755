"""Detectors: what in a text may identify someone, with a reason and a pre-set decision.

Each finding is a :class:`Finding`: where it is, its kind, its proposed replacement, why it was
proposed (``reason``), how likely it is to identify someone (``score``, 0 to 1) and whether it
is pre-set to be replaced (``preset``) or left for a person to decide.

* ``name``: a name in the key (:mod:`.key`), matched as whole words whatever the case
  ("ellen" for "Ellen").  A key name that is also an ordinary word ("Mark", "Pat", "Will") is
  proposed but not pre-set;
* ``name_variant``: a word close to a key name, as speech-to-text and typing spell them
  ("Rick" for "Rik": one letter different, or sounding alike), or one word of a longer key
  name ("Sarah" of "Sarah Jones");
* ``email``, ``nhs_number`` (modulus-11 check digit), ``phone`` (UK numbers, never inside a
  date or a time), ``postcode``, ``date_of_birth`` (a date within a few words after "born",
  "DOB" or "date of birth");
* ``url`` (web addresses and domains) and ``handle`` (``@rik_j``);
* ``possible_name`` and ``place``: names and places not in the key, from the shipped lists
  (:mod:`.names`), capitalisation and context (after "called", "named", "Mr", "Dr"; "from",
  "in", "near").  These are suggestions: only the likeliest are pre-set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from readiness.interviews.pseudonymise.key import Key
from readiness.interviews.pseudonymise.names import edit_distance, lists, sounds_like

__all__ = ["DETECTORS", "KINDS", "Finding", "detect", "find", "nhs_number_valid"]


@dataclass(frozen=True)
class Finding:
    """Something found in a text: ``text[start:end]`` of ``kind``, to become ``replacement``."""

    start: int
    end: int
    kind: str
    replacement: str
    reason: str = ""
    score: float = 1.0
    preset: bool = True


# ---------------------------------------------------------------------------------------------
# Identifiers with a fixed form
# ---------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![\w-])"
)
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+44|0044)[ \t-]?(?:\(0\)[ \t-]?)?(?:\d[ \t-]?){8,9}\d"
    r"|\(0\d{2,4}\)[ \t-]?(?:\d[ \t-]?){5,7}\d"
    r"|0(?:\d[ \t-]?){8,9}\d"
    r")(?![\d])"
)
_NHS = re.compile(r"(?<![\d\w])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d\w])")
# Upper case only, as postcodes are written; "b12 4th" in running text is not one.
_POSTCODE = re.compile(
    r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w])"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?" + _MONTH + r",?[ \t]+\d{4}"
    r"|" + _MONTH + r"[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4}"
    r")(?![\w/])",
    re.IGNORECASE,
)
_BIRTH = re.compile(
    r"\b(?:born|d\.?o\.?b\.?|date[ \t]+of[ \t]+birth|birth[ \t]*date|birthday)\b", re.IGNORECASE
)


def nhs_number_valid(digits: str) -> bool:
    """Whether ten digits form a valid NHS number (modulus 11 check digit).

    The first nine digits are weighted 10 down to 2 and summed; the check digit is 11 minus the
    remainder of the sum divided by 11 (11 becomes 0; 10 means the number is invalid).  Numbers
    of one repeated digit are rejected.  Source: NHS Data Dictionary, "NHS Number".

    >>> nhs_number_valid("9434765919"), nhs_number_valid("9434765918")
    (True, False)
    """
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_ok(found: str) -> bool:
    digits = re.sub(r"\D", "", found)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif found.lstrip().startswith("+44"):
        digits = digits[2:]
    if not digits.startswith("0"):
        digits = "0" + digits
    if digits.startswith("00"):
        digits = digits[1:]
    return len(digits) in (10, 11) and digits[1] in "123578"


# Dates and times, where no telephone number is (2024-03-15, 15-03-2024 10:30, 10.30).
_DATE_OR_TIME = re.compile(
    r"(?<!\d)(?:\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)(?!\d)"
)
_URL = re.compile(r"(?<![\w@.])(?:https?://|www\.)[^\s<>\"'\]\[]+", re.IGNORECASE)
_TLDS = (
    "com|org|net|info|biz|io|co|me|tv|app|uk|ie|eu|al|ro|pl|lt|lv|sk|cz|hu|bg|ng|gh|er|sd|vn"
    "|cn|ph|in|pk|af|ir|iq|sy|de|fr|es|it|nl|be|gr|tr|ru|ua|us|ca|au"
)
# Lower case, as domains are written in running text: "end.It" is two sentences, not a domain.
_DOMAIN = re.compile(
    r"(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:" + _TLDS + r")"
    r"(?:/[^\s<>\"']*)?(?![\w-])"
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
_TRAILING = ".,;:!?)]}'\""


def _fixed(pattern: re.Pattern, kind: str, replacement: str, reason: str, ok=None):
    def finder(text: str, key: Key | None) -> Iterator[Finding]:
        for m in pattern.finditer(text):
            if ok is None or ok(m, text):
                yield Finding(m.start(), m.end(), kind, replacement, reason)

    return finder


def _nhs_ok(m: re.Match, text: str) -> bool:
    return nhs_number_valid("".join(m.groups()))


def _phones(text: str, key: Key | None) -> Iterator[Finding]:
    # Dates and times are masked first (same length, so positions stay), so that no number
    # starts inside one ("2024-03-15 0207 946 0000": the number is the last twelve characters).
    masked = _DATE_OR_TIME.sub(lambda m: "#" * len(m.group()), text)
    for m in _PHONE.finditer(masked):
        if _phone_ok(m.group()):
            yield Finding(m.start(), m.end(), "phone", "[phone]", "a UK telephone number")


def _dates_of_birth(text: str, key: Key | None) -> Iterator[Finding]:
    for m in _DATE.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        before = before[before.rfind("\n") + 1 :]
        if _BIRTH.search(before):
            yield Finding(
                m.start(), m.end(), "date_of_birth", "[date of birth]", "a date after 'born'"
            )


def _urls(text: str, key: Key | None) -> Iterator[Finding]:
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _TRAILING:
            end -= 1
        yield Finding(m.start(), end, "url", "[web address]", "a web address")
    for m in _DOMAIN.finditer(text):
        found = m.group().rstrip(_TRAILING)
        path = "/" in found
        yield Finding(
            m.start(),
            m.start() + len(found),
            "url",
            "[web address]",
            "a web address" if path else "a domain name (an organisation's may be kept)",
            0.9 if path else 0.5,
            preset=path,
        )


# ---------------------------------------------------------------------------------------------
# Names: the key's, close to the key's, and others
# ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "auntie", "aunty", "aunt", "uncle"}
_TRIGGERS = {"called", "named", "name's", "name’s", "nicknamed", "aka"}
_NAME_IS = re.compile(r"\b(?:name\s+(?:is|was)|known\s+as|call\s+(?:him|her|them|me))\s*$", re.I)
_PLACE_WORDS = {"from", "in", "near", "to", "at", "outside", "around", "back"}
_SENTENCE_END = set('.!?:;\n"“”‘([<>-–—…')


def _words(text: str) -> Iterator[tuple[int, int, str]]:
    """Words with their positions, a possessive ``'s`` left out."""
    for m in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", m.group())
        yield m.start(), m.start() + len(word), word


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in _SENTENCE_END


def _word_before(text: str, start: int) -> str:
    m = re.search(r"([\w'’]+)[ \t]*$", text[max(0, start - 30) : start])
    return m.group(1).casefold() if m else ""


def _key_words(key: Key) -> dict[str, tuple[str, str, str]]:
    """Each word (3 letters or more) of the key's names, case-folded: the word as written, the
    key name and its pseudonym."""
    out: dict[str, tuple[str, str, str]] = {}
    for real, pseudo in key.entries:
        for word in real.split():
            if len(word) >= 3:
                out.setdefault(word.casefold(), (word, real, pseudo))
    return out


def _pseudonym_words(key: Key | None) -> set[str]:
    if key is None:
        return set()
    return {w.casefold() for _, pseudo in key.entries for w in _WORD.findall(pseudo)}


def _key_names(text: str, key: Key | None) -> Iterator[Finding]:
    if key is None or (pat := key.pattern()) is None:
        return
    words = lists()
    for m in pat.finditer(text):
        found = m.group()
        ordinary = all(words.is_ordinary(w) for w in found.split())
        reason = (
            f"in the key, but {found!r} is also an ordinary word: check each"
            if ordinary
            else "in the key"
        )
        yield Finding(m.start(), m.end(), "name", key.pseudonym(found), reason, 1.0, not ordinary)


def _close(word: str, target: str) -> str | None:
    """Why ``word`` may be ``target`` misspelled or misheard (None if it may not): one letter
    different (two in a long name), or sounding alike.  A word in lower case must sound alike."""
    w, t = word.casefold(), target.casefold()
    if w == t or len(w) < 3 or abs(len(w) - len(t)) > 2:
        return None
    d = edit_distance(w, t)
    limit = 1 if len(t) <= 5 else 2
    alike = sounds_like(w, t)
    capital = word[0].isupper()
    if d <= limit and (alike or capital):
        letters = "1 letter" if d == 1 else f"{d} letters"
        return f"close to the key's {target!r}: {letters} different" + (
            ", sounds alike" if alike else ""
        )
    if alike and capital and d <= limit + 1:
        return f"sounds like the key's {target!r}"
    return None


def _variant_of(word: str, key_words, skip: set[str]) -> Finding | None:
    """A finding (positions 0) if ``word`` is part of a key name or close to one."""
    words = lists()
    folded = word.casefold()
    capital = word[0].isupper()
    if folded in skip or (not capital and words.is_ordinary(word)):
        return None
    if folded in key_words:
        written, real, pseudo = key_words[folded]
        if real.casefold() == folded:
            return None  # the key's own name, found by the key
        why = f"one word of the key's {real!r}"
        return Finding(
            0, 0, "name_variant", pseudo, why, 0.8, capital and not words.is_ordinary(word)
        )
    best: tuple[int, str, str, bool] | None = None
    for k, (written, _real, pseudo) in key_words.items():
        close = _close(word, written)
        if close and (best is None or edit_distance(folded, k) < best[0]):
            best = (edit_distance(folded, k), close, pseudo, sounds_like(folded, k))
    if best is None:
        return None
    d, why, pseudo, alike = best
    # Pre-set: capitalised, one letter away, no ordinary word, and either sounding alike
    # ("Rick" for "Rik", though Rick is a name too) or no name of its own.
    other_name = folded in words.people
    preset = capital and d <= 1 and not words.is_ordinary(word) and (alike or not other_name)
    if other_name:
        why += f"; {word!r} is also a name in its own right"
    return Finding(0, 0, "name_variant", pseudo, why, 0.75 if capital else 0.6, preset)


def _variants(text: str, key: Key | None) -> Iterator[Finding]:
    if key is None or not key.entries:
        return
    key_words = _key_words(key)
    skip = _pseudonym_words(key)
    seen: dict[str, Finding | None] = {}
    for s, e, word in _words(text):
        if word not in seen:
            seen[word] = _variant_of(word, key_words, skip)
        f = seen[word]
        if f is not None:
            yield Finding(s, e, f.kind, f.replacement, f.reason, f.score, f.preset)


def _capitalised_runs(text: str) -> Iterator[list[tuple[int, int, str]]]:
    """Runs of capitalised words (two letters or more) with only spaces between them, broken
    at words that are never names (days, months, countries, "Interviewer")."""
    never = lists().never
    run: list[tuple[int, int, str]] = []
    for s, e, word in _words(text):
        capital = word[0].isupper() and len(word) >= 2 and word.casefold() not in never
        joined = run and re.fullmatch(r"[ \t]+", text[run[-1][1] : s])
        if capital and (joined or not run) and len(run) < 4:
            run.append((s, e, word))
            continue
        if run:
            yield run
        run = [(s, e, word)] if capital else []
    if run:
        yield run


def _title_before(text: str, start: int) -> str:
    m = re.search(r"([\w'’]+)\.?[ \t]*$", text[max(0, start - 30) : start])
    return m.group(1).casefold() if m else ""


def _judge_run(text: str, run, skip: set[str], places: set[str]) -> Finding | None:
    """Whether a run of capitalised words is likely a name (or, after "from", a place)."""
    words = lists()
    if _sentence_start(text, run[0][0]) and run[0][2].casefold() not in words.people:
        run = run[1:]  # "Then Ahmed came": the first word is capitalised as a sentence's is
        if not run:
            return None
    s, e = run[0][0], run[-1][1]
    folded = [w.casefold() for _, _, w in run]
    if any(f in skip for f in folded):
        return None
    prev = _title_before(text, s)
    trigger = prev if prev in _TRIGGERS | _TITLES else None
    if trigger is None and _NAME_IS.search(text[max(0, s - 30) : s]):
        trigger = "name is"
    if trigger:
        why = f"after {trigger!r}" + (" (a title)" if trigger in _TITLES else "")
        return Finding(s, e, "possible_name", "[name]", why, 0.9, len(run) <= 3)
    if " ".join(folded) in places:
        return None  # the place detector's
    known = [w for _, _, w in run if w.casefold() in words.people and not words.is_ordinary(w)]
    start = _sentence_start(text, s)
    if known and len(run) >= 2:
        why = f"{known[0]!r} is a name in the shipped list, with a capitalised word beside it"
        return Finding(s, e, "possible_name", "[name]", why, 0.85, True)
    if known:
        where = "at the start of a sentence" if start else "capitalised mid-sentence"
        why = f"{known[0]!r} is a name in the shipped list, {where}"
        return Finding(s, e, "possible_name", "[name]", why, 0.5 if start else 0.7, False)
    if prev in ("from", "near") and not start and not any(words.is_ordinary(w) for w in folded):
        why = f"a capitalised word after {prev!r}, perhaps a place"
        return Finding(s, e, "place", "[place]", why, 0.4, False)
    return None


def _possible_names(text: str, key: Key | None) -> Iterator[Finding]:
    words = lists()
    skip = _pseudonym_words(key)
    places = {p.casefold() for p in words.places}
    for run in _capitalised_runs(text):
        found = _judge_run(text, run, skip, places)
        if found is not None:
            yield found
    for s, e, word in _words(text):  # speech-to-text writes names in lower case too
        f = word.casefold()
        if word[0].islower() and f in words.people and not words.is_ordinary(word):
            prev = _title_before(text, s)
            if prev in _TRIGGERS | _TITLES and f not in skip:
                why = f"a name in the shipped list, after {prev!r}, in lower case"
                yield Finding(s, e, "possible_name", "[name]", why, 0.6, False)


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern:
    places = sorted(lists().places, key=len, reverse=True)
    alts = [r"[ \t]+".join(re.escape(w) for w in p.split()) for p in places]
    return re.compile(r"(?<![\w@#/.])(?:" + "|".join(alts) + r")(?![\w@])")


def _places(text: str, key: Key | None) -> Iterator[Finding]:
    words = lists()
    skip = _pseudonym_words(key)
    for m in _place_pattern().finditer(text):
        place = m.group()
        prev = _word_before(text, m.start())
        near = prev in _PLACE_WORDS
        if place.casefold() in skip or (words.is_ordinary(place) and not near):
            continue
        why = "a place in the shipped list" + (f", after {prev!r}" if near else "")
        yield Finding(m.start(), m.end(), "place", "[place]", why, 0.75 if near else 0.6, False)


# ---------------------------------------------------------------------------------------------
# All of them
# ---------------------------------------------------------------------------------------------

# In order of priority when two findings overlap: e-mail addresses, web addresses and handles
# (whole, even when a key name is part of one), then names in the key, then the rest.
DETECTORS = {
    "email": _fixed(_EMAIL, "email", "[email]", "an e-mail address"),
    "url": _urls,
    "handle": _fixed(_HANDLE, "handle", "[handle]", "a social media handle"),
    "nhs_number": _fixed(_NHS, "nhs_number", "[NHS number]", "a valid NHS number", _nhs_ok),
    "phone": _phones,
    "postcode": _fixed(_POSTCODE, "postcode", "[postcode]", "a UK postcode"),
    "date_of_birth": _dates_of_birth,
    "name_variant": _variants,
    "possible_name": _possible_names,
    "place": _places,
}
KINDS = ("name", *DETECTORS)
_BEFORE_KEY = ("email", "url", "handle")


def find(text: str, key: Key | None = None, kinds: Iterable[str] | None = None) -> list[Finding]:
    """Non-overlapping findings in ``text``, in the order of the text.

    The detectors run in the order of :data:`DETECTORS`, with the key's names after e-mail
    addresses, web addresses and handles; a finding that overlaps an earlier one is dropped.
    ``kinds`` limits the detectors (the key's names are looked for whenever a key is given).
    """
    wanted = None if kinds is None else set(kinds) | {"name"}
    found: list[Finding] = []
    for kind, finder in DETECTORS.items():
        if kind == "name_variant":
            found.extend(_key_names(text, key))
        if wanted is not None and kind not in wanted and kind != "possible_name":
            continue
        found.extend(f for f in finder(text, key) if wanted is None or f.kind in wanted)
    kept: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for f in found:  # in priority order
        if f.end <= f.start or any(f.start < te and ts < f.end for ts, te in taken):
            continue
        kept.append(f)
        taken.append((f.start, f.end))
    return sorted(kept, key=lambda f: (f.start, f.end))


def detect(text: str, key: Key | None = None, kinds=None) -> list[tuple[int, int, str, str]]:
    """``(start, end, kind, replacement)`` of each finding (see :func:`find`)."""
    return [(f.start, f.end, f.kind, f.replacement) for f in find(text, key, kinds)]
