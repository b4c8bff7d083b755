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


def test_calibration_lists_wrong_answers_the_respondent_felt_confident_about(content, instrument):
    notes = lesson(content, instrument, ANSWERS, "england", D).calibration
    # pk_routes is Agree and speaks to k_fro (wrong) and k_child ("not sure", which is not
    # wrong); c_police is Disagree, so k_police is not listed though it was wrong
    assert [(n.item.id, [(r.item, r.label) for r in n.ratings]) for n in notes] == [
        ("k_fro", [("pk_routes", "Agree")])
    ]
    assert notes[0].ratings[0].why == "Knowing the routes means knowing who refers."
    assert notes[0].ratings[0].text == "I know the routes."
    sure = lesson(content, instrument, {**ANSWERS, "c_police": 5}, "england", D).calibration
    assert [(n.item.id, n.ratings[0].label) for n in sure] == [
        ("k_police", "Strongly agree"),
        ("k_fro", "Agree"),
    ]
    right = {**ANSWERS, "k_fro": 0, "c_police": 5, "k_police": 1}
    assert lesson(content, instrument, right, "england", D).calibration == ()


def test_a_statement_several_ratings_speak_to_is_listed_once(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    feedback["calibration"]["ratings"]["c_police"]["knowledge"] = ["k_police", "k_fro"]
    content = _content(tmp_path, feedback)
    answers = {**ANSWERS, "c_police": 4}
    notes = lesson(content, instrument, answers, "england", D).calibration
    assert [(n.item.id, [r.item for r in n.ratings]) for n in notes] == [
        ("k_police", ["c_police"]),
        ("k_fro", ["pk_routes", "c_police"]),
    ]


def test_calibration_follows_a_nation_variants_new_item_to_its_base(content, monkeypatch):
    monkeypatch.setattr(fbk, "_base_ids", lambda: {"k_fro_ni": "k_fro"})
    data = copy.deepcopy(INSTRUMENT)
    data["sections"][1]["items"][1]["id"] = "k_fro_ni"
    answers = {**ANSWERS, "k_fro_ni": 1}
    notes = lesson(content, build_instrument(data), answers, "england", D).calibration
    assert [n.item.id for n in notes] == ["k_fro_ni"]


def test_the_card_gives_the_nations_actions_and_confirmed_helplines(content, instrument):
    card = lesson(content, instrument, ANSWERS, "northern_ireland", D).card
    assert card.nation_name == "Northern Ireland"
    assert [a.action.id for a in card.actions] == ["treat_now", "refer_to_fro", "helpline_advice"]
    assert card.actions[1].action.text == "Your Trust's first-responder staff refer."
    assert [(h.number, h.tel) for h in card.helplines] == [("08000 121 700", "tel:08000121700")]
    assert card.helplines[0].statement == "The helpline is open at all hours."
    assert card.helplines[0].fact.notice == "Last checked 5 December 2026."
    wales = lesson(content, instrument, ANSWERS, "wales", D).card
    assert wales.actions[1].action.text == "Refer through your lead to a First Responder."


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


def test_the_card_lists_only_the_helplines_feedback_yaml_names(tmp_path, instrument):
    def edit(facts):
        facts["facts"]["other_line"] = {**facts["facts"]["helpline"], "value": "0800 000 0000"}

    feedback = copy.deepcopy(FEEDBACK)
    feedback["card"]["helplines"] = ["other_line", "danger"]  # 'danger' has no number
    content = _content(tmp_path, feedback, facts_edit=edit)
    card = lesson(content, instrument, ANSWERS, "england", D).card
    assert [h.number for h in card.helplines] == ["0800 000 0000"]
    problems = check_feedback(content, {"mini": instrument})
    assert any("'danger' is not a contact fact with a number" in str(p) for p in problems)


def test_a_statement_that_names_a_nation_may_cite_that_nations_facts(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    del feedback["feedback"]["k_fro"]["nations"]
    ni_only = {"mini": (instrument, ("northern_ireland",))}
    content = _content(tmp_path, feedback)
    assert [
        f.id
        for f in by_id(lesson(content, instrument, ANSWERS, "northern_ireland", D))["k_fro"].facts
    ] == []
    assert any("'gb_fro', which does not hold" in str(p) for p in check_feedback(content, ni_only))
    feedback["feedback"]["k_fro"]["about"] = "england"  # "NHS staff in England can ..."
    content = _content(tmp_path / "about", feedback)
    item = by_id(lesson(content, instrument, ANSWERS, "northern_ireland", D))["k_fro"]
    assert [f.id for f in item.facts] == ["gb_fro"]
    assert not any("does not hold" in str(p) for p in check_feedback(content, ni_only))


def test_a_fact_past_its_review_date_says_so(content, instrument):
    later = dt.date(2028, 1, 1)
    police = by_id(lesson(content, instrument, ANSWERS, "england", later))["k_police"]
    assert police.overdue and "Due for review" in police.facts[0].notice


def test_without_a_card_section_every_action_of_the_outcome_is_shown(tmp_path, instrument):
    feedback = copy.deepcopy(FEEDBACK)
    feedback["card"] = {"outcome": "adult_outcome"}
    content = _content(tmp_path, feedback)
    card = lesson(content, instrument, ANSWERS, "england", D).card
    assert [a.action.id for a in card.actions] == [
        "treat_now",
        "tell_safeguarding_lead",
        "refer_to_fro",
        "police_with_consent",
        "helpline_advice",
        "document",
    ]


def test_card_actions_keep_to_their_nations_say_when_and_spell_out_acronyms(tmp_path, instrument):
    files = minimal_content()
    guide = files["guide.yaml"]
    actions = guide["nodes"]["adult_outcome"]["actions"]
    actions[2] = {"id": "refer_to_fro", "when": {"consent_nrm": "yes", "nation": "wales"}}
    guide["actions"]["refer_to_fro"]["variants"]["all"]["text"] = "An NRM referral. The NRM again."
    guide["actions"]["helpline_advice"]["variants"]["all"]["text"] = "Ask about the NRM."
    feedback = copy.deepcopy(FEEDBACK)
    feedback["card"]["actions"][1] = {"id": "refer_to_fro", "lead": "If the adult agrees"}
    files["feedback.yaml"] = feedback
    content = load_content(write_content(tmp_path / "g", files))
    wales = lesson(content, instrument, ANSWERS, "wales", D).card
    assert [(a.action.id, a.lead) for a in wales.actions] == [
        ("treat_now", ""),
        ("refer_to_fro", "If the adult agrees"),
        ("helpline_advice", ""),
    ]
    assert wales.actions[1].action.text == (
        "A National Referral Mechanism (NRM) referral. The NRM again."
    )
    assert wales.actions[2].action.text == "Ask about the NRM."  # spelt out once per card
    england = lesson(content, instrument, ANSWERS, "england", D).card
    assert [a.action.id for a in england.actions] == ["treat_now", "helpline_advice"]
    assert england.actions[1].action.text == "Ask about the National Referral Mechanism (NRM)."
    problems = check_feedback(content, {"mini": instrument})
    assert [p for p in problems if (p.column or "").startswith("card")] == []


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


# -- the shipped content and instruments --------------------------------------------------------

GB = ("england", "wales", "scotland")
NI = "northern_ireland"
TODAY = dt.date(2026, 12, 20)


@pytest.fixture(scope="module")
def shipped():
    from readiness.instrument import shipped_instrument

    return load_content(), shipped_instrument(), shipped_instrument("readiness-survey-ni")


def test_the_shipped_feedback_agrees_with_the_shipped_instruments_and_facts(shipped):
    content, base, ni = shipped
    instruments = fbk.shipped_instruments()
    assert {k: (v[0].id, v[1]) for k, v in instruments.items()} == {
        "readiness-survey": ("readiness-survey", GB),
        "readiness-survey-ni": ("readiness-survey-ni", (NI,)),
    }
    problems = check_feedback(content, instruments)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_each_feedback_key_is_the_shipped_instruments_key(shipped):
    content, base, ni = shipped
    for instrument, nations in ((base, GB), (ni, (NI,))):
        items = [i for i in instrument.items if i.type == "true_false"]
        assert len(items) == 14
        for item in items:
            for nation in nations:
                assert content.feedback[item.id].for_nation(nation).key is item.key, item.id


def test_the_ni_variants_own_words_are_feedback_yamls(shipped):
    content, _, ni = shipped
    for item_id in ("k_first_responder_ni", "k_gp_papers_ni"):
        assert ni.item(item_id).explanation == content.feedback[item_id].for_nation(NI).explanation


def _all_wrong(instrument):
    return {
        i.id: (0 if i.key else 1)
        for i in instrument.items
        if i.type == "true_false" and i.key is not None
    }


def test_an_england_lesson_on_the_shipped_content(shipped):
    content, base, _ = shipped
    answers = {**_all_wrong(base), "k_border": 8, "pk_routes": 5, "c_refer_men": 4}
    result = lesson(content, base, answers, "england", TODAY)
    assert result.out_of == 14 and result.score == 0 and result.not_sure == 1
    items = by_id(result)
    for item in result.items:
        assert item.explanation and item.facts, item.id
        for fact in item.facts:
            assert fact.sources and all(s.url.startswith("http") for s in fact.sources)
            assert fact.notice.startswith("Last checked ")
    police = items["k_police_danger"]
    assert police.benchmark.text == (
        "In a survey of 782 NHS staff in England, published in 2015, 76.5% did not know this."
    )
    assert "BMJ Open 2015" in police.benchmark.citation
    assert [b.id for b in result.benchmarks] == ["k_police_danger"]
    assert items["k_border"].verdict == "Not sure: here is the answer"
    first = next(n for n in result.calibration if n.item.id == "k_first_responder")
    assert [r.item for r in first.ratings] == ["pk_routes", "c_refer_men"]
    card = result.card
    ids = [a.action.id for a in card.actions]
    assert "refer_to_fro_with_consent" in ids and "nrm_referral_by_trust" not in ids
    numbers = [h.number for h in card.helplines]
    assert "08000 121 700" in numbers and "0800 808 3733" in numbers
    assert "028 9504 9999" not in numbers


def test_a_northern_ireland_lesson_uses_the_ni_items_and_their_keys(shipped):
    content, _, ni = shipped
    answers = {"k_first_responder_ni": 1, "k_gp_papers_ni": 0}
    result = lesson(content, ni, answers, NI, TODAY)
    items = by_id(result)
    assert "k_first_responder" not in items and "k_gp_papers" not in items
    first, gp = items["k_first_responder_ni"], items["k_gp_papers_ni"]
    assert first.right_answer == "True" and first.correct
    assert gp.right_answer == "True" and gp.result == "incorrect"
    assert [f.id for f in first.facts] == ["hsc_trusts_are_fro", "adult_consent_required"]
    assert "Business Services Organisation" in gp.explanation
    assert "unless the person came there for the treatment" in items["k_ae_free"].explanation
    ids = [a.action.id for a in result.card.actions]
    assert "nrm_referral_by_trust" in ids and "refer_to_fro_with_consent" not in ids
    numbers = [h.number for h in result.card.helplines]
    assert "028 9504 9999" in numbers and "0800 808 3733" not in numbers
    # numbers the register could not verify are never on the card
    assert "028 9066 2385" not in numbers and "028 9031 5744" not in numbers


def test_every_nations_card_has_actions_and_helplines(shipped):
    content, base, ni = shipped
    for nation in (*GB, NI):
        card = lesson(content, ni if nation == NI else base, {}, nation, TODAY).card
        assert card.actions[0].action.id == "treat_now"
        assert card.helplines[0].number == "999"
        assert all(h.fact.statement for h in card.helplines)


def test_the_benchmark_fact_and_the_indicator_give_the_same_figure(shipped):
    """facts.yaml words the published figure; the instrument's indicator holds its numbers."""
    content, base, _ = shipped
    figure = next(p for p in base.indicator("unaware_police_danger").published if p.where is None)
    statement = content.facts["ross2015_police_unaware"].statement
    assert f"{figure.percent:.1f}%" in statement
    assert f"{figure.count} of {figure.denominator}" in statement
