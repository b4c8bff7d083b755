"""The shipped survey answered wholly in Welsh in a real browser (Playwright driving Debian's
Chromium) on a 390 px phone: every page is in Welsh (``<html lang="cy">``), says that its Welsh
awaits review, passes axe, and the stored answers are the same codes as in English.
Screenshots go to ``$READINESS_SCREENSHOTS``."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import PAGE_ANSWERS, SECTION_ORDER
from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, FLAGS, PHONE, browser, shots  # noqa: F401

pytestmark = [pytest.mark.slow]

WELSH_TITLES = {
    "about": "Amdanoch chi",
    "training": "Hyfforddiant",
    "contact": "Cyswllt â chleifion sydd wedi cael eu masnachu",
    "perceived": "Yr hyn rydych chi'n teimlo eich bod yn ei wybod",
    "knowledge": "Yr hyn rydych chi'n ei wybod",
    "confidence": "Ymateb i fasnachu pobl",
    "interest": "Yr hyfforddiant yr hoffech ei gael",
}


def _answer_page(r, answers: dict) -> None:
    for name, value in answers.items():
        for one in value if isinstance(value, list) else [value]:
            box = r.locator(f"input[name='{name}'][value='{one}']")
            if box.count():
                box.check()  # a radio or a box (a revealed question appears after it)
            else:
                r.locator(f"[name='{name}']").fill(one)


def _is_welsh_page(r, scanner, name: str, shots) -> None:  # noqa: F811
    assert r.locator("html").get_attribute("lang") == "cy"
    notice = r.locator("#review-notice")
    assert "Drafft yw'r Gymraeg" in notice.inner_text()
    assert notice.locator("p[lang='en-GB']").inner_text().startswith("The Welsh on these pages")
    shots(r, f"welsh-{name}")
    if scanner:
        scanner.scan(r, f"welsh-{name}")


def test_the_shipped_survey_answered_in_welsh_on_a_phone(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from datetime import date

    from readiness.web.surveys import services
    from readiness.web.surveys.models import Response

    lead = django_user_model.objects.create_user("welsh-lead", password="a-long-test-password")
    study = services.create_study(name="Astudiaeth", lead=lead, show_feedback=True)
    session = services.add_session(services.add_site(study, "C", "Ysbyty"), date(2026, 3, 2))
    scanner = Scanner(shots) if AXE.exists() else None
    context = browser.new_context(**PHONE)
    r = context.new_page()
    if scanner:
        scanner.watch(r)
    r.goto(f"{live_server.url}/s/{session.token}/")
    r.click("nav[aria-label='Language / Iaith'] a:has-text('Cymraeg')")
    r.wait_for_url("**/?lang=cy")
    assert "Arolwg parodrwydd: staff iechyd a masnachu pobl" in r.content()
    _is_welsh_page(r, scanner, "start", shots)
    r.get_by_role("button", name="Dechrau'r arolwg").click()
    r.wait_for_selector(".nhsuk-error-summary")  # consent not given: refused, in Welsh
    assert "Mae problem" in r.locator(".nhsuk-error-summary").inner_text()
    r.check("#consent")
    r.get_by_role("button", name="Dechrau'r arolwg").click()
    r.wait_for_url(re.compile(r".*/answer/1/$"))
    for number, section in enumerate(SECTION_ORDER, start=1):
        assert r.locator("h1").inner_text() == WELSH_TITLES[section]
        assert f"Tudalen {number} o {len(SECTION_ORDER)}" in r.locator("main").inner_text()
        if section == "about":
            r.fill("[name='years_qualified']", "70")
            r.get_by_role("button", name="Cadw a pharhau").click()
            r.wait_for_selector(".nhsuk-error-summary")
            summary = r.locator(".nhsuk-error-summary").inner_text()
            assert "Rhowch rif cyfan rhwng 0 a 60" in summary
            _is_welsh_page(r, scanner, "error", shots)
        _answer_page(r, PAGE_ANSWERS[section])
        _is_welsh_page(r, scanner, section, shots)
        r.get_by_role("button", name="Cadw a pharhau").click()
        r.wait_for_url(re.compile(rf".*/answer/({number + 1}|check)/$"))
    assert r.locator("h1").inner_text() == "Cyflwyno eich atebion"
    assert "Mawrth 2024" in r.locator("main").inner_text()
    _is_welsh_page(r, scanner, "check", shots)
    r.get_by_role("button", name="Cyflwyno fy atebion").click()
    r.wait_for_url("**/thanks/**")
    assert "Diolch" in r.locator("main").inner_text()
    _is_welsh_page(r, scanner, "thanks", shots)
    answers = Response.objects.get().answers
    assert answers["discipline"] == 2 and answers["training_where"] == "1 4"
    assert answers["training_when"] == "2024-03" and answers["k_border"] == 8
    assert answers["interest_formats"] == "1 3"
    if scanner:
        assert {k: v for k, v in scanner.found.items() if v} == {}
    context.close()
