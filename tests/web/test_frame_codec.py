"""A kept response frame's compact form gives back the very frame it was made of
(:mod:`readiness.web.surveys.framecodec`): columns, order, dtypes, index, values (``None``
and NaN told apart, float bits) and attrs, on random frames."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.responses.validate import TEXT_DTYPE
from readiness.web.surveys import framecodec

TEXTS = st.one_of(
    st.sampled_from(["", "a", "Ward 3", "🙂", "👩‍⚕️ nurse", "Ærø", "ÿ", "nan", "None"]),
    st.sampled_from(["Здравствуйте", "مرحبا", "你好", "नमस्ते", "\u200b", "a\x00b"]),
    st.text(max_size=6),
)
MISSING = st.sampled_from([None, np.nan, float("nan"), pd.NA])
FLOATS = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 5.0, -1.0, 99.0, 127.0, -127.0, 300.0, np.nan]),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes) and got.attrs == want.attrs
    for i in range(want.shape[1]):
        a, b = got.iloc[:, i].array, want.iloc[:, i].array
        if want.dtypes.iloc[i] == np.float64:  # bit for bit: -0.0, NaN payloads
            assert (np.asarray(a).view(np.uint64) == np.asarray(b).view(np.uint64)).all()
        else:  # None, NaN and pd.NA told apart
            assert [type(v) for v in a] == [type(v) for v in b]


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    data = {}
    for c in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["str", "object", "float", "int", "mixed"]))
        name = f"c{c}"
        if kind == "str":
            cells = draw(st.lists(st.one_of(TEXTS, st.just(np.nan)), min_size=n, max_size=n))
            data[name] = pd.Series(cells, dtype=TEXT_DTYPE)
        elif kind == "object":
            cells = draw(st.lists(st.one_of(TEXTS, MISSING), min_size=n, max_size=n))
            data[name] = pd.Series(cells, dtype=object)
        elif kind == "float":
            cells = draw(st.lists(FLOATS, min_size=n, max_size=n))
            data[name] = pd.Series(cells, dtype="float64")
        elif kind == "int":
            data[name] = pd.Series(draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n)))
        else:  # not only strings: kept as it is
            cells = draw(st.lists(st.one_of(TEXTS, st.integers(), MISSING), min_size=n, max_size=n))
            data[name] = pd.Series(cells, dtype=object)
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    if draw(st.booleans()):
        frame.attrs["note"] = "kept"
    return frame


@settings(max_examples=300)
@given(frames())
def test_the_compact_form_gives_back_the_same_frame(frame):
    form = pickle.loads(pickle.dumps(framecodec.encode(frame), protocol=pickle.HIGHEST_PROTOCOL))
    _same(framecodec.decode(form), frame)


def test_text_and_whole_number_answers_are_stored_small():
    n = 10_000
    rng = np.random.default_rng(1)
    answers = rng.integers(1, 6, n).astype(float)
    answers[::9] = np.nan
    frame = pd.DataFrame(
        {
            "site": pd.Series(rng.choice(["S001", "S002", "Ysbyty 🏥"], n), dtype=TEXT_DTYPE),
            "q1": answers,
            "share": rng.random(n),  # not whole numbers: kept as float64
            "other": pd.Series([None, "x"] * (n // 2), dtype=object),
        }
    )
    form = framecodec.encode(frame)
    kinds = [(c[0], getattr(c[2] if c[0] == "text" else c[1], "dtype", None)) for c in form["data"]]
    assert kinds[0] == ("text", np.dtype(np.int8)) and kinds[1] == ("whole", np.dtype(np.int8))
    assert kinds[2][0] == "plain" and kinds[3][0] == "text"
    assert len(pickle.dumps(form)) < len(pickle.dumps(frame)) / 2
    _same(framecodec.decode(form), frame)
