"""What changed between two versions of an instrument, and old answers read as new codes.

:func:`compare_versions` lists, by item id, the items added and removed, the items whose
wording, type or choices changed.  A change of choices *changes the meaning* of old answers
when a code kept has a different label, or a code answered before is gone: answers given to
the old version would then be read as something else, or as nothing.  Such items need a
mapping, old code -> new code, before old and new answers can be read together
(:func:`check_mapping`, :func:`apply_choice_mapping`).  A choice added is no such change: every
old answer still means what it meant.

>>> from readiness.instrument import shipped_instrument
>>> survey = shipped_instrument()
>>> compare_versions(survey, survey).unchanged
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from readiness.instrument.conditions import same_code
from readiness.instrument.model import Choice, Instrument, Item, choices_of

# A mapping: item id -> {old code as text: new code, or "" for "no answer any more"}.
ChoiceMapping = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class WordingChange:
    item: str
    old: str
    new: str


@dataclass(frozen=True)
class TypeChange:
    item: str
    old: str
    new: str


@dataclass(frozen=True)
class Relabelled:
    code: int | str
    old: str
    new: str


@dataclass(frozen=True)
class ChoiceChange:
    """How one item's choices changed: codes added, removed, and kept with another label."""

    item: str
    old_codes: tuple[int | str, ...]
    added: tuple[Choice, ...] = ()
    removed: tuple[Choice, ...] = ()
    relabelled: tuple[Relabelled, ...] = ()

    @property
    def changes_meaning(self) -> bool:
        """Whether an answer given to the old version could now mean something else."""
        return bool(self.removed or self.relabelled)

    def describe(self) -> str:
        parts = [f"code {r.code} was '{r.old}', now '{r.new}'" for r in self.relabelled]
        parts += [f"code {c.code} '{c.label}' removed" for c in self.removed]
        parts += [f"code {c.code} '{c.label}' added" for c in self.added]
        return "; ".join(parts)


@dataclass(frozen=True)
class VersionChanges:
    """Every change from ``old`` to ``new`` (``"demo v1"``, ``"demo v2"``), by item id."""

    old: str
    new: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    wording: tuple[WordingChange, ...] = ()
    types: tuple[TypeChange, ...] = ()
    choices: tuple[ChoiceChange, ...] = ()

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.wording or self.types or self.choices)

    @property
    def needs_mapping(self) -> tuple[str, ...]:
        """The items whose old answers need a mapping of codes to keep their meaning."""
        return tuple(c.item for c in self.choices if c.changes_meaning)

    def choice_change(self, item_id: str) -> ChoiceChange | None:
        return next((c for c in self.choices if c.item == item_id), None)

    def summary(self) -> list[str]:
        """One line per change, for a page or a terminal."""
        if self.unchanged:
            return [f"No items changed from {self.old} to {self.new}."]
        lines = []
        if self.added:
            lines.append("Added: " + ", ".join(self.added))
        if self.removed:
            lines.append("Removed: " + ", ".join(self.removed))
        lines += [f"{w.item}: wording changed from '{w.old}' to '{w.new}'" for w in self.wording]
        lines += [f"{t.item}: type changed from {t.old} to {t.new}" for t in self.types]
        lines += [f"{c.item}: choices changed ({c.describe()})" for c in self.choices]
        return lines


def _find(choices: tuple[Choice, ...], code: Any) -> Choice | None:
    return next((c for c in choices if same_code(c.code, code)), None)


def _choice_change(old: Item, new: Item) -> ChoiceChange | None:
    before, after = choices_of(old), choices_of(new)
    removed, relabelled = [], []
    for choice in before:
        match = _find(after, choice.code)
        if match is None:
            removed.append(choice)
        elif " ".join(match.label.split()) != " ".join(choice.label.split()):
            relabelled.append(Relabelled(choice.code, choice.label, match.label))
    added = tuple(c for c in after if _find(before, c.code) is None)
    if not (removed or relabelled or added):
        return None
    return ChoiceChange(
        old.id, tuple(c.code for c in before), added, tuple(removed), tuple(relabelled)
    )


