"""The workforce-survey analysis: every figure of the paper, for any cohort.

``analyse(responses, instrument, sessions=..., settings=...)`` computes

* the response rate overall, per site and per session (numerator and denominator shown);
* characteristics of respondents (discipline, profession, site, years since qualifying);
* every indicator overall and by group (discipline by default): count, n, %, interval, and a
  test of difference across groups;
* scale scores overall and by group, the reliability of every scale, the correlations between
  scales (observed and corrected for attenuation), and a logistic regression of contact;
* every number item (years since qualifying, contacts) overall and by group.

Conventions (also written into the result, so that a report states them):

* Indicators: the denominator is the respondents who answered the item (unless the indicator
  says ``missing: negative``).  Without a design, intervals are Wilson's by default; the test
  across groups is Pearson's chi-square (no continuity correction) unless an expected count is
  below 5, when Fisher's exact test is used.  With a design (cluster columns, one per stage,
  with optional strata, weights and finite population correction), estimates are
  design-based: linearised standard errors, design effects, logit intervals on the design's
  degrees of freedom, and the Rao-Scott F test, as R's survey.  A group in which nobody
  answered stays in the Rao-Scott test as an empty level, as R's svychisq keeps it (the test's
  note names it).  An fpc at several stages reaches the tests and the regression too.
* Weighting to the workforce (``rake`` or ``poststratify``: a CSV of staff counts by
  discipline, site, ...; :mod:`readiness.analysis.weighting`): the design's weights are raked
  or post-stratified to the counts (R's ``rake``, ``postStratify``), and every design-based
  figure uses the weighted design, its standard errors from the residuals of the weighting.
  The result's ``weighting`` says which counts, which margins and which method were used.
* Scale scores and number items: without a design, mean, SD, median and quartiles of the
  respondents.  With a design, the mean is design-based (survey::svymean: weighted, with a
  linearised SE, design effect and t interval on the design's degrees of freedom), the SD is
  weighted (svyvar) and the median and quartiles are survey::svyquantile's (Woodruff
  interval); the unweighted figures are kept beside them under ``unweighted``.  With weights,
  number items also get a design-based total (svytotal).
* What stays unweighted, and why, is written into ``conventions["weighting"]``: counts (n and
  N), reliability (alpha, omega) and the correlations between scales, which describe how the
  items and scales hang together among these respondents, not a population figure.
* Reliability: Cronbach's alpha as ``psych::alpha`` with the chosen missing-data policy
  (pairwise by default), Feldt interval, omega total from one factor; reverse-keyed items are
  reversed on the instrument's points before the analysis.  Alpha's n is psych's: with
  pairwise deletion every respondent, those who answered none of the scale's items included
  (it changes only the standard error and the Feldt interval); with listwise deletion the
  respondents who answered every item.
* A group with no respondents is reported with ``n = 0`` and a note, never as NaN.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from readiness.analysis.declared import analysis_plan
from readiness.analysis.items import item_distributions
from readiness.analysis.items_summary import summarise_items
from readiness.analysis.regression import ContactRegression, RegressionNotFitted
from readiness.errors import ProblemsError, ReadinessError, StatsError
from readiness.instrument.model import AnalysisPlan, Indicator, Instrument, RegressionPlan
from readiness.instrument.scoring import indicator_values, scale_item_matrix, scale_scores
from readiness.responses.design import design_columns, survey_design
from readiness.stats.by_group import (
    GroupComparison,
    GroupProportion,
    NumberedGroups,
    group_test,
    proportion_by_group,
)
from readiness.stats.calibration import CalibratedDesign
from readiness.stats.correlation import correlation_matrix, disattenuated_r
from readiness.stats.design import (
    LONELY_PSU,
    DesignProportion,
    DomainRows,
    SurveyDesign,
    design_mean,
    design_quantiles,
    design_total,
    domain_rows_by_group,
    stable_order,
)
from readiness.stats.proportions import METHODS, wilson_interval
from readiness.stats.reliability import (
    AlphaResult,
    FeldtInterval,
    cronbach_alpha,
    omega_total,
    prepare_items,
)
from readiness.stats.result import Result, jsonable

DESIGN_METHOD = "logit (design-based)"


@dataclass(frozen=True)
class AnalysisSettings(Result):
    """How to analyse.  ``cluster`` and ``fpc`` may name several columns separated by spaces,
    one per stage of sampling, outermost first (``cluster="site session"``)."""

    interval: str = "wilson"
    conf_level: float = 0.95
    group_by: str | None = None  # None: the instrument's (analysis.declared.analysis_plan)
    cluster: str | None = None
    strata: str | None = None
    weights: str | None = None
    missing: str = "pairwise"
    regression: bool = True
    fpc: str | None = None
    lonely_psu: str = "fail"
    rake: str | None = None  # a CSV of staff counts, variable,level,count: rake to them
    poststratify: str | None = None  # a CSV of staff counts by cell: post-stratify to them

    @property
    def weighting(self) -> tuple[str, str] | None:
        """("rake" or "poststratify", the counts file) when weighting to staff counts."""
        if self.rake and self.poststratify:
            raise ReadinessError(
                "give rake or poststratify, not both. Fix: rake to separate counts by "
                "discipline and by site, or post-stratify to one table of counts by cell."
            )
        if self.rake:
            return "rake", self.rake
        if self.poststratify:
            return "poststratify", self.poststratify
        return None

    @property
    def cluster_columns(self) -> tuple[str, ...]:
        return tuple((self.cluster or "").split())

    @property
    def fpc_columns(self) -> tuple[str, ...]:
        return tuple((self.fpc or "").split())

    @property
    def design_based(self) -> bool:
        """Whether estimates are design-based: a cluster column, an fpc (respondents sampled
        one by one from a known population), or weighting to staff counts."""
        return bool(self.cluster_columns or self.fpc_columns or self.weighting)

    @property
    def weighted(self) -> bool:
        """Whether the figures are weighted: by a weights column, by the fpc (population
        over sample at each stage, as survey::svydesign makes the weights), or to staff
        counts."""
        return bool(self.design_based and (self.weights or self.fpc_columns or self.weighting))

    def _weighting_words(self) -> str:
        how, path = self.weighting or ("", "")
        verb = "raked" if how == "rake" else "post-stratified"
        return f"{verb} to the staff counts in {path}"

    def design_words(self) -> str:
        """The design in words: "clusters: site, then session within site; strata: region"."""
        if not self.design_based:
            return "none (respondents treated as a simple random sample)"
        stages = self.cluster_columns
        if stages:
            nested = stages[0] + "".join(
                f", then {c} within {p}" for p, c in zip(stages, stages[1:], strict=False)
            )
            parts = [f"clusters: {nested}"]
        else:
            parts = ["respondents sampled one by one (no clusters)"]
        if self.strata:
            parts.append(f"strata: {self.strata}")
        if self.weights:
            parts.append(f"weights: {self.weights}")
        if self.fpc_columns:
            parts.append(
                f"finite population correction: {', '.join(self.fpc_columns)}"
                + ("" if self.weights else " (weights from it: population over sample)")
            )
        if self.weighting:
            parts.append(f"weights {self._weighting_words()}")
        return "; ".join(parts)

    def design_clause(self) -> str:
        """The design for a sentence: "with site as clusters, then session within site,
        strata region, weights weight, finite population correction N1, N2"."""
        stages = self.cluster_columns
        if stages:
            out = f"with {stages[0]} as clusters" + "".join(
                f", then {c} within {p}" for p, c in zip(stages, stages[1:], strict=False)
            )
        else:
            out = "with respondents sampled one by one"
        if self.strata:
            out += f", strata {self.strata}"
        if self.weights:
            out += f", weights {self.weights}"
        if self.fpc_columns:
            out += f", finite population correction {', '.join(self.fpc_columns)}"
            if not self.weights:
                out += " (the weights follow from it)"
        if self.weighting:
            out += f", and weights {self._weighting_words()}"
        return out

    def weighting_words(self) -> str | None:
        """Which figures are design-based (weighted) and which are not, and why."""
        if not self.design_based:
            return None
        how = "weighted and design-based" if self.weighted else "design-based"
        if self.weighting:
            how += (
                " (after weighting to the staff counts, standard errors from the residuals of "
                "the weighting, as R's survey)"
            )
        return (
            f"{how}: indicator percentages and intervals, tests across groups, the regression, "
            "and the means, SDs, medians and quartiles of scale scores and number items "
            "(survey::svymean, svyvar, svyquantile); not design-based: the counts n and N "
            "(respondents), the response rates, and the reliability (alpha, omega) and "
            "correlations between scales, with their intervals, which describe how items and "
            "scales hang together among these respondents and treat them as independent "
            "(psych::alpha and cor take no survey design)"
        )

    def describe(self) -> dict[str, str]:
        design = self.design_based
        out = {
            "design": self.design_words(),
            "intervals": (
                "logit intervals on the design's degrees of freedom (survey::svyciprop)"
                if design
                else "Wilson score interval"
                if self.interval == "wilson"
                else self.interval
            )
            + f", {round(self.conf_level * 100)}% level",
            "tests": (
                "Rao-Scott F test (survey::svychisq)"
                if design
                else "Pearson chi-square without continuity correction; Fisher's exact test when an expected count is below 5"
            ),
            "denominators": "respondents who answered the item (missing answers excluded, not imputed)"
            + ("; n/N unweighted, % weighted" if self.weighted else ""),
            "reliability": f"Cronbach's alpha (psych::alpha), {self.missing} deletion of missing answers; Feldt interval; omega total from one factor (psych::omega, nfactors = 1)"
            + ("; unweighted" if design else ""),
            "alpha_n": (
                "every respondent, those who answered none of the scale's items included, as "
                "psych::alpha counts n (it changes only alpha's standard error and the Feldt "
                "interval)"
                if self.missing == "pairwise"
                else "the respondents who answered every item of the scale (listwise)"
            ),
        }
        if design:
            out["scale_scores"] = (
                ("weighted " if self.weighted else "")
                + "mean with linearised SE and t interval on the design's degrees of freedom "
                "(survey::svymean), "
                + ("weighted " if self.weighted else "")
                + "SD (svyvar), median with Woodruff interval (svyquantile); n unweighted"
            )
            out["weighting"] = self.weighting_words() or ""
        return out


