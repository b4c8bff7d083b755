"""A large import in a real browser: the upload goes to the background worker, and the job's
page follows it until it is done."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401
from tests.web.test_jobs import worker_process

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def test_an_import_is_followed_on_its_job_page_until_done(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
    settings,
    tmp_path,
):
    from datetime import date

    from readiness.web.surveys import services
    from readiness.web.surveys.models import Response

    settings.READINESS_IMPORT_INLINE_BYTES = 0  # this small file goes to the worker
    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    study = services.create_study(name="Imports", lead=lead)
    services.add_session(services.add_site(study, "T01", "Trust"), date(2026, 3, 2), 9)
    upload = tmp_path / "batch.csv"
    upload.write_text("session,discipline,years_qualified\n" + "T01-1,2,7\n" * 40)

    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", "a-long-test-password")
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server.url}/studies/{study.slug}/import/")
    page.set_input_files("input[type=file][name=file]", str(upload))
    page.click("button:has-text('Check and import')")
    page.wait_for_url("**/jobs/*/")
    assert page.locator("#job-state").inner_text() == "Waiting to start"
    shots(page, "job-waiting")
    worker = worker_process(once=False)  # the worker starts after the upload, as after a restart
    try:
        page.locator("#job-result").wait_for(timeout=60_000)  # the script saw it finish
    finally:
        worker.terminate()
        out, _ = worker.communicate(timeout=60)
    assert page.locator("#job-state").inner_text() == "Done", out
    assert page.locator("#job-result").inner_text() == "Imported 40 responses from batch.csv."
    shots(page, "job-done")
    assert Response.objects.filter(session__site__study=study).count() == 40
    context.close()
