"""SPSS and Stata exports: multiple choice as 0/1 columns (as REDCap's checkbox export), folded
back on import; "don't know" declared missing (SPSS user-missing 8, Stata .d) and read back as 8."""

from __future__ import annotations

import csv
import json
import textwrap

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.errors import ResponsesError
from readiness.instrument import parse_instrument
from readiness.responses import read_responses, validate_frame, write_responses
from readiness.responses.write import write_responses_noted

LONG = "formats_of_training_received_in_the_last_year"  # 45 characters: over Stata's 31

INSTRUMENT = textwrap.dedent(
    f"""\
    id: statfiles
    version: 1
    title: Stat files
    sections:
      - id: s
        title: S
        items:
          - id: formats
            type: multiple_choice
            text: Which formats did you use?
            choices:
              - {{code: 1, label: Video}}
              - {{code: 10, label: Workshop}}
              - {{code: 99, label: Other}}
          - {{id: knows, type: true_false, text: A visa is needed, key: false, explanation: It is not.}}
          - {{id: why, type: text, text: Why}}
          - id: {LONG}
            type: multiple_choice
            text: Training received
            choices: [{{code: 1, label: Online}}, {{code: 2, label: "Face to face"}}]
    """
)


@pytest.fixture(scope="module")
def instrument():
    return parse_instrument(INSTRUMENT)


def clean_frame(instrument, rows: list[dict[str, str]]) -> pd.DataFrame:
    frame, problems, _ = validate_frame(pd.DataFrame(rows, dtype=object), instrument)
    assert problems == []
    return frame


ANSWERED = {"instrument_id": "statfiles", "instrument_version": "1"}
ROWS = [
    {
        "response_id": "r1",
        **ANSWERED,
        "completed_on": "2025-05-01",
        "formats": "1 10",
        "knows": "8",
    },
    {
        "response_id": "r2",
        **ANSWERED,
        "completed_on": "2025-05-02",
        "formats": "1 10 99",
        "knows": "0",
    },
    {"response_id": "r3", **ANSWERED, "completed_on": "2025-05-03", "formats": "", "knows": "1"},
    {"response_id": "r4", **ANSWERED, "completed_on": "2025-05-04", "formats": "99", "knows": ""},
]


@pytest.fixture
def clean(instrument):
    rows = [dict(r, why="x", **{LONG: "2"}) for r in ROWS]
    return clean_frame(instrument, rows)


def test_spss_multiple_choice_is_one_0_1_variable_per_choice(tmp_path, instrument, clean):
    path = write_responses(clean, instrument, tmp_path / "out.sav")
    data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    assert "formats" not in data.columns
    checkbox = ["formats___1", "formats___10", "formats___99"]
    assert [c for c in data.columns if c.startswith("formats___")] == checkbox
    assert data["formats___1"].tolist()[:2] == [1.0, 1.0] and np.isnan(data["formats___1"][2])
    assert data["formats___10"].tolist()[:2] == [1.0, 1.0]
    assert data["formats___99"].fillna(-1).tolist() == [0.0, 1.0, -1, 1.0]
    assert data[f"{LONG}___1"].tolist() == [0.0] * 4  # 64 bytes is room enough in SPSS
    labels = meta.column_names_to_labels
    assert labels["formats___10"] == "Which formats did you use?: Workshop"
    for name in checkbox:
        assert meta.variable_value_labels[name] == {0.0: "Not selected", 1.0: "Selected"}
        assert meta.variable_measure[name] == "nominal"
        assert meta.original_variable_types[name] == "F1.0"
    assert meta.readstat_variable_types["formats___1"] == "double"


def test_stata_multiple_choice_is_one_0_1_variable_per_choice(tmp_path, instrument, clean):
    path = write_responses(clean, instrument, tmp_path / "out.dta")
    data, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    assert [c for c in data.columns if c.startswith("formats___")] == [
        "formats___1",
        "formats___10",
        "formats___99",
    ]
    assert data["formats___99"].fillna(-1).tolist() == [0.0, 1.0, -1, 1.0]
    assert meta.variable_value_labels["formats___1"] == {0: "Not selected", 1: "Selected"}
    assert meta.column_names_to_labels["formats___99"] == "Which formats did you use?: Other"
    assert all(len(c) <= 32 for c in data.columns)


