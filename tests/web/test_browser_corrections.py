"""Correcting and deleting responses in a real browser, and the responses list's filters.

A study lead lists the responses (three pages of 50), filters them by site and completion
date (the filters kept in the page links), opens one, corrects an answer (first without a
reason, which is refused), and finds the correction in the audit log with the answer before
and after; then deletes another response after its confirmation page and finds its answers in
the log.  axe-core finds no violation on the list, the correction form (and its error), the
confirmation page and the audit log.  Screenshots go to ``$READINESS_SCREENSHOTS`` (default:
the test's temporary folder).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401 (fixtures)
from tests.web.test_browser_paper import signed_in

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not __import__("pathlib").Path(CHROMIUM).exists(), reason="needs Debian's chromium"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]


def _responses(session, n: int, first: date, answers: dict) -> None:
    from readiness.web.surveys.models import Response

    Response.objects.bulk_create(
        Response(
            session=session,
            instrument=session.site.study.instrument,
            answers={"site": session.site.code, **answers},
            completed_on=first + timedelta(days=i % 2),
            submission_token=f"browser-{session.pk}-{i}",
        )
        for i in range(n)
    )


def test_lead_corrects_and_deletes_responses_and_reads_the_log(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.surveys import services
    from readiness.web.surveys.models import Response

    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    study = services.create_study(name="Corrections 2026", lead=lead)
    north = services.add_site(study, "T01", "North General Hospital")
    south = services.add_site(study, "T02", "South Community Trust")
    session_n = services.add_session(north, date(2026, 3, 2), attended=130)
    session_s = services.add_session(south, date(2026, 3, 9), attended=40)
    answers = {"discipline": 2, "profession": 3, "years_qualified": 7, "contact_ever": 0}
    _responses(session_n, 110, date(2026, 3, 2), answers)
    _responses(session_s, 25, date(2026, 3, 9), answers)
    base = f"{live_server.url}/studies/{study.slug}"
    scanner = Scanner(shots)

    context = signed_in(browser, live_server, lead)
    page = context.new_page()
    scanner.watch(page)

    # The list: 135 responses on three pages; the filters narrow it and stay in the links.
    page.goto(f"{base}/responses/")
    assert page.locator("#responses-count").inner_text().startswith("135 responses.")
    assert page.locator("#responses-table tbody tr").count() == 50
    nav = page.get_by_role("navigation", name="Pages of responses")
    assert nav.locator("a[aria-current=page]").inner_text().strip() == "1"
    scanner.scan(page, "corrections-01-list")
    page.select_option("#filter-site", str(north.pk))
    page.fill("#filter-from", "2026-03-03")
    page.click("button:has-text('Show responses')")
    page.wait_for_url(re.compile(r".*\?site=\d+&.*from=2026-03-03.*"))
    count = page.locator("#responses-count").inner_text()
    assert count.startswith("55 of 135 responses match these filters.")
    nav = page.get_by_role("navigation", name="Pages of responses")
    nav.get_by_role("link", name="Page 2").click()
    page.wait_for_url(re.compile(r".*page=2$"))
    assert f"site={north.pk}" in page.url and "from=2026-03-03" in page.url
    assert page.locator("#responses-table tbody tr").count() == 5
    assert page.input_value("#filter-from") == "2026-03-03"  # the form shows the filters
    scanner.scan(page, "corrections-02-list-filtered-page-2")
    page.goto(f"{base}/responses/?from=3+March")  # a browser's date box sends no such text
    page.wait_for_selector(".nhsuk-error-summary")
    assert "Completed from must be a date" in page.locator(".nhsuk-error-summary").inner_text()

    # A response corrected: the reason is required, then the answer changes.
    target = Response.objects.filter(session=session_n).order_by("id").first()
    page.goto(f"{base}/responses/{target.pk}/")
    page.click("text=Correct answers")
    page.wait_for_url(f"**/responses/{target.pk}/correct/")
    assert page.input_value("#q-years_qualified") == "7"
    assert page.is_checked("#q-discipline-2")
    scanner.scan(page, "corrections-03-correct-form")
    page.fill("#q-years_qualified", "17")
    page.click("button:has-text('Save the correction')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert (
        "Enter the reason for the correction" in page.locator(".nhsuk-error-summary").inner_text()
    )
    assert page.input_value("#q-years_qualified") == "17"  # kept, with the reason to add
    scanner.scan(page, "corrections-04-correct-error")
    page.fill("#correction-reason", "Keyed wrongly from paper form P4: it says 17 years")
    page.click("button:has-text('Save the correction')")
    page.wait_for_url(f"**/responses/{target.pk}/")
    assert f"Response {target.pk} corrected: 1 answer changed" in page.content()
    shots(page, "corrections-05-corrected")
    target.refresh_from_db()
    assert target.answers["years_qualified"] == 17

    # Another response deleted, after its confirmation page.
    gone = Response.objects.filter(session=session_s).order_by("id").first()
    page.goto(f"{base}/responses/{gone.pk}/")
    page.click("text=Delete this response")
    page.wait_for_url(f"**/responses/{gone.pk}/delete/")
    assert "it cannot be put back from this page" in page.content()
    scanner.scan(page, "corrections-06-delete-confirm")
    page.fill("#correction-reason", "A test response made before the session")
    page.click("button:has-text('Delete this response')")
    page.wait_for_url("**/responses/")
    assert f"Response {gone.pk} deleted" in page.content()
    assert page.locator("#responses-count").inner_text().startswith("134 responses.")
    assert not Response.objects.filter(pk=gone.pk).exists()

    # The audit log: the correction with before and after, the deleted response's answers.
    page.goto(f"{base}/audit/")
    log = page.locator("#audit-log")
    corrected = log.locator("tr", has_text="Response corrected")
    text = corrected.inner_text()
    assert "Keyed wrongly from paper form P4" in text
    before_after = r"\(years_qualified\): 7 →\s+changed to\s+17"  # "changed to" for screen readers
    assert re.search(before_after, text)
    deleted = log.locator("tr", has_text="Response deleted")
    assert f"Response {gone.pk}: session {session_s.code} at site T02" in deleted.inner_text()
    deleted.locator("summary").click()
    assert "Which area do you mainly work in? (discipline): Maternity (2)" in (deleted.inner_text())
    scanner.scan(page, "corrections-07-audit-log")
    context.close()

    found = {name: v for name, v in scanner.found.items() if v}
    assert not found, found
    assert not scanner.console, scanner.console
