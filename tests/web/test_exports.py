"""Exports (CSV with codebook, XLSX, SPSS, Stata, REDCap) and imports (validated, all or
nothing), from the web and from the command line."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner
from django.apps import apps

from readiness.cli import cli
from readiness.instrument.model import META_COLUMNS
from readiness.responses import read_responses
from readiness.web.surveys import exports, imports, paper, services
from readiness.web.surveys.models import Response, ResponseImport, Source
from tests.web.helpers import answer_all, post_page, start

pytestmark = pytest.mark.django_db


def respond(client, session, **changes) -> Response:
    """One web response through the respondent's pages."""
    code = start(client, session)
    token = answer_all(client, code)
    post_page(client, "check", {"submission_token": token})
    return Response.objects.get(submission_token=token)


@pytest.fixture
def responses(study, session_a, session_b, client, django_user_model):
    """Three web responses and one paper form (with an answer that needs quoting)."""
    from django.test import Client

    for session in (session_a, session_a, session_b):
        respond(Client(), session)
    lead = django_user_model.objects.get(username="lead")
    answers = {
        "site": "B",
        "discipline": 5,
        "profession": 8,
        "profession_other": 'Nurse, "specialist", école',
        "contact_ever": 1,
        "contact_count": 3,
        "contact_actions": "1 2",
        "training_prior": 0,
    }
    paper.enter_first(study, session_b, lead, answers, "P1")
    return study


def stored(study) -> list[tuple]:
    """The study's responses as comparable tuples (no ids)."""
    return sorted(
        (r.session.code, r.completed_on.isoformat(), r.synthetic, sorted(r.answers.items()))
        for r in Response.objects.filter(session__site__study=study).select_related("session")
    )


def download(client, study, fmt):
    response = client.get(f"/studies/{study.slug}/export/{fmt}/")
    assert response.status_code == 200, response.content[:300]
    return response


def login(client, django_user_model, username):
    client.force_login(django_user_model.objects.get(username=username))
    return client


def test_export_page_lists_every_format(client, django_user_model, responses):
    login(client, django_user_model, "analyst")
    html = client.get(f"/studies/{responses.slug}/export/").content.decode()
    for fmt in ("csv", "xlsx", "sav", "dta", "redcap"):
        assert f"/studies/{responses.slug}/export/{fmt}/" in html
    assert "4 responses to readiness-survey v1" in html
    assert client.get(f"/studies/{responses.slug}/export/pdf/").status_code == 404


def test_spss_export_reads_back_with_labels(client, django_user_model, responses, tmp_path):
    login(client, django_user_model, "lead")
    response = download(client, responses, "sav")
    assert response["Content-Disposition"].endswith('; filename="test-study-responses.sav"')
    path = tmp_path / "export.sav"
    path.write_bytes(response.content)
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 4
    labels = meta.column_names_to_labels
    assert labels["discipline"] == "Which area do you mainly work in?"
    assert labels["synthetic"] == "Synthetic data (1) or real (0)"
    values = meta.variable_value_labels
    assert values["discipline"][2] == "Maternity"
    assert values["contact_ever"] == {1: "Yes", 0: "No"}
    assert values["k_police_danger"][8] == "Don't know"
    assert sorted(frame["discipline"].tolist()) == [2.0, 2.0, 2.0, 5.0]
    assert not meta.file_label.startswith("SYNTHETIC")
    events = _events("export")
    if events is not None:
        assert events[-1].detail["format"] == "sav" and events[-1].detail["rows"] == 4


def test_stata_export_has_labels(client, django_user_model, responses, tmp_path):
    login(client, django_user_model, "analyst")
    path = tmp_path / "export.dta"
    path.write_bytes(download(client, responses, "dta").content)
    frame, meta = pyreadstat.read_dta(str(path))
    assert meta.column_names_to_labels["contact_ever"].startswith("In your work, have you ever")
    assert meta.variable_value_labels["discipline"][2] == "Maternity"
    assert len(frame) == 4


