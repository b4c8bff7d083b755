"""The staff pages' layout: the study's menu under the header, before the content, with the
skip link still first; and every staff form's errors name the field (never Django's defaults)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _login(client, django_user_model, username):
    client.force_login(django_user_model.objects.get(username=username))
    return client


def test_the_study_menu_comes_before_the_content_and_marks_the_page(
    client, django_user_model, study, session_a
):
    client = _login(client, django_user_model, "lead")
    for path in (f"/studies/{study.slug}/", f"/studies/{study.slug}/sites/"):
        html = client.get(path).content.decode()
        skip = html.index('class="nhsuk-skip-link"')
        menu = html.index('<nav aria-label="Study"')
        main = html.index('<main class="nhsuk-main-wrapper"')
        assert skip < menu < main, path
        menu_html = html[menu : html.index("</nav>", menu)]
        assert re.search(rf'<a href="{re.escape(path)}" aria-current="page">', menu_html)
        assert menu_html.count('aria-current="page"') == 1
        assert html.count('aria-label="Study"') == 1  # not repeated at the bottom


def test_a_coordinator_sees_only_the_entries_of_their_role(
    client, django_user_model, study, session_a
):
    client = _login(client, django_user_model, "coordinator")
    html = client.get(f"/studies/{study.slug}/").content.decode()
    menu = html[html.index('<nav aria-label="Study"') :]
    menu = menu[: menu.index("</nav>")]
    assert "Paper forms" in menu and "Sites and sessions" in menu
    assert "Export responses" not in menu and "People and roles" not in menu
