"""The regression the survey paper's design invites: contact with a trafficked patient on
discipline, prior training and years since qualifying (odds ratios with intervals)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from readiness.instrument.model import Instrument
from readiness.stats.calibration import CalibratedDesign
from readiness.stats.design import SurveyDesign

OUTCOME = "contact_ever"


def contact_regression(
    instrument: Instrument,
    frame: pd.DataFrame,
    design: SurveyDesign | CalibratedDesign | None,
    conf_level: float,
    fit: Callable,
) -> dict:
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
    terms = []
    for coef in result.coefficients:
        if coef.term == "(Intercept)":
            continue
        terms.append(
            {
                "term": coef.term,
                "label": _label(coef.term),
                "odds_ratio": coef.odds_ratio,
                "lower": coef.or_lower,
                "upper": coef.or_upper,
                "p_value": coef.p_value,
                "estimate": coef.estimate,
                "se": coef.se,
            }
        )
    return {
        "outcome": OUTCOME,
        "model": "contact_ever ~ discipline + trained + years",
        "n": result.n,
        "n_dropped": result.n_dropped,
        "reference": {k: str(v) for k, v in result.reference.items()},
        "errors": (
            "cluster-robust (linearised) standard errors, t intervals on the design's degrees of freedom (survey::svyglm"
            + (
                ", after weighting to the staff counts)"
                if isinstance(design, CalibratedDesign)
                else ")"
            )
            if result.design_based
            else "model-based standard errors, Wald intervals (glm, confint.default)"
        ),
        "method": result.method,
        "conf_level": result.conf_level,
        "terms": terms,
    }


def _label(term: str) -> str:
    if term.startswith("discipline"):
        level = term.removeprefix("discipline").strip("[]").removeprefix("T.")
        return f"discipline: {level}"
    return {
        "trained": "prior training (yes vs no)",
        "years": "years since qualifying (per year)",
    }.get(term, term)


__all__ = ["contact_regression"]