def test_export_holds_only_the_items_and_what_is_stored(client, django_user_model, responses):
    login(client, django_user_model, "lead")
    archive = zipfile.ZipFile(io.BytesIO(download(client, responses, "csv").content))
    names = sorted(archive.namelist())
    assert names == ["README.txt", "test-study-responses-codebook.csv", "test-study-responses.csv"]
    frame = pd.read_csv(archive.open("test-study-responses.csv"), dtype=str)
    instrument = responses.instrument.instrument
    assert list(frame.columns) == [c for c in META_COLUMNS] + list(instrument.item_ids)
    codebook = list(csv.DictReader(io.TextIOWrapper(archive.open(names[1]), "utf-8")))
    assert [r["variable"] for r in codebook] == list(instrument.item_ids)
    readme = archive.read("README.txt").decode()
    assert "No name, e-mail address, IP address or user agent" in readme
    assert "SYNTHETIC" not in readme


def test_exports_of_a_synthetic_study_are_marked(client, django_user_model, responses, tmp_path):
    responses.synthetic = True
    responses.save()
    login(client, django_user_model, "lead")
    sav = download(client, responses, "sav")
    assert "SYNTHETIC" in sav["Content-Disposition"]
    path = tmp_path / "s.sav"
    path.write_bytes(sav.content)
    frame, meta = pyreadstat.read_sav(str(path))
    assert meta.file_label.startswith("SYNTHETIC")
    assert frame["synthetic"].tolist() == [1.0] * 4
    archive = zipfile.ZipFile(io.BytesIO(download(client, responses, "csv").content))
    assert archive.read("README.txt").decode().count("SYNTHETIC DATA") == 1
    data = next(n for n in archive.namelist() if n.endswith("responses.csv"))
    assert "SYNTHETIC" in data
    assert set(pd.read_csv(archive.open(data))["synthetic"]) == {1}
    redcap = zipfile.ZipFile(io.BytesIO(download(client, responses, "redcap").content))
    name = next(n for n in redcap.namelist() if n.endswith("redcap-data.csv"))
    ids = pd.read_csv(redcap.open(name), dtype=str)["record_id"]
    assert all(i.startswith("SYNTHETIC-") for i in ids)
    book = download(client, responses, "xlsx")
    assert "SYNTHETIC" in book["Content-Disposition"]


def test_redcap_export(client, django_user_model, responses):
    login(client, django_user_model, "analyst")
    archive = zipfile.ZipFile(io.BytesIO(download(client, responses, "redcap").content))
    assert sorted(archive.namelist()) == [
        "README.txt",
        "test-study-redcap-data-dictionary.csv",
        "test-study-redcap-data.csv",
    ]
    data = pd.read_csv(archive.open("test-study-redcap-data.csv"), dtype=str, keep_default_na=False)
    assert data.columns[0] == "record_id"
    dictionary = list(
        csv.reader(io.TextIOWrapper(archive.open("test-study-redcap-data-dictionary.csv"), "utf-8"))
    )
    assert dictionary[1][0] == "record_id"
    # Every data column is a field of the dictionary (checkbox fields as field___code).
    fields = {row[0]: row[3] for row in dictionary[1:]}
    instrument = responses.instrument.instrument
    expected = ["record_id", "session", "completed_on"]  # fields of the dictionary too
    assert (fields["session"], fields["completed_on"]) == ("text", "text")
    for item in instrument.items:
        if fields[item.id] == "checkbox":
            expected += [f"{item.id}___{c.code}" for c in item.choices]
        else:
            expected.append(item.id)
    assert list(data.columns) == expected
    assert "training_where___1" in data.columns and "training_where" not in data.columns
    paper_row = data[data["discipline"] == "5"].iloc[0]
    assert paper_row["contact_actions___1"] == "1" and paper_row["contact_actions___3"] == "0"
    assert paper_row["profession_other"] == 'Nurse, "specialist", école'
    # The data read back as responses: the same answers.
    frame = data.rename(columns={"record_id": "response_id"})
    frame["session"] = ""
    back = read_responses(_csv(frame), instrument)
    assert len(back) == 4
    got = back.frame.set_index("response_id")
    for r in Response.objects.all():
        row = got.loc[str(r.pk)]
        for item_id, value in r.answers.items():
            assert paper.same(services._stored(row[item_id]), value), (item_id, value)


def _csv(frame) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "redcap.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_export_then_import_gives_the_same_responses(responses, tmp_path, fmt, django_user_model):
    before = stored(responses)
    path = tmp_path / f"out.{fmt}"
    exports.write_export(responses, fmt, path)
    Response.objects.filter(session__site__study=responses).delete()
    assert stored(responses) == []
    lead = django_user_model.objects.get(username="lead")
    result = imports.import_file(responses, path, actor=lead)
    assert result.rows == 4
    assert stored(responses) == before
    assert set(Response.objects.values_list("source", flat=True)) == {Source.IMPORT}
    events = _events("import")
    if events is not None:
        assert events[-1].detail["rows"] == 4 and events[-1].username == "lead"


