"""Moving a study to another version of its instrument: the changes shown, a mapping of old
codes required where their meaning changed, the move audited; and the study settings, which
no longer change the instrument (they answered 500 doing so, and wrote no audit entry)."""

from __future__ import annotations

import pytest

from readiness.web.audit.models import Event
from readiness.web.surveys import services
from readiness.web.surveys.models import InstrumentVersion, Response, Study

pytestmark = pytest.mark.django_db

V1 = """id: staff-check
version: "1"
title: Staff check
sections:
  - id: s
    title: About you
    items:
      - id: role
        type: single_choice
        text: Your role
        choices: [{code: 1, label: Nurse}, {code: 2, label: Doctor}, {code: 3, label: Other}]
      - {id: gone, type: text, text: "Anything else?"}
"""
V2 = """id: staff-check
version: "2"
title: Staff check
sections:
  - id: s
    title: About you
    items:
      - id: role
        type: single_choice
        text: Your role
        choices: [{code: 1, label: Nurse}, {code: 2, label: Midwife}, {code: 4, label: Doctor}]
      - {id: years, type: number, text: Years in post}
"""
V3 = V1.replace('version: "1"', 'version: "3"').replace("Anything else?", "Anything more?")


@pytest.fixture
def moving(study, session_a):
    v1 = services.install_instrument(text=V1)
    v2 = services.install_instrument(text=V2)
    v3 = services.install_instrument(text=V3)
    Study.objects.filter(pk=study.pk).update(instrument=v1)
    study.refresh_from_db()
    Response.objects.create(
        session=session_a, instrument=v1, answers={"role": 2}, completed_on="2026-03-02"
    )
    return study, v1, v2, v3


def _lead(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="lead"))
    return client


def test_settings_no_longer_change_the_instrument_and_save_without_error(
    client, django_user_model, study
):
    other = services.install_instrument(text=V1)
    client = _lead(client, django_user_model)
    page = client.get(f"/studies/{study.slug}/settings/").content.decode()
    assert 'name="instrument"' not in page
    data = {"name": "Renamed", "nation": "england", "instrument": other.pk}
    data.update(show_feedback="on", is_open="on")
    response = client.post(f"/studies/{study.slug}/settings/", data)
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.name == "Renamed" and study.instrument.instrument_id == "readiness-survey"
    assert Event.objects.filter(study=study, action="edit").latest("pk").detail["fields"] == {
        "name": "Renamed"
    }


def test_settings_refuse_a_nation_the_studys_survey_does_not_fit(client, django_user_model, study):
    client = _lead(client, django_user_model)
    data = {"name": study.name, "nation": "northern_ireland", "is_open": "on"}
    page = client.post(f"/studies/{study.slug}/settings/", data).content.decode()
    assert "Choose readiness-survey-ni for a study in Northern Ireland" in page
    study.refresh_from_db()
    assert study.nation == "england"


