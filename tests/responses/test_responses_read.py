"""Reading and validating response files: valid files in every format, and broken ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from readiness.errors import ReadinessError, ResponsesError
from readiness.instrument import parse_instrument
from readiness.responses import read_responses, validate_frame
from readiness.responses.validate import is_numeric_item


def _typed(text_frame: pd.DataFrame, instrument) -> pd.DataFrame:
    """The text frame with numeric items as numbers, as SPSS, Stata or Excel would hold them."""
    out = text_frame.copy()
    for item in instrument.items:
        if is_numeric_item(item):
            out[item.id] = pd.to_numeric(out[item.id].replace("", np.nan))
    out["synthetic"] = pd.to_numeric(out["synthetic"])
    return out


def _write_valid(fmt: str, path, text_frame, instrument) -> None:
    """Write the valid table with pandas or pyreadstat directly, not with our writer."""
    if fmt == "csv":
        text_frame.to_csv(path, index=False)
    elif fmt == "xlsx":
        _typed(text_frame, instrument).replace("", None).to_excel(path, index=False)
    elif fmt == "sav":
        pyreadstat.write_sav(_typed(text_frame, instrument), str(path))
    else:
        pyreadstat.write_dta(_typed(text_frame, instrument), str(path))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_a_valid_file_reads_in_every_format(tmp_path, text_frame, instrument, fmt):
    path = tmp_path / f"responses.{fmt}"
    _write_valid(fmt, path, text_frame, instrument)
    result = read_responses(path, instrument)
    frame = result.frame

    assert result.warnings == []
    assert result.instrument_id == "readiness-survey" and result.instrument_version == "1"
    assert result.source == str(path)
    assert len(result) == 3
    assert list(frame.columns[:6]) == ["response_id", "instrument_id", "instrument_version",
                                       "session", "completed_on", "synthetic"]  # fmt: skip
    assert list(frame.columns[6:]) == list(instrument.item_ids)
    assert result.items_in_file == instrument.item_ids
    # Codes are numbers; multiple choice, months and text are text.
    assert frame["discipline"].dtype == np.float64
    assert frame["discipline"].tolist() == [2.0, 1.0, 5.0]
    assert frame["k_disclose"].tolist()[:2] == [1.0, 8.0]
    assert np.isnan(frame["profession"].iloc[2])
    assert frame["years_qualified"].tolist()[:2] == [5.0, 0.0]
    assert pd.api.types.is_string_dtype(frame["training_where"].dtype)
    assert frame["training_where"].tolist()[:1] == ["1 3"]
    assert pd.isna(frame["training_where"].iloc[1])
    assert frame["training_when"].iloc[0] == "2019-03"
    assert frame["contact_story"].iloc[0].startswith('She was "very" frightened,\nso')
    assert frame["site"].iloc[2] == "Café – São Paulo ✓"
    assert frame["synthetic"].tolist() == [0.0, 0.0, 0.0]
    assert frame["response_id"].tolist() == ["r1", "r2", "r3"]


def test_every_format_gives_the_same_frame(tmp_path, text_frame, instrument):
    frames = []
    for fmt in ("csv", "xlsx", "sav", "dta"):
        path = tmp_path / f"responses.{fmt}"
        _write_valid(fmt, path, text_frame, instrument)
        frames.append(read_responses(path, instrument).frame)
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], frame)


def _broken_csv(path) -> None:
    path.write_text(
        "response_id,instrument_version,discipline,profession,years_qualified,training_prior,"
        "training_where,training_when,c_refer_men,k_border,disciplin\n"
        "a1,1,2,3,5,1,1 3,2019-03,4,8,\n"
        'a1,1,9,Nurse,2.5,1,1 7,2019-13,Agree,2,"x"\n'
        "a3,1,,,61,0,,,,,\n"
        "a4,1,1,1,-1,1,2,March 2019,6,true,\n",
        encoding="utf-8",
    )


def test_a_broken_csv_reports_every_problem_with_row_column_and_line(tmp_path, instrument):
    path = tmp_path / "broken.csv"
    _broken_csv(path)
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    found = {(p.row, p.column): p for p in caught.value.problems}
    expected = {
        (None, "disciplin"),
        (2, "response_id"),
        (2, "discipline"),
        (2, "profession"),
        (2, "years_qualified"),
        (2, "training_where"),
        (2, "training_when"),
        (2, "c_refer_men"),
        (2, "k_border"),
        (3, "years_qualified"),
        (4, "years_qualified"),
        (4, "training_when"),
        (4, "c_refer_men"),
        (4, "k_border"),
    }
    assert set(found) == expected
    for problem in caught.value.problems:
        assert problem.file == str(path)
        assert problem.fix
        # The header is line 1; data row r is on line r + 1 in this file.
        assert problem.line == (1 if problem.row is None else problem.row + 1)
    assert "did you mean 'discipline'" in found[(None, "disciplin")].fix
    assert "'9' is not a code" in found[(2, "discipline")].message
    assert "1 = Emergency medicine" in found[(2, "discipline")].fix
    assert "store the code 2 for 'Nurse'" in found[(2, "profession")].fix
    assert "not a whole number" in found[(2, "years_qualified")].message
    assert "more than the maximum" in found[(3, "years_qualified")].message
    assert "less than the minimum" in found[(4, "years_qualified")].message
    assert "'7'" in found[(2, "training_where")].message
    assert "YYYY-MM" in found[(2, "training_when")].fix
    assert "also in row 1" in found[(2, "response_id")].message
    assert "store the code 4 for 'Agree'" in found[(2, "c_refer_men")].fix
    text = str(caught.value)
    assert text.startswith(f"14 problems in responses {path}")
    assert f"{path}, line 3, row 2, column discipline: '9' is not a code" in text


def test_csv_lines_follow_quoted_newlines_and_blank_lines(tmp_path, instrument):
    path = tmp_path / "lines.csv"
    path.write_text(
        'response_id,contact_story,discipline\n1,"three\nline\nstory",1\n\n2,,7\n',
        encoding="utf-8",
    )
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    (problem,) = caught.value.problems
    assert (problem.row, problem.line, problem.column) == (2, 6, "discipline")


def test_xlsx_problems_name_the_sheet_and_cell(tmp_path, instrument):
    path = tmp_path / "broken.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"response_id": ["a", "b"], "discipline": [1, 12]}).to_excel(
            writer, sheet_name="Export", index=False
        )
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("Export", 2, "discipline")
    assert problem.message.endswith("(cell B3)")


def test_sav_problems_name_the_case(tmp_path, instrument):
    path = tmp_path / "broken.sav"
    frame = pd.DataFrame({"discipline": [1.0, 2.0, 6.0], "training_prior": [1.0, 3.0, np.nan]})
    pyreadstat.write_sav(frame, str(path))
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (3, "discipline"),
        (2, "training_prior"),
    }


def test_a_different_instrument_version_is_an_error(tmp_path, text_frame, instrument):
    text_frame.loc[1, "instrument_version"] = "2"
    path = tmp_path / "v2.csv"
    text_frame.to_csv(path, index=False)
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "instrument_version")
    assert "answered version 2" in problem.message
    assert "readiness-survey version 1" in problem.message


def test_version_written_as_a_decimal_number_is_the_same_version(text_frame, instrument):
    text_frame["instrument_version"] = "1.0"
    clean, problems, _ = validate_frame(text_frame, instrument)
    assert problems == []
    assert clean["instrument_version"].tolist() == ["1", "1", "1"]


def test_a_different_instrument_id_is_an_error(text_frame, instrument):
    text_frame.loc[0, "instrument_id"] = "other-survey"
    _, problems, _ = validate_frame(text_frame, instrument, "x.csv")
    assert [(p.row, p.column) for p in problems] == [(1, "instrument_id")]


def test_a_file_without_version_is_read_with_a_warning(text_frame, instrument):
    frame = text_frame.drop(columns=["instrument_version"])
    _, problems, warnings = validate_frame(frame, instrument)
    assert problems == []
    assert any("no instrument_version column" in w.message for w in warnings)


def _stale(text_frame):
    # Row 2 says no prior training but names where it took place; row 3 has no profession
    # but says what it is.
    text_frame.loc[1, "training_where"] = "2"
    text_frame.loc[2, "profession_other"] = "Porter"
    return text_frame


def test_answers_to_hidden_items_are_warnings_by_default(tmp_path, text_frame, instrument):
    path = tmp_path / "stale.csv"
    _stale(text_frame).to_csv(path, index=False)
    result = read_responses(path, instrument)
    found = {(w.row, w.column): w for w in result.warnings}
    assert set(found) == {(2, "training_where"), (3, "profession_other")}
    assert "training_prior = 1" in found[(2, "training_where")].message
    assert found[(2, "training_where")].line == 4  # row 1 spans two lines (quoted newline)
    # The answers are kept.
    assert result.frame["training_where"].iloc[1] == "2"


def test_answers_to_hidden_items_are_errors_when_strict(tmp_path, text_frame, instrument):
    path = tmp_path / "stale.csv"
    _stale(text_frame).to_csv(path, index=False)
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument, strict_conditions=True)
    found = {(p.row, p.column): p for p in caught.value.problems}
    assert set(found) == {(2, "training_where"), (3, "profession_other")}
    assert "profession = 8" in found[(3, "profession_other")].message


def test_required_unanswered_and_absent_items_are_warnings(text_frame, instrument):
    text_frame.loc[1, "discipline"] = ""
    frame = text_frame.drop(columns=["contact_story", "site"])
    clean, problems, warnings = validate_frame(frame, instrument)
    assert problems == []
    messages = [w.message for w in warnings]
    assert any("'discipline' is required but unanswered in 1 row (rows 2)" in m for m in messages)
    assert any("2 of the 47 items are not in the file" in m for m in messages)
    assert clean["contact_story"].isna().all()
    assert list(clean.columns[6:]) == list(instrument.item_ids)


def test_blank_rows_are_skipped_with_a_warning(text_frame, instrument):
    blank = pd.DataFrame([[""] * len(text_frame.columns)], columns=text_frame.columns)
    frame = pd.concat([text_frame.iloc[:1], blank, text_frame.iloc[1:]], ignore_index=True)
    frame.loc[3, "discipline"] = "x"
    clean, problems, warnings = validate_frame(frame, instrument)
    assert len(clean) == 3
    assert [(p.row, p.column) for p in problems] == [(4, "discipline")]  # original numbering
    assert any("were skipped" in w.message and w.row == 2 for w in warnings)


def test_duplicate_header_columns_are_named(tmp_path, instrument):
    path = tmp_path / "dup.csv"
    path.write_text("discipline,profession,discipline\n1,2,1\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    (problem,) = caught.value.problems
    assert problem.column == "discipline"
    assert "more than once" in problem.message


def test_redcap_checkbox_columns_are_folded(tmp_path, instrument):
    path = tmp_path / "redcap.csv"
    path.write_text(
        "response_id,training_prior,training_where___1,training_where___3,training_where___4\n"
        "1,1,1,0,1\n"
        "2,1,Unchecked,Checked,Unchecked\n"
        "3,0,0,0,0\n",
        encoding="utf-8",
    )
    result = read_responses(path, instrument)
    assert result.frame["training_where"].tolist()[:2] == ["1 4", "3"]
    assert pd.isna(result.frame["training_where"].iloc[2])
    assert "training_where" in result.items_in_file


def test_redcap_checkbox_problems(tmp_path, instrument):
    path = tmp_path / "redcap.csv"
    path.write_text(
        "training_where___1,training_where___9,formats___2\n1,0,1\n2,0,0\n", encoding="utf-8"
    )
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    found = {(p.row, p.column): p for p in caught.value.problems}
    assert set(found) == {
        (None, "training_where___9"),
        (None, "formats___2"),
        (2, "training_where___1"),
    }
    assert "interest_formats___2" in found[(None, "formats___2")].fix


def test_multiple_choice_is_normalised(text_frame, instrument):
    text_frame.loc[0, "training_where"] = "3,1, 3"
    clean, problems, _ = validate_frame(text_frame, instrument)
    assert problems == []
    assert clean["training_where"].iloc[0] == "1 3"


def test_codes_written_as_decimals_and_with_spaces_are_codes(text_frame, instrument):
    text_frame.loc[0, "discipline"] = " 2.0 "
    text_frame.loc[0, "years_qualified"] = "5.0"
    clean, problems, _ = validate_frame(text_frame, instrument)
    assert problems == []
    assert clean["discipline"].iloc[0] == 2.0 and clean["years_qualified"].iloc[0] == 5.0


def test_dates_and_flags_are_checked(text_frame, instrument):
    text_frame.loc[0, "completed_on"] = "01/05/2025"
    text_frame.loc[1, "completed_on"] = "2025-02-30"
    text_frame.loc[2, "synthetic"] = "maybe"
    _, problems, _ = validate_frame(text_frame, instrument)
    assert [(p.row, p.column) for p in problems] == [
        (1, "completed_on"),
        (2, "completed_on"),
        (3, "synthetic"),
    ]


def test_word_codes_and_decimal_numbers(tmp_path):
    instrument = parse_instrument(
        """
