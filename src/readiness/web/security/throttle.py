"""Sign-in throttling, keyed on the username only.

After ``READINESS_LOGIN_FAILURES`` failed attempts (default 5: wrong passwords or wrong
two-factor codes) within ``READINESS_LOGIN_WINDOW`` seconds (default 900), the username is
locked for ``READINESS_LOGIN_LOCKOUT`` seconds (default 900): sign-ins with it are refused
without the password being checked, and each refusal is in the audit log.  A successful
sign-in clears the count.  A system administrator can lift a lock in the admin (delete the
username's throttle entry) or with ``readiness web unlock USERNAME``.

Why the username and not the address: respondents' and staff's IP addresses are never kept
(docs/web.md, "Privacy in the logs"), and an address-keyed limit would need them.  Keyed on the
username, a lock protects the account being guessed at, wherever the guesses come from.  The
price is that someone who knows a username can lock its owner out for the lockout period by
failing on purpose; the owner then waits or asks an administrator.  The table keeps a SHA-256
digest of the username, not the username.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from readiness.web.security.models import LoginThrottle


def limit() -> int:
    return int(getattr(settings, "READINESS_LOGIN_FAILURES", 5))


def window() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "READINESS_LOGIN_WINDOW", 900)))


def lockout() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "READINESS_LOGIN_LOCKOUT", 900)))


def key(username: str) -> str:
    """The digest a username is counted under (case-insensitive, surrounding spaces ignored)."""
    return hashlib.sha256(str(username or "").strip().lower().encode()).hexdigest()


def locked_until(username: str) -> datetime | None:
    """When the username's lock ends, or None if it is not locked now."""
    row = LoginThrottle.objects.filter(key=key(username)).only("locked_until").first()
    if row is None or row.locked_until is None or row.locked_until <= timezone.now():
        return None
    return row.locked_until


def failed(username: str) -> bool:
    """Count a failed attempt; returns True when this failure locked the username."""
    for _ in range(3):
        try:
            with transaction.atomic():
                row, _created = LoginThrottle.objects.select_for_update().get_or_create(
                    key=key(username)
                )
                now = timezone.now()
                if row.window_start is None or now - row.window_start > window():
                    row.failures, row.window_start = 0, now
                row.failures += 1
                locked = row.failures >= limit()
                if locked:
                    row.locked_until = now + lockout()
                    row.failures, row.window_start = 0, None
                row.save()
                return locked
        except IntegrityError:  # two first failures at once: count again on the row now there
            continue
    return False


def succeeded(username: str) -> None:
    """A full sign-in (password and any second factor): forget the failures."""
    LoginThrottle.objects.filter(key=key(username)).delete()


def unlock(username: str) -> bool:
    """Lift a lock (an administrator's action); returns whether there was anything to lift."""
    deleted, _ = LoginThrottle.objects.filter(key=key(username)).delete()
    return bool(deleted)


def minutes_left(until: datetime) -> int:
    return max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
