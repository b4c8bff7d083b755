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
    assert 'session_id" IN (SELECT' in sql  # the index's first column, not a join
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


def _full_counts(queries) -> list[str]:
    """The queries that count every baseline response by session (no id range)."""
    return [
        q["sql"]
        for q in queries
        if "GROUP BY" in q["sql"] and "COUNT(" in q["sql"] and '"id" >' not in q["sql"]
    ]


def _by_session(study) -> dict[int, int]:
    counts = services.counts(study)
    return {s["session"].id: s["responded"] for e in counts["sites"] for s in e["sessions"]}


def test_added_responses_alone_are_counted(client, study, session_a, session_b):
    _respond(client, session_a)
    services.counts(study)  # kept
    _respond(client, session_b)
    _respond(client, session_b)
    with CaptureQueriesContext(connection) as view:
        found = _by_session(study)
    assert found == {session_a.id: 1, session_b.id: 2}
    assert not _full_counts(view.captured_queries)  # only the two new ones were counted


def test_a_removed_response_counts_everything_again(client, study, session_a, session_b):
    _respond(client, session_a)
    _respond(client, session_a)
    services.counts(study)  # kept: 2 in session A
    # removed without a new revision (as the admin site can), then one more added: the kept
    # number plus the new one is not the number now, so everything is counted again
    Response.objects.filter(pk=Response.objects.order_by("id").first().pk).delete()
    _respond(client, session_b)
    with CaptureQueriesContext(connection) as view:
        found = _by_session(study)
    assert found == {session_a.id: 1, session_b.id: 1}
    assert _full_counts(view.captured_queries)


def test_computing_the_results_keeps_the_counts_too(client, study, session_a):
    from readiness.web.accounts.permissions import ADMIN, Access
    from readiness.web.surveys import dashboard

    _respond(client, session_a)
    dashboard.results(study, Access(None, study, ADMIN, None))  # as the background refresh
    with CaptureQueriesContext(connection) as view:
        services.counts(study)
    assert not _full_counts(view.captured_queries)
