"""The evaluation report for a trust board: one page of headline sentences, then the tables,
the methods and the conventions, as one self-contained HTML document printed to PDF by the
report machinery (:mod:`readiness.report`).

Everything here leaves the analyst's screen, so small cells are suppressed: each figure a result
marks hidden (:mod:`readiness.evaluation.results`) is shown as ``[c]`` and left out of the
sentences.  :func:`headlines` and :func:`evaluation_tables` are what a dashboard can reuse.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from readiness import __version__
from readiness.evaluation.results import (
    BinaryChange,
    EvaluationResult,
    ScaleChange,
    Share,
    is_hidden,
)
from readiness.instrument.model import Instrument
from readiness.report import format as fmt
from readiness.report.model import Body, Cell, Table
from readiness.report.suppression import SYMBOL, footnote, safe_message
from readiness.report.tables import num_cell, sentence, th
from readiness.report.template import CSS, PAGE_START, SYNTHETIC_PAGE_CSS

# Positive wording for the shipped Ross indicators: the share agreeing or knowing is
# 100% minus the share the indicator counts (the same pairs, so the same n).
POSITIVE = {
    "lack_conf_referral_men": ("Confidence to refer a trafficked man", "agreeing"),
    "lack_conf_referral_women": ("Confidence to refer a trafficked woman", "agreeing"),
    "lack_conf_referral_child": ("Confidence to refer a trafficked child", "agreeing"),
    "lack_knowledge_questions": ("Knowing what questions to ask", "agreeing"),
    "unaware_police_danger": (
        "Knowing that calling the police without consent can put a patient in more danger",
        "correct",
    ),
    "unaware_scale": ("Awareness of the scale of trafficking in the UK", "agreeing"),
}
WAVE_TITLES = {
    "pre": "Pre-test",
    "post": "Post-test",
    "follow_up": "Follow-up",
    "then": "Then-test",
}


# --- words and numbers ------------------------------------------------------------------------


def _points(share: float | None) -> float | None:
    """A difference of proportions in percentage points."""
    return None if share is None else 100 * share


def _shown(value: float | None) -> float:
    """A figure the checks before it found not withheld (a withheld one is None)."""
    if value is None:
        raise ValueError("a withheld figure was about to be written")
    return value


def _signed(x: float | None, digits: int = 1) -> str:
    if fmt.missing(x):
        return fmt.DASH
    text = f"{x:+.{digits}f}"
    return text.replace("-", "−")


def _pct(x: float | None) -> str:
    return fmt.DASH if fmt.missing(x) else f"{x:.0f}%"


def _share_text(share: Share) -> str:
    if "percent" in share.hidden:
        return SYMBOL
    if share.percent is None:
        return fmt.DASH
    return f"{share.percent:.1f} ({share.count}/{share.n})"


def _level(result: EvaluationResult) -> str:
    return fmt.ci(result.conf_level)


def _change_pp(change: BinaryChange) -> str:
    d = change.mcnemar.difference
    if is_hidden(change, "mcnemar.difference.difference"):
        return SYMBOL
    text = _signed(100 * d.difference)
    if is_hidden(change, "mcnemar.difference.lower"):
        return f"{text} ({SYMBOL})"
    return f"{text} ({_signed(100 * d.lower)} to {_signed(100 * d.upper)})"


def _p(change: BinaryChange, field: str = "mcnemar.exact_p_value") -> str:
    """A p-value, or its band (P < 0.05, ...) when the exact value is hidden."""
    obj: Any = change
    for part in field.split("."):
        obj = getattr(obj, part)
    return fmt.p_coarse(obj) if is_hidden(change, field) else fmt.p_value(obj)


def _scale_max(instrument: Instrument, scale_id: str) -> str:
    scale = instrument.scale(scale_id)
    if scale.scoring == "sum":
        return f" out of {len(scale.items)}"
    ranges = {instrument.item(i).point_range for i in scale.items}
    if len(ranges) == 1:
        lo, hi = ranges.pop()
        return f" on a scale of {lo:g} to {hi:g}"
    return ""


def _binary_sentence(change: BinaryChange, result: EvaluationResult, instrument: Instrument):
    if "n" in change.hidden:
        return None
    level = _level(result)
    n = f"n = {change.n} matched"
    if change.kind == "indicator" and change.id in POSITIVE:
        subject, word = POSITIVE[change.id]
        if "percent" in change.before.hidden or "percent" in change.after.hidden:
            return f"{subject}: figures withheld to protect respondents ({n})."
        before, after = 100 - _shown(change.before.percent), 100 - _shown(change.after.percent)
        d = change.mcnemar.difference
        diff, lo, hi = -100 * d.difference, -100 * d.upper, -100 * d.lower
    else:
        if change.kind == "item":
            item = instrument.item(change.id)
            key = "true" if item.key else "false"
            statement = item.text.rstrip(".")
            subject = f"Knowing that the statement '{statement}' is {key}"
            word = "of staff"
        else:
            subject = f"Staff who {change.label}"
            word = ""
        if "percent" in change.before.hidden or "percent" in change.after.hidden:
            return f"{subject}: figures withheld to protect respondents ({n})."
        before, after = _shown(change.before.percent), _shown(change.after.percent)
        d = change.mcnemar.difference
        diff, lo, hi = 100 * d.difference, 100 * d.lower, 100 * d.upper
    verb = _verb(lo, hi, diff)
    words = f" {word}" if word else ""
    interval = (
        f"; change {_signed(diff, 0)} percentage points, {level} {_signed(lo, 0)} to "
        f"{_signed(hi, 0)}"
        if not is_hidden(change, "mcnemar.difference.lower")
        else f"; change {_signed(diff, 0)} percentage points"
    )
    return f"{subject} {verb} {_pct(before)} to {_pct(after)}{words} ({n}{interval})."


def _verb(lo: float, hi: float, diff: float) -> str:
    if lo > 0:
        return "rose from"
    if hi < 0:
        return "fell from"
    return "changed little, from"


def _scale_sentence(change: ScaleChange, result: EvaluationResult, instrument: Instrument):
    if "n" in change.hidden:
        return None
    t = change.t_test
    of = _scale_max(instrument, change.id)
    verb = _verb(t.lower, t.upper, t.mean_difference)
    return (
        f"{change.label}: the mean score {verb} {t.mean_before:.1f} to {t.mean_after:.1f}{of} "
        f"(n = {change.n} matched; change {_signed(t.mean_difference)}, {_level(result)} "
        f"{_signed(t.lower)} to {_signed(t.upper)})."
    )


def headlines(result: EvaluationResult, instrument: Instrument) -> list[str]:
    """The summary page's sentences, small cells left out."""
    lines: list[str] = []
    flow, cov = result.flow, result.coverage
    trained = f"Fewer than {result.min_cell}" if "n" in cov.hidden else str(cov.n)
    matched = (
        f"{flow.matched} were linked before and after training"
        if "matched" not in flow.hidden
        else f"fewer than {result.min_cell} were linked before and after training"
    )
    lines.append(f"{trained} staff took part in the training evaluation; {matched}.")
    by: dict[str, ScaleChange | BinaryChange] = {c.id: c for c in result.scales}
    by.update({c.id: c for c in result.indicators})
    by.update({c.id: c for c in result.items})
    for outcome in result.primary:
        change = by.get(outcome)
        if change is None:
            continue
        text = (
            _scale_sentence(change, result, instrument)
            if isinstance(change, ScaleChange)
            else _binary_sentence(change, result, instrument)
        )
        if text:
            lines.append(text)
    if result.poorly_known:
        names = [p.id for p in result.poorly_known]
        lines.append(
            f"After training, {len(names)} of {len(result.items)} knowledge statements were still "
            f"answered correctly by fewer than {100 * result.poorly_known_below:g}% of staff "
            "(Table 5): the list for the next session."
        )
    if result.retention is not None and "n" not in result.retention.hidden:
        knowledge = next((s for s in result.retention.scales if s.id == "actual_knowledge"), None)
        if knowledge is not None and "n" not in knowledge.hidden:
            t = knowledge.t_test
            state = (
                "was retained"
                if t.lower <= 0 <= t.upper
                else ("decayed" if t.upper < 0 else "grew further")
            )
            lines.append(
                f"At follow-up, knowledge {state}: the mean score went from {t.mean_before:.1f} "
                f"after training to {t.mean_after:.1f} (n = {knowledge.n} linked; change "
                f"{_signed(t.mean_difference)}, {_level(result)} {_signed(t.lower)} to "
                f"{_signed(t.upper)})."
            )
    if result.attrition is not None:
        lines.append(result.attrition.summary)
    return lines


