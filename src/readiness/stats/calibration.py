"""Weighting a sample to known counts: post-stratification, raking and linear calibration.

A trust knows how many staff it has in each discipline and at each site; the people who answer
a survey are rarely spread the same way.  Weighting the respondents so that they add up to the
known counts corrects the estimates for that, and makes them more precise when the counts are
related to the answers.  This module reproduces R's survey package (Lumley, J Stat Softw
2004;9(8); Lumley, *Complex Surveys*, Wiley 2010, chapter 7) for

.. code-block:: r

    postStratify(des, ~discipline + site, population)         # one table of crossed cells
    rake(des, list(~discipline, ~site), list(pop_d, pop_s))   # margins, fitted in turn
    calibrate(des, ~discipline + years, totals)               # linear (GREG), calfun = "linear"
    svymean(~y, des, na.rm = TRUE); svytotal(~y, des, na.rm = TRUE)
    svyciprop(~y, des, method = "logit")

and is checked against R in ``tests/reference/calibration.R``.

* **Post-stratification** multiplies each respondent's weight by (population count of the cell)
  / (weighted count of respondents in the cell).
* **Raking** post-stratifies on each margin in turn, and repeats the round until no cell of the
  cross-classification of all the margin variables changes by ``epsilon`` or more (survey's
  ``control = list(maxit = 10, epsilon = 1)``; an ``epsilon`` below 1 is taken relative to the
  total weight).  A rake that does not converge in ``maxit`` rounds keeps its last weights and
  warns, as R does.
* **Linear calibration** gives weights ``w (1 + x' b)`` whose weighted totals of the auxiliary
  variables ``x`` (an intercept, the levels of the categorical margins and any numeric
  variables) equal the population's.  Weights can turn negative; that is counted and warned
  about, as R allows it silently.

Standard errors after weighting are survey's: the variance of a weighted estimate is computed
from the *residuals* of its linearised values (influence values) after the weighting, not from
the values themselves.  After post-stratification the residual is the value minus its cell's
weighted mean; after raking it is found by ten rounds of the same over the margins (R's
``svyrecvar``); after linear calibration it is the residual of a weighted regression on the
auxiliary variables.  The residuals then go through the design's own variance (clusters,
strata).  A calibrated design's domains and missing answers keep every respondent in the
residuals, as ``subset()`` of a calibrated design does in R.

Population counts come as :class:`Margin` records (a variable and a count for each level, or
several variables crossed) or :class:`PopulationTotal` (the population total of a numeric
variable, for linear calibration), typically read from a small CSV by :func:`read_margins`.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from readiness.errors import Problem, ProblemsError, StatsError
from readiness.stats.design import (
    DesignProportion,
    DesignProportions,
    SurveyDesign,
    binary_values,
)
from readiness.stats.result import Result

MAX_PROBLEMS = 20
RAKE_EPSILON = 1.0  # survey::rake's default control
RAKE_MAXIT = 10
_RAKE_VARIANCE_ROUNDS = 10  # svyrecvar: ten rounds of back-fitting over the raking margins
CROSS = " x "  # joins the levels of crossed variables in labels


# -- population counts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Margin:
    """Population counts by one variable, or by several variables crossed.

    ``levels`` holds one tuple of level labels (text, one per variable) for each cell and
    ``counts`` the number in the population in that cell.  ``source`` and ``rows`` say where the
    counts came from (the file and the 1-based data row of each cell), for error messages;
    ``layout`` is ``"long"`` for ``variable,level,count`` rows and ``"table"`` for a table with
    one column per variable and a ``count`` column.

    >>> Margin.of("site", {"North": 420, "South": 380}).counts
    (420.0, 380.0)
    """

    variables: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    counts: tuple[float, ...]
    source: str | None = None
    rows: tuple[int, ...] | None = None
    layout: str = "long"

    def __post_init__(self) -> None:
        if not self.variables:
            raise StatsError("a margin needs at least one variable.")
        if len(self.levels) != len(self.counts) or not self.levels:
            raise StatsError(
                f"the margin for {self.name} needs one count for each level "
                f"({len(self.levels)} levels, {len(self.counts)} counts)."
            )
        if any(len(cell) != len(self.variables) for cell in self.levels):
            raise StatsError(
                f"every cell of the margin for {self.name} needs one level for each of its "
                f"{len(self.variables)} variables."
            )
        if len(set(self.levels)) != len(self.levels):
            raise StatsError(f"the margin for {self.name} gives a level more than once.")
        bad = [c for c in self.counts if not (math.isfinite(c) and c > 0)]
        if bad:
            raise StatsError(
                f"the counts for {self.name} must be positive numbers; found {bad[0]!r}."
            )

    @classmethod
    def of(
        cls,
        variables: str | Sequence[str],
        counts: Mapping,
        *,
        source: str | None = None,
        rows: Sequence[int] | None = None,
    ) -> Margin:
        """A margin from a mapping of level (a tuple of levels when crossed) to count."""
        names = (variables,) if isinstance(variables, str) else tuple(variables)
        levels, values = [], []
        for level, count in counts.items():
            cell = level if isinstance(level, tuple) else (level,)
            levels.append(tuple(_text(v) or "" for v in cell))  # counted levels are not missing
            values.append(float(count))
        return cls(
            names,
            tuple(levels),
            tuple(values),
            source,
            None if rows is None else tuple(rows),
            "long" if len(names) == 1 else "table",
        )

    @property
    def name(self) -> str:
        return CROSS.join(self.variables)

    @property
    def total(self) -> float:
        return float(sum(self.counts))

    def label(self, j: int) -> str:
        return CROSS.join(self.levels[j])


@dataclass(frozen=True)
class PopulationTotal:
    """The population total of a numeric variable (for :func:`calibrate`)."""

    variable: str
    total: float
    source: str | None = None
    row: int | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.total):
            raise StatsError(f"the population total of {self.variable} must be a number.")


# -- the record of what was done -----------------------------------------------------------------


@dataclass(frozen=True)
class MarginUsed(Result):
    """One margin as used: its cells, the population counts, and the sample before and after.

    ``respondents`` are unweighted counts; ``weighted_before``/``weighted_after`` the sums of
    the weights in each cell before and after this weighting step.
    """

    variables: tuple[str, ...]
    levels: tuple[str, ...]
    population: tuple[float, ...]
    respondents: tuple[int, ...]
    weighted_before: tuple[float, ...]
    weighted_after: tuple[float, ...]
    source: str | None


@dataclass(frozen=True)
class TotalUsed(Result):
    """A numeric variable's population total as used by linear calibration."""

    variable: str
    population: float
    weighted_before: float
    weighted_after: float
    source: str | None


