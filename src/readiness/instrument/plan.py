"""The instrument's ``analysis:`` block: read, checked and written back.

::

    analysis:
      characteristics: [discipline, profession, site, years_qualified]
      group_by: discipline
      regression:
        outcome: contact_ever
        predictors:
          - discipline
          - {item: training_prior, term: trained, label: prior training (yes vs no)}
          - {item: years_qualified, term: years, label: years since qualifying (per year)}

``characteristics`` are summarised as the respondents' characteristics (choice and text items
as counts per answer, numbers as a distribution); ``group_by`` is the item every figure is
broken down by unless the analysis is told another; ``regression`` is a logistic regression of
a yes/no outcome.  Every problem is reported with its line and its fix by
:mod:`readiness.instrument.load`, which calls :func:`read_plan`.
"""

from __future__ import annotations

from typing import Any

from readiness.instrument.model import AnalysisPlan, Item, Predictor, RegressionPlan

PLAN_KEYS = {"characteristics": "", "group_by": "", "regression": ""}
REGRESSION_KEYS = {"outcome": "required", "predictors": "required"}
PREDICTOR_KEYS = {"item": "required", "term": "", "label": ""}
# What each part may name: a characteristic or grouping has answers that can be counted (or,
# for numbers, summarised); the outcome is coded 1/0; a predictor is a factor or a number.
CHARACTERISTIC_TYPES = (
    "single_choice",
    "likert",
    "yes_no",
    "true_false",
    "number",
    "text",
    "calculate",
)
GROUP_TYPES = ("single_choice", "likert", "yes_no", "true_false", "text", "calculate")
OUTCOME_TYPES = ("yes_no", "calculate")
PREDICTOR_TYPES = ("single_choice", "yes_no", "calculate", "number", "likert")


def read_plan(raw: Any, items: dict[str, Item], check: Any) -> AnalysisPlan:
    """The ``analysis:`` block as an :class:`AnalysisPlan` (empty when absent); problems go
    to ``check`` (load's checker: ``add(path, message, fix)``, ``keys``, ``identifier``)."""
    if raw is None:
        return AnalysisPlan()
    path: tuple = ("analysis",)
    if not isinstance(raw, dict):
        check.add(
            path,
            "'analysis' must be a mapping.",
            "write analysis: then characteristics:, group_by: and regression: under it.",
        )
        return AnalysisPlan()
    check.keys(raw, PLAN_KEYS, path, "the analysis block")
    characteristics = _characteristics(raw.get("characteristics"), items, check)
    group_by = ""
    if raw.get("group_by") not in (None, ""):
        group_by = _item_ref(
            raw["group_by"], path + ("group_by",), items, GROUP_TYPES, "group_by", check
        )
    regression = None
    if raw.get("regression") is not None:
        regression = _regression(raw["regression"], items, check)
    return AnalysisPlan(tuple(characteristics), group_by, regression)


def _item_ref(
    value: Any, path: tuple, items: dict[str, Item], types: tuple[str, ...], what: str, check
) -> str:
    """``value`` when it is the id of an item of one of ``types``, else "" (a problem added)."""
    if not isinstance(value, str) or value not in items:
        check.add(
            path,
            f"{what} names {value!r}, which is not an item of the instrument.",
            "use the id of one of its items (ids are case-sensitive).",
        )
        return ""
    item = items[value]
    if item.type not in types:
        check.add(
            path,
            f"{what} names '{value}', a {item.type} item, which cannot be used there.",
            f"name an item of type {', '.join(types)}.",
        )
        return ""
    return value


def _characteristics(raw: Any, items: dict[str, Item], check) -> list[str]:
    path: tuple = ("analysis", "characteristics")
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add(
            path, "characteristics must be a list of item ids.", "write characteristics: [a, b]."
        )
        return []
    out: list[str] = []
    for index, value in enumerate(raw):
        found = _item_ref(
            value, path + (index,), items, CHARACTERISTIC_TYPES, "characteristics", check
        )
        if found in out:
            check.add(path + (index,), f"'{found}' is listed twice.", "list each item once.")
        elif found:
            out.append(found)
    return out


def _regression(raw: Any, items: dict[str, Item], check) -> RegressionPlan | None:
    path: tuple = ("analysis", "regression")
    if not isinstance(raw, dict):
        check.add(
            path,
            "regression must be a mapping.",
            "write regression: then outcome: and predictors: under it.",
        )
        return None
    check.keys(raw, REGRESSION_KEYS, path, "the regression")
    outcome = ""
    if raw.get("outcome") not in (None, ""):
        outcome = _item_ref(
            raw["outcome"], path + ("outcome",), items, OUTCOME_TYPES, "the outcome", check
        )
    predictors = _predictors(raw.get("predictors"), outcome, items, check)
    if not outcome or not predictors:
        return None
    return RegressionPlan(outcome, tuple(predictors))


def _predictors(raw: Any, outcome: str, items: dict[str, Item], check) -> list[Predictor]:
    path: tuple = ("analysis", "regression", "predictors")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        check.add(
            path,
            "predictors must be a list of item ids (or of item:, term:, label: mappings).",
            "write predictors: [discipline, training_prior].",
        )
        return []
    out: list[Predictor] = []
    for index, entry in enumerate(raw):
        where = path + (index,)
        predictor = _predictor(entry, where, items, check)
        if predictor is None:
            continue
        if predictor.item == outcome:
            check.add(
                where,
                f"'{outcome}' is both the outcome and a predictor.",
                "remove it from the predictors.",
            )
        elif predictor.name in {p.name for p in out}:
            check.add(
                where,
                f"the term '{predictor.name}' is in the model twice.",
                "list each item once, and give each a different term.",
            )
        else:
            out.append(predictor)
    return out


def _predictor(entry: Any, where: tuple, items: dict[str, Item], check) -> Predictor | None:
    if isinstance(entry, dict):
        check.keys(entry, PREDICTOR_KEYS, where, "a predictor")
        item = _item_ref(
            entry.get("item"), where + ("item",), items, PREDICTOR_TYPES, "a predictor", check
        )
        term = ""
        if entry.get("term") not in (None, ""):
            term = check.identifier(entry["term"], where + ("term",), "term")
        label = check.text(entry, "label", where)
        return Predictor(item, term, label) if item else None
    item = _item_ref(entry, where, items, PREDICTOR_TYPES, "a predictor", check)
    return Predictor(item) if item else None


def plan_to_data(plan: AnalysisPlan) -> dict[str, Any]:
    """The block as plain data that :func:`read_plan` reads back unchanged ({} when empty)."""
    out: dict[str, Any] = {}
    if plan.characteristics:
        out["characteristics"] = list(plan.characteristics)
    if plan.group_by:
        out["group_by"] = plan.group_by
    if plan.regression is not None:
        predictors: list[Any] = []
        for p in plan.regression.predictors:
            if not (p.term or p.label):
                predictors.append(p.item)
                continue
            entry = {"item": p.item}
            if p.term:
                entry["term"] = p.term
            if p.label:
                entry["label"] = p.label
            predictors.append(entry)
        out["regression"] = {"outcome": plan.regression.outcome, "predictors": predictors}
    return out


__all__ = ["PLAN_KEYS", "plan_to_data", "read_plan"]
