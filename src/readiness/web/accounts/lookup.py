"""Finding the account a member form names (a study's people, an interview project's people).

A form that gives someone a role by username has to say when the username is no account, and
so tells whoever uses it which usernames exist.  Only people who manage a study's or a
project's members use these forms; to keep them from listing the service's accounts, each
person may enter ``READINESS_MEMBER_LOOKUPS`` usernames that are no account (default 10 an
hour).  Each try is counted before the username is looked up, in one statement, so tries sent
together cannot pass the limit; a username that is an account is taken off the count again.
The count is kept in fixed windows (an hour's from one o'clock to two, and so on).  Over the limit the form looks
nothing up, so it no longer tells an existing username from any other, until the window ends;
a system administrator can add the person meanwhile.
Every username that is no account is counted in the audit log (under the study it was entered
for; not the text entered, as for failed sign-ins).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from readiness.web import audit
from readiness.web.security import ratelimit
from readiness.web.security.models import RateCounter

NOT_FOUND = "No account has this username. Check it with the person or a system administrator"


def _limit() -> tuple[int, int]:
    return ratelimit.limit_for("lookups")


def _key(actor, seconds: int) -> tuple[str, int]:
    window = ratelimit.window_of(seconds)
    return ratelimit.counter_key("lookups", [str(actor.pk)], window), window


def _take_back(key: str, window: int) -> None:
    """Undo one count made by :func:`find_account` (the username was an account, or it was
    refused): only misses stay counted."""
    RateCounter.objects.filter(key=key, window_start=window, count__gt=0).update(
        count=F("count") - 1
    )


def _too_many(count: int, window: int, seconds: int) -> str:
    names = "username that is" if count == 1 else "usernames that are"
    began, ends = (
        timezone.localtime(datetime.fromtimestamp(t, tz=UTC)) for t in (window, window + seconds)
    )
    return (
        f"You have entered {count} {names} no account since {began:%H:%M}. Try again after "
        f"{ends:%H:%M}, or ask a system administrator to give the person their role"
    )


def find_account(actor, username: str, study=None, where: dict | None = None):
    """The account named ``username``, for ``actor`` (who manages members); raises a form
    error when it is no account, or when ``actor`` has entered too many that were not.
    ``study`` or ``where`` (such as ``{"project": slug}``) say where, for the audit log."""
    count, seconds = _limit()
    counted = None
    if count > 0:  # counted first, in one statement, so parallel requests cannot pass it
        key, window = counted = _key(actor, seconds)
        if ratelimit.hit(key, seconds) > count:
            _take_back(key, window)
            raise forms.ValidationError(_too_many(count, window, seconds))
    user = get_user_model().objects.filter(username=username.strip()).first()
    if user is not None:
        if counted is not None:
            _take_back(*counted)
        return user
    audit.record(
        actor,
        audit.EDIT,
        study=study,
        detail={"change": "no such account", **(where or {})},
    )
    raise forms.ValidationError(NOT_FOUND)
