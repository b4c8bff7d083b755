"""Imports that cannot duplicate: a file whose response ids are the study's already is refused
whole, by the page and by the background job, and an imported response keeps its source."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import pytest
from django.test import Client

from readiness.web.jobs import worker
from readiness.web.jobs.models import Job
from readiness.web.surveys import exports, imports, paper
from readiness.web.surveys.models import Response, ResponseImport, Source
from tests.web.helpers import answer_all, post_page, start

pytestmark = pytest.mark.django_db(transaction=True)


def _respond(session) -> Response:
    client = Client()
    code = start(client, session)
    token = answer_all(client, code)
    post_page(client, "check", {"submission_token": token})
    return Response.objects.get(submission_token=token)


@pytest.fixture
def mixed(study, session_a, session_b, django_user_model):
    """Two web responses and one paper form."""
    _respond(session_a)
    _respond(session_b)
    lead = django_user_model.objects.get(username="lead")
    answers = {"site": "B", "discipline": 5, "contact_ever": 0, "training_prior": 0}
    paper.enter_first(study, session_b, lead, answers, "P1")
    return study


def _count(study) -> int:
    return Response.objects.filter(session__site__study=study).count()


def _upload(client, study, path):
    with open(path, "rb") as handle:
        return client.post(f"/studies/{study.slug}/import/", {"file": handle, "session": ""})


def test_the_demo_studys_export_imported_back_is_refused(tmp_path):
    from readiness.web.surveys.demo import load_demo

    study, _created = load_demo()
    before = _count(study)
    for fmt in ("csv", "dta"):
        path = tmp_path / f"demo.{fmt}"
        exports.write_export(study, fmt, path)
        with pytest.raises(imports.ResponsesError) as caught:
            imports.import_file(study, path)
        text = str(caught.value)
        assert f"{before} of the file's {before} rows are responses of study" in text
        assert "row 1 (response_id " in text and f"and {before - 5} more" in text
        assert "nothing was imported" in text and "empty their response_id" in text
        assert caught.value.problems[0].file == path.name
        assert _count(study) == before and not ResponseImport.objects.filter(study=study).exists()


def test_one_known_id_among_new_rows_refuses_the_whole_file(mixed, tmp_path):
    path = tmp_path / "out.csv"
    exports.write_export(mixed, "csv", path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    known = frame.iloc[[1]].copy()
    new = pd.concat([frame.iloc[[0]]] * 3, ignore_index=True)
    new["response_id"] = ["new-1", "new-2", "new-3"]
    mixed_file = tmp_path / "mixed.csv"
    pd.concat([new, known], ignore_index=True).to_csv(mixed_file, index=False)
    before = _count(mixed)
    with pytest.raises(imports.ResponsesError) as caught:
        imports.import_file(mixed, mixed_file)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (4, "response_id")
    assert f"1 of the file's 4 rows is a response of study {mixed.slug}" in problem.message
    assert f"row 4 (response_id {known['response_id'].iloc[0]})" in problem.message
    assert _count(mixed) == before and not ResponseImport.objects.exists()
    # Without the known row the new ones go in; the same ids again are refused.
    new.to_csv(mixed_file, index=False)
    assert imports.import_file(mixed, mixed_file).rows == 3
    assert set(Response.objects.exclude(origin_id="").values_list("origin_id", flat=True)) == {
        "new-1",
        "new-2",
        "new-3",
    }
    again = tmp_path / "again.csv"
    new.iloc[[2]].to_csv(again, index=False)
    with pytest.raises(imports.ResponsesError, match="response_id new-3"):
        imports.import_file(mixed, again)
    assert _count(mixed) == before + 3


def test_rows_without_an_id_are_imported_as_new(mixed, tmp_path):
    path = tmp_path / "out.csv"
    exports.write_export(mixed, "csv", path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["response_id"] = ""
    frame.to_csv(path, index=False)
    before = _count(mixed)
    assert imports.import_file(mixed, path).rows == before
    assert _count(mixed) == 2 * before


def test_the_page_and_the_job_both_refuse(mixed, tmp_path, settings, django_user_model):
    path = tmp_path / "own.csv"
    exports.write_export(mixed, "csv", path)
    before = _count(mixed)
    client = Client()
    client.force_login(django_user_model.objects.get(username="lead"))
    settings.READINESS_IMPORT_INLINE_BYTES = 10**9
    page = _upload(client, mixed, path)
    html = unescape(page.content.decode())
    assert page.status_code == 200 and "Nothing was imported" in html
    assert f"3 of the file's 3 rows are responses of study {mixed.slug}" in html
    settings.READINESS_IMPORT_INLINE_BYTES = 0  # through the queue
    reply = _upload(client, mixed, path)
    assert reply.status_code == 302
    job = Job.objects.get(pk=re.fullmatch(r"/jobs/([0-9a-f-]+)/", reply["Location"]).group(1))
    worker.run(once=True)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    shown = unescape(client.get(f"/jobs/{job.pk}/").content.decode())
    assert "rows are responses of study" in shown and "empty their response_id" in shown
    assert _count(mixed) == before and not ResponseImport.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_an_imported_response_keeps_its_source(mixed, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    exports.write_export(mixed, fmt, path)
    sources = sorted(Response.objects.values_list("id", "source"))
    assert sorted(s for _i, s in sources) == ["paper", "web", "web"]
    Response.objects.all().delete()
    imports.import_file(mixed, path)
    imported = Response.objects.all()
    assert {r.source for r in imported} == {Source.IMPORT}
    assert sorted((int(r.origin_id), r.origin) for r in imported) == sources
    # Exported again, each carries the source it first had.
    again = tmp_path / "again.csv"
    exports.write_export(mixed, "csv", again)
    frame = pd.read_csv(again, dtype=str)
    assert sorted(frame["source"]) == ["paper", "web", "web"]


def test_a_source_that_is_none_is_refused(mixed, tmp_path):
    path = tmp_path / "out.csv"
    exports.write_export(mixed, "csv", path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["response_id"] = ""
    frame.loc[0, "source"] = "fax"
    frame.to_csv(path, index=False)
    before = _count(mixed)
    with pytest.raises(imports.ResponsesError, match="'fax', which is not a source"):
        imports.import_file(mixed, path)
    assert _count(mixed) == before


def test_another_servers_export_with_the_same_ids_is_imported(mixed, tmp_path):
    """A multi-site study merges trust B's export (its own server numbers its responses 1, 2,
    3 too): an id that is one of this study's, with other answers, is a new response."""
    path = tmp_path / "ours.csv"
    exports.write_export(mixed, "csv", path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    theirs = frame.copy()  # the same ids, as another server would give them
    theirs["discipline"] = ["4"] * len(theirs)  # but other people's answers
    theirs["source"] = ["web"] * len(theirs)
    other = tmp_path / "trust-b.csv"
    theirs.to_csv(other, index=False)
    before = _count(mixed)
    imports.import_file(mixed, other)
    assert _count(mixed) == before + len(theirs)
    # Imported once, the same file's rows are known by the ids their file gave them.
    again = tmp_path / "trust-b-again.csv"
    theirs.iloc[[0]].to_csv(again, index=False)
    with pytest.raises(imports.ResponsesError):
        imports.import_file(mixed, again)
    assert _count(mixed) == before + len(theirs)