id: small
version: 2.1
title: Small
sections:
  - id: s
    title: S
    items:
      - id: grade
        type: single_choice
        text: Grade
        choices:
          - {code: band5, label: Band 5}
          - {code: band6, label: Band 6}
      - id: hours
        type: number
        text: Hours
        min: 0.5
        max: 48
""",
        "small.yaml",
    )
    path = tmp_path / "small.csv"
    path.write_text(
        "grade,hours,instrument_version\nband5,7.5,2.1\nBand6,0.25,2.1\nband9,x,2.1\n",
        encoding="utf-8",
    )
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (2, "hours"),
        (3, "grade"),
        (3, "hours"),
    }
    path.write_text("grade,hours\nband5,7.5\nBAND6,\n", encoding="utf-8")
    frame = read_responses(path, instrument).frame
    assert frame["grade"].tolist() == ["band5", "band6"]
    assert frame["hours"].iloc[0] == 7.5


def test_a_file_that_is_not_utf8_is_a_responses_error(tmp_path, instrument):
    path = tmp_path / "latin1.csv"
    path.write_bytes("site\nCaf\xe9\n".encode("latin-1"))
    with pytest.raises(ResponsesError, match="not UTF-8"):
        read_responses(path, instrument)


def test_a_missing_file_and_an_unknown_suffix(tmp_path, instrument):
    with pytest.raises(ReadinessError, match="no such file"):
        read_responses(tmp_path / "absent.csv", instrument)
    with pytest.raises(ReadinessError, match="no such file"):
        read_responses(tmp_path / "absent.xlsx", instrument)
    with pytest.raises(ResponsesError, match="suffix"):
        read_responses(tmp_path / "data.json", instrument)


def test_a_header_only_file_has_no_responses(tmp_path, instrument):
    path = tmp_path / "empty.csv"
    path.write_text("response_id,discipline\n", encoding="utf-8")
    result = read_responses(path, instrument, allow_empty=True)
    assert len(result.frame) == 0
    assert result.warnings == []


def test_redcap_checkbox_columns_for_negative_codes(tmp_path):
    instrument = parse_instrument(
        """
