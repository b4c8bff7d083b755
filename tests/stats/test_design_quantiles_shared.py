"""design_quantiles sorts a variable once for several quantiles and domains (issue 18: a
national study's analysis spent a quarter of its time sorting the same scale scores nine times
per group).  Its results must be those of the earlier code, which sorted for every quantile
and every bound: that code is kept here as the reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from readiness.stats.design import SurveyDesign, design_quantile, design_quantiles


def _old_qrule(x, w, p):
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cumw = np.cumsum(w[order].astype(np.longdouble)).astype(np.float64)
    total = float(np.cumsum(w.astype(np.longdouble))[-1])
    below = np.flatnonzero(cumw <= p * total)
    pos = int(below[-1]) if len(below) else 0
    nxt = pos if pos == len(xs) - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(xs[pos] if wlow == 0 else xs[nxt])


def _old_quantile(y, design, p, domain, conf=0.95):
    rows = np.ones(len(y), bool) if domain is None else domain
    answered = rows & ~np.isnan(y)
    x, w = y[answered], design.weights[answered]
    qhat = _old_qrule(x, w, p)
    sw = w.sum()
    below = (x <= qhat).astype(np.float64)
    share = float(np.sum(w * below) / sw)
    z = np.zeros(design.n)
    z[answered] = w * (below - share) / sw
    se_share = float(np.sqrt(design.row_variances(z, answered)[0]))
    psus = np.unique(design.psu[answered])
    df = len(psus) - len(np.unique(design.psu_stratum[psus]))
    if df > 0:
        q = stats.t.ppf(1 - (1 - conf) / 2, df)
        lo_p, hi_p = share - q * se_share, share + q * se_share
    else:
        q = lo_p = hi_p = float("nan")
    lower = float("nan") if np.isnan(lo_p) or lo_p < 0 else _old_qrule(x, w, lo_p)
    upper = float("nan") if np.isnan(hi_p) or hi_p > 1 else _old_qrule(x, w, hi_p)
    return qhat, lower, upper, df, int(answered.sum()), len(psus)


def _design(rng, n, weighted, strata):
    return SurveyDesign(
        cluster=rng.integers(0, 40, n),
        strata=rng.integers(0, 3, n) if strata else None,
        weights=rng.uniform(0.5, 3.0, n) if weighted else None,
    )


@pytest.mark.parametrize("seed", range(6))
def test_same_results_as_sorting_each_time(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    design = _design(rng, n, weighted=seed % 2 == 1, strata=seed >= 3)
    # few distinct values (ties, as scale scores have) and some missing
    y = rng.integers(0, 9, n) / 4.0
    y[rng.random(n) < 0.1] = np.nan
    order = np.argsort(y, kind="stable")
    probs = (0.25, 0.5, 0.75, 0.1)
    domains = [None] + [rng.random(n) < share for share in (0.05, 0.3, 0.9)]
    for domain in domains:
        for with_order in (None, order):
            found = design_quantiles(y, design, probs, domain=domain, order=with_order)
            for p, q in zip(probs, found, strict=True):
                qhat, lower, upper, df, n_answered, clusters = _old_quantile(y, design, p, domain)
                assert q.estimate == qhat
                assert q.lower == lower or (np.isnan(q.lower) and np.isnan(lower))
                assert q.upper == upper or (np.isnan(q.upper) and np.isnan(upper))
                assert (q.df, q.n, q.n_clusters) == (df, n_answered, clusters)
                single = design_quantile(y, design, p, domain=domain)
                assert single == q or (np.isnan(single.se) and np.isnan(q.se))


def test_order_of_another_length_is_refused():
    design = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3])
    with pytest.raises(Exception, match="order has 3 positions"):
        design_quantiles([1.0, 2, 3, 4, 5, 6], design, order=np.arange(3))