@dataclass(frozen=True)
class Calibration(Result):
    """What one weighting step did, for the report: method, margins, convergence, weights."""

    method: str
    margins: tuple[MarginUsed, ...]
    totals: tuple[TotalUsed, ...]
    n: int
    iterations: int | None
    converged: bool
    epsilon: float | None
    maxit: int | None
    weight_total_before: float
    weight_total_after: float
    weight_min: float
    weight_max: float
    negative_weights: int

    def describe(self) -> str:
        """One plain sentence: 'raked to discipline (5 levels) and site (3 levels), ...'."""
        parts = []
        for m in self.margins:
            unit = "level" if len(m.variables) == 1 else "cell"
            count = len(m.levels)
            parts.append(f"{CROSS.join(m.variables)} ({count} {unit}{'s' if count != 1 else ''})")
        parts += [f"the total of {t.variable}" for t in self.totals]
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        verb = {
            "post-stratification": "post-stratified by",
            "raking": "raked to",
            "linear calibration": "calibrated (linear) to",
        }[self.method]
        text = f"{verb} {joined}"
        if self.method == "raking":
            rounds = f"{self.iterations} iteration{'s' if self.iterations != 1 else ''}"
            text += (
                f"; converged after {rounds}"
                if self.converged
                else f"; did not converge after {rounds}"
            )
        return text


# -- the calibrated design -----------------------------------------------------------------------


class _PostStratum:
    """svyrecvar for a post-stratum: x - (cell mean of x * old / new weights) * new weight."""

    def __init__(self, codes: np.ndarray, k: int, old: np.ndarray, new: np.ndarray):
        self.codes, self.k, self.old, self.new = codes, k, old, new
        self.old_sums = np.bincount(codes, weights=old, minlength=k)

    def residuals(self, x: np.ndarray) -> np.ndarray:
        z = x * (self.old / self.new)[:, None]
        means = _group_sums(self.codes, self.k, z) / self.old_sums[:, None]
        return x - means[self.codes] * self.new[:, None]


class _Raking:
    """svyrecvar for raking: ten rounds of x - w * (cell mean of x / w) over the margins."""

    def __init__(self, margins: list[tuple[np.ndarray, int, np.ndarray]]):
        self.margins = margins
        self.sizes = [np.bincount(codes, minlength=k) for codes, k, _ in margins]

    def residuals(self, x: np.ndarray) -> np.ndarray:
        for _ in range(_RAKE_VARIANCE_ROUNDS):
            for (codes, k, w), size in zip(self.margins, self.sizes, strict=True):
                means = _group_sums(codes, k, x / w[:, None]) / size[:, None]
                x = x - w[:, None] * means[codes]
        return x


class _Regression:
    """svyrecvar for linear calibration: qr.resid(qr(X sqrt(w)), x / (g sqrt(w))) g sqrt(w)."""

    def __init__(self, q: np.ndarray, scale: np.ndarray):
        self.q, self.scale = q, scale

    def residuals(self, x: np.ndarray) -> np.ndarray:
        z = x / self.scale[:, None]
        return (z - self.q @ (self.q.T @ z)) * self.scale[:, None]


class CalibratedDesign:
    """A survey design whose weights were calibrated to population counts.

    It keeps the original design (``base``: clusters, strata, degrees of freedom), the new
    ``weights``, the steps needed to compute standard errors as survey does, and a
    :class:`Calibration` record of each weighting step (``calibrations``; the last one is
    ``record``).  Pass it wherever this module and :mod:`readiness.stats.glm` take a design;
    calibrate it again to chain steps, as R allows.
    """

    weighted = True

    def __init__(self, base: SurveyDesign, weights: np.ndarray, steps: tuple, calibrations):
        self.base = base
        self.weights = np.asarray(weights, dtype=np.float64)
        self.weights.flags.writeable = False
        self._steps = tuple(steps)
        self.calibrations: tuple[Calibration, ...] = tuple(calibrations)

    @property
    def record(self) -> Calibration:
        return self.calibrations[-1]

    # the design's structure is the base design's
    n = property(lambda self: self.base.n)
    n_clusters = property(lambda self: self.base.n_clusters)
    n_strata = property(lambda self: self.base.n_strata)
    degf = property(lambda self: self.base.degf)
    psu = property(lambda self: self.base.psu)
    psu_stratum = property(lambda self: self.base.psu_stratum)
    lonely_psu = property(lambda self: self.base.lonely_psu)
    stratified = property(lambda self: self.base.stratified)
    strata_labels = property(lambda self: self.base.strata_labels)
    stages = property(lambda self: self.base.stages)
    variance_stages = property(lambda self: self.base.variance_stages)
    fpc = property(lambda self: self.base.fpc)

    def describe(self) -> dict:
        """The base design's :meth:`~readiness.stats.design.SurveyDesign.describe`, weighted,
        with the weighting steps."""
        out = dict(self.base.describe())
        out["weighted"] = True
        out["calibrations"] = [c.describe() for c in self.calibrations]
        return out

    def residuals(self, x) -> np.ndarray:
        """The linearised values ``x`` (respondents x k) after every calibration step."""
        out = np.asarray(x, dtype=np.float64)
        if out.ndim == 1:
            out = out[:, None]
        for step in self._steps:
            out = step.residuals(out)
        return out

    def __repr__(self) -> str:
        methods = " then ".join(c.method for c in self.calibrations)
        return f"CalibratedDesign({self.base!r}, {methods})"


# -- weighting -----------------------------------------------------------------------------------


