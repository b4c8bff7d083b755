"""A study's submitted responses as one clean frame, kept and extended as responses arrive.

Reading and validating every response is most of the work behind a dashboard or an export of
a large study (for 100,000 responses about 2 s of the 3), and responses never change once
stored: they are only added.  So the clean frame of a study's responses (to every version of
its instrument, read as its current version's: :mod:`.versionread`) is kept, with the id and
submission token of its last response and the number of responses it holds.  The next reader
validates only the responses added since.

It is kept in segments, each a frame in the compact form of :mod:`.framecodec` (text as
codes, whole-number answers as small integers: rewriting a national study's frame pickled as
it was, 637 MB, took 19 s after every new response).  The first segment is the frame as read
in full; the responses added since are appended as a segment of their own, and a reader joins
the segments.  Once there are :data:`MAX_SEGMENTS`, or the appended rows outgrow
:data:`GROWTH` of the first segment's, the next extension rewrites the frame as one segment.
Where it is kept follows the ``results`` cache:

* a file cache (SQLite's default: one machine serves): files beside it (``frames/`` in its
  folder, shared by every worker of the server), each segment a file of its own written once
  under a new name, and a small list of them (with the count, last id and token) replaced
  atomically, so readers see the old list or the new one, each segment whole;
* the database cache (PostgreSQL's default: several app servers share it, docs/web.md): the
  segments in the database (:class:`~readiness.web.surveys.models.KeptFrame`, in parts of at
  most :data:`PART_BYTES`).  A rewrite replaces the frame in one transaction; an append adds
  its parts and updates the frame's row in one transaction, only if the row is still the one
  read (locked: of two servers extending it at once, the second leaves it be).  Readers see
  the frame before or after; one replaced while it was read is read again.

The kept frame is used only when it is certainly still true: the same number of responses up
to its last id (counted from the (session, id) index, as :mod:`.stamp` counts them), and that
last response still the same one (its token, random, is compared).  Otherwise (responses
removed, a database restored, a test database that reused ids) or if a segment is missing or
damaged, the frame is read again in full.  ``tests/web/test_response_frame.py`` checks that a
frame extended piece by piece, across rewrites, equals one read at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count

from readiness.web.surveys import framecodec, responseread, resultscache, versionread
from readiness.web.surveys.models import KeptFrame, KeptFramePart, Response, Session, Study

log = logging.getLogger("readiness.web")

ALIAS = "results"  # the cache beside which the frames are kept
PART_BYTES = 32 * 2**20  # a kept segment is stored in the database in parts this large
# A frame of this many segments is rewritten as one when next extended.  A small segment
# costs a reader about 3 ms; a rewrite, at 1,500,000 responses, seconds.
MAX_SEGMENTS = 16
GROWTH = 0.25  # ... as is one whose appended rows would outgrow this share of its first's
STALE_SECONDS = 300  # a segment file unlisted for this long is left over (files only)


def _key(study: Study) -> str:
    # v4: kept in segments of the compact form (framecodec).  The data revision makes a
    # correction or deletion of a response start a new frame (new responses only append).
    return (
        f"readiness:frame:v4:{resultscache.database_tag()}:{study.pk}:{study.instrument_id}"
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
    """The file that lists the kept frame's segments (its manifest)."""
    return _folder() / (_name(key) + ".pickle")


