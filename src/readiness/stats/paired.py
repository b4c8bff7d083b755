"""Paired (before/after) statistics: the same people measured twice, or three times.

The unit is the respondent: each person's before and after answers form a pair, and every
difference is ``after - before``.  A pair with either side missing (NaN) is dropped (listwise
deletion) and every result says how many were dropped (``n_dropped``).  Each result carries
``n``, the number of complete pairs (rows for :func:`friedman`).

Each function matches an R reference, checked by ``tests/reference/paired.R``:

- :func:`paired_t`: ``t.test(after, before, paired = TRUE)``, with Cohen's d_z
  (:func:`cohens_dz`) as ``effectsize::cohens_d(after, before, paired = TRUE)`` gives it.
- :func:`wilcoxon_signed_rank`: ``wilcox.test(after, before, paired = TRUE)``, with the
  matched-pairs rank-biserial correlation (:func:`rank_biserial`) as
  ``effectsize::rank_biserial(after, before, paired = TRUE)`` gives it.
- :func:`mcnemar`: ``mcnemar.test`` (with and without continuity correction),
  ``binom.test(b, b + c)`` for the exact p-value and the conditional odds ratio's interval, and
  Newcombe's interval for the paired difference in proportions
  (:func:`newcombe_paired_difference`), as ``biostatUZH::confIntPairedProportion``.
- :func:`friedman`: ``friedman.test`` on an n x k matrix, with Kendall's W
  (:func:`kendalls_w`) as ``effectsize::kendalls_w``.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from readiness.errors import StatsError
from readiness.stats.proportions import clopper_pearson_interval, wilson_interval
from readiness.stats.result import Result

ZERO_METHODS = ("wilcox", "pratt")
EXACT_LIMIT = 50  # R's wilcox.test: exact p-values below 50 non-zero differences
EXACT_MAX = 1000  # largest n for the exact signed-rank distribution (2^n must stay finite)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohensDz(Result):
    """Cohen's d_z, the mean change in standard deviations of the change, with its interval."""

    d_z: float  # mean(after - before) / sd(after - before) = t / sqrt(n)
    lower: float  # noncentral-t interval (NaN when the changes are all the same)
    upper: float
    conf_level: float
    n: int  # complete pairs
    method: str = "noncentral t"


@dataclass(frozen=True)
class PairedT(Result):
    """The paired t-test of after - before, with the mean change and Cohen's d_z."""

    n: int  # complete pairs
    n_dropped: int  # pairs with a missing side, left out
    mean_before: float
    mean_after: float
    mean_difference: float  # mean(after - before)
    sd_difference: float
    se: float  # sd_difference / sqrt(n)
    t: float
    df: int  # n - 1
    p_value: float  # two-sided
    lower: float  # interval of the mean difference
    upper: float
    conf_level: float
    cohens_dz: CohensDz
    note: str = ""


@dataclass(frozen=True)
class RankBiserial(Result):
    """The matched-pairs rank-biserial correlation of after - before (Kerby 2014).

    ``(R+ - R-) / (R+ + R-)`` over the non-zero differences, ranked by size: the proportion of
    the rank total that favours an increase minus the proportion that favours a decrease.
    """

    r_rb: float  # from -1 (every change down) to 1 (every change up); NaN if no one changed
    lower: float  # NaN when every change is in one direction (the interval is degenerate)
    upper: float
    conf_level: float
    n: int  # complete pairs (the n in the standard error)
    n_nonzero: int  # pairs that changed (the ranks are over these)
    one_direction: bool  # every non-zero change has the same sign
    note: str = ""


@dataclass(frozen=True)
class WilcoxonSignedRank(Result):
    """The Wilcoxon signed-rank test of after - before, with the rank-biserial correlation."""

    n: int  # complete pairs
    n_dropped: int  # pairs with a missing side, left out
    n_zero: int  # pairs with no change
    n_nonzero: int  # pairs that changed
    n_positive: int
    n_negative: int
    v: float  # sum of the ranks of the positive differences (R's V)
    r_minus: float  # sum of the ranks of the negative differences
    method: str  # "exact" or "normal"
    z: float  # standard normal deviate (NaN for the exact test)
    p_value: float  # two-sided
    ties: bool  # some non-zero differences share a rank
    correct: bool  # a continuity correction was applied
    zero_method: str  # "wilcox" (zeros dropped before ranking) or "pratt"
    rank_biserial: RankBiserial
    note: str = ""


@dataclass(frozen=True)
class PairedDifference(Result):
    """A difference between two paired proportions, p_after - p_before, with its interval."""

    difference: float  # (b - c) / n
    lower: float
    upper: float
    conf_level: float
    n: int  # complete pairs
    p_before: float
    p_after: float
    phi: float  # the continuity-corrected correlation used for the pairing
    method: str = "Newcombe hybrid score"


