"""The demo report's HTML: the right numbers in the right cells, self-contained, accessible."""

from __future__ import annotations

import re

import lxml.html

import readiness
from readiness.analysis import AnalysisSettings, analyse
from readiness.report import render_html
from tests.report.report_helpers import figure, row, svg_texts, table, text


def test_table_3_holds_the_published_count_of_lacking_knowledge_of_questions(demo_doc):
    cells = row(table(demo_doc, "3"), "All respondents", "lack_knowledge_questions")
    assert (cells["n"], cells["N"], cells["%"]) == ("679", "782", "86.8")
    assert cells["95% CI"] == "84.3 to 89.0"
    assert cells["Test of difference"].startswith("Pearson χ² = 6.22, df = 4")
    assert cells["P"] == "0.18"


def test_table_3_has_every_published_knowledge_and_confidence_figure(demo_doc):
    expected = {
        "insufficient_training": ("613", "782", "78.4"),
        "lack_conf_referral_men": ("556", "782", "71.1"),
        "lack_conf_referral_women": ("528", "782", "67.5"),
        "lack_conf_referral_child": ("418", "782", "53.5"),
        "unaware_scale": ("746", "782", "95.4"),
        "unaware_police_danger": ("598", "782", "76.5"),
    }
    t3 = table(demo_doc, "3")
    for key, numbers in expected.items():
        cells = row(t3, "All respondents", key)
        assert (cells["n"], cells["N"], cells["%"]) == numbers, key


def test_table_2_holds_contact_overall_and_in_maternity(demo_doc):
    t2 = table(demo_doc, "2")
    overall = row(t2, "All respondents", "contact_reported")
    assert (overall["n"], overall["N"], overall["%"]) == ("102", "782", "13.0")
    maternity = row(t2, "Maternity", "contact_reported")
    assert (maternity["n"], maternity["N"], maternity["%"]) == ("20", "98", "20.4")
    assert maternity["95% CI"] == "13.6 to 29.4"


def test_table_1_holds_the_response_rate_with_numerator_and_denominator(demo_doc):
    t1 = table(demo_doc, "1")
    cells = row(t1, "All respondents")
    assert cells["Respondents, n"] == "782"
    assert cells["Attending, n"] == "892"
    assert cells["Response rate, %"] == "87.7"
    assert cells["95% CI"] == "85.3 to 89.7"
    site = row(t1, "T08", "site")
    assert (site["Respondents, n"], site["Attending, n"], site["Response rate, %"]) == (
        "36",
        "40",
        "90.0",
    )
    assert row(t1, "Maternity", "discipline")["Respondents, n"] == "98"
    assert row(t1, "Not answered", "profession")["Respondents, n"] == "10"


def test_tables_4_and_5_hold_reliability_correlations_and_odds_ratios(demo_doc, demo_result):
    t4a = row(table(demo_doc, "4a"), "Perceived knowledge")
    assert t4a["Cronbach's α"] == "0.930" and t4a["Items"] == "9" and t4a["n"] == "782"
    assert t4a["95% CI"] == "0.922 to 0.937"
    assert row(table(demo_doc, "4b"), "pk_signs", "perceived_knowledge")["n"] == "778"
    pair = row(table(demo_doc, "4c"), "Perceived knowledge and Actual knowledge")
    assert pair["r"] == "0.36" and pair["Corrected for attenuation"] == "0.47"
    term = next(t for t in demo_result.regression.terms if t.term == "trained")
    cells = row(table(demo_doc, "5"), "prior training (yes vs no)")
    assert cells["Odds ratio"] == f"{term.odds_ratio:.2f}"


def test_published_figures_sit_beside_the_cohorts_and_the_response_rate_is_flagged(demo_doc):
    t6 = table(demo_doc, "6")
    rate = row(t6, "Response rate")
    assert rate["Published n/N"] == "782/892"
    assert rate["Printed"] == "84.4%"
    assert rate["Its n/N give"] == "87.7%"
    assert rate["This cohort"] == "87.7%"
    assert "does not follow" in rate["Note"]
    training = row(t6, "Reported insufficient training to assist trafficked people")
    assert (training["Printed"], training["Its n/N give"]) == ("78.3%", "78.4%")
    assert "same count as published" in training["Note"]
    women = row(t6, "Lacked confidence in making appropriate referrals for trafficked women")
    assert "does not follow" not in women["Note"]
    section = demo_doc.xpath("//section[@aria-labelledby='published']")[0]
    assert "782 of 892 is 87.7%, but the publication prints 84.4%" in text(section)
    assert "doi:10.1136/bmjopen-2015-008682" in text(section)


