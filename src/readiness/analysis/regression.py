"""The regression the survey paper's design invites: contact with a trafficked patient on
discipline, prior training and years since qualifying (odds ratios with intervals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from readiness.instrument.model import Instrument
from readiness.stats.calibration import CalibratedDesign
from readiness.stats.design import SurveyDesign
from readiness.stats.result import Result

OUTCOME = "contact_ever"


@dataclass(frozen=True)
class RegressionTerm(Result):
    """One term of the model: its odds ratio with interval and p-value, and the log-odds
    coefficient with its standard error."""

    term: str
    label: str
    odds_ratio: float
    lower: float
    upper: float
    p_value: float
    estimate: float
    se: float


@dataclass(frozen=True)
class ContactRegression(Result):
    """The fitted regression of contact: the complete cases (``n``, ``n_dropped`` left out),
    the reference levels, how the standard errors were computed, and every term but the
    intercept."""

    outcome: str
    model: str
    n: int
    n_dropped: int
    reference: dict[str, str]
    errors: str
    method: str
    conf_level: float
    terms: tuple[RegressionTerm, ...]

    fitted = True


@dataclass(frozen=True)
class RegressionNotFitted(Result):
    """Why the regression could not be fitted (``note``, also among the warnings)."""

    note: str

    fitted = False


def contact_regression(
    instrument: Instrument,
    frame: pd.DataFrame,
    design: SurveyDesign | CalibratedDesign | None,
    conf_level: float,
    fit: Callable,
) -> ContactRegression:
    """Fit ``contact_ever ~ discipline + training_prior + years_qualified``.

    Discipline enters as a factor with its first category (emergency medicine) as reference,
    prior training as yes (1) versus no, and years as a number.  Respondents missing any of
    them are left out (complete cases), and the result says how many.  ``fit`` is
    :func:`readiness.stats.glm.fit_regression` (R's glm, or svyglm on the design: every stage
    of it, and a weighting to staff counts).
    """
    discipline = instrument.item("discipline")
    labels = {float(c.code): c.label for c in discipline.choices}
    codes = pd.to_numeric(frame["discipline"], errors="coerce")
    X = pd.DataFrame(
        {
            "discipline": pd.Categorical(
                codes.map(labels), categories=[c.label for c in discipline.choices]
            ),
            "trained": pd.to_numeric(frame["training_prior"], errors="coerce"),
            "years": pd.to_numeric(frame["years_qualified"], errors="coerce"),
        }
    )
    present = [c.label for c in discipline.choices if (X["discipline"] == c.label).any()]
    X["discipline"] = X["discipline"].cat.set_categories(present)
    y = pd.to_numeric(frame[OUTCOME], errors="coerce").to_numpy(dtype=float)
    result = fit(y, X, design, reference={"discipline": present[0]}, conf_level=conf_level)
    terms = tuple(
        RegressionTerm(
            coef.term,
            _label(coef.term),
            coef.odds_ratio,
            coef.or_lower,
            coef.or_upper,
            coef.p_value,
            coef.estimate,
            coef.se,
        )
        for coef in result.coefficients
        if coef.term != "(Intercept)"
    )
    return ContactRegression(
        outcome=OUTCOME,
        model="contact_ever ~ discipline + trained + years",
        n=result.n,
        n_dropped=result.n_dropped,
        reference={k: str(v) for k, v in result.reference.items()},
        errors=_errors(result.design_based, isinstance(design, CalibratedDesign)),
        method=result.method,
        conf_level=result.conf_level,
        terms=terms,
    )


def _errors(design_based: bool, calibrated: bool) -> str:
    """How the standard errors and intervals were computed, in words."""
    if not design_based:
        return "model-based standard errors, Wald intervals (glm, confint.default)"
    return (
        "cluster-robust (linearised) standard errors, t intervals on the design's degrees of "
        "freedom (survey::svyglm"
        + (", after weighting to the staff counts)" if calibrated else ")")
    )


def _label(term: str) -> str:
    if term.startswith("discipline"):
        level = term.removeprefix("discipline").strip("[]").removeprefix("T.")
        return f"discipline: {level}"
    return {
        "trained": "prior training (yes vs no)",
        "years": "years since qualifying (per year)",
    }.get(term, term)


__all__ = ["ContactRegression", "RegressionNotFitted", "RegressionTerm", "contact_regression"]