def post_stratify(
    design, frame: pd.DataFrame, margin: Margin, *, data_name: str | None = None
) -> CalibratedDesign:
    """Post-stratify ``design`` to the population counts of ``margin``: R's ``postStratify``.

    Parameters
    ----------
    design
        A :class:`~readiness.stats.design.SurveyDesign`, a :class:`CalibratedDesign` (the step is
        added to it) or a plain array of weights (respondents then count as independent, as
        ``svydesign(ids = ~1, weights = ~w)``).
    frame
        The margins' variables for the same respondents, in the same order.
    margin
        The population counts (:class:`Margin`), by one variable or several crossed.
    data_name
        The name of the data in error messages.

    Returns
    -------
    CalibratedDesign
        The design with the new ``weights`` and the ``record`` of the weighting step (the
        :class:`Calibration`: cells, counts, sample before and after), whose variance uses the
        residuals of the weighting.

    Raises
    ------
    StatsError
        A level found in the data without a count, a count without a respondent (R's
        ``partial = FALSE``), or a missing value of a margin variable (R's ``na.fail``).

    Notes
    -----
    Each respondent's weight is multiplied by the population count of their cell over the sum of
    the weights in that cell.

    References
    ----------
    Lumley T. *Complex Surveys: A Guide to Analysis Using R*. Wiley, 2010, ch. 7.  The R package
    survey, whose results this matches.  ``postStratify(des, ~site, counts)``.

    Examples
    --------
    >>> des = SurveyDesign([1, 1, 2, 2, 3, 3], weights=[2.0] * 6)
    >>> frame = pd.DataFrame({"site": list("aabbab")})
    >>> post_stratify(des, frame, Margin.of("site", {"a": 30, "b": 10})).weights.tolist()
    [10.0, 10.0, 3.3333333333333335, 3.3333333333333335, 10.0, 3.3333333333333335]
    """
    base, w, steps, records = _start(design, frame)
    if not isinstance(margin, Margin):
        raise StatsError("post_stratify takes one Margin (its variables may be crossed).")
    codes = _cell_codes(frame, [margin], data_name)[0]
    k = len(margin.counts)
    pop = np.asarray(margin.counts)
    before = np.bincount(codes, weights=w, minlength=k)
    new = w * (pop / before)[codes]
    used = _margin_used(margin, codes, before, np.bincount(codes, weights=new, minlength=k))
    record = _record("post-stratification", (used,), (), w, new)
    return CalibratedDesign(base, new, (*steps, _PostStratum(codes, k, w, new)), (*records, record))


def rake(
    design,
    frame: pd.DataFrame,
    margins: Iterable[Margin | PopulationTotal],  # a total is refused with a clear message
    *,
    epsilon: float = RAKE_EPSILON,
    maxit: int = RAKE_MAXIT,
    data_name: str | None = None,
) -> CalibratedDesign:
    """Rake ``design`` to several margins (iterative proportional fitting): R's ``rake``.

    Parameters
    ----------
    design
        A :class:`~readiness.stats.design.SurveyDesign`, a :class:`CalibratedDesign` (the step is
        added to it) or a plain array of weights (respondents then count as independent, as
        ``svydesign(ids = ~1, weights = ~w)``).
    frame
        The margins' variables for the same respondents, in the same order.
    margins
        The population counts, one :class:`Margin` per variable; they must describe the same
        population (their counts add up to the same total).
    epsilon
        Raking stops when no cell of the cross-classification of all the margins' variables
        changed by ``epsilon`` or more in the last round (survey's default 1; below 1 it is a
        fraction of the total weight, as in R).
    maxit
        The most rounds (survey's default 10).
    data_name
        The name of the data in error messages.

    Returns
    -------
    CalibratedDesign
        The design with the new ``weights`` and the ``record`` of the weighting step (the
        :class:`Calibration`: cells, counts, sample before and after), whose variance uses the
        residuals of the weighting.

    Notes
    -----
    Each round post-stratifies on every margin in turn.  Without convergence the last weights are
    kept, a :class:`RuntimeWarning` says so, and the record has ``converged = False``.

    References
    ----------
    Lumley T. *Complex Surveys: A Guide to Analysis Using R*. Wiley, 2010, ch. 7.  The R package
    survey, whose results this matches.  ``rake(des, list(~site, ~role), list(counts_site, counts_role))``.

    Examples
    --------
    >>> des = SurveyDesign([1, 1, 2, 2, 3, 3])
    >>> frame = pd.DataFrame({"site": list("aabbab"), "role": list("xyxyyy")})
    >>> res = rake(des, frame, [Margin.of("site", {"a": 60, "b": 40}),
    ...                         Margin.of("role", {"x": 30, "y": 70})])
    >>> res.record.converged, round(float(res.weights.sum()), 6)
    (True, 100.0)
    """
    given = list(margins)
    base, w, steps, records = _start(design, frame)
    if not given:
        raise StatsError("rake needs at least one margin.")
    totals = [m for m in given if not isinstance(m, Margin)]
    by_level = [m for m in given if isinstance(m, Margin)]  # all of them, once totals are out
    if totals:
        raise StatsError(
            f"raking uses counts by level, but {_what(totals[0])} is a numeric total (a row "
            "with no level). Fix: remove that row; only linear calibration (calibrate()) "
            "uses the totals of numeric variables."
        )
    if not (isinstance(maxit, int | np.integer) and maxit >= 1):
        raise StatsError(f"maxit must be a whole number of 1 or more, not {maxit!r}.")
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise StatsError(f"epsilon must be a positive number, not {epsilon!r}.")
    _same_total(by_level)
    codes = _cell_codes(frame, by_level, data_name)
    sizes = [len(m.counts) for m in by_level]
    pops = [np.asarray(m.counts) for m in by_level]
    tolerance = epsilon * float(w.sum()) if epsilon < 1 else float(epsilon)
    joint, n_joint = _joint(codes)
    old = np.bincount(joint, weights=w, minlength=n_joint)
    start = [np.bincount(c, weights=w, minlength=k) for c, k in zip(codes, sizes, strict=True)]
    current = w
    rounds, converged = 0, False
    last: list[np.ndarray] = []
    while rounds < maxit:
        last = []
        for c, k, pop in zip(codes, sizes, pops, strict=True):
            current = current * (pop / np.bincount(c, weights=current, minlength=k))[c]
            last.append(current)
        rounds += 1
        new = np.bincount(joint, weights=current, minlength=n_joint)
        if np.max(np.abs(old - new)) < tolerance:
            converged = True
            break
        old = new
    if not converged:
        warnings.warn(
            f"raking did not converge after {maxit} iteration{'s' if maxit != 1 else ''}; "
            "the weights of the last round are used. Check that the margins describe the same "
            "staff, or allow more iterations.",
            RuntimeWarning,
            stacklevel=2,
        )
    used = tuple(
        _margin_used(m, c, b, np.bincount(c, weights=current, minlength=k))
        for m, c, b, k in zip(by_level, codes, start, sizes, strict=True)
    )
    record = _record("raking", used, (), w, current, rounds, converged, float(epsilon), int(maxit))
    step = _Raking([(c, k, lw) for c, k, lw in zip(codes, sizes, last, strict=True)])
    return CalibratedDesign(base, current, (*steps, step), (*records, record))


