"""Stored responses read the faster way (rows turned into columns once, dates written once
each) give the frame and the problems the earlier chunk reading gave, on random stored answers,
valid or not (a problem names the same row and column)."""

from __future__ import annotations

import json
from datetime import date

import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.errors import ResponsesError
from readiness.instrument import shipped_instrument
from readiness.responses.validate import validate_frame
from readiness.web.surveys import responseframe, responseread
from readiness.web.surveys.models import Response

INSTRUMENT = shipped_instrument()
ITEMS = [item.id for item in INSTRUMENT.data_items]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def earlier_clean_chunk(rows, items, instrument):
    """responseread._clean_chunk as it was: a list per column, inserted, then all as objects."""
    table = pd.DataFrame([orjson.loads(r[1]) for r in rows], columns=items, dtype=object)
    table.insert(0, "response_id", [str(r[0]) for r in rows])
    table.insert(1, "session", [r[4] for r in rows])
    table.insert(2, "completed_on", [r[2].isoformat() for r in rows])
    table.insert(3, "synthetic", [1 if r[3] else 0 for r in rows])
    table.insert(4, "wave", [r[7] for r in rows])
    table.insert(5, "link", [r[8] for r in rows])
    table.insert(6, "source", [r[10] or r[9] for r in rows])
    clean, problems, _warnings = validate_frame(table.astype(object), instrument)
    if not problems:
        clean["site"] = [r[5] for r in rows]
    return clean, problems


# Stored answers: mostly valid codes, with text, numbers as text, floats, flags, nulls and
# values no item takes; keys missing, or not items at all.
VALUE = st.one_of(
    st.integers(0, 9),
    st.sampled_from(["1", " 2 ", "1 3", "2019-03", "", "  ", "x", "7", "2.0", "1e400"]),
    st.sampled_from([1.0, 2.5, -0.0, 8.0, True, False, None, 2**60]),
    # PostgreSQL's jsonb holds no NUL character
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=5),
)
ANSWERS = st.dictionaries(st.sampled_from([*ITEMS[:12], "not_an_item"]), VALUE, max_size=10)
VALID = st.fixed_dictionaries({}, optional={"discipline": st.integers(1, 3), "site": st.just("A")})


@st.composite
def stored_rows(draw, answers=ANSWERS):
    n = draw(st.integers(0, 25))
    rows = []
    for i in range(n):
        origin = draw(st.sampled_from(["", "paper"]))
        rows.append(
            (
                10 + 3 * i,
                json.dumps(draw(answers)),
                date(2026, draw(st.integers(1, 3)), draw(st.integers(1, 28))),
                draw(st.booleans()),
                draw(st.sampled_from(["S1", "S2", " S3 "])),
                draw(st.sampled_from(["A", "B"])),
                f"token-{i}",
                draw(st.sampled_from(["", "pre", "post"])),
                draw(st.sampled_from(["", "L1", "L2"])),
                draw(st.sampled_from(["web", "import"])),
                origin,
                1,
            )
        )
    return rows


def _same(rows):
    clean, problems = responseread._clean_chunk(rows, ITEMS, INSTRUMENT)
    earlier, earlier_problems = earlier_clean_chunk(rows, ITEMS, INSTRUMENT)
    assert problems == earlier_problems
    pd.testing.assert_frame_equal(clean, earlier, check_exact=True)  # values and dtypes
    return problems


@SETTINGS
@given(rows=stored_rows())
def test_a_chunk_read_equals_the_earlier_chunk_reading(rows):
    _same(rows)


@SETTINGS
@given(rows=stored_rows(VALID))
def test_a_chunk_of_valid_answers_reads_as_before(rows):
    assert _same(rows) == []


def test_an_invalid_stored_value_names_its_row_and_column():
    rows = [
        (1, '{"discipline": 2}', date(2026, 1, 5), True, "S1", "A", "t1", "", "", "web", "", 1),
        (2, '{"discipline": 99}', date(2026, 1, 5), True, "S1", "A", "t2", "", "", "web", "", 1),
    ]
    problems = _same(rows)
    assert [(p.row, p.column) for p in problems] == [(2, "discipline")]


@pytest.fixture
def session(study):
    return study.sites.order_by("code").first().sessions.first()


@SETTINGS
@given(answers=st.lists(ANSWERS, max_size=12), chunk=st.integers(1, 5))
def test_stored_responses_read_as_the_earlier_reading_did(study, session, answers, chunk):
    Response.objects.filter(session__site__study=study).delete()
    Response.objects.bulk_create(
        Response(
            session=session,
            instrument=study.instrument,
            answers=given,
            completed_on=date(2026, 3, 2),
            submission_token=f"token-{i}",
        )
        for i, given in enumerate(answers)
    )
    query = responseframe._responses(study)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(responseread, "CHUNK", chunk)
        new = _read(query)
        patch.setattr(responseread, "_clean_chunk", earlier_clean_chunk)
        earlier = _read(query)
    if isinstance(earlier, ResponsesError):
        assert isinstance(new, ResponsesError)
        assert new.problems == earlier.problems
    else:
        pd.testing.assert_frame_equal(new[0], earlier[0], check_exact=True)
        assert new[1:] == earlier[1:]