@dataclass(frozen=True)
class McNemar(Result):
    """McNemar's test of paired 0/1 answers, exact and asymptotic, with effect sizes.

    ``a`` = 1 both times, ``b`` = 0 -> 1 (improved), ``c`` = 1 -> 0 (worsened), ``d`` = 0 both
    times.  Only ``b`` and ``c`` carry information about change.
    """

    n: int  # complete pairs
    n_dropped: int
    a: int
    b: int
    c: int
    d: int
    p_before: float  # proportion with 1 before: (a + c) / n
    p_after: float  # proportion with 1 after: (a + b) / n
    chi_square_corrected: float  # (|b - c| - 1)^2 / (b + c); mcnemar.test(correct = TRUE)
    p_value_corrected: float
    chi_square: float  # (b - c)^2 / (b + c); mcnemar.test(correct = FALSE)
    p_value: float
    exact_p_value: float  # two-sided binomial test of b out of b + c at 1/2
    odds_ratio: float  # b / c (infinite when c = 0)
    or_lower: float  # Clopper-Pearson interval of b / (b + c), turned into odds
    or_upper: float
    conf_level: float
    difference: PairedDifference
    note: str = ""


@dataclass(frozen=True)
class KendallsW(Result):
    """Kendall's coefficient of concordance W, tie-corrected (0 = no agreement, 1 = complete)."""

    w: float  # Friedman's chi-square / (n (k - 1))
    n: int  # rows (people) with every wave present
    k: int  # columns (waves)
    note: str = ""


@dataclass(frozen=True)
class Friedman(Result):
    """Friedman's rank test across k waves of the same people, with Kendall's W."""

    n: int  # rows with every wave present
    k: int
    n_dropped: int  # rows with a missing wave, left out
    statistic: float  # tie-corrected chi-square
    df: int  # k - 1
    p_value: float
    ties: bool  # some people gave the same value in two waves
    kendalls_w: KendallsW
    note: str = ""


# --- checks -----------------------------------------------------------------------------------


def _check_conf_level(conf_level: float) -> float:
    if (
        isinstance(conf_level, bool)
        or not isinstance(conf_level, numbers.Real)
        or not 0 < float(conf_level) < 1
    ):
        raise StatsError(
            f"conf_level must lie strictly between 0 and 1, not {conf_level!r}. "
            "Fix: give a level such as 0.95."
        )
    return float(conf_level)


def _vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise StatsError(
            f"{name} must be numbers ({err}). Fix: recode text answers as numbers first, "
            "and leave a missing answer empty."
        ) from err
    if arr.ndim != 1:
        raise StatsError(f"{name} must be one list of values, not an array of shape {arr.shape}.")
    if np.isinf(arr).any():
        raise StatsError(f"{name} has an infinite value. Fix: give finite numbers or leave blank.")
    return arr


def _pairs(before: Any, after: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Complete pairs of before and after, and how many incomplete pairs were dropped."""
    b = _vector(before, "before")
    a = _vector(after, "after")
    if len(b) != len(a):
        raise StatsError(
            f"before has {len(b)} values and after has {len(a)}, so they cannot be paired. "
            "Fix: give one before and one after value per person, in the same order, with a "
            "missing answer left as NaN (the pair is then dropped)."
        )
    ok = ~(np.isnan(b) | np.isnan(a))
    return b[ok], a[ok], int((~ok).sum())


def _too_few(n: int, dropped: int, need: int, what: str) -> StatsError:
    extra = f" ({dropped} pair(s) with a missing side were dropped)" if dropped else ""
    return StatsError(
        f"{what} needs at least {need} complete pair(s); there are {n}{extra}. "
        "Fix: check that the before and after columns belong to the same people."
    )


# --- paired t and d_z -------------------------------------------------------------------------


def _ncp_interval(t: float, df: float, conf_level: float) -> tuple[float, float]:
    """The noncentrality parameters whose t distribution puts ``t`` at the two tail quantiles.

    ``pt(t, df, ncp_low) = 1 - alpha/2`` and ``pt(t, df, ncp_high) = alpha/2``, solved by
    Brent's method (effectsize's ``.get_ncp_t`` finds the same roots with ``optim``).
    """
    alpha = 1 - conf_level
    z = float(stats.norm.ppf(1 - alpha / 2))
    # the roots lie about z standard errors of the noncentral t either side of t
    width = 1.0 + 2 * z * math.sqrt(1 + t * t / (2 * df))

    def cdf(ncp: float) -> float:
        value = float(stats.nct.cdf(t, df, ncp))
        if math.isnan(value):  # SciPy fails far out in the tails, where the cdf is 0 or 1
            value = 1.0 if ncp < t else 0.0
        return value

    def solve(p: float) -> float:
        def f(ncp: float) -> float:
            return cdf(ncp) - p

        lo, hi, step = t - width, t + width, width
        while f(lo) < 0:
            lo -= step
            step *= 2
        step = width
        while f(hi) > 0:
            hi += step
            step *= 2
        return float(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps))

    return solve(1 - alpha / 2), solve(alpha / 2)


def _constant(diff: np.ndarray) -> bool:
    """R's t.test test for "data are essentially constant"."""
    n = len(diff)
    se = float(np.std(diff, ddof=1)) / math.sqrt(n)
    return bool(se < 10 * np.finfo(float).eps * abs(float(np.mean(diff))) or se == 0)


