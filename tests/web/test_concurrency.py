"""Submission exactly once when two requests race (a double press, a repeated request).

Several threads, each with its own database connection, submit the same draft with the same
token at once: one response is made, every thread gets that response, the draft is gone.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from readiness.web.surveys import services
from readiness.web.surveys.models import Draft, Response


@pytest.mark.django_db(transaction=True)
def test_racing_submissions_make_one_response(study):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        # An in-memory SQLite test database is one connection shared by threads; the race is
        # real on PostgreSQL and on SQLite files (WAL, IMMEDIATE transactions).
        pytest.skip("needs a database that threads connect to separately")
    session = study.sites.get(code="A").sessions.get()
    draft, code = services.start_draft(session)
    draft.answers.update({"discipline": 1})
    draft.seen = [s.id for s in draft.instrument.instrument.sections]
    draft.save()
    token = draft.submission_token
    barrier = threading.Barrier(4)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(services.submit(code, token))
        except Exception as err:  # noqa: BLE001 - collected and reported below
            errors.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Response.objects.count() == 1
    assert sum(created for _, created in results) == 1
    assert {r.pk for r, _ in results} == {Response.objects.get().pk}
    assert not Draft.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_response_with_the_same_token(study):
    from django.db import IntegrityError, transaction

    session = study.sites.get(code="A").sessions.get()
    fields = {
        "session": session,
        "instrument": study.instrument,
        "answers": {},
        "completed_on": "2026-03-02",
        "submission_token": "same-token",
    }
    Response.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(**fields)
