"""The dashboard's script puts the results in place when they are ready: a dashboard that
first kept "No responses yet." and then got a response says the results are being computed,
and shows them without a reload once the background worker has made them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.test_accessibility_staff import _responses, _signed_in
from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def test_new_results_replace_the_waiting_line_without_a_reload(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    client,
    study,
    session_a,
    shots,  # noqa: F811
):
    from readiness.web.jobs import worker

    lead = django_user_model.objects.get(username="lead")
    context = _signed_in(browser, live_server, client, lead)
    page = context.new_page()
    url = f"{live_server.url}/studies/{study.slug}/"
    page.goto(url)
    assert "No responses yet." in page.content()  # kept for the study
    _responses(study, [session_a], per_session=1)
    page.goto(url)
    page.wait_for_selector("#results-waiting")
    assert "No responses yet." not in page.content()
    page.evaluate("window.notReloaded = true")
    shots(page, "dashboard-results-waiting")
    worker.run(once=True)  # the background worker makes the results
    page.wait_for_selector("#indicators", timeout=15000)
    assert page.evaluate("window.notReloaded") is True  # put in place, not reloaded
    assert (
        page.locator("#results-announce").inner_text() == "The results are ready and shown below."
    )
    shots(page, "dashboard-results-in-place")
    context.close()
