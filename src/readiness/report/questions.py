"""Every question, as the report and the dashboard show it: the rows of each question's summary
(:mod:`readiness.analysis.items_summary`), with small cells suppressed by the report's rules.

Suppression (:mod:`readiness.report.suppression`), for a threshold ``min_cell`` above 1:

* choice items: the answers' counts and "not answered" are one breakdown of the respondents
  shown the question (:func:`suppress_counts`, as Table 1's characteristics): a small count is
  hidden with its percentage and interval, and enough others that it cannot be worked out;
  "answered" is hidden when "not answered" is (the one gives the other);
* multiple choice: an option chosen (or not chosen) by 1 to ``min_cell - 1`` respondents;
* every question: "answered" or "not answered" from 1 to ``min_cell - 1``, and the
  distribution of a number or the range of dates answered by fewer than ``min_cell``.

The rows work on the summary as plain data (``jsonable``), so that the dashboard's kept
results and the report read the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from readiness.analysis.items_summary import CONVENTIONS
from readiness.report import format as fmt
from readiness.report.model import Body, Cell, Table
from readiness.report.suppression import SYMBOL, footnote, is_small, suppress_counts

KIND_WORDS = {
    "frequencies": "answers",
    "selections": "options chosen (a respondent may choose several)",
    "distribution": "a number",
    "range": "a date or time",
    "answered": "free text",
}


@dataclass(frozen=True)
class QuestionRow:
    """One row: a label, a count, a percentage and an interval as text ("" where the row has
    none), and whether its figures are hidden."""

    label: str
    count: str = ""
    percent: str = ""
    interval: str = ""
    hidden: bool = False
    value: float | int | None = None  # the count as a number, for the exports


def _hide_answers(summary: dict, min_cell: int) -> tuple[list[bool], bool, bool]:
    """Which answers, whether "answered" and whether "not answered" are hidden."""
    counts = [a["count"] for a in summary["answers"]]
    n, missing = summary["n"], summary["missing"]
    if min_cell <= 1:
        return [False] * len(counts), False, False
    if summary["kind"] == "frequencies":
        cells = suppress_counts([*counts, missing], min_cell=min_cell).cells
        hide_missing = cells[-1]
        return list(cells[:-1]), hide_missing or is_small(n, min_cell), hide_missing
    hide_n = is_small(n, min_cell) or is_small(missing, min_cell)
    answers = [hide_n or is_small(k, min_cell) or is_small(n - k, min_cell) for k in counts]
    return answers, hide_n, is_small(missing, min_cell) or hide_n


def question_rows(summary: dict, min_cell: int = 1) -> list[QuestionRow]:
    """The rows of one question's summary, small cells hidden when ``min_cell`` > 1."""
    hide, hide_n, hide_missing = _hide_answers(summary, min_cell)
    rows = [
        QuestionRow(
            a["label"],
            fmt.count(a["count"]),
            fmt.pct(a["percent"]),
            fmt.interval(a["lower"], a["upper"]),
            hidden,
            a["count"],
        )
        for a, hidden in zip(summary["answers"], hide, strict=True)
    ]
    rows.append(QuestionRow("Answered (n)", fmt.count(summary["n"]), "", "", hide_n, summary["n"]))
    if summary["missing"] or summary["shown"]:
        rows.append(
            QuestionRow(
                "Not answered",
                fmt.count(summary["missing"]),
                "",
                "",
                hide_missing,
                summary["missing"],
            )
        )
    few = min_cell > 1 and summary["n"] < min_cell
    rows += _figures(summary, few)
    return rows


def _figures(summary: dict, hidden: bool) -> list[QuestionRow]:
    d = summary.get("distribution")
    if d:
        return [
            QuestionRow("Mean (SD)", f"{fmt.num(d['mean'])} ({fmt.num(d['sd'])})", hidden=hidden),
            QuestionRow(
                "Median (quartiles)",
                f"{fmt.num(d['median'])} ({fmt.num(d['q1'])} to {fmt.num(d['q3'])})",
                hidden=hidden,
            ),
            QuestionRow("Range", f"{fmt.num(d['min'])} to {fmt.num(d['max'])}", hidden=hidden),
        ]
    if summary.get("first"):
        return [
            QuestionRow(
                "Earliest to latest", f"{summary['first']} to {summary['last']}", hidden=hidden
            )
        ]
    return []


def question_note(summary: dict) -> str:
    """What the question's summary is, and what could not be computed and why."""
    words = KIND_WORDS.get(summary["kind"], summary["kind"])
    note = summary.get("note") or ""
    return f"{summary['type'].replace('_', ' ')}: {words}" + (f"; {note}" if note else "")


def any_hidden(rows: list[QuestionRow]) -> bool:
    return any(r.hidden for r in rows)


def plain(summary: Any) -> dict:
    """A summary as plain data (an :class:`ItemSummary` or already a dict)."""
    from readiness.stats.result import jsonable

    return summary if isinstance(summary, dict) else jsonable(summary)


def questions_table(result, min_cell: int) -> Table | None:
    """Table 7 of the report: every question's summary, one group of rows per question."""
    from readiness.report.tables import ci_head, sentence, th

    if not result.item_summaries:
        return None
    bodies = []
    hidden_any = False
    for summary in map(plain, result.item_summaries):
        rows = question_rows(summary, min_cell)
        hidden_any = hidden_any or any_hidden(rows)
        cells = [
            [
                th(r.label, "row"),
                Cell(
                    SYMBOL if r.hidden else r.count,
                    None if r.hidden else r.value,
                    numeric=True,
                    hidden=r.hidden,
                ),
                Cell(
                    SYMBOL if r.hidden and r.percent else r.percent,
                    numeric=True,
                    hidden=r.hidden and bool(r.percent),
                ),
                Cell(
                    SYMBOL if r.hidden and r.interval else r.interval,
                    numeric=True,
                    hidden=r.hidden and bool(r.interval),
                ),
            ]
            for r in rows
        ]
        label = f"{summary['text']} ({summary['id']}; {question_note(summary)})"
        bodies.append(Body(cells, label, summary["id"]))
    notes = [
        "Every question of the instrument. "
        + sentence(CONVENTIONS)
        + "; intervals: "
        + fmt.INTERVAL_NAMES.get(result.settings.interval, result.settings.interval)
        + "."
    ]
    if hidden_any:
        notes.append(footnote(min_cell))
    table = Table(
        "table-7",
        "7",
        "Every question: the answers to each item",
        [[th("Question and answer"), th("n"), th("%"), th(ci_head(result))]],
        bodies,
        notes,
        slug="table-7-every-question",
        group_column="Question",
        hidden_any=hidden_any,
    )
    return table


__all__ = [
    "QuestionRow",
    "any_hidden",
    "plain",
    "question_note",
    "question_rows",
    "questions_table",
]
