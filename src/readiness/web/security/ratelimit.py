"""Rate limits on respondent pages, per session link and per resume code (never per address).

What is counted, in fixed windows, across all worker processes (a counter row per key in the
database, incremented by one ``INSERT ... ON CONFLICT DO UPDATE`` statement):

===============================  ==========================  ==========================
request                          counted under               default limit
===============================  ==========================  ==========================
starting the survey (consent)    the session link            ``READINESS_RATE_STARTS``
                                                             300 per 10 minutes
a page, "check and submit"       the resume code             ``READINESS_RATE_PAGES``
                                                             60 per minute
"continue a survey" form         the code typed              ``READINESS_RATE_RESUME``
                                                             10 per 10 minutes
===============================  ==========================  ==========================

Only submissions (POST) are counted: they are what writes to the database.  A session of a
hundred people starting at once stays far inside the first limit; a script that starts
thousands of responses through one link, or submits one draft in a loop, does not.  Over the
limit the page answers 429 with ``Retry-After`` and a page that says to wait.

The keys are SHA-256 digests (a resume code is never stored in clear); no address or user agent
is read.  Limits are written ``"COUNT/SECONDS"``; ``"0/..."`` turns a limit off.
"""

from __future__ import annotations

import hashlib
import random
import time

from django.conf import settings
from django.db import connection
from django.shortcuts import render

from readiness.web.commits import execute_relaxed
from readiness.web.security.models import RateCounter

DEFAULTS = {
    "starts": "300/600",
    "pages": "60/60",
    "resume": "10/600",
}
# url name -> (limit name, where the key comes from)
COUNTED = {
    "surveys:start": ("starts", "token"),
    "surveys:page": ("pages", "code"),
    "surveys:check": ("pages", "code"),
    "surveys:resume": ("resume", "post:code"),
}


def parse(text: str) -> tuple[int, int]:
    count, _, seconds = str(text).partition("/")
    return int(count), int(seconds or 60)


def limit_for(name: str) -> tuple[int, int]:
    return parse(getattr(settings, f"READINESS_RATE_{name.upper()}", DEFAULTS[name]))


def digest(kind: str, value: str) -> str:
    if kind in ("code", "post:code"):
        from readiness.web.surveys.models import normalise_code

        value = normalise_code(value)
    return hashlib.sha256(value.encode()).hexdigest()


def hit(key: str, seconds: int, now: float | None = None) -> int:
    """Count one request under ``key`` in the current window; returns the count so far."""
    window = int((now if now is not None else time.time()) // seconds * seconds)
    q = connection.ops.quote_name
    table, k, w, c = q(RateCounter._meta.db_table), q("key"), q("window_start"), q("count")
    # A counter: its commit need not wait for the disk (readiness.web.commits).
    (count,) = execute_relaxed(
        f"INSERT INTO {table} ({k}, {w}, {c}) VALUES (%s, %s, 1) "
        f"ON CONFLICT ({k}) DO UPDATE SET "
        f"{c} = CASE WHEN {table}.{w} = excluded.{w} THEN {table}.{c} + 1 ELSE 1 END, "
        f"{w} = excluded.{w} RETURNING {c}",
        [key, window],
        fetch=True,
    )
    if random.random() < 0.001:  # now and then, forget windows long past
        RateCounter.objects.filter(window_start__lt=window - 86400).delete()
    return count


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = round(seconds / 60)
    return "a minute" if minutes == 1 else f"{minutes} minutes"


class RespondentRateLimitMiddleware:
    """Count respondent submissions per session link or resume code; 429 over the limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        match = getattr(request, "resolver_match", None)
        rule = COUNTED.get(match.view_name) if match else None
        if rule is None:
            return None
        name, source = rule
        count_limit, seconds = limit_for(name)
        if count_limit <= 0:
            return None
        if source.startswith("post:"):
            value = request.POST.get(source[5:], "")
        else:
            value = view_kwargs.get(source, "")
        if not value:
            return None
        if hit(f"{name}:{digest(source, value)}", seconds) <= count_limit:
            return None
        return self.slow_down(request, seconds)

    @staticmethod
    def slow_down(request, seconds: int):
        response = render(
            request, "respondent/slow_down.jinja", {"wait": wait_text(seconds)}, status=429
        )
        response["Retry-After"] = str(seconds)
        response["Cache-Control"] = "no-store"
        return response
