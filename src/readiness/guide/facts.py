"""Which facts are due for review, and where the guide uses each one.

``readiness guide facts --overdue`` is built on :func:`due_facts`.  A fact's uses come from the
graph, not from a list kept by hand: every path from the start to an outcome is walked
(:func:`readiness.guide.paths.enumerate_paths`), and a fact is used in a nation by each action on
a path whose variant for that nation cites it, and so by that outcome's printed card (adult or
child).  Facts cited beside a question's options are used by that question.

Only ``confirmed`` and ``unverified`` facts are listed: a contradicted or superseded fact is no
longer part of the guide, so there is nothing to re-check.  An unverified fact is listed because
checking it is how it may become confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from readiness.guide.model import NATIONS, Content, Fact
from readiness.guide.paths import GraphError, Path, enumerate_paths
from readiness.guide.present import OVERDUE_NOTICE, nhs_date

LISTED_STATUSES = ("confirmed", "unverified")


@dataclass(frozen=True)
class Use:
    """Where one fact (or local contact slot) is used in one nation."""

    nation: str
    actions: tuple[str, ...] = ()  # action ids whose variant for the nation cites it
    cards: tuple[str, ...] = ()  # printed cards (adult, child) whose paths carry those actions
    questions: tuple[str, ...] = ()  # question nodes that cite it beside an option

    def to_dict(self) -> dict:
        return {
            "actions": list(self.actions),
            "cards": list(self.cards),
            "questions": list(self.questions),
        }


@dataclass(frozen=True)
class Uses:
    """Every fact's and every local slot's uses, by nation (nations with no use are absent)."""

    facts: Mapping[str, Mapping[str, Use]]
    slots: Mapping[str, Mapping[str, Use]]


class _Collect:
    def __init__(self) -> None:
        # id -> nation -> kind -> set of names
        self.table: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(set))
        )

    def add(self, ident: str, nation: str, kind: str, name: str) -> None:
        self.table[ident][nation][kind].add(name)

    def result(self, action_order: list[str], node_order: list[str]) -> dict:
        rank = {a: i for i, a in enumerate(action_order)}
        node_rank = {n: i for i, n in enumerate(node_order)}
        out: dict[str, dict[str, Use]] = {}
        for ident, by_nation in self.table.items():
            out[ident] = {
                nation: Use(
                    nation,
                    tuple(sorted(kinds["actions"], key=lambda a: rank.get(a, len(rank)))),
                    tuple(sorted(kinds["cards"])),
                    tuple(sorted(kinds["questions"], key=lambda n: node_rank.get(n, 0))),
                )
                for nation in NATIONS
                if (kinds := by_nation.get(nation))
            }
        return out


def _paths(content: Content) -> list[Path] | None:
    try:
        return enumerate_paths(content.guide)
    except GraphError:
        return None  # a broken graph: ``guide check`` names the fault; uses come from outcomes


def graph_uses(content: Content) -> Uses:  # noqa: C901 - walks every path, step and option to record citations
    """Where each fact and each local slot is used, per nation, derived from the graph."""
    guide = content.guide
    facts, slots = _Collect(), _Collect()

    def cite(action_id: str, nation: str, card: str) -> None:
        action = guide.actions.get(action_id)
        variant = action.for_nation(nation) if action else None
        if variant is None:
            return
        for table, ids in ((facts, variant.facts), (slots, variant.local)):
            for ident in ids:
                table.add(ident, nation, "actions", action_id)
                if card:
                    table.add(ident, nation, "cards", card)

    paths = _paths(content)
    if paths is not None:
        for path in paths:
            card = guide.nodes[path.outcome].card
            for action_id in path.actions:
                cite(action_id, path.nation, card)
            for step in path.steps:
                node = guide.nodes[step.node]
                for option in node.options:
                    if step.label and option.label == step.label:
                        for ident in option.facts:
                            facts.add(ident, path.nation, "questions", node.id)
    else:
        for node in guide.nodes.values():
            for nation in NATIONS:
                for ref in node.actions:
                    cite(ref.id, nation, node.card if node.type == "outcome" else "")
                for option in node.options:
                    for ident in option.facts:
                        facts.add(ident, nation, "questions", node.id)
    order = list(guide.actions)
    nodes = list(guide.nodes)
    return Uses(facts.result(order, nodes), slots.result(order, nodes))


@dataclass(frozen=True)
class DueFact:
    """A fact that is due (or, with ``within_days``, soon due) for review."""

    fact: Fact
    days_overdue: int  # days past review_by; negative = days left before it
    used_by: tuple[Use, ...]  # one entry per nation that uses it, in the order of NATIONS
    feedback: tuple[str, ...] = ()  # knowledge feedback items that cite it

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    def to_dict(self, content: Content) -> dict:
        fact = self.fact
        sources = []
        for ref in fact.sources:
            source = content.sources.get(ref.id)
            sources.append(
                {
                    "id": ref.id,
                    "title": source.title if source else "",
                    "url": source.url if source else "",
                    "version": source.version if source else "",
                    "locator": ref.locator,
                }
            )
        return {
            "id": fact.id,
            "statement": fact.statement,
            "status": fact.status,
            "volatility": fact.volatility,
            "nations": list(fact.nations),
            "value": fact.value,
            "sources": sources,
            "last_checked": fact.last_checked.isoformat(),
            "checked_by": fact.checked_by,
            "review_by": fact.review_by.isoformat(),
            "days_overdue": self.days_overdue,
            "overdue": self.overdue,
            "used_by": {use.nation: use.to_dict() for use in self.used_by},
            "feedback": list(self.feedback),
        }


def is_due(days_overdue: int, within_days: int | None) -> bool:
    if within_days is None:
        return True
    return days_overdue > 0 or (within_days > 0 and -days_overdue <= within_days)


def due_facts(
    content: Content,
    as_of: date,
    within_days: int | None = 0,
    nation: str | None = None,
    volatility: str | None = None,
) -> list[DueFact]:
    """Confirmed and unverified facts past ``review_by`` on ``as_of``, oldest review date first.

    ``within_days=N`` (N > 0) adds those whose review date is at most N days ahead;
    ``within_days=None`` lists every fact.  A fact is overdue from the day after its review
    date.  ``nation`` keeps facts valid for that nation; ``volatility`` keeps one class.
    """
    uses = graph_uses(content)
    feedback: dict[str, set[str]] = defaultdict(set)
    for entry in content.feedback.values():
        for version in (entry.default, *entry.by_nation.values()):
            for ident in version.facts:
                feedback[ident].add(entry.item)
    out = []
    for fact in content.facts.values():
        if fact.status not in LISTED_STATUSES:
            continue
        if nation is not None and nation not in fact.nations:
            continue
        if volatility is not None and fact.volatility != volatility:
            continue
        days = (as_of - fact.review_by).days
        if not is_due(days, within_days):
            continue
        used = uses.facts.get(fact.id, {})
        if nation is not None:
            used = {n: u for n, u in used.items() if n == nation}
        out.append(
            DueFact(
                fact,
                days,
                tuple(used[n] for n in NATIONS if n in used),
                tuple(sorted(feedback.get(fact.id, ()))),
            )
        )
    return sorted(out, key=lambda d: (d.fact.review_by, d.fact.id))


def fact_display(fact: Fact, as_of: date) -> str:
    """The dated line shown under a fact: when it was last checked, and a notice once it is
    past its review date (the fact is still shown: an old number can be better than none).

    Raises ``ValueError`` for a fact that is not confirmed, since such facts are never shown.
    """
    if not fact.shown:
        raise ValueError(f"fact '{fact.id}' is {fact.status}, and is never shown as a fact.")
    text = f"Last checked {nhs_date(fact.last_checked)}."
    if fact.overdue(as_of):
        text += f" {OVERDUE_NOTICE}"
    return text
