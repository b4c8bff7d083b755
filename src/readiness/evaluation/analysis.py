"""The training evaluation: pre, post and follow-up waves of the same people, paired.

:func:`evaluate` takes the waves as data frames of stored codes (as
:func:`readiness.responses.read_responses` gives them, or :func:`readiness.evaluation.read_wave`
for a file with a link column), one row per response, and a column (``link_column``) holding
the linkage id: the same id in two waves means the same person.  How the ids were made (the
same anonymous draft on a device, or a self-generated code, :mod:`readiness.evaluation.linkage`)
is the collection's business; here they are only compared.

The primary analysis is the matched pre-post pairs (listwise for each outcome: a pair with the
outcome missing on either side is left out, and every figure carries its n).  The conventions
(:func:`conventions`) are returned with the results and printed with them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from readiness.errors import Problem, ProblemsError, StatsError
from readiness.evaluation.kernels import (
    friedman_table,
    holm_adjust,
    newcombe_difference,
    random_intercept_model,
    standardised_mean_difference,
)
from readiness.evaluation.results import (
    Attrition,
    BinaryChange,
    CategoryBalance,
    Coverage,
    EvaluationResult,
    FixedEffect,
    GroupCount,
    LinkageFlow,
    MixedModel,
    PairwiseWilcoxon,
    PoorlyKnown,
    Retention,
    ScaleBalance,
    ScaleChange,
    Share,
    ThenTest,
    ThreeWaves,
    WaveSummary,
)
from readiness.instrument.model import DONT_KNOW, Indicator, Instrument
from readiness.instrument.scoring import indicator_values, item_score, numeric_column, scale_score
from readiness.report import format as fmt
from readiness.report.suppression import is_small, suppress_counts
from readiness.stats.paired import McNemar, mcnemar, paired_t, wilcoxon_signed_rank
from readiness.stats.proportions import wilson_interval

DEFAULT_PRIMARY = (
    "actual_knowledge",
    "confidence",
    "lack_conf_referral_men",
    "lack_conf_referral_women",
    "lack_conf_referral_child",
    "k_police_danger",
)
POORLY_KNOWN_BELOW = 0.80
SMD_THRESHOLD = 0.2
NOT_ANSWERED = "Not answered"
WAVE_WORDS = {"pre": "pre-test", "post": "post-test", "follow_up": "follow-up", "then": "then-test"}


class EvaluationInputError(ProblemsError):
    """The waves given to :func:`evaluate` cannot be analysed as they are."""

    what = "evaluation data"


def conventions(conf_level: float, min_cell: int, poorly_known_below: float) -> dict[str, str]:
    """The choices the analysis makes, in words, as printed with the results."""
    level = fmt.level(conf_level)
    hidden = (
        f"counts of 1 to {min_cell - 1} people, and figures from which such a count could be "
        "worked out, are marked hidden and shown as [c] in reports, exports and dashboards"
        if min_cell > 1
        else "none (min_cell = 1)"
    )
    return {
        "unit": "the respondent: a pre and a post response with the same link id are one "
        "person's pair; the primary analysis uses matched pairs only",
        "missing data": "listwise for each outcome: a pair with the outcome missing on either "
        "side is left out, and each figure gives its n; nothing is imputed",
        "knowledge items": "'don't know' is scored as not correct; % correct is of the pairs "
        "who answered the item at both waves",
        "binary outcomes": "exact McNemar test (two-sided binomial test of b of b + c, "
        "binom.test); Holm's adjustment across the knowledge items as a secondary analysis "
        "(p.adjust 'holm'); primary outcomes are not adjusted",
        "paired proportions": "difference with Newcombe's hybrid score interval for paired "
        "data (Wilson intervals, continuity-corrected phi); conditional odds ratio b/c with the "
        "exact (Clopper-Pearson) interval",
        "scores": "Wilcoxon signed-rank test of after - before, normal approximation with "
        "continuity correction (exact = FALSE, correct = TRUE); zero differences dropped before "
        "ranking and counted; paired t-test with the t interval of the mean change",
        "effect sizes": "matched-pairs rank-biserial correlation over the non-zero differences, "
        "Fisher-z interval with N = complete pairs; Cohen's d_z = mean / sd of the differences "
        "with a noncentral-t interval",
        "intervals": f"{level}; proportions by the Wilson score interval",
        "three waves": "complete cases: Friedman test with Kendall's W, pairwise Wilcoxon tests "
        "with Holm across the three pairs; sensitivity analysis on every observation: linear "
        "mixed model score ~ wave + (1 | person) by REML (as lme4::lmer), likelihood-ratio "
        "test of wave by ML refits; a response without a link id is a person of its own; no "
        "session term",
        "attrition": "matched against unmatched pre-test respondents: standardised mean "
        "difference (average of the two variances) and differences in proportions with "
        f"Newcombe's interval; |SMD| >= {SMD_THRESHOLD} or an interval excluding 0 is reported "
        "as a difference",
        "poorly known": f"knowledge items with a post-test % correct below "
        f"{100 * poorly_known_below:g}% (matched pairs), lowest first",
        "suppression": hidden,
    }


# --- input ------------------------------------------------------------------------------------


def _link_ids(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The link ids as text, None where missing."""
    out = np.empty(len(frame), dtype=object)
    for i, value in enumerate(frame[column].tolist()):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[i] = None
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        out[i] = text or None
    return out