@dataclass(frozen=True)
class Estimate(Result):
    """A proportion with its interval; design fields are set for design-based estimates."""

    count: int
    n: int
    percent: float | None
    lower: float | None
    upper: float | None
    method: str
    se: float | None = None
    deff: float | None = None
    note: str = ""


@dataclass(frozen=True)
class GroupTest(Result):
    method: str
    statistic: float | None
    df: float | None
    p_value: float
    n: int
    cramers_v: float | None = None
    ddf: float | None = None
    note: str = ""


@dataclass(frozen=True)
class IndicatorResult(Result):
    id: str
    label: str
    overall: Estimate
    by_group: dict[str, Estimate]
    test: GroupTest | None
    published: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class CategoryCount(Result):
    """How many respondents gave one answer, and their percentage of those who answered."""

    count: int
    percent: float | None


@dataclass(frozen=True)
class Characteristic(Result):
    """A characteristic of the respondents (discipline, profession, site): ``n`` answered,
    ``missing`` did not, and the count of each answer, in the instrument's order."""

    n: int
    missing: int
    categories: dict[str, CategoryCount]


@dataclass(frozen=True)
class ScaleReliability(Result):
    """A scale's Cronbach's alpha (psych::alpha, :class:`~readiness.stats.reliability.AlphaResult`),
    or, when it cannot be computed, why not (``note``) and how many respondents answered any of
    the scale's items (``n``).  ``n`` is otherwise alpha's n (psych's n.obs)."""

    alpha: AlphaResult | None
    n: int
    note: str = ""

    @property
    def raw_alpha(self) -> float | None:
        return None if self.alpha is None else self.alpha.raw_alpha

    @property
    def std_alpha(self) -> float | None:
        return None if self.alpha is None else self.alpha.std_alpha

    @property
    def n_items(self) -> int | None:
        return None if self.alpha is None else self.alpha.n_items

    @property
    def feldt(self) -> FeldtInterval | None:
        return None if self.alpha is None else self.alpha.feldt

    def as_json(self) -> dict[str, Any]:
        """The JSON of ``readiness analyse --json`` and the report's data."""
        a = self.alpha
        if a is None:
            return {"raw_alpha": None, "note": self.note, "n": self.n}
        return {
            "raw_alpha": a.raw_alpha,
            "std_alpha": a.std_alpha,
            "G6": a.G6,
            "average_r": a.average_r,
            "feldt": a.feldt.to_dict(),
            "n": a.n,  # psych's n.obs: with pairwise deletion, blank rows included
            "n_blank": a.n_blank,
            "n_items": a.n_items,
            "missing": a.missing,
            "warnings": list(a.warnings),
        }


