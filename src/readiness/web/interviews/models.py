"""Interview projects in the database: the core's model (:mod:`readiness.interviews.model`),
table by table.

Every row keeps the GUID of its core object, so a project imported from a folder or a ``.qdpx``
file and exported again keeps its identities (:mod:`readiness.web.interviews.convert` maps both
ways).  Offsets (``start``, ``end``) are character offsets into the transcript's normalised
text (NFC, LF), as in the core.  ``position`` keeps the core's order of objects.

The pseudonymisation key is not here: it has no table.  A review reads it from the lead's
upload for that request and forgets it (:mod:`readiness.web.interviews.services`).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse


class Role(models.TextChoices):
    LEAD = "lead", "Project lead"
    CODER = "coder", "Coder"


class InterviewProject(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    created = models.CharField(max_length=40, blank=True, default="")
    creator_guid = models.CharField(max_length=36, null=True, blank=True)
    topic_guide = models.JSONField(null=True, blank=True)
    # What the last pseudonymisation review saw of each object, as digests (the core's
    # Project.reviewed): anything changed since is held back from exports.
    reviewed = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("interviews:project", kwargs={"slug": self.slug})


class Member(models.Model):
    """A person's role in an interview project (see :mod:`.permissions`)."""

    project = models.ForeignKey(InterviewProject, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="one_role_per_interview_project"
            )
        ]
        ordering = ["project", "role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} of {self.project}"


class Coder(models.Model):
    """A core user: the name recorded with codings and memos, and the account that is them."""

    project = models.ForeignKey(InterviewProject, on_delete=models.CASCADE, related_name="coders")
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interview_coders",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_coder_guid"),
        ]
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return self.name


class Variable(models.Model):
    project = models.ForeignKey(
        InterviewProject, on_delete=models.CASCADE, related_name="variables"
    )
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    type = models.CharField(max_length=20, default="Text")
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_variable_guid"),
        ]
        ordering = ["project", "position", "id"]


class Participant(models.Model):
    project = models.ForeignKey(
        InterviewProject, on_delete=models.CASCADE, related_name="participants"
    )
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    code_refs = models.JSONField(default=list, blank=True)
    selection_refs = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_participant_guid"),
        ]
        ordering = ["project", "position", "id"]

    def __str__(self) -> str:
        return self.name


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Transcript(models.Model):
    project = models.ForeignKey(
        InterviewProject, on_delete=models.CASCADE, related_name="transcripts"
    )
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    characters = models.PositiveIntegerField(default=0)
    format = models.CharField(max_length=10, default="txt")
    origin = models.CharField(max_length=300, blank=True, default="")
    created = models.CharField(max_length=40, blank=True, default="")
    creator_guid = models.CharField(max_length=36, null=True, blank=True)
    description = models.TextField(blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    pseudonymised = models.BooleanField(default=False)
    review = models.JSONField(null=True, blank=True)
    # Where the text is in the recording: [start, end, time_start, time_end] per segment
    # (character offsets, milliseconds; the core's Segment), in text order.
    segments = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    participants = models.ManyToManyField(
        Participant, through="ParticipantSource", related_name="transcripts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_transcript_guid"),
        ]
        ordering = ["project", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.sha256 = text_digest(self.text)
        self.characters = len(self.text)
        super().save(*args, **kwargs)


class TranscriptMedia(models.Model):
    """The recording of a transcript, uploaded with it: a file in the private media folder
    (``READINESS_INTERVIEW_MEDIA_DIR``), served only to those who may read the transcript
    (:mod:`.media`).  ``stored`` is a random name; ``name`` the uploaded file's."""

    transcript = models.OneToOneField(Transcript, on_delete=models.CASCADE, related_name="media")
    stored = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=300)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


@receiver(post_delete, sender=TranscriptMedia)
def _remove_media_file(sender, instance, **kwargs):
    """A recording's file goes when its row goes (once the deletion is committed)."""
    from readiness.web.interviews.media import remove_file

    transaction.on_commit(lambda: remove_file(instance.stored))


