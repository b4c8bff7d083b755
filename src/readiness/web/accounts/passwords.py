"""Forgotten passwords: who gets a link, and how often one may be asked for.

Asking for a link never says whether an account has the address: the page that follows is the
same either way, and so is the answer when the address has been asked about too often.

Requests are counted in fixed windows (:mod:`readiness.web.security.ratelimit`), before
anything is looked up:

* per address asked about (a keyed digest of it): ``READINESS_RATE_RESETS``, default 3 an
  hour; more are answered as usual but send nothing, so nobody can fill someone's inbox;
* per client (address or IPv6 /64, under a digest that changes every window):
  ``READINESS_RATE_CLIENT_RESETS``, default 20 an hour; more get a page that says to wait.

Every link sent is written to the audit log, under the account.
"""

from __future__ import annotations

from readiness.web import audit
from readiness.web.accounts import mail
from readiness.web.security import ratelimit


def _over(name: str, values: list[str], per_window: bool) -> int | None:
    """Count one request under limit ``name``; the window's length when over the limit."""
    count, seconds = ratelimit.limit_for(name)
    if count <= 0:
        return None
    window = ratelimit.window_of(seconds) if per_window else None
    if ratelimit.hit(ratelimit.counter_key(name, values, window), seconds) > count:
        return seconds
    return None


def client_wait(request) -> int | None:
    """Seconds to wait when this client has asked for too many links, else None."""
    client = ratelimit.client_of(request)
    return _over("client_resets", [client], per_window=True) if client else None


def send_links(request, form) -> int:
    """E-mail a link to every account the valid ``form`` names (none when its address has been
    asked about too often); returns how many were sent."""
    email = form.cleaned_data["email"].strip().casefold()
    if _over("resets", [email], per_window=True) is not None:
        return 0
    sent = 0
    for user in form.get_users(email):
        if mail.password_reset(request, user):
            sent += 1
            audit.record(user, audit.EDIT, detail={"change": "password link sent"})
    return sent