# --- tables -----------------------------------------------------------------------------------


def _text(text: str) -> Cell:
    return Cell(text)


def _num(text: str, hidden: bool = False) -> Cell:
    return num_cell(text, None, hidden)


def _row_header(text: str) -> Cell:
    return th(text, scope="row")


def _flow_table(result: EvaluationResult) -> Table:
    f = result.flow
    rows: list[tuple[str, int | None, str]] = [
        ("Pre-test responses", f.pre, "pre"),
        ("Post-test responses", f.post, "post"),
        ("Linked pre-test to post-test (matched pairs)", f.matched, "matched"),
        ("Pre-test only", f.pre_only, "pre_only"),
        ("Post-test only", f.post_only, "post_only"),
    ]
    if f.follow_up is not None:
        rows += [
            ("Follow-up responses", f.follow_up, "follow_up"),
            ("Follow-up linked to a post-test response", f.follow_up_matched, "follow_up_matched"),
            ("Linked at all three waves", f.complete, "complete"),
        ]
    body = [
        [_row_header(label), _num(fmt.count(value), name in f.hidden)]
        for label, value, name in rows
    ]
    unlinked = ", ".join(f"{WAVE_TITLES[w].lower()} {v}" for w, v in f.unlinkable.items())
    body.append(
        [
            _row_header("Responses without a link id"),
            _text(SYMBOL if "unlinkable" in f.hidden else unlinked),
        ]
    )
    cov = result.coverage
    people = [
        [
            _row_header("Staff taking part (pre-test or post-test)"),
            _num(str(cov.n), "n" in cov.hidden),
        ]
    ]
    people += [
        [_row_header(g.label), _num(str(g.count), "count" in g.hidden)] for g in cov.by_group
    ]
    return Table(
        id="table-1",
        number="1",
        title="Who took part, and how the waves were linked",
        head=[[th("Figure"), th("Number", cls="num")]],
        bodies=[
            Body(people, label=f"Staff by {cov.group_by.replace('_', ' ')}"),
            Body(body, label="Linkage"),
        ],
        notes=[
            "Staff taking part: each link id once; a response without a link id, or whose two "
            "tests could not be linked, counts as a person of its own, so this can count a "
            "person twice.",
            footnote(result.min_cell),
        ],
        slug="table-1-linkage",
    )