def _dz(diff: np.ndarray, conf: float) -> CohensDz:
    n = len(diff)
    if _constant(diff):
        return CohensDz(math.nan, math.nan, math.nan, conf, n)
    sd = float(np.std(diff, ddof=1))
    d = float(np.mean(diff)) / sd
    lo, hi = _ncp_interval(d * math.sqrt(n), n - 1, conf)
    return CohensDz(d, lo / math.sqrt(n), hi / math.sqrt(n), conf, n)


def cohens_dz(before: Any, after: Any, conf_level: float = 0.95) -> CohensDz:
    """Cohen's d_z = mean(after - before) / sd(after - before), with a noncentral-t interval.

    Parameters
    ----------
    before, after
        The same people's two answers, equally long, in the same order; a pair with a missing
        side (NaN or None) is dropped (missing data are handled pairwise: complete pairs only).
    conf_level
        The level of the interval, strictly between 0 and 1.

    Returns
    -------
    CohensDz
        ``d_z``, its ``lower`` and ``upper`` limits and ``n`` (complete pairs).

    Notes
    -----
    The interval turns the t statistic ``t = d_z sqrt(n)`` into the noncentrality parameters
    ``ncp`` at which ``t`` is the upper and lower ``alpha/2`` quantile of the noncentral t
    distribution with ``n - 1`` degrees of freedom, and divides them by ``sqrt(n)`` (the formula
    documented by MOTE's ``d_dep_t_diff``).  d_z is the standardised mean change for paired data;
    it is not comparable with an independent-groups d.

    References
    ----------
    Matches ``effectsize::cohens_d(after, before, paired = TRUE)`` (effectsize's optimiser stops
    within about 1e-6 of the roots found here).

    Examples
    --------
    >>> before = [3, 4, 2, 5, 3, 4, 2, 3]
    >>> after = [4, 5, 4, 5, 4, 6, 3, 3]
    >>> r = cohens_dz(before, after)
    >>> round(r.d_z, 3), round(r.lower, 2), round(r.upper, 2), r.n
    (1.323, 0.33, 2.27, 8)
    """
    conf = _check_conf_level(conf_level)
    b, a, dropped = _pairs(before, after)
    if len(b) < 2:
        raise _too_few(len(b), dropped, 2, "Cohen's d_z")
    return _dz(a - b, conf)


def paired_t(before: Any, after: Any, conf_level: float = 0.95) -> PairedT:
    """The paired t-test of the change after - before, with Cohen's d_z.

    Parameters
    ----------
    before, after
        The same people's two answers, equally long, in the same order; a pair with a missing
        side (NaN or None) is dropped (missing data are handled pairwise: complete pairs only).
    conf_level
        The level of the interval, strictly between 0 and 1.

    Returns
    -------
    PairedT
        The means, ``mean_difference`` with its interval (``lower``, ``upper``), ``t``, ``df``,
        the two-sided ``p_value``, :func:`cohens_dz`, ``n`` and ``n_dropped``.

    Notes
    -----
    ``t = mean(d) / (sd(d) / sqrt(n))`` on ``n - 1`` degrees of freedom, two-sided, with the
    interval ``mean(d) +/- qt(1 - alpha/2, n - 1) sd(d) / sqrt(n)``.  When every change is the
    same (R stops with "data are essentially constant"), t, p and d_z are NaN and ``note`` says
    why.

    References
    ----------
    Matches R's ``t.test(after, before, paired = TRUE)``.

    Examples
    --------
    >>> before = [3, 4, 2, 5, 3, 4, 2, 3]
    >>> after = [4, 5, 4, 5, 4, 6, 3, 3]
    >>> r = paired_t(before, after)
    >>> r.mean_difference, round(r.t, 3), r.df, round(r.p_value, 4)
    (1.0, 3.742, 7, 0.0072)
    """
    conf = _check_conf_level(conf_level)
    b, a, dropped = _pairs(before, after)
    n = len(b)
    if n < 2:
        raise _too_few(n, dropped, 2, "The paired t-test")
    diff = a - b
    mean = float(np.mean(diff))
    sd = float(np.std(diff, ddof=1))
    se = sd / math.sqrt(n)
    common: dict[str, Any] = dict(
        n=n,
        n_dropped=dropped,
        mean_before=float(np.mean(b)),
        mean_after=float(np.mean(a)),
        mean_difference=mean,
        sd_difference=sd,
        se=se,
        df=n - 1,
        conf_level=conf,
        cohens_dz=_dz(diff, conf),
    )
    if _constant(diff):
        return PairedT(
            **common,
            t=math.nan,
            p_value=math.nan,
            lower=mean,
            upper=mean,
            note=f"every change is the same ({mean:+g}), so the t-test and d_z are not defined.",
        )
    t = mean / se
    half = float(stats.t.ppf(1 - (1 - conf) / 2, n - 1)) * se
    p = float(2 * stats.t.sf(abs(t), n - 1))
    return PairedT(**common, t=t, p_value=p, lower=mean - half, upper=mean + half)


