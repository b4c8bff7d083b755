"""Correlations with Fisher-z intervals, pairwise correlation matrices, correction for attenuation.

Every function here counts its own ``n``: the number of pairs in which both values are present
(pairwise deletion), or, for :func:`correlation_matrix` with ``missing="listwise"``, the number
of rows with every column present.  References:

- Pearson's r with its Fisher-z interval and t test match R's ``stats::cor.test``.
- Spearman's rho is Pearson's r of the mid-ranks (ties share their average rank), as R's
  ``cor(method = "spearman")``; its interval and p value follow ``psych::corr.test``: the same
  Fisher-z interval with standard error ``1 / sqrt(n - 3)`` and the same t test as for Pearson.
  (``cor.test(method = "spearman")`` gives no interval, and its p value uses the exact or
  Edgeworth null distribution of the rank statistic, so it differs from ours.)
- The correction for attenuation matches ``psych::correct.cor``.

SciPy is imported only inside the functions that need its distributions or ranks, so that
importing this module (as :mod:`readiness.stats.reliability` does, for :func:`as_matrix` and
:func:`pairwise_pearson`) stays light.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from readiness.errors import StatsError
from readiness.stats.result import Result

METHODS = ("pearson", "spearman")
MISSING = ("pairwise", "listwise")


@dataclass(frozen=True)
class Correlation(Result):
    """One correlation coefficient with its Fisher-z interval and two-sided t test."""

    method: str  # "pearson" or "spearman"
    r: float  # Pearson's r, or Spearman's rho
    n: int  # complete pairs used
    lower: float
    upper: float
    conf_level: float
    t: float  # r * sqrt(n - 2) / sqrt(1 - r^2)
    df: int  # n - 2
    p_value: float  # two-sided, from the t distribution with n - 2 degrees of freedom
    missing: str = "pairwise"


@dataclass(frozen=True, eq=False)
class CorrelationMatrix(Result):
    """A correlation matrix with the number of pairs behind each coefficient.

    ``r``, ``n_pairs``, ``lower``, ``upper`` and ``p_value`` are read-only square arrays in the
    order of ``columns``; on the diagonal r = 1, the interval is [1, 1] and p = 0.
    """

    method: str
    missing: str
    columns: tuple[str, ...]
    r: np.ndarray
    n_pairs: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p_value: np.ndarray
    conf_level: float
    n: int  # rows used: all rows (pairwise) or rows with every column present (listwise)


@dataclass(frozen=True)
class Disattenuated(Result):
    """A correlation corrected for the unreliability of both measures."""

    r: float  # the observed correlation
    rel_x: float
    rel_y: float
    r_corrected: float  # r / sqrt(rel_x * rel_y); may exceed 1 (it is not truncated)
    exceeds_one: bool  # |r_corrected| > 1: the reliabilities are probably underestimated
    n: int | None = None  # the sample size behind r, when the caller gives it


# --- helpers --------------------------------------------------------------------------------


def _check_conf_level(conf_level: float) -> None:
    if not 0 < conf_level < 1:
        raise StatsError(
            f"conf_level must lie strictly between 0 and 1 (got {conf_level}). "
            "Fix: give a level such as 0.95."
        )


def _vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise StatsError(
            f"{name} must be numeric ({err}). Fix: recode text answers as numbers first."
        ) from err
    if arr.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional (got shape {arr.shape}).")
    return arr


def fisher_interval(r: float, n: int, conf_level: float) -> tuple[float, float]:
    """The Fisher-z interval tanh(atanh(r) -/+ z_{(1+level)/2} / sqrt(n - 3)).

    The interval of R's ``cor.test`` (Pearson) and ``psych::corr.test`` (any method).
    """
    from scipy import stats

    z = math.atanh(r) if abs(r) < 1 else math.copysign(math.inf, r)
    half = stats.norm.ppf((1 + conf_level) / 2) / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def _t_test(r: float, n: int) -> tuple[float, float]:
    df = n - 2
    if abs(r) >= 1:
        return math.copysign(math.inf, r), 0.0
    from scipy import special

    t = r * math.sqrt(df) / math.sqrt(1 - r * r)
    return t, float(2 * special.stdtr(df, -abs(t)))


def _pearson_pair(x: np.ndarray, y: np.ndarray) -> float:
    xc = x - x.mean()
    yc = y - y.mean()
    return float(np.dot(xc, yc) / math.sqrt(np.dot(xc, xc) * np.dot(yc, yc)))


def _pair(x: Any, y: Any, method: str, conf_level: float) -> Correlation:
    _check_conf_level(conf_level)
    xv = _vector(x, "x")
    yv = _vector(y, "y")
    if len(xv) != len(yv):
        raise StatsError(
            f"x and y must have the same length (got {len(xv)} and {len(yv)}). "
            "Fix: give the two answers of the same respondents, in the same order."
        )
    ok = ~(np.isnan(xv) | np.isnan(yv))
    n = int(ok.sum())
    if n < 4:
        raise StatsError(
            f"only {n} respondent(s) answered both questions; a correlation with a Fisher-z "
            "interval needs at least 4 complete pairs. Fix: collect more answers."
        )
    xv, yv = xv[ok], yv[ok]
    for name, v in (("x", xv), ("y", yv)):
        if np.all(v == v[0]):
            raise StatsError(
                f"{name} has the same value ({v[0]:g}) in all {n} complete pairs, so it "
                "correlates with nothing. Fix: leave out the constant question."
            )
    if method == "spearman":
        from scipy import stats

        xv, yv = stats.rankdata(xv), stats.rankdata(yv)
    r = _pearson_pair(xv, yv)
    lower, upper = fisher_interval(r, n, conf_level)
    t, p = _t_test(r, n)
    return Correlation(method, r, n, lower, upper, conf_level, t, n - 2, p)


# --- public ---------------------------------------------------------------------------------


def pearson_r(x: Any, y: Any, *, conf_level: float = 0.95) -> Correlation:
    """Pearson's product-moment correlation of two variables, using complete pairs.

    Parameters
    ----------
    x, y
        The two variables, equally long; NaN or None where a value is missing (the pair is left
        out: missing data are handled pairwise).
    conf_level
        The level of the Fisher-z interval, strictly between 0 and 1.

    Returns
    -------
    Correlation
        ``r``, ``n`` (complete pairs), ``lower`` and ``upper``, ``t``, ``df`` and the two-sided
        ``p_value``.

    Notes
    -----
    r over the pairs in which both values are present, the Fisher-z interval
    ``tanh(atanh(r) -/+ z / sqrt(n - 3))`` and the two-sided t test with ``n - 2`` degrees of
    freedom.

    References
    ----------
    Fisher RA. On the "probable error" of a coefficient of correlation deduced from a small sample.
    Metron 1921;1:3-32; Howell DC, *Statistical Methods for Psychology*, ch. 9.  Matches R's
    ``cor.test(x, y, conf.level = conf_level)``.

    Examples
    --------
    >>> res = pearson_r([1, 2, 3, 4, 5, None], [2, 1, 4, 3, 5, 7])
    >>> round(res.r, 3), res.n
    (0.8, 5)
    """
    return _pair(x, y, "pearson", conf_level)


def spearman_rho(x: Any, y: Any, *, conf_level: float = 0.95) -> Correlation:
    """Spearman's rank correlation of two variables, using complete pairs.

    Parameters
    ----------
    x, y
        The two variables, equally long; NaN or None where a value is missing (the pair is left
        out: missing data are handled pairwise).
    conf_level
        The level of the Fisher-z interval, strictly between 0 and 1.

    Returns
    -------
    Correlation
        ``r``, ``n`` (complete pairs), ``lower`` and ``upper``, ``t``, ``df`` and the two-sided
        ``p_value``.

    Notes
    -----
    rho is Pearson's r of the mid-ranks of the complete pairs (ties get their average rank), as
    R's ``cor(x, y, method = "spearman", use = "pairwise")``.  Interval convention: the Fisher-z
    interval with standard error ``1 / sqrt(n - 3)`` and the t test with ``n - 2`` degrees of
    freedom, exactly as ``psych::corr.test(method = "spearman")`` reports them (R's ``cor.test``
    gives no interval for rho, and an exact or Edgeworth p value instead).  Bonett and Wright
    (2000) suggest a wider standard error, ``sqrt((1 + rho^2 / 2) / (n - 3))``; psych's
    convention is kept so that the numbers agree with psych.

    References
    ----------
    Bonett DG, Wright TA. Sample size requirements for estimating Pearson, Kendall and Spearman
    correlations. Psychometrika 2000;65:23-28.  psych's ``corr.test``, whose results this matches.

    Examples
    --------
    >>> res = spearman_rho([1, 2, 3, 4, 5], [1, 3, 2, 5, 4])
    >>> round(res.r, 3), res.n
    (0.8, 5)
    """
    return _pair(x, y, "spearman", conf_level)


def as_matrix(data: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """A float matrix (NaN for missing) and column names, from a table of answers.

    ``data`` is a pandas DataFrame (its column names are kept; every column must be numeric or
    boolean), a mapping of names to columns of the same length, or a two-dimensional array
    (columns named V1, V2, ... as in psych).  Needs neither pandas nor SciPy to be imported:
    :mod:`readiness.stats.reliability` and :func:`correlation_matrix` share it.
    """
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):
        columns = [str(c) for c in data.columns]
        plain = data.to_numpy()
        if plain.dtype.kind in "biuf":  # every column an ordinary numeric or boolean one
            return plain.astype(float), tuple(columns)
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = [
            str(c)
            for c, dtype in zip(data.columns, data.dtypes, strict=True)
            if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype))
        ]
        if bad:
            raise StatsError(
                "these columns are not numeric: "
                + ", ".join(bad)
                + ". Fix: recode text answers as numbers, or leave those columns out."
            )
        return data.to_numpy(dtype=float, na_value=np.nan), tuple(columns)
    names: Sequence[str] | None = None
    if isinstance(data, Mapping):
        names = [str(k) for k in data]
        try:
            cols = [np.asarray(v, dtype=float) for v in data.values()]
        except (TypeError, ValueError) as err:
            raise StatsError(f"the data must be numeric ({err}).") from err
        if any(c.ndim != 1 for c in cols) or len({len(c) for c in cols}) > 1:
            raise StatsError("every column must be a list of values, all of the same length.")
        arr = np.column_stack(cols) if cols else np.empty((0, 0))
    else:
        try:
            arr = np.asarray(data, dtype=float)
        except (TypeError, ValueError) as err:
            raise StatsError(f"the data must be numeric ({err}).") from err
        if arr.ndim != 2:
            raise StatsError(f"the data must be a two-dimensional table (got shape {arr.shape}).")
    if names is None:
        names = [f"V{j + 1}" for j in range(arr.shape[1])]
    return arr, tuple(names)


def pairwise_pearson(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlations and pair counts from pairwise complete observations.

    Each r[j, k] uses the means and standard deviations of the rows in which both j and k are
    present, as R's ``cor(x, use = "pairwise")``.  Returns (r, n_pairs); r is NaN where fewer
    than 2 pairs exist or a column is constant within the pairs.
    """
    m = ~np.isnan(x)
    mf = m.astype(float)
    n = mf.T @ mf
    # each column's count of answers is n's diagonal (whole numbers, so exact in any order
    # of summing): not another pass over every respondent
    counts = np.diagonal(n).copy()
    # shift each column by its mean to keep the sums of products well conditioned
    # (a column with no answers has no mean: shift it by 0; it gets no pairs below)
    shift = np.divide(
        np.where(m, x, 0.0).sum(axis=0), counts, out=np.zeros(x.shape[1]), where=counts > 0
    )
    x0 = x - shift
    x0[~m] = 0.0  # in place: the same values as np.where(m, x - shift, 0.0)
    sx = x0.T @ mf  # sx[j, k] = sum of x_j over rows where j and k are present
    sxx = (x0 * x0).T @ mf
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / n
        var_j = sxx - sx * sx / n
        r = cov / np.sqrt(var_j * var_j.T)
    r[n < 2] = np.nan
    return r, n.astype(int)


