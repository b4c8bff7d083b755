"""Abandoned drafts are deleted: a response started and never submitted is kept
``READINESS_DRAFT_DAYS`` days (default 30) after its answers were last saved.

It happens two ways, never inside a request:

* every hour in the background worker (``readiness web worker``:
  :func:`readiness.web.jobs.tasks.expire_hourly`, queued when a worker starts and again by
  itself an hour on);
* ``readiness web expire-drafts``, which an operator may run from cron.

Both also delete the rate-limit counters whose windows have ended
(:func:`readiness.web.security.ratelimit.purge_ended`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from readiness.web.security import ratelimit
from readiness.web.surveys import answering
from readiness.web.surveys.models import Draft

log = logging.getLogger("readiness.web")


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
    answering.clear_expired()  # and the browser sessions that pointed at drafts, once expired
    return by_model.get(Draft._meta.label, 0)


def expire(today: date | None = None) -> Expired:
    """Everything that has outlived its use: abandoned drafts and ended rate-limit counters."""
    return Expired(expire_drafts(today), ratelimit.purge_ended(), draft_days())
