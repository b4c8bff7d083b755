"""The columns of a survey design, checked in one place, and the design built from them.

A design is named by the analysis's options: ``--cluster`` (one column per stage of sampling,
outermost first), ``--strata``, ``--weights`` and ``--fpc`` (one column per stage).  Wherever
data comes in with such columns (a response file read for ``readiness analyse``, a table read
by ``readiness proportion``, a frame passed to :func:`readiness.analysis.analyse`), its design
columns are checked by :func:`readiness.responses.validate.check_design_columns`, with the same
messages: each problem names the file, the row and the column, and says how to fix it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from readiness.errors import Problem, ProblemsError
from readiness.stats.design import SurveyDesign


def design_columns(
    cluster: str | None = None,
    strata: str | None = None,
    weights: str | None = None,
    fpc: str | None = None,
) -> dict[str, str]:
    """The design columns named by the analysis's options, mapped to their roles.  --cluster
    and --fpc may name several columns separated by spaces, one per stage, outermost first;
    they keep that order."""
    out: dict[str, str] = {column: "cluster" for column in (cluster or "").split()}
    if strata:
        out[strata] = "strata"
    if weights:
        out[weights] = "weights"
    for column in (fpc or "").split():
        out[column] = "fpc"
    return out


def missing_columns(
    frame: pd.DataFrame, named: list[tuple[str, str | None]], file: str | None = None
) -> list[Problem]:
    """A problem for every (option, column) named that the frame does not have."""
    columns = [str(c) for c in frame.columns]
    shown = ", ".join(columns[:30]) + (", ..." if len(columns) > 30 else "")
    return [
        Problem(
            f"--{option} {name}: there is no column {name!r}.",
            fix=f"the columns are: {shown}.",
            file=file,
            column=name,
        )
        for option, name in named
        if name is not None and name not in columns
    ]


def _one_cluster(clean: pd.DataFrame, stages: list[str], file: str | None) -> list[Problem]:
    if not stages or clean[stages[0]].nunique() >= 2:
        return []
    return [
        Problem(
            f"--cluster {stages[0]}: every row has the same value "
            f"({clean[stages[0]].iloc[0]!r}), so there is no variation between clusters to "
            "estimate a design-based variance from.",
            fix="leave out --cluster for intervals that treat respondents as independent, "
            "or use a column with two or more clusters.",
            file=file,
            column=stages[0],
        )
    ]


def survey_design(
    frame: pd.DataFrame,
    roles: dict[str, str],
    file: str | None = None,
    lonely_psu: str = "fail",
) -> SurveyDesign:
    """The survey design of ``frame`` whose design columns are ``roles`` (column -> "cluster",
    "strata", "weights" or "fpc", as :func:`design_columns` gives them).

    Every design column is checked first (it exists; a cluster and a stratum on every row; a
    weight and an fpc on every row, numbers above 0; one fpc per stage, consistent with the
    sample; two or more first-stage clusters); all the problems found are raised together as a
    :class:`~readiness.errors.ProblemsError`.  Without clusters, respondents are the sampling
    units (R's ``ids = ~1``); with no design column at all they have equal weights.
    """
    from readiness.responses.validate import check_design_columns

    named: list[tuple[str, str | None]] = [(role, column) for column, role in roles.items()]
    problems = missing_columns(frame, named, file)
    if problems:
        raise ProblemsError(problems, file=file)
    clean, problems = check_design_columns(frame, roles, file)
    stages = [c for c, role in roles.items() if role == "cluster"]
    fpc = [c for c, role in roles.items() if role == "fpc"]
    strata = next((c for c, role in roles.items() if role == "strata"), None)
    weights = next((c for c, role in roles.items() if role == "weights"), None)
    problems = problems or _one_cluster(clean, stages, file)
    if problems:
        raise ProblemsError(problems, file=file)
    w = None if weights is None else clean[weights].to_numpy(dtype=float)
    if not stages and not fpc and w is None and strata is None:
        w = np.ones(len(frame))  # respondents sampled one by one, equal weights
    return SurveyDesign(
        [clean[c].astype(str).to_numpy(dtype=object) for c in stages] or None,
        strata=None if strata is None else clean[strata].astype(str).to_numpy(dtype=object),
        weights=w,
        fpc=[clean[c].to_numpy(dtype=float) for c in fpc] or None,
        lonely_psu=lonely_psu,
        names={"cluster": stages or None, "fpc": fpc or None},
    )