@dataclass(frozen=True)
class ScaleCorrelation(Result):
    """Pearson's r between two scale scores, with its Fisher-z interval, and corrected for
    attenuation by the scales' raw alphas when both are positive."""

    x: str
    y: str
    r: float
    n: int
    lower: float
    upper: float
    p_value: float
    r_disattenuated: float | None = None

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in _fields(self).items() if k != "r_disattenuated"}
        if self.r_disattenuated is not None:
            out["r_disattenuated"] = self.r_disattenuated
        return out


@dataclass(frozen=True)
class ScaleCorrelations(Result):
    """The correlations between scale scores, or why there are none (``note``)."""

    pairs: tuple[ScaleCorrelation, ...]
    method: str = ""
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        if self.note:
            return {"note": self.note, "pairs": [p.as_json() for p in self.pairs]}
        return {"method": self.method, "pairs": [p.as_json() for p in self.pairs]}


@dataclass(frozen=True)
class Rate(Result):
    """Responses of staff attending, as a percentage with its Wilson interval (None above
    100%, which the attendance or the responses have wrong)."""

    responded: int
    attended: int
    percent: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class SessionRate(Rate):
    """A session's rate, with its site and date when the sessions file gives them."""

    site: str | None = None
    date: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            k: v for k, v in _fields(self).items() if v is not None or k not in ("site", "date")
        }


@dataclass(frozen=True)
class ResponseRate(Result):
    """Response rates overall, by site (when the sessions have sites) and by session."""

    overall: Rate
    method: str
    conf_level: float
    by_site: dict[str, Rate] | None
    by_session: dict[str, SessionRate]

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "overall": self.overall,
            "method": self.method,
            "conf_level": self.conf_level,
        }
        if self.by_site is not None:
            out["by_site"] = self.by_site
        out["by_session"] = self.by_session
        return out


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields by name, in order (not converted)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


@dataclass(frozen=True)
class ScaleSummary(Result):
    id: str
    label: str
    scoring: str
    n: int
    mean: float | None
    sd: float | None
    median: float | None
    by_group: dict[str, dict]
    reliability: ScaleReliability
    omega_total: float | None
    items: list[dict]
    design: dict | None = None  # design-based figures (mean, SE, interval, ...) with a design


@dataclass(frozen=True)
class NumberSummary(Result):
    """A number item (years since qualifying, contacts) overall and by group: the same
    figures as a scale score, plus a design-based total when the design is weighted."""

    id: str
    label: str
    overall: dict
    by_group: dict[str, dict]


@dataclass(frozen=True)
class StudyResult(Result):
    instrument: dict
    settings: AnalysisSettings
    conventions: dict
    n: int
    synthetic: bool
    group_by: str
    groups: list[str]
    response_rate: ResponseRate | None
    characteristics: dict[str, Characteristic | dict[str, Any]]  # years_qualified: a summary
    indicators: list[IndicatorResult]
    scales: list[ScaleSummary]
    correlations: ScaleCorrelations | None
    regression: ContactRegression | RegressionNotFitted | None
    warnings: list[str]
    items: list = field(default_factory=list)  # ItemDistribution per closed item (analysis.items)
    numbers: list = field(default_factory=list)  # NumberSummary per number item
    weighting: dict | None = None  # the staff counts weighted to (analysis.weighting)
    item_summaries: list = field(default_factory=list)  # ItemSummary per question

    def indicator(self, indicator_id: str) -> IndicatorResult:
        for result in self.indicators:
            if result.id == indicator_id:
                return result
        raise KeyError(indicator_id)


