"""Confidence intervals for a single binomial proportion (simple random sampling).

Four intervals, each checked against R (``tests/reference/proportions.R``).  None of them is the
Wald interval ``p +/- z sqrt(p(1-p)/n)``, which is too narrow for small ``n`` or extreme ``p``
(Brown, Cai & DasGupta, Statistical Science 2001;16:101-133), so it is not offered.

For survey data collected in clusters (trusts), use
:func:`readiness.stats.design.design_proportion` instead: these intervals assume independent
respondents.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import SupportsInt, cast

from scipy import stats

from readiness.errors import StatsError
from readiness.stats.result import Result

METHODS = ("wilson", "clopper-pearson", "agresti-coull", "jeffreys")


@dataclass(frozen=True)
class ProportionInterval(Result):
    """A proportion ``count / n`` with a two-sided confidence interval."""

    count: int
    n: int
    proportion: float
    lower: float
    upper: float
    method: str
    conf_level: float


def _check(count, n, conf_level: float) -> tuple[int, int, float]:
    """Validate the inputs; returns them as ``int, int, z`` (the two-sided normal quantile)."""

    def whole(value, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise StatsError(f"{name} must be a whole number, not {value!r}.")
        number = cast(SupportsInt, value)  # numbers.Real promises no __int__; these all have it
        if not math.isfinite(float(value)) or float(value) != int(number):
            raise StatsError(f"{name} must be a whole number, not {value!r}.")
        return int(number)

    count, n = whole(count, "count"), whole(n, "n")
    if n < 0:
        raise StatsError(f"n must be zero or more, not {n}.")
    if n == 0:
        raise StatsError(
            "cannot estimate a proportion from no respondents (n = 0). "
            "Fix: check the filter or group; an empty group has no proportion to report."
        )
    if not 0 <= count <= n:
        raise StatsError(f"count must be between 0 and n = {n}, not {count}.")
    if not (isinstance(conf_level, numbers.Real) and 0 < float(conf_level) < 1):
        raise StatsError(
            f"conf_level must be strictly between 0 and 1 (e.g. 0.95), not {conf_level!r}."
        )
    return count, n, float(conf_level)


@functools.lru_cache(maxsize=64)
def _z(conf_level: float) -> float:
    # kept: a response rate per session asks for the same quantile hundreds of times
    return float(stats.norm.ppf(0.5 + conf_level / 2))


def wilson_interval(count: int, n: int, conf_level: float = 0.95) -> ProportionInterval:
    """Wilson score interval of a proportion.

    Parameters
    ----------
    count
        The number of successes, 0 to ``n``.
    n
        The number of trials (respondents who answered), at least 1.
    conf_level
        The confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionInterval
        ``count``, ``n``, the ``proportion`` and its ``lower`` and ``upper`` limits, with the
        ``method`` and ``conf_level``.

    Notes
    -----
    ``(x + z^2/2) / (n + z^2) +/- z / (n + z^2) * sqrt(x (n - x) / n + z^2 / 4)``, with the lower
    limit 0 when ``x = 0`` and the upper limit 1 when ``x = n``.

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference. JASA
    1927;22:209-212.  Matches R's ``prop.test(x, n, correct = FALSE)$conf.int`` (the score
    interval without continuity correction; ``prop.test`` corrects by default).

    Examples
    --------
    >>> r = wilson_interval(68, 782)
    >>> round(r.lower, 4), round(r.upper, 4)
    (0.0692, 0.1088)
    """
    count, n, conf = _check(count, n, conf_level)
    z = _z(conf)
    z2 = z * z
    centre = (count + z2 / 2) / (n + z2)
    half = z / (n + z2) * math.sqrt(count * (n - count) / n + z2 / 4)
    lower = 0.0 if count == 0 else max(0.0, centre - half)
    upper = 1.0 if count == n else min(1.0, centre + half)
    return ProportionInterval(count, n, count / n, lower, upper, "wilson", conf)


def clopper_pearson_interval(count: int, n: int, conf_level: float = 0.95) -> ProportionInterval:
    """Clopper-Pearson "exact" interval of a proportion.

    Parameters
    ----------
    count
        The number of successes, 0 to ``n``.
    n
        The number of trials (respondents who answered), at least 1.
    conf_level
        The confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionInterval
        ``count``, ``n``, the ``proportion`` and its ``lower`` and ``upper`` limits, with the
        ``method`` and ``conf_level``.

    Notes
    -----
    Beta quantiles: lower ``qbeta(a/2, x, n - x + 1)`` (0 when ``x = 0``), upper
    ``qbeta(1 - a/2, x + 1, n - x)`` (1 when ``x = n``).  Conservative: coverage is at least the
    nominal level.

    References
    ----------
    Clopper CJ, Pearson ES. Biometrika 1934;26:404-413.  Matches R's ``binom.test(x, n)$conf.int``.

    Examples
    --------
    >>> r = clopper_pearson_interval(0, 20)
    >>> r.lower, round(r.upper, 4)
    (0.0, 0.1684)
    """
    count, n, conf = _check(count, n, conf_level)
    alpha = 1 - conf
    lower = 0.0 if count == 0 else float(stats.beta.ppf(alpha / 2, count, n - count + 1))
    upper = 1.0 if count == n else float(stats.beta.ppf(1 - alpha / 2, count + 1, n - count))
    return ProportionInterval(count, n, count / n, lower, upper, "clopper-pearson", conf)


def agresti_coull_interval(count: int, n: int, conf_level: float = 0.95) -> ProportionInterval:
    """Agresti-Coull interval of a proportion.

    Parameters
    ----------
    count
        The number of successes, 0 to ``n``.
    n
        The number of trials (respondents who answered), at least 1.
    conf_level
        The confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionInterval
        ``count``, ``n``, the ``proportion`` and its ``lower`` and ``upper`` limits, with the
        ``method`` and ``conf_level``.

    Notes
    -----
    With ``n~ = n + z^2`` and ``p~ = (x + z^2/2) / n~``: ``p~ +/- z sqrt(p~ (1 - p~) / n~)``,
    clipped to [0, 1] (the raw formula can leave it at ``x = 0`` or ``x = n``).

    References
    ----------
    Agresti A, Coull BA. Am Stat 1998;52:119-126.  R has no base function for it; the reference
    script computes the same formula and clipping (the clipping is what
    ``binom::binom.confint(method = "ac")`` does not do; ``DescTools::BinomCI`` does).

    Examples
    --------
    >>> r = agresti_coull_interval(68, 782)
    >>> round(r.lower, 4), round(r.upper, 4)
    (0.0691, 0.1089)
    """
    count, n, conf = _check(count, n, conf_level)
    z = _z(conf)
    n_tilde = n + z * z
    p_tilde = (count + z * z / 2) / n_tilde
    half = z * math.sqrt(p_tilde * (1 - p_tilde) / n_tilde)
    lower = max(0.0, p_tilde - half)
    upper = min(1.0, p_tilde + half)
    return ProportionInterval(count, n, count / n, lower, upper, "agresti-coull", conf)


def jeffreys_interval(count: int, n: int, conf_level: float = 0.95) -> ProportionInterval:
    """Jeffreys interval: equal-tailed quantiles of the Beta(x + 1/2, n - x + 1/2) posterior.

    Parameters
    ----------
    count
        The number of successes, 0 to ``n``.
    n
        The number of trials (respondents who answered), at least 1.
    conf_level
        The confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionInterval
        ``count``, ``n``, the ``proportion`` and its ``lower`` and ``upper`` limits, with the
        ``method`` and ``conf_level``.

    Notes
    -----
    Boundary convention of Brown, Cai & DasGupta (2001, section 4.1.2): the lower limit is 0 when
    ``x = 0`` and the upper limit is 1 when ``x = n`` (the plain quantiles would exclude the
    observed proportion there).

    References
    ----------
    Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat Sci
    2001;16:101-133.  Matches R's ``qbeta(c(a/2, 1 - a/2), x + 0.5, n - x + 0.5)`` with that
    convention, as ``DescTools::BinomCI(method = "jeffreys")`` does.

    Examples
    --------
    >>> r = jeffreys_interval(68, 782)
    >>> round(r.lower, 4), round(r.upper, 4)
    (0.0687, 0.1082)
    """
    count, n, conf = _check(count, n, conf_level)
    alpha = 1 - conf
    a, b = count + 0.5, n - count + 0.5
    lower = 0.0 if count == 0 else float(stats.beta.ppf(alpha / 2, a, b))
    upper = 1.0 if count == n else float(stats.beta.ppf(1 - alpha / 2, a, b))
    return ProportionInterval(count, n, count / n, lower, upper, "jeffreys", conf)


_BY_NAME = {
    "wilson": wilson_interval,
    "clopper-pearson": clopper_pearson_interval,
    "agresti-coull": agresti_coull_interval,
    "jeffreys": jeffreys_interval,
}


def proportion_ci(
    count: int, n: int, method: str = "wilson", conf_level: float = 0.95
) -> ProportionInterval:
    """A proportion with the interval named by ``method``.

    Parameters
    ----------
    count
        The number of successes, 0 to ``n``.
    n
        The number of trials (respondents who answered), at least 1.
    method
        One of :data:`METHODS`: ``"wilson"`` (the default), ``"clopper-pearson"``,
        ``"agresti-coull"`` or ``"jeffreys"``; underscores are accepted for hyphens
        (``"clopper_pearson"``).  There is no Wald interval.
    conf_level
        The confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionInterval
        The proportion with its interval (see :func:`wilson_interval` and the others).

    Raises
    ------
    StatsError
        For an unknown method, a count outside 0 to ``n``, or a level outside (0, 1).

    Notes
    -----
    Each method's formula and the R function it matches are in that method's function.

    Examples
    --------
    >>> r = proportion_ci(18, 40)
    >>> r.proportion, round(r.lower, 3), round(r.upper, 3), r.method
    (0.45, 0.307, 0.602, 'wilson')
    >>> proportion_ci(68, 782, method="clopper-pearson").method
    'clopper-pearson'
    """
    key = str(method).lower().replace("_", "-")
    if key not in _BY_NAME:
        raise StatsError(
            f"unknown interval method {method!r}. Fix: use one of {', '.join(METHODS)}."
        )
    return _BY_NAME[key](count, n, conf_level=conf_level)
