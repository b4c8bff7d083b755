"""Shared fixtures for the interview tests: small transcripts written in the test itself."""

from __future__ import annotations

import pytest
from interviews_helpers import ATTRIBUTES, P7, P12

from readiness.interviews import store
from readiness.interviews.codebook import apply_codebook, starter_codebook
from readiness.interviews.ingest import import_attributes, import_transcripts


@pytest.fixture
def files(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "P12.txt").write_text(P12, encoding="utf-8")
    (d / "P7_interview.txt").write_text(P7, encoding="utf-8")
    (d / "participants.csv").write_text(ATTRIBUTES, encoding="utf-8")
    return d


@pytest.fixture
def project(tmp_path, files):
    """A saved project with two transcripts, attributes and the starter codebook."""
    folder = tmp_path / "study"
    p = store.init(folder, "Test study")
    import_transcripts(p, [files / "P12.txt", files / "P7_interview.txt"])
    import_attributes(p, files / "participants.csv")
    apply_codebook(p, starter_codebook())
    store.save(p, folder)
    return folder
