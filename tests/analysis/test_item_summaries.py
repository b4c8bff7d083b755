"""Every question summarised (analysis.items_summary): against R, invariants, a custom
instrument end to end, and the shipped instrument's declared analysis."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis import analyse
from readiness.analysis.declared import (
    DEFAULT_CHARACTERISTICS,
    DEFAULT_REGRESSION,
    analysis_plan,
)
from readiness.analysis.items_summary import (
    FREE_TEXT,
    NO_ANSWERS,
    summarise_item,
    summarise_items,
)
from readiness.analysis.survey import AnalysisSettings, result_to_json
from readiness.instrument import build_instrument, instrument_to_data
from readiness.instrument.model import AnalysisPlan
from readiness.stats.result import jsonable
from readiness.synth import make_cohort

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "item_summaries.json"
REFERENCE = json.loads(FIXTURE.read_text())


def one_item(item: dict):
    """An instrument holding one item (and a grouping item, which every analysis needs)."""
    return build_instrument(
        {
            "id": "one",
            "version": 1,
            "title": "One",
            "sections": [{"id": "s", "title": "S", "items": [item]}],
        }
    )


def frame_of(item_id: str, values) -> pd.DataFrame:
    return pd.DataFrame({item_id: pd.Series(values, dtype=object)})


@pytest.mark.parametrize("case", REFERENCE["choices"], ids=lambda c: c["name"])
@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_choice_counts_and_intervals_match_r(case, method):
    codes = case["codes"]
    instrument = one_item(
        {
            "id": "q",
            "type": "single_choice",
            "text": "Q",
            "choices": [{"code": c, "label": f"answer {c}"} for c in codes],
        }
    )
    values = [None if v is None else int(v) for v in case["values"]]
    found = summarise_item(
        instrument, instrument.item("q"), frame_of("q", values), method, case["conf_level"]
    )
    assert found.kind == "frequencies"
    assert (found.n, found.missing) == (case["n"], case["missing"])
    assert [a.count for a in found.answers] == case["counts"]
    assert [a.code for a in found.answers] == [str(c) for c in codes]
    key = method.replace("-", "_")
    for answer, percent, interval in zip(
        found.answers, case["percent"], case["intervals"], strict=True
    ):
        assert answer.percent == pytest.approx(percent, abs=1e-9)
        assert answer.lower == pytest.approx(100 * interval[key][0], abs=1e-7)
        assert answer.upper == pytest.approx(100 * interval[key][1], abs=1e-7)


@pytest.mark.parametrize("case", REFERENCE["numbers"], ids=lambda c: c["name"])
def test_number_distribution_matches_r(case):
    instrument = one_item({"id": "x", "type": "number", "text": "X"})
    found = summarise_item(instrument, instrument.item("x"), frame_of("x", case["values"]))
    assert found.kind == "distribution"
    assert (found.n, found.missing) == (case["n"], case["missing"])
    d = found.distribution
    for key in ("mean", "median", "q1", "q3", "min", "max"):
        assert getattr(d, key) == pytest.approx(case[key], rel=1e-12), key
    if case["sd"] is None:
        assert d.sd is None
    else:
        assert d.sd == pytest.approx(case["sd"], rel=1e-12)


LIKERT = one_item(
    {
        "id": "q",
        "type": "likert",
        "text": "Q",
        "choices": [{"code": c, "label": str(c)} for c in range(1, 6)],
    }
)
MULTIPLE = one_item(
    {
        "id": "m",
        "type": "multiple_choice",
        "text": "M",
        "choices": [{"code": c, "label": str(c)} for c in range(1, 5)],
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(1, 5), st.just(9)), min_size=1, max_size=60))
def test_choice_counts_add_up_to_n_and_n_plus_missing_to_shown(values):
    found = summarise_item(LIKERT, LIKERT.item("q"), frame_of("q", values))
    assert sum(a.count for a in found.answers) == found.n
    assert found.n == sum(1 for v in values if v in (1, 2, 3, 4, 5))  # 9 is no code: not counted
    assert found.n + found.missing == found.shown == len(values)
    for a in found.answers:
        if found.n:
            assert a.lower <= a.percent <= a.upper
        else:
            assert a.percent is None and found.note == NO_ANSWERS


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sets(st.integers(1, 4), max_size=4)), min_size=1, max_size=40)
)
def test_selections_count_each_respondent_once_per_option(chosen):
    values = [None if c is None else " ".join(str(x) for x in sorted(c)) for c in chosen]
    found = summarise_item(MULTIPLE, MULTIPLE.item("m"), frame_of("m", values))
    answered = [c for c in chosen if c]
    assert found.kind == "selections" and found.n == len(answered)
    for a in found.answers:
        assert a.count == sum(1 for c in answered if int(a.code) in c) <= found.n


def test_text_is_counted_never_listed_and_dates_give_their_range():
    instrument = build_instrument(
        {
            "id": "t",
            "version": 1,
            "title": "T",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "items": [
                        {"id": "story", "type": "text", "text": "Tell us"},
                        {"id": "when", "type": "date", "text": "When"},
                        {"id": "month", "type": "month_year", "text": "Month"},
                        {"id": "empty", "type": "number", "text": "Never answered"},
                    ],
                }
            ],
        }
    )
    frame = pd.DataFrame(
        {
            "story": ["Jane at Ward 3", None, " ", "x"],
            "when": ["2024-03-15", "2023-12-01", None, "2024-01-09"],
            "month": ["2024-03", None, "2019-11", None],
            "empty": [None, None, None, None],
        }
    )
    by_id = {s.id: s for s in summarise_items(instrument, frame)}
    story = by_id["story"]
    assert (story.kind, story.n, story.missing, story.note) == ("answered", 2, 2, FREE_TEXT)
    assert "Jane" not in json.dumps(jsonable(story))
    assert (by_id["when"].first, by_id["when"].last, by_id["when"].n) == (
        "2023-12-01",
        "2024-03-15",
        3,
    )
    assert (by_id["month"].first, by_id["month"].last) == ("2019-11", "2024-03")
    assert by_id["empty"].distribution is None and by_id["empty"].note == NO_ANSWERS


def test_a_question_not_shown_is_not_missing():
    instrument = build_instrument(
        {
            "id": "c",
            "version": 1,
            "title": "C",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "items": [
                        {"id": "seen", "type": "yes_no", "text": "Seen?"},
                        {
                            "id": "count",
                            "type": "number",
                            "text": "How many?",
                            "show_if": {"item": "seen", "equals": 1},
                        },
                    ],
                }
            ],
        }
    )
    frame = pd.DataFrame({"seen": [1, 1, 0, 0, None], "count": [3, None, None, None, None]})
    found = summarise_item(instrument, instrument.item("count"), frame)
    assert (found.n, found.shown, found.missing) == (1, 2, 1)


# -- A custom instrument: the shipped survey with three questions added --------------------------


def custom_instrument(survey, analysis: dict | None = None):
    data = instrument_to_data(survey)
    data["id"] = "custom-survey"
    data["sections"][0]["items"] += [
        {
            "id": "shift",
            "type": "single_choice",
            "text": "Which shift do you mostly work?",
            "choices": [{"code": 1, "label": "Days"}, {"code": 2, "label": "Nights"}],
        },
        {"id": "patients_week", "type": "number", "integer": True, "text": "Patients a week?"},
        {"id": "comments", "type": "text", "text": "Anything else?"},
    ]
    if analysis is not None:
        data["analysis"] = analysis
    return build_instrument(data)


@pytest.fixture(scope="module")
def cohort(survey):
    return make_cohort(300, 11, instrument=survey)


def with_custom_answers(frame: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    out = frame.copy()
    out["shift"] = rng.choice([1, 2], len(out))
    out["patients_week"] = rng.integers(0, 80, len(out)).astype(float)
    out.loc[::7, "patients_week"] = np.nan
    out["comments"] = np.where(rng.random(len(out)) < 0.2, "a private remark", None)
    return out


def test_a_custom_instrument_is_analysed_end_to_end(survey, cohort):
    instrument = custom_instrument(
        survey,
        {
            "characteristics": ["discipline", "shift", "patients_week"],
            "group_by": "shift",
            "regression": {
                "outcome": "contact_ever",
                "predictors": ["shift", "patients_week", "training_prior"],
            },
        },
    )
    frame = with_custom_answers(cohort.responses)
    result = analyse(frame, instrument)
    assert result.group_by == "shift" and result.groups == ["Days", "Nights"]
    assert list(result.characteristics) == ["discipline", "shift", "patients_week"]
    assert result.characteristics["shift"].n == len(frame)
    assert result.characteristics["patients_week"]["n"] == int(frame["patients_week"].notna().sum())
    reg = result.regression
    assert reg.fitted and reg.model == "contact_ever ~ shift + patients_week + training_prior"
    assert reg.reference == {"shift": "Days"}
    assert [t.label for t in reg.terms] == [
        "shift: Nights",
        "patients week (per unit)",
        "training prior (yes vs no)",
    ]
    by_id = {s.id: s for s in result.item_summaries}
    assert [a.label for a in by_id["shift"].answers] == ["Days", "Nights"]
    assert sum(a.count for a in by_id["shift"].answers) == len(frame)
    assert by_id["patients_week"].distribution.max <= 79
    assert by_id["comments"].n == int(frame["comments"].notna().sum())
    text = json.dumps(result_to_json(result))
    assert "a private remark" not in text
    assert [s["id"] for s in json.loads(text)["item_summaries"]] == [
        i.id for i in instrument.data_items
    ]


def test_without_a_block_the_defaults_apply(survey, cohort):
    instrument = custom_instrument(survey)
    plain = dataclasses.replace(instrument, analysis=AnalysisPlan())
    assert analysis_plan(plain) == AnalysisPlan(
        DEFAULT_CHARACTERISTICS, "discipline", DEFAULT_REGRESSION
    )
    result = analyse(with_custom_answers(cohort.responses), plain)
    assert result.group_by == "discipline"
    assert result.regression.model == "contact_ever ~ discipline + trained + years"


def test_the_shipped_survey_declares_exactly_the_defaults(survey, cohort):
    """Its block and the defaults give the same analysis, figure for figure."""
    assert analysis_plan(survey) == AnalysisPlan(
        DEFAULT_CHARACTERISTICS, "discipline", DEFAULT_REGRESSION
    )
    assert survey.analysis == analysis_plan(survey)
    declared = result_to_json(analyse(cohort.responses, survey, sessions=cohort.sessions))
    plain = dataclasses.replace(survey, analysis=AnalysisPlan())
    default = result_to_json(analyse(cohort.responses, plain, sessions=cohort.sessions))
    assert json.dumps(declared, sort_keys=True) == json.dumps(default, sort_keys=True)
    assert declared["regression"]["model"] == "contact_ever ~ discipline + trained + years"
    assert [t["label"] for t in declared["regression"]["terms"]][-2:] == [
        "prior training (yes vs no)",
        "years since qualifying (per year)",
    ]
    assert list(declared["characteristics"]) == list(DEFAULT_CHARACTERISTICS)


def test_by_overrides_the_declared_grouping(survey, cohort):
    result = analyse(cohort.responses, survey, settings=AnalysisSettings(group_by="profession"))
    assert result.group_by == "profession" and result.settings.group_by == "profession"
