"""Interview study: import, framework matrix and search at the sizes the issue sets.

- Import 200 plain-text transcripts of 10,000 words each (2 million words, about 12 MB):
  read, decode, normalise, find speaker turns, add to a project and save the project folder
  (every transcript written atomically).  Target: under 30 s.
- Framework matrix for 50 participants by 40 codes (8 themes), from 2,000 codings with 400
  memos: compute it and write it to XLSX.  Target: under 1 s.
- Search the 2 million words for a word, case-insensitively, as the command and the web search
  do (first 1,000 hits with line, speaker and context).  Target: under 200 ms (median of 5;
  the first, cold call is reported in the note).

The transcripts are synthetic (a fixed random seed); no real interview text is used.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from readiness.interviews import store
from readiness.interviews.documents import write_framework_xlsx
from readiness.interviews.ingest import import_transcripts
from readiness.interviews.model import Project, turns_of
from readiness.interviews.outputs import framework_matrix, search

N_TRANSCRIPTS, N_WORDS = 200, 10_000
N_PARTICIPANTS, N_CODES, N_THEMES, N_CODINGS = 50, 40, 8, 2_000
IMPORT_SECONDS, FRAMEWORK_SECONDS, SEARCH_SECONDS = 30.0, 1.0, 0.2

_TOPIC = (
    "interpreter safeguarding referral training police consent entitlement charging GP "
    "mental health trauma support helpline companion documents trust disclosure children"
).split()


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(3000)}
    return sorted(words) + _TOPIC


def transcript(rng: random.Random, vocab: list[str], participant: str, n_words: int) -> str:
    """A synthetic interview: alternating short questions and longer answers."""
    lines, count = [], 0
    while count < n_words:
        q = rng.randint(8, 25)
        a = min(rng.randint(40, 160), max(1, n_words - count - q))
        lines.append("Interviewer: " + " ".join(rng.choices(vocab, k=q)) + "?")
        words = rng.choices(vocab, k=a)
        lines.append(f"{participant}: " + " ".join(words) + ".")
        count += q + a
    return "\n".join(lines) + "\n"


def bench_import(workdir: Path) -> tuple[dict, Project, float]:
    rng = random.Random(20200101)
    vocab = _vocabulary(rng)
    src = workdir / "transcripts"
    src.mkdir()
    paths = []
    for k in range(N_TRANSCRIPTS):
        path = src / f"P{k + 1:03d}_interview.txt"
        path.write_text(transcript(rng, vocab, f"P{k + 1:03d}", N_WORDS), encoding="utf-8")
        paths.append(path)
    megabytes = sum(p.stat().st_size for p in paths) / 1e6
    turns_of.cache_clear()
    t0 = time.perf_counter()
    project = store.init(workdir / "study", "Benchmark")
    import_transcripts(project, paths)
    for t in project.sources.values():
        t.turns  # noqa: B018 - speaker turns are part of importing
    store.save(project, workdir / "study")
    elapsed = time.perf_counter() - t0
    row = {
        "name": f"interviews: import {N_TRANSCRIPTS} transcripts x {N_WORDS:,} words",
        "ours_seconds": elapsed,
        "reference_seconds": None,
        "target": f"< {IMPORT_SECONDS:.0f} s",
        "passed": elapsed < IMPORT_SECONDS,
        "note": f"{megabytes:.1f} MB of .txt read, normalised, split into turns, saved",
    }
    return row, project, megabytes


def bench_search(project: Project) -> dict:
    words = sum(len(t.text.split()) for t in project.sources.values())
    t0 = time.perf_counter()
    hits = search(project, "helpline")
    cold = time.perf_counter() - t0
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        hits = search(project, "helpline")
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {
        "name": f"interviews: search {words / 1e6:.1f} million words",
        "ours_seconds": median,
        "reference_seconds": None,
        "target": f"< {SEARCH_SECONDS * 1000:.0f} ms",
        "passed": median < SEARCH_SECONDS,
        "note": f"case-insensitive, {len(hits)} hits returned (limit 1,000); first call "
        f"{cold * 1000:.0f} ms",
    }


def framework_project(seed: int = 7) -> Project:
    """50 participants, 40 codes in 8 themes, 2,000 codings by two coders, 400 memos."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    p = Project("Framework benchmark")
    for k in range(N_PARTICIPANTS):
        name = f"P{k + 1:02d}"
        p.add_participant(
            name,
            {
                "professional_group": rng.choice(["health", "non-health"]),
                "profession": rng.choice(["nurse", "GP", "midwife", "police officer"]),
                "nation": rng.choice(["England", "Scotland"]),
            },
        )
        p.add_transcript(name, transcript(rng, vocab, name, 3_000), participant=name)
    codes = [p.add_code(f"Code {j + 1:02d}").id for j in range(N_CODES)]
    per_theme = N_CODES // N_THEMES
    for t in range(N_THEMES):
        p.add_theme(f"Theme {t + 1}", codes=codes[t * per_theme : (t + 1) * per_theme])
    sources = list(p.sources.values())
    for k in range(N_CODINGS):
        t = sources[k % len(sources)]
        start = rng.randrange(0, len(t.text) - 400)
        c = p.add_coding(
            t.id,
            start,
            start + rng.randint(40, 400),
            rng.choice(codes),
            rng.choice(["alice", "bob"]),
        )
        if k % 5 == 0:
            p.add_memo(" ".join(rng.choices(vocab, k=20)), target="coding", target_id=c.id)
    return p


def bench_framework(workdir: Path) -> list[dict]:
    p = framework_project()
    t0 = time.perf_counter()
    fm = framework_matrix(p, by="code")
    compute = time.perf_counter() - t0
    write_framework_xlsx(fm, workdir / "framework.xlsx")
    total = time.perf_counter() - t0
    t0 = time.perf_counter()
    framework_matrix(p, by="theme")
    by_theme = time.perf_counter() - t0
    return [
        {
            "name": f"interviews: framework matrix {N_PARTICIPANTS} x {N_CODES} codes + XLSX",
            "ours_seconds": total,
            "reference_seconds": None,
            "target": f"< {FRAMEWORK_SECONDS:.0f} s",
            "passed": total < FRAMEWORK_SECONDS,
            "note": f"{N_CODINGS:,} codings, 400 memos; computing {compute * 1000:.0f} ms, "
            f"by {N_THEMES} themes {by_theme * 1000:.0f} ms",
        }
    ]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="readiness-bench-interviews-") as tmp:
        work = Path(tmp)
        row, project, _ = bench_import(work)
        rows = [row, bench_search(project)]
        rows += bench_framework(work)
    return rows


if __name__ == "__main__":  # pragma: no cover
    for r in run():
        print(r)
