"""The study dashboard: counts straight from the database, results from the core analysis.

Results come from :func:`readiness.analysis.analyse`, kept for every worker and brought up to date in the background when a response or a
session changes (:mod:`readiness.web.surveys.resultscache`).  For a site coordinator the
results cover their own sites, and every cell built on fewer than ``min_cell`` respondents (or
whose complement is, or that is empty) is suppressed; they are computed over the responses
released in steps of ``min_cell`` (:mod:`readiness.web.surveys.release`), so that comparing
the page before and after a submission shows nothing of one person.

Sites are the design's clusters when the results cover at least ``READINESS_MIN_CLUSTERS``
sites (default 10).  With fewer, the between-site variance rests on sites - 1 degrees of
freedom (with 2 sites the t quantile of a 95% interval is 12.7, and an interval of 10% can run
from 0.3% to 84%), so the respondents are treated as a simple random sample (Wilson intervals)
and the page says so: such intervals are too narrow if the sites differ.
"""

from __future__ import annotations

import functools

from django.conf import settings

from readiness.analysis.declared import analysis_plan
from readiness.analysis.survey import AnalysisSettings, analyse
from readiness.errors import ReadinessError
from readiness.report.suppression import suppress_proportions
from readiness.stats.result import jsonable
from readiness.web.accounts.permissions import Access
from readiness.web.surveys import release, resultscache, services

# Indicators shown on the dashboard, in this order when the instrument has them; all others
# follow.  (The full set is in the report.)
KEY_INDICATORS = (
    "contact_reported",
    "prior_training",
    "insufficient_training",
    "lack_knowledge_questions",
    "lack_conf_referral_men",
    "lack_conf_referral_women",
    "lack_conf_referral_child",
    "unaware_police_danger",
    "wants_training",
)
SUPPRESSED = "fewer than {min_cell}"


def suppress_estimate(estimate, hide_count: bool, hide_n: bool) -> dict:
    """An estimate as a dict for display, with the count (and its percentage and interval)
    and the denominator hidden as the report's suppression rules decide.  An empty cell is
    hidden too: "no answers" beside hidden cells would say where the few respondents are."""
    hide_n = hide_n or estimate.n == 0
    hide_count = hide_count or hide_n
    return {
        "count": None if hide_count else estimate.count,
        "n": None if hide_n else estimate.n,
        "percent": None if hide_count else estimate.percent,
        "lower": None if hide_count else estimate.lower,
        "upper": None if hide_count else estimate.upper,
        "suppressed": hide_count,
        "empty": False,
    }


def suppress_row(overall, groups: list, min_cell: int) -> tuple[dict, list[dict]]:
    """One indicator row (overall and by group) with small cells suppressed.

    The rules are the report's (:func:`readiness.report.suppression.suppress_proportions`):
    a count or its complement from 1 to ``min_cell - 1`` is hidden, so is a small denominator,
    and further groups are hidden where the hidden ones could be worked out from the total.
    """
    plan = suppress_proportions(
        [e.count for e in groups],
        [e.n for e in groups],
        min_cell=min_cell,
        overall=(overall.count, overall.n),
    )
    return (
        suppress_estimate(overall, plan.overall_count, plan.overall_n),
        [
            suppress_estimate(e, hide_k, hide_n)
            for e, hide_k, hide_n in zip(groups, plan.count, plan.n, strict=True)
        ],
    )


def plain_estimate(estimate) -> dict:
    return {
        "count": estimate.count,
        "n": estimate.n,
        "percent": estimate.percent,
        "lower": estimate.lower,
        "upper": estimate.upper,
        "suppressed": False,
        "empty": estimate.n == 0,
    }


def results(study, access: Access) -> dict:
    """Indicators by group and reliability for the dashboard, computed once for every worker
    and refreshed in the background as responses arrive (:mod:`.resultscache`); for a role
    that sees suppressed results, over the released responses (:mod:`.release`)."""
    site_ids = None if access.site_ids is None else set(access.site_ids)
    step = _release_step(access)
    cached = resultscache.get(
        study,
        site_ids,
        functools.partial(_compute, site_ids=site_ids, step=step),
        _variant(step),
        _release_stamp(site_ids, step),
    )
    if not access.suppressed or cached.get("error"):
        return cached
    return _suppressed(cached, settings.READINESS_MIN_CELL)


def results_current(study, access: Access) -> bool:
    """Whether the results kept for this person's view are up to date (nothing to wait for)."""
    site_ids = None if access.site_ids is None else set(access.site_ids)
    step = _release_step(access)
    return resultscache.is_current(study, site_ids, _variant(step), _release_stamp(site_ids, step))


def _release_step(access: Access) -> int | None:
    """The step in which results are released to this person (None: every response at once)."""
    return max(1, settings.READINESS_MIN_CELL) if access.suppressed else None


def _release_stamp(site_ids, step: int | None):
    if step is None:
        return None
    # A partial, not a lambda: the background worker is sent it through the database.
    return functools.partial(release.release_key, site_ids=site_ids, step=step)


