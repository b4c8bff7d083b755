"""The study analysis on the matched demo cohort and on awkward data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from readiness.analysis import AnalysisSettings, analyse
from readiness.analysis.survey import result_to_json
from readiness.errors import ReadinessError
from readiness.stats.design import SurveyDesign, design_proportion
from readiness.stats.proportions import clopper_pearson_interval, wilson_interval
from readiness.synth import make_cohort


@pytest.fixture(scope="module")
def cohort(survey):
    return make_cohort(782, 2015, match_published=True, instrument=survey)


@pytest.fixture(scope="module")
def result(cohort, survey):
    return analyse(cohort.responses, survey, sessions=cohort.sessions)


def test_published_indicators_overall(result):
    expected = {
        "lack_knowledge_questions": 679,
        "insufficient_training": 613,
        "lack_conf_referral_men": 556,
        "lack_conf_referral_women": 528,
        "lack_conf_referral_child": 418,
        "unaware_scale": 746,
        "unaware_police_danger": 598,
        "contact_reported": 102,
    }
    for indicator_id, count in expected.items():
        overall = result.indicator(indicator_id).overall
        assert (overall.count, overall.n) == (count, 782)
        ci = wilson_interval(count, 782)
        assert overall.lower == pytest.approx(100 * ci.lower)
        assert overall.upper == pytest.approx(100 * ci.upper)
        assert overall.method == "wilson"


def test_by_group_counts_add_up_and_maternity_matches(result, cohort):
    contact = result.indicator("contact_reported")
    assert sum(g.count for g in contact.by_group.values()) == 102
    assert sum(g.n for g in contact.by_group.values()) == 782
    assert round(contact.by_group["Maternity"].percent, 1) == 20.4
    assert contact.by_group["Maternity"].n == (cohort.responses["discipline"] == 2).sum()
    assert contact.test.method in ("Pearson chi-square", "Fisher's exact test")
    assert 0 <= contact.test.p_value <= 1


def test_response_rate_shows_numerator_and_denominator(result):
    overall = result.response_rate.overall
    assert (overall.responded, overall.attended) == (782, 892)
    assert round(overall.percent, 1) == 87.7
    assert len(result.response_rate.by_site) == 10
    assert sum(s.attended for s in result.response_rate.by_session.values()) == 892


def test_reliability_and_scales(result):
    alphas = {s.id: s.reliability.raw_alpha for s in result.scales}
    assert abs(alphas["perceived_knowledge"] - 0.93) < 0.03
    assert abs(alphas["actual_knowledge"] - 0.63) < 0.03
    assert abs(alphas["confidence"] - 0.64) < 0.03
    for s in result.scales:
        assert s.reliability.feldt.lower < s.reliability.raw_alpha < s.reliability.feldt.upper
        assert s.n > 700 and s.omega_total is not None
        assert set(s.by_group) == set(result.groups)
    assert len(result.correlations.pairs) == 3


def test_result_is_json_without_nan(result):
    text = json.dumps(result_to_json(result), allow_nan=False)
    data = json.loads(text)
    assert data["settings"]["interval"] == "wilson"
    assert data["n"] == 782 and data["synthetic"] is True


def test_design_based_estimates_match_the_kernel(cohort, survey):
    settings = AnalysisSettings(cluster="site")
    res = analyse(cohort.responses, survey, settings=settings)
    contact = res.indicator("contact_reported")
    y = (
        (cohort.responses["contact_ever"] == 1)
        .astype(float)
        .where(cohort.responses["contact_ever"].notna())
        .to_numpy()
    )
    design = SurveyDesign(cohort.responses["site"].astype(str).to_numpy())
    direct = design_proportion(y, design)
    assert contact.overall.percent == pytest.approx(100 * direct.estimate)
    assert contact.overall.lower == pytest.approx(100 * direct.lower)
    assert contact.overall.se == pytest.approx(100 * direct.se)
    assert contact.test.method == "Rao-Scott F" and contact.test.ddf is not None
    maternity = cohort.responses["discipline"].to_numpy() == 2
    sub = design_proportion(y, design, domain=maternity)
    assert contact.by_group["Maternity"].upper == pytest.approx(100 * sub.upper)


def test_other_interval_methods(cohort, survey):
    res = analyse(cohort.responses, survey, settings=AnalysisSettings(interval="clopper-pearson"))
    overall = res.indicator("unaware_scale").overall
    assert overall.lower == pytest.approx(100 * clopper_pearson_interval(746, 782).lower)


def test_empty_group_is_reported_not_nan(cohort, survey):
    frame = cohort.responses.copy()
    frame.loc[frame["discipline"] == 4, "discipline"] = 5  # nobody left in paediatrics
    res = analyse(frame, survey)
    paeds = res.indicator("lack_conf_referral_child").by_group["Paediatrics"]
    assert paeds.n == 0 and paeds.percent is None and "no respondents" in paeds.note
    json.dumps(result_to_json(res), allow_nan=False)


def test_constant_item_and_one_respondent_do_not_crash(cohort, survey):
    frame = cohort.responses.head(1).copy()
    res = analyse(frame, survey)
    assert res.n == 1
    assert all(s.reliability.raw_alpha is None for s in res.scales)
    assert res.warnings
    json.dumps(result_to_json(res), allow_nan=False)


def test_bad_design_columns_give_clear_errors(cohort, survey):
    with pytest.raises(ReadinessError, match="no column 'trust'"):
        analyse(cohort.responses, survey, settings=AnalysisSettings(cluster="trust"))
    one_site = cohort.responses.assign(site="T01")
    with pytest.raises(ReadinessError, match="same value"):
        analyse(one_site, survey, settings=AnalysisSettings(cluster="site"))
    with pytest.raises(ReadinessError, match="need a cluster"):
        analyse(cohort.responses, survey, settings=AnalysisSettings(weights="w"))
    bad_weights = cohort.responses.assign(w=np.where(np.arange(782) == 4, -1.0, 1.0))
    with pytest.raises(ReadinessError, match="row 5"):
        analyse(bad_weights, survey, settings=AnalysisSettings(cluster="site", weights="w"))
    with pytest.raises(ReadinessError, match="no such column"):
        analyse(cohort.responses, survey, settings=AnalysisSettings(group_by="ward"))


def test_sessions_that_do_not_fit_are_errors(cohort, survey):
    sessions = cohort.sessions.iloc[1:]
    with pytest.raises(ReadinessError, match="not in the sessions file"):
        analyse(cohort.responses, survey, sessions=sessions)


def _one_session_short(cohort):
    """The cohort's sessions with the first one's attendance one below its responses."""
    sessions = cohort.sessions.copy()
    first = sessions["session"].iat[0]
    responded = int((cohort.responses["session"] == first).sum())
    sessions.loc[sessions.index[0], "attended"] = responded - 1
    return sessions, first, responded


def test_more_responses_than_attending_is_reported_above_100_percent(cohort, survey):
    sessions, first, responded = _one_session_short(cohort)
    result = analyse(cohort.responses, survey, sessions=sessions)  # no error
    rate = result.response_rate.by_session[first]
    assert (rate.responded, rate.attended) == (responded, responded - 1)
    assert rate.percent == pytest.approx(100 * responded / (responded - 1))
    assert rate.percent > 100 and rate.lower is None and rate.upper is None
    site = result.response_rate.by_site[rate.site]
    assert site.responded <= site.attended and site.lower is not None  # others fine
    warning = next(w for w in result.warnings if f"'{first}'" in w)
    assert "more responses than staff attending were recorded" in warning
    assert f"{responded} responses but {responded - 1} attending" in warning
    assert "Fix: check the session's attending count" in warning


def test_the_overall_rate_above_100_percent_has_no_interval(cohort, survey):
    sessions = cohort.sessions.assign(attended=1)
    result = analyse(cohort.responses, survey, sessions=sessions)
    overall = result.response_rate.overall
    assert overall.percent == pytest.approx(100 * 782 / len(sessions))
    assert overall.lower is None and overall.upper is None
    assert sum("more responses than staff attending" in w for w in result.warnings) == len(sessions)


def test_no_nan_percentages_anywhere(result):
    for ind in result.indicators:
        for est in [ind.overall, *ind.by_group.values()]:
            assert est.percent is None or math.isfinite(est.percent)


def test_regression_of_contact_matches_the_kernel(result, cohort):
    import pandas as pd

    from readiness.stats.regression import logistic_regression

    reg = result.regression
    assert reg.n + reg.n_dropped == 782
    labels = {
        1: "Emergency medicine",
        2: "Maternity",
        3: "Mental health",
        4: "Paediatrics",
        5: "Other clinical",
    }
    frame = cohort.responses
    X = pd.DataFrame(
        {
            "discipline": pd.Categorical(
                frame["discipline"].map(labels), categories=list(labels.values())
            ),
            "trained": frame["training_prior"],
            "years": frame["years_qualified"],
        }
    )
    direct = logistic_regression(
        frame["contact_ever"].to_numpy(dtype=float),
        X,
        reference={"discipline": "Emergency medicine"},
    )
    by_term = {t.term: t for t in reg.terms}
    for coef in direct.coefficients[1:]:
        assert by_term[coef.term].odds_ratio == pytest.approx(coef.odds_ratio)
        assert by_term[coef.term].lower == pytest.approx(coef.or_lower)
    assert "Wald" in reg.errors
