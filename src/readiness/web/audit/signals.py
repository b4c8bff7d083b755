"""Sign-ins, failed sign-ins and sign-outs (Django's signals), and admin changes, into the log.

A failed sign-in is recorded under the account it named, or as an unknown user: the text typed
as a username is not kept (it may be a password typed into the wrong box).  Nothing about the
client (no address, no user agent) is recorded for any event.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from readiness.web.audit import (
    EDIT,
    LOGIN,
    LOGIN_BLOCKED,
    LOGIN_FAILED,
    LOGOUT,
    record,
    signing_in,
)

# Set by the throttled authentication backend (readiness.web.security.backends) to the username
# it refused because it is locked, just before authenticate() sends user_login_failed.
BLOCKED: ContextVar[str | None] = ContextVar("readiness_login_blocked", default=None)


def _second_factor(device) -> str:
    """What the second step of a sign-in was: the authenticator app or a backup code."""
    from django_otp.plugins.otp_static.models import StaticDevice

    return "backup code" if isinstance(device, StaticDevice) else "authenticator app"


@receiver(user_logged_in, dispatch_uid="readiness-audit-login")
def _logged_in(sender, request, user, **kwargs):
    detail = _where(request)
    device = getattr(user, "otp_device", None)
    if device is not None:
        detail["second_factor"] = _second_factor(device)
    record(user, LOGIN, detail=detail)


@receiver(user_login_failed, dispatch_uid="readiness-audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    who = signing_in(credentials.get("username"))
    if BLOCKED.get() is not None:
        BLOCKED.set(None)
        record(who, LOGIN_BLOCKED, detail={**_where(request), "step": "password"})
    else:
        record(who, LOGIN_FAILED, detail={**_where(request), "reason": "password"})


@receiver(user_logged_out, dispatch_uid="readiness-audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user, LOGOUT)


def _where(request) -> dict:
    """Which sign-in page was used (ours or the admin's); never who or where from."""
    path = getattr(request, "path", "") or ""
    return {"page": "admin"} if path.startswith("/admin/") else {}


@receiver(post_save, sender=LogEntry, dispatch_uid="readiness-audit-admin")
def _admin_change(sender, instance, created, **kwargs):
    """A change made in Django's admin (add, change, delete), as Django records it."""
    if not created:
        return
    try:
        obj = instance.get_edited_object()
    except Exception:  # the object was deleted (a deletion entry)
        obj = None
    record(
        instance.user,
        EDIT,
        study=study_of(obj),
        detail={
            "page": "admin",
            "change": {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "?"),
            "object": f"{instance.content_type.app_label}.{instance.content_type.model}",
            "object_id": instance.object_id,
            "name": instance.object_repr,
            "fields": instance.get_change_message(),
        },
    )


def study_of(obj):
    """The study an object belongs to (a study, site, session, response, membership), or None."""
    from readiness.web.surveys.models import Study

    if obj is None or isinstance(obj, Study):
        return obj
    for path in ("study", "site.study", "session.site.study"):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except Exception:
            continue
        if isinstance(value, Study):
            return value
    return None
