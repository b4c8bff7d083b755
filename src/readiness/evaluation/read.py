"""Read one wave of an evaluation from a response file that has a link column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from readiness.instrument.model import Instrument


def read_wave(path: str | Path, instrument: Instrument, link_column: str = "link") -> pd.DataFrame:
    """Read and validate a response file (CSV, XLSX, SPSS, Stata) of one wave.

    The file holds the instrument's items and meta columns, as
    :func:`readiness.responses.read_responses` accepts, plus ``link_column``: the linkage id
    (text; an empty cell means the response cannot be linked).  Returns the validated frame
    with ``link_column`` added as text.  Every problem (a missing link column, a link id used
    twice, a bad answer) is raised together as :class:`readiness.errors.ResponsesError`,
    naming the file, the row and the column.
    """
    raise NotImplementedError("read_wave() is being built")
