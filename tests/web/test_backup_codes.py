"""Two-factor backup codes (readiness.web.security.backup): ten made with the app, shown once,
each good for one sign-in instead of the app's code, and made anew from the two-factor page."""

from __future__ import annotations

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.web.audit.models import Event
from readiness.web.security import backup, commands

pytestmark = pytest.mark.django_db
SHOWN = re.compile(r"class=\"readiness-code\">([a-z2-7]{4})-([a-z2-7]{4})<")


def _code(device, steps_ahead=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def _set_up(client, user) -> tuple[TOTPDevice, list[str]]:
    client.force_login(user)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/accounts/two-factor/setup/", {"code": _code(device)})
    assert done.status_code == 302 and done["Location"] == "/accounts/two-factor/backup-codes/"
    page = client.get(done["Location"]).content.decode()
    codes = ["".join(pair) for pair in SHOWN.findall(page)]
    assert "Your backup codes" in page
    device.refresh_from_db()
    return device, codes


def _to_second_step(client, username="lead"):
    client.logout()
    first = client.post(
        "/accounts/login/", {"username": username, "password": "a-long-test-password"}
    )
    assert first["Location"] == "/accounts/two-factor/verify/"


def test_setting_up_the_app_gives_ten_codes_shown_once(client, study):
    lead = study.memberships.get(role="lead").user
    _device, codes = _set_up(client, lead)
    assert len(codes) == len(set(codes)) == backup.COUNT == 10
    stored = set(StaticToken.objects.filter(device__user=lead).values_list("token", flat=True))
    assert stored == set(codes)  # kept as django-otp's static tokens
    again = client.get("/accounts/two-factor/backup-codes/").content.decode()
    assert not SHOWN.search(again) and "You have 10 unused backup codes" in again
    account = client.get("/accounts/two-factor/").content.decode()
    assert "You have 10 unused backup codes" in account


def test_a_backup_code_signs_in_once(client, study):
    lead = study.memberships.get(role="lead").user
    _device, codes = _set_up(client, lead)
    _to_second_step(client)
    used = client.post("/accounts/two-factor/verify/", {"code": f"{codes[0][:4]}-{codes[0][4:]}"})
    assert used.status_code == 302 and used["Location"] == "/studies/"
    assert client.get("/studies/").status_code == 200
    assert backup.remaining(lead) == 9
    assert Event.objects.filter(username="lead", detail__change="backup code used").exists()
    signed_in = Event.objects.filter(username="lead", action="login").order_by("id").last()
    assert signed_in.detail["second_factor"] == "backup code"

    _to_second_step(client)
    again = client.post("/accounts/two-factor/verify/", {"code": codes[0].upper()})
    assert "has been used already" in again.content.decode()
    assert "_auth_user_id" not in client.session
    failed = Event.objects.filter(username="lead", action="login_failed").last()
    assert failed.detail["reason"] == "backup code"


def test_few_codes_left_are_pointed_out(client, study):
    lead = study.memberships.get(role="lead").user
    _device, codes = _set_up(client, lead)
    StaticToken.objects.exclude(token=codes[0]).delete()
    _to_second_step(client)
    client.post("/accounts/two-factor/verify/", {"code": codes[0]})
    page = client.get("/studies/").content.decode()
    assert "You have 0 backup codes left" in page


def test_new_codes_take_a_current_app_code_and_replace_the_old(client, study):
    lead = study.memberships.get(role="lead").user
    device, old = _set_up(client, lead)
    empty = client.post("/accounts/two-factor/backup-codes/", {"code": ""})
    assert "Enter the 6-digit code from your authenticator app" in empty.content.decode()
    made = client.post("/accounts/two-factor/backup-codes/", {"code": _code(device, 1)})
    assert made.status_code == 302
    new = ["".join(p) for p in SHOWN.findall(client.get(made["Location"]).content.decode())]
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticDevice.objects.filter(user=lead).count() == 1
    assert backup.remaining(lead) == 10
    _to_second_step(client)
    refused = client.post("/accounts/two-factor/verify/", {"code": old[1]})
    assert "has been used already" in refused.content.decode()


def test_turning_off_or_resetting_removes_the_codes(client, study):
    lead = study.memberships.get(role="lead").user
    device, _codes = _set_up(client, lead)
    client.post("/accounts/two-factor/", {"code": _code(device, 1)})
    assert not TOTPDevice.objects.filter(user=lead).exists()
    assert not StaticToken.objects.filter(device__user=lead).exists()
    analyst = study.memberships.get(role="analyst").user
    backup.make_codes(analyst)
    assert "and their backup codes" in commands.reset_two_factor("analyst")
    assert not StaticDevice.objects.filter(user=analyst).exists()


def test_a_code_is_used_up_by_the_statement_that_finds_it(study):
    """Two sign-ins sending one code: the second finds nothing to delete."""
    analyst = study.memberships.get(role="analyst").user
    codes = backup.make_codes(analyst)
    holder = backup.device(analyst)
    first, second = StaticDevice.objects.get(pk=holder.pk), StaticDevice.objects.get(pk=holder.pk)
    assert backup.use(first, codes[3]) is True
    assert backup.use(second, codes[3]) is False


@pytest.mark.parametrize(
    ("typed", "kind"),
    [("123456", "app"), ("123 456", "app"), ("abcd-2345", "backup"), ("ABCD2345", "backup")],
)
def test_the_second_step_takes_either_kind_of_code(typed, kind):
    from readiness.web.security.forms import SignInCodeForm

    form = SignInCodeForm({"code": typed})
    assert form.is_valid(), form.errors
    assert backup.is_backup_code(form.cleaned_data["code"]) is (kind == "backup")


@pytest.mark.parametrize("typed", ["12345", "abcd-234", "abcd-2341", "zzzz zzzz z"])
def test_other_codes_are_refused_with_what_to_enter(typed):
    from readiness.web.security.forms import SignInCodeForm

    form = SignInCodeForm({"code": typed})
    assert not form.is_valid()
    assert "6 digits, like 123456, or a backup code of 8 letters" in form.errors["code"][0]
