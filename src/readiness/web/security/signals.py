"""A completed sign-in clears the username's failed attempts."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from readiness.web.security import throttle


@receiver(user_logged_in, dispatch_uid="readiness-security-throttle-reset")
def _signed_in(sender, request, user, **kwargs):
    throttle.succeeded(user.get_username())
