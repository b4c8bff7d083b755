"""axe-core (from npm: node_modules/axe-core) finds no violations on any respondent page, on a
phone-sized screen, and the pages run under the content security policy without a violation.

Every page the respondent can meet is scanned: the information and consent page (and its
error), each section page (and a page with a validation error), "check and submit", "your
answers are saved", "continue a survey" (and its error), the thank-you page with the knowledge
feedback, the closed survey and the "please wait" page of the rate limit.  axe runs all its
rules (WCAG 2.0, 2.1 and 2.2 A and AA, and best practices).  The NHS.UK frontend's script must
have started (``js-enabled``, a conditional question hidden until its answer is chosen), which
shows that its one inline script and its module run under the policy.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from tests.web.test_browser import CHROMIUM, FLAGS, PHONE, browser, shots  # noqa: F401

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]


class Scanner:
    """Inject axe into a page, run it and keep what it found, with the page's CSP reports."""

    def __init__(self, shoot):
        self.source = AXE.read_text(encoding="utf-8")
        self.shoot = shoot
        self.found: dict[str, list] = {}
        self.console: list[str] = []

    def watch(self, page) -> None:
        self.fonts: list[str] = []
        page.route(
            "https://assets.nhs.uk/**",
            lambda route: (self.fonts.append(route.request.url), route.abort()),
        )
        page.on(
            "console",
            lambda m: (
                self.console.append(f"{page.url}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )

    def scan(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        # Evaluated through the DevTools protocol, so the page's policy does not apply to axe.
        page.evaluate(self.source)
        result = page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.html.slice(0, 300)).slice(0, 5)})); }"
        )
        self.found[name] = result
        self.shoot(page, f"axe-{len(self.found):02d}-{name}")


def test_every_respondent_page_passes_axe_on_a_phone(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
    settings,
):
    from readiness.web.surveys import services

    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    study = services.create_study(
        name="Safeguarding training 2026",
        lead=lead,
        show_feedback=True,
        information="Who runs the study, why, and what happens to the answers.",
    )
    site = services.add_site(study, "T01", "North General Hospital")
    session = services.add_session(site, date(2026, 3, 2), attended=25)
    closed = services.add_session(site, date(2026, 3, 9), attended=10)
    closed.is_open = False
    closed.save()
    base = live_server.url
    scanner = Scanner(shots)

    context = browser.new_context(**PHONE)
    page = context.new_page()
    scanner.watch(page)

    page.goto(f"{base}/s/{session.token}/")
    scanner.scan(page, "information-and-consent")
    assert page.evaluate("document.body.classList.contains('js-enabled')")
    page.click("button:has-text('Start the survey')")
    page.wait_for_selector(".nhsuk-error-summary")
    scanner.scan(page, "consent-error")
    page.check("#consent")
    page.click("button:has-text('Start the survey')")
    page.wait_for_url(re.compile(r".*/answer/1/$"))
    code = page.locator(".readiness-code").first.inner_text()  # shown, never in the address

    total = int(re.search(r"Page 1 of (\d+)", page.content()).group(1))
    for number in range(1, total + 1):
        page.wait_for_url(f"**/{number}/")
        scanner.scan(page, f"section-{number}")
        if number == 1:
            page.check("#q-discipline-3")
            page.fill("#q-years_qualified", "75")
            page.click("button:has-text('Save and continue')")
            page.wait_for_selector(".nhsuk-error-summary")
            scanner.scan(page, "section-1-error")
            page.fill("#q-years_qualified", "12")
        if number == 2:
            # The NHS.UK script runs under the policy: the nested questions are hidden until
            # "Yes" is chosen, then revealed (and scanned revealed).
            nested = page.locator(".nhsuk-radios__conditional, .nhsuk-checkboxes__conditional")
            assert nested.count() >= 1
            assert not nested.first.is_visible()
            page.check("#q-training_prior")
            assert nested.first.is_visible()
            scanner.scan(page, "section-2-revealed")
        page.click("button:has-text('Save and continue')")
    page.wait_for_url("**/check/")
    scanner.scan(page, "check-and-submit")

    # Save and finish later, then come back with the code.
    page.goto(f"{base}/answer/{total}/")
    page.click("button:has-text('Save and finish later')")
    page.wait_for_url("**/saved/")
    scanner.scan(page, "saved")
    page.goto(f"{base}/resume/")
    scanner.scan(page, "resume")
    page.fill("#code", "ACDE-FGHJ-KMNP")
    page.click("button:has-text('Continue')")
    page.wait_for_selector(".nhsuk-error-summary")
    scanner.scan(page, "resume-error")
    page.fill("#code", code.lower())
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/check/")  # every page was saved: straight to "check and submit"
    page.click("button:has-text('Submit my answers')")
    page.wait_for_url("**/thanks/*/")
    assert "How you did on the knowledge statements" in page.content()
    scanner.scan(page, "thank-you-with-feedback")

    page.goto(f"{base}/s/{closed.token}/")
    scanner.scan(page, "survey-closed")

    settings.READINESS_RATE_STARTS = "1/600"
    page.goto(f"{base}/s/{session.token}/")
    page.check("#consent")
    page.click("button:has-text('Start the survey')")
    page.wait_for_selector("h1:has-text('Please wait a moment')")
    scanner.scan(page, "please-wait")
    context.close()

    violations = {name: found for name, found in scanner.found.items() if found}
    assert not violations, json.dumps(violations, indent=1)
    blocked = [m for m in scanner.console if "Content Security Policy" in m]
    assert not blocked, "\n".join(blocked)
    assert scanner.fonts == []  # not an NHS organisation: Arial, nothing from assets.nhs.uk
    assert len(scanner.found) == total + 11
