"""Rate limits on respondent pages: per client, per session link and per resume code.

What is counted, in fixed windows, across all worker processes (a counter row per key in the
database, incremented by one ``INSERT ... ON CONFLICT DO UPDATE`` statement):

=================================  ==================================  ========================
request                            counted under                       default limit
=================================  ==================================  ========================
starting the survey (consent)      the client, on that session link    ``READINESS_RATE_CLIENT_
                                                                       STARTS`` 200 / 10 min
                                   then the session link (its          ``READINESS_RATE_STARTS``
                                   ceiling)                            5000 / 10 min
a page, "check and submit"         the draft the browser answers       ``READINESS_RATE_PAGES``
                                                                       60 / minute
"continue a survey" form           the client                          ``READINESS_RATE_CLIENT_
                                                                       RESUME`` 100 / 10 min
                                   then the code typed                 ``READINESS_RATE_RESUME``
                                                                       10 / 10 min
=================================  ==================================  ========================

Only submissions (POST) are counted: they are what writes to the database.  A request refused
by one limit is not counted by the limits after it, so one client that keeps going after its
own allowance uses none of the link's: it cannot hold the link for the rest of a training room.

The numbers: a client is an address (IPv4) or a /64 network (IPv6, where one machine may use
many addresses of its network).  A training room on a hospital's network may reach the service
from one address, so a client may start 200 responses on a link in 10 minutes: a room of 200,
each starting once (or 100 starting twice).  A link's ceiling of 5000 in 10 minutes is there
to bound what many addresses working together can write; it takes 25 of them, each at its own
limit, to reach it, and a room of 500 starting twice each uses a fifth of it.  Pages are
counted per draft (the resume code's digest, from the browser's respondent session:
:mod:`readiness.web.surveys.answering`; only its holder can post them), and the "continue" form
both per client and per code typed (its digest, so a page and the form count one code alike).  Over a limit the page answers 429 with ``Retry-After`` and says
to wait.

The client's address is ``REMOTE_ADDR``, or, when the request comes from the proxy
(``READINESS_FORWARDED_ALLOW_IPS``, default ``127.0.0.1``, as for gunicorn), the ``X-Real-IP``
header the proxy sets.  A request through the proxy without that header has no client: the
per-client limits are skipped for it (and a warning is logged once per worker), so that a
proxy that does not send the header never makes all the service's users one client.

What is kept: the keys are HMACs (:mod:`readiness.web.security.digests`), so no session link,
resume code or address is stored, and no key equals a resume code's own digest.  A client's
key is made with the window it counts in, so it changes every window, and rows of windows that
have ended are deleted (by the first counted request of each new window in each worker, and by
``readiness web expire-drafts``): an address is never stored, and its keyed digest lasts at
most about twice its window.  Someone holding both the database and the secret key could, while
such a row lasts, test whether a given address made it.  A response's counters are deleted
when it is submitted (:func:`forget_code`).  Limits are written ``"COUNT/SECONDS"``;
``"0/..."`` turns a limit off.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from django.conf import settings
from django.db import connection
from django.shortcuts import render

from readiness.web import commits, prepared
from readiness.web.security.digests import keyed
from readiness.web.security.models import RateCounter

log = logging.getLogger("readiness.web")

DEFAULTS = {
    "client_starts": "200/600",
    "starts": "5000/600",
    "pages": "60/60",
    "client_resume": "100/600",
    "resume": "10/600",
}
# url name -> the limits counted, in order: (limit name, what its key is made of).  A request
# refused by one limit is not counted by the next.
COUNTED = {
    "surveys:start": (("client_starts", ("client", "token")), ("starts", ("token",))),
    "surveys:follow_up": (("client_starts", ("client", "token")), ("starts", ("token",))),
    "surveys:page": (("pages", ("draft",)),),
    "surveys:code": (("pages", ("draft",)),),
    "surveys:check": (("pages", ("draft",)),),
    "surveys:resume": (("client_resume", ("client",)), ("resume", ("post:code",))),
}
# Limits counted in these counters by other parts of the service: name -> (setting, default).
ELSEWHERE = {
    "lookups": ("READINESS_MEMBER_LOOKUPS", "10/3600"),  # readiness.web.accounts.lookup
    # readiness.web.accounts.passwords: forgotten-password requests, per address and per client
    "resets": ("READINESS_RATE_RESETS", "3/3600"),
    "client_resets": ("READINESS_RATE_CLIENT_RESETS", "20/3600"),
    "invitations": ("READINESS_INVITATIONS", "50/86400"),  # readiness.web.accounts.invitations
}
# Rows of no limit named here (one renamed or removed) are deleted once this long has passed.
UNKNOWN_KEPT_SECONDS = 86400
# Limits whose keys hold a resume code's digest: forgotten when the response is submitted.
CODE_LIMITS = ("pages", "resume")

_purged: dict[str, int] = {}  # limit name -> the window this worker last purged before
_warned = False


def parse(text: str) -> tuple[int, int]:
    count, _, seconds = str(text).partition("/")
    return int(count), int(seconds or 60)


def limit_for(name: str) -> tuple[int, int]:
    setting, default = ELSEWHERE.get(name) or (f"READINESS_RATE_{name.upper()}", DEFAULTS[name])
    return parse(getattr(settings, setting, default))


def window_of(seconds: int, now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // seconds * seconds)


def _trusted_proxies() -> set[str]:
    text = str(getattr(settings, "READINESS_FORWARDED_ALLOW_IPS", "127.0.0.1"))
    return {part.strip() for part in text.split(",") if part.strip()}


def client_of(request) -> str | None:
    """The client a request counts under: its IPv4 address, or its IPv6 /64 network; None when
    it came through the proxy without the proxy saying whose request it is."""
    address = str(request.META.get("REMOTE_ADDR") or "").strip()
    proxies = _trusted_proxies()
    if "*" in proxies or address in proxies:
        address = str(request.META.get("HTTP_X_REAL_IP") or "").strip()
        if not address:
            _warn_no_client()
            return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _warn_no_client() -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(
            "Requests come from the proxy without an X-Real-IP header: the per-client rate "
            "limits are skipped. Fix: set the header at the proxy (docs/web.md)."
        )


def counter_key(name: str, values: list[str], window: int | None = None) -> str:
    """The row a limit counts under: the limit's name and an HMAC of what it is keyed on
    (with the window, for a client's, so that the key changes every window)."""
    material = "\x00".join([name, *values, "" if window is None else str(window)])
    return f"{name}:{keyed('ratelimit', material)}"


def _normal(source: str, value: str) -> str:
    """A typed resume code as its digest (``Draft.code_digest``), as the session holds it."""
    if source == "post:code":
        from readiness.web.surveys.models import code_digest, normalise_code

        return code_digest(value) if normalise_code(value) else ""
    return value


def _values(request, view_kwargs, parts) -> list[str] | None:
    out = []
    for source in parts:
        if source == "client":
            value = client_of(request)
        elif source == "draft":
            from readiness.web.surveys import answering

            value = answering.draft_digest(request)
        elif source.startswith("post:"):
            value = _normal(source, request.POST.get(source[5:], ""))
        else:
            value = _normal(source, str(view_kwargs.get(source, "")))
        if not value:
            return None
        out.append(value)
    return out


def purge_ended(now: float | None = None) -> int:
    """Delete every counter whose window has ended; returns how many."""
    names = [*DEFAULTS, *ELSEWHERE]
    deleted = sum(_purge(name, window_of(limit_for(name)[1], now)) for name in names)
    now = now if now is not None else time.time()
    unknown = RateCounter.objects.filter(window_start__lt=now - UNKNOWN_KEPT_SECONDS)
    for name in names:
        unknown = unknown.exclude(key__startswith=f"{name}:")
    found, _ = unknown.delete()
    return deleted + found


def _purge(name: str, window: int) -> int:
    _purged[name] = window
    found, _ = RateCounter.objects.filter(
        key__startswith=f"{name}:", window_start__lt=window
    ).delete()
    return found


def hit(key: str, seconds: int, now: float | None = None) -> int:
    """Count one request under ``key`` in the current window; returns the count so far."""
    window = window_of(seconds, now)
    q = connection.ops.quote_name
    table, k, w, c = q(RateCounter._meta.db_table), q("key"), q("window_start"), q("count")
    # A counter: its commit never waits for the disk, in one prepared statement
    # (readiness.web.commits, readiness.web.prepared).
    values = (
        f"SELECT %s, %s, 1 FROM {commits.RELAX_IN_STATEMENT}"
        if commits.can_relax()
        else "VALUES (%s, %s, 1)"
    )
    with prepared.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({k}, {w}, {c}) {values} "
            f"ON CONFLICT ({k}) DO UPDATE SET "
            f"{c} = CASE WHEN {table}.{w} = excluded.{w} THEN {table}.{c} + 1 ELSE 1 END, "
            f"{w} = excluded.{w} RETURNING {c}",
            [key, window],
        )
        (count,) = cursor.fetchone()
    name, named, _digest = key.partition(":")
    if named and _purged.get(name) != window:  # once per window in each worker
        _purge(name, window)
    return count


def forget_code(digest: str) -> None:
    """Delete the counters keyed on a resume code, by its digest (when its response has been
    submitted), so that nothing is left that was counted under it."""
    keys = [counter_key(name, [digest]) for name in CODE_LIMITS]
    RateCounter.objects.filter(key__in=keys).delete()


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = round(seconds / 60)
    return "a minute" if minutes == 1 else f"{minutes} minutes"


class RespondentRateLimitMiddleware:
    """Count respondent submissions per client, session link and resume code; 429 over a
    limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        match = getattr(request, "resolver_match", None)
        rules = COUNTED.get(match.view_name) if match else None
        for name, parts in rules or ():
            count_limit, seconds = limit_for(name)
            if count_limit <= 0:
                continue
            values = _values(request, view_kwargs, parts)
            if values is None:
                continue
            window = window_of(seconds) if "client" in parts else None
            if hit(counter_key(name, values, window), seconds) > count_limit:
                return self.slow_down(request, seconds)
        return None

    @staticmethod
    def slow_down(request, seconds: int):
        response = render(
            request, "respondent/slow_down.jinja", {"wait": wait_text(seconds)}, status=429
        )
        response["Retry-After"] = str(seconds)
        response["Cache-Control"] = "no-store"
        return response
