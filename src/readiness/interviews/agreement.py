"""Agreement between coders who coded the same transcripts.

For each code, every *unit* of a transcript is a yes/no judgement by each coder: did the coder
apply the code to (some of) that unit?  The unit is either the **speaker turn** (a turn counts
as coded if any coding of the code overlaps it) or the **character**.  The unit is stated in
every result, because the figures differ a great deal between the two.

* **Percent agreement**: the share of units on which all coders present agree.
* **Cohen's kappa** (two coders): (p_o - p_e) / (1 - p_e), with p_e from each coder's own rate
  of applying the code (Cohen 1960).
* **Krippendorff's alpha** (nominal, any number of coders, missing coders allowed):
  1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k, from the coincidence matrix of the
  pairable values (Krippendorff, *Content Analysis*, 2004, ch. 11).  It matches the
  ``krippendorff`` package (and R's ``irr::kripp.alpha``) on the same data.

A coder takes part in a transcript if they made at least one coding in it (of any code); a
coder who did not is *missing* there (alpha allows that; kappa uses only transcripts both
coders coded).  The overall figures pool every (code, unit) judgement as one binary unit.

Reflexive thematic analysis does not use inter-coder agreement; these figures are for studies
whose design calls for them (e.g. codebook or coding-reliability approaches).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from readiness.interviews.errors import fail
from readiness.interviews.model import Project, turns_of
from readiness.interviews.outputs import _Index, speaker_at
from readiness.stats.result import Result

__all__ = [
    "Agreement",
    "CodeAgreement",
    "Disagreement",
    "agreement",
    "alpha_from_counts",
    "cohen_kappa",
    "krippendorff_alpha_nominal",
]

UNITS = ("turn", "character")


# ---------------------------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------------------------


def cohen_kappa(a, b) -> float:
    """Cohen's kappa for two coders' nominal ratings of the same units.

    kappa = (p_o - p_e) / (1 - p_e), where p_o is the observed share of agreement and
    p_e = sum_c p_a(c) p_b(c) the agreement expected from each coder's own category rates
    (Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas 1960;20:37-46).
    NaN when p_e is 1 (both coders used one and the same category throughout).

    >>> round(cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0]), 4)
    0.5
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError("two equally long, non-empty rating vectors are needed")
    cats = np.union1d(a, b)
    po = float(np.mean(a == b))
    pe = float(sum(np.mean(a == c) * np.mean(b == c) for c in cats))
    return float("nan") if pe >= 1 else (po - pe) / (1 - pe)


def krippendorff_alpha_nominal(data) -> float:
    """Krippendorff's alpha for nominal data: ``data`` is coders x units, NaN for missing.

    Units with fewer than two values are not pairable and are left out.  NaN when the
    pairable values hold only one category.  See the module docstring for the formula.

    >>> round(krippendorff_alpha_nominal([[1, 1, 0, 0], [1, 0, 0, 0]]), 4)
    0.5333
    """
    x = np.asarray(data, dtype=float)
    if x.ndim != 2:
        raise ValueError("data must be coders x units")
    present = ~np.isnan(x)
    m = present.sum(axis=0)
    keep = m >= 2
    x, present, m = x[:, keep], present[:, keep], m[keep]
    if x.size == 0:
        return float("nan")
    cats = np.unique(x[present])
    if cats.size < 2:
        return float("nan")
    # counts[c, u]: how many coders gave category c to unit u
    counts = np.stack([((x == c) & present).sum(axis=0) for c in cats])
    n_c = counts.sum(axis=1).astype(float)
    n = float(n_c.sum())  # a Python float, as the function says it returns
    # observed disagreement: sum over units of sum_{c != k} n_cu n_ku / (m_u - 1)
    total_pairs = m * (m - 1)
    same_pairs = (counts * (counts - 1)).sum(axis=0)
    d_o = float(((total_pairs - same_pairs) / (m - 1)).sum())
    d_e = float(n * n - (n_c * n_c).sum())
    return 1.0 - (n - 1) * d_o / d_e


