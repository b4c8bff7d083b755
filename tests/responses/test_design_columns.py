"""Columns of the survey design (weights, strata, clusters) named by the analysis pass validation."""

from __future__ import annotations

import numpy as np

from readiness.responses import validate_frame


def test_a_weight_column_is_an_unknown_column_unless_named(text_frame, instrument):
    frame = text_frame.assign(weight=["1.5", "2", "0.25"])
    _, problems, _ = validate_frame(frame, instrument)
    assert [p.column for p in problems] == ["weight"]
    assert "is not an item" in problems[0].message


def test_named_design_columns_are_kept_and_typed(text_frame, instrument):
    frame = text_frame.assign(weight=["1.5", "2", "0.25"], region=["north", "south", "north"])
    clean, problems, _ = validate_frame(
        frame, instrument, design_columns={"weight": "weights", "region": "strata"}
    )
    assert problems == []
    assert clean["weight"].dtype == np.float64
    assert clean["weight"].tolist() == [1.5, 2.0, 0.25]
    assert clean["region"].tolist() == ["north", "south", "north"]
    assert list(clean.columns[-2:]) == ["weight", "region"]


def test_weights_must_be_positive_numbers(text_frame, instrument):
    frame = text_frame.assign(weight=["0", "heavy", ""])
    _, problems, _ = validate_frame(
        frame, instrument, "x.csv", design_columns={"weight": "weights"}
    )
    assert [(p.row, p.column) for p in problems] == [(1, "weight"), (2, "weight"), (3, "weight")]
    assert all("weight" in p.message and p.fix for p in problems)
    assert "greater than 0" in problems[0].message
    assert "'heavy' is not a number" in problems[1].message
    assert "no weight" in problems[2].message


def test_strata_and_clusters_must_not_be_missing(text_frame, instrument):
    frame = text_frame.assign(region=["north", "", "south"], ward=["w1", "w2", " "])
    _, problems, _ = validate_frame(
        frame, instrument, design_columns={"region": "strata", "ward": "cluster"}
    )
    assert [(p.row, p.column) for p in problems] == [(2, "region"), (3, "ward")]
    assert "no stratum" in problems[0].message and "no cluster" in problems[1].message


def test_a_design_column_that_is_an_item_stays_an_item(text_frame, instrument):
    clean, problems, _ = validate_frame(text_frame, instrument, design_columns={"site": "cluster"})
    assert problems == []
    assert list(clean.columns).count("site") == 1
