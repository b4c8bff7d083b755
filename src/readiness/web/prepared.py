"""Statements of a respondent's answer page, prepared once per database connection.

Django sends each statement's text with its values filled in, so PostgreSQL parses and plans
it again every time.  For the draft's lookup (five tables joined) planning cost PostgreSQL
about ten times as much as running it, 0.5 ms of CPU on every answer page
(benchmarks/RESULTS.md, "Web application under load").  :func:`cursor` gives, on PostgreSQL,
a cursor that sends the values apart from the text (server-side binding) and has each
statement prepared the first time a connection runs it: later runs on that connection skip
parsing and planning.  Connections are kept (``conn_max_age``), so a worker prepares each
statement once a minute or so.

A connection pooler in transaction mode (PgBouncer before 1.21, or without
``max_prepared_statements``) cannot carry prepared statements from one transaction to the
next: behind one, set ``READINESS_PREPARED_STATEMENTS=0`` (the statements are then sent as
Django sends any other).  SQLite keeps its own statement cache; there the cursor is Django's.
"""

from __future__ import annotations

import os
from functools import cache

from django.conf import settings
from django.db import connection

NEVER_BY_COUNT = 2**31 - 1


def enabled() -> bool:
    value = getattr(settings, "READINESS_PREPARED_STATEMENTS", None)
    if value is None:
        value = os.environ.get("READINESS_PREPARED_STATEMENTS", "1") != "0"
    return bool(value)


@cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Server-side binding, every statement prepared on its connection's first run."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def cursor():
    """A cursor for a hot statement (as ``connection.cursor()``, queries logged alike)."""
    if connection.vendor != "postgresql" or not enabled():
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # Django turns preparing off (None); on again, but only when asked (prepare=True):
        # Django's own cursors bind on the client side and never prepare anything.
        connection.connection.prepare_threshold = NEVER_BY_COUNT
    raw = _preparing_cursor_class()(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)
