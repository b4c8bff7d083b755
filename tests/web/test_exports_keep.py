"""Exports that keep everything: each response's source and wave in every format, and the
numbers of an XLSX export as numbers."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from readiness.web.surveys import exports, imports
from readiness.web.surveys.models import Response
from tests.web.test_evaluation_waves import do_post, do_pre, evaluation  # noqa: F401
from tests.web.test_import_duplicates import mixed  # noqa: F401

pytestmark = pytest.mark.django_db


def _read(path) -> pd.DataFrame:
    """An export's responses as text, whatever its format."""
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name="responses", dtype=str).fillna("")
    read = pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta
    frame, _meta = read(path)
    return frame.astype(str)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_every_export_carries_each_responses_source(mixed, tmp_path, fmt):  # noqa: F811
    path = tmp_path / f"out.{fmt}"
    exports.write_export(mixed, fmt, path)
    frame = _read(path)
    stored = dict(Response.objects.values_list("id", "source"))
    got = {int(float(i)): s for i, s in zip(frame["response_id"], frame["source"], strict=True)}
    assert got == stored and sorted(stored.values()) == ["paper", "web", "web"]
    # Imported anew, the responses are exported with the source they first had.
    Response.objects.all().delete()
    imports.import_file(mixed, path)
    again = tmp_path / f"again.{fmt}"
    exports.write_export(mixed, fmt, again)
    assert sorted(_read(again)["source"]) == ["paper", "web", "web"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_every_export_carries_each_responses_wave(
    client,
    evaluation,  # noqa: F811
    session_a,
    tmp_path,
    fmt,
):
    code, pre = do_pre(client, session_a)
    post = do_post(client, code)
    path = tmp_path / f"out.{fmt}"
    exports.write_export(evaluation, fmt, path)
    frame = _read(path)
    waves = {int(float(i)): w for i, w in zip(frame["response_id"], frame["wave"], strict=True)}
    assert waves == {pre.pk: "pre", post.pk: "post"}
    assert set(frame["source"]) == {"web"}


def test_xlsx_numbers_are_numbers(mixed, tmp_path):  # noqa: F811
    path = tmp_path / "out.xlsx"
    exports.write_export(mixed, "xlsx", path)
    sheet = openpyxl.load_workbook(path, read_only=True)["responses"]
    rows = list(sheet.iter_rows(values_only=False))
    header = [c.value for c in rows[0]]
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=False))  # a row ends at its last value
        # A code, a count and the synthetic flag: numbers; the session and source: text.
        for name in ("discipline", "contact_ever", "training_prior", "synthetic"):
            assert cells[name].data_type == "n", (name, cells[name].value)
            assert isinstance(cells[name].value, int | float), (name, cells[name].value)
        assert cells["session"].data_type == "s" and cells["source"].data_type == "s"


def test_redcap_data_hold_the_session_and_the_date(mixed, tmp_path):  # noqa: F811
    path = tmp_path / "redcap.csv"
    written = exports.write_export(mixed, "redcap", path)
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(data.columns[:3]) == ["record_id", "session", "completed_on"]
    stored = {
        str(r.pk): (r.session.code, r.completed_on.isoformat())
        for r in Response.objects.select_related("session")
    }
    when = zip(data["session"], data["completed_on"], strict=True)
    got = dict(zip(data["record_id"], when, strict=True))
    assert got == stored
    # The response rate per session, rebuilt from the REDCap data, is the study's.
    per_session = data["session"].value_counts().to_dict()
    assert per_session == {"A-1": 1, "B-1": 2}
    # The dictionary creates the two fields, after the record id and in its form.
    dictionary = pd.read_csv(written.files[1], dtype=str, keep_default_na=False)
    first = dictionary.iloc[:3]
    assert first["Variable / Field Name"].tolist() == ["record_id", "session", "completed_on"]
    assert set(first["Form Name"]) == {first["Form Name"].iloc[0]}
    assert first["Field Type"].tolist() == ["text", "text", "text"]
    assert first["Text Validation Type OR Show Slider Number"].tolist()[1:] == ["", "date_ymd"]


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_dates_are_dates(mixed, tmp_path, fmt):  # noqa: F811
    path = tmp_path / f"out.{fmt}"
    exports.write_export(mixed, fmt, path)
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = read(path)
    kind = meta.original_variable_types["completed_on"]
    assert kind == ("DATE11" if fmt == "sav" else "%td")
    assert meta.readstat_variable_types["completed_on"] == "double"  # a number, not text
    stored = dict(Response.objects.values_list("id", "completed_on"))
    ids = frame["response_id"].astype(float).astype(int)
    got = dict(zip(ids, frame["completed_on"], strict=True))
    assert got == stored