def test_spss_declares_dont_know_user_missing_and_keeps_its_label(tmp_path, instrument, clean):
    path = write_responses(clean, instrument, tmp_path / "out.sav")
    data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    assert meta.missing_ranges["knows"] == [{"lo": 8.0, "hi": 8.0}]
    assert meta.variable_value_labels["knows"][8.0] == "Don't know"
    assert data["knows"].tolist()[:3] == [8.0, 0.0, 1.0]  # the value stays in the data
    default, _ = pyreadstat.read_sav(str(path))  # as SPSS treats it by default: missing
    assert np.isnan(default["knows"].iloc[0])
    assert "formats___1" not in meta.missing_ranges  # only true/false items declare any
    assert "incorrect" in meta.file_label and len(meta.file_label.encode()) <= 64


def test_stata_writes_dont_know_as_d_with_its_label(tmp_path, instrument, clean):
    path = write_responses(clean, instrument, tmp_path / "out.dta")
    data, meta = pyreadstat.read_dta(str(path), apply_value_formats=False, user_missing=True)
    assert data["knows"].tolist()[:3] == ["d", 0.0, 1.0]
    assert meta.missing_user_values["knows"] == ["d"]
    assert meta.variable_value_labels["knows"]["d"] == "Don't know"
    assert meta.variable_value_labels["knows"][1] == "True"
    assert "incorrect" in meta.file_label and len(meta.file_label) <= 80


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_export_then_import_gives_the_same_answers(tmp_path, instrument, clean, fmt):
    path = write_responses(clean, instrument, tmp_path / f"out.{fmt}")
    back = read_responses(path, instrument)
    pd.testing.assert_frame_equal(back.frame, clean)
    assert back.frame["knows"].tolist()[:3] == [8.0, 0.0, 1.0]
    assert back.declared_counts() == {}  # "don't know" is an answer, not declared missing
    assert all("codebook.csv says" in w.message for w in back.warnings)  # Stata's made names
    assert "formats" in back.items_in_file


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_dates_stay_dates_beside_the_new_columns(tmp_path, instrument, clean, fmt):
    path = write_responses(clean, instrument, tmp_path / f"out.{fmt}")
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    data, meta = reader(str(path))
    assert meta.original_variable_types["completed_on"] == ("DATE11" if fmt == "sav" else "%td")
    assert str(data["completed_on"].iloc[0]) == "2025-05-01"


def test_stata_names_too_long_keep_the_code_and_fold_back_by_the_codebook(
    tmp_path, instrument, clean
):
    written = write_responses_noted(clean, instrument, tmp_path / "out.dta")
    data, _ = pyreadstat.read_dta(str(written.path))
    made = [c for c in data.columns if c.startswith(LONG[:20])]
    assert len(made) == 2 and all(len(c) <= 31 for c in made)
    assert [c.rsplit("___", 1)[1] for c in made] == ["1", "2"]  # the code is never cut
    assert written.names[f"{LONG}___1"] == made[0]
    assert f"{LONG}___2 -> {made[1]}" in written.notes[0]
    with open(written.codebook, encoding="utf-8", newline="") as handle:
        rows = {r["variable"]: r["column"] for r in csv.DictReader(handle)}
    assert (
        rows[LONG] == " ".join(made) and rows["formats"] == "formats___1 formats___10 formats___99"
    )
    back = read_responses(written.path, instrument)
    assert back.frame[LONG].tolist() == ["2"] * 4
    written.codebook.unlink()  # without it the made names are unknown, never misread
    with pytest.raises(ResponsesError) as caught:
        read_responses(written.path, instrument)
    assert made[0] in {p.column for p in caught.value.problems}


CODES = ["1", "10", "99", "a", "A", "x-1"]
CASE_INSTRUMENT = textwrap.dedent(
    """\
    id: codes
    version: 1
    title: Codes
    sections:
      - id: s
        title: S
        items:
          - id: pick
            type: multiple_choice
            text: Pick
            choices:
    """
) + "".join(f"          - {{code: '{c}', label: 'Choice {c}'}}\n" for c in CODES)


