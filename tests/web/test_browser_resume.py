"""Carrying on with the resume code in a real browser (Playwright driving Debian's Chromium), on
a phone: the code is shown and typed, never in an address (issue 16).

A respondent answers two pages and leaves; in a fresh browser they type the code and finish.
Every address the browsers asked for (pages, redirects, scripts) is recorded and none holds the
code.  The next person at the first computer who opens an address of before, with a code in
it, is sent to "continue a survey" and sees nothing; a second tab that starts another survey
makes the first tab's page refuse, saying so.  axe scans the new pages.  Screenshots go to
``$READINESS_SCREENSHOTS``."""

from __future__ import annotations

import re

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, FLAGS, PHONE, browser, shots  # noqa: F401

pytestmark = [pytest.mark.slow]


def _record(page, seen: list[str]) -> None:
    page.on("request", lambda request: seen.append(request.url))
    page.on("framenavigated", lambda frame: seen.append(frame.url))


def _continue(page) -> None:
    page.click("button:has-text('Save and continue')")


def _holding(seen: list[str], code: str) -> list[str]:
    forms = {code, code.lower(), code.replace("-", ""), code.lower().replace("-", "")}
    return [url for url in seen if any(form in url for form in forms)]


def test_answer_leave_resume_elsewhere_and_finish_without_the_code_in_an_address(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    session_a,
    shots,  # noqa: F811
):
    from readiness.web.surveys.models import Draft, Response, code_digest

    base = live_server.url
    scanner = Scanner(shots) if AXE.exists() else None
    seen: list[str] = []

    # At a shared computer: two pages answered, then "Save and finish later".
    first = browser.new_context(**PHONE)
    r = first.new_page()
    _record(r, seen)
    r.goto(f"{base}/s/{session_a.token}/")
    r.check("#consent")
    r.click("button:has-text('Start the survey')")
    r.wait_for_url(re.compile(r".*/answer/1/$"))
    code = r.locator(".readiness-code").first.inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    r.check("#q-discipline-3")
    r.fill("#q-years_qualified", "12")
    _continue(r)
    r.wait_for_url("**/answer/2/")
    r.check("#q-training_prior-2")  # No
    _continue(r)
    r.wait_for_url("**/answer/3/")
    r.click("button:has-text('Save and finish later')")
    r.wait_for_url("**/answer/saved/")
    assert r.locator(".readiness-code").inner_text() == code  # shown again, to write down
    shots(r, "resume-saved")
    first.close()

    # The next person at that computer, from the history: an address of before resumes nothing.
    stranger = browser.new_context(**PHONE)
    s = stranger.new_page()
    _record(s, [])
    s.goto(f"{base}/r/{code}/2/")
    assert s.url == f"{base}/resume/"
    assert code not in s.content()
    s.goto(f"{base}/answer/2/")
    assert "No answers in progress in this browser" in s.locator("h1").inner_text()
    shots(s, "resume-no-draft")
    if scanner:
        scanner.watch(s)
        scanner.scan(s, "no-draft")
    stranger.close()

    # Later, in a fresh browser: the code typed on "continue a survey".
    later = browser.new_context(**PHONE)
    p = later.new_page()
    _record(p, seen)
    if scanner:
        scanner.watch(p)
    p.goto(f"{base}/resume/")
    p.fill("#code", code.lower())
    p.click("button:has-text('Continue')")
    p.wait_for_url("**/answer/3/")  # the first page not yet answered
    assert p.locator(".readiness-code").count() == 0  # shown on page 1 and when saving

    # A second tab of the same browser starts another survey: the first tab's page is refused.
    other = later.new_page()
    _record(other, seen)
    other.goto(f"{base}/s/{session_a.token}/")
    other.check("#consent")
    other.click("button:has-text('Start the survey')")
    other.wait_for_url(re.compile(r".*/answer/1/$"))
    another = other.locator(".readiness-code").first.inner_text()
    _continue(p)
    p.wait_for_selector("h1:has-text('This page belongs to other answers')")
    assert "were not saved" in p.content()
    shots(p, "resume-other-draft")
    if scanner:
        scanner.scan(p, "other-draft")
    draft = Draft.objects.get(code_digest=code_digest(code))
    assert "contact" not in draft.seen

    # Back to the first survey with its code, and on to the end.
    p.goto(f"{base}/resume/")
    p.fill("#code", code)
    p.click("button:has-text('Continue')")
    p.wait_for_url("**/answer/3/")
    for number in range(3, 8):
        p.wait_for_url(f"**/answer/{number}/")
        _continue(p)
    p.wait_for_url("**/answer/check/")
    p.click("button:has-text('Submit my answers')")
    p.wait_for_url("**/thanks/*/")
    assert "Your answers have been submitted" in p.content()
    later.close()

    (response,) = Response.objects.all()
    assert response.answers["discipline"] == 3 and response.answers["training_prior"] == 0
    assert Draft.objects.count() == 1  # the other tab's survey, untouched
    assert len(seen) > 20
    assert _holding(seen, code) == [] and _holding(seen, another) == []
    if scanner:
        found = {name: found for name, found in scanner.found.items() if found}
        assert not found, found