def calibrate(
    design,
    frame: pd.DataFrame,
    population: Iterable[Margin | PopulationTotal],
    *,
    data_name: str | None = None,
) -> CalibratedDesign:
    """Linear calibration (GREG) to population counts and totals: R's ``calibrate``.

    Parameters
    ----------
    design
        A :class:`~readiness.stats.design.SurveyDesign`, a :class:`CalibratedDesign` (the step is
        added to it) or a plain array of weights (respondents then count as independent, as
        ``svydesign(ids = ~1, weights = ~w)``).
    frame
        The margins' variables for the same respondents, in the same order.
    population
        At least one categorical :class:`Margin` (it gives the population size; all must add up
        to the same total) and any :class:`PopulationTotal` of a numeric variable.
    data_name
        The name of the data in error messages.

    Returns
    -------
    CalibratedDesign
        The design with the new ``weights`` and the ``record`` of the weighting step (the
        :class:`Calibration`: cells, counts, sample before and after), whose variance uses the
        residuals of the weighting.

    Notes
    -----
    The same as ``calibrate(des, ~a + b + x, totals, calfun = "linear")`` without bounds: the
    auxiliary variables are an intercept, the levels of each categorical margin (treatment coding;
    the choice of reference does not change the weights) and each numeric variable of a
    :class:`PopulationTotal`.  The new weights are ``w g`` with ``g = 1 + x'(X'WX)^-1 (T - X'w)``,
    so that the weighted totals equal ``T`` exactly.  ``g`` can be negative (a respondent then
    counts negatively); the record counts such weights and a :class:`RuntimeWarning` says so.

    References
    ----------
    Deville JC, Sarndal CE. Calibration estimators in survey sampling. JASA 1992;87:376-382.
    Matches ``survey::calibrate(calfun = "linear")``.

    Examples
    --------
    >>> des = SurveyDesign([1, 1, 2, 2, 3, 3])
    >>> frame = pd.DataFrame({"site": list("aabbab"), "years": [1, 5, 2, 8, 3, 4.0]})
    >>> res = calibrate(des, frame, [Margin.of("site", {"a": 60, "b": 40}),
    ...                              PopulationTotal("years", 420)])
    >>> round(float(res.weights @ frame["years"]), 6)
    420.0
    """
    items = list(population)
    base, w, steps, records = _start(design, frame)
    margins = [m for m in items if isinstance(m, Margin)]
    totals = [t for t in items if isinstance(t, PopulationTotal)]
    if len(margins) + len(totals) != len(items):
        raise StatsError("calibrate takes Margin and PopulationTotal records.")
    if not margins:
        raise StatsError(
            "linear calibration needs at least one categorical margin (counts by level), "
            "which gives the number of staff. Fix: add the counts by site or discipline."
        )
    n_total = _same_total(margins)
    codes = _cell_codes(frame, margins, data_name)
    numeric = _numeric_columns(frame, totals, data_name)
    columns = [np.ones(len(w))]
    targets = [n_total]
    for margin, c in zip(margins, codes, strict=True):
        for j in range(1, len(margin.counts)):
            columns.append((c == j).astype(np.float64))
            targets.append(margin.counts[j])
    for total, values in zip(totals, numeric, strict=True):
        columns.append(values)
        targets.append(total.total)
    x = np.column_stack(columns)
    half = np.sqrt(w)
    try:
        b = np.linalg.solve(x.T @ (x * w[:, None]), np.asarray(targets) - x.T @ w)
    except np.linalg.LinAlgError as err:
        raise StatsError(
            "the calibration variables are collinear (one is a combination of the others), "
            "so the weights are not determined. Fix: leave out a redundant variable."
        ) from err
    g = 1 + x @ b
    new = w * g
    negative = int((new <= 0).sum())
    if negative:
        warnings.warn(
            f"linear calibration gave {negative} respondent(s) a weight of zero or less. "
            "Raking keeps weights positive.",
            RuntimeWarning,
            stacklevel=2,
        )
    q, _ = np.linalg.qr(x * half[:, None])
    used = tuple(
        _margin_used(
            m,
            c,
            np.bincount(c, weights=w, minlength=len(m.counts)),
            np.bincount(c, weights=new, minlength=len(m.counts)),
        )
        for m, c in zip(margins, codes, strict=True)
    )
    totals_used = tuple(
        TotalUsed(t.variable, t.total, float(v @ w), float(v @ new), t.source)
        for t, v in zip(totals, numeric, strict=True)
    )
    record = _record("linear calibration", used, totals_used, w, new)
    step = _Regression(q, g * half)
    return CalibratedDesign(base, new, (*steps, step), (*records, record))


# -- estimates on a (calibrated) design ----------------------------------------------------------


@dataclass(frozen=True)
class SurveyEstimate(Result):
    """A design-based mean or total with its linearised standard error.

    ``n`` is the number of respondents used (answered, in the domain); ``df`` the design's
    degrees of freedom in the domain (clusters minus strata with members of it).
    """

    statistic: str
    estimate: float
    se: float
    n: int
    df: int
    weighted_total: float