def _check_waves(waves: dict[str, pd.DataFrame], column: str) -> dict[str, np.ndarray]:
    problems: list[Problem] = []
    links: dict[str, np.ndarray] = {}
    for wave, frame in waves.items():
        if not isinstance(frame, pd.DataFrame):
            raise EvaluationInputError(
                [Problem(f"the {WAVE_WORDS[wave]} responses must be a data frame.")]
            )
        if column not in frame.columns:
            problems.append(
                Problem(
                    f"the {WAVE_WORDS[wave]} responses have no link column {column!r}.",
                    fix=f"add the column {column!r} holding each response's linkage id, or name "
                    "the column that holds it (--link).",
                    file=wave,
                    column=column,
                )
            )
            continue
        ids = _link_ids(frame, column)
        seen: dict[str, int] = {}
        for row, value in enumerate(ids, start=1):
            if value is None:
                continue
            if value in seen:
                problems.append(
                    Problem(
                        f"the link id {value!r} is used again (first on row {seen[value]}); "
                        "one person can have one response per wave.",
                        fix="keep one response per person in each wave, or clear the link id "
                        "of the response that does not belong to that person.",
                        file=wave,
                        row=row,
                        column=column,
                    )
                )
            else:
                seen[value] = row
        links[wave] = ids
    if problems:
        raise EvaluationInputError(problems)
    return links


# --- scoring ----------------------------------------------------------------------------------


@dataclass
class _Wave:
    name: str
    frame: pd.DataFrame
    links: np.ndarray
    index: dict[str, int]
    correct: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    scales: dict[str, np.ndarray]
    indicators: dict[str, np.ndarray]


def _score(
    name: str,
    frame: pd.DataFrame,
    links: np.ndarray,
    instrument: Instrument,
    items: Sequence[str],
    indicators: Sequence[Indicator],
) -> _Wave:
    correct = {i: item_score(instrument.item(i), frame) for i in items}
    codes = {i: numeric_column(frame, i) for i in items}
    scales = {s.id: scale_score(instrument, s.id, frame) for s in instrument.scales}
    table = pd.DataFrame(scales, index=frame.index)
    inds = {ind.id: indicator_values(instrument, ind, frame, table) for ind in indicators}
    index = {v: i for i, v in enumerate(links) if v is not None}
    return _Wave(name, frame, links, index, correct, codes, scales, inds)


def _pairs(x: _Wave, y: _Wave) -> tuple[np.ndarray, np.ndarray]:
    common = sorted(set(x.index) & set(y.index))
    return (
        np.fromiter((x.index[c] for c in common), dtype=np.int64, count=len(common)),
        np.fromiter((y.index[c] for c in common), dtype=np.int64, count=len(common)),
    )


def _outcome_indicators(instrument: Instrument) -> list[Indicator]:
    """Indicators of learning outcomes: on a scale, or on a Likert or true/false item."""
    out = []
    for ind in instrument.indicators:
        if ind.scale is not None:
            out.append(ind)
        elif ind.item is not None and instrument.item(ind.item).type in ("likert", "true_false"):
            out.append(ind)
    return out


def _present(item_id: str, frames: Sequence[pd.DataFrame]) -> bool:
    return all(item_id in f.columns for f in frames)


# --- figures and their suppression ------------------------------------------------------------


def _share(count: int, n: int, conf: float, min_cell: int) -> Share:
    if n == 0:
        return Share(0, 0, None, None, None)
    ci = wilson_interval(count, n, conf)
    hidden: tuple[str, ...] = ()
    if is_small(n, min_cell):
        hidden = ("count", "n", "percent", "lower", "upper")
    elif is_small(count, min_cell) or is_small(n - count, min_cell):
        hidden = ("count", "percent", "lower", "upper")
    return Share(count, n, 100 * count / n, 100 * ci.lower, 100 * ci.upper, hidden)


