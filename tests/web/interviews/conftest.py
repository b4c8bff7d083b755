"""Fixtures of the interview web tests: a lead, two coders, an outsider and a project."""

from __future__ import annotations

import pytest

from tests.web.interviews.builders import make_project


@pytest.fixture
def people(db, make_user):
    return {
        "lead": make_user("ilead"),
        "alice": make_user("alice"),
        "bob": make_user("bob"),
        "outsider": make_user("nobody"),
        "admin": make_user("root", is_superuser=True, is_staff=True),
    }


@pytest.fixture
def project(people):
    return make_project(people["lead"], coders=[people["alice"], people["bob"]])


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
