"""The API tokens page in a real browser, on a phone screen: a person makes a token (axe-core
finds no violation on the page, before and after), the API is then read with it from Python
and refused without it, and once it is revoked on the page it no longer works."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, FLAGS, PHONE, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]
PASSWORD = "a-long-test-password"


def _read(url: str, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_a_token_made_on_the_page_reads_the_api(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.surveys import services

    lead = django_user_model.objects.create_user("lead", password=PASSWORD)
    study = services.create_study(name="Safeguarding training 2026", lead=lead)
    base = live_server.url

    page = browser.new_context(**PHONE).new_page()
    scanner = Scanner(shots)
    scanner.watch(page)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/studies/")
    page.click("a:has-text('lead')")
    page.click("a:has-text('API tokens')")
    page.wait_for_url("**/api/tokens/")
    scanner.scan(page, "api-01-tokens")
    page.fill("input[name=name]", "R on my laptop")
    page.check(f"input[name=study][value='{study.slug}']")
    assert page.is_visible("text=All the studies I have a role in")
    page.click("button:has-text('Make a token')")
    secret = page.input_value("#token-secret")
    scanner.scan(page, "api-02-new-token")
    assert secret.startswith("rdy_")

    status, body = _read(f"{base}/api/v1/studies", secret)
    assert status == 200 and [s["slug"] for s in body["studies"]] == [study.slug]
    status, body = _read(f"{base}/api/v1/studies/{study.slug}", None)
    assert status == 401 and "Bearer" in body["error"]

    page.click("button:has-text('Revoke')")
    page.wait_for_url("**/api/tokens/")
    assert "is revoked" in page.content()
    scanner.scan(page, "api-03-revoked")
    assert _read(f"{base}/api/v1/studies", secret)[0] == 401
    assert scanner.found == {name: [] for name in scanner.found}, scanner.found
    assert not [m for m in scanner.console if "Content Security Policy" in m], scanner.console
