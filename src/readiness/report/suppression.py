"""Small-cell suppression for every table, figure and export that leaves the analyst's screen.

The rule (design notes, "Privacy"): a count from 1 to ``min_cell - 1`` (1 to 4 by default) is not
shown, nor anything from which it could be worked out.  Shown in its place is :data:`SYMBOL`,
``[c]`` ("confidential", the symbol of the UK Government Statistical Service).

* **Primary suppression**: a count of 1 to ``min_cell - 1``.  For a proportion k of n, also the
  complement n - k (98 of 100 reveals that 2 did not), and a denominator n of 1 to
  ``min_cell - 1``.  A count of 0 is shown: it reveals no one.
* **Secondary suppression**: where the cells of a breakdown add up to a total that is shown,
  the hidden cells could be recovered by subtraction.  So while the hidden part of a total
  (the hidden cells, plus any part of the total shown in no cell) comes to 1 to
  ``min_cell - 1``, or a single cell is hidden with less than ``min_cell`` unshown beside it, the
  smallest remaining non-zero cell is hidden as well.  A total that is itself small is hidden.
* **Ordered answers in figures**: a stacked bar cannot hide a segment without its width giving it
  away, so a small answer category is drawn together with its neighbour towards the middle of
  the scale (:func:`merge_small_categories`); every segment drawn is 0 or at least ``min_cell``.
* **Consistency**: a group hidden in one table is hidden in every table and figure
  (:func:`plan_for` decides the groups once, from the sizes of the groups, and passes them to
  every breakdown as ``force``).

Non-response at a training session (staff attending who did not return a questionnaire) is a
fieldwork figure about the session, not an answer of a respondent, and is not suppressed; the
number who responded is.

Functions a dashboard can reuse on its own tables:

* :func:`is_small` (count, min_cell) -> bool
* :func:`suppress_counts` (counts, min_cell, total_shown, unshown, force) -> :class:`CountSuppression`
* :func:`suppress_proportions` (counts, ns, min_cell, overall, force) -> :class:`ProportionSuppression`
* :func:`merge_small_categories` (counts, min_cell, centre) -> list of (first, last) spans, or None
* :func:`cell` (text, hidden) -> str, and :func:`plan_for` (StudyResult, min_cell) -> :class:`Plan`
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from readiness.analysis.survey import Characteristic

SYMBOL = "[c]"
DEFAULT_MIN_CELL = 5
FOOTNOTE = (
    "[c] Not shown to protect respondents: a count of 1 to {last}, or a figure from which such a "
    "count could be worked out (a percentage, interval, bar or total)."
)


def footnote(min_cell: int = DEFAULT_MIN_CELL) -> str:
    """The footnote that explains :data:`SYMBOL` for a threshold."""
    return FOOTNOTE.format(last=min_cell - 1)


def is_small(count: int | float | None, min_cell: int = DEFAULT_MIN_CELL) -> bool:
    """Whether a count must be suppressed on its own: 1 <= count < min_cell.

    >>> is_small(3), is_small(0), is_small(5)
    (True, False, False)
    """
    if count is None:
        return False
    return 1 <= count < min_cell


def cell(text: str, hidden: bool) -> str:
    """The text to show for a cell: the text, or :data:`SYMBOL` when hidden."""
    return SYMBOL if hidden else text


def _check(min_cell: int) -> None:
    if int(min_cell) != min_cell or min_cell < 1:
        raise ValueError(
            f"min_cell must be a whole number of at least 1 (1 turns suppression off), not {min_cell!r}."
        )


@dataclass(frozen=True)
class CountSuppression:
    """Which cells of a breakdown to hide (``True``), why, and whether to hide its total."""

    cells: tuple[bool, ...]
    primary: tuple[bool, ...]
    total: bool = False

    @property
    def any(self) -> bool:
        return self.total or any(self.cells)


def suppress_counts(
    counts: Sequence[int],
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    total_shown: bool = True,
    unshown: int = 0,
    force: Sequence[bool] | None = None,
) -> CountSuppression:
    """Cells of one breakdown to hide: counts of 1 to min_cell - 1, and enough others that none
    of them can be worked out from the total.

    ``counts`` are the cells of one breakdown (for example respondents by profession, with the
    "not answered" row among them if it is shown); their sum plus ``unshown`` (a part of the
    total shown in no cell) is the total, shown when ``total_shown``.  ``force`` marks cells to
    hide whatever their size (a group hidden elsewhere).

    >>> suppress_counts([40, 3, 25, 12]).cells   # 3 is small; 12 hidden so 3 cannot be recovered
    (False, True, False, True)
    >>> suppress_counts([40, 3, 25, 12], total_shown=False).cells
    (False, True, False, False)
    """
    _check(min_cell)
    counts = [int(c) for c in counts]
    primary = [is_small(c, min_cell) for c in counts]
    hide = [p or bool(force and force[i]) for i, p in enumerate(primary)]
    total = sum(counts) + unshown
    total_hidden = is_small(total, min_cell)
    if total_shown and not total_hidden:
        while True:
            hidden = [i for i, h in enumerate(hide) if h]
            residual = sum(counts[i] for i in hidden) + unshown
            small = is_small(residual, min_cell)
            alone = len(hidden) == 1 and unshown < min_cell
            if not (small or alone):
                break
            visible = [i for i, h in enumerate(hide) if not h]
            pool = [i for i in visible if counts[i] > 0] or ([] if small else visible)
            if not pool:  # nothing left to hide beside them: hide the total
                total_hidden = True
                break
            hide[min(pool, key=lambda i: (counts[i], i))] = True
    return CountSuppression(tuple(hide), tuple(primary), total_hidden)


@dataclass(frozen=True)
class ProportionSuppression:
    """For groups' proportions k of n: hide the count (with its percentage and interval), and
    hide the denominator as well; the same for the overall figure."""

    count: tuple[bool, ...]
    n: tuple[bool, ...]
    overall_count: bool = False
    overall_n: bool = False

    @property
    def any(self) -> bool:
        return self.overall_count or self.overall_n or any(self.count) or any(self.n)


def suppress_proportions(
    counts: Sequence[int],
    ns: Sequence[int],
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    overall: tuple[int, int] | None = None,
    force: Sequence[bool] | None = None,
) -> ProportionSuppression:
    """Which groups' k of n (and percentages, intervals, bars) to hide in one row.

    Primary: k or n - k from 1 to min_cell - 1 hides k, the percentage and its interval; n from
    1 to min_cell - 1 hides n too.  ``overall`` is the (K, N) shown beside the groups (K and N
    include respondents in no group); against it, secondary suppression hides further groups
    (smallest n first) until neither the hidden counts, nor their complements, nor the hidden
    denominators can be worked out as 1 to min_cell - 1, and no single group is exposed.
    ``force`` hides groups whatever their size.

    >>> s = suppress_proportions([30, 2, 40], [100, 20, 120], overall=(72, 240))
    >>> s.count, s.n   # 2 of 20 is small; the next smallest group is hidden beside it
    ((True, True, False), (False, False, False))
    """
    _check(min_cell)
    k = [int(x) for x in counts]
    n = [int(x) for x in ns]
    if len(k) != len(n):
        raise ValueError("counts and ns must have the same length")
    m = min_cell
    hide_n = [is_small(x, m) or bool(force and force[i]) for i, x in enumerate(n)]
    hide_k = [hide_n[i] or is_small(k[i], m) or is_small(n[i] - k[i], m) for i in range(len(k))]
    overall_count = overall_n = False
    if overall is not None:
        K, N = (int(x) for x in overall)
        overall_n = is_small(N, m)
        overall_count = overall_n or is_small(K, m) or is_small(N - K, m)
        u_n = N - sum(n)
        u_k = K - sum(k)
        u_c = u_n - u_k
        while True:
            changed = False
            if not overall_n:
                hidden = [i for i, h in enumerate(hide_n) if h]
                residual = sum(n[i] for i in hidden) + u_n
                if is_small(residual, m) or (len(hidden) == 1 and u_n < m):
                    pick = _smallest(n, hide_n)
                    if pick is not None:
                        hide_n[pick] = hide_k[pick] = True
                        changed = True
            if not overall_count:
                hidden = [i for i, h in enumerate(hide_k) if h]
                r_k = sum(k[i] for i in hidden) + u_k
                r_c = sum(n[i] - k[i] for i in hidden) + u_c
                if is_small(r_k, m) or is_small(r_c, m) or (len(hidden) == 1 and u_n < m):
                    pick = _smallest(n, hide_k)
                    if pick is not None:
                        hide_k[pick] = True
                        changed = True
            if not changed:
                break
    return ProportionSuppression(tuple(hide_k), tuple(hide_n), overall_count, overall_n)


def _smallest(values: list[int], hidden: list[bool]) -> int | None:
    pool = [i for i, h in enumerate(hidden) if not h and values[i] > 0]
    return min(pool, key=lambda i: (values[i], i)) if pool else None


def merge_small_categories(
    counts: Sequence[int], *, min_cell: int = DEFAULT_MIN_CELL, centre: float | None = None
) -> list[tuple[int, int]] | None:
    """Spans of adjacent ordered categories to draw as one segment, so that every segment drawn
    holds 0 or at least ``min_cell`` respondents; ``None`` when the whole bar is small.

    A small category joins its neighbour towards ``centre`` (default: the middle category); a
    span holding the centre joins its smaller non-empty neighbour.  Spans are ``(first, last)``
    indices, inclusive, in order.

    >>> merge_small_categories([50, 120, 80, 30, 2])   # "strongly agree" joins "agree"
    [(0, 0), (1, 1), (2, 2), (3, 4)]
    """
    _check(min_cell)
    counts = [int(c) for c in counts]
    total = sum(counts)
    if is_small(total, min_cell):
        return None
    mid = (len(counts) - 1) / 2 if centre is None else centre
    spans = [[i, i] for i in range(len(counts))]

    def size(span: list[int]) -> int:
        return sum(counts[span[0] : span[1] + 1])

    while True:
        small = [j for j, s in enumerate(spans) if is_small(size(s), min_cell)]
        if not small or len(spans) == 1:
            break
        j = small[0]
        first, last = spans[j]
        if last < mid:
            other = j + 1
        elif first > mid:
            other = j - 1
        else:
            options = [o for o in (j - 1, j + 1) if 0 <= o < len(spans)]
            nonzero = [o for o in options if size(spans[o]) > 0] or options
            other = min(nonzero, key=lambda o: (size(spans[o]), o))
        a, b = sorted((j, other))
        spans[a : b + 1] = [[spans[a][0], spans[b][1]]]
    return [(s[0], s[1]) for s in spans]


WITHHELD = (
    "details withheld from the report, since they can describe a few respondents; "
    "readiness analyse shows them to the analyst"
)

# Counts of people in a message ("only 1 respondent", "3 of 782 respondents", "by 2
# respondent(s)", "the 4 complete cases"), not thresholds ("at least 2 respondents").
_PEOPLE = r"respondents?(?:\(s\))?|answers?|complete cases|complete pairs|people|staff"
_COUNT = re.compile(rf"\b(?:only |the )?(?P<k>\d+)(?P<of> of \d+)? (?P<noun>{_PEOPLE})(?![\w(])")
# What all of a counted group did or had ("all 3 respondents with ... answered no").
_ALL_OF = re.compile(r"\b(?:all|every one of the|each of the|both of the|in all)\s+(?P<k>\d+)\b")
# What every one of an uncounted group did or had.
_EVERYONE = re.compile(
    r"\b(?:every respondent|all respondents|all the respondents|everyone|everybody|nobody|"
    r"no respondent|no one)\b",
    re.IGNORECASE,
)
# Numbers that count no one: thresholds, answer codes, labels in quotes, decimals, items.
_NOT_COUNTS = re.compile(
    r"'[^']*'|\"[^\"]*\"|\bat least \d+(?: \w+(?: \w+)?)?|\(\d+(?:\.\d+)?\)|\(got [^)]*\)"
    r"|\boutcome \d+|\bindex \d+|\bnumbered \d+ to \d+|\bprobabilities of \d+ or \d+"
    r"|\b\d+ (?:items?|columns?|names?|iterations|levels?|sections?)\b|\d*\.\d+"
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?!\w)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SUBJECT = re.compile(r"(?:[A-Za-z][\w -]{0,60}: )+")


def _plural(noun: str) -> str:
    noun = noun.removesuffix("(s)")
    return noun if noun.endswith("s") or noun in ("people", "staff") else noun + "s"


def _safe_sentence(sentence: str, min_cell: int, among: int | None) -> str | None:
    """The sentence with any small count of people given as "fewer than min_cell" (and the
    clause after it cut, since it can say how few), or None when it must be withheld: it says
    what all of a small group did, or holds a small number that may count people."""
    if any(is_small(int(m.group("k")), min_cell) for m in _ALL_OF.finditer(sentence)):
        return None
    if among is None:  # "nobody answered (0 of 782 respondents)" counts its own group
        wholes = [
            int(m.group("of")[4:])
            for m in _COUNT.finditer(sentence)
            if m.group("of") and int(m.group("k")) in (0, int(m.group("of")[4:]))
        ]
        among = min(wholes) if wholes else None
    if _EVERYONE.search(sentence) and (among is None or is_small(among, min_cell)):
        return None
    counts = [
        m for m in _COUNT.finditer(sentence) if not sentence[: m.start()].endswith("at least ")
    ]
    small = [m for m in counts if is_small(int(m.group("k")), min_cell)]
    text = sentence
    if small:
        cut = re.search(r";|, ", sentence[small[0].end() :])
        if cut is not None:
            text = sentence[: small[0].end() + cut.start()].rstrip() + "."
    rest = _NOT_COUNTS.sub(" ", _COUNT.sub(" ", text))
    if any(is_small(int(n), min_cell) for n in _NUMBER.findall(rest)):
        return None

    def coarse(m: re.Match) -> str:
        if not is_small(int(m.group("k")), min_cell) or text[: m.start()].endswith("at least "):
            return m.group(0)
        return f"fewer than {min_cell}{m.group('of') or ''} {_plural(m.group('noun'))}"

    return _COUNT.sub(coarse, text)


def safe_message(
    message: str, min_cell: int = DEFAULT_MIN_CELL, *, among: int | None = None
) -> str:
    """A warning fit to leave the analyst's screen: what failed, why and the fix, with only
    what could describe fewer than ``min_cell`` respondents taken out.

    Sentence by sentence: a count of 1 to ``min_cell - 1`` people ("only 1 respondent
    answered") is given as "fewer than min_cell", and the clause after it, which can narrow it
    down, is cut; a sentence that says what all of a small group did ("all 3 respondents in
    maternity answered no"), or what every respondent did when ``among`` (how many respondents
    "every respondent" covers; else the N of the sentence's own "0 of N" or "N of N") is unknown
    or small, or that holds another small number, is
    withheld, and so is the fix that follows it. The subject before the first colon is kept.

    >>> safe_message("alpha: only 1 respondent answered; alpha needs at least 2. Fix: collect more.")
    'alpha: fewer than 5 respondents answered. Fix: collect more.'
    """
    if min_cell <= 1:
        return message
    subject = _SUBJECT.match(message)
    prefix = subject.group(0) if subject else ""
    if prefix and _safe_sentence(prefix, min_cell, among) != prefix:
        prefix = ""
    body = message[len(prefix) :].strip()
    pieces: list[str | None] = []
    reason_withheld = False
    for sentence in _SENTENCE.split(body) if body else []:
        if sentence.startswith("Fix:"):
            safe = None if reason_withheld else _safe_sentence(sentence, min_cell, among)
        else:
            safe = _safe_sentence(sentence, min_cell, among)
            reason_withheld = safe is None
        if safe is None and pieces and pieces[-1] is None:
            continue  # one note for a run of withheld sentences
        pieces.append(safe)
    if not prefix and pieces and all(p is None for p in pieces):
        return f"A warning: {WITHHELD}."
    words = []
    for i, piece in enumerate(pieces):
        if piece is None:
            piece = f"{WITHHELD}." if i == 0 else f"{WITHHELD[0].upper()}{WITHHELD[1:]}."
        words.append(piece)
    return prefix + " ".join(words)


def safe_warning(result, message: str, min_cell: int = DEFAULT_MIN_CELL, *, instrument=None) -> str:
    """:func:`safe_message` for a warning or note of a study result, knowing how many
    respondents "every respondent" of an item covers, where the result tells: with pairwise
    deletion, those who answered the item the message names; with listwise deletion, at least
    all respondents less every missing answer to the items of its scale (given ``instrument``,
    to know the scale's items).  Otherwise it is not known, and such a sentence is withheld."""
    named = re.search(r"\bitem (\w+)", message)
    among = None if named is None else _answering(result, named.group(1), instrument)
    return safe_message(message, min_cell, among=among)


def _answering(result, item_id: str, instrument) -> int | None:
    """At least how many respondents a reliability estimate kept for the item ``item_id``."""
    items = {d.id: d for d in getattr(result, "items", []) or []}
    missing = getattr(result.settings, "missing", None)
    if item_id not in items:
        return None
    if missing == "pairwise":
        return items[item_id].n
    if missing != "listwise" or instrument is None or items[item_id].scale is None:
        return None
    members = instrument.scale(items[item_id].scale).items
    if not all(m in items for m in members):
        return None
    # those who answered every item: at least everyone less each item's missing answers
    least = result.n - sum(result.n - items[m].n for m in members)
    return least if least >= 0 else None


# -- a plan for a whole study result ----------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Every suppression decision for one :class:`~readiness.analysis.StudyResult`, made once so
    that the tables, figures and exports hide the same cells."""

    min_cell: int
    groups_hidden: tuple[bool, ...]  # groups (result.groups order) hidden everywhere
    characteristics: dict[str, CountSuppression]  # categories + "not answered", in order
    indicators: dict[str, ProportionSuppression]  # by indicator id, groups in result order
    response_overall: bool = False  # the overall number of respondents is small
    sites: dict[str, bool] = field(default_factory=dict)  # site label -> respondents hidden
    likert: dict[str, list[tuple[int, int]] | None] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return (
            any(self.groups_hidden)
            or any(s.any for s in self.characteristics.values())
            or any(s.any for s in self.indicators.values())
            or self.response_overall
            or any(self.sites.values())
            or any(spans is None or any(a != b for a, b in spans) for spans in self.likert.values())
        )

    def group_hidden(self, groups: Sequence[str], label: str) -> bool:
        return self.groups_hidden[list(groups).index(label)]


def plan_for(result, min_cell: int = DEFAULT_MIN_CELL) -> Plan:
    """Decide what to hide in every table and figure of a study result."""
    _check(min_cell)
    groups = list(result.groups)
    characteristics: dict[str, CountSuppression] = {}
    for key, block in result.characteristics.items():
        if not isinstance(block, Characteristic):
            continue  # a number (years since qualifying)
        counts = [c.count for c in block.categories.values()] + [block.missing]
        characteristics[key] = suppress_counts(counts, min_cell=min_cell)
    group_block = result.characteristics.get(result.group_by)
    if isinstance(group_block, Characteristic) and group_block.categories:
        labels = list(group_block.categories)
        hidden = characteristics[result.group_by].cells
        groups_hidden = tuple(hidden[labels.index(g)] if g in labels else False for g in groups)
    else:
        groups_hidden = tuple(False for _ in groups)
    indicators = {}
    for ind in result.indicators:
        ks = [ind.by_group[g].count for g in groups]
        ns = [ind.by_group[g].n for g in groups]
        indicators[ind.id] = suppress_proportions(
            ks,
            ns,
            min_cell=min_cell,
            overall=(ind.overall.count, ind.overall.n),
            force=groups_hidden,
        )
    sites: dict[str, bool] = {}
    site_block = result.characteristics.get("site")
    if isinstance(site_block, Characteristic) and "site" in characteristics:
        for label, site_hidden in zip(
            site_block.categories, characteristics["site"].cells, strict=False
        ):
            sites[label] = site_hidden
    elif result.response_rate and result.response_rate.by_site is not None:
        by_site = result.response_rate.by_site
        s = suppress_counts([r.responded for r in by_site.values()], min_cell=min_cell)
        sites = dict(zip(by_site, s.cells, strict=True))
    likert = {
        d.id: merge_small_categories(d.counts, min_cell=min_cell)
        for d in getattr(result, "items", []) or []
        if d.type == "likert"
    }
    return Plan(
        min_cell=min_cell,
        groups_hidden=groups_hidden,
        characteristics=characteristics,
        indicators=indicators,
        response_overall=is_small(result.n, min_cell),
        sites=sites,
        likert=likert,
    )


__all__ = [
    "DEFAULT_MIN_CELL",
    "SYMBOL",
    "CountSuppression",
    "Plan",
    "ProportionSuppression",
    "cell",
    "footnote",
    "is_small",
    "merge_small_categories",
    "plan_for",
    "safe_message",
    "safe_warning",
    "suppress_counts",
    "suppress_proportions",
]
