"""A scale's items prepared once and shared by alpha and omega give the results of before.

``reliability_before`` keeps the code as it was before items were prepared once (issue 18).
Alpha must be the same to the last bit; omega now takes its pairwise correlations from the sums
alpha computes (not from a second pass over the rows), so it may differ by rounding: to 1e-12.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.errors import StatsError
from readiness.stats import reliability
from readiness.stats.correlation import pairwise_pearson
from readiness.stats.reliability import (
    PreparedItems,
    cronbach_alpha,
    omega_total,
    prepare_items,
)
from tests.stats.reliability_before import old_cronbach_alpha, old_omega_total

TOL = 1e-12
MAX_ITER = 5000  # omega's iteration limit here, so that a slow case stays quick


def table(n: int, k: int, seed: int, missing: float, blank: int, binary: bool) -> pd.DataFrame:
    """Answers to k items from one factor, some missing, with ``blank`` rows left empty."""
    rng = np.random.default_rng(seed)
    loadings = rng.uniform(-0.3, 0.9, size=k)
    latent = rng.normal(size=(n, 1)) * loadings + rng.normal(size=(n, k))
    cuts = [0.0] if binary else [-1.2, -0.4, 0.4, 1.2]
    codes = np.digitize(latent, cuts).astype(float) + (0 if binary else 1)
    codes[rng.random(codes.shape) < missing] = np.nan
    codes[rng.choice(n, size=min(blank, n), replace=False)] = np.nan
    return pd.DataFrame(codes, columns=[f"q{j + 1}" for j in range(k)])


def outcome(f, *args, **kwargs):
    """The result, or the error's type and message."""
    try:
        return f(*args, **kwargs)
    except (StatsError, np.linalg.LinAlgError) as err:
        return (type(err).__name__, str(err))


def signed_sum(res) -> float:
    """The sum of the loadings before items were flipped."""
    return sum(
        v * (-1 if name in res.flipped else 1)
        for v, name in zip(res.loadings, res.items, strict=True)
    )


def assert_omega_close(new, old) -> None:
    """Omega as before, to rounding: exactly the same but for the last bits of the numbers.

    Where the fit is ill-posed the old answer was itself set by rounding, and only omega is
    compared (to 1e-6): a loading of about 0 is the square root of a rounding error (1e-8) and
    its sign, which decides which item is flipped, is a coin toss; so is the sign of the whole
    factor when its loadings add up to about 0 (two items correlating negatively), which decides
    which of them is flipped.  A slow fit (hundreds of steps) may stop a step or two earlier or
    later.  In a Heywood case (a loading of 1 or more, which happens with a handful of
    respondents) the fit's end is arbitrary too: a few steps more or fewer, and another item
    flipped, for the same omega.
    """
    if isinstance(old, tuple) or isinstance(new, tuple):
        assert new == old
        return
    ill_posed = old.heywood or new.heywood  # a loading of 1 or more: the fit's end is arbitrary
    if ill_posed or min(old.loadings + new.loadings) < 1e-6 or abs(signed_sum(old)) < 1e-9:
        assert abs(new.omega_tot - old.omega_tot) <= 1e-6
        return
    exact = ("items", "flipped", "n_items", "n", "missing", "fm", "heywood")
    assert {f: getattr(new, f) for f in exact} == {f: getattr(old, f) for f in exact}
    assert abs(new.omega_tot - old.omega_tot) <= TOL
    np.testing.assert_allclose(new.loadings, old.loadings, rtol=0, atol=TOL)
    np.testing.assert_allclose(new.u2, old.u2, rtol=0, atol=TOL)
    assert abs(new.iterations - old.iterations) <= 1 + old.iterations // 100