def design_covariance(design, values, used=None) -> np.ndarray:
    """Covariance of the sum of linearised ``values`` (respondents x k) over the design.

    This is R's ``svyrecvar``: with a :class:`CalibratedDesign` the values are first replaced
    by their calibration residuals, then put through the design's variance
    (:meth:`~readiness.stats.design.SurveyDesign.row_covariance`: every stage, with any fpc).
    ``used`` marks the respondents that contributed (for ``lonely_psu = "average"``); values
    of other respondents must be zero.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    base = design.base if isinstance(design, CalibratedDesign) else design
    if len(x) != base.n:
        raise StatsError(f"{len(x)} values for a design of {base.n} respondents.")
    if isinstance(design, CalibratedDesign):
        x = design.residuals(x)
    rows = None if used is None else np.asarray(used, dtype=bool)
    return base.row_covariance(x, rows)


def _design_parts(design):
    if isinstance(design, CalibratedDesign):
        return design.base, design.weights
    if isinstance(design, SurveyDesign):
        return design, np.asarray(design.weights, dtype=np.float64)
    raise StatsError("design must be a SurveyDesign or a CalibratedDesign.")


def _used(y, design, domain, name: str = "y"):
    base, w = _design_parts(design)
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise StatsError(f"{name} must be numeric (missing as NaN): {err}") from err
    if values.shape != (base.n,):
        raise StatsError(
            f"{name} has {values.size} values but the design has {base.n} respondents."
        )
    inside = np.ones(base.n, dtype=bool)
    if domain is not None:
        inside = np.asarray(domain)
        if inside.dtype != bool or inside.shape != values.shape:
            raise StatsError("domain must be a boolean mask with one value per respondent.")
    used = inside & np.isfinite(values)
    if not used.any():
        raise StatsError(f"no respondent in the domain has a value of {name} (n = 0).")
    return base, w, values, inside, used


def _domain_df(base: SurveyDesign, inside: np.ndarray) -> int:
    """degf of the domain: clusters minus strata with members of it (R's degf(subset))."""
    return int(base.domain_degf(inside))


def _mean_variance(
    design, w: np.ndarray, values: np.ndarray, used: np.ndarray
) -> tuple[float, float, float]:
    """The weighted mean of the values used, its linearised variance under the design (the
    residuals of any weighting included), and the sum of the weights used."""
    sw = float(w[used].sum())
    mean = float(w[used] @ values[used]) / sw
    infl = np.where(used, w * (np.where(used, values, 0.0) - mean) / sw, 0.0)
    return mean, float(design_covariance(design, infl, used)[0, 0]), sw


def survey_mean(y, design, domain=None) -> SurveyEstimate:
    """Weighted mean with its linearised SE: ``svymean(~y, des, na.rm = TRUE)``.

    Parameters
    ----------
    y
        Each respondent's value (for a proportion coded 1/0), NaN when missing: left out as a
        domain (R's ``na.rm = TRUE``), never imputed.
    design
        A :class:`~readiness.stats.design.SurveyDesign` or a :class:`CalibratedDesign`.
    domain
        A boolean mask: the subgroup, estimated on the whole design (R's ``subset``).

    Returns
    -------
    SurveyEstimate
        ``estimate``, ``se`` and ``n``.

    Notes
    -----
    On a :class:`CalibratedDesign` the variance uses the residuals of the weighting, as survey
    does for a post-stratified, raked or calibrated design.

    References
    ----------
    Lumley T. *Complex Surveys: A Guide to Analysis Using R*. Wiley, 2010, ch. 7.  The R package
    survey, whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign([1, 1, 2, 2, 3, 3])
    >>> r = survey_mean([3, 4, 5, 2, 6, 7.0], des)
    >>> round(r.estimate, 4), round(r.se, 4)
    (4.5, 1.0)
    """
    base, w, values, inside, used = _used(y, design, domain)
    mean, var, sw = _mean_variance(design, w, values, used)
    return SurveyEstimate(
        "mean", mean, float(np.sqrt(var)), int(used.sum()), _domain_df(base, inside), sw
    )


def survey_total(y, design, domain=None) -> SurveyEstimate:
    """Weighted total with its linearised SE: ``svytotal(~y, des, na.rm = TRUE)``.

    Parameters
    ----------
    y
        Each respondent's value (for a proportion coded 1/0), NaN when missing: left out as a
        domain (R's ``na.rm = TRUE``), never imputed.
    design
        A :class:`~readiness.stats.design.SurveyDesign` or a :class:`CalibratedDesign`.
    domain
        A boolean mask: the subgroup, estimated on the whole design (R's ``subset``).

    Returns
    -------
    SurveyEstimate
        ``estimate``, ``se`` and ``n``.

    Notes
    -----
    As :func:`survey_mean`, for the total sum(w y).

    References
    ----------
    Lumley T. *Complex Surveys: A Guide to Analysis Using R*. Wiley, 2010, ch. 7.  The R package
    survey, whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign([1, 1, 2, 2, 3, 3], weights=[10.0] * 6)
    >>> survey_total([1, 0, 1, 1, 0, 0], des).estimate
    30.0
    """
    base, w, values, inside, used = _used(y, design, domain)
    infl = np.where(used, w * np.where(used, values, 0.0), 0.0)
    var = design_covariance(design, infl, used)[0, 0]
    sw = float(w[used].sum())
    return SurveyEstimate(
        "total", float(infl.sum()), float(np.sqrt(var)), int(used.sum()),
        _domain_df(base, inside), sw,
    )  # fmt: skip


def calibrated_proportion(y, design, domain=None, conf_level: float = 0.95) -> DesignProportion:
    """A proportion on a (calibrated) design: ``svyciprop(~y, des, method = "logit")``.

    Parameters
    ----------
    y
        Each respondent's value (for a proportion coded 1/0), NaN when missing: left out as a
        domain (R's ``na.rm = TRUE``), never imputed.
    design
        A :class:`~readiness.stats.design.SurveyDesign` or a :class:`CalibratedDesign`.
    domain
        A boolean mask: the subgroup, estimated on the whole design (R's ``subset``).
    conf_level
        The level of the interval.

    Returns
    -------
    DesignProportion
        As :func:`~readiness.stats.design.design_proportion`.

    Notes
    -----
    The estimate, standard error and design effects are
    ``svymean(~y, des, na.rm = TRUE, deff = TRUE / "replace")`` on the calibrated design, and the
    interval is the logit interval on the degrees of freedom of the domain.  With a plain
    :class:`~readiness.stats.design.SurveyDesign` it equals
    :func:`~readiness.stats.design.design_proportion`.

    References
    ----------
    Lumley T. *Complex Surveys: A Guide to Analysis Using R*. Wiley, 2010, ch. 7.  The R package
    survey, whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign([1, 1, 2, 2, 3, 3])
    >>> frame = pd.DataFrame({"site": list("aabbab")})
    >>> cal = post_stratify(des, frame, Margin.of("site", {"a": 60, "b": 40}))
    >>> round(calibrated_proportion([1, 0, 1, 1, 0, 1], cal).estimate, 4)
    0.6
    """
    if not 0 < float(conf_level) < 1:
        raise StatsError(f"conf_level must be strictly between 0 and 1, not {conf_level!r}.")
    yv = binary_values(y)
    base, w, values, inside, used = _used(yv, design, domain)
    n = int(used.sum())
    p, var, sw = _mean_variance(design, w, values, used)
    se = math.sqrt(var)
    df = _domain_df(base, inside)
    with np.errstate(divide="ignore", invalid="ignore"):
        svyvar = p * (1 - p) * n / (n - 1) if n > 1 else math.nan
        deff_replace = var / (svyvar / n) if n > 1 and svyvar > 0 else math.nan
        deff = var / (svyvar * (sw - n) / (sw * n)) if n > 1 and sw > n and svyvar else math.nan
    lower, upper = _logit_interval(p, se, df, float(conf_level))
    return DesignProportion(
        estimate=p,
        se=se,
        lower=lower,
        upper=upper,
        deff=float(deff),
        deff_replace=float(deff_replace),
        df=df,
        n=n,
        count=int(values[used].sum()),
        n_clusters=int(len(np.unique(base.psu[used]))),
        weighted_total=sw,
        conf_level=float(conf_level),
    )


def calibrated_proportion_by(y, groups, design, conf_level: float = 0.95) -> DesignProportions:
    """:func:`calibrated_proportion` for every group: ``svyby(~y, ~group, des, svyciprop)``.

    Parameters
    ----------
    y
        Each respondent's value (for a proportion coded 1/0), NaN when missing: left out as a
        domain (R's ``na.rm = TRUE``), never imputed.
    design
        A :class:`~readiness.stats.design.SurveyDesign` or a :class:`CalibratedDesign`.
    groups
        Each respondent's group; None or NaN belongs to no group.  Groups are reported sorted.
    conf_level
        The level of the intervals.

    Returns
    -------
    DesignProportions
        One :class:`~readiness.stats.design.DesignProportion` per group, and ``groups``.

    Raises
    ------
    StatsError
        A group in which nobody answered (the error names it).

    Notes
    -----
    With a plain :class:`~readiness.stats.design.SurveyDesign` it equals
    :func:`~readiness.stats.design.design_proportion_by`.

    References
    ----------
    Lumley T. *Complex Surveys: A Guide to Analysis Using R*. Wiley, 2010, ch. 7.  The R package
    survey, whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign([1, 1, 2, 2, 3, 3])
    >>> frame = pd.DataFrame({"site": list("aabbab")})
    >>> cal = post_stratify(des, frame, Margin.of("site", {"a": 60, "b": 40}))
    >>> res = calibrated_proportion_by([1, 0, 1, 1, 0, 1], list("xxyyxy"), cal)
    >>> res.groups, round(res["x"].estimate, 4), res["y"].estimate
    (('x', 'y'), 0.3333, 1.0)
    """
    g = np.asarray(groups, dtype=object)
    yv = binary_values(y)
    if g.shape != yv.shape:
        raise StatsError(f"groups has {g.size} values but y has {len(yv)}.")
    present = np.array([not pd.isna(v) for v in g], dtype=bool)
    labels = sorted({v for v in g[present]}, key=lambda v: (str(type(v)), v))
    if not labels:
        raise StatsError("every respondent's group is missing. Fix: check the group variable.")
    empty = [v for v in labels if not (present & (g == v) & ~np.isnan(yv)).any()]
    if empty:
        raise StatsError(
            f"no respondents in group(s) {', '.join(map(repr, empty))} answered this question "
            "(n = 0). Fix: leave those groups out or merge them with another group."
        )
    estimates = []
    for label in labels:
        est = calibrated_proportion(yv, design, present & (g == label), conf_level)
        estimates.append(dataclasses.replace(est, group=label))
    return DesignProportions(tuple(labels), tuple(estimates), int(sum(e.n for e in estimates)))


def _logit_interval(p: float, se: float, df: int, conf: float) -> tuple[float, float]:
    if df <= 0:
        return math.nan, math.nan
    if p <= 0 or p >= 1:
        return p, p
    t = stats.t.ppf(0.5 + conf / 2, df)
    b, sb = math.log(p / (1 - p)), se / (p * (1 - p))
    return 1 / (1 + math.exp(-(b - t * sb))), 1 / (1 + math.exp(-(b + t * sb)))


# -- the margins file ----------------------------------------------------------------------------


def read_margins(path: str | Path) -> tuple[Margin | PopulationTotal, ...]:
    """Population counts from a CSV (or XLSX) file, in one of two layouts.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    tuple of Margin and PopulationTotal
        The margins in the order first seen in the file.

    Raises
    ------
    ProblemsError
        Every problem at once, each naming the file, the row (1-based, the header not counted)
        and the column; every count must be a positive number.

    Notes
    -----
    **Margins**, one row per level: columns ``variable,level,count``.  Each variable becomes a
    :class:`Margin`, in the order first seen (for raking, or post-stratifying on one variable).  A
    row with an empty ``level`` gives the population total of a numeric variable (a
    :class:`PopulationTotal`, for linear calibration).

    **A table of crossed cells**: one column per variable and a last column ``count``, e.g.
    ``discipline,site,count``: one :class:`Margin` of the variables crossed, for
    post-stratification.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "staff.csv"
    >>> _ = path.write_text("variable,level,count\\nsite,a,60\\nsite,b,40\\n", encoding="utf-8")
    >>> (margin,) = read_margins(path)
    >>> margin.variables, margin.counts
    (('site',), (60.0, 40.0))
    """
    from readiness.tabular import read_table

    path = Path(path)
    name = str(path)
    frame = read_table(path, as_text=True)
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    if "count" not in columns or columns[-1] != "count" or len(columns) < 2:
        raise ProblemsError(
            [
                Problem(
                    f"the header is {','.join(columns)}; a margins file needs the columns "
                    "variable,level,count (or one column per variable and a last column count).",
                    fix="rename the columns, e.g. variable,level,count.",
                    file=name,
                    line=1,
                )
            ],
            file=name,
        )
    if frame.empty:
        raise ProblemsError(
            [Problem("the file has no rows of counts.", fix="add one row per level.", file=name)],
            file=name,
        )
    if columns == ["variable", "level", "count"]:
        return _read_long(frame, name)
    return (_read_table(frame, name, columns[:-1]),)


def _cell(value) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else str(value).strip()
    )


