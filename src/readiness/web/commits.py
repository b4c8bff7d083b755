"""Writes whose commit need not wait for the disk.

PostgreSQL makes a commit durable by flushing its write-ahead log to disk before it answers
(``synchronous_commit = on``): a disk write per commit, which under load caps a server's
answer pages.  Two kinds of write do not need it:

* a rate-limit counter (:mod:`readiness.web.security.ratelimit`), which only counts;
* a respondent's page saved as they go (a draft, :func:`readiness.web.surveys.services.
  save_page`).  Losing it would take a crash of the database server itself (not of an
  application worker) in the fraction of a second before the log reaches the disk, and the
  respondent would then answer that page again.

:func:`execute_relaxed` runs such a statement with ``synchronous_commit = off``: still atomic,
in order and never corrupt, and on disk a moment later (``wal_writer_delay``, 200 ms by
default).  It sends ``SET LOCAL synchronous_commit TO OFF; <statement>`` as one message, which
PostgreSQL runs as one transaction: one round trip, where ``BEGIN``, ``SET LOCAL``, the
statement and ``COMMIT`` would take four.  A submitted response is never written this way: its
commit waits for the disk, so a submission that was acknowledged is kept.

On SQLite (WAL, ``synchronous=FULL``: every commit waits for the disk) and inside a caller's
transaction (whose commit decides), the statement simply runs, durably.

Relaxed commits of saved pages are OFF unless the operator turns them on with the environment
variable ``READINESS_RELAXED_COMMITS=1`` (or the Django setting of that name): by default every
saved page waits for the disk too, because Readiness promises that an answer the server
accepted is never lost, even if the database server itself crashes.  Turning them on trades
that last fraction of a second of saved pages (never a submitted response) for throughput under
load.

A rate-limit counter is always relaxed on PostgreSQL (:data:`RELAX_IN_STATEMENT`): it holds no
answer, and its commit waiting for the disk cost a disk write per answer page on top of the
page's own (benchmarks/RESULTS.md).  Nothing is lost by it in practice either: PostgreSQL
writes its log in order, so the page's own commit, which waits for the disk, takes the
counter's earlier record to the disk with it.  A crash of the database server itself could at
most forget the counts of the last fraction of a second.

A statement that is not relaxed runs on a cursor of :mod:`readiness.web.prepared` (prepared
once per connection on PostgreSQL).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection

from readiness.web import prepared

RELAX = "SET LOCAL synchronous_commit TO OFF; "


def relaxed_commits_enabled() -> bool:
    """Whether the operator chose relaxed commits for drafts and rate counters (default: no)."""
    value = getattr(settings, "READINESS_RELAXED_COMMITS", None)
    if value is None:
        value = os.environ.get("READINESS_RELAXED_COMMITS", "") == "1"
    return bool(value)


def can_relax() -> bool:
    """Whether a statement run now commits by itself on PostgreSQL (outside a caller's
    transaction, whose commit decides), so that its commit may be relaxed."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


# A FROM item that relaxes the commit of the statement that reads it (an INSERT ... SELECT or
# an UPDATE ... FROM): one statement, so that it can be prepared, where ``RELAX`` makes two.
# Only where :func:`can_relax`: in a caller's transaction it would relax the caller's commit.
RELAX_IN_STATEMENT = "(SELECT set_config('synchronous_commit', 'off', true)) AS relax"


def execute_relaxed(sql: str, params: list, *, fetch: bool = False):
    """Run one write statement; with ``fetch``, return its first row (``RETURNING``)."""
    if relaxed_commits_enabled() and can_relax():
        with connection.cursor() as cursor:
            cursor.execute(RELAX + sql, params)
            cursor.nextset()  # past the SET's empty result, to the statement's
            return cursor.fetchone() if fetch else None
    with prepared.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if fetch else None
