"""The instrument's ``analysis:`` block: read, checked with line, field and fix, written back;
imported instruments have none."""

from __future__ import annotations

import pytest

from readiness.errors import InstrumentError
from readiness.instrument import build_instrument, instrument_to_data, parse_instrument
from readiness.instrument.dump import instrument_to_yaml
from readiness.instrument.model import AnalysisPlan, Predictor, RegressionPlan
from readiness.instrument.redcap import read_redcap_dictionary, write_redcap_dictionary
from readiness.instrument.xlsform import read_xlsform, write_xlsform
from tests.instrument.test_load import MINIMAL

BLOCK = """\
analysis:
  characteristics: [a, f]
  group_by: a
  regression:
    outcome: e
    predictors:
      - a
      - {item: f, term: years, label: years (per year)}
"""


def problems_of(block: str) -> list:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(MINIMAL + block, file="study.yaml")
    return info.value.problems


def test_the_block_is_read_and_written_back_unchanged():
    inst = parse_instrument(MINIMAL + BLOCK)
    assert inst.analysis == AnalysisPlan(
        ("a", "f"),
        "a",
        RegressionPlan("e", (Predictor("a"), Predictor("f", "years", "years (per year)"))),
    )
    again = parse_instrument(instrument_to_yaml(inst))
    assert again.analysis == inst.analysis
    assert build_instrument(instrument_to_data(inst)).analysis == inst.analysis


def test_without_a_block_nothing_is_declared_or_written():
    inst = parse_instrument(MINIMAL)
    assert inst.analysis.empty and "analysis" not in instrument_to_data(inst)


def test_problems_name_the_line_the_field_and_the_fix():
    line = MINIMAL.count("\n") + 1
    problems = problems_of(
        """\
analysis:
  characteristics: [a, nosuch, b, a]
  group_by: h
  regression:
    outcome: f
    predictors: [e, {item: a, term: 1bad}]
  extra: 1
"""
    )
    by_column = {p.column: p for p in problems}
    assert "not an item" in by_column["analysis.characteristics[1]"].message
    assert by_column["analysis.characteristics[1]"].line == line + 1
    assert "multiple_choice item" in by_column["analysis.characteristics[2]"].message
    assert "listed twice" in by_column["analysis.characteristics[3]"].message
    assert "month_year item" in by_column["analysis.group_by"].message
    assert by_column["analysis.group_by"].line == line + 2
    assert "number item" in by_column["analysis.regression.outcome"].message
    assert "name an item of type yes_no" in by_column["analysis.regression.outcome"].fix
    assert "not a valid identifier" in by_column["analysis.regression.predictors[1].term"].message
    assert "unknown field 'extra'" in by_column["analysis.extra"].message
    assert all(p.file == "study.yaml" and p.fix for p in problems)


def test_the_outcome_cannot_be_a_predictor():
    problems = problems_of("analysis:\n  regression:\n    outcome: e\n    predictors: [a, e]\n")
    assert [p.column for p in problems] == ["analysis.regression.predictors[1]"]
    assert "both the outcome and a predictor" in problems[0].message


def test_an_xlsform_keeps_it_and_a_redcap_dictionary_names_it_as_not_written(tmp_path):
    inst = parse_instrument(MINIMAL + BLOCK)
    write_xlsform(inst, tmp_path / "form.xlsx")
    assert read_xlsform(tmp_path / "form.xlsx").instrument.analysis == inst.analysis
    written = write_redcap_dictionary(inst, tmp_path / "dictionary.csv")
    assert "analysis" in {n.field for n in written.unmapped}
    assert read_redcap_dictionary(tmp_path / "dictionary.csv").instrument.analysis.empty
    with_base = read_redcap_dictionary(tmp_path / "dictionary.csv", base=inst)
    assert with_base.instrument.analysis == inst.analysis


def test_a_hand_made_xlsform_has_none(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["integer", "age", "Age"])
    book.save(tmp_path / "form.xlsx")
    assert read_xlsform(tmp_path / "form.xlsx").instrument.analysis.empty


def test_the_shipped_variants_declare_the_base_survey_s_analysis(survey):
    from readiness.instrument.variants import assemble_variant, variant_names

    assert not survey.analysis.empty
    for name in variant_names():
        assert assemble_variant(name).analysis == survey.analysis, name
