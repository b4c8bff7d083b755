"""The vectorised cronbach_alpha against psych's statistics computed the slow way.

``by_definition`` follows psych's ``alpha`` step by step with plain loops: pandas' pairwise
covariances, the item-dropped statistics from each submatrix formed explicitly, smc from a
pseudo-inverse, raw_r from each item's own complete pairs.  cronbach_alpha computes the same
numbers from one pass over the rows and the full k x k matrices; they must agree to 1e-10.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from readiness.stats.reliability import _dropped_r_spread, cronbach_alpha

TOL = 1e-10


def likert(n: int, k: int, missing: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    loadings = np.linspace(0.4, 0.8, k)
    f = rng.normal(size=(n, 1))
    latent = f * loadings + rng.normal(size=(n, k)) * np.sqrt(1 - loadings**2)
    codes = (np.digitize(latent, [-1.2, -0.4, 0.4, 1.2]) + 1).astype(float)
    codes[rng.random(codes.shape) < missing] = np.nan
    return pd.DataFrame(codes, columns=[f"i{j + 1}" for j in range(k)])


def _alpha1(c: np.ndarray) -> dict:
    """psych's alpha.1 on one covariance matrix, written out."""
    k = len(c)
    d = np.sqrt(np.diag(c))
    r = c / np.outer(d, d)
    u, s, vt = np.linalg.svd(r)
    keep = s > math.sqrt(np.finfo(float).eps) * s[0]
    pinv = (vt[keep].T / s[keep]) @ u[:, keep].T
    smc = np.clip(1 - 1 / np.diag(pinv), 0, 1)
    lower = r[np.tril_indices(k, -1)]
    av_r = (r.sum() - k) / (k * (k - 1))
    cc = c @ c
    q = (2 * k**2 / ((k - 1) ** 2 * c.sum() ** 3)) * (
        c.sum() * (np.trace(cc) + np.trace(c) ** 2) - 2 * np.trace(c) * cc.sum()
    )
    return {
        "raw_alpha": k / (k - 1) * (1 - np.trace(c) / c.sum()),
        "std_alpha": k / (k - 1) * (1 - k / r.sum()),
        "G6": 1 - (k - smc.sum()) / r.sum(),
        "average_r": av_r,
        "s_n": k * av_r / (1 - av_r),
        "q": q,
        "var_r": float(np.var(lower, ddof=1)) if len(lower) > 1 else None,
        "med_r": float(np.median(lower)),
        "smc": smc,
        "r": r,
    }


def by_definition(data: pd.DataFrame, reverse: list[str]) -> dict:
    x = data[data.notna().any(axis=1)]
    n, k = x.shape
    keys = np.where(np.isin(x.columns, reverse), -1.0, 1.0)
    c = x.cov().to_numpy() * np.outer(keys, keys)  # pairwise complete, divisor n - 1
    xr = x.copy()
    adjust = np.nanmin(x.to_numpy()) + np.nanmax(x.to_numpy())
    for name in reverse:
        xr[name] = adjust - xr[name]
    total = xr.mean(axis=1)  # each respondent's mean of the answered items
    whole = _alpha1(c)
    r = whole["r"]
    rc = r.copy()
    np.fill_diagonal(rc, whole["smc"])
    items = []
    for j, name in enumerate(x.columns):
        others = [i for i in range(k) if i != j]
        sub = c[np.ix_(others, others)]
        both = xr[name].notna()
        items.append(
            {
                "n": int(both.sum()),
                "raw_r": float(np.corrcoef(xr[name][both], total[both])[0, 1]),
                "std_r": r[:, j].sum() / math.sqrt(r.sum()),
                "r_cor": rc[:, j].sum() / math.sqrt(rc.sum()),
                "r_drop": (c[:, j].sum() - c[j, j]) / math.sqrt(c[j, j] * sub.sum()),
                "mean": float(xr[name].mean()),
                "sd": float(xr[name].std()),
                "dropped": _alpha1(sub),
            }
        )
    return {"whole": whole, "items": items, "n": n, "mean": total.mean(), "sd": total.std()}


CASES = [
    ("bfi-shaped, 0.7% missing, 7 reversed", likert(2800, 25, 0.007, 1), [0, 8, 9, 10, 11, 21, 24]),
    ("dense missing (20%)", likert(200, 12, 0.2, 2), [3]),
    ("complete", likert(500, 10, 0.0, 3), [1, 2]),
    ("complete, not reversed", likert(300, 6, 0.0, 4), []),
    ("missing, not reversed", likert(300, 40, 0.03, 5), []),
    ("three items", likert(60, 3, 0.1, 6), [2]),
]


