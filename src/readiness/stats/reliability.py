"""Internal consistency of a scale: Cronbach's alpha, its bootstrap interval, KR-20, omega total.

The numbers match R's ``psych`` package (version 2.2.9; see ``tests/reference/reliability.R``)
and carry psych's names.  Items are the columns of a table (a pandas DataFrame, whose column
names are kept, or a two-dimensional array, whose columns are called V1, V2, ... as in psych);
rows are respondents.  Missing answers are NaN and are handled by an explicit policy:

``"pairwise"`` (psych's default)
    each covariance or correlation uses the respondents who answered both items;
``"listwise"``
    respondents with any missing answer are dropped first.

Rows with no answer to any item are set aside before anything is computed.  psych counts them
in ``n.obs``, which changes only alpha's ``ase`` and Feldt interval: :func:`cronbach_alpha`
counts them too by default (``blank_rows="keep"``), so its numbers match psych's; the other
functions leave them out (their statistics do not use n that way).

One choice differs from psych on purpose and is stated where it matters:

- data that cannot give a statistic raise :class:`~readiness.errors.StatsError` saying why and
  what would fix it: an item nobody answered, an item with no variance (psych drops it with a
  warning but still counts it in the total score), a single respondent, fewer than two items,
  two items never answered together.  No NaN is ever put silently into a result.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from readiness.errors import StatsError
from readiness.stats.correlation import as_matrix
from readiness.stats.result import Result

# SciPy is imported where it is used (scipy.special for the Feldt interval and the bootstrap),
# so that `readiness reliability` starts without loading scipy.stats or pandas.

MISSING = ("pairwise", "listwise")
BLANK_ROWS = ("keep", "drop")
BOOT_METHODS = ("percentile", "bca")


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeldtInterval(Result):
    """Feldt's (1965) interval for alpha, as ``psych::alpha.ci`` (psych reports ``feldt``)."""

    lower: float
    upper: float
    conf_level: float


@dataclass(frozen=True)
class AlphaIfDropped(Result):
    """The scale's statistics with one item left out (psych's ``alpha.drop`` row)."""

    raw_alpha: float
    std_alpha: float
    G6: float
    average_r: float
    s_n: float
    alpha_se: float | None  # psych's "alpha se"; None when there are no more rows than items
    var_r: float | None  # variance of the inter-item correlations; None with a single pair
    med_r: float


@dataclass(frozen=True)
class AlphaItem(Result):
    """One item's statistics (psych's ``item.stats`` row) and alpha if it is dropped."""

    item: str
    reversed: bool
    n: int  # respondents who answered the item
    raw_r: float  # correlation of the item with the total score (the mean of answered items)
    std_r: float  # correlation with the total of standardised items
    r_cor: float  # std_r corrected for item overlap and unreliability (smc on the diagonal)
    r_drop: float  # correlation with the total of the other items
    mean: float
    sd: float
    alpha_if_dropped: AlphaIfDropped | None  # None for a two-item scale


@dataclass(frozen=True)
class AlphaResult(Result):
    """Cronbach's alpha with psych's companion statistics (``psych::alpha``'s ``total``)."""

    raw_alpha: float  # alpha from the covariances
    std_alpha: float  # alpha from the correlations (standardised items)
    G6: float  # Guttman's lambda 6 from squared multiple correlations
    average_r: float  # mean inter-item correlation
    s_n: float  # signal/noise ratio, n_items * average_r / (1 - average_r)
    ase: float  # asymptotic standard error of raw_alpha (Duhachek & Iacobucci 2004)
    mean: float  # mean of respondents' item means (after reversal)
    sd: float  # standard deviation of respondents' item means
    median_r: float
    var_r: float | None  # variance of the inter-item correlations; None for two items
    feldt: FeldtInterval
    items: tuple[AlphaItem, ...]
    n_items: int
    n_obs: int  # rows counted for ase and Feldt: psych's n.obs (see blank_rows)
    n: int  # the same as n_obs: every result carries n
    missing: str  # "pairwise" or "listwise"
    reverse: tuple[str, ...]  # reversed items
    reverse_adjust: float | None  # x is reversed as reverse_adjust - x (min + max of all items)
    warnings: tuple[str, ...] = ()
    n_blank: int = 0  # rows with no answer to any item that are counted in n_obs


@dataclass(frozen=True)
class AlphaBootstrap(Result):
    """A bootstrap confidence interval for raw alpha."""

    raw_alpha: float  # the estimate from all the data
    lower: float
    upper: float
    conf_level: float
    method: str  # "percentile" or "bca"
    n_boot: int
    n_valid: int  # resamples whose alpha could be computed (a pair never seen together fails)
    seed: int | None
    n: int
    missing: str
    z0: float | None = None  # BCa bias correction
    acceleration: float | None = None  # BCa acceleration (jackknife)


@dataclass(frozen=True)
class KR20Result(Result):
    """Kuder-Richardson formula 20 for binary items."""

    kr20: float
    p: tuple[float, ...]  # proportion answering 1, per item
    total_variance: float  # variance of the total score, divisor n
    items: tuple[str, ...]
    n_items: int
    n: int
    missing: str = "listwise"


@dataclass(frozen=True)
class OmegaResult(Result):
    """McDonald's omega total from a one-factor minres model (``psych::omega(nfactors = 1)``)."""

    omega_tot: float
    loadings: tuple[float, ...]  # after flipping, all items load positively
    u2: tuple[float, ...]  # uniquenesses, 1 - loading^2
    items: tuple[str, ...]
    flipped: tuple[str, ...]  # items reversed because they load negatively (psych's flip = TRUE)
    n_items: int
    n: int
    missing: str
    fm: str = "minres"
    iterations: int = 0
    heywood: bool = False  # a uniqueness reached psych's lower bound 0.005


# --- preparing the data ---------------------------------------------------------------------


def _check_missing(missing: str) -> None:
    if missing not in MISSING:
        raise StatsError(
            f"missing must be 'pairwise' or 'listwise' (got {missing!r}). Fix: choose how "
            "missing answers are handled; nothing is imputed."
        )


def _check_conf_level(conf_level: float) -> None:
    if not 0 < conf_level < 1:
        raise StatsError(
            f"conf_level must lie strictly between 0 and 1 (got {conf_level}). "
            "Fix: give a level such as 0.95."
        )