# --- Wilcoxon signed-rank and rank-biserial ---------------------------------------------------


@functools.lru_cache(maxsize=64)
def _signrank_probabilities(n: int) -> np.ndarray:
    """P(V = v) for v = 0 .. n(n+1)/2 when the signs of ranks 1..n are fair coin tosses."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    return counts / 2.0**n


def _exact_p(v: float, n: int) -> float:
    """R's two-sided exact p-value: twice the smaller tail of psignrank, at most 1."""
    probs = _signrank_probabilities(n)
    v = int(round(v))
    if v > n * (n + 1) / 4:
        tail = float(probs[v:].sum())  # psignrank(v - 1, n, lower.tail = FALSE)
    else:
        tail = float(probs[: v + 1].sum())  # psignrank(v, n)
    return min(1.0, 2 * tail)


def _rank_biserial(diff: np.ndarray, n: int, conf: float) -> RankBiserial:
    nonzero = diff[diff != 0]
    m = len(nonzero)
    if m == 0:
        return RankBiserial(
            math.nan, math.nan, math.nan, conf, n, 0, False, f"no one changed (n = {n})."
        )
    ranks = stats.rankdata(np.abs(nonzero))
    r = float((ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum()) / (m * (m + 1) / 2))
    if abs(r) == 1:
        way = "up" if r > 0 else "down"
        return RankBiserial(
            r,
            math.nan,
            math.nan,
            conf,
            n,
            m,
            True,
            f"all changes were in one direction ({way}; {m} of n = {n} changed).",
        )
    se = math.sqrt((2 * n**3 + 3 * n**2 + n) / 6) / ((n * n + n) / 2)
    z = float(stats.norm.ppf(1 - (1 - conf) / 2))
    centre = math.atanh(r)
    return RankBiserial(
        r, math.tanh(centre - z * se), math.tanh(centre + z * se), conf, n, m, False
    )


def rank_biserial(before: Any, after: Any, conf_level: float = 0.95) -> RankBiserial:
    """The matched-pairs rank-biserial correlation of after - before, with a Fisher-z interval.

    Parameters
    ----------
    before, after
        The same people's two answers, equally long, in the same order; a pair with a missing
        side (NaN or None) is dropped (missing data are handled pairwise: complete pairs only).
    conf_level
        The level of the interval, strictly between 0 and 1.

    Returns
    -------
    RankBiserial
        ``r_rb`` from -1 (every change down) to 1 (every change up), ``lower``, ``upper``, ``n``,
        ``n_nonzero`` and ``one_direction``.

    Notes
    -----
    ``r_rb = (R+ - R-) / (R+ + R-)``: zero differences are dropped, the rest ranked by absolute
    size (ties share their mean rank), and R+ and R- are the rank sums of the increases and the
    decreases.

    The interval is ``tanh(atanh(r_rb) +/- z SE)`` with
    ``SE = sqrt((2n^3 + 3n^2 + n) / 6) / ((n^2 + n) / 2)``, effectsize's formula.  Here ``n`` is
    the number of complete pairs, zero differences included.  That is what effectsize 0.8.3
    computes whenever no ``after`` value is 0 (its code counts the non-zero values of its first
    argument, not of the differences; so for a score where 0 is possible it uses fewer pairs, and
    the interval depends on how the scale is coded).

    When every non-zero difference has the same sign, ``r_rb`` is 1 (or -1) and the interval
    collapses to that point: ``lower`` and ``upper`` are NaN, ``one_direction`` is true and the
    note says "all changes were in one direction".  (effectsize 0.8.3 also gives +1 when every
    difference is the same negative value; this function gives -1.)

    References
    ----------
    Kerby DS. The simple difference formula: an approach to teaching nonparametric correlation.
    Compr Psychol 2014;3:11.IT.3.1.  Matches ``effectsize::rank_biserial(after, before,
    paired = TRUE)`` (version 0.8.3).

    Examples
    --------
    >>> before = [3, 4, 2, 5, 3, 4, 2, 3]
    >>> after = [4, 5, 4, 5, 4, 6, 3, 3]
    >>> r = rank_biserial(before, after)
    >>> r.r_rb, r.n_nonzero, r.one_direction
    (1.0, 6, True)
    """
    conf = _check_conf_level(conf_level)
    b, a, dropped = _pairs(before, after)
    if len(b) < 1:
        raise _too_few(0, dropped, 1, "The rank-biserial correlation")
    return _rank_biserial(a - b, len(b), conf)


