"""The import page's hints speak to a person in a browser: the checks are shared with the
command line, but no fix names a command-line tool or option, in backticks or not."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

CLI = re.compile(r"`|readiness responses|--[a-z]")


def _words(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _import(client, study, tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with open(path, "rb") as handle:
        return client.post(f"/studies/{study.slug}/import/", {"file": handle, "session": ""})


def _lead(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="lead"))


def test_warnings_after_an_import_name_no_command(client, django_user_model, study, tmp_path):
    session = study.sites.get(code="A").sessions.get()
    _lead(client, django_user_model)
    # No instrument_version column, and a count answered where "contact ever" is No.
    text = f"session,discipline,contact_ever,contact_count\n{session.code},1,0,3\n"
    done = _import(client, study, tmp_path, text, "hints.csv")
    assert done.status_code == 302, done.content.decode()[:2000]
    page = client.get(done["Location"]).content.decode()
    warnings = page[page.index('id="import-warnings"') :]
    warnings = warnings[: warnings.index("</div>")]
    assert "instrument_version" in warnings and "contact_count" in warnings
    assert "this application&#39;s exports write it" in warnings
    assert not CLI.search(_words(warnings)), warnings


def test_problems_of_a_refused_import_name_no_command(client, django_user_model, study, tmp_path):
    session = study.sites.get(code="A").sessions.get()
    _lead(client, django_user_model)
    text = f"session,instrument_version,discipline\n{session.code},0.1,1\n"
    refused = _import(client, study, tmp_path, text, "old.csv").content.decode()
    table = refused[refused.index('id="import-problem-table"') : refused.index("</table>")]
    assert "instrument_version" in table and "a study that uses the version" in table
    assert not CLI.search(_words(table)), table
