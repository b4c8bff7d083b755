"""A clean response frame in a compact form for keeping (:mod:`.responseframe`), and back.

A national study's clean frame pickled as it is was 637 MB at 1,500,000 responses: every
text cell a string of its own, every answer a float64.  Most columns hold few distinct
values, so :func:`encode` stores

* a text column (``str`` or ``object`` holding only strings and missing values) as integer
  codes (the smallest integer type that fits) and its distinct strings;
* a float column whose values are all small whole numbers or NaN (the answers' codes) as
  int8 or int16, NaN as the type's least value; kept only when turning it back gives the very
  same bits (so ``-0.0`` or another NaN keeps its column as it is);
* anything else as it is.

:func:`decode` gives back the same frame: the same columns in the same order, dtypes, index,
values (``None`` and NaN told apart) and ``attrs`` (``tests/web/test_frame_codec.py``
checks random frames).  The form is a plain dict of NumPy arrays, pickled by the caller.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_OBJECT = np.dtype(object)
_SMALL = (np.int8, np.int16)  # whole-number float columns fit one of these, or stay float64


def encode(frame: pd.DataFrame) -> dict:
    """The frame's compact form (see the module's docstring)."""
    return {
        "columns": frame.columns,
        "index": frame.index,
        "attrs": dict(frame.attrs),
        "data": [_encode_column(frame.iloc[:, i]) for i in range(frame.shape[1])],
    }


def decode(form: dict) -> pd.DataFrame:
    """The frame :func:`encode` was given."""
    index = form["index"]
    arrays = [_decode_column(column) for column in form["data"]]
    # Each of its own dtype, said: an object array alone would be read as text (pandas 3).
    columns = {
        i: pd.Series(array, index=index, dtype=array.dtype, copy=False)
        for i, array in enumerate(arrays)
    }
    frame = pd.DataFrame(columns, index=index, copy=False)
    frame.columns = form["columns"]
    frame.attrs.update(form["attrs"])
    return frame


def _encode_column(series: pd.Series) -> tuple:
    dtype = series.dtype
    if dtype == _OBJECT or (isinstance(dtype, pd.StringDtype) and dtype.storage == "python"):
        values = series.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            return _encode_text(values, dtype)
    elif dtype == np.float64:
        small = _encode_whole(series.to_numpy())
        if small is not None:
            return ("whole", small)
    return ("plain", series.array)


def _encode_text(values: np.ndarray, dtype) -> tuple:
    codes, strings = pd.factorize(values)  # every missing value coded -1
    codes = codes.astype(_int_type(len(strings)))
    missing = codes < 0
    if not missing.any():
        fill = None
    elif dtype != _OBJECT:  # the str dtype's one missing value
        fill = "nan"
    else:
        fill = _fill(values[missing])
    return ("text", dtype, codes, np.asarray(strings, dtype=object), fill)


def _fill(missing: np.ndarray):
    """How an object column's missing values are told: all None, all NaN, or as they are.
    (A list counts identical objects in C: a Python loop over a million took seconds.)"""
    cells = missing.tolist()
    try:
        if cells.count(None) == len(cells):
            return "None"
        if cells.count(np.nan) == len(cells):  # this very NaN object, the one decode puts back
            return "nan"
    except TypeError:  # pd.NA, compared, is neither true nor false
        pass
    return missing


def _int_type(n: int):
    for kind in (np.int8, np.int16, np.int32):
        if n < np.iinfo(kind).max:
            return kind
    return np.int64


def _encode_whole(values: np.ndarray) -> np.ndarray | None:
    """The column as int8 or int16 (NaN as the least value) if that is lossless, else None."""
    finite = values[~np.isnan(values)]
    if len(finite) == 0:
        low = high = 0.0
    else:
        low, high = finite.min(), finite.max()
    for kind in _SMALL:
        info = np.iinfo(kind)
        if info.min < low and high <= info.max:
            small = np.where(np.isnan(values), info.min, values).astype(kind)
            same = _decode_whole(small).view(np.uint64) == values.view(np.uint64)
            return small if same.all() else None
    return None


def _decode_whole(small: np.ndarray) -> np.ndarray:
    values = small.astype(np.float64)
    values[small == np.iinfo(small.dtype).min] = np.nan
    return values


def _decode_column(column: tuple):
    kind = column[0]
    if kind == "plain":
        return column[1]
    if kind == "whole":
        return _decode_whole(column[1])
    _, dtype, codes, strings, fill = column
    mixed = not isinstance(fill, str | None)
    missing = np.nan if not mixed and fill == "nan" else None
    values = np.append(strings, np.array([missing], dtype=object))[codes]  # -1: the last
    if mixed:
        values[codes < 0] = fill
    if dtype == _OBJECT:
        return values
    return pd.arrays.StringArray(values, dtype=dtype)  # checked in C: pd.array took twice as long
