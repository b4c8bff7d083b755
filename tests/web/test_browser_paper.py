"""Paper entry, double entry, export and import in a real browser on a phone screen.

Playwright drives Debian's Chromium with the flags and the phone of ``test_browser.py``.  The
staff sign in through a session cookie (the sign-in page itself is walked in
``test_browser.py``).  A study lead enters a paper form, with one validation error corrected;
with double entry on, the lead and a site coordinator enter the same form with one difference,
which blocks the form until the lead resolves it; the dashboard counts both forms; the SPSS
export downloaded in the browser reads back with pyreadstat with its labels; an import with a
problem is refused row by row, and the corrected file is imported.  Screenshots go to
``$READINESS_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import re

import pytest

from tests.web.test_browser import CHROMIUM, PHONE, browser, shots  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not __import__("pathlib").Path(CHROMIUM).exists(), reason="needs Debian's chromium"
    ),
]


def signed_in(browser, live_server, user):  # noqa: F811
    """A phone-sized browser context signed in as ``user``."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(**PHONE)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def fill_paper_form(page, *, years: str, k_border: str) -> None:
    """Key the answers of one paper form (a few questions left blank, as on paper)."""
    page.check("#q-discipline-2")  # Maternity
    page.check("#q-profession-3")
    page.fill("#q-years_qualified", years)
    page.check("#q-training_prior")  # Yes: reveals where and when
    page.check("#q-training_where")
    page.fill("#q-training_when-month", "3")
    page.fill("#q-training_when-year", "2024")
    page.check("#q-contact_ever-2")  # No
    page.check("#q-pk_signs-2")
    page.check(f"#q-k_border{'' if k_border == '1' else '-3'}")


def test_paper_entry_double_entry_export_and_import_on_a_phone(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
    tmp_path,
):
    from datetime import date

    import pyreadstat

    from readiness.web.accounts.models import Membership, Role
    from readiness.web.surveys import services
    from readiness.web.surveys.models import PaperForm, Response, Source

    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    coordinator = django_user_model.objects.create_user("coord", password="a-long-test-password")
    study = services.create_study(name="Paper forms 2026", lead=lead)
    site = services.add_site(study, "T01", "North General Hospital")
    session = services.add_session(site, date(2026, 3, 2), attended=30)
    membership = Membership.objects.create(user=coordinator, study=study, role=Role.COORDINATOR)
    membership.sites.set([site])
    base = f"{live_server.url}/studies/{study.slug}"

    # The lead enters a paper form; one mistyped number is corrected.
    staff = signed_in(browser, live_server, lead)
    page = staff.new_page()
    page.goto(f"{base}/paper/")
    shots(page, "paper-01-list-empty")
    page.click("text=Enter a paper form")
    page.wait_for_url("**/paper/new/")
    page.select_option("#paper-session", str(session.pk))
    page.fill("#paper-reference", "T01-001")
    fill_paper_form(page, years="75", k_border="1")
    page.click("button:has-text('Save this form')")
    page.wait_for_selector(".nhsuk-error-summary")
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "Enter a whole number between 0 and 60" in summary
    assert page.input_value("#q-years_qualified") == "75"  # kept, to correct
    assert page.is_checked("#q-discipline-2")
    shots(page, "paper-02-entry-error")
    page.fill("#q-years_qualified", "12")
    page.click("button:has-text('Save this form')")
    page.wait_for_url(re.compile(r".*/paper/new/\?session=\d+$"))
    assert "Form T01-001 saved: it counts as response" in page.content()
    assert page.input_value("#paper-session") == str(session.pk)  # ready for the next form
    shots(page, "paper-03-saved-next-form")
    stored = Response.objects.get()
    assert stored.source == Source.PAPER and stored.answers["years_qualified"] == 12

    # Double entry on: the lead makes the first entry of form T01-002 ...
    study.double_entry = True
    study.save()
    page.goto(f"{base}/paper/new/?session={session.pk}")
    page.fill("#paper-reference", "T01-002")
    fill_paper_form(page, years="9", k_border="1")
    page.click("button:has-text('Save this form')")
    page.wait_for_url(re.compile(r".*/paper/new/\?session=\d+$"))
    assert "Someone else now enters the same form again" in page.content()
    page.goto(f"{base}/paper/")
    assert "Someone else enters it again" in page.locator("#paper-waiting").inner_text()
    shots(page, "paper-04-list-waiting")

    # ... the coordinator enters it again, without seeing it, and types one answer differently.
    second = signed_in(browser, live_server, coordinator)
    c = second.new_page()
    c.goto(f"{base}/paper/")
    c.click("text=Enter it again")
    c.wait_for_url("**/second/")
    assert c.input_value("#q-years_qualified") == ""
    shots(c, "paper-05-second-entry")
    fill_paper_form(c, years="9", k_border="8")
    c.click("button:has-text('Save the second entry')")
    c.wait_for_url(re.compile(r".*/paper/\d+/$"))
    assert "The two entries differ on 1 question" in c.content()
    shots(c, "paper-06-differences")
    assert Response.objects.count() == 1  # the form does not count yet

    # The lead resolves the difference against the paper; the form counts.
    form = PaperForm.objects.get(reference="T01-002")
    page.goto(f"{base}/paper/{form.pk}/")
    differences = page.locator("#paper-differences").inner_text()
    assert "True (1)" in differences and "Don't know (8)" in differences
    page.check("#q-k_border")  # True, as on the paper
    shots(page, "paper-07-resolve")
    page.click("button:has-text('Save the resolved form')")
    page.wait_for_selector("#paper-status")
    assert "Counted" in page.locator("#paper-status").inner_text()
    shots(page, "paper-08-resolved")
    assert Response.objects.count() == 2
    assert Response.objects.get(paper_form=form).answers["k_border"] == 1

    page.goto(f"{base}/")
    assert page.locator("#response-count").inner_text().startswith("2 responses from 30")

    # The SPSS export, downloaded in the browser, reads back with its labels.
    page.goto(f"{base}/export/")
    shots(page, "paper-09-export")
    with page.expect_download() as info:
        page.click("text=SPSS (.sav)")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    frame, meta = pyreadstat.read_sav(str(saved))
    assert len(frame) == 2
    assert meta.column_names_to_labels["k_border"].startswith("A person has to have been moved")
    assert meta.variable_value_labels["k_border"] == {1: "True", 0: "False", 8: "Don't know"}
    assert sorted(frame["years_qualified"]) == [9.0, 12.0]

    # An import with a problem is refused with its row and column; the corrected file is taken.
    bad = tmp_path / "from-another-tool.csv"
    bad.write_text("session,discipline,years_qualified\nT01-1,2,5\nT01-1,2,99\n", "utf-8")
    page.goto(f"{base}/import/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('Check and import')")
    page.wait_for_selector("#import-problem-table")
    problems = page.locator("#import-problem-table").inner_text()
    assert "years_qualified" in problems and "line 3" in problems
    shots(page, "paper-10-import-problems")
    assert Response.objects.count() == 2
    bad.write_text("session,discipline,years_qualified\nT01-1,2,5\nT01-1,2,19\n", "utf-8")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('Check and import')")
    page.wait_for_selector("#imports")
    assert "Imported 2 responses from from-another-tool.csv" in page.content()
    shots(page, "paper-11-imported")
    assert Response.objects.count() == 4
    staff.close()
    second.close()
