"""The import page in a real browser: axe-core finds no violation (its file input's label
matches what the enhanced control shows), and its hints speak to a web user."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]
PASSWORD = "a-long-test-password"


def test_the_import_page_passes_axe(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.surveys import services

    lead = django_user_model.objects.create_user("lead", password=PASSWORD)
    study = services.create_study(name="Imports", lead=lead)
    services.add_session(services.add_site(study, "T01", "Trust"), date(2026, 3, 2), 9)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    scanner = Scanner(shots)
    scanner.watch(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server.url}/studies/{study.slug}/import/")
    page.wait_for_selector("#import-file", state="attached")
    scanner.scan(page, "import-01-page")
    assert scanner.found == {name: [] for name in scanner.found}, scanner.found
    # No command-line tool named in backticks: the hints speak to a person in a browser.
    assert "`" not in page.inner_text("main")
    context.close()
