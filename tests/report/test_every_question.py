"""The report's "Every question" section (Table 7): every item, small cells hidden by the
report's rules, free text counted but never printed, and why a figure is missing."""

from __future__ import annotations

from readiness.report.questions import question_rows
from readiness.report.suppression import SYMBOL
from tests.report.report_helpers import row, table, text


def test_every_question_of_the_instrument_has_its_rows(demo_doc, survey):
    t7 = table(demo_doc, "7")
    keys = [b.get("data-key") for b in t7.xpath("./tbody")]
    assert keys == [item.id for item in survey.data_items]
    contact = row(t7, "Yes", "contact_ever")
    assert contact["n"] == "102" and contact["%"] == "13.0"
    assert row(t7, "Answered (n)", "years_qualified")["n"] == "771"
    assert row(t7, "Median (quartiles)", "years_qualified")["n"]


def test_what_cannot_be_computed_says_why(demo_doc):
    t7 = table(demo_doc, "7")
    story = t7.xpath("./tbody[@data-key='contact_story']")[0]
    assert "no answers" in text(story) and "free text is not summarised" in text(story)


def test_small_counts_are_hidden_with_what_would_give_them_away(small_doc):
    t7 = table(small_doc, "7")
    maternity = row(t7, "Maternity", "discipline")  # 3 of 150
    assert (maternity["n"], maternity["%"]) == (SYMBOL, SYMBOL)
    hidden = [
        r["n"]
        for label in ("Emergency medicine", "Mental health", "Paediatrics", "Other clinical")
        for r in [row(t7, label, "discipline")]
    ]
    assert SYMBOL in hidden  # one more, so that the 3 cannot be worked out from the total
    section = small_doc.xpath("//section[@aria-labelledby='every-question']")[0]
    assert "[c] Not shown" in text(section)


def test_a_choice_question_hides_answered_with_not_answered():
    summary = {
        "kind": "frequencies",
        "type": "single_choice",
        "n": 40,
        "shown": 43,
        "missing": 3,
        "answers": [
            {"code": "1", "label": "A", "count": 20, "percent": 50.0, "lower": 1, "upper": 2},
            {"code": "2", "label": "B", "count": 20, "percent": 50.0, "lower": 1, "upper": 2},
        ],
    }
    rows = {r.label: r for r in question_rows(summary, 5)}
    assert rows["Not answered"].hidden and rows["Answered (n)"].hidden
    assert rows["A"].hidden or rows["B"].hidden
    assert not any(r.hidden for r in question_rows(summary, 1))


def test_a_custom_instrument_s_report_has_its_questions_and_its_regression(survey, demo_cohort):
    import lxml.html

    from readiness.analysis import analyse
    from readiness.report import render_html
    from tests.analysis.test_item_summaries import custom_instrument, with_custom_answers

    instrument = custom_instrument(
        survey,
        {
            "group_by": "shift",
            "regression": {"outcome": "interest_training", "predictors": ["shift", "discipline"]},
        },
    )
    result = analyse(with_custom_answers(demo_cohort.responses), instrument)
    doc = lxml.html.fromstring(render_html(result, instrument=instrument))
    t7 = table(doc, "7")
    assert row(t7, "Nights", "shift")["n"] != SYMBOL
    assert row(t7, "Answered (n)", "comments")["n"]
    assert "a private remark" not in text(doc)
    t5 = table(doc, "5")
    assert text(t5.find("caption")).startswith("Table 5. Odds of interest training (yes vs no)")
    assert row(t5, "shift: Days (reference)")["Odds ratio"] == "1"
    assert row(t5, "discipline: Emergency medicine (reference)")["Odds ratio"] == "1"
    # the section's heading and the contents name the declared outcome, not contact
    heading = doc.get_element_by_id("regression")
    assert text(heading) == "What goes with interest training"
    assert "What goes with interest training (Table 5)" in text(doc)
    assert "having had contact" not in text(doc)
    assert "Interest training is modelled by logistic regression on shift, discipline" in text(doc)
    assert "Contact with a trafficked patient is modelled" not in text(doc)


def test_a_regression_not_fitted_names_its_outcome():
    from types import SimpleNamespace

    from readiness.analysis.regression import RegressionNotFitted
    from readiness.report.html import regression_note

    result = SimpleNamespace(regression=RegressionNotFitted(note="too few answers."), warnings=[])
    note = regression_note(result, 5, "interest_training")
    assert note is not None and note.startswith("The logistic regression of interest training")
    assert "of contact could not" in (regression_note(result, 5) or "")
