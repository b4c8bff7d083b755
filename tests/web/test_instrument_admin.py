"""An instrument version is never edited in place: its text and its SHA-256 always agree."""

from __future__ import annotations

import hashlib

import pytest

from readiness.errors import ReadinessError
from readiness.web.surveys.models import InstrumentVersion

pytestmark = pytest.mark.django_db

TINY = """id: tiny
version: 1
title: Tiny
sections:
  - id: s
    title: S
    items:
      - {id: a, type: text, text: Anything}
"""


def test_the_admin_shows_a_stored_version_read_only(client, study, django_user_model):
    version = study.instrument
    before = (version.yaml, version.sha256)
    client.force_login(django_user_model.objects.get(username="admin"))
    url = f"/admin/surveys/instrumentversion/{version.pk}/change/"
    page = client.get(url).content.decode()
    assert '<textarea name="yaml"' not in page
    client.post(url, {"yaml": version.yaml.replace("Readiness survey", "Edited"), "_save": "1"})
    version.refresh_from_db()
    assert (version.yaml, version.sha256) == before
    assert version.sha256 == hashlib.sha256(version.yaml.encode()).hexdigest()


def test_a_stored_versions_text_cannot_change(study):
    version = study.instrument
    version.yaml = version.yaml.replace("Readiness survey", "Edited")
    with pytest.raises(ReadinessError, match="new version"):
        version.save()


def test_the_admin_adds_a_version_through_the_loader(client, study, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    url = "/admin/surveys/instrumentversion/add/"
    bad = client.post(url, {"yaml": TINY.replace("type: text", "type: essay")})
    assert bad.status_code == 200 and "essay" in bad.content.decode()
    assert not InstrumentVersion.objects.filter(instrument_id="tiny").exists()
    added = client.post(url, {"yaml": TINY.replace("\n", "\r\n")})
    assert added.status_code == 302
    version = InstrumentVersion.objects.get(instrument_id="tiny")
    assert (version.version, version.title, version.yaml) == ("1", "Tiny", TINY)
    assert version.sha256 == hashlib.sha256(TINY.encode()).hexdigest()
    again = client.post(url, {"yaml": TINY + "# changed\n"})
    assert again.status_code == 200 and "stored already" in again.content.decode()
