"""Shared machinery for exchanging instruments with other tools (REDCap and XLSForm).

This module holds what both exchange formats need:

* :class:`ConversionResult` and :class:`ConversionNote`: what a conversion produced and, item by
  item, what it could not carry across (``unmapped``) or carried with a caveat (``warnings``).
  Nothing is dropped without a note.
* The expression language of both tools, in the subset that maps to our conditions:
  :func:`parse_redcap_logic` / :func:`format_redcap_logic` for REDCap branching logic
  (``[x] = '1'``, ``[x] <> '1'``, ``[x] > 5``, ``[x(2)] = '1'``, ``and``, ``or``, parentheses) and
  :func:`parse_xlsform_relevant` / :func:`format_xlsform_relevant` for XLSForm ``relevant``
  (``${x} = '1'``, ``selected(${x}, '2')``, ``not(...)``, ``and``, ``or``, comparisons). Anything
  else (functions, events, smart variables, arithmetic) raises :class:`ExpressionError`, a
  clear message naming the position and the fix; the readers turn it into an ``unmapped`` note
  for that item.
* :func:`canonical_condition`: the form a condition takes after a round trip. Neither tool has
  a list operator, so ``in: [1, 2]`` travels as ``x = 1 or x = 2`` and comes back as ``in``;
  REDCap has no ``not``, so a negation is pushed inwards with the same meaning (``not (x > 5)``
  becomes ``x <= 5 or x is blank``, because a missing answer never compares). A round trip
  gives back ``canonical_condition(original)``, which means the same as the original.
* The steps both readers and writers take alike: :class:`FileReader` (the file and its notes),
  :func:`read_condition` / :func:`write_condition` (a condition, or a note saying why not),
  the rules on codes (:func:`has_fixed_codes`, :func:`codes_fit_likert`), and the assembly of
  the instrument read (:func:`numbered_items`, :func:`section_data`, :func:`moved_locations`,
  :func:`drop_undefined_sources`, :func:`build_with_recovery`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from readiness.errors import ConversionError, InstrumentError, Problem
from readiness.instrument.conditions import (
    ORDER_OPERATORS,
    All,
    Any_,
    Condition,
    Leaf,
    Not,
    same_code,
)
from readiness.instrument.expressions import (
    REDCAP,
    XLSFORM,
    BoolOp,
    Compare,
    ExpressionError,
    Lit,
    NotOp,
    Ref,
    Selected,
    parse_expression,
)
from readiness.instrument.load import build_instrument
from readiness.instrument.model import (
    TRUE_FALSE_CHOICES,
    YES_NO_CHOICES,
    Instrument,
)

SYMBOL_ORDER = {v: k for k, v in ORDER_OPERATORS.items()}
MIRROR = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "=": "=", "!=": "!="}
CHOICE_ITEM_TYPES = ("single_choice", "likert", "yes_no", "true_false")


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ConversionNote:
    """One thing a conversion could not carry across, or carried with a caveat.

    ``field`` names the variable, question, section, scale or indicator the note is about;
    ``row`` is the 1-based data row (header excluded) of the file, ``column`` the column.
    """

    message: str
    fix: str = ""
    field: str | None = None
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def to_problem(self) -> Problem:
        message = f"{self.field}: {self.message}" if self.field else self.message
        return Problem(
            message=message,
            fix=self.fix,
            file=self.file,
            row=self.row,
            column=self.column,
            sheet=self.sheet,
        )

    def __str__(self) -> str:
        return str(self.to_problem())

    def to_dict(self) -> dict:
        out = {"field": self.field}
        out.update(self.to_problem().to_dict())
        out["message"] = self.message
        return {k: v for k, v in out.items() if v not in (None, "")}


@dataclass
class ConversionResult:
    """What reading or writing another tool's file produced.

    ``instrument`` is the instrument read (or the one written); ``unmapped`` lists, item by
    item, what could not be carried across; ``warnings`` what was carried with a caveat.
    """

    instrument: Instrument
    path: str | None = None
    format: str = ""  # "redcap" or "xlsform"
    direction: str = ""  # "read" or "write"
    unmapped: list[ConversionNote] = field(default_factory=list)
    warnings: list[ConversionNote] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing was left unmapped."""
        return not self.unmapped

    def summary(self) -> str:
        verb = "Read" if self.direction == "read" else "Wrote"
        name = {"redcap": "REDCap data dictionary", "xlsform": "XLSForm"}.get(
            self.format, self.format
        )
        lines = [
            f"{verb} {name} {self.path or ''}".rstrip()
            + f": {len(self.instrument.items)} items in {len(self.instrument.sections)} sections"
            + f" ({self.instrument.id} v{self.instrument.version})."
        ]
        if self.unmapped:
            lines.append(f"Not mapped ({len(self.unmapped)}):")
            lines += [f"  - {note}" for note in self.unmapped]
        if self.warnings:
            lines.append(f"Warnings ({len(self.warnings)}):")
            lines += [f"  - {note}" for note in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "format": self.format,
            "direction": self.direction,
            "path": self.path,
            "instrument": {
                "id": self.instrument.id,
                "version": self.instrument.version,
                "items": len(self.instrument.items),
                "sections": len(self.instrument.sections),
                "scales": len(self.instrument.scales),
                "indicators": len(self.instrument.indicators),
            },
            "unmapped": [n.to_dict() for n in self.unmapped],
            "warnings": [n.to_dict() for n in self.warnings],
        }


