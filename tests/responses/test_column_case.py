"""A response file's column matches an item id regardless of case when only one can be meant."""

from __future__ import annotations

import textwrap

import pandas as pd
import pyreadstat
import pytest

from readiness.errors import ResponsesError
from readiness.instrument import parse_instrument
from readiness.responses import read_responses

LONG_ID = "hospital_admission_within_thirty_days_of_ref_yn"


@pytest.fixture
def instrument():
    return parse_instrument(
        textwrap.dedent(
            f"""\
            id: cymru
            version: 1
            title: Arolwg / Survey
            sections:
              - id: s
                title: S
                items:
                  - {{id: age, type: number, text: Oedran, min: 16, max: 99}}
                  - {{id: Smoker, type: yes_no, text: Ysmygu}}
                  - {{id: symptoms, type: multiple_choice, text: Symptoms, choices: [{{code: 1, label: Cough}}, {{code: 2, label: "Twymyn 🤒"}}]}}
                  - {{id: {LONG_ID}, type: yes_no, text: Admitted}}
            """
        )
    )


def test_an_spss_file_with_upper_case_names_is_matched_with_a_note(tmp_path, instrument):
    frame = pd.DataFrame(
        {
            "RESPONSE_ID": ["a1", "a2"],
            "AGE": [34.0, 51.0],
            "SMOKER": [1.0, 0.0],
            LONG_ID.upper(): [0.0, 1.0],
        }
    )
    path = tmp_path / "arolwg.sav"
    pyreadstat.write_sav(frame, str(path))
    result = read_responses(path, instrument)
    assert result.frame["age"].tolist() == [34.0, 51.0]
    assert result.frame["Smoker"].tolist() == [1.0, 0.0]
    assert result.frame[LONG_ID].tolist() == [0.0, 1.0]
    assert result.frame["response_id"].tolist() == ["a1", "a2"]
    notes = [w for w in result.warnings if "differ only in case" in w.message]
    assert {n.column for n in notes} == {"RESPONSE_ID", "AGE", "SMOKER", LONG_ID.upper()}
    assert "'AGE' is read as 'age'" in " ".join(n.message for n in notes)
    assert set(result.items_in_file) == {"age", "Smoker", LONG_ID}


def test_checkbox_columns_match_on_their_item_part(tmp_path, instrument):
    path = tmp_path / "redcap.csv"
    path.write_text("Age,SYMPTOMS___1,SYMPTOMS___2\n40,1,1\n41,0,1\n", encoding="utf-8")
    result = read_responses(path, instrument)
    assert result.frame["symptoms"].tolist() == ["1 2", "2"]
    assert result.frame["age"].tolist() == [40.0, 41.0]


def test_a_problem_names_the_column_as_the_file_writes_it(tmp_path, instrument):
    path = tmp_path / "bad.csv"
    path.write_text("AGE\n12\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    (problem,) = caught.value.problems
    assert problem.column == "AGE" and problem.row == 1 and problem.line == 2


def test_two_columns_for_one_item_are_not_guessed(tmp_path, instrument):
    path = tmp_path / "two.csv"
    path.write_text("AGE,Age\n40,40\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    assert {p.column for p in caught.value.problems} == {"AGE", "Age"}


def test_an_exact_column_wins_over_a_case_match(tmp_path, instrument):
    path = tmp_path / "both.csv"
    path.write_text("age,AGE\n40,41\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, instrument)
    assert [p.column for p in caught.value.problems] == ["AGE"]


def test_items_that_differ_only_in_case_are_matched_exactly(tmp_path):
    instrument = parse_instrument(
        textwrap.dedent(
            """\
            id: twins
            version: 1
            title: T
            sections:
              - id: s
                title: S
                items:
                  - {id: Age, type: number, text: Age now}
                  - {id: AGE, type: number, text: Age at first contact}
            """
        )
    )
    path = tmp_path / "twins.csv"
    path.write_text("Age,AGE\n40,30\n", encoding="utf-8")
    result = read_responses(path, instrument)
    assert result.frame[["Age", "AGE"]].values.tolist() == [[40.0, 30.0]]
    assert not [w for w in result.warnings if "case" in w.message]
    path.write_text("age\n40\n", encoding="utf-8")
    with pytest.raises(ResponsesError):
        read_responses(path, instrument)


def test_an_spss_name_import_renamed_is_read_back_as_its_item(tmp_path):
    """`instrument import` makes the item Rol from the SPSS variable Rôl; the same file's
    responses are then read back without renaming anything."""
    from readiness.instrument.statfiles import read_statfile

    path = tmp_path / "staff.sav"
    frame = pd.DataFrame({"Rôl": ["nyrs", "meddyg"], "Q@1": [1.0, 2.0]})
    pyreadstat.write_sav(frame, str(path))
    instrument = read_statfile(path).instrument
    assert [i.id for i in instrument.items] == ["Rol", "Q_1"]
    read = read_responses(path, instrument)
    assert list(read.frame["Rol"]) == ["nyrs", "meddyg"] and list(read.frame["Q_1"]) == [1, 2]
    said = [str(w) for w in read.warnings]
    assert any("column 'Rôl' is read as 'Rol'" in w for w in said)