def _binary_rows(changes, result, follow: dict | None = None) -> list[list[Cell]]:
    rows = []
    for c in changes:
        m = c.mcnemar
        all_hidden = "n" in c.hidden
        row = [
            _text(c.label),
            _num(str(c.n), all_hidden),
            _num(_share_text(c.before), all_hidden or bool(c.before.hidden)),
            _num(_share_text(c.after), all_hidden or bool(c.after.hidden)),
            _num(_change_pp(c), all_hidden),
            _num(f"{m.b} / {m.c}", all_hidden or is_hidden(c, "mcnemar.b")),
            _num(_p(c), all_hidden),
        ]
        if c.kind == "item":
            row.append(_num(_p(c, "holm_p"), all_hidden))
            split = (
                SYMBOL
                if is_hidden(c, "dont_know_to_correct")
                else f"{c.dont_know_to_correct} / {c.wrong_to_correct}"
            )
            row.append(_num(split, all_hidden or split == SYMBOL))
        if follow is not None:
            later = follow.get(c.id)
            text = fmt.DASH if later is None else _share_text(later.after)
            row.append(
                _num(text, later is not None and ("n" in later.hidden or bool(later.after.hidden)))
            )
        rows.append(row)
    return rows


def _items_table(result: EvaluationResult, instrument: Instrument) -> Table:
    follow = {c.id: c for c in result.retention.items} if result.retention is not None else None
    head = [
        th("Statement (answer)"),
        th("Pairs", cls="num"),
        th("Pre-test % correct (n/N)", cls="num"),
        th("Post-test % correct (n/N)", cls="num"),
        th(f"Change, percentage points ({_level(result)})", cls="num"),
        th("Wrong to right / right to wrong", cls="num"),
        th("P (exact)", cls="num"),
        th("P (Holm)", cls="num"),
        th("Don't know / wrong to right", cls="num"),
    ]
    if follow is not None:
        head.append(th("Follow-up % correct (n/N)", cls="num"))
    rows = _binary_rows(result.items, result, follow)
    for row, c in zip(rows, result.items, strict=True):
        key = "true" if instrument.item(c.id).key else "false"
        row[0] = _text(f"{c.label} ({key})")
    return Table(
        id="table-2",
        number="2",
        title="Knowledge statements before and after training (matched pairs)",
        head=[head],
        bodies=[Body(rows)],
        notes=[
            "'Don't know' counts as not correct. P (exact): exact McNemar test; P (Holm): "
            "adjusted across the statements. Where a cell is hidden, P is given in bands.",
            footnote(result.min_cell),
        ],
        slug="table-2-knowledge",
    )


