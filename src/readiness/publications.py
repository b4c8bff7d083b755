"""Figures that publications print about their design and scales, kept as data in one place
(``readiness/data/publications.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml


@cache
def publications() -> dict[str, dict]:
    """Every publication's design and reliability figures, keyed by its source key."""
    text = resources.files("readiness.data").joinpath("publications.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def publication(key: str) -> dict:
    return publications()[key]
