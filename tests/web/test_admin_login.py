"""The admin's sign-in: our form for someone not signed in; for a signed-in account that is not
staff a refusal, not a loop of redirects between the admin and our sign-in form."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_signed_in_non_staff_account_is_refused_not_looped(client, django_user_model):
    user = django_user_model.objects.create_user("lead", password="a-long-test-password")
    client.force_login(user)
    first = client.get("/admin/surveys/response/")
    assert first.status_code == 302 and first["Location"].startswith("/admin/login/")
    refused = client.get(first["Location"])
    assert refused.status_code == 403
    assert "You cannot see this page" in refused.content.decode()


def test_someone_not_signed_in_goes_to_our_sign_in_form(client):
    answer = client.get("/admin/login/?next=/admin/")
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/?next=/admin/"