@pytest.mark.parametrize(("data", "rev_index"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_vectorised_alpha_equals_the_definition(data, rev_index):
    data = data.copy()
    for j in rev_index:  # worded the other way round
        data.iloc[:, j] = 6 - data.iloc[:, j]
    reverse = [data.columns[j] for j in rev_index]
    want = by_definition(data, reverse)
    got = cronbach_alpha(data, reverse=reverse or None, blank_rows="drop")
    w = want["whole"]
    assert got.n == want["n"]
    for key in ("raw_alpha", "std_alpha", "G6", "average_r", "s_n"):
        assert getattr(got, key) == pytest.approx(w[key], abs=TOL), key
    assert got.ase == pytest.approx(math.sqrt(w["q"] / want["n"]), abs=TOL)
    assert got.median_r == pytest.approx(w["med_r"], abs=TOL)
    assert got.var_r == pytest.approx(w["var_r"], abs=TOL)
    assert got.mean == pytest.approx(want["mean"], abs=TOL)
    assert got.sd == pytest.approx(want["sd"], abs=TOL)
    for it, ref in zip(got.items, want["items"], strict=True):
        assert it.n == ref["n"]
        for key in ("raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"):
            assert getattr(it, key) == pytest.approx(ref[key], abs=TOL), (it.item, key)
        d, rd = it.alpha_if_dropped, ref["dropped"]
        for key in ("raw_alpha", "std_alpha", "G6", "average_r", "s_n", "med_r"):
            assert getattr(d, key) == pytest.approx(rd[key], abs=TOL), (it.item, key)
        if rd["var_r"] is None:
            assert d.var_r is None
        else:
            assert d.var_r == pytest.approx(rd["var_r"], abs=TOL)
        assert d.alpha_se == pytest.approx(math.sqrt(rd["q"] / want["n"]), abs=TOL)


def test_blank_rows_change_only_n_based_statistics():
    data = likert(400, 8, 0.05, 7)
    blank = pd.DataFrame(np.nan, index=range(4), columns=data.columns)
    both = pd.concat([data, blank], ignore_index=True)
    kept = cronbach_alpha(both)
    want = by_definition(data, [])
    assert kept.n == 404 and kept.n_blank == 4
    assert kept.ase == pytest.approx(math.sqrt(want["whole"]["q"] / 404), abs=TOL)
    d = kept.items[0].alpha_if_dropped
    assert d.alpha_se == pytest.approx(math.sqrt(want["items"][0]["dropped"]["q"] / 404), abs=TOL)


@pytest.mark.parametrize("k", [3, 4, 5, 12, 30])
def test_item_dropped_median_and_variance_equal_sorting(k):
    rng = np.random.default_rng(k)
    # values on a coarse grid, so that many correlations tie
    a = np.round(rng.uniform(-0.2, 0.8, size=(k, k)), 1)
    r = np.tril(a, -1) + np.tril(a, -1).T + np.eye(k)
    med, var = _dropped_r_spread(r)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        sub = r[np.ix_(others, others)]
        lower = np.sort(sub[np.tril_indices(k - 1, -1)])
        m = len(lower)
        assert med[j] == (lower[(m - 1) // 2] + lower[m // 2]) / 2
        if m < 2:
            assert var is None
        else:
            assert var[j] == pytest.approx(np.var(lower, ddof=1), abs=1e-14)


def test_answers_far_from_zero_keep_their_precision():
    # sums of products are taken about each item's mean, so an offset costs no precision
    data = likert(500, 6, 0.05, 8)
    base = cronbach_alpha(data)
    shifted = cronbach_alpha(data + 1e6)
    for key in ("raw_alpha", "std_alpha", "G6", "ase", "sd"):
        assert getattr(shifted, key) == pytest.approx(getattr(base, key), abs=1e-9), key
    assert [it.r_drop for it in shifted.items] == pytest.approx(
        [it.r_drop for it in base.items], abs=1e-9
    )
    assert [it.raw_r for it in shifted.items] == pytest.approx(
        [it.raw_r for it in base.items], abs=1e-9
    )


def test_docstring_examples():
    import doctest

    import readiness.stats.reliability as module

    assert doctest.testmod(module).failed == 0
