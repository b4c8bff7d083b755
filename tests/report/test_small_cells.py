"""A cohort with small groups: suppression in the tables, the figures and the exports alike.

The cohort: 150 respondents, 3 of them in maternity, and only 2 who strongly agree that they
have had enough training.
"""

from __future__ import annotations

import csv

from readiness.report import write_tables
from readiness.report.suppression import SYMBOL, plan_for
from tests.report.report_helpers import figure, row, svg_texts, table, text


def test_table_1_hides_the_small_group_and_one_more(small_doc):
    t1 = table(small_doc, "1")
    maternity = row(t1, "Maternity", "discipline")
    assert (maternity["Respondents, n"], maternity["% of those answering"]) == (SYMBOL, SYMBOL)
    # secondary: the smallest other discipline (paediatrics, 30) is hidden too, so that
    # 150 minus the shown disciplines does not give maternity's 3
    assert row(t1, "Paediatrics", "discipline")["Respondents, n"] == SYMBOL
    assert row(t1, "Emergency medicine", "discipline")["Respondents, n"] == "37"
    assert row(t1, "All respondents")["Respondents, n"] == "150"
    notes = text(t1.getparent().xpath(".//div[@class='notes']")[0])
    assert "[c] Not shown to protect respondents: a count of 1 to 4" in notes


def test_every_indicator_hides_the_same_groups(small_doc, small_result):
    for number in ("2", "3"):
        tbl = table(small_doc, number)
        for body in tbl.xpath("./tbody"):
            key = body.get("data-key")
            for group in ("Maternity", "Paediatrics"):
                cells = row(tbl, group, key)
                assert {cells[c] for c in ("n", "N", "%", "95% CI")} == {SYMBOL}, (key, group)
            overall = row(tbl, "All respondents", key)
            assert overall["n"] != SYMBOL
            # the exact statistic could let a hidden cell be solved for: withheld, P in bands
            assert overall["P"] in ("<0.001", "<0.01", "<0.05", "≥0.05", "–")
    assert small_result.indicator("contact_reported").by_group["Maternity"].n == 3


def test_no_shown_count_is_small_and_no_hidden_count_can_be_recovered(small_doc, small_result):
    t3 = table(small_doc, "3")
    for ind in small_result.indicators:
        try:
            overall = row(t3, "All respondents", ind.id)
        except AssertionError:
            continue
        shown_k, hidden = 0, []
        for g in small_result.groups:
            cells = row(t3, g, ind.id)
            est = ind.by_group[g]
            if cells["n"] == SYMBOL:
                hidden.append(est)
            else:
                assert not 1 <= est.count < 5 and not 1 <= est.n - est.count < 5
                shown_k += int(cells["n"])
        if hidden:
            residual = int(overall["n"]) - shown_k
            assert len(hidden) >= 2 and not 1 <= residual < 5


def test_figures_hide_what_the_tables_hide(small_doc, small_result):
    plan = plan_for(small_result)
    hidden = sum(s.overall_count + sum(s.count) for s in plan.indicators.values())
    assert hidden > 20
    heat = svg_texts(figure(small_doc, "2"))
    assert heat.count(SYMBOL) == hidden
    dots = svg_texts(figure(small_doc, "1"))
    assert dots.count(SYMBOL) == 2 * hidden  # in the panel and in the column of values
    for ind in small_result.indicators:
        maternity = ind.by_group["Maternity"]
        if maternity.percent not in (None, 0.0, 100.0):
            assert f"{maternity.percent:.1f}" not in set(heat) - {
                f"{e.percent:.1f}"
                for e in [ind.overall, *ind.by_group.values()]
                if e is not maternity and e.percent is not None
            }


def test_a_small_answer_is_drawn_with_its_neighbour(small_doc, small_result):
    counts = next(d.counts for d in small_result.items if d.id == "training_enough")
    assert counts[4] == 2
    likert = figure(small_doc, "3")
    desc = text(likert.xpath(".//desc")[0])
    both = round(100 * (counts[3] + counts[4]) / sum(counts))
    assert f"Agree or Strongly agree {both}%" in desc
    assert f"Strongly agree {round(100 * 2 / sum(counts))}%" not in desc
    assert "Answers combined" in svg_texts(likert)
    assert "drawn together with the next answer towards the middle" in text(likert)


def test_warnings_that_describe_a_small_group_are_withheld(small_doc, small_result):
    # the analysis says why the regression failed: all 3 maternity respondents answered no
    assert any("all 3 respondents" in w for w in small_result.warnings)
    assert "all 3 respondents" not in text(small_doc)
    section = small_doc.xpath("//section[@aria-labelledby='regression']")[0]
    assert "could not be fitted (details withheld from the report" in text(section)
    warnings = text(small_doc.xpath("//div[@class='warnings']")[0])
    assert "regression of contact: details withheld" in warnings


def test_regression_hides_the_odds_ratios_of_hidden_groups(demo_cohort, survey):
    import lxml.html

    from readiness.analysis import analyse
    from readiness.report import render_html

    frame = demo_cohort.responses
    maternity = frame[frame["discipline"] == 2]
    mixed = list(maternity.index[maternity["contact_ever"] == 1][:2]) + list(
        maternity.index[maternity["contact_ever"] == 0][:2]
    )
    others = list(frame.index[frame["discipline"] != 2][:200])
    small = frame.loc[others + mixed].reset_index(drop=True)
    result = analyse(small, survey, sessions=demo_cohort.sessions)
    assert result.regression.fitted
    doc = lxml.html.fromstring(render_html(result, instrument=survey))
    t5 = table(doc, "5")
    assert row(t5, "discipline: Maternity")["Odds ratio"] == SYMBOL
    assert row(t5, "discipline: Maternity")["95% CI"] == SYMBOL
    hidden = [g for g, h in zip(result.groups, plan_for(result).groups_hidden, strict=True) if h]
    assert hidden[0] == "Maternity" and len(hidden) == 2
    assert row(t5, f"discipline: {hidden[1]}")["Odds ratio"] == SYMBOL
    shown = next(g for g in result.groups[1:] if g not in hidden)
    assert row(t5, f"discipline: {shown}")["Odds ratio"] != SYMBOL


def test_the_exported_tables_hide_the_same_cells(small_result, survey, tmp_path):
    paths = write_tables(small_result, survey, tmp_path)
    with (tmp_path / "table-1-respondents.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    maternity = next(r for r in rows if r["Characteristic"] == "Maternity")
    assert maternity["Respondents, n"] == SYMBOL
    with (tmp_path / "table-2-training-contact.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    contact = [r for r in rows if r["Indicator"].startswith("Reported previous contact")]
    maternity = next(r for r in contact if r["Indicator; discipline"] == "Maternity")
    assert (maternity["n"], maternity["%"]) == (SYMBOL, SYMBOL)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "table-2-training-contact.xlsx").active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    maternity_row = next(v for v in values if v[1] == "Maternity")
    assert maternity_row[2] == SYMBOL and maternity_row[4] == SYMBOL
    assert len(paths) == 16  # no Table 5: the model could not be fitted; Table 7 every question


def test_min_cell_1_turns_suppression_off(small_result, survey):
    import lxml.html

    from readiness.report import render_html

    doc = lxml.html.fromstring(render_html(small_result, instrument=survey, min_cell=1))
    assert row(table(doc, "1"), "Maternity", "discipline")["Respondents, n"] == "3"
    assert SYMBOL not in svg_texts(figure(doc, "2"))
    assert "not suppressed" in text(doc.xpath("//section[@aria-labelledby='methods']")[0])