def _count(cell: str, name: str, row: int, problems: list[Problem], total: bool = False):
    column = "count"
    if cell == "":
        problems.append(
            Problem(
                "the count is missing.",
                fix="give the number of staff in this group.",
                file=name,
                row=row,
                column=column,
            )
        )
        return None
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(
            Problem(
                f"the count {cell!r} is not a number.",
                fix="write the count as a number, e.g. 120.",
                file=name,
                row=row,
                column=column,
            )
        )
        return None
    if total:
        return value
    if value < 0:
        problems.append(
            Problem(
                f"the count {cell} is negative.",
                fix="give the number of staff, which is 0 or more.",
                file=name,
                row=row,
                column=column,
            )
        )
        return None
    if value == 0:
        problems.append(
            Problem(
                "the count is zero: nobody in the population can be weighted to it.",
                fix="remove the row, and merge any respondents in that group with another.",
                file=name,
                row=row,
                column=column,
            )
        )
        return None
    return value


def _read_long(frame: pd.DataFrame, name: str) -> tuple[Margin | PopulationTotal, ...]:
    problems: list[Problem] = []
    order: list[str] = []
    cells: dict[str, list[tuple[str, float, int]]] = {}
    blanks: dict[str, list[int]] = {}
    for i, (variable, level, count) in enumerate(frame.itertuples(index=False, name=None)):
        row = i + 1
        var, lev, cnt = _cell(variable), _cell(level), _cell(count)
        if var == "":
            problems.append(
                Problem(
                    "the variable is missing.",
                    fix="name the column of the survey data this count is for.",
                    file=name,
                    row=row,
                    column="variable",
                )
            )
            continue
        if var not in cells:
            order.append(var)
            cells[var] = []
            blanks[var] = []
        if lev == "":
            blanks[var].append(row)
        value = _count(cnt, name, row, problems, total=lev == "")
        if lev != "" and any(lev == seen for seen, _, _ in cells[var]):
            first = next(r for seen, _, r in cells[var] if seen == lev)
            problems.append(
                Problem(
                    f"{var} {lev!r} is given twice (first in row {first}).",
                    fix="keep one row for each level.",
                    file=name,
                    row=row,
                    column="level",
                )
            )
            continue
        cells[var].append((lev, math.nan if value is None else value, row))
    out: list[Margin | PopulationTotal] = []
    for var in order:
        rows = cells[var]
        if blanks[var] and (len(blanks[var]) > 1 or len(rows) > 1):
            problems.append(
                Problem(
                    f"{var} has a row with no level, but "
                    + (
                        "other rows of it have levels."
                        if len(rows) > len(blanks[var])
                        else "more than one such row."
                    ),
                    fix="give the level of each count; a row with no level is only for the "
                    "population total of a numeric variable, alone.",
                    file=name,
                    row=blanks[var][0],
                    column="level",
                )
            )
            continue
        if problems:
            continue
        if blanks[var]:
            out.append(PopulationTotal(var, rows[0][1], name, rows[0][2]))
        else:
            out.append(
                Margin(
                    (var,),
                    tuple((lev,) for lev, _, _ in rows),
                    tuple(v for _, v, _ in rows),
                    name,
                    tuple(r for _, _, r in rows),
                    "long",
                )
            )
    if problems:
        raise ProblemsError(problems[:MAX_PROBLEMS], file=name)
    return tuple(out)


