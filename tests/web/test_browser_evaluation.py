"""A training evaluation in a real browser (Playwright driving Debian's Chromium) on a phone.

A respondent answers the before-session questions (with the joining questions first), keeps
the page open, answers the after-session questions on the same page and device, and sees the
feedback only then; the study lead opens the evaluation page and sees the matched pair
counted.  axe-core scans every new page (as ``test_accessibility.py`` does) and the pages run
under the content security policy.  Screenshots go to ``$READINESS_SCREENSHOTS`` (default: the
test's temporary folder).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, PHONE, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]


def _continue(page) -> None:
    page.click("button:has-text('Save and continue')")


def test_pre_and_post_on_one_phone_are_counted_as_a_matched_pair(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from django.utils import timezone

    from readiness.web.surveys import services
    from readiness.web.surveys.models import Response

    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    study = services.create_study(
        name="Safeguarding training evaluation 2026",
        lead=lead,
        information="Who runs the study, why, and what happens to the answers.",
        evaluation=True,
        follow_up_days=90,
    )
    site = services.add_site(study, "T01", "North General Hospital")
    today = timezone.localdate()
    session = services.add_session(site, today, attended=20)
    earlier = services.add_session(site, today - timedelta(days=100), attended=12)
    base = live_server.url
    scanner = Scanner(shots)

    # The respondent, on a phone.
    phone = browser.new_context(**PHONE)
    r = phone.new_page()
    scanner.watch(r)
    r.goto(f"{base}/s/{session.token}/")
    assert "We cannot see who you are." in r.content()
    scanner.scan(r, "evaluation-start")
    r.check("#consent")
    r.click("button:has-text('Start the survey')")
    r.wait_for_url("**/code/")
    scanner.scan(r, "code")
    r.fill("#code-mother_initial", "M")
    r.fill("#code-birth_day", "45")
    _continue(r)
    r.wait_for_selector(".nhsuk-error-summary")
    assert "Enter a whole number from 1 to 31" in r.locator(".nhsuk-error-summary").inner_text()
    scanner.scan(r, "code-error")
    r.fill("#code-birth_day", "7")
    r.fill("#code-older_siblings", "1")
    r.fill("#code-birth_town_initial", "L")
    r.check("#code-shoe_size_band-3")
    _continue(r)
    r.wait_for_url(re.compile(r".*/answer/1/$"))
    assert "Before the session: page 1 of 7" in r.content()
    scanner.scan(r, "pre-page-1")
    r.check("#q-discipline-3")
    _continue(r)
    for number in range(2, 8):
        r.wait_for_url(f"**/{number}/")
        if number == 5:
            r.check("#q-k_police_danger-2")  # False: the wrong answer before the session
        _continue(r)
    r.wait_for_url("**/check/")
    scanner.scan(r, "pre-check")
    r.click("button:has-text('Submit my answers')")
    r.wait_for_url("**/between/")
    between = r.content()
    assert "Keep this page open; we will come back to it at the end of the session" in between
    assert "How you did" not in between  # no feedback before the session
    scanner.scan(r, "between")

    # At the end of the session, on the same page.
    r.click("#start-post")
    r.wait_for_url(re.compile(r".*/answer/1/$"))
    assert "After the session: page 1 of 3" in r.content()
    scanner.scan(r, "post-page-1")
    _continue(r)
    r.wait_for_url("**/2/")
    r.check("#q-k_police_danger")  # True, the right answer now
    _continue(r)
    r.wait_for_url("**/3/")
    _continue(r)
    r.wait_for_url("**/check/")
    scanner.scan(r, "post-check")
    r.click("button:has-text('Submit my answers')")
    r.wait_for_url("**/thanks/*/")
    assert "How you did on the knowledge statements" in r.content()
    scanner.scan(r, "post-thank-you")
    pre, post = Response.objects.order_by("id")
    assert (pre.wave, post.wave) == ("pre", "post") and pre.link == post.link
    assert len(pre.sgic) == 5

    # The same device opening the link again is told it has answered both.
    r.goto(f"{base}/s/{session.token}/")
    assert "The before and after questions have been answered on this device" in r.content()
    scanner.scan(r, "start-after-both")
    # Follow-up links: open for the earlier session, not yet for today's.
    r.goto(f"{base}/f/{earlier.follow_up_token}/")
    assert "Start the follow-up questions" in r.content()
    scanner.scan(r, "follow-up-start")
    r.goto(f"{base}/f/{session.follow_up_token}/")
    assert "not open yet" in r.content()
    scanner.scan(r, "follow-up-not-yet")
    phone.close()

    # The study lead, on a phone, sees the pair counted.
    staff = browser.new_context(**PHONE)
    page = staff.new_page()
    scanner.watch(page)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", "a-long-test-password")
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/studies/")
    page.goto(f"{base}/studies/{study.slug}/")
    page.click("#evaluation-link")
    page.wait_for_url("**/evaluation/")
    assert page.locator("#matched-pairs").inner_text().startswith("1 matched pair")
    assert page.locator("#count-matched").inner_text() == "1"
    scanner.scan(page, "evaluation-page")
    page.goto(f"{base}/studies/{study.slug}/sessions/{earlier.pk}/")
    assert page.locator("#follow-up-link").inner_text().endswith(f"/f/{earlier.follow_up_token}/")
    assert page.locator("img.readiness-qr").nth(1).evaluate("img => img.naturalWidth") > 0
    scanner.scan(page, "session-with-follow-up")
    staff.close()

    violations = {name: found for name, found in scanner.found.items() if found}
    assert not violations, json.dumps(violations, indent=1)
    blocked = [m for m in scanner.console if "Content Security Policy" in m]
    assert not blocked, "\n".join(blocked)
