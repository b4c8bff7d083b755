"""Importing an interview project in a real browser: the upload goes to the background worker,
the job's page follows it until it is done, and then leads to the new project."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.interviews.importjob import qdpx
from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401
from tests.web.test_jobs import worker_process

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def test_a_project_import_is_followed_until_it_links_to_the_project(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
    tmp_path,
):
    from readiness.web.interviews import models as m

    django_user_model.objects.create_user(
        "root", password="a-long-test-password", is_superuser=True, is_staff=True
    )
    upload = tmp_path / "study.qdpx"
    upload.write_bytes(qdpx(4, outside=True))
    bad = tmp_path / "broken.qdpx"
    bad.write_bytes(b"not a zip")

    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "a-long-test-password")
    page.click("button:has-text('Sign in')")
    refused = context.new_page()  # a file the import refuses, followed in a tab of its own
    _upload(refused, live_server, bad)
    _upload(page, live_server, upload)
    assert page.locator("#job-state").inner_text() == "Waiting to start"
    assert not m.InterviewProject.objects.exists()
    worker = worker_process(once=False)
    try:
        page.locator("#job-result").wait_for(timeout=60_000)  # the script saw it finish
        refused.locator("#job-problems").wait_for(timeout=60_000)
    finally:
        worker.terminate()
        out, _ = worker.communicate(timeout=60)
    assert page.locator("#job-state").inner_text() == "Done", out
    assert "outside the .qdpx file" in page.locator("#import-warnings").inner_text()
    shots(page, "interview-import-done")
    page.click("#job-result a")
    page.wait_for_url("**/interviews/etude/")
    assert page.locator("h1").first.inner_text().strip().startswith("Étude")
    assert m.Transcript.objects.filter(project__slug="etude").count() == 4
    problems = refused.locator("#job-problems").inner_text()
    assert "broken.qdpx" in problems and "not a zip archive" in problems
    assert refused.locator("#job-state").inner_text() == "Failed"
    shots(refused, "interview-import-refused")
    context.close()


def _upload(page, live_server, path: Path) -> None:
    page.goto(f"{live_server.url}/interviews/import/")
    page.set_input_files("input[type=file][name=file]", str(path))
    page.click("button:has-text('Import project')")
    page.wait_for_url("**/jobs/*/")
