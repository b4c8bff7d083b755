"""Django's admin for studies runs the staff form's checks (SQLite and PostgreSQL).

A study's nation and its survey must agree: two knowledge statements have a different right
answer in Northern Ireland, which has its own version of the survey.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from readiness.instrument import shipped_instrument
from readiness.web.surveys import services
from readiness.web.surveys.models import InstrumentVersion, Study

pytestmark = pytest.mark.django_db

ADD = "/admin/surveys/study/add/"


@pytest.fixture
def admin_client(client, study, django_user_model):
    services.install_instrument(shipped_instrument("readiness-survey-ni"))
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


def _versions() -> tuple[InstrumentVersion, InstrumentVersion]:
    return (
        InstrumentVersion.objects.get(instrument_id="readiness-survey"),
        InstrumentVersion.objects.get(instrument_id="readiness-survey-ni"),
    )


def _post(name: str, nation: str, instrument: InstrumentVersion) -> dict:
    return {
        "name": name,
        "slug": re.sub(r"\W+", "-", name.lower()),
        "nation": nation,
        "instrument": instrument.pk,
        "information": "",
        "show_feedback": "on",
        "is_open": "on",
        "follow_up_days": "",
        # the sites inline's management form
        "sites-TOTAL_FORMS": "0",
        "sites-INITIAL_FORMS": "0",
        "sites-MIN_NUM_FORMS": "0",
        "sites-MAX_NUM_FORMS": "1000",
    }


def _errors(response) -> str:
    found = re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", f)) for f in found)


def test_the_admin_refuses_a_northern_ireland_study_on_the_base_survey(admin_client):
    base, ni = _versions()
    refused = admin_client.post(ADD, _post("NI study", "northern_ireland", base))
    assert refused.status_code == 200
    assert "Choose readiness-survey-ni for a study in Northern Ireland" in _errors(refused)
    assert not Study.objects.filter(name="NI study").exists()
    made = admin_client.post(ADD, _post("NI study", "northern_ireland", ni))
    assert made.status_code == 302, _errors(made)
    assert Study.objects.get(name="NI study").instrument == ni


def test_the_admin_refuses_the_northern_ireland_survey_elsewhere(admin_client):
    base, ni = _versions()
    refused = admin_client.post(ADD, _post("Welsh study", "wales", ni))
    assert refused.status_code == 200
    assert "Choose readiness-survey for a study in Wales" in _errors(refused)
    assert admin_client.post(ADD, _post("Welsh study", "wales", base)).status_code == 302


def test_changing_a_studys_nation_in_the_admin_is_checked_too(admin_client, study):
    base, _ = _versions()
    assert study.instrument == base
    url = f"/admin/surveys/study/{study.pk}/change/"
    post = _post(study.name, "northern_ireland", base)
    post["slug"] = study.slug
    refused = admin_client.post(url, post)
    assert refused.status_code == 200
    assert "Choose readiness-survey-ni for a study in Northern Ireland" in _errors(refused)
    study.refresh_from_db()
    assert study.nation != "northern_ireland"


def test_the_admin_form_keeps_the_fields_the_staff_form_does_not_show(admin_client):
    """The slug, the demonstration flag and the sites stay the admin's to edit."""
    page = admin_client.get(ADD).content.decode()
    for name in ("name", "slug", "nation", "instrument", "synthetic", "follow_up_days"):
        assert f'name="{name}"' in page, name
    assert "sites-TOTAL_FORMS" in page