_ALL_BINARY = (
    "n",
    "before",
    "after",
    "mcnemar",
    "holm_p",
    "dont_know_to_correct",
    "wrong_to_correct",
)
_CELLS = (
    "mcnemar.a",
    "mcnemar.b",
    "mcnemar.c",
    "mcnemar.d",
    "mcnemar.odds_ratio",
    "mcnemar.or_lower",
    "mcnemar.or_upper",
    "mcnemar.chi_square",
    "mcnemar.p_value",
    "mcnemar.chi_square_corrected",
    "mcnemar.p_value_corrected",
    "mcnemar.exact_p_value",
    "mcnemar.difference.lower",
    "mcnemar.difference.upper",
    "mcnemar.difference.phi",
    "holm_p",
    "dont_know_to_correct",
    "wrong_to_correct",
)
_MARGINS = (
    "mcnemar.p_before",
    "mcnemar.p_after",
    "mcnemar.difference.difference",
    "mcnemar.difference.p_before",
    "mcnemar.difference.p_after",
    "mcnemar.difference.lower",
    "mcnemar.difference.upper",
)


def _binary_hidden(m: McNemar, before: Share, after: Share, split: tuple, min_cell: int):
    """What to hide of a paired 2 x 2 table (see the module notes of results.py).

    A small n hides everything.  A small cell (a, b, c or d) hides the four cells and what could
    solve for them (the odds ratio, the test statistics and exact p-values, which the p band
    replaces, and the interval of the difference).  A hidden margin hides the difference too.
    """
    if is_small(m.n, min_cell):
        return _ALL_BINARY
    hidden: list[str] = []
    cells = (m.a, m.b, m.c, m.d) + tuple(v for v in split if v is not None)
    if any(is_small(v, min_cell) for v in cells):
        hidden += _CELLS
    if before.hidden or after.hidden:
        hidden += [h for h in _MARGINS if h not in hidden]
    return tuple(hidden)


def _binary_change(
    ident: str,
    label: str,
    kind: str,
    waves: tuple[str, str],
    before: np.ndarray,
    after: np.ndarray,
    conf: float,
    min_cell: int,
    codes_before: np.ndarray | None = None,
) -> BinaryChange | None:
    ok = ~(np.isnan(before) | np.isnan(after))
    if not ok.any():
        return None
    m = mcnemar(before=before[ok], after=after[ok], conf_level=conf)
    split: tuple[int | None, int | None] = (None, None)
    if codes_before is not None:
        improved = (before[ok] == 0) & (after[ok] == 1)
        dk = codes_before[ok] == DONT_KNOW
        split = (int((improved & dk).sum()), int((improved & ~dk).sum()))
    b_share = _share(m.a + m.c, m.n, conf, min_cell)
    a_share = _share(m.a + m.b, m.n, conf, min_cell)
    return BinaryChange(
        id=ident,
        label=label,
        kind=kind,
        waves=waves,
        n=m.n,
        before=b_share,
        after=a_share,
        mcnemar=m,
        holm_p=None,
        dont_know_to_correct=split[0],
        wrong_to_correct=split[1],
        p_band=fmt.p_coarse(m.exact_p_value),
        hidden=_binary_hidden(m, b_share, a_share, split, min_cell),
    )


def _summary(x: np.ndarray, min_cell: int) -> WaveSummary:
    n = len(x)
    if n == 0:
        return WaveSummary(0, None, None, None, None, None)
    q1, med, q3 = (float(v) for v in np.quantile(x, [0.25, 0.5, 0.75]))
    sd = float(np.std(x, ddof=1)) if n > 1 else None
    hidden = ("n", "mean", "sd", "median", "q1", "q3") if is_small(n, min_cell) else ()
    return WaveSummary(n, float(np.mean(x)), sd, med, q1, q3, hidden)


def _scale_change(
    ident: str,
    label: str,
    waves: tuple[str, str],
    before: np.ndarray,
    after: np.ndarray,
    conf: float,
    min_cell: int,
) -> ScaleChange | None:
    ok = ~(np.isnan(before) | np.isnan(after))
    b, a = before[ok], after[ok]
    n = len(b)
    if n < 2:
        return None
    w = wilcoxon_signed_rank(b, a, exact=False, correct=True, conf_level=conf)
    t = paired_t(b, a, conf_level=conf)
    if is_small(n, min_cell):
        hidden: tuple[str, ...] = (
            "n",
            "before",
            "after",
            "median_difference",
            "wilcoxon",
            "t_test",
        )
    else:
        hidden_list = []
        for name in ("n_zero", "n_positive", "n_negative"):
            if is_small(getattr(w, name), min_cell):
                hidden_list.append(f"wilcoxon.{name}")
        if is_small(w.n_zero, min_cell) or is_small(w.n_nonzero, min_cell):
            hidden_list += ["wilcoxon.n_zero", "wilcoxon.n_nonzero"]
        hidden = tuple(dict.fromkeys(hidden_list))
    return ScaleChange(
        id=ident,
        label=label,
        waves=waves,
        n=n,
        before=_summary(b, min_cell),
        after=_summary(a, min_cell),
        median_difference=float(np.median(a - b)),
        wilcoxon=w,
        t_test=t,
        hidden=hidden,
    )