def _pct(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else 100 * float(x)


def _labels(instrument: Instrument, item_id: str, codes: np.ndarray) -> list[str]:
    """Group labels in code order (choice labels where the item has choices)."""
    try:
        item = instrument.item(item_id)
    except KeyError:
        item = None
    if item is not None and item.choices:
        return [c.label for c in item.choices]
    return [str(c) for c in codes]


def _group_codes(
    instrument: Instrument, frame: pd.DataFrame, item_id: str
) -> tuple[np.ndarray, list, list[str]]:
    """Each respondent's group code (NaN where missing), the codes in order, and their labels."""
    if item_id not in frame:
        raise ReadinessError(
            f"cannot group by '{item_id}': the responses have no such column. "
            f"Fix: use --by with one of the item columns, e.g. discipline."
        )
    column = frame[item_id]
    try:
        item = instrument.item(item_id)
    except KeyError:
        item = None
    if item is not None and item.choices:
        codes = list(item.codes)
        labels = [c.label for c in item.choices]
    else:
        codes = sorted(column.dropna().unique().tolist(), key=str)
        labels = [str(c) for c in codes]
    return column.to_numpy(), codes, labels


def _masks(values: np.ndarray, codes: list) -> list[np.ndarray]:
    out = []
    numeric = None  # only for numeric codes: turning 1.5M site names into numbers takes seconds
    text = None  # each value as text, numbered once: 200 sites of 1.5M rows took minutes
    for code in codes:
        if isinstance(code, int | float) and not isinstance(code, bool):
            if numeric is None:
                numeric = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
            out.append(numeric == float(code))
            continue
        if text is None:
            text, distinct = pd.factorize(pd.Series(values).astype(str))
            number = {value: i for i, value in enumerate(distinct)}
        out.append(text == number.get(str(code), -2))  # -1 is missing: never a code
    return out


def _code_counts(values: np.ndarray, codes: list) -> list[int]:
    """How many respondents are in each of :func:`_masks`, without making the masks: the
    values as text numbered once and counted once (a national study's 200 sites were 200
    passes over every respondent to make masks, and 200 more to count them)."""
    out = []
    numeric = None
    counts = number = None
    for code in codes:
        if isinstance(code, int | float) and not isinstance(code, bool):
            if numeric is None:
                numeric = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
            out.append(int(np.count_nonzero(numeric == float(code))))
            continue
        if counts is None:
            text, distinct = pd.factorize(pd.Series(values).astype(str))
            number = {value: i for i, value in enumerate(distinct)}
            counts = np.bincount(text[text >= 0], minlength=len(distinct))
        assert number is not None
        i = number.get(str(code))
        out.append(0 if i is None else int(counts[i]))
    return out


def _text_counts(
    instrument: Instrument, column: pd.Series, item_id: str
) -> tuple[list[str], list[int]] | None:
    """The labels and counts :func:`_group_codes` and :func:`_code_counts` give a text
    column without choices (a site), from one count of its answers rather than a pass to
    find them and another to count them; None for any other column.  Text is its own text,
    so counting the answers is counting them as text."""
    try:
        item = instrument.item(item_id)
    except KeyError:
        item = None
    if (item is not None and item.choices) or not isinstance(column.dtype, pd.StringDtype):
        return None
    found = column.value_counts(dropna=True, sort=False)
    count = dict(zip(found.index.tolist(), found.to_numpy().tolist(), strict=True))
    codes = sorted(count, key=str)
    return [str(c) for c in codes], [int(count[c]) for c in codes]


def _estimate(found: GroupProportion, interval: str, empty: str) -> Estimate:
    """An estimate of the kernel as the analysis reports it: percentages, ``empty`` as the
    note of a group in which nobody answered."""
    est = found.estimate
    if isinstance(est, DesignProportion):
        return Estimate(
            int(est.count),
            int(est.n),
            _pct(est.estimate),
            _pct(est.lower),
            _pct(est.upper),
            DESIGN_METHOD,
            se=None if est.se is None else 100 * float(est.se),
            deff=float(est.deff_replace) if np.isfinite(est.deff_replace) else None,
        )
    if est is None:
        return Estimate(0, 0, None, None, None, interval, note=empty)
    return Estimate(
        est.count, est.n, _pct(est.proportion), _pct(est.lower), _pct(est.upper), est.method
    )


def _group_test(
    values: np.ndarray, masks: list[np.ndarray], design, groups: np.ndarray
) -> GroupTest:
    """The kernel's test across groups (:func:`readiness.stats.by_group.group_test`)
    as the analysis reports it."""
    return _as_group_test(group_test(values, groups, masks, design))


def _as_group_test(test: GroupComparison) -> GroupTest:
    if test.test == "none":
        return GroupTest("none", None, None, float("nan"), test.n, note=f"no test: {test.reason}")
    if test.test == "rao-scott":
        rs = test.rao_scott
        if rs is None:
            return GroupTest("Rao-Scott F", None, None, float("nan"), test.n, note=test.note)
        return GroupTest(
            "Rao-Scott F", rs.statistic, rs.ndf, rs.p_value, rs.n, ddf=rs.ddf, note=test.note
        )
    chi, v = test.chi_square, test.cramers_v
    assert chi is not None
    if test.fisher is not None:
        fisher = test.fisher  # its method names a simulated p-value and its replicates
        return GroupTest(
            fisher.method, None, None, fisher.p_value, fisher.n, cramers_v=v, note=test.reason
        )
    return GroupTest(
        "Pearson chi-square", chi.statistic, chi.df, chi.p_value, int(chi.n), cramers_v=v
    )


def _published(indicator: Indicator) -> list[dict]:
    published = []
    for fig in indicator.published:
        entry: dict[str, Any] = {
            "percent": fig.percent,
            "count": fig.count,
            "denominator": fig.denominator,
            "source": fig.source,
        }
        if fig.where is not None:
            entry["where"] = fig.where.to_data()
        published.append(entry)
    return published


def _indicator(
    instrument: Instrument,
    indicator: Indicator,
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    settings: AnalysisSettings,
    design: SurveyDesign | CalibratedDesign | None,
    groups: NumberedGroups,
    labels: list[str],
) -> IndicatorResult:
    values = indicator_values(instrument, indicator, frame, scores)
    res = proportion_by_group(
        values,
        groups,
        design,
        levels=labels,
        method=settings.interval,
        conf_level=settings.conf_level,
    )
    interval = settings.interval if design is None else DESIGN_METHOD
    empty = "no respondents answered in this group"
    overall_empty = empty if design is None else "nobody answered"
    by_group = {
        label: _estimate(g, interval, empty) for label, g in zip(labels, res.groups, strict=True)
    }
    return IndicatorResult(
        indicator.id,
        indicator.label,
        _estimate(res.overall, interval, overall_empty),
        by_group,
        None if res.test is None else _as_group_test(res.test),
        _published(indicator),
    )


def _describe_numbers(x: np.ndarray) -> dict:
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return {
            "n": 0,
            "mean": None,
            "sd": None,
            "median": None,
            "q1": None,
            "q3": None,
            "min": None,
            "max": None,
        }
    q1, median, q3 = np.percentile(x, [25, 50, 75])
    return {
        "n": int(len(x)),
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)) if len(x) > 1 else None,
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _finite(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


UNWEIGHTED_KEYS = ("mean", "sd", "median", "q1", "q3")


def _design_numbers(
    x: np.ndarray,
    design: SurveyDesign | CalibratedDesign,
    settings: AnalysisSettings,
    domain: np.ndarray | DomainRows | None = None,
    total: bool = False,
    order: np.ndarray | None = None,
) -> dict:
    """A number's summary with a design: n, min and max of the respondents; design-based
    mean (SE, interval, design effect), SD, median (interval) and quartiles; the unweighted
    figures under ``unweighted``; with ``total``, the design-based total too.  ``order``:
    ``np.argsort(x, kind="stable")``, shared by the domains of one number; ``domain``: a
    mask, or the group's respondents with a value (:func:`domain_rows_by_group`)."""
    if isinstance(domain, DomainRows):
        plain = _describe_numbers(domain.of(x))
    else:
        plain = _describe_numbers(x if domain is None else x[domain])
    out: dict[str, Any] = dict(plain)
    out["unweighted"] = {k: plain[k] for k in UNWEIGHTED_KEYS}
    for key in ("se", "lower", "upper", "deff", "df", "median_lower", "median_upper"):
        out[key] = None
    if plain["n"] == 0:
        return out
    conf = settings.conf_level
    if isinstance(design, CalibratedDesign):
        return _weighted_numbers(x, design, conf, domain, total, out)
    try:
        m = design_mean(x, design, domain=domain, conf_level=conf)
    except StatsError as err:
        out["note"] = str(err)
        return out
    out.update(
        mean=m.estimate,
        sd=_finite(m.sd),
        se=_finite(m.se),
        lower=_finite(m.lower),
        upper=_finite(m.upper),
        deff=_finite(m.deff_replace),
        df=m.df,
    )
    quartiles = design_quantiles(x, design, (0.25, 0.5, 0.75), domain, conf, order)
    for key, q in zip(("q1", "median", "q3"), quartiles, strict=True):
        out[key] = q.estimate
        if key == "median":
            out["median_lower"], out["median_upper"] = _finite(q.lower), _finite(q.upper)
    if total:
        t = design_total(x, design, domain=domain, conf_level=conf)
        out["total"] = {
            "estimate": t.estimate,
            "se": _finite(t.se),
            "lower": _finite(t.lower),
            "upper": _finite(t.upper),
        }
    return out


def _weighted_numbers(
    x: np.ndarray, design: CalibratedDesign, conf: float, domain, total: bool, out: dict
) -> dict:
    """:func:`_design_numbers` on a design weighted to staff counts (analysis.weighting)."""
    from readiness.analysis.weighting import weighted_mean, weighted_quantile, weighted_total

    try:
        m = weighted_mean(x, design, domain, conf)
    except StatsError as err:
        out["note"] = str(err)
        return out
    out.update(
        mean=m["mean"],
        sd=_finite(m["sd"]),
        se=_finite(m["se"]),
        lower=_finite(m["lower"]),
        upper=_finite(m["upper"]),
        deff=_finite(m["deff"]),
        df=m["df"],
    )
    for key, prob in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
        q = weighted_quantile(x, design, prob, domain, conf)
        out[key] = q["estimate"]
        if key == "median":
            out["median_lower"], out["median_upper"] = _finite(q["lower"]), _finite(q["upper"])
    if total:
        t = weighted_total(x, design, domain, conf)
        out["total"] = {k: _finite(v) for k, v in t.items()}
    return out


def _summaries(
    x: np.ndarray,
    design: SurveyDesign | CalibratedDesign | None,
    settings: AnalysisSettings,
    labels: list[str],
    masks: list[np.ndarray],
    total: bool = False,
) -> tuple[dict, dict[str, dict]]:
    """Overall and by-group summaries of a number: plain, or design-based with a design."""
    if design is None:
        return _describe_numbers(x), {
            label: _describe_numbers(x[mask]) for label, mask in zip(labels, masks, strict=True)
        }
    order = stable_order(x)  # one sort for every group's quartiles
    overall = _design_numbers(x, design, settings, total=total, order=order)
    domains: list = list(masks)
    if isinstance(design, SurveyDesign):
        try:  # every group's respondents found together, not in passes over all per group
            domains = domain_rows_by_group(x, design, masks, order) or domains
        except StatsError:
            pass  # (infinite values) each estimate says so, as before
    by_group = {
        label: _design_numbers(x, design, settings, domain=domain, total=total, order=order)
        for label, domain in zip(labels, domains, strict=True)
    }
    return overall, by_group


def _numbers(
    instrument: Instrument,
    frame: pd.DataFrame,
    design: SurveyDesign | CalibratedDesign | None,
    settings: AnalysisSettings,
    labels: list[str],
    masks: list[np.ndarray],
) -> list[NumberSummary]:
    out = []
    for item in instrument.items:
        if item.type != "number" or item.id not in frame:
            continue
        x = pd.to_numeric(frame[item.id], errors="coerce").to_numpy(dtype=float)
        overall, by_group = _summaries(
            x, design, settings, labels, masks, total=design is not None and design.weighted
        )
        out.append(NumberSummary(item.id, item.text, overall, by_group))
    return out


def _scale(
    instrument: Instrument,
    scale_id: str,
    items_matrix: np.ndarray,
    scores: pd.DataFrame,
    settings: AnalysisSettings,
    labels: list[str],
    masks: list[np.ndarray],
    warnings: list[str],
    design: SurveyDesign | CalibratedDesign | None = None,
) -> ScaleSummary:
    scale = instrument.scale(scale_id)
    score = scores[scale_id].to_numpy(dtype=float)
    overall, by_group = _summaries(score, design, settings, labels, masks)
    items: list[dict] = []
    omega = None
    try:  # the items read and checked once, for alpha and omega both
        matrix: Any = prepare_items(items_matrix, settings.missing, names=scale.items)
    except StatsError:  # each statistic then says what is wrong in its own words
        matrix = pd.DataFrame(items_matrix, columns=list(scale.items))
    try:
        alpha = cronbach_alpha(matrix, missing=settings.missing, conf_level=settings.conf_level)
        reliability = ScaleReliability(alpha, alpha.n)
        for item in alpha.items:
            dropped = item.alpha_if_dropped
            items.append(
                {
                    "item": item.item,
                    "reversed": item.item in scale.reverse,
                    "n": item.n,
                    "mean": item.mean,
                    "sd": item.sd,
                    "r_drop": item.r_drop,
                    "r_cor": item.r_cor,
                    "alpha_if_dropped": None if dropped is None else dropped.raw_alpha,
                }
            )
    except StatsError as err:
        answered = int((~np.isnan(items_matrix)).any(axis=1).sum())
        reliability = ScaleReliability(None, answered, note=str(err))
        warnings.append(f"reliability of {scale_id}: {err}")
    try:
        omega = omega_total(matrix, missing=settings.missing).omega_tot
    except StatsError as err:
        warnings.append(f"omega of {scale_id}: {err}")
    return ScaleSummary(
        scale.id,
        scale.label,
        scale.scoring,
        overall["n"],
        overall["mean"],
        overall["sd"],
        overall["median"],
        by_group,
        reliability,
        omega,
        items,
        design=None if design is None else overall,
    )


def above_attendance_warning(session: str, responded: int, attended: int) -> str:
    """The warning for a session with more responses than staff attending it."""
    rate = f" ({100 * responded / attended:.1f}%)" if attended else ""
    return (
        f"response rate above 100%: session '{session}' has {responded} responses but "
        f"{attended} attending{rate}, so more responses than staff attending were recorded; its "
        "rate has no interval. Fix: check the session's attending count, and whether any "
        "responses were entered twice or under the wrong session."
    )


def _response_rate(
    frame: pd.DataFrame, sessions: pd.DataFrame | None, conf_level: float, warnings: list[str]
) -> ResponseRate | None:
    """Response rates overall, by site and by session (responses of attending, Wilson
    intervals).  A rate above 100% (more responses than attending, which the sessions'
    attendance or the responses' sessions has wrong) is given as such, without an interval,
    and a warning names the session."""
    if sessions is None:
        return None
    needed = {"session", "attended"}
    missing = needed - set(sessions.columns)
    if missing:
        raise ReadinessError(
            f"the sessions file has no column {', '.join(sorted(missing))}. Fix: give one row per "
            "session with columns site, session and attended (the number of staff attending)."
        )
    if "session" not in frame:
        raise ReadinessError(
            "the responses have no 'session' column, so they cannot be matched to sessions. Fix: add the session of each response."
        )
    counts = frame["session"].value_counts()
    table = sessions.copy()
    table["responded"] = table["session"].map(counts).fillna(0).astype(int)
    unknown = sorted(set(counts.index) - set(table["session"]))
    if unknown:
        raise ReadinessError(
            f"{len(unknown)} session(s) in the responses are not in the sessions file: "
            f"{', '.join(map(str, unknown[:5]))}. Fix: add them to the sessions file with their attendance."
        )
    for row in table[table["responded"] > table["attended"]].itertuples():
        warnings.append(above_attendance_warning(str(row.session), row.responded, row.attended))

    def rate(responded: int, attended: int) -> Rate:
        if attended == 0 or responded > attended:
            # Above 100% (more responses than attending): a percentage, but no interval.
            return Rate(
                responded, attended, _pct(responded / attended) if attended else None, None, None
            )
        ci = wilson_interval(responded, attended, conf_level)
        return Rate(responded, attended, _pct(ci.proportion), _pct(ci.lower), _pct(ci.upper))

    by_site = None
    if "site" in table:
        sums = table.groupby("site", sort=True)[["responded", "attended"]].sum()
        by_site = {
            str(site): rate(int(r.responded), int(r.attended)) for site, r in sums.iterrows()
        }
    by_session = {
        str(r.session): SessionRate(
            **_fields(rate(int(r.responded), int(r.attended))),
            site=str(r.site) if "site" in table else None,
            date=str(r.date) if "date" in table else None,
        )
        for r in table.itertuples()
    }
    overall = rate(int(table["responded"].sum()), int(table["attended"].sum()))
    return ResponseRate(overall, "Wilson score interval", conf_level, by_site, by_session)


def _characteristics(
    instrument: Instrument, frame: pd.DataFrame, plan: AnalysisPlan
) -> dict[str, Characteristic | dict[str, Any]]:
    """Each declared characteristic's answers; a number's summary (years since qualifying)."""
    out: dict[str, Characteristic | dict[str, Any]] = {}
    for item_id in plan.characteristics:
        if item_id not in frame:
            continue
        if instrument.item(item_id).type == "number":
            out[item_id] = _describe_numbers(
                pd.to_numeric(frame[item_id], errors="coerce").to_numpy(dtype=float)
            )
            continue
        column = frame[item_id]
        found = _text_counts(instrument, column, item_id)
        if found is None:
            values, codes, labels = _group_codes(instrument, frame, item_id)
            counts = _code_counts(values, codes)
        else:
            labels, counts = found
        answered = int(column.notna().sum())
        out[item_id] = Characteristic(
            answered,
            int(len(column) - answered),
            {
                label: CategoryCount(count, _pct(np.int64(count) / answered) if answered else None)
                for label, count in zip(labels, counts, strict=True)
            },
        )
    return out


def _correlations(
    scores: pd.DataFrame, scales: list[ScaleSummary], settings: AnalysisSettings
) -> ScaleCorrelations | None:
    if scores.shape[1] < 2:
        return None
    try:
        matrix = correlation_matrix(
            scores, method="pearson", missing="pairwise", conf_level=settings.conf_level
        )
    except StatsError as err:
        return ScaleCorrelations((), note=str(err))
    alphas = {s.id: s.reliability.raw_alpha for s in scales}
    pairs = []
    columns = list(matrix.columns)
    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            a, b = columns[i], columns[j]
            r = float(matrix.r[i, j])
            alpha_a, alpha_b = alphas.get(a), alphas.get(b)
            corrected = None
            if alpha_a and alpha_b and alpha_a > 0 and alpha_b > 0:
                corrected = disattenuated_r(r, alpha_a, alpha_b).r_corrected
            pairs.append(
                ScaleCorrelation(
                    a,
                    b,
                    r,
                    int(matrix.n_pairs[i, j]),
                    float(matrix.lower[i, j]),
                    float(matrix.upper[i, j]),
                    float(matrix.p_value[i, j]),
                    corrected,
                )
            )
    return ScaleCorrelations(
        tuple(pairs),
        "Pearson, pairwise complete scale scores, Fisher-z intervals; disattenuated by raw alpha",
    )


def _regression(
    instrument: Instrument,
    frame: pd.DataFrame,
    design: SurveyDesign | CalibratedDesign | None,
    settings: AnalysisSettings,
    warnings: list[str],
    plan: RegressionPlan | None,
) -> ContactRegression | RegressionNotFitted | None:
    if plan is None:
        return None
    needed = [plan.outcome, *(p.item for p in plan.predictors)]
    if not settings.regression or any(c not in frame for c in needed):
        return None
    from readiness.analysis.regression import contact_regression
    from readiness.stats.glm import fit_regression

    try:
        # svyglm on the design as given: every stage with an fpc, and the weighting to staff
        # counts (standard errors from its residuals)
        return contact_regression(
            instrument, frame, design, settings.conf_level, fit_regression, plan
        )
    except StatsError as err:
        what = "contact" if plan.outcome == "contact_ever" else plan.outcome
        warnings.append(f"regression of {what}: {err}")
        return RegressionNotFitted(str(err))


def build_design(frame: pd.DataFrame, settings: AnalysisSettings) -> SurveyDesign | None:
    """The survey design the settings name, from the responses, or None.

    --cluster and --fpc may name one column per stage, separated by spaces.  Without clusters
    but with an fpc, or with weighting to staff counts (``rake``, ``poststratify``: the design
    is weighted afterwards by :func:`analyse`), respondents are the sampling units (R's
    ``ids = ~1``).  The design columns are checked by
    :func:`readiness.responses.design.survey_design`, with the messages of a response file's
    validation.
    """
    stages, fpc = settings.cluster_columns, settings.fpc_columns
    if not stages and not fpc and not settings.weighting:
        if settings.strata or settings.weights:
            raise ReadinessError(
                "strata and weights need a cluster column. Fix: add --cluster (for example "
                "--cluster site), or --fpc when respondents were sampled one by one."
            )
        return None
    if settings.lonely_psu not in LONELY_PSU:
        raise ReadinessError(
            f"unknown lonely_psu {settings.lonely_psu!r}. Fix: use one of {', '.join(LONELY_PSU)}."
        )
    roles = design_columns(settings.cluster, settings.strata, settings.weights, settings.fpc)
    try:
        return survey_design(frame, roles, lonely_psu=settings.lonely_psu)
    except ProblemsError as err:
        # the analysis names one problem, the first, in its error (as its JSON has it)
        more = len(err.problems) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''} like it)" if more else ""
        raise ReadinessError(f"{err.problems[0]}{extra}") from err