def wilcoxon_signed_rank(
    before: Any,
    after: Any,
    exact: bool | None = None,
    correct: bool = True,
    zero_method: str = "wilcox",
    conf_level: float = 0.95,
) -> WilcoxonSignedRank:
    """The Wilcoxon signed-rank test of after - before, two-sided.

    Parameters
    ----------
    before, after
        The same people's two answers, equally long, in the same order; a pair with a missing
        side (NaN or None) is dropped (missing data are handled pairwise: complete pairs only).
    exact
        None: exact below 50 non-zero differences (R's rule); True: exact up to 1000; False: the
        normal approximation.  Never exact with ties or zero differences, as R.
    correct
        The continuity correction of the normal approximation (R's default, True).
    zero_method
        ``"wilcox"`` (the default): zero differences are dropped before ranking; ``"pratt"``: they
        are ranked with the rest and then dropped.
    conf_level
        The level of the interval, strictly between 0 and 1.

    Returns
    -------
    WilcoxonSignedRank
        ``v`` (R's V), ``r_minus``, ``method`` (``"exact"`` or ``"normal"``), ``z``, the two-sided
        ``p_value``, the counts of pairs, and :func:`rank_biserial` (always over the non-zero
        differences).

    Notes
    -----
    V is the sum of the ranks (by absolute size, ties sharing their mean rank) of the positive
    differences.  The p-value is exact (the signed-rank distribution) when allowed as above;
    otherwise the normal approximation ``z = (V - E(V) - cc) / SD(V)``, with ``E(V) = n(n+1)/4``
    and ``SD(V)^2 = n(n+1)(2n+1)/24 - sum(t^3 - t)/48`` (the tie correction), and
    ``cc = sign(V - E(V)) / 2`` when ``correct`` is true.  With ``"pratt"`` the normal
    approximation uses the permutation mean and variance of V given the ranks, ``sum(r)/2`` and
    ``sum(r^2)/4`` over the non-zero differences (as
    ``coin::wilcoxsign_test(zero.method = "Pratt")``, which has no continuity correction).

    References
    ----------
    Pratt JW. Remarks on zeros and ties in the Wilcoxon signed rank procedures. JASA
    1959;54:655-667.  Matches R's ``wilcox.test(after, before, paired = TRUE, exact, correct)``.

    Examples
    --------
    >>> before = [3, 4, 2, 5, 3, 4, 2, 3]
    >>> after = [4, 5, 4, 5, 4, 6, 3, 3]
    >>> r = wilcoxon_signed_rank(before, after)
    >>> r.v, r.method, round(r.p_value, 4)
    (21.0, 'normal', 0.0305)
    """
    conf = _check_conf_level(conf_level)
    if zero_method not in ZERO_METHODS:
        raise StatsError(
            f"unknown zero_method {zero_method!r}. Fix: use one of {', '.join(ZERO_METHODS)}."
        )
    b, a, dropped = _pairs(before, after)
    n = len(b)
    if n < 1:
        raise _too_few(0, dropped, 1, "The Wilcoxon signed-rank test")
    diff = a - b
    zero = diff == 0
    n_zero = int(zero.sum())
    if zero_method == "pratt":
        ranks = stats.rankdata(np.abs(diff))[~zero]
    else:
        ranks = stats.rankdata(np.abs(diff[~zero]))
    nonzero = diff[~zero]
    m = len(nonzero)
    v = float(ranks[nonzero > 0].sum())
    r_minus = float(ranks[nonzero < 0].sum())
    ties = len(np.unique(ranks)) != m
    rb = _rank_biserial(diff, n, conf)
    common: dict[str, Any] = dict(
        n=n,
        n_dropped=dropped,
        n_zero=n_zero,
        n_nonzero=m,
        n_positive=int((nonzero > 0).sum()),
        n_negative=int((nonzero < 0).sum()),
        v=v,
        r_minus=r_minus,
        ties=ties,
        zero_method=zero_method,
        rank_biserial=rb,
    )
    use_exact = (m < EXACT_LIMIT) if exact is None else bool(exact)
    if use_exact and m > EXACT_MAX:
        raise StatsError(
            f"exact p-values are computed for up to {EXACT_MAX} changes, and {m} people changed. "
            "Fix: leave exact unset (the normal approximation is accurate at this size)."
        )
    notes = []
    if use_exact and not ties and n_zero == 0:
        return WilcoxonSignedRank(
            **common, method="exact", z=math.nan, p_value=_exact_p(v, m), correct=False
        )
    if exact:  # asked for explicitly (R warns either way; its default rule is documented)
        notes.append(
            "no exact p-value with "
            + " and ".join(w for w, has in (("ties", ties), ("zero changes", n_zero)) if has)
            + "; the normal approximation is used"
        )
    if zero_method == "pratt":
        mean = float(ranks.sum()) / 2
        sigma = math.sqrt(float((ranks**2).sum()) / 4)
    else:
        _, counts = np.unique(ranks, return_counts=True)
        mean = m * (m + 1) / 4
        sigma = math.sqrt(m * (m + 1) * (2 * m + 1) / 24 - float((counts**3 - counts).sum()) / 48)
    if m == 0 or sigma == 0:
        notes.append(f"no one changed (all {n} differences are 0), so there is nothing to test")
        return WilcoxonSignedRank(
            **common,
            method="normal",
            z=math.nan,
            p_value=math.nan,
            correct=bool(correct),
            note="; ".join(notes) + ".",
        )
    z = v - mean
    if correct:
        z -= math.copysign(0.5, z) if z != 0 else 0.0
    z /= sigma
    p = float(2 * min(stats.norm.cdf(z), stats.norm.sf(z)))
    return WilcoxonSignedRank(
        **common,
        method="normal",
        z=z,
        p_value=p,
        correct=bool(correct),
        note="; ".join(notes) + "." if notes else "",
    )


