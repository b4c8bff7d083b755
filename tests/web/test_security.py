"""Security: Argon2, CSRF, the content security policy, secure cookies, sign-in throttling,
two-factor authentication (TOTP) and rate limits on respondent pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.web.audit.models import Event
from readiness.web.security import ratelimit, throttle
from readiness.web.security.models import (
    AccountSecurity,
    LoginThrottle,
    RateCounter,
    StudySecurity,
)
from tests.web.helpers import PAGE_ANSWERS, answer_all, post_page, start
from tests.web.test_privacy import CLIENT_EXTRA, MARKERS, _all_rows

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "readiness" / "web" / "templates"


@pytest.fixture(autouse=True)
def _no_otp_delay(settings):
    """django-otp waits 1, 2, 4 ... seconds after a wrong code; off here but in one test."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _actions(username: str) -> list[str]:
    return list(
        Event.objects.filter(username=username).order_by("id").values_list("action", flat=True)
    )


# -- passwords, CSRF, cookies ------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2_first(settings, make_user):
    import readiness.web.settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    user = make_user("hashed")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def test_every_form_that_posts_carries_the_csrf_token():
    for path in TEMPLATES.rglob("*.jinja"):
        text = path.read_text()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, re.S):
            if 'method="post"' in form:
                assert "csrf_input" in form, path


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/s/{token}/", "/answer/1/", "/answer/check/", "/resume/"]
)
def test_posts_without_the_csrf_token_are_refused(study, session_a, path):
    from readiness.web.surveys import services

    _draft, code = services.start_draft(session_a)
    strict = Client(enforce_csrf_checks=True)
    data = {"username": "lead", "password": PASSWORD, "consent": "yes", "code": code}
    response = strict.post(path.format(token=session_a.token, code=code), data)
    assert response.status_code == 403


