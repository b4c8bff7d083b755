"""The response guide's content as typed, frozen records.

A :class:`Content` holds the sources, the dated facts, the pathway graph (:class:`Guide`), the
local-contact slots a trust fills and the knowledge feedback.  Everything is read by
:mod:`readiness.guide.load`; nothing here reads files.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

NATIONS: tuple[str, ...] = ("england", "wales", "scotland", "northern_ireland")
NATION_NAMES: dict[str, str] = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}
# Every value each state variable may take; "Not sure" about age sets ``child``.
STATE_VALUES: dict[str, tuple[str, ...]] = {
    "nation": NATIONS,
    "danger": ("yes", "no"),
    "age": ("child", "adult"),
    "private": ("yes", "no_companion_refuses", "no_interpreter"),
    "consent_nrm": ("yes", "no", "not_now"),
    "consent_police": ("yes", "no"),
    "care_needs": ("yes", "no", "unsure"),
}
STATUSES = ("confirmed", "unverified", "contradicted", "superseded")
SOURCE_KINDS = ("legislation", "guidance", "statistics", "service", "research", "secondary")
# Months between checks, by how quickly a kind of fact goes out of date.
REVIEW_MONTHS: dict[str, int] = {
    "contact": 6,
    "service": 6,
    "local": 6,
    "statistics": 3,
    "guidance": 12,
    "legislation": 12,
    "research": 36,
}
NODE_TYPES = ("question", "action", "outcome")
ACTION_TAGS = (
    "police",
    "emergency",
    "staff_submit_nrm",
    "nrm_referral",
    "treat_now",
    "document",
    "tell_safeguarding_lead",
)
ALL = "all"  # the action variant that applies to every nation without one of its own


def add_months(day: date, months: int) -> date:
    """``day`` moved on by whole months, kept to the last day of a shorter month."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str
    version: str
    kind: str
    licence: str = ""


@dataclass(frozen=True)
class SourceRef:
    id: str
    locator: str = ""


@dataclass(frozen=True)
class Fact:
    """One dated statement the guide relies on, with where it comes from."""

    id: str
    statement: str
    nations: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    status: str
    volatility: str
    last_checked: date
    checked_by: str
    review_by: date
    value: str = ""
    supersedes: str = ""
    notes: str = ""
    line: int | None = None

    @property
    def shown(self) -> bool:
        """Only confirmed facts are ever shown as facts."""
        return self.status == "confirmed"

    def overdue(self, as_of: date) -> bool:
        return self.review_by < as_of

    def days_overdue(self, as_of: date) -> int:
        return max(0, (as_of - self.review_by).days)


@dataclass(frozen=True)
class Condition:
    """State variable -> the values that satisfy it; every variable must match."""

    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def holds(self, state: Mapping[str, str]) -> bool:
        return all(state.get(var) in values for var, values in self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def as_dict(self) -> dict[str, list[str]]:
        return {var: list(values) for var, values in self.terms}


@dataclass(frozen=True)
class Option:
    label: str
    next: str
    set: tuple[tuple[str, str], ...] = ()
    when: Condition = Condition()
    facts: tuple[str, ...] = ()

    @property
    def router(self) -> bool:
        """An option with no label is taken without asking (an invisible router)."""
        return not self.label


@dataclass(frozen=True)
class ActionRef:
    id: str
    when: Condition = Condition()


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    text: str = ""
    help: str = ""
    summary: str = ""
    options: tuple[Option, ...] = ()
    actions: tuple[ActionRef, ...] = ()
    next: str = ""
    card: str = ""
    variants: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    line: int | None = None

    def field_for(self, name: str, nation: str | None) -> str:
        """``text``, ``help`` or ``summary`` as worded for ``nation``."""
        if nation and name in self.variants.get(nation, {}):
            return self.variants[nation][name]
        return getattr(self, name)

    @property
    def is_router(self) -> bool:
        return self.type == "question" and all(o.router for o in self.options)


@dataclass(frozen=True)
class ActionVariant:
    text: str
    facts: tuple[str, ...] = ()
    local: tuple[str, ...] = ()
    shows_uncertainty: bool = False


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    tags: tuple[str, ...]
    variants: Mapping[str, ActionVariant]
    line: int | None = None

    def for_nation(self, nation: str) -> ActionVariant | None:
        return self.variants.get(nation) or self.variants.get(ALL)


@dataclass(frozen=True)
class Guide:
    id: str
    version: str
    title: str
    start: str
    disclaimer: str
    acronyms: Mapping[str, str]
    nodes: Mapping[str, Node]
    actions: Mapping[str, Action]


@dataclass(frozen=True)
class Slot:
    """A local contact a trust fills in (its safeguarding team, interpreters, ...)."""

    id: str
    label: str
    nations: tuple[str, ...]
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Feedback:
    """What a respondent learns about one knowledge item after the survey, for one nation."""

    item: str
    key: bool
    explanation: str
    facts: tuple[str, ...]
    benchmark: str = ""
    benchmark_figure: str = ""
    guide_link: str = ""


@dataclass(frozen=True)
class FeedbackEntry:
    item: str
    default: Feedback
    by_nation: Mapping[str, Feedback] = field(default_factory=dict)

    def for_nation(self, nation: str | None) -> Feedback:
        return self.by_nation.get(nation or "", self.default)


@dataclass(frozen=True)
class Content:
    """Everything the guide shows, as loaded and validated."""

    guide: Guide
    facts: Mapping[str, Fact]
    sources: Mapping[str, Source]
    slots: Mapping[str, Slot]
    feedback: Mapping[str, FeedbackEntry] = field(default_factory=dict)
    folder: str = ""

    def slots_for(self, nation: str) -> list[Slot]:
        return [s for s in self.slots.values() if nation in s.nations]
