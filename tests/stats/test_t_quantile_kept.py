"""The design code keeps Student's t quantiles it has asked scipy for (issue 18): what it
returns, and the logit intervals built from it, must be bit for bit scipy's own."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from readiness.stats.design import _logit_interval, _t_quantile

LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.975])


@settings(max_examples=80, deadline=None)
@given(q=LEVELS, df=st.one_of(st.integers(1, 5000), st.floats(0.5, 1e6)))
def test_kept_quantile_is_scipys(q, df):
    for _ in range(2):  # asked for, then kept
        found = _t_quantile(q, df)
        assert type(found) is type(stats.t.ppf(q, df))
        assert found.tobytes() == np.float64(stats.t.ppf(q, df)).tobytes()


def _logit_interval_as_before(p, se, df, conf_level):
    p, se, df = np.asarray(p, float), np.asarray(se, float), np.asarray(df, float)
    lower, upper = np.full(p.shape, np.nan), np.full(p.shape, np.nan)
    usable = df > 0
    edge = usable & ((p <= 0) | (p >= 1))
    lower[edge] = upper[edge] = p[edge]
    inner = usable & ~edge
    if inner.any():
        t = stats.t.ppf(0.5 + conf_level / 2, df[inner])
        b = np.log(p[inner] / (1 - p[inner]))
        sb = se[inner] / (p[inner] * (1 - p[inner]))
        lower[inner] = 1 / (1 + np.exp(-(b - t * sb)))
        upper[inner] = 1 / (1 + np.exp(-(b + t * sb)))
    return lower, upper


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 12), conf=LEVELS)
def test_logit_intervals_are_as_before(seed, k, conf):
    rng = np.random.default_rng(seed)
    p = rng.choice([0.0, 1.0, 0.5, *rng.random(4)], size=k)
    se = rng.random(k) * 0.2
    df = rng.choice([0, -1, 1, 9, 199, 4.5, np.nan], size=k)
    for new, old in zip(
        _logit_interval(p, se, df, conf), _logit_interval_as_before(p, se, df, conf), strict=True
    ):
        assert new.tobytes() == old.tobytes()
