"""Tests of association between two categorical variables, and Cramer's V.

* :func:`chi_square_test`: Pearson's chi-square test of a contingency table (R's ``chisq.test``).
* :func:`fisher_exact_test`: Fisher's exact test for tables with two rows or two columns
  (R's ``fisher.test``).
* :func:`cramers_v`: Cramer's V, optionally with Bergsma's bias correction.
* :func:`rao_scott_test`: the design-based Rao-Scott test for clustered survey data (R's
  ``survey::svychisq``).

The first three treat respondents as independent; with respondents clustered in trusts use
:func:`rao_scott_test`.  Every result is checked against R in ``tests/reference/comparisons.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, special, stats

from readiness.errors import StatsError
from readiness.stats.calibration import CalibratedDesign, design_covariance
from readiness.stats.design import SurveyDesign
from readiness.stats.result import Result

# fisher.test counts tables whose probability is within this factor of the observed one as
# "as extreme" (R: relErr <- 1 + 10^(-7)), so that ties are not lost to rounding.
_REL_ERR = 1 + 1e-7


def _table(table, *, integer: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(table, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise StatsError(f"the table must contain counts: {err}") from err
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise StatsError(
            f"a contingency table needs at least two rows and two columns, not shape {arr.shape}. "
            "Fix: both variables need at least two categories with respondents."
        )
    if not np.isfinite(arr).all():
        raise StatsError("every cell of the table must be a finite count (no missing values).")
    if (arr < 0).any():
        raise StatsError("the table has negative counts. Fix: pass counts of respondents.")
    if integer and (arr != np.round(arr)).any():
        raise StatsError("an exact test needs whole numbers of respondents in every cell.")
    for axis, what in ((1, "row"), (0, "column")):
        empty = np.flatnonzero(arr.sum(axis=axis) == 0)
        if len(empty):
            raise StatsError(
                f"{what} {empty[0] + 1} of the table has no respondents, so the test is undefined. "
                f"Fix: drop empty categories before testing."
            )
    return arr


@dataclass(frozen=True)
class ChiSquareResult(Result):
    """Pearson's chi-square test: statistic, degrees of freedom, p-value, expected counts.

    ``correct`` says whether Yates' continuity correction was applied; ``min_expected`` is the
    smallest expected count (R warns "Chi-squared approximation may be incorrect" below 5).
    """

    statistic: float
    df: int
    p_value: float
    n: float
    expected: tuple
    min_expected: float
    correct: bool
    method: str


def chi_square_test(table, correct: bool = False) -> ChiSquareResult:
    """Pearson's chi-square test of independence for an r x c table of counts.

    Parameters
    ----------
    table
        The counts, a 2-D array or nested lists (rows by columns), each row and column with at
        least one count.
    correct
        Yates' continuity correction for 2 x 2 tables (False by default).

    Returns
    -------
    ChiSquareResult
        ``statistic``, ``df``, ``p_value``, ``n``, the ``expected`` counts and ``min_expected``.

    Notes
    -----
    ``X^2 = sum((O - E)^2 / E)`` with ``E = row total x column total / n`` on ``(r - 1)(c - 1)``
    degrees of freedom.  R's default ``correct = TRUE`` applies Yates' continuity correction to
    2 x 2 tables only; here the default is no correction (the correction is conservative), and
    ``correct=True`` reproduces R exactly: ``|O - E| - min(0.5, |O - E|)`` for 2 x 2 tables,
    nothing for others.

    References
    ----------
    Matches R's ``chisq.test(table, correct = FALSE)``.

    Examples
    --------
    >>> r = chi_square_test([[12, 7], [5, 19]])
    >>> round(r.statistic, 4), r.df, round(r.p_value, 5)
    (7.9469, 1, 0.00482)
    """
    obs = _table(table)
    n = obs.sum()
    expected = np.outer(obs.sum(1), obs.sum(0)) / n
    dev = np.abs(obs - expected)
    applied = False
    if correct and obs.shape == (2, 2):
        yates = min(0.5, float(dev.min()))
        applied = yates > 0
        dev = dev - yates
    statistic = float((dev**2 / expected).sum())
    df = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    method = "Pearson's chi-square test" + (" with Yates' continuity correction" if applied else "")
    return ChiSquareResult(
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
        n=float(n),
        expected=tuple(tuple(float(v) for v in row) for row in expected),
        min_expected=float(expected.min()),
        correct=applied,
        method=method,
    )


@dataclass(frozen=True)
class FisherResult(Result):
    """Fisher's exact test: the two-sided p-value for independence with fixed margins.

    With ``simulated`` the p-value is a Monte Carlo estimate from ``replicates`` random tables
    drawn with ``seed`` (R's ``fisher.test(simulate.p.value = TRUE, B = replicates)``), and
    ``method`` says so.
    """

    p_value: float
    n: int
    rows: int
    columns: int
    method: str = "Fisher's exact test"
    simulated: bool = False
    replicates: int | None = None
    seed: int | None = None


FISHER_REPLICATES = 2000  # R's default B
FISHER_SEED = 1
# R counts a simulated table as extreme when its statistic is within this factor of the observed
ALMOST_ONE = 1 + 64 * np.finfo(float).eps


def fisher_simulated_p(
    rows: np.ndarray, first: np.ndarray, replicates: int, seed: int | None
) -> float:
    """Monte Carlo p-value of an r x 2 table (row totals ``rows``, first column ``first``).

    As R's ``fisher.test(simulate.p.value = TRUE, B = replicates)``: random tables with the
    table's margins are drawn, each is scored by ``-sum(log(cell!))`` (its log-probability up to
    a constant), and ``p = (1 + #(simulated <= observed / (1 + 64 eps))) / (replicates + 1)``.
    The tables are drawn as ``numpy.random.default_rng(seed).multivariate_hypergeometric(rows,
    sum(first), size=replicates)``, each row the first column of one table (the second is the
    row totals less it), so the same seed gives the same p-value; R's random numbers differ, so
    R's p-value agrees only within Monte Carlo error (standard error about
    ``sqrt(p (1 - p) / replicates)``).
    """
    rows = np.asarray(rows, dtype=np.int64)
    first = np.asarray(first, dtype=np.int64)
    rng = np.random.default_rng(seed)
    drawn = rng.multivariate_hypergeometric(rows, int(first.sum()), size=replicates)
    scores = -(special.gammaln(drawn + 1) + special.gammaln(rows - drawn + 1)).sum(axis=1)
    observed = -float((special.gammaln(first + 1) + special.gammaln(rows - first + 1)).sum())
    return float((1 + np.count_nonzero(scores <= observed / ALMOST_ONE)) / (replicates + 1))


def _log_choose(m: np.ndarray | int, x: np.ndarray) -> np.ndarray:
    return special.gammaln(m + 1) - special.gammaln(x + 1) - special.gammaln(m - x + 1)


def _fisher_two_columns(rows: np.ndarray, x_obs: np.ndarray) -> float:
    """Exact p-value of an r x 2 table with row totals ``rows`` and first column ``x_obs``.

    Under independence with fixed margins the first column is multivariate hypergeometric:
    ``P(x) = prod(C(m_i, x_i)) / C(N, c)``.  The p-value is the total probability of the tables
    no more probable than the observed one.

    The rows are sorted by size and split in two.  The first (smaller) rows are explored row by
    row as a network (Mehta & Patel, JASA 1983;78:427-434): for each partial table we know the
    largest and smallest log-probability any completion can reach (a dynamic programme over
    the remaining rows) and the total probability of all its completions (by Vandermonde's
    identity, ``sum(prod(C(m_j, x_j))) = C(sum(m_j), s)``), so whole sub-networks are counted or
    discarded at once.  The last (largest) rows are enumerated once, grouped by their column
    total and sorted by probability, so each partial table still undecided is finished with one
    binary search (meet in the middle).
    """
    rows = np.asarray(rows, dtype=np.int64)
    x_obs = np.asarray(x_obs, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    rows, x_obs = rows[order], x_obs[order]
    r = len(rows)
    c = int(x_obs.sum())
    threshold = float(_log_choose(rows, x_obs).sum()) + np.log(_REL_ERR)
    log_norm = float(_log_choose(int(rows.sum()), np.asarray(c)))
    # Enumerate the two largest rows; if the network over the others grows too large, enumerate
    # one more row (fewer network levels), as long as that enumeration stays affordable.
    for k in range(2, r + 1):
        if k > 2 and np.prod((rows[r - k :] + 1).astype(float)) > _FISHER_SUFFIX_TABLES:
            break
        try:
            return _fisher_network(rows, c, r - k, threshold, log_norm)
        except _TooManyTables:
            continue
    raise _ExactTooLarge(
        "the table is too large for the exact test (too many tables to enumerate). "
        "Fix: use fisher_exact_test(table, simulate=True) for a Monte Carlo p-value, as R's "
        "fisher.test(simulate.p.value = TRUE)."
    )


class _TooManyTables(Exception):
    pass


class _ExactTooLarge(StatsError):
    """The exact enumeration would take too long (the caller may simulate instead)."""


def _fisher_network(rows, c: int, split: int, threshold: float, log_norm: float) -> float:
    """Rows ``:split`` as a network, rows ``split:`` enumerated (see _fisher_two_columns)."""
    suffix = np.concatenate([np.cumsum(rows[::-1])[::-1], [0]])
    # best/worst[i][s]: max/min of sum(log C(m_j, x_j)) over rows j >= i with sum(x_j) = s.
    best = np.full((split + 1, c + 1), -np.inf)
    worst = np.full((split + 1, c + 1), np.inf)
    totals, values, cums = _suffix_tables(rows[split:], c)
    for q, v in zip(totals, values, strict=True):
        best[split, q] = v[-1]
        worst[split, q] = v[0]
    for i in range(split - 1, -1, -1):
        m = int(rows[i])
        for x in range(min(m, c) + 1):
            lc = float(_log_choose(m, np.asarray(x)))
            np.maximum(best[i, x:], lc + best[i + 1, : c + 1 - x], out=best[i, x:])
            np.minimum(worst[i, x:], lc + worst[i + 1, : c + 1 - x], out=worst[i, x:])
    eps = 1e-9 * max(1.0, abs(threshold))  # undecided within rounding: expanded, not guessed
    p_value = 0.0
    s = np.zeros(1, dtype=np.int64)
    logp = np.zeros(1)
    for i in range(split):
        rest = c - s
        counted = logp + best[i, rest] <= threshold - eps
        if counted.any():
            tot = _log_choose(suffix[i], rest[counted].astype(np.float64))
            p_value += float(np.exp(logp[counted] + tot - log_norm).sum())
        open_ = ~counted & (logp + worst[i, rest] <= threshold + eps)
        s, logp = s[open_], logp[open_]
        if len(s) == 0:
            return min(1.0, p_value)
        m = int(rows[i])
        if len(s) * (m + 1) > _FISHER_MAX_STATES:
            raise _TooManyTables
        xs = np.arange(m + 1)
        s_new = (s[:, None] + xs[None, :]).ravel()
        logp_new = (logp[:, None] + _log_choose(m, xs)[None, :]).ravel()
        feasible = (s_new <= c) & (c - s_new <= suffix[i + 1])
        s, logp = s_new[feasible], logp_new[feasible]

    # finish every open partial table with the enumerated last rows
    where = {int(q): j for j, q in enumerate(totals)}
    rest = c - s
    by_rest = np.argsort(rest, kind="stable")
    rest, logp = rest[by_rest], logp[by_rest]
    starts = np.flatnonzero(np.r_[True, rest[1:] != rest[:-1]])
    ends = np.r_[starts[1:], len(rest)]
    for a, b in zip(starts, ends, strict=True):
        j = where.get(int(rest[a]))
        if j is None:
            continue
        v, cum = values[j], cums[j]
        lp = logp[a:b]
        idx = np.searchsorted(v, threshold - lp, side="right")
        take = idx > 0
        p_value += float(np.exp(lp[take] + v[-1] - log_norm) @ cum[idx[take] - 1])
    return min(1.0, p_value)


def _suffix_tables(rows: np.ndarray, c: int):
    """All fillings of the first column of ``rows``, grouped by their total ``q <= c``.

    Returns the totals, for each total the sorted log-weights ``sum(log C(m_j, x_j))``, and
    for each total the cumulative sums of ``exp(v - max(v))`` in that order.
    """
    q = np.zeros(1, dtype=np.int64)
    v = np.zeros(1)
    for m in rows:
        x = np.arange(int(m) + 1)
        q = (q[:, None] + x[None, :]).ravel()
        v = (v[:, None] + _log_choose(int(m), x)[None, :]).ravel()
        keep = q <= c
        q, v = q[keep], v[keep]
    order = np.lexsort((v, q))
    q, v = q[order], v[order]
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    ends = np.r_[starts[1:], len(q)]
    totals = q[starts]
    values = [v[a:b] for a, b in zip(starts, ends, strict=True)]
    cums = [np.cumsum(np.exp(g - g[-1])) for g in values]
    return totals, values, cums


_FISHER_MAX_STATES = 10_000_000
_FISHER_SUFFIX_TABLES = 8_000_000


def fisher_exact_test(
    table,
    *,
    simulate: bool | None = None,
    replicates: int = FISHER_REPLICATES,
    seed: int | None = FISHER_SEED,
) -> FisherResult:
    """Fisher's exact test for a table with two rows or two columns (2 x 2, r x 2, 2 x c).

    Parameters
    ----------
    table
        The counts, a 2-D array or nested lists with two rows or two columns.
    simulate
        None (the default): a Monte Carlo p-value only when the table is too large to enumerate;
        True: always (as R's ``simulate.p.value = TRUE``); False: never (too large is an error).
    replicates
        The number of random tables drawn when simulating (R's ``B``, 2000).
    seed
        The seed of the random tables.

    Returns
    -------
    FisherResult
        The two-sided ``p_value``, ``n``, the table's shape, and ``simulated``, ``replicates``
        and ``method``, which say how the p-value was found.

    Raises
    ------
    StatsError
        A table with more than two rows *and* columns: use :func:`chi_square_test` or, for survey
        data, :func:`rao_scott_test`.

    Notes
    -----
    The two-sided p-value is the probability, with all margins fixed, of the tables whose
    probability is at most the observed table's (times 1 + 1e-7, as R, so exact ties count).  This
    implementation is an exact network enumeration for two-column tables (see
    :func:`_fisher_two_columns`), which covers the discipline-by-answer tables of the survey.
    SciPy's ``fisher_exact`` handles only 2 x 2 tables exactly (larger tables by simulation), so it
    is not used.

    Large tables (say 64 sites by yes/no) have too many tables with the same margins to enumerate;
    R's ``fisher.test`` then stops (FEXACT error 7) and suggests ``simulate.p.value = TRUE``.
    Here, with ``simulate=None``, such a table gets that Monte Carlo p-value instead
    (:func:`fisher_simulated_p`).  No odds ratio is reported (R's conditional maximum likelihood
    estimate is not implemented).

    References
    ----------
    Mehta CR, Patel NR. A network algorithm for performing Fisher's exact test in r x c
    contingency tables. JASA 1983;78:427-434.  Matches R's ``fisher.test(table)$p.value``.

    Examples
    --------
    >>> round(fisher_exact_test([[3, 1], [1, 3]]).p_value, 4)
    0.4857
    """
    obs = _table(table, integer=True).astype(np.int64)
    shape = obs.shape
    if obs.shape[1] != 2:
        if obs.shape[0] != 2:
            raise StatsError(
                f"the exact test is implemented for tables with two rows or two columns, not "
                f"{obs.shape[0]} x {obs.shape[1]}. Fix: use chi_square_test, or rao_scott_test "
                "for clustered survey data."
            )
        obs = obs.T
    if int(replicates) < 1:
        raise StatsError(f"replicates must be at least 1 (got {replicates}); R's default is 2000.")
    rows = obs.sum(1)
    n = int(obs.sum())
    if not simulate:
        try:
            p = _fisher_two_columns(rows, obs[:, 0])
            return FisherResult(p_value=p, n=n, rows=shape[0], columns=shape[1])
        except _ExactTooLarge:
            if simulate is False:
                raise
    replicates = int(replicates)
    return FisherResult(
        p_value=fisher_simulated_p(rows, obs[:, 0], replicates, seed),
        n=n,
        rows=shape[0],
        columns=shape[1],
        method=f"Fisher's exact test with simulated p-value (based on {replicates} replicates)",
        simulated=True,
        replicates=replicates,
        seed=seed,
    )


@dataclass(frozen=True)
class CramersV(Result):
    """Cramer's V for an r x c table; ``bias_corrected`` says which estimator."""

    value: float
    statistic: float
    n: float
    rows: int
    columns: int
    bias_corrected: bool


def cramers_v(table, bias_correction: bool = False) -> CramersV:
    """Cramer's V, the strength of association in an r x c table.

    Parameters
    ----------
    table
        The counts, a 2-D array or nested lists.
    bias_correction
        False (the default): the classical estimator, which most papers report and which is
        biased upwards in small samples; True: Bergsma's bias-corrected estimator.

    Returns
    -------
    CramersV
        ``value``, Pearson's ``statistic``, ``n`` and the table's shape.

    Notes
    -----
    ``V = sqrt(X^2 / (n (min(r, c) - 1)))``, ``X^2`` Pearson's statistic without continuity
    correction.  Bergsma's correction: ``phi2 = max(0, X^2/n - (r-1)(c-1)/(n-1))``,
    ``r~ = r - (r-1)^2/(n-1)``, ``c~ = c - (c-1)^2/(n-1)``,
    ``V = sqrt(phi2 / min(r~ - 1, c~ - 1))``.

    References
    ----------
    Cramer H. *Mathematical Methods of Statistics*, 1946, section 21.9.  Bergsma W. A
    bias-correction for Cramer's V and Tschuprow's T. J Korean Stat Soc 2013;42:323-328; as
    ``rcompanion::cramerV(bias.correct = TRUE)`` and ``DescTools::CramerV(correct = TRUE)``.  The R
    reference computes both from ``chisq.test(correct = FALSE)``.

    Examples
    --------
    >>> round(cramers_v([[12, 7], [5, 19]]).value, 4)
    0.4299
    """
    obs = _table(table)
    x2 = chi_square_test(obs).statistic
    n = obs.sum()
    r, k = obs.shape
    if bias_correction:
        phi2 = max(0.0, x2 / n - (k - 1) * (r - 1) / (n - 1))
        r_t = r - (r - 1) ** 2 / (n - 1)
        k_t = k - (k - 1) ** 2 / (n - 1)
        value = np.sqrt(phi2 / min(k_t - 1, r_t - 1))
    else:
        value = np.sqrt(x2 / (n * (min(r, k) - 1)))
    return CramersV(float(value), float(x2), float(n), r, k, bias_correction)


@dataclass(frozen=True)
class RaoScottResult(Result):
    """The Rao-Scott test of association for survey data (R's ``svychisq``).

    ``statistic`` is the F statistic (``"F"``) or the first-order corrected chi-square
    ``pearson / mean_deff`` (``"Chisq"``); ``ndf``/``ddf`` its degrees of freedom (``ddf`` is
    infinite for ``"Chisq"``).  ``pearson`` is Pearson's X^2 on the weighted table scaled to the
    number of rows in the design, which is what R prints as ``X-squared`` for ``"Chisq"``.
    ``mean_deff`` is the mean generalised design effect (the mean eigenvalue of Rao and Scott's
    Delta) and ``n`` the number of respondents with both answers.
    """

    statistic: float
    ndf: float
    ddf: float
    p_value: float
    pearson: float
    mean_deff: float
    n: int
    rows: tuple
    columns: tuple
    statistic_type: str
    method: str
    empty_rows: tuple = ()  # levels of y no respondent with a group has (kept, as svychisq)
    empty_columns: tuple = ()  # groups in which no respondent answered y (kept, as svychisq)


def _cell_covariance(
    design: SurveyDesign | CalibratedDesign,
    cell: np.ndarray,
    w: np.ndarray,
    props: np.ndarray,
    complete: np.ndarray,
) -> np.ndarray:
    """The covariance of the cell proportions: each respondent's linearised values,
    w (1{cell} - p) / sum(w), zero outside the complete rows (svymean's na.rm drops them as a
    domain), through every stage of the design (a calibration's residuals first).

    Without a calibration the values are summed by final-stage unit one cell at a time, over
    the complete rows only (the same sums: the other rows add zeros), never holding the
    respondents x cells matrix: at a national study's 1.5 million respondents that matrix and
    its sums were most of the test's time."""
    k, sw = len(props), w.sum()
    if isinstance(design, CalibratedDesign):
        x = np.zeros((design.n, k))
        x[complete] = -(w[:, None] * props[None, :]) / sw
        x[np.flatnonzero(complete), cell] += w / sw
        return design_covariance(design, x, complete)
    units = design.unit[complete]
    own = w / sw
    totals = np.empty((design.n_units, k))
    values = np.empty_like(w)
    members = _cell_members(cell, k)
    for j in range(k):
        # -(w p_j) / sw, each step in place (w (-p_j) is -(w p_j) to the bit: only the sign
        # differs), then + own for the cell's own rows, found once for every cell
        np.multiply(w, -props[j], out=values)
        np.divide(values, sw, out=values)
        rows = members[j]
        values[rows] += own[rows]
        totals[:, j] = np.bincount(units, weights=values, minlength=design.n_units)
    return design.unit_covariance(totals, complete)


def _cell_members(cell: np.ndarray, k: int) -> list[np.ndarray]:
    """The rows in each of the ``k`` cells (each list in row order), from one sort of the
    cells (a radix sort: the cells are small numbers), not a comparison per row and cell."""
    small = cell.astype(np.int16) if k < 2**15 else cell
    rows = np.argsort(small, kind="stable")
    ends = np.cumsum(np.bincount(cell, minlength=k))
    return np.split(rows, ends[:-1]) if k else []


def _levels_found(cell: np.ndarray, r: int, c: int) -> tuple[int, int]:
    """How many of the ``r`` levels of y and of the ``c`` groups the respondents with both
    answers have, from their cells (y + r group): one count of the cells, not a selection
    and a count of each variable over every respondent."""
    seen = np.bincount(cell, minlength=r * c).reshape(c, r)
    return int(np.count_nonzero(seen.sum(axis=0))), int(np.count_nonzero(seen.sum(axis=1)))


def _factorized(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(y, sort=True)``.  Answers coded 0/1 with NaN missing, as every
    indicator is, are numbered from two comparisons instead of a table of every value (a
    tenth of the time at a national study's size); a zero keeps the sign of the first one
    seen, as factorize keeps the first of equal values."""
    if y.dtype == np.float64:
        zero, one = y == 0, y == 1
        n_zero, n_one = int(np.count_nonzero(zero)), int(np.count_nonzero(one))
        if n_zero + n_one + int(np.count_nonzero(np.isnan(y))) == len(y):
            codes = np.full(len(y), -1, dtype=np.intp)
            levels = []
            if n_zero:
                codes[zero] = 0
                levels.append(y[int(np.argmax(zero))])
            if n_one:
                codes[one] = len(levels)
                levels.append(1.0)
            return codes, np.array(levels, dtype=np.float64)
    return pd.factorize(y, sort=True)


def rao_scott_test(
    y,
    group,
    design: SurveyDesign | CalibratedDesign,
    statistic: str = "F",
    *,
    group_codes: tuple[np.ndarray, np.ndarray] | None = None,
) -> RaoScottResult:
    """Rao-Scott test of independence of two categorical variables under a survey design.

    Parameters
    ----------
    y, group
        Each respondent's two answers, in the design's order; None or NaN where missing.
    design
        A :class:`~readiness.stats.design.SurveyDesign`, or a
        :class:`~readiness.stats.calibration.CalibratedDesign` (post-stratified, raked or
        calibrated): the table then uses the new weights and the variance the residuals of the
        weighting, as svychisq on a calibrated design in R.
    statistic
        ``"F"`` (the default, the second-order correction) or ``"Chisq"`` (the first-order one).
    group_codes
        ``pd.factorize(group, sort=True)`` when the caller has it already (an analysis tests
        many answers against the same groups, and numbering them is most of a test's time);
        None to number ``group`` here.

    Returns
    -------
    RaoScottResult
        ``statistic``, ``ndf``, ``ddf``, ``p_value``, Pearson's X^2 (``pearson``), ``mean_deff``,
        ``n``, the levels (``rows``, ``columns``) and the empty ones.

    Notes
    -----
    ``"F"``: the second-order, Satterthwaite-type correction referred to an F distribution on
    ``d0`` and ``d0 * degf(design)`` degrees of freedom, with ``d0 = tr(Delta)^2 / tr(Delta^2)``;
    ``"Chisq"``: ``X^2 / mean(eigenvalues of Delta)`` on ``(r - 1)(c - 1)`` degrees of freedom.
    ``Delta`` is the matrix of generalised design effects of the interaction contrasts of the
    cell proportions; their covariance is linearised under the design exactly as in
    :func:`readiness.stats.design.design_proportion`: every respondent's linearised values go
    through the design's variance (:meth:`SurveyDesign.row_covariance`), so a finite population
    correction at one or several stages (survey's multistage estimator) is taken into account.

    Missing data: a missing value in either variable drops the respondent as a domain (R's
    ``na.rm = TRUE``).  The categories of each variable are those seen anywhere in the design, as
    svychisq takes them: a group whose members all lack y (or a value of y seen only without a
    group) stays in Delta as an empty cell and counts in the degrees of freedom, while Pearson's
    X^2 is computed on the levels with respondents, as R's ``svytable`` has them.  Such levels are
    listed in ``empty_rows`` and ``empty_columns``; the F differs from the test on the data
    without them (``subset(design, group != level)`` in R).  The degrees of freedom use the whole
    design, as R does.

    References
    ----------
    Rao JNK, Scott AJ. On chi-squared tests for multiway contingency tables with cell proportions
    estimated from survey data. Ann Stat 1984;12:46-60.  Matches R's
    ``svychisq(~y + group, design, statistic = "F")`` and ``statistic = "Chisq"`` (package survey).

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    >>> res = rao_scott_test([1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0], list("aabababbabba"), des)
    >>> res.statistic_type, res.n
    ('F', 12)
    """
    if statistic not in ("F", "Chisq"):
        raise StatsError(f"statistic must be 'F' or 'Chisq' (as svychisq), not {statistic!r}.")
    y = np.asarray(y, dtype=object) if np.asarray(y).dtype.kind in "OUS" else np.asarray(y)
    group = (
        np.asarray(group, dtype=object)
        if np.asarray(group).dtype.kind in "OUS"
        else np.asarray(group)
    )
    for arr, name in ((y, "y"), (group, "group")):
        if arr.ndim != 1 or len(arr) != design.n:
            raise StatsError(
                f"{name} has {arr.size} values but the design has {design.n} respondents."
            )
    # the levels of each variable are those seen anywhere in the design, as svychisq's
    # unique(design$variables[, ...]): a level whose respondents all lack the other answer
    # stays in the table with no one in it (a missing value, None or NaN, is coded -1)
    yc, y_levels = _factorized(y)
    gc, g_levels = pd.factorize(group, sort=True) if group_codes is None else group_codes
    if len(gc) != len(group):
        raise StatsError(f"group_codes has {len(gc)} codes but group has {len(group)} values.")
    complete = (yc >= 0) & (gc >= 0)
    r, c = len(y_levels), len(g_levels)
    k = r * c
    cell = (yc + r * gc)[complete]  # y varies fastest, as R's interaction(y, group)
    for found, name in zip(_levels_found(cell, r, c), ("y", "group"), strict=True):
        if found < 2:
            raise StatsError(
                f"{name} needs at least two different values among respondents with both "
                f"answers to test an association (found {found})."
            )
    if design.degf <= 0:
        raise StatsError("the design has no degrees of freedom (clusters minus strata is 0).")
    w = np.asarray(design.weights, dtype=np.float64)[complete]
    sw = w.sum()
    props = np.bincount(cell, weights=w, minlength=k) / sw
    cov = _cell_covariance(design, cell, w, props, complete)

    n_rows = design.n  # R scales the table to nrow of the model matrix (all rows)
    cells_r, cells_c = np.arange(k) % r, np.arange(k) // r
    main = np.column_stack(
        [np.ones(k)]
        + [(cells_r == i).astype(float) for i in range(1, r)]
        + [(cells_c == j).astype(float) for j in range(1, c)]
    )
    contrasts = linalg.null_space(main.T)  # interaction contrasts, orthogonal to main effects
    inv_p = np.where(props > 0, 1 / np.where(props > 0, props, 1), 0.0)
    scaled = contrasts * inv_p[:, None]
    denom = contrasts.T @ scaled / n_rows
    numer = scaled.T @ cov @ scaled
    delta = np.linalg.solve(denom, numer)
    tr = float(np.trace(delta))
    tr2 = float(np.trace(delta @ delta))
    if not tr2 > 0:
        # No variation between the clusters' tables: the design effects are all 0 and the
        # test is undefined (R's svychisq computes 0/0 and reports NaN).
        raise StatsError(
            "the table does not vary between the design's clusters, so the Rao-Scott test "
            "is undefined."
        )
    df = (r - 1) * (c - 1)

    table = (props * n_rows).reshape(c, r).T
    empty_rows = table.sum(1) == 0
    empty_columns = table.sum(0) == 0
    # Pearson's X^2 on the table of the levels with respondents (R's svytable has no row or
    # column for an empty level); the empty levels count in Delta and its degrees of freedom
    seen = table[~empty_rows][:, ~empty_columns]
    expected = np.outer(seen.sum(1), seen.sum(0)) / n_rows
    pearson = float(((seen - expected) ** 2 / expected).sum())
    mean_deff = tr / df
    if statistic == "F":
        d0 = tr * tr / tr2
        value = pearson / tr
        ndf, ddf = d0, d0 * design.degf
        p = float(stats.f.sf(value, ndf, ddf))
    else:
        value = pearson / mean_deff
        ndf, ddf = float(df), float("inf")
        p = float(stats.chi2.sf(value, df))

    def plain(levels):
        return tuple(v.item() if hasattr(v, "item") else v for v in levels)

    return RaoScottResult(
        statistic=float(value),
        ndf=float(ndf),
        ddf=float(ddf),
        p_value=p,
        pearson=pearson,
        mean_deff=float(mean_deff),
        n=int(complete.sum()),
        rows=plain(y_levels),
        columns=plain(g_levels),
        statistic_type=statistic,
        method="Pearson's X^2: Rao & Scott adjustment",
        empty_rows=plain(y_levels[empty_rows]),
        empty_columns=plain(g_levels[empty_columns]),
    )
