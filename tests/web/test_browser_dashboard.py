"""The dashboard of a study whose results are computed in the background, in a real browser:
the first results are put in place as soon as they are ready; newer results, while the earlier
ones are on screen, are offered with a link (the page does not change under the reader)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def test_the_dashboard_offers_results_when_they_are_ready(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
    settings,
):
    from readiness.web.surveys import services
    from readiness.web.surveys.models import Response

    settings.READINESS_RESULTS_IN_BACKGROUND = 3  # this small study counts as large
    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    study = services.create_study(name="Background", lead=lead)
    session = services.add_session(services.add_site(study, "T01", "Trust"), date(2026, 3, 2), 9)
    for i in range(8):
        Response.objects.create(
            session=session,
            instrument=study.instrument,
            answers={"site": "T01", "discipline": 1 + i % 3, "contact_ever": i % 2},
            completed_on="2026-03-02",
            submission_token=f"token-{i}",
        )
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", "a-long-test-password")
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server.url}/studies/{study.slug}/")
    assert "The results of these responses are being computed" in page.content()
    assert page.locator("#indicators").count() == 0
    from readiness.web.jobs import worker

    worker.run(once=True)  # the background worker computes them: put in place, no results before
    page.wait_for_selector("#indicators", timeout=30_000)
    Response.objects.create(
        session=session,
        instrument=study.instrument,
        answers={"site": "T01", "discipline": 2, "contact_ever": 1},
        completed_on="2026-03-02",
        submission_token="token-late",
    )
    page.goto(f"{live_server.url}/studies/{study.slug}/")  # the earlier results, being updated
    assert page.locator("#indicators").count() == 1
    worker.run(once=True)
    offer = page.locator("#results-update a")
    offer.wait_for(timeout=30_000)  # the script asked, and the new results were ready
    assert offer.inner_text() == "Show the up-to-date results"
    shots(page, "dashboard-results-ready")
    offer.click()
    page.wait_for_selector("#indicators")
    assert page.locator("#results-update").count() == 0
    context.close()
