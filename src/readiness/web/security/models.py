"""What the security features keep: sign-in failures per username, counters of respondent
requests per session link or resume code, and who must use two-factor authentication.

None of these tables holds an IP address or user agent in clear; the throttle and the counters
are keyed on an HMAC (keyed with a secret that is not in the database,
:mod:`readiness.web.security.digests`) of what the request named, so they hold neither the
username nor the resume code, nor a digest that a copy of the database alone would reverse.  A
counter per client holds a keyed digest of the client's address under a key that changes with
every window, and is deleted when its window has ended (:mod:`readiness.web.security.ratelimit`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LoginThrottle(models.Model):
    """Failed sign-ins for one username (by digest) in the current window, and any lock."""

    key = models.CharField(
        max_length=64, unique=True, help_text="Keyed digest (HMAC-SHA256) of the username."
    )
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sign-in throttle"

    def __str__(self) -> str:
        return f"{self.key[:12]}... {self.failures} failures"


class RateCounter(models.Model):
    """Requests counted for one key (a session link, a resume code or a client, by keyed digest)
    in a window."""

    key = models.CharField(max_length=80, unique=True)
    window_start = models.BigIntegerField(help_text="Start of the window, in Unix seconds.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["window_start"], name="security_rate_window")]


class AccountSecurity(models.Model):
    """Per account: whether two-factor authentication is required (a system administrator's
    setting, in the admin)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security"
    )
    require_two_factor = models.BooleanField(
        default=False,
        help_text="The person must set up and use an authenticator app to sign in.",
    )

    class Meta:
        verbose_name = "account security"
        verbose_name_plural = "account security"

    def __str__(self) -> str:
        return f"Security of {self.user}"


class StudySecurity(models.Model):
    """Per study: whether everyone with a role in it must use two-factor authentication."""

    study = models.OneToOneField("surveys.Study", on_delete=models.CASCADE, related_name="security")
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Everyone with a role in this study must use an authenticator app to sign in.",
    )

    class Meta:
        verbose_name = "study security"
        verbose_name_plural = "study security"

    def __str__(self) -> str:
        return f"Security of {self.study}"
