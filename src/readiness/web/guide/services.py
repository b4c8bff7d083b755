"""The guide's pages as the templates show them, from the core's page records.

The core (:mod:`readiness.guide`) walks the graph and words each fact; this module reads the
deployment's settings (content folder, preset nation, local contacts, the date to check
review dates against), replays the choices in the address, spells out acronyms at their first
use on each page and, in the discreet view, keeps alarming words out of the headings.

Nothing is stored: a page is computed from its address alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from readiness.errors import ReadinessError
from readiness.guide.load import FILES, default_folder, load_content
from readiness.guide.model import NATION_NAMES, NATIONS, Content
from readiness.guide.paths import Position, replay, skip_preset
from readiness.guide.present import (
    CHECK_LOCALLY,
    OVERDUE_NOTICE,
    ActionView,
    FactView,
    PageView,
    expand_acronyms,
    page_view,
)

log = logging.getLogger(__name__)

TITLE = "Safeguarding guide"
MAX_PATH = 400  # characters of an address's path: the shipped graph needs about 30
NO_CONTACT = "Your organisation has not added this number yet"

# -- content, contacts and the date, as the deployment sets them ------------------------------

_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Any]] = {}


def _stamp(paths: Sequence[Path]) -> tuple:
    out = []
    for path in paths:
        try:
            info = path.stat()
            out.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            out.append((str(path), None, None))
    return tuple(out)


def _cached(key: str, paths: Sequence[Path], make, extra: tuple = ()):
    """``make()``, kept until one of ``paths`` changes (an operator edits a file) or ``extra``
    does.  The stamp is taken before ``make()`` runs: a file changed while it runs is read
    again next time."""
    stamp = (_stamp(paths), extra)
    with _lock:
        kept = _cache.get(key)
        if kept and kept[0] == stamp:
            return kept[1]
    value = make()
    with _lock:
        _cache[key] = (stamp, value)
    return value


def content_folder() -> Path:
    configured = getattr(settings, "READINESS_GUIDE_FOLDER", "")
    return Path(configured) if configured else default_folder()


def _content_files() -> list[Path]:
    folder = content_folder()
    return [folder / n for n in FILES]


def content() -> Content:
    """The guide's content (raises :class:`~readiness.errors.GuideError` when it is broken)."""
    folder = content_folder()
    return _cached(f"content:{folder}", _content_files(), lambda: load_content(folder))


def _local_path() -> Path | None:
    configured = getattr(settings, "READINESS_GUIDE_LOCAL", "")
    return Path(configured) if configured else None


def contacts(loaded: Content) -> Mapping[str, Any]:
    """The trust's local contacts by slot id, or none.  A file that cannot be read is logged
    and left out: the pages then say to ask the safeguarding team, which is safe."""
    path = _local_path()
    if path is None:
        return {}
    from readiness.guide.local import load_local

    key = f"local:{path}:{id(loaded)}"
    try:
        return _cached(key, [path], lambda: load_local(path, loaded).contacts)
    except (ReadinessError, OSError) as err:
        log.error("The guide's local contacts file cannot be used: %s", err)
        return {}


def as_of() -> dt.date:
    """The date review dates are checked against: today, or READINESS_GUIDE_AS_OF (tests)."""
    fixed = getattr(settings, "READINESS_GUIDE_AS_OF", None)
    if isinstance(fixed, dt.date):
        return fixed
    if fixed:
        return dt.date.fromisoformat(str(fixed))
    return timezone.localdate()


def preset_nation() -> str:
    nation = getattr(settings, "READINESS_GUIDE_NATION", "") or ""
    return nation if nation in NATIONS else ""


def preset_choices(loaded: Content) -> list[int]:
    nation = preset_nation()
    return skip_preset(loaded.guide, {"nation": nation}) if nation else []


# -- addresses ----------------------------------------------------------------------------------


def parse_path(text: str) -> tuple[int, ...]:
    """'0-1-2' -> (0, 1, 2); raises ValueError for anything else."""
    if not text or len(text) > MAX_PATH or not re.fullmatch(r"[0-9]{1,4}(?:-[0-9]{1,4})*", text):
        raise ValueError(text)
    return tuple(int(part) for part in text.split("-"))


def page_url(choices: Sequence[int], discreet: bool = False) -> str:
    if choices:
        url = reverse("guide:page", kwargs={"path": "-".join(str(c) for c in choices)})
    else:
        url = reverse("guide:start")
    return url + ("?discreet=1" if discreet else "")


