"""Loading and validating instruments: every item type, and errors that name line, field, fix."""

from __future__ import annotations

import textwrap

import pytest

from readiness.errors import InstrumentError
from readiness.instrument import build_instrument, instrument_to_data, parse_instrument
from readiness.instrument.conditions import All, Leaf, Not

MINIMAL = """\
id: tiny
version: 2
title: Tiny
choice_sets:
  agree3: [Disagree, Neutral, Agree]
sections:
  - id: s1
    title: One
    items:
      - {id: a, type: single_choice, text: A, choices: [{code: 1, label: One}, {code: 2, label: Two}]}
      - {id: b, type: multiple_choice, text: B, choices: [{code: x, label: Ex}, {code: y, label: Why}]}
      - {id: c, type: likert, text: C, choices: agree3}
      - {id: d, type: true_false, text: D, key: false, explanation: Because.}
      - {id: e, type: yes_no, text: E}
      - {id: f, type: number, text: F, min: 0, max: 10, integer: true}
      - {id: g, type: text, text: G, show_if: {all: [{item: a, equals: 2}, {not: {item: b, selected: x}}]}}
      - {id: h, type: month_year, text: H}
"""


def problems_of(text: str) -> list:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(textwrap.dedent(text), file="broken.yaml")
    return info.value.problems


def test_every_item_type_loads_with_its_codes():
    inst = parse_instrument(MINIMAL)
    assert inst.version == "2"
    types = {i.id: i.type for i in inst.items}
    assert types == {
        "a": "single_choice",
        "b": "multiple_choice",
        "c": "likert",
        "d": "true_false",
        "e": "yes_no",
        "f": "number",
        "g": "text",
        "h": "month_year",
    }
    assert inst.item("c").codes == (1, 2, 3)  # a list of labels is coded 1..k
    assert inst.item("c").choice_set == "agree3"
    assert inst.item("d").codes == (1, 0, 8)
    assert inst.item("d").key is False
    assert inst.item("e").codes == (1, 0)
    assert inst.item("b").codes == ("x", "y")
    assert (inst.item("f").minimum, inst.item("f").maximum, inst.item("f").integer) == (0, 10, True)
    cond = inst.item("g").show_if
    assert isinstance(cond, All) and isinstance(cond.conditions[1], Not)
    assert cond.conditions[0] == Leaf("a", "equals", 2)


def test_dump_and_load_give_back_the_same_instrument(survey):
    again = build_instrument(instrument_to_data(survey))
    assert again.items == survey.items
    assert again.sections == survey.sections
    assert again.scales == survey.scales
    assert again.indicators == survey.indicators


def test_shipped_instrument_meets_the_issue(survey):
    assert (survey.id, survey.version) == ("readiness-survey", "1")
    assert "not the original" in survey.notice and "not been established" in survey.notice
    discipline = survey.item("discipline")
    assert [c.label for c in discipline.choices] == [
        "Emergency medicine",
        "Maternity",
        "Mental health",
        "Paediatrics",
        "Other clinical",
    ]
    for item_id in (
        "profession",
        "years_qualified",
        "site",
        "training_prior",
        "contact_ever",
        "contact_actions",
    ):
        survey.item(item_id)
    assert len(survey.scale("perceived_knowledge").items) >= 8
    knowledge = [survey.item(i) for i in survey.scale("actual_knowledge").items]
    assert len(knowledge) >= 10
    for item in knowledge:
        assert item.type == "true_false" and item.source in survey.sources and item.explanation
    confidence = survey.scale("confidence").items
    assert len(confidence) >= 6
    assert {"c_refer_men", "c_refer_women", "c_refer_children", "c_questions"} <= set(confidence)
    assert survey.item("interest_formats").show_if == Leaf("interest_training", "equals", 1)


def test_every_published_figure_is_an_indicator(survey):
    import json
    from pathlib import Path

    published = {}
    for ind in survey.indicators:
        for fig in ind.published:
            published[(ind.label, fig.where is not None)] = fig
    shared = Path(__file__).resolve().parents[3] / "shared" / "published-figures.json"
    expected = [
        ("lack_knowledge_questions", 86.8, 679),
        ("insufficient_training", 78.3, 613),
        ("lack_conf_referral_men", 71.0, 556),
        ("lack_conf_referral_women", 67.5, 528),
        ("lack_conf_referral_child", 53.4, 418),
        ("unaware_scale", 95.3, 746),
        ("unaware_police_danger", 76.5, 598),
    ]
    for indicator_id, percent, count in expected:
        fig = survey.indicator(indicator_id).published[0]
        assert (fig.percent, fig.count, fig.denominator) == (percent, count, 782)
    contact = survey.indicator("contact_reported").published
    assert [f.percent for f in contact] == [13.0, 20.4]
    assert contact[1].where == Leaf("discipline", "equals", 2)
    if shared.exists():  # the figures file sits beside the project in the development checkout
        figures = json.loads(shared.read_text())["proportions"]
        assert {f["percent"] for f in figures} <= {
            f.percent for i in survey.indicators for f in i.published
        }


