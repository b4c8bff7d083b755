"""validate_frame with its faster column parsing gives what the earlier parsing gave: the
same clean frame (values and dtypes), problems, warnings and declared missing codes, on
random tables whose cells are text, numbers, flags, blanks and declared missing codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.instrument import shipped_instrument
from readiness.responses import validate
from readiness.responses.declared import DeclaredMissing

INSTRUMENT = shipped_instrument()
MISSING = DeclaredMissing("-9", "Refused")


class EarlierColumn:
    """validate._Column as it was: every distinct value through cell_text and the parser."""

    def __init__(self, series: pd.Series, parse: Callable, numeric: bool):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        values: list[Any] = []
        errors: list = []
        blank: list[bool] = []
        reasons: list = []
        for raw in uniques:
            text = validate.cell_text(raw)
            reasons.append(raw.code if isinstance(raw, DeclaredMissing) else None)
            if reasons[-1] is not None:
                values.append(np.nan)
                errors.append(None)
                blank.append(False)
                continue
            if text == "":
                values.append(np.nan)
                errors.append(None)
                blank.append(True)
                continue
            value, error = parse(text)
            values.append(value)
            errors.append(error)
            blank.append(False)
        values.append(np.nan)
        errors.append(None)
        blank.append(True)
        table = np.array(values, dtype=float if numeric else object)
        self.values = table[codes]
        self.blank = np.array(blank, dtype=bool)[codes]
        self.codes = codes
        self.errors = errors
        self.failed = np.array([e is not None for e in errors], dtype=bool)[codes]
        self.declared = None
        if any(r is not None for r in reasons):
            self.declared = np.array([*reasons, None], dtype=object)[codes]

    problems = validate._Column.problems
    series = validate._Column.series


CELL = st.one_of(
    st.sampled_from(["", " ", "  1 ", "2", "7", " a ", "x", "2024-03-15", "2019-03", "1 3"]),
    st.text(max_size=6),
    st.integers(-3, 12),
    st.sampled_from([2.0, 1.5, -0.0, 2**60, True, False, None, np.nan, MISSING]),
)
# Text cells only (the faster way's case), some repeated, some padded or blank.
TEXT_CELL = st.one_of(
    st.sampled_from(["", " ", " p ", "q", "  ", "r\t"]), st.text(max_size=8), st.none()
)
COLUMNS = [
    "response_id",
    "session",
    "completed_on",
    "synthetic",
    "wave",
    "link",
    "source",
    "site",
    "profession_other",
    "contact_story",
    "discipline",
    "years_qualified",
    "training_where",
]


@st.composite
def tables(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    data = {}
    for name in COLUMNS:
        cell = draw(st.sampled_from([CELL, TEXT_CELL]))
        data[name] = pd.Series(draw(st.lists(cell, min_size=n, max_size=n)), dtype=object)
    if n and draw(st.booleans()):  # response ids as a stored read gives them
        data["response_id"] = pd.Series([str(i + 1) for i in range(n)], dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def _validated(table: pd.DataFrame):
    declared: dict = {}
    clean, problems, warnings = validate.validate_frame(
        table.copy(), INSTRUMENT, declared_out=declared
    )
    return clean, problems, warnings, declared["declared_missing"]


def _earlier(table: pd.DataFrame, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(validate, "_Column", EarlierColumn)
        return _validated(table)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables())
def test_validation_equals_the_earlier_column_parsing(table, monkeypatch):
    clean, problems, warnings, declared = _validated(table)
    earlier = _earlier(table, monkeypatch)
    pd.testing.assert_frame_equal(clean, earlier[0], check_exact=True)
    assert problems == earlier[1]
    assert warnings == earlier[2]
    pd.testing.assert_frame_equal(declared, earlier[3], check_exact=True)


def test_a_column_of_text_is_stripped_and_its_blanks_are_missing(monkeypatch):
    table = pd.DataFrame(
        {"response_id": [" 1", "2 ", "3"], "profession_other": [" a ", "  ", None]},
        dtype=object,
    )
    clean, problems, _warnings, _declared = _validated(table)
    assert problems == []
    assert clean["response_id"].tolist() == ["1", "2", "3"]
    assert clean["profession_other"].isna().tolist() == [False, True, True]
    pd.testing.assert_frame_equal(clean, _earlier(table, monkeypatch)[0], check_exact=True)