def _groups(
    instrument: Instrument, frame: pd.DataFrame, group_by: str
) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """The groups' labels in order, a mask of each, and each respondent's group label (None
    when it has none)."""
    groups, codes, labels = _group_codes(instrument, frame, group_by)
    masks = _masks(groups, codes)
    group_values = np.full(len(frame), None, dtype=object)
    for label, mask in zip(labels, masks, strict=True):
        group_values[mask] = label
    return labels, masks, group_values


def _numbered_groups(
    labels: list[str], masks: list[np.ndarray], group_values: np.ndarray
) -> NumberedGroups:
    """:func:`number_groups` of ``group_values`` (as :func:`_groups` gives them), from the
    masks: each respondent's group is already known, so the labels, not every respondent's
    label, are sorted and numbered (a hash of a national study's every label otherwise)."""
    group = np.full(len(group_values), -1, dtype=np.intp)
    for g, mask in enumerate(masks):
        group[mask] = g  # a later mask wins, as in _groups
    used = np.flatnonzero(np.bincount(group[group >= 0], minlength=len(labels)))
    levels = sorted({labels[g] for g in used})
    place = {label: i for i, label in enumerate(levels)}
    table = np.array([place.get(label, -1) for label in labels] + [-1], dtype=np.intp)
    return NumberedGroups(group_values, table[group], np.asarray(levels, dtype=object))


