"""The web's SPSS and Stata exports: multiple choice as 0/1 variables, "don't know" declared
missing, and the files import back into a study with the same answers."""

from __future__ import annotations

import numpy as np
import pyreadstat
import pytest

from readiness.responses import read_responses
from tests.web.test_exports import download, login, responses  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_web_export_has_0_1_columns_and_declares_dont_know(
    client,
    django_user_model,
    responses,  # noqa: F811 - the fixture imported above
    tmp_path,
    fmt,
):
    login(client, django_user_model, "analyst")
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(download(client, responses, fmt).content)
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    data, meta = reader(str(path), apply_value_formats=False, user_missing=True)
    instrument = responses.instrument.instrument
    actions = instrument.item("contact_actions")
    columns = [f"contact_actions___{c.code}" for c in actions.choices]
    assert "contact_actions" not in data.columns
    assert all(c in data.columns for c in columns)
    assert meta.variable_value_labels[columns[0]] == {0: "Not selected", 1: "Selected"}
    label = f"{' '.join(actions.text.split())}: {actions.choices[0].label}"
    shown = meta.column_names_to_labels[columns[0]]
    if len(label.encode()) <= (80 if fmt == "dta" else 256):
        assert shown == label
    else:  # cut to what the format allows
        assert shown.endswith("...") and label.startswith(shown[:-3])
    # The paper form ticked 1 and 2; the web responses' answers are whatever they chose,
    # but every row is 0/1 or missing, never anything else.
    ticked = data[columns].to_numpy(dtype=float)
    assert set(np.unique(ticked[~np.isnan(ticked)])) <= {0.0, 1.0}
    assert ([1.0, 1.0] + [0.0] * (len(columns) - 2)) in ticked.tolist()
    knowledge = [i.id for i in instrument.data_items if i.type == "true_false"]
    if fmt == "sav":
        assert meta.missing_ranges[knowledge[0]] == [{"lo": 8.0, "hi": 8.0}]
        assert meta.variable_value_labels[knowledge[0]][8.0] == "Don't know"
    else:
        assert meta.variable_value_labels[knowledge[0]]["d"] == "Don't know"
        for name in knowledge:  # pyreadstat lists the .a-.z it found in the data
            values = {v for v in data[name].tolist() if v == v}
            assert values <= {0.0, 1.0, "d"}
            if "d" in values:
                assert meta.missing_user_values[name] == ["d"]
    # The web responses answered k_border "don't know" (tests.web.helpers.PAGE_ANSWERS).
    assert data["k_border"].tolist().count(8.0 if fmt == "sav" else "d") == 3
    back = read_responses(path, instrument)
    assert len(back) == 4 and back.declared_counts() == {}
    assert back.frame["k_border"].tolist().count(8.0) == 3
    assert "1 2" in back.frame["contact_actions"].tolist()
