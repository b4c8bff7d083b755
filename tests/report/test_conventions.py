"""The report's labels follow the settings the analysis used: the confidence level, the
missing-data convention of reliability, and the denominators and interval method of the
figures."""

from __future__ import annotations

import copy
import re

import lxml.html
import pytest

from readiness.analysis import AnalysisSettings, analyse
from readiness.report import render_html
from readiness.report.html import report_tables
from tests.report.conftest import SOURCE
from tests.report.report_helpers import columns, figure, row, svg_texts, table, text

NINETY_FIVE = re.compile(r"(?<![\d.])95 ?%")


@pytest.fixture(scope="module")
def result_90(demo_cohort, survey):
    return analyse(
        demo_cohort.responses,
        survey,
        sessions=demo_cohort.sessions,
        settings=AnalysisSettings(conf_level=0.9),
    )


@pytest.fixture(scope="module")
def doc_90(result_90, survey):
    html = render_html(result_90, instrument=survey, compare_published=True, source=SOURCE)
    return lxml.html.fromstring(html)


@pytest.fixture(scope="module")
def listwise_result(demo_cohort, survey):
    return analyse(
        demo_cohort.responses,
        survey,
        sessions=demo_cohort.sessions,
        settings=AnalysisSettings(missing="listwise"),
    )


@pytest.fixture(scope="module")
def listwise_doc(listwise_result, survey):
    return lxml.html.fromstring(render_html(listwise_result, instrument=survey, source=SOURCE))


def notes_of(tbl) -> str:
    return text(tbl.xpath("./following-sibling::div[@class='notes']")[0])


# -- the confidence level ---------------------------------------------------------------------


def test_table_heads_give_the_level_used(doc_90):
    for number in ("1", "2", "3", "4a", "4c", "5"):
        heads = columns(table(doc_90, number))
        assert "90% CI" in heads, (number, heads)
        assert not any(NINETY_FIVE.search(h) for h in heads), (number, heads)


def test_exported_columns_give_the_level_used(result_90, survey):
    tables, _ = report_tables(result_90, survey)
    for number in ("1", "2", "3", "4a", "4c", "5"):
        names = tables[number].export_columns()
        assert "90% CI" in names and "95% CI" not in names, (number, names)


def test_figure_1_gives_the_level_used(doc_90):
    fig = figure(doc_90, "1")
    title = text(fig.xpath(".//figcaption")[0])
    desc = text(fig.xpath(".//desc")[0])
    assert "90% confidence intervals" in title
    assert "90% confidence interval" in desc
    assert "% (90% CI)" in svg_texts(fig)
    assert not NINETY_FIVE.search(text(fig))


def test_summary_methods_and_footer_give_the_level_used(doc_90, result_90):
    summary = text(doc_90.xpath("//section[@aria-labelledby='summary']")[0])
    rate = result_90.response_rate.overall
    assert f"90% CI {rate.lower:.1f} to {rate.upper:.1f}" in summary
    methods = text(doc_90.xpath("//section[@aria-labelledby='methods']")[0])
    assert "90% Wilson score intervals" in methods and "(90% CI " in methods


def test_no_95_percent_label_remains_at_another_level(doc_90):
    """The only 95% left is CROSS's own recommendation (item 13a), the guideline's words; what
    the report says it did is at 90%."""
    doc = copy.deepcopy(doc_90)
    checklist = table(doc, "B1")
    assert "90% CIs" in row(checklist, "13a")["In this report"]
    checklist.getparent().remove(checklist)
    words = text(doc)
    left = [words[max(m.start() - 60, 0) : m.end() + 20] for m in NINETY_FIVE.finditer(words)]
    assert not left, left
    assert "intervals are 90%" in text(doc.xpath("//footer")[0])


# -- reliability: the n alpha used and the missing-data convention -----------------------------


def test_table_4a_gives_the_n_alpha_used_with_listwise_deletion(listwise_doc, listwise_result):
    scale = next(s for s in listwise_result.scales if s.id == "perceived_knowledge")
    assert scale.n == 782 and scale.reliability.n == 730
    t4a = table(listwise_doc, "4a")
    cells = row(t4a, "Perceived knowledge")
    assert cells["n"] == "782"  # scale scores: the mean and SD
    assert cells["n for α"] == "730"  # the respondents alpha was computed on
    notes = notes_of(t4a)
    assert "listwise deletion" in notes
    assert "n for α" in notes


def test_table_4a_names_pairwise_deletion_by_default(demo_doc, demo_result):
    t4a = table(demo_doc, "4a")
    for s in demo_result.scales:
        assert row(t4a, s.label)["n for α"] == str(s.reliability.n)
    notes = notes_of(t4a)
    assert "pairwise deletion" in notes


def test_summary_gives_alpha_with_its_n_and_deletion(demo_doc, listwise_doc, listwise_result):
    summary = text(demo_doc.xpath("//section[@aria-labelledby='summary']")[0])
    assert "pairwise deletion" in summary and "n = 782" in summary
    summary = text(listwise_doc.xpath("//section[@aria-labelledby='summary']")[0])
    assert "listwise deletion" in summary
    for s in listwise_result.scales:
        alpha = f"{s.reliability.raw_alpha:.2f}"
        assert f"{s.label.lower()} {alpha} (n = {s.reliability.n})" in summary


# -- the figures' denominators and interval method ---------------------------------------------


@pytest.mark.parametrize("number", ["1", "2"])
def test_figures_give_their_denominators_and_interval_method(demo_doc, number):
    fig = figure(demo_doc, number)
    desc = text(fig.xpath(".//desc")[0])
    notes = text(fig.xpath("./div[@class='notes']")[0])
    for words in (desc, notes):
        assert "Wilson score interval" in words, words
        assert "95%" in words, words
        assert "782 respondents" in words, words
        assert "N varies by indicator" in words and "Tables 2 and 3" in words, words


def test_figures_name_a_design_based_interval(demo_cohort, survey):
    result = analyse(
        demo_cohort.responses,
        survey,
        sessions=demo_cohort.sessions,
        settings=AnalysisSettings(cluster="site", conf_level=0.9),
    )
    from readiness.report.figures import build_figures
    from readiness.report.suppression import plan_for

    figures = build_figures(result, survey, plan_for(result))
    for f in figures[:2]:
        assert "logit intervals on the design's degrees of freedom" in f.description
        assert "90%" in f.description and not NINETY_FIVE.search(f.description)