def test_import_page_imports_into_a_chosen_session(
    client, django_user_model, responses, session_a, tmp_path
):
    path = tmp_path / "out.csv"
    exports.write_export(responses, "csv", path)
    # The study's own responses would be refused (test_import_duplicates): import them anew.
    Response.objects.filter(session__site__study=responses).delete()
    login(client, django_user_model, "lead")
    with open(path, "rb") as handle:
        page = client.post(
            f"/studies/{responses.slug}/import/", {"file": handle, "session": str(session_a.pk)}
        )
    assert page.status_code == 302
    html = client.get(page["Location"]).content.decode()
    assert "Imported 4 responses from out.csv into session A-1." in html
    assert "was replaced by the session chosen" in html
    imported = Response.objects.filter(source=Source.IMPORT)
    assert imported.count() == 4 and {r.session for r in imported} == {session_a}
    assert {r.answers["site"] for r in imported} == {"A"}
    assert ResponseImport.objects.get().rows == 4
    # The same file again is refused, and nothing is added.
    with open(path, "rb") as handle:
        again = client.post(f"/studies/{responses.slug}/import/", {"file": handle, "session": ""})
    assert again.status_code == 200
    assert "This file was imported into the study already" in again.content.decode()
    assert Response.objects.count() == 4


def test_import_shows_every_problem_and_writes_nothing(
    client, django_user_model, responses, tmp_path
):
    before = Response.objects.count()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "session,discipline,years_qualified,favourite_colour\n"
        "A-1,2,7,\n"
        "A-1,9,7,\n"
        "Z-9,2,700,\n"
        ",2,7,\n",
        encoding="utf-8",
    )
    login(client, django_user_model, "lead")
    with open(bad, "rb") as handle:
        page = client.post(f"/studies/{responses.slug}/import/", {"file": handle})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nothing was imported" in html
    table = html[html.index('id="import-problem-table"') :]
    rows = [
        [c.strip() for c in _cells(r)] for r in table[: table.index("</table>")].split("<tr")[2:]
    ]
    where = {(r[0], r[1]) for r in rows}  # row (and the CSV line), column
    assert ("-line 1", "favourite_colour") in where
    assert ("2line 3", "discipline") in where and ("3line 4", "years_qualified") in where
    assert Response.objects.count() == before and not ResponseImport.objects.exists()
    # With the columns right, the sessions are checked, row by row.
    bad.write_text("session,discipline\nA-1,2\n\n,\nZ-9,2\n,3\n", encoding="utf-8")
    with pytest.raises(imports.ResponsesError) as caught:
        imports.import_file(responses, bad)
    found = [(p.row, p.line, p.column) for p in caught.value.problems]
    # An empty line is not a row; a row of empty cells is one, and is skipped.
    assert found == [(3, 5, "session"), (4, 6, "session")]
    assert "'Z-9' is not a session of study test-study" in str(caught.value)
    assert Response.objects.count() == before


def _cells(row: str) -> list[str]:
    import re

    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    cells = [re.sub(r'<span class="nhsuk-table__heading"[^>]*>.*?</span>', "", c) for c in cells]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


def test_import_is_all_or_nothing_when_writing_fails(responses, tmp_path, monkeypatch):
    path = tmp_path / "out.xlsx"
    exports.write_export(responses, "xlsx", path)
    Response.objects.filter(session__site__study=responses).delete()  # else refused, unwritten
    before = Response.objects.count()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.ResponseImport.objects, "create", fail)
    with pytest.raises(RuntimeError):
        imports.import_file(responses, path)
    assert Response.objects.count() == before


