"""Warnings and notes in the report keep their reason and their fix, and withhold only what
could describe fewer than min_cell respondents."""

from __future__ import annotations

from types import SimpleNamespace

import lxml.html
import numpy as np
import pytest

from readiness.analysis import AnalysisSettings, analyse
from readiness.report import render_html
from readiness.report.suppression import safe_message, safe_warning
from tests.report.report_helpers import table, text

CONSTANT = (
    "item pk_signs: every respondent gave the same answer (4), so it has no variance and cannot "
    "be part of a reliability estimate (psych drops such an item with a warning but still counts "
    "it in the score). Fix: leave it out."
)
NOBODY = (
    "item pk_signs has no answers at all. Fix: leave it out of the scale, or check that the "
    "right column was chosen."
)
SEPARATION = (
    "all 3 respondents with discipline = 'Maternity' answered no, so its odds ratio is infinite "
    "(separation) and the model cannot be fitted. Fix: merge 'Maternity' with another level of "
    "'discipline', or leave those respondents out."
)


def test_a_reason_about_many_respondents_is_kept_whole():
    assert safe_message(f"reliability of x: {CONSTANT}", among=782) == (
        f"reliability of x: {CONSTANT}"
    )
    assert safe_message(NOBODY) == NOBODY
    big = SEPARATION.replace("all 3", "all 300")
    assert safe_message(f"regression of contact: {big}") == f"regression of contact: {big}"
    plain = "the logistic regression did not converge in 100 iterations. Fix: check for sparse categories."
    assert safe_message(plain) == plain


def test_a_claim_about_every_respondent_needs_to_know_how_many():
    # "every respondent" of how many? Unknown or small: the reason and its fix are withheld.
    for among in (None, 3):
        out = safe_message(f"reliability of x: {CONSTANT}", among=among)
        assert out.startswith("reliability of x: item pk_signs: details withheld")
        assert "same answer" not in out and "Fix" not in out
    assert "same answer (4)" in safe_message(CONSTANT, min_cell=3, among=3)


def test_a_small_count_is_given_as_fewer_than_min_cell():
    message = (
        "only 1 respondent answered; alpha needs at least 2 respondents. Fix: collect more answers."
    )
    assert safe_message(f"reliability of x: {message}") == (
        "reliability of x: fewer than 5 respondents answered. Fix: collect more answers."
    )
    assert safe_message(
        "listwise deletion leaves 1 of 782 respondents with every item answered; at least 2 are "
        "needed. Fix: use missing='pairwise'."
    ) == (
        "listwise deletion leaves fewer than 5 of 782 respondents with every item answered. "
        "Fix: use missing='pairwise'."
    )
    assert (
        safe_message(
            "item k_1 has only 1 answer, so its variance is unknown. Fix: leave it out of the scale.",
            min_cell=10,
        )
        == "item k_1 has fewer than 10 answers. Fix: leave it out of the scale."
    )
    assert safe_message(
        "items a and b were answered together by 1 respondent(s); a covariance needs at least 2. "
        "Fix: leave one of the two items out, or collect answers to both."
    ) == (
        "items a and b were answered together by fewer than 5 respondents. "
        "Fix: leave one of the two items out, or collect answers to both."
    )
    # a count of at least min_cell is shown as it is
    message = (
        "only 3 respondent(s) answered both questions; a correlation with a Fisher-z interval "
        "needs at least 4 complete pairs. Fix: collect more answers."
    )
    assert safe_message(message, min_cell=3) == message
    assert safe_message(message) == (
        "fewer than 5 respondents answered both questions. Fix: collect more answers."
    )


def test_what_all_of_a_small_group_did_is_withheld_with_its_fix():
    out = safe_message(f"regression of contact: {SEPARATION}")
    assert out == (
        "regression of contact: details withheld from the report, since they can describe a few "
        "respondents; readiness analyse shows them to the analyst."
    )
    out = safe_message(
        "every one of the 1 complete cases has outcome 0; a logistic regression needs both answers."
    )
    assert "outcome" not in out and "details withheld" in out
    assert safe_message(SEPARATION, min_cell=1) == SEPARATION


def test_an_unknown_small_number_is_withheld_and_the_rest_kept():
    out = safe_message("groups: 2 left in the clinic. The model was fitted.")
    assert out.startswith("groups: details withheld") and out.endswith("The model was fitted.")
    assert "2 left" not in out


# -- in the report ------------------------------------------------------------------------------


def _report(frame, survey, sessions):
    result = analyse(frame, survey, sessions=sessions)
    return result, lxml.html.fromstring(render_html(result, instrument=survey))


