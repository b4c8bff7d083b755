"""Stored responses read in chunks (responseread) give the frame the earlier all-at-once read
gave; a bulk load on PostgreSQL leaves the tables analysed."""

from __future__ import annotations

import orjson
import pandas as pd
import pytest
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from readiness.errors import ResponsesError
from readiness.responses.validate import validate_frame
from readiness.web.surveys import responseframe, responseread, services
from readiness.web.surveys.demo import load_demo
from readiness.web.surveys.models import Response, new_submission_token


def read_at_once(rows_query, instrument):
    """The read as it was before responseread: every row at once, the frame built from the
    list of decoded answers (pandas working out each column's type), then validated."""
    rows = list(
        rows_query.order_by("id").values_list(
            *(Cast(c, TextField()) if c == "answers" else c for c in responseread.COLUMNS)
        )
    )
    items = [item.id for item in instrument.data_items]
    table = (
        pd.DataFrame.from_records([orjson.loads(r[1]) for r in rows], columns=items)
        if rows
        else pd.DataFrame(columns=items)
    )
    table = table.reindex(columns=items)
    table.insert(0, "response_id", [str(r[0]) for r in rows])
    table.insert(1, "session", [r[4] for r in rows])
    table.insert(2, "completed_on", [r[2].isoformat() for r in rows])
    table.insert(3, "synthetic", [1 if r[3] else 0 for r in rows])
    table.insert(4, "wave", [r[7] for r in rows])
    table.insert(5, "link", [r[8] for r in rows])
    table.insert(6, "source", [r[10] or r[9] for r in rows])
    clean, problems, _ = validate_frame(table.astype(object), instrument)
    if problems:
        raise ResponsesError(problems)
    clean["site"] = [r[5] for r in rows]
    last, token = (rows[-1][0], rows[-1][6]) if rows else (None, None)
    return clean, len(rows), last, token


@pytest.fixture
def demo(db):
    study, _ = load_demo()
    return study


def _respond(study, answers: dict, **fields) -> Response:
    session = study.sites.order_by("code").first().sessions.first()
    return Response.objects.create(
        session=session,
        instrument=study.instrument,
        answers={"site": session.site.code, **answers},
        completed_on=timezone.localdate(),
        submission_token=new_submission_token(),
        **fields,
    )


def _compare(study, query) -> None:
    instrument = study.instrument.instrument
    earlier = read_at_once(query, instrument)
    chunked = responseread.read_clean(query, instrument)
    pd.testing.assert_frame_equal(chunked[0], earlier[0])  # values, order and dtypes
    assert chunked[1:] == earlier[1:]


def test_a_chunked_read_equals_the_earlier_read_at_once(demo, monkeypatch):
    # Beside the synthetic cohort: a number given as text, an integer, a text that looks like
    # a number, a response with only the site, and waves with a link.
    _respond(demo, {"discipline": 2, "years_qualified": "7", "profession_other": "12"})
    _respond(demo, {"discipline": 3.0, "contact_ever": 0}, wave="pre", link="L1")
    _respond(demo, {}, wave="post", link="L1")
    monkeypatch.setattr(responseread, "CHUNK", 97)  # many chunks, the last one short
    everything = responseframe._responses(demo)
    assert everything.count() > 5 * 97
    _compare(demo, everything)
    last = everything.order_by("-id").values_list("id", flat=True)
    _compare(demo, everything.filter(id__gt=last[5]))  # what extends a kept frame
    _compare(demo, everything.filter(id__gt=last[0]))  # nothing new


def test_a_problem_in_a_later_chunk_is_numbered_from_the_first_response(demo, monkeypatch):
    monkeypatch.setattr(responseread, "CHUNK", 50)
    query = responseframe._responses(demo)
    ids = list(query.order_by("id").values_list("id", flat=True))
    broken = Response.objects.get(id=ids[123])
    broken.answers = {**broken.answers, "discipline": 99}  # no such code
    broken.save()
    with pytest.raises(ResponsesError) as chunked:
        responseread.read_clean(query, demo.instrument.instrument)
    with pytest.raises(ResponsesError) as earlier:
        read_at_once(query, demo.instrument.instrument)
    assert [p.row for p in chunked.value.problems] == [124]
    assert chunked.value.problems == earlier.value.problems


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_on_postgresql_leaves_the_tables_analysed(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    study, _ = load_demo()

    def analysed() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s",
                [Response._meta.db_table],
            )
            return cursor.fetchone()[0] is not None

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_reset()")
    assert not analysed()
    monkeypatch.setattr(services, "ANALYSE_AFTER", 3)
    frame = responseframe.clean_responses(study).head(2)
    services.load_frame(study, frame.drop(columns=["site", "response_id"]))
    assert not analysed()  # two rows: left to autovacuum
    services.load_frame(study, responseframe.clean_responses(study).head(3).drop(
        columns=["site", "response_id"]))  # fmt: skip
    assert analysed()


def test_a_csv_export_written_in_chunks_is_the_file_written_at_once(demo, monkeypatch, tmp_path):
    from readiness.responses.write import write_responses_noted
    from readiness.web.surveys import exports

    _respond(demo, {"discipline": 2, "profession_other": "=1+1"}, wave="pre", link="L1")
    _respond(demo, {"discipline": 4}, wave="post", link="L1")
    monkeypatch.setattr(responseread, "CHUNK", 97)
    chunked = exports.write_export(demo, "csv", tmp_path / "chunked.csv")
    frame, data = exports.export_frame(demo)
    write_responses_noted(frame, demo.instrument.instrument, tmp_path / "at-once.csv")
    assert chunked.rows == len(frame) > 5 * 97
    assert chunked.other_versions == data.other_versions
    written = (tmp_path / "chunked.csv").read_bytes()
    assert written == (tmp_path / "at-once.csv").read_bytes()
    assert written.count(b"\n") == len(frame) + 1  # the header once


def test_a_csv_export_of_a_response_that_no_longer_fits_writes_nothing(demo, tmp_path):
    from readiness.web.surveys import exports

    broken = Response.objects.filter(session__site__study=demo).order_by("id")[3]
    broken.answers = {**broken.answers, "discipline": 99}
    broken.save()
    with pytest.raises(ResponsesError) as err:
        exports.write_export(demo, "csv", tmp_path / "out.csv")
    assert [p.row for p in err.value.problems] == [4]
    assert list(tmp_path.iterdir()) == []
