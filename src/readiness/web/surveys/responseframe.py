"""A study's submitted responses as one clean frame, kept and extended as responses arrive.

Reading and validating every response is most of the work behind a dashboard or an export of
a large study (for 100,000 responses about 2 s of the 3), and responses never change once
stored: they are only added.  So the clean frame of a study's responses to its current
instrument version is kept in a file beside the ``results`` cache (``frames/`` in its folder,
shared by every worker), with the id and submission token of its last response and the number
of responses it holds.  The next reader validates only the responses added since and appends
them.  The file is a plain pickle written by this module (replaced atomically): Django's file
cache would compress it, which for 100,000 responses (40 MB) took longer than reading them.

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

import orjson
import pandas as pd
from django.conf import settings
from django.db.models import Count, TextField
from django.db.models.functions import Cast

from readiness.errors import ResponsesError
from readiness.responses.validate import validate_frame
from readiness.web.surveys import resultscache
from readiness.web.surveys.models import Response, Study

log = logging.getLogger("readiness.web")

ALIAS = "results"  # the cache beside whose folder the frames are kept
COLUMNS = (
    "id",
    "answers",
    "completed_on",
    "synthetic",
    "session__code",
    "session__site__code",
    "submission_token",
    "wave",
    "link",
)


def _key(study: Study) -> str:
    # v2: the frame holds the wave and link columns.
    return f"readiness:frame:v2:{resultscache.database_tag()}:{study.pk}:{study.instrument_id}"


def _responses(study: Study):
    return Response.objects.filter(session__site__study=study, instrument=study.instrument_id)


def _read(rows_query, instrument) -> tuple[pd.DataFrame, int, int | None, str | None]:
    """The clean frame of these responses (ordered by id), with their site's code; and how
    many responses were read, the last one's id and its submission token."""
    # The answers are read as their JSON text and decoded with orjson: for 100,000 responses
    # Django's json.loads per row took over a second, orjson a fifth of one.
    rows = list(
        rows_query.order_by("id").values_list(
            *(Cast(c, TextField()) if c == "answers" else c for c in COLUMNS)
        )
    )
    items = [item.id for item in instrument.data_items]  # a note holds no answer
    table = (
        pd.DataFrame.from_records([orjson.loads(r[1]) for r in rows], columns=items)
        if rows
        else pd.DataFrame(columns=items)
    )
    table = table.reindex(columns=items)
    table.insert(0, "response_id", [str(r[0]) for r in rows])
    table.insert(1, "session", [r[4] for r in rows])
    table.insert(2, "completed_on", [r[2].isoformat() for r in rows])
    table.insert(3, "synthetic", [1 if r[3] else 0 for r in rows])
    table.insert(4, "wave", [r[7] for r in rows])
    table.insert(5, "link", [r[8] for r in rows])
    clean, problems, _ = validate_frame(table.astype(object), instrument)
    if problems:
        raise ResponsesError(problems)
    clean["site"] = [r[5] for r in rows]
    last, token = (rows[-1][0], rows[-1][6]) if rows else (None, None)
    return clean, len(rows), last, token


def _folder() -> Path:
    return Path(settings.CACHES[ALIAS]["LOCATION"]) / "frames"


def _path(key: str) -> Path:
    return _folder() / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".pickle")


def _get(key: str):
    path = _path(key)
    try:
        with path.open("rb") as f:
            entry = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception:  # an unreadable or damaged file: read the responses instead
        log.warning("the kept response frame %s cannot be read", path, exc_info=True)
        return None
    return entry if isinstance(entry, dict) and entry.get("key") == key else None


def _set(key: str, value: dict) -> None:
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


def forget_all() -> None:
    """Remove every kept frame (they are read again when next needed)."""
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
    """The study's responses to its current instrument version, validated (ordered by id).

    Columns as :func:`readiness.responses.validate.validate_frame` gives them, and ``site``.
    Raises :class:`ResponsesError` if a stored response no longer validates.
    """
    instrument = study.instrument.instrument
    responses = _responses(study)
    key = _key(study)
    entry = _get(key)
    if entry is not None and _still_true(entry, responses):
        clean, n, last, token = _read(responses.filter(id__gt=entry["last"]), instrument)
        if n == 0:
            return entry["clean"]
        clean = pd.concat([entry["clean"], clean], ignore_index=True)
        n += entry["n"]
    else:
        clean, n, last, token = _read(responses, instrument)
    if n:
        _set(key, {"last": last, "n": n, "token": token, "clean": clean})
    return clean
