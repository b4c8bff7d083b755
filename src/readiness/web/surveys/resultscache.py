"""The dashboard's results: computed once, shared by every worker, refreshed in the background.

The analysis of a large study takes seconds (reading 100,000 responses and analysing them), so
its result is kept in the ``results`` cache (files in the data folder, shared by gunicorn's
workers and kept across restarts) under the study (and the coordinator's sites), with a *stamp*
(:func:`readiness.web.surveys.services.results_key`) that changes whenever a response, a
session or the instrument changes.  A dashboard view:

* finds the stamp unchanged: shows the kept result;
* finds it changed (responses arrived): shows the kept result at once, marked as being brought
  up to date (``stale``, with the number of responses it covers), and queues one refresh for
  the background worker (``readiness web worker``; one per study across app servers: a lock in
  the cache);
* finds nothing kept (the first view ever): computes and keeps it while the person waits, or,
  for a study of more than ``READINESS_RESULTS_IN_BACKGROUND`` responses (default 20,000,
  several seconds of work), says that the results are being computed and computes them in the
  background.

Inside a transaction (the test suite's, or ``ATOMIC_REQUESTS``) a background refresh could not
see the caller's data, so the result is computed there and then instead.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import caches
from django.db import connection, connections

from readiness.web.surveys import services

log = logging.getLogger("readiness.web")

ALIAS = "results"
KEEP_SECONDS = 30 * 24 * 3600
REFRESH_LOCK_SECONDS = 600


def _cache():
    return caches[ALIAS]


def _get(key: str):
    try:
        return _cache().get(key)
    except OSError:  # the cache folder cannot be read: compute instead
        log.warning("the results cache (%s) cannot be read", ALIAS, exc_info=True)
        return None


def _set(key: str, value) -> None:
    try:
        _cache().set(key, value, KEEP_SECONDS)
    except OSError:  # the cache folder cannot be written: the result is not kept
        log.warning("the results cache (%s) cannot be written", ALIAS, exc_info=True)


def database_tag() -> str:
    """A short tag of the database in use (its name), so that two databases, such as two test
    databases, never share what is kept for them."""
    return hashlib.sha256(str(connection.settings_dict.get("NAME")).encode()).hexdigest()[:12]


def slot(study, site_ids, variant: str = "") -> str:
    """Where a study's result is kept (the database's name is in it: two databases, such as
    two test databases, never share a result; so is ``variant``, the settings the result
    depends on, so that a changed setting is never answered with a result made under another).
    """
    sites = "all" if site_ids is None else ",".join(map(str, sorted(site_ids)))
    return f"readiness:results:{database_tag()}:{study.pk}:{sites}:{variant}"


def _stamp(study, site_ids, stamp):
    """What the kept result must have been made from: ``stamp(study)`` if given (the release
    point of :mod:`.release`), else every response and session as they are now."""
    return services.results_key(study, site_ids) if stamp is None else stamp(study)


def get(study, site_ids, compute, variant: str = "", stamp=None) -> dict:
    """The study's result: ``compute(study)`` runs only when nothing usable is kept; ``stamp``
    as in :func:`_stamp`."""
    key = slot(study, site_ids, variant)
    made_from = _stamp(study, site_ids, stamp)
    entry = _get(key)
    if entry is not None and entry["stamp"] == made_from:
        return entry["data"]
    if connection.in_atomic_block or (entry is None and not _large(study, site_ids)):
        data = compute(study)
        _set(key, {"stamp": made_from, "data": data})
        return data
    locked = _lock(key, made_from)
    if locked is None:  # no cache to keep a result in: compute it now
        return compute(study)
    if locked:
        _queue_refresh(study.pk, site_ids, key, compute, stamp)
    if entry is None:
        return {
            "error": "The results of these responses are being computed. Refresh the page in a "
            "minute.",
            "n": 0,
            "pending": True,
        }
    return {**entry["data"], "stale": True}


def remembered(key: str, stamp: str, compute):
    """``compute()``, or what it gave when ``stamp`` was last the same: for small figures that
    are cheap to keep and dear to count again on every view (kept for every server, as the
    results are)."""
    slot_key = f"readiness:remembered:{database_tag()}:{key}"
    entry = _get(slot_key)
    if entry is not None and entry["stamp"] == stamp:
        return entry["data"]
    data = compute()
    _set(slot_key, {"stamp": stamp, "data": data})
    return data


def remembered_since(key: str, stamp, compute, extend):
    """:func:`remembered`, but when what is kept was made under another stamp,
    ``extend(old_stamp, old_data)`` may bring it up to date (None: ``compute()`` afresh)."""
    slot_key = f"readiness:remembered:{database_tag()}:{key}"
    entry = _get(slot_key)
    if entry is not None and entry["stamp"] == stamp:
        return entry["data"]
    data = None if entry is None else extend(entry["stamp"], entry["data"])
    if data is None:
        data = compute()
    _set(slot_key, {"stamp": stamp, "data": data})
    return data


def is_current(study, site_ids, variant: str = "", stamp=None) -> bool:
    """Whether the kept result is made from what :func:`_stamp` says it must be."""
    entry = _get(slot(study, site_ids, variant))
    return entry is not None and entry["stamp"] == _stamp(study, site_ids, stamp)


def _large(study, site_ids) -> bool:
    from django.conf import settings

    from readiness.web.surveys.models import Response

    threshold = int(settings.READINESS_RESULTS_IN_BACKGROUND)
    responses = Response.objects.filter(session__site__study=study)
    if site_ids is not None:
        responses = responses.filter(session__site_id__in=site_ids)
    return responses.count() > threshold


def _lock(key: str, stamp: str) -> bool | None:
    """Whether this worker is the one to refresh (no other refresh is under way); None when
    the cache cannot be written."""
    try:
        return _cache().add(f"{key}:refreshing", stamp, REFRESH_LOCK_SECONDS)
    except OSError:
        log.warning("the results cache (%s) cannot be written", ALIAS, exc_info=True)
        return None


def _queue_refresh(study_pk, site_ids, key, compute, stamp) -> None:
    """Queue :func:`_refresh` for the background worker (:mod:`readiness.web.jobs`): its
    arguments go through the database, so ``compute`` and ``stamp`` are partials of
    module-level functions (:func:`readiness.web.jobs.tasks.describe`), not lambdas."""
    from readiness.web.jobs.tasks import describe, refresh_results

    described = (describe(compute), None if stamp is None else describe(stamp))
    if described[0] is None or (stamp is not None and described[1] is None):
        raise TypeError("compute and stamp must be functools.partial of module-level functions")
    sites = None if site_ids is None else sorted(site_ids)
    refresh_results.enqueue(study_pk, sites, key, *described)


def _refresh(study_pk, site_ids, key, compute, stamp=None) -> None:
    from readiness.web.surveys.models import Study

    try:
        study = Study.objects.select_related("instrument").get(pk=study_pk)
        made_from = _stamp(study, site_ids, stamp)  # before reading: later changes refresh again
        _set(key, {"stamp": made_from, "data": compute(study)})
    except Exception:  # a refresh that fails leaves the kept result; the next view tries again
        log.exception("refreshing the dashboard results of study %s failed", study_pk)
    finally:
        try:
            _cache().delete(f"{key}:refreshing")
        except OSError:
            pass
        connections.close_all()
