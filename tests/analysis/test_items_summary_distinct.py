"""Every question's summary strips and splits each distinct answer once, not each row (issue
18: at 1.5 million responses the text operations per row took most of the analysis).  The
counts must be those of the earlier code, which worked row by row: it is kept here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from readiness.analysis import items_summary as summary
from readiness.instrument import shipped_instrument
from readiness.instrument.model import choices_of
from readiness.synth import make_cohort


def _old_frequencies(item, frame):
    found = frame[item.id].astype("string").str.strip().value_counts()
    return [int(found.get(str(c.code), 0)) for c in choices_of(item)]


def _old_selections(item, frame):
    text = frame[item.id].astype("string").str.strip().fillna("")
    answered = text != ""
    chosen = text[answered].str.split().explode()
    found = chosen.reset_index().drop_duplicates()[item.id].value_counts()
    return int(answered.sum()), [int(found.get(str(c.code), 0)) for c in item.choices]


def _old_range(frame, column):
    text = frame[column].astype("string").str.strip()
    given = text[text.notna() & (text != "")]
    if given.empty:
        return {"n": 0}
    return {"n": int(len(given)), "first": str(given.min()), "last": str(given.max())}


def _old_answered(frame, column):
    text = frame[column].astype("string").str.strip()
    return int((text.notna() & (text != "")).sum())


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(4)
    data = make_cohort(1500, 3).responses.copy()
    for column in data.columns:
        if data[column].dtype == object or str(data[column].dtype) in ("str", "string"):
            values = data[column].astype(object).to_numpy(copy=True)
            pick = rng.random(len(values))
            values[pick < 0.05] = "  "
            values[(pick >= 0.05) & (pick < 0.1)] = None
            padded = (pick >= 0.1) & (pick < 0.2)
            values[padded] = [f" {v} " if isinstance(v, str) else v for v in values[padded]]
            data[column] = values
    return data


def test_counts_are_those_of_the_row_by_row_code(frame):
    instrument = shipped_instrument()
    seen = set()
    for item in instrument.data_items:
        if item.id not in frame:
            continue
        kind = summary._kind(item)
        seen.add(kind)
        if kind == "frequencies" and not all(isinstance(c.code, int) for c in choices_of(item)):
            found = summary._frequencies(item, frame, "wilson", 0.95)
            assert [a.count for a in found["answers"]] == _old_frequencies(item, frame)
        elif kind == "selections":
            found = summary._selections(item, frame, "wilson", 0.95)
            n, counts = _old_selections(item, frame)
            assert (found["n"], [a.count for a in found["answers"]]) == (n, counts)
        elif kind == "range":
            assert summary._range(item, frame) == _old_range(frame, item.id)
        elif kind == "answered":
            assert summary._answered(item, frame)["n"] == _old_answered(frame, item.id)
    assert {"selections", "range", "answered"} <= seen


def test_text_codes_and_odd_values():
    frame = pd.DataFrame({"q": [" a b", "b  a a", None, "", "c", " a b", np.nan, "b"]})
    rows, texts = summary._stripped(frame["q"])
    assert dict(zip(texts, rows, strict=True)) == {"a b": 2, "b  a a": 1, "": 1, "c": 1, "b": 1}
    assert summary._range(type("I", (), {"id": "q"})(), frame) == _old_range(frame, "q")