def alpha_from_counts(hist: dict[int, np.ndarray]) -> float:
    """Krippendorff's alpha (nominal) for binary units summarised as counts.

    ``hist[m][j]`` is the number of units that ``m`` coders judged and ``j`` of them coded
    (so ``m - j`` did not).  This is the module's formula with two categories:
    alpha = 1 - (n - 1) * sum_u 2 j (m - j) / (m - 1) / (2 n_0 n_1).
    """
    n = n1 = d_o = 0.0
    for m, counts in hist.items():
        if m < 2:
            continue
        j = np.arange(len(counts), dtype=float)
        counts = counts.astype(float)
        n += float((counts * m).sum())
        n1 += float((counts * j).sum())
        d_o += float((counts * 2 * j * (m - j) / (m - 1)).sum())
    n0 = n - n1
    if n0 == 0 or n1 == 0:
        return float("nan")
    return 1.0 - (n - 1) * d_o / (2 * n0 * n1)


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    n: int  # units judged by at least two coders
    percent_agreement: float | None
    kappa: float | None  # two coders only
    alpha: float | None
    coded_units: dict = field(default_factory=dict)  # coder -> units they coded


@dataclass(frozen=True)
class Disagreement:
    """A stretch of text (a turn, or a run of characters) that some coders coded and others
    did not."""

    source: str
    participant: str
    code: str
    start: int
    end: int
    line: int
    speaker: str | None
    coded_by: list[str]
    not_coded_by: list[str]
    text: str


@dataclass(frozen=True)
class Agreement(Result):
    unit: str  # "turn" or "character"
    coders: list[str]
    sources: list[str]
    codes: list[CodeAgreement]
    overall: CodeAgreement
    n: int  # units per code (turns or characters in the compared transcripts)
    note: str = ""
    disagreements: list[Disagreement] = field(default_factory=list)


_INTERVIEWER = re.compile(
    r"(?i:interviewer|int\.?|i|q|researcher|moderator|facilitator)"
    r"(\s*\d+|\s+[A-Z]{1,3}|\s*\([^)]{1,30}\))?"
)


def is_interviewer(speaker: str | None) -> bool:
    """Whether a speaker label names the interviewer: ``Interviewer``, ``Interviewer 2``,
    ``Int``, ``I``, ``Q``, ``Researcher (AB)``, ``Moderator``, ``Facilitator``..."""
    return speaker is not None and _INTERVIEWER.fullmatch(speaker.strip()) is not None


def _nan_none(v: float) -> float | None:
    return None if v != v else float(v)


class _Tally:
    """Sufficient statistics for one code: counts of (m coders, j coded) and per-coder ones."""

    def __init__(self):
        self.hist: dict[int, np.ndarray] = {}
        self.ones: dict[str, int] = defaultdict(int)
        self.pair_ones = [0, 0]  # units coded by coder A, by coder B, where both are present
        self.pair_n = 0

    def add(self, m: int, j: np.ndarray) -> None:
        counts = np.bincount(j, minlength=m + 1)
        if m in self.hist:
            self.hist[m] = self.hist[m] + counts
        else:
            self.hist[m] = counts

    def merge(self, other: _Tally) -> None:
        for m, counts in other.hist.items():
            self.add_counts(m, counts)
        for k, v in other.ones.items():
            self.ones[k] += v
        self.pair_ones = [a + b for a, b in zip(self.pair_ones, other.pair_ones, strict=True)]
        self.pair_n += other.pair_n

    def add_counts(self, m: int, counts: np.ndarray) -> None:
        self.hist[m] = self.hist[m] + counts if m in self.hist else counts.copy()

    def add_source(self, arrays: np.ndarray, coder_names: list[str], two: bool) -> None:
        """Count one transcript's judgements (one row of ``arrays`` per coder present)."""
        m = arrays.shape[0]
        self.add(m, arrays.sum(axis=0))
        for r, name in enumerate(coder_names):
            self.ones[name] += int(arrays[r].sum())
        if two and m == 2:
            self.pair_ones[0] += int(arrays[0].sum())
            self.pair_ones[1] += int(arrays[1].sum())
            self.pair_n += arrays.shape[1]

    def result(self, code: str, two: bool) -> CodeAgreement:
        units = sum(int(c.sum()) for m, c in self.hist.items() if m >= 2)
        agree = sum(int(c[0] + c[m]) for m, c in self.hist.items() if m >= 2)
        pct = agree / units if units else float("nan")
        kappa = float("nan")
        if two and self.pair_n:
            po = float(self.hist.get(2, np.zeros(3))[[0, 2]].sum()) / self.pair_n
            pa, pb = (x / self.pair_n for x in self.pair_ones)
            pe = pa * pb + (1 - pa) * (1 - pb)
            kappa = float("nan") if pe >= 1 else (po - pe) / (1 - pe)
        return CodeAgreement(
            code,
            units,
            _nan_none(pct),
            _nan_none(kappa) if two else None,
            _nan_none(alpha_from_counts(self.hist)),
            dict(self.ones),
        )


