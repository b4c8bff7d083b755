"""What ``readiness web unlock`` and ``readiness web reset-two-factor`` do (for a system
administrator at the server, e.g. one who is locked out of the web pages themselves)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.web import audit
from readiness.web.security import backup, throttle


def unlock(username: str) -> str:
    if throttle.unlock(username):
        audit.record(None, audit.EDIT, detail={"change": "sign-in lock lifted", "person": username})
        return f"Lifted the sign-in lock on {username}."
    return f"{username} was not locked."


def reset_two_factor(username: str) -> str:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise LookupError(f"there is no account {username}.")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    backup.remove(user)
    audit.record(
        None, audit.TWO_FACTOR, detail={"change": "reset by an administrator", "person": username}
    )
    return (
        f"Removed {removed} authenticator app(s) of {username}, and their backup codes. If "
        "two-factor authentication is "
        "required for them, they set up a new app at their next sign-in."
    )
