"""Responses to an earlier version of an instrument, read as answers to a later version.

A study may move to a new version of its instrument while it collects; each response keeps
the version it answered.  To analyse them together, the clean frame of an earlier version's
responses (validated against *that* version, :func:`readiness.responses.validate.
validate_frame`) is read into the later version's items by item id, one :class:`Step` at a
time (v1 -> v2 -> v3: the steps compose):

* a choice code whose meaning changed is recoded with the step's mapping (old code -> new
  code, or "" for no counterpart: :mod:`readiness.instrument.compare`); a code the mapping
  does not name is refused, never kept as it was;
* an item whose choices changed meaning and that has no mapping, or whose stored values
  changed kind (a number became text), is refused: its old answers cannot be read as new ones;
* an item removed is left out (``keep_removed``: kept after the new items, with its answers
  as they were, for an export); an item added is unanswered in the old rows.

Columns that are neither the old version's items nor metadata (the web's ``site``) are kept,
at the end.

>>> from readiness.instrument import shipped_instrument
>>> survey = shipped_instrument()
>>> step = Step(survey, survey, {})
>>> step_problems(step)
[]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from readiness.errors import Problem
from readiness.instrument.compare import ChoiceMapping, check_mapping, compare_versions
from readiness.instrument.model import META_COLUMNS, Instrument, Item, choices_of
from readiness.responses.validate import TEXT_DTYPE, is_numeric_item


@dataclass(frozen=True)
class Step:
    """Reading answers given to ``old`` as answers to ``new`` with ``mapping``."""

    old: Instrument
    new: Instrument
    mapping: ChoiceMapping

    @property
    def names(self) -> str:
        return f"{self.old.id} v{self.old.version} to v{self.new.version}"


def step_problems(step: Step) -> list[Problem]:
    """Why the step cannot read old answers as new ones (empty when it can)."""
    changes = compare_versions(step.old, step.new)
    problems = [
        Problem(
            f"from {step.names}: {p.message}",
            fix=f"{p.fix} (move the study between these versions on its instrument page to "
            "store the mapping).",
            column=p.item,
        )
        for p in check_mapping(changes, step.new, step.mapping)
    ]
    for change in changes.types:
        old, new = step.old.item(change.item), step.new.item(change.item)
        if old.holds_data and new.holds_data and is_numeric_item(old) != is_numeric_item(new):
            problems.append(
                Problem(
                    f"from {step.names}: {change.item} changed from {change.old} to "
                    f"{change.new}, so its old answers cannot be read as new ones.",
                    fix=f"give the new item another id than {change.item}, so that the old "
                    "answers stay an item of their own.",
                    column=change.item,
                )
            )
    return problems


def _codes(old: Item, new: Item, codes: dict[str, Any]) -> dict[Any, Any]:
    """Old stored value -> new stored value (NaN for no counterpart), for a mapped item."""
    old_numeric, new_numeric = is_numeric_item(old), is_numeric_item(new)
    out: dict[Any, Any] = {}
    for choice in choices_of(old):
        if str(choice.code) not in codes:
            continue
        value = codes[str(choice.code)]
        stored = float(choice.code) if old_numeric else str(choice.code)
        if value in ("", None):
            out[stored] = np.nan
        else:
            out[stored] = float(value) if new_numeric else str(value)
    return out


def _unmapped(item_id: str, rows: np.ndarray, values: list, step: Step) -> Problem:
    shown = ", ".join(str(v) for v in values[:5])
    return Problem(
        f"from {step.names}: {item_id} holds {shown}, which the mapping of old codes does not "
        "name; the answer is not kept as it was.",
        fix=f"give a new code (or none) for every old code of {item_id} when moving the study.",
        row=int(rows[0]) + 1,
        column=item_id,
    )


def _recode_single(column: pd.Series, table: dict, item_id: str, step: Step):
    known = column.isna() | column.isin(list(table))
    if not known.all():
        bad = np.flatnonzero(~known.to_numpy())
        return None, _unmapped(item_id, bad, column[~known].unique().tolist(), step)
    return column.map(lambda v: table.get(v, v)), None


def _recode_multiple(column: pd.Series, table: dict, new: Item, item_id: str, step: Step):
    order = [str(c.code) for c in choices_of(new)]
    out: list[str | float] = []
    bad_rows: list[int] = []
    bad: list[str] = []
    for i, value in enumerate(column.tolist()):
        if not isinstance(value, str):
            out.append(np.nan)
            continue
        tokens = value.split()
        wrong = [t for t in tokens if t not in table]
        if wrong:
            bad_rows.append(i)
            bad += wrong
            out.append(np.nan)
            continue
        kept = {table[t] for t in tokens if isinstance(table[t], str)}  # NaN: none
        ranked = sorted(kept, key=lambda c: order.index(c) if c in order else len(order))
        out.append(" ".join(ranked) if ranked else np.nan)
    if bad:
        return None, _unmapped(item_id, np.array(bad_rows), sorted(set(bad)), step)
    return pd.Series(out, index=column.index, dtype=TEXT_DTYPE), None


def _recoded_column(column: pd.Series, old: Item, new: Item, step: Step):
    codes = step.mapping.get(new.id)
    if not codes:
        return column, None
    table = _codes(old, new, dict(codes))
    if old.type == "multiple_choice":
        return _recode_multiple(column, table, new, new.id, step)
    column, problem = _recode_single(column, table, new.id, step)
    if column is not None:
        column = column.astype("float64" if is_numeric_item(new) else TEXT_DTYPE)
    return column, problem


def _missing(item: Item, n: int, index: pd.Index) -> pd.Series:
    if is_numeric_item(item):
        return pd.Series(np.full(n, np.nan), index=index, dtype="float64")
    return pd.Series(np.full(n, np.nan), index=index, dtype=TEXT_DTYPE)


def recode(
    clean: pd.DataFrame, step: Step, *, keep_removed: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """``clean`` (answers to ``step.old``, validated) read as answers to ``step.new``; and the
    problems that stop it (rows numbered from 1 in ``clean``).  See the module's docstring."""
    problems = step_problems(step)
    if problems:
        return clean.iloc[0:0], problems
    old_ids = {item.id for item in step.old.data_items}
    new_ids = {item.id for item in step.new.data_items}
    data: dict[str, pd.Series] = {m: clean[m] for m in META_COLUMNS if m in clean}
    for item in step.new.data_items:
        if item.id not in old_ids or item.id not in clean:
            data[item.id] = _missing(item, len(clean), clean.index)
            continue
        column, problem = _recoded_column(clean[item.id], step.old.item(item.id), item, step)
        if problem is not None:
            problems.append(problem)
            continue
        data[item.id] = column
    if keep_removed:
        for item in step.old.data_items:
            if item.id not in new_ids and item.id in clean:
                data[item.id] = clean[item.id]
    for name in clean.columns:
        if name not in data and name not in old_ids and name not in new_ids:
            data[name] = clean[name]  # the web's site, and items removed at an earlier step
    if problems:
        return clean.iloc[0:0], problems
    return pd.DataFrame(data, index=clean.index), []


def recode_chain(
    clean: pd.DataFrame, steps: Sequence[Step], *, keep_removed: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """``clean`` read through every step in turn (no step: as it is)."""
    for step in steps:
        clean, problems = recode(clean, step, keep_removed=keep_removed)
        if problems:
            return clean, problems
    return clean, []


def chain(
    versions: Sequence[Any], start: Any, end: Any, can_step: Callable[[Any, Any], bool]
) -> list[tuple[Any, Any]] | None:
    """The shortest path of version keys from ``start`` to ``end`` through ``versions``
    (ordered: among paths as short, the one through earlier versions), a step from a to b
    being possible when ``can_step(a, b)`` (a mapping for them is kept, or they need none);
    None if there is none."""
    if start == end:
        return []
    paths: dict[Any, list[tuple[Any, Any]]] = {start: []}
    frontier = [start]
    while frontier:
        following = []
        for a in frontier:
            for b in versions:
                if b in paths or not can_step(a, b):
                    continue
                paths[b] = [*paths[a], (a, b)]
                if b == end:
                    return paths[b]
                following.append(b)
        frontier = following
    return None