class ParticipantSource(models.Model):
    """A participant speaks in a transcript (REFI case -> source reference), in order."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="links")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="links")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "transcript"], name="unique_participant_source"
            )
        ]
        ordering = ["participant", "position", "id"]


class Code(models.Model):
    project = models.ForeignKey(InterviewProject, on_delete=models.CASCADE, related_name="codes")
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    definition = models.TextField(blank=True, default="")
    inclusion = models.TextField(blank=True, default="")
    exclusion = models.TextField(blank=True, default="")
    example = models.TextField(blank=True, default="")
    color = models.CharField(max_length=20, null=True, blank=True)
    codable = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_code_guid"),
        ]
        ordering = ["project", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    project = models.ForeignKey(InterviewProject, on_delete=models.CASCADE, related_name="themes")
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    codes = models.ManyToManyField(Code, through="ThemeCode", related_name="themes")
    sources = models.JSONField(default=list, blank=True)  # transcript GUIDs (REFI set members)
    memos = models.JSONField(default=list, blank=True)  # memo GUIDs
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_theme_guid"),
        ]
        ordering = ["project", "position", "id"]

    def __str__(self) -> str:
        return self.name


class DocumentSet(models.Model):
    """A named group of transcripts (a REFI set of sources, as MAXQDA's document sets)."""

    project = models.ForeignKey(
        InterviewProject, on_delete=models.CASCADE, related_name="document_sets"
    )
    guid = models.CharField(max_length=36)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    sources = models.JSONField(default=list, blank=True)  # transcript GUIDs
    memos = models.JSONField(default=list, blank=True)  # memo GUIDs
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_document_set_guid"),
        ]
        ordering = ["project", "position", "id"]

    def __str__(self) -> str:
        return self.name


class ThemeCode(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="links")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="theme_links")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "code"], name="unique_theme_code"),
        ]
        ordering = ["theme", "position", "id"]


class Coding(models.Model):
    """``code`` applied by ``coder`` to ``transcript.text[start:end]``."""

    project = models.ForeignKey(InterviewProject, on_delete=models.CASCADE, related_name="codings")
    guid = models.CharField(max_length=36)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="codings")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="codings")
    coder = models.ForeignKey(
        Coder, on_delete=models.PROTECT, null=True, blank=True, related_name="codings"
    )
    created = models.CharField(max_length=40, blank=True, default="")
    selection = models.CharField(max_length=36, null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_coding_guid"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="coding_not_empty"
            ),
        ]
        indexes = [models.Index(fields=["transcript", "start"], name="coding_transcript_start")]
        ordering = ["transcript", "start", "end", "id"]


class Memo(models.Model):
    """A memo on the project, a transcript (``source``), a code, a coding or a selection."""

    project = models.ForeignKey(InterviewProject, on_delete=models.CASCADE, related_name="memos")
    guid = models.CharField(max_length=36)
    text = models.TextField()
    title = models.CharField(max_length=300, blank=True, default="")
    author = models.ForeignKey(
        Coder, on_delete=models.PROTECT, null=True, blank=True, related_name="memos"
    )
    created = models.CharField(max_length=40, blank=True, default="")
    target = models.CharField(max_length=20, default="project")
    target_id = models.CharField(max_length=36, null=True, blank=True)
    transcript = models.ForeignKey(
        Transcript,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="selection_memos",
        help_text="For a memo on a selection: the transcript it is in.",
    )
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_memo_guid"),
        ]
        indexes = [models.Index(fields=["project", "target", "target_id"], name="memo_target")]
        ordering = ["project", "position", "id"]


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The project's audit log is append-only: entries cannot change.")

    def delete(self):
        raise AppendOnlyError("The project's audit log is append-only: entries stay.")

    def _raw_delete(self, using):  # what Django's deletion collector calls
        raise AppendOnlyError("The project's audit log is append-only: entries stay.")


class AppendOnlyError(Exception):
    """An attempt to change or remove an entry of a project's audit log."""


class AuditEntry(models.Model):
    """The project's own audit log (the core's ``audit.jsonl``): imports, pseudonymisation
    (counts only, never names), codings, exports and export overrides with their reason.

    Append-only, as the application's log is: this model refuses to save an entry twice or
    delete one, its querysets refuse ``update()`` and ``delete()``, and the database refuses
    ``UPDATE`` and ``DELETE`` through triggers (:mod:`readiness.web.audit.guard`).  The project
    is referred to without a database constraint, so deleting a project leaves its log.
    """

    project = models.ForeignKey(
        InterviewProject,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit",
    )
    time = models.CharField(max_length=40)
    action = models.CharField(max_length=60)
    user = models.CharField(max_length=300, null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["project", "id"]
        verbose_name_plural = "audit entries"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("The project's audit log is append-only: entries cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The project's audit log is append-only: entries stay.")
