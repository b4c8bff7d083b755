"""Instruments in a real browser: an XLSForm with a Welsh column uploaded (its problems, then
its warnings shown before saving), saved, previewed in both languages with its condition
working, a study created on it and moved to a new version with its old codes mapped; axe-core
finds no violation on any of these pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401
from tests.web.test_instruments import xlsform

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]
PASSWORD = "a-long-test-password"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AGE = ["integer", "age", "Age", "Oed", "", ". > 15 and . < 100"]


def _upload(page, url: str, name: str, content: bytes) -> None:
    page.goto(f"{url}/instruments/")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.click("button:has-text('Check the file')")
    page.wait_for_load_state("load")


def _sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("load")


def _preview(page, scanner, url: str) -> None:
    page.click("text=Preview as a respondent")
    assert "Preview — answers are not kept" in page.inner_text("main")
    scanner.scan(page, "instruments-04-preview-start")
    page.click("button:has-text('Start the preview')")
    page.wait_for_load_state("load")
    assert "Seen a patient?" in page.inner_text("main")
    scanner.scan(page, "instruments-05-preview-page")
    # "Where?" is asked only of those who have seen a patient (its relevant).
    page.check("input[name=seen][value=n]")
    page.click("button:has-text('Continue')")
    page.wait_for_load_state("load")
    assert "Seen a patient?" in page.inner_text("main") and "Where?" not in page.inner_text("main")
    page.goto(page.url.replace("/check/", "/1/"))
    page.check("input[name=seen][value=y]")
    page.fill("[name=where]", "Ward 4")
    page.click("button:has-text('Continue')")
    page.wait_for_load_state("load")
    assert "Ward 4" in page.inner_text("main")
    # The same preview in Welsh, its answers kept.
    page.click("a[hreflang=cy]")
    page.wait_for_load_state("load")
    assert "Ble?" in page.inner_text("main") and "Ward 4" in page.inner_text("main")
    assert page.get_attribute("html", "lang") == "cy"
    scanner.scan(page, "instruments-06-preview-welsh")


def test_upload_preview_and_move_a_study(  # noqa: PLR0915 - one journey through the pages
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.surveys import services
    from readiness.web.surveys.models import Draft, InstrumentVersion, Response, Study

    django_user_model.objects.create_user(
        "admin", password=PASSWORD, is_superuser=True, is_staff=True
    )
    url = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    scanner = Scanner(shots)
    scanner.watch(page)
    _sign_in(page, url, "admin")
    page.goto(f"{url}/instruments/")
    scanner.scan(page, "instruments-01-list")

    # A file with a problem: the problem is named with its sheet, row and column.
    _upload(page, url, "ward.xlsx", xlsform(bad_type=True))
    problems = page.inner_text("#instrument-problem-table")
    assert "sheet survey" in problems and "row 2" in problems and "banana" in problems
    scanner.scan(page, "instruments-02-problems")

    # The corrected file: what the conversion did not keep is shown before saving.
    _upload(page, url, "ward.xlsx", xlsform(extra_row=AGE))
    assert "the constraint '. > 15 and . < 100' is not kept" in page.inner_text("main")
    assert not InstrumentVersion.objects.filter(instrument_id="ward-form").exists()
    scanner.scan(page, "instruments-03-confirm")
    page.click("button:has-text('Save this version')")
    page.wait_for_load_state("load")
    v1 = InstrumentVersion.objects.get(instrument_id="ward-form", version="1")
    assert "Cymraeg (cy)" in page.inner_text("main")
    scanner.scan(page, "instruments-03b-version")

    counts = (Response.objects.count(), Draft.objects.count())
    _preview(page, scanner, url)
    assert (Response.objects.count(), Draft.objects.count()) == counts

    # A study on the new instrument, with one response to version 1.
    page.goto(f"{url}/studies/new/")
    page.fill("#id_name", "Ward study")
    page.select_option("#id_instrument", str(v1.pk))
    page.click("button:has-text('Create study')")
    page.wait_for_load_state("load")
    study = Study.objects.get(name="Ward study")
    assert study.instrument == v1
    session = services.add_session(services.add_site(study, "W1", "Ward 1"), date(2026, 3, 2), 9)
    Response.objects.create(
        session=session, instrument=v1, answers={"seen": "n"}, completed_on="2026-03-02"
    )

    # Version 2 relabels a code: the move asks for the old codes' new ones.
    _upload(page, url, "ward-v2.xlsx", xlsform("2", extra_row=AGE, no_label="Not yet"))
    assert "seen: choices changed" in page.inner_text("#instrument-changes")
    page.click("button:has-text('Save this version')")
    page.wait_for_load_state("load")
    v2 = InstrumentVersion.objects.get(instrument_id="ward-form", version="2")
    page.goto(f"{url}/studies/{study.slug}/instrument/")
    page.select_option("#to", str(v2.pk))
    page.click("button:has-text('Show what changes')")
    page.wait_for_load_state("load")
    scanner.scan(page, "instruments-07-move")
    page.click("button:has-text('Move the study')")
    page.wait_for_load_state("load")
    assert "the choices changed meaning" in page.inner_text(".nhsuk-error-summary")
    page.select_option("#map-seen-y", "y")
    page.select_option("#map-seen-n", "-")
    page.click("button:has-text('Move the study')")
    page.wait_for_load_state("load")
    study.refresh_from_db()
    assert study.instrument == v2
    assert "now collects ward-form v2" in page.inner_text("main")
    assert v2.__class__.objects.get(pk=v2.pk).choice_mapping == {
        str(v1.pk): {"seen": {"y": "y", "n": ""}}
    }
    assert scanner.found == {name: [] for name in scanner.found}, scanner.found
    context.close()
