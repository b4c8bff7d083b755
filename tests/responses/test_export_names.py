"""SPSS and Stata names made at export: legal, unique, reported, and kept in the codebook."""

from __future__ import annotations

import csv
import textwrap

import pandas as pd
import pyreadstat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from readiness.errors import ResponsesError
from readiness.instrument import parse_instrument
from readiness.responses import read_responses
from readiness.responses.write import (
    _name_ok,
    export_names,
    write_responses,
    write_responses_noted,
)

# 47 characters, as in a real REDCap registry's dictionary; two ids share their first 32.
LONG_A = "hospital_admission_within_thirty_days_of_ref_yn"
LONG_B = "hospital_admission_within_thirty_days_of_ref_dt"
LONG_C = "hospital_admission_within_thirty_days_of_ref_tm"


@pytest.fixture
def instrument():
    return parse_instrument(
        textwrap.dedent(
            f"""\
            id: names
            version: 1
            title: Enwau / Names
            sections:
              - id: s
                title: S
                items:
                  - {{id: intro, type: note, text: "Croeso! Welcome 👋"}}
                  - {{id: Age, type: number, text: Oedran heddiw / Age today}}
                  - {{id: AGE, type: number, text: Age at first contact}}
                  - {{id: {LONG_A}, type: yes_no, text: Admitted within 30 days}}
                  - {{id: {LONG_B}, type: text, text: Date admitted}}
                  - {{id: {LONG_C}, type: text, text: Time admitted}}
                  - {{id: with, type: text, text: Who with}}
                  - {{id: _start, type: text, text: Start time}}
            """
        )
    )


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "response_id": ["r1", "r2"],
            "Age": ["40", "52"],
            "AGE": ["30", ""],
            LONG_A: ["1", "0"],
            LONG_B: ["2024-03-01", ""],
            LONG_C: ["", "23:10"],
            "with": ["Ffrind / a friend", "🙂"],
            "_start": ["09:00", "10:30"],
        }
    )


def codebook(path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["variable"]: row["column"] for row in csv.DictReader(handle)}


def test_stata_names_are_cut_to_32_and_kept_unique(tmp_path, instrument, frame):
    written = write_responses_noted(frame, instrument, tmp_path / "out.dta")
    data, meta = pyreadstat.read_dta(str(written.path))
    cut = LONG_A[:31]  # a labelled variable: ReadStat names its label set after it
    assert written.names[LONG_A] == cut
    assert written.names[LONG_B] == LONG_B[:32]
    assert written.names[LONG_C] == LONG_C[:30] + "_2"
    assert data[LONG_C[:30] + "_2"].tolist() == ["", "23:10"]
    assert written.names["with"] == "with_v"
    assert written.names["Age"] == "Age" and written.names["AGE"] == "AGE"  # Stata tells case
    assert written.names["_start"] == "_start"
    assert list(data.columns) == [written.names[c] for c in written.names]
    assert "intro" not in written.names and "intro" not in data.columns  # a note has no column
    assert data[cut].tolist() == [1.0, 0.0]
    assert all(len(c) <= 32 for c in data.columns)
    assert meta.column_names_to_labels[cut] == "Admitted within 30 days"
    (note, where) = written.notes
    assert f"{LONG_A} -> {cut}" in note and "Stata names are at most 32" in note
    assert "ReadStat" in note
    assert "with -> with_v" in note and "SPSS" not in note
    assert written.codebook == tmp_path / "out-codebook.csv" and written.codebook.name in where
    meta = ("response_id", "instrument_id", "instrument_version")
    expected = {k: v for k, v in written.names.items() if k not in meta}
    assert codebook(written.codebook) == expected


def test_spss_names_differ_regardless_of_case(tmp_path, instrument, frame):
    written = write_responses_noted(frame, instrument, tmp_path / "out.sav")
    data, meta = pyreadstat.read_sav(str(written.path))
    assert written.names["Age"] == "Age" and written.names["AGE"] == "AGE_2"
    assert written.names[LONG_A] == LONG_A and written.names[LONG_B] == LONG_B  # 47 < 64 bytes
    assert written.names["with"] == "with_v"
    assert written.names["_start"] == "v_start"  # SPSS names start with a letter
    assert data["Age"].tolist() == [40.0, 52.0]
    assert data["AGE_2"].tolist()[0] == 30.0
    assert meta.column_names_to_labels["AGE_2"] == "Age at first contact"
    lowered = [c.lower() for c in data.columns]
    assert len(lowered) == len(set(lowered))
    assert "AGE -> AGE_2" in written.notes[0] and "regardless of case" in written.notes[0]
    assert codebook(written.codebook)["AGE"] == "AGE_2"
    assert "intro" not in codebook(written.codebook)


def test_formats_that_keep_every_name_write_no_codebook(tmp_path, instrument, frame):
    for suffix in ("csv", "xlsx"):
        written = write_responses_noted(frame, instrument, tmp_path / f"out.{suffix}")
        assert written.notes == [] and written.codebook is None
        assert all(k == v for k, v in written.names.items())
    assert not (tmp_path / "out-codebook.csv").exists()
    assert "intro" not in pd.read_csv(tmp_path / "out.csv").columns


