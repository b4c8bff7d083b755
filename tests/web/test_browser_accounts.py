"""Accounts in a real browser, on a phone screen: a study lead invites someone by e-mail; the
link in the mail (Django's locmem outbox) sets their password and their first sign-in lands on
the study; they change their password and sign in with the new one; then, having forgotten it,
they ask for a link and choose another.  axe-core finds no violations on any of these pages,
and none reports a content-security-policy violation.  Screenshots go to
``$READINESS_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core import mail

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, PHONE, browser, shots  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]
PASSWORD = "a-long-test-password"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/set/\S+/)")


def _link(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def _sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")


def _choose_password(page, password):
    page.fill("#id_new_password1", password)
    page.fill("#id_new_password2", password)
    page.click("button:has-text('Set password')")


def test_invitation_password_change_and_forgotten_password(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    shots,  # noqa: F811
):
    from readiness.web.surveys import services

    lead = django_user_model.objects.create_user("lead", password=PASSWORD)
    study = services.create_study(name="Safeguarding training 2026", lead=lead)
    site = services.add_site(study, "T01", "North General Hospital")
    services.add_session(site, date(2026, 3, 2), attended=25)
    base = live_server.url
    scanner = Scanner(lambda page, name: None)
    mail.outbox.clear()

    # The lead invites someone by e-mail address.
    context = browser.new_context(**PHONE)
    page = context.new_page()
    scanner.watch(page)
    _sign_in(page, base, "lead", PASSWORD)
    page.wait_for_url("**/studies/")
    page.goto(f"{base}/studies/{study.slug}/members/")
    page.click("button:has-text('Send invitation')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert "Enter the person's e-mail address" in page.inner_text(".nhsuk-error-summary")
    scanner.scan(page, "accounts-01-invite-errors")
    shots(page, "accounts-01-invite-errors")
    page.fill("#id_invite-email", "ana.lyst@nhs.example")
    page.check("#id_invite-role-3")  # analyst
    page.click("button:has-text('Send invitation')")
    page.wait_for_selector("text=We have e-mailed them a link to choose a password")
    scanner.scan(page, "accounts-02-invited")
    shots(page, "accounts-02-invited")
    # The only lead cannot be removed.
    page.click("button:has-text('Remove'):has-text('lead')")
    page.wait_for_selector("text=is the only study lead and cannot be removed")
    context.close()

    # The invited person opens the link, chooses a password and signs in: onto the study.
    (invitation,) = mail.outbox
    assert invitation.to == ["ana.lyst@nhs.example"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    scanner.watch(page)
    page.goto(base + _link(invitation))
    page.wait_for_url("**/set-password/")
    assert "Your username is ana.lyst" in page.inner_text("main")
    page.fill("#id_new_password1", "a-new-password-for-ana")
    page.fill("#id_new_password2", "a-different-one")
    page.click("button:has-text('Set password')")
    page.wait_for_selector(".nhsuk-error-summary")
    scanner.scan(page, "accounts-03-choose-password-error")
    shots(page, "accounts-03-choose-password-error")
    _choose_password(page, "a-new-password-for-ana")
    page.wait_for_url("**/accounts/login/?next=*")
    assert "Your password is set" in page.inner_text("main")
    scanner.scan(page, "accounts-04-sign-in-after-password")
    shots(page, "accounts-04-sign-in-after-password")
    page.fill("#id_username", "ana.lyst")
    page.fill("#id_password", "a-new-password-for-ana")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**/studies/{study.slug}/")
    page.goto(base + _link(invitation))  # the link worked once
    assert "This link no longer works" in page.inner_text("main")
    scanner.scan(page, "accounts-05-used-link")
    shots(page, "accounts-05-used-link")

    # They change their password from their account page.
    page.goto(f"{base}/studies/")
    page.click("nav a:has-text('ana.lyst')")
    page.wait_for_url("**/accounts/two-factor/")
    scanner.scan(page, "accounts-06-your-account")
    shots(page, "accounts-06-your-account")
    page.click("text=Change your password")
    page.wait_for_url("**/accounts/password/")
    page.fill("#id_old_password", "a-new-password-for-ana")
    page.fill("#id_new_password1", "changed-password-of-ana")
    page.fill("#id_new_password2", "changed-password-of-ana")
    scanner.scan(page, "accounts-07-change-password")
    shots(page, "accounts-07-change-password")
    page.click("button:has-text('Change password')")
    page.wait_for_selector("text=Your password is changed")
    page.click("form.readiness-inline-form button:has-text('Sign out')")
    page.wait_for_url("**/accounts/login/")
    _sign_in(page, base, "ana.lyst", "changed-password-of-ana")
    page.wait_for_url("**/studies/")
    page.click("form.readiness-inline-form button:has-text('Sign out')")
    page.wait_for_url("**/accounts/login/")

    # Forgotten: a link by e-mail, then another new password.
    page.click("text=Forgotten your password?")
    page.wait_for_url("**/accounts/password/forgotten/")
    scanner.scan(page, "accounts-08-forgotten-password")
    shots(page, "accounts-08-forgotten-password")
    page.fill("#id_email", "ana.lyst@nhs.example")
    page.click("button:has-text('Send the link')")
    page.wait_for_url("**/forgotten/sent/")
    scanner.scan(page, "accounts-09-check-your-email")
    shots(page, "accounts-09-check-your-email")
    reset = mail.outbox[-1]
    assert reset.to == ["ana.lyst@nhs.example"] and "username is ana.lyst" in reset.body
    page.goto(base + _link(reset))
    page.wait_for_url("**/set-password/")
    scanner.scan(page, "accounts-10-choose-password")
    shots(page, "accounts-10-choose-password")
    _choose_password(page, "third-password-of-ana")
    page.wait_for_url("**/accounts/login/?next=*")
    page.fill("#id_username", "ana.lyst")
    page.fill("#id_password", "third-password-of-ana")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"**/studies/{study.slug}/")
    context.close()

    violations = {name: found for name, found in scanner.found.items() if found}
    assert not violations, violations
    assert not [m for m in scanner.console if "Content Security Policy" in m], scanner.console
