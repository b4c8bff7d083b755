"""A study that moved to new versions of its instrument while collecting: the dashboard's frame
and the exports hold the responses to every version, each validated against the version it
answered and recoded with the mappings kept (v1 -> v2 -> v3), read in chunks and kept."""

from __future__ import annotations

import csv
import io
import secrets
import zipfile

import pandas as pd
import pytest

from readiness.errors import ResponsesError
from readiness.web.surveys import (
    exports,
    imports,
    responseframe,
    responseread,
    services,
    versionmove,
    versionread,
)
from readiness.web.surveys.models import Response, Study

pytestmark = pytest.mark.django_db

HEAD = 'id: staff-check\nversion: "{v}"\ntitle: Staff check\nsections:\n  - id: s\n    title: About you\n    items:\n'
ROLE = "      - id: role\n        type: single_choice\n        text: Your role\n        choices: [{c}]\n"
V1 = (
    HEAD.format(v=1)
    + ROLE.format(c="{code: 1, label: Nurse}, {code: 2, label: Doctor}, {code: 3, label: Other}")
    + '      - {id: gone, type: text, text: "Anything else?"}\n'
)
V2 = (
    HEAD.format(v=2)
    + ROLE.format(
        c="{code: 1, label: Nurse}, {code: 2, label: Midwife}, {code: 4, label: Doctor}, "
        "{code: 3, label: Other}"
    )
    + "      - {id: years, type: number, text: Years in post}\n"
)
V3 = (
    HEAD.format(v=3)
    + ROLE.format(
        c="{code: 1, label: Nurse}, {code: 5, label: Midwife}, {code: 4, label: Doctor}, "
        "{code: 3, label: Other}"
    )
    + "      - {id: years, type: number, text: Years in post}\n"
)
M12 = {"role": {"1": 1, "2": 4, "3": 3}}
M23 = {"role": {"1": 1, "2": 5, "3": 3, "4": 4}}


def _answer(session, version, answers) -> Response:
    return Response.objects.create(
        session=session,
        instrument=version,
        answers=answers,
        completed_on="2026-03-02",
        submission_token=secrets.token_hex(16),
    )


@pytest.fixture
def moved(study, session_a, session_b):
    """Two responses to v1, a move to v2, one response to v2, a move to v3, one to v3."""
    v1, v2, v3 = (services.install_instrument(text=t) for t in (V1, V2, V3))
    Study.objects.filter(pk=study.pk).update(instrument=v1)
    study.refresh_from_db()
    _answer(session_a, v1, {"role": 2, "gone": "first"})
    _answer(session_b, v1, {"role": 3})
    versionmove.move(study, v2, M12, None)
    _answer(session_a, v2, {"role": 2, "years": 4})
    versionmove.move(study, v3, M23, None)
    _answer(session_b, v3, {"role": 5, "years": 1})
    study.refresh_from_db()
    return study, v1, v2, v3


def test_the_frame_reads_every_version_as_the_current_one(moved):
    study, *_ = moved
    clean = responseframe.clean_responses(study)
    assert list(clean.columns)[-3:] == ["role", "years", "site"]
    assert "gone" not in clean
    # v1 Doctor 2 -> 4 -> 4; v1 Other 3 -> 3; v2 Midwife 2 -> 5; v3 Midwife 5.
    assert clean["role"].tolist() == [4.0, 3.0, 5.0, 5.0]
    assert clean["years"].tolist()[2:] == [4.0, 1.0] and clean["years"].iloc[:2].isna().all()
    assert clean["site"].tolist() == ["A", "B", "A", "B"]
    data = services.study_data(study)
    assert len(data.responses) == 4 and data.other_versions == 0


def test_a_response_to_an_old_version_added_later_extends_the_kept_frame(moved, session_a):
    study, v1, _v2, _v3 = moved
    responseframe.clean_responses(study)
    _answer(session_a, v1, {"role": 1})  # a draft started on v1 finished after the moves
    extended = responseframe.clean_responses(study)
    responseframe.forget_all()
    again = responseframe.clean_responses(study)
    pd.testing.assert_frame_equal(extended, again)
    assert extended["role"].tolist() == [4.0, 3.0, 5.0, 5.0, 1.0]


def test_reading_in_chunks_with_versions_mixed_gives_the_same_frame(moved, monkeypatch):
    study, v1, v2, v3 = moved
    whole = responseframe.clean_responses(study)
    responseframe.forget_all()
    monkeypatch.setattr(responseread, "CHUNK", 1)
    pd.testing.assert_frame_equal(responseframe.clean_responses(study), whole)


def test_a_move_starts_a_new_frame(study, session_a):
    v1, v2 = (services.install_instrument(text=t) for t in (V1, V2))
    Study.objects.filter(pk=study.pk).update(instrument=v1)
    study.refresh_from_db()
    _answer(session_a, v1, {"role": 2})
    before = responseframe._key(study) + versionread.plan(study).tag()
    assert responseframe.clean_responses(study)["role"].tolist() == [2.0]
    versionmove.move(study, v2, M12, None)
    study.refresh_from_db()
    after = responseframe._key(study) + versionread.plan(study).tag()
    assert after != before
    assert responseframe.clean_responses(study)["role"].tolist() == [4.0]