def _median_iqr(summary) -> str:
    if summary.hidden or summary.median is None:
        return SYMBOL if summary.hidden else fmt.DASH
    return (
        f"{fmt.round_half(summary.median)} ({fmt.num(summary.q1, 1)} to {fmt.num(summary.q3, 1)})"
    )


def _scale_rows(changes: tuple[ScaleChange, ...], result: EvaluationResult) -> list[list[Cell]]:
    rows = []
    for c in changes:
        hidden = "n" in c.hidden
        t, w = c.t_test, c.wilcoxon
        rb = w.rank_biserial
        rb_text = (
            f"{fmt.num(rb.r_rb)} (all one way)"
            if rb.one_direction
            else f"{fmt.num(rb.r_rb)} ({fmt.num(rb.lower)} to {fmt.num(rb.upper)})"
        )
        zeros = SYMBOL if is_hidden(c, "wilcoxon.n_zero") else str(w.n_zero)
        rows.append(
            [
                _text(c.label),
                _num(str(c.n), hidden),
                _num(_median_iqr(c.before), hidden),
                _num(_median_iqr(c.after), hidden),
                _num(
                    f"{_signed(t.mean_difference, 2)} ({_signed(t.lower, 2)} to {_signed(t.upper, 2)})",
                    hidden,
                ),
                _num(
                    f"{fmt.num(t.cohens_dz.d_z)} ({fmt.num(t.cohens_dz.lower)} to "
                    f"{fmt.num(t.cohens_dz.upper)})",
                    hidden,
                ),
                _num(rb_text, hidden),
                _num(f"V = {w.v:g}, P = {fmt.p_value(w.p_value)}; {zeros} unchanged", hidden),
            ]
        )
    return rows


def _scale_head(result: EvaluationResult, before: str, after: str) -> list[Cell]:
    return [
        th("Score"),
        th("Pairs", cls="num"),
        th(f"{before} median (IQR)", cls="num"),
        th(f"{after} median (IQR)", cls="num"),
        th(f"Mean change ({_level(result)})", cls="num"),
        th(f"d_z ({_level(result)})", cls="num"),
        th(f"Rank-biserial r ({_level(result)})", cls="num"),
        th("Wilcoxon signed-rank", cls="num"),
    ]


