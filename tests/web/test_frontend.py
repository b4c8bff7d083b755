"""The NHS.UK frontend comes from npm (node_modules), served by WhiteNoise; the NHS logo shows
only when the service is run by an NHS organisation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_frontend_assets_are_served_from_node_modules(client):
    css = client.get("/static/nhsuk/nhsuk-frontend.min.css")
    assert css.status_code == 200
    assert b"nhsuk-header" in b"".join(css.streaming_content)
    assert client.get("/static/nhsuk/nhsuk-frontend.min.js").status_code == 200
    assert client.get("/static/nhsuk/assets/images/favicon.ico").status_code == 200


def test_nhs_logo_only_for_an_nhs_organisation(client, settings):
    settings.READINESS_NHS_ORGANISATION = False
    page = client.get("/").content.decode()
    assert "nhsuk-header__logo" not in page and "Readiness" in page
    settings.READINESS_NHS_ORGANISATION = True
    assert "nhsuk-header__logo" in client.get("/").content.decode()


def test_pages_link_the_stylesheet_and_the_script(client):
    page = client.get("/").content.decode()
    assert '/static/nhsuk/nhsuk-frontend.min.css"' in page
    assert '<script type="module" src="/static/readiness/init.js">' in page
    assert 'lang="en-GB"' in page
