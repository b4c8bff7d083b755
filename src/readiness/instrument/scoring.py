"""Scoring, vectorised over a data frame of responses (one row per response, stored codes).

* Item scores: a Likert item scores its code; a true/false item scores 1 when the answer
  matches its key and 0 when it does not or is "don't know"; a yes/no item scores its code.
* Scale scores: reverse-keyed items are scored ``lo + hi - x`` where ``lo`` and ``hi`` are the
  item's lowest and highest points (from the instrument, not from the data).  A score needs at
  least ``min_answered`` answered items (default: all); otherwise it is missing.  ``mean`` is
  the mean of the answered items; ``sum`` is that mean times the number of items, so that a
  sum stays on the scale's full range when an allowed item is missing (prorating, stated here
  because it is a choice: with no item missing it is the plain sum).
* Indicators: 1 where the rule holds, 0 where it does not, missing where the item (or score)
  is missing, unless the indicator says ``missing: negative`` (then missing counts as 0 and
  everyone is in the denominator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from readiness.instrument.conditions import Leaf
from readiness.instrument.model import DONT_KNOW, FALSE, TRUE, Indicator, Instrument, Item


def numeric_column(frame: pd.DataFrame, item_id: str) -> np.ndarray:
    """The item's column as floats (missing as NaN); absent columns are all missing."""
    if item_id not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[item_id], errors="coerce").to_numpy(dtype=float)


def item_score(item: Item, frame: pd.DataFrame) -> np.ndarray:
    """Score one scorable item for every response (NaN where unanswered)."""
    values = numeric_column(frame, item.id)
    if item.type == "true_false":
        key = TRUE if item.key else FALSE
        out = np.where(values == key, 1.0, 0.0)
        answered = np.isin(values, (TRUE, FALSE, DONT_KNOW))
        return np.where(answered, out, np.nan)
    return values


def scale_scores(
    instrument: Instrument,
    frame: pd.DataFrame,
    matrices: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One column per scale, named by the scale id.  ``matrices``: each scale's
    :func:`scale_item_matrix`, when the caller has them already."""
    out = {}
    for scale in instrument.scales:
        matrix = None if matrices is None else matrices[scale.id]
        out[scale.id] = scale_score(instrument, scale.id, frame, matrix)
    return pd.DataFrame(out, index=frame.index)


def scale_item_matrix(instrument: Instrument, scale_id: str, frame: pd.DataFrame) -> np.ndarray:
    """The n x k matrix of item scores of a scale, reverse keys applied."""
    scale = instrument.scale(scale_id)
    columns = []
    for item_id in scale.items:
        item = instrument.item(item_id)
        values = item_score(item, frame)
        if item_id in scale.reverse:
            lo, hi = item.point_range
            values = lo + hi - values
        columns.append(values)
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def scale_score(
    instrument: Instrument,
    scale_id: str,
    frame: pd.DataFrame,
    matrix: np.ndarray | None = None,
) -> np.ndarray:
    """Each respondent's score on the scale (``matrix``: its :func:`scale_item_matrix`, when
    the caller has it already)."""
    scale = instrument.scale(scale_id)
    if matrix is None:
        matrix = scale_item_matrix(instrument, scale_id, frame)
    answered = np.sum(~np.isnan(matrix), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(matrix, axis=1) / answered
    mean = np.where(answered >= scale.required_answers, mean, np.nan)
    return mean * len(scale.items) if scale.scoring == "sum" else mean


def indicator_values(
    instrument: Instrument,
    indicator: Indicator | str,
    frame: pd.DataFrame,
    scores: pd.DataFrame | None = None,
) -> np.ndarray:
    """1.0 / 0.0 / NaN for every response."""
    if isinstance(indicator, str):
        indicator = instrument.indicator(indicator)
    rule = indicator.rule
    if indicator.scale is not None:
        values = (
            scores[indicator.scale].to_numpy(dtype=float)
            if scores is not None
            else scale_score(instrument, indicator.scale, frame)
        )
        hit = _compare(values, rule.kind, float(rule.value))
        missing = np.isnan(values)
    else:
        assert indicator.item is not None  # an indicator is of a scale or of an item
        item = instrument.item(indicator.item)
        if rule.kind in ("bottom", "top"):
            codes = sorted(int(c) for c in item.codes)
            chosen = codes[: rule.value] if rule.kind == "bottom" else codes[-rule.value :]
            values = numeric_column(frame, item.id)
            hit = np.isin(values, chosen)
            missing = np.isnan(values)
        elif rule.kind in ("correct", "incorrect"):
            scored = item_score(item, frame)
            hit = scored == (1.0 if rule.kind == "correct" else 0.0)
            missing = np.isnan(scored)
        elif rule.kind == "in":
            hit = Leaf(item.id, "in", list(rule.value)).mask(frame)
            missing = ~Leaf(item.id, "answered", True).mask(frame)
        elif rule.kind == "selected":
            hit = Leaf(item.id, "selected", rule.value).mask(frame)
            missing = ~Leaf(item.id, "answered", True).mask(frame)
        else:
            values = numeric_column(frame, item.id)
            hit = _compare(values, rule.kind, float(rule.value))
            missing = np.isnan(values)
    out = hit.astype(float)
    if indicator.missing == "exclude":
        out[missing] = np.nan
    else:
        out[missing] = 0.0
    return out


def _compare(values: np.ndarray, kind: str, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return {
            "gt": values > threshold,
            "ge": values >= threshold,
            "lt": values < threshold,
            "le": values <= threshold,
        }[kind]


def indicator_table(instrument: Instrument, frame: pd.DataFrame) -> pd.DataFrame:
    """One column per indicator (1 / 0 / NaN)."""
    scores = scale_scores(instrument, frame)
    return pd.DataFrame(
        {ind.id: indicator_values(instrument, ind, frame, scores) for ind in instrument.indicators},
        index=frame.index,
    )


def shown_mask(instrument: Instrument, item_id: str, frame: pd.DataFrame) -> np.ndarray:
    """Whether each response was shown the item (its own and its section's conditions)."""
    item = instrument.item(item_id)
    mask = np.ones(len(frame), dtype=bool)
    section = instrument.section_of(item_id)
    if section.show_if is not None:
        mask &= section.show_if.mask(frame)
    if item.show_if is not None:
        mask &= item.show_if.mask(frame)
    return mask


def is_shown(instrument: Instrument, item_id: str, answers: dict) -> bool:
    """Whether one response (a mapping of item id to code) is shown the item."""
    item = instrument.item(item_id)
    section = instrument.section_of(item_id)
    if section.show_if is not None and not section.show_if.evaluate(answers):
        return False
    return item.show_if is None or item.show_if.evaluate(answers)