def test_without_a_mapping_the_old_answers_are_refused_with_the_fix(study, session_a):
    v1, v2 = (services.install_instrument(text=t) for t in (V1, V2))
    Study.objects.filter(pk=study.pk).update(instrument=v1)
    _answer(session_a, v1, {"role": 2})
    Study.objects.filter(pk=study.pk).update(instrument=v2)  # not through a move: no mapping
    study.refresh_from_db()
    with pytest.raises(ResponsesError) as caught:
        responseframe.clean_responses(study)
    text = str(caught.value)
    assert "staff-check v1 cannot be read as answers to staff-check v2" in text
    assert "Fix: move a study from staff-check v1 to staff-check v2" in text


def _csv_export(study, tmp_path):
    path = tmp_path / "out.csv"
    export = exports.write_export(study, "csv", path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    codebook = list(csv.DictReader(export.files[1].open(encoding="utf-8")))
    return export, rows, codebook


def test_the_csv_export_holds_every_version_with_its_own(moved, tmp_path):
    study, *_ = moved
    export, rows, codebook = _csv_export(study, tmp_path)
    assert export.rows == 4 and export.versions == ["1", "2", "3"]
    assert [r["instrument_version"] for r in rows] == ["1", "1", "2", "3"]
    assert {r["instrument_id"] for r in rows} == {"staff-check"}
    assert [r["role"] for r in rows] == ["4", "3", "5", "5"]
    assert [r["gone"] for r in rows] == ["first", "", "", ""]  # removed since, kept
    assert [r["years"] for r in rows] == ["", "", "4", "1"]
    labels = {r["variable"]: r["label"] for r in codebook}
    assert labels["gone"].endswith("[asked by v1, not by v3]")
    assert "asked by v1, v2, v3; the codes are v3's" in labels["role"]
    assert labels["years"].endswith("[asked by v2, v3]")
    assert any("answered versions 1, 2, 3" in line for line in export.lines())


def test_the_download_says_which_version_each_row_answered(moved):
    study, *_ = moved
    download = exports.download(study, "csv")
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        readme = archive.read("README.txt").decode()
    assert "answered versions 1, 2, 3 of the instrument" in readme
    assert "Responses: 4." in readme


@pytest.mark.parametrize("fmt", ["xlsx", "sav", "dta", "redcap"])
def test_the_other_formats_hold_every_version(moved, tmp_path, fmt):
    study, *_ = moved
    suffix = ".csv" if fmt == "redcap" else f".{fmt}"
    export = exports.write_export(study, fmt, tmp_path / f"out{suffix}")
    assert export.rows == 4
    if fmt == "xlsx":
        frame = pd.read_excel(export.files[0], sheet_name="responses", dtype=str)
        assert frame["instrument_version"].tolist() == ["1", "1", "2", "3"]
        assert frame["gone"].iloc[0] == "first"
    if fmt == "dta":
        frame = pd.read_stata(export.files[0], convert_categoricals=False)
        assert frame["instrument_version"].tolist() == ["1", "1", "2", "3"]
        assert frame["role"].tolist() == [4, 3, 5, 5]


def test_the_export_page_counts_every_version(client, django_user_model, moved):
    study, *_ = moved
    client.force_login(django_user_model.objects.get(username="lead"))
    page = client.get(f"/studies/{study.slug}/export/").content.decode()
    assert "4 responses to staff-check v3" in page
    assert "3 of them answered an earlier version" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "dta"])
def test_an_export_of_every_version_imported_back_is_refused(moved, tmp_path, fmt):
    study, *_ = moved
    path = tmp_path / f"out.{fmt}"
    exports.write_export(study, fmt, path)
    before = Response.objects.count()
    with pytest.raises(imports.ResponsesError) as caught:
        imports.import_file(study, path)
    assert Response.objects.count() == before
    text = str(caught.value)
    assert "4 of the file's 4 rows are responses of study test-study already" in text
    first = Response.objects.filter(session__site__study=study).order_by("pk").first()
    assert f"row 1 (response_id {first.pk})" in text and "nothing was imported" in text


def test_the_api_gives_every_version_as_csv_and_json(client, django_user_model, moved):
    from readiness.web.api import spec, tokens

    study, *_ = moved
    _token, secret = tokens.issue(django_user_model.objects.get(username="lead"), "R")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"{spec.BASE}/studies/{study.slug}/responses"
    text = b"".join(client.get(f"{url}?format=csv", **auth).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["instrument_version"] for r in rows] == ["1", "1", "2", "3"]
    assert [r["gone"] for r in rows] == ["first", "", "", ""]
    records = client.get(url, **auth).json()["responses"]
    assert [r["instrument_version"] for r in records] == ["1", "1", "2", "3"]
    assert [r["role"] for r in records] == [4, 3, 5, 5]
