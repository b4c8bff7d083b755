"""A project's audit log is append-only, as the application's is: the model, its querysets and
the database itself (triggers, checked here with raw SQL on SQLite and PostgreSQL) refuse to
change or remove an entry."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from readiness.web.audit import guard
from readiness.web.interviews import models as m

pytestmark = pytest.mark.django_db

TABLE = m.AuditEntry._meta.db_table


def _entry(project) -> m.AuditEntry:
    return m.AuditEntry.objects.create(
        project=project, time="2026-01-01T00:00:00Z", action="pseudonymise", user="ilead"
    )


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET action = 'nothing-happened' WHERE id = %s",
        f"UPDATE {TABLE} SET details = '{{}}'",
        f"DELETE FROM {TABLE} WHERE id = %s",
        f"DELETE FROM {TABLE}",
    ],
)
def test_the_database_refuses_to_change_or_remove_interview_audit_entries(project, sql):
    assert TABLE == guard.INTERVIEWS_TABLE and guard.installed(connection, TABLE)
    entry = _entry(project)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk] if "%s" in sql else None)
    entry.refresh_from_db()
    assert entry.action == "pseudonymise"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_interview_audit_log(project):
    _entry(project)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLE}")


def test_the_model_refuses_to_change_or_remove_interview_audit_entries(project):
    entry = _entry(project)
    entry.action = "nothing-happened"
    with pytest.raises(m.AppendOnlyError):
        entry.save()
    with pytest.raises(m.AppendOnlyError):
        entry.delete()
    with pytest.raises(m.AppendOnlyError):
        m.AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(m.AppendOnlyError):
        m.AuditEntry.objects.filter(pk=entry.pk).delete()


def test_the_raw_delete_djangos_collector_calls_refuses_interview_audit_entries(project):
    """Django's deletion collector calls ``_raw_delete(using)``; it had the wrong signature (a
    TypeError, not the append-only refusal)."""
    entry = _entry(project)
    with pytest.raises(m.AppendOnlyError, match="append-only"):
        m.AuditEntry.objects.filter(pk=entry.pk)._raw_delete(using="default")
    with pytest.raises(m.AppendOnlyError, match="append-only"):
        m.AuditEntry.objects.filter(pk=entry.pk)._raw_delete("default")
    assert m.AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_an_interview_project_keeps_its_audit_log(project):
    entry = _entry(project)
    pk = project.pk
    project.delete()
    assert not m.InterviewProject.objects.filter(pk=pk).exists()
    assert m.AuditEntry.objects.filter(pk=entry.pk, project_id=pk).exists()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_interview_audit_log_and_puts_its_guard_back(people):
    from tests.web.interviews.builders import make_project

    _entry(make_project(people["lead"]))
    call_command("flush", interactive=False, verbosity=0)
    assert not m.AuditEntry.objects.exists()
    assert guard.installed(connection, TABLE) and guard.installed(connection)
