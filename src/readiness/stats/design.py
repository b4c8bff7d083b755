"""Design-based estimation for surveys with clusters (in one or more stages), strata, weights
and a finite population correction.

The workforce survey sampled staff within trusts: respondents in one trust are more alike than
respondents in different trusts, so intervals that treat them as independent are too narrow.
And a trust that surveys a large share of its staff knows more than a sample from an endless
population would tell it: the finite population correction narrows the intervals.  This module
reproduces what R's survey package (Lumley, J Stat Softw 2004;9(8); version 4.1) does for

.. code-block:: r

    des <- svydesign(ids = ~site + session, strata = ~stratum, weights = ~weight,
                     fpc = ~fpc1 + fpc2, nest = TRUE, data = d)
    svymean(~y, des, na.rm = TRUE, deff = TRUE)        # design_mean
    svytotal(~y, des, na.rm = TRUE, deff = TRUE)       # design_total
    svyquantile(~y, des, 0.5, ci = TRUE, na.rm = TRUE) # design_quantile
    svyciprop(~y, des, method = "logit")               # design_proportion
    svyby(~y, ~group, des, svymean, na.rm = TRUE, deff = TRUE)  # design_*_by

that is: the variance of totals by Taylor linearisation (``svyrecvar``): without an fpc,
first-stage clusters sampled with replacement within strata (the "ultimate cluster"
estimator); with an fpc, the first stage's variance corrected by (1 - n/N) and, when every
stage has an fpc, survey's recursive multistage estimator over all stages.  Intervals use the
design's degrees of freedom (``degf``: first-stage clusters minus strata).  Checked against R
in ``tests/reference/design.R`` (a synthetic survey) and ``tests/reference/design_api.R``
(``data(api)``: apisrs, apistrat, apiclus1, apiclus2).

Conventions:

* **Nesting**: cluster identifiers are taken as nested within strata, and each stage within
  the one above (R's ``nest = TRUE``): a cluster label that appears in two strata is two
  clusters.  With labels unique across strata this is the same as R's default.
* **fpc**: population sizes or sampling fractions, as ``svydesign`` takes them (see
  :func:`check_fpc`).  Without weights, the weights follow from the fpc (population /
  sampled at each stage, multiplied), as svydesign makes them.
* **Missing answers** (NaN in ``y``) are dropped as a domain, never imputed: the estimate uses
  the respondents who answered, while the variance still uses every cluster of the design.
  This is R's ``na.rm = TRUE``.
* **Domains** (subgroups) are estimated on the whole design, never by dropping the other rows:
  clusters and strata without members of the domain still count in the variance.  This is
  ``subset(design, ...)`` and ``svyby`` in R.
* **Lonely PSUs**: a stratum with a single cluster (or, at later stages, a unit with a single
  unit sampled within it) has no within-stratum variance.  By default that is a
  :class:`~readiness.errors.DesignError` when the design is built (R's
  ``options(survey.lonely.psu = "fail")``, which fails at the first estimate instead), unless
  its fpc says it was sampled completely.  ``lonely_psu`` may be ``"adjust"``,
  ``"certainty"``, ``"remove"`` or ``"average"``, with R's meanings (version 4.1): ``adjust``
  centres the lonely cluster's total at zero (the overall mean) instead of its stratum mean;
  ``certainty`` and ``remove`` let it contribute nothing; ``average`` leaves it out and scales
  the variance up by (strata in the domain) / (strata in the domain with two or more
  clusters); at later stages survey's ``average`` gives NaN, and so do we.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd
from scipy import stats

from readiness.errors import DesignError, StatsError
from readiness.stats.result import Result

LONELY_PSU = ("fail", "adjust", "certainty", "remove", "average")


def _labels(values, name: str, n: int | None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise DesignError(f"{name} must be one-dimensional (one value per respondent).")
    if n is not None and len(arr) != n:
        raise DesignError(
            f"{name} has {len(arr)} values but the design has {n} respondents. "
            "Fix: pass one value per respondent, in the same order."
        )
    missing = pd.isna(arr)
    if missing.any():
        rows = np.flatnonzero(missing)[:5] + 1
        raise DesignError(
            f"{name} is missing for {int(missing.sum())} respondent(s) (rows "
            f"{', '.join(map(str, rows))}{', ...' if missing.sum() > 5 else ''}). "
            f"Fix: every respondent needs a {name} value; drop those rows or fill them in."
        )
    return arr


def _factorize(values: np.ndarray):
    """Integer codes and labels, sorted when the labels can be compared (mixed types cannot)."""
    try:
        return pd.factorize(values, sort=True)
    except TypeError:
        return pd.factorize(values, sort=False)


def _columns(values, name: str) -> list[np.ndarray] | None:
    """One array per stage: a 1-D input is one stage; a 2-D array or DataFrame (one column per
    stage) or a list of 1-D arrays is several, outermost first."""
    if values is None:
        return None
    if isinstance(values, pd.DataFrame):
        return [values[c].to_numpy() for c in values.columns]
    if isinstance(values, list | tuple) and len(values) and all(np.ndim(v) == 1 for v in values):
        return [np.asarray(v) for v in values]
    arr = np.asarray(values)
    if arr.ndim == 1:
        return [arr]
    if arr.ndim == 2:
        return [arr[:, j] for j in range(arr.shape[1])]
    raise DesignError(
        f"{name} must be one value per respondent, or one column per stage (respondents x "
        f"stages), not shape {arr.shape}."
    )


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """``np.unique(codes, return_index=True)[1]``: each code's first row, in code order.
    Codes numbered 0..k-1 with every number used (as :func:`_nested_codes` numbers units)
    are looked up in one pass rather than by sorting every row (a national study's design
    sorted its 1.5 million rows three times); other codes are sorted as before."""
    codes = np.asarray(codes)
    if len(codes) == 0 or codes.dtype.kind not in "iu" or codes.min() < 0:
        return np.unique(codes, return_index=True)[1]
    first = np.full(int(codes.max()) + 1, len(codes), dtype=np.intp)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.intp))
    if (first == len(codes)).any():  # a number not used: np.unique leaves it out
        return np.unique(codes, return_index=True)[1]
    return first


def _nested_codes(parent: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Codes of ``labels`` nested within ``parent`` codes: the same label under two parents is
    two units (R's ``nest = TRUE``).  Codes follow (parent, label) order."""
    codes, _ = _factorize(labels)
    width = int(codes.max()) + 1
    key = parent.astype(np.int64) * width + codes
    unit, _ = pd.factorize(key, sort=True)
    return unit.astype(np.intp)


