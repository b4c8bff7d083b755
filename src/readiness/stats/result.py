"""A base for result dataclasses: JSON-ready dictionaries with NaN written as null."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    """Turn a value made of dataclasses, NumPy scalars and arrays into plain JSON types.

    A value with an ``as_json()`` method (a result whose JSON has a shape of its own, such as
    keys left out when they do not apply) is turned into what that method returns."""
    as_json = getattr(value, "as_json", None)
    if callable(as_json) and not isinstance(value, type):
        return jsonable(as_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    return value


class Result:
    """Mixin for frozen result dataclasses."""

    def to_dict(self) -> dict:
        return jsonable(self)