def test_title_block_banner_and_methods_say_what_was_done(demo_doc):
    banner = demo_doc.xpath("//div[@class='banner']")
    assert banner and "Synthetic data: not findings" in text(banner[0])
    meta = {
        text(dt): text(dd)
        for dt, dd in zip(
            demo_doc.xpath("//dl[@class='meta']/dt"),
            demo_doc.xpath("//dl[@class='meta']/dd"),
            strict=True,
        )
    }
    assert meta["Instrument"].startswith(
        "Readiness survey: health staff and human trafficking (readiness-survey, version 1"
    )
    assert meta["Data"] == "responses.csv: 782 responses (SYNTHETIC)"
    assert meta["Fieldwork"] == "7 October 2025 to 29 January 2026"
    assert meta["Produced"] == f"2026-11-21, Readiness {readiness.__version__}"
    methods = text(demo_doc.xpath("//section[@aria-labelledby='methods']")[0])
    assert "95% Wilson score intervals" in methods
    assert "simple random sample" in methods
    assert "pairwise deletion" in methods
    assert "no count of 1 to 4 is shown" in methods
    assert "782 of the 892 staff attending returned it" in methods


def test_methods_follow_the_settings_used(demo_cohort, survey):
    result = analyse(
        demo_cohort.responses,
        survey,
        sessions=demo_cohort.sessions,
        settings=AnalysisSettings(cluster="site", missing="listwise"),
    )
    doc = lxml.html.fromstring(render_html(result, instrument=survey, min_cell=10))
    methods = text(doc.xpath("//section[@aria-labelledby='methods']")[0])
    assert "design-based, with site as clusters" in methods
    assert "listwise deletion" in methods
    assert "no count of 1 to 9 is shown" in methods
    cells = row(table(doc, "3"), "All respondents", "lack_knowledge_questions")
    assert cells["Test of difference"].startswith("Rao-Scott F")
    assert not doc.xpath("//table[starts-with(normalize-space(caption), 'Table 6.')]")


def test_the_html_is_self_contained(demo_html):
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", demo_html, re.I)
    assert not re.search(r"<(?:script|link|img|iframe|object|embed)\b", demo_html, re.I)
    assert "@import" not in demo_html
    assert not re.search(r"url\(\s*['\"]?(?!#)", demo_html)  # only url(#id) references
    doc = lxml.html.fromstring(demo_html)
    for element in doc.iter():
        for name, value in element.attrib.items():
            if name.endswith("href") or name == "src":
                assert value.startswith("#"), (element.tag, name, value)


