"""The typed, frozen results of a training evaluation (:func:`readiness.evaluation.evaluate`).

Every figure carries the ``n`` it rests on.  Proportions are 0 to 1 in the statistics kernels'
results (:mod:`readiness.stats.paired`) and percentages (0 to 100) in :class:`Share`.

Small cells: each row lists in ``hidden`` the names of its fields that must not leave the
analyst's screen under the suppression rule (:mod:`readiness.report.suppression`: a count of 1
to ``min_cell - 1`` people, or a figure from which one can be worked out).  The analyst sees
everything (``to_dict()``); a report, an export or a dashboard uses ``to_dict(safe=True)``, in
which each hidden field is replaced by ``"[c]"``, or reads ``hidden`` itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from readiness.report.suppression import SYMBOL
from readiness.stats.paired import Friedman, McNemar, PairedT, WilcoxonSignedRank
from readiness.stats.result import Result, jsonable

WAVES = ("pre", "post", "follow_up")


def safe_jsonable(value, hide: frozenset[str] = frozenset()):
    """Like :func:`readiness.stats.result.jsonable`, with every field named in a dataclass's
    ``hidden`` replaced by ``"[c]"``.  A name may reach into a nested result with dots
    (``"mcnemar.b"``, ``"mcnemar.difference.lower"``); a plain name hides the field whole."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = set(hide) | set(getattr(value, "hidden", ()) or ())
        out = {}
        for f in dataclasses.fields(value):
            if f.name in names:
                out[f.name] = SYMBOL
                continue
            prefix = f.name + "."
            inner = frozenset(n[len(prefix) :] for n in names if n.startswith(prefix))
            out[f.name] = safe_jsonable(getattr(value, f.name), inner)
        return out
    if isinstance(value, dict):
        return {str(k): safe_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_jsonable(v) for v in value]
    return jsonable(value)


def is_hidden(result, name: str) -> bool:
    """Whether ``name`` (a field, or a dotted path into a nested result) is hidden in
    ``result``: named itself, or inside a hidden field."""
    hidden = set(getattr(result, "hidden", ()) or ())
    parts = name.split(".")
    return any(".".join(parts[: i + 1]) in hidden for i in range(len(parts)))


class SafeResult(Result):
    """A result that can be written with its small cells suppressed."""

    def to_dict(self, safe: bool = False) -> dict:
        """Plain JSON types; with ``safe``, hidden fields are ``"[c]"``."""
        return safe_jsonable(self) if safe else jsonable(self)