def _resolve_reverse(reverse: Any, names: tuple[str, ...]) -> list[int]:
    if reverse is None:
        return []
    if isinstance(reverse, str | int | np.integer):
        reverse = [reverse]
    out: list[int] = []
    for key in reverse:
        if isinstance(key, bool):
            raise StatsError(f"reverse must list item names or column indices (got {key!r}).")
        if isinstance(key, int | np.integer):
            if not 0 <= int(key) < len(names):
                raise StatsError(
                    f"reverse: there is no item at index {int(key)}; the {len(names)} items "
                    f"are numbered 0 to {len(names) - 1}. Fix: give a valid index or a name."
                )
            j = int(key)
        else:
            if str(key) not in names:
                raise StatsError(
                    f"reverse: unknown item {str(key)!r}. The items are: {', '.join(names)}. "
                    "Fix: spell the name as it appears in the data."
                )
            j = names.index(str(key))
        if j in out:
            raise StatsError(f"reverse: item {names[j]} is listed more than once.")
        out.append(j)
    return sorted(out)


@dataclass(frozen=True, eq=False)
class PreparedItems:
    """A scale's items validated once and shared by :func:`cronbach_alpha` and :func:`omega_total`.

    Made by :func:`prepare_items`.  Rows with no answer are set aside and, for ``"listwise"``,
    incomplete rows dropped.  The first statistic that sums over the rows keeps those sums
    (k x k matrices) here, so the next one reads them instead of passing over the rows again.
    """

    x: np.ndarray  # rows with at least one answer (after listwise deletion), column-major
    names: tuple[str, ...]
    missing: np.ndarray | None  # isnan(x), or None when every answer is present
    counts: np.ndarray  # answers per item
    low: np.ndarray  # each item's smallest answer
    high: np.ndarray  # each item's largest answer
    n_blank: int  # rows of the input with no answer to any item (not in x)
    policy: str = "pairwise"  # the missing-data policy the rows were prepared for
    shared: dict[str, Any] = field(default_factory=dict, repr=False)  # sums kept for reuse


_Items = PreparedItems  # the name the internals used before the class was public


def prepare_items(
    x: Any, missing: str = "pairwise", *, names: Iterable[str] | None = None
) -> PreparedItems:
    """A scale's items validated and laid out once, for alpha, omega and their correlations.

    The checks are those of the statistics themselves (see :class:`~readiness.errors.StatsError`),
    except that pairs of items answered together are checked by the statistics.

    Parameters
    ----------
    x : DataFrame, mapping of names to columns, or 2-D array
        What :func:`cronbach_alpha` accepts: respondents in rows, items in columns.
    missing : {"pairwise", "listwise"}
        The policy the statistics will be asked for: they refuse items prepared for another.
    names : iterable of str, optional
        The names of an array's columns (otherwise V1, V2, ...).

    Returns
    -------
    PreparedItems
        The items as floats, column-major, with their missing mask and counts, to pass to
        :func:`cronbach_alpha` and :func:`omega_total` in place of ``x``.

    Examples
    --------
    >>> items = prepare_items({"a": [1, 2, 3, 4], "b": [1, 3, 3, 4], "c": [2, 2, 3, 5]})
    >>> round(cronbach_alpha(items).raw_alpha, 3), round(omega_total(items).omega_tot, 3)
    (0.947, 0.949)
    """
    return _prepare_items(x, missing, what="a reliability estimate", check_pairs=False, names=names)


_BLOCK_ROWS = 4096


def _column_major(arr: np.ndarray) -> np.ndarray:
    """The table laid out column-major (itself if it is already).

    A row-major table is copied a block of rows at a time, which keeps the rows read and the
    columns written in the cache: about twice as fast as NumPy's one-pass transposing copy for a
    tall table such as a scale's answers.
    """
    if arr.flags.f_contiguous:
        return arr
    out = np.empty(arr.shape, order="F")
    for start in range(0, arr.shape[0], _BLOCK_ROWS):
        out[start : start + _BLOCK_ROWS] = arr[start : start + _BLOCK_ROWS]
    return out


def _items_for(x: Any, missing: str, *, what: str) -> PreparedItems:
    """``x`` if it is already prepared (for the same policy), else ``x`` prepared now."""
    if not isinstance(x, PreparedItems):
        return _prepare_items(x, missing, what=what, check_pairs=False)
    _check_missing(missing)
    if x.policy != missing:
        raise StatsError(
            f"the items were prepared for missing={x.policy!r}, but missing={missing!r} was "
            f"asked for. Fix: prepare them with prepare_items(..., missing={missing!r}), or ask "
            f"for missing={x.policy!r}."
        )
    return x


def _named(arr: np.ndarray, found: tuple[str, ...], names: Iterable[str] | None) -> tuple:
    """The column names: those given, or those the data carried."""
    if names is None:
        return found
    given = tuple(str(name) for name in names)
    if len(given) != arr.shape[1]:
        raise StatsError(
            f"the data have {arr.shape[1]} items but {len(given)} names were given. "
            "Fix: give one name per column."
        )
    return given


def _prepare_items(
    x: Any,
    missing: str,
    *,
    what: str = "alpha",
    check_pairs: bool = True,
    names: Iterable[str] | None = None,
) -> PreparedItems:
    """Validated items: rows with no answer set aside, listwise deletion applied.

    The items come back column-major (each item's answers side by side in memory), which makes
    the reductions over respondents fast.  With ``check_pairs=False`` the caller checks that
    every pair of items was answered together at least twice (:func:`_check_pairs`), from a
    count matrix it computes anyway.
    """
    _check_missing(missing)
    arr, found = as_matrix(x)
    names = _named(arr, found, names)
    arr = _column_major(arr)
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
    return PreparedItems(
        arr, names, nan if has_missing else None, counts, low, high, n_blank, missing
    )


def _check_pairs(together: np.ndarray, names: tuple[str, ...]) -> None:
    """Every pair of items answered together by at least 2 respondents (counts matrix)."""
    for i, j in zip(*np.nonzero(np.triu(together < 2, 1)), strict=True):
        raise StatsError(
            f"items {names[i]} and {names[j]} were answered together by "
            f"{int(together[i, j])} respondent(s); a covariance needs at least 2. "
            "Fix: leave one of the two items out, or collect answers to both."
        )


def _prepare(x: Any, missing: str, *, what: str = "alpha") -> tuple[np.ndarray, tuple[str, ...]]:
    """Validated items: rows with no answer dropped, listwise deletion applied."""
    items = _prepare_items(x, missing, what=what)
    return items.x, items.names


_PINV_TOL = math.sqrt(np.finfo(float).eps)


