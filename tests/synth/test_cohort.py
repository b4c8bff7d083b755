"""The calibrated synthetic cohort: exact published counts, reliability, determinism, marking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from readiness.errors import ReadinessError
from readiness.instrument.scoring import indicator_table, scale_item_matrix, shown_mask
from readiness.stats.reliability import cronbach_alpha
from readiness.synth import make_cohort

PUBLISHED_COUNTS = {
    "lack_knowledge_questions": 679,
    "insufficient_training": 613,
    "lack_conf_referral_men": 556,
    "lack_conf_referral_women": 528,
    "lack_conf_referral_child": 418,
    "unaware_scale": 746,
    "unaware_police_danger": 598,
}


@pytest.fixture(scope="module", params=[2015, 7])
def matched(request, survey):
    return make_cohort(782, request.param, match_published=True, instrument=survey)


def test_published_counts_come_out_exactly_through_the_indicator_definitions(matched, survey):
    table = indicator_table(survey, matched.responses)
    for indicator_id, count in PUBLISHED_COUNTS.items():
        values = table[indicator_id]
        assert values.notna().sum() == 782, indicator_id
        assert int(values.sum()) == count, indicator_id
    contact = table["contact_reported"]
    assert round(100 * contact.mean(), 1) == 13.0
    maternity = matched.responses["discipline"] == 2
    assert round(100 * contact[maternity].mean(), 1) == 20.4


def test_subscale_alphas_are_within_0_03_of_the_published(matched, survey):
    for scale_id, published in {
        "perceived_knowledge": 0.93,
        "actual_knowledge": 0.63,
        "confidence": 0.64,
    }.items():
        items = survey.scale(scale_id).items
        matrix = pd.DataFrame(
            scale_item_matrix(survey, scale_id, matched.responses), columns=list(items)
        )
        assert abs(cronbach_alpha(matrix).raw_alpha - published) < 0.03, scale_id


def test_invited_counts_give_782_of_892(matched):
    sessions = matched.sessions
    assert sessions["attended"].sum() == 892
    assert sessions["responded"].sum() == 782
    assert sessions["site"].nunique() == 10
    assert (sessions["attended"] >= sessions["responded"]).all()
    per_session = matched.responses["session"].value_counts()
    assert per_session.reindex(sessions["session"]).tolist() == sessions["responded"].tolist()
    # the site item agrees with the session each response came from
    site_of_session = dict(zip(sessions["session"], sessions["site"], strict=True))
    assert (matched.responses["session"].map(site_of_session) == matched.responses["site"]).all()


def test_every_row_is_marked_synthetic_and_records_the_version(matched):
    assert (matched.responses["synthetic"] == 1).all()
    assert (matched.sessions["synthetic"] == 1).all()
    assert set(matched.responses["instrument_version"]) == {"1"}


def test_conditions_are_honoured(matched, survey):
    frame = matched.responses
    for item in survey.items:
        if item.show_if is None:
            continue
        hidden = ~shown_mask(survey, item.id, frame)
        assert frame.loc[hidden, item.id].isna().all(), item.id


def test_all_codes_are_valid(matched, survey):
    frame = matched.responses
    for item in survey.items:
        if item.type in ("single_choice", "likert", "yes_no", "true_false"):
            values = frame[item.id].dropna()
            assert set(values) <= {float(c) for c in item.codes}, item.id
        if item.type == "multiple_choice":
            codes = {str(c) for c in item.codes}
            for value in frame[item.id].dropna():
                assert set(value.split()) <= codes
        if item.type == "month_year":
            assert frame[item.id].dropna().str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
    years = frame["years_qualified"].dropna()
    assert years.between(0, 60).all() and (years == years.round()).all()


def test_same_seed_same_cohort_other_seed_other_cohort(survey):
    a = make_cohort(300, 11, instrument=survey)
    b = make_cohort(300, 11, instrument=survey)
    c = make_cohort(300, 12, instrument=survey)
    pd.testing.assert_frame_equal(a.responses, b.responses)
    pd.testing.assert_frame_equal(a.sessions, b.sessions)
    assert not a.responses.equals(c.responses)


def test_unmatched_cohort_is_plausible(survey):
    cohort = make_cohort(5000, 3, instrument=survey)
    table = indicator_table(survey, cohort.responses)
    assert 0.08 < table["contact_reported"].mean() < 0.2
    assert 0.6 < table["lack_conf_referral_women"].mean() < 0.95
    assert cohort.sessions["attended"].sum() == round(5000 * 892 / 782)
    assert np.isclose(
        cohort.responses["discipline"].value_counts(normalize=True).loc[2.0], 98 / 782, atol=0.03
    )


def test_match_published_needs_782(survey):
    with pytest.raises(ReadinessError, match="--n 782"):
        make_cohort(500, 1, match_published=True, instrument=survey)


def test_too_small_a_cohort_is_refused(survey):
    with pytest.raises(ReadinessError, match="at least 10"):
        make_cohort(5, 1, instrument=survey)
