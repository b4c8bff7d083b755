import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.interviews import InterviewError, Project
from readiness.interviews.agreement import (
    agreement,
    alpha_from_counts,
    cohen_kappa,
    is_interviewer,
    krippendorff_alpha_nominal,
)

A = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0]
B = [1, 1, 0, 0, 0, 0, 0, 1, 1, 0]


def test_hand_worked_two_coders():
    # 8 of 10 units agree; each coder codes 4 of 10, so p_e = .4*.4 + .6*.6 = .52
    assert cohen_kappa(A, B) == pytest.approx((0.8 - 0.52) / (1 - 0.52))
    # 20 values, 8 ones and 12 zeros; two units disagree, each adding 2*1*1/(2-1) = 2
    assert krippendorff_alpha_nominal([A, B]) == pytest.approx(1 - 19 * 4 / (2 * 12 * 8))


def test_kernels_match_krippendorff_package_with_missing_values():
    rng = np.random.default_rng(7)
    for _ in range(40):
        coders, units = rng.integers(2, 6), rng.integers(3, 40)
        x = rng.integers(0, rng.integers(2, 5), size=(coders, units)).astype(float)
        x[rng.random(x.shape) < 0.2] = np.nan
        if np.unique(x[~np.isnan(x)]).size < 2 or ((~np.isnan(x)).sum(axis=0) >= 2).sum() == 0:
            continue
        ours = krippendorff_alpha_nominal(x)
        ref = krippendorff.alpha(reliability_data=x, level_of_measurement="nominal")
        assert ours == pytest.approx(ref, abs=1e-12)


@settings(max_examples=60)
@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 1.0, np.nan]), min_size=4, max_size=4),
        min_size=2,
        max_size=12,
    )
)
def test_alpha_from_counts_equals_alpha_on_binary_data(rows):
    x = np.array(rows).T  # 4 coders x units
    present = ~np.isnan(x)
    hist = {}
    for u in range(x.shape[1]):
        m = int(present[:, u].sum())
        jv = int(np.nansum(x[:, u]))
        hist.setdefault(m, np.zeros(5, dtype=int))[jv] += 1
    ours = alpha_from_counts(hist)
    direct = krippendorff_alpha_nominal(x)
    assert (np.isnan(ours) and np.isnan(direct)) or ours == pytest.approx(direct)


def _project(turn_codes: dict[str, list[int]], n_turns=10):
    """A transcript of n turns; each coder codes code C on the listed turns."""
    lines = [f"{'Interviewer' if k % 2 == 0 else 'P1'}: turn number {k}" for k in range(n_turns)]
    text = "\n".join(lines)
    p = Project("agreement")
    p.add_transcript("T", text, participant="P1")
    p.add_code("C")
    p.add_code("D")
    starts = [text.index(line) for line in lines]
    for coder, turns in turn_codes.items():
        p.user(coder)
        for k in turns:
            # code the middle of the turn, not all of it
            p.add_coding("T", starts[k] + 5, starts[k] + 12, "C", coder)
    return p, text, starts


def test_turn_unit_matches_kernels_and_package():
    coded_a = [k for k, v in enumerate(A) if v]
    coded_b = [k for k, v in enumerate(B) if v]
    p, _, _ = _project({"ann": coded_a, "ben": coded_b})
    res = agreement(p, ["ann", "ben"], unit="turn", include_interviewer=True)
    assert res.unit == "turn" and res.n == 10
    (c,) = res.codes
    assert c.percent_agreement == pytest.approx(0.8)
    assert c.kappa == pytest.approx(cohen_kappa(A, B))
    assert c.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=[A, B], level_of_measurement="nominal")
    )
    assert c.coded_units == {"ann": 4, "ben": 4}
    assert res.overall.alpha == pytest.approx(c.alpha)
    assert [(d.start, d.coded_by, d.not_coded_by) for d in res.disagreements][0][1:] == (
        ["ann"],
        ["ben"],
    )
    assert len(res.disagreements) == 2


def test_character_unit_matches_package():
    p, text, starts = _project({"ann": [1, 3], "ben": [1]})
    ben = p.user("ben").id
    p.add_coding("T", starts[5], starts[5] + 20, "C", ben)
    res = agreement(p, unit="character", include_interviewer=True)
    assert res.unit == "character" and res.n == len(text)
    a = np.zeros(len(text))
    b = np.zeros(len(text))
    for c in p.codings.values():
        (a if p.user_name(c.coder) == "ann" else b)[c.start : c.end] = 1
    (c,) = res.codes
    assert c.percent_agreement == pytest.approx(float(np.mean(a == b)))
    assert c.kappa == pytest.approx(cohen_kappa(a, b))
    assert c.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
    )
    runs = sorted((d.start, d.end, tuple(d.coded_by)) for d in res.disagreements)
    assert runs == [
        (starts[3] + 5, starts[3] + 12, ("ann",)),
        (starts[5], starts[5] + 20, ("ben",)),
    ]


