"""A synthetic cohort for the shipped instrument, drawn from a latent-trait model.

The model, in brief (every number below is a modelling choice, not a finding):

* Fieldwork: 10 sites of unequal size, 2 to 4 training sessions each; each session has a number
  attending (the denominator of the response rate) and a number responding.
* Respondents: a discipline, a profession that depends on it, years since qualifying (gamma),
  prior training (more likely in maternity and paediatrics).
* Three correlated latent traits, perceived knowledge, actual knowledge and confidence
  (multivariate normal, correlations 0.5, 0.35, 0.55), shifted up by prior training and by
  experience.
* Likert answers: ``y = l * trait + sqrt(1 - l^2) * e`` cut at ordinal thresholds; knowledge
  answers: correct when ``l * trait + noise`` exceeds the item's difficulty, otherwise "don't
  know" or the wrong answer.  Loadings are scaled per scale so that Cronbach's alpha comes close
  to the published value.
* With ``match_published`` (n = 782) the items behind published figures are assigned by rank of
  their latent value, so the published counts come out exactly (for example the 528 lowest on
  the "referral for women" item are in its bottom three points), keeping the correlations that
  give the scales their reliability.

Deterministic by seed.  Every row carries ``synthetic = 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from importlib import resources

import numpy as np
import pandas as pd
import yaml
from scipy.special import expit

from readiness.errors import ReadinessError
from readiness.instrument import Instrument, shipped_instrument
from readiness.instrument.model import DONT_KNOW, FALSE, TRUE
from readiness.publications import publication

TARGETS = yaml.safe_load(resources.files("readiness.synth").joinpath("targets.yaml").read_text())
PUBLISHED = publication(TARGETS["publication"])
PUBLISHED_N = PUBLISHED["response"]["responded"]
PUBLISHED_INVITED = PUBLISHED["response"]["attended"]
PUBLISHED_SITES = PUBLISHED["sites"]
PUBLISHED_ALPHAS = PUBLISHED["reliability"]

FIELDWORK_START = date(2025, 10, 6)  # a Monday; sessions fall on weekdays over six months
TRAIT_CORRELATION = np.array([[1.0, 0.5, 0.55], [0.5, 1.0, 0.35], [0.55, 0.35, 1.0]])
LIKERT_CUTS = np.array([-0.55, 0.25, 0.95, 1.75])  # most staff disagree that they know enough
CALIBRATION_ROWS = 20_000
NONE = np.array(None, dtype=object)  # a blank answer, as np.where's other choice

# Profession probabilities by discipline (codes of the `profession` item, 1..8).
PROFESSION_BY_DISCIPLINE = {
    1: [0.42, 0.40, 0.00, 0.00, 0.06, 0.00, 0.08, 0.04],
    2: [0.18, 0.08, 0.62, 0.04, 0.02, 0.00, 0.05, 0.01],
    3: [0.20, 0.42, 0.00, 0.00, 0.10, 0.20, 0.06, 0.02],
    4: [0.35, 0.45, 0.00, 0.08, 0.06, 0.02, 0.03, 0.01],
    5: [0.30, 0.35, 0.02, 0.03, 0.18, 0.03, 0.05, 0.04],
}
OTHER_PROFESSIONS = ["Paramedic", "Pharmacist", "Radiographer", "Play specialist", "Dietitian"]
# Relative loadings (scaled during calibration) and difficulties of the knowledge items.
KNOWLEDGE_DIFFICULTY = {
    "k_disclose": -0.2,
    "k_see_alone": -0.9,
    "k_companion_interp": -0.3,
    "k_controlling": -1.0,
    "k_border": -0.4,
    "k_uk_nationals": -1.1,
    "k_police_danger": 0.7,
    "k_age_doubt": -0.5,
    "k_first_responder": 0.9,
    "k_adult_consent": 0.6,
    "k_child_consent": 0.8,
    "k_gp_papers": 0.3,
    "k_ae_free": 0.0,
    "k_urgent_delay": -0.2,
}
DONT_KNOW_SHARE = 0.6  # of the answers that are not correct
ITEM_NONRESPONSE = 0.01  # each shown, optional item left blank (never the published items)


@dataclass(frozen=True)
class Cohort:
    """Synthetic responses and the fieldwork (sessions) they came from."""

    responses: pd.DataFrame
    sessions: pd.DataFrame
    n: int
    seed: int
    matched: bool
    instrument_id: str
    instrument_version: str


def make_cohort(
    n: int = PUBLISHED_N,
    seed: int = 2015,
    *,
    match_published: bool = False,
    instrument: Instrument | None = None,
) -> Cohort:
    """Draw a cohort of ``n`` respondents for the shipped instrument."""
    instrument = instrument or shipped_instrument()
    if instrument.id != "readiness-survey":
        raise ReadinessError(
            f"the synthetic cohort models the shipped readiness-survey instrument, not "
            f"'{instrument.id}'. Fix: use --instrument readiness-survey (the default)."
        )
    if n < 10:
        raise ReadinessError(f"a cohort needs at least 10 respondents (one per site), not {n}.")
    if match_published and n != PUBLISHED_N:
        raise ReadinessError(
            f"--match-published reproduces the published counts of {PUBLISHED_N} respondents; "
            f"n was {n}. Fix: use --n {PUBLISHED_N} or leave out --match-published."
        )
    return _Generator(instrument, n, seed, match_published).run()


class _Generator:
    def __init__(self, instrument: Instrument, n: int, seed: int, matched: bool):
        self.instrument = instrument
        self.n = n
        self.seed = seed
        self.matched = matched
        self.rng = np.random.default_rng(seed)
        self.cols: dict[str, np.ndarray] = {}

    # -- fieldwork ---------------------------------------------------------------------------
    def fieldwork(self) -> tuple[pd.DataFrame, np.ndarray]:
        rng, n = self.rng, self.n
        sites = PUBLISHED_SITES
        share = rng.dirichlet(np.full(sites, 4.0))
        per_site = 1 + rng.multinomial(n - sites, share)
        invited_total = round(n * PUBLISHED_INVITED / PUBLISHED_N)
        rows, session_of = [], []
        day = 0
        for s in range(sites):
            k = int(rng.integers(2, 5))
            counts = rng.multinomial(per_site[s], np.full(k, 1 / k))
            for j, count in enumerate(counts):
                day += int(rng.integers(1, 6))
                when = np.busday_offset(FIELDWORK_START, day, roll="forward").astype(date)
                rows.append(
                    {
                        "site": f"T{s + 1:02d}",
                        "session": f"T{s + 1:02d}-{j + 1}",
                        "date": when,
                        "responded": int(count),
                    }
                )
                session_of += [len(rows) - 1] * int(count)
        sessions = pd.DataFrame(rows)
        extra = rng.multinomial(invited_total - n, sessions["responded"] / n)
        sessions["attended"] = sessions["responded"] + extra
        sessions["synthetic"] = 1
        sessions = sessions[["site", "session", "date", "attended", "responded", "synthetic"]]
        order = rng.permutation(n)
        return sessions, np.asarray(session_of)[order]

    # -- respondents -------------------------------------------------------------------------
    def respondents(self) -> None:
        rng, n = self.rng, self.n
        if self.matched:
            counts = TARGETS["discipline_counts"]
            discipline = np.repeat(list(counts), list(counts.values()))
            rng.shuffle(discipline)
        else:
            counts = np.array(list(TARGETS["discipline_counts"].values()), dtype=float)
            discipline = rng.choice(np.arange(1, 6), size=n, p=counts / counts.sum())
        self.discipline = discipline
        profession = np.empty(n, dtype=int)
        for d, probs in PROFESSION_BY_DISCIPLINE.items():
            mask = discipline == d
            p = np.asarray(probs) / sum(probs)
            profession[mask] = rng.choice(np.arange(1, 9), size=mask.sum(), p=p)
        years = np.clip(np.round(rng.gamma(2.0, 6.0, size=n)), 0, 45)
        train_p = 0.14 + 0.08 * np.isin(discipline, (2, 4))
        trained = rng.random(n) < train_p
        self.trained, self.years = trained, years
        z = rng.multivariate_normal(np.zeros(3), TRAIT_CORRELATION, size=n)
        experience = (years - 10) / 10
        self.pk = z[:, 0] + 0.6 * trained + 0.15 * experience
        self.ak = z[:, 1] + 0.45 * trained + 0.10 * experience
        self.conf = z[:, 2] + 0.5 * trained + 0.20 * experience + 0.25 * (discipline == 4)
        self.cols.update(
            discipline=discipline.astype(float),
            profession=profession.astype(float),
            years_qualified=years,
        )
        other = profession == 8
        self.cols["profession_other"] = np.where(other, rng.choice(OTHER_PROFESSIONS, size=n), NONE)

    # -- item answers ------------------------------------------------------------------------
    def forced_hits(self) -> dict[str, np.ndarray]:
        """For each item behind a published figure, which respondents meet its rule (matched)."""
        out: dict[str, np.ndarray] = {}
        if not self.matched:
            return out
        for indicator in self.instrument.indicators:
            if not indicator.published or indicator.item is None:
                continue
            overall = [f for f in indicator.published if f.where is None]
            groups = [(f, f.where) for f in indicator.published if f.where is not None]
            if not overall:
                continue
            total = _count_for(overall[0], self.n)
            latent = self.latent_for(indicator.item)
            # rules that pick low values (bottom points, incorrect) take the lowest latent values
            low = indicator.rule.kind in ("bottom", "incorrect")
            order_key = latent if low else -latent
            hits = np.zeros(self.n, dtype=bool)
            remaining = np.ones(self.n, dtype=bool)
            for fig, where in groups:
                frame = pd.DataFrame(
                    {k: v for k, v in self.cols.items() if isinstance(v, np.ndarray)}
                )
                mask = where.mask(frame)
                k = _count_for(fig, int(mask.sum()))
                hits |= _lowest(order_key, mask, k)
                total -= k
                remaining &= ~mask
            hits |= _lowest(order_key, remaining, total)
            out[indicator.item] = hits
        return out

    def latent_for(self, item_id: str) -> np.ndarray:
        if item_id not in self.latent:
            raise KeyError(item_id)
        return self.latent[item_id]

    def build_latents(self) -> None:
        """Continuous latent values for every scored or targeted item (before loadings)."""
        rng, n = self.rng, self.n
        self.noise = {}
        self.latent = {}
        for item in self.instrument.items:
            if item.type in ("likert", "true_false"):
                self.noise[item.id] = rng.standard_normal(n)
        self.contact_latent = (
            -3.1
            + 0.7 * (self.discipline == 2)
            + 0.4 * (self.discipline == 1)
            + 0.03 * self.years
            + 0.3 * self.pk
            + rng.logistic(size=n) * 0.8
        )
        self.latent["contact_ever"] = self.contact_latent
        self.latent["training_enough"] = (
            0.7 * self.pk + 0.8 * self.trained + 0.5 * self.noise["training_enough"]
        )

    def likert_codes(
        self,
        trait: np.ndarray,
        item_id: str,
        loading: float,
        forced: np.ndarray | None,
        shift: float = 0.0,
        rows: slice = slice(None),
    ) -> np.ndarray:
        loading = min(loading, 0.97)
        y = loading * trait[rows] + math.sqrt(1 - loading**2) * self.noise[item_id][rows]
        if rows == slice(None):
            self.latent[item_id] = y
        if forced is not None:
            forced = forced[rows]
        codes = np.searchsorted(LIKERT_CUTS + shift, y) + 1
        if forced is not None:
            low = np.minimum(np.searchsorted(LIKERT_CUTS[:2] + shift, y) + 1, 3)
            high = np.where(y >= LIKERT_CUTS[3] + shift, 5, 4)
            codes = np.where(forced, low, high)
        return codes.astype(float)

    def knowledge_codes(
        self,
        item_id: str,
        loading: float,
        key: bool,
        forced: np.ndarray | None,
        rows: slice = slice(None),
    ) -> np.ndarray:
        loading = min(loading, 0.97)
        y = (
            loading * self.ak[rows]
            + math.sqrt(1 - loading**2) * self.noise[item_id][rows]
            - KNOWLEDGE_DIFFICULTY[item_id]
        )
        if rows == slice(None):
            self.latent[item_id] = y
        correct = y > 0 if forced is None else ~forced[rows]
        dont_know = self.dk_draw[item_id][rows] < DONT_KNOW_SHARE
        right, wrong = (TRUE, FALSE) if key else (FALSE, TRUE)
        return np.where(correct, right, np.where(dont_know, DONT_KNOW, wrong)).astype(float)

    def scale_answers(
        self,
        scale_id: str,
        loading: float,
        forced: dict[str, np.ndarray],
        rows: slice = slice(None),
    ) -> dict[str, np.ndarray]:
        scale = self.instrument.scale(scale_id)
        trait = {"perceived_knowledge": self.pk, "confidence": self.conf}.get(scale_id)
        out = {}
        for j, item_id in enumerate(scale.items):
            item = self.instrument.item(item_id)
            if item.type == "true_false":
                out[item_id] = self.knowledge_codes(
                    item_id, loading, bool(item.key), forced.get(item_id), rows
                )
            elif trait is None:
                raise ValueError(f"no latent trait drives the scale {scale_id!r}")
            else:
                # a little spread in the items' loadings and difficulty
                out[item_id] = self.likert_codes(
                    trait,
                    item_id,
                    loading * (1 - 0.04 * (j % 3)),
                    forced.get(item_id),
                    0.1 * (j % 4),
                    rows,
                )
        return out

    def calibrate(
        self, scale_id: str, target: float, forced: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Scale the loadings until raw alpha on complete answers is close to ``target``.

        Bisection on one loading multiplier; alpha rises with the loadings.  Only raw alpha on
        complete data is needed here (the full psych-compatible kernel is in readiness.stats).
        """
        scale = self.instrument.scale(scale_id)
        rows = slice(0, min(self.n, CALIBRATION_ROWS))
        lo, hi = 0.02, 0.97
        for _ in range(30):
            mid = (lo + hi) / 2
            answers = self.scale_answers(scale_id, mid, forced, rows)
            matrix = self.score_matrix(scale, answers)
            if _raw_alpha(matrix) < target:
                lo = mid
            else:
                hi = mid
        return self.scale_answers(scale_id, (lo + hi) / 2, forced)

    def score_matrix(self, scale, answers: dict[str, np.ndarray]) -> np.ndarray:
        columns = []
        for item_id in scale.items:
            item = self.instrument.item(item_id)
            values = answers[item_id]
            if item.type == "true_false":
                values = (values == (TRUE if item.key else FALSE)).astype(float)
            columns.append(values)
        return np.column_stack(columns)

    def multiple(self, probs: list[float], shown: np.ndarray) -> np.ndarray:
        """Space-separated codes of a multiple choice (at least one chosen when shown)."""
        n = self.n
        picks = self.rng.random((n, len(probs))) < np.asarray(probs)
        none = ~picks.any(axis=1)
        picks[none, self.rng.integers(0, len(probs), size=none.sum())] = True
        bits = picks @ (1 << np.arange(len(probs)))
        lookup = {
            b: " ".join(str(j + 1) for j in range(len(probs)) if b >> j & 1)
            for b in np.unique(bits)
        }
        labels = np.empty(max(lookup) + 1, dtype=object)
        for b, s in lookup.items():
            labels[b] = s
        out = labels[bits]
        return np.where(shown, out, NONE)

    def run(self) -> Cohort:
        rng, n = self.rng, self.n
        sessions, session_index = self.fieldwork()
        self.respondents()
        self.build_latents()
        self.dk_draw = {item_id: rng.random(n) for item_id in KNOWLEDGE_DIFFICULTY}
        forced = self.forced_hits_initial()
        # Published scale items first, so that their latent values exist for ranking.
        answers: dict[str, np.ndarray] = {}
        for scale_id, target in PUBLISHED_ALPHAS.items():
            answers.update(self.calibrate(scale_id, target, forced))
        # Indicator items outside scales
        contact_hits = forced.get("contact_ever")
        contact = (
            contact_hits if contact_hits is not None else rng.random(n) < expit(self.contact_latent)
        )
        enough = self.latent["training_enough"]
        enough_forced = forced.get("training_enough")
        if enough_forced is not None:
            low = np.minimum(np.searchsorted(LIKERT_CUTS[:2], enough) + 1, 3)
            high = np.where(enough >= LIKERT_CUTS[3], 5, 4)
            training_enough = np.where(enough_forced, low, high).astype(float)
        else:
            training_enough = (np.searchsorted(LIKERT_CUTS - 0.2, enough) + 1).astype(float)

        trained = self.trained
        self.cols.update(answers)
        self.cols["training_prior"] = trained.astype(float)
        self.cols["training_where"] = self.multiple([0.7, 0.25, 0.15, 0.35, 0.05], trained)
        months_ago = rng.integers(1, 96, size=n)
        year = FIELDWORK_START.year - (months_ago + 12 - FIELDWORK_START.month) // 12
        month = (FIELDWORK_START.month - months_ago - 1) % 12 + 1
        self.cols["training_when"] = np.where(
            trained,
            pd.Series(year)
            .astype(str)
            .str.cat(pd.Series(month).map("{:02d}".format), sep="-")
            .to_numpy(),
            NONE,
        )
        self.cols["training_enough"] = training_enough
        self.cols["contact_ever"] = contact.astype(float)
        self.cols["contact_count"] = np.where(
            contact, np.minimum(1 + rng.geometric(0.55, size=n) - 1, 40), np.nan
        )
        self.cols["contact_actions"] = self.multiple(
            [0.55, 0.3, 0.2, 0.1, 0.15, 0.1, 0.12], contact
        )
        self.cols["contact_story"] = np.full(n, None, dtype=object)
        wants = rng.random(n) < expit(1.25 - 0.35 * self.conf + 0.2 * contact)
        self.cols["interest_training"] = wants.astype(float)
        self.cols["interest_formats"] = self.multiple([0.45, 0.4, 0.55, 0.3, 0.25, 0.03], wants)
        self.cols["interest_topics"] = self.multiple([0.6, 0.5, 0.65, 0.4, 0.35, 0.3], wants)

        if self.matched:
            self.check_forced(forced)
        self.blank_some(set(forced) | {"discipline"})
        self.honour_conditions()

        frame = pd.DataFrame(index=range(n))
        frame["response_id"] = [f"R{i + 1:06d}" for i in range(n)]
        frame["instrument_id"] = self.instrument.id
        frame["instrument_version"] = self.instrument.version
        frame["session"] = sessions["session"].to_numpy()[session_index]
        frame["completed_on"] = (
            pd.to_datetime(sessions["date"]).dt.strftime("%Y-%m-%d").to_numpy()[session_index]
        )
        frame["synthetic"] = 1
        self.cols["site"] = sessions["site"].to_numpy()[session_index]
        for item in self.instrument.items:
            frame[item.id] = self.cols.get(item.id, np.full(n, None, dtype=object))
        return Cohort(
            frame, sessions, n, self.seed, self.matched, self.instrument.id, self.instrument.version
        )

    def forced_hits_initial(self) -> dict[str, np.ndarray]:
        """Rank-based assignment needs latent values; scale items get theirs at a first pass."""
        if not self.matched:
            return {}
        # A first pass at moderate loadings gives every scale item a latent value to rank.
        for scale_id in PUBLISHED_ALPHAS:
            self.scale_answers(scale_id, 0.6, {})
        return self.forced_hits()

    def check_forced(self, forced: dict[str, np.ndarray]) -> None:
        for item_id, hits in forced.items():
            assert hits.sum() > 0, item_id

    def honour_conditions(self) -> None:
        """Clear answers to items that the answers before them would have hidden."""
        frame = pd.DataFrame({k: v for k, v in self.cols.items() if k in self.instrument.item_ids})
        for item in self.instrument.items:
            if item.show_if is None or item.id not in self.cols:
                continue
            hidden = ~item.show_if.mask(frame)
            values = self.cols[item.id]
            if values.dtype == object:
                values = values.copy()
                values[hidden] = None
            else:
                values = np.where(hidden, np.nan, values)
            self.cols[item.id] = values
            frame[item.id] = values

    def blank_some(self, keep: set[str]) -> None:
        """Item non-response: a few shown, optional answers left blank."""
        for item in self.instrument.items:
            if item.id in keep or item.hidden or item.required or item.id not in self.cols:
                continue
            values = self.cols[item.id]
            blank = self.rng.random(self.n) < ITEM_NONRESPONSE
            if values.dtype == object:
                values = values.copy()
                values[blank] = None
            else:
                values = np.where(blank, np.nan, values)
            self.cols[item.id] = values


