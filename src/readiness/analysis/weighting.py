"""Weighting the analysis to the workforce: ``readiness analyse --rake FILE`` and
``--poststratify FILE``.

A trust knows how many staff it has in each discipline and at each site.  The counts come as a
small CSV (the format of :func:`readiness.stats.calibration.read_margins`): ``variable,level,
count`` rows, one per level, for raking (R's ``rake``), or one column per variable and a
``count`` column, one row per cell, for post-stratification (R's ``postStratify``).  Every
variable of the file must be a column of the response file.

A response file holds the instrument's stored codes (discipline 1 to 5), but staff counts are
more often written with the answers' labels (Maternity).  For a question with choices, the
levels of the counts file may be either, for each variable: all codes (``discipline,2,320``)
or all choice labels (``discipline,Maternity,320``; capitals do not matter).  The result says
which was found.  A level that is neither, or a variable that mixes the two, is an error naming
the counts file, the row and the level.  Other columns (such as ``site``, a text column) are
matched as written.

The figures on a weighted design that :mod:`readiness.stats.calibration` has no function for
(the interval, SD and design effect of a mean, and quantiles with Woodruff's interval) are
computed here from its :func:`~readiness.stats.calibration.survey_mean`, as R's survey package
computes them on a calibrated design (``svymean``, ``svyvar``, ``svyquantile``); checked against
R in ``tests/reference/weighting.R``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.errors import Problem, ProblemsError, ReadinessError
from readiness.instrument.model import Instrument
from readiness.stats.calibration import (
    CalibratedDesign,
    Margin,
    post_stratify,
    rake,
    read_margins,
    survey_mean,
    survey_total,
)
from readiness.stats.design import (
    SurveyDesign,
    _qrule_math,  # survey's qrule_math, shared with design_quantile
)

METHODS = {"rake": "raking", "poststratify": "post-stratification"}
R_FUNCTIONS = {"rake": "survey::rake", "poststratify": "survey::postStratify"}
MAX_PROBLEMS = 20


def _same(value, code) -> bool:
    """Whether a stored value is the choice code (2, 2.0 and "2" are the same code)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(code, int) and not isinstance(code, bool):
        try:
            return float(value) == float(code)
        except (TypeError, ValueError):
            return False
    return str(value).strip() == str(code)


def _code_text(code) -> str:
    return str(code)


def _levels_of(margin: Margin, j: int) -> list[tuple[str, int | None]]:
    """(level, row in the counts file) of variable ``j`` of the margin, each cell once."""
    return [
        (cell[j], None if margin.rows is None else margin.rows[i])
        for i, cell in enumerate(margin.levels)
    ]


def _where(margin: Margin, var: str) -> str:
    return "level" if margin.layout == "long" else var


def _match_choices(margin: Margin, j: int, item, path: str, problems: list[Problem]):
    """How variable ``j`` of ``margin`` names the item's choices: ("codes" or "labels", a map
    from code to the file's own wording), or None after adding problems."""
    var = margin.variables[j]
    codes = {_code_text(c.code): c.code for c in item.choices}
    labels = {c.label.casefold(): c.code for c in item.choices}
    shown_codes = ", ".join(_code_text(c.code) for c in item.choices)
    shown_labels = ", ".join(c.label for c in item.choices)
    choices = ", ".join(f"{_code_text(c.code)} = {c.label}" for c in item.choices)
    kinds: list[tuple[str, str, int | None]] = []
    wording: dict = {}
    for level, row in _levels_of(margin, j):
        if level in codes:
            kinds.append(("codes", level, row))
            wording.setdefault(("codes", codes[level]), level)
        elif level.casefold() in labels:
            kinds.append(("labels", level, row))
            wording.setdefault(("labels", labels[level.casefold()]), level)
        else:
            problems.append(
                Problem(
                    f"{var} {level!r} is neither a code nor a label of the choices of "
                    f"{var!r} ({choices}).",
                    fix=f"write each level of {var} as the code stored in the responses or as "
                    "its label, as the instrument gives them.",
                    file=path,
                    row=row,
                    column=_where(margin, var),
                )
            )
    if len(kinds) != len(margin.levels):
        return None
    found = {k for k, _, _ in kinds}
    if len(found) > 1:
        # name the first row of the kind used less often
        counts = {k: sum(1 for kk, _, _ in kinds if kk == k) for k in found}
        odd = min(found, key=lambda k: (counts[k], k))
        _, level, row = next(t for t in kinds if t[0] == odd)
        usual = "labels" if odd == "codes" else "codes"
        problems.append(
            Problem(
                f"{var} {level!r} is a {odd[:-1]}, but the other levels of {var} are "
                f"{usual}: the file mixes codes ({shown_codes}) and labels ({shown_labels}).",
                fix=f"write every level of {var} the same way: all codes or all labels.",
                file=path,
                row=row,
                column=_where(margin, var),
            )
        )
        return None
    kind = found.pop()
    return kind, {code: text for (k, code), text in wording.items() if k == kind}


