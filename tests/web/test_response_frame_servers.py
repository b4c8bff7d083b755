"""Several servers extending one study's kept frame at once, in the database (PostgreSQL's
default, shared by several app servers): each append is one transaction on the frame as it
was read, so the frame kept is never half of one nor two appends of the same responses."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection, connections

from readiness.web.surveys import responseframe
from readiness.web.surveys.demo import load_demo
from readiness.web.surveys.models import KeptFrame, KeptFramePart
from tests.web.test_response_frame import _add


@pytest.fixture
def shared(transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("several servers share a PostgreSQL database")
    table = "readiness_cache_frames_servers"
    results = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    settings.CACHES = {**settings.CACHES, "results": results}
    call_command("createcachetable", verbosity=0)
    study, _ = load_demo()
    return study


def _at_once(study, n: int) -> list:
    barrier = threading.Barrier(n)
    frames, errors = [], []

    def extend():
        try:
            barrier.wait()
            frames.append(responseframe.clean_responses(study))
        except Exception as err:  # noqa: BLE001 - collected and reported below
            errors.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=extend) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return frames


def test_servers_extending_a_kept_frame_at_once_keep_it_whole(shared):
    key = responseframe._key(shared)
    responseframe.clean_responses(shared)
    for more in (2, 1):
        _add(shared, more)
        frames = _at_once(shared, 4)
        kept = KeptFrame.objects.get(key=key)
        assert KeptFramePart.objects.filter(frame=kept).count() == kept.parts
        assert len(kept.segments) <= 3  # one append of each round, not one per server
        whole = responseframe._get(key)["clean"]
        for frame in frames:
            pd.testing.assert_frame_equal(frame, whole, check_exact=True)
    pd.testing.assert_frame_equal(whole, _fresh(shared), check_exact=True)


def _fresh(study) -> pd.DataFrame:
    responseframe.forget_all()
    return responseframe.clean_responses(study)