# --- parts of the result ----------------------------------------------------------------------


def _flow(waves: dict[str, _Wave], pq: int, qf: int | None, complete: int | None, min_cell: int):
    pre, post = waves["pre"], waves["post"]
    fu = waves.get("follow_up")
    n_pre, n_post = len(pre.links), len(post.links)
    hidden: list[str] = []
    if is_small(pq, min_cell):
        hidden.append("matched")
    if is_small(n_pre - pq, min_cell):
        hidden += ["pre_only", "pre"]
    if is_small(n_post - pq, min_cell):
        hidden += ["post_only", "post"]
    if is_small(n_pre, min_cell):
        hidden.append("pre")
    if is_small(n_post, min_cell):
        hidden.append("post")
    if fu is not None and qf is not None:
        n_fu = len(fu.links)
        if is_small(qf, min_cell):
            hidden.append("follow_up_matched")
        if is_small(n_fu - qf, min_cell) or is_small(n_fu, min_cell):
            hidden.append("follow_up")
        if is_small(complete, min_cell):
            hidden.append("complete")
    unlinkable = {name: int(sum(v is None for v in w.links)) for name, w in waves.items()}
    if any(is_small(v, min_cell) for v in unlinkable.values()):
        hidden.append("unlinkable")
    return LinkageFlow(
        pre=n_pre,
        post=n_post,
        follow_up=None if fu is None else len(fu.links),
        matched=pq,
        pre_only=n_pre - pq,
        post_only=n_post - pq,
        follow_up_matched=qf,
        complete=complete,
        unlinkable=unlinkable,
        n=pq,
        hidden=tuple(dict.fromkeys(hidden)),
    )


