"""The reliability path as it was before items were prepared once (issue 18), for comparison.

A frozen copy of ``cronbach_alpha`` and ``omega_total`` and the internals they changed
(``_prepare_items``, ``_pair_sums``, ``_item_moments``), so that tests can check the shared,
prepared path against the old one on random data.  The helpers that did not change are imported.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from readiness.errors import StatsError
from readiness.stats.correlation import as_matrix, pairwise_pearson
from readiness.stats.reliability import (
    BLANK_ROWS,
    AlphaIfDropped,
    AlphaItem,
    AlphaResult,
    OmegaResult,
    _alpha_parts,
    _check_conf_level,
    _check_missing,
    _check_pairs,
    _cov2cor,
    _dropped_parts,
    _feldt,
    _leave_one_out,
    _minres_one_factor,
    _negative_items,
    _resolve_reverse,
    _smc_whole_and_dropped,
)


@dataclass(frozen=True)
class _Items:
    """Items ready for a statistic (see :func:`_prepare_items`)."""

    x: np.ndarray  # rows with at least one answer (after listwise deletion, if asked)
    names: tuple[str, ...]
    missing: np.ndarray | None  # isnan(x), or None when every answer is present
    counts: np.ndarray  # answers per item
    low: np.ndarray  # each item's smallest answer
    high: np.ndarray  # each item's largest answer
    n_blank: int  # rows of the input with no answer to any item (not in x)


def _prepare_items(
    x: Any, missing: str, *, what: str = "alpha", check_pairs: bool = True
) -> _Items:
    """Validated items: rows with no answer set aside, listwise deletion applied.

    The items come back column-major (each item's answers side by side in memory), which makes
    the reductions over respondents fast.  With ``check_pairs=False`` the caller checks that
    every pair of items was answered together at least twice (:func:`_check_pairs`), from a
    count matrix it computes anyway.
    """
    _check_missing(missing)
    arr, names = as_matrix(x)
    arr = np.asfortranarray(arr)
    k = arr.shape[1]
    if k < 2:
        raise StatsError(
            f"{what} needs at least 2 items (got {k}). Fix: give every item of the scale."
        )
    nan = np.isnan(arr)
    lost = np.count_nonzero(nan, axis=0)
    n_blank = 0
    if lost.any():
        for j in np.flatnonzero(lost == arr.shape[0]):
            raise StatsError(
                f"item {names[j]} has no answers at all. Fix: leave it out of the scale, or "
                "check that the right column was chosen."
            )
        blank = nan.all(axis=1)
        n_blank = int(np.count_nonzero(blank))
        keep = ~blank
        if missing == "listwise":
            keep = ~nan.any(axis=1)
            if keep.sum() < 2:
                raise StatsError(
                    f"listwise deletion leaves {keep.sum()} of {arr.shape[0]} respondents "
                    "with every item answered; at least 2 are needed. "
                    "Fix: use missing='pairwise'."
                )
        if not keep.all():
            arr = np.asfortranarray(arr[keep])
            nan = np.asfortranarray(nan[keep])
            lost = np.count_nonzero(nan, axis=0)
    n = arr.shape[0]
    if n < 2:
        raise StatsError(
            f"only {n} respondent answered; {what} needs at least 2 respondents. "
            "Fix: collect more answers."
        )
    counts = n - lost
    for j in np.flatnonzero(counts < 2):
        raise StatsError(
            f"item {names[j]} has only {counts[j]} answer, so its variance is unknown. "
            "Fix: leave it out of the scale."
        )
    # fmin/fmax ignore NaN without copying the data, as nanmin/nanmax would
    low = np.fmin.reduce(arr, axis=0)
    high = np.fmax.reduce(arr, axis=0)
    for j in np.flatnonzero(low == high):
        raise StatsError(
            f"item {names[j]}: every respondent gave the same answer ({low[j]:g}), so it has "
            "no variance and cannot be part of a reliability estimate (psych drops such an "
            "item with a warning but still counts it in the score). Fix: leave it out."
        )
    has_missing = bool(lost.any())
    if has_missing and check_pairs:
        m = (~nan).astype(float)
        _check_pairs(m.T @ m, names)
    return _Items(arr, names, nan if has_missing else None, counts, low, high, n_blank)


@dataclass(frozen=True)
class _Moments:
    """What alpha needs from the rows: everything else is computed from k x k matrices."""

    c: np.ndarray  # item covariances, reversed items' signs flipped (as psych's keys)
    r_pairwise: np.ndarray | None  # cor(x, use = "pairwise") when asked for and data missing
    cnt: np.ndarray  # answers per item
    x_mean: np.ndarray  # item means after reversal
    item_sd: np.ndarray
    raw_r: np.ndarray  # each item with the total, over the respondents who answered it
    total_mean: float  # mean of the respondents' item means (after reversal)
    total_sd: float


_SPARSE_MISSING = 0.1  # share of missing answers below which they are gathered, not multiplied


def _pair_sums(x0: np.ndarray, missing: np.ndarray, mf: np.ndarray, *, squares: bool) -> list:
    """Sums over the rows where both items of a pair were answered, as k x k matrices.

    Returns ``[x0'x0, x0'M, M'M]`` and, with ``squares``, ``(x0 * x0)'M``, where x0 holds the
    centred answers (0 where missing) and M the answered indicators: ``x0'M[j, l]`` is the sum
    of item j over the rows where j and l were answered, ``M'M`` the pairs' counts.

    With few missing answers (under 10%), ``x0'M`` and ``M'M`` are the complete-data sums less
    the rows where l is missing, gathered from those rows alone; otherwise one product of the
    stacked matrix [x0, M] with itself gives them.  Both give the same sums.
    """
    n, k = x0.shape
    lost = np.flatnonzero(missing.ravel(order="F"))  # column-major: item by item
    if len(lost) > _SPARSE_MISSING * n * k:
        z = np.concatenate([x0, mf], axis=1)
        g = z.T @ z
        out = [g[:k, :k], g[:k, k:], g[k:, k:]]
        if squares:
            out.append((x0 * x0).T @ mf)
        return out
    lost_item, lost_row = np.divmod(lost, n)
    ones = np.ones(n)
    col_x = ones @ x0
    col_m = ones @ mf
    items, starts = np.unique(lost_item, return_index=True)
    rows_x = x0[lost_row]
    sub_x = np.zeros((k, k))  # sub_x[l, j]: sum of x0_j over the rows where l is missing
    sub_m = np.zeros((k, k))  # sub_m[l, j]: rows where l is missing and j answered
    sub_x[items] = np.add.reduceat(rows_x, starts, axis=0)
    sub_m[items] = np.add.reduceat(mf[lost_row], starts, axis=0)
    out = [x0.T @ x0, col_x[:, None] - sub_x.T, col_m[None, :] - sub_m]
    if squares:
        sub_q = np.zeros((k, k))
        sub_q[items] = np.add.reduceat(rows_x * rows_x, starts, axis=0)
        out.append((ones @ (x0 * x0))[:, None] - sub_q.T)
    return out


def _item_moments(
    items: _Items, rev: list[int], adjust: float | None, *, pairwise_r: bool
) -> _Moments:
    """One pass over the rows: covariances, item statistics and raw_r.

    Reversing x as ``adjust - x`` changes only its mean and the sign of its deviations, so
    the data are centred once and never copied reversed.  With missing answers, the sums over
    the rows where both items of a pair were answered are k x k matrices (:func:`_pair_sums`):
    the sums of cross-products, the sums of each item over the pairs, and the pairs' counts
    (which are also checked here: every pair needs 2 respondents).  The covariance of j and l is
    ``(S_jl - s_j|l s_l|j / n_jl) / (n_jl - 1)``, as R's ``cov(use = "pairwise")``.  Sums over
    respondents are products with a vector of ones (faster than NumPy's reductions here).
    """
    x, names = items.x, items.names
    n, k = x.shape
    sign = np.ones(k)
    sign[rev] = -1.0
    r_pairwise = None
    if items.missing is None:
        # complete data
        cnt = np.full(k, float(n))
        shift = (np.ones(n) @ x) / n
        dx = x - shift
        ss = dx.T @ dx
        c = ss / (n - 1)
        ss_x = np.diag(ss).copy()
        x_mean = shift
        if rev:
            x_mean = shift.copy()
            x_mean[rev] = adjust - shift[rev]
        t_dev = (dx @ sign) / k  # each row's item mean, less the mean of the item means
        total_mean = float(x_mean.mean() + t_dev.mean())
        dt = t_dev - t_dev.mean()
        ss_t = np.full(k, float(dt @ dt))
        cross = sign * (dt @ dx)
        total_sd = math.sqrt(float(dt @ dt) / (n - 1))
    else:
        missing = items.missing
        mf = (~missing).astype(float)
        cnt = items.counts.astype(float)
        ones = np.ones(n)
        x0 = x.copy(order="F")
        np.copyto(x0, 0.0, where=missing)
        shift = (ones @ x0) / cnt
        x0 -= shift
        np.copyto(x0, 0.0, where=missing)  # centred answers, 0 where missing
        sums = _pair_sums(x0, missing, mf, squares=pairwise_r)
        cross_xx, s_pair, together = sums[0], sums[1], sums[2]
        _check_pairs(together, names)
        c = (cross_xx - s_pair * s_pair.T / together) / (together - 1)
        if pairwise_r and (c < 0).any():
            # cor(x, use = "pairwise") has the signs of the covariances: needed only when
            # some are negative (otherwise no item loads negatively)
            with np.errstate(invalid="ignore", divide="ignore"):
                spread = sums[3] - s_pair * s_pair / together
                r_pairwise = c * (together - 1) / np.sqrt(spread * spread.T)
        # each respondent's mean of the answered items, after reversal
        base = np.where(sign < 0, adjust if adjust is not None else 0.0, 0.0) + sign * shift
        total = (mf @ base + x0 @ sign) / (mf @ np.ones(k))
        total_mean = float(total.mean())
        dt = total - total_mean
        total_sd = math.sqrt(float(dt @ dt) / (n - 1))
        # raw_r: sums over the rows where item j was answered
        on = np.column_stack([dt, dt * dt]).T @ mf
        t_mean = on[0] / cnt
        ss_t = on[1] - cnt * t_mean * t_mean
        x_mean0 = (ones @ x0) / cnt  # about 0: the rounding left by centring
        ss_x = np.diag(cross_xx) - cnt * x_mean0 * x_mean0
        cross = sign * (dt @ x0 - cnt * x_mean0 * t_mean)
        x_mean = base + sign * x_mean0
    if rev:
        c = c * np.outer(sign, sign)
    with np.errstate(invalid="ignore", divide="ignore"):  # checked by the caller
        raw_r = cross / np.sqrt(ss_t * ss_x)
    return _Moments(
        c=c,
        r_pairwise=r_pairwise,
        cnt=cnt,
        x_mean=x_mean,
        item_sd=np.sqrt(ss_x / (cnt - 1)),
        raw_r=raw_r,
        total_mean=total_mean,
        total_sd=total_sd,
    )


def old_cronbach_alpha(
    x: Any,
    *,
    reverse: Iterable[str | int] | str | int | None = None,
    missing: str = "pairwise",
    conf_level: float = 0.95,
    blank_rows: str = "keep",
) -> AlphaResult:
    _check_conf_level(conf_level)
    if blank_rows not in BLANK_ROWS:
        raise StatsError(
            f"blank_rows must be 'keep' or 'drop' (got {blank_rows!r}). Fix: 'keep' counts rows "
            "with no answer in n as psych::alpha does; 'drop' leaves them out."
        )
    prepared = _prepare_items(x, missing, check_pairs=False)
    names = prepared.names
    rev = _resolve_reverse(reverse, names)
    n, k = prepared.x.shape
    n_blank = prepared.n_blank if blank_rows == "keep" and missing == "pairwise" else 0
    warnings: list[str] = []
    adjust = float(prepared.low.min() + prepared.high.max()) if rev else None
    m = _item_moments(prepared, rev, adjust, pairwise_r=not rev)
    c, r = m.c, _cov2cor(m.c)

    hint = r if m.r_pairwise is None else m.r_pairwise
    if not rev and (negative := _negative_items(hint, names)):
        many = len(negative) > 1
        warnings.append(
            ("items " if many else "item ")
            + ", ".join(negative)
            + (" correlate" if many else " correlates")
            + " negatively with the total scale and probably should be reversed "
            "(reverse=[...] in Python, --reverse on the command line)."
        )

    n_obs = n + n_blank  # psych counts every row, answered or not
    if c.sum() <= 0 or r.sum() <= 0:
        raise StatsError(
            "the items' covariances add up to zero or less, so the items cancel each other out "
            "and alpha is meaningless. Fix: reverse the items that are worded the other way "
            "(reverse=...), or check that these items belong to one scale."
        )

    keep = _leave_one_out(k) if k > 2 else None
    smc_whole, smc_dropped = _smc_whole_and_dropped(r, keep)
    with np.errstate(invalid="ignore", divide="ignore"):  # checked below
        whole = _alpha_parts(c[None], r[None], smc_whole)
    if whole["clamped"][0]:
        warnings.append(
            "the correlation matrix is not positive definite (pairwise deletion can do this); "
            "squared multiple correlations outside [0, 1] were set to 0 or 1, as psych does."
        )
    std_r = r.sum(axis=0) / math.sqrt(r.sum())
    rc = r.copy()
    np.fill_diagonal(rc, whole["smc"][0])
    col_c = c.sum(axis=0)
    diag = np.diag(c)
    with np.errstate(invalid="ignore", divide="ignore"):  # checked below
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
        r_drop = (col_c - diag) / np.sqrt(diag * (c.sum() - 2 * col_c + diag))

    dropped: list[AlphaIfDropped | None] = [None] * k
    if k == 2:
        warnings.append(
            "with two items, alpha if an item is dropped is not defined and is not given."
        )
    else:
        with np.errstate(invalid="ignore", divide="ignore"):  # checked below
            p = _dropped_parts(c, r, smc_dropped)
        se = np.sqrt(p["q"] / n_obs).tolist() if n_obs > k else [None] * k
        var_r = [None] * k if p["var_r"] is None else p["var_r"].tolist()
        dropped = [
            AlphaIfDropped(*vals)
            for vals in zip(
                p["raw_alpha"].tolist(),
                p["std_alpha"].tolist(),
                p["G6"].tolist(),
                p["average_r"].tolist(),
                p["s_n"].tolist(),
                se,
                var_r,
                p["med_r"].tolist(),
                strict=True,
            )
        ]
    items = tuple(
        AlphaItem(names[j], j in rev, *vals, dropped[j])  # type: ignore[call-arg]  # *vals: 7
        for j, vals in enumerate(
            zip(
                m.cnt.astype(int).tolist(),
                m.raw_r.tolist(),
                std_r.tolist(),
                r_cor.tolist(),
                r_drop.tolist(),
                m.x_mean.tolist(),
                m.item_sd.tolist(),
                strict=True,
            )
        )
    )

    checks = {
        "raw_r": m.raw_r,
        "std_r": std_r,
        "r_cor": r_cor,
        "r_drop": r_drop,
        "raw_alpha": whole["raw_alpha"],
        "std_alpha": whole["std_alpha"],
        "G6": whole["G6"],
        "ase": whole["q"],
    }
    if k > 2:
        for stat in ("raw_alpha", "std_alpha", "G6", "s_n"):
            checks[f"{stat} if dropped"] = p[stat]
    if not np.isfinite(np.concatenate(list(checks.values()))).all():
        stat, values = next((s, v) for s, v in checks.items() if not np.isfinite(v).all())
        bad = np.flatnonzero(~np.isfinite(values))
        where = f" for item {names[bad[0]]}" if len(values) == k else ""
        raise StatsError(
            f"{stat}{where} cannot be computed from these data: the items correlate too "
            "negatively, or the covariance matrix is degenerate (pairwise deletion with few "
            "shared answers can do this). Fix: reverse the items worded the other way "
            "(reverse=...), use missing='listwise', or leave out items few people answered."
        )
    if whole["q"][0] < 0:
        raise StatsError(
            "the asymptotic variance of alpha is negative for these data (the covariance "
            "matrix is not positive semi-definite). Fix: use missing='listwise'."
        )

    raw_alpha = float(whole["raw_alpha"][0])
    return AlphaResult(
        raw_alpha=raw_alpha,
        std_alpha=float(whole["std_alpha"][0]),
        G6=float(whole["G6"][0]),
        average_r=float(whole["average_r"][0]),
        s_n=float(whole["s_n"][0]),
        ase=float(math.sqrt(whole["q"][0] / n_obs)),
        mean=m.total_mean,
        sd=m.total_sd,
        median_r=float(whole["med_r"][0]),
        var_r=None if whole["var_r"] is None else float(whole["var_r"][0]),
        feldt=_feldt(raw_alpha, n_obs, k, conf_level),
        items=items,
        n_items=k,
        n_obs=n_obs,
        n=n_obs,
        n_blank=n_blank,
        missing=missing,
        reverse=tuple(names[j] for j in rev),
        reverse_adjust=adjust,
        warnings=tuple(warnings),
    )


def old_omega_total(
    x: Any, *, missing: str = "pairwise", max_iter: int = 100_000, tol: float = 1e-13
) -> OmegaResult:
    items = _prepare_items(x, missing, what="omega")
    arr, names = items.x, items.names
    n, k = arr.shape
    r, _ = pairwise_pearson(arr)
    lam, iterations, heywood = _minres_one_factor(r, max_iter, tol)
    if lam.sum() < 0:
        lam = -lam
    key = np.where(lam < 0, -1.0, 1.0)
    flipped_r = r * np.outer(key, key)
    u2 = 1 - lam**2
    vt = flipped_r.sum()
    omega = (vt - u2.sum()) / vt
    return OmegaResult(
        omega_tot=float(omega),
        loadings=tuple(float(v) for v in np.abs(lam)),
        u2=tuple(float(v) for v in u2),
        items=names,
        flipped=tuple(names[j] for j in np.flatnonzero(key < 0)),
        n_items=k,
        n=n,
        missing=missing,
        iterations=iterations,
        heywood=heywood,
    )
