"""Read a response file for the analysis, with the columns of its survey design.

A response file holds the items and the columns Readiness keeps beside them; a column of
sampling weights or strata (or clusters, when they are not an item such as ``site``) is none of
those, so :func:`readiness.responses.read_responses` refuses it unless told.  ``analyse`` and
``report`` name their design columns (--weights, --strata, --cluster), and
:func:`read_for_analysis` passes them on to validation, which keeps them and checks them (a
weight and an fpc greater than 0, and a stratum and a cluster, on every row; the fpc against
the sample).
"""

from __future__ import annotations

from pathlib import Path

from readiness.instrument.model import Instrument
from readiness.responses.design import design_columns
from readiness.responses.read import Responses, read_responses

__all__ = ["design_columns", "read_for_analysis"]


def read_for_analysis(
    path: str | Path, instrument: Instrument, columns: dict[str, str] | None = None
) -> Responses:
    """Read and validate a response file, accepting and checking the design ``columns``
    (column -> "weights", "strata", "cluster" or "fpc")."""
    return read_responses(path, instrument, design_columns=columns or {})