def _read(query):
    try:
        return responseread.read_clean(query, INSTRUMENT)
    except ResponsesError as error:
        return error


@SETTINGS
@given(
    n=st.integers(0, 40),
    chunk=st.integers(1, 12),
    fetch=st.integers(1, 9),
    pauses=st.lists(st.booleans(), max_size=8),
)
def test_the_prefetched_chunks_hold_every_row_once_in_order(n, chunk, fetch, pauses):
    import time

    def rows():
        for i in range(n):
            if pauses and pauses[i % len(pauses)]:
                time.sleep(0.0005)  # the database slower now and then
            yield (i,)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(responseread, "CHUNK", chunk)
        patch.setattr(responseread, "FETCH", fetch)
        chunks = list(responseread._prefetched(rows()))
    assert [row for c in chunks for row in c] == [(i,) for i in range(n)]
    assert all(0 < len(c) <= chunk for c in chunks)
    if n:
        assert len(chunks[0]) >= min(fetch, chunk, n)  # the first rows, and any come meanwhile


def _read_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name == "readiness-read"]


def test_a_read_left_early_stops_its_thread(monkeypatch):
    monkeypatch.setattr(responseread, "CHUNK", 2)
    monkeypatch.setattr(responseread, "FETCH", 2)
    chunks = responseread._prefetched(iter([(i,) for i in range(1000)]))
    assert next(chunks) == [(0,), (1,)]
    assert next(chunks)
    chunks.close()
    assert _read_threads() == []


def test_an_error_while_fetching_is_raised_where_the_chunks_are_read(monkeypatch):
    monkeypatch.setattr(responseread, "CHUNK", 4)
    monkeypatch.setattr(responseread, "FETCH", 2)

    def rows():
        yield from [(1,), (2,), (3,)]
        raise RuntimeError("the connection was lost")

    with pytest.raises(RuntimeError, match="connection was lost"):
        list(responseread._prefetched(rows()))
    assert _read_threads() == []


def test_a_read_in_small_fetches_equals_one_in_whole_chunks(study, session, monkeypatch):
    Response.objects.bulk_create(
        Response(
            session=session,
            instrument=study.instrument,
            answers={"site": "A", "discipline": 1 + i % 3, "years_qualified": i % 30},
            completed_on=date(2026, 3, 1 + i % 20),
            submission_token=f"token-{i}",
        )
        for i in range(230)
    )
    query = responseframe._responses(study)
    whole = responseread.read_clean(query, INSTRUMENT)
    monkeypatch.setattr(responseread, "CHUNK", 40)
    monkeypatch.setattr(responseread, "FETCH", 7)
    small = responseread.read_clean(query, INSTRUMENT)
    pd.testing.assert_frame_equal(small[0], whole[0], check_exact=True)
    assert small[1:] == whole[1:] and whole[1] == 230


@pytest.mark.django_db(transaction=True)
def test_a_read_outside_a_transaction_streams_inside_one(monkeypatch):
    """Outside a transaction Django's server-side cursor is WITH HOLD, which PostgreSQL runs
    to the end before it sends a row: the read begins one of its own."""
    from django.db import connection

    from readiness.web.surveys.demo import load_demo

    study, _ = load_demo()
    inside = []
    chunk = responseread._clean_chunk

    def noted(rows, items, instrument):
        inside.append(connection.in_atomic_block)
        return chunk(rows, items, instrument)

    monkeypatch.setattr(responseread, "_clean_chunk", noted)
    assert not connection.in_atomic_block
    clean, n, _last, _token = responseread.read_clean(
        responseframe._responses(study), study.instrument.instrument
    )
    assert n == len(clean) > 0 and inside and all(inside)
    assert not connection.in_atomic_block


def test_a_read_that_fails_midway_stops_its_thread(demo_study, monkeypatch):
    monkeypatch.setattr(responseread, "CHUNK", 20)
    monkeypatch.setattr(responseread, "FETCH", 5)
    calls = []
    chunk = responseread._clean_chunk

    def failing(rows, items, instrument):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("a chunk that cannot be read")
        return chunk(rows, items, instrument)

    monkeypatch.setattr(responseread, "_clean_chunk", failing)
    with pytest.raises(RuntimeError, match="cannot be read"):
        responseread.read_clean(
            responseframe._responses(demo_study), demo_study.instrument.instrument
        )
    assert _read_threads() == []


@pytest.fixture
def demo_study(db):
    from readiness.web.surveys.demo import load_demo

    return load_demo()[0]
