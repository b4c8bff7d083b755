"""Shared fixtures."""

from __future__ import annotations

import pytest

from readiness.instrument import shipped_instrument


@pytest.fixture(scope="session")
def survey():
    """The shipped readiness-survey instrument."""
    return shipped_instrument()
