"""The guide's reader and its graph walker, on a small guide the tests write."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness.errors import GuideError
from readiness.guide.load import load_content
from readiness.guide.model import add_months
from readiness.guide.paths import GraphError, enumerate_paths, replay, skip_preset

from .guide_helpers import changed, write_content


@pytest.fixture
def content(tmp_path):
    return load_content(write_content(tmp_path / "guide"))


def test_minimal_content_loads_with_review_dates_from_volatility(content):
    assert content.guide.start == "nation"
    assert content.facts["treat"].review_by == dt.date(2027, 12, 5)  # guidance: 12 months
    assert content.facts["helpline"].review_by == dt.date(2027, 6, 5)  # contact: 6 months
    assert content.facts["helpline"].value == "08000 121 700"
    assert content.slots["safeguarding_team"].nations == (
        "england",
        "wales",
        "scotland",
        "northern_ireland",
    )
    assert content.guide.actions["refer_to_fro"].for_nation("northern_ireland").facts == (
        "consent",
        "ni_fro",
    )
    assert content.guide.actions["refer_to_fro"].for_nation("wales").facts == ("consent", "gb_fro")


def test_add_months_keeps_to_the_end_of_a_short_month():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 12, 5), 3) == dt.date(2027, 3, 5)


def test_every_shape_problem_is_named_with_file_line_and_field(tmp_path):
    def break_facts(f):
        f["facts"]["treat"]["status"] = "probably"
        f["facts"]["doc"]["last_checked"] = "5 December"
        f["facts"]["lead"]["nations"] = ["england", "cornwall"]

    def break_guide(g):
        g["nodes"]["danger"]["options"][0]["set"] = {"danger": "maybe"}
        g["actions"]["call_999"]["tags"] = ["sirens"]

    folder = write_content(tmp_path / "g", changed(facts=break_facts, guide=break_guide))
    with pytest.raises(GuideError) as err:
        load_content(folder)
    text = str(err.value)
    assert "5 problems in guide content" in text
    assert "facts.yaml, line" in text and "'status' is 'probably'" in text
    assert "'last_checked' is '5 December', not a date" in text
    assert "'cornwall' is not a nation" in text
    assert "guide.yaml, line" in text and "'danger: maybe' is not a state value" in text
    assert "'sirens' is not a tag" in text


def test_a_file_that_is_not_yaml_is_named_with_its_line(tmp_path):
    folder = write_content(tmp_path / "g")
    (folder / "facts.yaml").write_text("facts:\n  a: [unclosed\n", encoding="utf-8")
    with pytest.raises(GuideError, match=r"facts.yaml, line \d: is not valid YAML"):
        load_content(folder)


def test_a_missing_file_is_named(tmp_path):
    folder = write_content(tmp_path / "g")
    (folder / "local-slots.yaml").unlink()
    with pytest.raises(GuideError, match="local-slots.yaml: cannot be read"):
        load_content(folder)


def test_every_path_ends_at_an_outcome_with_the_actions_its_state_allows(content):
    paths = enumerate_paths(content.guide)
    # 4 nations x 2 danger x (2 child ages + 1 adult x 2 x 2 consents) = 4 x 2 x 6
    assert len(paths) == 48
    adult = [p for p in paths if p.state["age"] == "adult"]
    for p in adult:
        assert ("refer_to_fro" in p.actions) == (p.state["consent_nrm"] == "yes")
        assert ("police_with_consent" in p.actions) == (p.state["consent_police"] == "yes")
    danger = [p for p in paths if p.state["danger"] == "yes"]
    assert all(p.actions[0] == "call_999" for p in danger)
    unsure = [p for p in paths if ("age", "Not sure") in [(s.node, s.label) for s in p.steps]]
    assert unsure and all(p.outcome == "child_outcome" for p in unsure)
    assert "nation=England > danger=No > age=Yes > route > child_outcome" in {
        p.describe() for p in paths
    }


def test_a_cycle_is_reported_not_walked_for_ever(tmp_path):
    folder = write_content(
        tmp_path / "g",
        changed(guide=lambda g: g["nodes"]["act_danger"].update(next="danger")),
    )
    with pytest.raises(GraphError, match="cycle"):
        enumerate_paths(load_content(folder).guide)


def test_replay_follows_choices_and_refuses_one_that_is_not_open(content):
    guide = content.guide
    pos = replay(guide, [0, 1, 2])  # England, no danger, adult
    assert pos.node.id == "consent_nrm"  # the router was passed
    assert pos.state == {"nation": "england", "danger": "no", "age": "adult"}
    end = replay(guide, [0, 1, 2, 0, 1])
    assert end.node.type == "outcome" and end.state["consent_police"] == "no"
    with_danger = replay(guide, [3, 0, 0])  # NI, danger: the action page, then Continue
    assert with_danger.node.id == "age" and with_danger.actions_so_far == ("call_999",)
    with pytest.raises(GraphError, match="option 7 is not open"):
        replay(guide, [0, 7])
    with pytest.raises(GraphError, match="only 'Continue'"):
        replay(guide, [0, 0, 1])
    with pytest.raises(GraphError, match="path has ended"):
        replay(guide, [0, 1, 0, 0])


def test_a_deployment_nation_answers_the_first_question(content):
    assert skip_preset(content.guide, {"nation": "wales"}) == [1]
    assert skip_preset(content.guide, {}) == []


def test_a_page_shows_confirmed_facts_with_sources_and_flags_overdue_ones(tmp_path):
    import datetime as dt

    from readiness.guide.present import expand_acronyms, nhs_date, page_view

    def cite_unverified(f):
        f["facts"]["maybe"]["status"] = "unverified"

    folder = write_content(tmp_path / "g", changed(facts=cite_unverified))
    content = load_content(folder)
    g = content.guide
    end = replay(g, [0, 1, 2, 0, 1])  # England, no danger, adult, consents to NRM, not police
    page = page_view(content, end, dt.date(2026, 12, 6))
    assert page.kind == "outcome" and page.nation_name == "England"
    assert [a.id for a in page.actions] == [
        "treat_now",
        "tell_safeguarding_lead",
        "refer_to_fro",
        "helpline_advice",
        "document",
    ]
    refer = page.actions[2]
    assert [f.id for f in refer.facts] == ["consent", "gb_fro"]
    assert refer.facts[0].sources[0].url == "https://www.gov.uk/example"
    assert not page.overdue
    later = page_view(content, end, dt.date(2027, 7, 1))  # the helpline number is due
    helpline = [a for a in later.actions if a.id == "helpline_advice"][0]
    assert helpline.overdue and "Due for review" in helpline.facts[0].notice
    assert [a.answer for a in page.answers] == ["England", "No", "No, 18 or over", "Yes", "No"]
    lead = page.actions[1]
    assert lead.contacts[0].label == "Safeguarding team" and lead.contacts[0].value == ""
    assert nhs_date(dt.date(2026, 12, 5)) == "5 December 2026"
    seen: set[str] = set()
    assert expand_acronyms("Make an NRM referral.", g.acronyms, seen) == (
        "Make a National Referral Mechanism (NRM) referral."
    )
    assert expand_acronyms("The NRM again.", g.acronyms, seen) == "The NRM again."
