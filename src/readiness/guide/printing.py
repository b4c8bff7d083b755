"""The one-page A4 pathway for each nation, and the guide as one offline HTML file.

Both are built from the same graph the web walks, through the view records of
:mod:`readiness.guide.present`, so a fact is worded the same everywhere and an unconfirmed fact
is never printed.

The card (:func:`pathway_html`, :func:`print_pathway`) shows, in two columns: the questions as
numbered steps (the steps everyone takes, then those for adults only), what to do for an adult
and for a child (each action marked with the answers it depends on), the actions for every
case, the entitlement box (never delay treatment; the nation's exemptions) and the helplines.
Nothing is printed twice: the trust's contacts are only in the footer's box (with blank lines
to write in those not given), not after each action; an action that only gives numbers the
helplines box lists is left to the box, and the advice lines (:data:`HELPLINE_ACTIONS`) are
printed in it, less any sentence that only repeats a number; 999 is the first step's answer.
The footer also gives the content version, the range of dates the card's facts were checked,
"Do not use after" the earliest review date of any fact or local contact on the card, and a QR
code to the online guide, where every fact has its sources (there is no room for them on the
page).  Phone numbers are never split across lines.  The type starts at 11 pt and steps down
by 0.1 pt, never below :data:`MIN_FONT_PT`, until the card fits on one A4 page; content that
does not fit even then is refused, naming the nation.  The shipped content should reach
:data:`TARGET_FONT_PT`.

The offline file (:func:`build_offline`) is one HTML document with every position a member of
staff can reach as a ``<section>``, linked by ``#`` addresses and shown with CSS ``:target``: no
script, no server, no network.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from readiness.errors import GuideError, Problem, ReadinessError
from readiness.guide.model import NATION_NAMES, NATIONS, Condition, Content, Node
from readiness.guide.paths import (
    Path as GuidePath,
)
from readiness.guide.paths import (
    Position,
    enumerate_paths,
    open_options,
    replay,
    skip_preset,
)
from readiness.guide.present import (
    ACTION_PAGE_HEADING,
    ActionView,
    Contact,
    ContactView,
    FactView,
    PageView,
    action_view,
    contact_view,
    expand_acronyms,
    fact_view,
    nhs_date,
    page_view,
)

MAX_FONT_PT = 11.0
MIN_FONT_PT = 9.0  # the fitting refuses a card that needs smaller type
TARGET_FONT_PT = 10.0  # the least the shipped content should reach (the specification asks 11)
FONT_STEP_PT = 0.1
ENTITLEMENT_ACTIONS = ("entitlement",)  # with every action tagged treat_now: the entitlement box
# Printed in the helplines box, less any sentence that only repeats a number the box lists.
HELPLINE_ACTIONS = ("helpline_advice",)
CARD_NAMES = {"adult": "adult pathway", "child": "child pathway"}
CARD_HEADINGS = {
    "adult": "Adults (18 or over)",
    "child": "Children (under 18, or not sure)",
}
START_ID = "start"
ALWAYS = Condition()  # no condition
CARD_ID = "card"


# ---- the card's records -----------------------------------------------------------------------


@dataclass(frozen=True)
class CardAction:
    id: str
    title: str
    text: str
    condition: str = ""  # "If 3: Yes": the answers the action depends on, by step number
    uncertain: bool = False


@dataclass(frozen=True)
class CardOption:
    label: str
    leads_to: str = ""  # "child pathway" when every way on from this answer is a child's
    actions: tuple[CardAction, ...] = ()  # the action page this answer leads to
    facts: tuple[str, ...] = ()  # statements shown beside the answer


@dataclass(frozen=True)
class CardStep:
    number: int
    question: str
    help: str
    options: tuple[CardOption, ...]


@dataclass(frozen=True)
class CardOutcome:
    card: str
    summary: str
    actions: tuple[CardAction, ...]


@dataclass(frozen=True)
class CardSection:
    card: str  # "" for the steps everyone takes
    heading: str
    steps: tuple[CardStep, ...]
    outcomes: tuple[CardOutcome, ...]


@dataclass(frozen=True)
class Helpline:
    value: str
    before: str  # the fact's statement around its value, so the value can stand out
    after: str
    label: str = ""  # for a statement "label: value.", the label: printed after the number
    overdue: bool = False  # past its review date: the card says "Check before use"


@dataclass(frozen=True)
class Card:
    """Everything one nation's printed pathway shows, in reading order."""

    title: str
    nation: str
    nation_name: str
    printed: str
    disclaimer: str
    version: str
    sections: tuple[CardSection, ...]
    always: tuple[CardAction, ...]
    entitlement: tuple[CardAction, ...]
    helplines: tuple[Helpline, ...]
    advice: tuple[CardAction, ...]  # notes under the helplines (HELPLINE_ACTIONS)
    contacts: tuple[ContactView, ...]
    checked_from: str
    checked_to: str
    do_not_use_after: str
    overdue: bool
    online_url: str = ""
    qr_svg: str = ""
    fact_ids: tuple[str, ...] = field(default=())