def compare_versions(old: Instrument, new: Instrument) -> VersionChanges:
    """What changed from ``old`` to ``new``, item by item (items are matched by id)."""
    old_ids, new_ids = set(old.item_ids), set(new.item_ids)
    wording, types, choices = [], [], []
    for item_id in (i for i in old.item_ids if i in new_ids):
        a, b = old.item(item_id), new.item(item_id)
        if " ".join(a.text.split()) != " ".join(b.text.split()):
            wording.append(WordingChange(item_id, a.text, b.text))
        if a.type != b.type:
            types.append(TypeChange(item_id, a.type, b.type))
        change = _choice_change(a, b)
        if change is not None:
            choices.append(change)
    return VersionChanges(
        old=f"{old.id} v{old.version}",
        new=f"{new.id} v{new.version}",
        added=tuple(i for i in new.item_ids if i not in old_ids),
        removed=tuple(i for i in old.item_ids if i not in new_ids),
        wording=tuple(wording),
        types=tuple(types),
        choices=tuple(choices),
    )


@dataclass(frozen=True)
class MappingProblem:
    """Why a mapping of codes cannot be used, for one item, and what would fix it."""

    item: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}"


def _codes_text(codes) -> str:
    return ", ".join(str(c) for c in codes)


def check_mapping(
    changes: VersionChanges, new: Instrument, mapping: ChoiceMapping
) -> list[MappingProblem]:
    """The problems of ``mapping`` (item -> {old code: new code or ""}): every item whose
    choices changed meaning needs one, naming every old code, each to a code of ``new``."""
    problems = []
    for item_id in changes.needs_mapping:
        change = changes.choice_change(item_id)
        assert change is not None
        given = mapping.get(item_id) or {}
        old_codes = change.old_codes
        if not given:
            problems.append(
                MappingProblem(
                    item_id,
                    f"{item_id}: the choices changed meaning ({_meaning(change)}).",
                    f"Give, for each old code of {item_id} ({_codes_text(old_codes)}), "
                    "the new code it becomes.",
                )
            )
            continue
        problems += _item_mapping_problems(item_id, old_codes, new.item(item_id), given)
    return problems


def _meaning(change: ChoiceChange) -> str:
    parts = [f"code {r.code} was '{r.old}', now '{r.new}'" for r in change.relabelled]
    parts += [f"code {c.code} '{c.label}' removed" for c in change.removed]
    return "; ".join(parts)


def _item_mapping_problems(
    item_id: str, old_codes: tuple, item: Item, given: Mapping[str, Any]
) -> list[MappingProblem]:
    new_codes = tuple(c.code for c in choices_of(item))
    missing = [c for c in old_codes if str(c) not in given]
    unknown = [
        str(v) for v in given.values() if v not in ("", None) and _find(choices_of(item), v) is None
    ]
    problems = []
    if missing:
        problems.append(
            MappingProblem(
                item_id,
                f"{item_id}: no new code given for old code {_codes_text(missing)}.",
                f"Give a new code for every old code ({_codes_text(old_codes)}); leave it "
                "empty when the old answer has no counterpart.",
            )
        )
    if unknown:
        problems.append(
            MappingProblem(
                item_id,
                f"{item_id}: {_codes_text(unknown)} is no code of the new version.",
                f"Use one of the new version's codes ({_codes_text(new_codes)}), or leave it "
                "empty.",
            )
        )
    return problems


def _recode(value: Any, codes: Mapping[str, Any]) -> Any:
    return codes.get(str(value), value)


def _new_code(new_item: Item, code: Any) -> Any:
    choice = _find(choices_of(new_item), code)
    return choice.code if choice is not None else code


def apply_choice_mapping(
    answers: Mapping[str, Any], mapping: ChoiceMapping, new: Instrument
) -> dict[str, Any]:
    """``answers`` given to an older version, with each mapped item's codes recoded to the new
    version's (an old code mapped to "" leaves the item unanswered)."""
    out = dict(answers)
    for item_id, codes in mapping.items():
        if item_id not in out or not codes or item_id not in new.item_ids:
            continue
        item = new.item(item_id)
        value = out.pop(item_id)
        if item.type == "multiple_choice":
            recoded = {str(_recode(c, codes)) for c in str(value).split()} - {""}
            order = [str(c.code) for c in item.choices]
            kept = sorted(recoded, key=lambda c: order.index(c) if c in order else len(order))
            if kept:
                out[item_id] = " ".join(kept)
            continue
        code = _recode(value, codes)
        if code not in ("", None):
            out[item_id] = _new_code(item, code)
    return out