@dataclass(frozen=True)
class Share(SafeResult):
    """``count`` of ``n`` as a percentage with its Wilson interval (percentages)."""

    count: int
    n: int
    percent: float | None  # None when n = 0
    lower: float | None
    upper: float | None
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkageFlow(SafeResult):
    """How many answered each wave and how many were linked (the unit is the respondent)."""

    pre: int  # responses at the pre wave
    post: int
    follow_up: int | None  # None when there is no follow-up wave
    matched: int  # pre-post pairs (the primary analysis)
    pre_only: int  # pre responses with no post
    post_only: int  # post responses with no pre
    follow_up_matched: int | None  # follow-up responses linked to a post response
    complete: int | None  # people with all three waves
    unlinkable: dict[str, int]  # responses with no link id, by wave
    n: int  # = matched
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupCount(SafeResult):
    """People in one group (a discipline, a site)."""

    code: str
    label: str
    count: int
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coverage(SafeResult):
    """Who took part: people with a pre or a post response, by discipline and by site."""

    n: int  # people trained (distinct link ids at pre or post, plus unlinkable responses)
    group_by: str
    by_group: tuple[GroupCount, ...]  # the instrument's categories, then "Not answered"
    by_site: tuple[GroupCount, ...]
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScaleBalance(SafeResult):
    """Matched against unmatched pre respondents on one baseline score."""

    id: str
    label: str
    n_matched: int
    mean_matched: float | None
    sd_matched: float | None
    n_unmatched: int
    mean_unmatched: float | None
    sd_unmatched: float | None
    smd: float | None  # (mean_m - mean_u) / sqrt((sd_m^2 + sd_u^2) / 2)
    n: int
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoryBalance(SafeResult):
    """One category (for example a discipline) among matched and unmatched pre respondents."""

    code: str
    label: str
    matched: Share
    unmatched: Share
    difference: float | None  # proportion matched - proportion unmatched (0 to 1 scale)
    lower: float | None  # Newcombe hybrid score interval (from Wilson intervals)
    upper: float | None
    n: int
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attrition(SafeResult):
    """Whether the pre respondents who were linked differ from those who were not."""

    n_matched: int
    n_unmatched: int
    n: int
    scales: tuple[ScaleBalance, ...]
    group_by: str
    categories: tuple[CategoryBalance, ...]
    differs: bool  # some |SMD| >= 0.2, or some category interval excludes 0
    summary: str  # one plain sentence
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class BinaryChange(SafeResult):
    """A 0/1 outcome (a knowledge item correct, an indicator) before and after, paired.

    ``before`` and ``after`` are the shares among the complete pairs (n = ``mcnemar.n``);
    ``mcnemar`` holds b (0 -> 1), c (1 -> 0), the exact p-value, the conditional odds ratio with
    its exact interval and Newcombe's interval of the paired difference.
    """

    id: str
    label: str
    kind: str  # "item" or "indicator"
    waves: tuple[str, str]  # ("pre", "post") or ("post", "follow_up")
    n: int  # complete pairs
    before: Share
    after: Share
    mcnemar: McNemar
    holm_p: float | None  # exact p-value, Holm-adjusted across the knowledge items
    dont_know_to_correct: int | None  # of b: "don't know" before (knowledge items only)
    wrong_to_correct: int | None  # of b: the wrong answer before
    p_band: str  # the exact p-value in bands ("<0.001", "<0.01", "<0.05", "≥0.05"), never hidden
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class WaveSummary(SafeResult):
    """A score at one wave, among the people analysed."""

    n: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None  # quantile type 7 (R's default)
    q3: float | None
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScaleChange(SafeResult):
    """A score (the knowledge score or a scale) before and after, paired."""

    id: str
    label: str
    waves: tuple[str, str]
    n: int  # complete pairs
    before: WaveSummary
    after: WaveSummary
    median_difference: float | None
    wilcoxon: WilcoxonSignedRank  # V, p (normal approximation, continuity-corrected), zeros, r_rb
    t_test: PairedT  # mean change with its interval, t, p, d_z with its interval
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class PoorlyKnown(SafeResult):
    """A knowledge item still answered correctly by fewer than the threshold after training."""

    id: str
    text: str
    after: Share  # post-test % correct among the matched pairs
    explanation: str  # the fact the item rests on
    source: str  # the citation of that fact
    n: int
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class Retention(SafeResult):
    """Post to follow-up: what was retained and what decayed (the people with both waves)."""

    n: int  # post-follow-up pairs
    items: tuple[BinaryChange, ...]
    indicators: tuple[BinaryChange, ...]
    scales: tuple[ScaleChange, ...]
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairwiseWilcoxon(SafeResult):
    """One pair of waves within the complete cases, with Holm across the three pairs."""

    waves: tuple[str, str]
    n: int
    wilcoxon: WilcoxonSignedRank
    holm_p: float | None
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixedEffect(SafeResult):
    term: str  # "(Intercept)", "wavepost", "wavefollow_up" (lme4's names)
    estimate: float
    se: float
    t: float
    lower: float  # Wald interval, estimate +/- z se (confint(method = "Wald"))
    upper: float
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class MixedModel(SafeResult):
    """``lme4::lmer(score ~ wave + (1 | person), REML = TRUE)`` on every observation."""

    formula: str
    n: int  # observations
    n_people: int
    fixed: tuple[FixedEffect, ...]
    person_variance: float
    residual_variance: float
    reml_criterion: float  # -2 REML log-likelihood (lme4's REMLcrit)
    lrt_chi_square: float  # ML refits of the model with and without wave (anova())
    lrt_df: int
    lrt_p_value: float
    singular: bool  # the person variance is estimated as 0
    method: str = "REML"
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThreeWaves(SafeResult):
    """A score at pre, post and follow-up: complete cases, and a mixed model on everyone."""

    id: str
    label: str
    n: int  # complete cases
    friedman: Friedman | None  # None when fewer than 2 complete cases
    pairwise: tuple[PairwiseWilcoxon, ...]
    mixed: MixedModel | None  # None when it cannot be fitted (says why in warnings)
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThenTest(SafeResult):
    """Self-rating change two ways: standard (post - pre) and retrospective (post - then)."""

    id: str
    label: str
    standard: ScaleChange
    retrospective: ScaleChange
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvaluationResult(SafeResult):
    """Everything ``readiness evaluate analyse`` reports, for one evaluation."""

    instrument: dict[str, str]  # id, version, title
    n: int  # matched pre-post pairs
    synthetic: bool  # some response is marked synthetic
    conf_level: float
    min_cell: int
    link_column: str
    flow: LinkageFlow
    coverage: Coverage
    attrition: Attrition | None  # None when every pre respondent was matched, or none was
    items: tuple[BinaryChange, ...]  # knowledge items, instrument order
    scales: tuple[ScaleChange, ...]  # every scale of the instrument (the knowledge score too)
    indicators: tuple[BinaryChange, ...]
    poorly_known: tuple[PoorlyKnown, ...]  # sorted, lowest post % correct first
    poorly_known_below: float  # the threshold, a proportion (0.8)
    retention: Retention | None
    three_waves: tuple[ThreeWaves, ...]
    then_test: tuple[ThenTest, ...]
    primary: tuple[str, ...]  # ids of the pre-specified primary outcomes present
    conventions: dict[str, str]
    warnings: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()


__all__ = [
    "WAVES",
    "Attrition",
    "BinaryChange",
    "CategoryBalance",
    "Coverage",
    "EvaluationResult",
    "FixedEffect",
    "GroupCount",
    "LinkageFlow",
    "MixedModel",
    "PairwiseWilcoxon",
    "PoorlyKnown",
    "Retention",
    "SafeResult",
    "ScaleBalance",
    "ScaleChange",
    "Share",
    "ThenTest",
    "ThreeWaves",
    "WaveSummary",
    "is_hidden",
    "safe_jsonable",
]
