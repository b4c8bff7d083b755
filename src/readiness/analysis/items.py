"""How each closed item was answered: counts per answer, overall and by group.

The report draws diverging stacked bars of the Likert items and stacked bars of the knowledge
(true / false / don't know) items from these counts; a dashboard can draw the same.

Conventions:

* Counts are of respondents who gave each answer; ``n`` is the number who answered the item.
* ``shown`` is the number of respondents the item was shown to (its own and its section's
  conditions), and ``missing`` those shown it who left it blank.  Items a respondent was not
  shown are not counted as missing.
* Codes follow the instrument's order of choices (lowest to highest point for Likert items;
  True, False, Don't know for knowledge items), never the order found in the data.  An answer
  that is not one of the item's codes is not counted (validated responses have none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from readiness.instrument.model import Instrument
from readiness.instrument.scoring import numeric_column, shown_mask
from readiness.stats.result import Result

DISTRIBUTION_TYPES = ("likert", "true_false")


@dataclass(frozen=True)
class ItemDistribution(Result):
    """The answers to one item: counts per code in the instrument's order."""

    id: str
    type: str
    text: str
    section: str
    scale: str | None
    codes: list
    labels: list[str]
    counts: list[int]
    n: int
    shown: int
    missing: int
    by_group: dict[str, list[int]]
    key: bool | None = None  # true_false items: the correct answer


def item_distributions(
    instrument: Instrument,
    frame: pd.DataFrame,
    labels: list[str],
    masks: list[np.ndarray],
    *,
    types: tuple[str, ...] = DISTRIBUTION_TYPES,
) -> list[ItemDistribution]:
    """Counts per answer of every Likert and true/false item, overall and in each group.

    ``labels`` and ``masks`` are the groups (as :func:`readiness.analysis.survey.analyse` builds
    them).  Example: for a five-point item answered 1, 2, 2, 5 the counts are [1, 2, 0, 0, 1].
    """
    scale_of: dict[str, str] = {}
    for scale in instrument.scales:
        for item_id in scale.items:
            scale_of.setdefault(item_id, scale.id)
    out = []
    group = _group_numbers(masks, len(frame))
    shifted = None if group is None else group + 1  # 0: in no group
    for item in instrument.items:
        if item.type not in types or not item.choices:
            continue
        codes = [c.code for c in item.choices]
        index = answer_index(numeric_column(frame, item.id), codes)
        k = len(codes)
        if shifted is None:  # someone in two groups: each group through its own mask
            counted = index >= 0
            counts = np.bincount(index[counted], minlength=k)
            by_group = _counts_by_group(index, counted, k, labels, masks, None)
        else:
            counts, by_group = _count_table(index, k, labels, shifted)
        shown = shown_mask(instrument, item.id, frame) if item.id in frame else None
        n_shown = len(frame) if shown is None else int(shown.sum())
        answered = int(counts.sum())
        out.append(
            ItemDistribution(
                id=item.id,
                type=item.type,
                text=item.text,
                section=instrument.section_of(item.id).id,
                scale=scale_of.get(item.id),
                codes=codes,
                labels=[c.label for c in item.choices],
                counts=counts.tolist(),
                n=answered,
                shown=n_shown,
                missing=max(n_shown - answered, 0),
                by_group=by_group,
                key=item.key,
            )
        )
    return out


LOOKUP_CODES = 4096  # whole-number codes below this are looked up in a table


def answer_index(values: np.ndarray, codes: list) -> np.ndarray:
    """Each respondent's answer as its place in ``codes`` (-1: none of them), where a value
    is a code when it equals it (``values == float(code)``; a later code of the same value
    wins).  Whole-number codes are looked up in a table by the value, from a few passes over
    the respondents rather than two per code (32 items of a national study's rows)."""
    whole_codes = all(isinstance(c, int) and not isinstance(c, bool) for c in codes)
    if not codes or not whole_codes or min(codes) < 0 or max(codes) >= LOOKUP_CODES:
        index = np.full(len(values), -1, dtype=np.int64)
        for i, code in enumerate(codes):
            index[values == float(code)] = i
        return index
    top = max(codes)
    table = np.full(top + 2, -1, dtype=np.int64)  # top + 1: any value that is no code
    for i, code in enumerate(codes):
        table[code] = i
    inside = np.where((values >= 0) & (values <= top), values, top + 1)  # NaN: outside
    whole = inside.astype(np.intp)
    index = table[whole]
    index[whole != inside] = -1  # not a whole number (2.5 is not the code 2)
    return index


def _group_numbers(masks: list[np.ndarray], n: int) -> np.ndarray | None:
    """Each respondent's group as its number in ``masks`` (-1 in none), or None when a
    respondent is in two groups (then each group is counted through its own mask)."""
    group = np.full(n, -1, dtype=np.int64)
    for g, mask in enumerate(masks):
        group[mask] = g
    members = sum(int(np.count_nonzero(mask)) for mask in masks)
    return group if members == int(np.count_nonzero(group >= 0)) else None


def _count_table(
    index: np.ndarray, k: int, labels: list[str], shifted: np.ndarray
) -> tuple[np.ndarray, dict[str, list[int]]]:
    """Counts per answer overall and in each group from one count over every respondent's
    (group, answer) pair, no group and no answer included, so that no rows are picked out
    first (``shifted``: each respondent's group number + 1, 0 in none)."""
    key = shifted * (k + 1)
    key += index
    key += 1  # index -1 (none of the codes) is place 0
    table = np.bincount(key, minlength=(len(labels) + 1) * (k + 1))
    table = table.reshape(len(labels) + 1, k + 1)[:, 1:]
    by_group = {label: table[g + 1].tolist() for g, label in enumerate(labels)}
    return table.sum(axis=0), by_group


def _counts_by_group(
    index: np.ndarray,
    counted: np.ndarray,
    k: int,
    labels: list[str],
    masks: list[np.ndarray],
    group: np.ndarray | None,
) -> dict[str, list[int]]:
    """Counts per answer in each group: one count over (group, answer) pairs, not one pass
    over every respondent per group (32 items by 5 groups of a national study's rows)."""
    if group is None:
        return {
            label: np.bincount(index[counted & mask], minlength=k).tolist()
            for label, mask in zip(labels, masks, strict=True)
        }
    here = counted & (group >= 0)
    table = np.bincount(group[here] * k + index[here], minlength=len(masks) * k)
    rows = table.reshape(len(masks), k)
    return {label: rows[g].tolist() for g, label in enumerate(labels)}


__all__ = ["DISTRIBUTION_TYPES", "ItemDistribution", "item_distributions"]