def _name(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _dump(piece: pd.DataFrame) -> bytes:
    return pickle.dumps(framecodec.encode(piece), protocol=pickle.HIGHEST_PROTOCOL)


def _undump(data) -> pd.DataFrame:
    return framecodec.decode(pickle.loads(data))


def _joined(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    return pieces[0] if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)


def _meta(value: dict) -> dict:
    """What is kept beside the frame: its study, and the count, last id and token of the
    responses it holds."""
    return {name: value.get(name) for name in ("study", "last", "n", "token")}


def _get(key: str):
    """The kept frame as one (``clean``), with what :func:`_load` gives; or None."""
    entry = _load(key)
    if entry is not None and entry["pieces"]:
        entry["clean"] = _joined(entry["pieces"])
    return entry


def _load(key: str):
    """The kept frame's segments (``pieces``, frames) and ``rows`` (their lengths), with
    :func:`_meta`; None if it is missing, damaged, or was replaced while it was read."""
    try:
        entry = _get_row(key) if in_database() else _get_file(key)
    except Exception:  # a damaged segment or row: read the responses instead
        log.warning("the kept response frame %s cannot be read", key, exc_info=True)
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    entry["rows"] = [len(piece) for piece in entry["pieces"]]
    return entry


def _get_file(key: str):
    try:
        with _path(key).open("rb") as f:
            manifest = pickle.load(f)
        pieces = []
        for segment in manifest["segments"]:
            with (_folder() / segment).open("rb") as f:
                pieces.append(_undump(f.read()))
    except FileNotFoundError:  # none kept, or a segment removed by a rewrite meanwhile
        return None
    return {**manifest, "pieces": pieces}


def _get_row(key: str):
    """The kept frame, read part by part (a segment's bytes at most besides the frames);
    None if it is missing, or was replaced by another server while it was read."""
    frame = KeptFrame.objects.filter(key=key).first()
    if frame is None:
        return None
    pieces, seq = [], 0
    for parts, size in frame.segments:
        data = bytearray()
        for _ in range(parts):
            part = _read_part(frame.pk, seq)
            if part is None:  # replaced meanwhile: its parts are gone
                return None
            data += part
            seq += 1
        if len(data) != size:
            return None
        pieces.append(_undump(data))
    meta = {"study": frame.study_id, "last": frame.last, "n": frame.n, "token": frame.token}
    return {**meta, "key": key, "frame": frame.pk, "segments": frame.segments, "pieces": pieces}


def _set(key: str, value: dict) -> None:
    """Keep this frame (``clean``) as one segment, replacing any kept under the key."""
    pieces = [value["clean"]] if value.get("clean") is not None else []
    if in_database():
        _set_row(key, _meta(value), pieces)
    else:
        _set_file(key, _meta(value), pieces)


def _append(key: str, entry: dict, piece: pd.DataFrame, value: dict) -> None:
    """Add the rows of ``piece`` to the kept ``entry`` (as :func:`_load` gave it) as one more
    segment, with ``value``'s count, last id and token; nothing if it changed meanwhile."""
    if in_database():
        _append_row(entry, piece, _meta(value))
    else:
        _append_file(key, entry, piece, _meta(value))


def _set_file(key: str, meta: dict, pieces: list[pd.DataFrame]) -> None:
    try:
        segments = [_write_segment(key, piece) for piece in pieces]
        _write_manifest(key, meta, segments)
    except OSError:  # the folder cannot be written: the frame is not kept
        log.warning("the response frame %s cannot be kept", key, exc_info=True)
        return
    _remove_stale(key, set(segments))


def _append_file(key: str, entry: dict, piece: pd.DataFrame, meta: dict) -> None:
    try:
        segments = [*entry["segments"], _write_segment(key, piece)]
        _write_manifest(key, meta, segments)
    except OSError:
        log.warning("the response frame %s cannot be extended", key, exc_info=True)


def _write_segment(key: str, piece: pd.DataFrame) -> str:
    """A new file of its own (a name no reader knows until the manifest lists it)."""
    folder = _folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # answers: owner only
    with tempfile.NamedTemporaryFile(
        dir=folder, prefix=_name(key) + "-", suffix=".seg", delete=False
    ) as f:
        try:
            f.write(_dump(piece))
        except BaseException:
            os.unlink(f.name)
            raise
    return Path(f.name).name


def _write_manifest(key: str, meta: dict, segments: list[str]) -> None:
    path = _path(key)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a frame of no segments too
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as f:
        part = f.name
        pickle.dump({**meta, "key": key, "segments": segments}, f)
    try:
        os.replace(part, path)  # readers see the old list or the new one, never a part
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(part)
        raise


def _remove_stale(key: str, keep: set[str]) -> None:
    """Remove the key's segment files a rewrite left behind.  A file written in the last
    :data:`STALE_SECONDS` may be another worker's append about to be listed: it stays."""
    now = time.time()
    for path in _folder().glob(_name(key) + "-*.seg"):
        with contextlib.suppress(OSError):
            if path.name not in keep and now - path.stat().st_mtime > STALE_SECONDS:
                path.unlink()


def _set_row(key: str, meta: dict, pieces: list[pd.DataFrame]) -> None:
    """Replace the kept frame in one transaction: readers see the old one or the new one."""
    data = [_dump(piece) for piece in pieces]
    try:
        with transaction.atomic():
            # Locked first: an append of another server in progress finishes before.
            list(KeptFrame.objects.select_for_update().filter(key=key).values_list("id"))
            KeptFrame.objects.filter(key=key).delete()
            frame = KeptFrame.objects.create(
                key=key, parts=0, size=0, segments=[], **_row_meta(meta)
            )
            _write_segments(frame, data)
    except DatabaseError:  # another server kept the same frame at the same moment
        log.info("the response frame %s was kept by another server", key, exc_info=True)


def _append_row(entry: dict, piece: pd.DataFrame, meta: dict) -> None:
    """Add a segment to the kept frame's parts in one transaction, if it is still the one
    read (not replaced, nor extended by another server meanwhile)."""
    data = _dump(piece)
    try:
        with transaction.atomic():
            frame = (
                KeptFrame.objects.select_for_update()
                .filter(pk=entry["frame"], last=entry["last"], n=entry["n"])
                .first()
            )
            if frame is None:
                return
            for name, value in _row_meta(meta).items():
                setattr(frame, name, value)
            _write_segments(frame, [data])
    except DatabaseError:
        log.info("the response frame %s was changed by another server", entry["key"])


def _row_meta(meta: dict) -> dict:
    return {
        "study_id": meta["study"],
        "last": meta["last"],
        "n": meta["n"],
        "token": meta["token"],
    }


def _write_segments(frame: KeptFrame, segments: list[bytes]) -> None:
    """Write these segments' parts after the frame's, then its row (in the caller's
    transaction)."""
    for data in segments:
        view = memoryview(data)
        starts = range(0, max(len(view), 1), PART_BYTES)
        for start in starts:  # one part at a time: no second copy of all
            _write_part(frame.pk, frame.parts, view[start : start + PART_BYTES])
            frame.parts += 1
        frame.size += len(view)
        frame.segments = [*frame.segments, [len(starts), len(view)]]
    frame.save()


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


def _still_true(entry: dict, responses, study: Study) -> bool:
    """Whether the kept frame still holds exactly the responses up to its last id.

    A response that committed after the frame was read but has a smaller id (two submissions
    at once), or one removed, changes the count; a database restored or a test database that
    reused ids has another token for the last id.  The count is first that of every response
    of the study's sessions (as :func:`.stamp.responses` counts them: from the (session, id)
    index alone, where a join of every response to its session, site and version took 2.9 s
    at 1,500,000 responses); only if it differs (a response to another instrument) are the
    responses read counted as they were read.
    """
    token = responses.filter(id=entry["last"]).values_list("submission_token", flat=True).first()
    if token != entry["token"]:
        return False
    sessions = Session.objects.filter(site__study=study).values("id")
    every = Response.objects.filter(session_id__in=sessions, id__lte=entry["last"]).count()
    if every == entry["n"]:  # those read are among these: the same ones
        return True
    return responses.filter(id__lte=entry["last"]).aggregate(n=Count("id"))["n"] == entry["n"]


def _compact_due(rows: list[int], more: int) -> bool:
    """Whether a kept frame of segments of these lengths is rewritten as one rather than
    extended by ``more`` rows: many segments, or appended rows grown large beside the first."""
    return len(rows) >= MAX_SEGMENTS or sum(rows[1:]) + more > GROWTH * rows[0]


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
    entry = _load(key)
    if entry is None or not entry["pieces"] or not _still_true(entry, responses, study):
        clean, n, last, token = _read(responses, plan)
        if n:
            _set(key, {"study": study.pk, "last": last, "n": n, "token": token, "clean": clean})
        return clean
    piece, n, last, token = _read(responses.filter(id__gt=entry["last"]), plan)
    if n == 0:
        return _joined(entry["pieces"])
    clean = pd.concat([*entry["pieces"], piece], ignore_index=True)
    value = {"study": study.pk, "last": last, "n": n + entry["n"], "token": token}
    if _compact_due(entry["rows"], n):
        _set(key, {**value, "clean": clean})
    else:
        _append(key, entry, piece, value)
    return clean
