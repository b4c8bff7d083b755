"""The rules the studies' and the interview projects' permissions share
(readiness.web.permissions), seen through both apps."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from readiness.web.accounts import permissions as study_perm
from readiness.web.accounts.models import Membership
from readiness.web.interviews import models as im
from readiness.web.interviews import permissions as project_perm
from readiness.web.interviews import services as interview_services
from readiness.web.permissions import ADMIN, roles_held
from readiness.web.surveys.models import Study

pytestmark = pytest.mark.django_db


def user(name: str):
    return get_user_model().objects.get(username=name)


@pytest.fixture
def project(study):
    """An interview project led by the study's analyst."""
    return interview_services.new_project("Ward interviews", user("analyst"))


def test_each_app_keeps_its_roles_under_the_shared_rules(study, project):
    coordinator = study_perm.access_for(user("coordinator"), study)
    assert coordinator.role_label == "Site coordinator"
    assert coordinator.has(study_perm.ENTER_PAPER) and not coordinator.has(study_perm.EXPORT)
    with pytest.raises(PermissionDenied):
        coordinator.require(study_perm.VIEW, site_id=study.sites.get(code="B").pk)
    lead = project_perm.access_for(user("analyst"), project)
    assert lead.role_label == "Project lead" and lead.has(project_perm.EXPORT_PROJECT)
    for module, obj in ((study_perm, study), (project_perm, project)):
        admin = module.access_for(user("admin"), obj)
        assert admin.role == ADMIN and admin.permissions == module.ALL
        assert admin.role_label == "System administrator"
        assert module.access_for(user("outsider"), obj) is None


def test_an_inactive_account_has_no_access_anywhere(study, project):
    analyst = user("analyst")
    analyst.is_active = False
    analyst.save()
    assert study_perm.access_for(analyst, study) is None
    assert project_perm.access_for(analyst, project) is None


def test_the_lists_of_studies_and_projects_show_the_role_held(study, project, client):
    analyst = user("analyst")
    assert roles_held(analyst, Study.objects.all(), Membership.objects, "study") == [
        (study, "Analyst")
    ]
    assert roles_held(analyst, im.InterviewProject.objects.all(), im.Member.objects, "project") == [
        (project, "Project lead")
    ]
    everything = roles_held(user("admin"), Study.objects.all(), Membership.objects, "study")
    assert everything == [(study, "System administrator")]
    client.force_login(analyst)
    assert "Analyst" in client.get("/studies/").content.decode()
    assert "Project lead" in client.get("/interviews/").content.decode()
