"""The question summaries take each closed item's counts and number shown from the item
distributions, not counting them again (issue 18).  The summaries must be those counted
afresh, as before, whatever the answers (stray codes, fractions, blanks)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.analysis.items import item_distributions
from readiness.analysis.items_summary import summarise_items
from readiness.instrument import shipped_instrument
from readiness.synth import make_cohort


@pytest.fixture(scope="module")
def cohort():
    instrument = shipped_instrument()
    return instrument, make_cohort(300, 7, instrument=instrument).responses


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), share=st.sampled_from([0.0, 0.1, 0.5]))
def test_summaries_as_counted_afresh(cohort, seed, share):
    instrument, responses = cohort
    rng = np.random.default_rng(seed)
    frame = responses.copy()
    for item in instrument.items:
        if item.type in ("likert", "true_false") and item.id in frame:
            x = frame[item.id].to_numpy(dtype=float).copy()
            stray = rng.random(len(x)) < share
            x[stray] = rng.choice([np.nan, 2.5, 0.0, 9.0, -1.0, 3.0], int(stray.sum()))
            frame[item.id] = x
    group = rng.integers(0, 3, len(frame))
    masks = [group == g for g in range(3)]
    items = item_distributions(instrument, frame, ["a", "b", "c"], masks)
    known = {d.id: (d.codes, d.counts, d.shown) for d in items}
    assert repr(summarise_items(instrument, frame, known=known)) == repr(
        summarise_items(instrument, frame)
    )