def constant_pairs(data: pd.DataFrame, missing: str) -> bool:
    """Whether an item has one answer from everyone who answered some other item too."""
    x = data[data.notna().any(axis=1)].to_numpy()
    if missing == "listwise":
        return False  # every item varies over the complete rows, or preparing them fails
    for j in range(x.shape[1]):
        for m in range(x.shape[1]):
            both = ~np.isnan(x[:, j]) & ~np.isnan(x[:, m])
            if m != j and both.sum() >= 2 and np.ptp(x[both, j]) == 0:
                return True
    return False


def assert_same_correlations(data: pd.DataFrame, missing: str) -> None:
    """omega's pairwise correlations from the shared sums equal ``pairwise_pearson``'s."""
    try:
        prepared = prepare_items(data, missing)
        r = reliability._pairwise_r(prepared)
    except StatsError:
        return
    before, _ = pairwise_pearson(prepared.x)
    np.testing.assert_allclose(r, before, rtol=0, atol=TOL)


def fields(result) -> list[tuple[str, str]]:
    """A result's every field, nested ones too, with its value's repr: the exact bits of a
    number, and NaN equal to NaN (a dataclass's own == finds two NaNs equal only when they
    are the same object, which depends on where each was made, not on its value)."""
    if dataclasses.is_dataclass(result):
        return [
            (f"{f.name}{path}", text)
            for f in dataclasses.fields(result)
            for path, text in fields(getattr(result, f.name))
        ]
    if isinstance(result, (tuple, list)):
        return [(f"[{i}]{path}", text) for i, v in enumerate(result) for path, text in fields(v)]
    return [("", repr(result))]


def assert_same_alpha(new, old) -> None:
    """Alpha exactly as before: every number to the last bit, or the same error."""
    if isinstance(old, tuple) or isinstance(new, tuple):
        assert new == old
        return
    assert fields(new) == fields(old)


def check_all(data: pd.DataFrame, missing: str, reverse: list[str]) -> None:
    """Alpha and omega from the data and from prepared items, against the code of before."""
    old_alpha = outcome(old_cronbach_alpha, data, missing=missing, reverse=reverse)
    assert_same_alpha(outcome(cronbach_alpha, data, missing=missing, reverse=reverse), old_alpha)
    if constant_pairs(data, missing):
        # pairwise_pearson gave NaN, or a number made of rounding residues, that omega's fit
        # failed on or used (the old fit is not run: LAPACK may take minutes over a NaN);
        # omega now says why it cannot be computed
        new_omega = outcome(omega_total, data, missing=missing)
        assert isinstance(new_omega, tuple) and new_omega[0] == "StatsError"
        return
    old_omega = outcome(old_omega_total, data, missing=missing, max_iter=MAX_ITER)
    assert_same_correlations(data, missing)
    assert_omega_close(outcome(omega_total, data, missing=missing, max_iter=MAX_ITER), old_omega)
    try:
        prepared = prepare_items(data, missing)
    except StatsError:
        assert isinstance(old_alpha, tuple) and isinstance(old_omega, tuple)
        return
    # omega first here, alpha first below: either order shares the same sums
    for first_omega in (True, False):
        if first_omega:
            assert_omega_close(
                outcome(omega_total, prepared, missing=missing, max_iter=MAX_ITER), old_omega
            )
        assert_same_alpha(
            outcome(cronbach_alpha, prepared, missing=missing, reverse=reverse), old_alpha
        )
        prepared = prepare_items(data, missing)
    assert_omega_close(
        outcome(omega_total, prepared, missing=missing, max_iter=MAX_ITER), old_omega
    )


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(2, 60),
    k=st.integers(1, 7),
    seed=st.integers(0, 2**32 - 1),
    missing_share=st.sampled_from([0.0, 0.02, 0.08, 0.2, 0.5]),
    blank=st.integers(0, 3),
    binary=st.booleans(),
    missing=st.sampled_from(["pairwise", "listwise"]),
    n_reversed=st.integers(0, 2),
)
def test_shared_items_give_the_results_of_before(
    n, k, seed, missing_share, blank, binary, missing, n_reversed
):
    data = table(n, k, seed, missing_share, blank, binary)
    check_all(data, missing, list(data.columns[: min(n_reversed, k)]))


