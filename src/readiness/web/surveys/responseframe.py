"""A study's submitted responses as one clean frame, kept and extended as responses arrive.

Reading and validating every response is most of the work behind a dashboard or an export of
a large study (for 100,000 responses about 2 s of the 3), and responses never change once
stored: they are only added.  So the clean frame of a study's responses (to every version of
its instrument, read as its current version's: :mod:`.versionread`) is kept, with the id and submission token of its last response and the number
of responses it holds.  The next reader validates only the responses added since and appends
them.  Where it is kept follows the ``results`` cache:

* a file cache (SQLite's default: one machine serves): a file beside it (``frames/`` in its
  folder, shared by every worker of the server), a plain pickle written by this module
  (replaced atomically; Django's file cache would compress it, which for 100,000 responses,
  40 MB, took longer than reading them);
* the database cache (PostgreSQL's default: several app servers share it, docs/web.md): the
  same pickle in the database (:class:`~readiness.web.surveys.models.KeptFrame`, in parts of
  at most :data:`PART_BYTES`), replaced in one transaction.

The kept frame is used only when it is certainly still true: the same number of responses up
to its last id, and that last response still the same one (its token, random, is compared).
Otherwise (responses removed, a database restored, a test database that reused ids) the frame
is read again in full.  ``tests/web/test_response_frame.py`` checks that a frame extended piece
by piece equals one read at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count

from readiness.web.surveys import responseread, resultscache, versionread
from readiness.web.surveys.models import KeptFrame, KeptFramePart, Study

log = logging.getLogger("readiness.web")

ALIAS = "results"  # the cache beside which the frames are kept
PART_BYTES = 32 * 2**20  # a kept frame's pickle is stored in the database in parts this large


def _key(study: Study) -> str:
    # v3: the frame holds the wave, link and source columns.  The data revision makes a
    # correction or deletion of a response start a new frame (new responses only append).
    return (
        f"readiness:frame:v3:{resultscache.database_tag()}:{study.pk}:{study.instrument_id}"
        f":r{study.data_revision}"
    )


def _responses(study: Study):
    """The study's responses to every version of its instrument (:mod:`.versionread`)."""
    return versionread.responses(study)


def _read(rows_query, plan: versionread.Plan) -> tuple[pd.DataFrame, int, int | None, str | None]:
    """The clean frame of these responses (ordered by id), each read as the current version's
    (:class:`~.versionread.Plan`), with their site's code; and how many responses were read,
    the last one's id and its submission token (read in chunks: :mod:`.responseread`)."""
    if not plan.several:
        return responseread.read_clean(rows_query, plan.current.instrument)
    return responseread.read_versions(
        rows_query, plan.instruments, plan.to_current, plan.current.pk
    )


def in_database() -> bool:
    """Whether frames are kept in the database (the ``results`` cache is there too)."""
    return settings.CACHES[ALIAS]["BACKEND"].endswith(".DatabaseCache")


def _folder() -> Path:
    return Path(settings.CACHES[ALIAS]["LOCATION"]) / "frames"


def _path(key: str) -> Path:
    return _folder() / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".pickle")


def _get(key: str):
    if in_database():
        entry = _get_row(key)
    else:
        entry = _get_file(key)
    return entry if isinstance(entry, dict) and entry.get("key") == key else None


def _get_file(key: str):
    path = _path(key)
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception:  # an unreadable or damaged file: read the responses instead
        log.warning("the kept response frame %s cannot be read", path, exc_info=True)
        return None


def _get_row(key: str):
    """The kept frame, read part by part (at most one part besides the whole in memory);
    None if it is missing, or was replaced by another server while it was read."""
    frame = KeptFrame.objects.filter(key=key).values_list("id", "parts", "size").first()
    if frame is None:
        return None
    frame_id, parts, size = frame
    data = bytearray()
    for seq in range(parts):
        part = _read_part(frame_id, seq)
        if part is None:  # replaced meanwhile: its parts are gone
            return None
        data += part
    try:
        return pickle.loads(data) if len(data) == size else None
    except Exception:  # a damaged row: read the responses instead
        log.warning("the kept response frame %s cannot be read", key, exc_info=True)
        return None


def _set(key: str, value: dict) -> None:
    if in_database():
        _set_row(key, value)
    else:
        _set_file(key, value)


