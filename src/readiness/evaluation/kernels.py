"""Statistics the evaluation needs beyond :mod:`readiness.stats.paired`, each checked against R
by ``tests/reference/evaluation.R``:

- :func:`holm_adjust`: ``p.adjust(p, "holm")``;
- :func:`newcombe_difference`: the difference of two independent proportions with Newcombe's
  hybrid score interval (Newcombe 1998, method 10), written out in R from the formula;
- :func:`standardised_mean_difference`: the SMD of two groups with the average of their
  variances in the denominator (Austin 2009), by formula;
- :func:`friedman_table`: ``friedman.test`` with Kendall's W, as
  :func:`readiness.stats.paired.friedman` but vectorised over the rows (that function ranks row
  by row in Python: about a second for 4,000 people);
- :func:`random_intercept_model`: ``lme4::lmer(y ~ x + (1 | person), REML = TRUE)`` with the
  likelihood-ratio test of ``anova()`` (ML refits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from readiness.errors import StatsError
from readiness.stats.paired import Friedman, KendallsW
from readiness.stats.proportions import wilson_interval
from readiness.stats.result import Result


def holm_adjust(p_values: Any) -> np.ndarray:
    """Holm's step-down adjustment, as ``p.adjust(p, "holm")``.

    With the m non-missing p-values sorted, ``p_(i)`` becomes
    ``min(1, max_{j <= i} (m - j + 1) p_(j))``.  Missing values (NaN) stay missing and do not
    count in m.

    >>> holm_adjust([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    values = p[ok]
    order = np.argsort(values, kind="stable")
    scaled = (m - np.arange(m)) * values[order]
    adjusted = np.minimum(1.0, np.maximum.accumulate(scaled))
    back = np.empty(m)
    back[order] = adjusted
    out[ok] = back
    return out


@dataclass(frozen=True)
class ProportionDifference(Result):
    """p1 - p2 for independent groups, with Newcombe's hybrid score interval."""

    difference: float | None
    lower: float | None
    upper: float | None
    conf_level: float
    count1: int
    n1: int
    count2: int
    n2: int
    n: int  # n1 + n2
    method: str = "Newcombe hybrid score (Wilson)"


def newcombe_difference(
    count1: int, n1: int, count2: int, n2: int, conf_level: float = 0.95
) -> ProportionDifference:
    """The difference ``count1/n1 - count2/n2`` with Newcombe's (1998) method 10 interval.

    With Wilson intervals (l1, u1) and (l2, u2) of the two proportions, the limits are
    ``D - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` and ``D + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.
    Newcombe's example: 56/70 - 48/80 = 0.2000, 95% CI 0.0524 to 0.3339.  With an empty group
    nothing can be estimated and every figure is None.
    """
    counts = (int(count1), int(n1), int(count2), int(n2))
    if min(counts) < 0 or count1 > n1 or count2 > n2:
        raise StatsError(f"counts must lie between 0 and their n, not {counts}.")
    if n1 == 0 or n2 == 0:
        return ProportionDifference(None, None, None, conf_level, *counts, n1 + n2)
    p1, p2 = count1 / n1, count2 / n2
    a, b = wilson_interval(count1, n1, conf_level), wilson_interval(count2, n2, conf_level)
    d = p1 - p2
    lower = d - math.sqrt((p1 - a.lower) ** 2 + (b.upper - p2) ** 2)
    upper = d + math.sqrt((a.upper - p1) ** 2 + (p2 - b.lower) ** 2)
    return ProportionDifference(d, lower, upper, conf_level, *counts, n1 + n2)


def standardised_mean_difference(x: Any, y: Any) -> float | None:
    """``(mean(x) - mean(y)) / sqrt((var(x) + var(y)) / 2)``, missing values left out.

    The denominator averages the two sample variances (n - 1), the usual choice for comparing
    groups on a baseline characteristic (Austin 2009).  None when a group has fewer than 2
    values, or when both variances are 0 and the means are equal; plus or minus infinity when
    both variances are 0 and the means differ (as R's division gives).
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return None
    pooled = math.sqrt((float(np.var(a, ddof=1)) + float(np.var(b, ddof=1))) / 2)
    diff = float(np.mean(a)) - float(np.mean(b))
    if pooled == 0:
        return None if diff == 0 else math.copysign(math.inf, diff)
    return (float(np.mean(a)) - float(np.mean(b))) / pooled


def friedman_table(data: Any) -> Friedman:
    """Friedman's test and Kendall's W on an n x k table, rows with a missing value dropped.

    The same statistic as :func:`readiness.stats.paired.friedman` (``friedman.test``; the tie
    correction sums ``t^3 - t`` over the groups of equal values within each row), computed for
    all rows at once.
    """
    arr = np.asarray(data, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise StatsError(f"give one row per person and one column per wave, not {arr.shape}.")
    ok = ~np.isnan(arr).any(axis=1)
    x = arr[ok]
    n, k = x.shape
    if n < 1:
        raise StatsError("no person has a value in every wave.")
    ranks = stats.rankdata(x, axis=1)
    equal = (x[:, :, None] == x[:, None, :]).sum(axis=2)  # size of each value's tie group
    tie_sum = float((equal**2 - 1).sum())  # sum over groups of t^3 - t
    r = ranks.sum(axis=0)
    denom = n * k * (k + 1) - tie_sum / (k - 1)
    num = 12 * float(((r - n * (k + 1) / 2) ** 2).sum())
    dropped = int((~ok).sum())
    if denom <= 0:
        note = "every person gave the same value in every wave."
        w = KendallsW(math.nan, n, k, note)
        return Friedman(n, k, dropped, math.nan, k - 1, math.nan, tie_sum > 0, w, note)
    stat = num / denom
    w = KendallsW(stat / (n * (k - 1)), n, k)
    p = float(stats.chi2.sf(stat, k - 1))
    return Friedman(n, k, dropped, stat, k - 1, p, tie_sum > 0, w)


@dataclass(frozen=True)
class RandomInterceptFit(Result):
    """A linear model with a random intercept per group, fitted by REML (and ML for the LRT)."""

    terms: tuple[str, ...]
    estimate: tuple[float, ...]
    se: tuple[float, ...]
    t: tuple[float, ...]
    group_variance: float
    residual_variance: float
    reml_criterion: float  # -2 REML log-likelihood at the optimum (lme4's REMLcrit)
    ml_deviance: float  # -2 log-likelihood of the ML fit
    ml_deviance_null: float  # -2 log-likelihood of the ML fit with the intercept only
    lrt_chi_square: float
    lrt_df: int
    lrt_p_value: float
    theta: float  # sd(group) / sd(residual)
    singular: bool
    n: int  # observations
    n_groups: int


class _Sums:
    """The sufficient statistics of a random-intercept model (per-group sums)."""

    def __init__(self, y: np.ndarray, x: np.ndarray, groups: np.ndarray):
        codes, inverse = np.unique(groups, return_inverse=True)
        g = len(codes)
        self.n, self.p, self.g = len(y), x.shape[1], g
        self.sizes = np.bincount(inverse, minlength=g).astype(float)
        self.s = np.zeros((g, self.p))
        np.add.at(self.s, inverse, x)
        self.t = np.bincount(inverse, weights=y, minlength=g)
        self.xtx = x.T @ x
        self.xty = x.T @ y
        self.yty = float(y @ y)

    def solve(self, theta: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        """beta, W = X'AX, Q = r'Ar and log(det(I + theta^2 Z'Z)) at ``theta``."""
        gamma = theta * theta
        c = gamma / (1 + self.sizes * gamma)
        w = self.xtx - (self.s * c[:, None]).T @ self.s
        u = self.xty - self.s.T @ (c * self.t)
        beta = np.linalg.solve(w, u)
        q = self.yty - float(c @ (self.t * self.t)) - float(beta @ u)
        return beta, w, max(q, 0.0), float(np.log1p(self.sizes * gamma).sum())

    def criterion(self, theta: float, reml: bool) -> float:
        _, w, q, logdet = self.solve(theta)
        if reml:
            df = self.n - self.p
            sign, logdet_w = np.linalg.slogdet(w)
            return df * (1 + math.log(2 * math.pi * q / df)) + logdet + float(logdet_w)
        return self.n * (1 + math.log(2 * math.pi * q / self.n)) + logdet

    def optimum(self, reml: bool) -> float:
        """The theta >= 0 that minimises the profiled criterion: a grid, then Brent's method."""
        grid = np.concatenate([[0.0], np.logspace(-3, 2.5, 56)])
        values = [self.criterion(t, reml) for t in grid]
        best = int(np.argmin(values))
        lo = grid[max(best - 1, 0)]
        hi = grid[min(best + 1, len(grid) - 1)]
        found = optimize.minimize_scalar(
            lambda t: self.criterion(t, reml),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-12, "maxiter": 500},
        )
        theta = float(found.x)
        if values[0] <= self.criterion(theta, reml):
            theta = 0.0
        return theta


def random_intercept_model(
    y: Any, x: Any, groups: Any, terms: tuple[str, ...] | None = None
) -> RandomInterceptFit:
    """``lmer(y ~ x + (1 | group), REML = TRUE)`` and the LRT of ``x`` (all but the intercept).

    ``x`` is the fixed-effects design matrix with the intercept as its first column.  For a
    random intercept, ``V = sigma^2 (I + theta^2 Z Z')`` has a closed-form inverse per group
    (``I - c J`` with ``c = theta^2 / (1 + n_g theta^2)``), so the criterion profiled over beta
    and sigma is a function of theta alone, computed from per-group sums:

    ``REML: (N - p)(1 + log(2 pi Q / (N - p))) + sum log(1 + n_g theta^2) + log det(X'AX)``
    ``ML:   N (1 + log(2 pi Q / N)) + sum log(1 + n_g theta^2)``

    with ``Q`` the generalised residual sum of squares.  This is lme4's profiled deviance
    (Bates et al. 2015, J Stat Softw 67(1), section 3), minimised over theta >= 0 by a grid and
    Brent's method.  The fixed effects' covariance is ``sigma^2 (X'AX)^-1`` with the REML
    sigma.  The LRT refits both models by ML, as ``anova(m0, m1)`` does.  ``singular`` is true
    when theta < 1e-4 (lme4's ``isSingular`` tolerance).
    """
    yv = np.asarray(y, dtype=float)
    xm = np.asarray(x, dtype=float)
    gv = np.asarray(groups)
    if xm.ndim != 2 or len(xm) != len(yv) or len(gv) != len(yv):
        raise StatsError("y, x and groups must have one row per observation.")
    ok = ~np.isnan(yv) & ~np.isnan(xm).any(axis=1)
    yv, xm, gv = yv[ok], xm[ok], gv[ok]
    n, p = xm.shape
    if n <= p + 1 or np.linalg.matrix_rank(xm) < p:
        raise StatsError(
            f"the mixed model needs more observations than terms and a design of full rank "
            f"(there are {n} observations for {p} terms)."
        )
    names = tuple(terms) if terms is not None else tuple(f"x{j}" for j in range(p))
    full = _Sums(yv, xm, gv)
    theta = full.optimum(reml=True)
    beta, w, q, _ = full.solve(theta)
    sigma2 = q / (n - p)
    se = np.sqrt(np.diag(np.linalg.inv(w)) * sigma2)
    theta_ml = full.optimum(reml=False)
    dev1 = full.criterion(theta_ml, reml=False)
    null = _Sums(yv, xm[:, :1], gv)
    dev0 = null.criterion(null.optimum(reml=False), reml=False)
    chi = max(dev0 - dev1, 0.0)
    df = p - 1
    return RandomInterceptFit(
        terms=names,
        estimate=tuple(float(b) for b in beta),
        se=tuple(float(s) for s in se),
        t=tuple(float(b / s) if s > 0 else math.nan for b, s in zip(beta, se, strict=True)),
        group_variance=theta * theta * sigma2,
        residual_variance=sigma2,
        reml_criterion=full.criterion(theta, reml=True),
        ml_deviance=dev1,
        ml_deviance_null=dev0,
        lrt_chi_square=chi,
        lrt_df=df,
        lrt_p_value=float(stats.chi2.sf(chi, df)) if df > 0 else math.nan,
        theta=theta,
        singular=theta < 1e-4,
        n=n,
        n_groups=full.g,
    )


__all__ = [
    "ProportionDifference",
    "RandomInterceptFit",
    "friedman_table",
    "holm_adjust",
    "newcombe_difference",
    "random_intercept_model",
    "standardised_mean_difference",
]
