"""The knowledge feedback lesson: on a small guide and instrument the tests write, then on the
shipped content and instruments (the two must agree item by item)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import pytest

from readiness.errors import GuideError
from readiness.guide import feedback as fbk
from readiness.guide.feedback import (
    NOT_ANSWERED,
    NOT_SURE,
    benchmark_text,
    check_feedback,
    lesson,
)
from readiness.guide.load import load_content
from readiness.instrument import build_instrument
from readiness.instrument.model import PublishedFigure

from .guide_helpers import minimal_content, write_content

D = dt.date(2027, 1, 10)

INSTRUMENT = {
    "id": "mini",
    "version": 1,
    "title": "Mini survey",
    "sources": {
        "paper": {"citation": "A survey of staff, 2015.", "url": "https://example.org/paper"},
        "own": {"citation": "Our own note.", "url": "https://example.org/own"},
    },
    "choice_sets": {
        "agree5": [
            {"code": c, "label": lab}
            for c, lab in enumerate(
                ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"], start=1
            )
        ]
    },
    "sections": [
        {
            "id": "rate",
            "title": "Ratings",
            "items": [
                {
                    "id": "pk_routes",
                    "type": "likert",
                    "text": "I know the routes.",
                    "choices": "agree5",
                },
                {
                    "id": "c_police",
                    "type": "likert",
                    "text": "I know about police.",
                    "choices": "agree5",
                },
            ],
        },
        {
            "id": "know",
            "title": "Knowledge",
            "items": [
                {
                    "id": "k_police",
                    "type": "true_false",
                    "text": "Telling the police without consent can add danger.",
                    "key": True,
                    "explanation": "The instrument's own sentence.",
                    "source": "paper",
                },
                {
                    "id": "k_fro",
                    "type": "true_false",
                    "text": "NHS staff can make the referral themselves.",
                    "key": False,
                    "explanation": "Instrument: not in Great Britain.",
                },
                {
                    "id": "k_child",
                    "type": "true_false",
                    "text": "A child must consent.",
                    "key": False,
                    "explanation": "Children need no consent.",
                },
                {
                    "id": "k_own",
                    "type": "true_false",
                    "text": "A statement only this instrument has.",
                    "key": True,
                    "explanation": "Because the study says so.",
                    "source": "own",
                },
                {
                    "id": "k_hidden",
                    "type": "true_false",
                    "text": "Shown only to some.",
                    "key": True,
                    "explanation": "x",
                    "show_if": {"item": "pk_routes", "equals": 5},
                },
            ],
        },
    ],
    "indicators": [
        {
            "id": "unaware_police",
            "label": "unaware that the police can add danger",
            "item": "k_police",
            "when": {"incorrect": True},
            "published": [
                {"percent": 76.5, "count": 598, "denominator": 782, "source": "paper"},
                {"percent": 50.0, "where": {"item": "pk_routes", "equals": 1}, "source": "paper"},
            ],
        }
    ],
}

FEEDBACK = {
    "feedback": {
        "k_police": {
            "key": True,
            "explanation": "Telling the police without consent can put the person in more danger.",
            "facts": ["police", "danger"],
            "benchmark": {
                "text": "In a survey of {denominator} NHS staff, {percent}% did not know this.",
                "figure": "unaware_police",
            },
        },
        "k_fro": {
            "key": False,
            "explanation": "NHS staff in Great Britain are not First Responders.",
            "facts": ["gb_fro"],
            "nations": {
                "northern_ireland": {
                    "key": True,
                    "explanation": "HSC Trusts are First Responders.",
                    "facts": ["ni_fro"],
                }
            },
        },
        "k_child": {
            "key": False,
            "explanation": "A child is safeguarded first.",
            "facts": ["child", "maybe"],
        },
        "k_hidden": {"key": True, "explanation": "Hidden.", "facts": ["child"]},
    },
    "calibration": {
        "confident_from": 4,
        "ratings": {
            "pk_routes": {
                "knowledge": ["k_fro", "k_child"],
                "why": "Knowing the routes means knowing who refers.",
            },
            "c_police": {"knowledge": ["k_police"], "why": "It is about the police."},
        },
    },
    "card": {
        "outcome": "adult_outcome",
        "actions": ["treat_now", "refer_to_fro", "helpline_advice"],
    },
}


def _content(tmp_path, feedback=None, facts_edit=None):
    files = minimal_content()
    if facts_edit:
        facts_edit(files["facts.yaml"])
    files["feedback.yaml"] = copy.deepcopy(feedback or FEEDBACK)
    return load_content(write_content(tmp_path / "guide", files))


@pytest.fixture
def content(tmp_path):
    return _content(tmp_path)


@pytest.fixture
def instrument():
    return build_instrument(copy.deepcopy(INSTRUMENT))


ANSWERS = {
    "pk_routes": 4,  # Agree: speaks to k_fro and k_child
    "c_police": 2,
    "k_police": 0,  # wrong
    "k_fro": 1,  # wrong in England, right in Northern Ireland
    "k_child": 8,  # don't know
    # k_own not answered
}


def by_id(result):
    return {i.id: i for i in result.items}


def test_each_statement_has_the_answer_the_verdict_and_dated_sourced_facts(content, instrument):
    result = lesson(content, instrument, ANSWERS, "england", D)
    items = by_id(result)
    assert list(items) == ["k_police", "k_fro", "k_child", "k_own"]  # k_hidden was not shown
    police = items["k_police"]
    assert (police.right_answer, police.given, police.verdict) == ("True", "False", "Not right")
    assert police.explanation.startswith("Telling the police without consent")
    assert [f.id for f in police.facts] == ["police", "danger"]
    assert police.facts[0].sources[0].title == "Guidance for health staff"
    assert police.facts[0].notice == "Last checked 5 December 2026."
    # "don't know" is shown neutrally, and an unanswered statement gets the answer too
    child = items["k_child"]
    assert child.result == NOT_SURE and child.verdict == "Not sure: here is the answer"
    assert child.given == "Don't know" and child.right_answer == "False"
    assert items["k_own"].result == NOT_ANSWERED and items["k_own"].given == ""
    assert (result.score, result.out_of, result.not_sure) == (0, 4, 1)


def test_an_unconfirmed_fact_is_never_shown(content, instrument):
    child = by_id(lesson(content, instrument, ANSWERS, "england", D))["k_child"]
    assert [f.id for f in child.facts] == ["child"]  # 'maybe' is unverified


def test_the_nation_picks_the_key_explanation_and_facts(content, instrument):
    gb = by_id(lesson(content, instrument, ANSWERS, "wales", D))["k_fro"]
    assert gb.explanation == "NHS staff in Great Britain are not First Responders."
    assert [f.id for f in gb.facts] == ["gb_fro"]
    # In Northern Ireland feedback.yaml keys k_fro true, but this instrument keys it false: the
    # lesson never contradicts the key the respondent was scored against.
    ni = by_id(lesson(content, instrument, ANSWERS, "northern_ireland", D))["k_fro"]
    assert ni.right_answer == "False" and ni.explanation == "Instrument: not in Great Britain."
    assert ni.facts == ()
    ni_keyed = build_instrument(_rekey(INSTRUMENT, "k_fro", True))
    ni = by_id(lesson(content, ni_keyed, ANSWERS, "northern_ireland", D))["k_fro"]
    assert ni.correct and ni.explanation == "HSC Trusts are First Responders."
    assert [f.id for f in ni.facts] == ["ni_fro"]


def _rekey(data, item_id, key):
    data = copy.deepcopy(data)
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] == item_id:
                item["key"] = key
    return data


def test_a_fact_of_another_nation_is_not_shown_as_a_source(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    feedback["feedback"]["k_fro"]["facts"] = ["gb_fro", "ni_fro"]
    content = _content(tmp_path, feedback)
    item = by_id(lesson(content, instrument, ANSWERS, "england", D))["k_fro"]
    assert [f.id for f in item.facts] == ["gb_fro"]


def test_an_item_without_feedback_keeps_the_instruments_own_words_and_no_unsafe_link(
    content, instrument
):
    own = by_id(lesson(content, instrument, ANSWERS, "england", D))["k_own"]
    assert own.explanation == "Because the study says so."
    assert (own.citation, own.url) == ("Our own note.", "https://example.org/own")
    assert own.facts == ()
    # a version stored before the loader refused them: its javascript: address is not a link
    sources = {**instrument.sources, "own": {"citation": "A law", "url": "javascript:alert(1)"}}
    hostile = dataclasses.replace(instrument, sources=sources)
    own = by_id(lesson(content, hostile, ANSWERS, "england", D))["k_own"]
    assert (own.citation, own.url) == ("A law", "")


def test_the_benchmark_is_the_instruments_published_figure(content, instrument):
    police = by_id(lesson(content, instrument, ANSWERS, "england", D))["k_police"]
    assert police.benchmark.text == "In a survey of 782 NHS staff, 76.5% did not know this."
    assert police.benchmark.citation == "A survey of staff, 2015."
    assert police.benchmark.url == "https://example.org/paper"
    # the figure lives in one place: change the indicator, and the sentence follows
    data = copy.deepcopy(INSTRUMENT)
    data["indicators"][0]["published"][0].update(percent=70.25, denominator=1200)
    moved = by_id(lesson(content, build_instrument(data), ANSWERS, "england", D))["k_police"]
    assert moved.benchmark.text == "In a survey of 1,200 NHS staff, 70.2% did not know this."
    # no benchmark where there is no published figure
    assert by_id(lesson(content, instrument, ANSWERS, "england", D))["k_fro"].benchmark is None
    data["indicators"] = []
    gone = by_id(lesson(content, build_instrument(data), ANSWERS, "england", D))["k_police"]
    assert gone.benchmark is None


def test_benchmark_text_fills_only_what_the_figure_has():
    figure = PublishedFigure(percent=13.0, denominator=782)
    assert benchmark_text("{percent}% of {denominator}", figure) == "13.0% of 782"
    with pytest.raises(KeyError):
        benchmark_text("{count} people", figure)


def test_calibration_lists_confident_ratings_with_wrong_answers_only(content, instrument):
    notes = lesson(content, instrument, ANSWERS, "england", D).calibration
    # pk_routes is Agree: k_fro was wrong (k_child was "not sure", which is not wrong);
    # c_police is Disagree, so k_police is not listed though it was wrong
    assert [(n.rating_item, n.rating_label, [i.id for i in n.items]) for n in notes] == [
        ("pk_routes", "Agree", ["k_fro"])
    ]
    assert notes[0].why == "Knowing the routes means knowing who refers."
    sure = lesson(content, instrument, {**ANSWERS, "c_police": 5}, "england", D).calibration
    assert [n.rating_item for n in sure] == ["pk_routes", "c_police"]
    right = {**ANSWERS, "k_fro": 0, "c_police": 5, "k_police": 1}
    assert lesson(content, instrument, right, "england", D).calibration == ()


def test_calibration_follows_a_nation_variants_new_item_to_its_base(content, monkeypatch):
    monkeypatch.setattr(fbk, "_base_ids", lambda: {"k_fro_ni": "k_fro"})
    data = copy.deepcopy(INSTRUMENT)
    data["sections"][1]["items"][1]["id"] = "k_fro_ni"
    answers = {**ANSWERS, "k_fro_ni": 1}
    data["sections"][1]["items"][1]["key"] = False
    notes = lesson(content, build_instrument(data), answers, "england", D).calibration
    assert [i.id for i in notes[0].items] == ["k_fro_ni"]


def test_the_card_gives_the_nations_actions_and_confirmed_helplines(content, instrument):
    card = lesson(content, instrument, ANSWERS, "northern_ireland", D).card
    assert card.nation_name == "Northern Ireland"
    assert [a.id for a in card.actions] == ["treat_now", "refer_to_fro", "helpline_advice"]
    assert card.actions[1].text == "Your Trust's first-responder staff refer."
    assert [(h.number, h.tel) for h in card.helplines] == [("08000 121 700", "tel:08000121700")]
    assert card.helplines[0].fact.notice == "Last checked 5 December 2026."
    wales = lesson(content, instrument, ANSWERS, "wales", D).card
    assert wales.actions[1].text == "Refer through your lead to a First Responder."


def test_an_unconfirmed_or_other_nations_helpline_is_not_on_the_card(tmp_path, instrument):
    def edit(facts):
        facts["facts"]["helpline"]["status"] = "unverified"
        facts["facts"]["ni_line"] = {
            **facts["facts"]["ni_fro"],
            "statement": "A Northern Ireland line.",
            "volatility": "contact",
            "value": "028 9504 9999",
        }

    content = _content(tmp_path, facts_edit=edit)
    assert lesson(content, instrument, ANSWERS, "england", D).card.helplines == ()
    ni = lesson(content, instrument, ANSWERS, "northern_ireland", D).card.helplines
    assert [h.number for h in ni] == ["028 9504 9999"]


def test_a_fact_past_its_review_date_says_so(content, instrument):
    later = dt.date(2028, 1, 1)
    police = by_id(lesson(content, instrument, ANSWERS, "england", later))["k_police"]
    assert police.overdue and "Due for review" in police.facts[0].notice


def test_without_a_card_section_every_action_of_the_outcome_is_shown(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    feedback["card"] = {"outcome": "adult_outcome"}
    content = _content(tmp_path, feedback)
    card = lesson(content, instrument, ANSWERS, "england", D).card
    assert [a.id for a in card.actions] == [
        "treat_now",
        "tell_safeguarding_lead",
        "refer_to_fro",
        "police_with_consent",
        "helpline_advice",
        "document",
    ]


def test_an_unknown_nation_is_refused(content, instrument):
    with pytest.raises(ValueError, match="'cornwall' is not a nation"):
        lesson(content, instrument, ANSWERS, "cornwall", D)


# -- the check ----------------------------------------------------------------------------------


def test_the_check_passes_the_fixture_for_the_nations_that_use_it(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    feedback["feedback"]["k_child"]["facts"] = ["child"]
    del feedback["feedback"]["k_fro"]["nations"]
    feedback["feedback"]["k_own"] = {"key": True, "explanation": "Own.", "facts": ["lead"]}
    content = _content(tmp_path, feedback)
    gb = ("england", "wales", "scotland")
    assert check_feedback(content, {"mini": (instrument, gb)}) == []


def test_the_check_names_every_disagreement_with_its_line(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    feedback["feedback"]["k_police"]["key"] = False  # disagrees with the instrument
    feedback["feedback"]["k_police"]["benchmark"]["figure"] = "nothing"
    feedback["feedback"]["k_child"]["explanation"] = "Two sentences. Not one."
    feedback["feedback"]["k_gone"] = {"key": True, "explanation": "x.", "facts": ["nope"]}
    feedback["calibration"]["ratings"]["k_child"] = {"knowledge": ["k_zzz"], "why": "x"}
    feedback["card"]["actions"].append("call_999")
    content = _content(tmp_path, feedback)
    problems = check_feedback(content, {"mini": instrument})
    text = "\n".join(str(p) for p in problems)
    assert "'k_police' in England: key false, but mini keys it true" in text
    assert "'nothing' is not an indicator of mini with a published figure" in text
    assert "'k_child' in Wales: the explanation is not one sentence" in text
    assert "'k_child' in England cites 'maybe', which is unverified" in text
    # k_fro's England fact does not hold in Northern Ireland, and there the key differs
    assert "'k_fro' in Northern Ireland: key true, but mini keys it false" in text
    assert "mini's item 'k_own' has no entry" in text
    assert "'k_gone' is not a knowledge item of any instrument checked" in text
    assert "'k_child' is not a rating item" in text and "'k_zzz' is not a knowledge item" in text
    assert "'call_999' is not an action of 'adult_outcome'" in text
    assert all(p.file == "feedback.yaml" for p in problems)
    police = next(p for p in problems if "'k_police' in England: key" in str(p))
    assert police.line is not None and police.column == "feedback.k_police.key"


def test_a_fact_that_does_not_hold_in_the_nation_is_named(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    del feedback["feedback"]["k_fro"]["nations"]
    content = _content(tmp_path, feedback)
    problems = check_feedback(content, {"mini": (instrument, ("northern_ireland",))})
    assert any(
        "'k_fro' in Northern Ireland cites 'gb_fro', which does not hold in Northern Ireland"
        in str(p)
        for p in problems
    )


def test_a_broken_calibration_section_is_named_with_its_line(tmp_path):
    feedback = copy.deepcopy(FEEDBACK)
    feedback["calibration"]["ratings"]["pk_routes"] = {"knowledge": []}
    folder = write_content(tmp_path / "g", {**minimal_content(), "feedback.yaml": feedback})
    with pytest.raises(GuideError) as err:
        fbk.feedback_config(load_content(folder))
    text = str(err.value)
    assert "feedback.yaml, line" in text and "'pk_routes' lists no knowledge items" in text
    assert "'pk_routes' does not say why" in text


def test_content_without_feedback_yaml_gives_the_instruments_own_words(tmp_path, instrument):
    content = load_content(write_content(tmp_path / "g"))
    result = lesson(content, instrument, ANSWERS, "england", D)
    assert by_id(result)["k_police"].explanation == "The instrument's own sentence."
    assert result.card is None and result.calibration == ()
