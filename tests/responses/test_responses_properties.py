"""Property tests: random valid frames round-trip; arbitrary cells never crash the reader."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.errors import ResponsesError
from readiness.instrument import shipped_instrument
from readiness.instrument.model import META_COLUMNS
from readiness.responses import read_responses, validate_frame, write_responses
from readiness.responses.validate import TEXT_DTYPE, choices_of, is_numeric_item

INSTRUMENT = shipped_instrument()
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Free text as people type it: any printable character, new lines and tabs, but no control
# characters (XLSX cannot hold them) and no surrounding spaces (the reader strips them).
TEXT = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\r")
        | st.sampled_from("\n\t"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


def _answer(item):
    """A strategy for one valid stored answer to the item, or missing (None)."""
    if item.type in ("single_choice", "likert", "yes_no", "true_false"):
        codes = [c.code for c in choices_of(item)]
        value = st.sampled_from(codes).map(float if is_numeric_item(item) else str)
    elif item.type == "multiple_choice":
        codes = [str(c.code) for c in item.choices]
        value = st.sets(st.sampled_from(codes), min_size=1).map(
            lambda chosen, codes=codes: " ".join(c for c in codes if c in chosen)
        )
    elif item.type == "number":
        lo = int(item.minimum if item.minimum is not None else -1000)
        hi = int(item.maximum if item.maximum is not None else 1000)
        value = st.integers(lo, hi).map(float)
        if not item.integer:
            value = st.floats(lo, hi, allow_nan=False)
    elif item.type == "month_year":
        value = st.tuples(st.integers(1950, 2030), st.integers(1, 12)).map(
            lambda ym: f"{ym[0]:04d}-{ym[1]:02d}"
        )
    else:
        value = TEXT
    return st.none() | value


DATES = st.dates().map(lambda d: d.isoformat()) | st.datetimes().map(
    lambda d: d.isoformat(timespec="seconds")
)


@st.composite
def response_frames(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(TEXT, min_size=n, max_size=n, unique=True))
    data: dict[str, pd.Series] = {
        "response_id": pd.Series(ids, dtype=TEXT_DTYPE),
        "instrument_id": pd.Series([INSTRUMENT.id] * n, dtype=TEXT_DTYPE),
        "instrument_version": pd.Series([INSTRUMENT.version] * n, dtype=TEXT_DTYPE),
        "session": pd.Series(draw(st.lists(st.none() | TEXT, min_size=n, max_size=n)), dtype=TEXT_DTYPE),
        "completed_on": pd.Series(draw(st.lists(st.none() | DATES, min_size=n, max_size=n)), dtype=TEXT_DTYPE),
        "synthetic": pd.Series(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)), dtype="float64"),
    }  # fmt: skip
    for item in INSTRUMENT.items:
        values = draw(st.lists(_answer(item), min_size=n, max_size=n))
        if is_numeric_item(item):
            data[item.id] = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
        else:
            data[item.id] = pd.Series(
                [np.nan if v is None else v for v in values], dtype=TEXT_DTYPE
            )
    return pd.DataFrame(data)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
@SETTINGS
@given(frame=response_frames())
def test_valid_frames_round_trip_unchanged(tmp_path_factory, fmt, frame):
    clean, problems, _ = validate_frame(frame, INSTRUMENT)
    assert problems == []
    pd.testing.assert_frame_equal(clean, frame)  # generated frames are already canonical
    path = tmp_path_factory.mktemp("rt") / f"responses.{fmt}"
    write_responses(frame, INSTRUMENT, path)
    back = read_responses(path, INSTRUMENT)
    pd.testing.assert_frame_equal(back.frame, frame)


HEADER = list(META_COLUMNS) + list(INSTRUMENT.item_ids)
# Arbitrary text, and text near the valid values so that both paths are exercised.
CELLS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["", " ", "1", "2", "8", "0", "9", "1 3", "1,7", "2019-03", "2019-13", "61", "-1", "2.5",
     "1e3", "nan", "inf", "True", "Agree", "readiness-survey", "2025-05-01", "\n", '"', "r1"]
)  # fmt: skip


def _line_starts(text: str, n: int) -> list[int]:
    """The line each of n data records starts on, counting \\r\\n, \\r and \\n as line ends."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, line = [], 1
    for i, record in enumerate(reader):
        raw = csv_record_text(record)
        if i:
            starts.append(line)
        line += len(re.findall(r"\r\n|\r|\n", raw))
    return starts[:n]


def csv_record_text(record: list[str]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerow(record)  # "\r\n" ends a record; fields with \r or \n are quoted
    return out.getvalue()


@SETTINGS
@given(
    rows=st.lists(
        st.lists(CELLS, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=5
    )
)
def test_arbitrary_cells_give_located_problems_or_a_frame(tmp_path_factory, rows):
    text = "".join(csv_record_text(r) for r in [HEADER, *rows])
    path = tmp_path_factory.mktemp("fuzz") / "responses.csv"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        result = read_responses(path, INSTRUMENT)
    except ResponsesError as err:
        assert err.problems
        starts = _line_starts(text, len(rows))
        for problem in err.problems:
            assert problem.file == str(path)
            assert problem.column in HEADER, problem
            assert problem.row is not None and 1 <= problem.row <= len(rows), problem
            assert problem.line == starts[problem.row - 1], problem
        return
    assert len(result.frame) <= len(rows)
    for warning in result.warnings:
        assert warning.column is None or warning.column in HEADER
        assert warning.row is None or 1 <= warning.row <= len(rows)


@SETTINGS
@given(
    header=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=6, unique=True),
    cells=st.lists(st.text(max_size=6), min_size=6, max_size=6),
)
def test_arbitrary_headers_give_only_responses_errors(tmp_path_factory, header, cells):
    text = csv_record_text(header) + csv_record_text(cells[: len(header)])
    path = tmp_path_factory.mktemp("head") / "responses.csv"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        read_responses(path, INSTRUMENT)
    except ResponsesError as err:
        assert err.problems
        for problem in err.problems:
            assert problem.file == str(path)
            assert problem.message and problem.fix


@SETTINGS
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_give_only_responses_errors(tmp_path_factory, data):
    for suffix in ("csv", "xlsx", "sav", "dta"):
        path = tmp_path_factory.mktemp("bytes") / f"responses.{suffix}"
        path.write_bytes(data)
        try:
            read_responses(path, INSTRUMENT)
        except ResponsesError as err:
            assert err.problems
