"""The results stamp (services.results_key): read once per dashboard view, from the responses
of the study's sessions (an index on (session, id) lets PostgreSQL count them from the index
alone: issue 18), and still changed by every added response, revision and session."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.web.surveys import services, stamp
from readiness.web.surveys.models import Response, Study
from tests.web.helpers import answer_all, post_page, start


def _respond(client, session) -> None:
    code = start(client, session)
    token = answer_all(client, code)
    assert post_page(client, "check", {"submission_token": token}).status_code == 302


def _stamp_reads(queries) -> list[str]:
    """The queries that count a study's responses and find the last one's id."""
    table = Response._meta.db_table
    return [
        q["sql"]
        for q in queries
        if f'FROM "{table}"' in q["sql"] and "COUNT(" in q["sql"] and "MAX(" in q["sql"]
    ]


def test_a_dashboard_view_reads_the_stamp_once(client, study, session_a):
    _respond(client, session_a)
    client.force_login(study.memberships.get(role="lead").user)
    url = reverse("surveys:dashboard", args=[study.slug])
    assert client.get(url).status_code == 200  # the first view computes and keeps
    with CaptureQueriesContext(connection) as view:
        assert client.get(url).status_code == 200
    assert len(_stamp_reads(view.captured_queries)) == 1
    # outside a view every stamp reads the database: nothing stale in the worker
    with CaptureQueriesContext(connection) as twice:
        services.results_key(study, None)
        services.results_key(study, None)
    assert len(_stamp_reads(twice.captured_queries)) == 2


def test_the_stamp_reads_the_study_sessions_responses(client, study, session_a, session_b):
    _respond(client, session_a)
    with CaptureQueriesContext(connection) as read:
        n, last = stamp.responses(study)
    (sql,) = _stamp_reads(read.captured_queries)
    assert "session_id\" IN (SELECT" in sql  # the index's first column, not a join
    assert (n, last) == (1, Response.objects.get().pk)


def test_the_stamp_changes_with_responses_revisions_and_sessions(client, study, session_a):
    before = services.results_key(study, None)
    _respond(client, session_a)
    added = services.results_key(study, None)
    assert added != before
    Study.objects.filter(pk=study.pk).update(data_revision=study.data_revision + 1)
    study.refresh_from_db()
    revised = services.results_key(study, None)
    assert revised != added
    services.add_session(session_a.site, session_a.date, attended=3)
    assert services.results_key(study, None) != revised


def test_within_a_view_each_study_keeps_its_own_figures(client, study, session_a, make_user):
    other = services.create_study(name="Other", lead=make_user("other-lead"))
    site = services.add_site(other, "X", "Site X")
    services.add_session(site, session_a.date, attended=5)
    _respond(client, session_a)
    with stamp.once():
        assert stamp.responses(study)[0] == 1
        assert stamp.responses(other) == (0, None)
        assert stamp.responses(study)[0] == 1
