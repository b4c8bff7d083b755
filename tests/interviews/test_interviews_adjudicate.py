"""Resolving coders' disagreements (readiness.interviews.adjudicate)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.interviews import InterviewError, Project
from readiness.interviews.adjudicate import apply, find, resolve
from readiness.interviews.agreement import agreement

LINES = [f"{'Interviewer' if k % 2 == 0 else 'P1'}: turn number {k} said here" for k in range(8)]
TEXT = "\n".join(LINES)
STARTS = [TEXT.index(line) for line in LINES]


def project(codings: dict[str, list[tuple[int, int]]]) -> Project:
    """One transcript of eight turns and the code C, coded by each coder on those spans; each
    coder also codes the last turn D, alike, so that every coder has coded the transcript."""
    p = Project("adjudicate")
    p.add_transcript("T", TEXT, participant="P1")
    p.add_code("C")
    p.add_code("D")
    for coder, spans in codings.items():
        p.user(coder)
        p.add_coding("T", *turn(7), "D", coder)
        for start, end in spans:
            p.add_coding("T", start, end, "C", coder)
    return p


def turn(k: int, a: int = 4, b: int = 16) -> tuple[int, int]:
    """Characters a..b of turn k."""
    return STARTS[k] + a, STARTS[k] + b


def spans(p: Project, coder: str) -> list[tuple[int, int]]:
    return sorted(
        (c.start, c.end)
        for c in p.codings.values()
        if p.user_name(c.coder) == coder and c.code == p.code("C").id
    )


def test_add_gives_the_others_a_copy_clipped_to_the_turn():
    p = project({"ann": [turn(1), (STARTS[3], STARTS[5] + 6)], "ben": [turn(1)]})
    (d,) = [d for d in agreement(p, unit="turn").disagreements if d.start == STARTS[3]]
    done = resolve(p, source="T", code="C", start=d.start, end=d.end, action="add", user="lead")
    assert done.coders == ["ben"] and done.changed == 1
    assert (STARTS[3], STARTS[3] + len(LINES[3])) in spans(p, "ben")  # clipped to turn 3
    assert [x.start for x in agreement(p, unit="turn").disagreements] == [STARTS[5]]
    (entry,) = [e for e in p.audit if e.action == "resolve-disagreement"]
    assert entry.user == "lead"
    assert entry.details["resolution"] == "add" and entry.details["unit"] == "turn"


def test_remove_splits_shortens_or_deletes():
    long = (STARTS[1], STARTS[1] + len(LINES[1]))
    p = project({"ann": [long, turn(3)], "ben": [turn(1, 6, 10)]})
    res = agreement(p, unit="character", include_interviewer=True)
    first = next(d for d in res.disagreements if d.start == long[0])  # ann alone: "P1"
    resolve(p, source="T", code="C", start=first.start, end=first.end, action="remove",
            unit="character", include_interviewer=True)  # fmt: skip
    assert spans(p, "ann")[0] == (STARTS[1] + 6, long[1])  # shortened
    middle = resolve(p, source="T", code="C", start=STARTS[1] + 10, end=long[1],
                     action="remove", unit="character", include_interviewer=True)  # fmt: skip
    assert middle.changed == 1 and spans(p, "ann")[0] == (STARTS[1] + 6, STARTS[1] + 10)
    gone = resolve(p, source="T", code="C", start=turn(3)[0], end=turn(3)[1], action="remove",
                   unit="character", include_interviewer=True)  # fmt: skip
    assert gone.changed == 1 and spans(p, "ann") == [(STARTS[1] + 6, STARTS[1] + 10)]


def test_a_passage_in_the_middle_of_a_coding_splits_it_in_two():
    whole = (STARTS[1], STARTS[1] + len(LINES[1]))
    p = project({"ann": [whole], "ben": [(whole[0], whole[0] + 6), (whole[1] - 4, whole[1])]})
    kept_id = next(g for g, c in p.codings.items() if (c.start, c.end) == whole)
    done = resolve(p, source="T", code="C", start=whole[0] + 6, end=whole[1] - 4,
                   action="remove", unit="character", include_interviewer=True)  # fmt: skip
    assert done.changed == 2
    assert spans(p, "ann") == spans(p, "ben")
    assert kept_id in p.codings  # the first piece keeps the coding, its memos and time


def test_only_the_coders_on_the_side_the_action_changes():
    p = project({"ann": [turn(1)], "ben": [], "cat": []})
    plan = find(p, source="T", code="C", start=STARTS[1], end=STARTS[1] + len(LINES[1]),
                action="add", coders=["ann", "ben", "cat"])  # fmt: skip
    assert plan.coders == ["ben", "cat"] and plan.changed == 0 and spans(p, "ben") == []
    with pytest.raises(InterviewError, match="ann cannot be changed"):
        apply(p, plan, ["ann"])
    assert apply(p, plan, ["cat"]).coders == ["cat"]
    assert spans(p, "cat") == [turn(1)] and spans(p, "ben") == []


def test_a_resolved_or_unknown_disagreement_is_explained():
    p = project({"ann": [turn(1)], "ben": []})
    args = {"source": "T", "code": "C", "start": STARTS[1], "end": STARTS[1] + len(LINES[1])}
    with pytest.raises(InterviewError, match="unknown action"):
        find(p, action="merge", coders=["ann", "ben"], **args)
    resolve(p, action="remove", coders=["ann", "ben"], **args)
    with pytest.raises(InterviewError, match="no longer there"):
        resolve(p, action="remove", coders=["ann", "ben"], **args)
    with pytest.raises(InterviewError, match="no transcript"):
        find(p, action="add", coders=["ann", "ben"], **{**args, "source": "U"})


@settings(max_examples=40, deadline=None)
@given(
    ann=st.lists(st.integers(0, 7), max_size=6, unique=True),
    ben=st.lists(st.integers(0, 7), max_size=6, unique=True),
    actions=st.lists(st.sampled_from(["add", "remove"]), min_size=8, max_size=8),
)
def test_resolving_every_turn_leaves_no_disagreement(ann, ben, actions):
    """Each listed disagreement resolved, by copying or by cutting: the coders then agree on
    every turn, and the turns they agreed on before are as they were."""
    p = project({"ann": [turn(k) for k in ann], "ben": [turn(k, 2, 9) for k in ben]})
    if not ann and not ben:
        return
    before = agreement(p, ["ann", "ben"], unit="turn", include_interviewer=True)
    for d, action in zip(before.disagreements, actions, strict=False):
        resolve(p, source="T", code="C", start=d.start, end=d.end, action=action,
                coders=["ann", "ben"], include_interviewer=True)  # fmt: skip
    after = agreement(p, ["ann", "ben"], unit="turn", include_interviewer=True)
    assert after.disagreements == []
    agreed = set(ann) & set(ben)
    assert all(spans(p, "ann").count(turn(k)) == 1 for k in agreed)


def test_the_command_resolves_what_agreement_lists_and_saves_the_project(tmp_path):
    from click.testing import CliRunner

    from readiness.cli.interviews import interviews
    from readiness.interviews import store

    folder = tmp_path / "study"
    store.save(project({"ann": [turn(1), turn(3)], "ben": [turn(1)]}), folder)
    runner = CliRunner()
    listed = runner.invoke(interviews, ["agreement", str(folder), "--json"])
    (d,) = json.loads(listed.output)["disagreements"]
    args = ["resolve", str(folder), "--source", d["source"], "--code", d["code"],
            "--start", str(d["start"]), "--end", str(d["end"]), "--user", "lead"]  # fmt: skip
    done = runner.invoke(interviews, [*args, "--action", "add", "--for", "ben"])
    assert done.exit_code == 0, done.output
    assert f"T line {d['line']} [C]: now coded by ben (1 coding(s) changed)." in done.output
    saved = store.load(folder)
    assert agreement(saved, unit="turn").disagreements == []
    assert [e.user for e in store.read_audit(folder) if e.action == "resolve-disagreement"] == [
        "lead"
    ]
    again = runner.invoke(interviews, [*args, "--action", "add"])
    assert again.exit_code != 0 and "no longer there" in str(again.exception)
