"""The audit log's one table.  Entries are added, never changed or removed.

The guard is in three layers:

* :class:`Event` refuses ``save()`` of an entry that exists and ``delete()``;
* its manager's querysets refuse ``update()`` and ``delete()``;
* the database refuses ``UPDATE`` and ``DELETE`` on the table (and PostgreSQL ``TRUNCATE``)
  through triggers (:mod:`readiness.web.audit.guard`), so raw SQL and other programs are
  refused too.

The account and the study are kept as references without a database constraint and with their
names copied into the entry, so that deleting an account or a study neither touches nor loses
its entries.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from readiness.web.audit.actions import label


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry."""


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only: entries cannot be removed.")

    _raw_delete = delete


class Event(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        editable=False,
        help_text="The account, when the username was one (empty for a system action).",
    )
    username = models.CharField(max_length=150, blank=True, editable=False)
    action = models.CharField(max_length=40, db_index=True, editable=False)
    study = models.ForeignKey(
        "surveys.Study",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        editable=False,
    )
    study_slug = models.CharField(max_length=60, blank=True, editable=False)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        db_table = "audit_event"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["study", "-at"], name="audit_event_study_at")]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        default_permissions = ("view",)

    def __str__(self) -> str:
        who = self.username or "system"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action}"

    @property
    def action_label(self) -> str:
        return label(self.action)

    @staticmethod
    def fields_for(actor, action: str, study, detail: dict) -> dict:
        user, username = None, ""
        if isinstance(actor, str):
            username = actor
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=actor).first()
        elif actor is not None and getattr(actor, "is_authenticated", False):
            user, username = actor, actor.get_username()
        return {
            "user": user,
            "username": username[:150],
            "action": str(action)[:40],
            "study": study,
            "study_slug": getattr(study, "slug", "") or "",
            "detail": detail,
        }

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only: entries cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only: entries cannot be removed.")
