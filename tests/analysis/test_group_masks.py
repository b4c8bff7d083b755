"""The analysis's group masks (one per code of a grouping column) are those of comparing
every value as text with each code, the way they were worked out before they were numbered."""

from __future__ import annotations

import numpy as np
import pandas as pd

from readiness.analysis.survey import _masks
from readiness.responses.validate import TEXT_DTYPE


def masks_compared_one_by_one(values: np.ndarray, codes: list) -> list[np.ndarray]:
    out = []
    numeric = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    for code in codes:
        if isinstance(code, int | float) and not isinstance(code, bool):
            out.append(numeric == float(code))
        else:
            out.append(np.asarray(pd.Series(values).astype(str) == str(code)))
    return out


def test_masks_equal_a_comparison_code_by_code():
    rng = np.random.default_rng(18)
    sites = [f"S{i:03d}" for i in range(1, 41)]
    text = pd.Series(rng.choice([*sites, None], size=5000), dtype=TEXT_DTYPE)
    mixed = np.array(rng.choice(["1", "2", "x", "nan", None], size=500), dtype=object)
    numbers = rng.choice([1.0, 2.0, 3.0, np.nan], size=500)
    cases = [
        (text.to_numpy(), [*sites, "S999", "nan", "None"]),
        (mixed, ["1", "x", "nan", "None", 2, 1.0, "absent"]),
        (numbers, [1, 2.0, "3.0", "nan", True]),
    ]
    for values, codes in cases:
        fast, slow = _masks(values, codes), masks_compared_one_by_one(values, codes)
        assert len(fast) == len(slow) == len(codes)
        for code, a, b in zip(codes, fast, slow, strict=True):
            assert a.dtype == b.dtype == bool, code
            assert np.array_equal(a, b), code
    assert _masks(text.to_numpy(), ["S001"])[0].sum() > 0