def _code_key(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _categories(instrument: Instrument, group_by: str) -> list[tuple[str, str]]:
    try:
        item = instrument.item(group_by)
    except KeyError:
        return []
    return [(_code_key(c.code) or "", c.label) for c in item.choices]


def _counts(
    keys: list[str | None], categories: list[tuple[str, str]], min_cell: int
) -> tuple[GroupCount, ...]:
    counts = [sum(k == code for k in keys) for code, _ in categories]
    missing = sum(k is None for k in keys)
    counts.append(missing)
    labels = [label for _, label in categories] + [NOT_ANSWERED]
    codes = [code for code, _ in categories] + [""]
    hide = suppress_counts(counts, min_cell=min_cell).cells
    return tuple(
        GroupCount(code, label, count, ("count",) if h else ())
        for code, label, count, h in zip(codes, labels, counts, hide, strict=True)
        if not (label == NOT_ANSWERED and count == 0)
    )


def _coverage(waves: dict[str, _Wave], instrument: Instrument, group_by: str, min_cell: int):
    rows = []
    for name in ("pre", "post"):
        w = waves[name]
        group = (
            [_code_key(v) for v in w.frame[group_by].tolist()]
            if group_by in w.frame
            else [None] * len(w.links)
        )
        site = (
            [_code_key(v) for v in w.frame["site"].tolist()]
            if "site" in w.frame
            else [None] * len(w.links)
        )
        for i, link in enumerate(w.links):
            person = link if link is not None else f"{name}-row-{i}"
            rows.append((person, group[i], site[i]))
    people = pd.DataFrame(rows, columns=["person", "group", "site"])
    first = people.groupby("person", sort=False).first()
    groups = [None if pd.isna(v) else v for v in first["group"].tolist()]
    sites = [None if pd.isna(v) else v for v in first["site"].tolist()]
    site_names = sorted({s for s in sites if s is not None})
    n = len(first)
    by_site = _counts(sites, [(s, s) for s in site_names], min_cell) if site_names else ()
    return Coverage(
        n=n,
        group_by=group_by,
        by_group=_counts(groups, _categories(instrument, group_by), min_cell),
        by_site=by_site,
        hidden=("n",) if is_small(n, min_cell) else (),
    )


def _attrition(
    pre: _Wave,
    matched_rows: np.ndarray,
    instrument: Instrument,
    group_by: str,
    conf: float,
    min_cell: int,
) -> Attrition | None:
    matched = np.zeros(len(pre.links), dtype=bool)
    matched[matched_rows] = True
    n_m, n_u = int(matched.sum()), int((~matched).sum())
    if n_m == 0 or n_u == 0:
        return None
    small_u, small_m = is_small(n_u, min_cell), is_small(n_m, min_cell)
    scales = []
    for scale in instrument.scales:
        x = pre.scales[scale.id]
        a, b = x[matched], x[~matched]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        hidden = []
        if is_small(len(a), min_cell) or small_m:
            hidden += ["n_matched", "mean_matched", "sd_matched", "smd"]
        if is_small(len(b), min_cell) or small_u:
            hidden += ["n_unmatched", "mean_unmatched", "sd_unmatched", "smd"]
        scales.append(
            ScaleBalance(
                id=scale.id,
                label=scale.label,
                n_matched=len(a),
                mean_matched=float(np.mean(a)) if len(a) else None,
                sd_matched=float(np.std(a, ddof=1)) if len(a) > 1 else None,
                n_unmatched=len(b),
                mean_unmatched=float(np.mean(b)) if len(b) else None,
                sd_unmatched=float(np.std(b, ddof=1)) if len(b) > 1 else None,
                smd=standardised_mean_difference(a, b),
                n=len(a) + len(b),
                hidden=tuple(dict.fromkeys(hidden)),
            )
        )
    categories = []
    if group_by in pre.frame:
        keys = np.array([_code_key(v) for v in pre.frame[group_by].tolist()], dtype=object)
        cats = _categories(instrument, group_by)
        km, ku = keys[matched], keys[~matched]
        km, ku = km[km != None], ku[ku != None]  # noqa: E711 (elementwise)
        counts_m = [int((km == code).sum()) for code, _ in cats]
        counts_u = [int((ku == code).sum()) for code, _ in cats]
        hide_m = suppress_counts(counts_m, min_cell=min_cell).cells if cats else ()
        hide_u = suppress_counts(counts_u, min_cell=min_cell).cells if cats else ()
        for j, (code, label) in enumerate(cats):
            sm = _share(counts_m[j], len(km), conf, min_cell)
            su = _share(counts_u[j], len(ku), conf, min_cell)
            if hide_m[j] and not sm.hidden:
                sm = Share(
                    sm.count,
                    sm.n,
                    sm.percent,
                    sm.lower,
                    sm.upper,
                    ("count", "percent", "lower", "upper"),
                )
            if hide_u[j] and not su.hidden:
                su = Share(
                    su.count,
                    su.n,
                    su.percent,
                    su.lower,
                    su.upper,
                    ("count", "percent", "lower", "upper"),
                )
            d = newcombe_difference(counts_m[j], len(km), counts_u[j], len(ku), conf)
            withheld = ("difference", "lower", "upper") if sm.hidden or su.hidden else ()
            categories.append(
                CategoryBalance(
                    code=code,
                    label=label,
                    matched=sm,
                    unmatched=su,
                    difference=d.difference,
                    lower=d.lower,
                    upper=d.upper,
                    n=len(km) + len(ku),
                    hidden=withheld,
                )
            )
    big_smd = [s for s in scales if s.smd is not None and abs(s.smd) >= SMD_THRESHOLD]
    shifted = [
        c
        for c in categories
        if c.lower is not None and c.upper is not None and (c.lower > 0 or c.upper < 0)
    ]
    differs = bool(big_smd or shifted)
    summary = _attrition_summary(n_m, n_u, big_smd, shifted, differs, min_cell)
    return Attrition(
        n_matched=n_m,
        n_unmatched=n_u,
        n=n_m + n_u,
        scales=tuple(scales),
        group_by=group_by,
        categories=tuple(categories),
        differs=differs,
        summary=summary,
        hidden=("n_unmatched",) if small_u else (),
    )


def _attrition_summary(n_m, n_u, big_smd, shifted, differs, min_cell) -> str:
    who = (
        f"the {n_u} pre-test respondents who could not be linked"
        if not is_small(n_u, min_cell)
        else f"the pre-test respondents who could not be linked (fewer than {min_cell})"
    )
    if not differs:
        return (
            f"The {n_m} pre-test respondents linked to a post-test response were similar at "
            f"baseline to {who}."
        )
    parts = [
        f"{s.label.lower()} (standardised mean difference {s.smd:+.2f})"
        if math.isfinite(s.smd)
        else f"{s.label.lower()} (mean {s.mean_matched:.2f} against {s.mean_unmatched:.2f}, "
        "with no spread within either group)"
        for s in big_smd
        if "smd" not in s.hidden
    ]
    parts += [
        f"{c.label.lower()} ({100 * c.difference:+.0f} percentage points)"
        for c in shifted
        if not c.hidden
    ]
    detail = f": {'; '.join(parts)}" if parts else ""
    return (
        f"The {n_m} pre-test respondents linked to a post-test response differed at baseline "
        f"from {who}{detail}. The change reported describes the linked respondents only."
    )


def _mixed(waves: dict[str, _Wave], scale_id: str, conf: float) -> MixedModel:
    ys, ws, ps = [], [], []
    for name, w in waves.items():
        y = w.scales[scale_id]
        people = np.array(
            [link if link is not None else f"{name}-row-{i}" for i, link in enumerate(w.links)],
            dtype=object,
        )
        ys.append(y)
        ws.append(np.full(len(y), name, dtype=object))
        ps.append(people)
    y = np.concatenate(ys)
    wave = np.concatenate(ws)
    person = np.concatenate(ps)
    ok = ~np.isnan(y)
    y, wave, person = y[ok], wave[ok], person[ok]
    levels = [lv for lv in ("pre", "post", "follow_up") if (wave == lv).any()]
    x = np.column_stack([np.ones(len(y))] + [(wave == lv).astype(float) for lv in levels[1:]])
    terms = ("(Intercept)",) + tuple(f"wave{lv}" for lv in levels[1:])
    fit = random_intercept_model(y, x, person.astype(str), terms)
    z = float(stats.norm.ppf(1 - (1 - conf) / 2))  # Wald, as confint(method = "Wald")
    fixed = tuple(
        FixedEffect(term, est, se, t, est - z * se, est + z * se)
        for term, est, se, t in zip(fit.terms, fit.estimate, fit.se, fit.t, strict=True)
    )
    return MixedModel(
        formula="score ~ wave + (1 | person)",
        n=fit.n,
        n_people=fit.n_groups,
        fixed=fixed,
        person_variance=fit.group_variance,
        residual_variance=fit.residual_variance,
        reml_criterion=fit.reml_criterion,
        lrt_chi_square=fit.lrt_chi_square,
        lrt_df=fit.lrt_df,
        lrt_p_value=fit.lrt_p_value,
        singular=fit.singular,
    )


def _three_waves(
    waves: dict[str, _Wave],
    instrument: Instrument,
    conf: float,
    min_cell: int,
    warnings: list[str],
) -> tuple[ThreeWaves, ...]:
    pre, post, fu = waves["pre"], waves["post"], waves["follow_up"]
    common = sorted(set(pre.index) & set(post.index) & set(fu.index))
    rows = [np.array([w.index[c] for c in common], dtype=np.int64) for w in (pre, post, fu)]
    out = []
    names = ("pre", "post", "follow_up")
    for scale in instrument.scales:
        if np.isnan(fu.scales[scale.id]).all():
            continue  # not asked at follow-up
        m = (
            np.column_stack(
                [w.scales[scale.id][r] for w, r in zip((pre, post, fu), rows, strict=True)]
            )
            if common
            else np.empty((0, 3))
        )
        m = m[~np.isnan(m).any(axis=1)] if len(m) else m
        n = len(m)
        friedman = friedman_table(m) if n >= 1 else None
        pairwise = []
        if n >= 1:
            tests = []
            for a, b in ((0, 1), (1, 2), (0, 2)):
                tests.append(
                    (
                        (names[a], names[b]),
                        wilcoxon_signed_rank(
                            m[:, a], m[:, b], exact=False, correct=True, conf_level=conf
                        ),
                    )
                )
            holm = holm_adjust([t.p_value for _, t in tests])
            for (pair, test), h in zip(tests, holm, strict=True):
                pairwise.append(
                    PairwiseWilcoxon(
                        pair,
                        n,
                        test,
                        None if math.isnan(h) else float(h),
                        ("n", "wilcoxon", "holm_p") if is_small(n, min_cell) else (),
                    )
                )
        try:
            mixed = _mixed(waves, scale.id, conf)
        except StatsError as err:
            mixed = None
            warnings.append(f"{scale.label}: the mixed model could not be fitted ({err}).")
        hidden: tuple[str, ...] = ("n", "friedman", "pairwise") if is_small(n, min_cell) else ()
        if mixed is not None and is_small(mixed.n_people, min_cell):
            hidden += ("mixed",)
        out.append(ThreeWaves(scale.id, scale.label, n, friedman, tuple(pairwise), mixed, hidden))
    return tuple(out)


def _poorly_known(
    items: Sequence[BinaryChange], instrument: Instrument, below: float, min_cell: int
) -> tuple[PoorlyKnown, ...]:
    out = []
    for change in items:
        if change.after.percent is None or change.after.percent >= 100 * below:
            continue
        item = instrument.item(change.id)
        source = instrument.sources.get(item.source, {}) if item.source else {}
        out.append(
            PoorlyKnown(
                id=item.id,
                text=item.text,
                after=change.after,
                explanation=item.explanation,
                source=str(source.get("citation", "")),
                n=change.n,
                hidden=("n",) if is_small(change.n, min_cell) else (),
            )
        )
    return tuple(sorted(out, key=lambda p: (p.after.percent, p.id)))


def _changes(
    x: _Wave,
    y: _Wave,
    instrument: Instrument,
    items: Sequence[str],
    indicators: Sequence[Indicator],
    conf: float,
    min_cell: int,
    warnings: list[str],
) -> tuple[tuple[BinaryChange, ...], tuple[ScaleChange, ...], tuple[BinaryChange, ...]]:
    i, j = _pairs(x, y)
    waves = (x.name, y.name)
    item_changes = []
    for item_id in items:
        change = _binary_change(
            item_id,
            instrument.item(item_id).text,
            "item",
            waves,
            x.correct[item_id][i],
            y.correct[item_id][j],
            conf,
            min_cell,
            x.codes[item_id][i],
        )
        if change is not None:
            item_changes.append(change)
    holm = holm_adjust([c.mcnemar.exact_p_value for c in item_changes])
    item_changes = [
        _replace(c, holm_p=None if math.isnan(h) else float(h))
        for c, h in zip(item_changes, holm, strict=True)
    ]
    scale_changes = []
    for scale in instrument.scales:
        scale_change = _scale_change(
            scale.id,
            scale.label,
            waves,
            x.scales[scale.id][i],
            y.scales[scale.id][j],
            conf,
            min_cell,
        )
        if scale_change is None:
            asked = all(any(it in w.frame.columns for it in scale.items) for w in (x, y))
            if len(i) and asked:
                warnings.append(
                    f"{scale.label}: fewer than 2 {WAVE_WORDS[x.name]}-{WAVE_WORDS[y.name]} "
                    "pairs have the score at both waves, so its change is not estimated."
                )
            continue
        scale_changes.append(scale_change)
    ind_changes = []
    for ind in indicators:
        change = _binary_change(
            ind.id,
            ind.label,
            "indicator",
            waves,
            x.indicators[ind.id][i],
            y.indicators[ind.id][j],
            conf,
            min_cell,
        )
        if change is not None:
            ind_changes.append(change)
    return tuple(item_changes), tuple(scale_changes), tuple(ind_changes)


def _replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def _then_test(
    then: pd.DataFrame,
    link_column: str,
    post: _Wave,
    standard: Sequence[ScaleChange],
    instrument: Instrument,
    conf: float,
    min_cell: int,
) -> tuple[ThenTest, ...]:
    links = _check_waves({"then": then}, link_column)["then"]
    by_id = {s.id: s for s in standard}
    out = []
    for scale in instrument.scales:
        if scale.id not in by_id:
            continue
        if any(instrument.item(i).type == "true_false" for i in scale.items):
            continue
        if not all(i in then.columns for i in scale.items):
            continue
        retro = scale_score(instrument, scale.id, then)
        index = {v: k for k, v in enumerate(links) if v is not None}
        common = sorted(set(index) & set(post.index))
        i = np.array([index[c] for c in common], dtype=np.int64)
        j = np.array([post.index[c] for c in common], dtype=np.int64)
        change = _scale_change(
            scale.id,
            scale.label,
            ("then", "post"),
            retro[i] if len(i) else np.array([]),
            post.scales[scale.id][j] if len(j) else np.array([]),
            conf,
            min_cell,
        )
        if change is not None:
            out.append(ThenTest(scale.id, scale.label, by_id[scale.id], change))
    return tuple(out)


def _synthetic(frames: Sequence[pd.DataFrame]) -> bool:
    for frame in frames:
        if "synthetic" in frame.columns:
            values = pd.to_numeric(frame["synthetic"], errors="coerce").fillna(0)
            if (values != 0).any():
                return True
    return False


# --- the analysis -----------------------------------------------------------------------------


def evaluate(
    pre: pd.DataFrame,
    post: pd.DataFrame,
    instrument: Instrument,
    follow_up: pd.DataFrame | None = None,
    link_column: str = "link",
    min_cell: int = 5,
    conf_level: float = 0.95,
    *,
    group_by: str = "discipline",
    poorly_known_below: float = POORLY_KNOWN_BELOW,
    primary: Sequence[str] | None = None,
    then_test: pd.DataFrame | None = None,
) -> EvaluationResult:
    """Analyse a training evaluation (see the module notes and :func:`conventions`).

    - ``pre``, ``post``, ``follow_up``: one row per response, the instrument's item ids as
      columns (stored codes), ``link_column`` holding the linkage id (a missing id means the
      response cannot be linked; an id used twice in one wave is an error), and optionally
      ``site`` and ``synthetic``.
    - ``group_by``: the item whose categories the coverage and the attrition check use.
    - ``poorly_known_below``: knowledge items whose post-test share correct (matched pairs) is
      below this proportion are listed, lowest first.
    - ``primary``: ids of the pre-specified primary outcomes (scales, indicators, knowledge
      items); default :data:`DEFAULT_PRIMARY`, those the instrument has.
    - ``then_test``: the retrospective "before today" ratings taken at post, one row per post
      response, with ``link_column`` and the item ids of the rated items; each scale whose
      items are all there (knowledge excluded) gets a standard and a retrospective change.

    Raises :class:`EvaluationInputError` (a :class:`readiness.errors.ProblemsError`) for
    unusable input (a missing link column, duplicate link ids), naming the wave, the row, the
    column and the fix.
    """
    if isinstance(min_cell, bool) or int(min_cell) != min_cell or min_cell < 1:
        raise StatsError(f"min_cell must be a whole number of at least 1, not {min_cell!r}.")
    if not 0 < poorly_known_below <= 1:
        raise StatsError(
            f"poorly_known_below is a proportion between 0 and 1, not {poorly_known_below!r}."
        )
    min_cell = int(min_cell)
    frames = {"pre": pre, "post": post}
    if follow_up is not None:
        frames["follow_up"] = follow_up
    links = _check_waves(frames, link_column)
    conf = float(conf_level)
    if not 0 < conf < 1:
        raise StatsError(f"conf_level must lie between 0 and 1, not {conf_level!r}.")
    present = list(frames.values())
    items = [
        i.id for i in instrument.items if i.type == "true_false" and _present(i.id, [pre, post])
    ]
    indicators = _outcome_indicators(instrument)
    waves = {
        name: _score(name, frame, links[name], instrument, items, indicators)
        for name, frame in frames.items()
    }
    warnings: list[str] = []
    i_pre, _ = _pairs(waves["pre"], waves["post"])
    n_pairs = len(i_pre)
    if n_pairs == 0:
        warnings.append(
            "no pre-test response could be linked to a post-test response, so there is no "
            "paired analysis. Check that both files hold the same link ids."
        )
    item_changes, scale_changes, ind_changes = _changes(
        waves["pre"], waves["post"], instrument, items, indicators, conf, min_cell, warnings
    )
    retention = None
    three: tuple[ThreeWaves, ...] = ()
    qf = complete = None
    if follow_up is not None:
        fu = waves["follow_up"]
        i_post, _ = _pairs(waves["post"], fu)
        qf = len(i_post)
        complete = len(set(waves["pre"].index) & set(waves["post"].index) & set(fu.index))
        fu_items = [i for i in items if i in follow_up.columns]
        r_items, r_scales, r_inds = _changes(
            waves["post"], fu, instrument, fu_items, indicators, conf, min_cell, warnings
        )
        retention = Retention(
            qf, r_items, r_inds, r_scales, ("n",) if is_small(qf, min_cell) else ()
        )
        if qf == 0:
            warnings.append("no follow-up response could be linked to a post-test response.")
        three = _three_waves(waves, instrument, conf, min_cell, warnings)
    then = (
        _then_test(then_test, link_column, waves["post"], scale_changes, instrument, conf, min_cell)
        if then_test is not None
        else ()
    )
    wanted = DEFAULT_PRIMARY if primary is None else tuple(primary)
    known = (
        {s.id for s in instrument.scales}
        | {ind.id for ind in instrument.indicators}
        | {i.id for i in instrument.items}
    )
    unknown = [p for p in wanted if p not in known]
    if primary is not None and unknown:
        raise StatsError(
            f"unknown primary outcome(s) {', '.join(unknown)}. Fix: name scales, indicators or "
            "items of the instrument."
        )
    return EvaluationResult(
        instrument={
            "id": instrument.id,
            "version": str(instrument.version),
            "title": instrument.title,
        },
        n=n_pairs,
        synthetic=_synthetic(present),
        conf_level=conf,
        min_cell=min_cell,
        link_column=link_column,
        flow=_flow(waves, n_pairs, qf, complete, min_cell),
        coverage=_coverage(waves, instrument, group_by, min_cell),
        attrition=_attrition(waves["pre"], i_pre, instrument, group_by, conf, min_cell),
        items=item_changes,
        scales=scale_changes,
        indicators=ind_changes,
        poorly_known=_poorly_known(item_changes, instrument, poorly_known_below, min_cell),
        poorly_known_below=float(poorly_known_below),
        retention=retention,
        three_waves=three,
        then_test=then,
        primary=tuple(p for p in wanted if p in known),
        conventions=conventions(conf, min_cell, poorly_known_below),
        warnings=tuple(warnings),
    )


__all__ = [
    "DEFAULT_PRIMARY",
    "POORLY_KNOWN_BELOW",
    "EvaluationInputError",
    "conventions",
    "evaluate",
]
