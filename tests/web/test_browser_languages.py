"""A bilingual instrument in a real browser (Playwright driving Debian's Chromium), on a phone:
the respondent switches to Cymraeg, answers a note's page with a dropdown, a date, a time and
a slider, submits, and the stored response holds the codes and the computed value.  axe finds
no violation on the Welsh pages.  Screenshots go to ``$READINESS_SCREENSHOTS``."""

from __future__ import annotations

import re

import pytest

from tests.web.bilingual import bilingual_session
from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, FLAGS, PHONE, browser, shots  # noqa: F401

pytestmark = [pytest.mark.slow]


def test_a_respondent_answers_in_welsh_and_the_codes_are_stored(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from playwright.sync_api import expect

    from readiness.web.surveys.models import Response

    lead = django_user_model.objects.create_user("ward-lead", password="a-long-test-password")
    session = bilingual_session(lead=lead)
    scanner = Scanner(shots) if AXE.exists() else None
    context = browser.new_context(**PHONE)
    r = context.new_page()
    if scanner:
        scanner.watch(r)
    r.goto(f"{live_server.url}/s/{session.token}/")
    assert r.locator("html").get_attribute("lang") == "en-GB"
    r.click("nav[aria-label='Language / Iaith'] a:has-text('Cymraeg')")
    r.wait_for_url("**/?lang=cy")
    assert r.locator("html").get_attribute("lang") == "cy"
    assert "Gwiriad ward" in r.content()
    r.check("#consent")
    r.get_by_role("button", name="Dechrau'r arolwg").click()  # the service's words in Welsh
    r.wait_for_url(re.compile(r".*/answer/1/$"))
    assert r.locator("html").get_attribute("lang") == "cy"
    assert r.locator("h1").inner_text() == "Amdanoch chi"
    assert "Diolch am gymryd rhan 🙏" in r.locator("main").inner_text()
    assert r.locator("label[for='q-Seen']").inner_text() == "Ie"
    r.check("#q-Seen")  # Ie (1)
    r.select_option("#q-role", label="Nyrs")
    shots(r, "welsh-page")
    if scanner:
        scanner.scan(r, "welsh-page")
    r.click("button:has-text('Cadw a pharhau')")
    r.wait_for_url("**/2/")
    assert "Pryd welsoch chi'r claf?" in r.locator("main").inner_text()
    r.fill("#q-when_seen-day", "15")
    r.fill("#q-when_seen-month", "3")
    r.fill("#q-when_seen-year", "2026")
    r.fill("#q-shift_start", "07:30")
    r.fill("#q-logged_at-day", "15")
    r.fill("#q-logged_at-month", "3")
    r.fill("#q-logged_at-year", "2026")
    r.fill("#q-logged_at-time", "19:05")
    slider = r.locator("#q-hours-range")
    expect(slider).to_be_visible()  # shown by slider.js, kept in step with the number box
    slider.focus()
    slider.press("End")  # the keyboard moves it to the maximum
    expect(r.locator("#q-hours")).to_have_value("24")
    slider.press("ArrowLeft")
    expect(r.locator("#q-hours")).to_have_value("23")
    shots(r, "date-page")
    if scanner:
        scanner.scan(r, "date-page")
    r.fill("#q-hours", "30")
    r.click("button:has-text('Cadw a pharhau')")
    r.wait_for_selector(".nhsuk-error-summary")
    assert "Rhwng 0 a 24 awr." in r.locator(".nhsuk-error-summary").inner_text()
    r.fill("#q-hours", "11")
    r.click("button:has-text('Cadw a pharhau')")
    r.wait_for_url("**/check/")
    assert r.locator("html").get_attribute("lang") == "cy"
    r.click("button:has-text('Cyflwyno fy atebion')")
    r.wait_for_url("**/thanks/**")
    answers = Response.objects.get().answers
    assert answers == {
        "Seen": 1,
        "role": "nurse",
        "when_seen": "2026-03-15",
        "shift_start": "07:30",
        "logged_at": "2026-03-15T19:05",
        "hours": 11,
        "seen_nurse": 1,
    }
    if scanner:
        assert {k: v for k, v in scanner.found.items() if v} == {}
    context.close()
