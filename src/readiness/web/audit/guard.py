"""Database triggers that refuse to change or remove audit entries.

They guard the application's audit log (``audit_event``) and each interview project's own log
(``interviews_auditentry``); every function takes the table, the application's by default.
PostgreSQL: a trigger function raises on ``UPDATE`` and ``DELETE`` of any row, and on
``TRUNCATE`` of the table.  SQLite: two triggers ``RAISE(ABORT)`` on ``UPDATE`` and
``DELETE``.  Other databases get no trigger (the model still refuses).

Only ``flush`` (which empties every table of the database, as the test suite does between
tests that commit) lifts the guard for its own duration: the app overrides the command
(``management/commands/flush.py``).  A database owner can always drop a trigger; the guard
stops the application, scripts and mistakes, not the owner.  For that, run the application as
a database role that is not the owner of its tables (docs/web.md).

Note for later migrations: SQLite alters a table by copying it into a new one, which drops its
triggers; a migration that alters a guarded table must call :func:`install` again.
"""

from __future__ import annotations

from contextlib import contextmanager

TABLE = "audit_event"
INTERVIEWS_TABLE = "interviews_auditentry"  # each interview project's own log
TABLES = (TABLE, INTERVIEWS_TABLE)
MESSAGE = "the audit log is append-only"

POSTGRESQL_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION readiness_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused on %', TG_OP, TG_TABLE_NAME;
    END
    $$
    """


def _postgresql_install(table: str) -> list[str]:
    return [
        POSTGRESQL_FUNCTION,
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION readiness_audit_append_only()
        """,
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION readiness_audit_append_only()
        """,
    ]


def _postgresql_remove(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    ]


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END
        """,
    ]


def _sqlite_remove(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
    ]


def _statements(connection, install: bool, table: str) -> list[str]:
    if connection.vendor == "postgresql":
        return _postgresql_install(table) if install else _postgresql_remove(table)
    if connection.vendor == "sqlite":
        return _sqlite_install(table) if install else _sqlite_remove(table)
    return []


def install(connection, table: str = TABLE) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, True, table):
            cursor.execute(sql)


def remove(connection, table: str = TABLE) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, False, table):
            cursor.execute(sql)


def installed(connection, table: str = TABLE) -> bool:
    """Whether the guard's triggers are on ``table``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            return cursor.fetchone()[0] == 2
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
            return cursor.fetchone()[0] == 2
    return False


@contextmanager
def lifted(connection):
    """The guard taken off every guarded table for the duration (``flush`` only), and put
    back after."""
    present = [t for t in TABLES if t in connection.introspection.table_names()]
    for table in present:
        remove(connection, table)
    try:
        yield
    finally:
        for table in present:
            install(connection, table)
