"""Accounts without a system administrator: invitations by e-mail, choosing, changing and
resetting a password, and a study that always keeps a lead (readiness.web.accounts)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail

from readiness.web.accounts import invitations
from readiness.web.accounts.models import Membership, Role
from readiness.web.audit.models import Event

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://testserver(/accounts/password/set/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a-brand-new-long-password"


def _lead(client, study):
    client.force_login(study.memberships.get(role="lead").user)
    return f"/studies/{study.slug}/members/"


def _invite(client, url, email, role="analyst", **extra):
    return client.post(url, {"invite-email": email, "invite-role": role, **extra})


def _link(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def _errors(response) -> str:
    html = response.content.decode()
    summary = re.search(r'class="nhsuk-error-summary".*?</div>\s*</div>', html, re.S)
    assert summary, "no error summary on the page"
    return summary.group(0)


# -- invitations --------------------------------------------------------------------------------


def test_inviting_a_new_address_makes_an_account_and_mails_a_one_time_link(client, study):
    url = _lead(client, study)
    response = _invite(client, url, "Jo.Bloggs@nhs.example")
    assert response.status_code == 302
    person = Membership.objects.get(study=study, user__email="Jo.Bloggs@nhs.example")
    assert person.role == Role.ANALYST and person.user.username == "jo.bloggs"
    assert not person.user.has_usable_password()  # nobody can sign in until the link is used
    (message,) = mail.outbox
    assert message.to == ["Jo.Bloggs@nhs.example"]
    assert "Test study" in message.subject and "jo.bloggs" in message.body
    page = client.get(url).content.decode()
    assert "jo.bloggs" in page and "Invited" in page
    event = Event.objects.filter(study=study, detail__change="invitation sent").get()
    assert event.username == "lead" and event.detail["e-mail"] == "Jo.Bloggs@nhs.example"
    assert event.detail["new account"] is True

    # The link: choose a password, then sign in, and land on the study.
    client.logout()
    opened = client.get(_link(message))
    assert opened.status_code == 302 and opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert "Choose your password" in form.content.decode()
    done = client.post(
        opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done["Location"] == f"/accounts/login/?next=%2Fstudies%2F{study.slug}%2F"
    signed_in = client.post(
        done["Location"], {"username": "jo.bloggs", "password": NEW_PASSWORD}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == f"/studies/{study.slug}/"
    client.logout()
    again = client.get(_link(message), follow=True)  # the link worked once
    assert "This link no longer works" in again.content.decode()


def test_inviting_an_existing_account_adds_it_and_tells_them(client, study, make_user):
    make_user("sam", email="sam@nhs.example")
    url = _lead(client, study)
    assert _invite(client, url, "SAM@nhs.example", role="lead").status_code == 302
    assert study.memberships.get(user__username="sam").role == Role.LEAD
    assert not get_user_model().objects.filter(username__startswith="sam2").exists()
    (message,) = mail.outbox
    assert "Sign in with your username, sam" in message.body
    assert "/accounts/password/set/" not in message.body
    detail = Event.objects.filter(detail__change="invitation sent").get().detail
    assert detail["new account"] is False


def test_a_coordinator_is_invited_with_their_sites(client, study):
    url = _lead(client, study)
    site = study.sites.get(code="B")
    missing = _invite(client, url, "c@nhs.example", role="coordinator")
    assert "Select the sites this coordinator is responsible for" in _errors(missing)
    assert not mail.outbox
    _invite(client, url, "c@nhs.example", role="coordinator", **{"invite-sites": [site.pk]})
    membership = study.memberships.get(user__email="c@nhs.example")
    assert list(membership.sites.all()) == [site]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"invite-email": "", "invite-role": "analyst"}, "Enter the person&#39;s e-mail address"),
        ({"invite-email": "not-an-address", "invite-role": "analyst"}, "like name@nhs.net"),
        ({"invite-email": "a@nhs.example"}, "Choose the person&#39;s role"),
        ({"username": "", "role": "analyst"}, "Enter the username of the person&#39;s account"),
        ({"username": "outsider"}, "Choose the person&#39;s role"),
    ],
)
def test_member_form_errors_name_the_field(client, study, data, said):
    response = client.post(_lead(client, study), data)
    errors = _errors(response)
    assert said in errors and "This field is required" not in errors


def test_usernames_made_from_addresses_do_not_clash(study, make_user):
    make_user("jo")
    make_user("jo2")
    assert invitations.username_for("Jo@nhs.example") == "jo3"
    assert invitations.username_for("o'brien+x@nhs.example") == "obrien+x"


def test_invitations_are_limited_per_person(client, study, settings):
    settings.READINESS_INVITATIONS = "2/3600"
    url = _lead(client, study)
    _invite(client, url, "one@nhs.example")
    _invite(client, url, "two@nhs.example")
    refused = _invite(client, url, "three@nhs.example")
    assert "You have sent 2 invitations" in _errors(refused)
    assert len(mail.outbox) == 2
    assert not get_user_model().objects.filter(email="three@nhs.example").exists()


def test_a_mail_server_that_fails_is_reported_to_the_lead(client, study, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    url = _lead(client, study)
    page = client.post(
        url, {"invite-email": "x@nhs.example", "invite-role": "analyst"}, follow=True
    ).content.decode()
    assert "the e-mail could not be sent" in page and "READINESS_EMAIL_HOST" in page
    assert study.memberships.filter(user__email="x@nhs.example").exists()


def test_an_invitation_link_expires(client, study, monkeypatch, settings):
    _invite(client, _lead(client, study), "late@nhs.example")
    client.logout()
    link = _link(mail.outbox[0])
    made = PasswordResetTokenGenerator()._now()
    later = made + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


# -- study leads ----------------------------------------------------------------------------------


def test_the_last_lead_cannot_be_removed_or_demoted(client, study):
    url = _lead(client, study)
    lead = study.memberships.get(role="lead")
    removed = client.post(f"{url}{lead.pk}/remove/", follow=True).content.decode()
    assert "lead is the only study lead and cannot be removed" in removed
    assert "Make someone else study lead first" in removed
    demoted = client.post(url, {"username": "lead", "role": "analyst"})
    assert "lead is the only study lead, so cannot be given another role" in _errors(demoted)
    assert study.memberships.get(user__username="lead").role == Role.LEAD


def test_a_lead_removes_anyone_and_then_themselves_once_another_leads(client, study):
    url = _lead(client, study)
    analyst = study.memberships.get(role="analyst")
    assert client.post(f"{url}{analyst.pk}/remove/").status_code == 302
    assert not study.memberships.filter(role="analyst").exists()
    client.post(url, {"username": "coordinator", "role": "lead"})
    me = study.memberships.get(user__username="lead")
    gone = client.post(f"{url}{me.pk}/remove/")
    assert gone.status_code == 302 and gone["Location"] == "/studies/"
    assert list(study.memberships.values_list("user__username", "role")) == [
        ("coordinator", "lead")
    ]
    removals = Event.objects.filter(study=study, detail__change="person removed")
    assert sorted(e.detail["person"] for e in removals) == ["analyst", "lead"]


# -- passwords ------------------------------------------------------------------------------------


def test_forgotten_password_mails_a_link_and_never_says_whether_an_account_exists(
    client, study, make_user
):
    make_user("pat", email="pat@nhs.example")
    unknown = client.post("/accounts/password/forgotten/", {"email": "nobody@nhs.example"})
    known = client.post("/accounts/password/forgotten/", {"email": "pat@nhs.example"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == "/accounts/password/forgotten/sent/"
    (message,) = mail.outbox
    assert message.to == ["pat@nhs.example"] and "username is pat" in message.body
    chosen = client.get(_link(message))
    client.post(chosen["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.login(username="pat", password=NEW_PASSWORD)
    assert Event.objects.filter(username="pat", detail__change="password link sent").exists()


def test_someone_whose_invitation_expired_asks_for_a_new_link(client, study):
    _invite(client, _lead(client, study), "new@nhs.example")
    client.logout()
    client.post("/accounts/password/forgotten/", {"email": "new@nhs.example"})
    assert len(mail.outbox) == 2 and "/accounts/password/set/" in mail.outbox[1].body


def test_reset_requests_are_limited_per_address_and_per_client(client, study, settings, make_user):
    make_user("pat", email="pat@nhs.example")
    settings.READINESS_RATE_RESETS = "2/3600"
    settings.READINESS_RATE_CLIENT_RESETS = "4/3600"
    url, client_address = "/accounts/password/forgotten/", {"HTTP_X_REAL_IP": "198.51.100.7"}
    for _ in range(3):  # the third is answered as usual, and sends nothing
        sent = client.post(url, {"email": "pat@nhs.example"}, **client_address)
        assert sent.status_code == 302
    assert len(mail.outbox) == 2
    client.post(url, {"email": "other@nhs.example"}, **client_address)
    slow = client.post(url, {"email": "pat@nhs.example"}, **client_address)
    assert slow.status_code == 429 and "Wait 60 minutes" in slow.content.decode()
    from readiness.web.security.models import RateCounter

    keys = " ".join(RateCounter.objects.values_list("key", flat=True))
    assert "pat@" not in keys and "198.51.100.7" not in keys


def test_the_reset_form_names_its_field(client, study):
    empty = client.post("/accounts/password/forgotten/", {"email": ""})
    assert "Enter the e-mail address of your account" in _errors(empty)


def test_changing_a_password(client, study):
    lead = study.memberships.get(role="lead").user
    client.force_login(lead)
    empty = client.post("/accounts/password/", {})
    errors = _errors(empty)
    for said in ("Enter your current password", "Enter a new password", "Enter the new password"):
        assert said in errors
    assert "This field is required" not in errors
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "short", "new_password2": "other"},
    )
    errors = _errors(wrong)
    assert "Your current password is not right" in errors and "too short" in errors
    assert 'value="wrong"' not in wrong.content.decode()  # never sent back
    done = client.post(
        "/accounts/password/",
        {
            "old_password": "a-long-test-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert done.status_code == 302 and client.get("/studies/").status_code == 200
    client.logout()
    assert client.login(username="lead", password=NEW_PASSWORD)
    assert Event.objects.filter(username="lead", detail__change="password changed").exists()


def test_the_sign_in_page_links_to_a_forgotten_password(client, study):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/forgotten/">Forgotten your password?' in page
    client.force_login(study.memberships.get(role="lead").user)
    assert 'href="/accounts/password/"' in client.get("/accounts/two-factor/").content.decode()


def test_email_settings_come_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
    )
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "readiness.web.settings",
        "READINESS_DATA_DIR": str(tmp_path),
        "READINESS_SECRET_KEY": "x" * 50,
        "READINESS_EMAIL_FROM": "study@nhs.example",
    }
    base.pop("DATABASE_URL", None)

    def read(**env):
        run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
        return subprocess.run(run, env={**base, **env}, capture_output=True, text=True).stdout

    smtp = read(
        READINESS_EMAIL_HOST="smtp.nhs.example",
        READINESS_EMAIL_PORT="2525",
        READINESS_EMAIL_USER="readiness",
        READINESS_EMAIL_USE_TLS="0",
    )
    assert smtp.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.nhs.example",
        "2525",
        "readiness",
        "False",
        "study@nhs.example",
    ]
    console = read(READINESS_EMAIL_HOST="")
    assert console.startswith("django.core.mail.backends.console.EmailBackend ")


@pytest.mark.django_db(transaction=True)
def test_two_leads_removing_each_other_at_once_leave_one(study):
    """The study's row is locked before the leads are counted: one removal waits for the other,
    then finds its lead the last one and is refused."""
    import threading

    from django.db import connections

    from readiness.web.accounts import members

    study.memberships.filter(user__username="analyst").update(role=Role.LEAD)
    first, second = study.memberships.filter(role=Role.LEAD).order_by("pk")
    barrier = threading.Barrier(2)
    refused, errors = [], []

    def remove(actor, membership):
        try:
            barrier.wait()
            members.remove(actor, study, membership)
        except members.LastLead:
            refused.append(membership.user.username)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=remove, args=(first.user, second)),
        threading.Thread(target=remove, args=(second.user, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(refused) == 1
    assert study.memberships.filter(role=Role.LEAD).count() == 1
