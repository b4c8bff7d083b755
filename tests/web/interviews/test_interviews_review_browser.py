"""The pseudonymisation review in a browser: strings found grouped, pages of 50, a decision
carried from page to page, and axe finds nothing on either page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.interviews.test_interviews_browser import (  # noqa: F401
    PASSWORD,
    browser,
    go,
    shots,
    sign_in,
)
from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]


def _transcript() -> str:
    """60 people named after "Mr", Rik misheard as "Rick" twice, Mark (an ordinary word)."""
    lines = ["Interviewer: Who did you meet?"]
    lines += [f"P20: I met Mr Qa{chr(97 + i // 26)}{chr(97 + i % 26)}x there." for i in range(60)]
    lines += ["P20: Rick came, and Rick rang @rik_j on 2024-03-15.", "P20: Mark said no."]
    return "\n".join(lines) + "\n"


@pytest.fixture
def long_study(transactional_db, django_user_model):
    from readiness.web.interviews import services

    lead = django_user_model.objects.create_user("lead", password=PASSWORD)
    project = services.new_project("Long study", lead)
    services.add_transcripts(project, [("P20.txt", _transcript().encode())], user=lead)
    return project


def test_review_pages_keep_decisions_and_pass_axe(browser, live_server, long_study, shots):  # noqa: F811
    from readiness.web.interviews import models as m
    from readiness.web.interviews.review import group_id

    scanner = Scanner(shots)
    context, page = sign_in(browser, live_server.url, "lead")
    scanner.watch(page)
    page.goto(f"{live_server.url}/interviews/{long_study.slug}/pseudonymise/")
    page.fill("#key", "Rik,Person R\nMark,Person M")
    go(page, "button:has-text('Find what to replace')")
    rick, mark = group_id("Rick"), group_id("Mark")
    rows = page.locator("#proposals tbody tr")
    assert rows.count() == 50
    assert "(2×)" in page.locator(f"#group-{rick}").inner_text()
    assert page.is_checked(f"#replace-{rick}") and page.is_checked(f"#keep-{mark}")
    scanner.scan(page, "pseudonymise-page-1")
    # A new pseudonym for every Rick, then to page 2 and back: the decision is still there.
    page.check(f"#new-{rick}")
    page.fill(f"#pseudonym-{rick}", "Ricardo X")
    go(page, "button:has-text('Next page')")
    assert "Page 2 of 2" in page.inner_text("main") and rows.count() == 13
    scanner.scan(page, "pseudonymise-page-2")
    page.check(f"#keep-{group_id('Qacdx')}")
    go(page, "button:has-text('Previous page')")
    assert page.is_checked(f"#new-{rick}")
    assert page.input_value(f"#pseudonym-{rick}") == "Ricardo X"
    go(page, "button:has-text('Apply and mark 1 transcript as pseudonymised')")
    assert "Replaced" in page.inner_text("main"), page.inner_text("main")[:2000]
    text = m.Transcript.objects.get(project=long_study).text
    assert text.count("Ricardo X") == 2 and "[handle]" in text and "2024-03-15" in text
    assert "Mark said no" in text and "Mr Qacdx" in text and "Mr Qaax" not in text
    context.close()
    assert {k: v for k, v in scanner.found.items() if v} == {}
