"""Every question of the instrument summarised, whatever its type, so that a question a study
adds to the shipped survey appears in the results too.

One function per kind of item, each giving an :class:`ItemSummary`:

* choice items (single choice, Likert, yes/no, true/false, calculated): the count of each
  answer in the instrument's order, its percentage of those who answered, and the interval of
  the study's method (Wilson by default; :func:`readiness.stats.proportions.proportion_ci`);
* multiple choice: the count of respondents who chose each option, and its percentage of
  those who answered the question (a respondent may choose several, so these add up to more
  than 100%);
* numbers: a distribution: n, mean, SD, median, quartiles (R's ``quantile(type = 7)``), minimum
  and maximum;
* free text: the number who answered, never the texts (they may identify a respondent);
* dates, times and months: the number who answered and the earliest and latest answer.

Conventions, written into :data:`CONVENTIONS` for a report to state:

* ``n`` is the number who answered the question; ``shown`` the number it was shown to (its own
  and its section's conditions); ``missing`` those shown it who left it blank.  A respondent not
  shown a question is not missing.
* Figures are of the respondents, unweighted: with a survey design or weighting to staff counts
  the indicators and scales of the study are design-based, these counts are not.
* What cannot be computed says why, in ``note`` ("no answers", "free text is not summarised").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from readiness.analysis.items import answer_index
from readiness.instrument.model import DATE_TYPES, Instrument, Item, choices_of
from readiness.instrument.scoring import numeric_column, shown_mask
from readiness.stats.proportions import proportion_ci
from readiness.stats.result import Result

FREQUENCY_TYPES = ("single_choice", "likert", "yes_no", "true_false", "calculate")
RANGE_TYPES = (*DATE_TYPES, "month_year")
NO_ANSWERS = "no answers"
FREE_TEXT = "free text is not summarised: the answers may identify a respondent"
FILLED_IN = "filled in by the collection, not asked: its values are not listed here"
NOT_IN_DATA = "the responses have no column for this question"
CONVENTIONS = (
    "n is the number who answered the question, missing those shown it who left it blank "
    "(a respondent not shown a question is not missing); percentages are of n, with the "
    "study's interval method; numbers: mean, SD, median and quartiles (R's quantile type 7); "
    "free text: only the number who answered; every figure unweighted"
)


@dataclass(frozen=True)
class AnswerCount(Result):
    """How many respondents gave one answer: the count, its percentage of those who answered
    and the interval (percentages; None when nobody answered)."""

    code: str
    label: str
    count: int
    percent: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Distribution(Result):
    """A number item's answers (SD None for one answer)."""

    mean: float
    sd: float | None
    median: float
    q1: float
    q3: float
    min: float
    max: float


@dataclass(frozen=True)
class ItemSummary(Result):
    """One question summarised: ``kind`` is ``frequencies`` (``answers``, adding up to ``n``),
    ``selections`` (multiple choice: ``answers`` may add up to more), ``distribution``,
    ``range`` (``first`` and ``last``) or ``answered`` (free text: ``n`` only); ``note`` says
    what could not be computed and why."""

    id: str
    type: str
    text: str
    section: str
    kind: str
    n: int
    shown: int
    missing: int
    answers: tuple[AnswerCount, ...] = ()
    distribution: Distribution | None = None
    first: str | None = None
    last: str | None = None
    method: str = ""
    note: str = ""


def _pct(x: float) -> float:
    return 100 * float(x)


def answer_counts(
    counts: list[int],
    n: int,
    choices: list[tuple[str, str]],
    method: str = "wilson",
    conf_level: float = 0.95,
) -> tuple[AnswerCount, ...]:
    """Each answer's count with its percentage of ``n`` and the interval of ``method``.

    >>> [(a.count, a.percent) for a in answer_counts([3, 1], 4, [("1", "Yes"), ("0", "No")])]
    [(3, 75.0), (1, 25.0)]
    """
    out = []
    for (code, label), count in zip(choices, counts, strict=True):
        if n == 0:
            out.append(AnswerCount(code, label, int(count), None, None, None))
            continue
        ci = proportion_ci(int(count), n, method, conf_level)
        out.append(
            AnswerCount(
                code, label, int(count), _pct(ci.proportion), _pct(ci.lower), _pct(ci.upper)
            )
        )
    return tuple(out)


