"""What a page, a printed pathway or a feedback card shows: plain view records, no markup.

The web pages, the printed A4 pathways, the offline file and the survey's "what to do" card
all build their text here, so a fact is worded, dated and sourced the same way everywhere.
Only confirmed facts are ever shown; a fact past its review date is shown with a notice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from readiness.guide.model import NATION_NAMES, Content, Fact, Node
from readiness.guide.paths import Position, open_options

OVERDUE_NOTICE = "Due for review: check with your safeguarding team."
CHECK_LOCALLY = "Not yet confirmed: check with your safeguarding team."
ACTION_PAGE_HEADING = "Do this now"


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def nhs_date(day: date) -> str:
    """The NHS style for dates, whatever the machine's locale: 5 December 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class Contact(Protocol):
    """A trust's entry for one local slot (see :mod:`readiness.guide.local`)."""

    value: str
    label: str
    review_by: date


@dataclass(frozen=True)
class SourceView:
    title: str
    publisher: str
    url: str
    version: str
    locator: str = ""


@dataclass(frozen=True)
class FactView:
    id: str
    statement: str
    sources: tuple[SourceView, ...]
    last_checked: date
    review_by: date
    overdue: bool
    value: str = ""

    @property
    def notice(self) -> str:
        text = f"Last checked {nhs_date(self.last_checked)}."
        return f"{text} {OVERDUE_NOTICE}" if self.overdue else text


@dataclass(frozen=True)
class ContactView:
    slot: str
    label: str
    value: str  # "" when the trust has not filled it in
    overdue: bool = False


@dataclass(frozen=True)
class ActionView:
    id: str
    title: str
    text: str
    facts: tuple[FactView, ...]
    contacts: tuple[ContactView, ...] = ()
    uncertain: bool = False  # says "check with ..." instead of stating an unconfirmed fact

    @property
    def overdue(self) -> bool:
        return any(f.overdue for f in self.facts) or any(c.overdue for c in self.contacts)


@dataclass(frozen=True)
class OptionView:
    index: int
    label: str
    facts: tuple[FactView, ...] = ()


@dataclass(frozen=True)
class AnswerView:
    question: str
    answer: str


@dataclass(frozen=True)
class PageView:
    """One page of the guide for one member of staff."""

    kind: str  # question | action | outcome
    node: str
    heading: str
    help: str
    options: tuple[OptionView, ...]
    actions: tuple[ActionView, ...]
    nation: str
    nation_name: str
    answers: tuple[AnswerView, ...]
    choices: tuple[int, ...]
    card: str
    version: str
    disclaimer: str
    done_so_far: tuple[ActionView, ...] = ()

    @property
    def overdue(self) -> bool:
        return any(a.overdue for a in self.actions + self.done_so_far)


def fact_view(content: Content, fact_id: str, as_of: date) -> FactView | None:
    """The fact as staff see it, or None when it may not be shown (not confirmed)."""
    fact: Fact | None = content.facts.get(fact_id)
    if fact is None or not fact.shown:
        return None
    sources = tuple(
        SourceView(s.title, s.publisher, s.url, s.version, ref.locator)
        for ref in fact.sources
        if (s := content.sources.get(ref.id)) is not None
    )
    return FactView(
        fact.id,
        fact.statement,
        sources,
        fact.last_checked,
        fact.review_by,
        fact.overdue(as_of),
        fact.value,
    )


def _facts(content: Content, ids: tuple[str, ...], as_of: date) -> tuple[FactView, ...]:
    return tuple(v for i in ids if (v := fact_view(content, i, as_of)) is not None)


def contact_view(
    content: Content, slot_id: str, contacts: Mapping[str, Contact] | None, as_of: date
) -> ContactView:
    slot = content.slots.get(slot_id)
    label = slot.label if slot else slot_id
    entry = (contacts or {}).get(slot_id)
    if entry is None or not entry.value:
        return ContactView(slot_id, label, "")
    return ContactView(slot_id, entry.label or label, entry.value, entry.review_by < as_of)


def action_view(
    content: Content,
    action_id: str,
    nation: str,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
) -> ActionView | None:
    action = content.guide.actions.get(action_id)
    variant = action.for_nation(nation) if action else None
    if action is None or variant is None:
        return None
    return ActionView(
        action.id,
        action.title,
        variant.text,
        _facts(content, variant.facts, as_of),
        tuple(contact_view(content, s, contacts, as_of) for s in variant.local),
        variant.shows_uncertainty,
    )


def _actions(content, ids, nation, as_of, contacts) -> tuple[ActionView, ...]:
    views = (action_view(content, i, nation, as_of, contacts) for i in ids)
    return tuple(v for v in views if v is not None)


def _answers(content: Content, position: Position) -> tuple[AnswerView, ...]:
    nation = position.nation or None
    out = []
    for step in position.steps:
        node: Node = content.guide.nodes[step.node]
        if step.label:
            out.append(AnswerView(node.field_for("text", nation), step.label))
    return tuple(out)


def page_view(
    content: Content,
    position: Position,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
) -> PageView:
    """Everything one page of the walk shows, for the position reached."""
    node, nation = position.node, position.nation
    here: tuple[str, ...] = ()
    if node.type != "question":
        here = tuple(r.id for r in node.actions if r.when.holds(position.state))
    options: tuple[OptionView, ...] = ()
    if node.type == "question":
        options = tuple(
            OptionView(i, o.label, _facts(content, o.facts, as_of))
            for i, o in open_options(node, position.state)
        )
    heading_field = "summary" if node.type == "outcome" else "text"
    return PageView(
        kind=node.type,
        node=node.id,
        heading=node.field_for(heading_field, nation) or ACTION_PAGE_HEADING,
        help=node.field_for("help", nation),
        options=options,
        actions=_actions(content, here, nation, as_of, contacts),
        nation=nation,
        nation_name=NATION_NAMES.get(nation, ""),
        answers=_answers(content, position),
        choices=position.choices,
        card=node.card,
        version=content.guide.version,
        disclaimer=content.guide.disclaimer,
        done_so_far=_actions(content, position.actions_so_far, nation, as_of, contacts)
        if node.type == "outcome"
        else (),
    )


def expand_acronyms(text: str, acronyms: Mapping[str, str], seen: set[str]) -> str:
    """Spell out each acronym at its first use on a page (``seen`` carries the page's uses).

    A text that starts with an acronym keeps its capital ("A&E until ..." becomes "Accident
    and emergency (A&E) until ...")."""
    out = _expand_each(text, acronyms, seen)
    if text[:1].isupper() and out[:1].islower():
        out = out[0].upper() + out[1:]
    return out


def _expand_each(text: str, acronyms: Mapping[str, str], seen: set[str]) -> str:
    for short, long in acronyms.items():
        if short in seen or long in text:
            if re.search(rf"\b{re.escape(short)}\b", text):
                seen.add(short)
            continue
        pattern = re.compile(rf"\b(?:(an|An|a|A) )?{re.escape(short)}\b")
        if pattern.search(text):

            def spell(m: re.Match[str], lg: str = long, sh: str = short) -> str:
                return _spelt_out(m.group(1), lg, sh)

            text = pattern.sub(spell, text, count=1)
            seen.add(short)
    return text


def _spelt_out(article: str | None, long: str, short: str) -> str:
    """'an NRM' becomes 'a National Referral Mechanism (NRM)': the article follows the words."""
    if not article:
        return f"{long} ({short})"
    vowel = long[:1].lower() in "aeiou"
    word = ("an" if vowel else "a") if article.islower() else ("An" if vowel else "A")
    return f"{word} {long} ({short})"
