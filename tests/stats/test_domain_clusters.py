"""A domain's degrees of freedom and its number of clusters come from one look at the
clusters in it (issue 18): they must be R's degf (clusters less strata among them, as
np.unique had them) and the count of distinct clusters, as before."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.stats.design import SurveyDesign


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(8, 300),
    n_strata=st.integers(1, 4),
    share=st.floats(0.0, 1.0),
)
def test_domain_clusters_are_as_counted_before(seed, n, n_strata, share):
    rng = np.random.default_rng(seed)
    cluster = rng.permutation(np.arange(n) % max(2 * n_strata, n // 5))
    design = SurveyDesign(cluster=cluster, strata=cluster % n_strata)
    rows = rng.random(n) < share
    psus = np.unique(design.psu[rows])
    expected_df = len(psus) - len(np.unique(design.psu_stratum[psus]))
    assert design.domain_clusters(rows) == (expected_df, len(psus))
    assert design.domain_degf(rows) == expected_df