def _set_file(key: str, value: dict) -> None:
    path = _path(key)
    part = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # answers: owner only
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as f:
            part = f.name
            pickle.dump({**value, "key": key}, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, path)  # readers see the old file or the new one, never a part
    except OSError:  # the folder cannot be written: the frame is not kept
        log.warning("the response frame %s cannot be kept", path, exc_info=True)
        if part is not None:
            with contextlib.suppress(OSError):
                os.unlink(part)


def _set_row(key: str, value: dict) -> None:
    """Replace the kept frame in one transaction: readers see the old one or the new one."""
    data = memoryview(pickle.dumps({**value, "key": key}, protocol=pickle.HIGHEST_PROTOCOL))
    parts = range(0, max(len(data), 1), PART_BYTES)
    try:
        with transaction.atomic():
            KeptFrame.objects.filter(key=key).delete()
            frame = KeptFrame.objects.create(
                key=key,
                study_id=value["study"],
                last=value["last"],
                n=value["n"],
                token=value["token"],
                parts=len(parts),
                size=len(data),
            )
            for seq, start in enumerate(parts):  # one part at a time: no second copy of all
                _write_part(frame.pk, seq, data[start : start + PART_BYTES])
    except DatabaseError:  # another server kept the same frame at the same moment
        log.info("the response frame %s was kept by another server", key, exc_info=True)


def _binary() -> bool:
    """Whether parts go through psycopg's own cursor, as binary: Django's cursor binds its
    parameters into the SQL text, and 60 MB written that way as a quoted literal took 4 s."""
    return connection.vendor == "postgresql"


def _part_table() -> str:
    return connection.ops.quote_name(KeptFramePart._meta.db_table)


def _psycopg_cursor():
    """A cursor of psycopg's own on Django's connection (so in its transaction) that binds
    parameters on the server: Django's binds them on the client."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _write_part(frame_id: int, seq: int, data: memoryview) -> None:
    if not _binary():
        KeptFramePart.objects.create(frame_id=frame_id, seq=seq, data=bytes(data))
        return
    with _psycopg_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_part_table()} (frame_id, seq, data) VALUES (%s, %s, %b)",
            [frame_id, seq, data],
        )


def _read_part(frame_id: int, seq: int) -> bytes | None:
    if not _binary():
        return (
            KeptFramePart.objects.filter(frame_id=frame_id, seq=seq)
            .values_list("data", flat=True)
            .first()
        )
    with _psycopg_cursor() as cursor:
        cursor.execute(
            f"SELECT data FROM {_part_table()} WHERE frame_id = %s AND seq = %s",
            [frame_id, seq],
            binary=True,
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def forget_all() -> None:
    """Remove every kept frame (they are read again when next needed)."""
    if in_database():
        KeptFrame.objects.all().delete()
    else:
        shutil.rmtree(_folder(), ignore_errors=True)


def _still_true(entry: dict, responses) -> bool:
    """Whether the kept frame still holds exactly the responses up to its last id.

    A response that committed after the frame was read but has a smaller id (two submissions
    at once), or one removed, changes the count; a database restored or a test database that
    reused ids has another token for the last id.
    """
    up_to = responses.filter(id__lte=entry["last"]).aggregate(n=Count("id"))["n"]
    token = responses.filter(id=entry["last"]).values_list("submission_token", flat=True).first()
    return up_to == entry["n"] and token == entry["token"]


def clean_responses(study: Study) -> pd.DataFrame:
    """The study's responses to every version of its instrument, validated against the
    version each answered and read as answers to the current version (ordered by id).

    Columns as :func:`readiness.responses.validate.validate_frame` gives them for the current
    version, and ``site``.  Raises :class:`ResponsesError` if a stored response no longer
    validates, or an earlier version's answers cannot be read as the current version's.
    """
    plan = versionread.plan(study)
    # The versions of the plan only: a response to another, come meanwhile, is read next time.
    responses = _responses(study).filter(instrument__in=list(plan.versions))
    # A move changes study.instrument_id (a new frame); so does another way of reading.
    key = _key(study) + plan.tag()
    entry = _get(key)
    if entry is not None and _still_true(entry, responses):
        clean, n, last, token = _read(responses.filter(id__gt=entry["last"]), plan)
        if n == 0:
            return entry["clean"]
        clean = pd.concat([entry["clean"], clean], ignore_index=True)
        n += entry["n"]
    else:
        clean, n, last, token = _read(responses, plan)
    if n:
        _set(key, {"study": study.pk, "last": last, "n": n, "token": token, "clean": clean})
    return clean