# --- McNemar and the paired difference in proportions -----------------------------------------


def _table(table: Any) -> np.ndarray:
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as err:
        raise StatsError(f"the table must be 2 x 2 counts ({err}).") from err
    if arr.shape != (2, 2):
        raise StatsError(
            f"the table must be 2 x 2 (rows before 0/1, columns after 0/1), not shape {arr.shape}."
        )
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr != np.round(arr)).any():
        raise StatsError(f"the table must hold counts (whole numbers, 0 or more), not {arr}.")
    if arr.sum() == 0:
        raise StatsError("the table is empty (n = 0). Fix: check the filter or group.")
    return arr.astype(int)


def _binary_pairs(before: Any, after: Any) -> tuple[np.ndarray, int]:
    b, a, dropped = _pairs(before, after)
    for name, values in (("before", b), ("after", a)):
        bad = sorted({float(v) for v in values if v not in (0.0, 1.0)})
        if bad:
            shown = ", ".join(f"{v:g}" for v in bad[:5]) + (", ..." if len(bad) > 5 else "")
            raise StatsError(
                f"{name} must hold only 0 and 1 for McNemar's test; it also has {shown}. "
                "Fix: code the answer as 1 (for example correct) or 0 (not correct), or use "
                "the Wilcoxon test for a scale."
            )
    if len(b) == 0:
        raise _too_few(0, dropped, 1, "McNemar's test")
    table = np.zeros((2, 2), dtype=int)
    np.add.at(table, (b.astype(int), a.astype(int)), 1)
    return table, dropped


def _newcombe(table: np.ndarray, conf: float) -> PairedDifference:
    d, b = int(table[0, 0]), int(table[0, 1])
    c, a = int(table[1, 0]), int(table[1, 1])
    n = a + b + c + d
    p_after, p_before = (a + b) / n, (a + c) / n
    after_ci = wilson_interval(a + b, n, conf)
    before_ci = wilson_interval(a + c, n, conf)
    l1, u1 = after_ci.lower, after_ci.upper
    l2, u2 = before_ci.lower, before_ci.upper
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(margins) if margins > 0 else 0.0
    diff = p_after - p_before
    down = (p_after - l1) ** 2 - 2 * phi * (p_after - l1) * (u2 - p_before) + (u2 - p_before) ** 2
    up = (u1 - p_after) ** 2 - 2 * phi * (u1 - p_after) * (p_before - l2) + (p_before - l2) ** 2
    return PairedDifference(
        diff,
        diff - math.sqrt(max(down, 0.0)),
        diff + math.sqrt(max(up, 0.0)),
        conf,
        n,
        p_before,
        p_after,
        phi,
    )


def newcombe_paired_difference(table: Any, conf_level: float = 0.95) -> PairedDifference:
    """The difference p_after - p_before = (b - c) / n with Newcombe's hybrid score interval.

    Parameters
    ----------
    table
        ``table(before, after)`` for 0/1 answers, 2 x 2: rows before = 0, 1 and columns after =
        0, 1, so ``b = table[0][1]`` (0 -> 1) and ``c = table[1][0]`` (1 -> 0).
    conf_level
        The level of the interval, strictly between 0 and 1.

    Returns
    -------
    PairedDifference
        ``difference``, ``lower``, ``upper``, ``p_before``, ``p_after``, ``phi`` and ``n``.

    Notes
    -----
    Newcombe's method 10: with Wilson intervals (l1, u1) for p_after and (l2, u2) for p_before,
    the limits are ``D - sqrt((p1 - l1)^2 - 2 phi (p1 - l1)(u2 - p2) + (u2 - p2)^2)`` and
    ``D + sqrt((u1 - p1)^2 - 2 phi (u1 - p1)(p2 - l2) + (p2 - l2)^2)``, where phi is the
    correlation of the 2 x 2 table with Newcombe's continuity correction (``ad - bc`` reduced by
    n/2 when it is above n/2, set to 0 between 0 and n/2) and phi = 0 when a margin is empty.

    References
    ----------
    Newcombe RG. Improved confidence intervals for the difference between binomial proportions
    based on paired data. Stat Med 1998;17:2635-2650.  Matches
    ``biostatUZH::confIntPairedProportion`` (which leaves phi undefined when a margin is empty)
    and Altman et al. 2000, *Statistics with Confidence*, Table 6.2, the example below.

    Examples
    --------
    >>> r = newcombe_paired_difference([[14, 5], [0, 22]])
    >>> round(r.difference, 4), round(r.lower, 4), round(r.upper, 4)
    (0.122, 0.0115, 0.2265)
    """
    return _newcombe(_table(table), _check_conf_level(conf_level))


