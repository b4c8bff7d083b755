"""Two-factor authentication and the audit log in a real browser, on a phone screen.

A study lead sets up an authenticator app (the QR code is an image the page can show under the
content security policy; the key is read from the page) and is shown ten backup codes, signs
out, signs in with the password and a code, then with a backup code instead, requires two-factor authentication for the study, and reads the audit log (axe-core
finds no violations on these pages, and none reports a policy violation); a coordinator of the study is then made to set it up before reaching any page.  Screenshots go to
``$READINESS_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import re
import time
from base64 import b32decode
from datetime import date
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, FLAGS, PHONE, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]
PASSWORD = "a-long-test-password"


def _code(key_text: str, steps_ahead: int = 0) -> str:
    key = b32decode(key_text.replace(" ", "") + "=" * (-len(key_text.replace(" ", "")) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")


def test_two_factor_set_up_sign_in_and_the_audit_log(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.accounts.models import Membership, Role
    from readiness.web.surveys import services

    lead = django_user_model.objects.create_user("lead", password=PASSWORD)
    coordinator = django_user_model.objects.create_user("coordinator", password=PASSWORD)
    study = services.create_study(name="Safeguarding training 2026", lead=lead)
    site = services.add_site(study, "T01", "North General Hospital")
    services.add_session(site, date(2026, 3, 2), attended=25)
    Membership.objects.create(user=coordinator, study=study, role=Role.COORDINATOR)
    base = live_server.url

    context = browser.new_context(**PHONE)
    page = context.new_page()
    scanner = Scanner(lambda page, name: None)  # axe on each page (screenshots taken below)
    scanner.watch(page)
    _sign_in(page, base, "lead")
    page.wait_for_url("**/studies/")

    # Set up the app from the account page.
    page.click("a:has-text('lead')")
    page.wait_for_url("**/accounts/two-factor/")
    scanner.scan(page, "2fa-01-account-off")
    shots(page, "2fa-01-account-off")
    page.click("text=Set up two-factor authentication")
    page.wait_for_url("**/two-factor/setup/")
    assert page.locator("img.readiness-totp-qr").evaluate("img => img.naturalWidth") > 0
    page.click("text=I cannot scan the QR code")
    key = page.locator("#totp-key").inner_text()
    scanner.scan(page, "2fa-02-set-up-with-qr-code")
    shots(page, "2fa-02-set-up-with-qr-code")
    page.fill("#id_code", "000000" if _code(key) != "000000" else "111111")
    page.click("button:has-text('Turn on two-factor authentication')")
    page.wait_for_selector(".nhsuk-error-summary")
    scanner.scan(page, "2fa-03-wrong-code")
    shots(page, "2fa-03-wrong-code")
    time.sleep(1.1)  # django-otp's pause after a wrong code
    page.fill("#id_code", _code(key))
    page.click("button:has-text('Turn on two-factor authentication')")
    # The backup codes, shown once.
    page.wait_for_url("**/two-factor/backup-codes/")
    codes = page.locator("#backup-codes .readiness-code").all_inner_texts()
    assert len(codes) == 10
    scanner.scan(page, "2fa-03b-backup-codes")
    shots(page, "2fa-03b-backup-codes")
    page.click("text=I have kept my backup codes, continue")
    page.wait_for_url("**/studies/")
    page.click("form.readiness-inline-form button:has-text('Sign out')")
    page.wait_for_url("**/accounts/login/")

    # Sign in: the password, then the code.
    _sign_in(page, base, "lead")
    page.wait_for_url("**/two-factor/verify/")
    scanner.scan(page, "2fa-04-enter-code")
    shots(page, "2fa-04-enter-code")
    page.fill("#id_code", _code(key, steps_ahead=1))
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/studies/")

    # A backup code instead of the app's code, once.
    page.click("form.readiness-inline-form button:has-text('Sign out')")
    _sign_in(page, base, "lead")
    page.wait_for_url("**/two-factor/verify/")
    page.fill("#id_code", codes[0])
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/studies/")

    # Require it for the study; read the audit log.
    page.goto(f"{base}/studies/{study.slug}/security/")
    page.check("#id_require_two_factor")
    scanner.scan(page, "2fa-05-study-sign-in-security")
    shots(page, "2fa-05-study-sign-in-security")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Everyone in the study must now use two-factor authentication")
    page.goto(f"{base}/studies/{study.slug}/audit/")
    table = page.locator("#audit-log").inner_text()
    for text in ("Signed in", "Two-factor authentication", "change: set up", "require_two_factor"):
        assert text in table, text
    scanner.scan(page, "audit-01-study-log")
    shots(page, "audit-01-study-log")
    context.close()

    # The coordinator must set it up before any page.
    other = browser.new_context(**PHONE)
    page = other.new_page()
    _sign_in(page, base, "coordinator")
    page.wait_for_url("**/two-factor/setup/")
    assert "required by the study Safeguarding training 2026" in page.content()
    shots(page, "2fa-06-required-by-the-study")
    page.goto(f"{base}/studies/{study.slug}/")
    assert re.search(r"/accounts/login/", page.url)  # not signed in until the app is set up
    other.close()
    violations = {name: found for name, found in scanner.found.items() if found}
    assert not violations, violations
    assert not [m for m in scanner.console if "Content Security Policy" in m], scanner.console
