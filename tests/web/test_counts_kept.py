"""The dashboard's responses per session: counted once per change, not on every view."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness.web.surveys import services
from tests.web.helpers import answer_all, post_page, start


def _respond(client, session) -> None:
    code = start(client, session)
    token = answer_all(client, code)
    assert post_page(client, "check", {"submission_token": token}).status_code == 302


def _counting(queries) -> list[str]:
    return [q["sql"] for q in queries if "GROUP BY" in q["sql"] and "COUNT(" in q["sql"]]


def test_counts_are_kept_until_a_response_arrives(client, study, session_a, session_b):
    _respond(client, session_a)
    with CaptureQueriesContext(connection) as first:
        before = services.counts(study)
    assert _counting(first.captured_queries)  # nothing kept yet: counted
    with CaptureQueriesContext(connection) as again:
        assert services.counts(study) == before
    assert not _counting(again.captured_queries)  # kept: not counted again
    _respond(client, session_b)
    after = services.counts(study)
    assert after["responded"] == before["responded"] + 1
    by_session = {s["session"].id: s["responded"] for e in after["sites"] for s in e["sessions"]}
    assert by_session[session_a.id] == 1 and by_session[session_b.id] == 1


def test_a_new_session_is_counted_at_once(client, study, session_a):
    _respond(client, session_a)
    before = services.counts(study)
    extra = services.add_session(session_a.site, session_a.date, attended=4)
    after = services.counts(study)
    sessions = {s["session"].id: s for e in after["sites"] for s in e["sessions"]}
    assert sessions[extra.id]["responded"] == 0 and after["attended"] == before["attended"] + 4
