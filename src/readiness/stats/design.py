"""Design-based estimation for clustered (and optionally stratified, weighted) surveys.

The workforce survey sampled staff within trusts: respondents in one trust are more alike than
respondents in different trusts, so intervals that treat them as independent are too narrow.
This module reproduces what R's survey package (Lumley, J Stat Softw 2004;9(8)) does for

.. code-block:: r

    des <- svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, data = d)
    svymean(~y, des, na.rm = TRUE, deff = TRUE)
    svyciprop(~y, des, method = "logit")
    svyciprop(~y, subset(des, group == g), method = "logit")
    svyby(~y, ~group, des, svymean, na.rm = TRUE, deff = TRUE)

that is: first-stage clusters sampled with replacement within strata (no finite population
correction), the variance of a weighted mean by Taylor linearisation, and the logit interval
with ``degf(design)`` degrees of freedom.  Checked against R in ``tests/reference/design.R``.

Conventions:

* **Nesting**: cluster identifiers are taken as nested within strata (R's ``nest = TRUE``): a
  cluster label that appears in two strata is two clusters.  With labels unique across strata
  this is the same as R's default.
* **Missing answers** (NaN in ``y``) are dropped as a domain, never imputed: the estimate uses
  the respondents who answered, while the variance still uses every cluster of the design.
  This is R's ``na.rm = TRUE``.
* **Domains** (subgroups) are estimated on the whole design, never by dropping the other rows:
  clusters and strata without members of the domain still count in the variance.  This is
  ``subset(design, ...)`` and ``svyby`` in R.
* **Lonely PSUs**: a stratum with a single cluster has no within-stratum variance.  By default
  that is a :class:`~readiness.errors.DesignError` when the design is built (R's
  ``options(survey.lonely.psu = "fail")``, which fails at the first estimate instead).
  ``lonely_psu`` may be ``"adjust"``, ``"certainty"``, ``"remove"`` or ``"average"``, with R's
  meanings (version 4.1): ``adjust`` centres the lonely cluster's total at zero (the overall
  mean) instead of its stratum mean; ``certainty`` and ``remove`` let it contribute nothing
  (identical without a finite population correction); ``average`` leaves it out and scales the
  variance up by (strata in the domain) / (strata in the domain with two or more clusters).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
            f"{name} has {len(arr)} values but the cluster ids have {n}. "
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


class SurveyDesign:
    """A one-stage cluster design: cluster ids, optional strata, optional weights.

    The equivalent of ``svydesign(ids = ~cluster, strata = ~strata, weights = ~weights)``
    (first-stage clusters with replacement, no ``fpc``).  Everything the estimators need (cluster
    codes, the stratum of each cluster, clusters per stratum) is computed once here, so many
    estimates on one design are cheap.

    Parameters
    ----------
    cluster:
        One label per respondent: the primary sampling unit (here the trust).
    strata:
        One label per respondent, or ``None`` for an unstratified design.
    weights:
        Sampling weights (positive, finite), or ``None`` for equal weights (R then warns
        "assuming equal probability").
    lonely_psu:
        What to do with a stratum that has one cluster; see the module documentation.

    >>> des = SurveyDesign(cluster=[1, 1, 2, 2, 3, 3])
    >>> des.n, des.n_clusters, des.n_strata, des.degf
    (6, 3, 1, 2)
    """

    def __init__(self, cluster, strata=None, weights=None, lonely_psu: str = "fail"):
        if lonely_psu not in LONELY_PSU:
            raise DesignError(
                f"unknown lonely_psu {lonely_psu!r}. Fix: use one of {', '.join(LONELY_PSU)}."
            )
        cl = _labels(cluster, "cluster", None)
        n = len(cl)
        if n == 0:
            raise DesignError("the design has no respondents. Fix: pass at least one row.")
        self.stratified = strata is not None
        st = _labels(strata, "strata", n) if strata is not None else np.zeros(n, dtype=np.int8)
        if weights is None:
            w = np.ones(n)
            self.weighted = False
        else:
            self.weighted = True
            w = self._weights(weights, n)
        st_codes, st_labels = _factorize(st)
        cl_codes, _ = _factorize(cl)
        key = st_codes.astype(np.int64) * (int(cl_codes.max()) + 1) + cl_codes
        psu, psu_keys = pd.factorize(key, sort=True)
        psu_stratum = (np.asarray(psu_keys) // (int(cl_codes.max()) + 1)).astype(np.intp)
        n_strata = len(st_labels)
        per_stratum = np.bincount(psu_stratum, minlength=n_strata)

        self.n = n
        self.lonely_psu = lonely_psu
        self.psu = psu.astype(np.intp)
        self.psu_stratum = psu_stratum
        self.psu_per_stratum = per_stratum
        self.strata_labels = tuple(st_labels.tolist()) if self.stratified else ()
        self.weights = w
        self.n_clusters = len(psu_keys)
        self.n_strata = n_strata
        self.degf = self.n_clusters - n_strata
        for arr in (self.psu, self.psu_stratum, self.psu_per_stratum, self.weights):
            arr.flags.writeable = False

        lonely = np.flatnonzero(per_stratum == 1)
        if len(lonely) and lonely_psu == "fail":
            if not self.stratified:
                raise DesignError(
                    "the design has only one cluster, so there is no variation between clusters "
                    "to estimate a variance from. Fix: analyse without a cluster variable (simple "
                    "random sampling) or add data from more clusters."
                )
            names = ", ".join(repr(st_labels[h]) for h in lonely)
            raise DesignError(
                f"stratum {names} has only one cluster, so its variance cannot be estimated "
                "(R: 'Stratum has only one PSU'). Fix: merge it with a similar stratum, or choose "
                "lonely_psu='adjust', 'certainty', 'remove' or 'average' as R's "
                "options(survey.lonely.psu = ...)."
            )
        # Scale per cluster: n_h / (n_h - 1), and what lonely clusters contribute.
        scale = np.ones(n_strata)
        ok = per_stratum > 1
        scale[ok] = per_stratum[ok] / (per_stratum[ok] - 1)
        if lonely_psu in ("certainty", "remove", "average"):
            scale[~ok] = 0.0
        self._psu_scale = scale[psu_stratum]
        self._centre = ok | (lonely_psu != "adjust")  # adjust: lonely cluster total not centred

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
            f"SurveyDesign(n={self.n}, clusters={self.n_clusters}, strata={self.n_strata}, "
            f"weighted={self.weighted}, lonely_psu={self.lonely_psu!r})"
        )

    # -- variance of cluster totals -----------------------------------------------------------

    def _centred(self, totals: np.ndarray) -> np.ndarray:
        """Cluster totals (clusters x k) minus their stratum means (R's ``onestrat``)."""
        sums = np.zeros((self.n_strata, totals.shape[1]))
        np.add.at(sums, self.psu_stratum, totals)
        means = sums / self.psu_per_stratum[:, None]
        means[~self._centre] = 0.0
        return totals - means[self.psu_stratum]

    def _average_factor(self, present: np.ndarray) -> np.ndarray:
        """``lonely_psu = "average"``: strata present / strata present with >= 2 clusters."""
        ok = (self.psu_per_stratum > 1)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return present.sum(0) / (present & ok).sum(0)

    def variances(self, totals: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """With-replacement variance of each column of ``totals`` (clusters x k)."""
        c = self._centred(totals)
        v = (self._psu_scale[:, None] * c * c).sum(0)
        if self.lonely_psu == "average" and present is not None:
            v = v * self._average_factor(present)
        return v

    def covariance(self, totals: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """With-replacement covariance matrix of the columns of ``totals`` (clusters x k)."""
        c = self._centred(totals)
        v = (self._psu_scale[:, None] * c).T @ c
        if self.lonely_psu == "average" and present is not None:
            v = v * self._average_factor(present[:, None])[0]
        return v


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


@dataclass(frozen=True)
class DesignProportions(Result):
    """Domain estimates for every group of one variable, in the order of ``groups``."""

    groups: tuple
    estimates: tuple[DesignProportion, ...]
    n: int

    def __getitem__(self, group) -> DesignProportion:
        try:
            return self.estimates[self.groups.index(group)]
        except ValueError:
            raise KeyError(group) from None

    def as_dict(self) -> dict:
        return dict(zip(self.groups, self.estimates, strict=True))


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
        t = stats.t.ppf(0.5 + conf_level / 2, df[inner])
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
    if len(y) != design.n:
        raise StatsError(
            f"y has {len(y)} values but the design has {design.n} respondents. "
            "Fix: pass the variable for the same rows, in the same order, as the design."
        )
    n_cells = design.n_clusters * (k + 1) * 3
    answer = np.nan_to_num(y, nan=2.0).astype(np.intp)
    key = design.psu * (k + 1)
    key += shifted
    key *= 3
    key += answer
    counts = np.bincount(key, minlength=n_cells).reshape(design.n_clusters, k + 1, 3)[:, 1:]
    if design.weighted:
        wsums = np.bincount(key, weights=design.weights, minlength=n_cells)
        wsums = wsums.reshape(design.n_clusters, k + 1, 3)[:, 1:]
    else:
        wsums = counts.astype(np.float64)
    n_cell = counts[..., 0] + counts[..., 1]  # clusters x k: respondents who answered
    sw_cell = wsums[..., 0] + wsums[..., 1]
    swy_cell = wsums[..., 1]
    n = n_cell.sum(0)
    count = counts[..., 1].sum(0)
    sw = sw_cell.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = swy_cell.sum(0) / sw
        totals = (swy_cell - p * sw_cell) / sw
        present = None
        if design.lonely_psu == "average":
            present = np.zeros((design.n_strata, k), dtype=bool)
            np.logical_or.at(present, design.psu_stratum, n_cell > 0)
        var = design.variances(totals, present)
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
    has = counts.sum(-1) > 0
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
        n_clusters=(n_cell > 0).sum(0),
        weighted_total=sw,
    )


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

    Matches ``svymean(~y, des, na.rm = TRUE, deff = TRUE)`` (estimate, SE, ``deff``), the same
    with ``deff = "replace"`` (``deff_replace``) and ``svyciprop(~y, des, method = "logit")``
    (interval on ``degf(des)`` degrees of freedom, a t quantile).  With ``domain`` (a boolean
    mask), the subgroup is estimated on the whole design, as
    ``svyciprop(~y, subset(des, domain))``; its degrees of freedom are then the clusters minus
    the strata that contain members of the domain, as R's ``degf`` of the subset design.

    ``y`` is coded 1/0 with NaN for a missing answer; missing answers are left out as a domain
    (R's ``na.rm = TRUE``).  An estimate of exactly 0 or 1 gets the interval [0, 0] or [1, 1]:
    the logit is infinite there and R's iterative fit ends at the same interval to ~1e-11.
    With ``df = 0`` (a domain inside a single cluster per stratum) the interval is NaN, as in R.

    Raises :class:`~readiness.errors.StatsError` when the domain has no respondents who
    answered.

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


def design_proportion_by(
    y, groups, design: SurveyDesign, conf_level: float = 0.95
) -> DesignProportions:
    """Domain proportions for every group at once: ``svyby(~y, ~group, des, svymean)``.

    Each group's result equals :func:`design_proportion` with ``domain = (groups == g)``, but
    all groups are computed in one pass over the data.  Respondents with a missing group
    (``None``/NaN) belong to no group.  Groups are reported in sorted order.  A group in which
    nobody answered is a :class:`~readiness.errors.StatsError` naming the group.

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
