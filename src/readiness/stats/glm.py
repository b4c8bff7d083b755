"""Linear and logistic regression, with or without a survey design (calibrated or not).

Without a design:

* ``family="linear"`` is R's ``lm(y ~ ...)``: least squares, t tests and t intervals on
  ``n - p`` degrees of freedom (``confint``);
* ``family="logistic"`` is R's ``glm(y ~ ..., family = binomial)``: maximum likelihood, z tests
  and Wald intervals (``confint.default``).

With a :class:`~readiness.stats.design.SurveyDesign` or a
:class:`~readiness.stats.calibration.CalibratedDesign` it is R's ``svyglm(y ~ ..., design,
family = gaussian())`` or ``family = quasibinomial()``: the weighted estimating equations for the
coefficients, linearisation ("sandwich") standard errors from the design's clusters and strata
(after the calibration's residuals, as survey's ``svyrecvar``), t tests and intervals on
``degf + 1 - p`` degrees of freedom (``summary.svyglm``, ``confint.svyglm``'s Wald default).
Checked against R in ``tests/reference/regress.R``; the logistic fit is the one of
:func:`readiness.stats.regression.logistic_regression`.

Predictors are coded as there: numeric columns as numbers, text, categorical and boolean columns
as factors with treatment contrasts against a reference level (by default the first level, as
R's ``factor``), named as R names them (``stypeH``).  Missing values: complete cases (R's
``na.omit``); with a design, the respondents left out keep their clusters (and their part in a
calibration), as ``svyglm`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from readiness.errors import StatsError
from readiness.stats.calibration import CalibratedDesign, Calibration, design_covariance
from readiness.stats.design import SurveyDesign, binary_values
from readiness.stats.regression import CoefficientTable, _check_separation, _fit, _model_matrix
from readiness.stats.result import Result

FAMILIES = ("logistic", "linear")


@dataclass(frozen=True)
class RegressionCoefficient(Result):
    """One row of the coefficient table; odds ratios only for a logistic model."""

    term: str
    estimate: float
    se: float
    statistic: float
    p_value: float
    lower: float
    upper: float
    odds_ratio: float | None = None
    or_lower: float | None = None
    or_upper: float | None = None


@dataclass(frozen=True)
class RegressionResult(CoefficientTable["RegressionCoefficient"], Result):
    """A fitted regression and the conventions used.

    ``statistic_name`` is ``"z"`` (logistic without a design) or ``"t"``; ``df_residual`` the
    degrees of freedom of the t tests and intervals.  ``n`` is the number of complete cases used
    and ``n_dropped`` how many were left out for a missing value.  ``reference`` maps each
    categorical predictor to its reference level; ``calibrations`` records the weighting of a
    calibrated design (empty otherwise).
    """

    family: str
    coefficients: tuple[RegressionCoefficient, ...]
    n: int
    n_dropped: int
    df_residual: int
    conf_level: float
    design_based: bool
    statistic_name: str
    reference: dict
    method: str
    calibrations: tuple[Calibration, ...] = ()


# long: argument checks, the fit with or without a design, the coefficient table
def fit_regression(  # noqa: C901 - argument checks, the fit and the result in one place
    y,
    X,
    design: SurveyDesign | CalibratedDesign | None = None,
    *,
    family: str = "logistic",
    reference: dict | None = None,
    names=None,
    conf_level: float = 0.95,
) -> RegressionResult:
    """Fit ``y ~ X`` as R's ``lm``/``glm(binomial)``, or ``svyglm`` with ``design``.

    Parameters
    ----------
    y
        The outcome: a number (linear) or coded 1/0 (logistic), NaN when missing.
    X
        A data frame (or a 2-D array with column ``names``) of predictors; text, categorical and
        boolean columns are factors with treatment contrasts.  An intercept is always included.
    design
        None for independent respondents, or a :class:`~readiness.stats.design.SurveyDesign` or
        :class:`~readiness.stats.calibration.CalibratedDesign` (its calibrations are recorded).
    family
        ``"logistic"`` or ``"linear"``.
    reference
        ``{"column": level}``: a categorical predictor's reference level (one not found among the
        complete cases, or one given for a numeric predictor, is an error).
    names
        The column names of an array ``X``.
    conf_level
        The level of the intervals.

    Returns
    -------
    RegressionResult
        One :class:`RegressionCoefficient` per term, ``statistic_name`` (``"z"`` or ``"t"``),
        ``df_residual``, ``n``, ``n_dropped``, ``reference`` and ``calibrations``.

    Raises
    ------
    StatsError
        Collinear predictors, too few complete cases, an outcome of the wrong kind, separation in
        a logistic model, or weights that are not positive (a linear calibration can make them so).

    Notes
    -----
    Missing data: complete cases only (listwise), the others counted in ``n_dropped``.  The
    statistic is z for a logistic model without a design and t otherwise, on ``df_residual``
    degrees of freedom (``degf + 1 - p`` with a design, as ``svyglm``).

    References
    ----------
    Matches R's ``lm`` and ``glm(family = binomial)``, and ``survey::svyglm`` (gaussian or
    quasibinomial) with a design.

    Examples
    --------
    >>> X = pd.DataFrame({"years": [1, 4, 2, 8, 5, 3, 9, 6, 7, 2.5]})
    >>> res = fit_regression([3, 5, 4, 9, 6, 4, 10, 7, 8, 4], X, family="linear")
    >>> res.terms, res.n, res.df_residual
    (('(Intercept)', 'years'), 10, 8)
    """
    if family not in FAMILIES:
        raise StatsError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}.")
    if not 0 < float(conf_level) < 1:
        raise StatsError(f"conf_level must be strictly between 0 and 1, not {conf_level!r}.")
    logistic = family == "logistic"
    yv = binary_values(y, "the outcome") if logistic else _numeric_outcome(y)
    matrix, terms, groups, missing, refs = _model_matrix(X, names, reference, True)
    if len(yv) != len(matrix):
        raise StatsError(f"the outcome has {len(yv)} values but X has {len(matrix)} rows.")
    if design is not None and design.n != len(yv):
        raise StatsError(
            f"the design has {design.n} respondents but the outcome has {len(yv)} values."
        )
    complete = ~missing & np.isfinite(yv)
    Xc, yc = matrix[complete], yv[complete]
    n, p = Xc.shape
    if n <= p:
        raise StatsError(
            f"{n} complete case(s) for {p} coefficients: the model needs more respondents "
            "than coefficients. Fix: use fewer predictors or merge levels."
        )
    if np.linalg.matrix_rank(Xc) < p:
        raise StatsError(
            "the predictors are collinear (one is a combination of the others) among the "
            f"{n} complete cases. Fix: leave out redundant predictors or merge levels."
        )
    weights = None
    if design is not None:
        weights = np.asarray(design.weights, dtype=np.float64)[complete]
        if (weights <= 0).any():
            raise StatsError(
                f"{int((weights <= 0).sum())} respondent(s) have a weight of zero or less "
                "(from a linear calibration), which a regression cannot use. Fix: rake or "
                "post-stratify instead."
            )
    if logistic:
        if yc.min() == yc.max():
            raise StatsError(
                f"every one of the {n} complete cases has outcome {int(yc[0])}; a logistic "
                "regression needs both answers."
            )
        _check_separation(yc, Xc, groups)
        beta = np.asarray(_fit(yc, Xc, weights).params, dtype=np.float64)
        mu = 1 / (1 + np.exp(-(Xc @ beta)))
        variance = mu * (1 - mu)
    else:
        root = np.ones(n) if weights is None else np.sqrt(weights)
        beta = np.linalg.lstsq(Xc * root[:, None], yc * root, rcond=None)[0]
        mu = Xc @ beta
        variance = np.ones(n)

    if design is None:
        if logistic:
            bread = np.linalg.inv(Xc.T @ (Xc * variance[:, None]))
            se = np.sqrt(np.diag(bread))
            df_res = n - p
            dist, name = stats.norm, "z"
            method = "logistic regression (maximum likelihood; Wald z tests and intervals, glm)"
        else:
            df_res = n - p
            sigma2 = float(((yc - mu) ** 2).sum()) / df_res
            se = np.sqrt(sigma2 * np.diag(np.linalg.inv(Xc.T @ Xc)))
            dist, name = stats.t(df_res), "t"
            method = f"linear regression (least squares; t on {df_res} degrees of freedom, lm)"
    else:
        # R's svy.varcoef: influence = x w (y - mu) A^-1 with A = X' diag(w v(mu)) X, then the
        # design's variance of its totals (svyrecvar), after any calibration's residuals.
        a = Xc.T @ (Xc * (weights * variance)[:, None])
        influence = np.zeros((len(yv), p))
        influence[complete] = (Xc * (weights * (yc - mu))[:, None]) @ np.linalg.inv(a)
        cov = design_covariance(design, influence, complete)
        se = np.sqrt(np.diag(cov))
        base = design.base if isinstance(design, CalibratedDesign) else design
        degf = base.domain_degf(complete)  # R: degf(design[-nas, ])
        df_res = degf + 1 - p
        dist = stats.t(df_res) if df_res > 0 else None
        name = "t"
        kind = "quasibinomial" if logistic else "gaussian"
        method = (
            f"survey-weighted {'logistic' if logistic else 'linear'} regression (svyglm, "
            f"{kind}; linearisation standard errors, t on {df_res} design degrees of freedom)"
        )
    stat = beta / se
    if dist is None:
        p_values = np.full(p, np.nan)
        q = np.nan
    else:
        p_values = 2 * dist.sf(np.abs(stat))
        q = dist.ppf(0.5 + conf_level / 2)
    lower, upper = beta - q * se, beta + q * se
    coefficients = []
    for j in range(p):
        extra = {}
        if logistic:
            extra = dict(
                odds_ratio=float(np.exp(beta[j])),
                or_lower=float(np.exp(lower[j])),
                or_upper=float(np.exp(upper[j])),
            )
        coefficients.append(
            RegressionCoefficient(
                term=terms[j],
                estimate=float(beta[j]),
                se=float(se[j]),
                statistic=float(stat[j]),
                p_value=float(p_values[j]),
                lower=float(lower[j]),
                upper=float(upper[j]),
                **extra,
            )
        )
    return RegressionResult(
        family=family,
        coefficients=tuple(coefficients),
        n=int(n),
        n_dropped=int(len(yv) - n),
        df_residual=int(df_res),
        conf_level=float(conf_level),
        design_based=design is not None,
        statistic_name=name,
        reference=refs,
        method=method,
        calibrations=design.calibrations if isinstance(design, CalibratedDesign) else (),
    )


def _numeric_outcome(y) -> np.ndarray:
    values = pd.Series(np.asarray(y, dtype=object) if not isinstance(y, pd.Series) else y)
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if bad.any():
        seen = ", ".join(repr(v) for v in values[bad].unique()[:5])
        raise StatsError(
            f"the outcome of a linear regression must be numeric; found {seen}. "
            "Fix: choose a numeric outcome, or use a logistic model for a yes/no outcome."
        )
    return converted.to_numpy(dtype=np.float64, na_value=np.nan)


__all__ = ["FAMILIES", "RegressionCoefficient", "RegressionResult", "fit_regression"]
