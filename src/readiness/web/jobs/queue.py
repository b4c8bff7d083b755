"""The queue's API in one place: Django's Tasks API, from Django itself once on Django 6.0,
from the ``django-tasks`` backport until then (the only import that changes)."""

from __future__ import annotations

try:  # Django 6.0 and later
    from django.tasks import TaskResultStatus, default_task_backend, task  # type: ignore
except ImportError:  # Django 5.2: the backport of the same API
    from django_tasks import TaskResultStatus, default_task_backend, task

__all__ = ["TaskResultStatus", "default_task_backend", "task"]
