"""Knowledge feedback as a short lesson, shown to a respondent at the end of a survey.

For each knowledge statement the respondent answered: the right answer, what they gave, one
sentence on why, and the dated facts (with their sources) it rests on; the published figure
where there is one ("In a survey of 782 NHS staff ..., 76.5% did not know this"); the score;
a calibration box (statements the respondent felt sure about but got wrong); and the nation's
"what to do" card with the helplines.

Where everything comes from, so that one fact changes in one place:

- ``feedback.yaml`` (in the guide's content folder) holds, per knowledge item, the key, the
  explanation and the fact ids (with per-nation overrides); its ``calibration`` section says
  which self-rating items speak to which knowledge items, and its ``card`` section which of
  the adult outcome's actions the card shows;
- the facts and their sources are the guide's (``facts.yaml``, ``sources.yaml``), shown
  through :mod:`readiness.guide.present`, so a fact is dated and sourced as on every page;
- a benchmark's numbers are the instrument's published figure for the indicator named by
  ``figure`` (the text holds ``{percent}``, ``{count}`` and ``{denominator}``).

An item whose instrument key differs from ``feedback.yaml`` (a study's own instrument that
reuses an id) falls back to the instrument's own explanation and source, never to a lesson
that would contradict the key the respondent was scored against.

Nothing here reads the respondent's identity or stores anything: a lesson is computed from
the answers each time it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from readiness.errors import GuideError, Problem
from readiness.guide.model import NATION_NAMES, NATIONS, Content, Feedback, FeedbackEntry
from readiness.guide.present import (
    ActionView,
    Contact,
    FactView,
    action_view,
    expand_acronyms,
    fact_view,
)
from readiness.instrument.conditions import same_code
from readiness.instrument.model import (
    DONT_KNOW,
    TRUE_FALSE_CHOICES,
    Instrument,
    Item,
    PublishedFigure,
    web_link,
)
from readiness.instrument.scoring import is_shown
from readiness.instrument.yamlio import LineMap, load_yaml

FILE = "feedback.yaml"
CONFIDENT_FROM = 4  # "Agree" on the 5-point scale: the respondent says they know or can
LABELS = dict(TRUE_FALSE_CHOICES)

# What each result is called on the page; "don't know" is never called wrong.
CORRECT, INCORRECT, NOT_SURE, NOT_ANSWERED = "correct", "incorrect", "not_sure", "not_answered"
VERDICTS = {
    CORRECT: "Right",
    INCORRECT: "Not right",
    NOT_SURE: "Not sure: here is the answer",
    NOT_ANSWERED: "Not answered: here is the answer",
}
CARD_TITLE = "What to do if you think someone has been trafficked"


# -- the lesson ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Benchmark:
    """A published figure about the statement, as one sentence with where it was published."""

    text: str
    citation: str = ""
    url: str = ""


@dataclass(frozen=True)
class LessonItem:
    id: str  # the instrument's item id
    statement: str
    key: bool
    right_answer: str  # "True" | "False"
    given: str  # "True" | "False" | "Don't know" | "" (not answered)
    result: str  # correct | incorrect | not_sure | not_answered
    explanation: str
    facts: tuple[FactView, ...] = ()
    citation: str = ""  # only when no facts: the instrument's own source
    url: str = ""
    benchmark: Benchmark | None = None
    guide_link: str = ""
    base_id: str = ""  # the shipped item this one stands for (a nation variant's base)

    @property
    def correct(self) -> bool:
        return self.result == CORRECT

    @property
    def verdict(self) -> str:
        return VERDICTS[self.result]

    @property
    def overdue(self) -> bool:
        return any(f.overdue for f in self.facts)


@dataclass(frozen=True)
class ConfidentRating:
    """A self-rating of "Agree" or more that speaks to a statement."""

    item: str  # the rating item's id
    text: str
    label: str  # the respondent's answer, e.g. "Strongly agree"
    why: str  # why the rating speaks to the statement


@dataclass(frozen=True)
class CalibrationNote:
    """A statement answered wrongly that the respondent rated themselves confident about."""

    item: LessonItem
    ratings: tuple[ConfidentRating, ...]


@dataclass(frozen=True)
class HelplineView:
    statement: str
    number: str
    fact: FactView

    @property
    def tel(self) -> str:
        """The number as a tel: address (digits and a leading +), or "" if it is not one."""
        digits = "".join(ch for ch in self.number if ch.isdigit() or ch == "+")
        return f"tel:{digits}" if len(digits) >= 3 else ""


@dataclass(frozen=True)
class CardAction:
    action: ActionView  # its text with acronyms spelt out at their first use on the card
    lead: str = ""  # when it applies, e.g. "If the adult agrees to be referred"


@dataclass(frozen=True)
class Card:
    """The nation's "what to do" card: the adult outcome's key actions and the helplines."""

    title: str
    nation: str
    nation_name: str
    actions: tuple[CardAction, ...]
    helplines: tuple[HelplineView, ...]
    disclaimer: str = ""

    @property
    def overdue(self) -> bool:
        return any(a.action.overdue for a in self.actions) or any(
            h.fact.overdue for h in self.helplines
        )


@dataclass(frozen=True)
class Lesson:
    nation: str
    nation_name: str
    items: tuple[LessonItem, ...]
    calibration: tuple[CalibrationNote, ...]
    card: Card | None
    as_of: date
    version: str = ""  # the guide content's version

    @property
    def score(self) -> int:
        return sum(1 for i in self.items if i.correct)

    @property
    def out_of(self) -> int:
        return len(self.items)

    @property
    def not_sure(self) -> int:
        return sum(1 for i in self.items if i.result == NOT_SURE)

    @property
    def benchmarks(self) -> tuple[LessonItem, ...]:
        return tuple(i for i in self.items if i.benchmark is not None)


# -- the calibration and card sections of feedback.yaml ----------------------------------------


@dataclass(frozen=True)
class RatingLink:
    rating: str  # a perceived-knowledge or confidence item
    knowledge: tuple[str, ...]  # base knowledge item ids it speaks to
    why: str
    line: int | None = None


@dataclass(frozen=True)
class FeedbackConfig:
    confident_from: int = CONFIDENT_FROM
    ratings: tuple[RatingLink, ...] = ()
    card_outcome: str = ""
    card_actions: tuple[str, ...] = ()
    card_leads: Mapping[str, str] = field(default_factory=dict)  # action -> when it applies
    card_helplines: tuple[str, ...] = ()  # contact fact ids; empty: every contact with a number
    about: Mapping[str, str] = field(default_factory=dict)  # item -> the nation it names
    lines: LineMap = field(default_factory=LineMap)


_CONFIGS: dict[tuple[str, float], FeedbackConfig] = {}


def feedback_config(content: Content) -> FeedbackConfig:
    """The ``calibration`` and ``card`` sections of the content's feedback.yaml."""
    path = Path(content.folder) / FILE if content.folder else None
    if path is None or not path.exists():
        return FeedbackConfig()
    stamp = (str(path), path.stat().st_mtime)
    if stamp not in _CONFIGS:
        _CONFIGS.clear()
        _CONFIGS[stamp] = _read_config(path)
    return _CONFIGS[stamp]


