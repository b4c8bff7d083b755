"""Counts per answer of the closed items (readiness.analysis.items), as the report draws them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from readiness.analysis import analyse
from readiness.analysis.items import item_distributions
from readiness.synth import make_cohort


def test_counts_follow_the_instruments_codes_not_the_data(survey):
    frame = pd.DataFrame(
        {
            "discipline": [1.0, 1.0, 2.0, 2.0, np.nan],
            "training_enough": [5.0, 1.0, 2.0, np.nan, 2.0],
            "k_border": [8.0, 0.0, 1.0, 1.0, np.nan],
        }
    )
    masks = [frame["discipline"].to_numpy() == 1, frame["discipline"].to_numpy() == 2]
    items = {d.id: d for d in item_distributions(survey, frame, ["EM", "Mat"], masks)}
    likert = items["training_enough"]
    assert likert.codes == [1, 2, 3, 4, 5]
    assert likert.counts == [1, 2, 0, 0, 1]
    assert likert.n == 4 and likert.shown == 5 and likert.missing == 1
    assert likert.by_group == {"EM": [1, 0, 0, 0, 1], "Mat": [0, 1, 0, 0, 0]}
    knowledge = items["k_border"]
    assert knowledge.labels == ["True", "False", "Don't know"]
    assert knowledge.counts == [2, 1, 1]  # codes 1, 0, 8 in the instrument's order
    assert knowledge.key is False
    assert knowledge.scale == "actual_knowledge"


def test_the_study_result_carries_every_likert_and_knowledge_item(survey):
    cohort = make_cohort(782, 2015, match_published=True, instrument=survey)
    result = analyse(cohort.responses, survey, sessions=cohort.sessions)
    kinds = {d.id: d.type for d in result.items}
    assert sum(t == "likert" for t in kinds.values()) == 18
    assert sum(t == "true_false" for t in kinds.values()) == 14
    c_questions = next(d for d in result.items if d.id == "c_questions")
    # the published figure: 679 of 782 in the bottom three points
    assert sum(c_questions.counts[:3]) == 679 and c_questions.n == 782
    for d in result.items:
        assert sum(d.counts) == d.n
        assert [sum(col) for col in zip(*d.by_group.values(), strict=True)] == d.counts