def _fmt_number(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() or abs(x) >= 1e-3 else f"{x:.3g}"


@dataclass(frozen=True)
class FpcProblem:
    """A finite population correction that survey::svydesign would refuse, or that makes no
    sense: ``stage`` is 0 for the first stage, ``row`` the 0-based row (or ``None``)."""

    stage: int
    row: int | None
    message: str
    fix: str


def _fpc_values(values: np.ndarray, stage_name: str) -> np.ndarray:
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DesignError(
            f"{stage_name} must be numbers: {err}. Fix: give population sizes or sampling "
            "fractions."
        ) from err
    bad = ~np.isfinite(out) | (out <= 0)
    if bad.any():
        rows = np.flatnonzero(bad)[:5] + 1
        raise DesignError(
            f"{stage_name} must be a positive number on every row; {int(bad.sum())} are not "
            f"(rows {', '.join(map(str, rows))}{', ...' if bad.sum() > 5 else ''}). Fix: give "
            "the population size (or sampling fraction) of every response's stratum."
        )
    return out


def check_fpc(
    fpc: list[np.ndarray],
    strata: list[np.ndarray],
    units: list[np.ndarray],
    fpc_names: list[str] | None = None,
    unit_names: list[str] | None = None,
    strata_labels: list[np.ndarray | None] | None = None,
) -> tuple[list[FpcProblem], list[np.ndarray]]:
    """Check finite population corrections against the sample; return problems and sizes.

    ``fpc[s]``, ``strata[s]`` and ``units[s]`` hold, for every row, the stage-``s`` fpc value,
    the code of the stratum the stage-``s`` unit was sampled from (for the first stage the
    strata; for later stages the unit of the stage above) and the code of the stage-``s`` unit.
    The rules are survey's ``as.fpc``: every value is a population size (at least one above 1
    and none below 1) or every value a sampling fraction (all 1 or less; survey refuses a
    design whose values are all exactly 1, which we read as fractions, a census);
    a population is at least the number of units sampled from it.  We also refuse an fpc that
    varies within its stratum (survey warns and uses each cluster's own value).  Returns the
    problems and, when there are none, the population size per row for each stage.
    """
    fpc_names = fpc_names or [f"fpc (stage {s + 1})" for s in range(len(fpc))]
    unit_names = unit_names or [f"stage {s + 1} unit" for s in range(len(fpc))]
    problems: list[FpcProblem] = []
    every = np.concatenate(fpc) if fpc else np.zeros(0)
    sizes = bool((every > 1).any())
    if sizes and (every < 1).any():
        s_big = next(s for s, f in enumerate(fpc) if (f > 1).any())
        s_small = next(s for s, f in enumerate(fpc) if (f < 1).any())
        r_big = int(np.flatnonzero(fpc[s_big] > 1)[0])
        r_small = int(np.flatnonzero(fpc[s_small] < 1)[0])
        problems.append(
            FpcProblem(
                s_small,
                r_small,
                f"{fpc_names[s_small]} is {_fmt_number(fpc[s_small][r_small])}, a sampling "
                f"fraction, but {fpc_names[s_big]} is {_fmt_number(fpc[s_big][r_big])} on row "
                f"{r_big + 1}, a population size: the values mix the two (R: 'Must have all "
                "fpc>=1 or all fpc<=1'). A sampling fraction cannot be above 1.",
                "give every stage as population sizes (the number of units in the population "
                "each was sampled from), or every stage as sampling fractions (sampled divided "
                "by population, 1 or less).",
            )
        )
        return problems, []
    populations = []
    for s, (f, st, un) in enumerate(zip(fpc, strata, units, strict=True)):
        n_strata = int(st.max()) + 1 if len(st) else 0
        # units sampled per stratum
        first = _first_rows(un)
        sampled = np.bincount(st[first], minlength=n_strata)
        # the fpc must be one value per stratum
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        np.minimum.at(lo, st, f)
        np.maximum.at(hi, st, f)
        varies = np.flatnonzero(lo != hi)
        for h in varies[:5]:
            rows = np.flatnonzero(st == h)
            a = int(rows[np.argmin(f[rows])])
            b = int(rows[np.argmax(f[rows])])
            where = _where(s, h, st, strata_labels, unit_names)
            problems.append(
                FpcProblem(
                    s,
                    b,
                    f"{fpc_names[s]} differs within {where}: row {a + 1} has "
                    f"{_fmt_number(f[a])} and row {b + 1} has {_fmt_number(f[b])}.",
                    f"the units of {where} were sampled from one population, so give it one "
                    "population size (or sampling fraction) on every row.",
                )
            )
        if len(varies):
            continue
        value = lo
        population = value if sizes else sampled / value
        short = np.flatnonzero(population < sampled)
        for h in short[:5]:
            row = int(np.flatnonzero(st == h)[0])
            where = _where(s, h, st, strata_labels, unit_names)
            what = "population size" if sizes else "sampling fraction"
            problems.append(
                FpcProblem(
                    s,
                    row,
                    f"{fpc_names[s]} gives {where} a {what} of {_fmt_number(value[h])}, but "
                    + (
                        f"{int(sampled[h])} respondents were sampled from it"
                        if unit_names[s] == "respondent"
                        else f"the sample has {int(sampled[h])} different {unit_names[s]} "
                        "values in it"
                    )
                    + ": more than its whole population (R: 'FPC implies >100% sampling in "
                    "some strata').",
                    "the fpc is the number of units in the population each stratum's sample "
                    "was drawn from (at least the number sampled), or the sampling fraction "
                    "(1 or less); check the column and the stage it belongs to.",
                )
            )
        populations.append(population[st])
    return problems, populations


def fpc_problems(
    cluster,
    strata,
    fpc,
    cluster_names: list[str] | None = None,
    fpc_names: list[str] | None = None,
) -> list[FpcProblem]:
    """The problems :func:`check_fpc` finds for a design given as columns: ``cluster`` one
    column per stage (or ``None``: respondents sampled one by one), ``strata`` or ``None``,
    ``fpc`` one column per stage.  For validating a file before a design is built."""
    fpc = _columns(fpc, "fpc") or []
    n = len(fpc[0]) if fpc else 0
    stages = _columns(cluster, "cluster") or [np.arange(n)]
    if len(stages) != len(fpc):
        raise DesignError(f"{len(fpc)} fpc column(s) for {len(stages)} stage(s).")
    st = np.zeros(n, dtype=np.intp) if strata is None else _factorize(np.asarray(strata))[0]
    parent = st.astype(np.intp)
    strata_codes, units = [], []
    for labels in stages:
        strata_codes.append(parent)
        parent = _nested_codes(parent, np.asarray(labels))
        units.append(parent)
    shown = [None if strata is None else np.asarray(strata)] + list(stages[:-1])
    problems, _ = check_fpc(
        [np.asarray(f, dtype=np.float64) for f in fpc],
        strata_codes,
        units,
        fpc_names,
        cluster_names if cluster is not None else ["respondent"],
        shown,
    )
    return problems


def _where(s: int, h: int, st, strata_labels, unit_names) -> str:
    if strata_labels is not None and strata_labels[s] is not None:
        label = strata_labels[s][int(np.flatnonzero(st == h)[0])]
        if s == 0:
            return f"stratum {label!r}"
        return f"{unit_names[s - 1]} {label!r}"
    return "the design" if s == 0 else f"one {unit_names[s - 1]}"


class _Stage:
    """One stage of sampling: units, the strata they were drawn from, and their fpc."""

    def __init__(self, unit, unit_stratum, per_stratum, f, frac, mult):
        self.unit = unit  # row -> unit code
        self.unit_stratum = unit_stratum  # unit -> stratum code
        self.per_stratum = per_stratum  # units sampled per stratum
        self.n_units = len(unit_stratum)
        self.n_strata = len(per_stratum)
        self.f = f  # per stratum: 1 - n / N (1 without fpc)
        self.frac = frac  # per stratum: n / N
        self.mult = mult  # per stratum: product of the sampling fractions of the stages above
        self.lonely = per_stratum == 1
        self.certain = f < 1e-7  # survey: all(f < 1e-7) contributes nothing
        n = per_stratum
        self.scale = f * np.where(n > 1, n / np.maximum(n - 1, 1), 1.0)


class SurveyDesign:
    """A survey design: clusters in one or more stages, optional strata, weights and fpc.

    The equivalent of ``svydesign(ids = ~cluster, strata = ~strata, weights = ~weights,
    fpc = ~fpc, nest = TRUE)`` with survey's default variance estimator: the design-based
    variance of totals by Taylor linearisation (``svyrecvar``).  Everything the estimators
    need (unit codes per stage, the stratum of each unit, units per stratum, fpc) is computed
    once here, so many estimates on one design are cheap.

    Parameters
    ----------
    cluster:
        One label per respondent: the primary sampling unit (here the trust or site); or one
        column per stage, outermost first (a 2-D array respondents x stages, a DataFrame, or a
        list of 1-D arrays), as ``ids = ~site + session``; or ``None`` when respondents were
        sampled one by one (R's ``ids = ~1``).  Each stage is nested in the one above.
    strata:
        One label per respondent (the strata of the first stage), or ``None``.
    weights:
        Sampling weights (positive, finite), or ``None``.  Without weights but with an fpc,
        the weights are the product over stages of population / sampled, as svydesign makes
        them; without either, weights are equal (R then warns "assuming equal probability").
    fpc:
        Finite population correction, one column per stage like ``cluster`` (a 1-D array for
        one stage): the size of the population each unit was sampled from (the number of
        clusters in its stratum at the first stage; of units within its cluster at later
        stages), or the sampling fraction (1 or less), as ``svydesign(fpc = ...)`` accepts.
        Without fpc, first-stage units are taken as sampled with replacement and only the
        first stage enters the variance (the "ultimate cluster" estimator); with fpc for every
        stage, survey's recursive multistage estimator: the first stage's variance times
        (1 - n1/N1), plus, within each first-stage unit, the second stage's variance times
        (1 - n2/N2) and n1/N1, and so on.
    lonely_psu:
        What to do with a stratum (or, at later stages, a unit) from which one unit was
        sampled; see the module documentation.  A stratum sampled completely (fpc equal to the
        number sampled) contributes nothing and is never lonely, as in survey.

    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3])
    >>> des.n, des.n_clusters, des.n_strata, des.degf
    (6, 3, 1, 2)
    >>> stages = [[1, 1, 1, 2, 2, 2], [1, 2, 3, 1, 2, 2]]  # sites, then sessions within sites
    >>> des = SurveyDesign(stages, fpc=[[10] * 6, [5, 5, 5, 4, 4, 4]])
    >>> des.stages, des.n_clusters, des.n_units, [round(float(w), 2) for w in des.weights[[0, 3]]]
    (2, 2, 5, [8.33, 10.0])
    """

    # long: every design argument checked before anything is computed
    def __init__(  # noqa: C901 - every design argument checked with its own message
        self,
        cluster=None,
        strata=None,
        weights=None,
        lonely_psu: str = "fail",
        *,
        fpc=None,
        names: dict | None = None,
    ):
        if lonely_psu not in LONELY_PSU:
            raise DesignError(
                f"unknown lonely_psu {lonely_psu!r}. Fix: use one of {', '.join(LONELY_PSU)}."
            )
        names = dict(names or {})
        stages_in = _columns(cluster, "cluster")
        fpc_in = _columns(fpc, "fpc")
        n = None
        for candidate in (stages_in, fpc_in):
            if candidate:
                n = len(candidate[0])
                break
        if n is None:
            for other in (strata, weights):
                if other is not None:
                    n = len(np.asarray(other))
                    break
        if n is None:
            raise DesignError(
                "the design needs clusters, strata, weights or an fpc. Fix: pass cluster ids "
                "(or fpc for respondents sampled one by one)."
            )
        if n == 0:
            raise DesignError("the design has no respondents. Fix: pass at least one row.")
        self.sampled_singly = stages_in is None
        if stages_in is None:
            stages_in = [np.arange(n)]
        cluster_names = names.get("cluster") or (
            ["cluster"]
            if len(stages_in) == 1
            else [f"stage {s + 1}" for s in range(len(stages_in))]
        )
        stage_labels = [
            _labels(col, cluster_names[s] if s < len(cluster_names) else f"stage {s + 1}", n)
            for s, col in enumerate(stages_in)
        ]
        self.stages = len(stage_labels)
        self.stratified = strata is not None
        st = _labels(strata, "strata", n) if strata is not None else np.zeros(n, dtype=np.int8)
        if fpc_in is not None and len(fpc_in) != self.stages:
            raise DesignError(
                f"the fpc has {len(fpc_in)} column(s) but the design has {self.stages} stage(s) "
                "of clusters. Fix: give one fpc column per stage, outermost first, as "
                "svydesign(ids = ~site + session, fpc = ~fpc1 + fpc2)."
            )
        fpc_names = names.get("fpc") or [f"fpc (stage {s + 1})" for s in range(self.stages)]
        if fpc_in is not None:
            fpc_in = [_labels(f, fpc_names[s], n) for s, f in enumerate(fpc_in)]
            fpc_in = [_fpc_values(f, fpc_names[s]) for s, f in enumerate(fpc_in)]

        st_codes, st_labels = _factorize(st)
        # Units per stage, nested: stage 0 units within strata, stage s units within stage s-1.
        units = []
        parent = st_codes.astype(np.intp)
        stage_strata = []
        for labels in stage_labels:
            stage_strata.append(parent)
            unit = _nested_codes(parent, labels)
            units.append(unit)
            parent = unit
        populations = None
        if fpc_in is not None:
            strata_shown = [st if self.stratified else None] + [
                stage_labels[s - 1] for s in range(1, self.stages)
            ]
            problems, populations = check_fpc(
                fpc_in, stage_strata, units, fpc_names, cluster_names, strata_shown
            )
            if problems:
                shown = "; ".join(
                    (f"row {p.row + 1}: " if p.row is not None else "") + p.message
                    for p in problems[:5]
                )
                raise DesignError(f"{shown} Fix: {problems[0].fix}")

        # Weights as survey holds them: 1 / prob, prob being 1 / weight (or, from an fpc, the
        # product over stages of 1 / (population / sampled)).  1 / (1 / w) can differ from w in
        # the last bit, which decides ties in quantiles, so we take the same path.
        if weights is None:
            if populations is not None:
                prob = np.ones(n)
                for s in range(self.stages):
                    sampled = self._sampled_per_row(stage_strata[s], units[s])
                    prob = prob * (1 / (populations[s] / sampled))
                w = 1 / prob
                self.weighted = True
                self.weights_from_fpc = True
            else:
                w = np.ones(n)
                self.weighted = False
                self.weights_from_fpc = False
        else:
            self.weighted = True
            self.weights_from_fpc = False
            w = 1 / (1 / self._weights(weights, n))

        # Stage structures: only the stages that enter the variance (all with an fpc).
        self.fpc = fpc_in is not None
        self.variance_stages = self.stages if self.fpc else 1
        built: list[_Stage] = []
        mult_parent = np.ones(0)  # the multipliers of the stage before (none before the first)
        for s in range(self.variance_stages):
            unit = units[s]
            first = _first_rows(unit)
            unit_stratum = stage_strata[s][first]
            # (the strata of stage s > 0 are the units of stage s - 1, coded 0..U-1)
            n_str = int(unit_stratum.max()) + 1
            per_stratum = np.bincount(unit_stratum, minlength=n_str)
            if populations is not None:  # with an fpc
                row_first = np.zeros(n_str, dtype=np.intp)
                row_first[stage_strata[s][::-1]] = np.arange(n)[::-1]
                population = populations[s][row_first]
                f = (population - per_stratum) / population
                frac = per_stratum / population
            else:
                f = np.ones(n_str)
                frac = np.zeros(n_str)
            if s == 0:
                mult = np.ones(n_str)
            else:
                prev = built[s - 1]
                # stratum h of stage s is unit h of stage s-1
                mult = mult_parent[prev.unit_stratum] * prev.frac[prev.unit_stratum]
            built.append(_Stage(unit, unit_stratum, per_stratum, f, frac, mult))
            mult_parent = mult
        self._stages = built
        last = built[-1]
        self.unit = last.unit
        self.n_units = last.n_units
        # each final unit's unit at every stage above
        first_row = _first_rows(last.unit)
        self._up = [stage.unit[first_row] for stage in built]

        stage0 = built[0]
        self.n = n
        self.lonely_psu = lonely_psu
        self.psu = stage0.unit
        self.psu_stratum = stage0.unit_stratum
        self.psu_per_stratum = stage0.per_stratum
        self.strata_labels = tuple(st_labels.tolist()) if self.stratified else ()
        self.weights = w
        self.n_clusters = stage0.n_units
        self.n_strata = stage0.n_strata
        self.degf = self.n_clusters - self.n_strata
        self.units_per_stage = tuple(int(u.max()) + 1 for u in units)
        for arr in (self.psu, self.psu_stratum, self.psu_per_stratum, self.weights, self.unit):
            arr.flags.writeable = False
        self._check_lonely(stage_labels, st_labels, cluster_names)

    @staticmethod
    def _sampled_per_row(stratum: np.ndarray, unit: np.ndarray) -> np.ndarray:
        first = _first_rows(unit)
        counts = np.bincount(stratum[first], minlength=int(stratum.max()) + 1)
        return counts[stratum].astype(np.float64)

    def _check_lonely(self, stage_labels, st_labels, cluster_names) -> None:
        if self.lonely_psu != "fail":
            return
        for s, stage in enumerate(self._stages):
            lonely = np.flatnonzero(stage.lonely & ~stage.certain)
            if not len(lonely):
                continue
            if s == 0 and not self.stratified:
                raise DesignError(
                    "the design has only one cluster, so there is no variation between "
                    "clusters to estimate a variance from. Fix: analyse without a cluster "
                    "variable (simple random sampling) or add data from more clusters."
                )
            if s == 0:
                names = ", ".join(repr(st_labels[h]) for h in lonely[:5])
                raise DesignError(
                    f"stratum {names} has only one cluster, so its variance cannot be "
                    "estimated (R: 'Stratum has only one PSU'). Fix: merge it with a similar "
                    "stratum, give an fpc if that cluster is the stratum's whole population, or "
                    "choose lonely_psu='adjust', 'certainty', 'remove' or 'average' as R's "
                    "options(survey.lonely.psu = ...)."
                )
            above = cluster_names[s - 1] if s - 1 < len(cluster_names) else f"stage {s}"
            here = cluster_names[s] if s < len(cluster_names) else f"stage {s + 1}"
            parent = self._stages[s - 1].unit
            shown = []
            for h in lonely[:5]:
                label = stage_labels[s - 1][int(np.flatnonzero(parent == h)[0])]
                shown.append(repr(label.item() if hasattr(label, "item") else label))
            raise DesignError(
                f"{above} {', '.join(shown)} has only one {here} sampled, so the variance at "
                f"stage {s + 1} cannot be estimated within it (R: 'Stratum has only one PSU at "
                f"stage {s + 1}'). Fix: if that {here} is the whole of its {above}, give the "
                f"stage {s + 1} fpc as the number sampled (1); otherwise choose "
                "lonely_psu='adjust', 'certainty', 'remove' or 'average'."
            )

    @staticmethod
    def _weights(weights, n: int) -> np.ndarray:
        raw = np.asarray(weights)
        if raw.ndim != 1 or len(raw) != n:
            raise DesignError(
                f"weights must have one value per respondent ({n}), not shape {raw.shape}."
            )
        try:
            w = raw.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise DesignError(
                f"weights must be numbers: {err}. Fix: check the weight column."
            ) from err
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            rows = np.flatnonzero(bad)[:5] + 1
            raise DesignError(
                f"weights must be positive and finite; {int(bad.sum())} are not (rows "
                f"{', '.join(map(str, rows))}{', ...' if bad.sum() > 5 else ''}). "
                "Fix: give every respondent a positive weight, or leave weights out."
            )
        return w

    def __repr__(self) -> str:
        return (
            f"SurveyDesign(n={self.n}, stages={self.stages}, clusters={self.n_clusters}, "
            f"strata={self.n_strata}, weighted={self.weighted}, fpc={self.fpc}, "
            f"lonely_psu={self.lonely_psu!r})"
        )

    def describe(self) -> dict:
        """The design in numbers, for output: stages, units per stage, strata, df, fpc."""
        return {
            "stages": self.stages,
            "sampled_singly": self.sampled_singly,
            "units_per_stage": list(self.units_per_stage),
            "clusters": self.n_clusters,
            "strata": self.n_strata,
            "df": self.degf,
            "weighted": self.weighted,
            "weights_from_fpc": self.weights_from_fpc,
            "fpc": self.fpc,
            "variance_stages": self.variance_stages,
            "lonely_psu": self.lonely_psu,
        }

    # -- variance of totals -------------------------------------------------------------------

    def _stage_variance(self, s: int, totals: np.ndarray, present, cov: bool) -> np.ndarray:
        """Stage ``s``'s part of survey's ``multistage``: per stratum, (1 - f) n / (n - 1)
        times the sum of squared deviations of unit totals from their stratum mean, times the
        sampling fractions of the stages above.  ``present`` (strata x k, or strata for
        ``cov``) marks the strata with members of the domain, for lonely_psu = "average"."""
        stage = self._stages[s]
        k = totals.shape[1]
        sums = np.zeros((stage.n_strata, k))
        np.add.at(sums, stage.unit_stratum, totals)
        means = sums / stage.per_stratum[:, None]
        if self.lonely_psu == "adjust":  # a lonely unit's total is not centred (R's onestrat)
            means[stage.lonely] = 0.0
        c = totals - means[stage.unit_stratum]
        wts = (stage.scale * stage.mult)[stage.unit_stratum]
        if cov:
            v = (wts[:, None] * c).T @ c
        else:
            v = (wts[:, None] * c * c).sum(0)
        if self.lonely_psu == "average":
            ok = ~stage.lonely | stage.certain
            if present is None:
                present = np.ones((stage.n_strata, 1 if cov else k), dtype=bool)
            elif present.ndim == 1:
                present = present[:, None]
            if s == 0:
                # onestage: the sum over strata times (strata present) / (strata present
                # with a variance)
                with np.errstate(divide="ignore", invalid="ignore"):
                    factor = present.sum(0) / (present & ok[:, None]).sum(0)
            else:
                # later stages: each stratum (a unit above) is its own onestage call, so a
                # lonely unit makes the variance NaN, as in R
                bad = (present & ~ok[:, None]).any(0)
                factor = np.where(bad, np.nan, 1.0)
            if cov:
                v = v * factor[0]
            else:
                v = v * factor
        return v

    def _multistage(self, totals: np.ndarray, units_present, strata_present, cov: bool):
        """Sum of the stages' variances from final-unit totals (units x k)."""
        out = None
        for s in range(self.variance_stages):
            up = self._up[s]
            stage = self._stages[s]
            if s == self.variance_stages - 1:
                t = totals
            else:
                t = np.zeros((stage.n_units, totals.shape[1]))
                np.add.at(t, up, totals)
            present = None
            if self.lonely_psu == "average":
                if s == 0 and strata_present is not None:
                    present = strata_present
                elif units_present is not None:
                    k = units_present.shape[1]
                    unit_here = np.zeros((stage.n_units, k), dtype=bool)
                    np.logical_or.at(unit_here, up, units_present)
                    present = np.zeros((stage.n_strata, k), dtype=bool)
                    np.logical_or.at(present, stage.unit_stratum, unit_here)
                    if cov:
                        present = present.any(1)
            v = self._stage_variance(s, t, present, cov)
            out = v if out is None else out + v
        return out

    def _unit_totals(self, totals: np.ndarray) -> np.ndarray:
        totals = np.asarray(totals, dtype=np.float64)
        if totals.ndim != 2:
            raise StatsError("totals must be a matrix (units x statistics).")
        if totals.shape[0] == self.n_units:
            return totals
        if self.variance_stages > 1 and totals.shape[0] == self.n_clusters:
            raise DesignError(
                "this statistic is not yet available for a design with an fpc at several "
                "stages: it works from first-stage cluster totals, and such a design's "
                "variance needs every stage. Fix: use the first stage only (its cluster and "
                "fpc columns). (In code: pass each respondent's values to "
                "SurveyDesign.row_covariance.)"
            )
        raise DesignError(
            f"the totals have {totals.shape[0]} rows but the design has {self.n_units} "
            "final-stage units; pass one row per unit."
        )

    def variances(self, totals: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Variance of each column of ``totals`` (one row per final-stage unit x k): the
        first-stage clusters, or with an fpc for several stages the units of the last stage.
        ``present`` (strata x k) marks the first-stage strata with members of the domain, for
        ``lonely_psu = "average"``."""
        t = self._unit_totals(totals)
        if present is not None and present.ndim == 1:
            present = present[:, None]
        return self._multistage(t, None, present, cov=False)

    def covariance(self, totals: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Covariance matrix of the columns of ``totals`` (final-stage units x k).
        ``present`` (strata) marks the first-stage strata in the domain, for "average"."""
        t = self._unit_totals(totals)
        return self._multistage(t, None, present, cov=True)

    def _rows_to_units(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((self.n_units, x.shape[1]))
        for j in range(x.shape[1]):
            out[:, j] = np.bincount(self.unit, weights=x[:, j], minlength=self.n_units)
        return out

    def row_variances(self, x, rows: np.ndarray | None = None) -> np.ndarray:
        """Variance of the design-weighted totals of each column of ``x`` (respondents x k):
        ``x`` holds each respondent's linearised value (0 outside the domain) and ``rows``
        (respondents, or respondents x k) marks who is in each column's domain."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        present = self._units_present(rows, x.shape[1])
        return self._multistage(self._rows_to_units(x), present, None, cov=False)

    def row_covariance(self, x, rows: np.ndarray | None = None) -> np.ndarray:
        """Covariance matrix of the totals of the columns of ``x`` (respondents x k), as
        :meth:`row_variances`; ``rows`` (respondents) marks the domain."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        present = self._units_present(rows, 1)
        return self._multistage(self._rows_to_units(x), present, None, cov=True)

    def domain_variance(
        self, values: np.ndarray, answered: np.ndarray, units: np.ndarray | None = None
    ) -> float:
        """:meth:`row_variances` of one column that is zero outside ``answered`` (a mask, or
        row numbers in ascending order), from those rows alone: ``values`` holds just their
        values, in order.  The rows left out would add zeros to their units' totals, so the
        totals, and the variance, are the same to the bit; ``units`` is
        ``self.unit[answered]`` when the caller has it (several statistics of one domain)."""
        if units is None:
            units = self.unit[answered]
        totals = np.bincount(units, weights=values, minlength=self.n_units)[:, None]
        present = None
        if self.lonely_psu == "average":  # the only rule that asks who is in the domain
            present = self._units_present(_as_mask(answered, self.n), 1)
        return float(self._multistage(totals, present, None, cov=False)[0])

    def unit_covariance(self, totals: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """:meth:`row_covariance` from the values already summed by final-stage unit
        (units x k, ``np.bincount(design.unit, weights=...)`` of each column); ``rows``
        (respondents) marks the domain."""
        return self._multistage(
            np.asarray(totals, dtype=np.float64), self._units_present(rows, 1), None, cov=True
        )

    def _units_present(self, rows, k: int):
        if self.lonely_psu != "average":
            return None
        if rows is None:
            rows = np.ones((self.n, k), dtype=bool)
        rows = np.asarray(rows, dtype=bool)
        if rows.ndim == 1:
            rows = np.repeat(rows[:, None], k, axis=1)
        present = np.zeros((self.n_units, rows.shape[1]), dtype=bool)
        np.logical_or.at(present, self.unit, rows)
        return present

    def domain_degf(self, rows: np.ndarray) -> int:
        """R's ``degf`` of the design restricted to ``rows``: first-stage clusters minus
        strata among them."""
        return self.domain_clusters(rows)[0]

    def domain_clusters(self, rows: np.ndarray) -> tuple[int, int]:
        """:meth:`domain_degf` and the number of first-stage clusters in ``rows``, from one
        look at who is in them."""
        psus = self.clusters_in(rows)
        return int(len(psus) - len(np.unique(self.psu_stratum[psus]))), len(psus)

    def clusters_in(self, rows: np.ndarray) -> np.ndarray:
        """The codes of the first-stage clusters with a member in ``rows`` (a boolean mask),
        in order: ``np.unique(psu[rows])``, counted rather than sorted."""
        seen = np.bincount(self.psu[np.asarray(rows, dtype=bool)], minlength=self.n_clusters)
        return np.flatnonzero(seen)


@dataclass(frozen=True)
class DesignProportion(Result):
    """A design-based proportion: R's ``svymean``/``svyciprop(method = "logit")`` together.

    ``n`` is the number of respondents in the domain who answered; ``count`` how many of them
    answered yes (both unweighted).  ``estimate`` is the weighted proportion, ``se`` its
    linearised standard error.  ``deff`` is survey's default design effect, the ratio to the
    variance under simple random sampling *without* replacement of ``n`` from a population of
    size sum(weights) (infinite when there are no weights, as in R, because the weights then sum
    to ``n``); ``deff_replace`` is the ratio to sampling *with* replacement (R's
    ``deff = "replace"``; Kish's design effect).  ``lower``/``upper`` is the logit interval on
    ``df`` degrees of freedom.
    """

    estimate: float
    se: float
    lower: float
    upper: float
    deff: float
    deff_replace: float
    df: int
    n: int
    count: int
    n_clusters: int
    weighted_total: float
    conf_level: float
    method: str = "logit"
    group: object = field(default=None)


E = TypeVar("E")


class GroupEstimates(Generic[E]):
    """One estimate per group, in the order of ``groups``: looked up by group, or as a dict
    (shared by :class:`DesignProportions` and :class:`DesignEstimates`)."""

    groups: tuple
    estimates: tuple[E, ...]

    def __getitem__(self, group: object) -> E:
        try:
            return self.estimates[self.groups.index(group)]
        except ValueError:
            raise KeyError(group) from None

    def as_dict(self) -> dict:
        return dict(zip(self.groups, self.estimates, strict=True))


@dataclass(frozen=True)
class DesignProportions(GroupEstimates["DesignProportion"], Result):
    """Domain estimates for every group of one variable, in the order of ``groups``."""

    groups: tuple
    estimates: tuple[DesignProportion, ...]
    n: int


def binary_values(y, name: str = "y") -> np.ndarray:
    """``y`` as float64 with 1 = yes, 0 = no and NaN = missing; anything else is an error."""
    arr = np.asarray(y)
    try:
        if arr.dtype == object:  # None counts as missing; text is an error, never NaN
            arr = pd.Series(arr).astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        out = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise StatsError(
            f"{name} must be coded 0/1 (missing as NaN): {err}. "
            "Fix: recode the variable to 1 for the answer of interest and 0 otherwise."
        ) from err
    if out.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional.")
    bad = ~((out == 0) | (out == 1) | np.isnan(out))
    if bad.any():
        seen = ", ".join(repr(v) for v in np.unique(out[bad])[:5])
        raise StatsError(
            f"{name} must be coded 0/1 (missing as NaN); found {seen}. "
            "Fix: recode the variable to 1 for the answer of interest and 0 otherwise."
        )
    return out


def _check_conf(conf_level: float) -> float:
    if not 0 < float(conf_level) < 1:
        raise StatsError(f"conf_level must be strictly between 0 and 1, not {conf_level!r}.")
    return float(conf_level)


def _logit_interval(p, se, df, conf_level):
    """``svyciprop(method = "logit")``: expit(logit(p) -/+ t_df * se / (p (1 - p)))."""
    p, se, df = np.asarray(p, float), np.asarray(se, float), np.asarray(df, float)
    lower = np.full(p.shape, np.nan)
    upper = np.full(p.shape, np.nan)
    usable = df > 0
    edge = usable & ((p <= 0) | (p >= 1))
    lower[edge] = upper[edge] = p[edge]
    inner = usable & ~edge
    if inner.any():
        t = np.array([_t_quantile(0.5 + conf_level / 2, d) for d in df[inner]])
        b = np.log(p[inner] / (1 - p[inner]))
        sb = se[inner] / (p[inner] * (1 - p[inner]))
        lower[inner] = 1 / (1 + np.exp(-(b - t * sb)))
        upper[inner] = 1 / (1 + np.exp(-(b + t * sb)))
    return lower, upper


def _estimate(y: np.ndarray, shifted: np.ndarray, k: int, design: SurveyDesign, conf: float):
    """Proportions for the domains coded 1..k in ``shifted`` (0 = in no domain).

    Two passes over the data: every row falls in a cell (cluster, domain, answer) with answer
    0 = no, 1 = yes, 2 = missing, and one unweighted and one weighted ``bincount`` over the cells
    give everything else.  The linearised cluster totals of ``w (y - p) / sum(w)`` are
    ``(sum(w y) - p sum(w)) / sum(w)`` per cell, so no second pass over the rows is needed.
    """
    counts, wsums, _table = _cells(y, shifted, k, design)
    return _from_cells(counts, wsums, design, conf)


def _cells(
    y: np.ndarray, shifted: np.ndarray, k: int, design: SurveyDesign
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The respondents and their weights in each cell (final-stage unit x domain 1..k x
    answer no / yes / missing) of :func:`_estimate`: two counts over the rows; and the
    respondents in every cell, those in no domain (0) too."""
    if len(y) != design.n:
        raise StatsError(
            f"y has {len(y)} values but the design has {design.n} respondents. "
            "Fix: pass the variable for the same rows, in the same order, as the design."
        )
    n_units = design.n_units
    n_cells = n_units * (k + 1) * 3
    answer = np.nan_to_num(y, nan=2.0).astype(np.intp)
    key = design.unit * (k + 1)
    key += shifted
    key *= 3
    key += answer
    table = np.bincount(key, minlength=n_cells).reshape(n_units, k + 1, 3)
    counts = table[:, 1:]
    if design.weighted:
        wsums = np.bincount(key, weights=design.weights, minlength=n_cells)
        wsums = wsums.reshape(n_units, k + 1, 3)[:, 1:]
    else:
        wsums = counts.astype(np.float64)
    return counts, wsums, table


def _from_cells(counts: np.ndarray, wsums: np.ndarray, design: SurveyDesign, conf: float):
    """:func:`_estimate` from the counts and weights of its cells (:func:`_cells`)."""
    k = counts.shape[1]
    n_cell = counts[..., 0] + counts[..., 1]  # units x k: respondents who answered
    sw_cell = wsums[..., 0] + wsums[..., 1]
    swy_cell = wsums[..., 1]
    n = n_cell.sum(0)
    count = counts[..., 1].sum(0)
    sw = sw_cell.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = swy_cell.sum(0) / sw
        totals = (swy_cell - p * sw_cell) / sw
        var = design._multistage(totals, n_cell > 0, None, cov=False)
        se = np.sqrt(var)
        # svyvar: n / (n - 1) * sum(w (y - p)^2) / sum(w), which is n / (n - 1) * p (1 - p)
        # for a 0/1 variable; the SRS variances of the mean follow from it.
        svyvar = p * (1 - p) * n / (n - 1)
        v_rep = svyvar / n
        v_wor = np.where(sw < n, np.nan, svyvar * (sw - n) / (sw * n))
        deff_rep = np.where(n > 1, var / v_rep, np.nan)
        deff = np.where(n > 1, var / v_wor, np.nan)
    # degf(subset(design, domain)): clusters minus strata among the domain's rows, answered or
    # not (svyciprop takes degf before svyglm drops the missing answers).
    has = _to_psu(design, counts.sum(-1) > 0)
    strata_in = np.zeros((design.n_strata, k), dtype=bool)
    np.logical_or.at(strata_in, design.psu_stratum, has)
    df = has.sum(0) - strata_in.sum(0)
    lower, upper = _logit_interval(p, se, df, conf)
    return dict(
        estimate=p,
        se=se,
        lower=lower,
        upper=upper,
        deff=deff,
        deff_replace=deff_rep,
        df=df,
        n=n,
        count=count,
        n_clusters=_to_psu(design, n_cell > 0).sum(0),
        weighted_total=sw,
    )


def _to_psu(design: SurveyDesign, units: np.ndarray) -> np.ndarray:
    """Final-unit flags (units x k) as first-stage cluster flags (clusters x k)."""
    if design.n_units == design.n_clusters:
        return units
    out = np.zeros((design.n_clusters, units.shape[1]), dtype=bool)
    np.logical_or.at(out, design._up[0], units)
    return out


def _result(arrays: dict, j: int, conf: float, group=None) -> DesignProportion:
    return DesignProportion(
        estimate=float(arrays["estimate"][j]),
        se=float(arrays["se"][j]),
        lower=float(arrays["lower"][j]),
        upper=float(arrays["upper"][j]),
        deff=float(arrays["deff"][j]),
        deff_replace=float(arrays["deff_replace"][j]),
        df=int(arrays["df"][j]),
        n=int(arrays["n"][j]),
        count=int(arrays["count"][j]),
        n_clusters=int(arrays["n_clusters"][j]),
        weighted_total=float(arrays["weighted_total"][j]),
        conf_level=conf,
        group=group,
    )


def design_proportion(
    y, design: SurveyDesign, domain=None, conf_level: float = 0.95
) -> DesignProportion:
    """Design-based proportion with linearised SE, design effects and logit interval.

    Parameters
    ----------
    y
        Each respondent's answer coded 1/0, NaN when missing, in the design's order.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    domain
        A boolean mask of the subgroup to estimate, on the whole design (None: everyone).
    conf_level
        The level of the interval.

    Returns
    -------
    DesignProportion
        ``estimate``, ``se``, the logit interval (``lower``, ``upper``) on ``df`` degrees of
        freedom, ``deff``, ``deff_replace``, ``n`` and ``count`` (unweighted), ``n_clusters``.

    Raises
    ------
    StatsError
        When the domain has no respondents who answered.

    Notes
    -----
    Missing answers are left out as a domain (R's ``na.rm = TRUE``), never imputed.  With
    ``domain``, the subgroup is estimated on the whole design, as
    ``svyciprop(~y, subset(des, domain))``; its degrees of freedom are then the clusters minus the
    strata that contain members of the domain, as R's ``degf`` of the subset design.  Interval
    method: the logit interval on ``degf(des)`` degrees of freedom with a t quantile.  An
    estimate of exactly 0 or 1 gets the interval [0, 0] or [1, 1]: the logit is infinite there and
    R's iterative fit ends at the same interval to ~1e-11.  With ``df = 0`` (a domain inside a
    single cluster per stratum) the interval is NaN, as in R.

    References
    ----------
    Matches ``svymean(~y, des, na.rm = TRUE, deff = TRUE)`` (estimate, SE, ``deff``), the same
    with ``deff = "replace"`` (``deff_replace``) and ``svyciprop(~y, des, method = "logit")`` of
    the R package survey (Lumley T. *Complex Surveys*, Wiley 2010).

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 1, 2, 2, 3, 3, 3])
    >>> r = design_proportion([1, 0, 0, 1, 1, 0, 0, 1], des)
    >>> round(r.estimate, 3), round(r.se, 3), r.df
    (0.5, 0.188, 2)
    """
    conf = _check_conf(conf_level)
    y = binary_values(y)
    if domain is None:
        shifted = np.ones(len(y), dtype=np.intp)
    else:
        mask = np.asarray(domain)
        if mask.dtype != bool or mask.shape != y.shape:
            raise StatsError(
                "domain must be a boolean mask with one value per respondent "
                f"(got dtype {mask.dtype}, shape {mask.shape}; y has {len(y)})."
            )
        shifted = mask.view(np.int8)
    arrays = _estimate(y, shifted, 1, design, conf)
    if arrays["n"][0] == 0:
        where = "the domain" if domain is not None else "the data"
        raise StatsError(
            f"no respondents in {where} answered this question (n = 0), so there is no "
            "proportion to estimate. Fix: check the variable and the domain."
        )
    return _result(arrays, 0, conf)


def design_proportions_in(
    y,
    design: SurveyDesign,
    masks: list[np.ndarray],
    conf_level: float = 0.95,
    *,
    overall: bool = False,
) -> list[DesignProportion | None] | None:
    """:func:`design_proportion` in each of ``masks`` (groups no respondent is in twice), None
    for a group in which nobody answered, from one count of every group's cells rather than
    two passes over all the respondents per group.  Each group's figures are then worked
    out from its own cells exactly as :func:`design_proportion` works them out (the sums over
    clusters in the same order: bit for bit the same).  With ``overall``, the estimate over
    everyone comes first.  None when a mask is not a boolean mask of the respondents or
    someone is in two groups."""
    conf = _check_conf(conf_level)
    y = binary_values(y)
    k = len(masks)
    masks = [np.asarray(mask) for mask in masks]
    if any(m.dtype != bool or m.shape != y.shape for m in masks):
        return None
    shifted = np.zeros(len(y), dtype=np.intp)
    for g, mask in enumerate(masks):
        shifted[mask] = g + 1
    if sum(int(np.count_nonzero(m)) for m in masks) != int(np.count_nonzero(shifted)):
        return None
    counts, wsums, table = _cells(y, shifted, k, design)
    out: list[DesignProportion | None] = []
    if overall:
        out.append(_overall(y, table, design, conf))
    for g in range(k):
        arrays = _from_cells(counts[:, g : g + 1], wsums[:, g : g + 1], design, conf)
        out.append(_result(arrays, 0, conf) if arrays["n"][0] > 0 else None)
    return out


def _overall(
    y: np.ndarray, table: np.ndarray, design: SurveyDesign, conf: float
) -> DesignProportion | None:
    """:func:`design_proportion` over everyone (None when nobody answered).  Without
    weights, a cell's weight is its count of respondents, whole numbers that add up exactly
    whatever the order: everyone's cells are the sum of the domains' (``table``, no domain
    included), laid out as :func:`_cells` lays them out, so no other pass over the rows is
    needed.  With weights, the sums would be added in another order: counted afresh."""
    if design.weighted:
        arrays = _estimate(y, np.ones(len(y), dtype=np.intp), 1, design, conf)
    else:
        counts = table.sum(axis=1, keepdims=True)
        arrays = _from_cells(counts, counts.astype(np.float64), design, conf)
    return _result(arrays, 0, conf) if arrays["n"][0] > 0 else None


def design_proportion_by(
    y, groups, design: SurveyDesign, conf_level: float = 0.95
) -> DesignProportions:
    """Domain proportions for every group at once: ``svyby(~y, ~group, des, svymean)``.

    Parameters
    ----------
    y
        Each respondent's answer coded 1/0, NaN when missing, in the design's order.
    groups
        Each respondent's group; None or NaN belongs to no group.  Groups are reported sorted.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    conf_level
        The level of the interval.

    Returns
    -------
    DesignProportions
        One :class:`DesignProportion` per group (``res["a"]``), and ``groups``.

    Raises
    ------
    StatsError
        A group in which nobody answered (the error names the group).

    Notes
    -----
    Each group's result equals :func:`design_proportion` with ``domain = (groups == g)``, but all
    groups are computed in one pass over the data.  Missing answers are left out as a domain.

    References
    ----------
    Lumley T. Analysis of complex survey samples. J Stat Softw 2004;9(8):1-19; the R package
    survey (version 4), whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 1, 2, 2, 3, 3, 3])
    >>> res = design_proportion_by([1, 0, 0, 1, 1, 0, 0, 1], list("aabbabab"), des)
    >>> res.groups, res["a"].n
    (('a', 'b'), 4)
    """
    conf = _check_conf(conf_level)
    y = binary_values(y)
    g = np.asarray(groups)
    if g.shape != y.shape:
        raise StatsError(f"groups has {g.size} values but y has {len(y)}.")
    codes, labels = pd.factorize(g, sort=True)  # missing -> -1
    k = len(labels)
    if k == 0:
        raise StatsError("every respondent's group is missing. Fix: check the group variable.")
    arrays = _estimate(y, codes + 1, k, design, conf)
    empty = [labels[j] for j in range(k) if arrays["n"][j] == 0]
    if empty:
        raise StatsError(
            f"no respondents in group(s) {', '.join(map(repr, empty))} answered this question "
            "(n = 0). Fix: leave those groups out or merge them with another group."
        )
    labels_out = tuple(v.item() if hasattr(v, "item") else v for v in labels)
    estimates = tuple(_result(arrays, j, conf, labels_out[j]) for j in range(k))
    return DesignProportions(labels_out, estimates, int(arrays["n"].sum()))


# -- means, totals and quantiles of numeric variables -----------------------------------------


@dataclass(frozen=True)
class DesignEstimate(Result):
    """A design-based mean or total: R's ``svymean``/``svytotal`` with ``deff``.

    ``n`` is the number of respondents in the domain who answered (unweighted) and
    ``n_clusters`` the first-stage clusters they are in; ``weighted_total`` is the sum of
    their weights (the estimated population of the domain).  ``estimate`` and ``se`` are
    survey's; ``deff`` is the design effect against simple random sampling without
    replacement from a population of ``weighted_total`` (infinite without weights or fpc, as
    in R), ``deff_replace`` against sampling with replacement.  ``lower``/``upper`` is
    estimate -/+ t(df) SE, with ``df`` the design's degrees of freedom for the domain
    (``confint(m, df = degf(des))``); R's ``confint`` uses the normal quantile unless told
    ``df``, which ``df=math.inf`` gives.  ``sd`` (means only) is the design-weighted standard
    deviation, the square root of ``svyvar``.
    """

    statistic: str
    estimate: float
    se: float
    lower: float
    upper: float
    deff: float
    deff_replace: float
    df: float
    n: int
    n_clusters: int
    weighted_total: float
    conf_level: float
    sd: float | None = None
    group: object = field(default=None)


@dataclass(frozen=True)
class DesignQuantile(Result):
    """A design-based quantile with survey's default interval (``svyquantile``, survey 4.1).

    ``estimate`` is ``qrule = "math"``: the smallest value whose weighted cumulative share
    reaches ``prob`` (no interpolation).  ``lower``/``upper`` is Woodruff's interval
    (``interval.type = "mean"``): the t interval on ``df`` of the estimated share of the
    domain at or below the estimate, mapped back through the same rule; a bound is NaN where
    the share's interval passes 0 or 1.  ``se`` is R's: the interval's width divided by
    2 t(df).  ``df`` is ``degf`` of the domain's respondents who answered, as svyquantile
    takes it.  There is no design effect: survey gives none for quantiles.
    """

    prob: float
    estimate: float
    lower: float
    upper: float
    se: float
    df: int
    n: int
    n_clusters: int
    conf_level: float
    method: str = "Woodruff (svyquantile: qrule 'math', interval.type 'mean')"
    group: object = field(default=None)


@dataclass(frozen=True)
class DesignEstimates(GroupEstimates[Any], Result):
    """Domain estimates for every group of one variable (``svyby``), in ``groups`` order."""

    groups: tuple
    estimates: tuple
    n: int


def numeric_values(y, name: str = "y") -> np.ndarray:
    """``y`` as float64 with NaN for missing (None or NaN); text is an error."""
    arr = np.asarray(y)
    try:
        if arr.dtype == object:
            arr = pd.Series(arr).astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        out = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise StatsError(
            f"{name} must be numbers (missing as NaN): {err}. Fix: check the variable."
        ) from err
    if out.ndim != 1:
        raise StatsError(f"{name} must be one-dimensional.")
    if np.isinf(out).any():
        raise StatsError(f"{name} has infinite values. Fix: check the variable.")
    return out


def _domain(y: np.ndarray, design: SurveyDesign, domain) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the domain (all rows when ``domain`` is None) and those who answered."""
    if len(y) != design.n:
        raise StatsError(
            f"y has {len(y)} values but the design has {design.n} respondents. "
            "Fix: pass the variable for the same rows, in the same order, as the design."
        )
    if domain is None:
        rows = np.ones(len(y), dtype=bool)
    else:
        rows = np.asarray(domain)
        if rows.dtype != bool or rows.shape != y.shape:
            raise StatsError(
                "domain must be a boolean mask with one value per respondent "
                f"(got dtype {rows.dtype}, shape {rows.shape}; y has {len(y)})."
            )
    answered = rows & ~np.isnan(y)
    if not answered.any():
        where = "the domain" if domain is not None else "the data"
        raise StatsError(
            f"no respondents in {where} have a value (n = 0), so there is nothing to "
            "estimate. Fix: check the variable and the domain."
        )
    return rows, answered


def _t_interval(estimate: float, se: float, df: float, conf: float) -> tuple[float, float]:
    if not df > 0 or not np.isfinite(se):
        return float("nan"), float("nan")
    q = stats.norm.ppf(0.5 + conf / 2) if np.isinf(df) else _t_quantile(0.5 + conf / 2, df)
    return estimate - q * se, estimate + q * se


@functools.lru_cache(maxsize=256)
def _t_quantile(q: float, df: float) -> float:
    """``stats.t.ppf(q, df)``, kept: an analysis asks for the same few quantiles hundreds of
    times (every group's mean, proportion and quartiles on the design's degrees of freedom)."""
    return stats.t.ppf(q, df)


def _svyvar(y: np.ndarray, w: np.ndarray) -> float:
    """survey's ``svyvar``: n / (n - 1) sum(w (y - ybar)^2) / sum(w)."""
    n = len(y)
    if n < 2:
        return float("nan")
    ybar = np.sum(w * y) / np.sum(w)
    return float(n / (n - 1) * np.sum(w * (y - ybar) ** 2) / np.sum(w))


def _as_mask(select: np.ndarray, n: int) -> np.ndarray:
    """``select`` (a mask, or row numbers) as a boolean mask of ``n`` rows."""
    if select.dtype == bool:
        return select
    mask = np.zeros(n, dtype=bool)
    mask[select] = True
    return mask


@dataclass(frozen=True, eq=False)
class DomainRows:
    """A domain's respondents with a value, found once for several estimates of one variable
    (:func:`domain_rows_by_group`); pass it as the ``domain`` of :func:`design_mean`,
    :func:`design_total` or :func:`design_quantiles` with that variable.

    ``select`` picks them (a mask over the design, or their row numbers in ascending order);
    ``n`` counts them; ``degf`` is R's ``degf`` of the domain (its members without a value
    included); ``answered_df`` and ``n_clusters`` those of the respondents with a value;
    ``order``, if known, the positions that sort their values stably."""

    select: np.ndarray
    n: int
    degf: int | None
    answered_df: int
    n_clusters: int
    order: np.ndarray | None = None

    def of(self, values: np.ndarray) -> np.ndarray:
        """The domain's respondents' entries of ``values`` (one per respondent), in order."""
        return values[self.select]


def _domain_rows(y: np.ndarray, design: SurveyDesign, domain, degf: bool) -> DomainRows:
    """``domain`` (None, a mask or :class:`DomainRows`) as :class:`DomainRows`; ``degf``:
    whether the degrees of freedom of the whole domain are wanted."""
    if not isinstance(domain, DomainRows):
        rows, answered = _domain(y, design, domain)
        df, n_clusters = design.domain_clusters(answered)
        whole = design.domain_degf(rows) if degf else None
        return DomainRows(answered, int(answered.sum()), whole, df, n_clusters)
    if len(y) != design.n:
        _domain(y, design, None)  # its message
    if domain.n == 0:
        raise StatsError(
            "no respondents in the domain have a value (n = 0), so there is nothing to "
            "estimate. Fix: check the variable and the domain."
        )
    return domain


def _mean_or_total(
    statistic: str, y, design: SurveyDesign, domain, conf_level: float, df
) -> DesignEstimate:
    conf = _check_conf(conf_level)
    y = numeric_values(y)
    dom = _domain_rows(y, design, domain, degf=df is None)
    ya, wa = dom.of(y), dom.of(design.weights)
    n = dom.n
    sw = float(wa.sum())
    if statistic == "mean":
        estimate = float(np.sum(wa * ya) / sw)
        z = wa * (ya - estimate) / sw
    else:
        estimate = float(np.sum(wa * ya))
        z = wa * ya
    # the linearised values of the domain's rows only: the others would add zeros
    var = design.domain_variance(z, dom.select)
    se = float(np.sqrt(var)) if var >= 0 else float("nan")
    s2 = _svyvar(ya, wa)
    scale = 1.0 if statistic == "mean" else sw * sw
    with np.errstate(divide="ignore", invalid="ignore"):
        v_rep = s2 * scale / n
        v_wor = s2 * scale * (sw - n) / (sw * n) if sw >= n else float("nan")
        deff_rep = float(np.float64(var) / v_rep) if n > 1 else float("nan")
        deff = float(np.float64(var) / v_wor) if n > 1 else float("nan")
    degf = float(dom.degf) if df is None else float(df)  # type: ignore[arg-type]
    lower, upper = _t_interval(estimate, se, degf, conf)
    return DesignEstimate(
        statistic=statistic,
        estimate=estimate,
        se=se,
        lower=lower,
        upper=upper,
        deff=deff,
        deff_replace=deff_rep,
        df=degf,
        n=n,
        n_clusters=dom.n_clusters,  # counted, not sorted
        weighted_total=sw,
        conf_level=conf,
        sd=float(np.sqrt(s2)) if statistic == "mean" and np.isfinite(s2) else None,
    )


def design_mean(
    y, design: SurveyDesign, domain=None, conf_level: float = 0.95, df: float | None = None
) -> DesignEstimate:
    """Design-based mean with linearised SE, design effects and t interval.

    Parameters
    ----------
    y
        Each respondent's value, NaN when missing, in the design's order.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    domain
        A boolean mask of the subgroup to estimate, on the whole design (None: everyone).
    conf_level
        The level of the interval.
    df
        The degrees of freedom of the interval (default: the design's for the domain, R's
        ``degf``; ``math.inf`` gives R's ``confint`` without ``df``, a normal quantile).

    Returns
    -------
    DesignEstimate
        ``estimate``, ``se``, ``lower``, ``upper``, ``df``, ``deff``, ``deff_replace``, ``sd``,
        ``n``, ``n_clusters`` and ``weighted_total``.

    Notes
    -----
    Missing values (NaN) are left out as a domain (``na.rm = TRUE``), never imputed.  With
    ``domain`` the mean is of the subgroup, estimated on the whole design as
    ``svymean(~y, subset(des, domain))``: the variance still uses every cluster; ``df`` is the
    subset design's ``degf``.  With an fpc and several stages the variance is survey's multistage
    estimator (see :class:`SurveyDesign`).  ``sd`` is ``sqrt(svyvar(~y, des[!is.na(y), ]))``
    (``svyvar(~y, des, na.rm = TRUE)`` differs slightly when values are missing: its n / (n - 1)
    counts the rows with a missing value too; this counts the respondents with a value).

    References
    ----------
    Matches ``svymean(~y, des, na.rm = TRUE, deff = TRUE)`` (and ``deff = "replace"``) and
    ``confint(m, df = degf(des))`` of the R package survey (Lumley T. *Complex Surveys*, Wiley
    2010).

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3], fpc=[6] * 6)
    >>> r = design_mean([2.0, 4.0, 3.0, 5.0, 1.0, 2.0], des)
    >>> round(r.estimate, 3), round(r.se, 3), r.df, r.n
    (2.833, 0.514, 2.0, 6)
    """
    return _mean_or_total("mean", y, design, domain, conf_level, df)


def design_total(
    y, design: SurveyDesign, domain=None, conf_level: float = 0.95, df: float | None = None
) -> DesignEstimate:
    """Design-based total with linearised SE, design effects and t interval.

    Parameters
    ----------
    y
        Each respondent's value, NaN when missing, in the design's order.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    domain
        A boolean mask of the subgroup to estimate, on the whole design (None: everyone).
    conf_level
        The level of the interval.
    df
        The degrees of freedom of the interval (default: the design's for the domain, R's
        ``degf``; ``math.inf`` gives R's ``confint`` without ``df``, a normal quantile).

    Returns
    -------
    DesignEstimate
        As :func:`design_mean`, for the total sum(w y) over respondents with a value.

    Notes
    -----
    Only meaningful with weights or an fpc that scale the sample up to the population; with equal
    weights of 1 it is the sample sum.  Missing values are left out as a domain.

    References
    ----------
    Matches ``svytotal(~y, des, na.rm = TRUE, deff = TRUE)`` and ``confint(t, df = degf(des))``
    (with ``domain``: ``svytotal(~y, subset(des, domain))``) of the R package survey.

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3], fpc=[6] * 6)
    >>> r = design_total([2.0, 4.0, 3.0, 5.0, 1.0, 2.0], des)
    >>> round(r.estimate, 1), round(r.se, 2)
    (34.0, 6.16)
    """
    return _mean_or_total("total", y, design, domain, conf_level, df)


def _groups(y: np.ndarray, groups) -> tuple[np.ndarray, tuple]:
    g = (
        np.asarray(groups, dtype=object)
        if np.asarray(groups).dtype.kind in "OUS"
        else (np.asarray(groups))
    )
    if g.shape != y.shape:
        raise StatsError(f"groups has {g.size} values but y has {len(y)}.")
    codes, labels = _factorize(g)  # missing -> -1
    if len(labels) == 0:
        raise StatsError("every respondent's group is missing. Fix: check the group variable.")
    return codes, tuple(v.item() if hasattr(v, "item") else v for v in labels)


def _by(func, y, groups, design, **kwargs) -> DesignEstimates:
    y = numeric_values(y)
    codes, labels = _groups(y, groups)
    out = []
    for j, label in enumerate(labels):
        mask = codes == j
        if not (mask & ~np.isnan(y)).any():
            raise StatsError(
                f"no respondents in group {label!r} have a value (n = 0). Fix: leave that "
                "group out or merge it with another group."
            )
        res = func(y, design, domain=mask, **kwargs)
        out.append(dataclasses.replace(res, group=label))
    return DesignEstimates(labels, tuple(out), int(sum(r.n for r in out)))


def design_mean_by(
    y, groups, design: SurveyDesign, conf_level: float = 0.95, df: float | None = None
) -> DesignEstimates:
    """Domain means for every group: ``svyby(~y, ~group, des, svymean, na.rm = TRUE, deff = TRUE)``.

    Parameters
    ----------
    y
        Each respondent's value, NaN when missing, in the design's order.
    groups
        Each respondent's group; None or NaN belongs to no group.  Groups are reported sorted.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    conf_level
        The level of the interval.
    df
        The degrees of freedom of the interval (default: the design's for the domain, R's
        ``degf``; ``math.inf`` gives R's ``confint`` without ``df``, a normal quantile).

    Returns
    -------
    DesignEstimates
        One :class:`DesignEstimate` per group (``by["a"]``), and ``groups``.

    Notes
    -----
    Each group's result equals :func:`design_mean` with that domain.

    References
    ----------
    Lumley T. Analysis of complex survey samples. J Stat Softw 2004;9(8):1-19; the R package
    survey (version 4), whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3])
    >>> by = design_mean_by([2.0, 4.0, 3.0, 5.0, 1.0, 2.0], list("ababab"), des)
    >>> by.groups, round(by["b"].estimate, 3)
    (('a', 'b'), 3.667)
    """
    return _by(design_mean, y, groups, design, conf_level=conf_level, df=df)


def design_total_by(
    y, groups, design: SurveyDesign, conf_level: float = 0.95, df: float | None = None
) -> DesignEstimates:
    """Domain totals for every group: ``svyby(~y, ~group, des, svytotal, na.rm = TRUE)``.

    Parameters
    ----------
    y
        Each respondent's value, NaN when missing, in the design's order.
    groups
        Each respondent's group; None or NaN belongs to no group.  Groups are reported sorted.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    conf_level
        The level of the interval.
    df
        The degrees of freedom of the interval (default: the design's for the domain, R's
        ``degf``; ``math.inf`` gives R's ``confint`` without ``df``, a normal quantile).

    Returns
    -------
    DesignEstimates
        One :class:`DesignEstimate` per group, and ``groups``.

    Notes
    -----
    Each group's result equals :func:`design_total` with that domain.

    References
    ----------
    Lumley T. Analysis of complex survey samples. J Stat Softw 2004;9(8):1-19; the R package
    survey (version 4), whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3], fpc=[6] * 6)
    >>> by = design_total_by([2.0, 4.0, 3.0, 5.0, 1.0, 2.0], list("ababab"), des)
    >>> by.groups, by["a"].estimate, by["b"].estimate
    (('a', 'b'), 12.0, 22.0)
    """
    return _by(design_total, y, groups, design, conf_level=conf_level, df=df)


def _qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """survey's ``qrule_math`` (its ``qs``): sort, cumulate the weights, and take the last value
    whose cumulative weight is at most p * sum(w), or the next one when it falls short.  R sums
    in long double; so do we, to take the same value when p * sum(w) is exactly reached."""
    return _qrule_sorted(*_cumulated(x, w), p)


def _cumulated(
    x: np.ndarray, w: np.ndarray, order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """``x`` sorted (stably), the cumulative sums of its weights in that order and their total
    (both summed in long double, in survey's order), for :func:`_qrule_sorted`.  ``order``, if
    given, is ``np.argsort(x, kind="stable")`` already worked out."""
    if order is None:
        order = np.argsort(x, kind="stable")
    cumw = np.cumsum(w[order].astype(np.longdouble)).astype(np.float64)
    total = float(np.cumsum(w.astype(np.longdouble))[-1])
    return x[order], cumw, total


def _qrule_sorted(xs: np.ndarray, cumw: np.ndarray, total: float, p: float) -> float:
    """:func:`_qrule_math` on values already sorted (:func:`_cumulated`).  The weights are
    positive, so ``cumw`` never decreases and the last position at or below p * total is found
    by bisection."""
    pos = max(int(np.searchsorted(cumw, p * total, side="right")) - 1, 0)
    nxt = pos if pos == len(xs) - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(xs[pos] if wlow == 0 else xs[nxt])


def stable_order(y: np.ndarray) -> np.ndarray:
    """``np.argsort(y, kind="stable")`` of a float array, faster when it holds few distinct
    values (scale scores, years): each value's rank among the distinct values, found by
    numbering them (a hash) and sorting the few, is sorted instead of the values, and
    small whole numbers sort by radix, not by comparison.  The order is the same: equal
    values (0 and -0 too, which ``+ 0.0`` makes one) keep their order, NaN goes last."""
    codes, distinct = pd.factorize(np.asarray(y, dtype=np.float64) + 0.0)  # NaN: -1
    if len(distinct) >= 2**16 - 1:
        return np.argsort(y, kind="stable")
    rank = np.empty(len(distinct) + 1, dtype=np.uint16)
    rank[np.argsort(distinct)] = np.arange(len(distinct), dtype=np.uint16)
    rank[-1] = len(distinct)  # code -1 (NaN) picks this last place: after every value
    return np.argsort(rank[codes], kind="stable")


def _domain_order(order: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """The positions within ``y[answered]`` that sort it stably, from ``order``, a stable sort
    of all of ``y``: the sorted rows that answered, renumbered among those who answered (a
    stable sort of a subset is the whole's sorted order restricted to it)."""
    rows = order[answered[order]]
    position = np.cumsum(answered) - 1
    return position[rows]


def domain_rows_by_group(
    y, design: SurveyDesign, masks: list[np.ndarray], order: np.ndarray | None = None
) -> list[DomainRows] | None:
    """The :class:`DomainRows` of the variable ``y`` in each of ``masks``, found for every
    group from a few passes over the respondents rather than several passes per group and
    estimate (a national study's groups each scanned 1.5 million rows a dozen times).
    ``order``, ``np.argsort(y, kind="stable")``, gives each domain its sorted order too.
    None when a mask is not a boolean mask of the respondents or someone is in two groups:
    then each mask is the domain as it is."""
    y = numeric_values(y)
    n, k = design.n, len(masks)
    masks = [np.asarray(mask) for mask in masks]
    if len(y) != n or any(m.dtype != bool or m.shape != y.shape for m in masks):
        return None
    group: np.ndarray = np.full(n, k, dtype=np.int16 if k < 2**15 - 1 else np.intp)
    for g, mask in enumerate(masks):
        group[mask] = g
    if sum(int(np.count_nonzero(m)) for m in masks) != int(np.count_nonzero(group < k)):
        return None
    code = np.where(np.isnan(y), group.dtype.type(k), group)  # k: no group, or no value
    counts = np.bincount(code, minlength=k + 1)
    starts = np.concatenate(([0], np.cumsum(counts)))
    rows = np.argsort(code, kind="stable")  # each group's rows together, in row order
    whole = _clusters_by_group(design, group, k)
    answered = _clusters_by_group(design, code, k)
    within = None if order is None else _orders_by_group(order, code, rows, counts, starts)
    return [
        DomainRows(
            rows[starts[g] : starts[g + 1]],
            int(counts[g]),
            whole[g][0],
            answered[g][0],
            answered[g][1],
            None if within is None else within[g],
        )
        for g in range(k)
    ]


def _clusters_by_group(design: SurveyDesign, code: np.ndarray, k: int) -> list[tuple[int, int]]:
    """:meth:`SurveyDesign.domain_clusters` of each group coded 0..k-1 in ``code`` (k: none),
    from one count over (group, cluster)."""
    c = design.n_clusters
    seen = np.bincount(code.astype(np.intp) * c + design.psu, minlength=(k + 1) * c)
    seen = seen.reshape(k + 1, c)
    out = []
    for g in range(k):
        psus = np.flatnonzero(seen[g])
        out.append((int(len(psus) - len(np.unique(design.psu_stratum[psus]))), len(psus)))
    return out


def _orders_by_group(
    order: np.ndarray, code: np.ndarray, rows: np.ndarray, counts: np.ndarray, starts
) -> list[np.ndarray]:
    """Each group's :func:`_domain_order` from ``order``, a stable sort of the whole: the
    sorted rows regrouped (stably, so each group keeps the sorted order), then numbered by
    their place among their group's rows (``rows``: each group's rows, in row order)."""
    by_group = order[np.argsort(code[order], kind="stable")]
    position = np.empty(len(code), dtype=np.intp)
    position[rows] = np.arange(len(code)) - np.repeat(starts[:-1], counts)
    return [position[by_group[starts[g] : starts[g + 1]]] for g in range(len(counts) - 1)]


def design_quantile(
    y, design: SurveyDesign, prob: float = 0.5, domain=None, conf_level: float = 0.95
) -> DesignQuantile:
    """Design-based quantile with Woodruff's interval, as survey 4.1's ``svyquantile``.

    Parameters
    ----------
    y
        Each respondent's value, NaN when missing, in the design's order.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    prob
        The quantile, between 0 and 1 (0.5, the median, by default).
    domain
        A boolean mask of the subgroup to estimate, on the whole design (None: everyone).
    conf_level
        The level of the interval.

    Returns
    -------
    DesignQuantile
        ``estimate``, ``se``, Woodruff's ``lower`` and ``upper`` (NaN where they cannot be
        found), ``df`` and ``n``.

    Notes
    -----
    The estimate is ``qrule = "math"``: the smallest value whose weighted cumulative share reaches
    ``prob`` (no interpolation).  The interval is Woodruff's: the t interval of the design-based
    share of the domain at or below the estimate, turned back into values by the same rule.
    ``svyby`` with ``svyquantile`` gives the same estimates and SEs, but its ``confint`` is a
    symmetric interval from the SE; this is svyquantile's own.  Missing values are dropped first.

    References
    ----------
    Woodruff RS. Confidence intervals for medians and other position measures. JASA
    1952;47:635-646.  Matches ``svyquantile(~y, des, quantiles = prob, ci = TRUE, na.rm = TRUE)``
    with its defaults (``qrule = "math"``, ``interval.type = "mean"``, ``df = degf(des)``); with
    ``domain``, ``svyquantile(~y, subset(des, domain))``.

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3, 4, 4])
    >>> r = design_quantile([5, 1, 4, 2, 8, 3, 6, 7], des, 0.5)
    >>> r.estimate, r.df, r.lower  # eight people in four clusters: too few for an interval
    (4.0, 3, nan)
    """
    return design_quantiles(y, design, (prob,), domain=domain, conf_level=conf_level)[0]


def design_quantiles(
    y,
    design: SurveyDesign,
    probs=(0.25, 0.5, 0.75),
    domain=None,
    conf_level: float = 0.95,
    order: np.ndarray | None = None,
) -> tuple[DesignQuantile, ...]:
    """:func:`design_quantile` for each of ``probs``, the values sorted once for all of them.

    ``order``, if given, is ``np.argsort(y, kind="stable")`` over every respondent: several
    domains of one variable then share one sort (a domain's sorted values are the whole's,
    restricted to it).  The results are those of :func:`design_quantile` for each ``prob``.

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3, 4, 4])
    >>> [q.estimate for q in design_quantiles([5, 1, 4, 2, 8, 3, 6, 7], des, (0.25, 0.75))]
    [2.0, 6.0]
    """
    conf = _check_conf(conf_level)
    ps = [float(prob) for prob in probs]
    for p, prob in zip(ps, probs, strict=True):
        if not 0 <= p <= 1:
            raise StatsError(f"prob must be between 0 and 1, not {prob!r}.")
    y = numeric_values(y)
    dom = _domain_rows(y, design, domain, degf=False)
    if order is not None and len(order) != design.n:
        raise StatsError(f"order has {len(order)} positions but y has {design.n} values.")
    x, w = dom.of(y), dom.of(design.weights)
    within = dom.order
    if within is None and order is not None:
        within = _domain_order(order, _as_mask(dom.select, design.n))
    sorted_x = _cumulated(x, w, within)
    units = dom.of(design.unit)  # the domain's units, shared by every quantile's variance
    return tuple(_woodruff(p, x, w, sorted_x, design, dom, units, conf) for p in ps)


def _woodruff(
    p: float,
    x: np.ndarray,
    w: np.ndarray,
    sorted_x: tuple[np.ndarray, np.ndarray, float],
    design: SurveyDesign,
    dom: DomainRows,
    units: np.ndarray,
    conf: float,
) -> DesignQuantile:
    """One quantile and Woodruff's interval (:func:`design_quantile`): ``x`` and ``w`` the
    domain's values and weights, ``sorted_x`` as :func:`_cumulated` gives them, ``dom`` the
    domain's respondents with a value and ``units`` their final-stage units."""
    df, n_clusters = dom.answered_df, dom.n_clusters
    qhat = _qrule_sorted(*sorted_x, p)
    # Woodruff: svymean(x <= qhat) on the domain's respondents with a value
    sw = w.sum()
    below = (x <= qhat).astype(np.float64)
    share = float(np.sum(w * below) / sw)
    se_share = float(np.sqrt(design.domain_variance(w * (below - share) / sw, dom.select, units)))
    alpha = 1 - conf
    if df > 0:
        q = _t_quantile(1 - alpha / 2, df)
        lo_p, hi_p = share - q * se_share, share + q * se_share
    else:
        q = lo_p = hi_p = float("nan")
    lower = float("nan") if np.isnan(lo_p) or lo_p < 0 else _qrule_sorted(*sorted_x, lo_p)
    upper = float("nan") if np.isnan(hi_p) or hi_p > 1 else _qrule_sorted(*sorted_x, hi_p)
    se = (upper - lower) / (2 * q) if df > 0 else float("nan")
    return DesignQuantile(
        prob=p,
        estimate=qhat,
        lower=lower,
        upper=upper,
        se=float(se),
        df=int(df),
        n=int(dom.n),
        n_clusters=int(n_clusters),
        conf_level=conf,
    )


def design_quantile_by(
    y, groups, design: SurveyDesign, prob: float = 0.5, conf_level: float = 0.95
) -> DesignEstimates:
    """Domain quantiles for every group, each :func:`design_quantile` with that domain.

    Parameters
    ----------
    y
        Each respondent's value, NaN when missing, in the design's order.
    groups
        Each respondent's group; None or NaN belongs to no group.  Groups are reported sorted.
    design
        The :class:`SurveyDesign` (clusters, strata, weights, fpc) the respondents were sampled by.
    prob
        The quantile, between 0 and 1.
    conf_level
        The level of the interval.

    Returns
    -------
    DesignEstimates
        One :class:`DesignQuantile` per group, and ``groups``.

    Notes
    -----
    As ``svyby(~y, ~group, des, svyquantile, quantiles = prob, ci = TRUE)``, but the intervals are
    svyquantile's own per group, not svyby's symmetric ``confint``.

    References
    ----------
    Lumley T. Analysis of complex survey samples. J Stat Softw 2004;9(8):1-19; the R package
    survey (version 4), whose results this matches.

    Examples
    --------
    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3, 4, 4])
    >>> q = design_quantile_by([5, 1, 4, 2, 8, 3, 6, 7], list("abababab"), des)
    >>> q.groups, q["a"].estimate, q["b"].estimate
    (('a', 'b'), 5.0, 2.0)
    """
    return _by(design_quantile, y, groups, design, prob=prob, conf_level=conf_level)
