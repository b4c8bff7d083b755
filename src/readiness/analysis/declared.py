"""What the analysis of a study summarises, groups by and models: the instrument's
``analysis:`` block (:mod:`readiness.instrument.plan`), each part it leaves out filled in with
the analysis's defaults.

The defaults are the shipped survey's: the characteristics are those of discipline,
profession, site and years since qualifying that the instrument has; the figures are broken
down by discipline, or when the instrument has none by its first single-choice item; and
contact with a trafficked patient is regressed on discipline, prior training and years since
qualifying when the instrument has all four.  An instrument imported from an XLSForm or a
REDCap dictionary has no block, so it gets these defaults.
"""

from __future__ import annotations

from readiness.analysis.regression import DEFAULT_REGRESSION
from readiness.instrument.model import AnalysisPlan, Instrument

DEFAULT_CHARACTERISTICS = ("discipline", "profession", "site", "years_qualified")
DEFAULT_GROUP_BY = "discipline"


def default_group_by(instrument: Instrument) -> str:
    """Discipline when the instrument has it, else its first single-choice item, else ""."""
    ids = set(instrument.item_ids)
    if DEFAULT_GROUP_BY in ids:
        return DEFAULT_GROUP_BY
    for item in instrument.items:
        if item.type == "single_choice" and item.choices:
            return item.id
    return ""


def analysis_plan(instrument: Instrument) -> AnalysisPlan:
    """The instrument's declared plan, each part it does not declare from the defaults."""
    declared = instrument.analysis
    ids = set(instrument.item_ids)
    characteristics = declared.characteristics or tuple(
        item_id for item_id in DEFAULT_CHARACTERISTICS if item_id in ids
    )
    regression = declared.regression
    if (
        regression is None
        and {DEFAULT_REGRESSION.outcome} | {p.item for p in DEFAULT_REGRESSION.predictors} <= ids
    ):
        regression = DEFAULT_REGRESSION
    return AnalysisPlan(
        characteristics, declared.group_by or default_group_by(instrument), regression
    )


__all__ = ["DEFAULT_CHARACTERISTICS", "DEFAULT_REGRESSION", "analysis_plan", "default_group_by"]