def _scales_table(result: EvaluationResult) -> Table:
    return Table(
        id="table-3",
        number="3",
        title="Knowledge score and scales before and after training (matched pairs)",
        head=[_scale_head(result, "Pre-test", "Post-test")],
        bodies=[Body(_scale_rows(result.scales, result))],
        notes=[
            "Mean change: paired t interval. d_z: mean change divided by the standard deviation "
            "of the changes. Wilcoxon: normal approximation with continuity correction; pairs "
            "with no change are dropped and counted.",
            footnote(result.min_cell),
        ],
        slug="table-3-scores",
    )


def _then_table(result: EvaluationResult) -> Table | None:
    if not result.then_test:
        return None
    rows = []
    for t in result.then_test:
        cells = [_text(t.label)]
        for change in (t.standard, t.retrospective):
            hidden = "n" in change.hidden
            tt = change.t_test
            cells += [
                _num(str(change.n), hidden),
                _num(
                    f"{_signed(tt.mean_difference, 2)} ({_signed(tt.lower, 2)} to "
                    f"{_signed(tt.upper, 2)})",
                    hidden,
                ),
            ]
        rows.append(cells)
    return Table(
        id="table-3b",
        number="3b",
        title="Self-ratings: standard change (post-test - pre-test) beside retrospective change "
        "(post-test - then-test)",
        head=[
            [
                th("Scale"),
                th("Pairs", cls="num"),
                th(f"Standard mean change ({_level(result)})", cls="num"),
                th("Pairs", cls="num"),
                th(f"Retrospective mean change ({_level(result)})", cls="num"),
            ]
        ],
        bodies=[Body(rows)],
        notes=[
            "The then-test asks at the post-test how people rate themselves 'before today'. It "
            "allows for a changed yardstick, but can itself be biased (for example by wanting "
            "the training to have worked), so both are shown.",
            footnote(result.min_cell),
        ],
        slug="table-3b-then-test",
    )


def _indicator_head(result: EvaluationResult, before: str, after: str) -> list[Cell]:
    return [
        th("Indicator"),
        th("Pairs", cls="num"),
        th(f"{before} % (n/N)", cls="num"),
        th(f"{after} % (n/N)", cls="num"),
        th(f"Change, percentage points ({_level(result)})", cls="num"),
        th("0 to 1 / 1 to 0", cls="num"),
        th("P (exact)", cls="num"),
    ]


def _indicators_table(result: EvaluationResult) -> Table:
    rows = _binary_rows(result.indicators, result)
    for row, c in zip(rows, result.indicators, strict=True):
        row[0] = _text(sentence(c.label))
    return Table(
        id="table-4",
        number="4",
        title="Indicators before and after training (matched pairs)",
        head=[_indicator_head(result, "Pre-test", "Post-test")],
        bodies=[Body(rows)],
        notes=[
            "Each indicator is the share of staff it describes (for example lacking confidence "
            "= disagree, strongly disagree or neither). A fall is an improvement where the "
            "indicator counts a gap.",
            footnote(result.min_cell),
        ],
        slug="table-4-indicators",
    )


def _poorly_known_table(result: EvaluationResult) -> Table:
    rows = [
        [
            _text(p.text),
            _num(_share_text(p.after), bool(p.after.hidden) or "n" in p.hidden),
            _text(p.explanation),
            _text(p.source),
        ]
        for p in result.poorly_known
    ]
    if not rows:
        rows = [
            [
                _text(
                    "None: every statement was answered correctly by at least "
                    f"{100 * result.poorly_known_below:g}% after training."
                ),
                _text(""),
                _text(""),
                _text(""),
            ]
        ]
    return Table(
        id="table-5",
        number="5",
        title=(
            f"Statements still answered correctly by fewer than "
            f"{100 * result.poorly_known_below:g}% after training"
        ),
        head=[
            [
                th("Statement"),
                th("Post-test % correct (n/N)", cls="num"),
                th("The fact"),
                th("Source"),
            ]
        ],
        bodies=[Body(rows)],
        notes=[footnote(result.min_cell)],
        slug="table-5-still-unknown",
    )


