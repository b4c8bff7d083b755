"""Database triggers that refuse to change or remove audit entries.

PostgreSQL: a trigger function raises on ``UPDATE`` and ``DELETE`` of any row, and on
``TRUNCATE`` of the table.  SQLite: two triggers ``RAISE(ABORT)`` on ``UPDATE`` and
``DELETE``.  Other databases get no trigger (the model still refuses).

Only ``flush`` (which empties every table of the database, as the test suite does between
tests that commit) lifts the guard for its own duration: the app overrides the command
(``management/commands/flush.py``).  A database owner can always drop a trigger; the guard
stops the application, scripts and mistakes, not the owner.  For that, run the application as
a database role that is not the owner of its tables (docs/web.md).

Note for later migrations: SQLite alters a table by copying it into a new one, which drops its
triggers; a migration that alters ``audit_event`` must call :func:`install` again.
"""

from __future__ import annotations

from contextlib import contextmanager

TABLE = "audit_event"
MESSAGE = "the audit log is append-only"

POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION readiness_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused on %', TG_OP, TG_TABLE_NAME;
    END
    $$
    """,
    f"""
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION readiness_audit_append_only()
    """,
    f"""
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION readiness_audit_append_only()
    """,
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE}",
]
SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


def _statements(connection, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_REMOVE
    if connection.vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=True):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=False):
            cursor.execute(sql)


def installed(connection) -> bool:
    """Whether the guard's triggers are in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
            return cursor.fetchone()[0] == 2
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            return cursor.fetchone()[0] == 2
    return False


@contextmanager
def lifted(connection):
    """The guard taken off for the duration (``flush`` only), and put back after."""
    present = TABLE in connection.introspection.table_names()
    if present:
        remove(connection)
    try:
        yield
    finally:
        if present:
            install(connection)
