"""Recordings of interviews: uploaded with a transcript, kept private, played beside it.

A recording is stored under a random name in ``READINESS_INTERVIEW_MEDIA_DIR`` (default
``$READINESS_DATA_DIR/interview-media``), a folder only the server's user can read, never in a
static or public folder: it is served by :func:`media_response` to those who may read its
transcript, with the same checks as the transcript's page.  A recording may be at most
``READINESS_MAX_INTERVIEW_MEDIA_BYTES`` (default: the interview upload cap), and must be one of
the audio or video formats browsers play (:data:`MEDIA_TYPES`), checked by its first bytes as
well as its name.  Requests for part of the file (HTTP ``Range``, which a player needs to jump
to a time) are answered with that part.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from readiness.interviews.errors import fail
from readiness.web.interviews import models as m
from readiness.web.uploads import megabytes

__all__ = ["MEDIA_TYPES", "max_media_bytes", "media_dir", "media_response", "save_media"]

CHUNK = 256 * 1024


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def _wav(head: bytes) -> bool:
    return head.startswith(b"RIFF") and head[8:12] == b"WAVE"


def _ogg(head: bytes) -> bool:
    return head.startswith(b"OggS")


def _webm(head: bytes) -> bool:
    return head.startswith(b"\x1a\x45\xdf\xa3")


# suffix: (content type, whether the player is a video, the check of the first bytes)
MEDIA_TYPES = {
    ".mp3": ("audio/mpeg", False, _mp3),
    ".m4a": ("audio/mp4", False, _mp4),
    ".mp4": ("video/mp4", True, _mp4),
    ".wav": ("audio/wav", False, _wav),
    ".ogg": ("audio/ogg", False, _ogg),
    ".oga": ("audio/ogg", False, _ogg),
    ".opus": ("audio/ogg", False, _ogg),
    ".webm": ("video/webm", True, _webm),
}


def media_dir() -> Path:
    configured = getattr(settings, "READINESS_INTERVIEW_MEDIA_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "interview-media"


def max_media_bytes() -> int:
    configured = getattr(settings, "READINESS_MAX_INTERVIEW_MEDIA_BYTES", None)
    return int(configured or settings.READINESS_MAX_INTERVIEW_UPLOAD_BYTES)


def is_video(media: m.TranscriptMedia) -> bool:
    return media.content_type.startswith("video/")


def check_media(upload) -> str:
    """The content type of an uploaded recording, or a clear error naming the file."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise fail(
            f"is not a recording this page can play (suffix {suffix or 'none'!r}).",
            fix="upload " + ", ".join(MEDIA_TYPES) + " (convert other formats to .mp3 or .m4a).",
            file=upload.name,
        )
    limit = max_media_bytes()
    if upload.size > limit:
        raise fail(
            f"is too large ({megabytes(upload.size)}); a recording may be at most "
            f"{megabytes(limit)}.",
            fix="upload a smaller file (for speech, .mp3 at 64 kbit/s is about 30 MB an hour), "
            "or ask the administrator to raise READINESS_MAX_INTERVIEW_MEDIA_BYTES.",
            file=upload.name,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type, _, looks_right = MEDIA_TYPES[suffix]
    if not looks_right(head):
        raise fail(
            f"does not start as a {suffix} file does.",
            fix="check that this is the recording, saved in the format its name says.",
            file=upload.name,
        )
    return content_type


def save_media(transcript: m.Transcript, upload) -> m.TranscriptMedia:
    """Store ``upload`` as the recording of ``transcript`` (replacing any it had).  A caller
    whose transaction fails after this removes the file (:func:`remove_file`)."""
    content_type = check_media(upload)
    folder = media_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + Path(upload.name).suffix.lower()
    path = folder / stored
    digest = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in upload.chunks():
                digest.update(chunk)
                fh.write(chunk)
        m.TranscriptMedia.objects.filter(transcript=transcript).delete()
        row = m.TranscriptMedia.objects.create(
            transcript=transcript,
            stored=stored,
            name=Path(upload.name.replace("\\", "/")).name[:300],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return row


def remove_file(stored: str) -> None:
    if re.fullmatch(r"[0-9a-f]{32}\.[a-z0-9]{1,5}", stored or ""):
        (media_dir() / stored).unlink(missing_ok=True)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _part(path: Path, start: int, length: int):
    with open(path, "rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            data = fh.read(min(CHUNK, left))
            if not data:
                return
            left -= len(data)
            yield data


def media_response(request, media: m.TranscriptMedia) -> HttpResponse:
    """The recording, or the part of it a ``Range`` header asks for (one range)."""
    path = media_dir() / media.stored
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return HttpResponse(
            "The recording's file is missing on the server.", status=404, content_type="text/plain"
        )
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    if header:
        match = _RANGE.match(header.strip())
        if match and (match.group(1) or match.group(2)):
            a, b = match.group(1), match.group(2)
            if a:
                start, end = int(a), min(int(b), size - 1) if b else size - 1
            else:  # the last N bytes
                start, end = max(size - int(b), 0), size - 1
            status = 206
        if not match or start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
    response = StreamingHttpResponse(
        _part(path, start, end - start + 1), status=status, content_type=media.content_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
