"""Shared fixtures."""

from __future__ import annotations

import pytest
from hypothesis import settings

from readiness.instrument import shipped_instrument

# Property tests check what is true, not how fast: on a shared 2-core machine with two test
# workers an example can take longer than Hypothesis's default 200 ms deadline, which would
# fail a correct test.  Speed is measured by the benchmarks instead.
settings.register_profile("readiness", deadline=None, print_blob=True)
settings.load_profile("readiness")


@pytest.fixture(scope="session")
def survey():
    """The shipped readiness-survey instrument."""
    return shipped_instrument()
