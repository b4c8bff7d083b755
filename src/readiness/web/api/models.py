"""API tokens.  A token's secret is shown once, when it is made; only its SHA-256 digest is
kept, so a copy of the database gives no token that works (the secret is random, so a plain
digest is enough: there is no password to guess)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, to recognise it.")
    study = models.ForeignKey(
        "surveys.Study",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The one study it reads; empty: every study its owner has a role in.",
    )
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the secret.")
    prefix = models.CharField(max_length=12, help_text="The secret's first characters.")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"

    @property
    def active(self) -> bool:
        return self.revoked is None
