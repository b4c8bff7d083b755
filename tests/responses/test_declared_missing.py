"""SPSS user-missing and Stata .a-.z answers are kept as declared missing, never blanked;
value labels that disagree with the instrument are reported."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.cli import main
from readiness.errors import ResponsesError
from readiness.instrument import parse_instrument
from readiness.responses import read_responses

INSTRUMENT = """
id: arolwg
version: 1
title: Arolwg parodrwydd
language: cy
translations:
  en:
    name: English
    items:
      SEX: {text: "What is your sex?", choices: {1: Male, 2: Female, 3: Non-binary}}
sections:
  - id: main
    title: Amdanoch chi
    items:
      - id: SEX
        type: single_choice
        text: Beth yw eich rhyw? 😀
        choices:
          - {code: 1, label: Gwryw}
          - {code: 2, label: Benyw}
          - {code: 3, label: Anneuaidd}
      - {id: OED, type: number, text: Oedran, integer: true, required: true}
      - id: HYDER
        type: likert
        text: Pa mor hyderus ydych chi?
        choices: [Dim o gwbl, Ychydig, Rhywfaint, Iawn, Hyderus iawn]
      - {id: SYLW, type: text, text: Sylwadau}
"""

SEX_LABELS = {1.0: "Gwryw", 2.0: "Benyw", 3.0: "Anneuaidd", 9.0: "Gwrthod ateb"}


@pytest.fixture
def instrument():
    return parse_instrument(INSTRUMENT)


def write_sav(path, frame: pd.DataFrame, **labels) -> None:
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels=labels.get("value_labels", {"SEX": SEX_LABELS}),
        missing_ranges=labels.get(
            "missing", {"SEX": [9], "OED": [{"lo": -9, "hi": -1}, 999], "HYDER": [8]}
        ),
    )


def sav_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "SEX": [1.0, 9.0, np.nan, 9.0],
            "OED": [34.0, -9.0, np.nan, 999.0],
            "HYDER": [4.0, 8.0, np.nan, 8.0],
            "SYLW": ["Diolch 🙏", "", "", ""],
        }
    )


def test_a_row_of_declared_missing_codes_is_kept_not_skipped(tmp_path, instrument):
    """Rows 2 and 4 hold only SPSS user-missing codes: they are answers ("refused"), not
    empty rows; row 3 holds nothing at all and is the only one skipped."""
    path = tmp_path / "arolwg.sav"
    write_sav(path, sav_frame())
    result = read_responses(path, instrument)
    assert len(result) == 3
    skipped = [w for w in result.warnings if "no value at all" in w.message]
    assert [w.message for w in skipped] == ["1 row with no value at all (rows 3) were skipped."]
    frame = result.frame
    # Analyses see them as missing ...
    assert frame["SEX"].tolist()[0] == 1.0 and np.isnan(frame["SEX"].iloc[1])
    assert np.isnan(frame["OED"].iloc[1]) and np.isnan(frame["HYDER"].iloc[2])
    # ... and the reasons are kept, row by row, with their labels.
    reasons = result.declared_missing
    assert reasons["SEX"].tolist()[1:] == ["9", "9"]
    assert reasons["OED"].tolist()[1:] == ["-9", "999"]
    assert pd.isna(reasons["SEX"].iloc[0])
    assert result.declared_counts() == {
        "SEX": {"9 = 'Gwrthod ateb'": 2},
        "OED": {"-9": 1, "999": 1},
        "HYDER": {"8": 2},
    }
    # OED is required: a declared missing code answers it ("refused"), so no warning.
    assert not [w for w in result.warnings if "required" in w.message]
    counted = [w.message for w in result.warnings if w.column == "SEX"]
    assert counted == [
        "'SEX' has 2 declared missing answers (9 = 'Gwrthod ateb': 2); analyses treat them "
        "as missing."
    ]


def test_stata_tagged_missing_are_kept_with_their_labels(tmp_path, instrument):
    path = tmp_path / "arolwg.dta"
    frame = pd.DataFrame(
        {
            "SEX": [1.0, "a", "r", np.nan],
            "OED": [34.0, "a", 51.0, np.nan],
            "SYLW": ["Da iawn 👍", "", "", ""],
        }
    )
    pyreadstat.write_dta(
        frame,
        str(path),
        variable_value_labels={
            "SEX": {1: "Gwryw", 2: "Benyw", 3: "Anneuaidd", "a": "Gwrthod ateb"}
        },
        missing_user_values={"SEX": ["a", "r"], "OED": ["a"]},
    )
    result = read_responses(path, instrument)
    assert len(result) == 3  # row 4 is empty; row 2 holds only .a
    assert result.declared_missing["SEX"].tolist()[1:] == [".a", ".r"]
    assert pd.isna(result.declared_missing["SEX"].iloc[0])
    assert result.declared_counts() == {
        "SEX": {".a = 'Gwrthod ateb'": 1, ".r": 1},
        "OED": {".a": 1},
    }
    assert np.isnan(result.frame["SEX"].iloc[1]) and result.frame["OED"].iloc[2] == 51.0


def test_spss_string_user_missing_and_zsav(tmp_path, instrument):
    path = tmp_path / "arolwg.zsav"
    frame = pd.DataFrame({"SEX": [2.0, 1.0], "SYLW": ["Dim", "Ardderchog 🤩"]})
    pyreadstat.write_sav(frame, str(path), compress=True, missing_ranges={"SYLW": ["Dim"]})
    result = read_responses(path, instrument)
    assert len(result) == 2
    assert pd.isna(result.frame["SYLW"].iloc[0]) and result.frame["SYLW"].iloc[1] == "Ardderchog 🤩"
    assert result.declared_counts() == {"SYLW": {"Dim": 1}}


def test_validate_command_reports_each_reason(tmp_path, capsys):
    inst_path = tmp_path / "arolwg.yaml"
    inst_path.write_text(INSTRUMENT, encoding="utf-8")
    path = tmp_path / "arolwg.sav"
    write_sav(path, sav_frame())
    code = main(["responses", "validate", str(path), "--instrument", str(inst_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 responses" in out
    assert "'SEX' has 2 declared missing answers (9 = 'Gwrthod ateb': 2)" in out
    assert "'OED' has 2 declared missing answers (-9: 1, 999: 1)" in out
    code = main(["responses", "validate", str(path), "--instrument", str(inst_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["declared_missing"] == {
        "SEX": {"9 = 'Gwrthod ateb'": 2},
        "OED": {"-9": 1, "999": 1},
        "HYDER": {"8": 2},
    }


def test_swapped_value_labels_are_a_problem_naming_both_labels(tmp_path, instrument):
    """1 = Male in the file against 1 = Male ... in the instrument's English, 1 = Female here."""
    path = tmp_path / "swapped.sav"
    frame = pd.DataFrame({"sex": [1.0, 2.0], "OED": [30.0, 40.0]})
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels={"sex": {1: "Female", 2: "Male", 3: "Non-binary"}}
    )
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    (problem,) = caught.value.problems
    assert problem.column == "sex"  # as the file writes it
    assert problem.message == (
        "the file's value labels of 'SEX' give its codes other meanings than the instrument: "
        "1 = 'Female' in the file, 1 = 'Gwryw' in the instrument (whose 2 is 'Benyw'); "
        "2 = 'Male' in the file, 2 = 'Benyw' in the instrument (whose 1 is 'Gwryw')."
    )
    assert "RECODE" in problem.fix