def _read_config(path: Path) -> FeedbackConfig:  # noqa: C901 - each configuration key checked with its own message
    try:
        data, lines = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise GuideError(
            [
                Problem(
                    "is not valid YAML.",
                    "Correct the YAML syntax at that line.",
                    file=FILE,
                    line=mark.line + 1 if mark else None,
                )
            ],
            file=FILE,
        ) from None
    problems: list[Problem] = []

    def fail(where: tuple, message: str, fix: str) -> None:
        column = ".".join(str(p) for p in where) or None
        problems.append(Problem(message, fix, file=FILE, line=lines.line(where), column=column))

    data = data if isinstance(data, dict) else {}
    calibration = data.get("calibration") or {}
    card = data.get("card") or {}
    if not isinstance(calibration, dict):
        fail(("calibration",), "'calibration' must be a mapping.", "Write confident_from, ratings.")
        calibration = {}
    if not isinstance(card, dict):
        fail(("card",), "'card' must be a mapping.", "Write outcome and actions.")
        card = {}
    confident = calibration.get("confident_from", CONFIDENT_FROM)
    if not isinstance(confident, int) or isinstance(confident, bool):
        fail(("calibration", "confident_from"), "must be a whole number.", "Write 4 (Agree).")
        confident = CONFIDENT_FROM
    links = []
    ratings = calibration.get("ratings") or {}
    if not isinstance(ratings, dict):
        fail(("calibration", "ratings"), "must be a mapping.", "Write ITEM: {knowledge, why}.")
        ratings = {}
    for rating, raw in ratings.items():
        where = ("calibration", "ratings", rating)
        raw = raw if isinstance(raw, dict) else {}
        knowledge = raw.get("knowledge")
        if isinstance(knowledge, str):
            knowledge = [knowledge]
        if not isinstance(knowledge, list) or not knowledge:
            fail(where, f"'{rating}' lists no knowledge items.", "Write knowledge: [ids].")
            knowledge = []
        why = str(raw.get("why") or "").strip()
        if not why:
            fail(where, f"'{rating}' does not say why.", "Write why: one sentence.")
        links.append(RatingLink(str(rating), tuple(map(str, knowledge)), why, lines.line(where)))
    lists: dict[str, tuple[str, ...]] = {}
    leads: dict[str, str] = {}
    for key in ("actions", "helplines"):
        value = card.get(key) or []
        value = [value] if isinstance(value, (str, dict)) else value
        if not isinstance(value, list):
            fail(("card", key), f"'{key}' must be a list.", "Write [id, id].")
            value = []
        ids = []
        for i, entry in enumerate(value):
            if isinstance(entry, dict) and key == "actions" and isinstance(entry.get("id"), str):
                ids.append(entry["id"])
                if entry.get("lead"):
                    leads[entry["id"]] = str(entry["lead"]).strip()
            elif isinstance(entry, str):
                ids.append(entry)
            else:
                fail(("card", key, i), "an entry must be an id.", "Write the id.")
        lists[key] = tuple(ids)
    about = {}
    given_entries = data.get("feedback")
    entries = given_entries if isinstance(given_entries, dict) else {}
    for item, raw in entries.items():
        nation = raw.get("about") if isinstance(raw, dict) else None
        if nation is None:
            continue
        if nation not in NATIONS:
            fail(("feedback", item, "about"), f"'about' is '{nation}'.", f"Use one of {NATIONS}.")
        else:
            about[str(item)] = nation
    if problems:
        raise GuideError(problems, file=FILE)
    return FeedbackConfig(
        confident_from=confident,
        ratings=tuple(links),
        card_outcome=str(card.get("outcome") or "").strip(),
        card_actions=lists["actions"],
        card_leads=leads,
        card_helplines=lists["helplines"],
        about=about,
        lines=lines,
    )


