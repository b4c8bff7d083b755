"""Staff forms: every error names its field (never Django's "This field is required."), and a
session's date is typed as day, month and year (the NHS.UK date input), checked on the server
with errors that say which part is wrong."""

from __future__ import annotations

import re
from datetime import date

import pytest

from readiness.web.forms import DJANGO_WORDING
from readiness.web.surveys.models import Session
from tests.web.test_roles import STAFF, objects  # noqa: F401 - the table and its objects

pytestmark = pytest.mark.django_db
# A form posted with every box left empty (a key, so that a view's form is bound).
EMPTY = {"date[day]": "", "attended": ""}


def _login(client, django_user_model, username):
    client.force_login(django_user_model.objects.get(username=username))
    return client


def _add_session(client, study, site_id, **parts):
    data = {f"date[{k}]": v for k, v in parts.items()}
    data.update({"attended": "12", "is_open": "on"})
    return client.post(f"/studies/{study.slug}/sites/{site_id}/", data)


def test_an_empty_session_form_names_each_field(client, django_user_model, study, session_a):
    client = _login(client, django_user_model, "lead")
    html = client.post(f"/studies/{study.slug}/sites/{session_a.site_id}/", EMPTY).content.decode()
    assert "Enter the date of the session" in html
    assert "Enter the number attending" in html
    assert "This field is required" not in html
    assert 'href="#id_date-day"' in html  # the summary links to the date's first box


@pytest.mark.parametrize(
    ("parts", "message", "wrong"),
    [
        ({"day": "", "month": "3", "year": "2027"}, "must include a day", ["day"]),
        (
            {"day": "15", "month": "", "year": ""},
            "must include a month and a year",
            ["month", "year"],
        ),
        ({"day": "15", "month": "13", "year": "2027"}, "must have a month from 1 to 12", ["month"]),
        ({"day": "x", "month": "3", "year": "2027"}, "must have a day from 1 to 31", ["day"]),
        ({"day": "15", "month": "3", "year": "27"}, "must have a year of 4 digits", ["year"]),
        ({"day": "31", "month": "2", "year": "2027"}, "must be a real date", ["day"]),
    ],
)
def test_a_wrong_date_says_which_part_is_wrong(
    client, django_user_model, study, session_a, parts, message, wrong
):
    client = _login(client, django_user_model, "lead")
    before = Session.objects.count()
    html = _add_session(client, study, session_a.site_id, **parts).content.decode()
    assert f"The date of the session {message}" in html
    assert f'href="#id_date-{wrong[0]}"' in html
    marked = re.findall(r'nhsuk-input--error" id="id_date-(\w+)"', html)
    assert marked == wrong  # only the wrong parts are marked
    assert Session.objects.count() == before


def test_a_whole_date_adds_the_session_and_the_form_shows_its_parts(
    client, django_user_model, study, session_a
):
    client = _login(client, django_user_model, "lead")
    response = _add_session(client, study, session_a.site_id, day="15", month="3", year="2027")
    assert response.status_code == 302
    session = Session.objects.get(date=date(2027, 3, 15))
    html = client.get(f"/studies/{study.slug}/sessions/{session.pk}/").content.decode()
    assert "For example, 15 3 2027" in html
    for name, value in (("day", "15"), ("month", "3"), ("year", "2027")):
        assert re.search(rf'name="date\[{name}\]"[^>]*value="{value}"', html), name


def test_no_staff_form_shows_djangos_wording(client, django_user_model, objects):  # noqa: F811
    """Every staff page of the roles table, as the study lead and as the administrator: its
    forms posted empty show no error in Django's own words."""
    found, posted_pages = [], 0
    for username in ("lead", "admin"):
        client = _login(client, django_user_model, username)
        for name, (template, allowed) in STAFF.items():
            if allowed.get(username) != 200:
                continue
            path = template.format(**objects)
            page = client.get(path)
            if "html" not in page.get("Content-Type", ""):
                continue
            html = page.content.decode()
            if not re.search(r'<form[^>]*method="post"', html, re.I):
                continue
            posted = client.post(path, EMPTY).content.decode(errors="replace")
            posted_pages += 1
            found += [f"{username} {name}: {w}" for w in DJANGO_WORDING if w in posted]
    assert found == []
    assert posted_pages >= 10  # the settings, members, sites, session, paper, import pages...