def _read_table(frame: pd.DataFrame, name: str, variables: list[str]) -> Margin:
    problems: list[Problem] = []
    levels, counts, rows = [], [], []
    seen: dict[tuple, int] = {}
    for i, values in enumerate(frame.itertuples(index=False, name=None)):
        row = i + 1
        cell = tuple(_cell(v) for v in values[:-1])
        for var, lev in zip(variables, cell, strict=True):
            if lev == "":
                problems.append(
                    Problem(
                        f"the level of {var} is missing.",
                        fix="fill in every level of the row.",
                        file=name,
                        row=row,
                        column=var,
                    )
                )
        value = _count(_cell(values[-1]), name, row, problems)
        if cell in seen:
            problems.append(
                Problem(
                    f"the cell {CROSS.join(cell)} is given twice (first in row {seen[cell]}).",
                    fix="keep one row for each combination of levels.",
                    file=name,
                    row=row,
                    column=variables[0],
                )
            )
            continue
        seen[cell] = row
        levels.append(cell)
        counts.append(value)
        rows.append(row)
    if problems:
        raise ProblemsError(problems[:MAX_PROBLEMS], file=name)
    return Margin(tuple(variables), tuple(levels), tuple(counts), name, tuple(rows), "table")


# -- helpers -------------------------------------------------------------------------------------