# -- building it --------------------------------------------------------------------------------


def _base_ids() -> dict[str, str]:
    from readiness.instrument.variants import base_item_ids

    return base_item_ids()


def knowledge_items(instrument: Instrument, answers: Mapping[str, Any]) -> list[Item]:
    """The true/false items with a key that this respondent was shown."""
    return [
        item
        for item in instrument.items
        if item.type == "true_false"
        and item.key is not None
        and is_shown(instrument, item.id, dict(answers))
    ]


def _result(given: Any, key: bool) -> str:
    if given is None or given == "":
        return NOT_ANSWERED
    if same_code(given, DONT_KNOW):
        return NOT_SURE
    return CORRECT if same_code(given, 1 if key else 0) else INCORRECT


def _given_label(given: Any) -> str:
    if given is None or given == "":
        return ""
    for code, label in TRUE_FALSE_CHOICES:
        if same_code(given, code):
            return label
    return str(given)


def _figure(instrument: Instrument, figure_id: str) -> PublishedFigure | None:
    """The whole-sample published figure of the indicator ``figure_id``, if the instrument has
    one (a figure lives with its indicator, in one place)."""
    for indicator in instrument.indicators:
        if indicator.id == figure_id:
            return next((p for p in indicator.published if p.where is None), None)
    return None