def _synthetic(frame: pd.DataFrame) -> bool:
    """Whether any response is marked synthetic (demonstration data)."""
    return bool(
        "synthetic" in frame
        and pd.to_numeric(frame["synthetic"], errors="coerce").fillna(0).astype(bool).any()
    )


def _check_settings(settings: AnalysisSettings) -> None:
    if settings.interval.replace("_", "-") not in METHODS:
        raise ReadinessError(
            f"unknown interval {settings.interval!r}. Fix: use one of {', '.join(METHODS)}."
        )
    if settings.missing not in ("pairwise", "listwise"):
        raise ReadinessError(
            f"unknown missing-data policy {settings.missing!r}. Fix: use pairwise or listwise."
        )


def _design(
    frame: pd.DataFrame,
    instrument: Instrument,
    settings: AnalysisSettings,
    data_name: str | None,
    warnings: list[str],
    conventions: dict[str, str],
) -> tuple[SurveyDesign | CalibratedDesign | None, dict | None]:
    """The design, weighted to staff counts when the settings say so (with the weighting's
    record; its warnings and its sentence go into ``warnings`` and ``conventions``)."""
    design = build_design(frame, settings)
    if not settings.weighting or design is None:  # weighting always has a design
        return design, None
    from readiness.analysis.weighting import weight_design, weighting_sentence

    how, path = settings.weighting
    weighted, weighting = weight_design(design, frame, instrument, path, how, data_name)
    warnings += [f"weighting to the staff counts: {w}" for w in weighting["warnings"]]
    conventions["staff_counts"] = weighting_sentence(weighting)
    return weighted, weighting