class FileReader:
    """Reading one file of another tool: the file, and the notes gathered about it so far."""

    def __init__(self, path: Path):
        self.path = path
        self.file = str(path)
        self.unmapped: list[ConversionNote] = []
        self.warnings: list[ConversionNote] = []

    def fatal(self, message: str, fix: str) -> ConversionError:
        """An error in the file as a whole (no row or column) that stops the reading."""
        return ConversionError([Problem(message, fix=fix, file=self.file)], file=self.file)

    def result(self, instrument: Instrument, format: str) -> ConversionResult:
        """What the reading produced: the instrument read, with the notes gathered."""
        return ConversionResult(
            instrument=instrument,
            path=self.file,
            format=format,
            direction="read",
            unmapped=self.unmapped,
            warnings=self.warnings,
        )


# --------------------------------------------------------------------------------------------
# Codes and targets


class Target(Protocol):
    """What the expression mapping needs to know of an item: its type and codes."""

    @property
    def type(self) -> str: ...

    @property
    def codes(self) -> tuple: ...


@dataclass(frozen=True)
class ItemTarget:
    """A light stand-in for an :class:`Item` while an instrument is being read."""

    type: str
    codes: tuple = ()

    @classmethod
    def from_data(cls, item: Mapping[str, Any]) -> ItemTarget:
        """The target of an item read as instrument data: the fixed codes of yes_no,
        true_false and calculate, else the codes of its choices."""
        kind = item["type"]
        return cls(kind, fixed_codes(kind) or tuple(c["code"] for c in item.get("choices", [])))


def fixed_codes(kind: str) -> tuple:
    if kind == "yes_no":
        return tuple(c for c, _ in YES_NO_CHOICES)
    if kind == "true_false":
        return tuple(c for c, _ in TRUE_FALSE_CHOICES)
    if kind == "calculate":
        return (1, 0)  # a calculation stores 1 when its condition holds, else 0
    return ()


def has_fixed_codes(codes: Iterable[int | str], kind: str) -> bool:
    """True when ``codes`` are exactly the fixed codes of ``kind`` (yes_no, true_false), in any
    order, compared as text."""
    return sorted(map(str, codes)) == sorted(map(str, fixed_codes(kind)))


def codes_fit_likert(codes: Sequence[int | str]) -> bool:
    """True when ``codes`` can be a Likert item's: two or more, all whole numbers."""
    return len(codes) >= 2 and all(isinstance(c, int) for c in codes)


INT_CODE = re.compile(r"^-?(0|[1-9][0-9]*)$")
WORD_CODE = re.compile(r"^[A-Za-z0-9_.-]+$")


