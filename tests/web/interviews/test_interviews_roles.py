"""Changes each role may not make on the interview pages (the GET walk of every page with
every role is in tests/web/test_roles.py, from the table in roles.py)."""

from __future__ import annotations

import pytest

from readiness.web.interviews import models as m
from tests.web.interviews.roles import FORBIDDEN_POSTS, interview_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(study):
    return interview_objects()


@pytest.mark.parametrize(("role", "path", "data"), FORBIDDEN_POSTS)
def test_changes_are_forbidden_without_the_role(
    client, django_user_model, objects, role, path, data
):
    client.force_login(django_user_model.objects.get(username=role))
    before = (m.Coding.objects.count(), m.Memo.objects.count(), m.Member.objects.count())
    response = client.post(path.format(**objects), data)
    assert response.status_code == 403
    assert (m.Coding.objects.count(), m.Memo.objects.count(), m.Member.objects.count()) == before


def test_anonymous_visitors_are_sent_to_sign_in(client, objects):
    response = client.post(
        f"/interviews/{objects['ip']}/transcripts/{objects['it']}/", {"start": 0}
    )
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_person_with_the_permission_may_create_projects(client, django_user_model, study):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.get(username="coordinator")
    client.force_login(user)
    assert client.get("/interviews/new/").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_interviewproject"))
    response = client.post("/interviews/new/", {"name": "Second study", "starter_codebook": "on"})
    assert response.status_code == 302
    project = m.InterviewProject.objects.get(name="Second study")
    assert project.members.get().user == user and project.members.get().role == "lead"
