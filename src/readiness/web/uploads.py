"""Upload caps: no request body larger than the largest upload Readiness accepts is read.

Each upload field checks its own cap, with a message saying so, once Django has stored the
file: survey imports ``READINESS_MAX_SURVEY_UPLOAD_BYTES`` (:func:`too_large`), interview
uploads ``READINESS_MAX_INTERVIEW_UPLOAD_BYTES``, a transcript's recording
``READINESS_MAX_INTERVIEW_MEDIA_BYTES``.  Before that, :class:`RequestSizeMiddleware`
refuses (HTTP 413) any request whose ``Content-Length`` is larger than the largest cap plus
room for a form's other fields, without reading its body: Django would otherwise store a body
of any size in a temporary file first, for anyone, since the CSRF check reads every POST's
form.  The proxy in front should refuse such bodies even earlier (``docs/web.md``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse

FORM_ROOM = 1024 * 1024  # a form's other fields and the multipart boundaries


def megabytes(n: int) -> str:
    """A size in MB (of 2**20 bytes) to three significant figures: 50 MB, 0.0477 MB."""
    return f"{n / 2**20:,.3g} MB"


def largest_upload() -> int:
    """The most any one form of Readiness accepts, in bytes."""
    return max(
        settings.READINESS_MAX_SURVEY_UPLOAD_BYTES,
        getattr(settings, "READINESS_MAX_INTERVIEW_UPLOAD_BYTES", 0),
        getattr(settings, "READINESS_MAX_INTERVIEW_MEDIA_BYTES", None) or 0,
    )


def too_large(upload) -> bool:
    """Whether an uploaded survey file (a response file to import) is over its cap."""
    return upload is not None and upload.size > settings.READINESS_MAX_SURVEY_UPLOAD_BYTES


class RequestSizeMiddleware:
    """Refuse a request body over :func:`largest_upload` (and :data:`FORM_ROOM`) unread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > largest_upload() + FORM_ROOM:
            return HttpResponse(
                f"The upload is too large: at most {megabytes(largest_upload())} is accepted. "
                "Go back and choose a smaller file.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