id: small
version: 1
title: Small
sections:
  - id: s
    title: S
    items:
      - id: race
        type: multiple_choice
        text: Race
        choices:
          - {code: 4, label: White}
          - {code: -99, label: Refused}
""",
        "small.yaml",
    )
    path = tmp_path / "redcap.csv"
    path.write_text("race___4,race____99\n1,0\n0,1\n", encoding="utf-8")
    assert read_responses(path, instrument).frame["race"].tolist() == ["4", "-99"]


@pytest.mark.parametrize("fmt", ["csv", "dta"])
def test_text_that_no_export_could_hold_is_refused_on_reading(
    tmp_path, text_frame, instrument, fmt
):
    """A control character, or text longer than an XLSX cell, is refused where it enters, with
    the row, the column and the fix: a stored answer must never stop an export."""
    text_frame.loc[0, "contact_story"] = "line one\x0bline two"
    text_frame.loc[2, "profession_other"] = "x" * 32_768
    text_frame.loc[2, "profession"] = "8"
    path = tmp_path / f"responses.{fmt}"
    if fmt == "csv":
        text_frame.to_csv(path, index=False)
    else:
        pyreadstat.write_dta(_typed(text_frame, instrument), str(path), version=15)
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    found = {(p.row, p.column): p for p in caught.value.problems}
    assert set(found) == {(1, "contact_story"), (3, "profession_other")}
    assert "control character U+000B" in found[1, "contact_story"].message
    assert "tabs and line breaks are fine" in found[1, "contact_story"].fix
    assert "32,768 characters" in found[3, "profession_other"].message
    assert "32,767" in found[3, "profession_other"].fix


def test_an_apostrophe_readiness_put_before_a_formula_is_removed(tmp_path, text_frame, instrument):
    text_frame.loc[0, "contact_story"] = "'=1+1"
    text_frame.loc[1, "site"] = "''-2"
    text_frame.loc[2, "site"] = "'plain"
    path = tmp_path / "responses.csv"
    text_frame.to_csv(path, index=False)
    frame = read_responses(path, instrument).frame
    assert frame["contact_story"].iloc[0] == "=1+1"
    assert frame["site"].tolist()[1:] == ["'-2", "'plain"]