def benchmark_text(template: str, figure: PublishedFigure) -> str:
    """``template`` with ``{percent}``, ``{count}`` and ``{denominator}`` filled from the figure
    (a KeyError or ValueError means the template asks for something the figure lacks)."""
    values = {"percent": f"{figure.percent:.1f}"}
    if figure.count is not None:
        values["count"] = f"{figure.count:,}"
    if figure.denominator is not None:
        values["denominator"] = f"{figure.denominator:,}"
    return template.format_map(values)


def _benchmark(entry: FeedbackEntry, fb: Feedback, instrument: Instrument) -> Benchmark | None:
    if not fb.benchmark:
        return None
    figure_id = fb.benchmark_figure or entry.default.benchmark_figure
    figure = _figure(instrument, figure_id) if figure_id else None
    if figure is None:
        return None
    try:
        text = benchmark_text(fb.benchmark, figure)
    except (KeyError, ValueError, IndexError):
        return None
    source = instrument.sources.get(figure.source, {}) if figure.source else {}
    return Benchmark(text, str(source.get("citation", "")), web_link(source.get("url")))


def holds_for(fact_nations: Iterable[str], nation: str, about: str = "") -> bool:
    """Whether a fact may be cited to staff in ``nation``: it holds there, or the statement
    names another nation (``about``: "... with a GP in England") and the fact holds there."""
    nations = tuple(fact_nations)
    return nation in nations or bool(about and about in nations)


def nation_facts(
    content: Content, ids: Iterable[str], nation: str, as_of: date, about: str = ""
) -> tuple[FactView, ...]:
    """The facts as shown: confirmed, and valid for the nation (never another nation's fact,
    except the nation the statement itself names)."""
    out = []
    for ident in ids:
        fact = content.facts.get(ident)
        if fact is None or not holds_for(fact.nations, nation, about):
            continue
        view = fact_view(content, ident, as_of)
        if view is not None:
            out.append(view)
    return tuple(out)


def lesson_item(
    content: Content,
    instrument: Instrument,
    item: Item,
    given: Any,
    nation: str,
    as_of: date,
    base_ids: Mapping[str, str] | None = None,
    about: str = "",
) -> LessonItem:
    key = bool(item.key)
    base = (base_ids or {}).get(item.id, item.id)
    common: dict[str, Any] = dict(
        id=item.id,
        statement=item.text,
        key=key,
        right_answer=LABELS[1 if key else 0],
        given=_given_label(given),
        result=_result(given, key),
        base_id=base,
    )
    entry = content.feedback.get(item.id)
    fb = entry.for_nation(nation) if entry else None
    if entry is not None and fb is not None and fb.key == key:
        return LessonItem(
            **common,
            explanation=fb.explanation,
            facts=nation_facts(content, fb.facts, nation, as_of, about),
            benchmark=_benchmark(entry, fb, instrument),
            guide_link=fb.guide_link,
        )
    source = instrument.sources.get(item.source, {}) if item.source else {}
    return LessonItem(
        **common,
        explanation=item.explanation,
        citation=str(source.get("citation", "")),
        url=web_link(source.get("url")),  # never a javascript: link
    )


