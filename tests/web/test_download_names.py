"""Download names made from what people type cannot break the Content-Disposition header."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from readiness.web.attachment import ascii_name, attachment

pytestmark = pytest.mark.django_db

HEADER = re.compile(
    r"""^attachment; filename\*=UTF-8''(?P<exact>[A-Za-z0-9%._~-]+); filename="(?P<ascii>[A-Za-z0-9._-]+)"$"""
)


def test_a_qr_code_download_name_is_escaped(client, session_a, django_user_model):
    session_a.code = 'A"; filename=evil.exe; x="é'
    session_a.save()
    client.force_login(django_user_model.objects.get(username="lead"))
    slug = session_a.site.study.slug
    response = client.get(f"/studies/{slug}/sessions/{session_a.pk}/qr.svg?download=1")
    assert response.status_code == 200
    found = HEADER.match(response["Content-Disposition"])
    assert found, response["Content-Disposition"]
    assert found["ascii"] == "A-filename-evil.exe-x-e-qr.svg"
    assert unquote(found["exact"]) == 'A"; filename=evil.exe; x="é-qr.svg'


def test_attachment_names():
    assert attachment("study-responses.csv") == (
        "attachment; filename*=UTF-8''study-responses.csv; filename=\"study-responses.csv\""
    )
    assert ascii_name("../../etc/passwd") == "etc-passwd"
    assert ascii_name("\r\n") == "download"
    long = ascii_name("x" * 300 + ".xlsx")
    assert len(long) == 150 and long.endswith(".xlsx")
    assert "\n" not in attachment("a\nb.csv") and HEADER.match(attachment("a\nb.csv"))