# ---------------------------------------------------------------------------------------------
# the analysis
# ---------------------------------------------------------------------------------------------


def agreement(
    project: Project,
    coders: list[str] | None = None,
    *,
    unit: str = "turn",
    codes: list[str] | None = None,
    sources: list[str] | None = None,
    skip_speakers: list[str] | None = None,
    list_disagreements: bool = True,
    include_interviewer: bool = False,
) -> Agreement:
    """Agreement per code and overall between ``coders`` (names; all coders by default).

    Turns of the interviewer (a speaker labelled ``Interviewer``, ``Int``, ``I``, ``Q``,
    ``Researcher``, ``Moderator`` or ``Facilitator``, with or without a number or initials) are
    left out by default, so that questions nobody would code do not inflate agreement;
    ``include_interviewer`` keeps them.  ``skip_speakers`` leaves out the turns (or the
    characters of turns) of other speakers too.  The note says which speakers were left out.
    """
    if unit not in UNITS:
        raise fail(f"the unit must be turn or character, not {unit!r}.")
    idx = _Index(project)
    ids = _coder_ids(project, coders)
    by_source, compared = _codings_by_source(project, ids, sources)
    code_ids = _code_ids(project, codes, compared, by_source)
    skip = _skipped_speakers(project, compared, skip_speakers, include_interviewer)
    two = len(ids) == 2
    tallies = {cid: _Tally() for cid in code_ids}
    found: list[Disagreement] = []
    total_units = 0
    for sid in compared:
        units = _Units.of(project.sources[sid].text, unit, skip)
        if units.size == 0:
            continue
        total_units += units.counted
        present = [u for u in ids if u in by_source[sid]]
        for cid in code_ids:
            arrays = units.coded(cid, [by_source[sid][u] for u in present])
            tallies[cid].add_source(arrays, [project.user_name(u) for u in present], two)
            if list_disagreements:
                found.extend(
                    _disagreements(
                        project, idx, sid, cid, present, arrays, unit, units.turns, units.keep
                    )
                )
    per_code = [tallies[cid].result(idx.paths[cid], two) for cid in code_ids]
    pooled = _Tally()
    for cid in code_ids:
        pooled.merge(tallies[cid])
    return Agreement(
        unit,
        [project.user_name(u) for u in ids],
        [project.sources[s].name for s in compared],
        per_code,
        pooled.result("(all codes)", two),
        total_units,
        _note(unit, len(compared), len(ids), skip, include_interviewer),
        found,
    )


def _coder_ids(project: Project, coders: list[str] | None) -> list[str]:
    """The ids of the named coders (all who coded anything by default); two or more."""
    if coders:
        ids = []
        for name in coders:
            u = next((u for u in project.users.values() if u.name == name), None)
            if u is None:
                known = ", ".join(u.name for u in project.users.values()) or "none"
                raise fail(f"no coder is called {name!r}.", fix=f"coders in the project: {known}.")
            ids.append(u.id)
    else:
        ids = list(dict.fromkeys(c.coder for c in project.codings.values() if c.coder))
    if len(ids) < 2:
        raise fail(
            "agreement needs two or more coders who coded the same transcripts.",
            fix="have a second person code some transcripts (their codings record their name).",
        )
    return ids


def _codings_by_source(
    project: Project, ids: list[str], sources: list[str] | None
) -> tuple[dict[str, dict[str, list]], list[str]]:
    """The coders' codings by transcript and coder, and the transcripts two or more coded."""
    src_ids = [project.source(s).id for s in sources] if sources else list(project.sources)
    by_source: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for c in project.codings.values():
        if c.coder in ids and c.source in src_ids:
            by_source[c.source][c.coder].append(c)
    compared = [s for s in src_ids if len(by_source.get(s, {})) >= 2]
    if not compared:
        raise fail(
            "no transcript has been coded by two or more of these coders.",
            fix="have the coders code the same transcripts.",
        )
    return by_source, compared


def _code_ids(
    project: Project,
    codes: list[str] | None,
    compared: list[str],
    by_source: dict[str, dict[str, list]],
) -> list[str]:
    """The codes asked for, or every code applied in the compared transcripts."""
    if codes:
        return [project.code(c).id for c in codes]
    return list(dict.fromkeys(c.code for s in compared for cs in by_source[s].values() for c in cs))