def _expand(text: str, acronyms: Mapping[str, str], seen: set[str]) -> str:
    return expand_acronyms(text, acronyms, seen) if text else text


PHONE_NUMBER = re.compile(r"(?<![\w.,])\d{2,5}(?: \d{2,4}){1,3}(?![\w])")


def _glue_numbers(text: str) -> str:
    """``text`` with the spaces inside phone numbers ("028 9504 9999") made non-breaking, so
    that a number is never split across two lines of the card."""
    return PHONE_NUMBER.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)


def _check_nation(nation: str) -> None:
    if nation not in NATIONS:
        raise ReadinessError(f"'{nation}' is not a nation. Fix: use one of {', '.join(NATIONS)}.")


def _nation_paths(content: Content, nation: str) -> list[GuidePath]:
    return [p for p in enumerate_paths(content.guide) if p.nation == nation]


def _preset(content: Content, nation: str) -> tuple[int, ...]:
    return tuple(skip_preset(content.guide, {"nation": nation}))


class _Builder:
    """Builds a :class:`Card`, spelling out acronyms in the order the card is read."""

    def __init__(self, content, nation, as_of, contacts):
        self.content, self.nation, self.as_of, self.contacts = content, nation, as_of, contacts
        self.guide = content.guide
        self.seen: set[str] = set()
        self.facts: dict[str, FactView] = {}
        self.emergency: set[str] = set()  # the facts of the emergency actions printed
        self.setters: dict[str, tuple[int, dict[str, list[str]]]] = {}

    def x(self, text: str) -> str:
        return _glue_numbers(_expand(text, self.guide.acronyms, self.seen))

    def note_facts(self, views) -> None:
        for view in views:
            self.facts.setdefault(view.id, view)

    def condition(self, when: Condition) -> str:
        parts = []
        for var, values in when.terms:
            if var == "nation":
                continue
            if var in self.setters:
                number, labels = self.setters[var]
                said = [lab for v in values for lab in labels.get(v, [])] or list(values)
                parts.append(f"{number}: {' or '.join(dict.fromkeys(said))}")
            else:
                parts.append(f"{var} is {' or '.join(values)}")
        return f"If {' and '.join(parts)}" if parts else ""

    def action(
        self, action_id: str, when: Condition = ALWAYS, edit: Callable[[str], str] | None = None
    ) -> CardAction | None:
        view: ActionView | None = action_view(
            self.content, action_id, self.nation, self.as_of, self.contacts
        )
        if view is None:
            return None
        self.note_facts(view.facts)
        if "emergency" in self.guide.actions[action_id].tags:
            self.emergency.update(f.id for f in view.facts)
        condition = self.condition(when)
        title = view.title
        if condition and title.lower().startswith("if "):
            title = ""  # "If they need time" only repeats the condition printed before it
        text = edit(view.text) if edit else view.text
        return CardAction(view.id, self.x(title), self.x(text), condition, view.uncertain)

    def actions(self, refs, skip=()) -> tuple[CardAction, ...]:
        out = []
        for ref in refs:
            if ref.id in skip:
                continue
            act = self.action(ref.id, ref.when)
            if act is not None:
                out.append(act)
        return tuple(out)


def _without_repeats(text: str, numbers: set[str]) -> str:
    """``text`` less each sentence that only gives one of ``numbers`` ("Helpline, day or
    night: 08000 121 700."): a short label, a colon and the number."""
    alternatives = "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
    only = re.compile(rf"[^.:;]{{1,80}}:\s*(?:{alternatives})\.?") if numbers else None
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(s for s in sentences if not (only and only.fullmatch(s)))