def _pairwise_spearman(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy import stats

    k = x.shape[1]
    m = ~np.isnan(x)
    n = (m.astype(int).T @ m.astype(int)).astype(int)
    r = np.eye(k)
    for j in range(k):
        for i in range(j):
            ok = m[:, i] & m[:, j]
            if ok.sum() < 2:
                r[i, j] = r[j, i] = np.nan
                continue
            a, b = stats.rankdata(x[ok, i]), stats.rankdata(x[ok, j])
            with np.errstate(invalid="ignore", divide="ignore"):
                r[i, j] = r[j, i] = _pearson_pair(a, b)
    return r, n


def correlation_matrix(
    data: Any,
    method: str = "pearson",
    missing: str = "pairwise",
    *,
    conf_level: float = 0.95,
) -> CorrelationMatrix:
    """All pairwise correlations of the columns of a table, with pair counts and intervals.

    Parameters
    ----------
    data
        A pandas DataFrame (its column names are kept) or a two-dimensional array; NaN where a
        value is missing.
    method
        ``"pearson"`` or ``"spearman"``.
    missing
        ``"pairwise"`` (R's ``use = "pairwise"``): each pair of columns uses the rows in which both
        are present; ``"listwise"``: every row with a missing value is dropped first.
    conf_level
        The level of the intervals.

    Returns
    -------
    CorrelationMatrix
        Square arrays ``r``, ``n_pairs``, ``lower``, ``upper`` and ``p_value`` in the order of
        ``columns``, and ``n`` (rows used).

    Notes
    -----
    Spearman's rho ranks the complete pairs of each pair of columns afresh, as R does.  Intervals
    and p values (unadjusted for multiple testing) are Fisher-z with standard error
    ``1 / sqrt(n_jk - 3)`` and the t test with ``n_jk - 2`` degrees of freedom.

    References
    ----------
    Matches ``psych::corr.test(x, method = method, adjust = "none")`` (R package psych).

    Examples
    --------
    >>> import pandas as pd
    >>> m = correlation_matrix(pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, None]}))
    >>> round(float(m.r[0, 1]), 3), int(m.n_pairs[0, 1])
    (0.6, 4)
    """
    if method not in METHODS:
        raise StatsError(f"method must be one of {', '.join(METHODS)} (got {method!r}).")
    if missing not in MISSING:
        raise StatsError(f"missing must be one of {', '.join(MISSING)} (got {missing!r}).")
    _check_conf_level(conf_level)
    x, columns = as_matrix(data)
    k = x.shape[1]
    if k < 2:
        raise StatsError(
            f"a correlation matrix needs at least 2 columns (got {k}). Fix: add columns."
        )
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
    rows = x.shape[0]
    if method == "pearson":
        r, n_pairs = pairwise_pearson(x)
    else:
        r, n_pairs = _pairwise_spearman(x)
    np.fill_diagonal(r, 1.0)
    for j in range(k):
        for i in range(j):
            if n_pairs[i, j] < 4:
                raise StatsError(
                    f"columns {columns[i]} and {columns[j]} have only {n_pairs[i, j]} "
                    "complete pair(s); an interval needs at least 4. Fix: leave one of them "
                    "out or collect more answers."
                    + (" (Listwise deletion left too few rows.)" if missing == "listwise" else "")
                )
            if np.isnan(r[i, j]):
                raise StatsError(
                    f"columns {columns[i]} and {columns[j]}: one of them is constant over "
                    "their complete pairs, so their correlation is undefined. Fix: leave the "
                    "constant column out."
                )
    from scipy import special, stats

    np.clip(r, -1.0, 1.0, out=r)
    nf = n_pairs.astype(float)
    q = stats.norm.ppf((1 + conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.arctanh(r)
        half = q / np.sqrt(nf - 3)
        lower = np.tanh(z - half)
        upper = np.tanh(z + half)
        t = r * np.sqrt(nf - 2) / np.sqrt(1 - r * r)
        p = 2 * special.stdtr(nf - 2, -np.abs(t))
    p = np.where(np.abs(r) >= 1, 0.0, p)
    lower = np.where(np.isnan(lower), r, lower)
    upper = np.where(np.isnan(upper), r, upper)
    for arr in (r, n_pairs, lower, upper, p):
        arr.setflags(write=False)
    return CorrelationMatrix(
        method=method,
        missing=missing,
        columns=columns,
        r=r,
        n_pairs=n_pairs,
        lower=lower,
        upper=upper,
        p_value=p,
        conf_level=conf_level,
        n=rows,
    )


def disattenuated_r(
    r_xy: float, rel_x: float, rel_y: float, *, n: int | None = None
) -> Disattenuated:
    """Spearman's correction for attenuation: ``r_xy / sqrt(rel_x * rel_y)``.

    Parameters
    ----------
    r_xy
        The observed correlation of the two measures.
    rel_x, rel_y
        The reliabilities of the two measures (for instance Cronbach's alpha), in (0, 1].
    n
        The sample size behind ``r_xy``, kept in the result when given.

    Returns
    -------
    Disattenuated
        ``r_corrected`` and ``exceeds_one``, with the inputs.

    Notes
    -----
    The correlation two measures would have if both were perfectly reliable.  Like psych, the
    result is not truncated at 1; ``exceeds_one`` flags the case, which usually means that a
    reliability (alpha is a lower bound) is underestimated or that sampling error is large.

    References
    ----------
    Spearman C. The proof and measurement of association between two things. Am J Psychol
    1904;15:72-101.  As ``psych::correct.cor`` computes above the diagonal.

    Examples
    --------
    >>> round(disattenuated_r(0.42, 0.81, 0.64).r_corrected, 4)
    0.5833
    """
    values = {"r_xy": r_xy, "rel_x": rel_x, "rel_y": rel_y}
    for name, v in values.items():
        if v is None or not math.isfinite(float(v)):
            raise StatsError(f"{name} must be a finite number (got {v!r}).")
    if not -1 <= r_xy <= 1:
        raise StatsError(f"r_xy must lie between -1 and 1 (got {r_xy}).")
    for name in ("rel_x", "rel_y"):
        v = values[name]
        if not 0 < v <= 1:
            raise StatsError(
                f"{name} must be a reliability in (0, 1] (got {v}); a reliability of 0 or "
                "less cannot be corrected for. Fix: check the reliability estimate."
            )
    rc = float(r_xy) / math.sqrt(float(rel_x) * float(rel_y))
    return Disattenuated(float(r_xy), float(rel_x), float(rel_y), rc, abs(rc) > 1, n)
