"""What is due for review, and where each fact is used (on the small guide the tests write)."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness.guide.facts import DueFact, due_facts, fact_display, graph_uses, nhs_date
from readiness.guide.load import load_content

from .guide_helpers import changed, write_content

D = dt.date


@pytest.fixture
def content(tmp_path):
    return load_content(write_content(tmp_path / "guide"))


def test_nothing_is_due_the_day_after_the_facts_were_checked(content):
    assert due_facts(content, D(2026, 12, 6)) == []


def test_every_fact_is_overdue_in_2028_oldest_review_date_first(content):
    due = due_facts(content, D(2028, 1, 1))
    assert all(isinstance(d, DueFact) for d in due)
    ids = [d.fact.id for d in due]
    # helpline is a contact (6 months: 5 June 2027); the rest are guidance (12 months)
    assert ids[0] == "helpline"
    assert sorted(ids[1:]) == sorted(
        [
            "treat",
            "doc",
            "lead",
            "danger",
            "child",
            "consent",
            "police",
            "gb_fro",
            "ni_fro",
            "maybe",
        ]
    )
    assert due[0].days_overdue == 210  # 5 June 2027 to 1 January 2028
    assert {d.days_overdue for d in due[1:]} == {27}  # 5 December 2027 to 1 January 2028
    assert {d.fact.id: d.fact.status for d in due}["maybe"] == "unverified"


def test_on_the_review_date_itself_a_fact_is_not_yet_overdue(content):
    assert [d.fact.id for d in due_facts(content, D(2027, 6, 5))] == []
    assert [d.fact.id for d in due_facts(content, D(2027, 6, 6))] == ["helpline"]


def test_due_within_gives_days_left_as_a_negative_number(content):
    due = due_facts(content, D(2027, 1, 1), within_days=200)
    assert [(d.fact.id, d.days_overdue) for d in due] == [("helpline", -155)]
    assert due_facts(content, D(2027, 1, 1), within_days=154) == []
    assert len(due_facts(content, D(2027, 1, 1), within_days=None)) == 11  # every fact


def test_contradicted_and_superseded_facts_are_not_listed(tmp_path):
    def edit(f):
        f["facts"]["lead"]["status"] = "contradicted"
        f["facts"]["doc"]["status"] = "superseded"

    content = load_content(write_content(tmp_path / "g", changed(facts=edit)))
    ids = {d.fact.id for d in due_facts(content, D(2028, 1, 1))}
    assert "lead" not in ids and "doc" not in ids and "treat" in ids


def test_filters_by_nation_and_volatility(content):
    ni = {d.fact.id for d in due_facts(content, D(2028, 1, 1), nation="northern_ireland")}
    assert "ni_fro" in ni and "gb_fro" not in ni
    contact = due_facts(content, D(2028, 1, 1), volatility="contact")
    assert [d.fact.id for d in contact] == ["helpline"]


def test_used_by_names_the_actions_and_cards_per_nation_from_the_graph(content):
    due = {d.fact.id: d for d in due_facts(content, D(2028, 1, 1))}
    helpline = {u.nation: (u.actions, u.cards) for u in due["helpline"].used_by}
    assert helpline == {
        n: (("helpline_advice",), ("adult",))
        for n in ("england", "wales", "scotland", "northern_ireland")
    }
    # call_999 is on an action page before the age question: both cards carry it
    assert {u.cards for u in due["danger"].used_by} == {("adult", "child")}
    assert [u.nation for u in due["ni_fro"].used_by] == ["northern_ireland"]
    assert [u.nation for u in due["gb_fro"].used_by] == ["england", "wales", "scotland"]
    assert due["ni_fro"].used_by[0].actions == ("refer_to_fro",)
    assert due["maybe"].used_by == ()


def test_a_fact_cited_beside_an_option_is_used_by_that_question(tmp_path):
    def edit(g):
        g["nodes"]["age"]["options"][1]["facts"] = ["child"]

    content = load_content(write_content(tmp_path / "g", changed(guide=edit)))
    uses = graph_uses(content).facts["child"]
    assert uses["wales"].questions == ("age",)
    assert uses["wales"].actions == ("child_referral",)


def test_nhs_dates_have_no_leading_zero_and_a_full_month():
    assert nhs_date(D(2026, 12, 5)) == "5 December 2026"
    assert nhs_date(D(2027, 6, 15)) == "15 June 2027"


def test_fact_display_adds_the_review_notice_only_when_overdue(content):
    fact = content.facts["treat"]
    assert fact_display(fact, D(2027, 1, 1)) == "Last checked 5 December 2026."
    assert fact_display(fact, D(2027, 12, 6)) == (
        "Last checked 5 December 2026. Due for review: check with your safeguarding team."
    )


def test_fact_display_refuses_a_fact_that_is_never_shown(content):
    with pytest.raises(ValueError, match="'maybe' is unverified"):
        fact_display(content.facts["maybe"], D(2027, 1, 1))
