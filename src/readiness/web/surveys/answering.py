"""Which draft a respondent's browser is answering: a session of its own, so that no resume code
is ever in a page's address (issue 16).

Starting the survey (``/s/<token>/``, ``/f/<token>/``) or typing a resume code on ``/resume/``
gives the browser a respondent session: a cookie, ``readiness_answering``, that holds only a
random session key (HttpOnly, SameSite=Lax, Secure unless the service runs on plain HTTP, and
with no expiry date, so it ends when the browser is closed).  The session's row, in Django's
session table, holds the draft's code digest (``Draft.code_digest``, what the database already
keeps) and the resume code sealed under the session key, so that the code can be shown again
("Save and finish later") without being in an address.

What a copy of the database holds of it: nothing that resumes a draft.  The row is kept under
an HMAC of the session key (:func:`row_key`), never the key itself, so a copied row cannot be
turned into a cookie; and the code is sealed with a pad made from the session key
(:func:`seal`), which is only in the browser.  The row expires ``READINESS_DRAFT_DAYS`` after
the session began (the draft's own life) and is deleted when the response is submitted, and
expired rows are deleted with abandoned drafts (:mod:`.expiry`).  Nothing about the browser
(address, user agent) is stored.

The staff's own sessions (``sessionid``) are untouched: respondent pages skip the staff
middleware (:mod:`readiness.web.paths`), and this session is loaded only by the respondent
pages, once per request (:func:`current`), by the rate limits and the view alike.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from readiness.web import prepared
from readiness.web.security.digests import keyed

COOKIE = "readiness_answering"
DRAFT = "draft"  # the draft's code digest
CODE = "code"  # the resume code, sealed
_SEAL_SALT = "readiness.answering.code"


def row_key(session_key: str) -> str:
    """The key of a respondent session's row: an HMAC of the cookie's key (40 characters, the
    session table's width), so the table never holds a key a browser could present."""
    return keyed("answering-session", session_key)[:40]


def seal(code: str, session_key: str) -> str:
    """The resume code encrypted with a one-time pad made from the session key and a random
    nonce (HMAC-SHA256 as the pad's function): readable only with the browser's cookie."""
    nonce = secrets.token_hex(16)
    data = code.encode("ascii")
    pad = salted_hmac(_SEAL_SALT, nonce, secret=session_key, algorithm="sha256").digest()
    if len(data) > len(pad):
        raise ValueError("A resume code is at most 32 characters.")
    return nonce + ":" + bytes(a ^ b for a, b in zip(data, pad, strict=False)).hex()


def unseal(sealed: str, session_key: str) -> str | None:
    nonce, _, hexed = str(sealed).partition(":")
    try:
        data = bytes.fromhex(hexed)
    except ValueError:
        return None
    pad = salted_hmac(_SEAL_SALT, nonce, secret=session_key, algorithm="sha256").digest()
    try:
        return bytes(a ^ b for a, b in zip(data, pad, strict=False)).decode("ascii")
    except UnicodeDecodeError:
        return None


class AnsweringStore(SessionStore):
    """Django's database sessions, with each row kept under :func:`row_key` and lasting
    ``READINESS_DRAFT_DAYS``."""

    def get_session_cookie_age(self):
        return int(getattr(settings, "READINESS_DRAFT_DAYS", 30)) * 86400

    def _get_session_from_db(self):
        """The row's data, by one statement prepared once per connection (it runs on every
        answer page: :mod:`readiness.web.prepared`)."""
        q = connection.ops.quote_name
        table = self.model._meta.db_table
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with prepared.cursor() as cursor:
            cursor.execute(
                f"SELECT {q('session_data')} FROM {q(table)} "
                f"WHERE {q('session_key')} = %s AND {q('expire_date')} > %s",
                [row_key(self.session_key), now],
            )
            found = cursor.fetchone()
        if found is None:
            self._session_key = None
            return None
        return self.model(session_data=found[0])

    def exists(self, session_key):
        return self.model.objects.filter(session_key=row_key(session_key)).exists()

    def create_model_instance(self, data):
        return self.model(
            session_key=row_key(self._get_or_create_session_key()),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )

    def delete(self, session_key=None):
        key = session_key if session_key is not None else self.session_key
        if key is None:
            return
        self.model.objects.filter(session_key=row_key(key)).delete()


def current(request) -> AnsweringStore | None:
    """The browser's respondent session (loaded once per request), or None."""
    if not hasattr(request, "_answering"):
        key = request.COOKIES.get(COOKIE)
        store = AnsweringStore(key) if key else None
        if store is not None and not store.get(DRAFT):
            store = None
        request._answering = store
    return request._answering


def draft_digest(request) -> str | None:
    """The code digest of the draft this browser is answering, or None."""
    store = current(request)
    return store.get(DRAFT) if store is not None else None


def shown_code(request) -> str | None:
    """The resume code of the draft this browser is answering, to show it (None: not known)."""
    store = current(request)
    if store is None or not store.get(CODE):
        return None
    return unseal(store[CODE], store.session_key)


def begin(request, response, digest: str, code: str) -> None:
    """Make this browser answer the draft of ``digest`` (after starting or resuming): a new
    session, whose cookie is set on ``response``; the browser's earlier one is deleted."""
    old = current(request)
    if old is not None:
        old.delete()
    store = AnsweringStore()
    key = store._get_new_session_key()
    store[DRAFT] = digest  # before the key is set: a new session, nothing to load
    store._session_key = key
    store[CODE] = seal(code, key)
    store.save(must_create=True)  # one INSERT
    request._answering = store
    response.set_cookie(
        COOKIE,
        store.session_key,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def end(request, response) -> None:
    """The draft is submitted (or gone): forget the session and its cookie."""
    store = current(request)
    if store is not None:
        store.delete()
    request._answering = None
    if COOKIE in request.COOKIES:
        response.delete_cookie(COOKIE, samesite="Lax")


def form_marker(digest: str) -> str:
    """What an answer form carries to say which draft it was shown for (never the code nor its
    digest): a page posted after the browser moved to another draft is refused, not saved
    into the other one."""
    return keyed("answering-form", digest)[:20]


def posted_for_current(request, digest: str) -> bool:
    return constant_time_compare(request.POST.get("draft", ""), form_marker(digest))


def clear_expired() -> int:
    """Delete the expired session rows (respondents' and staff's); returns how many."""
    found, _ = (
        AnsweringStore.get_model_class().objects.filter(expire_date__lt=timezone.now()).delete()
    )
    return found