def distribution(x: np.ndarray) -> Distribution | None:
    """The distribution of the numbers in ``x`` (NaN ignored), or None when there are none.

    >>> d = distribution(np.array([1.0, 2.0, 4.0, np.nan]))
    >>> d.mean, d.median, d.q1, d.q3
    (2.3333333333333335, 2.0, 1.5, 3.0)
    """
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return None
    q1, median, q3 = np.percentile(x, [25, 50, 75])  # linear: R's type 7
    return Distribution(
        mean=float(x.mean()),
        sd=float(x.std(ddof=1)) if len(x) > 1 else None,
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        min=float(x.min()),
        max=float(x.max()),
    )


def _stripped(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """How many rows hold each distinct value of the column, and that value as
    ``astype("string").str.strip()`` makes it (None when missing): the text is stripped
    once per distinct value rather than once per row (1.5 million rows took tens of seconds
    a question)."""
    codes, distinct = _numbered(column)  # missing: -1
    present = codes >= 0
    first = np.full(len(distinct), len(codes), dtype=np.intp)
    np.minimum.at(first, codes[present], np.flatnonzero(present))  # each value's first row
    text = column.iloc[first].astype("string").str.strip()
    texts = np.array([None if v is pd.NA else v for v in text.array], dtype=object)
    return np.bincount(codes[present], minlength=len(distinct)), texts


def _numbered(column: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(column)``.  Text with missing answers (most rows of an optional
    question) has only its answers numbered: the same numbers, in the same order of first
    appearance, without hashing the missing rows (a national study's free-text questions)."""
    if not (column.dtype == object or isinstance(column.dtype, pd.StringDtype)):
        return pd.factorize(column)
    given = column.notna().to_numpy()
    if given.all():
        return pd.factorize(column)
    numbered, distinct = pd.factorize(column.to_numpy(dtype=object)[given])
    codes = np.full(len(column), -1, dtype=np.intp)
    codes[given] = numbered
    return codes, distinct


def _given(texts: np.ndarray) -> np.ndarray:
    """Which stripped values hold an answer (neither missing nor empty)."""
    return np.array([isinstance(t, str) and t != "" for t in texts], dtype=bool)


Known = tuple[list, list[int], int]  # an item's codes, counts per code and number shown it


def _counted_alike(codes: list, counted_codes: list) -> bool:
    """Whether counts of ``counted_codes`` by :func:`readiness.analysis.items.answer_index`
    are this module's counts of ``codes``: the same whole-number codes, none twice."""
    return (
        codes == counted_codes
        and all(isinstance(c, int) for c in codes)
        and len(set(codes)) == len(codes)
    )


def _code_counts(x: np.ndarray, codes: list) -> list[int]:
    """How many values equal each code (``x == float(code)``): distinct codes from one
    look-up of every value (:func:`readiness.analysis.items.answer_index`), not a pass over
    every value per code."""
    if len(set(codes)) < len(codes):  # a code twice counts its answers twice
        return [int(np.count_nonzero(x == float(code))) for code in codes]
    index = answer_index(x, codes)
    return np.bincount(index[index >= 0], minlength=len(codes)).tolist()


def _frequencies(
    item: Item, frame: pd.DataFrame, method: str, conf: float, known: Known | None = None
) -> dict:
    choices = choices_of(item)
    codes = [c.code for c in choices]
    if known is not None and _counted_alike(codes, known[0]):
        counts = list(known[1])
    elif all(isinstance(c.code, int) for c in choices):
        # a count per code, not a table of every distinct value (37 questions of 1.5M rows)
        counts = _code_counts(numeric_column(frame, item.id), [c.code for c in choices])
    else:
        rows, texts = _stripped(frame[item.id])
        counts = [int(rows[texts == str(c.code)].sum()) for c in choices]
    n = sum(counts)  # an answer that is not one of the codes is not counted
    labelled = [(str(c.code), c.label) for c in choices]
    return {"n": n, "answers": answer_counts(counts, n, labelled, method, conf)}


def _selections(item: Item, frame: pd.DataFrame, method: str, conf: float) -> dict:
    rows, texts = _stripped(frame[item.id])
    # a respondent counts once per option, even with a code written twice
    chosen = [set(text.split()) if isinstance(text, str) else set() for text in texts]
    counts = [
        int(sum(r for r, codes in zip(rows, chosen, strict=True) if str(c.code) in codes))
        for c in item.choices
    ]
    labelled = [(str(c.code), c.label) for c in item.choices]
    n = int(rows[_given(texts)].sum())
    return {"n": n, "answers": answer_counts(counts, n, labelled, method, conf)}


def _numbers(item: Item, frame: pd.DataFrame) -> dict:
    x = pd.to_numeric(frame[item.id], errors="coerce").to_numpy(dtype=float)
    found = distribution(x)
    return {"n": int((~np.isnan(x)).sum()), "distribution": found}


def _range(item: Item, frame: pd.DataFrame) -> dict:
    """The earliest and latest answer: ISO text sorts in time order (dates, months, times of
    day, date-times), so the answers are compared as given."""
    rows, texts = _stripped(frame[item.id])
    given = texts[_given(texts)]
    if len(given) == 0:
        return {"n": 0}
    n = int(rows[_given(texts)].sum())
    return {"n": n, "first": str(min(given)), "last": str(max(given))}


def _answered(item: Item, frame: pd.DataFrame) -> dict:
    rows, texts = _stripped(frame[item.id])
    return {
        "n": int(rows[_given(texts)].sum()),
        "note": FILLED_IN if item.hidden else FREE_TEXT,
    }


def _kind(item: Item) -> str:
    if item.type in FREQUENCY_TYPES:
        return "frequencies"
    if item.type == "multiple_choice":
        return "selections"
    if item.type == "number":
        return "distribution"
    if item.type in RANGE_TYPES:
        return "range"
    return "answered"


def summarise_item(
    instrument: Instrument,
    item: Item,
    frame: pd.DataFrame,
    method: str = "wilson",
    conf_level: float = 0.95,
    known: Known | None = None,
) -> ItemSummary:
    """One question's summary (see the module's conventions).  ``known``: the question's
    codes, counts per code and number shown it when the caller has them
    (:func:`readiness.analysis.items.item_distributions`), so that they are counted once."""
    kind = _kind(item)
    section = instrument.section_of(item.id).id
    if item.id not in frame:
        return ItemSummary(item.id, item.type, item.text, section, kind, 0, 0, 0, note=NOT_IN_DATA)
    if kind == "frequencies":
        found = _frequencies(item, frame, method, conf_level, known)
    elif kind == "selections":
        found = _selections(item, frame, method, conf_level)
    elif kind == "distribution":
        found = _numbers(item, frame)
    elif kind == "range":
        found = _range(item, frame)
    else:
        found = _answered(item, frame)
    n_shown = known[2] if known else int(shown_mask(instrument, item.id, frame).sum())
    n = found.pop("n")
    if n == 0:
        found["note"] = NO_ANSWERS if kind != "answered" else f"{NO_ANSWERS}; {FREE_TEXT}"
    uses_interval = kind in ("frequencies", "selections")
    return ItemSummary(
        item.id,
        item.type,
        item.text,
        section,
        kind,
        n,
        n_shown,
        max(n_shown - n, 0),
        method=method if uses_interval else "",
        **found,
    )


def summarise_items(
    instrument: Instrument,
    frame: pd.DataFrame,
    method: str = "wilson",
    conf_level: float = 0.95,
    *,
    known: dict[str, Known] | None = None,
) -> list[ItemSummary]:
    """Every question that holds answers (notes hold none), in the instrument's order.
    ``known``: by item id, what :func:`summarise_item` may take as known."""
    known = known or {}
    return [
        summarise_item(instrument, item, frame, method, conf_level, known.get(item.id))
        for item in instrument.data_items
    ]


__all__ = [
    "CONVENTIONS",
    "AnswerCount",
    "Distribution",
    "ItemSummary",
    "answer_counts",
    "distribution",
    "summarise_item",
    "summarise_items",
]