def test_labels_in_another_language_of_the_instrument_agree(tmp_path, instrument):
    path = tmp_path / "saesneg.sav"
    frame = pd.DataFrame({"SEX": [1.0, 2.0], "HYDER": [1.0, 5.0]})
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "SEX": {1: "MALE", 2: "Female ", 3: "Non-binary"},  # case and spaces do not count
            "HYDER": {1: "Dim o gwbl", 5: "Hyderus iawn"},
        },
    )
    result = read_responses(path, instrument)
    assert not [w for w in result.warnings if "value labels" in w.message]


def test_labels_that_merely_differ_are_a_warning(tmp_path, instrument):
    path = tmp_path / "gwahanol.sav"
    frame = pd.DataFrame({"SEX": [1.0, 2.0], "HYDER": [1.0, 5.0]})
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"HYDER": {1: "Not at all", 5: "Hyderus iawn", 9: "Other"}},
    )
    result = read_responses(path, instrument)
    (warning,) = [w for w in result.warnings if "value labels" in w.message]
    assert warning.column == "HYDER"
    assert warning.message == (
        "the file's value labels of 'HYDER' differ from the instrument's: 1 = 'Not at all' in "
        "the file, 1 = 'Dim o gwbl' in the instrument. The codes are read as the instrument's."
    )


