"""The transcript as HTML: speaker turns, timestamps and coded passages, fast.

The text is cut at every turn boundary, the end of every speaker label and every coding's
start and end; each piece is one element that holds exactly the characters
``text[a:b]`` and carries ``data-s="a"``, the offset of its first character in the
normalised text (in characters, that is Unicode code points, as everywhere in the core).
The page's script turns a selection into offsets from the piece it starts and ends in: it
adds the number of code points before the selection in that piece to ``data-s``.  JavaScript
counts in UTF-16 code units, so a character outside the Basic Multilingual Plane (an emoji)
is two units but one character: ``coding.js`` converts.

Coded pieces are ``<mark>`` elements listing their codings (``data-c``: primary keys), their
depth (how many codings overlap there) and the colour of the coding that started last
(class ``ri-k<code>``, defined by the project's ``codes.css``).  Nothing but text and empty anchors is inside a
turn's text, so offsets stay right.

Built in Python rather than in a template loop: a transcript with 2,000 codings has about
4,000 pieces (see ``benchmarks/bench_interviews_web.py``).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from markupsafe import Markup, escape

from readiness.interviews.model import Segment, Turn, format_time, timed_turns
from readiness.interviews.text import line_starts


@dataclass(frozen=True)
class Span:
    """A coding as the page needs it."""

    pk: int
    start: int
    end: int
    code: int = 0  # the code's primary key: its colour is the class ri-k<code>


@dataclass(frozen=True)
class TurnView:
    turn: Turn
    number: int  # from 1
    line: int
    time: str | None
    html: Markup
    ms: int | None = None  # the turn's start in the recording, in milliseconds


def _time(ms: int | None) -> str | None:
    if ms is None:
        return None
    text = format_time(ms)
    return text[:-4] if text.endswith(".000") else text


def render_turns(  # noqa: C901 - places the highlight and each coding's ends in each turn
    text: str,
    spans: list[Span],
    *,
    highlight: tuple[int, int] | None = None,
    segments: tuple[Segment, ...] = (),
) -> list[TurnView]:
    """Every turn of ``text`` with its pieces of HTML.

    ``highlight``: a passage to mark (a search hit, a quote of the framework matrix, a
    disagreement), with an anchor ``id="at"`` where it starts.  ``segments``: where the text
    is in the recording (the transcript's times, kept beside its text).
    """
    turns = timed_turns(text, tuple(segments))
    starts_at: dict[int, list[int]] = {}
    ends_at: dict[int, list[int]] = {}
    code_of = {s.pk: s.code for s in spans}
    points = set()
    for s in spans:
        starts_at.setdefault(s.start, []).append(s.pk)
        ends_at.setdefault(s.end, []).append(s.pk)
        points.add(s.start)
        points.add(s.end)
    for t in turns:
        points.update((t.start, t.body, t.end))
    if highlight is not None:
        points.update(highlight)
    order = sorted(points)
    lines = line_starts(text)

    active: dict[int, None] = {}  # insertion-ordered set of coding pks
    pending: list[str] = []  # anchors of codings that start outside a turn
    out: list[TurnView] = []
    k = 0  # index into order
    n_points = len(order)
    hl_a, hl_b = highlight if highlight is not None else (-1, -1)

    def advance_to(pos: int) -> None:
        """Apply starts and ends at points before ``pos`` (text outside turns)."""
        nonlocal k
        while k < n_points and order[k] < pos:
            p = order[k]
            for pk in ends_at.get(p, ()):
                active.pop(pk, None)
            for pk in starts_at.get(p, ()):
                active[pk] = None
                pending.append(f"c{pk}")
            if p == hl_a:
                pending.append("at")
            k += 1

    for number, t in enumerate(turns, start=1):
        advance_to(t.start)
        parts: list[str] = []
        while k < n_points and order[k] < t.end:
            a = order[k]
            for pk in ends_at.get(a, ()):
                active.pop(pk, None)
            anchors = pending
            pending = []
            for pk in starts_at.get(a, ()):
                active[pk] = None
                anchors.append(f"c{pk}")
            if a == hl_a:
                anchors.append("at")
            k += 1
            b = order[k] if k < n_points else len(text)
            b = min(b, t.end)
            for anchor in anchors:
                parts.append(f'<span class="ri-anchor" id="{anchor}"></span>')
            piece = escape(text[a:b])
            classes = []
            if a < t.body:
                classes.append("ri-label")
            if hl_a <= a < hl_b:
                classes.append("ri-hit")
            if active:
                depth = min(len(active), 4)
                classes.append(f"ri-d{depth}")
                classes.append(f"ri-k{code_of[next(reversed(active))]}")
                ids = " ".join(str(pk) for pk in active)
                parts.append(
                    f'<mark class="{" ".join(classes)}" data-s="{a}" data-c="{ids}">{piece}</mark>'
                )
            elif classes:
                parts.append(f'<span class="{" ".join(classes)}" data-s="{a}">{piece}</span>')
            else:
                parts.append(f'<span data-s="{a}">{piece}</span>')
        out.append(
            TurnView(
                t,
                number,
                bisect_right(lines, t.start),
                _time(t.time_start),
                Markup("".join(parts)),
                t.time_start,
            )
        )
    return out


def render_codings(codings: list[dict], coding_base: str) -> Markup:
    """The list of codings (``<li>`` items, in text order), each with a link that jumps to its
    place in the text and one to its page.  Built here, not in a template loop, for speed."""
    out = []
    for c in codings:
        pk = c["pk"]
        code = escape(c["code"])
        memos = c["memos"]
        note = (
            f' <span class="ri-muted">· {memos} memo{"s" if memos != 1 else ""}</span>'
            if memos
            else ""
        )
        out.append(
            f'<li id="li-{pk}"><span class="ri-swatch ri-k{c.get("code_pk", 0)}"></span>'
            f'<a class="ri-jump" href="#c{pk}" data-c="{pk}">{code}</a> '
            f'<span class="ri-muted">line {c["line"]} · {escape(c["coder"])}</span>'
            f'<span class="ri-excerpt">{escape(c["excerpt"])}</span>'
            f'<a class="ri-edit" href="{coding_base}{c["guid"]}/">{"Edit" if c["may_change"] else "Open"}'
            f'<span class="nhsuk-u-visually-hidden"> coding of {code} at line {c["line"]}</span></a>'
            f"{note}</li>"
        )
    return Markup("\n".join(out))


def render_chips(codings: list[dict], turns: list[TurnView], coding_base: str) -> dict[int, Markup]:
    """The labels in the margin beside each turn: one per coding that starts in it, in the
    colour of its code, linking to the coding's page (the script makes them select the coding
    for adjusting its span).  Keyed by turn number."""
    starts = [tv.turn.start for tv in turns]
    out: dict[int, list[str]] = {}
    for c in codings:
        k = max(0, bisect_right(starts, c["start"]) - 1)
        number = turns[k].number if turns else 0
        code = escape(c["code"].rsplit("/", 1)[-1])
        edit = ' data-edit="1"' if c["may_change"] else ""
        out.setdefault(number, []).append(
            f'<a class="ri-chip ri-k{c["code_pk"]}" href="{coding_base}{c["guid"]}/" '
            f'data-c="{c["pk"]}" data-g="{c["guid"]}" data-start="{c["start"]}" '
            f'data-end="{c["end"]}"{edit} title="{escape(c["code"])} · {escape(c["coder"])}">'
            f'<span class="nhsuk-u-visually-hidden">Coding: </span>{code}</a>'
        )
    return {n: Markup("".join(items)) for n, items in out.items()}


def render_code_colours(colours: list[tuple[int, str]]) -> str:
    """The stylesheet that gives each code its colour: ``.ri-k<pk> { --k: #RRGGBB }``.  Only
    colours that are ``#RGB`` or ``#RRGGBB`` are written (they came through the core's
    checks, but a stylesheet is no place to trust that)."""
    import re

    ok = re.compile(r"#[0-9A-Fa-f]{3}([0-9A-Fa-f]{3})?")
    return "".join(
        f".ri-k{pk}{{--k:{colour}}}\n" for pk, colour in colours if colour and ok.fullmatch(colour)
    )