def _retention_table(result: EvaluationResult) -> Table | None:
    r = result.retention
    if r is None:
        return None
    scale_rows = _scale_rows(r.scales, result)
    ind_rows = _binary_rows(r.indicators, result)
    for row, c in zip(ind_rows, r.indicators, strict=True):
        row[0] = _text(sentence(c.label))
    head = _scale_head(result, "Post-test", "Follow-up")
    width = len(head)
    ind_rows = [row + [_text("")] * (width - len(row)) for row in ind_rows]
    sub = [
        th("Indicator"),
        th("Pairs", cls="num"),
        th("Post-test % (n/N)", cls="num"),
        th("Follow-up % (n/N)", cls="num"),
        th(f"Change, percentage points ({_level(result)})", cls="num"),
        th("0 to 1 / 1 to 0", cls="num"),
        th("P (exact)", cls="num"),
        th(""),
    ]
    return Table(
        id="table-6",
        number="6",
        title="Retention: from the post-test to follow-up (people linked at both)",
        head=[head],
        bodies=[Body(scale_rows, label="Scores"), Body([sub] + ind_rows, label="Indicators")],
        notes=[
            "A change near 0 means what was learnt was retained; a fall means it decayed.",
            footnote(result.min_cell),
        ],
        slug="table-6-retention",
    )


def _three_waves_table(result: EvaluationResult) -> Table | None:
    if not result.three_waves:
        return None
    rows = []
    for t in result.three_waves:
        hidden = "n" in t.hidden
        f = t.friedman
        friedman = (
            fmt.DASH
            if f is None
            else f"χ² = {fmt.num(f.statistic)}, df {f.df}, P = {fmt.p_value(f.p_value)}; "
            f"W = {fmt.num(f.kendalls_w.w)}"
        )
        pair = "; ".join(
            f"{WAVE_TITLES[p.waves[0]].lower()}–{WAVE_TITLES[p.waves[1]].lower()} "
            f"{fmt.p_value(p.holm_p)}"
            for p in t.pairwise
        )
        m = t.mixed
        if m is None:
            mixed = "could not be fitted"
        else:
            effects = "; ".join(
                f"{fe.term.removeprefix('wave').replace('_', '-')} − pre "
                f"{_signed(fe.estimate, 2)} ({_signed(fe.lower, 2)} to {_signed(fe.upper, 2)})"
                for fe in m.fixed[1:]
            )
            mixed = (
                f"{effects}; LRT P = {fmt.p_value(m.lrt_p_value)} "
                f"({m.n} responses, {m.n_people} people)"
            )
        rows.append(
            [
                _text(t.label),
                _num(str(t.n), hidden),
                _num(friedman, hidden),
                _num(pair or fmt.DASH, hidden),
                _text(mixed),
            ]
        )
    return Table(
        id="table-7",
        number="7",
        title="Three waves: complete cases, and a mixed model on every response",
        head=[
            [
                th("Score"),
                th("Complete cases", cls="num"),
                th("Friedman test, Kendall's W", cls="num"),
                th("Pairwise Wilcoxon, P (Holm)", cls="num"),
                th(f"Mixed model: change from pre-test ({_level(result)})"),
            ]
        ],
        bodies=[Body(rows)],
        notes=[
            "The mixed model (score ~ wave + (1 | person), REML) uses every response, linked or "
            "not, and is a sensitivity analysis beside the matched pairs.",
            footnote(result.min_cell),
        ],
        slug="table-7-three-waves",
    )


def _mean_sd(mean, sd, n) -> str:
    return f"{fmt.num(mean)} ({fmt.num(sd)}), n = {n}"


