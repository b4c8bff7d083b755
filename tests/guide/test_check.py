"""The guide's safety check: each rule (I1-I11) broken on purpose, and the check names it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.guide.check import (
    CheckReport,
    check_content,
    reading_ease,
    syllables,
    tells_staff_to_submit_nrm,
)
from readiness.guide.load import load_content
from readiness.guide.model import ActionRef, Condition

from .guide_helpers import changed, write_content

AS_OF = dt.date(2027, 1, 1)  # every minimal fact is in date (reviews due 2027-06 or 2027-12)
ADULT_NO_DANGER = "nation=England > danger=No > age=No, 18 or over > route"
ADULT_DANGER = "nation=England > danger=Yes > act_danger > age=No, 18 or over > route"


def load(tmp_path, **edits):
    return load_content(write_content(tmp_path / "guide", changed(**edits)))


def check(tmp_path, **edits) -> CheckReport:
    return check_content(load(tmp_path, **edits), AS_OF)


def rule(report: CheckReport, rule_id: str, warnings: bool = False):
    found = report.warnings if warnings else report.problems
    return [p for p in found if p.message.startswith(f"{rule_id}: ")]


def one(report: CheckReport, rule_id: str, nation: str = "", warnings: bool = False):
    found = [
        p
        for p in rule(report, rule_id, warnings)
        if not nation or f"Nation: {nation}." in p.message
    ]
    assert len(found) == 1, "\n".join(str(p) for p in report.problems + report.warnings)
    return found[0]


def set_when(outcome: str, action: str, when: dict | None):
    def edit(g):
        refs = g["nodes"][outcome]["actions"]
        ids = [r if isinstance(r, str) else r["id"] for r in refs]
        i = ids.index(action)
        refs[i] = {"id": action, "when": when} if when else action

    return edit


# -- the minimal guide passes -------------------------------------------------------------------


def test_the_minimal_guide_passes_every_rule(tmp_path):
    report = check(tmp_path)
    assert report.problems == ()
    assert report.ok
    # 2 danger answers x (2 child answers + 2 x 2 adult consents) for each nation
    assert report.paths == {"england": 12, "wales": 12, "scotland": 12, "northern_ireland": 12}


def test_a_report_with_a_problem_is_not_ok(tmp_path):
    report = check(tmp_path, guide=lambda g: g["actions"]["document"].update(tags=[]))
    assert not report.ok and rule(report, "I7")


# -- I1 "Not sure" about age means a child ------------------------------------------------------


def test_i1_not_sure_about_age_must_set_child(tmp_path):
    content = load(
        tmp_path, guide=lambda g: g["nodes"]["age"]["options"][1].update(set={"age": "adult"})
    )
    problem = one(check_content(content, AS_OF), "I1")
    assert "'Not sure' sets age to 'adult'" in problem.message
    assert problem.file == "guide.yaml" and problem.column == "age"
    assert problem.line == content.guide.nodes["age"].line and problem.line
    assert "age: child" in problem.fix


def test_i1_yes_under_18_must_set_child(tmp_path):
    report = check(
        tmp_path, guide=lambda g: g["nodes"]["age"]["options"][0].update(set={"age": "adult"})
    )
    assert "'Yes' sets age to 'adult'" in one(report, "I1").message


def test_i1_the_age_question_must_offer_not_sure(tmp_path):
    report = check(tmp_path, guide=lambda g: g["nodes"]["age"]["options"].pop(1))
    problem = one(report, "I1")
    assert "offers no 'Not sure'" in problem.message and problem.column == "age"


def test_i1_a_guide_that_never_asks_age_fails(tmp_path):
    def no_age(g):
        for option in g["nodes"]["age"]["options"]:
            option["set"] = {"private": "yes"}

    assert "no question sets 'age'" in rule(check(tmp_path, guide=no_age), "I1")[0].message


# -- I2 a child is never asked for consent ------------------------------------------------------


def test_i2_a_child_path_never_reaches_a_consent_question(tmp_path):
    content = load(
        tmp_path, guide=lambda g: g["nodes"]["route"]["options"][0].update(next="consent_nrm")
    )
    report = check_content(content, AS_OF)
    england = [p for p in rule(report, "I2") if "Nation: England." in p.message]
    assert [p.column for p in england] == ["consent_nrm", "consent_police"]
    problem = england[0]
    assert problem.message.startswith("I2: a child's path asks 'consent_nrm'")
    assert (
        "Path: nation=England > danger=Yes > act_danger > age=Yes > route > consent_nrm=Yes"
        " > consent_police=Yes > adult_outcome" in problem.message
    )
    assert problem.file == "guide.yaml" and problem.column == "consent_nrm"
    assert problem.line == content.guide.nodes["consent_nrm"].line
    assert "(and 15 more paths like it)" in problem.message  # 2 dangers x 2 ages x 2 x 2
    assert len(rule(report, "I2")) == 8  # two consent questions x four nations


# -- I3 no NRM referral for an adult without consent --------------------------------------------


def test_i3_an_adult_nrm_referral_needs_consent(tmp_path):
    content = load(tmp_path, guide=set_when("adult_outcome", "refer_to_fro", None))
    report = check_content(content, AS_OF)
    problem = one(report, "I3", "Wales")
    assert "action 'refer_to_fro' (an NRM referral)" in problem.message
    assert "consent_nrm is 'no'" in problem.message
    wales = ADULT_DANGER.replace("England", "Wales")
    assert f"Path: {wales} > consent_nrm=No > consent_police=Yes > adult_outcome" in (
        problem.message
    )
    assert problem.file == "guide.yaml" and problem.column == "adult_outcome"
    assert problem.line == content.guide.nodes["adult_outcome"].line
    assert "Duty to Notify" in problem.fix
    assert len(rule(report, "I3")) == 4


def test_i3_a_child_may_be_referred_without_consent(tmp_path):
    def refer_children(g):
        g["nodes"]["child_outcome"]["actions"].insert(2, "refer_to_fro")

    assert rule(check(tmp_path, guide=refer_children), "I3") == []


# -- I4 no police without consent unless there is danger ----------------------------------------


def test_i4_police_without_consent_only_when_there_is_danger(tmp_path):
    content = load(tmp_path, guide=set_when("adult_outcome", "police_with_consent", None))
    report = check_content(content, AS_OF)
    problem = one(report, "I4", "Scotland")
    assert "action 'police_with_consent' tells staff to involve the police" in problem.message
    scotland = ADULT_NO_DANGER.replace("England", "Scotland")
    assert f"Path: {scotland} > consent_nrm=Yes > consent_police=No > adult_outcome" in (
        problem.message
    )
    assert "(and 1 more path like it)" in problem.message  # consent_nrm No; danger paths pass
    assert problem.file == "guide.yaml" and problem.column == "adult_outcome"
    assert problem.line == content.guide.nodes["adult_outcome"].line


def test_i4_danger_allows_the_police_without_consent(tmp_path):
    report = check(
        tmp_path, guide=set_when("adult_outcome", "police_with_consent", {"danger": "yes"})
    )
    assert rule(report, "I4") == []


# -- I5 treatment first --------------------------------------------------------------------------


def test_i5_every_outcome_starts_with_treatment(tmp_path):
    def lead_first(g):
        acts = g["nodes"]["child_outcome"]["actions"]
        acts[0], acts[1] = acts[1], acts[0]

    content = load(tmp_path, guide=lead_first)
    problem = one(check_content(content, AS_OF), "I5", "Northern Ireland")
    assert "'child_outcome' starts with 'tell_safeguarding_lead'" in problem.message
    assert "Path: nation=Northern Ireland > danger=Yes > act_danger > age=Yes" in problem.message
    assert problem.file == "guide.yaml" and problem.column == "child_outcome"
    assert problem.line == content.guide.nodes["child_outcome"].line


def test_i5_treatment_filtered_out_by_a_condition_fails(tmp_path):
    report = check(tmp_path, guide=set_when("adult_outcome", "treat_now", {"consent_nrm": "yes"}))
    problem = one(report, "I5", "England")
    assert "consent_nrm=No" in problem.message and "starts with 'tell_safeguarding_lead'" in (
        problem.message
    )


# -- I6 staff in Great Britain never submit the NRM form ----------------------------------------


def test_i6_a_staff_submit_tag_fails_in_great_britain_only(tmp_path):
    content = load(
        tmp_path,
        guide=lambda g: g["actions"]["refer_to_fro"].update(
            tags=["nrm_referral", "staff_submit_nrm"]
        ),
    )
    report = check_content(content, AS_OF)
    problem = one(report, "I6", "England")
    assert "action 'refer_to_fro' is tagged staff_submit_nrm" in problem.message
    assert f"Path: {ADULT_DANGER} > consent_nrm=Yes > consent_police=Yes" in problem.message
    assert problem.file == "guide.yaml" and problem.column == "refer_to_fro"
    assert problem.line == content.guide.actions["refer_to_fro"].line
    assert "not First Responders" in problem.fix
    named = {re.search(r"Nation: ([A-Za-z ]+)\.", p.message).group(1) for p in rule(report, "I6")}
    assert named == {"England", "Wales", "Scotland"}


def test_i6_northern_ireland_staff_may_submit_the_nrm_form(tmp_path):
    def ni_staff_submit(g):
        g["actions"]["ni_submit"] = {
            "title": "Make the NRM referral",
            "tags": ["nrm_referral", "staff_submit_nrm"],
            "variants": {
                "northern_ireland": {
                    "text": "Your Trust's first-responder staff complete the NRM referral form.",
                    "facts": ["ni_fro"],
                }
            },
        }
        g["nodes"]["adult_outcome"]["actions"].insert(
            3, {"id": "ni_submit", "when": {"nation": "northern_ireland", "consent_nrm": "yes"}}
        )

    assert check(tmp_path, guide=ni_staff_submit).problems == ()


def test_i6_text_telling_gb_staff_to_complete_the_form_fails(tmp_path):
    def tell_staff(g):
        g["actions"]["refer_to_fro"]["variants"]["all"]["text"] = (
            "Ask a First Responder for advice. Then complete the NRM referral form yourself."
        )

    content = load(tmp_path, guide=tell_staff)
    report = check_content(content, AS_OF)
    problem = one(report, "I6", "Scotland")
    assert "action 'refer_to_fro' tells staff to complete the NRM form" in problem.message
    assert "'Then complete the NRM referral form yourself.'" in problem.message
    assert problem.line == content.guide.actions["refer_to_fro"].line
    assert rule(report, "I6") and not [p for p in rule(report, "I6") if "Northern" in p.message]


@pytest.mark.parametrize(
    "text",
    [
        "Complete the NRM form.",
        "You should submit the National Referral Mechanism referral online.",
        "If the person agrees, fill in the NRM referral form.",
        "Then make the NRM referral.",
        "Please submit an NRM form yourself.",
        # The reviewer's four: no "form" or "referral" after the NRM.
        "Then make a referral to the NRM yourself.",
        "Refer the person to the NRM.",
        "Submit the referral through the NRM portal.",
        "Use the NRM online form.",
        "Send the details to the National Referral Mechanism.",
        "Fill out the National Referral Mechanism online.",
        "Refer them to the NRM if they agree.",
        # The NRM named first.
        "For the NRM, refer the person online.",
        "The NRM form: complete it yourself.",
        "With the person's agreement, the NRM referral is one you make yourself.",
    ],
)
def test_i6_instructions_to_submit_are_recognised(text):
    assert tells_staff_to_submit_nrm(text)


@pytest.mark.parametrize(
    "text",
    [
        "NHS staff cannot submit the NRM form themselves.",
        "You can't complete the NRM form: a First Responder does.",
        "Do not fill in the NRM referral form.",
        "Refer through your lead to a First Responder, who can make the NRM referral.",
        "Your safeguarding lead will help the First Responder complete the NRM form.",
        "Complete your notes. The NRM is run by the Home Office.",
        "Tell your safeguarding lead.",
        "Do not refer the person to the NRM yourself.",
        "Never use the NRM online form.",
        "Refer to a First Responder for an NRM referral.",
        "Refer to the local authority, who make the NRM referral.",
        "Use a professional interpreter to explain the NRM.",
        "Make sure the NRM was explained.",
        "Once the NRM has been explained, make a note of what the person said.",
        "Use plain words when you talk about the NRM.",
        # The shipped content's sentences about the NRM in Great Britain.
        "They make the NRM referral; NHS staff cannot.",
        "They make the NRM referral, not NHS staff.",
        "An inter-agency referral discussion with the police follows, then the NRM referral.",
        "Where the ICTG service runs, the child is referred to it as well as to the NRM.",
        "Check the NRM was explained, with an interpreter if needed.",
        "No NRM referral; keep the door open.",
    ],
)
def test_i6_other_sentences_about_the_nrm_pass(text):
    assert not tells_staff_to_submit_nrm(text)


@pytest.mark.parametrize(
    "text",
    [
        "Make a referral to the NRM yourself.",
        "Refer the person to the NRM.",
        "Submit the referral through the NRM portal.",
        "Use the NRM online form.",
    ],
)
def test_i6_each_of_the_reviewers_phrasings_fails_the_check_in_great_britain(tmp_path, text):
    def tell_staff(g):
        g["actions"]["refer_to_fro"]["variants"]["all"]["text"] = (
            f"Ask your safeguarding lead to help a First Responder. {text}"
        )

    report = check(tmp_path, guide=tell_staff)
    found = rule(report, "I6")
    assert {re.search(r"Nation: ([A-Za-z ]+)\.", p.message).group(1) for p in found} == {
        "England",
        "Wales",
        "Scotland",
    }
    assert all(f"'{text}'" in p.message for p in found)


def test_i6_a_gb_nrm_referral_must_name_a_first_responder(tmp_path):
    def unnamed(g):
        g["actions"]["refer_to_fro"]["variants"]["all"]["text"] = (
            "Refer through your safeguarding lead."
        )

    content = load(tmp_path, guide=unnamed)
    report = check_content(content, AS_OF)
    found = rule(report, "I6")
    assert len(found) == 3  # once for each nation of Great Britain, not for each path
    problem = one(report, "I6", "Wales")
    assert "action 'refer_to_fro' (an NRM referral) names no First Responder" in problem.message
    assert problem.line == content.guide.actions["refer_to_fro"].line
    assert "First Responder" in problem.fix and "Salvation Army" in problem.fix
    # Northern Ireland's own variant is not asked to (its HSC Trusts are First Responders).
    assert not [p for p in found if "Northern" in p.message]


@pytest.mark.parametrize(
    "who",
    [
        "a First Responder",
        "the local authority",
        "the police",
        "the Salvation Army",
        "TARA",
        "Migrant Help",
        "the Helpline",
        "the NSPCC",
        "CTAC",
        "Barnardo's",
        "Barnardo\u2019s",
    ],
)
def test_i6_a_gb_nrm_referral_may_name_any_known_first_responder(tmp_path, who):
    def named(g):
        g["actions"]["refer_to_fro"]["variants"]["all"]["text"] = (
            f"With your safeguarding lead, refer to {who}."
        )

    assert rule(check(tmp_path, guide=named), "I6") == []


def test_the_shipped_content_passes_every_rule():
    from readiness.guide.load import default_folder

    report = check_content(load_content(default_folder()), dt.date(2026, 12, 5))
    assert report.ok, "\n".join(str(p) for p in report.problems)


# -- I7 document and tell the safeguarding lead -------------------------------------------------


def test_i7_every_path_documents_and_tells_the_lead(tmp_path):
    content = load(
        tmp_path, guide=lambda g: g["nodes"]["child_outcome"]["actions"].remove("document")
    )
    report = check_content(content, AS_OF)
    problem = one(report, "I7", "Wales")
    assert "no action tagged document" in problem.message
    assert "Path: nation=Wales > danger=Yes > act_danger > age=Yes > route > child_outcome" in (
        problem.message
    )
    assert problem.column == "child_outcome"
    assert problem.line == content.guide.nodes["child_outcome"].line
    assert not [p for p in rule(report, "I7") if "tell_safeguarding_lead" in p.message]


# -- I8 every action rests on a confirmed, current fact -----------------------------------------


def test_i8_a_nation_without_a_variant_fails(tmp_path):
    def england_only(g):
        g["actions"]["helpline_advice"]["variants"] = {
            "england": {"text": "Call the helpline.", "facts": ["helpline"]}
        }

    content = load(tmp_path, guide=england_only)
    report = check_content(content, AS_OF)
    problem = one(report, "I8", "Scotland")
    assert "action 'helpline_advice' has no variant for Scotland" in problem.message
    assert "Path: nation=Scotland > danger=Yes > act_danger > age=No, 18 or over" in (
        problem.message
    )
    assert "(and 7 more paths like it)" in problem.message
    assert problem.column == "helpline_advice" and problem.file == "guide.yaml"
    assert problem.line == content.guide.actions["helpline_advice"].line
    assert not [p for p in rule(report, "I8") if "Nation: England." in p.message]


def test_i8_a_variant_must_cite_a_fact(tmp_path):
    report = check(
        tmp_path,
        guide=lambda g: g["actions"]["call_999"]["variants"]["all"].update(facts=[]),
    )
    assert "action 'call_999' cites no fact" in one(report, "I8", "Wales").message


def test_i8_a_cited_fact_must_exist(tmp_path):
    report = check(
        tmp_path,
        guide=lambda g: g["actions"]["call_999"]["variants"]["all"].update(facts=["nine"]),
    )
    problem = one(report, "I8", "England")
    assert "action 'call_999' cites fact 'nine', which is not in facts.yaml" in problem.message
    assert problem.file == "guide.yaml"


def test_i8_a_cited_fact_must_hold_for_the_nation(tmp_path):
    report = check(
        tmp_path,
        guide=lambda g: g["actions"]["refer_to_fro"]["variants"]["all"].update(facts=["ni_fro"]),
    )
    assert len(rule(report, "I8")) == 3  # once for each of England, Wales, Scotland
    problem = one(report, "I8", "Wales")
    assert "cites fact 'ni_fro', which does not hold for Wales" in problem.message
    assert "consent_nrm=Yes" in problem.message


def test_i8_an_unverified_fact_fails_once_per_nation_not_per_path(tmp_path):
    content = load(
        tmp_path,
        guide=lambda g: g["actions"]["helpline_advice"]["variants"]["all"].update(
            facts=["helpline", "maybe"]
        ),
    )
    report = check_content(content, AS_OF)
    assert len(rule(report, "I8")) == 4
    problem = one(report, "I8", "Northern Ireland")
    assert "fact 'maybe' is unverified" in problem.message
    assert "action 'helpline_advice' cites it" in problem.message
    assert problem.file == "facts.yaml" and problem.column == "maybe"
    assert problem.line == content.facts["maybe"].line and problem.line
    assert "shows_uncertainty" in problem.fix


def test_i8_an_unverified_fact_is_allowed_when_the_text_shows_uncertainty(tmp_path):
    def uncertain(g):
        g["actions"]["helpline_advice"]["variants"]["all"].update(
            facts=["helpline", "maybe"],
            shows_uncertainty=True,
            text="This may apply. Check with your overseas visitors team.",
        )

    assert check(tmp_path, guide=uncertain).problems == ()


def test_i8_shows_uncertainty_without_check_with_is_not_enough(tmp_path):
    def half(g):
        g["actions"]["helpline_advice"]["variants"]["all"].update(
            facts=["maybe"], shows_uncertainty=True
        )

    assert "fact 'maybe' is unverified" in one(check(tmp_path, guide=half), "I8", "Wales").message


@pytest.mark.parametrize("status", ["contradicted", "superseded"])
def test_i8_a_contradicted_or_superseded_fact_never_passes(tmp_path, status):
    def uncertain(g):
        g["actions"]["helpline_advice"]["variants"]["all"].update(
            shows_uncertainty=True, text="Check with your safeguarding team."
        )

    report = check(
        tmp_path,
        guide=uncertain,
        facts=lambda f: f["facts"]["helpline"].update(status=status),
    )
    assert f"fact 'helpline' is {status}" in one(report, "I8", "England").message


def test_i8_an_overdue_fact_fails_at_the_check_date(tmp_path):
    content = load(tmp_path)
    assert check_content(content, dt.date(2027, 6, 5)).problems == ()  # the review day itself
    report = check_content(content, dt.date(2027, 6, 6))
    problem = one(report, "I8", "England")
    assert "fact 'helpline' was due for review on 2027-06-05" in problem.message
    assert problem.file == "facts.yaml" and problem.line == content.facts["helpline"].line
    assert len(rule(report, "I8")) == 4


def test_i8_option_facts_follow_the_same_rules(tmp_path):
    content = load(
        tmp_path, guide=lambda g: g["nodes"]["age"]["options"][1].update(facts=["maybe"])
    )
    report = check_content(content, AS_OF)
    problem = one(report, "I8", "England")
    assert "option 'Not sure' of 'age' cites it" in problem.message
    assert "age=Not sure" in problem.message


def test_i8_a_fact_source_must_exist(tmp_path):
    content = load(tmp_path, facts=lambda f: f["facts"]["doc"].update(sources=[{"id": "nowhere"}]))
    problem = one(check_content(content, AS_OF), "I8")
    assert "fact 'doc' cites source 'nowhere', which is not in sources.yaml" in problem.message
    assert problem.file == "facts.yaml" and problem.line == content.facts["doc"].line


def test_i8_a_cited_source_needs_an_address_and_a_version(tmp_path):
    content = load(tmp_path)
    bare = dataclasses.replace(content.sources["dhsc2015"], url="", version="")
    content = dataclasses.replace(content, sources={"dhsc2015": bare})
    problem = one(check_content(content, AS_OF), "I8")
    assert "source 'dhsc2015' has no url, version" in problem.message
    assert problem.file == "sources.yaml" and problem.column == "dhsc2015"


# -- I9 local contacts exist for the nation -----------------------------------------------------


def test_i9_a_local_slot_must_be_declared_for_the_nation(tmp_path):
    def english_slot(g):
        g["actions"]["tell_safeguarding_lead"]["variants"]["all"]["local"].append(
            "la_adult_safeguarding"
        )

    content = load(tmp_path, guide=english_slot)
    report = check_content(content, AS_OF)
    assert len(rule(report, "I9")) == 3
    problem = one(report, "I9", "Northern Ireland")
    assert "local contact 'la_adult_safeguarding'" in problem.message
    assert "not listed for Northern Ireland" in problem.message
    assert problem.file == "guide.yaml" and problem.column == "tell_safeguarding_lead"
    assert problem.line == content.guide.actions["tell_safeguarding_lead"].line


def test_i9_an_undeclared_slot_fails(tmp_path):
    report = check(
        tmp_path,
        guide=lambda g: g["actions"]["call_999"]["variants"]["all"].update(local=["switchboard"]),
    )
    assert "'switchboard', which is not in local-slots.yaml" in one(report, "I9", "Wales").message


# -- I10 the graph is whole ---------------------------------------------------------------------


def test_i10_every_next_must_exist(tmp_path):
    content = load(tmp_path, guide=lambda g: g["nodes"]["act_danger"].update(next="agee"))
    report = check_content(content, AS_OF)
    problem = one(report, "I10")
    assert "'act_danger' leads to 'agee', which is not a node" in problem.message
    assert problem.column == "act_danger" and problem.line == content.guide.nodes["act_danger"].line
    assert len(report.problems) == 1  # the walk's own failure is not repeated


def test_i10_a_cycle_is_reported_with_a_fix(tmp_path):
    content = load(tmp_path, guide=lambda g: g["nodes"]["act_danger"].update(next="danger"))
    report = check_content(content, AS_OF)
    problem = one(report, "I10")
    assert "cycle" in problem.message and problem.column == "danger"
    assert problem.line == content.guide.nodes["danger"].line
    assert "loop" in problem.fix
    assert report.paths == {"england": 0, "wales": 0, "scotland": 0, "northern_ireland": 0}


def test_i10_an_undefined_action_does_not_hide_a_cycle(tmp_path):
    def edit(g):
        g["nodes"]["act_danger"].update(next="danger", actions=["call_999", "call_998"])

    found = [p.message for p in rule(check(tmp_path, guide=edit), "I10")]
    assert len(found) == 2 and "call_998" in found[0] and "cycle" in found[1]


def test_i10_a_missing_start_is_named(tmp_path):
    problem = one(check(tmp_path, guide=lambda g: g.update(start="begin")), "I10")
    assert "the start 'begin' is not a node" in problem.message and problem.column == "start"


def test_i10_an_unreachable_node_fails(tmp_path):
    def orphan(g):
        g["nodes"]["old_outcome"] = dict(g["nodes"]["child_outcome"])

    problem = one(check(tmp_path, guide=orphan), "I10")
    assert "node 'old_outcome' is on no path" in problem.message


def test_i10_an_undefined_action_fails_and_an_unused_one_warns(tmp_path):
    def edit(g):
        g["nodes"]["act_danger"]["actions"].append("call_998")
        g["actions"]["spare"] = g["actions"]["call_999"]

    report = check(tmp_path, guide=edit)
    assert "'act_danger' lists action 'call_998', which is not defined" in (
        one(report, "I10").message
    )
    warning = one(report, "I10", warnings=True)
    assert "action 'spare' is on no path" in warning.message and warning.column == "spare"


def test_i10_a_nation_with_no_path_fails(tmp_path):
    report = check(tmp_path, guide=lambda g: g["nodes"]["nation"]["options"].pop(1))
    assert "no path reaches an outcome for Wales" in one(report, "I10", "Wales").message
    assert report.paths["wales"] == 0 and report.paths["england"] == 12


def test_i10_a_dead_end_fails(tmp_path):
    report = check(
        tmp_path, guide=lambda g: g["nodes"]["route"]["options"][1].update(when={"age": "child"})
    )
    problem = one(report, "I10")
    assert "router 'route' has no option" in problem.message and problem.column == "route"


# -- I11 plain English (warnings only) ----------------------------------------------------------


def test_i11_a_long_sentence_warns_but_does_not_fail(tmp_path):
    long = " ".join(["word"] * 31) + "."
    content = load(tmp_path, guide=lambda g: g["nodes"]["danger"].update(help=long))
    report = check_content(content, AS_OF)
    assert report.ok
    warning = one(report, "I11", warnings=True)
    assert "'danger' help has a sentence of 31 words (the limit is 30)" in warning.message
    assert warning.line == content.guide.nodes["danger"].line


def test_i11_hard_reading_warns_with_the_score(tmp_path):
    hard = (
        "Administrative responsibilities concerning institutional safeguarding necessitate "
        "comprehensive interdisciplinary documentation. Organisational accountability "
        "requires multiprofessional consideration."
    )

    def edit(g):
        g["actions"]["document"]["variants"]["scotland"] = {"text": hard, "facts": ["doc"]}

    report = check(tmp_path, guide=edit)
    assert report.ok
    warning = one(report, "I11", warnings=True)
    assert "action 'document' (Scotland) text has a Flesch reading ease of" in warning.message
    assert "below 30" in warning.message and warning.column == "document"


def test_i11_the_limit_is_configurable(tmp_path):
    content = load(tmp_path)
    assert check_content(content, AS_OF).warnings == ()
    strict = check_content(content, AS_OF, sentence_words_max=2)
    assert rule(strict, "I11", warnings=True)


def test_the_syllable_heuristic_is_close_on_plain_words():
    counts = {"call": 1, "police": 2, "danger": 2, "treatment": 2, "referral": 3, "the": 1}
    counts |= {"immediately": 5, "people": 2, "NRM": 3, "999": 3, "agree": 2, "asked": 1}
    counts |= {"services": 3, "makes": 1, "yourself": 2}
    assert {w: syllables(w) for w in counts} == counts


def test_reading_ease_is_high_for_plain_words_and_low_for_long_ones():
    assert reading_ease("Call 999 now. Keep yourself safe. Do not confront anyone.") > 60
    assert reading_ease("Organisational accountability necessitates documentation.") < 0
    assert reading_ease("") is None


# -- I3 and I4 against a direct recomputation ---------------------------------------------------

MOVABLE = ("refer_to_fro", "police_with_consent", "helpline_advice")
ADULT_STATES = [
    {"age": "adult", "danger": d, "consent_nrm": n, "consent_police": p}
    for d, n, p in itertools.product(("yes", "no"), ("yes", "no"), ("yes", "no"))
]

conditions = st.dictionaries(
    st.sampled_from(("danger", "consent_nrm", "consent_police")),
    st.lists(st.sampled_from(("yes", "no")), min_size=1, max_size=2, unique=True),
    max_size=2,
).map(lambda d: Condition(tuple((k, tuple(v)) for k, v in sorted(d.items()))))
moves = st.fixed_dictionaries({a: st.one_of(st.none(), conditions) for a in MOVABLE})
helpline_tags = st.sampled_from(((), ("police",), ("nrm_referral",)))


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return load_content(write_content(tmp_path_factory.mktemp("base")))


def breaches(refs, tags) -> set[tuple[str, str]]:
    """I3 and I4 worked out directly from the adult states, without walking the graph."""
    found = set()
    for state in ADULT_STATES:
        for ref in (r for r in refs if r.when.holds(state)):
            if "nrm_referral" in tags[ref.id] and state["consent_nrm"] != "yes":
                found.add(("I3", ref.id))
            if "police" in tags[ref.id] and "yes" not in (
                state["consent_police"],
                state["danger"],
            ):
                found.add(("I4", ref.id))
    return found


@settings(max_examples=60, deadline=None)
@given(moved=moves, tags=helpline_tags)
def test_i3_and_i4_agree_with_a_direct_recomputation(base, moved, tags):
    guide = base.guide
    outcome = guide.nodes["adult_outcome"]
    refs = tuple(
        ActionRef(r.id, moved[r.id]) if moved.get(r.id) is not None else r for r in outcome.actions
    )
    actions = dict(guide.actions)
    actions["helpline_advice"] = dataclasses.replace(actions["helpline_advice"], tags=tags)
    nodes = {**guide.nodes, "adult_outcome": dataclasses.replace(outcome, actions=refs)}
    content = dataclasses.replace(
        base, guide=dataclasses.replace(guide, nodes=nodes, actions=actions)
    )
    report = check_content(content, AS_OF)
    got = {
        (p.message[:2], re.search(r"action '(\w+)'", p.message).group(1))
        for p in report.problems
        if p.message[:4] in ("I3: ", "I4: ")
    }
    assert got == breaches(refs, {a.id: a.tags for a in actions.values()})
