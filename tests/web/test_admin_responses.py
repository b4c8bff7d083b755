"""Django's admin changes no response: a response is corrected or deleted on the study's pages
(readiness.web.surveys.corrections), with a reason, an audit entry that keeps its answers and
the study's data revision raised.  The admin points there (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest

from readiness.web.surveys import services
from readiness.web.surveys.models import Response, Session, Study
from tests.web.test_corrections import make_response

pytestmark = pytest.mark.django_db

ELSEWHERE = "Delete this response"


@pytest.fixture
def admin_client(client, study, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


def _key(study) -> str:
    return services.results_key(Study.objects.get(pk=study.pk), None)


def test_the_admin_cannot_delete_a_response(admin_client, study, session_a):
    kept, other = make_response(session_a, "t-1"), make_response(session_a, "t-2")
    key = _key(study)
    assert admin_client.get(f"/admin/surveys/response/{kept.pk}/delete/").status_code == 403
    assert (
        admin_client.post(f"/admin/surveys/response/{kept.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    listing = admin_client.get("/admin/surveys/response/").content.decode()
    assert 'value="delete_selected"' not in listing  # no bulk deletion offered
    admin_client.post(
        "/admin/surveys/response/",
        {"action": "delete_selected", "_selected_action": [kept.pk, other.pk], "post": "yes"},
    )
    assert Response.objects.count() == 2 and _key(study) == key


def test_the_admin_says_where_responses_are_corrected(admin_client, study, session_a):
    response = make_response(session_a)
    listing = admin_client.get("/admin/surveys/response/").content.decode()
    assert ELSEWHERE in listing and "readiness web delete-response" in listing
    page = admin_client.get(f"/admin/surveys/response/{response.pk}/change/").content.decode()
    assert f'href="/studies/{study.slug}/responses/{response.pk}/"' in page
    assert ELSEWHERE in page


@pytest.mark.parametrize("bulk", [False, True])
def test_a_session_holding_responses_is_not_deleted(admin_client, study, session_a, bulk):
    make_response(session_a)
    if bulk:
        page = admin_client.post(
            "/admin/surveys/session/",
            {"action": "delete_selected", "_selected_action": [session_a.pk], "post": "yes"},
        )
    else:
        page = admin_client.post(f"/admin/surveys/session/{session_a.pk}/delete/", {"post": "yes"})
    text = page.content.decode()
    assert page.status_code == 200 and "protected related objects" in text
    assert ELSEWHERE in text and "permission" not in text
    assert Response.objects.count() == 1 and Session.objects.filter(pk=session_a.pk).exists()


def test_a_session_holding_responses_keeps_its_site(admin_client, study, session_a, session_b):
    make_response(session_a)
    page = admin_client.get(f"/admin/surveys/session/{session_a.pk}/change/").content.decode()
    assert 'name="site"' not in page  # shown, not edited: its responses name their site
    empty = admin_client.get(f"/admin/surveys/session/{session_b.pk}/change/").content.decode()
    assert 'name="site"' in empty


def test_a_site_holding_responses_keeps_its_code(admin_client, study, session_a):
    make_response(session_a)  # its answers name site A by its code
    page = admin_client.get(f"/admin/surveys/study/{study.pk}/change/").content.decode()
    found = re.findall(r'(<input[^>]*name="sites-(\d)-code"[^>]*>)', page)
    fields = {number: tag for tag, number in found}
    assert "disabled" in fields["0"] and 'value="A"' in fields["0"]
    assert "disabled" not in fields["1"] and 'value="B"' in fields["1"]


def test_a_study_holding_responses_is_not_deleted(admin_client, study, session_a):
    make_response(session_a)
    page = admin_client.post(f"/admin/surveys/study/{study.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200 and ELSEWHERE in page.content.decode()
    assert Study.objects.filter(pk=study.pk).exists() and Response.objects.count() == 1