def _rating(answer: Any) -> float | None:
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


def calibration_notes(
    config: FeedbackConfig,
    instrument: Instrument,
    answers: Mapping[str, Any],
    items: Iterable[LessonItem],
) -> tuple[CalibrationNote, ...]:
    """The statements answered wrongly ("not sure" is not wrong) that a self-rating of at least
    ``confident_from`` (Agree) speaks to, each with those ratings, in the lesson's order."""
    confident: dict[str, list[ConfidentRating]] = {}
    for link in config.ratings:
        if link.rating not in instrument.item_ids:
            continue
        value = _rating(answers.get(link.rating))
        if value is None or value < config.confident_from:
            continue
        rating = instrument.item(link.rating)
        view = ConfidentRating(
            item=link.rating,
            text=rating.text,
            label=rating.label_for(answers.get(link.rating)) or f"{value:g}",
            why=link.why,
        )
        for knowledge in link.knowledge:
            confident.setdefault(knowledge, []).append(view)
    return tuple(
        CalibrationNote(item, tuple(confident[item.base_id]))
        for item in items
        if item.result == INCORRECT and item.base_id in confident
    )


def card_action_ids(content: Content, config: FeedbackConfig, nation: str) -> tuple[str, ...]:
    """The actions on the nation's card: those ``card.actions`` names (or every action of the
    outcome), leaving out any the outcome lists only for other nations."""
    node = content.guide.nodes.get(config.card_outcome)
    refs = {ref.id: ref for ref in node.actions} if node is not None else {}
    ids = config.card_actions or tuple(refs)
    out = []
    for ident in dict.fromkeys(ids):
        ref = refs.get(ident)
        nations = dict(ref.when.terms).get("nation") if ref is not None else None
        if nations is None or nation in nations:
            out.append(ident)
    return tuple(out)


def helplines(
    content: Content, nation: str, as_of: date, ids: Iterable[str] = ()
) -> tuple[HelplineView, ...]:
    """The contact facts ``ids`` (default: every contact fact with a number) that are confirmed,
    have a number and hold for the nation, in that order."""
    ids = tuple(ids) or tuple(content.facts)
    out = []
    for ident in ids:
        fact = content.facts.get(ident)
        if fact is None or fact.volatility != "contact" or not fact.value:
            continue
        if nation not in fact.nations:
            continue
        view = fact_view(content, fact.id, as_of)
        if view is not None:
            out.append(HelplineView(fact.statement, fact.value, view))
    return tuple(out)


def what_to_do_card(
    content: Content,
    nation: str,
    as_of: date,
    contacts: Mapping[str, Contact] | None = None,
    config: FeedbackConfig | None = None,
) -> Card | None:
    """The card for ``nation``, or None when feedback.yaml names no outcome for it."""
    config = config or feedback_config(content)
    ids = card_action_ids(content, config, nation)
    if not ids:
        return None
    seen: set[str] = set()
    actions = []
    for ident in ids:
        view = action_view(content, ident, nation, as_of, contacts)
        if view is None:
            continue
        text = expand_acronyms(view.text, content.guide.acronyms, seen)
        actions.append(CardAction(replace(view, text=text), config.card_leads.get(ident, "")))
    return Card(
        title=CARD_TITLE,
        nation=nation,
        nation_name=NATION_NAMES.get(nation, nation),
        actions=tuple(actions),
        helplines=helplines(content, nation, as_of, config.card_helplines),
        disclaimer=content.guide.disclaimer,
    )


