"""Conditions: when an item is shown, and which answers an indicator counts.

A condition is data.  In YAML it is a mapping with one item and one operator, or a
combination::

    {item: contact_ever, equals: 1}
    {item: formats, selected: 3}
    {item: years_qualified, ge: 5}
    {all: [{item: a, equals: 1}, {not: {item: b, in: [2, 3]}}]}

Semantics, stated once: a missing answer never equals, is never in a list, is never selected
and never compares (``gt`` ... ``le``); ``not_equals`` and ``not_in`` are true for a missing
answer, as in REDCap's and ODK's branching logic, where an empty answer differs from every
value.  ``answered: true`` is true when there is any answer.

Conditions evaluate on one response (a mapping) or, vectorised, on a whole data frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

LEAF_OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "gt",
    "ge",
    "lt",
    "le",
    "selected",
    "answered",
)
ORDER_OPERATORS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}  # and their symbols


class Condition:
    """Base class; subclasses are frozen dataclasses."""

    def items(self) -> set[str]:
        raise NotImplementedError

    def evaluate(self, answers: dict[str, Any]) -> bool:
        raise NotImplementedError

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def to_data(self) -> dict:
        raise NotImplementedError


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, str) and value.strip() == "":
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def selected_codes(value: Any) -> list[str]:
    """The codes of a multiple-choice answer stored as space-separated codes."""
    if is_missing(value):
        return []
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).split()


def same_code(a: Any, b: Any) -> bool:
    """Codes compare as numbers when both are numeric, else as text ("1" equals 1.0)."""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


@dataclass(frozen=True)
class Leaf(Condition):
    item: str
    op: str
    value: Any = None

    def items(self) -> set[str]:
        return {self.item}

    def evaluate(self, answers: dict[str, Any]) -> bool:
        answer: Any = answers.get(self.item)
        missing = is_missing(answer)
        op, value = self.op, self.value
        if op == "answered":
            return (not missing) == bool(value)
        if op == "not_equals":
            return missing or not same_code(answer, value)
        if op == "not_in":
            return missing or not any(same_code(answer, v) for v in value)
        if missing:
            return False
        if op == "equals":
            return same_code(answer, value)
        if op == "in":
            return any(same_code(answer, v) for v in value)
        if op == "selected":
            return any(same_code(c, value) for c in selected_codes(answer))
        a, b = float(answer), float(value)
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        column = frame[self.item] if self.item in frame else pd.Series([np.nan] * len(frame))
        missing = column.isna().to_numpy().copy()  # writable: pandas may give a read-only view
        if column.dtype == object:
            missing |= column.astype(str).str.strip().eq("").to_numpy()
        op, value = self.op, self.value
        if op == "answered":
            return ~missing if value else missing
        if op == "selected":
            text = column.astype("string").fillna("")
            pattern = rf"(?:^|\s){_code_pattern(value)}(?:\s|$)"
            return text.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        if op in ("equals", "not_equals", "in", "not_in"):
            values = [value] if op in ("equals", "not_equals") else list(value)
            hit = _isin(column, values) & ~missing
            return ~hit if op in ("not_equals", "not_in") else hit
        numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            result = {
                "gt": numbers > float(value),
                "ge": numbers >= float(value),
                "lt": numbers < float(value),
                "le": numbers <= float(value),
            }[op]
        return result & ~np.isnan(numbers)

    def to_data(self) -> dict:
        return {"item": self.item, self.op: self.value}


def _code_pattern(value: Any) -> str:
    import re

    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.escape(str(value))


def _isin(column: pd.Series, values: list[Any]) -> np.ndarray:
    numeric = pd.to_numeric(column, errors="coerce")
    try:
        number_values = [float(v) for v in values]
    except (TypeError, ValueError):
        number_values = None
    if number_values is not None and numeric.notna().sum() == column.notna().sum():
        return numeric.isin(number_values).to_numpy(dtype=bool)
    return column.astype(str).isin([str(v) for v in values]).to_numpy(dtype=bool)


@dataclass(frozen=True)
class All(Condition):
    conditions: tuple[Condition, ...]

    def items(self) -> set[str]:
        return set().union(*(c.items() for c in self.conditions))

    def evaluate(self, answers: dict[str, Any]) -> bool:
        return all(c.evaluate(answers) for c in self.conditions)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.ones(len(frame), dtype=bool)
        for c in self.conditions:
            out &= c.mask(frame)
        return out

    def to_data(self) -> dict:
        return {"all": [c.to_data() for c in self.conditions]}


@dataclass(frozen=True)
class Any_(Condition):
    conditions: tuple[Condition, ...]

    def items(self) -> set[str]:
        return set().union(*(c.items() for c in self.conditions))

    def evaluate(self, answers: dict[str, Any]) -> bool:
        return any(c.evaluate(answers) for c in self.conditions)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.zeros(len(frame), dtype=bool)
        for c in self.conditions:
            out |= c.mask(frame)
        return out

    def to_data(self) -> dict:
        return {"any": [c.to_data() for c in self.conditions]}


@dataclass(frozen=True)
class Not(Condition):
    condition: Condition

    def items(self) -> set[str]:
        return self.condition.items()

    def evaluate(self, answers: dict[str, Any]) -> bool:
        return not self.condition.evaluate(answers)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return ~self.condition.mask(frame)

    def to_data(self) -> dict:
        return {"not": self.condition.to_data()}


class ConditionSyntaxError(ValueError):
    """Raised by :func:`parse_condition`; carries the path of the offending part."""

    def __init__(self, message: str, fix: str, path: tuple = ()):
        super().__init__(message)
        self.fix = fix
        self.path = path


def parse_condition(data: Any, path: tuple = ()) -> Condition:
    """Build a :class:`Condition` from its YAML form (see the module docstring)."""
    if not isinstance(data, dict):
        raise ConditionSyntaxError(
            f"a condition must be a mapping, not {type(data).__name__}.",
            "write it as {item: ID, equals: VALUE}, or {all: [...]}, {any: [...]}, {not: {...}}.",
            path,
        )
    for combinator, cls in (("all", All), ("any", Any_)):
        if combinator in data:
            if len(data) != 1 or not isinstance(data[combinator], list) or not data[combinator]:
                raise ConditionSyntaxError(
                    f"'{combinator}' takes a non-empty list of conditions and nothing beside it.",
                    f"write {{{combinator}: [condition, condition, ...]}}.",
                    path,
                )
            parts = tuple(
                parse_condition(part, path + (combinator, i))
                for i, part in enumerate(data[combinator])
            )
            return cls(parts)
    if "not" in data:
        if len(data) != 1:
            raise ConditionSyntaxError(
                "'not' takes one condition and nothing beside it.",
                "write {not: {item: ID, equals: VALUE}}.",
                path,
            )
        return Not(parse_condition(data["not"], path + ("not",)))
    if "item" not in data:
        raise ConditionSyntaxError(
            "a condition needs 'item' (or 'all', 'any', 'not').",
            "write {item: ID, equals: VALUE}.",
            path,
        )
    ops = [k for k in data if k != "item"]
    unknown = [k for k in ops if k not in LEAF_OPERATORS]
    if unknown or len(ops) != 1:
        raise ConditionSyntaxError(
            f"a condition needs exactly one operator beside 'item'; found {ops or 'none'}.",
            "use one of " + ", ".join(LEAF_OPERATORS) + ".",
            path + ((unknown[0],) if unknown else ()),
        )
    op = ops[0]
    value = data[op]
    if op in ("in", "not_in") and (not isinstance(value, list) or not value):
        raise ConditionSyntaxError(
            f"'{op}' takes a non-empty list of codes.", f"write {op}: [1, 2].", path + (op,)
        )
    if op in ORDER_OPERATORS and not isinstance(value, int | float):
        raise ConditionSyntaxError(
            f"'{op}' compares with a number, not {value!r}.", f"write {op}: 5.", path + (op,)
        )
    if op == "answered" and not isinstance(value, bool):
        raise ConditionSyntaxError(
            "'answered' takes true or false.", "write answered: true.", path + (op,)
        )
    if op in ("equals", "not_equals", "selected") and (
        value is None or isinstance(value, list | dict)
    ):
        raise ConditionSyntaxError(
            f"'{op}' takes one code.", f"write {op}: 1 (use 'in' for a list).", path + (op,)
        )
    return Leaf(str(data["item"]), op, value)


LabelFor = Callable[[str, Any], str | None]  # (item id, code) -> the code's label, if any


def code_in_words(item: str, value: Any, label_for: LabelFor | None = None) -> str:
    """A code with its label: ``1 (Yes)``; the code alone when it has no label."""
    label = label_for(item, value) if label_for is not None else None
    return f"{value} ({label})" if label else str(value)


def describe_condition(condition: Condition, label_for: LabelFor | None = None) -> str:
    """A condition in words, as the codebook, the paper form and messages about responses
    show it: ``training_prior = 1 (Yes)``, ``profession is one of 7 (Other), 8 (None)``.

    ``label_for(item, code)`` gives a code's label, shown after the code; without it codes
    are shown alone."""

    def code(item: str, value: Any) -> str:
        return code_in_words(item, value, label_for)

    if isinstance(condition, Leaf):
        item, op, value = condition.item, condition.op, condition.value
        if op == "equals":
            return f"{item} = {code(item, value)}"
        if op == "not_equals":
            return f"{item} is not {code(item, value)}"
        if op in ("in", "not_in"):
            codes = ", ".join(code(item, v) for v in value)
            return f"{item} {'is one of' if op == 'in' else 'is none of'} {codes}"
        if op == "selected":
            return f"{item} includes {code(item, value)}"
        if op == "answered":
            return f"{item} is {'answered' if value else 'not answered'}"
        return f"{item} {ORDER_OPERATORS[op]} {value}"
    if isinstance(condition, Not):
        return f"not ({describe_condition(condition.condition, label_for)})"
    if not isinstance(condition, All | Any_):
        return str(condition)
    joiner = " and " if isinstance(condition, All) else " or "
    return joiner.join(
        f"({describe_condition(c, label_for)})"
        if isinstance(c, All | Any_)
        else describe_condition(c, label_for)
        for c in condition.conditions
    )