def walk(loaded: Content, choices: Sequence[int]) -> tuple[Position, int]:
    """The position after the deployment's preset choices and then ``choices`` (the address),
    with the number of preset choices; raises GraphError for a choice that is not open."""
    preset = preset_choices(loaded)
    return replay(loaded.guide, [*preset, *choices]), len(preset)


# -- what a page shows --------------------------------------------------------------------------

_WORD = (
    r"(?:human\s+|modern\s+)?"
    r"(?:traffick(?:ing|ed|ers?)|slavery|exploitation|exploited|exploit(?:ative|ers?)?)"
)
_SEQUENCE = rf"{_WORD}(?:\s*(?:,|&|and|or)\s*{_WORD})*"
_HELPLINE = re.compile(rf"\b{_SEQUENCE}\s+(helpline)\b", re.I)
_ROLE = re.compile(rf"\b{_SEQUENCE}\s+(lead|team|coordinator|co-ordinator)\b", re.I)
_ANY = re.compile(rf"\b{_SEQUENCE}\b", re.I)


def _replacement(found: str) -> str:
    last = found.split()[-1].lower()
    if last.endswith("ed"):
        word = "harmed"
    elif last.startswith("traffick") and last.endswith(("er", "ers")):
        word = "others"
    else:
        word = "harm"
    return word


def _same_case(found: str, word: str) -> str:
    return word[:1].upper() + word[1:] if found[:1].isupper() else word


def neutral(text: str) -> str:
    """The text without the words trafficking, slavery and exploitation (for the discreet
    view's headings): a helpline or a lead keeps its role, any other use becomes 'harm'."""
    text = _HELPLINE.sub(lambda m: _same_case(m.group(0), m.group(1).lower()), text)
    text = _ROLE.sub(lambda m: _same_case(m.group(0), f"safeguarding {m.group(1).lower()}"), text)
    text = _ANY.sub(lambda m: _same_case(m.group(0), _replacement(m.group(0))), text)
    return re.sub(r"\s{2,}", " ", text).strip()


@dataclass
class Fact:
    statement: str
    sources: tuple
    notice: str
    overdue: bool


@dataclass
class Contact:
    label: str
    value: str  # "" when the trust has not added it
    overdue: bool
    notice: str = OVERDUE_NOTICE


@dataclass
class Action:
    title: str
    text: str
    facts: list[Fact]
    contacts: list[Contact]
    uncertain: bool
    overdue: bool

    @property
    def warnings(self) -> list[str]:
        """What is past its review date, for the action's "Check before use" warning."""
        return _warnings(self.facts, self.contacts)

    @property
    def unconfirmed(self) -> str:
        """What the page says under a step that rests on a fact not yet confirmed."""
        return CHECK_LOCALLY if self.uncertain else ""


def _warnings(facts: Sequence[Fact], people: Sequence[Contact] = ()) -> list[str]:
    out: list[str] = []
    for f in facts:
        if f.overdue and f.notice not in out:
            out.append(f.notice)
    for c in people:
        if c.overdue:
            out.append(f"{c.label}: {c.notice}")
    return out


@dataclass
class Option:
    value: str
    label: str
    hint: str
    facts: list[Fact]


@dataclass
class Answer:
    question: str
    answer: str
    change: str  # the question's page, or "" for an answer the deployment gave


@dataclass
class Page:
    kind: str  # question | action | outcome
    title: str  # neutral: the <title> and the H1
    heading: str  # the question, "Do this now", or the outcome's summary
    help: str
    options: list[Option]
    actions: list[Action]  # an outcome's own steps, in order, from "Treat now"
    answers: list[Answer]
    nation: str
    nation_name: str
    overdue: bool
    version: str
    disclaimer: str
    discreet: bool
    here: str  # this page's address (without the discreet switch)
    back: str  # the page before, or ""
    toggle: str  # this page with the discreet view switched
    restart: str
    next: str = ""  # an action page's "Continue"
    option_facts: list[Option] = field(default_factory=list)
    # At an outcome, the titles of the steps the action pages on the way gave ("Already done").
    done: list[str] = field(default_factory=list)

    @property
    def option_warnings(self) -> list[str]:
        return _warnings([f for o in self.options for f in o.facts])


class _Words:
    """Acronyms spelt out at their first use on the page, in the order the page shows them."""

    def __init__(self, acronyms: Mapping[str, str]):
        self.acronyms = acronyms
        self.seen: set[str] = set()

    def __call__(self, text: str) -> str:
        return expand_acronyms(text, self.acronyms, self.seen) if text else text


def _fact(view: FactView, words: _Words) -> Fact:
    return Fact(words(view.statement), view.sources, view.notice, view.overdue)


