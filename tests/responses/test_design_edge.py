"""A table's design columns get the checks and messages of a response file's validation,
whichever door the table comes in by (readiness proportion, analyse on a frame)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from readiness.errors import ProblemsError
from readiness.responses.design import design_columns, survey_design
from readiness.responses.validate import check_design_columns


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site": ["a", "a", "b", "b", "c", "c"],
            "region": ["n", "n", "n", "s", "s", "s"],
            "w": [1.0, 2.0, 1.5, 1.0, 1.0, 3.0],
            "sites": [10, 10, 10, 10, 10, 10],
        }
    )


def test_one_message_per_bad_cell_with_its_row() -> None:
    frame = _frame().astype(object)
    frame.loc[1, "site"] = ""
    frame.loc[3, "w"] = "heavy"
    frame.loc[4, "w"] = -2
    roles = design_columns("site", None, "w")
    _, problems = check_design_columns(frame, roles, "t.csv")
    found = {(p.row, p.column): p.message for p in problems}
    assert set(found) == {(2, "site"), (4, "w"), (5, "w")}
    assert "no cluster" in found[(2, "site")] and "missing" in found[(2, "site")]
    assert "'heavy' is not a number" in found[(4, "w")]
    assert "not greater than 0" in found[(5, "w")]
    with pytest.raises(ProblemsError) as err:
        survey_design(frame, roles, "t.csv")
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "site"), (4, "w"), (5, "w")]


def test_design_from_sound_columns() -> None:
    design = survey_design(_frame(), design_columns("site", None, "w", "sites"))
    assert design.n_clusters == 3 and design.weighted
    equal = survey_design(_frame(), {})
    assert equal.n == 6 and np.allclose(equal.weights, 1.0)


def test_missing_columns_stages_and_a_single_cluster() -> None:
    with pytest.raises(ProblemsError, match="--cluster ward: there is no column 'ward'"):
        survey_design(_frame(), design_columns("ward"))
    with pytest.raises(ProblemsError, match=r"--fpc names 2 column\(s\) for 1 stage\(s\)"):
        survey_design(_frame(), design_columns("site", fpc="sites w"))
    with pytest.raises(ProblemsError, match="same value"):
        survey_design(_frame().assign(site="a"), design_columns("site"))