@functools.lru_cache(maxsize=64)
def _lower_triangle(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices below the diagonal of a k x k matrix (cached)."""
    li, lj = np.tril_indices(k, -1)
    li.setflags(write=False)
    lj.setflags(write=False)
    return li, lj


@functools.lru_cache(maxsize=64)
def _pairs_of_item(k: int) -> np.ndarray:
    """Row j lists the positions, in the list of pairs below the diagonal, of the k - 1 pairs
    that involve item j (cached)."""
    li, lj = _lower_triangle(k)
    where = np.zeros((k, k), dtype=np.intp)
    where[li, lj] = np.arange(len(li))
    where[lj, li] = np.arange(len(li))
    out = np.take_along_axis(where, _leave_one_out(k), axis=1)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=64)
def _leave_one_out(k: int) -> np.ndarray:
    """Row j lists the indices 0..k-1 without j."""
    full = np.broadcast_to(np.arange(k), (k, k))
    keep = full[~np.eye(k, dtype=bool)].reshape(k, k - 1)
    keep.setflags(write=False)
    return keep


def _smc(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared multiple correlations as ``psych::smc`` for a stack of correlation matrices.

    ``smc = 1 - 1 / diag(Pinv(R))`` with psych's pseudo-inverse (singular values at or below
    sqrt(eps) times the largest are dropped), then clamped to [0, 1] as psych does.  Returns
    (smc, clamped) with one row, and one flag, per matrix of the stack ``r`` (b, p, p).
    """
    u, d, vt = np.linalg.svd(r)
    keep = d > _PINV_TOL * d[:, :1]
    dinv = np.where(keep, 1 / np.where(keep, d, 1.0), 0.0)
    diag = np.einsum("bmi,bm,bim->bi", vt, dinv, u)
    with np.errstate(divide="ignore"):
        s = 1 - 1 / diag
    clamped = ((s > 1) | (s < 0)).any(axis=1)
    return np.clip(s, 0.0, 1.0), clamped


def _cov2cor(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def _smc_whole_and_dropped(r: np.ndarray, keep: np.ndarray | None) -> tuple[Any, Any]:
    """smc of R and of every R with one item left out: ((smc, clamped), (smc, clamped)).

    When R is positive definite and well conditioned (smallest eigenvalue above psych's
    pseudo-inverse tolerance times the largest), psych's Pinv is the ordinary inverse for R and,
    by eigenvalue interlacing, for each of its principal submatrices; the inverse of R without
    item j then follows from P = R^-1 as P_ii - P_ij^2 / P_jj.  Otherwise each matrix goes
    through the pseudo-inverse.
    """
    w, v = np.linalg.eigh(r)
    if w[0] > _PINV_TOL * w[-1]:
        p = (v / w) @ v.T
        d = np.diag(p)
        whole = (1 - 1 / d)[None]
        out_whole = (np.clip(whole, 0.0, 1.0), ((whole > 1) | (whole < 0)).any(axis=1))
        if keep is None:
            return out_whole, None
        sub = d[None, :] - p**2 / d[:, None]  # sub[j, i]: diag of inv(R without j) at i
        dropped = 1 - 1 / np.take_along_axis(sub, keep, axis=1)
        clamped = ((dropped > 1) | (dropped < 0)).any(axis=1)
        return out_whole, (np.clip(dropped, 0.0, 1.0), clamped)
    out_whole = _smc(r[None])
    if keep is None:
        return out_whole, None
    return out_whole, _smc(r[keep[:, :, None], keep[:, None, :]])


def _alpha_parts(c: np.ndarray, r: np.ndarray, smc_clamped: tuple[Any, Any]) -> dict[str, Any]:
    """psych's internal ``alpha.1`` for a stack of covariance and correlation matrices (b, p, p).

    Vectorised over the stack so that the scale and all its item-dropped versions are computed
    in one pass; ``smc_clamped`` is (smc, clamped) for the stack.
    """
    k = c.shape[1]
    sum_c = c.sum(axis=(1, 2))
    tr_c = np.einsum("bii->b", c)
    sum_r = r.sum(axis=(1, 2))
    smc, clamped = smc_clamped
    av_r = (sum_r - k) / (k * (k - 1))
    li, lj = _lower_triangle(k)
    lower = np.sort(r[:, li, lj], axis=1)
    m = lower.shape[1]
    med_r = (lower[:, (m - 1) // 2] + lower[:, m // 2]) / 2
    var_r = None
    if m > 1:
        dev = lower - (lower.sum(axis=1) / m)[:, None]
        var_r = np.einsum("bi,bi->b", dev, dev) / (m - 1)
    cc = c @ c
    # asymptotic variance of alpha times n (van Zyl, Neudecker & Nel 2000; Duhachek &
    # Iacobucci 2004), psych's Q
    q = (2 * k**2 / ((k - 1) ** 2 * sum_c**3)) * (
        sum_c * (np.einsum("bii->b", cc) + tr_c**2) - 2 * tr_c * cc.sum(axis=(1, 2))
    )
    return {
        "raw_alpha": (1 - tr_c / sum_c) * k / (k - 1),
        "std_alpha": (1 - k / sum_r) * k / (k - 1),
        "G6": 1 - (k - smc.sum(axis=1)) / sum_r,
        "average_r": av_r,
        "s_n": k * av_r / (1 - av_r),
        "q": q,
        "var_r": var_r,
        "med_r": med_r,
        "smc": smc,
        "clamped": clamped,
    }


def _dropped_parts(c: np.ndarray, r: np.ndarray, smc_clamped: tuple[Any, Any]) -> dict[str, Any]:
    """:func:`_alpha_parts` of every submatrix with one item left out, from the full matrices.

    The sums, traces and products of C and R without item j follow from those of the full
    matrices (for instance ``sum(C[-j, -j]) = sum(C) - 2 colSums(C)[j] + C[j, j]``), so no
    submatrix is formed; the result equals psych's ``alpha.1`` applied to each submatrix.
    """
    k = c.shape[0]
    kk = k - 1
    col_c = c.sum(axis=0)
    d = np.diag(c)
    sum_c = c.sum() - 2 * col_c + d
    tr_c = d.sum() - d
    sum_r = r.sum() - 2 * r.sum(axis=0) + 1
    smc, clamped = smc_clamped
    av_r = (sum_r - kk) / (kk * (kk - 1))
    c2 = c * c
    tr_cc = c2.sum() - 2 * c2.sum(axis=1) + d * d
    rows = col_c[None, :] - c  # rows[j, m]: sum over b != j of C[m, b]
    sum_cc = (rows * rows).sum(axis=1) - np.diag(rows) ** 2
    q = (2 * kk**2 / ((kk - 1) ** 2 * sum_c**3)) * (sum_c * (tr_cc + tr_c**2) - 2 * tr_c * sum_cc)
    med_r, var_r = _dropped_r_spread(r)
    return {
        "raw_alpha": (1 - tr_c / sum_c) * kk / (kk - 1),
        "std_alpha": (1 - kk / sum_r) * kk / (kk - 1),
        "G6": 1 - (kk - smc.sum(axis=1)) / sum_r,
        "average_r": av_r,
        "s_n": kk * av_r / (1 - av_r),
        "q": q,
        "var_r": var_r,
        "med_r": med_r,
        "smc": smc,
        "clamped": clamped,
    }


def _dropped_r_spread(r: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Median and variance of the inter-item correlations with each item left out in turn.

    The correlations below the diagonal are sorted once.  Leaving item j out removes the k - 1
    pairs that involve it; with their ranks R_0 < R_1 < ... in the full order, the element at
    position t of what remains is the element at position ``t + #{i : R_i - i <= t}`` of the
    full order, so each median is read off without sorting again.  The variance comes from the
    sums of the deviations from the overall mean, less the removed pairs' share.  The values are
    those of sorting each item-dropped list (psych's ``alpha.1`` on every submatrix).
    """
    k = r.shape[0]
    li, lj = _lower_triangle(k)
    values = r[li, lj]
    total = len(values)
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    rank = np.empty(total, dtype=np.intp)
    rank[order] = np.arange(total)
    involved = _pairs_of_item(k)
    removed = np.sort(rank[involved], axis=1) - np.arange(k - 1)
    m = total - (k - 1)

    def at(t: int) -> np.ndarray:
        return ranked[t + (removed <= t).sum(axis=1)]

    med_r = (at((m - 1) // 2) + at(m // 2)) / 2
    if m < 2:
        return med_r, None
    dev = values - values.mean()
    gone = dev[involved]
    d1 = dev.sum() - gone.sum(axis=1)
    d2 = np.dot(dev, dev) - np.einsum("ji,ji->j", gone, gone)
    return med_r, (d2 - d1 * d1 / m) / (m - 1)


def _feldt(alpha: float, n: int, k: int, conf_level: float) -> FeldtInterval:
    p = 1 - conf_level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    from scipy.special import fdtri

    lower = 1 - (1 - alpha) * fdtri(df1, df2, 1 - p / 2)
    upper = 1 - (1 - alpha) * fdtri(df1, df2, p / 2)
    return FeldtInterval(float(lower), float(upper), conf_level)


def _negative_items(r: np.ndarray, names: tuple[str, ...]) -> list[str]:
    """Items loading negatively on the first principal component (psych's reversal hint).

    psych uses ``principal(x)``, i.e. the eigenvectors of ``cor(x, use = "pairwise")``; with
    complete data that is cov2cor of the covariances.
    """
    if (r >= 0).all():
        return []  # a non-negative matrix has a non-negative first eigenvector
    _, vecs = np.linalg.eigh(r)
    first = vecs[:, -1]
    if first.sum() < 0:
        first = -first
    return [names[j] for j in np.flatnonzero(first < 0)]


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
# an item's sum of squares over a pair's rows about their mean, at or below this share of its sum
# of squares about the item's overall mean, is a rounding residue: the item is constant there
_CONSTANT_PAIR = 1e-9


@dataclass(frozen=True)
class _Sums:
    """Sums over the rows as k x k matrices, items not reversed: what alpha and omega share.

    x0 holds the answers less each item's mean (``shift``), 0 where missing, and M the answered
    indicators.  With complete data only ``xx`` (the centred cross-products); with missing
    answers, the sums over pairs of :class:`_PairSums`.
    """

    shift: np.ndarray  # each item's mean over its answers
    xx: np.ndarray  # x0'x0


@dataclass(frozen=True)
class _PairSums(_Sums):
    """:class:`_Sums` with missing answers: the sums over the rows where both items were answered."""

    col: np.ndarray  # column sums of x0 (about 0: the rounding left by centring)
    xm: np.ndarray  # x0'M[j, l]: sum of item j over the rows where l was answered
    mm: np.ndarray  # M'M: the pairs' counts
    squares: np.ndarray | None = None  # (x0 * x0)'M, when the answers were multiplied
    lost_sq: np.ndarray | None = None  # [j, l]: sum of x0_j^2 over rows where l is missing


@dataclass(frozen=True)
class _Rows:
    """The row-level arrays behind :class:`_Sums`, which alpha's total score needs too."""

    x0: np.ndarray  # centred answers, 0 where missing (complete data: centred answers)
    mf: np.ndarray | None = None  # M as floats; None with complete data
    answered: np.ndarray | None = None  # answers per row, as floats


def _centred(items: PreparedItems) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The answers less each item's mean, 0 where missing; M as floats; the means."""
    x = items.x
    ones = np.ones(x.shape[0])
    if items.missing is None:
        shift = (ones @ x) / x.shape[0]
        return x - shift, None, shift
    mf = (~items.missing).astype(float)
    x0 = x.copy(order="F")
    np.copyto(x0, 0.0, where=items.missing)
    shift = (ones @ x0) / items.counts
    x0 -= shift
    np.copyto(x0, 0.0, where=items.missing)
    return x0, mf, shift


def _row_sums(items: PreparedItems) -> tuple[_Sums, _Rows]:
    """One pass over the rows: the shared sums, kept on ``items`` for the next statistic."""
    x0, mf, shift = _centred(items)
    sums: _Sums
    if items.missing is None or mf is None:
        sums, rows = _Sums(shift, x0.T @ x0), _Rows(x0)
    else:
        sums, rows = _pair_sums(x0, items.missing, mf, items.counts.astype(float), shift)
    items.shared["sums"] = sums
    return sums, rows


def _shared_sums(items: PreparedItems) -> _Sums:
    """The sums a statistic already computed for these items, or computed now."""
    sums = items.shared.get("sums")
    return _row_sums(items)[0] if sums is None else sums


def _pair_sums(
    x0: np.ndarray, missing: np.ndarray, mf: np.ndarray, cnt: np.ndarray, shift: np.ndarray
) -> tuple[_PairSums, _Rows]:
    """Sums over the rows where both items of a pair were answered, as k x k matrices.

    ``x0'x0``, ``x0'M`` and ``M'M`` (see :class:`_Sums`): ``x0'M[j, l]`` is the sum of item j
    over the rows where j and l were answered, ``M'M`` the pairs' counts.

    With few missing answers (under 10%), ``x0'M`` and ``M'M`` are the complete-data sums less
    the rows where l is missing, gathered from those rows alone (``M'M`` and the answers per row
    are counts, so exact either way); otherwise one product of the stacked matrix [x0, M] with
    itself gives them.  Both give the same sums.
    """
    n, k = x0.shape
    ones = np.ones(n)
    col_x = ones @ x0
    lost = np.flatnonzero(missing.ravel(order="F"))  # column-major: item by item
    if len(lost) > _SPARSE_MISSING * n * k:
        z = np.concatenate([x0, mf], axis=1)
        g = z.T @ z
        sums = _PairSums(shift, g[:k, :k], col_x, g[:k, k:], g[k:, k:], (x0 * x0).T @ mf)
        return sums, _Rows(x0, mf, mf @ np.ones(k))
    lost_item, lost_row = np.divmod(lost, n)
    items, starts = np.unique(lost_item, return_index=True)
    rows_x = x0[lost_row]
    sub_x = np.zeros((k, k))  # sub_x[l, j]: sum of x0_j over the rows where l is missing
    sub_m = np.zeros((k, k))  # sub_m[l, j]: rows where l is missing and j answered
    sub_q = np.zeros((k, k))  # sub_q[l, j]: sum of x0_j^2 over the rows where l is missing
    sub_x[items] = np.add.reduceat(rows_x, starts, axis=0)
    sub_m[items] = np.add.reduceat(mf[lost_row], starts, axis=0)
    sub_q[items] = np.add.reduceat(rows_x * rows_x, starts, axis=0)
    sums = _PairSums(
        shift, x0.T @ x0, col_x, col_x[:, None] - sub_x.T, cnt[None, :] - sub_m, lost_sq=sub_q.T
    )
    answered = (k - np.bincount(lost_row, minlength=n)).astype(float)
    return sums, _Rows(x0, mf, answered)


def _alpha_squares(sums: _PairSums, rows: _Rows) -> np.ndarray:
    """(x0 * x0)'M, as alpha has always computed it (for its hint of items to reverse)."""
    if sums.squares is not None:
        return sums.squares
    return (np.ones(rows.x0.shape[0]) @ (rows.x0 * rows.x0))[:, None] - sums.lost_sq


def _pairwise_r(items: PreparedItems) -> np.ndarray:
    """``cor(x, use = "pairwise")`` from the shared sums: each correlation with the means and
    standard deviations of its own complete pairs (complete data: cov2cor of the covariances).

    The squares of x0 over the pairs come from the diagonal of ``x0'x0`` less the rows where
    the other item is missing, so no pass over the rows is needed once alpha has run.  An item
    with one answer from everyone who answered the other item of a pair has no correlation with
    it (R gives NA): that raises :class:`~readiness.errors.StatsError`.
    """
    sums = _shared_sums(items)
    if not isinstance(sums, _PairSums):
        return _cov2cor(sums.xx)
    _check_pairs(sums.mm, items.names)
    s, t = sums.xm, sums.mm
    sq = sums.squares if sums.squares is not None else np.diag(sums.xx)[:, None] - sums.lost_sq
    cov = sums.xx - s * s.T / t
    spread = sq - s * s / t  # [j, l]: item j's sum of squares over the pairs with l
    # an item constant over a pair's rows leaves only a rounding residue here
    constant = spread <= _CONSTANT_PAIR * sq
    for j, other in zip(*np.nonzero(constant), strict=True):
        raise StatsError(
            f"item {items.names[j]} has the same answer from everyone who answered both it "
            f"and item {items.names[other]}, so their correlation is undefined. Fix: leave one "
            "of the two items out, or use missing='listwise'."
        )
    return cov / np.sqrt(spread * spread.T)


def _item_moments(
    items: PreparedItems, rev: list[int], adjust: float | None, *, pairwise_r: bool
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
    sums, rows = _row_sums(items)
    n, k = items.x.shape
    sign = np.ones(k)
    sign[rev] = -1.0
    if not isinstance(sums, _PairSums):
        return _complete_moments(sums, rows, sign, rev, adjust)
    cnt = items.counts.astype(float)
    x0, mf = rows.x0, cast(np.ndarray, rows.mf)
    cross_xx, s_pair, together = sums.xx, sums.xm, sums.mm
    _check_pairs(together, items.names)
    c = (cross_xx - s_pair * s_pair.T / together) / (together - 1)
    r_pairwise = None
    if pairwise_r and (c < 0).any():
        # cor(x, use = "pairwise") has the signs of the covariances: needed only when
        # some are negative (otherwise no item loads negatively)
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = _alpha_squares(sums, rows) - s_pair * s_pair / together
            r_pairwise = c * (together - 1) / np.sqrt(spread * spread.T)
    # each respondent's mean of the answered items, after reversal
    base = np.where(sign < 0, adjust if adjust is not None else 0.0, 0.0) + sign * sums.shift
    total = (mf @ base + x0 @ sign) / rows.answered
    total_mean = float(total.mean())
    dt = total - total_mean
    # raw_r: sums over the rows where item j was answered
    on = np.column_stack([dt, dt * dt]).T @ mf
    t_mean = on[0] / cnt
    x_mean0 = sums.col / cnt  # about 0: the rounding left by centring
    return _moments(
        c * np.outer(sign, sign) if rev else c,
        cnt,
        ss_x=np.diag(cross_xx) - cnt * x_mean0 * x_mean0,
        ss_t=on[1] - cnt * t_mean * t_mean,
        cross=sign * (dt @ x0 - cnt * x_mean0 * t_mean),
        x_mean=base + sign * x_mean0,
        total=(total_mean, math.sqrt(float(dt @ dt) / (n - 1))),
        r_pairwise=r_pairwise,
    )


def _complete_moments(
    sums: _Sums, rows: _Rows, sign: np.ndarray, rev: list[int], adjust: float | None
) -> _Moments:
    """:func:`_item_moments` without missing answers."""
    dx, ss, shift = rows.x0, sums.xx, sums.shift
    n, k = dx.shape
    x_mean = shift
    if rev:
        x_mean = shift.copy()
        x_mean[rev] = adjust - shift[rev]
    t_dev = (dx @ sign) / k  # each row's item mean, less the mean of the item means
    total_mean = float(x_mean.mean() + t_dev.mean())
    dt = t_dev - t_dev.mean()
    c = ss / (n - 1)
    return _moments(
        c * np.outer(sign, sign) if rev else c,
        np.full(k, float(n)),
        ss_x=np.diag(ss).copy(),
        ss_t=np.full(k, float(dt @ dt)),
        cross=sign * (dt @ dx),
        x_mean=x_mean,
        total=(total_mean, math.sqrt(float(dt @ dt) / (n - 1))),
        r_pairwise=None,
    )


def _moments(
    c: np.ndarray,
    cnt: np.ndarray,
    *,
    ss_x: np.ndarray,
    ss_t: np.ndarray,
    cross: np.ndarray,
    x_mean: np.ndarray,
    total: tuple[float, float],
    r_pairwise: np.ndarray | None,
) -> _Moments:
    """The item statistics from the sums of squares and cross-products."""
    with np.errstate(invalid="ignore", divide="ignore"):  # checked by the caller
        raw_r = cross / np.sqrt(ss_t * ss_x)
    return _Moments(
        c=c,
        r_pairwise=r_pairwise,
        cnt=cnt,
        x_mean=x_mean,
        item_sd=np.sqrt(ss_x / (cnt - 1)),
        raw_r=raw_r,
        total_mean=total[0],
        total_sd=total[1],
    )


# --- alpha ----------------------------------------------------------------------------------


# long: psych::alpha's statistics share their matrices and are checked together
def cronbach_alpha(
    x: Any,
    *,
    reverse: Iterable[str | int] | str | int | None = None,
    missing: str = "pairwise",
    conf_level: float = 0.95,
    blank_rows: str = "keep",
) -> AlphaResult:
    """Cronbach's alpha with the item and alpha-if-dropped statistics of ``psych::alpha``.

    Parameters
    ----------
    x
        The answers, one row per respondent and one column per item: a DataFrame (its column
        names name the items), a mapping of names to columns, or a 2-D array; NaN (or None) for a
        missing answer.  Or the items from :func:`prepare_items`, shared with :func:`omega_total`.
    reverse
        Reverse-keyed items, by name or 0-based column index (psych's ``keys``); None reverses
        nothing (psych's default ``check.keys = FALSE``).
    missing
        ``"pairwise"`` (psych's default): each covariance uses everyone who answered both items;
        ``"listwise"``: respondents with any missing answer are dropped first.
    conf_level
        The level of the Feldt interval.
    blank_rows
        Rows with no answer to any item: ``"keep"`` counts them in n, as psych does (only ``ase``
        and the Feldt interval change); ``"drop"`` leaves them out.

    Returns
    -------
    AlphaResult
        ``raw_alpha``, ``std_alpha``, ``G6``, ``average_r``, ``s_n``, ``ase``, ``mean``, ``sd``,
        ``median_r``, ``var_r``, the ``feldt`` interval, one :class:`AlphaItem` per item (with
        alpha if it is dropped), ``n`` and ``warnings``.

    Raises
    ------
    StatsError
        An item without variance or that nobody answered, fewer than 2 items or respondents,
        items whose covariances add up to zero or less.

    Notes
    -----
    Formulas (psych 2.2.9, ``alpha`` with ``check.keys = FALSE``): with C the item covariance
    matrix (pairwise or listwise, divisor n - 1), R = cov2cor(C) and k items,

    - ``raw_alpha = k / (k - 1) * (1 - tr(C) / sum(C))`` (Cronbach 1951);
    - ``std_alpha = k / (k - 1) * (1 - k / sum(R))``; ``average_r = (sum(R) - k) / (k (k - 1))``;
    - ``G6 = 1 - (k - sum(smc)) / sum(R)`` (Guttman 1945), smc from the pseudo-inverse of R;
    - ``s_n = k * average_r / (1 - average_r)`` (Cortina 1993);
    - ``ase = sqrt(Q / n)``, Q the asymptotic variance of Duhachek & Iacobucci (2004);
    - ``feldt``: ``1 - (1 - alpha) * F_{1-p/2}`` to ``1 - (1 - alpha) * F_{p/2}``, F with
      (n - 1, (n - 1)(k - 1)) degrees of freedom (Feldt, Woodruff & Salih 1987), psych's
      ``alpha.ci`` with p = 1 - conf_level (psych always uses 0.95);
    - per item: ``raw_r`` correlates the item with each respondent's mean of answered items,
      ``std_r = colSums(R) / sqrt(sum(R))``, ``r_cor`` the same with smc on the diagonal of R,
      ``r_drop = (sum(C[, i]) - C[i, i]) / sqrt(C[i, i] * sum(C[-i, -i]))``.

    Reverse-keyed items are handled as psych's ``keys`` argument does: their covariances change
    sign, and their answers are reversed as ``(min + max) - x`` where min and max are taken over
    *all* items' observed answers (not over the reversed item alone), which changes only the means
    and ``raw_r``.  Without ``reverse``, items that load negatively on the first principal
    component are named in ``warnings``, as psych warns.

    Rows with no answer to any item: psych counts every row of the data in n (``n.obs``), so a
    blank row changes ``ase``, ``feldt`` and the ``alpha_se`` of each dropped item, and nothing
    else; ``n_blank`` says how many such rows ``n`` includes.  With ``missing="listwise"`` they are
    dropped like any incomplete row, as ``alpha(na.omit(x))``.

    Speed: one pass over the rows gives the covariances, the item statistics and ``raw_r``
    (:func:`_item_moments`; with missing answers, pairwise sums and counts as k x k matrices);
    the alphas with each item dropped follow from the full matrices (:func:`_dropped_parts`,
    :func:`_smc_whole_and_dropped`), with no loop over items or rows.

    Differences from psych: an item without variance, an item nobody answered, fewer than 2 items
    or respondents raise :class:`StatsError` instead of being dropped or giving NA; with two
    items, alpha if dropped is ``None`` (psych fills in covariance ratios that are not alphas).

    References
    ----------
    Cronbach LJ. Coefficient alpha and the internal structure of tests. Psychometrika
    1951;16:297-334.  Revelle W. psych: Procedures for Psychological, Psychometric, and
    Personality Research, ``alpha`` (R package, version 2.2.9), whose results this matches.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [5, 4, 3, 2, 2]})
    >>> res = cronbach_alpha(d, reverse=["c"])
    >>> round(res.raw_alpha, 3), res.n, res.missing
    (0.964, 5, 'pairwise')
    """
    _check_conf_level(conf_level)
    if blank_rows not in BLANK_ROWS:
        raise StatsError(
            f"blank_rows must be 'keep' or 'drop' (got {blank_rows!r}). Fix: 'keep' counts rows "
            "with no answer in n as psych::alpha does; 'drop' leaves them out."
        )
    prepared = _items_for(x, missing, what="alpha")
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


# --- bootstrap ------------------------------------------------------------------------------


class _AlphaSums:
    """Raw alpha of weighted resamples from weighted sums (no loop over resamples).

    A resample is a vector w of how often each row was drawn.  Every pairwise covariance is a
    function of four weighted sums over the rows where both items are present: the count, the
    sum of each item and the sum of their product.  Stacking those per-row terms as the columns
    of Z, ``W @ Z`` gives the sums of all resamples at once.  With no missing answers the count
    is n and the item sums do not depend on the pair, so Z is smaller.
    """

    def __init__(self, x: np.ndarray):
        n, k = x.shape
        self.k = k
        self.n = n
        self.complete = not np.isnan(x).any()
        x = x - np.nanmean(x, axis=0)  # covariances are shift-invariant; this keeps sums small
        self.pairs = [(i, j) for j in range(k) for i in range(j + 1)]
        ii = np.array([p[0] for p in self.pairs])
        jj = np.array([p[1] for p in self.pairs])
        self.ii, self.jj = ii, jj
        if self.complete:
            self.z = np.hstack([x, x[:, ii] * x[:, jj]])
        else:
            m = ~np.isnan(x)
            x0 = np.where(m, x, 0.0)
            both = (m[:, ii] & m[:, jj]).astype(float)
            self.z = np.hstack(
                [both, both * x0[:, ii], both * x0[:, jj], both * x0[:, ii] * x0[:, jj]]
            )

    def alpha(self, sums: np.ndarray, total_weight: float) -> np.ndarray:
        k, p = self.k, len(self.pairs)
        if self.complete:
            s = sums[:, :k]
            cross = sums[:, k:]
            cov = (cross - s[:, self.ii] * s[:, self.jj] / total_weight) / (total_weight - 1)
        else:
            cnt = sums[:, :p]
            si, sj, sij = sums[:, p : 2 * p], sums[:, 2 * p : 3 * p], sums[:, 3 * p :]
            with np.errstate(divide="ignore", invalid="ignore"):
                cov = (sij - si * sj / cnt) / (cnt - 1)
            cov[cnt < 2] = np.nan
        on_diag = self.ii == self.jj
        tr = cov[:, on_diag].sum(axis=1)
        tot = tr + 2 * cov[:, ~on_diag].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (1 - tr / tot) * k / (k - 1)


def alpha_bootstrap_ci(
    x: Any,
    *,
    n_boot: int = 2000,
    method: str = "percentile",
    conf_level: float = 0.95,
    seed: int | None = None,
    reverse: Iterable[str | int] | str | int | None = None,
    missing: str = "pairwise",
) -> AlphaBootstrap:
    """A nonparametric bootstrap confidence interval for raw alpha (respondents resampled).

    Parameters
    ----------
    x
        The answers, one row per respondent and one column per item: a DataFrame (its column
        names name the items), a mapping of names to columns, or a 2-D array; NaN (or None) for a
        missing answer.
    n_boot
        The number of resamples.
    method
        ``"percentile"`` or ``"bca"`` (bias-corrected and accelerated).
    conf_level
        The confidence level, strictly between 0 and 1.
    seed
        The seed of NumPy's generator, for a reproducible interval.
    reverse, missing
        As in :func:`cronbach_alpha`.

    Returns
    -------
    AlphaBootstrap
        ``raw_alpha`` from all the data, ``lower`` and ``upper``, ``n_valid`` (resamples whose
        alpha could be computed), and for BCa ``z0`` and ``acceleration``.

    Notes
    -----
    Resampling protocol (so that results can be reproduced): rows are drawn with
    ``numpy.random.default_rng(seed).integers(0, n, size=(n_boot, n))``, one row of indices per
    resample; each resample's alpha is computed with the same missing-data policy as
    :func:`cronbach_alpha` (pairwise covariances by default), vectorised as weighted sums.
    ``method="percentile"`` takes the (1 - level)/2 and (1 + level)/2 quantiles of the resampled
    alphas; ``"bca"`` adjusts them for bias (z0, the normal quantile of the share of resamples
    below the estimate) and skewness (acceleration from the jackknife).  Quantiles are
    interpolated as R's default type 7.

    References
    ----------
    Efron B, Tibshirani RJ. *An Introduction to the Bootstrap*. Chapman & Hall, 1993, eqs.
    14.9-14.15.  psych's ``alpha(n.iter = ...)`` gives a percentile interval of the same kind, but
    from R's random numbers, so the limits are not comparable digit for digit.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 1)) + rng.normal(size=(200, 5))
    >>> ci = alpha_bootstrap_ci(x, n_boot=500, seed=1)
    >>> ci.lower < ci.raw_alpha < ci.upper, ci.n
    (True, 200)
    """
    if method not in BOOT_METHODS:
        raise StatsError(f"method must be 'percentile' or 'bca' (got {method!r}).")
    if int(n_boot) < 50:
        raise StatsError(
            f"n_boot={n_boot} resamples are too few for an interval. Fix: use at least 1000."
        )
    n_boot = int(n_boot)
    _check_conf_level(conf_level)
    arr, names = _prepare(x, missing)
    rev = _resolve_reverse(reverse, names)
    arr = arr.copy()
    arr[:, rev] = -arr[:, rev]  # reversal only flips the sign of covariances
    n = arr.shape[0]
    sums = _AlphaSums(arr)
    estimate = float(sums.alpha(sums.z.sum(axis=0)[None, :], n)[0])

    rng = np.random.default_rng(seed)
    chunk = max(1, 4_000_000 // n)
    boots = np.empty(n_boot)
    offsets = None
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        if offsets is None or len(offsets) != b:
            offsets = (np.arange(b) * n)[:, None]
        w = np.bincount((idx + offsets).ravel(), minlength=b * n).reshape(b, n)
        boots[start : start + b] = sums.alpha(w.astype(float) @ sums.z, n)
    valid = boots[np.isfinite(boots)]
    if valid.size < max(50, n_boot // 2):
        raise StatsError(
            f"only {valid.size} of {n_boot} resamples gave an alpha (pairs of items were too "
            "rarely answered together). Fix: use missing='listwise' or more respondents."
        )

    tail = (1 - conf_level) / 2
    z0 = accel = None
    if method == "percentile":
        lo_p, hi_p = tail, 1 - tail
    else:
        from scipy.special import ndtr, ndtri  # the normal cdf and quantile

        share = float(np.mean(valid < estimate))
        if share in (0.0, 1.0):
            raise StatsError(
                "every resample fell on one side of the estimate, so the BCa bias correction "
                "is infinite. Fix: use method='percentile' or more respondents."
            )
        z0 = float(ndtri(share))
        jack = sums.alpha(sums.z.sum(axis=0)[None, :] - sums.z, n - 1)
        if not np.isfinite(jack).all():
            raise StatsError(
                "alpha could not be computed with some respondent left out, so the BCa "
                "acceleration is unknown. Fix: use method='percentile'."
            )
        d = jack.mean() - jack
        denom = 6 * np.sum(d**2) ** 1.5
        accel = float(np.sum(d**3) / denom) if denom > 0 else 0.0
        za, zb = ndtri(tail), ndtri(1 - tail)
        lo_p = float(ndtr(z0 + (z0 + za) / (1 - accel * (z0 + za))))
        hi_p = float(ndtr(z0 + (z0 + zb) / (1 - accel * (z0 + zb))))
    lower, upper = np.quantile(valid, [lo_p, hi_p])
    return AlphaBootstrap(
        raw_alpha=estimate,
        lower=float(lower),
        upper=float(upper),
        conf_level=conf_level,
        method=method,
        n_boot=n_boot,
        n_valid=int(valid.size),
        seed=seed,
        n=n,
        missing=missing,
        z0=z0,
        acceleration=accel,
    )


# --- KR-20 ----------------------------------------------------------------------------------


def kr20(x: Any, *, missing: str = "listwise") -> KR20Result:
    """Kuder-Richardson formula 20 for items scored 0/1.

    Parameters
    ----------
    x
        The answers, one row per respondent and one column per item: a DataFrame (its column
        names name the items), a mapping of names to columns, or a 2-D array; NaN (or None) for a
        missing answer.
    missing
        ``"listwise"``, the only policy accepted: KR-20 is defined for complete data, so
        respondents with a missing answer are dropped.

    Returns
    -------
    KR20Result
        ``kr20``, each item's proportion answering 1 (``p``), the ``total_variance`` and ``n``.

    Notes
    -----
    ``KR20 = k / (k - 1) * (1 - sum(p_j q_j) / var(total))``, with p_j the proportion answering 1
    and q_j = 1 - p_j.  Variance convention: p_j q_j is the item variance with divisor n, so the
    total-score variance also uses divisor n; with the same divisor in both, KR-20 equals
    :func:`cronbach_alpha`'s ``raw_alpha`` on the same complete data exactly (alpha's n - 1
    divisors cancel in the ratio).  Mixing divisors (p q with n, total variance with n - 1), as
    some textbooks do, gives a slightly larger value.

    References
    ----------
    Kuder GF, Richardson MW. The theory of the estimation of test reliability. Psychometrika
    1937;2:151-160.

    Examples
    --------
    >>> round(kr20([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 0]]).kr20, 4)
    0.6923
    """
    if missing != "listwise":
        raise StatsError(
            f"KR-20 is defined for complete data; missing must be 'listwise' (got {missing!r}). "
            "Fix: use cronbach_alpha(missing='pairwise') for alpha from pairwise data."
        )
    arr, names = _prepare(x, "listwise", what="KR-20")
    for j, name in enumerate(names):
        bad = arr[:, j][(arr[:, j] != 0) & (arr[:, j] != 1)]
        if bad.size:
            raise StatsError(
                f"item {name} has the value {bad[0]:g}; KR-20 needs items scored 0 and 1. "
                "Fix: recode the item, or use cronbach_alpha for items with more levels."
            )
    n, k = arr.shape
    p = arr.mean(axis=0)
    total_var = float(arr.sum(axis=1).var())
    value = k / (k - 1) * (1 - float(np.sum(p * (1 - p))) / total_var)
    return KR20Result(
        kr20=value,
        p=tuple(float(v) for v in p),
        total_variance=total_var,
        items=names,
        n_items=k,
        n=n,
    )


# --- omega ----------------------------------------------------------------------------------


def _minres_one_factor(r: np.ndarray, max_iter: int, tol: float) -> tuple[np.ndarray, int, bool]:
    """One-factor minres (unweighted least squares) loadings by iterated principal axes.

    psych's ``fa(fm = "minres")`` minimises the off-diagonal squared residuals over the
    uniquenesses with L-BFGS-B (bounds 0.005 and 1, start 1 - smc).  Its minimum is the fixed
    point of principal-axis iteration (communalities = squared loadings of the first
    eigenvector of R with the communalities on its diagonal), which we iterate to ``tol``,
    starting from the smc and keeping uniquenesses within psych's bounds.
    """
    h = _smc(r[None])[0][0]
    heywood = False
    for it in range(1, max_iter + 1):
        s = r.copy()
        np.fill_diagonal(s, h)
        vals, vecs = np.linalg.eigh(s)
        lam = vecs[:, -1] * math.sqrt(max(vals[-1], 0.0))
        h_new = np.clip(lam**2, 0.0, 1 - 0.005)
        heywood = bool((lam**2 > 1 - 0.005).any())
        if np.max(np.abs(h_new - h)) < tol:
            s = r.copy()
            np.fill_diagonal(s, h_new)
            vals, vecs = np.linalg.eigh(s)
            lam = vecs[:, -1] * math.sqrt(max(vals[-1], 0.0))
            return lam, it, heywood
        h = h_new
    raise StatsError(
        f"the one-factor model did not converge in {max_iter} iterations. Fix: check that the "
        "items measure one thing, or use cronbach_alpha."
    )


def omega_total(
    x: Any, *, missing: str = "pairwise", max_iter: int = 100_000, tol: float = 1e-13
) -> OmegaResult:
    """McDonald's omega total from a one-factor model, as ``psych::omega(x, nfactors = 1)``.

    Also exported as ``readiness.stats.mcdonald_omega``.

    Parameters
    ----------
    x
        The answers, one row per respondent and one column per item: a DataFrame (its column
        names name the items), a mapping of names to columns, or a 2-D array; NaN (or None) for a
        missing answer.  Or the items from :func:`prepare_items`, shared with
        :func:`cronbach_alpha` (whose sums over the rows omega then reuses).
    missing
        ``"pairwise"`` (psych's ``cor(x, use = "pairwise")``) or ``"listwise"``.
    max_iter, tol
        The limits of the principal-axis iteration that fits the factor.

    Returns
    -------
    OmegaResult
        ``omega_tot``, the ``loadings`` and uniquenesses ``u2`` (after flipping), the items
        ``flipped``, ``heywood`` and ``n``.

    Notes
    -----
    psych's path with one factor: R is ``cor(x, use = "pairwise")`` (each correlation with the
    means and standard deviations of its own complete pairs; not cov2cor of the covariances as in
    ``alpha``); one factor is fitted by minres (``fm = "minres"``, psych's default); items that
    load negatively are flipped (``flip = TRUE``); then, with R' the flipped matrix and
    u2 = 1 - loading^2, ``omega_tot = (sum(R') - sum(u2)) / sum(R')``.

    For one factor omega_h equals omega_tot and psych says it is not meaningful; only omega total
    is returned.  The factor is found by principal-axis iteration to convergence (see
    :func:`_minres_one_factor`), which agrees with psych's optimiser to about 1e-8; when a
    uniqueness sits at psych's lower bound 0.005 (a Heywood case, flagged in ``heywood``) psych's
    optimiser stops a little earlier and the two agree to about 1e-6.

    References
    ----------
    McDonald RP. *Test Theory: A Unified Treatment*. Erlbaum, 1999, ch. 6.  Revelle W, Zinbarg RE.
    Coefficients alpha, beta, omega, and the glb. Psychometrika 2009;74:145-154.  psych's
    ``omega``, whose results this matches.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = 0.7 * rng.normal(size=(500, 1)) + 0.7 * rng.normal(size=(500, 6))
    >>> res = omega_total(x)
    >>> 0.8 < res.omega_tot < 0.9, res.n
    (True, 500)
    """
    items = _items_for(x, missing, what="omega")
    names = items.names
    n, k = items.x.shape
    r = _pairwise_r(items)
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
