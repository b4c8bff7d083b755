"""The shipped name lists and the string measures that find names a key misses.

The lists (``interviews/data/names``: see its README for where the names come from) are read
once, on first use.  Nothing is downloaded.

The string measures are written here rather than taken from a library: neither ``jellyfish``
nor ``rapidfuzz`` is a dependency of Readiness, and both measures fit in a screen.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["NameLists", "edit_distance", "lists", "sounds_like"]


@dataclass(frozen=True)
class NameLists:
    """Case-folded sets of names (given and family), places (each as written, for a
    case-sensitive pattern), ordinary words that are also names or places, and capitalised
    words that are never proposed."""

    people: frozenset[str]
    places: tuple[str, ...]
    ordinary: frozenset[str]
    never: frozenset[str]

    def is_ordinary(self, word: str) -> bool:
        return word.casefold() in self.ordinary or word.casefold() in self.never


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("readiness.interviews").joinpath("data", "names", name)
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@lru_cache(maxsize=1)
def lists() -> NameLists:
    """The shipped lists (read once)."""
    words = _rows("common_words.csv")
    return NameLists(
        people=frozenset(r["name"].casefold() for r in _rows("person_names.csv")),
        places=tuple(r["place"] for r in _rows("places.csv")),
        ordinary=frozenset(r["word"] for r in words if r["kind"] == "ordinary"),
        never=frozenset(r["word"] for r in words if r["kind"] == "not_a_name"),
    )


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): insertions, deletions,
    substitutions and swaps of two neighbouring letters each count one.

    >>> edit_distance("Rik", "Rick"), edit_distance("Ellen", "Elen"), edit_distance("ab", "ba")
    (1, 1, 1)
    """
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


_CODES = {
    c: str(d)
    for d, letters in enumerate(("", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r"))
    for c in letters
}


def _sound_code(word: str) -> str:
    """A Soundex-like code: the first letter, then the consonant classes, vowels and h, w, y
    separating repeats (Russell and Odell's Soundex, 1918, with h and w kept as separators)."""
    letters = [c for c in word.casefold() if c.isalpha()]
    if not letters:
        return ""
    first, out, last = letters[0], [], _CODES.get(letters[0], "")
    for c in letters[1:]:
        code = _CODES.get(c, "")
        if code and code != last:
            out.append(code)
        last = code
    return (first + "".join(out) + "000")[:4]


def sounds_like(a: str, b: str) -> bool:
    """Whether two words have the same sound code ("Rik" and "Rick"; "Catherine" and
    "Kathryn" do not, as their first letters differ).

    >>> sounds_like("Rik", "Rick"), sounds_like("Ellen", "Elin"), sounds_like("Rik", "Rob")
    (True, True, False)
    """
    return bool(a) and bool(b) and _sound_code(a) == _sound_code(b)
