"""Instruments as data: the schema, loading and validation, scoring, and exchange formats."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from readiness.instrument.dump import instrument_to_data, instrument_to_yaml, write_instrument
from readiness.instrument.load import build_instrument, load_instrument, parse_instrument
from readiness.instrument.model import Choice, Indicator, Instrument, Item, Scale, Section

SHIPPED = {"readiness-survey": "readiness-survey.yaml"}


def shipped_instrument_path(name: str = "readiness-survey") -> Path:
    """The path of an instrument shipped with the package."""
    return Path(str(resources.files("readiness.instruments").joinpath(SHIPPED[name])))


def shipped_instrument(name: str = "readiness-survey") -> Instrument:
    """A shipped instrument, or a nation variant of one (assembled from its base)."""
    from readiness.instrument.variants import assemble_variant, variant_names

    if name in variant_names():
        return assemble_variant(name)
    return load_instrument(shipped_instrument_path(name))


def resolve_instrument(reference: str | Path) -> Instrument:
    """Load an instrument from a path, or by the name of a shipped one (or of a variant)."""
    from readiness.instrument.variants import variant_names

    if str(reference) in SHIPPED or str(reference) in variant_names():
        return shipped_instrument(str(reference))
    return load_instrument(reference)


__all__ = [
    "Choice",
    "Indicator",
    "Instrument",
    "Item",
    "Scale",
    "Section",
    "build_instrument",
    "instrument_to_data",
    "instrument_to_yaml",
    "load_instrument",
    "parse_instrument",
    "resolve_instrument",
    "shipped_instrument",
    "shipped_instrument_path",
    "write_instrument",
]
