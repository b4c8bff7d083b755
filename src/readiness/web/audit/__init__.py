"""The audit log: an append-only record of sign-ins, exports, imports and edits.

Call :func:`record` wherever something is done to a study's data or settings::

    from readiness.web import audit

    audit.record(request.user, "export", study=study, detail={"format": "sav", "rows": 782})

Who (the account and its username), what (an action name, see :mod:`.actions`), which study
and a small JSON ``detail``, with the time.  Staff actions only: respondents are anonymous and
never appear here, and no entry holds an IP address or user agent (``record`` refuses details
that name one).

Nobody can change or remove an entry: the model refuses updates and deletes
(:class:`~readiness.web.audit.models.Event`), and so does the database itself, through
triggers installed by the app's migration on PostgreSQL and SQLite
(:mod:`readiness.web.audit.guard`).  Study leads read their study's log at
``/studies/<slug>/audit/``; system administrators read the whole log in Django's admin,
read-only.
"""

from __future__ import annotations

from readiness.web.audit.actions import (  # noqa: F401 (re-exported names)
    EDIT,
    EXPORT,
    IMPORT,
    LOGIN,
    LOGIN_BLOCKED,
    LOGIN_FAILED,
    LOGOUT,
    PAPER_ENTRY,
    TWO_FACTOR,
)

# Who a sign-in names when the username typed is no account.  What was typed is not kept: it
# may be a password typed into the wrong box.  (Usernames cannot hold brackets or spaces.)
UNKNOWN_USER = "(unknown user)"


def signing_in(username: str):
    """The actor to record for a sign-in attempt with ``username``: the account (kept by its
    id and username), or :data:`UNKNOWN_USER`, never the text typed."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=str(username or "")).first()
    return user if user is not None else UNKNOWN_USER


# Keys a detail may never have: the audit log keeps no client address or user agent.
FORBIDDEN_KEYS = frozenset(
    {
        "ip",
        "ip_address",
        "addr",
        "address",
        "remote_addr",
        "client",
        "user_agent",
        "http_user_agent",
        "http_x_forwarded_for",
        "x_forwarded_for",
    }
)


def record(actor, action: str, study=None, detail: dict | None = None):
    """Append one entry to the audit log and return it.

    ``actor`` is a user, a username, or None for the system (a command run from the shell).
    ``action`` is a short name such as ``"export"`` (the constants in
    :mod:`readiness.web.audit.actions`; other names are accepted).  ``study`` is the study
    concerned, if any.  ``detail`` is a JSON-serialisable dict of what was done (a format, a
    row count, the fields changed); it may not hold a client address or user agent.

    The entry is written in the caller's transaction: if that rolls back (the edit did not
    happen), so does the entry.
    """
    from readiness.web.audit.models import Event

    detail = dict(detail or {})
    bad = sorted(k for k in detail if str(k).lower().replace("-", "_") in FORBIDDEN_KEYS)
    if bad:
        raise ValueError(
            f"audit detail may not hold a client address or user agent (keys {', '.join(bad)})."
        )
    return Event.objects.create(**Event.fields_for(actor, action, study, detail))