def test_import_refuses_other_files(responses, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(imports.ResponsesError, match="not a response file"):
        imports.import_file(responses, path)


def test_coordinator_and_analyst_cannot_import_or_coordinator_export(
    client, django_user_model, responses, tmp_path
):
    path = tmp_path / "out.csv"
    exports.write_export(responses, "csv", path)
    for username in ("coordinator", "analyst"):
        login(client, django_user_model, username)
        with open(path, "rb") as handle:
            assert (
                client.post(f"/studies/{responses.slug}/import/", {"file": handle}).status_code
                == 403
            )
    login(client, django_user_model, "coordinator")
    assert client.get(f"/studies/{responses.slug}/export/csv/").status_code == 403
    assert Response.objects.count() == 4


def test_export_and_import_commands(responses, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["web", "export", "--study", responses.slug, "--format", "sav", "--out", "s.sav"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Wrote s.sav: 4 responses to readiness-survey v1, with variable and value labels."
    )
    csv_out = runner.invoke(cli, ["web", "export", "--study", responses.slug, "--format", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    assert "Wrote test-study-responses-codebook.csv: the codebook." in csv_out.output
    assert (tmp_path / "test-study-responses.csv").exists()
    redcap = runner.invoke(
        cli, ["web", "export", "--study", responses.slug, "--format", "redcap", "--out", "r.csv"]
    )
    assert "Wrote r-dictionary.csv: the REDCap data dictionary." in redcap.output
    wrong = runner.invoke(
        cli, ["web", "export", "--study", responses.slug, "--format", "dta", "--out", "x.sav"]
    )
    assert wrong.exit_code != 0
    Response.objects.all().delete()
    imported = runner.invoke(cli, ["web", "import", "--study", responses.slug, "s.sav"])
    assert imported.exit_code == 0, imported.output
    assert "Imported 4 responses from s.sav into study test-study" in imported.output
    assert Response.objects.count() == 4
    into_b = ["web", "import", "--study", responses.slug, "--session", "B-1"]
    # The CSV holds the same responses (their ids): refused, nothing added.
    twice = runner.invoke(cli, [*into_b, "test-study-responses.csv"])
    assert twice.exit_code != 0 and "4 of the file's 4 rows are responses" in str(twice.exception)
    assert Response.objects.count() == 4
    Response.objects.all().delete()
    session = runner.invoke(cli, [*into_b, "test-study-responses.csv"])
    assert session.exit_code == 0, session.output
    assert Response.objects.filter(session__code="B-1").count() == 4
    missing = runner.invoke(cli, ["web", "export", "--study", "no-such-study", "--format", "csv"])
    assert missing.exit_code != 0


def test_the_old_export_and_import_names_still_work_with_a_note(responses, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = runner.invoke(
        cli, ["export", "--study", responses.slug, "--format", "sav", "--out", "s.sav"]
    )
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("Wrote s.sav: 4 responses")
    assert (
        out.stderr
        == "Note: `readiness export` is now `readiness web export`; the old name will go.\n"
    )
    Response.objects.all().delete()
    back = runner.invoke(cli, ["import", "--study", responses.slug, "s.sav"])
    assert back.exit_code == 0, back.output
    assert "`readiness import` is now `readiness web import`" in back.stderr
    assert Response.objects.count() == 4
    listed = runner.invoke(cli, ["--help"]).stdout
    assert "  web " in listed and "  export " not in listed and "  import " not in listed


def _events(action):
    if not apps.is_installed("readiness.web.audit"):
        return None
    from readiness.web.audit.models import Event

    return list(Event.objects.filter(action=action).order_by("id"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta", "redcap"])
def test_a_study_without_responses_exports_its_columns(study, tmp_path, fmt):
    path = tmp_path / exports.default_name(study, fmt)
    result = exports.write_export(study, fmt, path)
    assert result.rows == 0 and all(p.exists() for p in result.files)
    if fmt in ("csv", "redcap"):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith("response_id," if fmt == "csv" else "record_id,")


HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile(study, session_b, django_user_model):
    """Six paper forms whose free text starts like a spreadsheet formula, and a number."""
    lead = django_user_model.objects.get(username="lead")
    for n, text in enumerate(HOSTILE, start=1):
        answers = {"site": "B", "discipline": 5, "profession": 8, "profession_other": text}
        answers |= {"contact_ever": 1, "contact_count": 3, "training_prior": 0}
        paper.enter_first(study, session_b, lead, answers, f"H{n}")
    return study


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _assert_no_formula_start(rows: list[list[str]]) -> None:
    for row in rows:
        assert not any(cell.startswith(FORMULA_START) for cell in row), row


def test_csv_and_redcap_exports_neutralise_formulas(client, django_user_model, hostile):
    login(client, django_user_model, "analyst")
    for fmt, name in (
        ("csv", "test-study-responses.csv"),
        ("redcap", "test-study-redcap-data.csv"),
    ):
        archive = zipfile.ZipFile(io.BytesIO(download(client, hostile, fmt).content))
        rows = _csv_cells(archive.read(name))
        _assert_no_formula_start(rows)
        column = [r[rows[0].index("profession_other")] for r in rows[1:]]
        assert column == ["'" + t.strip() for t in HOSTILE], fmt
        count = {r[rows[0].index("contact_count")] for r in rows[1:]}
        assert count == {"3"}, fmt  # numbers stay numbers
        assert "apostrophe" in archive.read("README.txt").decode()
    archive = zipfile.ZipFile(io.BytesIO(download(client, hostile, "csv").content))
    codebook = _csv_cells(archive.read("test-study-responses-codebook.csv"))
    _assert_no_formula_start(codebook)
    values = {row[0]: row[4] for row in codebook[1:]}
    assert "apostrophe" in values["profession_other"]
    assert "apostrophe" not in values["contact_count"]


def test_xlsx_export_holds_no_formula(client, django_user_model, hostile):
    import openpyxl

    login(client, django_user_model, "analyst")
    book = openpyxl.load_workbook(io.BytesIO(download(client, hostile, "xlsx").content))
    for sheet in book:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    sheet = book["responses"]
    header = [c.value for c in sheet[1]]
    text = [sheet.cell(row=r, column=header.index("profession_other") + 1) for r in range(2, 8)]
    assert [c.value for c in text] == [t.strip() for t in HOSTILE]
    assert all(c.quotePrefix for c in text)
    counts = [sheet.cell(row=r, column=header.index("contact_count") + 1) for r in range(2, 8)]
    assert {(c.value, c.data_type) for c in counts} == {(3, "n")}


def test_a_stored_answer_with_a_control_character_never_stops_an_export(
    client, django_user_model, study, session_b, tmp_path
):
    """Rows stored before answers were cleaned still export: XLSX leaves the character out."""
    import openpyxl

    lead = django_user_model.objects.get(username="lead")
    answers = {"site": "B", "discipline": 5, "profession": 8, "contact_ever": 0}
    answers |= {"profession_other": "line one\x0bline two\x07", "training_prior": 0}
    paper.enter_first(study, session_b, lead, answers, "OLD1")
    login(client, django_user_model, "analyst")
    book = openpyxl.load_workbook(io.BytesIO(download(client, study, "xlsx").content))
    sheet = book["responses"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("profession_other") + 1).value == (
        "line one\nline two"
    )
    result = exports.write_export(study, "xlsx", tmp_path / "out.xlsx")
    assert "1 text cell held control characters" in " ".join(result.lines())
    archive = zipfile.ZipFile(io.BytesIO(download(client, study, "csv").content))
    rows = _csv_cells(archive.read("test-study-responses.csv"))
    assert rows[1][rows[0].index("profession_other")] == "line one\x0bline two\x07"


def test_an_export_error_shows_no_server_path(client, django_user_model, responses, monkeypatch):
    """When the SPSS writer fails, the message names the problem and the fix, not the
    server's temporary folder the file was being written in."""

    def fail(frame, path, **kwargs):
        raise pyreadstat.ReadstatError(f"Unable to write {path}: disk full")

    monkeypatch.setattr(pyreadstat, "write_sav", fail)
    login(client, django_user_model, "lead")
    response = client.get(f"/studies/{responses.slug}/export/sav/", follow=True)
    page = response.content.decode()
    assert "The export could not be written (1 problem)" in page
    assert "could not be written as SAV" in page and "write CSV instead" in page
    assert "readiness-export" not in page and "/tmp" not in page
    assert "responses being written" not in page


def test_an_spss_name_is_made_for_a_reserved_word_with_the_mapping_in_a_codebook(
    client, django_user_model, make_user
):
    """An SPSS export of an instrument with an item id SPSS reserves: the .sav names it
    with_v, and the ZIP holds the codebook giving the mapping, with no server path."""
    from readiness.instrument import parse_instrument

    text = """
id: long-names
version: 1
title: Long names
sections:
  - id: s
    title: S
    items:
      - id: welcome
        type: note
        text: Croeso / Welcome
      - id: with
        type: text
        text: Anything
"""
    version = services.install_instrument(parse_instrument(text, "long.yaml"), text)
    lead = make_user("longlead")
    study = services.create_study(name="Long", lead=lead, instrument=version)
    client.force_login(lead)
    response = client.get(f"/studies/{study.slug}/export/sav/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    codebook = next(n for n in names if n.endswith("-codebook.csv"))
    rows = list(csv.DictReader(io.StringIO(archive.read(codebook).decode("utf-8"))))
    assert [(r["variable"], r["column"]) for r in rows] == [("with", "with_v")]
    readme = archive.read("README.txt").decode("utf-8")
    assert codebook in readme
    assert "readiness-export" not in readme and "/tmp" not in readme


# -- a training evaluation's link column -------------------------------------------------------

CODE = {
    "mother_initial": "M",
    "birth_day": "7",
    "older_siblings": "1",
    "birth_town_initial": "L",
    "shoe_size_band": "3",
}


@pytest.fixture
def evaluation(study, session_a, session_b):
    """Five people answering before and after a session (each pair sharing the link id of
    their device), and one of them at follow-up, joined by the code alone."""
    from readiness.evaluation.linkage import sgic_digests
    from readiness.web.surveys import waves

    study.evaluation, study.follow_up_days = True, 90
    study.save()
    instrument = study.instrument.instrument
    items = [i for i in instrument.items if i.type == "true_false"]
    digests = sgic_digests(waves.study_secret(study), CODE)
    for k, session in enumerate([session_a] * 3 + [session_b] * 2):
        link = f"{k:02d}" + "a" * 30  # as new_link_id makes them: 32 hexadecimal characters
        base = {"site": session.site.code, "discipline": 2}
        for wave in ("pre", "post"):
            right = wave == "post" or k % 2
            Response.objects.create(
                session=session,
                instrument=study.instrument,
                answers={**base, **{i.id: int(bool(i.key) == bool(right)) for i in items}},
                completed_on="2026-03-02",
                submission_token=f"{link}-{wave}",
                wave=wave,
                link=link,
                sgic=digests if wave == "pre" and k == 0 else {},
            )
    Response.objects.create(
        session=session_a,
        instrument=study.instrument,
        answers={"site": "A", **{i.id: int(bool(i.key)) for i in items}},
        completed_on="2026-06-02",
        submission_token="follow-up-0",
        wave="follow_up",
        sgic=digests,
    )
    return study


def test_exports_hold_a_pseudonym_of_the_link_id(
    client, django_user_model, evaluation, tmp_path, monkeypatch
):
    """The link id is also on the respondent's device (its signed cookie): an export holds a
    keyed pseudonym of it instead, the same in every wave of one person."""
    links = set(Response.objects.exclude(link="").values_list("link", flat=True))
    assert len(links) == 5
    login(client, django_user_model, "lead")
    for fmt in exports.FORMATS:
        content = download(client, evaluation, fmt).content
        blobs = [content]
        if content[:2] == b"PK":  # a ZIP (CSV, REDCap) or an XLSX: look inside
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                blobs += [archive.read(name) for name in archive.namelist()]
        for blob in blobs:
            for link in links:
                assert link.encode() not in blob, fmt
    archive = zipfile.ZipFile(io.BytesIO(download(client, evaluation, "csv").content))
    frame = pd.read_csv(archive.open("test-study-responses.csv"), dtype=str)
    assert not set(frame["link"]) & links
    by_wave = {wave: part.set_index("response_id")["link"] for wave, part in frame.groupby("wave")}
    for pre in Response.objects.filter(wave="pre"):
        post = Response.objects.get(wave="post", link=pre.link)
        shared = by_wave["pre"][str(pre.pk)]
        assert len(shared) >= 16 and int(shared, 16) >= 0
        assert by_wave["post"][str(post.pk)] == shared
    (follow_up,) = by_wave["follow_up"]
    first = Response.objects.get(wave="pre", link="00" + "a" * 30)
    assert follow_up == by_wave["pre"][str(first.pk)]
    # Another study's pseudonym of the same link id differs.
    other = services.create_study(name="Other study", lead=None, evaluation=True)
    assert exports.link_pseudonyms(other, ["00" + "a" * 30]) != exports.link_pseudonyms(
        evaluation, ["00" + "a" * 30]
    )
    # `readiness evaluate analyse` pairs the exported waves.
    for wave, part in frame.groupby("wave"):
        part.to_csv(tmp_path / f"{wave}.csv", index=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "evaluate",
            "analyse",
            "--pre",
            "pre.csv",
            "--post",
            "post.csv",
            "--follow-up",
            "follow_up.csv",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    flow = json.loads(result.output)["flow"]
    assert flow["matched"] == 5, flow
