"""An SPSS or Stata file's 0/1 variables named item___code (as Readiness and REDCap export a
multiple-choice question) become one multiple-choice item when an instrument is read from it."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from readiness.instrument import parse_instrument
from readiness.instrument.statfiles import read_statfile
from readiness.responses import read_responses, validate_frame, write_responses

INSTRUMENT = textwrap.dedent(
    """\
    id: export
    version: 1
    title: Export
    sections:
      - id: s
        title: S
        items:
          - id: formats
            type: multiple_choice
            text: "Which formats: online or in person?"
            choices:
              - {code: 1, label: Video}
              - {code: 10, label: "Workshop: a day"}
              - {code: 99, label: Other}
          - {id: years, type: number, text: Years, integer: true}
    """
)


@pytest.mark.parametrize("suffix", ["sav", "dta"])
def test_a_readiness_export_gives_back_its_multiple_choice_item(tmp_path, suffix):
    instrument = parse_instrument(INSTRUMENT)
    rows = [{"formats": "1 10", "years": "3"}, {"formats": "", "years": "4"}]
    clean, problems, _ = validate_frame(pd.DataFrame(rows, dtype=object), instrument)
    assert problems == []
    path = write_responses(clean, instrument, tmp_path / f"export.{suffix}")
    result = read_statfile(path)
    item = result.instrument.item("formats")
    assert item.type == "multiple_choice"
    assert item.text == "Which formats: online or in person?"
    assert [(c.code, c.label) for c in item.choices] == [
        (1, "Video"),
        (10, "Workshop: a day"),
        (99, "Other"),
    ]
    ids = result.instrument.item_ids
    assert not [i for i in ids if "___" in i]
    assert ids.index("formats") < ids.index("years")
    # The file's responses read against the instrument made from it.
    back = read_responses(path, result.instrument)
    assert back.frame["formats"].fillna("").tolist() == ["1 10", ""]


def test_redcap_style_checked_labels_and_negative_codes(tmp_path):
    path = tmp_path / "redcap.sav"
    frame = pd.DataFrame(
        {
            "race___1": [1.0, 0.0],
            "race____99": [0.0, 1.0],
            "lone___1": [1.0, np.nan],
        }
    )
    checked = {0: "Unchecked", 1: "Checked"}
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={
            "race___1": "Race (choice=White)",
            "race____99": "Race (choice=Prefer not to say)",
            "lone___1": "Alone: Yes",
        },
        variable_value_labels={name: checked for name in frame.columns},
    )
    result = read_statfile(path)
    race = result.instrument.item("race")
    assert race.type == "multiple_choice"
    assert [(c.code, c.label) for c in race.choices] == [(1, "White"), (-99, "Prefer not to say")]
    assert race.text == "Race"
    lone = result.instrument.item("lone")
    assert lone.type == "multiple_choice" and lone.text == "Alone"
    assert [(c.code, c.label) for c in lone.choices] == [(1, "Yes")]


def test_variables_that_are_not_0_1_stay_items_of_their_own(tmp_path):
    path = tmp_path / "other.sav"
    frame = pd.DataFrame({"score___1": [3.0, 4.0], "score___2": [1.0, 0.0]})
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"score___1": {1: "Low", 2: "Mid", 3: "High"}},
    )
    ids = read_statfile(path).instrument.item_ids
    assert ids == ("score___1", "score___2") or list(ids) == ["score___1", "score___2"]


def test_a_question_cut_to_stata_labels_keeps_every_choice_label(tmp_path):
    question = "In the last twelve months, which of these kinds of training about " * 2
    instrument = parse_instrument(
        "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    items:\n"
        f"      - {{id: kinds, type: multiple_choice, text: '{question.strip()}',"
        " choices: [{code: 1, label: Online}, {code: 2, label: 'Face to face: a day'}]}\n"
    )
    path = write_responses(pd.DataFrame({"kinds": ["2"]}), instrument, tmp_path / "k.dta")
    item = read_statfile(path).instrument.item("kinds")
    assert [c.label for c in item.choices] == ["Online", "Face to face: a day"]
    assert item.text.endswith("...") and question.startswith(item.text[:-3])
