"""A proportion overall and by group, with one test of difference across the groups.

The one place where ``readiness analyse`` (every indicator) and ``readiness proportion`` get
their estimates and their test, so that the rule for choosing the test is written once:

* without a design, each group's interval is the one named by ``method``
  (:func:`readiness.stats.proportions.proportion_ci`), and the test is Pearson's chi-square
  without continuity correction, or Fisher's exact test when the smallest expected count is
  below :data:`FISHER_BELOW` (Pearson's result is kept beside it for reference);
* with a design (:class:`~readiness.stats.design.SurveyDesign`, or a design weighted to staff
  counts, :class:`~readiness.stats.calibration.CalibratedDesign`), the estimates are
  design-based logit intervals (R's ``svyciprop``) and the test is the Rao-Scott F test
  (R's ``svychisq``).

Either way there is no test when fewer than two groups have answers, or when everyone gave the
same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from readiness.errors import StatsError
from readiness.stats.calibration import CalibratedDesign, calibrated_proportion
from readiness.stats.comparisons import (
    ChiSquareResult,
    FisherResult,
    RaoScottResult,
    chi_square_test,
    cramers_v,
    fisher_exact_test,
    rao_scott_test,
)
from readiness.stats.design import (
    DesignProportion,
    SurveyDesign,
    binary_values,
    design_proportion,
    design_proportions_in,
)
from readiness.stats.proportions import ProportionInterval, proportion_ci
from readiness.stats.result import Result

FISHER_BELOW = 5  # Fisher's exact test replaces Pearson's when an expected count is below this
NO_TEST = "fewer than two groups with answers, or everyone gave the same answer"

TestKind = Literal["pearson", "fisher", "rao-scott", "none"]
Design = SurveyDesign | CalibratedDesign


@dataclass(frozen=True)
class NumberedGroups:
    """Each respondent's group (``values``, None where missing) numbered once: ``codes`` and
    ``levels`` are ``pd.factorize(values, sort=True)`` (-1 where missing).  An analysis that
    estimates many proportions by the same groups numbers them once with
    :func:`number_groups` and passes this as ``groups``; the results are those of passing
    ``values``."""

    values: np.ndarray
    codes: np.ndarray
    levels: np.ndarray


def number_groups(groups: Sequence[object] | np.ndarray) -> NumberedGroups:
    """Number each respondent's group once (see :class:`NumberedGroups`).

    >>> number_groups(["b", "a", None, "b"]).codes.tolist()
    [1, 0, -1, 1]
    """
    values = np.asarray(groups, dtype=object)
    codes, levels = pd.factorize(values, sort=True)
    return NumberedGroups(values, codes, np.asarray(levels, dtype=object))


@dataclass(frozen=True)
class GroupProportion(Result):
    """One group's proportion: ``count`` of ``n`` who answered said yes (both unweighted).

    ``estimate`` is the interval (:class:`ProportionInterval` without a design,
    :class:`DesignProportion` with one), or None when nobody in the group answered.
    ``group`` is None for the overall estimate.
    """

    group: object
    count: int
    n: int
    estimate: ProportionInterval | DesignProportion | None

    @property
    def proportion(self) -> float | None:
        """The (weighted, with a design) proportion, or None without answers."""
        if self.estimate is None:
            return None
        if isinstance(self.estimate, DesignProportion):
            return self.estimate.estimate
        return self.estimate.proportion


@dataclass(frozen=True)
class GroupComparison(Result):
    """The test of difference across groups, which one was used and why.

    ``test`` is "pearson", "fisher", "rao-scott" or "none"; ``reason`` says why that test (for
    "none", why there is no test).  ``note`` is a caveat of the result: the Rao-Scott test's
    error when it could not be computed (``rao_scott`` is then None), or the groups it kept as
    empty levels.  ``n`` counts the respondents in the test.  ``chi_square`` is Pearson's test,
    kept when Fisher's is used.
    """

    test: TestKind
    reason: str
    n: int
    chi_square: ChiSquareResult | None = None
    fisher: FisherResult | None = None
    rao_scott: RaoScottResult | None = None
    cramers_v: float | None = None
    note: str = ""


@dataclass(frozen=True)
class ProportionByGroup(Result):
    """A proportion overall and in each group (in the order asked for), with the test.

    ``test`` is None when no groups were given.  ``method`` is the interval: one of
    :data:`readiness.stats.proportions.METHODS`, or "logit" with a design.
    """

    overall: GroupProportion
    groups: tuple[GroupProportion, ...]
    test: GroupComparison | None
    method: str
    conf_level: float
    design_based: bool

    def group(self, label: object) -> GroupProportion:
        for estimate in self.groups:
            if estimate.group == label:
                return estimate
        raise KeyError(label)


def _table(y: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    """Groups x (yes, no) counts, leaving out groups in which nobody answered."""
    table = np.array([[np.sum((y == 1) & m), np.sum((y == 0) & m)] for m in masks], dtype=float)
    table = table.reshape(-1, 2)  # no groups at all: an empty table, not a 1-d array
    return table[table.sum(axis=1) > 0]


def _simple_test(table: np.ndarray) -> GroupComparison:
    chi = chi_square_test(table)
    v = cramers_v(table).value
    if chi.min_expected < FISHER_BELOW:
        fisher = fisher_exact_test(table.astype(int))
        why = f"smallest expected count {chi.min_expected:.1f} < {FISHER_BELOW}"
        return GroupComparison("fisher", why, fisher.n, chi, fisher, cramers_v=v)
    why = f"every expected count is {FISHER_BELOW} or more"
    return GroupComparison("pearson", why, int(chi.n), chi, cramers_v=v)


def _design_test(y: np.ndarray, groups: NumberedGroups, design: Design) -> GroupComparison:
    why = "a survey design: the Rao-Scott F test (second-order, as R's svychisq)"
    # every respondent goes in, as svychisq takes the design: a group whose members all left
    # the question blank stays as an empty level (R keeps it), and counts in the test's
    # degrees of freedom
    try:
        rs = rao_scott_test(y, groups.values, design, group_codes=(groups.codes, groups.levels))
    except StatsError as err:
        n = int((~np.isnan(y) & (groups.codes >= 0)).sum())
        return GroupComparison("rao-scott", why, n, note=str(err))
    note = ""
    if rs.empty_columns:
        names = ", ".join(map(str, rs.empty_columns))
        note = f"kept as an empty level, as R's svychisq keeps it: {names} (nobody in it answered)"
    return GroupComparison("rao-scott", why, rs.n, rao_scott=rs, note=note)


def group_test(
    y: np.ndarray,
    groups: np.ndarray | NumberedGroups,
    masks: list[np.ndarray],
    design: Design | None,
) -> GroupComparison:
    """The test across the groups of ``masks`` (one boolean mask per group); ``groups`` is
    each respondent's group (None where missing), or those numbered once
    (:func:`number_groups`), which the design-based test takes."""
    table = _table(y, masks)
    if table.shape[0] < 2 or (table.sum(axis=0) == 0).any():
        return GroupComparison("none", NO_TEST, int(table.sum()))
    if design is None:
        return _simple_test(table)
    if not isinstance(groups, NumberedGroups):
        groups = number_groups(groups)
    return _design_test(y, groups, design)


def _estimates(
    y: np.ndarray, masks: list[np.ndarray], design: Design | None, method: str, conf: float
) -> tuple[GroupProportion, list[GroupProportion]]:
    """The overall estimate and one per mask (their ``group`` left None)."""
    answered = ~np.isnan(y)
    everyone = np.ones(len(y), dtype=bool)

    def simple(mask: np.ndarray) -> GroupProportion:
        n, count = int((answered & mask).sum()), int(np.nansum(y[mask]))
        ci = proportion_ci(count, n, method=method, conf_level=conf) if n else None
        return GroupProportion(None, count, n, ci)

    if design is None:
        return simple(everyone), [simple(m) for m in masks]

    # a design weighted to staff counts needs calibrated_proportion: its standard error takes
    # the residuals of the weighting (design_proportion refuses such a design)
    def designed(mask: np.ndarray | None) -> GroupProportion:
        if not (answered if mask is None else answered & mask).any():
            return simple(everyone if mask is None else mask)
        # a group is a domain of the whole design, as svyciprop(~y, subset(des, group))
        if isinstance(design, CalibratedDesign):
            est = calibrated_proportion(y, design, domain=mask, conf_level=conf)
        else:
            est = design_proportion(y, design, domain=mask, conf_level=conf)
        return GroupProportion(None, int(est.count), int(est.n), est)

    found = None
    if isinstance(design, SurveyDesign):  # everyone's and every group's cells in one pass
        found = design_proportions_in(y, design, masks, conf_level=conf, overall=True)
    if found is None:
        return designed(None), [designed(m) for m in masks]

    def kept(mask: np.ndarray | None, est) -> GroupProportion:
        if est is None:  # nobody answered
            return simple(everyone if mask is None else mask)
        return GroupProportion(None, int(est.count), int(est.n), est)

    return kept(None, found[0]), [kept(m, e) for m, e in zip(masks, found[1:], strict=True)]


def _level_mask(codes: np.ndarray, distinct, level) -> np.ndarray:
    """Who is in ``level``: those whose group equals it (``g == level``), by their numbers."""
    numbers = [i for i, value in enumerate(distinct) if value == level]
    if len(numbers) == 1:
        return codes == numbers[0]
    return np.isin(codes, numbers)


def proportion_by_group(
    y: Sequence[float] | np.ndarray,
    groups: Sequence[object] | np.ndarray | NumberedGroups | None = None,
    design: Design | None = None,
    *,
    levels: Sequence[object] | None = None,
    method: str = "wilson",
    conf_level: float = 0.95,
) -> ProportionByGroup:
    """A proportion overall and in each group, with the test of difference across groups.

    Parameters
    ----------
    y
        Each respondent's answer coded 1 (yes) / 0 (no), NaN (or None) when not answered.
    groups
        Each respondent's group (None or NaN when missing: such a respondent counts only
        overall), the same numbered once (:func:`number_groups`, for many proportions by
        the same groups), or None for the overall estimate alone (no test).
    design
        None to treat respondents as independent; a
        :class:`~readiness.stats.design.SurveyDesign` or a
        :class:`~readiness.stats.calibration.CalibratedDesign` for design-based estimates
        and the Rao-Scott test.
    levels
        The groups to report, in this order (a level nobody is in is reported with
        ``n = 0``); by default the groups present, sorted.
    method
        The interval without a design (see :data:`readiness.stats.proportions.METHODS`).
    conf_level
        The confidence level of the intervals.

    Returns
    -------
    ProportionByGroup
        The overall estimate, one :class:`GroupProportion` per level (its ``estimate`` None
        when nobody in it answered), and the :class:`GroupComparison` (None without groups).

    Raises
    ------
    StatsError
        When ``y`` is not coded 0/1, or the groups do not match it in length.

    Notes
    -----
    Missing answers are left out (each estimate's ``n`` counts those who answered).  Without a
    design the test is Pearson's chi-square without continuity correction, or Fisher's exact test
    when the smallest expected count is below :data:`FISHER_BELOW` (Pearson's result is kept
    beside it); with a design the estimates are logit intervals and the test is the Rao-Scott F
    test.  There is no test when fewer than two groups have answers or everyone gave the same
    answer.

    References
    ----------
    Matches R's intervals as :func:`~readiness.stats.proportions.proportion_ci` says,
    ``chisq.test(correct = FALSE)`` and ``fisher.test`` without a design, and the survey package's
    ``svyciprop(method = "logit")`` and ``svychisq`` with one.

    Examples
    --------
    >>> res = proportion_by_group([1, 0, 1, 1, 0, 0], ["a", "a", "a", "b", "b", "b"])
    >>> res.overall.n, [g.count for g in res.groups], res.test.test
    (6, [2, 1], 'fisher')
    """
    yv = binary_values(y)
    design_based = design is not None
    label = "logit" if design_based else method
    if groups is None:
        overall, _ = _estimates(yv, [], design, method, conf_level)
        return ProportionByGroup(overall, (), None, label, conf_level, design_based)
    # each group numbered once (None or NaN: -1), then compared as numbers: comparing the
    # objects themselves for every level took a national study's analysis seconds
    g = groups if isinstance(groups, NumberedGroups) else number_groups(groups)
    if g.values.shape != yv.shape:
        raise StatsError(f"groups has {g.values.size} values but y has {len(yv)}.")
    if levels is None:
        levels = sorted({v for v in g.levels}, key=lambda v: (str(type(v)), v))
    masks = [_level_mask(g.codes, g.levels, level) for level in levels]
    overall, found = _estimates(yv, masks, design, method, conf_level)
    named = tuple(
        GroupProportion(level, est.count, est.n, est.estimate)
        for level, est in zip(levels, found, strict=True)
    )
    test = group_test(yv, g, masks, design)
    return ProportionByGroup(overall, named, test, label, conf_level, design_based)