def weighting_frame(  # noqa: C901 - each margin variable checked against the responses, a problem per case
    frame: pd.DataFrame, instrument: Instrument, margins, path: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The margin variables of the responses, worded as the counts file words them, and for
    each variable how its levels were given ("codes", "labels", or "values" for a column
    without choices).  Problems name the counts file, the row and the level."""
    problems: list[Problem] = []
    columns = {str(c): c for c in frame.columns}
    out: dict[str, list] = {}
    levels_as: dict[str, str] = {}
    wording: dict[str, dict] = {}
    for margin in margins:
        if not isinstance(margin, Margin):
            continue
        for j, var in enumerate(margin.variables):
            if var in levels_as or var in out:
                continue
            if var not in columns:
                first_row = None if margin.rows is None else margin.rows[0]
                problems.append(
                    Problem(
                        f"the counts are for {var!r}, but the responses have no column {var!r}.",
                        fix="name a column of the response file, such as "
                        + ", ".join(list(columns)[:12])
                        + (", ..." if len(columns) > 12 else "")
                        + ".",
                        file=path,
                        row=first_row,
                        column="variable" if margin.layout == "long" else var,
                    )
                )
                out[var] = []
                continue
            try:
                item = instrument.item(var)
            except KeyError:
                item = None
            if item is not None and item.choices:
                matched = _match_choices(margin, j, item, path, problems)
                if matched is None:
                    out[var] = []
                    continue
                levels_as[var], wording[var] = matched
            else:
                levels_as[var] = "values"
            out[var] = []
    if problems:
        raise ProblemsError(problems[:MAX_PROBLEMS], file=path)
    data = {}
    for var in levels_as:
        values = frame[columns[var]].tolist()
        if levels_as[var] == "values":
            data[var] = values
            continue
        item = instrument.item(var)
        words = wording[var]
        column = []
        for value in values:
            code = next((c.code for c in item.choices if _same(value, c.code)), None)
            if code is None:
                column.append(None if pd.isna(value) else value)
            elif code in words:
                column.append(words[code])
            elif levels_as[var] == "codes":
                column.append(_code_text(code))
            else:
                column.append(item.label_for(code))
        data[var] = column
    return pd.DataFrame(data, index=frame.index, dtype=object), levels_as


def weight_design(
    design: SurveyDesign,
    frame: pd.DataFrame,
    instrument: Instrument,
    path: str | Path,
    how: str,
    data_name: str | None = None,
) -> tuple[CalibratedDesign, dict]:
    """``design`` raked (``how="rake"``) or post-stratified (``how="poststratify"``) to the
    counts in the CSV ``path``; and a record for the result: the file, the method, what was
    done in words (:meth:`~readiness.stats.calibration.Calibration.describe`), how each
    variable's levels were given, and the margins used."""
    if how not in METHODS:
        raise ReadinessError(f"unknown weighting {how!r}. Fix: use rake or poststratify.")
    name = str(path)
    read = read_margins(path)
    margins = [m for m in read if isinstance(m, Margin)]
    totals = [m for m in read if not isinstance(m, Margin)]
    if totals:
        raise ProblemsError(
            [
                Problem(
                    f"{totals[0].variable} has a row with no level (a population total of a "
                    "numeric variable), which raking and post-stratification do not use.",
                    fix="remove that row; give counts by level (variable,level,count).",
                    file=name,
                    row=totals[0].row,
                    column="level",
                )
            ],
            file=name,
        )
    if how == "poststratify" and len(margins) != 1:
        raise ProblemsError(
            [
                Problem(
                    "--poststratify takes one table of counts; this file has counts by "
                    + " and by ".join(m.name for m in margins)
                    + " separately.",
                    fix="use --rake for separate margins, or give one table with a column per "
                    "variable and a count column (e.g. discipline,site,count) for "
                    "post-stratification.",
                    file=name,
                )
            ],
            file=name,
        )
    data, levels_as = weighting_frame(frame, instrument, margins, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if how == "poststratify":
            weighted = post_stratify(design, data, margins[0], data_name=data_name)
        else:
            weighted = rake(design, data, margins, data_name=data_name)
    notes = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    record = weighted.record
    levels_words = "; ".join(
        f"{var} levels given as "
        + {"codes": "codes", "labels": "choice labels", "values": "written in the data"}[kind]
        for var, kind in levels_as.items()
    )
    info = {
        "file": name,
        "method": record.method,
        "r_function": R_FUNCTIONS[how],
        "description": record.describe(),
        "levels_as": levels_as,
        "levels_words": levels_words,
        "margins": [m.to_dict() for m in record.margins],
        "iterations": record.iterations,
        "converged": record.converged,
        "weight_total": record.weight_total_after,
        "weight_min": record.weight_min,
        "weight_max": record.weight_max,
        "warnings": notes,
    }
    return weighted, info


def weighting_sentence(info: dict) -> str:
    """The weighting in one sentence, for the conventions and the report's methods."""
    return (
        f"weighted to the staff counts in {info['file']} ({info['r_function']}): "
        f"{info['description']}; {info['levels_words']}"
    )


# -- figures on a weighted design ----------------------------------------------------------------


def _t_quantile(df: float, conf: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + conf / 2, df)) if df > 0 else math.nan


def weighted_mean(x: np.ndarray, design, domain=None, conf_level: float = 0.95) -> dict:
    """Mean, SE, t interval on the domain's degrees of freedom, design effect (against
    sampling with replacement) and SD of ``x`` on a weighted design: ``svymean(deff =
    "replace")``, ``confint(df = degf)`` and ``sqrt(svyvar)`` of R's survey package."""
    m = survey_mean(x, design, domain)
    inside = np.ones(len(x), dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    used = inside & ~np.isnan(x)
    w = np.asarray(design.weights, dtype=np.float64)[used]
    y = x[used]
    n = len(y)
    ybar = float(w @ y / w.sum())
    s2 = float(n / (n - 1) * (w @ (y - ybar) ** 2) / w.sum()) if n > 1 else math.nan
    q = _t_quantile(m.df, conf_level)
    return {
        "mean": m.estimate,
        "se": m.se,
        "lower": m.estimate - q * m.se,
        "upper": m.estimate + q * m.se,
        "deff": m.se**2 / (s2 / n) if n > 1 and s2 > 0 else math.nan,
        "sd": math.sqrt(s2) if s2 == s2 else math.nan,
        "df": m.df,
        "n": m.n,
    }


def weighted_total(x: np.ndarray, design, domain=None, conf_level: float = 0.95) -> dict:
    """Total with SE and t interval: ``svytotal`` and ``confint(df = degf)``."""
    t = survey_total(x, design, domain)
    q = _t_quantile(t.df, conf_level)
    return {
        "estimate": t.estimate,
        "se": t.se,
        "lower": t.estimate - q * t.se,
        "upper": t.estimate + q * t.se,
    }


def weighted_quantile(
    x: np.ndarray, design, prob: float, domain=None, conf_level: float = 0.95
) -> dict:
    """A quantile with Woodruff's interval on a weighted design: ``svyquantile(ci = TRUE)``
    (``qrule = "math"``, ``interval.type = "mean"``).  The estimate is the smallest value whose
    weighted share reaches ``prob``; for the interval see :func:`woodruff_interval`.

    Where the weighted share of a value is exactly ``prob`` (equal weights within a
    post-stratum, say), the rule takes that value; R's weights after a calibration differ from
    ours in the last bit, so R can take the next value instead.
    """
    inside = np.ones(len(x), dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    used = inside & ~np.isnan(x)
    w = np.asarray(design.weights, dtype=np.float64)
    estimate = _qrule_math(x[used], w[used], prob)
    return {"estimate": estimate, **woodruff_interval(x, design, used, estimate, conf_level)}


def woodruff_interval(
    x: np.ndarray, design, used: np.ndarray, estimate: float, conf_level: float = 0.95
) -> dict:
    """Woodruff's interval for the quantile ``estimate`` of ``x`` among the respondents
    ``used`` (in the domain, with a value): the share of them at or below the estimate is a
    mean on the (weighted) design, its SE from the residuals of the weighting; its t interval
    on the degrees of freedom of the respondents used is mapped back through the same rule (R's
    ``woodruffCI``).  A bound is NaN where the share's interval passes 0 or 1."""
    w = np.asarray(design.weights, dtype=np.float64)
    xs, ws = x[used], w[used]
    below = np.where(used, (np.nan_to_num(x) <= estimate).astype(np.float64), np.nan)
    share = survey_mean(below, design, used)
    base = design.base if isinstance(design, CalibratedDesign) else design
    df = base.domain_degf(used)
    q = _t_quantile(df, conf_level)
    lo, hi = share.estimate - q * share.se, share.estimate + q * share.se
    # a share of exactly 0 or 1 (every value above, or at or below, the estimate) can come out
    # a rounding error outside [0, 1]; R's sum(w x) / sum(w) gives it exactly
    if share.se < 1e-12:
        lo, hi = min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)
    return {
        "lower": math.nan if not lo >= 0 else _qrule_math(xs, ws, lo),
        "upper": math.nan if not hi <= 1 else _qrule_math(xs, ws, hi),
        "df": df,
    }


__all__ = [
    "METHODS",
    "weight_design",
    "weighted_mean",
    "weighted_quantile",
    "weighted_total",
    "weighting_frame",
    "woodruff_interval",
    "weighting_sentence",
]
