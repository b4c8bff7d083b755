"""An export of every response reads them inside a transaction of its own: outside one,
Django's server-side cursor is WITH HOLD, and PostgreSQL would then run the whole query and
keep every row (at 1.5 million responses about 2 GB on disk) before sending the first."""

from __future__ import annotations

import pytest
from django.db import connection

from readiness.web.surveys import exports, responseread


@pytest.mark.django_db(transaction=True)
def test_an_export_outside_a_transaction_reads_inside_one(monkeypatch, tmp_path):
    from readiness.web.surveys.demo import load_demo

    study, _ = load_demo()
    inside = []
    chunk = responseread._clean_chunk

    def noted(rows, items, instrument):
        inside.append(connection.in_atomic_block)
        return chunk(rows, items, instrument)

    monkeypatch.setattr(responseread, "_clean_chunk", noted)
    assert not connection.in_atomic_block
    exports.write_export(study, "csv", tmp_path / "responses.csv")
    assert inside and all(inside)
    assert not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_an_export_abandoned_midway_ends_its_transaction(monkeypatch):
    from readiness.web.surveys.demo import load_demo

    study, _ = load_demo()
    monkeypatch.setattr(responseread, "CHUNK", 5)
    monkeypatch.setattr(responseread, "FETCH", 5)
    chunks = exports.export_chunks(study)
    assert len(next(chunks)) > 0
    chunks.close()
    assert not connection.in_atomic_block
