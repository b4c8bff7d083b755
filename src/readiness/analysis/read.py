"""Read a response file for the analysis, with the columns of its survey design.

A response file holds the items and the columns Readiness keeps beside them; a column of
sampling weights or strata (or clusters, when they are not an item such as ``site``) is none of
those, so :func:`readiness.responses.read_responses` rejects it.  The analysis names its design
columns (--weights, --strata, --cluster), and :func:`read_for_analysis` passes them to
validation, which keeps them and checks them (a weight greater than 0, and a stratum and a
cluster, on every row).
"""

from __future__ import annotations

from pathlib import Path

from readiness.errors import ResponsesError
from readiness.instrument.model import Instrument
from readiness.responses.read import Responses, problem_locator, read_raw_text
from readiness.responses.validate import validate_frame
from readiness.tabular import table_format


def design_columns(
    cluster: str | None = None, strata: str | None = None, weights: str | None = None
) -> dict[str, str]:
    """The design columns named by the analysis's options, mapped to their roles."""
    roles = {"cluster": cluster, "strata": strata, "weights": weights}
    return {column: role for role, column in roles.items() if column}


def read_for_analysis(
    path: str | Path, instrument: Instrument, columns: dict[str, str] | None = None
) -> Responses:
    """Read and validate a response file as :func:`readiness.responses.read_responses` does,
    accepting and checking the design ``columns`` (column -> "weights", "strata" or "cluster")."""
    path = Path(path)
    fmt = table_format(path)
    raw = read_raw_text(path, fmt)
    clean, problems, warnings = validate_frame(
        raw, instrument, str(path), design_columns=columns or {}
    )
    if problems or warnings:
        locate = problem_locator(path, fmt, raw)
        problems = [locate(p) for p in problems]
        warnings = [locate(p) for p in warnings]
    if problems:
        raise ResponsesError(problems, file=str(path))
    return Responses(
        frame=clean,
        instrument_id=instrument.id,
        instrument_version=str(instrument.version),
        warnings=warnings,
        source=str(path),
        items_in_file=tuple(
            item_id
            for item_id in instrument.item_ids
            if item_id in raw.columns
            or any(str(c).startswith(item_id + "___") for c in raw.columns)
        ),
    )