def _helpline_facts(content: Content, nation: str, as_of: date) -> list[FactView]:
    """The confirmed contact facts with a number for ``nation``: the helplines box."""
    views = []
    for fact in content.facts.values():
        if fact.volatility != "contact" or not fact.value or nation not in fact.nations:
            continue
        view = fact_view(content, fact.id, as_of)
        if view is not None:
            views.append(view)
    return views


def _is_entitlement(content: Content, action_id: str) -> bool:
    action = content.guide.actions.get(action_id)
    return action_id in ENTITLEMENT_ACTIONS or bool(action and "treat_now" in action.tags)


def _holds_somewhere(when: Condition, states: list[Mapping[str, str]]) -> bool:
    return any(when.holds(s) for s in states)


def build_card(
    content: Content,
    nation: str,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
    online_url: str = "",
) -> Card:
    """The records of ``nation``'s card (what :func:`pathway_html` lays out).

    Acronyms are spelled out where the card is first read, so the parts are built in reading
    order: the sections, the actions for everyone, the helplines, the advice, the contacts.
    """
    _check_nation(nation)
    guide = content.guide
    paths = _nation_paths(content, nation)
    if not paths:
        raise ReadinessError(f"the guide has no path for {NATION_NAMES[nation]}.")
    before = {s.node for s in replay(guide, _preset(content, nation)).steps}
    b = _Builder(content, nation, as_of, contacts)
    walk = _Walk.of(guide, paths, before)
    groups = ["", *walk.cards(guide)]
    numbered = sorted(walk.shown(guide), key=lambda n: groups.index(walk.card_of(n)))
    numbers = {n: i for i, n in enumerate(numbered, start=1)}
    for node_id in numbered:  # which step sets each state variable, and with which answers
        for option in guide.nodes[node_id].options:
            for var, value in option.set:
                number, labels = b.setters.setdefault(var, (numbers[node_id], {}))
                labels.setdefault(value, []).append(option.label)
    helpline_views = _helpline_facts(content, nation, as_of)
    plan = _OutcomeActions.of(b, walk.outcome_states, {v.id for v in helpline_views})
    sections = [
        _section(b, walk, plan, card, [n for n in numbered if walk.card_of(n) == card], numbers)
        for card in groups
    ]
    always = b.actions(plan.common_refs())
    entitlement = b.actions(plan.entitlement_refs())
    helplines = _helplines(b, helpline_views)
    listed = {h.value for h in helplines}
    advice = tuple(
        a
        for r in plan.advice.values()
        if (a := b.action(r.id, edit=lambda text: _without_repeats(text, listed))) and a.text
    )
    slots = content.slots_for(nation)
    local = tuple(contact_view(content, s.id, contacts, as_of) for s in slots)
    local = tuple(ContactView(c.slot, b.x(c.label), c.value, c.overdue) for c in local)
    checked = [f.last_checked for f in b.facts.values()]
    last = _review_by(b, slots, contacts)
    return Card(
        title=guide.title,
        nation=nation,
        nation_name=NATION_NAMES[nation],
        printed=nhs_date(as_of),
        disclaimer=b.x(guide.disclaimer),
        version=guide.version,
        sections=tuple(sections),
        always=always,
        entitlement=entitlement,
        helplines=tuple(helplines),
        advice=advice,
        contacts=local,
        checked_from=nhs_date(min(checked)) if checked else "",
        checked_to=nhs_date(max(checked)) if checked else "",
        do_not_use_after=nhs_date(last) if last else "",
        overdue=bool(last and last < as_of),
        online_url=online_url,
        qr_svg=_qr_svg(online_url),
        fact_ids=tuple(b.facts),
    )


