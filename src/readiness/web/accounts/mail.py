"""The e-mails of accounts: an invitation to a study, and a link to set a password.

A link to set a password is Django's password-reset link: the account's id
(``urlsafe_base64_encode``) and a token of ``default_token_generator``, which is made from the
account's password hash and last sign-in, so it stops working once a password is set (or the
person signs in), and after ``PASSWORD_RESET_TIMEOUT`` (3 days).  Messages go through Django's
e-mail framework (``READINESS_EMAIL_HOST``...; without a host they are printed to the terminal).
A message that cannot be sent is logged (without its link) and reported to the caller.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

log = logging.getLogger("readiness.web")


def link_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def set_password_link(request, user) -> str:
    """The one-time address at which ``user`` sets a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})
    return request.build_absolute_uri(path)


def send(to: str, subject: str, body: str, user=None) -> bool:
    """Send one plain-text message; False (and a log line) when the server refused it."""
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]).send()
    except Exception:  # noqa: BLE001 (any failure of the mail server is reported, not raised)
        log.exception(
            "Could not send the e-mail %r to account %s", subject, getattr(user, "pk", "-")
        )
        return False
    return True


def _service() -> str:
    return settings.READINESS_SERVICE_NAME


def invitation(request, actor, user, study, role_label: str) -> bool:
    """Tell ``user`` they have a role in ``study``: with a link to set their password when they
    have none yet (a new account), or else with the sign-in address."""
    who = actor.get_full_name() or actor.get_username()
    opening = (
        f'{who} has given you the role "{role_label}" in the study "{study.name}" on {_service()}.'
    )
    if user.has_usable_password():
        login = request.build_absolute_uri(reverse("accounts:login"))
        body = (
            f"{opening}\n\nSign in with your username, {user.get_username()}, at:\n\n{login}\n\n"
            'If you have forgotten your password, choose "Forgotten your password?" there.\n'
        )
        subject = f"You have a role in {study.name}"
    else:
        body = (
            f"{opening}\n\nYour username is {user.get_username()}. To choose your password, "
            f"open this link within {link_days()} days (it works once):\n\n"
            f"{set_password_link(request, user)}\n\n"
            "If you did not expect this e-mail, ignore it: nobody can sign in to the account "
            "until a password has been chosen through the link.\n"
        )
        subject = f"You are invited to {study.name} on {_service()}"
    return send(user.email, subject, body, user)


def password_reset(request, user) -> bool:
    """A link to choose a new password, for someone who has forgotten theirs."""
    body = (
        f"Someone asked to choose a new password for your account on {_service()}. Your "
        f"username is {user.get_username()}.\n\nIf it was you, open this link within "
        f"{link_days()} days (it works once):\n\n{set_password_link(request, user)}\n\n"
        "If it was not you, ignore this e-mail: your password stays as it is.\n"
    )
    return send(user.email, f"Choose a new password for {_service()}", body, user)