def lesson(
    content: Content,
    instrument: Instrument,
    answers: Mapping[str, Any],
    nation: str,
    as_of: date,
    *,
    contacts: Mapping[str, Contact] | None = None,
) -> Lesson:
    """The lesson for one respondent's answers, for a study in ``nation``, on ``as_of``."""
    if nation not in NATIONS:
        raise ValueError(f"'{nation}' is not a nation: use one of {', '.join(NATIONS)}.")
    config = feedback_config(content)
    base_ids = _base_ids()
    items = tuple(
        lesson_item(
            content,
            instrument,
            item,
            answers.get(item.id),
            nation,
            as_of,
            base_ids,
            config.about.get(item.id, ""),
        )
        for item in knowledge_items(instrument, answers)
    )
    return Lesson(
        nation=nation,
        nation_name=NATION_NAMES[nation],
        items=items,
        calibration=calibration_notes(config, instrument, answers, items),
        card=what_to_do_card(content, nation, as_of, contacts, config),
        as_of=as_of,
        version=content.guide.version,
    )


# -- checking feedback.yaml against the instruments that use it ---------------------------------


def _sentences(text: str) -> int:
    from readiness.guide.check import sentences

    return len(sentences(text))


def check_feedback(
    content: Content, instruments: Mapping[str, Instrument | tuple[Instrument, tuple[str, ...]]]
) -> list[Problem]:
    """Every way ``feedback.yaml`` can disagree with the instruments and facts it serves.

    ``instruments`` maps a name to an instrument and the nations whose studies use it (an
    instrument alone: every nation).  For each nation and knowledge item: an entry exists, its
    key equals the instrument's, its explanation is one sentence, every fact it cites exists,
    holds for the nation and is confirmed; a benchmark's figure is an indicator of the
    instrument with a published figure that fills the text.  Then the calibration links and
    the card's outcome and actions exist.
    """
    config = feedback_config(content)
    lines = config.lines
    problems: list[Problem] = []

    def fail(where: tuple, message: str, fix: str) -> None:
        column = ".".join(str(p) for p in where) or None
        problems.append(Problem(message, fix, file=FILE, line=lines.line(where), column=column))

    used: set[str] = set()
    for name, value in instruments.items():
        instrument, nations = value if isinstance(value, tuple) else (value, NATIONS)
        for item in instrument.items:
            if item.type != "true_false" or item.key is None:
                continue
            used.add(item.id)
            entry = content.feedback.get(item.id)
            if entry is None:
                fail(("feedback",), f"{name}'s item '{item.id}' has no entry.", "Add one.")
                continue
            about = config.about.get(item.id, "")
            for nation in nations:
                _check_entry(content, instrument, name, item, entry, nation, about, fail)
    for item_id in content.feedback:
        if item_id not in used:
            fail(
                ("feedback", item_id),
                f"'{item_id}' is not a knowledge item of any instrument checked.",
                "Correct the id, or remove the entry.",
            )
    knowledge_bases = {_base_ids().get(i, i) for i in used}
    rating_items = {
        i.id for inst in instruments.values() for i in _inst(inst).items if i.type == "likert"
    }
    for link in config.ratings:
        where = ("calibration", "ratings", link.rating)
        if link.rating not in rating_items:
            fail(where, f"'{link.rating}' is not a rating item.", "Name a Likert item.")
        for bad in [k for k in link.knowledge if k not in knowledge_bases]:
            fail(where, f"'{bad}' is not a knowledge item.", "Name a true/false item.")
    _check_card(content, config, fail)
    return problems


def shipped_instruments() -> dict[str, tuple[Instrument, tuple[str, ...]]]:
    """The shipped survey and its nation variants, each with the nations whose studies use it
    (what ``check_feedback`` checks the shipped feedback.yaml against)."""
    from readiness.instrument import shipped_instrument
    from readiness.instrument.variants import load_variant, variant_names

    base = "readiness-survey"
    variants = [load_variant(n) for n in variant_names() if load_variant(n).base == base]
    own = tuple(n for n in NATIONS if n not in {v.nation for v in variants})
    out = {base: (shipped_instrument(base), own)}
    for variant in variants:
        out[variant.id] = (shipped_instrument(variant.id), (variant.nation,))
    return out