def mcnemar(
    table: Any = None,
    *,
    before: Any = None,
    after: Any = None,
    conf_level: float = 0.95,
) -> McNemar:
    """McNemar's test for paired 0/1 answers, with the exact test and effect sizes.

    Parameters
    ----------
    table
        ``table(before, after)`` for 0/1 answers, 2 x 2: rows before = 0, 1 and columns after =
        0, 1, so ``b = table[0][1]`` (0 -> 1) and ``c = table[1][0]`` (1 -> 0).
    before, after
        Instead of ``table``: the 0/1 answers; a pair with a missing side is dropped.
    conf_level
        The level of the interval, strictly between 0 and 1.

    Returns
    -------
    McNemar
        The cells ``a``, ``b``, ``c``, ``d``; ``chi_square_corrected`` and ``p_value_corrected``;
        ``chi_square`` and ``p_value`` without correction; ``exact_p_value``; ``odds_ratio`` b / c
        with ``or_lower`` and ``or_upper``; and the ``difference``
        (:func:`newcombe_paired_difference`).

    Notes
    -----
    - ``chi_square_corrected``: ``mcnemar.test(x)``, the default continuity-corrected
      ``(|b - c| - 1)^2 / (b + c)`` on 1 df (no correction when b = c); ``chi_square``:
      ``mcnemar.test(x, correct = FALSE)``, ``(b - c)^2 / (b + c)``.
    - ``exact_p_value``: ``binom.test(b, b + c)``, the exact McNemar test (at the null the binomial
      is symmetric, so this is also ``exact2x2::mcnemar.exact``'s p-value).
    - ``odds_ratio``: the conditional odds ratio b / c, with the Clopper-Pearson interval
      ``binom.test(b, b + c)$conf.int`` turned into odds by ``x / (1 - x)``.

    With no discordant pairs (b = c = 0) the chi-squares and the odds ratio are NaN and the exact
    p-value is 1.

    References
    ----------
    McNemar Q. Note on the sampling error of the difference between correlated proportions or
    percentages. Psychometrika 1947;12:153-157.  Matches R's ``mcnemar.test`` and ``binom.test``.

    Examples
    --------
    >>> r = mcnemar([[14, 5], [0, 22]])
    >>> r.b, r.c, round(r.exact_p_value, 4), round(r.p_value_corrected, 4)
    (5, 0, 0.0625, 0.0736)
    """
    conf = _check_conf_level(conf_level)
    if table is not None:
        if before is not None or after is not None:
            raise StatsError("give either a table or before and after values, not both.")
        x, dropped = _table(table), 0
    elif before is not None and after is not None:
        x, dropped = _binary_pairs(before, after)
    else:
        raise StatsError("give a 2 x 2 table, or both before and after values.")
    d, b, c, a = (int(v) for v in x.ravel())
    n = a + b + c + d
    notes = []
    if b + c == 0:
        chi_c = p_c = chi = p = odds = lo = hi = math.nan
        exact_p = 1.0
        notes.append("no one changed answer (b = c = 0), so there is no change to test")
    else:
        diff = abs(b - c)
        chi_c = (diff - 1) ** 2 / (b + c) if b != c else 0.0
        chi = diff**2 / (b + c)
        p_c = float(stats.chi2.sf(chi_c, 1))
        p = float(stats.chi2.sf(chi, 1))
        exact_p = float(stats.binomtest(b, b + c, 0.5).pvalue)
        cp = clopper_pearson_interval(b, b + c, conf)
        odds = b / c if c else math.inf
        lo = cp.lower / (1 - cp.lower)
        hi = cp.upper / (1 - cp.upper) if cp.upper < 1 else math.inf
        if c == 0:
            notes.append("c = 0 (no one went from 1 to 0), so the odds ratio is infinite")
    return McNemar(
        n=n,
        n_dropped=dropped,
        a=a,
        b=b,
        c=c,
        d=d,
        p_before=(a + c) / n,
        p_after=(a + b) / n,
        chi_square_corrected=chi_c,
        p_value_corrected=p_c,
        chi_square=chi,
        p_value=p,
        exact_p_value=exact_p,
        odds_ratio=odds,
        or_lower=lo,
        or_upper=hi,
        conf_level=conf,
        difference=_newcombe(x, conf),
        note="; ".join(notes) + "." if notes else "",
    )