def _count_for(figure, denominator: int) -> int:
    """The count that reproduces a published figure: its own count, else the nearest count whose
    percentage rounds to the printed one (at the printed precision of one decimal)."""
    if figure.count is not None and (figure.denominator in (None, denominator)):
        return int(figure.count)
    target = figure.percent
    best = round(target / 100 * denominator)
    for delta in sorted(range(-3, 4), key=abs):
        k = best + delta
        if 0 <= k <= denominator and round(100 * k / denominator, 1) == round(target, 1):
            return k
    raise ReadinessError(
        f"no count out of {denominator} rounds to the published {target}%; the cohort cannot match it."
    )


def _lowest(values: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """A boolean array marking the ``k`` lowest ``values`` among ``mask``."""
    out = np.zeros(len(values), dtype=bool)
    candidates = np.flatnonzero(mask)
    if k > len(candidates):
        raise ReadinessError(f"cannot pick {k} of {len(candidates)} respondents.")
    chosen = candidates[np.argsort(values[candidates], kind="stable")[:k]]
    out[chosen] = True
    return out


def _raw_alpha(matrix: np.ndarray) -> float:
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    k = complete.shape[1]
    item_var = complete.var(axis=0, ddof=1).sum()
    total_var = complete.sum(axis=1).var(ddof=1)
    return k / (k - 1) * (1 - item_var / total_var)
