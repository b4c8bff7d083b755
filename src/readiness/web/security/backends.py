"""Django's model authentication backend behind the sign-in throttle.

Every sign-in form (ours and Django admin's) calls ``authenticate()``, so the throttle holds
for all of them.  The attempt is counted before its password is checked
(:func:`readiness.web.security.throttle.attempt`), so that requests sent at once cannot all
be checked before the first failure is counted.  A refused attempt (locked, or no attempts
left) says nothing about whether the password was right.  A right password is taken off the
count again; the count is cleared when the sign-in completes (after any second factor), in
:mod:`readiness.web.security.signals`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from readiness.web.audit import signals as audit_signals
from readiness.web.security import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        if throttle.attempt(username) is not None:
            audit_signals.BLOCKED.set(username)  # the audit log records a refusal
            # PermissionDenied stops authenticate() at once: no other backend is tried.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.failed(username)
        else:
            throttle.passed(username)
        return user