def _attrition_table(result: EvaluationResult) -> Table | None:
    a = result.attrition
    if a is None:
        return None
    rows = []
    for s in a.scales:
        rows.append(
            [
                _text(s.label),
                _num(
                    _mean_sd(s.mean_matched, s.sd_matched, s.n_matched),
                    "mean_matched" in s.hidden,
                ),
                _num(
                    _mean_sd(s.mean_unmatched, s.sd_unmatched, s.n_unmatched),
                    "mean_unmatched" in s.hidden,
                ),
                _num("SMD " + _signed(s.smd, 2), "smd" in s.hidden),
            ]
        )
    for c in a.categories:
        diff = (
            SYMBOL
            if c.hidden
            else f"{_signed(_points(c.difference))} ({_signed(_points(c.lower))} to "
            f"{_signed(_points(c.upper))})"
            if c.difference is not None
            else fmt.DASH
        )
        rows.append(
            [
                _text(c.label),
                _num(_share_text(c.matched), bool(c.matched.hidden)),
                _num(_share_text(c.unmatched), bool(c.unmatched.hidden)),
                _num(diff, bool(c.hidden)),
            ]
        )
    return Table(
        id="table-8",
        number="8",
        title="Attrition: pre-test respondents linked to a post-test response, and the rest",
        head=[
            [
                th("Baseline"),
                th("Linked: mean (SD) or % (n/N)", cls="num"),
                th("Not linked", cls="num"),
                th(f"Difference ({_level(result)})", cls="num"),
            ]
        ],
        bodies=[Body(rows)],
        notes=[a.summary, footnote(result.min_cell)],
        slug="table-8-attrition",
    )


def conventions_table(result: EvaluationResult) -> Table:
    rows = [
        [_row_header(sentence(k)), _text(sentence(v) + ".")] for k, v in result.conventions.items()
    ]
    return Table(
        id="table-a1",
        number="A1",
        title="Conventions of the analysis",
        head=[[th("Topic"), th("Convention")]],
        bodies=[Body(rows)],
        slug="table-a1-conventions",
    )


def evaluation_tables(result: EvaluationResult, instrument: Instrument) -> list[Table]:
    """Every table of the report, small cells already suppressed."""
    tables = [
        _flow_table(result),
        _items_table(result, instrument),
        _scales_table(result),
        _then_table(result),
        _indicators_table(result),
        _poorly_known_table(result),
        _retention_table(result),
        _three_waves_table(result),
        _attrition_table(result),
        conventions_table(result),
    ]
    return [t for t in tables if t is not None]


# --- the document -----------------------------------------------------------------------------

WIDE_CSS = r"""
table td.text { min-width: 14rem; }
thead th.num { white-space: normal; }
@media print {
  @page wide { size: A4 landscape; }
  section.wide { page: wide; }
}
"""

TEMPLATE = (
    PAGE_START
    + r"""
<body>
<header>
{%- if synthetic %}
<div class="banner" role="note" aria-label="Synthetic data">
<p><strong>Synthetic data: not findings.</strong> Every response in this report was drawn by a
computer model. No real person answered it. Do not report these numbers as findings.</p>
</div>
{%- endif %}
<p class="kicker">Training evaluation</p>
<h1>{{ title }}</h1>
<dl class="meta">
{%- for label, value in meta %}
<dt>{{ label }}</dt><dd>{{ value }}</dd>
{%- endfor %}
</dl>
</header>
<main>
<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
<ul class="summary">
{%- for line in headlines %}
<li>{{ line }}</li>
{%- endfor %}
</ul>
{%- if warnings %}
<div class="warnings"><p><strong>Warnings from the analysis</strong></p>
<ul>{% for w in warnings %}<li>{{ w }}</li>{% endfor %}</ul></div>
{%- endif %}
<p class="notes">Training changes knowledge and confidence (Kirkpatrick levels 1 to 3 at most);
effects on patients (level 4) are not measured here.</p>
</section>
<section aria-labelledby="tables" class="wide">
<h2 id="tables" class="new-page">Tables</h2>
{%- for t in tables %}
{{ render_table(t) }}
{%- endfor %}
</section>
<section aria-labelledby="methods">
<h2 id="methods" class="new-page">Methods</h2>
{%- for p in methods %}
<p>{{ p }}</p>
{%- endfor %}
{%- if notice %}
<p class="notice"><strong>About the instrument.</strong> {{ notice }}</p>
{%- endif %}
{{ render_table(appendix) }}
</section>
</main>
<footer>
<p>Made with Readiness {{ version }}. {{ footer }}</p>
</footer>
</body>
</html>
"""
)


