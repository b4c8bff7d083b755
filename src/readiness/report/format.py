"""How numbers are written in the report (BMJ style: 86.8, 83.5 to 89.6, P<0.001)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readiness.analysis.survey import Rate

DASH = "–"  # shown where there is nothing to show (not a suppressed value)
INTERVAL_NAMES = {
    "wilson": "Wilson score",
    "clopper-pearson": "Clopper-Pearson (exact)",
    "agresti-coull": "Agresti-Coull",
    "jeffreys": "Jeffreys",
}


def level(conf_level: float) -> str:
    """A confidence level as the report writes it: 0.95 -> "95%", 0.975 -> "97.5%"."""
    return f"{round(100 * float(conf_level), 6):g}%"


def ci(conf_level: float) -> str:
    """The head of an interval column: "95% CI"."""
    return f"{level(conf_level)} CI"


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def pct(x: float | None, digits: int = 1) -> str:
    return DASH if missing(x) else f"{x:.{digits}f}"


def num(x: float | None, digits: int = 2) -> str:
    if missing(x):
        return DASH
    text = f"{x:.{digits}f}"
    return text.replace("-", "−") if text.startswith("-") else text


def interval(lower: float | None, upper: float | None, digits: int = 1) -> str:
    if missing(lower) or missing(upper):
        return DASH
    return f"{num(lower, digits)} to {num(upper, digits)}"


def count(x: int | None) -> str:
    return DASH if x is None else f"{int(x)}"


def p_value(p: float | None) -> str:
    """P values to two significant figures (below 0.1) or two decimals: 0.047, 0.19, <0.001."""
    if p is None or missing(p):
        return DASH
    if p < 0.001:
        return "<0.001"
    if p < 0.0995:
        return f"{p:.2g}"  # two significant figures: 0.047, 0.0051
    return f"{p:.2f}"


def p_coarse(p: float | None) -> str:
    """A P value in bands, for rows where cells are suppressed (an exact statistic could let a
    hidden cell be solved for)."""
    if p is None or missing(p):
        return DASH
    for cut in (0.001, 0.01, 0.05):
        if p < cut:
            return f"<{cut:g}"
    return "≥0.05"


def round_half(x: float) -> str:
    """Years and medians: whole numbers where they are whole, else one decimal."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


ABOVE_ATTENDANCE = (
    "more responses than staff attending were recorded, so the rate has no interval; check "
    "the sessions' attending counts (see the warnings)"
)

NO_ATTENDANCE = "no staff attending were recorded; check the sessions' attending counts"


def above_attendance(rate: Rate) -> bool:
    """Whether a response rate (responded, attended) is above 100%."""
    return rate.responded > rate.attended