def _variant(step: int | None = None) -> str:
    """The settings the results depend on (part of where they are kept)."""
    released = "" if step is None else f";release={step}"
    return f"min-clusters={settings.READINESS_MIN_CLUSTERS}{released};items"


def results_slot(study, site_ids) -> str:
    """Where the dashboard's results for these sites (None: all) are kept for a role that sees
    every response (the released results of other roles are kept under their step)."""
    return resultscache.slot(study, site_ids, _variant())


def _compute(study, site_ids, step: int | None = None) -> dict:
    """The results of these sites' responses (with ``step``, of those released)."""
    # the per-session counts shown beside them, kept too: a background refresh counts them,
    # so that no view has to (1.5 million responses: seconds)
    services.responded_by_session(study)
    data = services.study_data(study, site_ids)
    frame = data.responses
    if step is not None:
        group_by = analysis_plan(study.instrument.instrument).group_by or "discipline"
        frame = release.released(frame, step, group_by)
    if len(frame) == 0:
        waiting = "No responses yet." if step is None else release.WAITING.format(step=step)
        return {"error": waiting, "n": 0}
    instrument = study.instrument.instrument
    sites = int(frame["site"].nunique())
    clustered = sites_as_clusters(sites)
    settings_ = AnalysisSettings(cluster="site" if clustered else None, regression=False)
    try:
        result = analyse(frame, instrument, sessions=data.sessions, settings=settings_)
    except ReadinessError as err:
        return {"error": f"The results cannot be computed yet: {err}", "n": len(frame)}
    order = {k: i for i, k in enumerate(KEY_INDICATORS)}
    indicators = sorted(result.indicators, key=lambda r: order.get(r.id, len(order)))
    return {
        "error": None,
        "n": result.n,
        "synthetic": result.synthetic,
        "groups": result.groups,
        "conventions": result.conventions,
        "design_note": design_note(sites, clustered),
        "other_versions": data.other_versions,
        "indicators": [
            {
                "id": ind.id,
                "label": ind.label,
                "overall": ind.overall,
                "by_group": [ind.by_group[g] for g in result.groups],
                "test": ind.test,
            }
            for ind in indicators
        ],
        "scales": [
            {
                "label": s.label,
                "n": s.reliability.n,
                "n_items": s.reliability.n_items,
                "alpha": s.reliability.raw_alpha,
                # the kept results hold plain data (a dict), as ones kept before did
                "feldt": s.reliability.feldt.to_dict() if s.reliability.feldt else {},
                "omega": s.omega_total,
                "note": s.reliability.note,
            }
            for s in result.scales
        ],
        "warnings": result.warnings,
        "items": jsonable(result.item_summaries),  # every question (views_items)
        "format": "raw",
    }


def above_attendance(counts: dict) -> list[dict]:
    """The sessions of :func:`services.counts` with more responses than staff attending (a
    rate above 100%: the attending count is wrong, or responses were entered twice)."""
    return [
        row
        for site in counts["sites"]
        for row in site["sessions"]
        if row["responded"] > row["attended"]
    ]


def sites_as_clusters(sites: int) -> bool:
    """Whether results over this many sites treat them as the design's clusters."""
    return sites >= max(2, settings.READINESS_MIN_CLUSTERS)


def design_note(sites: int, clustered: bool) -> str | None:
    """Why the intervals do not treat sites as clusters, when they could have."""
    if clustered or sites < 2:
        return None
    return (
        f"The intervals treat the responses as a simple random sample: {sites} sites are too "
        f"few to estimate how much sites differ (sites are treated as clusters from "
        f"{max(2, settings.READINESS_MIN_CLUSTERS)}). If the sites differ, these intervals are "
        "too narrow."
    )


def _suppressed(data: dict, min_cell: int) -> dict:
    out = dict(data)
    rows = []
    for ind in data["indicators"]:
        overall, groups = suppress_row(ind["overall"], ind["by_group"], min_cell)
        rows.append({**ind, "overall": overall, "by_group": groups, "test": None})
    out["indicators"] = rows
    out["scales"] = [
        s
        if (s["n"] or 0) >= min_cell
        else {
            **s,
            "n": None,
            "alpha": None,
            "omega": None,
            "feldt": {},
            "note": SUPPRESSED.format(min_cell=min_cell) + " respondents",
        }
        for s in data["scales"]
    ]
    out["format"] = "suppressed"
    out["min_cell"] = min_cell
    return out


def display(data: dict) -> dict:
    """Estimates turned into dicts for the template (no-op for suppressed data)."""
    if data.get("error") or data.get("format") == "suppressed":
        return data
    out = dict(data)
    out["indicators"] = [
        {
            **ind,
            "overall": plain_estimate(ind["overall"]),
            "by_group": [plain_estimate(e) for e in ind["by_group"]],
        }
        for ind in data["indicators"]
    ]
    return out
