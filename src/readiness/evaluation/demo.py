"""A synthetic training evaluation: linked pre, post and follow-up waves with known effects.

The pattern follows the small evaluations the notes cite (48 at the pre-test, 28 at the post-test
and 13 at follow-up, only part of them linkable); ``n_pre`` scales it up.  Every row is marked
synthetic.

- **Pre-test**: a synthetic cohort of the shipped instrument (:func:`readiness.synth.make_cohort`),
  calibrated to the published baseline figures.
- **Post-test**: people with more baseline knowledge are a little more likely to stay to the end
  (realistic, informative attrition).  Of the post-test respondents, about 1 in 7 lost the
  draft that joins their two tests, so their post-test has a new link id and cannot be linked.
- **Known effects** (:data:`EFFECTS`): each knowledge item answered wrongly or "don't know"
  becomes correct with probability ``learn``; a correct answer stays correct with probability
  ``keep``; each confidence and perceived-knowledge rating rises by 1 point with probability
  ``rise_1`` and by 2 with ``rise_2`` (at most 5); "enough training" rises by 1 with ``rise_1``.
- **Follow-up**: drawn from the post-test respondents; a knowledge item learnt at the post-test
  is kept with probability ``retain`` (otherwise the pre-test answer comes back), and each
  rating falls back by 1 point with probability ``decay``.  Follow-up responses are linked to
  the post-test by the self-generated code (:mod:`readiness.evaluation.linkage`): every
  respondent answers the code questions at both waves, some with a slip in one element
  (``code_slip``), a few in two (``code_slip_2``, which then cannot be linked).
- **Then-test**: at the post-test, each confidence and perceived-knowledge item is rated again
  "thinking back to before today": the pre-test rating, 1 point lower with probability
  ``hindsight`` (a response shift: training shows people how little they knew).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.errors import ReadinessError
from readiness.evaluation.linkage import (
    SGIC_ELEMENTS,
    Linkage,
    Record,
    link_waves,
    sgic_digests,
)
from readiness.instrument import Instrument, shipped_instrument
from readiness.instrument.model import DONT_KNOW, FALSE, TRUE
from readiness.tabular import atomic_write

PATTERN = {"pre": 48, "post": 28, "follow_up": 13}  # the small evaluation the demo scales up
EFFECTS = {
    "learn": 0.65,
    "keep": 0.95,
    "rise_1": 0.7,
    "rise_2": 0.3,
    "retain": 0.7,
    "decay": 0.3,
    "lost_draft": 4 / 28,
    "code_slip": 0.15,
    "code_slip_2": 0.05,
    "hindsight": 0.4,
}
DEMO_SECRET = b"readiness demo secret: synthetic data only"
MIN_N = 20

SYNTHETIC_NOTE = (
    "SYNTHETIC DATA. Every response in this folder was drawn by `readiness evaluate demo`: a "
    "synthetic pre-test cohort, then post-test and follow-up answers with known effects and "
    "attrition. No real person answered it. Do not report it as findings."
)


@dataclass(frozen=True)
class EvaluationDemo:
    """Three waves of synthetic responses (with a ``link`` column) and how they were linked."""

    pre: pd.DataFrame
    post: pd.DataFrame
    follow_up: pd.DataFrame
    then_test: pd.DataFrame  # retrospective "before today" ratings taken at the post-test
    linkage: Linkage  # post-test to follow-up, by the self-generated code
    seed: int
    effects: dict


def _ratings(instrument: Instrument) -> list[str]:
    out = []
    for scale in instrument.scales:
        if all(instrument.item(i).type == "likert" for i in scale.items):
            out += list(scale.items)
    if "training_enough" in instrument.item_ids:
        out.append("training_enough")
    return out


def _knowledge(instrument: Instrument) -> list[str]:
    return [i.id for i in instrument.items if i.type == "true_false"]


def _code_answers(rng: np.random.Generator, n: int) -> list[dict[str, str]]:
    letters = list("ABCDEFGHIJKLMNOPRSTW")
    return [
        {
            "mother_initial": str(rng.choice(letters)),
            "birth_day": str(int(rng.integers(1, 32))),
            "older_siblings": str(int(rng.choice([0, 0, 1, 1, 2, 3]))),
            "birth_town_initial": str(rng.choice(letters)),
            "shoe_size_band": str(int(rng.integers(1, 6))),
        }
        for _ in range(n)
    ]


def _slip(rng: np.random.Generator, answers: dict[str, str], k: int) -> dict[str, str]:
    out = dict(answers)
    for element in rng.choice([e.id for e in SGIC_ELEMENTS], size=k, replace=False):
        if element == "birth_day":
            out[element] = str(int(out[element]) % 31 + 1)
        elif element == "older_siblings":
            out[element] = str((int(out[element]) + 1) % 31)
        elif element == "shoe_size_band":
            out[element] = str(int(out[element]) % 5 + 1)
        else:
            out[element] = "Z" if out[element] != "Z" else "Y"
    return out


def make_demo(n_pre: int = PATTERN["pre"], seed: int = 55) -> EvaluationDemo:
    """Draw a synthetic evaluation with ``n_pre`` pre-test respondents (see the module notes)."""
    from readiness.synth.cohort import make_cohort

    if n_pre < MIN_N:
        raise ReadinessError(
            f"the demo needs at least {MIN_N} pre-test respondents, not {n_pre}. "
            f"Fix: use --n {PATTERN['pre']} (the default) or more."
        )
    instrument = shipped_instrument()
    rng = np.random.default_rng(seed)
    n_post = round(n_pre * PATTERN["post"] / PATTERN["pre"])
    n_fu = round(n_pre * PATTERN["follow_up"] / PATTERN["pre"])
    pre = make_cohort(n_pre, seed=seed, instrument=instrument).responses.reset_index(drop=True)
    knowledge, ratings = _knowledge(instrument), _ratings(instrument)
    keys = {i: (TRUE if instrument.item(i).key else FALSE) for i in knowledge}

    # who stays to the post-test: more likely with more baseline knowledge
    score = sum((pre[i].to_numpy() == keys[i]).astype(float) for i in knowledge)
    weight = np.exp(0.25 * (score - score.mean()))
    stay = np.sort(rng.choice(n_pre, size=n_post, replace=False, p=weight / weight.sum()))

    def trained(rows: np.ndarray) -> pd.DataFrame:
        out = pre.iloc[rows].copy().reset_index(drop=True)
        m = len(out)
        for i in knowledge:
            before = out[i].to_numpy()
            right = before == keys[i]
            learn = rng.random(m) < EFFECTS["learn"]
            keep = rng.random(m) < EFFECTS["keep"]
            after = np.where(right, np.where(keep, keys[i], DONT_KNOW), before)
            after = np.where(~right & ~np.isnan(before) & learn, keys[i], after)
            out[i] = after
        for i in ratings:
            u = rng.random(m)
            step = np.where(u < EFFECTS["rise_2"], 2, np.where(u < EFFECTS["rise_1"], 1, 0))
            if i == "training_enough":
                step = (u < EFFECTS["rise_1"]).astype(int)
            out[i] = np.minimum(5, out[i].to_numpy() + step)
        return out

    post = trained(stay)
    pre_links = np.array([f"D{j + 1:06d}" for j in range(n_pre)], dtype=object)
    post_links = pre_links[stay].copy()
    lost = rng.random(n_post) < EFFECTS["lost_draft"]
    post_links[lost] = [f"N{j + 1:06d}" for j in range(int(lost.sum()))]

    # then-test: the pre-test ratings seen in hindsight, a little lower
    rated = [i for i in ratings if i != "training_enough"]
    then = pd.DataFrame({"site": post["site"].to_numpy()})
    for i in rated:
        lower = rng.random(n_post) < EFFECTS["hindsight"]
        then[i] = np.maximum(1, pre[i].to_numpy()[stay] - lower)

    # follow-up: some of the post-test respondents; learning partly decays
    back = np.sort(rng.choice(n_post, size=n_fu, replace=False))
    fu = post.iloc[back].copy().reset_index(drop=True)
    base = pre.iloc[stay[back]].reset_index(drop=True)
    for i in knowledge:
        learnt = (fu[i].to_numpy() == keys[i]) & (base[i].to_numpy() != keys[i])
        forget = learnt & (rng.random(n_fu) > EFFECTS["retain"])
        fu[i] = np.where(forget, base[i].to_numpy(), fu[i].to_numpy())
    for i in ratings:
        drop = rng.random(n_fu) < EFFECTS["decay"]
        fu[i] = np.maximum(1, fu[i].to_numpy() - drop)

    # the self-generated code links the follow-up to the post-test
    codes = _code_answers(rng, n_post)
    post_records = [
        Record(str(post_links[j]), sgic_digests(DEMO_SECRET, codes[j]), str(post["site"][j]))
        for j in range(n_post)
    ]
    fu_records = []
    for k, j in enumerate(back):
        u = rng.random()
        slips = 2 if u < EFFECTS["code_slip_2"] else (1 if u < EFFECTS["code_slip"] else 0)
        answers = _slip(rng, codes[j], slips) if slips else codes[j]
        fu_records.append(
            Record(f"F{k + 1:06d}", sgic_digests(DEMO_SECRET, answers), str(fu["site"][k]))
        )
    linkage = link_waves(post_records, fu_records, max_mismatch=1)
    linked = {link.later: link.earlier for link in linkage.links}
    fu_links = np.array([linked.get(r.id, r.id) for r in fu_records], dtype=object)

    def finish(frame: pd.DataFrame, links: np.ndarray, prefix: str) -> pd.DataFrame:
        frame = frame.copy()
        frame["response_id"] = [f"{prefix}{j + 1:06d}" for j in range(len(frame))]
        frame["synthetic"] = 1
        frame["link"] = links
        return frame

    return EvaluationDemo(
        pre=finish(pre, pre_links, "PRE"),
        post=finish(post, post_links, "POST"),
        follow_up=finish(fu, fu_links, "FU"),
        then_test=finish(then, post_links, "THEN"),
        linkage=linkage,
        seed=seed,
        effects=dict(EFFECTS),
    )


def write_wave(frame: pd.DataFrame, instrument: Instrument, path: Path, link_column: str) -> Path:
    """Write one wave as CSV: the validated responses, then the link column."""
    from readiness.responses.write import write_responses

    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "wave.csv"
        write_responses(frame.drop(columns=[link_column]), instrument, plain)
        text = pd.read_csv(plain, dtype=str, keep_default_na=False)
    text[link_column] = frame[link_column].astype(str).to_numpy()
    atomic_write(path, lambda t: text.to_csv(t, index=False, encoding="utf-8", lineterminator="\n"))
    return path


def write_demo(demo: EvaluationDemo, folder: str | Path) -> dict[str, Path]:
    """Write the three waves (CSV), the linkage report (JSON, no digests) and a README."""
    import json

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    instrument = shipped_instrument()
    files = {
        "pre": write_wave(demo.pre, instrument, folder / "pre.csv", "link"),
        "post": write_wave(demo.post, instrument, folder / "post.csv", "link"),
        "follow_up": write_wave(demo.follow_up, instrument, folder / "follow-up.csv", "link"),
        "then_test": write_wave(demo.then_test, instrument, folder / "then-test.csv", "link"),
    }
    report = folder / "linkage.json"
    payload = {"synthetic": True, "post_to_follow_up": demo.linkage.to_dict()}
    atomic_write(report, lambda t: Path(t).write_text(json.dumps(payload, indent=2) + "\n"))
    readme = folder / "README.txt"
    effects = "\n".join(f"  {k}: {v:g}" for k, v in demo.effects.items())
    readme.write_text(
        f"{SYNTHETIC_NOTE}\n\nSeed {demo.seed}. Known effects (readiness.evaluation.demo):\n"
        f"{effects}\n",
        encoding="utf-8",
    )
    files["linkage"] = report
    files["readme"] = readme
    return files


__all__ = ["EFFECTS", "PATTERN", "EvaluationDemo", "make_demo", "write_demo", "write_wave"]