def test_the_admin_does_not_change_a_studys_instrument(client, django_user_model, study):
    client.force_login(django_user_model.objects.get(username="admin"))
    response = client.get(f"/admin/surveys/study/{study.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="instrument"' not in page and str(study.instrument) in page
    assert 'name="instrument"' in client.get("/admin/surveys/study/add/").content.decode()


def test_only_versions_of_the_same_instrument_are_offered_once_answered(
    client, django_user_model, moving
):
    study, v1, v2, v3 = moving
    page = _lead(client, django_user_model).get(f"/studies/{study.slug}/instrument/")
    text = page.content.decode()
    assert f'value="{v2.pk}"' in text and f'value="{v3.pk}"' in text
    shipped = InstrumentVersion.objects.get(instrument_id="readiness-survey")
    assert f'value="{shipped.pk}"' not in text
    refused = client.post(f"/studies/{study.slug}/instrument/", {"to": shipped.pk})
    assert "Version: choose one of the versions listed" in refused.content.decode()
    study.refresh_from_db()
    assert study.instrument == v1


def test_the_changes_are_shown_before_moving(client, django_user_model, moving):
    study, _v1, v2, _v3 = moving
    page = _lead(client, django_user_model).get(f"/studies/{study.slug}/instrument/?to={v2.pk}")
    text = page.content.decode()
    assert "Added: years" in text and "Removed: gone" in text
    assert "code 2 was &#39;Doctor&#39;, now &#39;Midwife&#39;" in text
    assert "Old code 2 (Doctor) becomes" in text


def test_a_change_of_meaning_is_refused_without_a_mapping(client, django_user_model, moving):
    study, v1, v2, _v3 = moving
    client = _lead(client, django_user_model)
    page = client.post(f"/studies/{study.slug}/instrument/", {"to": v2.pk}).content.decode()
    assert "role: the choices changed meaning" in page
    assert "Give, for each old code of role (1, 2, 3), the new code it becomes." in page
    study.refresh_from_db()
    assert study.instrument == v1
    assert not Event.objects.filter(detail__change="instrument version changed").exists()


def test_a_mapping_to_a_code_that_does_not_exist_is_refused(client, django_user_model, moving):
    study, v1, v2, _v3 = moving
    client = _lead(client, django_user_model)
    data = {"to": v2.pk, "map-role-1": "1", "map-role-2": "9", "map-role-3": "-"}
    page = client.post(f"/studies/{study.slug}/instrument/", data).content.decode()
    assert "role: 9 is no code of the new version" in page
    study.refresh_from_db()
    assert study.instrument == v1


def test_the_move_with_a_mapping_is_kept_and_audited(client, django_user_model, moving):
    study, v1, v2, _v3 = moving
    client = _lead(client, django_user_model)
    data = {"to": v2.pk, "map-role-1": "1", "map-role-2": "4", "map-role-3": "-"}
    response = client.post(f"/studies/{study.slug}/instrument/", data)
    assert response.status_code == 302
    study.refresh_from_db()
    v2.refresh_from_db()
    assert study.instrument == v2
    assert v2.choice_mapping == {str(v1.pk): {"role": {"1": 1, "2": 4, "3": ""}}}
    event = Event.objects.get(study=study, detail__change="instrument version changed")
    assert event.detail["before"] == "staff-check v1" and event.detail["after"] == "staff-check v2"
    assert event.detail["mapping"] == {"role": {"1": 1, "2": 4, "3": ""}}


def test_a_second_study_must_use_the_same_mapping(client, django_user_model, moving, make_user):
    study, v1, v2, _v3 = moving
    client = _lead(client, django_user_model)
    good = {"to": v2.pk, "map-role-1": "1", "map-role-2": "4", "map-role-3": "-"}
    client.post(f"/studies/{study.slug}/instrument/", good)
    other = services.create_study(
        name="Other", lead=django_user_model.objects.get(username="lead"), instrument=v1
    )
    page = client.get(f"/studies/{other.slug}/instrument/?to={v2.pk}").content.decode()
    assert '<option value="4" selected>' in page  # the mapping kept is offered
    bad = {**good, "map-role-2": "2"}
    page = client.post(f"/studies/{other.slug}/instrument/", bad).content.decode()
    assert "another study moved from staff-check v1 to staff-check v2" in page
    other.refresh_from_db()
    assert other.instrument == v1


def test_a_change_of_wording_only_needs_no_mapping(client, django_user_model, moving):
    study, _v1, _v2, v3 = moving
    client = _lead(client, django_user_model)
    response = client.post(f"/studies/{study.slug}/instrument/", {"to": v3.pk})
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.instrument == v3


@pytest.mark.parametrize("role", ["coordinator", "analyst", "outsider"])
def test_only_leads_move_a_study(client, django_user_model, moving, role):
    study, v1, v2, v3 = moving
    client.force_login(django_user_model.objects.get(username=role))
    assert client.post(f"/studies/{study.slug}/instrument/", {"to": v3.pk}).status_code == 403
    study.refresh_from_db()
    assert study.instrument == v1