def test_a_stata_file_with_names_that_fit_writes_no_codebook(tmp_path):
    inst = parse_instrument(
        "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: Smoker, type: yes_no, text: Smoke}\n"
    )
    written = write_responses_noted(pd.DataFrame({"Smoker": ["1"]}), inst, tmp_path / "o.dta")
    assert written.notes == [] and written.codebook is None
    assert write_responses(pd.DataFrame({"Smoker": ["1"]}), inst, tmp_path / "p.sav").exists()


def test_the_written_file_reads_back_when_no_name_changed(tmp_path):
    inst = parse_instrument(
        "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n"
        f"      - {{id: {LONG_A}, type: yes_no, text: Admitted}}\n"
    )
    path = write_responses(pd.DataFrame({LONG_A: ["1", "0"]}), inst, tmp_path / "o.sav")
    assert read_responses(path, inst).frame[LONG_A].tolist() == [1.0, 0.0]


ids = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,70}\Z")


@given(
    st.lists(ids, min_size=1, max_size=12, unique=True),
    st.sampled_from(["sav", "dta"]),
    st.data(),
)
def test_made_names_are_legal_unique_and_keep_legal_names(columns, fmt, data):
    labelled = set(data.draw(st.lists(st.sampled_from(columns), unique=True)))
    names, notes = export_names(columns, fmt, labelled)
    assert list(names) == columns
    made = list(names.values())
    for column, name in names.items():
        limit = 64 if fmt == "sav" else 31 if column in labelled else 32
        assert _name_ok(name, fmt, limit)
    key = str.lower if fmt == "sav" else str
    assert len({key(n) for n in made}) == len(made)
    for column, name in names.items():
        if column != name:
            assert f"{column} -> {name}" in notes[0]
    assert bool(notes) == any(c != n for c, n in names.items())


def test_convert_prints_the_names_it_made_and_writes_the_codebook(tmp_path, instrument, frame):
    import json

    from click.testing import CliRunner

    from readiness.cli.responses import responses
    from readiness.instrument.dump import instrument_to_yaml

    source, yaml_path = tmp_path / "ymatebion.csv", tmp_path / "enwau.yaml"
    frame.to_csv(source, index=False)
    yaml_path.write_text(instrument_to_yaml(instrument), encoding="utf-8")
    out = tmp_path / "allan.sav"
    args = ["convert", str(source), str(out), "--instrument", str(yaml_path)]
    result = CliRunner().invoke(responses, args)
    assert result.exit_code == 0, result.output
    assert "AGE -> AGE_2" in result.output and "allan-codebook.csv" in result.output
    assert codebook(tmp_path / "allan-codebook.csv")["_start"] == "v_start"
    result = CliRunner().invoke(responses, [*args, "--json"])
    summary = json.loads(result.output)
    assert summary["renamed"] == {"AGE": "AGE_2", "with": "with_v", "_start": "v_start"}
    assert "intro" not in summary["items_absent"]


@pytest.mark.parametrize("suffix", ["sav", "dta"])
def test_a_file_with_made_names_reads_back_through_its_codebook(
    tmp_path, instrument, frame, suffix
):
    written = write_responses_noted(frame, instrument, tmp_path / f"out.{suffix}")
    back = read_responses(written.path, instrument)
    assert back.frame["AGE"].tolist()[0] == 30.0
    assert back.frame[LONG_A].tolist() == [1.0, 0.0]
    assert back.frame["with"].tolist() == ["Ffrind / a friend", "🙂"]
    notes = [w.message for w in back.warnings if "out-codebook.csv says" in w.message]
    assert "column 'with_v' is read as 'with', as out-codebook.csv says." in notes
    written.codebook.unlink()  # without the codebook the made names are unknown columns
    with pytest.raises(ResponsesError) as caught:
        read_responses(written.path, instrument)
    assert "with_v" in {p.column for p in caught.value.problems}


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "sav", "dta"])
def test_single_choice_codes_with_spaces_and_symbols_round_trip(tmp_path, suffix):
    inst = parse_instrument(
        "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: Role, type: single_choice, text: Swydd, choices: [{code: 'staff nurse',"
        " label: Nyrs staff}, {code: 'A&E', label: Brys}, {code: '=1', label: Odd}]}\n"
        "      - {id: why, type: text, text: Why, show_if: {item: Role, equals: 'A&E'}}\n"
    )
    frame = pd.DataFrame({"Role": ["staff nurse", "A&E", "=1"], "why": ["", "prysur 🏥", ""]})
    back = read_responses(write_responses(frame, inst, tmp_path / f"o.{suffix}"), inst)
    assert back.frame["Role"].tolist() == ["staff nurse", "A&E", "=1"]
    assert back.frame["why"].tolist()[1] == "prysur 🏥"
    assert not back.warnings
