"""The record of a background job, as its starter sees it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone


def job_files() -> FileSystemStorage:
    """The private folder of jobs' files (in the data folder; never served as static files)."""
    return FileSystemStorage(location=settings.READINESS_JOB_FILES_DIR)


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", "Import of responses"
        EVALUATION_PDF = "evaluation_pdf", "Training evaluation report (PDF)"
        EXPORT = "export", "Export of responses"
        RESULTS = "results", "Dashboard results"
        EXPIRY = "expiry", "Deleting abandoned drafts"
        STUDY_REPORT_PDF = "study_report_pdf", "Study report (PDF)"
        INTERVIEW_IMPORT = "interview_import", "Import of an interview project"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # A random id: a job's address says nothing of how many jobs there are.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    study = models.ForeignKey(
        "surveys.Study", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    # What the job was given (JSON), and what it made: a summary, a file.
    params = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    input_file = models.FileField(storage=job_files, upload_to="input/", blank=True)
    result_file = models.FileField(storage=job_files, upload_to="result/", blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    worker = models.CharField(max_length=200, blank=True)  # host:pid of the worker running it
    created_on = models.DateTimeField(default=timezone.now)
    started_on = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateTimeField(null=True, blank=True)
    # Last sign of life from the worker (each progress update, and the worker's watch every
    # tenth of READINESS_JOB_STALE_SECONDS: jobs.worker.Watch): a job running with no sign of
    # life for READINESS_JOB_STALE_SECONDS is taken for one whose worker died.
    heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["state", "heartbeat"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))
