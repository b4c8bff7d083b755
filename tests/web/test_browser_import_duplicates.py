"""The study's own export imported back, in a real browser: the import page refuses it and
says which rows, which ids and what to do, and nothing is added."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def test_an_export_imported_back_is_refused_on_the_page(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
    settings,
    tmp_path,
):
    from datetime import date

    from readiness.web.surveys import exports, imports, services
    from readiness.web.surveys.models import Response

    settings.READINESS_IMPORT_INLINE_BYTES = 10**9  # checked in the request
    lead = django_user_model.objects.create_user("lead", password="a-long-test-password")
    study = services.create_study(name="Imports", lead=lead)
    services.add_session(services.add_site(study, "T01", "Trust"), date(2026, 3, 2), 9)
    first = tmp_path / "first.csv"
    first.write_text("session,discipline,years_qualified\n" + "T01-1,2,7\n" * 7)
    imports.import_file(study, first)
    export = tmp_path / "export.csv"
    exports.write_export(study, "csv", export)
    ids = sorted(Response.objects.values_list("pk", flat=True))

    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", "a-long-test-password")
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server.url}/studies/{study.slug}/import/")
    page.set_input_files("input[type=file][name=file]", str(export))
    page.click("button:has-text('Check and import')")
    table = page.locator("#import-problem-table")
    table.wait_for()
    text = table.inner_text()
    assert "7 of the file's 7 rows are responses of study imports already" in text
    assert f"row 1 (response_id {ids[0]})" in text and "and 2 more" in text
    assert "empty their response_id cells" in text
    assert "export.csv" in page.locator("#import-problems").inner_text()
    shots(page, "import-refused-duplicates")
    assert Response.objects.count() == 7
    context.close()