def test_headings_are_in_order_and_every_table_and_figure_is_labelled(demo_doc):
    levels = [int(h.tag[1]) for h in demo_doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    assert demo_doc.get("lang") == "en-GB"
    tables = demo_doc.xpath("//table")
    assert len(tables) == 11  # 1, 2, 3, 4a, 4b, 4c, 5, 6, 7, A1, B1
    for tbl in tables:
        assert text(tbl.find("caption")).startswith("Table ")
        assert tbl.xpath(".//th") and not tbl.xpath(".//th[not(@scope)]")
    ids = [e.get("id") for e in demo_doc.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "ids are unique across the figures"
    svgs = demo_doc.xpath("//svg")
    assert len(svgs) == 3
    for svg in svgs:
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        (title,) = svg.xpath(f".//title[@id='{title_id}']")
        (desc,) = svg.xpath(f".//desc[@id='{desc_id}']")
        assert len(text(title)) > 20 and len(text(desc)) > 100
        assert svg.getparent().tag == "figure" and svg.getparent().find("figcaption") is not None


def test_figures_show_the_tables_numbers(demo_doc):
    heat = svg_texts(figure(demo_doc, "2"))
    assert "86.8" in heat and "20.4" in heat and "95.4" in heat
    dots = svg_texts(figure(demo_doc, "1"))
    assert "86.8" in dots and "Maternity" in dots
    likert = figure(demo_doc, "3")
    desc = text(likert.xpath(".//desc")[0])
    # 679 of 782 are in the bottom three points of c_questions: 29 + 29 + 29 = 87%
    assert "I know what questions to ask" in desc
    assert "Strongly disagree" in svg_texts(likert) and "Strongly agree" in svg_texts(likert)


def test_the_demo_shows_suppression_where_a_complement_is_small(demo_doc, demo_result):
    """95 of 98 maternity staff were unaware of the scale: the 3 who were aware are a small
    count, so the cell is hidden, and the next smallest discipline with it."""
    t3 = table(demo_doc, "3")
    maternity = row(t3, "Maternity", "unaware_scale")
    assert (maternity["n"], maternity["%"], maternity["95% CI"]) == ("[c]", "[c]", "[c]")
    assert maternity["N"] == "98"
    assert row(t3, "Mental health", "unaware_scale")["n"] == "[c]"
    assert row(t3, "Paediatrics", "unaware_scale")["n"] == "154"
    assert (
        "statistic withheld"
        not in row(t3, "All respondents", "unaware_scale")["Test of difference"]
    )
    assert row(t3, "All respondents", "unaware_scale")["P"] == "≥0.05"
    heat = svg_texts(figure(demo_doc, "2"))
    assert heat.count("[c]") == 2
    aware = demo_result.indicator("unaware_scale").by_group["Maternity"]
    assert f"{aware.percent:.1f}" not in heat


TINY = """
id: tiny
version: 2
title: A tiny survey
sections:
  - id: s
    title: Questions
    items:
      - id: team
        type: single_choice
        text: Team?
        choices: [{code: 1, label: A}, {code: 2, label: B}]
      - id: ok
        type: yes_no
        text: Are you OK?
      - id: agree
        type: likert
        text: I agree.
        choices: [{code: 1, label: "No"}, {code: 2, label: Maybe}, {code: 3, label: "Yes"}, {code: 4, label: Very}]
indicators:
  - id: is_ok
    label: is OK
    item: ok
    when: {in: [1]}
"""


def test_a_report_for_an_instrument_without_scales_sessions_or_published_figures():
    import numpy as np
    import pandas as pd

    from readiness.instrument import parse_instrument

    instrument = parse_instrument(TINY)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "team": rng.integers(1, 3, 60).astype(float),
            "ok": rng.integers(0, 2, 60).astype(float),
            "agree": rng.integers(1, 5, 60).astype(float),
        }
    )
    result = analyse(frame, instrument, settings=AnalysisSettings(group_by="team"))
    doc = lxml.html.fromstring(render_html(result, instrument=instrument, compare_published=True))
    captions = [text(t.find("caption")).split(".")[0] for t in doc.iter("table")]
    assert captions == ["Table 1", "Table 2", "Table 7", "Table A1", "Table B1"]
    ok = row(table(doc, "2"), "All respondents", "is_ok")
    assert ok["N"] == "60" and ok["n"] == str(int(frame["ok"].sum()))
    assert "no published figures" in text(doc.xpath("//section[@aria-labelledby='published']")[0])
    assert "No attendance figures were given" in text(doc)
    likert = svg_texts(figure(doc, "3"))
    assert "Very" in likert and "Maybe" in likert


def test_a_response_rate_above_100_percent_is_reported_as_such(demo_cohort, survey):
    sessions = demo_cohort.sessions.copy()
    sessions["attended"] = sessions["session"].map(demo_cohort.responses["session"].value_counts())
    sessions.loc[sessions.index[0], "attended"] -= 1  # one response more than attending
    result = analyse(demo_cohort.responses, survey, sessions=sessions)
    doc = lxml.html.fromstring(render_html(result, instrument=survey))
    cells = row(table(doc, "1"), "All respondents")
    assert cells["Response rate, %"] == f"{100 * 782 / 781:.1f}"
    assert cells["95% CI"] == "–"  # no interval for a rate above 100%
    assert "A response rate above 100%: more responses" in text(doc)  # Table 1's note
    methods = text(doc.xpath("//section[@aria-labelledby='methods']")[0])
    assert "a response rate above 100%" in methods
    assert "more responses than staff attending were recorded" in methods
    warnings = text(doc.xpath("//div[@class='warnings']")[0])
    first = sessions["session"].iat[0]
    assert f"response rate above 100%: session '{first}'" in warnings
    assert "Fix: check the session's attending count" in warnings


def test_no_attendance_recorded_is_said_plainly(demo_cohort, survey):
    sessions = demo_cohort.sessions.copy()
    sessions["attended"] = 0  # sessions saved before their attendance was entered
    result = analyse(demo_cohort.responses, survey, sessions=sessions)
    doc = lxml.html.fromstring(render_html(result, instrument=survey))
    methods = text(doc.xpath("//section[@aria-labelledby='methods']")[0])
    assert "no response rate: no staff attending were recorded" in methods
    assert "–%" not in methods and "above 100%" not in methods