# --- three or more waves ----------------------------------------------------------------------


def _matrix(data: Any) -> tuple[np.ndarray, int]:
    try:
        arr = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as err:
        raise StatsError(
            f"the waves must be numbers ({err}). Fix: recode text answers as numbers first."
        ) from err
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise StatsError(
            f"give a table with one row per person and one column per wave (at least 2 "
            f"columns), not shape {arr.shape}."
        )
    if np.isinf(arr).any():
        raise StatsError("the waves have an infinite value. Fix: give finite numbers.")
    ok = ~np.isnan(arr).any(axis=1)
    if ok.sum() < 1:
        raise StatsError(
            "no person has a value in every wave. Fix: check that the columns belong to the "
            "same people."
        )
    return arr[ok], int((~ok).sum())


def _friedman_parts(x: np.ndarray) -> tuple[float, float, bool]:
    """Friedman's chi-square, the sum of (t^3 - t) over tied ranks, and whether there are ties."""
    n, k = x.shape
    ranks = np.apply_along_axis(stats.rankdata, 1, x)
    tie_sum = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        tie_sum += float((counts**3 - counts).sum())
    r = ranks.sum(axis=0)
    denom = n * k * (k + 1) - tie_sum / (k - 1)
    num = 12 * float(((r - n * (k + 1) / 2) ** 2).sum())
    stat = num / denom if denom > 0 else math.nan
    return stat, tie_sum, tie_sum > 0


def kendalls_w(data: Any) -> KendallsW:
    """Kendall's W, the concordance of k waves of the same n people.

    Parameters
    ----------
    data
        n x k: one row per person, one column per wave (a DataFrame or a 2-D array); rows with a
        missing wave are dropped (listwise).

    Returns
    -------
    KendallsW
        ``w`` (0 no agreement, 1 complete), ``n`` (complete rows) and ``k``.

    Notes
    -----
    ``W = (12 sum(R_j^2) - 3 n^2 k (k + 1)^2) / (n^2 (k^3 - k) - n sum(t^3 - t))``, with R_j the
    rank sums of the waves and t the sizes of tied groups within a person: Friedman's chi-square
    divided by ``n (k - 1)``.  No interval: effectsize's is a percentile bootstrap, which cannot be
    reproduced exactly.

    References
    ----------
    Matches ``effectsize::kendalls_w`` (0.8.3) on the complete rows.

    Examples
    --------
    >>> waves = [[1, 2, 3], [2, 3, 3], [1, 3, 2], [1, 2, 4], [2, 2, 3]]
    >>> r = kendalls_w(waves)
    >>> round(r.w, 4), r.n, r.k
    (0.7444, 5, 3)
    """
    x, _ = _matrix(data)
    n, k = x.shape
    stat, _, _ = _friedman_parts(x)
    note = "" if math.isfinite(stat) else "every person gave the same value in every wave."
    return KendallsW(stat / (n * (k - 1)) if math.isfinite(stat) else math.nan, n, k, note)


def friedman(data: Any) -> Friedman:
    """Friedman's rank test that k waves of the same people have the same distribution.

    Parameters
    ----------
    data
        n x k: one row per person, one column per wave (a DataFrame or a 2-D array); rows with a
        missing wave are dropped (listwise).

    Returns
    -------
    Friedman
        The tie-corrected chi-square ``statistic``, ``df``, ``p_value``, ``n``, ``n_dropped`` and
        :func:`kendalls_w`.

    Notes
    -----
    Each row is ranked (ties share the mean rank) and
    ``chi2 = 12 sum((R_j - n(k+1)/2)^2) / (n k (k+1) - sum(t^3 - t) / (k - 1))`` on ``k - 1`` df.

    References
    ----------
    Friedman M. The use of ranks to avoid the assumption of normality implicit in the analysis of
    variance. JASA 1937;32:675-701.  Matches R's ``friedman.test(data)``.

    Examples
    --------
    >>> waves = [[1, 2, 3], [2, 3, 3], [1, 3, 2], [1, 2, 4], [2, 2, 3]]
    >>> r = friedman(waves)
    >>> round(r.statistic, 4), r.df, round(r.p_value, 4)
    (7.4444, 2, 0.0242)
    """
    x, dropped = _matrix(data)
    n, k = x.shape
    stat, _, ties = _friedman_parts(x)
    w = kendalls_w(x)
    if not math.isfinite(stat):
        return Friedman(n, k, dropped, math.nan, k - 1, math.nan, ties, w, w.note)
    return Friedman(n, k, dropped, stat, k - 1, float(stats.chi2.sf(stat, k - 1)), ties, w)