@pytest.fixture(scope="module")
def case_instrument():
    return parse_instrument(CASE_INSTRUMENT)


answers = st.one_of(
    st.just(""),
    st.just(" ".join(CODES)),
    st.lists(st.sampled_from(CODES), unique=True).map(" ".join),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(answers, min_size=1, max_size=6), st.sampled_from(["sav", "dta"]))
def test_any_multiple_choice_answers_round_trip(tmp_path, case_instrument, picks, fmt):
    meta = {"instrument_id": "codes", "instrument_version": "1"}
    rows = [{"response_id": f"r{i}", **meta, "pick": p} for i, p in enumerate(picks)]
    frame, problems, _ = validate_frame(pd.DataFrame(rows, dtype=object), case_instrument)
    assert problems == []
    path = write_responses(frame, case_instrument, tmp_path / f"pick.{fmt}")
    back = read_responses(path, case_instrument, allow_empty=True)
    pd.testing.assert_frame_equal(back.frame, frame)
    assert all("codebook.csv says" in w.message for w in back.warnings)  # a, A: one name


def test_convert_and_validate_read_the_0_1_columns(tmp_path, instrument, clean):
    from click.testing import CliRunner

    from readiness.cli.responses import responses
    from readiness.instrument.dump import instrument_to_yaml

    yaml_path = tmp_path / "i.yaml"
    yaml_path.write_text(instrument_to_yaml(instrument), encoding="utf-8")
    source = write_responses(clean, instrument, tmp_path / "in.csv")
    runner = CliRunner()
    for target in ("out.sav", "out.dta"):
        args = ["convert", str(source), str(tmp_path / target), "--instrument", str(yaml_path)]
        assert runner.invoke(responses, args).exit_code == 0
        again = tmp_path / f"{target}.csv"
        args = ["convert", str(tmp_path / target), str(again), "--instrument", str(yaml_path)]
        result = runner.invoke(responses, args)
        assert result.exit_code == 0, result.output
        assert again.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
        args = ["validate", str(tmp_path / target), "--instrument", str(yaml_path), "--json"]
        result = runner.invoke(responses, args)
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        assert summary["responses"] == 4 and summary["items_in_file"] == 4


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_a_column_holding_only_dont_know_reads_back_as_8(tmp_path, instrument, fmt):
    rows = [dict(r, knows="8") for r in ROWS]
    clean = clean_frame(instrument, rows)
    path = write_responses(clean, instrument, tmp_path / f"all.{fmt}")
    back = read_responses(path, instrument)
    assert back.frame["knows"].tolist() == [8.0] * 4
    assert back.declared_counts() == {}


def test_other_declared_codes_of_a_true_false_item_stay_missing(tmp_path, instrument):
    path = tmp_path / "user.sav"
    frame = pd.DataFrame({"response_id": ["a", "b", "c"], "knows": [8.0, 9.0, 1.0]})
    labels = {"knows": {1: "True", 0: "False", 8: "Don't know", 9: "Refused"}}
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels=labels, missing_ranges={"knows": [8, 9]}
    )
    back = read_responses(path, instrument)
    assert back.frame["knows"].fillna(-1).tolist() == [8.0, -1, 1.0]
    assert back.declared_counts() == {"knows": {"9 = 'Refused'": 1}}


def test_a_long_question_is_cut_the_same_way_for_every_choice(tmp_path):
    question = "In the last twelve months, which of these kinds of training about " * 2
    inst = parse_instrument(
        "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n"
        f"      - {{id: kinds, type: multiple_choice, text: '{question.strip()}',"
        " choices: [{code: 1, label: Online}, {code: 2, label: 'Face to face, a whole day'}]}\n"
    )
    frame = pd.DataFrame({"kinds": ["1 2"]})
    path = write_responses(frame, inst, tmp_path / "long.dta")
    _, meta = pyreadstat.read_dta(str(path), metadataonly=True)
    one, two = (meta.column_names_to_labels[f"kinds___{c}"] for c in (1, 2))
    assert one.endswith("...: Online") and two.endswith("...: Face to face, a whole day")
    assert one[: -len("Online")] == two[: -len("Face to face, a whole day")]
    assert len(two) <= 80
