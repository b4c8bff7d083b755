"""Saved pages wait for the disk unless the operator chooses otherwise."""

from __future__ import annotations

import pytest
from django.db import connection

from readiness.web.commits import execute_relaxed, relaxed_commits_enabled


def test_relaxed_commits_are_off_by_default(monkeypatch, settings):
    monkeypatch.delenv("READINESS_RELAXED_COMMITS", raising=False)
    if hasattr(settings, "READINESS_RELAXED_COMMITS"):
        del settings.READINESS_RELAXED_COMMITS
    assert relaxed_commits_enabled() is False


def test_the_operator_can_turn_them_on(monkeypatch, settings):
    if hasattr(settings, "READINESS_RELAXED_COMMITS"):
        del settings.READINESS_RELAXED_COMMITS
    monkeypatch.setenv("READINESS_RELAXED_COMMITS", "1")
    assert relaxed_commits_enabled() is True
    settings.READINESS_RELAXED_COMMITS = False
    assert relaxed_commits_enabled() is False


@pytest.mark.django_db
def test_every_commit_waits_for_the_disk_by_default(monkeypatch, settings):
    monkeypatch.delenv("READINESS_RELAXED_COMMITS", raising=False)
    if hasattr(settings, "READINESS_RELAXED_COMMITS"):
        del settings.READINESS_RELAXED_COMMITS
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL: the WAL is synced at every commit
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    # and a statement run as relaxed runs as any other when the operator has not chosen it
    assert execute_relaxed("SELECT 1", [], fetch=True) == (1,)
