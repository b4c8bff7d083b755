"""Abandoned drafts are deleted: a response started and never submitted is kept
``READINESS_DRAFT_DAYS`` days (default 30) after its answers were last saved.

It happens two ways, so that it needs no scheduled job:

* ``readiness web expire-drafts``, which an operator may run from cron;
* at most once an hour in each worker, when someone starts a survey or a member of staff
  signs in (:func:`now_and_then`).

Both also delete the rate-limit counters whose windows have ended
(:func:`readiness.web.security.ratelimit.purge_ended`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from readiness.web.security import ratelimit
from readiness.web.surveys.models import Draft

log = logging.getLogger("readiness.web")

EVERY_SECONDS = 3600  # how often each worker tidies up on its own
_last_run: float | None = None


@dataclass(frozen=True)
class Expired:
    drafts: int  # unsubmitted responses deleted
    counters: int  # rate-limit counters of ended windows deleted
    days: int  # drafts last saved more than this many days ago were deleted


def draft_days() -> int:
    days = int(getattr(settings, "READINESS_DRAFT_DAYS", 30))
    if days < 1:
        raise ValueError(
            f"READINESS_DRAFT_DAYS is {days}. Fix: set it to a number of days, 1 or more."
        )
    return days


def expire_drafts(today: date | None = None) -> int:
    """Delete the drafts last saved more than ``READINESS_DRAFT_DAYS`` days ago; returns how
    many."""
    cutoff = (today or date.today()) - timedelta(days=draft_days())
    _total, by_model = Draft.objects.filter(updated_on__lt=cutoff).delete()
    return by_model.get(Draft._meta.label, 0)


def expire(today: date | None = None) -> Expired:
    """Everything that has outlived its use: abandoned drafts and ended rate-limit counters."""
    global _last_run
    _last_run = time.monotonic()
    return Expired(expire_drafts(today), ratelimit.purge_ended(), draft_days())


def now_and_then() -> None:
    """:func:`expire`, if this worker has not done it within the last hour.  It runs inside
    someone else's request (a sign-in, a survey started): a failure is logged, never raised,
    and waits for the next hour (or for ``readiness web expire-drafts``)."""
    global _last_run
    if _last_run is None or time.monotonic() - _last_run >= EVERY_SECONDS:
        try:
            with transaction.atomic():
                expire()
        except Exception:
            _last_run = time.monotonic()
            log.exception("Deleting abandoned drafts and ended rate-limit counters failed")


def forget_last_run() -> None:
    """As in a worker just started (for tests)."""
    global _last_run
    _last_run = None
