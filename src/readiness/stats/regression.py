"""Logistic regression, with or without a survey design.

Without a design this is R's ``glm(y ~ ..., family = binomial)`` with Wald statistics: z tests
and intervals ``b +/- z_{1-a/2} se`` (R's ``confint.default``; R's ``confint`` on a glm profiles
the likelihood instead, which is not implemented here).  The fit itself is statsmodels' GLM.

With a :class:`~readiness.stats.design.SurveyDesign` it is R's
``svyglm(y ~ ..., design, family = quasibinomial())``: weighted estimating equations for the
coefficients (statsmodels' GLM with the sampling weights), and linearisation ("sandwich")
standard errors computed here from the clusters and strata of the design (every stage, with
a finite population correction at one or several stages; after the residuals of a
post-stratification, raking or calibration), t tests and intervals on ``degf(design) + 1 - p``
degrees of freedom, as ``summary.svyglm`` and ``confint.svyglm`` (its default Wald method).
Checked against R in ``tests/reference/regression.R`` (a synthetic survey, and ``data(api)``
with an fpc at one and two stages).

Missing values: complete cases (R's ``na.omit``); with a design, respondents with a missing
value leave the estimate but their clusters stay in the design (R's ``svyglm`` drops them as a
domain).  Categorical predictors are coded with treatment contrasts against a reference level,
named as R names them (``disciplineMidwifery``); levels without complete cases are dropped.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np
import pandas as pd
from scipy import stats

from readiness.errors import StatsError
from readiness.stats.calibration import CalibratedDesign, design_covariance
from readiness.stats.design import SurveyDesign, binary_values
from readiness.stats.result import Result


class _Term(Protocol):
    @property
    def term(self) -> str: ...

    def to_dict(self) -> dict: ...


C = TypeVar("C", bound=_Term)


class CoefficientTable(Generic[C]):
    """A fitted model's coefficients: their terms, one by its term, and the table as a data
    frame (shared by :class:`LogisticRegressionResult` and
    :class:`readiness.stats.glm.RegressionResult`)."""

    coefficients: tuple[C, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(c.term for c in self.coefficients)

    def __getitem__(self, term: str) -> C:
        for c in self.coefficients:
            if c.term == term:
                return c
        raise KeyError(term)

    def as_frame(self) -> pd.DataFrame:
        """The coefficient table as a data frame indexed by term."""
        return pd.DataFrame([c.to_dict() for c in self.coefficients]).set_index("term")


@dataclass(frozen=True)
class Coefficient(Result):
    """One row of the coefficient table (log-odds scale, and as an odds ratio)."""

    term: str
    estimate: float
    se: float
    statistic: float
    p_value: float
    lower: float
    upper: float
    odds_ratio: float
    or_lower: float
    or_upper: float


@dataclass(frozen=True)
class LogisticRegressionResult(CoefficientTable["Coefficient"], Result):
    """Coefficients of a logistic regression, with the conventions used.

    ``statistic`` is a z value without a design and a t value on ``df_residual`` degrees of
    freedom with one.  ``n`` is the number of complete cases used and ``n_dropped`` the number
    left out for a missing value.  ``reference`` maps each categorical predictor to its
    reference level.
    """

    coefficients: tuple[Coefficient, ...]
    n: int
    n_dropped: int
    df_residual: int
    conf_level: float
    design_based: bool
    reference: dict
    method: str


def _levels(col: pd.Series) -> list:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(col.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _model_matrix(X, names, reference: dict | None, add_intercept: bool):  # noqa: C901 - one branch per kind of predictor column
    """Numeric matrix, term names, and per-column info for separation messages."""
    reference = dict(reference or {})
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        arr = np.asarray(X)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise StatsError("X must be a two-dimensional array or a data frame.")
        cols = list(names) if names is not None else [f"x{j + 1}" for j in range(arr.shape[1])]
        if len(cols) != arr.shape[1]:
            raise StatsError(f"{len(cols)} names given for {arr.shape[1]} columns of X.")
        frame = pd.DataFrame(arr, columns=cols)
    unknown = set(reference) - set(frame.columns)
    if unknown:
        raise StatsError(
            f"reference levels given for unknown predictor(s) {sorted(unknown)}; "
            f"the predictors are {list(frame.columns)}."
        )
    missing = frame.isna().any(axis=1).to_numpy()
    blocks: list[np.ndarray] = []
    terms: list[str] = []
    groups: list[tuple | None] = []
    if add_intercept:
        blocks.append(np.ones((len(frame), 1)))
        terms.append("(Intercept)")
        groups.append(None)
    refs = {}
    for name in frame.columns:
        col = frame[name]
        categorical = (
            col.dtype == object
            or isinstance(col.dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(col.dtype)
            or pd.api.types.is_bool_dtype(col.dtype)
        )
        if not categorical:
            if name in reference:
                raise StatsError(f"{name!r} is numeric, so it has no reference level.")
            try:
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as err:
                raise StatsError(f"predictor {name!r} is not numeric: {err}") from err
            blocks.append(values[:, None])
            terms.append(str(name))
            groups.append((name, None, None))
            continue
        used = col[~missing]
        levels = _levels(used)
        if pd.api.types.is_bool_dtype(col.dtype):
            levels = [lv for lv in (False, True) if lv in set(used)]
        levels = [lv for lv in levels if (used == lv).any()]  # drop unused levels
        ref = reference.get(name, levels[0] if levels else None)
        if ref not in levels:
            raise StatsError(
                f"reference level {ref!r} is not a level of {name!r} among complete cases; "
                f"its levels are {levels}."
            )
        refs[name] = ref
        for lv in levels:
            if lv == ref:
                continue
            label = "TRUE" if lv is True else str(lv)
            blocks.append((col == lv).to_numpy(dtype=np.float64)[:, None])
            terms.append(f"{name}{label}")
            groups.append((name, lv, ref))
    if not blocks:
        raise StatsError("the model has no terms. Fix: give at least one predictor.")
    return np.hstack(blocks), terms, groups, missing, refs


def _check_separation(y: np.ndarray, X: np.ndarray, groups: list) -> None:
    """Quasi-complete separation by a category: every respondent in it gave the same answer."""
    seen = set()
    for j, g in enumerate(groups):
        if g is None or g[1] is None:
            continue
        name, level, ref = g
        rows = X[:, j] == 1
        for lv, mask in ((level, rows), (ref, None)):
            if mask is None:
                if name in seen:
                    continue
                seen.add(name)
                others = [k for k, h in enumerate(groups) if h is not None and h[0] == name]
                mask = (X[:, others] == 0).all(axis=1)
            values = y[mask]
            if len(values) and (values.min() == values.max()):
                answer = "yes (1)" if values[0] == 1 else "no (0)"
                raise StatsError(
                    f"all {len(values)} respondents with {name} = {lv!r} answered {answer}, so "
                    f"its odds ratio is infinite (separation) and the model cannot be fitted. "
                    f"Fix: merge {lv!r} with another level of {name!r}, or leave those "
                    "respondents out."
                )


def logistic_regression(
    y,
    X,
    design: SurveyDesign | CalibratedDesign | None = None,
    *,
    reference: dict | None = None,
    names=None,
    add_intercept: bool = True,
    conf_level: float = 0.95,
) -> LogisticRegressionResult:
    """Logistic regression of a 0/1 outcome on predictors, optionally design-based.

    Parameters
    ----------
    y
        The outcome coded 1/0, NaN when missing, or the name of a column of ``X``.
    X
        A data frame (numeric columns as they are; text, categorical and boolean columns as
        factors with treatment contrasts) or a numeric 2-D array.
    design
        None for independent respondents, or a
        :class:`~readiness.stats.design.SurveyDesign` or
        :class:`~readiness.stats.calibration.CalibratedDesign` for a design-based fit.
    reference
        ``{"column": level}``: the reference level of a categorical predictor; by default the first
        category or the smallest value, as R's ``factor``.
    names
        The column names of an array ``X`` (default ``x1, x2, ...``).
    add_intercept
        Add an intercept (True by default).
    conf_level
        The level of the intervals.

    Returns
    -------
    LogisticRegressionResult
        One :class:`Coefficient` per term (estimate, standard error, statistic, p-value,
        interval, odds ratio and its interval), ``n``, ``n_dropped`` and ``df_residual``.

    Raises
    ------
    StatsError
        Separation (a category in which everyone gave the same answer, or fitted probabilities of
        0 or 1), non-convergence, collinear predictors, or an outcome without both answers.

    Notes
    -----
    Missing data: rows with a missing outcome or predictor are left out (complete cases,
    listwise), counted in ``n_dropped``.  Without ``design``: coefficients, standard errors, z
    values and p-values of ``summary``, and Wald intervals ``confint.default``.  With ``design``:
    coefficients, linearisation standard errors, t values and p-values of ``summary`` on
    ``df.residual = degf + 1 - p`` degrees of freedom, and ``confint`` (Wald with a t quantile on
    the same degrees of freedom).  Odds ratios and their intervals are the exponentials.

    References
    ----------
    Matches R's ``glm(family = binomial)`` without a design and
    ``survey::svyglm(family = quasibinomial())`` with one (Lumley T. *Complex Surveys*, Wiley
    2010, ch. 6).

    Examples
    --------
    >>> X = pd.DataFrame({"years": [1, 4, 2, 8, 5, 3, 9, 6, 7, 2.5]})
    >>> res = logistic_regression([0, 0, 1, 1, 0, 0, 1, 1, 1, 0], X)
    >>> res.terms, res.n
    (('(Intercept)', 'years'), 10)
    """
    if not 0 < float(conf_level) < 1:
        raise StatsError(f"conf_level must be strictly between 0 and 1, not {conf_level!r}.")
    if isinstance(y, str):
        if not isinstance(X, pd.DataFrame) or y not in X.columns:
            raise StatsError(f"outcome column {y!r} is not in X.")
        X, y = X.drop(columns=[y]), X[y]
    yv = binary_values(y, "the outcome")
    matrix, terms, groups, missing, refs = _model_matrix(X, names, reference, add_intercept)
    if len(yv) != len(matrix):
        raise StatsError(f"the outcome has {len(yv)} values but X has {len(matrix)} rows.")
    if design is not None and design.n != len(yv):
        raise StatsError(
            f"the design has {design.n} respondents but the outcome has {len(yv)} values."
        )
    complete = ~missing & ~np.isnan(yv)
    Xc, yc = matrix[complete], yv[complete]
    n, p = Xc.shape
    if n == 0:
        raise StatsError("no respondent has the outcome and every predictor (n = 0).")
    if yc.min() == yc.max():
        raise StatsError(
            f"every one of the {n} complete cases has outcome {int(yc[0])}; a logistic "
            "regression needs both answers."
        )
    if np.linalg.matrix_rank(Xc) < p:
        raise StatsError(
            "the predictors are collinear (one is a combination of the others) among the "
            f"{n} complete cases. Fix: leave out redundant predictors or merge levels."
        )
    _check_separation(yc, Xc, groups)
    weights = np.asarray(design.weights, dtype=np.float64)[complete] if design is not None else None
    fit = _fit(yc, Xc, weights)
    beta = np.asarray(fit.params, dtype=np.float64)
    mu = 1 / (1 + np.exp(-(Xc @ beta)))

    if design is None:
        se = np.asarray(fit.bse, dtype=np.float64)
        stat = beta / se
        p_values = 2 * stats.norm.sf(np.abs(stat))
        q = stats.norm.ppf(0.5 + conf_level / 2)
        df_res = n - p
        method = "logistic regression (maximum likelihood; Wald z tests and intervals)"
    else:
        # statsmodels' cluster-robust covariance knows neither strata nor survey's
        # n_h / (n_h - 1) scaling, fpc and stages, nor t on design df, so the sandwich is
        # computed here: R's svy.varcoef: influence = x w (y - mu) A^-1 with
        # A = X' diag(w mu (1 - mu)) X, each respondent's row (zero outside the complete
        # cases), through the design's variance (svyrecvar: every stage, with any fpc; after a
        # calibration's residuals).
        a = Xc.T @ (Xc * (weights * mu * (1 - mu))[:, None])
        influence = np.zeros((len(yv), p))
        influence[complete] = (Xc * (weights * (yc - mu))[:, None]) @ np.linalg.inv(a)
        cov = design_covariance(design, influence, complete)
        se = np.sqrt(np.diag(cov))
        base = design.base if isinstance(design, CalibratedDesign) else design
        degf = base.domain_degf(complete)  # R: degf(design[-nas, ])
        df_res = degf + 1 - p
        stat = beta / se
        if df_res > 0:
            p_values = 2 * stats.t.sf(np.abs(stat), df_res)
            q = stats.t.ppf(0.5 + conf_level / 2, df_res)
        else:
            p_values = np.full(p, np.nan)
            q = np.nan
        method = (
            "survey-weighted logistic regression (quasibinomial; linearisation standard errors, "
            f"t on {df_res} design degrees of freedom)"
        )
    lower, upper = beta - q * se, beta + q * se
    coefficients = tuple(
        Coefficient(
            term=terms[j],
            estimate=float(beta[j]),
            se=float(se[j]),
            statistic=float(stat[j]),
            p_value=float(p_values[j]),
            lower=float(lower[j]),
            upper=float(upper[j]),
            odds_ratio=float(np.exp(beta[j])),
            or_lower=float(np.exp(lower[j])),
            or_upper=float(np.exp(upper[j])),
        )
        for j in range(p)
    )
    return LogisticRegressionResult(
        coefficients=coefficients,
        n=int(n),
        n_dropped=int(len(yv) - n),
        df_residual=int(df_res),
        conf_level=float(conf_level),
        design_based=design is not None,
        reference=refs,
        method=method,
    )


def _fit(y: np.ndarray, X: np.ndarray, weights: np.ndarray | None):
    """Maximum likelihood (weighted: the pseudo-likelihood of svyglm) by statsmodels' IRLS."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = sm.GLM(
        y,
        X,
        family=sm.families.Binomial(),
        var_weights=None if weights is None else weights / weights.mean(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            fit = model.fit(method="IRLS", tol=1e-12, maxiter=100)
        except PerfectSeparationWarning as err:
            raise StatsError(
                "the outcome is perfectly predicted by the predictors (separation), so the odds "
                "ratios are infinite. Fix: merge sparse categories or drop the predictor."
            ) from err
    if not fit.converged:
        raise StatsError(
            "the logistic regression did not converge in 100 iterations. Fix: check for "
            "sparse categories or predictors on very different scales."
        )
    mu = np.asarray(fit.fittedvalues)
    if (mu < 1e-10).any() or (mu > 1 - 1e-10).any():
        raise StatsError(
            "fitted probabilities of 0 or 1 occurred (separation: some predictor values "
            "predict the answer perfectly). Fix: merge sparse categories or drop the predictor."
        )
    return fit
