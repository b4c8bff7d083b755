"""Backup codes: ten one-time codes for signing in without the authenticator app.

They are django-otp's static tokens (``otp_static``: a ``StaticDevice`` per account holding
``StaticToken`` rows), kept as that plugin keeps them.  They are made when the app is set up
and shown once; making new ones (from the two-factor page) replaces them all.  At the second
sign-in step a backup code may be entered instead of the app's code.  Each works once: it is
deleted by the same statement that finds it, so two sign-ins that send one code at once cannot
both succeed.  Wrong codes count towards the username's sign-in throttle, as the app's do.
"""

from __future__ import annotations

import re

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

COUNT = 10
DEVICE_NAME = "Backup codes"
# StaticToken.random_token(): 5 random bytes in lower-case base 32, 8 characters.
_PATTERN = re.compile(r"[a-z2-7]{8}")


def is_backup_code(code: str) -> bool:
    """Whether ``code`` (as typed, without spaces and dashes) has a backup code's form."""
    return bool(_PATTERN.fullmatch(code.lower()))


def shown(code: str) -> str:
    """A code as shown on the page: two groups of four (``abcd-efgh``)."""
    return f"{code[:4]}-{code[4:]}"


def device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=DEVICE_NAME).order_by("id").first()


def remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=DEVICE_NAME).count()


def make_codes(user) -> list[str]:
    """Replace ``user``'s backup codes with :data:`COUNT` new ones; returns them (to be shown
    once: they cannot be read back from the page again)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        holder = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=holder, token=c) for c in codes)
    return codes


def use(holder: StaticDevice, code: str) -> bool:
    """Whether ``code`` is one of the device's unused codes; it is used up if so.  Honours
    django-otp's growing delay after wrong codes (check ``verify_is_allowed`` first)."""
    deleted, _ = holder.token_set.filter(token=code.lower()).delete()
    if deleted:
        holder.throttle_reset(commit=False)
        holder.set_last_used_timestamp(commit=False)
        holder.save()
        return True
    holder.throttle_increment()
    return False


def remove(user) -> int:
    """Delete ``user``'s backup codes (two-factor authentication turned off or reset)."""
    deleted, _ = StaticToken.objects.filter(device__user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return deleted
