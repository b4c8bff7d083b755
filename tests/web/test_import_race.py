"""Two imports of the same response ids at once: one is kept, the other is refused whole.

The check for ids already in the study and the writing of the rows happen in one
transaction; a lock on the study's row makes a second import of the same study wait for the
first to commit before it checks, so that both cannot pass the check and both write.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from django.db import connection, connections

from readiness.web.surveys import exports, imports, services
from readiness.web.surveys.models import Response

pytestmark = pytest.mark.django_db(transaction=True)


def _files(study, tmp_path, session):
    """Two files holding the same new response ids, in different orders (so different files)."""
    from django.test import Client

    from tests.web.helpers import answer_all, post_page, start

    client = Client()
    code = start(client, session)
    token = answer_all(client, code)
    post_page(client, "check", {"submission_token": token})
    path = tmp_path / "one.csv"
    exports.write_export(study, "csv", path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = pd.concat([frame.iloc[[0]]] * 6, ignore_index=True)
    rows["response_id"] = [f"other-{i}" for i in range(6)]
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    rows.to_csv(first, index=False)
    rows.iloc[::-1].to_csv(second, index=False)
    return first, second


def test_racing_imports_of_the_same_ids_keep_one(study, session_a, tmp_path, monkeypatch):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("needs a database that threads connect to separately")
    first, second = _files(study, tmp_path, session_a)
    before = Response.objects.filter(session__site__study=study).count()
    writing = threading.Semaphore(0)
    add = services.add_clean_responses

    def slow_add(*args, **kwargs):
        # The first import to write waits (up to 3 s) for the other to reach its write too:
        # without the lock both would get here and both write.
        writing.release()
        writing.acquire(timeout=3)
        return add(*args, **kwargs)

    monkeypatch.setattr(services, "add_clean_responses", slow_add)
    outcomes: list[object] = []

    def run(path):
        try:
            outcomes.append(imports.import_file(study, path))
        except imports.ResponsesError as err:
            outcomes.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [o for o in outcomes if isinstance(o, imports.ResponsesError)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    assert "rows are responses of study" in str(refused[0])
    assert Response.objects.filter(session__site__study=study).count() == before + 6
