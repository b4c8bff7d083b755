"""Saved pages wait for the disk unless the operator chooses otherwise."""

from __future__ import annotations

from readiness.web.commits import relaxed_commits_enabled


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