def _action(view: ActionView, words: _Words, discreet: bool) -> Action:
    title = words(view.title)
    text = words(view.text)
    people = [
        Contact(neutral(words(c.label)) if discreet else words(c.label), c.value, c.overdue)
        for c in view.contacts  # the trust's own numbers, shown as entered
    ]
    facts = [_fact(f, words) for f in view.facts]
    return Action(
        neutral(title) if discreet else title,
        text,
        facts,
        people,
        view.uncertain,
        view.overdue,
    )


def _answers(
    loaded: Content, position: Position, preset: int, words: _Words, discreet: bool
) -> list[Answer]:
    nation = position.nation or None
    out = []
    for i, step in enumerate(position.steps):
        if not step.label:
            continue
        node = loaded.guide.nodes[step.node]
        change = page_url(position.choices[preset:i], discreet) if i >= preset else ""
        out.append(Answer(words(node.field_for("text", nation)), words(step.label), change))
    return out


def build_page(
    loaded: Content,
    position: Position,
    preset: int,
    on: dt.date,
    local: Mapping[str, Any],
    discreet: bool,
) -> Page:
    """Everything one page shows, worded for this page."""
    view: PageView = page_view(loaded, position, on, local)
    words = _Words(loaded.guide.acronyms)
    own = position.choices[preset:]
    heading = words(view.heading)
    help_text = words(view.help)
    options = []
    for o in view.options:
        label = words(o.label)
        facts = [_fact(f, words) for f in o.facts]
        options.append(Option(str(o.index), label, " ".join(f.statement for f in facts), facts))
    # The steps already done come first on the page (their titles only), then the outcome's
    # own steps: an action the outcome gives again is numbered there, not listed as done.
    own_ids = {a.id for a in view.actions}
    done = []
    for a in dict((a.id, a) for a in view.done_so_far if a.id not in own_ids).values():
        title = words(a.title)
        done.append(neutral(title) if discreet else title)
    actions = [_action(a, words, discreet) for a in view.actions]
    answers = _answers(loaded, position, preset, words, discreet)
    return Page(
        kind=view.kind,
        title=neutral(loaded.guide.title or TITLE) or TITLE,
        heading=neutral(heading) if discreet else heading,
        help=help_text,
        options=options,
        actions=actions,
        answers=answers,
        nation=view.nation,
        nation_name=view.nation_name or NATION_NAMES.get(view.nation, ""),
        overdue=view.overdue or any(f.overdue for o in options for f in o.facts),
        version=view.version,
        disclaimer=words(view.disclaimer),
        discreet=discreet,
        here=page_url(own),
        back=page_url(own[:-1], discreet) if own else "",
        toggle=page_url(own, not discreet),
        restart=page_url((), discreet),
        next=page_url([*own, 0], discreet) if view.kind == "action" else "",
        option_facts=[o for o in options if o.facts],
        done=done,
    )


# -- the printed and offline pathways ------------------------------------------------------------

_making: dict[str, threading.Lock] = {}


def download(
    suffix: str,
    nation: str,
    online_url: str,
    make: Callable[[Content, Path, Mapping, dt.date, str], Any],
) -> bytes:
    """The bytes of ``nation``'s printed (``.pdf``) or offline (``.html``) pathway.

    ``make(content, out_path, contacts, as_of, online_url)`` writes the file (a PDF takes
    seconds of CPU; ``online_url`` is the guide's address, for the QR code).
    Its bytes are kept, by nation, kind and the address its QR code gives, until the content,
    the contacts file or the date changes; one request makes them while any others for the
    same file wait.  A pathway that cannot be made raises its
    :class:`~readiness.errors.ReadinessError`, and is not tried again until one of those
    changes either.
    """
    local = _local_path()
    folder = content_folder()
    key = f"download:{suffix}:{nation}:{folder}:{local or ''}:{online_url}"
    paths = [*_content_files(), *([local] if local else [])]
    day = as_of()

    def build() -> bytes | ReadinessError:
        loaded = content()
        with tempfile.TemporaryDirectory(prefix="readiness-guide-") as tmp:
            out = Path(tmp) / f"guide{suffix}"
            try:
                make(loaded, out, contacts(loaded), day, online_url)
            except ReadinessError as err:
                return err
            return out.read_bytes()

    with _lock:
        gate = _making.setdefault(key, threading.Lock())
    with gate:
        made = _cached(key, paths, build, extra=(day,))
    if isinstance(made, ReadinessError):
        raise made.with_traceback(None)
    return made


def print_nations() -> list[tuple[str, str]]:
    """The nations whose printed pathway the pages offer: the deployment's, or all four."""
    nation = preset_nation()
    return [(n, NATION_NAMES[n]) for n in ((nation,) if nation else NATIONS)]
