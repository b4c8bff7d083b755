"""The regression the instrument declares (odds ratios with intervals): by default the one the
survey paper's design invites, contact with a trafficked patient on discipline, prior training
and years since qualifying."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from readiness.instrument.model import Instrument, Predictor, RegressionPlan
from readiness.stats.calibration import CalibratedDesign
from readiness.stats.design import SurveyDesign
from readiness.stats.result import Result

OUTCOME = "contact_ever"
DEFAULT_REGRESSION = RegressionPlan(
    OUTCOME,
    (
        Predictor("discipline"),
        Predictor("training_prior", "trained", "prior training (yes vs no)"),
        Predictor("years_qualified", "years", "years since qualifying (per year)"),
    ),
)


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
    plan: RegressionPlan = DEFAULT_REGRESSION,
) -> ContactRegression:
    """Fit the declared regression (:mod:`readiness.instrument.plan`): by default the shipped
    survey's ``contact_ever ~ discipline + training_prior + years_qualified``.

    A single-choice predictor enters as a factor with its first category found in the data
    (emergency medicine, for discipline) as reference, a yes/no predictor as yes (1) versus
    no, and a number or Likert item as a number.  Respondents missing any of them are left out
    (complete cases), and the result says how many.  ``fit`` is
    :func:`readiness.stats.glm.fit_regression` (R's glm, or svyglm on the design: every stage
    of it, and a weighting to staff counts).
    """
    X = pd.DataFrame(index=frame.index)
    levels: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for predictor in plan.predictors:
        item = instrument.item(predictor.item)
        name = predictor.name
        codes = pd.to_numeric(frame[predictor.item], errors="coerce")
        if item.type == "single_choice":
            numeric = item.numeric_codes
            choices = {float(c.code) if numeric else str(c.code): c.label for c in item.choices}
            keys = codes if numeric else frame[predictor.item].astype("string")
            factor = pd.Categorical(keys.map(choices), categories=list(choices.values()))
            present = [label for label in choices.values() if (factor == label).any()]
            X[name] = factor.set_categories(present)
            levels[name] = present
        else:
            X[name] = codes
        labels[name] = predictor.label or _default_label(item.id, item.type)
    y = pd.to_numeric(frame[plan.outcome], errors="coerce").to_numpy(dtype=float)
    reference = {name: present[0] for name, present in levels.items() if present}
    result = fit(y, X, design, reference=reference, conf_level=conf_level)
    terms = tuple(
        RegressionTerm(
            coef.term,
            _label(coef.term, labels, levels),
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
        outcome=plan.outcome,
        model=f"{plan.outcome} ~ " + " + ".join(p.name for p in plan.predictors),
        n=result.n,
        n_dropped=result.n_dropped,
        reference={labels[k]: str(v) for k, v in result.reference.items()},
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


def _default_label(item_id: str, item_type: str) -> str:
    """A predictor's name in the results when the instrument gives none."""
    words = item_id.replace("_", " ")
    if item_type == "single_choice":
        return words
    if item_type in ("yes_no", "calculate"):
        return f"{words} (yes vs no)"
    return f"{words} (per {'point' if item_type == 'likert' else 'unit'})"


def _label(term: str, labels: dict[str, str], levels: dict[str, list[str]]) -> str:
    """A term's label: "discipline: Psychiatry" for a factor's level (R names the term
    ``disciplinePsychiatry``), else its predictor's."""
    for name, present in levels.items():
        for level in present:
            if term == f"{name}{level}":
                return f"{labels[name]}: {level}"
    return labels.get(term, term)


__all__ = ["ContactRegression", "RegressionNotFitted", "RegressionTerm", "contact_regression"]
