"""The analysis and the report of a survey that holds a note, a date and a calculate item: they
are no questions to count and no columns to tabulate, and nothing breaks on them."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from readiness.analysis import analyse
from readiness.instrument.conditions import Leaf
from readiness.instrument.model import Item, Section
from readiness.report import render_html
from readiness.responses.validate import validate_frame


def _with_new_types(survey):
    extra = (
        Item("thanks_note", "note", "Diolch! Thank you for your answers 🙏", "closing"),
        Item("answered_on", "date", "Today's date", "closing"),
        Item(
            "ever_seen",
            "calculate",
            "Has had contact",
            "closing",
            calculation=Leaf("contact_ever", "equals", 1),
        ),
    )
    section = Section("closing", "Closing", items=tuple(i.id for i in extra))
    return replace(survey, items=survey.items + extra, sections=survey.sections + (section,))


def test_notes_dates_and_calculations_pass_through_the_analysis_and_report(demo_cohort, survey):
    instrument = _with_new_types(survey)
    table = demo_cohort.responses.head(120).copy()
    table["answered_on"] = "2026-03-02"
    table["thanks_note"] = ""
    table = table.astype(object).where(table.notna(), "")
    clean, problems, warnings = validate_frame(table, instrument, "cohort.csv")
    assert problems == []
    assert "thanks_note" not in clean.columns
    assert any(w.column == "thanks_note" for w in warnings)
    expected = (pd.to_numeric(clean["contact_ever"]) == 1).astype(float)
    assert clean["ever_seen"].tolist() == expected.tolist()
    result = analyse(clean, instrument, sessions=demo_cohort.sessions)
    html = render_html(result, instrument=instrument, source={"produced": "2026-11-21"})
    asked = sum(1 for i in survey.items if not i.hidden) + 1  # the date is the one new question
    assert f"{asked} questions in {len(instrument.sections)} sections" in html
    assert "Diolch! Thank you" not in html
