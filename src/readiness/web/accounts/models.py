"""A person's role in a study.

* study lead: everything in the study (settings, members, sites, sessions, results, responses);
* site coordinator: their own sites only: sessions, links, QR codes and counts, never single
  responses, and results only with small cells suppressed;
* analyst: results and (when they exist) exports of the whole study;
* system administrator: a Django superuser, everything everywhere (and Django's admin).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    LEAD = "lead", "Study lead"
    COORDINATOR = "coordinator", "Site coordinator"
    ANALYST = "analyst", "Analyst"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    study = models.ForeignKey("surveys.Study", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    sites = models.ManyToManyField(
        "surveys.Site",
        blank=True,
        related_name="coordinators",
        help_text="For a site coordinator: the sites they coordinate.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "study"], name="one_role_per_study"),
        ]
        ordering = ["study", "role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} of {self.study}"