def test_overall_pools_codes_and_three_coders_with_missing():
    p, text, starts = _project({"ann": [1, 3], "ben": [1], "cat": [1, 3, 5]})
    p.add_transcript("U", "P2: other words here\nInterviewer: and more", participant="P2")
    p.add_coding("U", 0, 10, "D", "ann")
    p.add_coding("U", 0, 10, "D", "ben")  # cat did not code U: missing there
    res = agreement(p, unit="turn", include_interviewer=True)
    assert res.coders == ["ann", "ben", "cat"] and res.codes[0].kappa is None
    # reference: coders x units over both codes, NaN where a coder did not code a transcript
    nan = np.nan
    c_t = [
        [0, 1, 0, 1, 0, 0, 0, 0, 0, 0],
        [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 1, 0, 1, 0, 1, 0, 0, 0, 0],
    ]
    c_u = [[0, 0], [0, 0], [nan, nan]]  # code C on transcript U
    d_t = [[0] * 10] * 3
    d_u = [[1, 0], [1, 0], [nan, nan]]
    per_c = np.hstack([c_t, c_u])
    per_d = np.hstack([d_t, d_u])
    ref = krippendorff.alpha(reliability_data=per_c, level_of_measurement="nominal")
    assert res.codes[0].alpha == pytest.approx(ref)
    assert res.codes[0].n == 12
    pooled = np.hstack([per_c, per_d])
    assert res.overall.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal")
    )
    assert res.overall.n == 24
    # percent agreement: units where every coder present agrees
    assert res.codes[0].percent_agreement == pytest.approx(10 / 12)


def test_skip_interviewer_turns():
    p, _, _ = _project({"ann": [1, 3], "ben": [1]})
    res = agreement(p, unit="turn", skip_speakers=["Interviewer"])
    assert res.n == 5 and res.codes[0].percent_agreement == pytest.approx(4 / 5)
    assert "Interviewer" in res.note


def test_needs_two_coders_on_one_transcript():
    p, _, _ = _project({"ann": [1]})
    with pytest.raises(InterviewError, match="two or more coders"):
        agreement(p)
    p.user("ben")
    with pytest.raises(InterviewError, match="no coder is called"):
        agreement(p, ["ann", "zed"])
    with pytest.raises(InterviewError, match="no transcript has been coded"):
        agreement(p, ["ann", "ben"])


def test_undefined_values_are_none():
    p, _, _ = _project({"ann": [0], "ben": [0]}, n_turns=1)
    res = agreement(p, include_interviewer=True)
    assert res.codes[0].percent_agreement == 1.0
    assert res.codes[0].alpha is None and res.codes[0].kappa is None
    assert res.to_dict()["codes"][0]["alpha"] is None


def test_interviewer_turns_are_left_out_by_default():
    # ann also codes two interviewer questions (turns 0 and 2): only a default that leaves
    # them out gives the agreement on the participant's five turns
    p, _, _ = _project({"ann": [0, 1, 2, 3], "ben": [1]})
    res = agreement(p, unit="turn")
    assert res.n == 5 and res.codes[0].percent_agreement == pytest.approx(4 / 5)
    assert "Turns of Interviewer left out" in res.note and "unless asked for" in res.note
    assert all(d.speaker != "Interviewer" for d in res.disagreements)
    kept = agreement(p, unit="turn", include_interviewer=True)
    assert kept.n == 10 and kept.codes[0].percent_agreement == pytest.approx(7 / 10)
    assert "left out" not in kept.note
    chars = agreement(p, unit="character")
    text = p.source("T").text
    asked = sum(len(x) for x in text.split("\n") if x.startswith("Interviewer"))
    assert chars.n == len(text) - asked


def test_other_interviewer_labels_and_no_speakers():
    text = "Int: a question?\nHCP07: an answer here\nResearcher (AB): more?\nHCP07: yes indeed"
    p = Project("labels")
    p.add_transcript("T", text, participant="HCP07")
    p.add_code("C")
    for coder in ("ann", "ben"):
        p.add_coding("T", 0, len(text), "C", coder)
    res = agreement(p)
    assert res.n == 2 and "Int, Researcher (AB)" in res.note
    # a transcript without speaker labels: nothing to leave out
    q = Project("plain")
    q.add_transcript("T", "first line\nsecond line", participant="P1")
    q.add_code("C")
    q.add_coding("T", 0, 5, "C", "ann")
    q.add_coding("T", 0, 5, "C", "ben")
    assert agreement(q).n == 2 and "left out" not in agreement(q).note


@pytest.mark.parametrize(
    "label,expected",
    [
        ("Interviewer", True),
        ("interviewer 2", True),
        ("Int.", True),
        ("Q", True),
        ("Interviewer JW", True),
        ("Moderator", True),
        ("Iain", False),
        ("Interviewee", False),
        ("Quentin", False),
        ("P12", False),
        (None, False),
    ],
)
def test_is_interviewer(label, expected):
    assert is_interviewer(label) is expected
