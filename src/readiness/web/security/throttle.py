"""Sign-in throttling, keyed on the username only.

Every attempt with a username (a password, or a two-factor code) is counted *before* it is
checked, in one transaction that holds the username's row (:func:`attempt`): at most
``READINESS_LOGIN_FAILURES`` attempts (default 5) within ``READINESS_LOGIN_WINDOW`` seconds
(default 900) are checked at all, however many arrive at once.  When that many have been
counted without a completed sign-in, the username is locked for ``READINESS_LOGIN_LOCKOUT``
seconds (default 900): sign-ins with it are refused without the password being checked, and
each refusal is in the audit log.  A completed sign-in (password and any second factor) clears
the count.  A system administrator can lift a lock in the admin (delete the username's
throttle entry) or with ``readiness web unlock USERNAME``.

Why count before checking: a password check (Argon2) takes a while, and a count made after it
let every attempt that started before the first failure was counted be checked (40 sign-ins
sent at once had 39 wrong passwords checked, and the 40th got in).

Why the username and not the address: respondents' and staff's IP addresses are never kept
(docs/web.md, "Privacy in the logs"), and an address-keyed limit would need them.  Keyed on the
username, a lock protects the account being guessed at, wherever the guesses come from.  The
price is that someone who knows a username can lock its owner out for the lockout period by
failing on purpose; the owner then waits or asks an administrator.  The table keeps a keyed
digest of the username (HMAC-SHA256 under a key derived from the secret key,
:mod:`readiness.web.security.digests`), not the username, nor a digest that a copy of the
table alone would reverse.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from readiness.web.security.digests import keyed
from readiness.web.security.models import LoginThrottle

HOLD_TRIES = 5  # inserts of a username's row before a deletion racing with it is an error


def limit() -> int:
    return int(getattr(settings, "READINESS_LOGIN_FAILURES", 5))


def window() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "READINESS_LOGIN_WINDOW", 900)))


def lockout() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "READINESS_LOGIN_LOCKOUT", 900)))


def key(username: str) -> str:
    """The keyed digest a username is counted under (case and surrounding spaces ignored)."""
    return keyed("login-throttle", str(username or "").strip().lower())


def locked_until(username: str) -> datetime | None:
    """When the username's lock ends, or None if it is not locked now."""
    row = LoginThrottle.objects.filter(key=key(username)).only("locked_until").first()
    if row is None or row.locked_until is None or row.locked_until <= timezone.now():
        return None
    return row.locked_until


def _held_row(username: str) -> LoginThrottle:
    """The username's row, made if need be and held until the transaction ends (call inside
    ``transaction.atomic``).  PostgreSQL holds it with ``SELECT ... FOR UPDATE``; SQLite's
    transactions are IMMEDIATE (settings), so one writer at a time is inside.  On PostgreSQL
    the row may be deleted between its insert and its lock (a completed sign-in, an unlock):
    then it is made again, a few times at most."""
    digest = key(username)
    for _ in range(HOLD_TRIES - 1):
        LoginThrottle.objects.bulk_create([LoginThrottle(key=digest)], ignore_conflicts=True)
        try:
            return LoginThrottle.objects.select_for_update().get(key=digest)
        except LoginThrottle.DoesNotExist:
            continue
    LoginThrottle.objects.bulk_create([LoginThrottle(key=digest)], ignore_conflicts=True)
    return LoginThrottle.objects.select_for_update().get(key=digest)


def _lock(row: LoginThrottle, now: datetime) -> datetime:
    row.locked_until = now + lockout()
    row.failures, row.window_start = 0, None
    return row.locked_until


def attempt(username: str) -> datetime | None:
    """Count an attempt before it is checked.  Returns None when it may be checked, or when
    the username's lock ends when it is refused (locked, or its attempts used up)."""
    with transaction.atomic():
        row = _held_row(username)
        now = timezone.now()
        if row.locked_until is not None and row.locked_until > now:
            return row.locked_until
        if row.window_start is None or now - row.window_start > window():
            row.failures, row.window_start = 0, now
        if row.failures >= limit():
            until = _lock(row, now)
        else:
            row.failures += 1
            until = None
        row.save()
        return until


def failed(username: str) -> bool:
    """The attempt counted by :func:`attempt` was wrong: lock the username if it was the last
    one allowed.  Returns whether it is locked now."""
    with transaction.atomic():
        row = _held_row(username)
        now = timezone.now()
        if row.locked_until is not None and row.locked_until > now:
            return True
        if row.failures < limit():
            return False
        _lock(row, now)
        row.save()
        return True


def passed(username: str) -> None:
    """The attempt counted by :func:`attempt` was right (a password before its second factor,
    or a code): it is not a failure, so it no longer counts."""
    with transaction.atomic():
        row = _held_row(username)
        if row.failures > 0:
            row.failures -= 1
            row.save(update_fields=["failures"])


def succeeded(username: str) -> None:
    """A full sign-in (password and any second factor): forget the attempts."""
    LoginThrottle.objects.filter(key=key(username)).delete()


def unlock(username: str) -> bool:
    """Lift a lock (an administrator's action); returns whether there was anything to lift."""
    deleted, _ = LoginThrottle.objects.filter(key=key(username)).delete()
    return bool(deleted)


def minutes_left(until: datetime) -> int:
    return max(1, int((until - timezone.now()).total_seconds() + 59) // 60)


def minutes_text(until: datetime) -> str:
    """How long the lock has left, in words: "1 minute", "15 minutes"."""
    minutes = minutes_left(until)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
