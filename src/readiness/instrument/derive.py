"""Calculate items: their values computed from a response's answers.

A ``calculate`` item is never asked; it holds 1 when its ``calculation`` (a condition) holds
and 0 when not.  The condition is evaluated exactly as a ``show_if`` is
(:mod:`readiness.instrument.conditions`): an unanswered input never equals, is never in a
list, never compares and is never selected, so a calculation over unanswered questions is 0,
not missing.  This is what ODK Collect does with a boolean calculation (an empty answer
differs from every value), and it makes the value a respondent's answers give the same on
the web, on paper and in an imported file.

The one case where the value is missing (None, NaN in a frame) is a calculate item that is
not relevant: its own ``show_if`` or its section's is false, as ODK leaves a non-relevant
calculate empty.

Conditions may depend only on earlier items (the loader checks it), so calculate items are
computed in instrument order, each seeing the values of the calculations before it.

Example: with ``seen_nurse: {all: [{item: seen, equals: 1}, {item: role, equals: nurse}]}``,
``derive(inst, {"seen": 1, "role": "nurse"})`` is ``{"seen_nurse": 1}`` and
``derive(inst, {"role": "nurse"})`` is ``{"seen_nurse": 0}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from readiness.instrument.model import Instrument, Item
from readiness.instrument.scoring import is_shown, shown_mask


def calculate_items(instrument: Instrument) -> tuple[Item, ...]:
    """The instrument's calculate items, in order (found once per instrument: the web asks on
    every page saved)."""
    found = instrument.__dict__.get("_calculate_items")
    if found is None:
        found = tuple(item for item in instrument.items if item.type == "calculate")
        object.__setattr__(instrument, "_calculate_items", found)
    return found


def derive(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, int | None]:
    """The value of every calculate item for one response: 1, 0, or None when not relevant.

    ``answers`` maps item ids to stored codes; values it holds for calculate items are
    ignored (they are recomputed)."""
    current = {k: v for k, v in answers.items()}
    out: dict[str, int | None] = {}
    for item in calculate_items(instrument):
        current.pop(item.id, None)
        value: int | None = None
        if is_shown(instrument, item.id, current) and item.calculation is not None:
            value = 1 if item.calculation.evaluate(current) else 0
        out[item.id] = value
        if value is not None:
            current[item.id] = value
    return out


def with_derived(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with every calculate item set to its computed value (and a calculate item
    that is not relevant left out, as an unanswered item is)."""
    out = {k: v for k, v in answers.items()}
    for item_id, value in derive(instrument, answers).items():
        if value is None:
            out.pop(item_id, None)
        else:
            out[item_id] = value
    return out


def derive_frame(instrument: Instrument, frame: pd.DataFrame) -> pd.DataFrame:
    """The calculate items of a whole table at once: one float column per calculate item
    (1.0, 0.0, NaN when not relevant), the rows of ``frame``.  Columns of ``frame`` named for
    calculate items are ignored, as :func:`derive` ignores their answers."""
    work = frame.drop(columns=[i.id for i in calculate_items(instrument) if i.id in frame])
    out = {}
    for item in calculate_items(instrument):
        holds = item.calculation.mask(work) if item.calculation is not None else False
        relevant = shown_mask(instrument, item.id, work)
        values = np.where(relevant, np.where(holds, 1.0, 0.0), np.nan)
        column = pd.Series(values, index=frame.index, dtype="float64")
        work = work.assign(**{item.id: column})
        out[item.id] = column
    return pd.DataFrame(out, index=frame.index)
