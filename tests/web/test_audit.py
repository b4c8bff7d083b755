"""The audit log: entries are added by sign-ins and by ``audit.record``; nobody can change or
remove one, neither through the model nor in the database."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError, connection, transaction

from readiness.web import audit
from readiness.web.audit import guard
from readiness.web.audit.models import AppendOnlyError, Event
from readiness.web.surveys import services

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_which_study_and_detail(study, django_user_model):
    lead = django_user_model.objects.get(username="lead")
    event = audit.record(lead, audit.EXPORT, study=study, detail={"format": "sav", "rows": 3})
    event = Event.objects.get(pk=event.pk)
    assert (event.user, event.username, event.action) == (lead, "lead", "export")
    assert (event.study, event.study_slug) == (study, study.slug)
    assert event.detail == {"format": "sav", "rows": 3}
    system = audit.record(None, audit.IMPORT, study=study)
    assert system.user is None and system.username == ""


def test_a_username_that_is_no_account_is_kept_as_typed(db):
    event = audit.record("nobody-here", audit.LOGIN_FAILED)
    assert event.user is None and event.username == "nobody-here"


@pytest.mark.parametrize("key", ["ip", "IP_address", "user-agent", "REMOTE_ADDR"])
def test_record_refuses_a_client_address_or_user_agent(db, key):
    with pytest.raises(ValueError, match="client address or user agent"):
        audit.record(None, audit.EDIT, detail={key: "203.0.113.9"})
    assert not Event.objects.exists()


def test_the_model_refuses_changes_and_removals(db):
    event = audit.record("someone", audit.LOGIN_FAILED)
    event.action = audit.LOGIN
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(action=audit.LOGIN)
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert Event.objects.get(pk=event.pk).action == audit.LOGIN_FAILED


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'login' WHERE id = %s",
        "UPDATE audit_event SET username = 'someone-else'",
        "DELETE FROM audit_event WHERE id = %s",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_refuses_changes_and_removals(db, sql):
    assert guard.installed(connection)
    event = audit.record("someone", audit.LOGIN_FAILED)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk] if "%s" in sql else None)
    assert Event.objects.get(pk=event.pk).username == "someone"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_truncate(db):
    audit.record("someone", audit.LOGIN_FAILED)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_event")
    assert Event.objects.count() == 1


def test_sign_in_success_failure_and_sign_out_are_recorded(client, study):
    assert (
        client.post(
            "/accounts/login/", {"username": "lead", "password": "wrong password"}
        ).status_code
        == 200
    )
    client.post("/accounts/login/", {"username": "no-such-person", "password": "x"})
    assert (
        client.post(
            "/accounts/login/", {"username": "lead", "password": "a-long-test-password"}
        ).status_code
        == 302
    )
    client.post("/accounts/logout/")
    rows = list(Event.objects.order_by("id").values_list("username", "action"))
    assert rows == [
        ("lead", "login_failed"),
        ("(unknown user)", "login_failed"),  # what was typed is not kept
        ("lead", "login"),
        ("lead", "logout"),
    ]
    failed = Event.objects.filter(action="login_failed").first()
    assert "password" not in str(failed.detail).replace("'reason': 'password'", "")


def test_deleting_an_account_keeps_its_entries(db, make_user):
    person = make_user("leaving")
    audit.record(person, audit.LOGIN)
    person.delete()
    event = Event.objects.get()
    assert event.username == "leaving" and event.user_id is not None


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_puts_the_guard_back():
    from django.core.management import call_command

    audit.record("someone", audit.LOGIN_FAILED)
    call_command("flush", interactive=False, verbosity=0)
    assert not Event.objects.exists()
    assert guard.installed(connection)


@pytest.mark.django_db(transaction=True)
def test_flush_also_forgets_what_was_kept_from_the_responses(study, session_a):
    from django.core.cache import caches
    from django.core.management import call_command

    from readiness.web.surveys import responseframe, services
    from readiness.web.surveys.models import Response

    Response.objects.create(
        session=session_a,
        instrument=study.instrument,
        answers={"site": "A", "discipline": 1},
        completed_on="2026-03-02",
        submission_token="kept-before-flush",
    )
    services.study_data(study)  # keeps the validated responses
    caches["results"].set("readiness:results:example", {"n": 1})
    key = responseframe._key(study)
    assert responseframe._get(key) is not None  # in files, or in the database (PostgreSQL)
    call_command("flush", interactive=False, verbosity=0)
    assert responseframe._get(key) is None
    assert caches["results"].get("readiness:results:example") is None


def _edits(study) -> list[dict]:
    return [e.detail for e in Event.objects.filter(study=study, action="edit").order_by("id")]


def test_edits_of_a_study_are_recorded(client, study, django_user_model, session_a):
    client.force_login(django_user_model.objects.get(username="lead"))
    base = f"/studies/{study.slug}"
    client.post(
        f"{base}/settings/",
        {"name": "Renamed", "instrument": study.instrument_id, "nation": "england"},
    )
    client.post(f"{base}/members/", {"username": "outsider", "role": "analyst"})
    client.post(f"{base}/sites/", {"code": "C", "name": "Site C"})
    site_c = study.sites.get(code="C")
    client.post(
        f"{base}/sites/{site_c.pk}/", {"date": "2026-04-01", "attended": "9", "is_open": "on"}
    )
    client.post(
        f"{base}/sessions/{session_a.pk}/",
        {"date": session_a.date.isoformat(), "attended": "25", "is_open": "on"},
    )
    outsider = study.memberships.get(user__username="outsider")
    client.post(f"{base}/members/{outsider.pk}/remove/")
    changes = _edits(study)
    assert [c["change"] for c in changes] == [
        "settings changed",
        "role given",
        "site added",
        "session added",
        "session changed",
        "person removed",
    ]
    assert changes[0]["fields"]["name"] == "Renamed"
    assert changes[1] == {
        "change": "role given",
        "person": "outsider",
        "role": "analyst",
        "sites": [],
    }
    assert changes[3]["attended"] == 9
    assert changes[4]["fields"] == {"attended": 25} and changes[4]["session"] == session_a.code
    assert set(Event.objects.filter(action="edit").values_list("username", flat=True)) == {"lead"}


def test_study_leads_read_their_study_log(client, study, django_user_model, make_user):
    audit.record("lead", audit.LOGIN)
    audit.record("outsider", audit.LOGIN)  # not in the study: not shown
    audit.record("analyst", audit.EXPORT, study=study, detail={"format": "sav", "rows": 12})
    other = services.create_study(name="Other study", lead=make_user("other-lead"))
    audit.record("other-lead", audit.IMPORT, study=other)
    client.force_login(django_user_model.objects.get(username="lead"))
    page = client.get(f"/studies/{study.slug}/audit/").content.decode()
    table = page[page.index('id="audit-log"') : page.index("</table>")]
    assert "Export" in table and "format: sav" in table and "rows: 12" in table
    assert "outsider" not in table and "other-lead" not in table and "Import" not in table
    assert table.count("Signed in") == 2  # the seeded entry and this force_login
    only = client.get(f"/studies/{study.slug}/audit/?action=export").content.decode()
    assert "Signed in" not in only[only.index('id="audit-log"') : only.index("</table>")]
    for role in ("analyst", "coordinator", "outsider"):
        client.force_login(django_user_model.objects.get(username=role))
        assert client.get(f"/studies/{study.slug}/audit/").status_code == 403


def test_the_log_pages_back_through_older_entries(client, study, django_user_model):
    from readiness.web.audit.views import PAGE

    for n in range(PAGE + 5):
        audit.record("lead", audit.EXPORT, study=study, detail={"n": n})
    client.force_login(django_user_model.objects.get(username="lead"))
    first = client.get(f"/studies/{study.slug}/audit/?action=export").content.decode()
    assert "n: 104" in first and not re.search(r"n: 4\s*<", first)
    older = re.search(r'href="\?(before=\d+&amp;action=export)"', first).group(1)
    second = client.get(f"/studies/{study.slug}/audit/?{older.replace('&amp;', '&')}")
    second = second.content.decode()
    assert re.search(r"n: 4\s*<", second) and "Older entries" not in second


def _entry_at(study, when: str, n: int):
    """An entry made at a London wall-clock time (the log's time zone)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo("Europe/London"))
    return Event.objects.create(
        **{**Event.fields_for("lead", audit.EXPORT, study, {"n": n}), "at": at}
    )


def test_times_show_their_time_zone(client, study, django_user_model):
    _entry_at(study, "2026-01-15 14:03:00", 1)  # winter: GMT
    _entry_at(study, "2026-07-15 14:03:00", 2)  # summer: BST, the same wall-clock time
    client.force_login(django_user_model.objects.get(username="lead"))
    page = client.get(f"/studies/{study.slug}/audit/?action=export").content.decode()
    assert "2026-01-15 14:03:00 GMT" in page and "2026-07-15 14:03:00 BST" in page


def test_the_log_filters_by_date_and_exports_what_it_shows(client, study, django_user_model):
    import csv
    import io

    _entry_at(study, "2026-03-01 00:30:00", 1)  # the 1st in London (still GMT)
    _entry_at(study, "2026-06-30 23:30:00", 2)  # the day before the filter, late evening
    _entry_at(study, "2026-07-01 00:30:00", 3)  # 23:30 on 30 June in UTC: 1 July in London
    _entry_at(study, "2026-08-01 12:00:00", 4)
    client.force_login(django_user_model.objects.get(username="lead"))
    url = f"/studies/{study.slug}/audit/"
    page = client.get(url, {"action": "export", "from": "2026-07-01", "to": "2026-07-31"})
    table = page.content.decode()
    table = table[table.index('id="audit-log"') : table.index("</table>")]
    assert "n: 3" in table and "n: 2" not in table and "n: 4" not in table
    assert "n: 1" not in table
    html = page.content.decode()
    assert 'value="2026-07-01"' in html and 'value="2026-07-31"' in html
    link = re.search(r'href="([^"]*audit\.csv[^"]*)" id="audit-csv"', html).group(1)
    assert "from=2026-07-01" in link and "to=2026-07-31" in link
    # The CSV holds the filtered entries, all of them, with their zone.
    download = client.get(link.replace("&amp;", "&"))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["when", "who", "what", "action", "detail"]
    assert [r[4] for r in rows[1:]] == ["n: 3"] and rows[1][0] == "2026-07-01 00:30:00 BST"
    # From the 1st of March on: three entries; the download itself is recorded.
    since = client.get(f"{url}audit.csv", {"from": "2026-03-01", "action": "export"})
    details = [r[4] for r in csv.reader(io.StringIO(since.content.decode()))][1:]
    assert details[-4:] == ["n: 4", "n: 3", "n: 2", "n: 1"]
    assert Event.objects.filter(action="export", detail__what="audit log").count() == 2
    # A date that is not one is refused, with a message pointing at its field.
    bad = client.get(url, {"from": "1 July"}).content.decode()
    assert "From must be a date" in bad and 'href="#from"' in bad
    assert client.get(f"{url}audit.csv", {"to": "soon"}).status_code == 400


def test_the_admin_shows_the_log_read_only(client, study, django_user_model):
    event = audit.record("lead", audit.EXPORT, study=study)
    client.force_login(django_user_model.objects.get(username="admin"))
    assert client.get("/admin/audit/event/").status_code == 200
    change = client.get(f"/admin/audit/event/{event.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get("/admin/audit/event/add/").status_code == 403
    assert client.get(f"/admin/audit/event/{event.pk}/delete/").status_code == 403
    assert client.post(f"/admin/audit/event/{event.pk}/change/", {"action": "x"}).status_code == 403


def test_changes_in_the_admin_are_recorded(client, study, django_user_model, session_a):
    client.force_login(django_user_model.objects.get(username="admin"))
    response = client.post(
        "/admin/surveys/session/",
        {"action": "delete_selected", "_selected_action": [session_a.pk], "post": "yes"},
    )
    assert response.status_code == 302
    entry = Event.objects.filter(action="edit").get()
    assert entry.study == study and entry.detail["change"] == "deleted"
    assert entry.detail["object"] == "surveys.session" and entry.username == "admin"
