"""Dashboard results are computed once for every worker and, when responses arrive, shown
marked as being updated while a refresh queued for the background worker brings them up to
date."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django_tasks_db.models import DBTaskResult

from readiness.web.jobs import worker
from readiness.web.jobs.tasks import refresh_results
from readiness.web.surveys import dashboard
from readiness.web.surveys.models import Response


def _respond(session, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        Response.objects.create(
            session=session,
            instrument=session.site.study.instrument,
            answers={"site": session.site.code, "discipline": 1 + i % 3, "contact_ever": i % 2},
            completed_on="2026-03-02",
            submission_token=f"token-{i}",
        )


def _count(page: str) -> str:
    start = page.index('<p class="nhsuk-body-s">') + len('<p class="nhsuk-body-s">')
    return page[start : page.index(" response", start)].strip()


@pytest.mark.django_db(transaction=True)
def test_new_responses_show_the_kept_results_while_they_refresh(client, study, session_a):
    client.force_login(study.memberships.get(role="lead").user)
    _respond(session_a, 6)
    page = client.get(f"/studies/{study.slug}/").content.decode()
    assert _count(page) == "6" and "being brought up to date" not in page  # the first view
    _respond(session_a, 1, start=6)
    page = client.get(f"/studies/{study.slug}/").content.decode()
    assert "<strong>7</strong> responses" in page  # the counts are always current
    assert _count(page) == "6" and "These results are from the first 6 responses" in page
    worker.run(once=True)  # the background worker brings them up to date
    page = client.get(f"/studies/{study.slug}/").content.decode()
    assert _count(page) == "7" and "being brought up to date" not in page


@pytest.mark.django_db
def test_inside_a_transaction_the_results_are_computed_at_once(client, study, session_a):
    client.force_login(study.memberships.get(role="lead").user)
    _respond(session_a, 6)
    assert _count(client.get(f"/studies/{study.slug}/").content.decode()) == "6"
    _respond(session_a, 2, start=6)
    page = client.get(f"/studies/{study.slug}/").content.decode()
    assert _count(page) == "8" and "being brought up to date" not in page


@pytest.mark.django_db(transaction=True)
def test_a_large_study_is_computed_in_the_background_from_the_first_view(
    client, study, session_a, settings
):
    settings.READINESS_RESULTS_IN_BACKGROUND = 5
    client.force_login(study.memberships.get(role="lead").user)
    _respond(session_a, 6)
    page = client.get(f"/studies/{study.slug}/").content.decode()
    assert "The results of these responses are being computed" in page
    assert "<strong>6</strong> responses" in page
    worker.run(once=True)  # the background worker brings them up to date
    assert _count(client.get(f"/studies/{study.slug}/").content.decode()) == "6"


@pytest.mark.django_db(transaction=True)
def test_without_a_usable_cache_folder_the_results_are_computed(client, study, session_a, settings):
    settings.CACHES = {
        **settings.CACHES,
        "results": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": "/proc/readiness-cannot-be-made",
        },
    }
    settings.READINESS_RESULTS_IN_BACKGROUND = 5
    client.force_login(study.memberships.get(role="lead").user)
    _respond(session_a, 6)
    assert _count(client.get(f"/studies/{study.slug}/").content.decode()) == "6"


@pytest.mark.django_db(transaction=True)
def test_the_status_says_when_the_results_are_up_to_date(client, study, session_a):
    client.force_login(study.memberships.get(role="lead").user)
    status = f"/studies/{study.slug}/results/status/"
    assert client.get(status).json() == {"current": False}  # nothing computed yet
    _respond(session_a, 6)
    page = client.get(f"/studies/{study.slug}/").content.decode()
    assert 'id="results-update"' not in page  # computed there and then: nothing to wait for
    reply = client.get(status)
    assert reply.json() == {"current": True} and "no-store" in reply["Cache-Control"]
    _respond(session_a, 1, start=6)
    assert client.get(status).json() == {"current": False}
    page = client.get(f"/studies/{study.slug}/").content.decode()
    assert f'data-status-url="{status}"' in page  # the page's script asks this address
    worker.run(once=True)  # the background worker brings them up to date
    assert client.get(status).json() == {"current": True}


@pytest.mark.django_db(transaction=True)
def test_the_refresh_is_queued_once_and_done_by_the_worker(client, study, session_a):
    client.force_login(study.memberships.get(role="lead").user)
    _respond(session_a, 6)
    client.get(f"/studies/{study.slug}/")
    _respond(session_a, 2, start=6)
    for _ in range(3):  # three views of the stale results: one refresh queued
        assert _count(client.get(f"/studies/{study.slug}/").content.decode()) == "6"
    queued = DBTaskResult.objects.filter(task_path=refresh_results.module_path)
    assert queued.count() == 1 and queued.get().status == "READY"
    key = dashboard.results_slot(study, None)
    assert caches["results"].get(f"{key}:refreshing")  # the lock that keeps it to one
    worker.run(once=True)
    assert queued.get().status == "SUCCESSFUL"
    assert caches["results"].get(f"{key}:refreshing") is None
    assert _count(client.get(f"/studies/{study.slug}/").content.decode()) == "8"


@pytest.mark.django_db(transaction=True)
def test_no_responses_kept_then_a_response_says_results_are_coming(client, study, session_a):
    """The first view kept "No responses yet."; a response later, the page says its results
    are being computed (never "No responses yet." under "1 response") and asks for them."""
    client.force_login(study.memberships.get(role="lead").user)
    url = f"/studies/{study.slug}/"
    assert "No responses yet." in client.get(url).content.decode()
    _respond(session_a, 1)
    page = client.get(url).content.decode()
    assert "<strong>1</strong> response" in page
    assert "No responses yet." not in page
    assert "The results of these responses are being computed" in page
    assert 'data-replace="dashboard-results"' in page  # the script puts them in place
    assert client.get(f"{url}results/status/").json() == {"current": False}
    worker.run(once=True)
    assert client.get(f"{url}results/status/").json() == {"current": True}
    page = client.get(url).content.decode()
    assert _count(page) == "1" and 'id="indicators"' in page
