"""The "Every question" page in a real browser: reached from the study's menu, one table per
question, no axe-core violation, and for a site coordinator small cells shown as [c]."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_accessibility_staff import _signed_in
from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def _responses(session, n: int) -> None:
    from readiness.web.surveys.models import Response

    for i in range(n):
        Response.objects.create(
            session=session,
            instrument=session.site.study.instrument,
            answers={
                "site": session.site.code,
                "discipline": 1 + i % 2,
                "contact_ever": 1 if i < 2 else 0,
                "years_qualified": 2 + i,
            },
            completed_on=date(2026, 3, 2).isoformat(),
            submission_token=f"items-{i}",
        )


def test_every_question_from_the_menu_and_hidden_for_a_coordinator(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    client,
    study,
    session_a,
    shots,  # noqa: F811
):
    _responses(session_a, 20)
    lead = study.memberships.get(role="lead").user
    context = _signed_in(
        browser, live_server, client, lead, viewport={"width": 1024, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/studies/{study.slug}/")
    page.click("nav[aria-label='Study'] a:has-text('Every question')")
    page.wait_for_selector("#question-contact_ever")
    assert page.locator("table[id^='question-']").count() == len(
        study.instrument.instrument.data_items
    )
    yes = page.locator("#question-contact_ever tr:has(th:text-is('Yes')) td").first
    assert yes.inner_text() == "2"
    if AXE.exists():
        scanner = Scanner(shots)
        scanner.scan(page, "every-question")
        assert scanner.found["every-question"] == []
    shots(page, "every-question-lead")
    context.close()

    coordinator = study.memberships.get(role="coordinator").user
    context = _signed_in(
        browser, live_server, client, coordinator, viewport={"width": 400, "height": 800}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/studies/{study.slug}/questions/")
    yes = page.locator("#question-contact_ever tr:has(th:text-is('Yes')) td").first
    assert yes.inner_text().startswith("[c]")
    shots(page, "every-question-coordinator")
    context.close()