def _warnings(doc) -> str:
    return text(doc.xpath("//div[@class='warnings']")[0])


def _notes_4a(doc) -> str:
    return text(table(doc, "4a").xpath("./following-sibling::div[@class='notes']")[0])


@pytest.fixture(scope="module")
def constant_doc(demo_cohort, survey):
    frame = demo_cohort.responses.copy()
    frame["pk_signs"] = 4.0
    return _report(frame, survey, demo_cohort.sessions)[1]


def test_a_constant_item_is_explained_in_the_report(constant_doc):
    for where in (_warnings(constant_doc), _notes_4a(constant_doc)):
        assert (
            "item pk_signs: every respondent gave the same answer (4), so it has no variance"
            in where
        )
        assert "Fix: leave it out." in where
        assert "details withheld" not in where


def test_an_item_nobody_answered_is_explained_in_the_report(demo_cohort, survey):
    frame = demo_cohort.responses.copy()
    frame["pk_signs"] = np.nan
    doc = _report(frame, survey, demo_cohort.sessions)[1]
    for where in (_warnings(doc), _notes_4a(doc)):
        assert "item pk_signs has no answers at all. Fix: leave it out of the scale" in where
        assert "details withheld" not in where


def test_one_respondent_gets_a_reason_without_the_count(demo_cohort, survey):
    result, doc = _report(demo_cohort.responses.iloc[:1], survey, demo_cohort.sessions)
    assert any("only 1 respondent answered" in w for w in result.warnings)
    warnings = _warnings(doc)
    assert (
        "reliability of perceived_knowledge: fewer than 5 respondents answered. "
        "Fix: collect more answers."
    ) in warnings
    assert "Perceived knowledge: fewer than 5 respondents answered." in _notes_4a(doc)
    assert "only 1 respondent" not in text(doc)
    # the regression's reason says what the one respondent answered: withheld
    assert "outcome" not in warnings and "regression of contact: details withheld" in warnings


def test_a_constant_item_is_explained_with_listwise_deletion(demo_cohort, survey):
    frame = demo_cohort.responses.copy()
    frame["pk_signs"] = 4.0
    result = analyse(
        frame, survey, sessions=demo_cohort.sessions, settings=AnalysisSettings(missing="listwise")
    )
    doc = lxml.html.fromstring(render_html(result, instrument=survey))
    for where in (_warnings(doc), _notes_4a(doc)):
        assert "item pk_signs: every respondent gave the same answer (4)" in where


def test_every_respondent_of_too_few_complete_cases_is_withheld(survey):
    """With listwise deletion, "every respondent" means those who answered every item; when the
    answers to the items do not show that they are at least min_cell, the reason is withheld."""
    scale = survey.scale("perceived_knowledge")
    items = [SimpleNamespace(id=i, scale=scale.id, n=90) for i in scale.items]
    result = SimpleNamespace(
        n=100, settings=SimpleNamespace(missing="listwise"), items=items, scales=[]
    )
    message = f"reliability of x: {CONSTANT}"
    # 100 respondents, 10 missing answers to each of 9 items: at least 10 answered all of them
    assert safe_warning(result, message, instrument=survey) == message
    assert "details withheld" in safe_warning(result, message, min_cell=11, instrument=survey)
    assert "details withheld" in safe_warning(result, message)  # no instrument: unknown
    for d in items:
        d.n = 88  # at least 100 - 9 * 12 < 0: unknown
    assert "details withheld" in safe_warning(result, message, instrument=survey)
    result.settings.missing = "pairwise"  # those who answered pk_signs: 88
    assert safe_warning(result, message, instrument=survey) == message


def test_nobody_of_a_counted_group_is_kept_when_the_group_is_not_small():
    message = (
        "training_any: nobody answered (0 of 782 respondents), so it has no estimate and no test. "
        "Fix: check the item's column holds the answers."
    )
    assert safe_message(message) == message
    small = message.replace("0 of 782", "0 of 3")
    assert "nobody" not in safe_message(small) and "details withheld" in safe_message(small)
    assert "details withheld" in safe_message("nobody in maternity answered yes.")


def test_an_indicator_nobody_answered_is_explained_in_the_report(demo_cohort, survey):
    indicator = next(i for i in survey.indicators if i.item == "training_prior")
    frame = demo_cohort.responses.copy()
    frame["training_prior"] = np.nan
    result, doc = _report(frame, survey, demo_cohort.sessions)
    assert any(w.startswith(f"{indicator.id}: nobody answered") for w in result.warnings)
    assert f"{indicator.id}: nobody answered (0 of 782 respondents)" in _warnings(doc)