def _with_group_by(settings: AnalysisSettings, plan: AnalysisPlan) -> AnalysisSettings:
    """The settings with the instrument's grouping item when they name none."""
    if settings.group_by is not None:
        return settings
    if not plan.group_by:
        raise ReadinessError(
            "there is no item to break the figures down by: the instrument declares no "
            "analysis: group_by and has no single-choice item. Fix: add 'group_by: ITEM' to "
            "the instrument's analysis: block, or give --by ITEM."
        )
    return dataclasses.replace(settings, group_by=plan.group_by)


def analyse(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    sessions: pd.DataFrame | None = None,
    settings: AnalysisSettings | None = None,
    data_name: str | None = None,
) -> StudyResult:
    """Analyse a cohort's responses to ``instrument``; see the module docstring.

    ``data_name`` names the responses (their file) in errors about them, such as a
    respondent whose discipline is missing when weighting to staff counts by discipline."""
    plan = analysis_plan(instrument)
    settings = _with_group_by(settings or AnalysisSettings(), plan)
    _check_settings(settings)
    frame = responses.reset_index(drop=True)
    if len(frame) == 0:
        raise ReadinessError(
            "there are no responses to analyse. Fix: check the file holds data rows."
        )
    warnings: list[str] = []
    conventions = settings.describe()
    design, weighting = _design(frame, instrument, settings, data_name, warnings, conventions)
    response_rate = _response_rate(frame, sessions, settings.conf_level, warnings)
    labels, masks, group_values = _groups(instrument, frame, settings.group_by or "")
    numbered = _numbered_groups(labels, masks, group_values)  # once for every indicator
    # each scale's item scores worked out once, for its score and its reliability
    matrices = {s.id: scale_item_matrix(instrument, s.id, frame) for s in instrument.scales}
    scores = scale_scores(instrument, frame, matrices)
    indicators = [
        _indicator(instrument, ind, frame, scores, settings, design, numbered, labels)
        for ind in instrument.indicators
    ]
    scales = [
        _scale(
            instrument, s.id, matrices.pop(s.id), scores, settings, labels, masks, warnings, design
        )
        for s in instrument.scales
    ]
    warnings += [
        f"{result.id}: nobody answered (0 of {len(frame)} respondents), so it has no "
        "estimate and no test. Fix: check the item's column holds the answers."
        for result in indicators
        if result.overall.n == 0
    ]
    items = item_distributions(instrument, frame, labels, masks)
    # each closed item's counts and number shown, counted once for the question summaries too
    known = {d.id: (d.codes, d.counts, d.shown) for d in items}
    correlations = _correlations(scores, scales, settings)
    if correlations is not None and correlations.note:
        warnings.append(f"correlations between scale scores: {correlations.note}")
    return StudyResult(
        instrument={"id": instrument.id, "version": instrument.version, "title": instrument.title},
        settings=settings,
        conventions=conventions,
        n=len(frame),
        synthetic=_synthetic(frame),
        group_by=settings.group_by or "",
        groups=labels,
        response_rate=response_rate,
        characteristics=_characteristics(instrument, frame, plan),
        indicators=indicators,
        scales=scales,
        correlations=correlations,
        regression=_regression(instrument, frame, design, settings, warnings, plan.regression),
        warnings=warnings,
        items=items,
        numbers=_numbers(instrument, frame, design, settings, labels, masks),
        weighting=weighting,
        item_summaries=summarise_items(
            instrument, frame, settings.interval, settings.conf_level, known=known
        ),
    )


def result_to_json(result: StudyResult) -> dict:
    return jsonable(result)