def code_from_text(text: str) -> int | str:
    """A choice code as we store it: a whole number when it is written as one, else the word."""
    text = text.strip()
    return int(text) if INT_CODE.match(text) else text


def valid_code(code: int | str) -> bool:
    return isinstance(code, int) or bool(WORD_CODE.match(str(code)))


def resolve_code(codes: tuple, text: str) -> int | str | None:
    """The code of a target that ``text`` denotes (an exact match first, then numerically)."""
    for code in codes:
        if str(code) == text:
            return code
    for code in codes:
        if same_code(code, text):
            return code
    return None


NUMBER = re.compile(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$")


def number_from_text(text: str) -> int | float | None:
    text = text.strip()
    if not NUMBER.match(text):
        return None
    if INT_CODE.match(text):
        return int(text)
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def format_number(value: Any) -> str:
    """A number as both tools read it: no exponent, no trailing '.0'."""
    if isinstance(value, bool):
        raise ExpressionError(f"{value!r} is not a number.", "", 0, "compare with a number.")
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if not np.isfinite(number):
        raise ExpressionError(f"{value!r} is not a finite number.", "", 0, "use a finite number.")
    if number.is_integer():
        return str(int(number))
    return np.format_float_positional(number, trim="-")


# --------------------------------------------------------------------------------------------
# Syntax tree (readiness.instrument.expressions) -> conditions


class _Conditions:
    """Turns the syntax tree of ``text`` into a condition on the items in ``targets``."""

    def __init__(self, targets: Mapping[str, Any], text: str, dialect: str):
        self.targets = targets
        self.text = text
        self.dialect = dialect

    def fail(self, message: str, pos: int, fix: str) -> ExpressionError:
        return ExpressionError(message, self.text, pos, fix)

    def target_of(self, ref: Ref) -> Any:
        target = self.targets.get(ref.name)
        if target is None:
            raise self.fail(
                f"'{ref.name}' is not an item of the instrument (or it could not be mapped).",
                ref.pos,
                "refer to an item that is read as a Readiness item.",
            )
        return target

    def convert(self, node: Any) -> Condition:
        if isinstance(node, BoolOp):
            parts = tuple(self.convert(p) for p in node.parts)
            return All(parts) if node.kind == "and" else Any_(parts)
        if isinstance(node, NotOp):
            return Not(self.convert(node.part))
        if isinstance(node, Selected):
            return self.selected(node)
        assert isinstance(node, Compare)
        return self.comparison(node)

    def _code(self, target: Any, text: str, what: str, pos: int) -> int | str:
        """The code of ``target`` written as ``text``; ``what`` names the item and its option."""
        code = resolve_code(tuple(target.codes), text)
        if code is None:
            raise self.fail(
                f"{what} {text!r}.",
                pos,
                "use one of its codes: " + ", ".join(map(str, target.codes)) + ".",
            )
        return code

    def selected(self, node: Selected) -> Condition:
        name = node.ref.name
        target = self.target_of(node.ref)
        code = self._code(target, node.value.text, f"'{name}' has no choice", node.value.pos)
        if target.type == "multiple_choice":
            return Leaf(name, "selected", code)
        if target.type in CHOICE_ITEM_TYPES:
            return Leaf(name, "equals", code)
        raise self.fail(
            f"selected() applies to choice questions; '{name}' is {target.type}.",
            node.pos,
            "compare the answer with = instead.",
        )

    def _field_and_value(self, node: Compare) -> tuple[Ref, str, Lit]:
        """The field, operator and value of a comparison, with the field put first."""
        left, op, right = node.left, node.op, node.right
        if isinstance(left, Lit) and isinstance(right, Ref):
            left, right, op = right, left, MIRROR[op]
        if isinstance(left, Lit):
            raise self.fail(
                "the comparison has no field in it.", node.pos, "compare a field with a value."
            )
        if isinstance(right, Ref):
            raise self.fail(
                "comparing two fields with each other is not supported.",
                right.pos,
                "compare each field with a value.",
            )
        return left, op, right

    def comparison(self, node: Compare) -> Condition:
        ref, op, lit = self._field_and_value(node)
        target = self.target_of(ref)
        if ref.code is not None:
            return self.checkbox_option(node, ref, op, lit, target)
        if lit.quoted and lit.text == "":
            return self.blank(node, ref.name, op)
        if target.type == "multiple_choice":
            raise self._whole_multiple_choice(node, ref.name)
        if op in ("=", "!="):
            value = self._equal_value(target, ref.name, lit)
            return Leaf(ref.name, "equals" if op == "=" else "not_equals", value)
        return self.order(node, ref.name, op, lit, target)

    def checkbox_option(self, node: Compare, ref: Ref, op: str, lit: Lit, target: Any) -> Condition:
        """REDCap's ``[x(code)] = '1'``: option ``code`` of checkbox ``x`` is (not) checked."""
        name = ref.name
        if target.type != "multiple_choice":
            raise self.fail(
                f"[{name}({ref.code})] refers to a checkbox option, but '{name}' is {target.type}.",
                ref.pos,
                f"write [{name}] = '{ref.code}'.",
            )
        code = self._code(target, str(ref.code), f"checkbox '{name}' has no option", ref.pos)
        if op not in ("=", "!=") or lit.text not in ("0", "1"):
            raise self.fail(
                "a checkbox option is compared with '1' (checked) or '0' (unchecked) using = or <>.",
                node.pos,
                f"write [{name}({ref.code})] = '1'.",
            )
        checked = (lit.text == "1") == (op == "=")
        leaf = Leaf(name, "selected", code)
        return leaf if checked else Not(leaf)

    def blank(self, node: Compare, name: str, op: str) -> Condition:
        if op == "=":
            return Leaf(name, "answered", False)
        if op == "!=":
            return Leaf(name, "answered", True)
        raise self.fail(
            "only = and <> compare with a blank ('').", node.pos, "test blanks with = ''."
        )

    def _whole_multiple_choice(self, node: Compare, name: str) -> ExpressionError:
        if self.dialect == REDCAP:
            return self.fail(
                f"'{name}' is a checkbox; its options are tested one by one.",
                node.pos,
                f"write [{name}(CODE)] = '1'.",
            )
        return self.fail(
            f"'{name}' is a select_multiple; comparing its whole answer is not supported.",
            node.pos,
            f"write selected(${{{name}}}, 'CODE').",
        )

    def _equal_value(self, target: Any, name: str, lit: Lit) -> Any:
        """The value ``= lit`` compares with: a code, a number, or the text itself."""
        if target.type in CHOICE_ITEM_TYPES or target.codes:
            return self._code(target, lit.text, f"'{name}' has no choice", lit.pos)
        if target.type != "number":
            return lit.text
        value = number_from_text(lit.text)
        if value is None:
            raise self.fail(
                f"'{name}' is a number, so it cannot equal {lit.text!r}.",
                lit.pos,
                "compare it with a number.",
            )
        return value

    def order(self, node: Compare, name: str, op: str, lit: Lit, target: Any) -> Condition:
        number = number_from_text(lit.text)
        if number is None:
            raise self.fail(
                f"'{op}' compares with a number, not {lit.text!r}.", lit.pos, f"write {op} 5."
            )
        if target.type not in ("number", "likert"):
            raise self.fail(
                f"order comparisons apply to numbers and Likert items; '{name}' is {target.type}.",
                node.pos,
                "use = or <> with its codes.",
            )
        return Leaf(name, SYMBOL_ORDER[op], number)


def _parse(text: str, targets: Mapping[str, Any], dialect: str, push_not: bool) -> Condition:
    if not isinstance(text, str):
        raise ExpressionError(f"{dialect} must be text.", "", 0, "write it as text.")
    node = parse_expression(text, dialect)
    condition = _Conditions(targets, text, dialect).convert(node)
    return canonical_condition(condition, push_not=push_not, targets=targets)


def parse_redcap_logic(text: str, targets: Mapping[str, Any]) -> Condition:
    """Parse REDCap branching logic into a condition on the items in ``targets``.

    ``targets`` maps item ids to objects with ``type`` and ``codes`` (an :class:`Item` will do).
    Raises :class:`ExpressionError` (and nothing else) for anything outside the subset we map.
    """
    return _parse(text, targets, REDCAP, push_not=True)


def parse_xlsform_relevant(text: str, targets: Mapping[str, Any]) -> Condition:
    """Parse an XLSForm ``relevant`` expression into a condition on the items in ``targets``.

    Raises :class:`ExpressionError` (and nothing else) for anything outside the subset we map.
    """
    return _parse(text, targets, XLSFORM, push_not=False)


# --------------------------------------------------------------------------------------------
# Canonical form


def _negate(c: Condition, targets: Mapping[str, Any] | None) -> Condition:
    """The negation of a canonical condition, without 'not' except on 'selected'."""
    if isinstance(c, Leaf):
        op, v = c.op, c.value
        simple = {"equals": "not_equals", "not_equals": "equals", "in": "not_in", "not_in": "in"}
        if op in simple:
            return Leaf(c.item, simple[op], v)
        if op == "answered":
            return Leaf(c.item, "answered", not v)
        if op == "selected":
            return Not(c)
        opposite = {"gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}[op]
        # a missing answer never compares, so "not (x > 5)" is also true when x is blank
        return Any_((Leaf(c.item, opposite, v), Leaf(c.item, "answered", False)))
    if isinstance(c, Not):
        return c.condition
    kids = tuple(_negate(k, targets) for k in c.conditions)  # type: ignore[attr-defined]
    return _combine(Any_ if isinstance(c, All) else All, kids)


def _combine(cls: type, kids: tuple) -> Condition:
    if len(kids) == 1:
        return kids[0]
    if len(kids) >= 2 and all(isinstance(k, Leaf) for k in kids):
        items = {k.item for k in kids}
        ops = {k.op for k in kids}
        if len(items) == 1:
            if cls is Any_ and ops == {"equals"}:
                return Leaf(kids[0].item, "in", [k.value for k in kids])
            if cls is All and ops == {"not_equals"}:
                return Leaf(kids[0].item, "not_in", [k.value for k in kids])
    return cls(tuple(kids))


def canonical_condition(
    condition: Condition, *, push_not: bool = False, targets: Mapping[str, Any] | None = None
) -> Condition:
    """The form a condition has after a round trip through REDCap (``push_not=True``) or XLSForm.

    ``in`` / ``not_in`` with one value become ``equals`` / ``not_equals``; ``any`` of
    ``equals`` on one item becomes ``in`` (and ``all`` of ``not_equals``, ``not_in``); a
    one-part ``all`` / ``any`` becomes its part. With ``push_not`` (REDCap has no ``not``),
    negations are pushed inwards with the same meaning, and, given ``targets``, ``answered`` on
    a multiple choice becomes "any option selected" (REDCap tests checkboxes option by option).
    """
    if isinstance(condition, Leaf):
        op, value = condition.op, condition.value
        if op in ("in", "not_in") and isinstance(value, list | tuple):
            if len(value) == 1:
                return Leaf(condition.item, "equals" if op == "in" else "not_equals", value[0])
            return Leaf(condition.item, op, list(value))
        if push_not and op == "answered" and targets is not None:
            target = targets.get(condition.item)
            if target is not None and target.type == "multiple_choice" and target.codes:
                leaves = tuple(Leaf(condition.item, "selected", c) for c in target.codes)
                if value:
                    return _combine(Any_, leaves)
                return _combine(All, tuple(Not(leaf) for leaf in leaves))
        return condition
    if isinstance(condition, Not):
        inner = canonical_condition(condition.condition, push_not=push_not, targets=targets)
        return _negate(inner, targets) if push_not else Not(inner)
    assert isinstance(condition, All | Any_)
    kids = tuple(
        canonical_condition(k, push_not=push_not, targets=targets) for k in condition.conditions
    )
    return _combine(type(condition), kids)


# --------------------------------------------------------------------------------------------
# Conditions -> expressions


def _quote(value: Any) -> str:
    text = str(value)
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ExpressionError(
        f"the value {text!r} holds both kinds of quote, which neither tool can write.",
        "",
        0,
        "change the value.",
    )


def _value(value: Any, target: Any) -> str:
    if target is not None and target.type == "number" and not isinstance(value, bool):
        if isinstance(value, int | float):
            return format_number(value)
        if isinstance(value, str) and number_from_text(value) is not None:
            return format_number(number_from_text(value))
    return _quote(value)


def _format(c: Condition, targets: Mapping[str, Any], dialect: str) -> tuple[str, bool]:
    """(text, compound): compound texts are wrapped in parentheses when nested."""

    def ref(item: str) -> str:
        return f"[{item}]" if dialect == REDCAP else f"${{{item}}}"

    neq = "<>" if dialect == REDCAP else "!="
    if isinstance(c, Leaf):
        target = targets.get(c.item)
        op, v = c.op, c.value
        if op in ("equals", "not_equals"):
            return f"{ref(c.item)} {'=' if op == 'equals' else neq} {_value(v, target)}", False
        if op in ("in", "not_in"):
            joiner, sym = (" or ", "=") if op == "in" else (" and ", neq)
            parts = [f"{ref(c.item)} {sym} {_value(x, target)}" for x in v]
            return joiner.join(parts), len(parts) > 1
        if op in ORDER_OPERATORS:
            return f"{ref(c.item)} {ORDER_OPERATORS[op]} {format_number(v)}", False
        if op == "answered":
            return f"{ref(c.item)} {neq if v else '='} ''", False
        if op == "selected":
            if dialect == REDCAP:
                return f"[{c.item}({v})] = '1'", False
            return f"selected(${{{c.item}}}, {_quote(v)})", False
        raise ExpressionError(f"unknown operator {op!r}.", "", 0, "use a known operator.")
    if isinstance(c, Not):
        inner = c.condition
        if dialect == REDCAP:
            if isinstance(inner, Leaf) and inner.op == "selected":
                return f"[{inner.item}({inner.value})] = '0'", False
            raise ExpressionError("REDCap has no 'not'.", "", 0, "push the negation inwards first.")
        text, _ = _format(inner, targets, dialect)
        return f"not({text})", False
    assert isinstance(c, All | Any_)
    joiner = " and " if isinstance(c, All) else " or "
    parts = []
    for kid in c.conditions:
        text, compound = _format(kid, targets, dialect)
        parts.append(f"({text})" if compound else text)
    return joiner.join(parts), len(parts) > 1


def format_redcap_logic(condition: Condition, targets: Mapping[str, Any] | None = None) -> str:
    """REDCap branching logic for a condition (its canonical form; see :func:`canonical_condition`).

    ``targets`` (item id -> item) tells numbers from codes. Raises :class:`ExpressionError` when
    the condition cannot be written (a text value holding both kinds of quote).
    """
    targets = targets or {}
    canonical = canonical_condition(condition, push_not=True, targets=targets)
    return _format(canonical, targets, REDCAP)[0]


def format_xlsform_relevant(condition: Condition, targets: Mapping[str, Any] | None = None) -> str:
    """An XLSForm ``relevant`` expression for a condition (its canonical form)."""
    targets = targets or {}
    canonical = canonical_condition(condition, push_not=False, targets=targets)
    return _format(canonical, targets, XLSFORM)[0]


def write_condition(
    formatter: Callable[[Condition, Mapping[str, Any]], str],
    condition: Condition | None,
    targets: Mapping[str, Any],
    unmapped: list[ConversionNote],
    *,
    failure: str,
    field: str,
    file: str,
) -> str | None:
    """A condition written by ``formatter`` (:func:`format_redcap_logic` or
    :func:`format_xlsform_relevant`), or None when there is none or it cannot be written.

    A condition that cannot be written is noted in ``unmapped`` for ``field``: ``failure`` (what
    could not be written, e.g. "the section's condition cannot be written"), then the reason.
    """
    if condition is None:
        return None
    try:
        return formatter(condition, targets)
    except ExpressionError as err:
        unmapped.append(
            ConversionNote(message=f"{failure}: {err.message}", fix=err.fix, field=field, file=file)
        )
        return None


# --------------------------------------------------------------------------------------------
# Building the instrument from data gathered out of another tool's file


@dataclass(frozen=True)
class Location:
    """Where in the source file a part of the instrument came from."""

    field: str | None = None
    row: int | None = None
    column: str | None = None
    sheet: str | None = None


PATH_PART = re.compile(r"^(.*?)(?:\.[^.\[\]]+|\[\d+\])$")


def locate(path: str, locations: Mapping[str, Location]) -> Location:
    """The location of the longest known prefix of a dotted path (``sections[0].items[2].id``)."""
    current = path
    while current:
        if current in locations:
            return locations[current]
        m = PATH_PART.match(current)
        if not m:
            break
        current = m.group(1)
    return locations.get("", Location())


def read_condition(
    parse: Callable[[str, Mapping[str, Any]], Condition],
    text: str,
    targets: Mapping[str, Any],
    order: Mapping[str, int],
    position: int,
    owner: str,
    *,
    language: str,
    unit: str,
    report: Callable[[str, str], None],
) -> Condition | None:
    """A condition read from another tool's file, or None after reporting why it is not mapped.

    ``parse`` is :func:`parse_redcap_logic` or :func:`parse_xlsform_relevant`, ``language`` what
    the report calls the expression ("branching logic", "relevant"). A Readiness condition may
    only depend on earlier answers: ``order`` gives each item's position, ``position`` that of
    ``owner`` ("item ID", or "section ID" with its first item's position); ``unit`` is what the
    file calls a question ("field", "question"), for the fix. ``report(message, fix)`` records
    the condition as unmapped; its owner is kept and always shown.
    """
    what = owner.split()[0]
    try:
        condition = parse(text, targets)
    except ExpressionError as err:
        report(
            f"{language} {text!r} is not mapped: {err}. The {what} is kept and always shown.",
            err.fix,
        )
        return None
    later = sorted(i for i in condition.items() if order.get(i, -1) >= position)
    if later:
        report(
            f"{language} {text!r} is not mapped: it depends on "
            + ", ".join(f"'{i}'" for i in later)
            + f", which does not come before {owner}. The {what} is kept and always shown.",
            f"a Readiness condition may only depend on earlier answers; move the {unit}.",
        )
        return None
    return condition


class GatheredSection(Protocol):
    """What a reader gathered for a section of the instrument it is building."""

    id: str
    intro: str
    condition: Condition | None
    items: list[dict]


def section_data(section: GatheredSection, title: str) -> dict[str, Any]:
    """A gathered section as instrument data (``intro`` and ``show_if`` only when it has them)."""
    entry: dict[str, Any] = {"id": section.id, "title": title}
    if section.intro:
        entry["intro"] = section.intro
    if section.condition is not None:
        entry["show_if"] = section.condition.to_data()
    entry["items"] = section.items
    return entry


def numbered_items(sections: Sequence[GatheredSection]) -> Iterator[tuple[int, int, int, dict]]:
    """Each item of the gathered sections as (section index, item index, position, item): its
    position is its place, from 0, among the items of all the sections."""
    position = 0
    for s_index, section in enumerate(sections):
        for i_index, item in enumerate(section.items):
            yield s_index, i_index, position, item
            position += 1


def drop_undefined_sources(
    sections: Sequence[GatheredSection], sources: Mapping[str, Any] | None
) -> list[tuple[dict, str]]:
    """Take out of the gathered items each ``source`` that ``sources`` does not define (a
    citation is kept only with its source); return (item, source) for each, to be reported."""
    dropped = []
    for section in sections:
        for item in section.items:
            if item.get("source") and item["source"] not in (sources or {}):
                dropped.append((item, item.pop("source")))
    return dropped


def moved_locations(locations: Mapping[str, Location], old: int, new: int) -> dict[str, Location]:
    """The locations of section ``old`` and all within it, renumbered as section ``new`` (the
    sections left out for having no items move the later ones up)."""
    prefix = f"sections[{old}]"
    return {
        f"sections[{new}]" + key[len(prefix) :]: value
        for key, value in locations.items()
        if key == prefix or key.startswith(prefix + ".")
    }


SHOW_IF_PATH = re.compile(r"^sections\[(\d+)\](?:\.items\[(\d+)\])?\.show_if")
EXTRA_PATH = re.compile(r"^(scales|indicators)\[(\d+)\]")


def build_with_recovery(
    data: dict,
    locations: Mapping[str, Location],
    file: str | None,
    unmapped: list[ConversionNote],
    condition_source: Callable[[int, int | None], str] | None = None,
) -> Instrument:
    """Build and validate the instrument, leaving out what does not validate where that is safe.

    A condition, scale or indicator that fails validation is left out and reported in
    ``unmapped`` (with the validator's reason); anything else that fails is fatal and raises
    :class:`ConversionError` listing every problem with its row and column.
    """
    for _ in range(10_000):
        try:
            return build_instrument(data, file=file)
        except InstrumentError as err:
            fatal: list[Problem] = []
            drop_conditions: dict[tuple[int, int | None], list[str]] = {}
            drop_extra: dict[tuple[str, int], list[str]] = {}
            for problem in err.problems:
                path = problem.column or ""
                m = SHOW_IF_PATH.match(path)
                if m:
                    key = (int(m.group(1)), int(m.group(2)) if m.group(2) else None)
                    drop_conditions.setdefault(key, []).append(problem.message)
                    continue
                m = EXTRA_PATH.match(path)
                if m:
                    drop_extra.setdefault((m.group(1), int(m.group(2))), []).append(problem.message)
                    continue
                where = locate(path, locations)
                fatal.append(
                    Problem(
                        message=(f"{where.field}: " if where.field else "")
                        + problem.message
                        + (f" ({path})" if path else ""),
                        fix=problem.fix,
                        file=file,
                        row=where.row,
                        column=where.column,
                        sheet=where.sheet,
                    )
                )
            if fatal:
                raise ConversionError(fatal, file=file) from None
            for (s_index, i_index), messages in drop_conditions.items():
                section = data["sections"][s_index]
                holder = section if i_index is None else section["items"][i_index]
                holder.pop("show_if", None)
                at = f"sections[{s_index}]" + ("" if i_index is None else f".items[{i_index}]")
                where = locate(at, locations)
                expression = condition_source(s_index, i_index) if condition_source else ""
                unmapped.append(
                    ConversionNote(
                        message=(
                            f"the condition {expression!r} was not kept: "
                            if expression
                            else "the condition was not kept: "
                        )
                        + " ".join(messages)
                        + (" The section" if i_index is None else " The item")
                        + " is kept and always shown.",
                        fix="correct the condition in the source file, or add it to the "
                        "instrument YAML by hand.",
                        field=holder.get("id"),
                        file=file,
                        row=where.row,
                        column=where.column,
                        sheet=where.sheet,
                    )
                )
            for kind, index in sorted(drop_extra, key=lambda k: (k[0], k[1]), reverse=True):
                entry = data[kind].pop(index)
                where = locate(f"{kind}[{index}]", locations)
                unmapped.append(
                    ConversionNote(
                        message=f"the {kind[:-1]} was not kept: "
                        + " ".join(drop_extra[(kind, index)]),
                        fix=f"correct the {kind[:-1]} so that it fits the items read.",
                        field=entry.get("id") if isinstance(entry, dict) else None,
                        file=file,
                        row=where.row,
                        column=where.column,
                        sheet=where.sheet,
                    )
                )
    raise ConversionError([Problem("the instrument could not be built.", file=file)], file=file)


def slug_id(text: str, fallback: str) -> str:
    """An instrument id made from a file name or title."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.strip().lower()).strip("-_")
    if not slug or not slug[0].isalpha():
        slug = f"{fallback}-{slug}" if slug else fallback
    return slug


def unique_name(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 2
    while name in taken:
        name = f"{wanted}_{n}"
        n += 1
    taken.add(name)
    return name
