"""The analysis keeps typed results inside and turns them into JSON only at the edge, with the
shape the JSON has always had (keys that do not apply are left out, not written as null)."""

from __future__ import annotations

from readiness.analysis.regression import RegressionNotFitted
from readiness.analysis.survey import (
    Rate,
    ResponseRate,
    ScaleCorrelation,
    ScaleCorrelations,
    ScaleReliability,
    SessionRate,
)
from readiness.stats.result import jsonable


def test_rates_leave_out_what_the_sessions_file_did_not_give() -> None:
    rate = Rate(9, 10, 90.0, 60.0, 98.0)
    session = SessionRate(9, 10, 90.0, 60.0, 98.0)
    whole = ResponseRate(rate, "Wilson score interval", 0.95, None, {"S1": session})
    data = jsonable(whole)
    assert list(data) == ["overall", "method", "conf_level", "by_session"]
    assert data["by_session"]["S1"] == jsonable(rate)
    dated = SessionRate(9, 10, 90.0, 60.0, 98.0, site="T1", date="2024-03-01")
    assert list(jsonable(dated))[-2:] == ["site", "date"]
    by_site = ResponseRate(rate, "Wilson score interval", 0.95, {"T1": rate}, {})
    assert list(jsonable(by_site)) == ["overall", "method", "conf_level", "by_site", "by_session"]


def test_reliability_correlations_and_regression_without_a_result() -> None:
    none = ScaleReliability(None, 3, note="alpha needs two respondents")
    assert none.raw_alpha is None and none.feldt is None and none.n_items is None
    assert jsonable(none) == {"raw_alpha": None, "note": "alpha needs two respondents", "n": 3}
    pair = ScaleCorrelation("a", "b", 0.5, 10, 0.1, 0.8, 0.04)
    assert "r_disattenuated" not in jsonable(pair)
    assert jsonable(ScaleCorrelation("a", "b", 0.5, 10, 0.1, 0.8, 0.04, 0.6))["r_disattenuated"]
    assert jsonable(ScaleCorrelations((), note="too few")) == {"note": "too few", "pairs": []}
    not_fitted = RegressionNotFitted("separation")
    assert not not_fitted.fitted and jsonable(not_fitted) == {"note": "separation"}
