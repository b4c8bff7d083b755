"""The NHS.UK frontend's CSS names its icons at /assets/images/: each is found among the static
files (an input with an error, a select's arrows), not a 404 in every page's log."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def _icons_named_by_the_css() -> set[str]:
    css = (settings.FRONTEND_DIR / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    return set(re.findall(r"url\(/assets/images/([a-z0-9-]+\.svg)\)", css))


def test_every_icon_the_css_names_is_served(client):
    if not settings.FRONTEND_DIR.is_dir():
        pytest.skip("the NHS.UK frontend is not installed (npm ci)")
    icons = _icons_named_by_the_css()
    assert "nhsuk-icon-cross.svg" in icons
    for name in icons:
        moved = client.get(f"/assets/images/{name}")
        assert moved.status_code == 302, name
        assert (settings.FRONTEND_DIR / "assets" / "images" / name).is_file(), name
        assert moved["Location"].endswith(f"nhsuk/assets/images/{name}")


def test_other_paths_under_assets_are_not_found(client):
    assert client.get("/assets/images/../../settings.py").status_code == 404
    assert client.get("/assets/images/other.svg").status_code == 404