@dataclass
class _Walk:
    """Where a nation's paths go after the steps its preset answers: the nodes in the order
    they are met, the pathways (cards) each node and each answer leads to, and the states in
    which each outcome is reached."""

    order: list[str] = field(default_factory=list)
    node_cards: dict[str, set[str]] = field(default_factory=dict)
    answer_cards: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    outcome_states: dict[str, list[Mapping[str, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, guide, paths: list[GuidePath], before: set[str]) -> _Walk:
        walk = cls()
        for path in paths:
            card = guide.nodes[path.outcome].card or path.outcome
            walk.outcome_states.setdefault(path.outcome, []).append(path.state)
            for walked in path.steps:
                if walked.node in before:
                    continue
                if walked.node not in walk.node_cards:
                    walk.order.append(walked.node)
                walk.node_cards.setdefault(walked.node, set()).add(card)
                walk.answer_cards.setdefault((walked.node, walked.label), set()).add(card)
        return walk

    def cards(self, guide) -> list[str]:
        """The pathways reached: the known ones in their order, then any other."""
        found = dict.fromkeys(guide.nodes[o].card or o for o in self.outcome_states)
        return [c for c in CARD_NAMES if c in found] + [c for c in found if c not in CARD_NAMES]

    def card_of(self, node_id: str) -> str:
        """The one pathway a node belongs to, or "" for a node on several."""
        found = self.node_cards[node_id]
        return next(iter(found)) if len(found) == 1 else ""

    def shown(self, guide) -> list[str]:
        """The nodes printed as steps: questions that are not routers, and actions not printed
        under the answer that leads to them."""
        nodes = guide.nodes
        inlined = {
            o.next
            for n in self.order
            if nodes[n].type == "question"
            for o in nodes[n].options
            if o.label and o.next in nodes and nodes[o.next].type == "action"
        }
        return [
            n
            for n in self.order
            if (nodes[n].type == "question" and not nodes[n].is_router)
            or (nodes[n].type == "action" and n not in inlined)
        ]


@dataclass
class _OutcomeActions:
    """The outcomes' actions sorted into where the card prints them: those every outcome
    carries without a condition (``common``, printed once), entitlements (in their box),
    helpline advice, and actions that only repeat numbers the helplines box lists (left to
    the box unless they depend on an answer)."""

    refs: dict[str, list]  # by outcome id, the actions that hold in a state it is reached in
    entitled: set[str]
    advice: dict[str, Any]
    repeats: set[str]
    common: set[str]

    @classmethod
    def of(cls, b: _Builder, outcome_states: dict, listed_facts: set[str]) -> _OutcomeActions:
        content = b.content
        refs = {
            o.id: [r for r in o.actions if _holds_somewhere(r.when, outcome_states[o.id])]
            for o in (content.guide.nodes[o] for o in outcome_states)
        }
        every_ref = [r for rs in refs.values() for r in rs]
        entitled = {r.id for r in every_ref if _is_entitlement(content, r.id)}

        def repeats_box(action_id: str) -> bool:
            view = action_view(content, action_id, b.nation, b.as_of, b.contacts)
            return bool(view and view.facts and {f.id for f in view.facts} <= listed_facts)

        conditional = {r.id for r in every_ref if r.when}
        repeats = {r.id for r in every_ref if r.id not in conditional and repeats_box(r.id)}
        advice = {
            r.id: r
            for r in every_ref
            if r.id in HELPLINE_ACTIONS and not r.when and r.id not in entitled
        }
        plain = [{r.id for r in rs if not r.when} for rs in refs.values()]
        common = (
            set.intersection(*plain) - entitled - set(advice) - repeats if len(plain) > 1 else set()
        )
        return cls(refs, entitled, advice, repeats, common)

    @property
    def printed_elsewhere(self) -> set[str]:
        return self.entitled | self.common | set(self.advice) | self.repeats

    def common_refs(self) -> list:
        first = next(iter(self.refs))
        return [r for r in self.refs[first] if r.id in self.common]

    def entitlement_refs(self) -> list:
        return list(
            {r.id: r for rs in self.refs.values() for r in rs if r.id in self.entitled}.values()
        )


def _section(
    b: _Builder,
    walk: _Walk,
    plan: _OutcomeActions,
    card: str,
    step_ids: list[str],
    numbers: dict[str, int],
) -> CardSection:
    """A pathway's steps and outcomes ("" for the steps everyone takes first)."""
    guide, nation = b.guide, b.nation
    steps = tuple(_step(b, walk, node_id, numbers[node_id]) for node_id in step_ids)
    outs = tuple(
        CardOutcome(
            card,
            b.x(o.field_for("summary", nation)),
            b.actions(plan.refs[o.id], skip=plan.printed_elsewhere),
        )
        for o in (guide.nodes[o] for o in walk.outcome_states)
        if (o.card or o.id) == card
    )
    heading = CARD_HEADINGS.get(card, card) if card else "Everyone: first steps"
    return CardSection(card, heading, steps, outs)


def _step(b: _Builder, walk: _Walk, node_id: str, number: int) -> CardStep:
    """A numbered step: a question with its answers, or a list of actions."""
    node: Node = b.guide.nodes[node_id]
    if node.type == "action":
        acts = b.actions(node.actions)
        return CardStep(number, b.x(ACTION_PAGE_HEADING), "", (CardOption("", "", acts),))
    question, help_ = b.x(node.field_for("text", b.nation)), b.x(node.field_for("help", b.nation))
    return CardStep(number, question, help_, _options(b, walk, node, node_id))


def _options(b: _Builder, walk: _Walk, node: Node, node_id: str) -> tuple[CardOption, ...]:
    """The answers to a question on this card: what each leads to (the pathway, when the
    question is on several) and the facts and actions it brings."""
    options: list[CardOption] = []
    for option in node.options:
        reached = walk.answer_cards.get((node_id, option.label))
        if not option.label or not reached:
            continue
        leads = ""
        if len(walk.node_cards[node_id]) > 1 and len(reached) == 1:
            leads = CARD_NAMES.get(next(iter(reached)), next(iter(reached)))
        label = b.x(option.label)
        facts = tuple(v for f in option.facts if (v := fact_view(b.content, f, b.as_of)))
        b.note_facts(facts)
        statements = tuple(b.x(f.statement) for f in facts)
        target = b.guide.nodes.get(option.next)
        acts = b.actions(target.actions) if target and target.type == "action" else ()
        last = options[-1] if options else None
        if last and leads and last.leads_to == leads and not (acts or last.actions):
            # "Yes or Not sure: -> child pathway": answers that only lead the same way
            options[-1] = CardOption(f"{last.label} or {label}", leads, (), last.facts + statements)
        else:
            options.append(CardOption(label, leads, acts, statements))
    return tuple(options)


def _helplines(b: _Builder, views: list[FactView]) -> list[Helpline]:
    """The helplines box: each number, and the words around it or the name it is listed by."""
    helplines = []
    for view in views:
        if view.id in b.emergency:  # "Call 999 now" is the first step's answer already
            continue
        b.note_facts([view])
        statement, value = b.x(view.statement), _glue_numbers(view.value)
        at = re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", statement)
        named = re.fullmatch(rf"(.+?):\s*{re.escape(value)}\.?", statement.strip())
        if named:
            helplines.append(Helpline(view.value, "", "", named.group(1), view.overdue))
        elif at:
            lead, trail = statement[: at.start()], statement[at.end() :]
            helplines.append(Helpline(view.value, lead, trail, overdue=view.overdue))
        else:
            helplines.append(Helpline(view.value, "", f" {statement}", overdue=view.overdue))
    return helplines


def _review_by(b: _Builder, slots, contacts: Mapping[str, Contact] | None) -> date | None:
    """The first date by which a fact or local contact on the card is due to be checked."""
    reviews = [f.review_by for f in b.facts.values()]
    for slot in slots:
        entry = (contacts or {}).get(slot.id)
        if entry is not None and entry.value:
            reviews.append(entry.review_by)
    return min(reviews) if reviews else None


def _qr_svg(online_url: str) -> str:
    if not online_url:
        return ""
    import segno

    return segno.make(online_url, error="m").svg_inline(scale=1, border=0, omitsize=True)


# ---- HTML -------------------------------------------------------------------------------------


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("readiness.guide", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _check_font(font_pt: float) -> float:
    if not MIN_FONT_PT <= font_pt <= MAX_FONT_PT:
        raise ValueError(
            f"the card's type must be {MIN_FONT_PT} to {MAX_FONT_PT} pt, not {font_pt}."
        )
    return float(font_pt)


def _pt(font_pt: float) -> Callable[[float], str]:
    """A size as a multiple (at least 1) of the body type, in points."""

    def size(times: float = 1.0) -> str:
        return f"{round(font_pt * max(times, 1.0), 2)}pt"

    return size


def pathway_html(
    content: Content,
    nation: str,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
    online_url: str = "",
    *,
    font_pt: float = MAX_FONT_PT,
) -> str:
    """``nation``'s one-page A4 card as a self-contained HTML document (inline CSS and SVG)."""
    font_pt = _check_font(font_pt)
    card = build_card(content, nation, as_of, contacts, online_url)
    return _environment().get_template("pathway.html.j2").render(c=card, pt=_pt(font_pt))


# ---- PDF --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FittedPathway:
    """The card at the largest type that fits on one A4 page."""

    nation: str
    font_pt: float
    html: str
    document: Any  # weasyprint.Document


def _render(html: str):
    from readiness.report.pdf import data_only_fetcher, require_weasyprint

    require_weasyprint()
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=data_only_fetcher()).render()


def _font_steps() -> list[float]:
    n = round((MAX_FONT_PT - MIN_FONT_PT) / FONT_STEP_PT)
    return [round(MAX_FONT_PT - i * FONT_STEP_PT, 2) for i in range(n + 1)]


def fit_pathway(
    content: Content,
    nation: str,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
    online_url: str = "",
) -> FittedPathway:
    """Lay ``nation``'s card out at the largest type, from :data:`MAX_FONT_PT` down to
    :data:`MIN_FONT_PT` in steps of 0.1 pt, that fits on one A4 page; raise
    :class:`GuideError` naming the nation when none does."""
    sizes = _font_steps()
    tried: dict[float, tuple[str, Any]] = {}

    def attempt(i: int) -> bool:
        html = pathway_html(content, nation, as_of, contacts, online_url, font_pt=sizes[i])
        tried[sizes[i]] = (html, _render(html))
        return len(tried[sizes[i]][1].pages) == 1

    if not attempt(0):
        last = len(sizes) - 1
        if not attempt(last):
            _too_long(content, nation, as_of, contacts, len(tried[sizes[last]][1].pages))
        lo, hi = 0, last  # sizes[lo] does not fit, sizes[hi] does
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if attempt(mid):
                hi = mid
            else:
                lo = mid
        best = sizes[hi]
    else:
        best = sizes[0]
    html, document = tried[best]
    return FittedPathway(nation, best, html, document)


def _too_long(content, nation, as_of, contacts, pages: int) -> None:
    card = build_card(content, nation, as_of, contacts)
    texts: dict[str, int] = {}
    every = [a for s in card.sections for st in s.steps for o in st.options for a in o.actions]
    every += [a for s in card.sections for o in s.outcomes for a in o.actions]
    every += list(card.always) + list(card.entitlement)
    for act in every:
        texts[act.id] = max(texts.get(act.id, 0), len(act.text))
    longest = sorted(texts.items(), key=lambda kv: -kv[1])[:3]
    named = ", ".join(f"{ident} ({n} characters)" for ident, n in longest)
    name = NATION_NAMES[nation]
    raise GuideError(
        [
            Problem(
                f"the {name} pathway needs {pages} pages even at {MIN_FONT_PT} pt type; "
                "it must fit on one A4 page.",
                f"Shorten the texts on the {name} card, longest first: {named}.",
                file="guide.yaml",
            )
        ]
    )


def print_pathway(
    content: Content,
    nation: str,
    out_path: str | Path,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
    online_url: str = "",
) -> Path:
    """Print ``nation``'s card to a one-page A4 PDF at ``out_path`` (written atomically: a
    failure leaves any earlier file whole).  Raises :class:`GuideError` naming the nation
    when the card does not fit on one page."""
    from readiness.tabular import atomic_write

    fitted = fit_pathway(content, nation, as_of, contacts, online_url)
    pages = len(fitted.document.pages)
    if pages != 1:  # fit_pathway only returns a fitting card; this guards against its change
        raise ReadinessError(f"the {NATION_NAMES[nation]} pathway has {pages} pages, not one.")
    out = Path(out_path)
    atomic_write(out, lambda tmp: fitted.document.write_pdf(str(tmp)))
    return out


# ---- the offline file -------------------------------------------------------------------------


@dataclass(frozen=True)
class OfflinePage:
    id: str
    back: str  # the section before this one ("" at the start)
    page: PageView
    links: tuple[tuple[str, str], ...]  # (label, section id) for each way on
    answers: tuple[tuple[str, str], ...]
    heading: str
    help: str
    options: tuple[tuple[str, str, tuple[FactView, ...]], ...]  # label, id, facts
    actions: tuple[ActionView, ...]
    done: tuple[ActionView, ...]


def _section_id(choices: tuple[int, ...], preset: tuple[int, ...]) -> str:
    rest = choices[len(preset) :]
    return "p" + "-".join(str(c) for c in rest) if rest else START_ID


def positions(content: Content, nation: str) -> list[Position]:
    """Every position a member of staff in ``nation`` can reach, depth first in option order."""
    _check_nation(nation)
    guide = content.guide
    todo = [_preset(content, nation)]
    found: list[Position] = []
    while todo:
        pos = replay(guide, todo.pop())
        found.append(pos)
        if pos.node.type == "action":
            todo.append(pos.choices + (0,))
        elif pos.node.type == "question":
            todo.extend(pos.choices + (i,) for i, _ in reversed(open_options(pos.node, pos.state)))
    return found


def _expanded(view: ActionView, x: Callable[[str], str]) -> ActionView:
    return ActionView(
        view.id,
        x(view.title),
        x(view.text),
        tuple(
            FactView(
                f.id, x(f.statement), f.sources, f.last_checked, f.review_by, f.overdue, f.value
            )
            for f in view.facts
        ),
        tuple(ContactView(c.slot, x(c.label), c.value, c.overdue) for c in view.contacts),
        view.uncertain,
    )


def _offline_page(content: Content, pos: Position, preset, as_of, contacts) -> OfflinePage:
    view = page_view(content, pos, as_of, contacts)
    seen: set[str] = set()

    def x(text: str) -> str:
        return _expand(text, content.guide.acronyms, seen)

    here = _section_id(pos.choices, preset)
    back = _section_id(pos.choices[:-1], preset) if len(pos.choices) > len(preset) else ""
    heading, help_ = x(view.heading), x(view.help)
    options = tuple(
        (
            x(o.label),
            _section_id(pos.choices + (o.index,), preset),
            tuple(
                FactView(f.id, x(f.statement), f.sources, f.last_checked, f.review_by, f.overdue)
                for f in o.facts
            ),
        )
        for o in view.options
    )
    links = tuple((label, target) for label, target, _ in options)
    if view.kind == "action":
        links = (("Continue", _section_id(pos.choices + (0,), preset)),)
    actions = tuple(_expanded(a, x) for a in view.actions)
    done = tuple(_expanded(a, x) for a in view.done_so_far)
    # "Your answers" is folded away, so it spells out its acronyms for itself.
    folded: set[str] = set()
    answers = tuple(
        (_expand(a.question, content.guide.acronyms, folded), a.answer) for a in view.answers
    )
    return OfflinePage(here, back, view, links, answers, heading, help_, options, actions, done)


def offline_html(
    content: Content,
    nation: str,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
    online_url: str = "",
) -> str:
    """The whole guide for ``nation`` as one self-contained HTML document (no script); its
    one-page summary carries a QR code to ``online_url`` when one is given."""
    card = build_card(content, nation, as_of, contacts, online_url)
    preset = _preset(content, nation)
    pages = [_offline_page(content, p, preset, as_of, contacts) for p in positions(content, nation)]
    start = next(p for p in pages if p.id == START_ID)
    others = [p for p in pages if p.id != START_ID]
    return (
        _environment()
        .get_template("offline.html.j2")
        .render(
            c=card,
            pt=_pt(MAX_FONT_PT),
            pages=others,
            start=start,
            start_id=START_ID,
            card_id=CARD_ID,
        )
    )


def build_offline(
    content: Content,
    nation: str,
    out_path: str | Path,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
    online_url: str = "",
) -> Path:
    """Write :func:`offline_html` to ``out_path`` atomically; returns the path."""
    from readiness.tabular import atomic_write

    html = offline_html(content, nation, as_of, contacts, online_url)
    out = Path(out_path)
    atomic_write(out, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return out


__all__ = [
    "MAX_FONT_PT",
    "MIN_FONT_PT",
    "TARGET_FONT_PT",
    "Card",
    "FittedPathway",
    "build_card",
    "build_offline",
    "fit_pathway",
    "offline_html",
    "pathway_html",
    "positions",
    "print_pathway",
]
