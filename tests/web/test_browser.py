"""The whole way in a real browser (Playwright driving Debian's Chromium) on a phone screen.

A study lead creates a study, a site and a session; a respondent, without JavaScript, opens the
session link, answers with one validation error corrected, submits twice and is counted once;
the dashboard shows the new count.  Screenshots go to ``$READINESS_SCREENSHOTS`` (default: the
test's temporary folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (not by the server) are safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("READINESS_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return shoot


def test_lead_sets_up_respondent_answers_dashboard_counts(
    browser, live_server, transactional_db, django_user_model, shots
):
    from django.contrib.auth.models import Permission

    from readiness.web.surveys.models import Response

    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    lead.user_permissions.add(Permission.objects.get(codename="add_study"))
    base = live_server.url

    # The study lead, on a phone, with JavaScript.
    staff = browser.new_context(**PHONE)
    page = staff.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", "a-long-test-password")
    shots(page, "01-sign-in")
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/studies/")
    page.click("text=Create a study")
    page.wait_for_url("**/studies/new/")
    page.fill("#id_name", "Safeguarding training 2026")
    page.check("#id_show_feedback")
    shots(page, "02-create-study")
    page.click("button:has-text('Create study')")
    page.wait_for_url("**/sites/")
    page.fill("#id_code", "T01")
    page.fill("#id_name", "North General Hospital")
    page.click("button:has-text('Add site')")
    page.wait_for_url("**/sites/*/")
    page.fill("#id_date-day", "2")
    page.fill("#id_date-month", "3")
    page.fill("#id_date-year", "2026")
    page.fill("#id_attended", "25")
    shots(page, "03-add-session")
    page.click("button:has-text('Add session')")
    page.wait_for_url("**/sessions/*/")
    link = page.locator("#session-link").inner_text()
    assert re.match(rf"{re.escape(base)}/s/[A-Z0-9]+/$", link)
    assert page.locator("img.readiness-qr").evaluate("img => img.naturalWidth") > 0
    shots(page, "04-session-link-and-qr")

    # The respondent, on a phone, without JavaScript.
    respondent = browser.new_context(java_script_enabled=False, **PHONE)
    r = respondent.new_page()
    r.goto(link)
    shots(r, "05-information-and-consent")
    r.check("#consent")
    r.click("button:has-text('Start the survey')")
    r.wait_for_url(re.compile(r".*/answer/1/$"))
    r.check("#q-discipline-3")  # Mental health
    r.fill("#q-years_qualified", "75")
    r.click("button:has-text('Save and continue')")
    r.wait_for_selector(".nhsuk-error-summary")
    assert "Enter a whole number between 0 and 60" in r.locator(".nhsuk-error-summary").inner_text()
    shots(r, "06-validation-error")
    r.fill("#q-years_qualified", "12")
    r.click("button:has-text('Save and continue')")
    r.wait_for_url("**/2/")
    r.check("#q-training_prior")  # Yes: reveals where and when (shown without JavaScript)
    shots(r, "07-training-page")
    r.click("button:has-text('Save and continue')")
    r.wait_for_url("**/3/")
    # Back keeps answers.
    r.click("a.nhsuk-back-link")
    r.wait_for_url("**/2/")
    assert r.is_checked("#q-training_prior")
    r.click("button:has-text('Save and continue')")
    for number in range(3, 8):
        r.wait_for_url(f"**/{number}/")
        if number == 5:
            r.check("#q-k_police_danger")  # True, the right answer
            shots(r, "08-knowledge-page")
        r.click("button:has-text('Save and continue')")
    r.wait_for_url("**/check/")
    shots(r, "09-check-and-submit")
    form = {
        "csrfmiddlewaretoken": r.locator("input[name=csrfmiddlewaretoken]").input_value(),
        "submission_token": r.locator("input[name=submission_token]").input_value(),
    }
    check_url = r.url
    r.click("button:has-text('Submit my answers')")
    r.wait_for_url("**/thanks/*/")
    # The network repeats the request: the same form posted again.
    again = r.request.post(check_url, form=form, headers={"Referer": check_url}, max_redirects=0)
    assert again.status == 302 and "/thanks/" in again.headers["location"]
    assert Response.objects.count() == 1
    assert "You got 1 of 14 right" in r.content()
    shots(r, "10-thank-you")

    # The dashboard shows the new count.
    page.click("text=Dashboard")
    page.wait_for_url(re.compile(r".*/studies/[a-z0-9-]+/$"))
    assert page.locator("#response-count").inner_text().startswith("1 response from 25 attending")
    shots(page, "11-dashboard")
    staff.close()
    respondent.close()
