"""evaluate(): input checks, linking by id, suppression, then-test, three waves, known effects."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from readiness.errors import ProblemsError, StatsError
from readiness.evaluation import evaluate
from readiness.evaluation.demo import EFFECTS, make_demo
from readiness.evaluation.results import is_hidden
from readiness.instrument import shipped_instrument
from readiness.report.suppression import SYMBOL
from readiness.stats.paired import paired_t

INSTRUMENT = shipped_instrument()
KNOWLEDGE = [i.id for i in INSTRUMENT.items if i.type == "true_false"]
KEYS = {i: (1 if INSTRUMENT.item(i).key else 0) for i in KNOWLEDGE}
CONFIDENCE = list(INSTRUMENT.scale("confidence").items)


def wave(links, correct=None, confidence=None, discipline=None, dont_know=False) -> pd.DataFrame:
    """A wave: knowledge items right (1) or not, confidence items all equal to a rating."""
    n = len(links)
    correct = np.ones((n, len(KNOWLEDGE))) if correct is None else np.asarray(correct, float)
    out = {"link": pd.Series(links, dtype=object)}
    for j, item in enumerate(KNOWLEDGE):
        wrong = 8.0 if dont_know else float(1 - KEYS[item])
        out[item] = np.where(correct[:, j] == 1, float(KEYS[item]), wrong)
    rating = np.full(n, 3.0) if confidence is None else np.asarray(confidence, float)
    for item in CONFIDENCE:
        out[item] = rating
    out["discipline"] = np.full(n, 1.0) if discipline is None else np.asarray(discipline, float)
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def demo():
    return make_demo(96, seed=7)


@pytest.fixture(scope="module")
def demo_result(demo):
    return evaluate(demo.pre, demo.post, INSTRUMENT, follow_up=demo.follow_up)


# --- input ------------------------------------------------------------------------------------


def test_missing_link_column_names_the_wave_and_column():
    pre = wave(["a", "b"]).drop(columns=["link"])
    with pytest.raises(ProblemsError) as err:
        evaluate(pre, wave(["a", "b"]), INSTRUMENT, link_column="link")
    problem = err.value.problems[0]
    assert problem.file == "pre" and problem.column == "link" and "--link" in problem.fix


def test_a_link_id_used_twice_in_a_wave_is_an_error_with_its_row():
    with pytest.raises(ProblemsError) as err:
        evaluate(wave(["a", "b"]), wave(["a", "c", "a"]), INSTRUMENT)
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("post", 3, "link")
    assert "row 1" in problem.message


def test_unknown_primary_outcome_is_refused():
    with pytest.raises(StatsError, match="no_such"):
        evaluate(wave(list("abcdef")), wave(list("abcdef")), INSTRUMENT, primary=["no_such"])


def test_link_ids_are_compared_as_text_and_blank_means_unlinkable():
    pre = wave([1, 2, 3, None, " "])
    post = wave(["1", "2.0", " 3 ", "4"])
    post["link"] = pd.Series(["1", "2", " 3 ", "4"], dtype=object)
    result = evaluate(pre, post, INSTRUMENT)
    assert result.flow.matched == 3
    assert result.flow.unlinkable == {"pre": 2, "post": 0}
    assert result.flow.pre_only == 2 and result.flow.post_only == 1


def test_row_order_does_not_change_the_result(demo):
    rng = np.random.default_rng(3)
    shuffled = [f.sample(frac=1, random_state=rng.integers(1e6)) for f in (demo.pre, demo.post)]
    a = evaluate(demo.pre, demo.post, INSTRUMENT)
    b = evaluate(*shuffled, INSTRUMENT)
    assert_same(a.to_dict(), b.to_dict())


def assert_same(x, y, path="result"):
    """Equal, numbers to 1e-12 (sums taken in another order differ in the last bits)."""
    if isinstance(x, dict):
        assert x.keys() == y.keys(), path
        for k in x:
            assert_same(x[k], y[k], f"{path}.{k}")
    elif isinstance(x, list):
        assert len(x) == len(y), path
        for i, (u, v) in enumerate(zip(x, y, strict=True)):
            assert_same(u, v, f"{path}[{i}]")
    elif isinstance(x, float) and isinstance(y, float):
        assert x == pytest.approx(y, rel=1e-12, abs=1e-12), path
    else:
        assert x == y, path


# --- figures ----------------------------------------------------------------------------------


def test_pairs_only_and_listwise_per_outcome():
    links = [f"p{i}" for i in range(12)]
    pre = wave(links, correct=np.zeros((12, 14)))
    post = wave(links[:10] + ["x1", "x2"])
    pre.loc[0, KNOWLEDGE[0]] = np.nan  # one pair misses the first item
    result = evaluate(pre, post, INSTRUMENT, min_cell=1)
    first = result.items[0]
    assert result.n == 10 and first.n == 9 and first.mcnemar.n_dropped == 0
    assert (first.mcnemar.b, first.mcnemar.c) == (9, 0)
    assert result.items[1].n == 10


def test_dont_know_and_wrong_to_right_are_split():
    links = [f"p{i}" for i in range(10)]
    pre = pd.concat(
        [
            wave(links[:6], correct=np.zeros((6, 14)), dont_know=True),
            wave(links[6:], correct=np.zeros((4, 14))),
        ],
        ignore_index=True,
    )
    result = evaluate(pre, wave(links), INSTRUMENT, min_cell=1)
    item = result.items[0]
    assert (item.dont_know_to_correct, item.wrong_to_correct) == (6, 4)
    assert item.before.percent == 0 and item.after.percent == 100


def test_poorly_known_items_are_sorted_with_their_fact():
    links = [f"p{i}" for i in range(20)]
    post_correct = np.ones((20, 14))
    post_correct[:10, 3] = 0  # 50% correct
    post_correct[:5, 7] = 0  # 75% correct
    post_correct[:3, 9] = 0  # 85%: not listed
    result = evaluate(
        wave(links, correct=np.zeros((20, 14))), wave(links, post_correct), INSTRUMENT
    )
    assert [p.id for p in result.poorly_known] == [KNOWLEDGE[3], KNOWLEDGE[7]]
    first = result.poorly_known[0]
    assert first.after.percent == 50 and first.explanation and first.source


def test_attrition_is_none_when_everyone_was_linked():
    links = [f"p{i}" for i in range(8)]
    assert evaluate(wave(links), wave(links), INSTRUMENT).attrition is None


def test_attrition_flags_a_difference_in_plain_words():
    links = [f"p{i}" for i in range(30)]
    correct = np.ones((30, 14))
    correct[20:, :] = 0  # those who leave knew less
    result = evaluate(wave(links, correct), wave(links[:20]), INSTRUMENT)
    a = result.attrition
    assert a.differs and (a.n_matched, a.n_unmatched) == (20, 10)
    knowledge = next(s for s in a.scales if s.id == "actual_knowledge")
    assert knowledge.smd is None or knowledge.smd > 0.2 or knowledge.sd_unmatched == 0
    assert "differed" in a.summary and "linked respondents only" in a.summary


def test_no_follow_up_means_no_retention_and_no_three_waves():
    links = [f"p{i}" for i in range(8)]
    result = evaluate(wave(links), wave(links), INSTRUMENT)
    assert result.retention is None and result.three_waves == ()
    assert result.flow.follow_up is None and result.flow.complete is None


def test_three_waves_use_complete_cases_and_the_mixed_model_everyone(demo_result, demo):
    t = next(x for x in demo_result.three_waves if x.id == "actual_knowledge")
    assert t.n <= demo_result.flow.complete
    assert [p.waves for p in t.pairwise] == [
        ("pre", "post"),
        ("post", "follow_up"),
        ("pre", "follow_up"),
    ]
    scored = sum(len(f) for f in (demo.pre, demo.post, demo.follow_up))
    assert t.mixed.n <= scored and t.mixed.n > t.n * 3
    assert [f.term for f in t.mixed.fixed] == ["(Intercept)", "wavepost", "wavefollow_up"]
    assert t.mixed.fixed[1].estimate > 0  # the training effect is recovered


def test_then_test_gives_standard_and_retrospective_change():
    links = [f"p{i}" for i in range(12)]
    pre = wave(links, confidence=np.full(12, 3.0))
    post = wave(links, confidence=np.array([4.0, 4.0, 5.0, 4.0, 3.0, 4.0] * 2))
    then = pd.DataFrame({"link": links, **{i: np.full(12, 2.0) for i in CONFIDENCE}})
    then.loc[0, CONFIDENCE] = 1.0
    result = evaluate(pre, post, INSTRUMENT, then_test=then)
    assert [t.id for t in result.then_test] == ["confidence"]
    t = result.then_test[0]
    assert t.retrospective.waves == ("then", "post")
    post_scores = post[CONFIDENCE].mean(axis=1).to_numpy()
    then_scores = then[CONFIDENCE].mean(axis=1).to_numpy()
    expected = paired_t(then_scores, post_scores)
    assert t.retrospective.t_test.mean_difference == pytest.approx(expected.mean_difference)
    assert t.retrospective.t_test.mean_difference > t.standard.t_test.mean_difference


def test_synthetic_flag_comes_from_the_rows(demo_result):
    assert demo_result.synthetic
    links = [f"p{i}" for i in range(6)]
    assert not evaluate(wave(links), wave(links), INSTRUMENT).synthetic


def test_default_primary_outcomes_are_the_specified_ones(demo_result):
    assert demo_result.primary == (
        "actual_knowledge",
        "confidence",
        "lack_conf_referral_men",
        "lack_conf_referral_women",
        "lack_conf_referral_child",
        "k_police_danger",
    )


def test_conventions_name_every_choice(demo_result):
    c = demo_result.conventions
    for key in ("missing data", "binary outcomes", "scores", "effect sizes", "three waves"):
        assert key in c
    assert "continuity correction" in c["scores"] and "zero differences" in c["scores"]
    assert "N = complete pairs" in c["effect sizes"] and "Wilson" in c["intervals"]
    assert "1 to 4" in c["suppression"]


# --- suppression ------------------------------------------------------------------------------


def test_small_discordant_cells_hide_the_table_but_keep_the_p_band():
    links = [f"p{i}" for i in range(30)]
    pre_correct = np.ones((30, 14))
    pre_correct[:12, 0] = 0  # 12 wrong before
    post_correct = np.ones((30, 14))
    post_correct[:2, 0] = 0  # 10 learn (b = 10), 2 stay wrong (d = 2: small)
    result = evaluate(wave(links, pre_correct), wave(links, post_correct), INSTRUMENT)
    item = result.items[0]
    assert (item.mcnemar.b, item.mcnemar.d) == (10, 2)
    assert is_hidden(item, "mcnemar.b") and is_hidden(item, "mcnemar.difference.lower")
    assert item.p_band == "<0.01"
    safe = item.to_dict(safe=True)
    assert safe["mcnemar"]["b"] == SYMBOL and safe["mcnemar"]["exact_p_value"] == SYMBOL
    assert safe["before"]["percent"] == 60.0 and safe["p_band"] == "<0.01"
    assert item.to_dict()["mcnemar"]["b"] == 10  # the analyst sees everything


def test_fewer_than_min_cell_pairs_hide_every_figure():
    links = ["a", "b", "c"]
    result = evaluate(wave(links), wave(links), INSTRUMENT)
    safe = result.to_dict(safe=True)
    assert safe["flow"]["matched"] == SYMBOL
    assert safe["items"][0]["after"] == SYMBOL and safe["items"][0]["mcnemar"] == SYMBOL
    assert all(s["wilcoxon"] == SYMBOL for s in safe["scales"])
    assert result.to_dict()["flow"]["matched"] == 3


def test_min_cell_1_hides_nothing(demo):
    result = evaluate(demo.pre, demo.post, INSTRUMENT, min_cell=1)
    assert SYMBOL not in json.dumps(result.to_dict(safe=True))


def test_small_groups_in_coverage_are_hidden_with_a_neighbour():
    links = [f"p{i}" for i in range(20)]
    discipline = [1.0] * 10 + [2.0] * 7 + [3.0] * 3
    result = evaluate(wave(links, discipline=discipline), wave(links), INSTRUMENT)
    counts = {g.label: (g.count, g.hidden) for g in result.coverage.by_group}
    assert counts["Mental health"] == (3, ("count",))
    assert counts["Maternity"] == (7, ("count",))  # else 20 - 10 - 7 gives the 3 away
    assert counts["Emergency medicine"] == (10, ())


# --- known effects of the demo ----------------------------------------------------------------


def test_the_demo_effects_are_recovered():
    demo = make_demo(960, seed=11)
    result = evaluate(demo.pre, demo.post, INSTRUMENT, min_cell=1)
    b = sum(c.mcnemar.b for c in result.items)
    d = sum(c.mcnemar.d for c in result.items)
    c = sum(c.mcnemar.c for c in result.items)
    a = sum(c.mcnemar.a for c in result.items)
    assert b / (b + d) == pytest.approx(EFFECTS["learn"], abs=0.03)
    assert c / (a + c) == pytest.approx(1 - EFFECTS["keep"], abs=0.015)
    confidence = next(s for s in result.scales if s.id == "confidence")
    expected = EFFECTS["rise_2"] * 2 + (EFFECTS["rise_1"] - EFFECTS["rise_2"]) * 1
    # ratings at 5 cannot rise, so the observed mean change is a little below the drawn one
    assert 0.6 * expected < confidence.t_test.mean_difference <= expected


def test_a_follow_up_without_a_section_leaves_it_out_quietly(demo):
    perceived = list(INSTRUMENT.scale("perceived_knowledge").items)
    follow_up = demo.follow_up.drop(columns=perceived)
    result = evaluate(demo.pre, demo.post, INSTRUMENT, follow_up=follow_up)
    assert [t.id for t in result.three_waves] == ["actual_knowledge", "confidence"]
    assert [s.id for s in result.retention.scales] == ["actual_knowledge", "confidence"]
    assert "perceived_knowledge" in [s.id for s in result.scales]
    assert not [w for w in result.warnings if "Perceived" in w]