@pytest.mark.parametrize("missing_share", [0.0, 0.01, 0.05, 0.3])
@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_large_scale_gives_the_results_of_before(missing_share, missing):
    # thousands of rows: the sparse (under 10% missing) and dense pairwise sums both run
    data = table(5000, 9, 7, missing_share, 40, binary=False)
    check_all(data, missing, [])
    check_all(data, missing, ["q2", "q5"])


def test_prepared_items_are_a_frozen_typed_record():
    data = table(50, 4, 1, 0.1, 2, binary=False)
    prepared = prepare_items(data, "pairwise")
    assert isinstance(prepared, PreparedItems)
    assert prepared.names == ("q1", "q2", "q3", "q4")
    assert prepared.policy == "pairwise" and prepared.n_blank == 2
    assert prepared.x.flags.f_contiguous and prepared.x.shape == (48, 4)
    assert prepared.missing is not None and prepared.missing.shape == prepared.x.shape
    with pytest.raises(dataclasses.FrozenInstanceError):
        prepared.x = prepared.x  # type: ignore[misc]


def test_names_can_be_given_with_a_plain_array():
    data = table(40, 3, 2, 0.1, 0, binary=False)
    by_name = prepare_items(data.to_numpy(), "pairwise", names=("q1", "q2", "q3"))
    assert by_name.names == ("q1", "q2", "q3")
    assert cronbach_alpha(by_name) == cronbach_alpha(data)
    with pytest.raises(StatsError, match="3 items but 2 names"):
        prepare_items(data.to_numpy(), "pairwise", names=("q1", "q2"))


def test_a_policy_other_than_the_prepared_one_is_refused():
    prepared = prepare_items(table(40, 3, 3, 0.1, 0, binary=False), "listwise")
    with pytest.raises(StatsError, match="prepared for missing='listwise'"):
        cronbach_alpha(prepared, missing="pairwise")
    with pytest.raises(StatsError, match="prepared for missing='listwise'"):
        omega_total(prepared)
    assert omega_total(prepared, missing="listwise").missing == "listwise"


def test_items_are_read_once_for_alpha_and_omega(monkeypatch):
    calls = []
    monkeypatch.setattr(
        reliability, "as_matrix", lambda x: calls.append(1) or _as_matrix(x), raising=True
    )
    prepared = prepare_items(table(200, 5, 4, 0.05, 1, binary=False), "pairwise")
    cronbach_alpha(prepared)
    omega_total(prepared)
    assert len(calls) == 1


_as_matrix = reliability.as_matrix


def test_the_analysis_reads_each_scales_items_once(monkeypatch):
    from readiness.analysis import AnalysisSettings, analyse
    from readiness.instrument import shipped_instrument
    from readiness.synth import make_cohort

    instrument = shipped_instrument()
    cohort = make_cohort(300, 1, instrument=instrument)
    calls = []
    monkeypatch.setattr(reliability, "as_matrix", lambda x: calls.append(1) or _as_matrix(x))
    result = analyse(
        cohort.responses, instrument, sessions=cohort.sessions, settings=AnalysisSettings()
    )
    assert len(calls) == len(instrument.scales)
    assert all(s.omega_total is not None for s in result.scales)


def test_a_row_major_table_is_laid_out_column_major_unchanged():
    data = table(10_000, 5, 5, 0.05, 3, binary=False)  # more rows than one block of the copy
    rows = np.ascontiguousarray(data.to_numpy())
    prepared = prepare_items(rows, "pairwise", names=data.columns)
    assert prepared.x.flags.f_contiguous
    assert np.array_equal(prepared.x, prepare_items(data).x, equal_nan=True)
    assert cronbach_alpha(prepared) == old_cronbach_alpha(data)