def test_all_problems_are_listed_with_line_field_and_fix():
    problems = problems_of(
        """\
        id: broken
        version: 1
        title: Broken
        sections:
          - id: s1
            title: One
            items:
              - id: q1
                type: single_choise
                text: Q1
              - id: q2
                type: likert
                text: Q2
                choices: agree9
              - id: q3
                type: true_false
                text: Q3
              - id: q4
                type: number
                text: Q4
                min: 10
                max: 1
                colour: blue
              - id: q5
                type: text
                text: Q5
                show_if: {item: q9, equals: 1}
        """
    )
    text = "\n".join(str(p) for p in problems)
    assert len(problems) >= 6, text
    by_line = {p.line: p for p in problems}
    assert "single_choise" in by_line[9].message and "single_choice" in by_line[9].fix
    assert "agree9" in by_line[14].message
    assert any("answer key" in p.message and p.line == 15 for p in problems)
    assert any("min 10" in p.message and p.line == 21 for p in problems)
    assert "colour" in by_line[23].message and by_line[23].column.endswith("items[3].colour")
    assert any("'q9'" in p.message and p.line == 27 for p in problems)
    for p in problems:
        assert p.file == "broken.yaml" and p.fix and p.line


def test_conditions_may_only_look_backwards():
    problems = problems_of(
        """\
        id: t
        version: 1
        title: T
        sections:
          - id: s
            title: S
            items:
              - {id: a, type: yes_no, text: A, show_if: {item: b, equals: 1}}
              - {id: b, type: yes_no, text: B}
        """
    )
    assert len(problems) == 1
    assert "does not come before" in problems[0].message and problems[0].line == 8


@pytest.mark.parametrize(
    "item,needle",
    [
        ("{id: a, type: yes_no, text: A, show_if: {item: m, equals: 1}}", "selected"),
        ("{id: a, type: yes_no, text: A, show_if: {item: y, selected: 1}}", "selected"),
        ("{id: a, type: yes_no, text: A, show_if: {item: y, equals: 7}}", "code 7"),
        ("{id: a, type: yes_no, text: A, show_if: {item: y, gt: 1}}", "order comparisons"),
        ("{id: a, type: yes_no, text: A, show_if: {item: y, equal: 1}}", "one operator"),
        ("{id: a, type: yes_no, text: A, show_if: {all: []}}", "non-empty list"),
        ("{id: a, type: yes_no, text: A, show_if: [1]}", "must be a mapping"),
        ("{id: 1a, type: yes_no, text: A}", "not a valid identifier"),
        ("{id: a-b, type: yes_no, text: A}", "ASCII letters"),
        (
            "{id: a, type: multiple_choice, text: A, choices: [{code: a b, label: X}]}",
            "separated by spaces",
        ),
        ("{id: response_id, type: yes_no, text: A}", "reserved"),
        ("{id: y, type: yes_no, text: A}", "used twice"),
        (
            "{id: a, type: likert, text: A, choices: [{code: x, label: X}, {code: y, label: Y}]}",
            "whole numbers",
        ),
        (
            "{id: a, type: single_choice, text: A, choices: [{code: 1, label: X}, {code: 1, label: Y}]}",
            "used twice",
        ),
        ("{id: a, type: yes_no, text: A, choices: [One]}", "does not take choices"),
        ("{id: a, type: text, text: A, min: 1}", "cannot have min"),
        ("{id: a, type: true_false, text: A, key: true}", "explanation"),
        (
            "{id: a, type: true_false, text: A, key: true, explanation: x, source: nowhere}",
            "nowhere",
        ),
        ("{id: a, type: yes_no, text: A, required: maybe}", "true or false"),
        ("{id: a, type: single_choice, text: A, choices: [Yes, No]}", "put the label in quotes"),
        ("{id: a, type: single_choice, text: A, choices: [{code: 1, label: No}]}", "quotes"),
    ],
)
def test_item_problems(item, needle):
    text = f"""\
id: t
version: 1
title: T
sections:
  - id: s
    title: S
    items:
      - {{id: m, type: multiple_choice, text: M, choices: [One, Two]}}
      - {{id: y, type: yes_no, text: Y}}
      - {item}
"""
    problems = problems_of(text)
    assert any(needle in (p.message + p.fix) for p in problems), [str(p) for p in problems]
    assert all(p.line is not None for p in problems)


