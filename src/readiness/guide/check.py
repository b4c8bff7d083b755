"""The guide's safety rules, proved on every path of every nation (``readiness guide check``).

:func:`check_content` walks every path from the start to an outcome (one per nation and
combination of answers) and checks the invariants I1-I11 of the specification:

- I1  "Yes" and "Not sure" to the age question both mean a child.
- I2  A child's path never asks an adult's consent question.
- I3  An adult is referred to the NRM only with consent (otherwise an anonymous Duty to Notify).
- I4  An adult's path tells the police only with consent, or when there is danger.
- I5  Every outcome starts with treatment: care is never delayed by a charging question.
- I6  Staff in England, Wales and Scotland are never told to submit the NRM form themselves
      (they are not First Responders), and every NRM referral there names the First
      Responder who makes it; Northern Ireland's HSC Trust staff may refer.
- I7  Every path documents and tells the safeguarding lead.
- I8  Every action, for each nation, cites facts that exist, hold for that nation, are
      confirmed and are in date; every fact's sources exist and have an address and version.
- I9  Every local contact an action names is a slot declared for that nation.
- I10 The graph is whole: every link exists, no cycles or dead ends, no unreachable node, no
      undefined action (an action on no path is a warning), and every nation has a path.
- I11 Plain English: long sentences and hard reading are warnings, never errors.

A breach found on many paths is reported once, with the first path and how many others share
it; a fact is reported once for each nation, however many paths cite it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from readiness.errors import Problem
from readiness.guide.model import (
    ALL,
    NATION_NAMES,
    NATIONS,
    Action,
    Content,
    Fact,
    Guide,
    Node,
    Option,
)
from readiness.guide.paths import GraphError, Path, enumerate_paths, outcome_actions

GUIDE, FACTS, SOURCES, SLOTS = "guide.yaml", "facts.yaml", "sources.yaml", "local-slots.yaml"
GREAT_BRITAIN = ("england", "wales", "scotland")
CONSENT_VARIABLES = ("consent_nrm", "consent_police")
READING_EASE_MIN = 30.0  # Flesch reading ease; plain English guidance aims well above this
SENTENCE_WORDS_MAX = 30
FLESCH_MIN_WORDS = 10  # the Flesch score says nothing useful about a text of a few words


@dataclass(frozen=True)
class CheckReport:
    """What the check found: errors (``problems``), ``warnings`` and paths walked per nation."""

    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    paths: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Finding:
    rule: str
    what: str
    fix: str
    file: str
    line: int | None
    column: str
    nation: str
    paths: list[str] = field(default_factory=list)

    def problem(self) -> Problem:
        text = f"{self.rule}: {self.what}"
        if self.nation:
            text += f" Nation: {NATION_NAMES.get(self.nation, self.nation)}."
        if self.paths:
            text += f" Path: {self.paths[0]}"
            more = len(self.paths) - 1
            if more:
                text += f" (and {more} more path{'s' if more > 1 else ''} like it)"
            text += "."
        return Problem(text, self.fix, file=self.file, line=self.line, column=self.column)


class _Check:
    """The content under check, the paths walked and what has been found so far."""

    def __init__(self, content: Content, as_of: date, ease_min: float, words_max: int):
        self.content = content
        self.guide: Guide = content.guide
        self.as_of = as_of
        self.ease_min = ease_min
        self.words_max = words_max
        self.paths: list[Path] = []
        self.walked = False
        self.links_broken = False  # a 'next' or the start names no node
        self.found: dict[tuple, _Finding] = {}

    def fail(
        self,
        rule: str,
        what: str,
        fix: str,
        *,
        file: str = GUIDE,
        line=None,
        column="",
        nation="",
        path: Path | None = None,
        key: tuple = (),
        warning=False,
    ) -> None:
        """Record a breach; the same breach on another path adds the path to the first one."""
        group = (warning, rule) + (key or (file, line, column, nation, what))
        finding = self.found.setdefault(
            group, _Finding(rule, what, fix, file, line, column, nation)
        )
        if path is not None:
            finding.paths.append(path.describe())

    def report(self) -> CheckReport:
        def order(item):
            return int(item[1].rule[1:])

        errors = sorted(((k, f) for k, f in self.found.items() if not k[0]), key=order)
        warnings = sorted(((k, f) for k, f in self.found.items() if k[0]), key=order)
        counts = {n: sum(1 for p in self.paths if p.nation == n) for n in NATIONS}
        return CheckReport(
            tuple(f.problem() for _, f in errors), tuple(f.problem() for _, f in warnings), counts
        )


def check_content(
    content: Content,
    as_of: date,
    *,
    reading_ease_min: float = READING_EASE_MIN,
    sentence_words_max: int = SENTENCE_WORDS_MAX,
) -> CheckReport:
    """Check every safety rule on every path of every nation, as of the date ``as_of``."""
    c = _Check(content, as_of, reading_ease_min, sentence_words_max)
    i1_not_sure_about_age_means_a_child(c)
    i10_every_link_exists(c)
    _walk(c)
    if c.walked:
        for rule in (
            i2_no_consent_question_for_a_child,
            i3_adult_nrm_referral_only_with_consent,
            i4_adult_police_only_with_consent_or_danger,
            i5_treatment_comes_first,
            i6_gb_staff_never_submit_the_nrm,
            i7_document_and_tell_the_lead,
            i8_actions_cite_sound_facts,
            i8_options_cite_sound_facts,
            i9_local_contacts_exist_for_the_nation,
            i10_every_node_is_reached,
            i10_every_nation_has_a_path,
        ):
            rule(c)
    i8_sources_are_named(c)
    i11_plain_english(c)
    return c.report()


# -- walking ------------------------------------------------------------------------------------


def _walk(c: _Check) -> None:
    try:
        c.paths, c.walked = enumerate_paths(c.guide), True
    except GraphError as err:
        if not c.links_broken:  # a missing link is already reported where it is
            node = _named_node(c.guide, str(err))
            line = node.line if node else None
            c.fail(
                "I10",
                f"the graph cannot be walked: {err}",
                _walk_fix(str(err)),
                line=line,
                column=node.id if node else "start",
            )


def _named_node(guide: Guide, message: str) -> Node | None:
    for name in re.findall(r"'(\w+)'", message):
        if name in guide.nodes:
            return guide.nodes[name]
    return None


def _walk_fix(message: str) -> str:
    if "cycle" in message or "loop" in message:
        return "Remove the loop: every option must lead forward, towards an outcome."
    if "no option" in message:
        return "Add an option for that state (it is a dead end), or route the state elsewhere."
    return "Make every option lead to a node that exists."


def _reached(c: _Check) -> Iterator[tuple[Path, Action]]:
    """Each defined action on each path that has a nation (once per path)."""
    for path in c.paths:
        if path.nation:
            for action_id in dict.fromkeys(path.actions):
                action = c.guide.actions.get(action_id)
                if action is not None:
                    yield path, action


def _listed_at(guide: Guide, path: Path, action_id: str) -> Node:
    """The node that gave ``action_id`` on ``path`` (its outcome, or an action page)."""
    outcome = guide.nodes[path.outcome]
    if action_id in outcome_actions(guide, outcome, path.state):
        return outcome
    for step in path.steps:
        node = guide.nodes[step.node]
        if node.type == "action" and action_id in (ref.id for ref in node.actions):
            return node
    return outcome


def _adult_tagged(c: _Check, tag: str) -> Iterator[tuple[Path, Action, Node]]:
    for path, action in _reached(c):
        if path.state.get("age") == "adult" and tag in action.tags:
            yield path, action, _listed_at(c.guide, path, action.id)


def _chosen(guide: Guide, path: Path) -> Iterator[tuple[Node, Option]]:
    """The visible options chosen on ``path``, with their questions."""
    for step in path.steps:
        node = guide.nodes[step.node]
        for option in node.options:
            if step.label and option.label == step.label:
                yield node, option
                break


# -- I1 to I7: the pathway rules ----------------------------------------------------------------


def i1_not_sure_about_age_means_a_child(c: _Check) -> None:
    """The question that sets 'age' asks "under 18?": its "Yes" and "Not sure" set child."""
    askers = [
        n
        for n in c.guide.nodes.values()
        if n.type == "question" and any("age" in dict(o.set) for o in n.options)
    ]
    if not askers:
        c.fail(
            "I1",
            "no question sets 'age', so nothing marks a child.",
            "Ask whether the person is under 18, with Yes, Not sure and No; Yes and Not sure "
            "set age: child.",
            column="nodes",
        )
    for node in askers:
        labels = [o.label.strip().lower() for o in node.options]
        if not any(label.startswith("not sure") for label in labels):
            c.fail(
                "I1",
                f"question '{node.id}' sets 'age' but offers no 'Not sure'.",
                "Add a 'Not sure' option that sets age: child.",
                line=node.line,
                column=node.id,
            )
        for option, label in zip(node.options, labels, strict=True):
            age = dict(option.set).get("age", "")
            if (label.startswith("not sure") or label == "yes") and age != "child":
                c.fail(
                    "I1",
                    f"at '{node.id}', '{option.label}' sets age to '{age}', not child.",
                    "Make it set age: child: anyone who may be under 18 is treated as a child.",
                    line=node.line,
                    column=node.id,
                )


def i2_no_consent_question_for_a_child(c: _Check) -> None:
    asks_consent = {
        n.id
        for n in c.guide.nodes.values()
        if any(var in CONSENT_VARIABLES for o in n.options for var, _ in o.set)
    }
    for path in c.paths:
        if path.state.get("age") != "child":
            continue
        for node_id in dict.fromkeys(s.node for s in path.steps if s.node in asks_consent):
            node = c.guide.nodes[node_id]
            c.fail(
                "I2",
                f"a child's path asks '{node_id}', a consent question for adults.",
                "Route every child (including 'Not sure') to the child outcome before any "
                "consent question: a child is safeguarded without needing consent.",
                line=node.line,
                column=node_id,
                nation=path.nation,
                path=path,
            )


def i3_adult_nrm_referral_only_with_consent(c: _Check) -> None:
    for path, action, node in _adult_tagged(c, "nrm_referral"):
        consent = path.state.get("consent_nrm", "not asked")
        if consent != "yes":
            c.fail(
                "I3",
                f"action '{action.id}' (an NRM referral) is given for an adult who has "
                f"not agreed (consent_nrm is '{consent}').",
                f"In '{node.id}', give '{action.id}' only when: {{consent_nrm: \"yes\"}}. "
                "Without consent, a First Responder in England or Wales sends an anonymous "
                "Duty to Notify instead.",
                line=node.line,
                column=node.id,
                nation=path.nation,
                path=path,
            )


def i4_adult_police_only_with_consent_or_danger(c: _Check) -> None:
    for path, action, node in _adult_tagged(c, "police"):
        if "yes" not in (path.state.get("consent_police"), path.state.get("danger")):
            c.fail(
                "I4",
                f"action '{action.id}' tells staff to involve the police for an adult "
                "who has not agreed, when there is no danger.",
                f"In '{node.id}', give '{action.id}' only when: {{consent_police: \"yes\"}} "
                "(999 for danger is a separate action tagged emergency).",
                line=node.line,
                column=node.id,
                nation=path.nation,
                path=path,
            )


def i5_treatment_comes_first(c: _Check) -> None:
    for path in c.paths:
        node = c.guide.nodes[path.outcome]
        own = outcome_actions(c.guide, node, path.state)
        first = c.guide.actions.get(own[0]) if own else None
        if first is None or "treat_now" not in first.tags:
            starts = f"starts with '{own[0]}'" if own else "has no action"
            c.fail(
                "I5",
                f"outcome '{node.id}' {starts}, not the action tagged treat_now.",
                "List the treat_now action first, with no 'when': treatment is never delayed "
                "for a charging, immigration or referral question.",
                line=node.line,
                column=node.id,
                nation=path.nation,
                path=path,
            )


def i6_gb_staff_never_submit_the_nrm(c: _Check) -> None:
    fix = (
        "NHS staff in England, Wales and Scotland are not First Responders: tell them to refer "
        "through their safeguarding lead to a First Responder. Only a Northern Ireland "
        "variant, reached only in Northern Ireland, may tell HSC Trust staff to refer."
    )
    for path, action in _reached(c):
        if path.nation not in GREAT_BRITAIN:
            continue
        where: dict[str, Any] = dict(
            line=action.line, column=action.id, nation=path.nation, path=path
        )
        if "staff_submit_nrm" in action.tags:
            c.fail("I6", f"action '{action.id}' is tagged staff_submit_nrm.", fix, **where)
        variant = action.for_nation(path.nation)
        text = variant.text if variant else ""
        for sentence in submit_instructions(text):
            c.fail(
                "I6",
                f"action '{action.id}' tells staff to complete the NRM form: '{sentence}'",
                fix,
                **where,
            )
        if variant is not None and "nrm_referral" in action.tags:
            if not names_a_first_responder(text):
                c.fail(
                    "I6",
                    f"action '{action.id}' (an NRM referral) names no First Responder.",
                    "Name who makes the referral (for example "
                    f"{', '.join(FIRST_RESPONDERS[:-1])} or {FIRST_RESPONDERS[-1]}), so that "
                    "staff do not try to make it themselves: NHS staff in England, Wales and "
                    "Scotland refer through their safeguarding lead.",
                    **where,
                )


def i7_document_and_tell_the_lead(c: _Check) -> None:
    for path in c.paths:
        tags = {t for a in path.actions if a in c.guide.actions for t in c.guide.actions[a].tags}
        node = c.guide.nodes[path.outcome]
        for needed in ("document", "tell_safeguarding_lead"):
            if needed not in tags:
                c.fail(
                    "I7",
                    f"the path to '{node.id}' has no action tagged {needed}.",
                    f"Add the {needed} action to '{node.id}', with no 'when'.",
                    line=node.line,
                    column=node.id,
                    nation=path.nation,
                    path=path,
                )


# -- I6: recognising an instruction to submit the NRM form --------------------------------------

# A verb that, addressed to the reader, would have them make the referral themselves.
_VERB = re.compile(
    r"\b(refer|make(?!\s+sure\b)|submit|complete|send|use|fill\s+in|fill\s+out)\b", re.I
)
_NRM = re.compile(r"\b(NRM|National\s+Referral\s+Mechanism)\b", re.I)
# Where the verb's own clause ends: punctuation, or a word that starts another clause.
_CLAUSE_END = re.compile(
    r"[,;:]|\b(when|while|because|before|after|until|unless|if|who|which|whose|where)\b", re.I
)
# "to explain", "to help": the verb's object is something else, done for a purpose.
_PURPOSE = re.compile(r"\bto\s+(?!(the|a|an|NRM|National|them|it|its|their|your)\b)[a-z]+", re.I)
# What shows that a clause after the NRM is about the referral itself.
_OBJECT = re.compile(r"\b(it|them|forms?|referral|portal|online)\b", re.I)
# The First Responders (and the lines that refer on to them) a GB text may send staff to.
FIRST_RESPONDERS = (
    "a First Responder",
    "the local authority",
    "the police",
    "the Salvation Army",
    "TARA",
    "Migrant Help",
    "the Helpline",
    "the NSPCC's CTAC",
    "Barnardo's",
)
_FIRST_RESPONDER = re.compile(
    r"\b(First\s+Responders?|FROs?|local\s+authorit(y|ies)|police|Salvation\s+Army|TARA"
    r"|Migrant\s+Help|Helpline|NSPCC|CTAC|Barnardo['\u2019]s)\b",
    re.I,
)
_LEAD_IN = re.compile(r"\s*((then|now|please|also|and|first|next|so|always)[\s,]+)*", re.IGNORECASE)
_NEGATION = re.compile(r"\b(cannot|not|never|no)\b|n't\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def names_a_first_responder(text: str) -> bool:
    """Whether ``text`` names a First Responder, or a line that refers on to one."""
    return _FIRST_RESPONDER.search(text) is not None


def submit_instructions(text: str) -> list[str]:
    """The sentences of ``text`` that tell the reader to make the NRM referral themselves.

    A heuristic.  A sentence counts when one of the verbs refer, make, submit, complete, send,
    use, fill in or fill out is addressed to the reader (it opens its clause, or follows
    "you", or "yourself" follows it), is not negated before it in its clause ("cannot",
    "not", "never", "don't"), does not send the referral to a First Responder in its own
    clause ("refer to the local authority"), and names the NRM (or the National Referral
    Mechanism) in either order:

    - after the verb, in the verb's own clause, and not after a purpose such as "to
      explain" ("Refer the person to the NRM.", "Use the NRM online form.");
    - before the verb, in the same clause, or in an earlier clause when the verb's clause
      speaks of the referral ("it", "the form", "online": "The NRM form: complete it.").

    "A First Responder, who can make the NRM referral" is not an instruction to the reader;
    nor is "Use an interpreter to explain the NRM" or "Make sure the NRM was explained".
    """
    found = []
    for sentence in sentences(text):
        for verb in _VERB.finditer(sentence):
            before = re.split(r"[,;:]", sentence[: verb.start()])[-1]
            to_reader = (
                _LEAD_IN.fullmatch(before) is not None
                or re.search(r"\byou\b", before, re.IGNORECASE) is not None
                or re.search(r"\byourself\b", sentence[verb.start() :], re.IGNORECASE)
            )
            if not to_reader or _NEGATION.search(before):
                continue
            rest = sentence[verb.end() :]
            end = _CLAUSE_END.search(rest)
            clause = rest[: end.start()] if end else rest
            if _FIRST_RESPONDER.search(clause):
                continue
            after = _NRM.search(clause)
            if after:
                named = not _PURPOSE.search(clause[: after.start()])
            else:
                named = bool(_NRM.search(sentence[: verb.start()])) and bool(
                    _NRM.search(before) or _OBJECT.search(clause)
                )
            if named:
                found.append(sentence)
                break
    return found


def tells_staff_to_submit_nrm(text: str) -> bool:
    return bool(submit_instructions(text))


# -- I8 and I9: facts, sources and local contacts -----------------------------------------------


def i8_actions_cite_sound_facts(c: _Check) -> None:
    for path, action in _reached(c):
        nation, name = path.nation, NATION_NAMES.get(path.nation, path.nation)
        where: dict[str, Any] = dict(line=action.line, column=action.id, nation=nation, path=path)
        variant = action.for_nation(nation)
        if variant is None:
            c.fail(
                "I8",
                f"action '{action.id}' has no variant for {name}.",
                f"Give '{action.id}' an '{ALL}' variant or one for {nation}.",
                **where,
            )
            continue
        if not variant.facts:
            c.fail(
                "I8",
                f"action '{action.id}' cites no fact for {name}.",
                "List the facts its text rests on under 'facts'.",
                **where,
            )
        uncertain = variant.shows_uncertainty and "check with" in variant.text.lower()
        for fact_id in variant.facts:
            _cited(c, fact_id, f"action '{action.id}'", uncertain, where)


def i8_options_cite_sound_facts(c: _Check) -> None:
    for path in c.paths:
        for node, option in _chosen(c.guide, path):
            where = dict(line=node.line, column=node.id, nation=path.nation, path=path)
            for fact_id in option.facts:
                _cited(c, fact_id, f"option '{option.label}' of '{node.id}'", False, where)


def _cited(c: _Check, fact_id: str, citer: str, uncertain: bool, where: dict) -> None:
    nation = where["nation"]
    name = NATION_NAMES.get(nation, nation)
    fact = c.content.facts.get(fact_id)
    if fact is None:
        c.fail(
            "I8",
            f"{citer} cites fact '{fact_id}', which is not in facts.yaml.",
            "Add the fact to facts.yaml, or correct the id.",
            **where,
        )
        return
    if nation not in fact.nations:
        c.fail(
            "I8",
            f"{citer} cites fact '{fact_id}', which does not hold for {name} "
            f"(it holds for {', '.join(fact.nations)}).",
            f"Give {name} its own variant citing a fact that holds there, or add {nation} "
            "to the fact's nations if its sources say so.",
            **where,
        )
    _fact_is_sound(c, fact, citer, uncertain, where)


def _fact_is_sound(c: _Check, fact: Fact, citer: str, uncertain: bool, where: dict) -> None:
    """Confirmed (or unverified, said so) and in date: reported once per fact and nation."""
    nation = where["nation"]
    at_fact = dict(where, file=FACTS, line=fact.line, column=fact.id)
    allowed = fact.status == "confirmed" or (fact.status == "unverified" and uncertain)
    if not allowed:
        c.fail(
            "I8",
            f"fact '{fact.id}' is {fact.status}, yet {citer} cites it.",
            _status_fix(fact.status),
            key=("status", fact.id, nation),
            **at_fact,
        )
    if fact.overdue(c.as_of):
        c.fail(
            "I8",
            f"fact '{fact.id}' was due for review on {fact.review_by.isoformat()} "
            f"(checked {c.as_of.isoformat()}); {citer} cites it.",
            "Check it against its sources, then update last_checked and review_by.",
            key=("overdue", fact.id, nation),
            **at_fact,
        )


def _status_fix(status: str) -> str:
    if status == "unverified":
        return (
            "Confirm it against its sources (status: confirmed), or cite it only from a "
            "variant with shows_uncertainty: true whose text says 'check with ...'."
        )
    return "Stop citing it: cite the confirmed fact that replaces it."


def i8_sources_are_named(c: _Check) -> None:
    cited: dict[str, None] = {}
    for fact in c.content.facts.values():
        for ref in fact.sources:
            if ref.id in c.content.sources:
                cited[ref.id] = None
            else:
                c.fail(
                    "I8",
                    f"fact '{fact.id}' cites source '{ref.id}', which is not in sources.yaml.",
                    "Add the source to sources.yaml, or correct the id.",
                    file=FACTS,
                    line=fact.line,
                    column=fact.id,
                )
    for source_id in cited:
        source = c.content.sources[source_id]
        missing = [name for name in ("url", "version") if not getattr(source, name)]
        if missing:
            c.fail(
                "I8",
                f"source '{source_id}' has no {', '.join(missing)}.",
                "Give the address read and its version (the date on the page, or 'undated').",
                file=SOURCES,
                column=source_id,
            )


def i9_local_contacts_exist_for_the_nation(c: _Check) -> None:
    for path, action in _reached(c):
        variant = action.for_nation(path.nation)
        name = NATION_NAMES.get(path.nation, path.nation)
        where: dict[str, Any] = dict(
            line=action.line, column=action.id, nation=path.nation, path=path
        )
        for slot_id in variant.local if variant else ():
            slot = c.content.slots.get(slot_id)
            if slot is None:
                c.fail(
                    "I9",
                    f"action '{action.id}' names local contact '{slot_id}', which is "
                    f"not in {SLOTS}.",
                    f"Declare '{slot_id}' in {SLOTS}, or correct the id.",
                    **where,
                )
            elif path.nation not in slot.nations:
                c.fail(
                    "I9",
                    f"action '{action.id}' shows local contact '{slot_id}', which is "
                    f"not listed for {name}.",
                    f"Give {name} its own variant naming its own contact, or add "
                    f"{path.nation} to the slot's nations in {SLOTS}.",
                    **where,
                )


# -- I10: the graph -----------------------------------------------------------------------------


def i10_every_link_exists(c: _Check) -> None:
    nodes = c.guide.nodes
    if c.guide.start not in nodes:
        c.links_broken = True
        c.fail(
            "I10",
            f"the start '{c.guide.start}' is not a node.",
            "Name an existing node.",
            column="start",
        )
    for node in nodes.values():
        links = [o.next for o in node.options] + ([node.next] if node.type == "action" else [])
        for target in dict.fromkeys(t for t in links if t not in nodes):
            c.links_broken = True
            c.fail(
                "I10",
                f"'{node.id}' leads to '{target}', which is not a node.",
                "Correct the 'next', or add the node.",
                line=node.line,
                column=node.id,
            )
        for ref in node.actions:
            if ref.id not in c.guide.actions:
                c.fail(
                    "I10",
                    f"'{node.id}' lists action '{ref.id}', which is not defined.",
                    "Define it under 'actions', or correct the id.",
                    line=node.line,
                    column=node.id,
                )


def i10_every_node_is_reached(c: _Check) -> None:
    visited = {s.node for p in c.paths for s in p.steps} | {p.outcome for p in c.paths}
    for node in c.guide.nodes.values():
        if node.id not in visited:
            c.fail(
                "I10",
                f"node '{node.id}' is on no path.",
                "Link to it from an option, or delete it.",
                line=node.line,
                column=node.id,
            )
    used = {a for p in c.paths for a in p.actions}
    for action in c.guide.actions.values():
        if action.id not in used:
            c.fail(
                "I10",
                f"action '{action.id}' is on no path.",
                "Use it in a node, or delete it.",
                line=action.line,
                column=action.id,
                warning=True,
            )


def i10_every_nation_has_a_path(c: _Check) -> None:
    for path in c.paths:
        if not path.nation:
            c.fail(
                "I10",
                "a path never sets the nation.",
                "Ask the nation first.",
                column=c.guide.start,
                path=path,
            )
    for nation in NATIONS:
        if not any(p.nation == nation for p in c.paths):
            name = NATION_NAMES[nation]
            c.fail(
                "I10",
                f"no path reaches an outcome for {name}.",
                f"Offer {name} at the nation question, and let its paths reach an outcome.",
                column=c.guide.start,
                nation=nation,
            )


# -- I11: plain English (warnings) --------------------------------------------------------------


def _texts(guide: Guide) -> Iterator[tuple[str, int | None, str, str]]:
    """(what, line, column, text) for every text a member of staff reads."""
    for node in guide.nodes.values():
        kind = "outcome" if node.type == "outcome" else "question"
        for name in ("text", "help", "summary"):
            if getattr(node, name):
                yield f"{kind} '{node.id}' {name}", node.line, node.id, getattr(node, name)
            for nation, fields in node.variants.items():
                if fields.get(name):
                    label = f"{kind} '{node.id}' ({NATION_NAMES[nation]}) {name}"
                    yield label, node.line, node.id, fields[name]
    for action in guide.actions.values():
        for key, variant in action.variants.items():
            which = "" if key == ALL else f" ({NATION_NAMES.get(key, key)})"
            yield f"action '{action.id}'{which} text", action.line, action.id, variant.text


def i11_plain_english(c: _Check) -> None:
    for what, line, column, text in _texts(c.guide):
        where: dict[str, Any] = dict(line=line, column=column, warning=True)
        longest = max((len(words(s)) for s in sentences(text)), default=0)
        if longest > c.words_max:
            c.fail(
                "I11",
                f"{what} has a sentence of {longest} words (the limit is {c.words_max}).",
                "Split it into shorter sentences.",
                **where,
            )
        ease = reading_ease(text)
        if ease is not None and ease < c.ease_min and len(words(text)) >= FLESCH_MIN_WORDS:
            c.fail(
                "I11",
                f"{what} has a Flesch reading ease of {ease:.0f}, below {c.ease_min:g}.",
                "Use shorter words and sentences.",
                **where,
            )


# A small syllable heuristic, written here on purpose: no library does plain-English checks
# well offline, and a reading-ease warning only needs to be roughly right.  It counts groups of
# vowels (a, e, i, o, u, y), drops a silent final "e" and the silent "e" of "-ed" and "-es",
# reads a number one syllable a digit and a capitalised abbreviation one a letter ("NRM").


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+", text)


def syllables(word: str) -> int:
    if word.isdigit():
        return len(word)
    if len(word) > 1 and word.isupper():
        return len(word)
    w = word.lower().split("'")[0]
    count = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and len(w) > 2:
        count -= 1
    elif w.endswith("ed") and len(w) > 3 and w[-3] not in "aeiouytd":
        count -= 1
    elif w.endswith("es") and len(w) > 3 and not re.search(r"([sxzcg]|ch|sh|[aeiouy])es$", w):
        count -= 1
    return max(1, count)


def reading_ease(text: str) -> float | None:
    """Flesch reading ease: 206.835 - 1.015 (words per sentence) - 84.6 (syllables per word).

    Higher is easier; plain English usually scores 60 or more.  ``None`` for a text with no
    words.
    """
    found = words(text)
    if not found:
        return None
    count = max(1, len(sentences(text)))
    per_word = sum(syllables(w) for w in found) / len(found)
    return 206.835 - 1.015 * len(found) / count - 84.6 * per_word
