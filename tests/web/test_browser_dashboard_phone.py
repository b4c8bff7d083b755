"""The staff dashboard on a phone (390 px wide): the page itself never scrolls sideways; wide
tables scroll inside their own container."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]

OVERFLOW = """() => {
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && !el.closest('.readiness-table-scroll')) {
      wide.push(el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className);
    }
  }
  return {width: document.documentElement.scrollWidth, wide: wide.slice(0, 10)};
}"""


def test_the_dashboard_fits_a_phone(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.surveys import services
    from readiness.web.surveys.models import Response

    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    study = services.create_study(name="A study with a long name for a phone", lead=lead)
    for code in ("T01", "T02", "T03"):
        site = services.add_site(study, code, f"Trust {code} with a long hospital name")
        session = services.add_session(site, date(2026, 3, 2), 30)
        for i in range(12):
            Response.objects.create(
                session=session,
                instrument=study.instrument,
                answers={
                    "site": code,
                    "discipline": 1 + i % 3,
                    "contact_ever": i % 2,
                    "training_prior": i % 2,
                    "k_border": i % 2,
                },
                completed_on="2026-03-02",
                submission_token=f"token-{code}-{i}",
            )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", "a-long-test-password")
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server.url}/studies/{study.slug}/")
    page.wait_for_selector("h1")
    # The tables the phone must hold are there, each in its own scrolling container.
    for table in ("#counts", "#indicators", "#reliability"):
        assert page.locator(f".readiness-table-scroll > {table}").count() == 1, table
    measured = page.evaluate(OVERFLOW)
    shots(page, "dashboard-phone")
    assert measured["width"] <= 390, measured
    assert measured["wide"] == [], measured
    context.close()