SCALED = """\
id: t
version: 1
title: T
choice_sets:
  agree5: [SD, D, N, A, SA]
sections:
  - id: s
    title: S
    items:
      - {id: l1, type: likert, text: L1, choices: agree5}
      - {id: l2, type: likert, text: L2, choices: agree5}
      - {id: tf, type: true_false, text: TF, key: true, explanation: x}
      - {id: tx, type: text, text: TX}
      - {id: m, type: multiple_choice, text: M, choices: [One, Two]}
      - {id: n, type: number, text: N}
"""


@pytest.mark.parametrize(
    "block,needle",
    [
        ("scales: [{id: s1, label: S, items: [l1, lx]}]", "'lx', which is not an item"),
        ("scales: [{id: s1, label: S, items: [l1, tx]}]", "cannot be scored"),
        ("scales: [{id: s1, label: S, items: [l1, l2], reverse: [tf]}]", "not one of its items"),
        ("scales: [{id: s1, label: S, items: [l1, tf], reverse: [tf]}]", "set its key"),
        ("scales: [{id: s1, label: S, items: [l1, l2], scoring: median}]", "'mean' or 'sum'"),
        ("scales: [{id: s1, label: S, items: [l1, l2], min_answered: 3}]", "from 1 to 2"),
        ("scales: [{id: l1, label: S, items: [l1, l2]}]", "already used"),
        ("indicators: [{id: i1, label: I, item: l1, when: {bottom: 5}}]", "from 1 to 4"),
        ("indicators: [{id: i1, label: I, item: tx, when: {bottom: 2}}]", "Likert"),
        ("indicators: [{id: i1, label: I, item: l1, when: {incorrect: true}}]", "true/false"),
        ("indicators: [{id: i1, label: I, item: m, when: {in: [1]}}]", "'selected'"),
        ("indicators: [{id: i1, label: I, item: m, when: {selected: 9}}]", "no code 9"),
        ("indicators: [{id: i1, label: I, item: l1, when: {in: [9]}}]", "no code 9"),
        ("indicators: [{id: i1, label: I, item: l1, when: {bottum: 2}}]", "did you mean 'bottom'"),
        ("indicators: [{id: i1, label: I, item: l1, scale: s, when: {lt: 2}}]", "exactly one"),
        (
            "indicators: [{id: i1, label: I, item: l1, when: {bottom: 2}, missing: skip}]",
            "'exclude'",
        ),
        (
            "indicators: [{id: i1, label: I, item: l1, when: {bottom: 2}, published: [{percent: 140}]}]",
            "between 0 and 100",
        ),
        (
            "indicators: [{id: i1, label: I, item: l1, when: {bottom: 2}, published: [{percent: 1, where: {item: zz, equals: 1}}]}]",
            "'zz'",
        ),
    ],
)
def test_scale_and_indicator_problems(block, needle):
    problems = problems_of(SCALED + block + "\n")
    assert any(needle in (p.message + p.fix) for p in problems), [str(p) for p in problems]


def test_yaml_syntax_error_names_the_line():
    problems = problems_of("id: t\nversion: 1\ntitle: [unclosed\nsections: []\n")
    assert len(problems) == 1 and problems[0].line is not None and "YAML" in problems[0].message


def test_not_a_mapping():
    assert "mapping" in problems_of("- just\n- a list\n")[0].message


def test_missing_file_is_a_clear_error(tmp_path):
    from readiness.instrument import load_instrument

    with pytest.raises(InstrumentError, match="no such file"):
        load_instrument(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "//x.example", "ftp://x"],
)
def test_a_source_url_must_be_a_web_address(url):
    text = MINIMAL + f"sources:\n  law: {{citation: A law, url: '{url}'}}\n"
    (problem,) = problems_of(text)
    assert problem.column == "sources.law.url" and problem.line == 19
    assert "not a web address" in problem.message and "https://" in problem.fix
    good = parse_instrument(
        MINIMAL + "sources:\n  law: {citation: A, url: 'https://x.example/a'}\n"
    )
    assert good.sources["law"]["url"] == "https://x.example/a"


def test_a_bad_source_url_is_one_problem_not_one_for_every_item_citing_it():
    text = (
        MINIMAL.replace(
            "{id: d, type: true_false, text: D, key: false, explanation: Because.}",
            "{id: d, type: true_false, text: D, key: false, explanation: Because., source: law}",
        )
        + "sources:\n  law: {citation: A law, url: 'javascript:alert(1)'}\n"
    )
    (problem,) = problems_of(text)
    assert problem.column == "sources.law.url"