def methods(result: EvaluationResult, instrument: Instrument) -> list[str]:
    level = fmt.level(result.conf_level)
    waves = (
        "pre-test, post-test and follow-up"
        if result.retention is not None
        else "pre-test and post-test"
    )
    return [
        f"Staff answered the same questionnaire ({instrument.title}, version "
        f"{instrument.version}) at the {waves}. No answers or feedback were shown at the "
        "pre-test. A pre-test and a post-test taken on the same device in one session were "
        "joined without any code; a follow-up was joined by a self-generated code stored "
        "only as a keyed hash. Nobody's identity was recorded.",
        "The unit of analysis is the person. Changes are estimated from the matched pairs "
        "only; people with one wave are compared with the matched people (Table 8) and "
        "contribute to the mixed model (Table 7), which is a sensitivity analysis.",
        f"Knowledge statements and indicators are paired proportions: exact McNemar tests, "
        f"Newcombe's interval for the paired difference and, across the statements, Holm's "
        f"adjustment. Scores use the Wilcoxon signed-rank test with the rank-biserial "
        f"correlation and the paired t-test with d_z. Intervals are {level}. The conventions "
        "are listed in full in Table A1; every statistic is checked against R.",
        f"Counts of 1 to {result.min_cell - 1} people, and figures from which one could be "
        "worked out, are shown as [c].",
    ]


def render_evaluation_html(
    result: EvaluationResult, instrument: Instrument, *, source: dict | None = None
) -> str:
    """The board report of ``result`` as a self-contained HTML document.

    ``source`` labels the data: ``pre``, ``post``, ``follow_up`` (file names), ``title``,
    ``organisation``, ``produced`` (a date; default today)."""
    import jinja2

    source = dict(source or {})
    title = source.get("title") or "Training evaluation: before and after"
    meta = []
    if source.get("organisation"):
        meta.append(("Organisation", str(source["organisation"])))
    meta.append(
        (
            "Instrument",
            f"{instrument.title} ({instrument.id}, version {instrument.version})",
        )
    )
    for wave in ("pre", "post", "follow_up"):
        if source.get(wave):
            meta.append((WAVE_TITLES[wave], Path(str(source[wave])).name))
    if result.synthetic:
        meta.append(("Data", "SYNTHETIC"))
    meta.append(
        (
            "Produced",
            f"{source.get('produced') or date.today().isoformat()}, Readiness {__version__}",
        )
    )
    tables = evaluation_tables(result, instrument)
    env = jinja2.Environment(autoescape=True)
    footer = f"Intervals are {fmt.ci(result.conf_level)}s; [c] marks figures not shown."
    if result.synthetic:
        footer += " SYNTHETIC DATA: not findings."
    return env.from_string(TEMPLATE).render(
        lang=instrument.language or "en-GB",
        version=__version__,
        title=title,
        css=CSS + WIDE_CSS + (SYNTHETIC_PAGE_CSS if result.synthetic else ""),
        synthetic=result.synthetic,
        meta=meta,
        headlines=headlines(result, instrument),
        warnings=[safe_message(w, result.min_cell) for w in result.warnings],
        tables=tables[:-1],
        appendix=tables[-1],
        methods=methods(result, instrument),
        notice=instrument.notice,
        footer=footer,
    )


def write_evaluation_tables(
    result: EvaluationResult, instrument: Instrument, directory: str | Path
) -> list[Path]:
    """Write every table of the report as CSV and XLSX into ``directory`` (created if needed),
    small cells suppressed as in the report; return the paths, CSV before XLSX for each."""
    from readiness.report.export import write_csv, write_xlsx

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for table in evaluation_tables(result, instrument):
        csv_path = directory / f"evaluation-{table.slug}.csv"
        xlsx_path = directory / f"evaluation-{table.slug}.xlsx"
        write_csv(table, csv_path)
        write_xlsx(table, xlsx_path)
        written += [csv_path, xlsx_path]
    return written


__all__ = [
    "POSITIVE",
    "conventions_table",
    "evaluation_tables",
    "headlines",
    "methods",
    "render_evaluation_html",
    "write_evaluation_tables",
]