def _settings_in_a_fresh_process(tmp_path, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    environment.update(READINESS_DATA_DIR=str(tmp_path), READINESS_SECRET_KEY="k" * 50, **env)
    code = (
        "import json; from readiness.web import settings as s; print(json.dumps({k: getattr(s, k, None)"
        " for k in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS',"
        " 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY')}, default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cookies_are_secure_unless_debugging_or_plain_http_is_chosen(tmp_path):
    production = _settings_in_a_fresh_process(tmp_path)
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert production["SESSION_COOKIE_HTTPONLY"] and production["CSRF_COOKIE_HTTPONLY"]
    for env in ({"READINESS_DEBUG": "1"}, {"READINESS_SECURE": "0"}):
        relaxed = _settings_in_a_fresh_process(tmp_path, **env)
        assert not relaxed["SESSION_COOKIE_SECURE"] and not relaxed["CSRF_COOKIE_SECURE"]


# -- content security policy -------------------------------------------------------------------


def test_our_templates_have_no_inline_script_or_style():
    for path in TEMPLATES.rglob("*.jinja"):
        text = path.read_text()
        assert "<style" not in text and " style=" not in text, path
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert " src=" in tag, (path, tag)


def test_pages_carry_the_policy_and_the_one_inline_script_has_its_nonce(client, session_a):
    for path in ("/", "/accounts/login/", f"/s/{session_a.token}/", "/resume/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy and "style-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        html = response.content.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert inline == [f' nonce="{nonce}"'], (path, inline)
        assert " style=" not in html and "<style" not in html


def test_the_nhs_font_only_for_an_nhs_organisation(client, settings):
    settings.READINESS_NHS_ORGANISATION = False
    response = client.get("/")
    assert "font-src 'self' https://assets.nhs.uk;" in response["Content-Security-Policy"]
    assert "readiness/plain-font.css" in response.content.decode()
    settings.READINESS_NHS_ORGANISATION = True
    assert "plain-font.css" not in client.get("/").content.decode()


# -- sign-in throttling ------------------------------------------------------------------------


def _sign_in(client, username="lead", password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_five_wrong_passwords_lock_the_username_not_the_client(client, study, settings):
    settings.READINESS_LOGIN_FAILURES = 5
    for _ in range(5):
        assert _sign_in(client, password="wrong").status_code == 200
    locked = _sign_in(client)  # the right password, too late
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert "Too many failed sign-ins with this username" in locked.content.decode()
    assert authenticate(username="lead", password=PASSWORD) is None  # every form, the admin's too
    assert _actions("lead") == ["login_failed"] * 5 + ["login_blocked", "login_blocked"]
    # Another username from the same client is not affected.
    assert _sign_in(client, username="analyst").status_code == 302
    # The lock ends (here: lifted by an administrator); a sign-in then clears the count.
    assert throttle.unlock("lead")
    client.post("/accounts/logout/")
    assert _sign_in(client).status_code == 302
    assert not LoginThrottle.objects.exists()


def test_a_lock_expires(client, study, settings):
    settings.READINESS_LOGIN_FAILURES = 2
    settings.READINESS_LOGIN_LOCKOUT = 1
    _sign_in(client, password="wrong")
    _sign_in(client, password="wrong")
    assert throttle.locked_until("LEAD ") is not None  # case and spaces do not matter
    time.sleep(1.1)
    assert _sign_in(client).status_code == 302


def test_the_throttle_and_the_log_keep_no_address_or_agent(client, study):
    _sign_in(client, password="wrong", **CLIENT_EXTRA)
    _sign_in(client, **CLIENT_EXTRA)
    row = LoginThrottle.objects.first()
    assert row is None or "lead" not in str(row.key)
    rows = _all_rows()
    for marker in MARKERS:
        assert marker not in rows
    assert _actions("lead") == ["login_failed", "login"]


def test_admin_sign_in_goes_through_our_form(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


# -- two-factor authentication -----------------------------------------------------------------


def _code(device, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def _enrol(client) -> TOTPDevice:
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    qr = client.get("/accounts/two-factor/setup/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    device = TOTPDevice.objects.get(confirmed=False)
    wrong = client.post(
        "/accounts/two-factor/setup/", {"code": "000000" if _code(device) != "000000" else "111111"}
    )
    assert "The code is not right" in wrong.content.decode()
    done = client.post("/accounts/two-factor/setup/", {"code": _code(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_set_up_then_sign_in_with_password_and_code(client, study):
    client.force_login(study.memberships.get(role="lead").user)
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert re.search(r'id="totp-key">([A-Z2-7 ]{20,})<', page)
    device = _enrol(client)
    assert "two_factor" in _actions("lead")
    client.post("/accounts/logout/")

    first = _sign_in(client)
    assert first.status_code == 302 and first["Location"] == "/accounts/two-factor/verify/"
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    assert client.get("/studies/").status_code == 302
    bad = client.post("/accounts/two-factor/verify/", {"code": "12345"})
    assert "The code is 6 digits" in bad.content.decode()
    done = client.post("/accounts/two-factor/verify/", {"code": _code(device, steps_ahead=1)})
    assert done.status_code == 302 and done["Location"] == "/studies/"
    assert client.get("/studies/").status_code == 200
    login = Event.objects.filter(username="lead", action="login").order_by("id").last()
    assert login.detail.get("second_factor") == "authenticator app"


def test_wrong_codes_count_towards_the_lock(client, study, settings):
    settings.READINESS_LOGIN_FAILURES = 3
    lead = study.memberships.get(role="lead").user
    device = TOTPDevice.objects.create(user=lead, name="app", confirmed=True)
    right = _code(device)
    wrong = "000000" if right != "000000" else "111111"
    _sign_in(client)
    for _ in range(3):
        page = client.post("/accounts/two-factor/verify/", {"code": wrong})
    assert "Too many failed sign-ins" not in page.content.decode()
    page = client.post("/accounts/two-factor/verify/", {"code": right})
    assert "Too many failed sign-ins" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert _actions("lead")[-4:] == ["login_failed"] * 3 + ["login_blocked"]


def test_a_session_that_skipped_the_code_reaches_only_the_two_factor_pages(client, study):
    lead = study.memberships.get(role="lead").user
    TOTPDevice.objects.create(user=lead, name="app", confirmed=True)
    client.force_login(lead)  # as Django admin's own form would
    held = client.get(f"/studies/{study.slug}/")
    assert held.status_code == 302
    assert held["Location"].startswith("/accounts/two-factor/verify/?next=")
    assert client.get("/accounts/two-factor/verify/").status_code == 200
    session = study.sites.get(code="A").sessions.get()
    assert client.get(f"/s/{session.token}/").status_code == 200  # respondent pages are not held


@pytest.mark.parametrize("where", ["study", "account", "everyone"])
def test_required_two_factor_makes_people_set_it_up_at_sign_in(client, study, settings, where):
    if where == "study":
        StudySecurity.objects.create(study=study, require_two_factor=True)
    elif where == "account":
        lead = study.memberships.get(role="lead").user
        AccountSecurity.objects.create(user=lead, require_two_factor=True)
    else:
        settings.READINESS_REQUIRE_TWO_FACTOR = True
    first = _sign_in(client)
    assert first["Location"] == "/accounts/two-factor/setup/"
    assert "_auth_user_id" not in client.session
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert "required" in page or "requires" in page
    _enrol(client)
    assert client.get("/studies/").status_code == 200
    # It cannot be turned off while it is required.
    device = TOTPDevice.objects.get(confirmed=True)
    refused = client.post("/accounts/two-factor/", {"code": _code(device, 1)})
    assert "cannot be turned off" in refused.content.decode()
    assert TOTPDevice.objects.filter(confirmed=True).exists()


def test_a_signed_in_person_is_held_when_their_study_starts_to_require_it(client, study):
    analyst = study.memberships.get(role="analyst").user
    client.force_login(analyst)
    assert client.get(f"/studies/{study.slug}/").status_code == 200
    StudySecurity.objects.create(study=study, require_two_factor=True)
    held = client.get(f"/studies/{study.slug}/")
    assert held["Location"].startswith("/accounts/two-factor/setup/?next=")


def test_turning_two_factor_off_takes_a_code(client, study):
    client.force_login(study.memberships.get(role="lead").user)
    device = _enrol(client)
    assert client.post("/accounts/two-factor/", {"code": ""}).status_code == 200
    assert TOTPDevice.objects.filter(confirmed=True).exists()
    done = client.post("/accounts/two-factor/", {"code": _code(device, 1)})
    assert done.status_code == 302 and not TOTPDevice.objects.exists()
    assert Event.objects.filter(action="two_factor").count() == 2


def test_django_otp_delays_after_a_wrong_code(client, study, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = TOTPDevice.objects.create(
        user=study.memberships.get(role="lead").user, name="app", confirmed=True
    )
    right = _code(device)
    _sign_in(client)
    client.post(
        "/accounts/two-factor/verify/", {"code": "000000" if right != "000000" else "1" * 6}
    )
    page = client.post("/accounts/two-factor/verify/", {"code": right}).content.decode()
    # One wrong code is not "too many", and one second is singular.
    assert "The last code was not right. Wait 1 second, then enter" in page
    assert "Too many" not in page and "1 seconds" not in page
    time.sleep(1.1)
    wrong = "000000" if right != "000000" else "1" * 6
    client.post("/accounts/two-factor/verify/", {"code": wrong})
    page = client.post("/accounts/two-factor/verify/", {"code": right}).content.decode()
    assert "2 wrong codes in a row. Wait 2 seconds, then enter" in page
    time.sleep(2.1)
    assert client.post("/accounts/two-factor/verify/", {"code": right}).status_code == 302


def test_wait_text_counts_seconds_and_minutes():
    assert ratelimit.wait_text(1) == "1 second"
    assert ratelimit.wait_text(2) == "2 seconds"
    assert ratelimit.wait_text(60) == "a minute"
    assert ratelimit.wait_text(600) == "10 minutes"
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    assert throttle.minutes_text(now + timedelta(seconds=30)) == "1 minute"
    assert throttle.minutes_text(now + timedelta(seconds=14 * 60 + 30)) == "15 minutes"


def test_study_lead_requires_two_factor_for_the_study(client, study, django_user_model):
    client.force_login(django_user_model.objects.get(username="coordinator"))
    assert client.post(f"/studies/{study.slug}/security/", {}).status_code == 403
    client.force_login(django_user_model.objects.get(username="lead"))
    page = client.get(f"/studies/{study.slug}/security/")
    assert page.status_code == 200 and "Not set up" in page.content.decode()
    done = client.post(f"/studies/{study.slug}/security/", {"require_two_factor": "on"})
    assert done.status_code == 302
    assert StudySecurity.objects.get(study=study).require_two_factor
    entry = Event.objects.get(action="edit", study=study)
    assert entry.detail == {"setting": "require_two_factor", "value": True}


# -- respondent rate limits --------------------------------------------------------------------


@pytest.mark.django_db
def test_counts_start_again_in_each_window():
    start = 1_800_000_000.0  # a window's start for windows of 60 and of 600 seconds
    assert [ratelimit.hit("k", 60, now=start + s) for s in (0, 1, 59)] == [1, 2, 3]
    assert ratelimit.hit("k", 60, now=start + 60) == 1  # the next window
    assert ratelimit.hit("k", 60, now=start + 61) == 2
    assert ratelimit.hit("other", 60, now=start + 61) == 1  # per key
    assert ratelimit.hit("k", 600, now=start + 62) == 1  # another length: another window
    assert RateCounter.objects.count() == 2  # one row per key, whatever the windows


def test_page_submissions_are_limited_per_resume_code(client, session_a, settings):
    """Pages are counted per draft, from the browser's respondent session: the same code
    continued in another browser counts on; another code does not."""
    settings.READINESS_RATE_PAGES = "3/60"
    code = start(client, session_a)
    other = type(client)()
    other_code = start(other, session_a)
    page = PAGE_ANSWERS["about"]
    for _ in range(3):
        assert post_page(client, 1, page).status_code == 302
    limited = post_page(client, 1, page)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert "Please wait a moment" in limited.content.decode()
    assert client.get("/answer/1/").status_code == 200  # reading is not limited
    assert post_page(other, 1, page).status_code == 302  # another code is not
    again = type(client)()  # the same code, continued in another browser
    assert again.post("/resume/", {"code": code}).status_code == 302
    assert post_page(again, 1, page).status_code == 429
    rows = _all_rows()
    for shown in (code, other_code):
        assert shown not in rows and shown.replace("-", "") not in rows


def test_starts_are_limited_per_session_link(client, session_a, session_b, settings):
    settings.READINESS_RATE_STARTS = "2/600"
    start(client, session_a)
    start(client, session_a)
    assert client.post(f"/s/{session_a.token}/", {"consent": "yes"}).status_code == 429
    start(client, session_b)
    assert RateCounter.objects.count() == 2
    assert session_a.token not in _all_rows().replace(f"'{session_a.token}'", "")


def test_resume_attempts_are_limited_per_code_typed(client, settings):
    settings.READINESS_RATE_RESUME = "2/600"
    for _ in range(2):
        assert client.post("/resume/", {"code": "AAAA-BBBB-CCCC"}).status_code == 200
    assert client.post("/resume/", {"code": "aaaa bbbb cccc"}).status_code == 429
    assert client.post("/resume/", {"code": "DDDD-EEEE-FFFF"}).status_code == 200


def test_a_whole_survey_stays_inside_the_default_limits(client, session_a):
    code = start(client, session_a)
    token = answer_all(client, code)
    assert post_page(client, "check", {"submission_token": token}).status_code == 302


def test_an_administrator_unlocks_and_resets_from_the_command_line(study, settings):
    from click.testing import CliRunner

    from readiness.web.cli import web

    settings.READINESS_LOGIN_FAILURES = 1
    throttle.failed("lead")
    lead = study.memberships.get(role="lead").user
    TOTPDevice.objects.create(user=lead, name="app", confirmed=True)
    runner = CliRunner()
    done = runner.invoke(web, ["unlock", "lead"])
    assert done.exit_code == 0 and "Lifted the sign-in lock on lead." in done.output
    assert throttle.locked_until("lead") is None
    done = runner.invoke(web, ["reset-two-factor", "lead"])
    assert done.exit_code == 0 and "Removed 1 authenticator app(s) of lead" in done.output
    assert not TOTPDevice.objects.exists()
    assert runner.invoke(web, ["reset-two-factor", "nobody"]).exit_code == 1
    assert list(
        Event.objects.filter(username="").order_by("id").values_list("action", flat=True)
    ) == [
        "edit",
        "two_factor",
    ]


# -- the sign-in throttle under concurrency, and what it keeps ----------------------------------


def _separate_connections() -> bool:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    return not (connection.vendor == "sqlite" and name.startswith("file:memorydb"))


@pytest.mark.django_db(transaction=True)
def test_parallel_sign_ins_check_no_more_passwords_than_the_limit(study, settings, monkeypatch):
    """Eleven wrong passwords sent at once with one username, then the right one while they
    are being checked: only READINESS_LOGIN_FAILURES (5) passwords are checked, and the right
    one, arriving after them, is refused (each attempt is counted atomically before its
    password is checked; counted after, every one of them was checked and the last got in)."""
    import threading

    from django.contrib.auth import get_user_model
    from django.db import connections

    if not _separate_connections():
        pytest.skip("needs a database that threads connect to separately")
    settings.READINESS_LOGIN_FAILURES = 5
    User = get_user_model()
    checked, lock = [], threading.Lock()
    real_check = User.check_password

    def slow_check(user, raw):  # as slow as Argon2, so that the requests overlap
        with lock:
            checked.append(raw)
        time.sleep(0.5)
        return real_check(user, raw)

    monkeypatch.setattr(User, "check_password", slow_check)
    wrong = [f"wrong-{n}" for n in range(11)]
    barrier = threading.Barrier(len(wrong))
    signed_in, errors = [], []

    def sign_in(password, together=True):
        try:
            if together:
                barrier.wait()
            else:  # the right password, once the wrong ones are being checked
                deadline = time.monotonic() + 5
                while len(checked) < 5 and time.monotonic() < deadline:
                    time.sleep(0.01)
            response = _sign_in(Client(), password=password)
            signed_in.append(response.status_code == 302)
        except Exception as err:  # noqa: BLE001 - collected and reported below
            errors.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_in, args=(p,)) for p in wrong]
    threads.append(threading.Thread(target=sign_in, args=(PASSWORD, False)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(checked) == 5 and PASSWORD not in checked, f"{len(checked)} checked"
    assert not any(signed_in)
    assert throttle.locked_until("lead") is not None


def test_an_attempt_is_counted_before_its_password_is_checked(study, settings, monkeypatch):
    from django.contrib.auth import get_user_model

    settings.READINESS_LOGIN_FAILURES = 3
    User = get_user_model()
    real_check = User.check_password
    seen = []

    def check(user, raw):
        seen.append(LoginThrottle.objects.get().failures)
        return real_check(user, raw)

    monkeypatch.setattr(User, "check_password", check)
    for _ in range(3):
        assert authenticate(username="lead", password="wrong") is None
    assert seen == [1, 2, 3]
    assert throttle.locked_until("lead") is not None


def test_the_throttle_keeps_a_keyed_digest_of_the_username(client, study):
    import hashlib

    _sign_in(client, password="wrong")
    row = LoginThrottle.objects.get()
    assert row.key != hashlib.sha256(b"lead").hexdigest()  # not an unsalted digest
    assert row.key == throttle.key("lead") == throttle.key(" LEAD")


def test_a_failed_sign_in_does_not_keep_what_was_typed_as_the_username(client, study):
    typed = "correct horse battery staple"  # a password typed into the username box
    _sign_in(client, username=typed, password="x")
    _sign_in(client, username="lead", password="wrong")
    failed = list(Event.objects.filter(action="login_failed").order_by("id"))
    assert [e.username for e in failed] == ["(unknown user)", "lead"]
    assert failed[1].user == study.memberships.get(role="lead").user
    assert typed not in _all_rows()
    assert typed not in str([(e.username, e.detail) for e in Event.objects.all()])


def test_a_locked_unknown_username_is_not_kept_either(client, study, settings):
    settings.READINESS_LOGIN_FAILURES = 1
    typed = "Summer2026!secret"
    _sign_in(client, username=typed, password="x")
    assert "Too many failed sign-ins" in _sign_in(client, username=typed).content.decode()
    assert list(Event.objects.values_list("username", "action").order_by("id")) == [
        ("(unknown user)", "login_failed"),
        ("(unknown user)", "login_blocked"),
    ]
    assert typed not in _all_rows()


# -- respondent rate limits per client, and what they keep --------------------------------------


def _from(address: str, **extra) -> dict:
    return {"REMOTE_ADDR": address, **extra}


def test_one_client_exhausting_its_allowance_does_not_block_another(client, session_a, settings):
    settings.READINESS_RATE_CLIENT_STARTS = "3/600"
    settings.READINESS_RATE_STARTS = "5/600"
    link = f"/s/{session_a.token}/"
    for _ in range(3):
        start(client, session_a, **_from("203.0.113.1"))
    for _ in range(20):  # a script that keeps going: refused, and not counted for the link
        refused = client.post(link, {"consent": "yes"}, **_from("203.0.113.1"))
        assert refused.status_code == 429
    # The rest of the room, at other addresses, still starts (the link's ceiling is 5).
    start(client, session_a, **_from("203.0.113.2"))
    start(client, session_a, **_from("198.51.100.7"))
    assert client.post(link, {"consent": "yes"}, **_from("198.51.100.8")).status_code == 429


def test_the_link_ceiling_is_sized_for_a_training_room_by_default(client, session_a, settings):
    starts, seconds = ratelimit.limit_for("starts")
    per_client, client_seconds = ratelimit.limit_for("client_starts")
    assert seconds == client_seconds == 600
    assert per_client >= 200  # a room of 200 behind one hospital address
    assert starts >= 10 * per_client  # ten such addresses before the link is held


def test_addresses_of_one_ipv6_network_are_one_client(rf, settings):
    a = rf.post("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    b = rf.post("/", REMOTE_ADDR="2001:db8:1:2:bbbb::2")
    c = rf.post("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert ratelimit.client_of(a) == ratelimit.client_of(b) != ratelimit.client_of(c)


def test_the_proxys_address_header_is_trusted_only_from_the_proxy(rf, settings):
    settings.READINESS_FORWARDED_ALLOW_IPS = "127.0.0.1"
    behind = rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    forged = rf.post("/", REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="203.0.113.5")
    assert ratelimit.client_of(behind) == "203.0.113.5"
    assert ratelimit.client_of(forged) == "198.51.100.9"


def test_client_counters_keep_no_address_and_are_gone_after_their_window(
    client, session_a, settings, monkeypatch
):
    from types import SimpleNamespace

    settings.READINESS_RATE_CLIENT_STARTS = "50/600"
    start(client, session_a, **CLIENT_EXTRA)
    rows = _all_rows()
    for marker in MARKERS:
        assert marker not in rows
    assert RateCounter.objects.filter(key__startswith="client_starts:").count() == 1
    later = SimpleNamespace(time=lambda: 1_800_000_030.0 + 600)  # the next window
    monkeypatch.setattr(ratelimit, "time", later)
    start(client, session_a, **_from("192.0.2.44"))
    assert RateCounter.objects.filter(key__startswith="client_starts:").count() == 1


def test_rate_counters_are_keyed_not_plain_digests(client, session_a):
    import hashlib

    code = start(client, session_a)
    post_page(client, 1, PAGE_ANSWERS["about"])
    client.post("/resume/", {"code": code})
    plain = {hashlib.sha256(value.encode()).hexdigest() for value in (code, session_a.token)}
    for key in RateCounter.objects.values_list("key", flat=True):
        assert key.split(":", 1)[1] not in plain, key


def test_submitting_forgets_the_counters_of_the_resume_code(client, session_a):
    from readiness.web.surveys.models import Draft

    code = start(client, session_a)
    digest = Draft.objects.get().code_digest
    client.post("/resume/", {"code": code})
    token = answer_all(client, code)
    assert RateCounter.objects.filter(key__startswith="pages:").exists()
    assert post_page(client, "check", {"submission_token": token}).status_code == 302
    assert post_page(client, "check", {"submission_token": token}).status_code == 302
    left = list(RateCounter.objects.values_list("key", flat=True))
    assert not [k for k in left if k.startswith(("pages:", "resume:"))], left
    assert digest not in _all_rows()


# -- member forms: which usernames exist ---------------------------------------------------------


def test_member_forms_limit_the_usernames_a_lead_can_try(client, study, settings, make_user):
    """A member form must say when a username is no account, so each person may try only a few
    such usernames an hour; over that the form looks nothing up (an existing username is
    refused with the same message as any other), and every miss is in the audit log."""
    settings.READINESS_MEMBER_LOOKUPS = "3/3600"
    client.force_login(study.memberships.get(role="lead").user)
    url = f"/studies/{study.slug}/members/"
    for n in range(3):
        page = client.post(url, {"username": f"guess-{n}", "role": "analyst"}).content.decode()
        assert "No account has this username" in page
    over = client.post(url, {"username": "outsider", "role": "analyst"})
    assert over.status_code == 200
    assert "You have entered 3 usernames that are no account" in over.content.decode()
    assert not study.memberships.filter(user__username="outsider").exists()
    missed = Event.objects.filter(action="edit", detail__change="no such account")
    assert missed.count() == 3
    # Another lead is not held by this one's misses.
    other = make_user("second-lead")
    study.memberships.create(user=other, role="lead")
    client.force_login(other)
    assert client.post(url, {"username": "outsider", "role": "analyst"}).status_code == 302


def test_the_interview_people_form_has_the_same_limit(client, settings, make_user):
    from tests.web.interviews.builders import make_project

    settings.READINESS_MEMBER_LOOKUPS = "1/3600"
    lead = make_user("ilead")
    make_user("existing")
    project = make_project(lead, coders=[])
    client.force_login(lead)
    url = f"/interviews/{project.slug}/people/"
    page = client.post(url, {"username": "guess", "role": "coder"}).content.decode()
    assert "No account has this username" in page
    page = client.post(url, {"username": "existing", "role": "coder"}).content.decode()
    assert "You have entered 1 username that is no account" in page
    assert not project.members.filter(user__username="existing").exists()


# -- races and failures around the counters ------------------------------------------------------


def test_an_attempt_survives_its_row_being_deleted_midway(study, monkeypatch):
    """A completed sign-in, ``readiness web unlock`` or an admin may delete the username's row
    between its insert and its lock; the attempt is still counted, not a server error."""
    from readiness.web.security.models import LoginThrottle

    real = LoginThrottle.objects.bulk_create
    deletions = []

    def insert_then_lose_it(*args, **kwargs):
        made = real(*args, **kwargs)
        if not deletions:
            deletions.append(LoginThrottle.objects.all().delete())
        return made

    monkeypatch.setattr(LoginThrottle.objects, "bulk_create", insert_then_lose_it)
    assert throttle.attempt("lead") is None
    assert deletions and LoginThrottle.objects.get(key=throttle.key("lead")).failures == 1


def test_an_old_submission_token_does_not_reset_another_codes_counters(client, session_a, settings):
    """Posting a submitted response's token to another code's "check" page must not delete
    that code's counters (it would let the holder of one old token evade the page limit)."""
    submitted = start(client, session_a)
    old_token = answer_all(client, submitted)
    assert post_page(client, "check", {"submission_token": old_token}).status_code == 302
    settings.READINESS_RATE_PAGES = "3/60"
    start(client, session_a)
    page = PAGE_ANSWERS["about"]
    for _ in range(2):
        assert post_page(client, 1, page).status_code == 302
    assert post_page(client, "check", {"submission_token": old_token}).status_code == 302
    assert post_page(client, 1, page).status_code == 429


def test_draft_days_below_one_is_refused_at_start_up(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    environment.update(
        READINESS_DATA_DIR=str(tmp_path), READINESS_SECRET_KEY="k" * 50, READINESS_DRAFT_DAYS="0"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import readiness.web.settings"],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr
    assert "READINESS_DRAFT_DAYS is 0" in out.stderr and "1 or more" in out.stderr


@pytest.mark.django_db(transaction=True)
def test_a_failed_tidy_up_is_logged_and_tried_again_an_hour_on(
    client, study, session_a, monkeypatch, caplog
):
    from django.db import DatabaseError
    from django_tasks_db.models import DBTaskResult

    from readiness.web.jobs import tasks, worker
    from readiness.web.surveys import expiry

    def broken(today=None):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(expiry, "expire", broken)
    assert _sign_in(client).status_code == 302  # sign-ins and starts never tidy up
    start(client, session_a)
    tasks.schedule_expiry()
    with caplog.at_level("ERROR", logger="readiness.web"):
        worker.run(once=True)
    assert "the database went away" in caplog.text
    runs = DBTaskResult.objects.filter(task_path=tasks.expire_hourly.module_path)
    assert sorted(runs.values_list("status", flat=True)) == ["FAILED", "READY"]


def test_expire_drafts_purges_the_member_form_counters_too(study, settings):
    from click.testing import CliRunner

    from readiness.web.cli import web

    RateCounter.objects.create(key="lookups:old", window_start=1_000_000_000, count=3)
    RateCounter.objects.create(key="lookups:now", window_start=ratelimit.window_of(3600), count=1)
    done = CliRunner().invoke(web, ["expire-drafts"])
    assert done.exit_code == 0, done.output
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["lookups:now"]


def test_parallel_member_lookups_cannot_exceed_the_limit(study, settings, monkeypatch):
    """Two misses that arrive together must not both be looked up when only one is left."""
    from django import forms

    from readiness.web.accounts import lookup

    settings.READINESS_MEMBER_LOOKUPS = "1/3600"
    lead = study.memberships.get(role="lead").user
    real = lookup.get_user_model
    answers = []

    class Parallel:
        class objects:  # noqa: N801 - stands in for the manager
            @staticmethod
            def filter(**kwargs):
                if not answers:
                    answers.append("inner")
                    try:
                        lookup.find_account(lead, "guess-2", study=study)
                    except forms.ValidationError as err:
                        answers.append(err.messages[0])
                return real().objects.filter(**kwargs)

    monkeypatch.setattr(lookup, "get_user_model", lambda: Parallel)
    with pytest.raises(forms.ValidationError) as outer:
        lookup.find_account(lead, "guess-1", study=study)
    messages = [*answers[1:], outer.value.messages[0]]
    assert sum(m.startswith("No account has this username") for m in messages) == 1, messages


@pytest.mark.django_db
def test_counters_of_a_limit_no_longer_named_are_purged_after_a_day():
    now = 1_800_000_000.0
    RateCounter.objects.create(key="renamed:old", window_start=int(now) - 90_000, count=1)
    RateCounter.objects.create(key="renamed:new", window_start=int(now) - 600, count=1)
    assert ratelimit.purge_ended(now) == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["renamed:new"]
