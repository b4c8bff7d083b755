"""The answer page's own path: the draft found in one statement, the counter's commit, the
middleware a respondent's page goes through (issue 19, benchmarks/bench_web.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from readiness.web.surveys import draftlookup, services
from readiness.web.surveys.models import Draft, code_digest, new_resume_code
from tests.web.helpers import PAGE_ANSWERS, post_page, start

pytestmark = pytest.mark.django_db


def _orm(code: str) -> Draft:
    return (
        Draft.objects.select_related("session__site__study", "instrument")
        .defer("instrument__yaml")
        .get(code_digest=code_digest(code))
    )


def _values(obj) -> dict:
    return {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname != "yaml"
    }


def test_the_draft_and_what_its_page_needs_come_in_one_statement(client, session_a):
    code = start(client, session_a)
    Draft.objects.filter(code_digest=code_digest(code)).update(
        answers={"site": "T01", "Ünïcode": "Zoë 👩‍⚕️", "n": 3, "list": [1, "2"]},
        seen=["about", "training"],
        sgic={"birth_day": "ab" * 32},
        updated_on=date(2031, 12, 31),
    )
    with CaptureQueriesContext(connection) as queries:
        found = services.find_draft(code)
        session, site, study = found.session, found.session.site, found.session.site.study
        version = found.instrument
    assert len(queries) == 1
    expected = _orm(code)
    assert _values(found) == _values(expected)
    assert found.answers["Ünïcode"] == "Zoë 👩‍⚕️" and found.updated_on == date(2031, 12, 31)
    assert _values(session) == _values(expected.session)
    assert _values(site) == _values(expected.session.site)
    assert _values(study) == _values(expected.session.site.study)
    assert study.is_open is True and isinstance(study.is_open, bool)
    assert _values(version) == _values(expected.instrument)
    # the instrument's text is not read, but is there when asked for
    assert "yaml" in version.get_deferred_fields()
    assert version.instrument.item_ids == expected.instrument.instrument.item_ids
    text = expected.instrument.yaml
    with CaptureQueriesContext(connection) as queries:
        assert version.yaml == text
    assert len(queries) == 1


def test_an_unknown_or_lower_case_code_finds_nothing_or_the_same_draft(client, session_a):
    code = start(client, session_a)
    assert services.find_draft(new_resume_code()) is None
    assert services.find_draft(code.lower()).pk == services.find_draft(code).pk


def test_a_found_draft_saves_as_one_found_by_the_orm(client, session_a):
    code = start(client, session_a)
    draft = services.find_draft(code)
    services.save_page(draft, "about", {**draft.answers, "discipline": 2})
    draft.refresh_from_db()
    assert draft.answers["discipline"] == 2 and draft.seen == ["about"]
    page = post_page(client, 2, PAGE_ANSWERS["training"])
    assert page.status_code == 302


def test_the_statement_is_made_once_per_kind_of_database(client, session_a):
    start(client, session_a)
    first = draftlookup.plan()
    assert draftlookup.plan() is first
    assert first.sql.count("JOIN") == 4 and "yaml" not in first.sql


def test_respondent_pages_skip_the_staff_middleware_and_keep_the_protections(
    client, session_a, make_user
):
    start(client, session_a)
    page = post_page(client, 1, PAGE_ANSWERS["about"])
    assert page.status_code == 302
    assert not hasattr(page.wsgi_request, "user") and not hasattr(page.wsgi_request, "session")
    assert "sessionid" not in page.cookies
    for name, value in (
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ):
        assert page[name] == value
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert "no-store" in page["Cache-Control"]
    # a staff page still has its session and account
    staff = client.get("/studies/")
    assert hasattr(staff.wsgi_request, "user") and hasattr(staff.wsgi_request, "session")


@pytest.mark.parametrize(
    "path", ["/s/", "/f/", "/answer/", "/answer/1/", "/r/AB/", "/resume/", "/thanks/x/"]
)
def test_respondent_paths_are_the_respondents_urls(path):
    from readiness.web.paths import is_respondent_path

    assert is_respondent_path(path)
    assert not is_respondent_path("/studies/" + path.strip("/"))


def test_staff_middleware_refuses_one_with_view_hooks(settings):
    from django.core.exceptions import ImproperlyConfigured

    from readiness.web.paths import StaffMiddleware

    settings.STAFF_MIDDLEWARE = [
        *settings.STAFF_MIDDLEWARE,
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
    with pytest.raises(ImproperlyConfigured, match="CsrfViewMiddleware.*process_view"):
        StaffMiddleware(lambda request: None)


def test_the_admins_middleware_run_in_order_for_staff_pages(settings):
    staff = settings.STAFF_MIDDLEWARE
    session, auth, messages = (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    )
    assert staff.index(session) < staff.index(auth) < staff.index(messages)
    assert settings.MIDDLEWARE[-1] == "readiness.web.paths.StaffMiddleware"
    assert set(settings.SILENCED_SYSTEM_CHECKS) == {"admin.E408", "admin.E409", "admin.E410"}


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request runs
def test_the_counter_never_waits_for_the_disk_and_the_answer_always_does(
    client, session_a, monkeypatch, settings
):
    from readiness.web.commits import RELAX, RELAX_IN_STATEMENT

    monkeypatch.delenv("READINESS_RELAXED_COMMITS", raising=False)
    if hasattr(settings, "READINESS_RELAXED_COMMITS"):
        del settings.READINESS_RELAXED_COMMITS
    code = start(client, session_a)
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        assert post_page(client, 1, PAGE_ANSWERS["about"]).status_code == 302
    counted = [sql for sql in sent if "ON CONFLICT" in sql]
    saved = [sql for sql in sent if sql.lstrip().upper().startswith("UPDATE")]
    assert len(counted) == 1 and len(saved) == 1
    assert (RELAX_IN_STATEMENT in counted[0]) == (connection.vendor == "postgresql")
    assert RELAX not in saved[0] and "set_config" not in saved[0]  # the answers wait
    # the counter's FROM item relaxes its own transaction's commit, and only that one
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {RELAX_IN_STATEMENT}")
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "off"
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    assert Draft.objects.get(code_digest=code_digest(code)).answers["discipline"] == 2


def test_the_hot_statements_are_prepared_once_per_connection_on_postgresql(
    client, session_a, monkeypatch
):
    monkeypatch.delenv("READINESS_PREPARED_STATEMENTS", raising=False)
    start(client, session_a)
    for number in (1, 2):
        page = PAGE_ANSWERS["about"] if number == 1 else PAGE_ANSWERS["training"]
        assert post_page(client, number, page).status_code == 302
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith("SELECT d.") and "JOIN" in s for s in statements)
    assert any(s.startswith('INSERT INTO "security_ratecounter"') for s in statements)
    assert any(s.startswith('UPDATE "surveys_draft"') for s in statements)


def test_an_operator_behind_a_pooler_can_turn_preparing_off(client, session_a, monkeypatch):
    from readiness.web import prepared

    monkeypatch.setenv("READINESS_PREPARED_STATEMENTS", "0")
    assert prepared.enabled() is False
    start(client, session_a)
    assert post_page(client, 1, PAGE_ANSWERS["about"]).status_code == 302
    with prepared.cursor() as cursor:
        assert type(cursor.cursor).__name__ != "PreparingCursor"