def _skipped_speakers(
    project: Project,
    compared: list[str],
    skip_speakers: list[str] | None,
    include_interviewer: bool,
) -> set[str]:
    """Speakers whose turns are left out: those asked for, and interviewers unless kept."""
    skip = set(skip_speakers or ())
    if not include_interviewer:
        skip |= {
            x.speaker
            for sid in compared
            for x in turns_of(project.sources[sid].text)
            if x.speaker is not None and is_interviewer(x.speaker)
        }
    return skip


@dataclass
class _Units:
    """The units of one transcript: its kept turns, or its characters (a mask of kept ones)."""

    unit: str
    turns: list
    size: int
    starts: list[int]
    ends: list[int]
    keep: np.ndarray | None

    @classmethod
    def of(cls, text: str, unit: str, skip: set[str]) -> _Units:
        turns = [x for x in turns_of(text) if x.speaker not in skip]
        if unit == "turn":
            return cls(
                unit, turns, len(turns), [x.start for x in turns], [x.end for x in turns], None
            )
        keep = None
        if skip:
            keep = np.ones(len(text), dtype=bool)
            for x in turns_of(text):
                if x.speaker in skip:
                    keep[x.start : x.end] = False
        return cls(unit, turns, len(text), [], [], keep)

    @property
    def counted(self) -> int:
        return self.size if self.keep is None else int(self.keep.sum())

    def coded(self, cid: str, codings_per_coder: list[list]) -> np.ndarray:
        """One row per coder: which units the coder applied code ``cid`` to (kept units only)."""
        arrays = np.zeros((len(codings_per_coder), self.size), dtype=bool)
        for r, codings in enumerate(codings_per_coder):
            for c in codings:
                if c.code != cid:
                    continue
                if self.unit == "turn":
                    k0 = bisect_right(self.ends, c.start)
                    k1 = bisect_left(self.starts, c.end)
                    arrays[r, k0:k1] = True
                else:
                    arrays[r, c.start : c.end] = True
        return arrays if self.keep is None else arrays[:, self.keep]


def _note(
    unit: str, n_compared: int, n_coders: int, skip: set[str], include_interviewer: bool
) -> str:
    note = (
        f"Unit: {unit}. {n_compared} transcript(s) coded by two or more of the {n_coders} "
        "coders; overall figures pool every code-by-unit judgement."
    )
    if skip:
        note += f" Turns of {', '.join(sorted(skip))} left out."
    if not include_interviewer and any(is_interviewer(x) for x in skip):
        note += " Interviewer turns are left out unless asked for."
    return note


def _disagreements(project, idx, sid, cid, present, arrays, unit, turns, keep):
    t = project.sources[sid]
    m = len(present)
    j = arrays.sum(axis=0)
    out = []
    coder_names = [project.user_name(u) for u in present]

    def make(start, end, mask_col):
        yes = [coder_names[r] for r in range(m) if mask_col[r]]
        no = [coder_names[r] for r in range(m) if not mask_col[r]]
        excerpt = t.text[start:end]
        if len(excerpt) > 300:
            excerpt = excerpt[:297] + "..."
        return Disagreement(
            t.name,
            idx.label(sid),
            idx.paths[cid],
            start,
            end,
            project.line_of(sid, start),
            speaker_at(t.text, start),
            yes,
            no,
            excerpt,
        )

    if unit == "turn":
        for k in np.nonzero((j > 0) & (j < m))[0]:
            out.append(make(turns[k].start, turns[k].end, arrays[:, k]))
        return out
    positions = np.nonzero(keep)[0] if keep is not None else None
    # runs of characters with the same pattern of coders, where they do not all agree
    weights = (1 << np.arange(m, dtype=np.int64))[:, None]
    pattern = (arrays.astype(np.int64) * weights).sum(axis=0)
    bad = (j > 0) & (j < m)
    if not bad.any():
        return out
    change = np.nonzero(np.diff(pattern) != 0)[0] + 1
    bounds = np.concatenate(([0], change, [len(pattern)]))
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if not bad[a]:
            continue
        start = int(positions[a]) if positions is not None else int(a)
        end = int(positions[b - 1]) + 1 if positions is not None else int(b)
        out.append(make(start, end, arrays[:, a]))
    return out
