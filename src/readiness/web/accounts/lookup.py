"""Finding the account a member form names (a study's people, an interview project's people).

A form that gives someone a role by username has to say when the username is no account, and
so tells whoever uses it which usernames exist.  Only people who manage a study's or a
project's members use these forms; to keep them from listing the service's accounts, each
person may enter ``READINESS_MEMBER_LOOKUPS`` usernames that are no account (default 10 an
hour).  Over that the form looks nothing up, so it no longer tells an existing username from
any other, until the hour has passed; a system administrator can add the person meanwhile.
Every username that is no account is counted in the audit log (under the study it was entered
for; not the text entered, as for failed sign-ins).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from readiness.web import audit
from readiness.web.security import ratelimit
from readiness.web.security.models import RateCounter

NOT_FOUND = "No account has this username. Check it with the person or a system administrator"


def _limit() -> tuple[int, int]:
    return ratelimit.parse(getattr(settings, "READINESS_MEMBER_LOOKUPS", "10/3600"))


def _key(actor, seconds: int) -> tuple[str, int]:
    window = ratelimit.window_of(seconds)
    return ratelimit.counter_key("lookups", [str(actor.pk)], window), window


def _misses(actor, seconds: int) -> int:
    key, window = _key(actor, seconds)
    row = RateCounter.objects.filter(key=key, window_start=window).only("count").first()
    return row.count if row is not None else 0


def _too_many(count: int, seconds: int) -> str:
    names = "username that is" if count == 1 else "usernames that are"
    return (
        f"You have entered {count} {names} no account in the last "
        f"{ratelimit.wait_text(seconds)}. Try again later, or ask a system administrator to "
        "give the person their role"
    )


def find_account(actor, username: str, study=None, where: dict | None = None):
    """The account named ``username``, for ``actor`` (who manages members); raises a form
    error when it is no account, or when ``actor`` has entered too many that were not.
    ``study`` or ``where`` (such as ``{"project": slug}``) say where, for the audit log."""
    count, seconds = _limit()
    if count > 0 and _misses(actor, seconds) >= count:
        raise forms.ValidationError(_too_many(count, seconds))
    user = get_user_model().objects.filter(username=username.strip()).first()
    if user is not None:
        return user
    if count > 0:
        key, _window = _key(actor, seconds)
        ratelimit.hit(key, seconds)
    audit.record(
        actor,
        audit.EDIT,
        study=study,
        detail={"change": "no such account", **(where or {})},
    )
    raise forms.ValidationError(NOT_FOUND)