def _inst(value: Instrument | tuple[Instrument, tuple[str, ...]]) -> Instrument:
    return value[0] if isinstance(value, tuple) else value


def _check_entry(content, instrument, name, item, entry, nation, about, fail) -> None:
    fb = entry.for_nation(nation)
    where = ("feedback", item.id) + (("nations", nation) if nation in entry.by_nation else ())
    label = f"'{item.id}' in {NATION_NAMES[nation]}"
    if fb.key != item.key:
        fail(
            where + ("key",),
            f"{label}: key {str(fb.key).lower()}, but {name} keys it {str(item.key).lower()}.",
            "Make the two agree; if the answer differs by nation, give the nation a new item.",
        )
    if _sentences(fb.explanation) != 1:
        fail(where + ("explanation",), f"{label}: the explanation is not one sentence.", "Cut it.")
    if not fb.facts:
        fail(where + ("facts",), f"{label} cites no facts.", "Cite the facts it rests on.")
    for ident in fb.facts:
        fact = content.facts.get(ident)
        if fact is None:
            fail(where + ("facts",), f"{label} cites '{ident}', which is not a fact.", "Add it.")
        elif not holds_for(fact.nations, nation, about):
            fail(
                where + ("facts",),
                f"{label} cites '{ident}', which does not hold in {NATION_NAMES[nation]}.",
                f"Give {nation} an override citing facts that hold there.",
            )
        elif not fact.shown:
            fail(
                where + ("facts",),
                f"{label} cites '{ident}', which is {fact.status}.",
                "Cite confirmed facts only.",
            )
    if fb.benchmark:
        figure_id = fb.benchmark_figure or entry.default.benchmark_figure
        figure = _figure(instrument, figure_id) if figure_id else None
        if figure is None:
            fail(
                where + ("benchmark",),
                f"{label}: '{figure_id}' is not an indicator of {name} with a published figure.",
                "Name the indicator whose published figure the text gives.",
            )
        else:
            try:
                benchmark_text(fb.benchmark, figure)
            except (KeyError, ValueError, IndexError) as err:
                fail(
                    where + ("benchmark",),
                    f"{label}: the benchmark text asks for {err}, which the figure lacks.",
                    "Use {percent}, {count} or {denominator}.",
                )


def _check_card(content: Content, config: FeedbackConfig, fail) -> None:
    for ident in config.card_helplines:
        fact = content.facts.get(ident)
        if fact is None or fact.volatility != "contact" or not fact.value:
            fail(
                ("card", "helplines"),
                f"'{ident}' is not a contact fact with a number.",
                "List contact facts that have a value.",
            )
        elif not fact.shown:
            fail(("card", "helplines"), f"'{ident}' is {fact.status}.", "List confirmed ones.")
    if not config.card_outcome:
        return
    node = content.guide.nodes.get(config.card_outcome)
    if node is None or node.type != "outcome":
        fail(("card", "outcome"), f"'{config.card_outcome}' is not an outcome.", "Name one.")
        return
    listed = {ref.id for ref in node.actions}
    for ident in config.card_actions:
        if content.guide.actions.get(ident) is None or ident not in listed:
            fail(
                ("card", "actions"),
                f"'{ident}' is not an action of '{node.id}'.",
                f"Use the actions of {node.id}.",
            )
    for nation in NATIONS:
        ids = card_action_ids(content, config, nation)
        for ident in ids:
            action = content.guide.actions.get(ident)
            if action is not None and action.for_nation(nation) is None:
                fail(
                    ("card", "actions"),
                    f"'{ident}' has no text for {NATION_NAMES[nation]}.",
                    "Give it a variant, or list it for the outcome's other nations only.",
                )
        if not helplines(content, nation, date.max, config.card_helplines):
            fail(
                ("card", "helplines"),
                f"the card for {NATION_NAMES[nation]} has no confirmed helpline.",
                "List a contact fact that holds there.",
            )
