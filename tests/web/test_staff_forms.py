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


def test_djangos_messages_are_replaced_and_a_forms_own_are_kept():
    from django import forms

    from readiness.web.forms import error_list, field_errors

    class Form(forms.Form):
        name = forms.CharField(label="Study name", max_length=5)
        days = forms.IntegerField(label="Days to the follow-up", required=False)
        role = forms.ChoiceField(label="Role", choices=[("a", "A")], widget=forms.RadioSelect)
        where = forms.CharField(label="Where do you work?")

        def clean_days(self):
            raise forms.ValidationError("Enter a number of days from 1 to 730, or leave it empty")

    form = Form({"name": "too long", "days": "3", "role": "z", "where": ""})
    assert not form.is_valid()
    assert field_errors(form["name"]) == ["The study name must be 5 characters or fewer"]
    assert field_errors(form["days"]) == ["Enter a number of days from 1 to 730, or leave it empty"]
    assert field_errors(form["role"]) == ["Select the role from the choices given"]
    assert field_errors(form["where"]) == ["Enter an answer to \u201cWhere do you work?\u201d"]
    assert {e["href"] for e in error_list(form)} == {
        "#id_name",
        "#id_days",
        "#id_role",
        "#id_where",
    }
    blank = Form({"name": "", "days": "x", "role": "", "where": "x"})
    assert not blank.is_valid()
    assert field_errors(blank["name"]) == ["Enter the study name"]
    assert field_errors(blank["days"]) == [
        "Enter the days to the follow-up as a whole number, like 25"
    ]
    assert field_errors(blank["role"]) == ["Select the role"]
