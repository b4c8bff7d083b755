"""Import row numbers count a row holding only declared missing answers (SPSS, Stata)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from readiness.responses.declared import DeclaredMissing
from readiness.web.surveys import imports


def test_a_row_of_declared_missing_answers_is_a_row_of_the_file():
    raw = pd.DataFrame(
        {
            "SEX": [1.0, DeclaredMissing("9", "Gwrthod ateb"), np.nan, 2.0],
            "session": ["s1", np.nan, np.nan, "s1"],
        }
    ).astype({"SEX": object})
    # The reader kept rows 1, 2 and 4 (row 3 is empty).
    assert imports._file_rows(raw, 3).tolist() == [1, 2, 4]