def test_a_file_written_by_readiness_reads_back_without_label_notes(tmp_path, instrument):
    from readiness.responses.write import write_responses

    source = tmp_path / "arolwg.sav"
    write_sav(source, sav_frame())
    result = read_responses(source, instrument)
    for suffix in ("sav", "dta"):
        copy = write_responses(result, instrument, tmp_path / f"copy.{suffix}")
        again = read_responses(copy, instrument)
        assert not [w for w in again.warnings if "value labels" in w.message]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from([1.0, 2.0, 3.0, 9.0, np.nan]),
            st.sampled_from([20.0, 65.0, -9.0, -4.0, 999.0, np.nan]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_no_declared_missing_answer_is_blanked(tmp_path, instrument, cells):
    """Every row holding an answer or a declared missing code is kept; each code is counted."""
    path = tmp_path / "priodwedd.sav"
    frame = pd.DataFrame(cells, columns=["SEX", "OED"])
    write_sav(path, frame)
    filled = frame.notna().any(axis=1)
    result = read_responses(path, instrument)
    assert len(result) == int(filled.sum())
    counts = result.declared_counts()
    sex_missing = int((frame["SEX"] == 9.0).sum())
    age_missing = int(frame["OED"].isin([-9.0, -4.0, 999.0]).sum())
    assert sum(counts.get("SEX", {}).values()) == sex_missing
    assert sum(counts.get("OED", {}).values()) == age_missing
    kept = frame[filled].reset_index(drop=True)
    answered = kept["SEX"].isin([1.0, 2.0, 3.0])
    assert result.frame["SEX"].notna().tolist() == answered.tolist()


def test_dates_pyreadstat_leaves_as_numbers_are_read_as_iso_text(tmp_path):
    """Stata %tm and patterned %td/%tc, SPSS MOYR and MTIME: numbers in the file, ISO text in
    the responses, as the items derived from the same file expect."""
    from readiness.instrument.statfiles import read_statfile

    dta = tmp_path / "dyddiadau.dta"
    frame = pd.DataFrame({"D": [23450.0], "C": [1.9e12], "H": [52200000.0], "M": [770.0]})
    formats = {"D": "%tdDD/NN/CCYY", "C": "%tcDD/NN/CCYY_HH:MM", "H": "%tcHH:MM", "M": "%tm"}
    pyreadstat.write_dta(frame, str(dta), variable_format=formats)
    result = read_responses(dta, read_statfile(dta).instrument)
    assert result.frame.iloc[0].tolist() == [
        "2024-03-15",
        "2020-03-16T17:46:40",
        "14:30",
        "2024-03",
    ]
    sav = tmp_path / "dyddiadau.sav"
    frame = pd.DataFrame({"M": [13e9], "T": [3725.0]})
    pyreadstat.write_sav(frame, str(sav), variable_format={"M": "MOYR8", "T": "MTIME8"})
    result = read_responses(sav, read_statfile(sav).instrument)
    assert result.frame.iloc[0].tolist() == ["1994-09", "01:02:05"]


def test_convert_says_the_reasons_are_not_written(tmp_path, capsys):
    inst_path = tmp_path / "arolwg.yaml"
    inst_path.write_text(INSTRUMENT, encoding="utf-8")
    source = tmp_path / "arolwg.sav"
    write_sav(source, sav_frame())
    target = tmp_path / "arolwg.csv"
    code = main(["responses", "convert", str(source), str(target), "--instrument", str(inst_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert (
        f"6 declared missing answers (SPSS user-missing, Stata .a-.z) are written as empty "
        f"cells: {target} does not keep the reasons, which {source} holds."
    ) in out
