"""Issue 11 done: an instrument of a study's own, from upload to export, in a real browser.

An XLSForm with a question added to the ward form and a Welsh column is uploaded, previewed,
and a study created on it; respondents answer through the session link on a phone, one in
English and one in Cymraeg; the added question is on the "Every question" page and in the
report; the study moves to a new version (a code relabelled, mapped; a question added) and is
answered once more; the CSV export holds the responses to both versions, each row with the
version it answered.  axe-core finds no violation on any page visited."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, PHONE, browser, shots  # noqa: F401
from tests.web.test_browser_instruments import AGE, PASSWORD, _preview, _sign_in, _upload
from tests.web.test_instruments import xlsform

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]
YEARS = ["integer", "years", "Years in post", "Blynyddoedd yn y swydd", "", ""]


def _version_two() -> bytes:
    """Version 2: "No" relabelled "Not yet" (its old answers mapped), and a question added."""
    book = openpyxl.load_workbook(io.BytesIO(xlsform("2", extra_row=AGE, no_label="Not yet")))
    book["survey"].append(YEARS)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _respond(browser, url, token, scanner, answers, welsh=False, name="en") -> None:  # noqa: F811
    """One respondent on a phone, through the session link."""
    context = browser.new_context(**PHONE)
    r = context.new_page()
    scanner.watch(r)
    r.goto(f"{url}/s/{token}/")
    words = {"start": "Start the survey", "next": "Save and continue", "send": "Submit my answers"}
    if welsh:
        r.click("nav[aria-label='Language / Iaith'] a:has-text('Cymraeg')")
        r.wait_for_url("**/?lang=cy")
        assert r.get_attribute("html", "lang") == "cy"
        words = {
            "start": "Dechrau'r arolwg",
            "next": "Cadw a pharhau",
            "send": "Cyflwyno fy atebion",
        }
    scanner.scan(r, f"study-{name}-01-start")
    r.check("#consent")
    r.get_by_role("button", name=words["start"]).click()
    r.wait_for_url(re.compile(r".*/answer/1/$"))
    main = r.inner_text("main")
    assert ("Oed" if welsh else "Age") in main  # the question the study added
    r.check(f"input[name=seen][value={answers['seen']}]")
    if "where" in answers:
        r.fill("[name=where]", answers["where"])
    r.fill("[name=age]", answers["age"])
    if "years" in answers:
        r.fill("[name=years]", answers["years"])
    scanner.scan(r, f"study-{name}-02-page")
    r.get_by_role("button", name=words["next"]).click()
    r.wait_for_url("**/check/")
    scanner.scan(r, f"study-{name}-03-check")
    r.get_by_role("button", name=words["send"]).click()
    r.wait_for_url("**/thanks/**")
    scanner.scan(r, f"study-{name}-04-thanks")
    context.close()


def _every_question(page, url, slug, scanner, step: str) -> str:
    """The "Every question" page's table for Age, once the results are up to date (the first
    view works them out; later ones are brought up to date by the background worker)."""
    from readiness.web.jobs import worker

    page.goto(f"{url}/studies/{slug}/questions/")
    worker.run(once=True)
    page.reload()
    page.wait_for_selector("#question-age")
    scanner.scan(page, f"study-every-question-{step}")
    return page.inner_text("#question-age")


def _exported_rows(page, url, slug, scanner) -> list[dict]:
    page.goto(f"{url}/studies/{slug}/export/")
    assert "3 responses to ward-form v2" in page.inner_text("main")
    assert "2 of them answered an earlier version" in page.inner_text("main")
    scanner.scan(page, "study-export")
    with page.expect_download() as caught:
        page.click("a:has-text('CSV with a codebook')")
    content = Path(caught.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        name = next(n for n in archive.namelist() if n.endswith("-responses.csv"))
        text = archive.read(name).decode()
        codebook = archive.read(name.replace(".csv", "-codebook.csv")).decode()
    assert "[asked by v2 only]" in codebook  # years
    return list(csv.DictReader(io.StringIO(text)))


def test_an_instrument_of_a_studys_own_from_upload_to_export(  # noqa: PLR0915 - one journey
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.surveys import services
    from readiness.web.surveys.models import InstrumentVersion, Response, Study

    django_user_model.objects.create_user(
        "admin", password=PASSWORD, is_superuser=True, is_staff=True
    )
    url = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    scanner = Scanner(shots)
    scanner.watch(page)
    _sign_in(page, url, "admin")

    # The form with a question added (Age) and a Welsh column, uploaded and previewed.
    _upload(page, url, "ward.xlsx", xlsform(extra_row=AGE))
    assert "Cymraeg" in page.inner_text("main")
    scanner.scan(page, "study-01-confirm")
    page.click("button:has-text('Save this version')")
    page.wait_for_load_state("load")
    v1 = InstrumentVersion.objects.get(instrument_id="ward-form", version="1")
    assert "Cymraeg (cy)" in page.inner_text("main")
    scanner.scan(page, "study-02-version")
    _preview(page, scanner, url)

    # A study on it, with a site and a session.
    page.goto(f"{url}/studies/new/")
    page.fill("#id_name", "Ward study")
    page.select_option("#id_instrument", str(v1.pk))
    scanner.scan(page, "study-03-new")
    page.click("button:has-text('Create study')")
    page.wait_for_load_state("load")
    study = Study.objects.get(name="Ward study")
    assert study.instrument == v1
    session = services.add_session(services.add_site(study, "W1", "Ward 1"), date(2026, 3, 2), 9)

    # Answered on a phone in English and in Cymraeg.
    _respond(browser, url, session.token, scanner, {"seen": "y", "where": "Ward 4", "age": "34"})
    _respond(
        browser, url, session.token, scanner, {"seen": "n", "age": "51"}, welsh=True, name="cy"
    )
    stored = [r.answers for r in Response.objects.order_by("pk")]
    assert stored == [{"seen": "y", "where": "Ward 4", "age": 34}, {"seen": "n", "age": 51}]

    # The added question on the "Every question" page and in the report.
    age = _every_question(page, url, study.slug, scanner, "01")
    assert "Answered (n)\t2" in age and "Range\t34.00 to 51.00" in age
    shots(page, "study-every-question")
    report = page.request.get(f"{url}/studies/{study.slug}/report/")
    assert report.ok and '<tbody data-key="age">' in report.text()
    assert "Age (age; number: a number)" in report.text()

    # Version 2, and the study moved to it mid-collection, the relabelled code mapped.
    _upload(page, url, "ward-v2.xlsx", _version_two())
    assert "Added: years" in page.inner_text("#instrument-changes")
    page.click("button:has-text('Save this version')")
    page.wait_for_load_state("load")
    v2 = InstrumentVersion.objects.get(instrument_id="ward-form", version="2")
    page.goto(f"{url}/studies/{study.slug}/instrument/?to={v2.pk}")
    page.select_option("#map-seen-y", "y")
    page.select_option("#map-seen-n", "-")
    scanner.scan(page, "study-04-move")
    page.click("button:has-text('Move the study')")
    page.wait_for_load_state("load")
    study.refresh_from_db()
    assert study.instrument == v2

    # Answered once more, on the new version.
    answers = {"seen": "n", "age": "29", "years": "7"}
    _respond(browser, url, session.token, scanner, answers, name="v2")
    assert Response.objects.order_by("pk").last().instrument == v2

    # The analysis reads both versions: v1's answers to Age are counted with v2's.
    age = _every_question(page, url, study.slug, scanner, "02")
    assert "Answered (n)\t3" in age and "Range\t29.00 to 51.00" in age
    assert "Answered (n)\t1" in page.inner_text("#question-years")

    # The CSV export: both versions' responses, each with its own version.
    rows = _exported_rows(page, url, study.slug, scanner)
    assert [r["instrument_version"] for r in rows] == ["1", "1", "2"]
    assert [r["age"] for r in rows] == ["34", "51", "29"]
    assert [r["seen"] for r in rows] == ["y", "", "n"]  # v1's "No" has no counterpart
    assert [r["years"] for r in rows] == ["", "", "7"]
    assert [r["where"] for r in rows] == ["Ward 4", "", ""]
    shots(page, "study-export")
    assert scanner.found == {name: [] for name in scanner.found}, scanner.found
    context.close()