def _text(value) -> str | None:
    """A data value or level as text for matching: 2.0 -> '2', stripped text; None if missing."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if value is pd.NA or value is pd.NaT:
        return None
    text = str(value).strip()
    return text if text else None


def _what(item) -> str:
    if isinstance(item, PopulationTotal):
        return f"the total of {item.variable}"
    return f"the margin for {item.name}"


def _start(design, frame):
    """The base design, current weights, earlier steps and records; checks the frame."""
    if isinstance(design, CalibratedDesign):
        base, w = design.base, np.asarray(design.weights, dtype=np.float64)
        steps, records = design._steps, design.calibrations
    elif isinstance(design, SurveyDesign):
        base, w, steps, records = design, np.asarray(design.weights, dtype=np.float64), (), ()
    else:
        weights = np.asarray(design, dtype=np.float64)
        if weights.ndim != 1:
            raise StatsError(
                "design must be a SurveyDesign, a CalibratedDesign or one weight per respondent."
            )
        base = SurveyDesign(np.arange(len(weights)), weights=weights)
        w, steps, records = np.asarray(base.weights, dtype=np.float64), (), ()
    if not isinstance(frame, pd.DataFrame):
        raise StatsError("frame must be a data frame holding the margins' variables.")
    if len(frame) != base.n:
        raise StatsError(
            f"the design has {base.n} respondents but the data have {len(frame)} rows. "
            "Fix: pass the data of the same respondents, in the same order."
        )
    if (w <= 0).any():
        raise StatsError(
            "the weights to be calibrated must be positive; some are zero or negative. "
            "Fix: rake or post-stratify instead of a linear calibration that made them so."
        )
    return base, w, steps, records


def _same_total(margins: list[Margin]) -> float:
    first = margins[0]
    for other in margins[1:]:
        if not math.isclose(other.total, first.total, rel_tol=1e-9):
            raise StatsError(
                f"the counts by {first.name} add up to {_num(first.total)} but the counts by "
                f"{other.name} add up to {_num(other.total)}; the margins must describe the "
                "same staff. Fix: correct the counts so that every margin adds up to the same "
                "number."
            )
    return first.total


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _cell_codes(frame: pd.DataFrame, margins: list[Margin], data_name: str | None):
    """For each margin, the index of every respondent's cell (all problems at once)."""
    problems: list[Problem] = []
    columns = {str(c): c for c in frame.columns}
    texts: dict[str, list] = {}
    for margin in margins:
        for var in margin.variables:
            if var in texts:
                continue
            if var not in columns:
                problems.append(
                    Problem(
                        f"the counts are for {var!r} but there is no column {var!r} in the data.",
                        fix="the data's columns are: " + ", ".join(columns) + ".",
                        file=data_name,
                        column=var,
                    )
                )
                texts[var] = []
                continue
            values = [_text(v) for v in frame[columns[var]].tolist()]
            missing = [i for i, v in enumerate(values) if v is None]
            for i in missing[:MAX_PROBLEMS]:
                problems.append(
                    Problem(
                        f"{var} is missing, so this respondent cannot be weighted.",
                        fix=f"fill in {var}, or leave the respondent out before weighting.",
                        file=data_name,
                        row=i + 1,
                        column=var,
                    )
                )
            texts[var] = values
    if problems:
        raise ProblemsError(problems, file=data_name)
    out = []
    for margin in margins:
        index = {cell: j for j, cell in enumerate(margin.levels)}
        keys = list(zip(*(texts[v] for v in margin.variables), strict=True))
        codes = np.fromiter((index.get(k, -1) for k in keys), dtype=np.intp, count=len(keys))
        unknown: dict[tuple, int] = {}
        for k, c in zip(keys, codes, strict=True):
            if c < 0:
                unknown[k] = unknown.get(k, 0) + 1
        for cell, count in unknown.items():
            shown = CROSS.join(cell)
            example = ",".join(cell if margin.layout == "table" else (margin.name, *cell))
            problems.append(
                Problem(
                    f"{margin.name} {shown!r} occurs in the data ({count} "
                    f"{'respondent' if count == 1 else 'respondents'}) but has no count"
                    + (f" in {margin.source}." if margin.source else "."),
                    fix=f"add a row {example},<count>, or merge the level with another in both files.",
                    file=margin.source,
                    column="level" if margin.layout == "long" else margin.variables[0],
                )
            )
        present = np.bincount(codes[codes >= 0], minlength=len(margin.levels))
        found = sorted({CROSS.join(k) for k, c in zip(keys, codes, strict=True)})
        for j in np.flatnonzero(present == 0):
            label = margin.label(int(j))
            problems.append(
                Problem(
                    f"{margin.name} {label!r} has a count of {_num(margin.counts[j])} but no "
                    f"respondent in the data has it; the data's levels are {', '.join(found)}.",
                    fix="check the spelling against the data, or merge the level with another "
                    "in both files (weighting needs respondents in every group).",
                    file=margin.source,
                    row=None if margin.rows is None else margin.rows[j],
                    column="level" if margin.layout == "long" else margin.variables[0],
                )
            )
        out.append(codes)
    if problems:
        raise ProblemsError(problems[:MAX_PROBLEMS], file=margins[0].source)
    return out


def _numeric_columns(frame, totals: list[PopulationTotal], data_name) -> list[np.ndarray]:
    problems: list[Problem] = []
    out = []
    for total in totals:
        if total.variable not in frame.columns:
            problems.append(
                Problem(
                    f"there is no column {total.variable!r} in the data.",
                    fix="the data's columns are: " + ", ".join(map(str, frame.columns)) + ".",
                    file=data_name,
                    column=total.variable,
                )
            )
            out.append(np.zeros(len(frame)))
            continue
        values = pd.to_numeric(frame[total.variable], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(~np.isfinite(values))[:MAX_PROBLEMS]:
            problems.append(
                Problem(
                    f"{total.variable} is missing or not a number, so this respondent cannot "
                    "be calibrated.",
                    fix=f"fill in {total.variable}, or leave the respondent out first.",
                    file=data_name,
                    row=int(i) + 1,
                    column=total.variable,
                )
            )
        out.append(values)
    if problems:
        raise ProblemsError(problems, file=data_name)
    return out


def _joint(codes: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """One code for each combination of cells across margins (the full cross-classification)."""
    if len(codes) == 1:
        return codes[0], int(codes[0].max()) + 1
    stacked = np.column_stack(codes)
    _, joint = np.unique(stacked, axis=0, return_inverse=True)
    joint = joint.reshape(-1)
    return joint, int(joint.max()) + 1


def _group_sums(codes: np.ndarray, k: int, x: np.ndarray) -> np.ndarray:
    out = np.empty((k, x.shape[1]))
    for j in range(x.shape[1]):
        out[:, j] = np.bincount(codes, weights=x[:, j], minlength=k)
    return out


def _margin_used(margin: Margin, codes, before, after) -> MarginUsed:
    k = len(margin.counts)
    return MarginUsed(
        variables=margin.variables,
        levels=tuple(margin.label(j) for j in range(k)),
        population=margin.counts,
        respondents=tuple(int(v) for v in np.bincount(codes, minlength=k)),
        weighted_before=tuple(float(v) for v in before),
        weighted_after=tuple(float(v) for v in after),
        source=margin.source,
    )


def _record(
    method, margins, totals, before, after, iterations=None, converged=True, epsilon=None,
    maxit=None,
) -> Calibration:  # fmt: skip
    return Calibration(
        method=method,
        margins=tuple(margins),
        totals=tuple(totals),
        n=len(after),
        iterations=iterations,
        converged=bool(converged),
        epsilon=epsilon,
        maxit=maxit,
        weight_total_before=float(before.sum()),
        weight_total_after=float(after.sum()),
        weight_min=float(after.min()),
        weight_max=float(after.max()),
        negative_weights=int((after <= 0).sum()),
    )


__all__ = [
    "Calibration",
    "CalibratedDesign",
    "Margin",
    "MarginUsed",
    "PopulationTotal",
    "SurveyEstimate",
    "TotalUsed",
    "calibrate",
    "calibrated_proportion",
    "calibrated_proportion_by",
    "design_covariance",
    "post_stratify",
    "rake",
    "read_margins",
    "survey_mean",
    "survey_total",
]
