"""The analysis works out each scale's item scores once and shares them between the scale's
score and its reliability (issue 18): the scores from the shared matrices must be, bit for
bit, those worked out from the responses, as before."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.instrument import shipped_instrument
from readiness.instrument.scoring import scale_item_matrix, scale_scores
from readiness.synth import make_cohort

INSTRUMENT = shipped_instrument()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(10, 200), blank=st.floats(0.0, 0.6))
def test_scores_from_shared_matrices_are_as_before(seed, n, blank):
    frame = make_cohort(n, seed, instrument=INSTRUMENT).responses
    rng = np.random.default_rng(seed)
    items = [i for s in INSTRUMENT.scales for i in s.items if i in frame]
    for item in items:  # answers left blank at random, so some scores are partial or missing
        frame.loc[rng.random(n) < blank, item] = np.nan
    matrices = {s.id: scale_item_matrix(INSTRUMENT, s.id, frame) for s in INSTRUMENT.scales}
    shared = scale_scores(INSTRUMENT, frame, matrices)
    before = scale_scores(INSTRUMENT, frame)
    assert list(shared.columns) == list(before.columns)
    for column in before:
        assert shared[column].to_numpy().tobytes() == before[column].to_numpy().tobytes()
