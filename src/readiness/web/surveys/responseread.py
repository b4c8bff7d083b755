"""Stored responses read into the clean frame, a chunk at a time (for :mod:`.responseframe`).

A national study holds over a million responses.  Read all at once, every row's answers
became a Python dict before the frame was built: at 200,000 responses the process peaked at
1.3 GB, and pandas spent more time working out each column's type from the dicts than the
validation took.  So the rows come from a server-side cursor in chunks of :data:`CHUNK`; each
chunk's answers are decoded, laid out column by column as they were stored (validation reads
the cells as they come, so no type is worked out first) and validated, and only the clean
chunks, numbers as float64, are kept until they are joined.  The frame is the same as one read
and validated at once (``tests/web/test_response_read.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import orjson
import pandas as pd
from django.db.models import TextField
from django.db.models.functions import Cast

from readiness.errors import Problem, ResponsesError
from readiness.instrument.model import Instrument
from readiness.responses.validate import validate_frame

CHUNK = 50_000  # rows decoded and validated at a time
# The columns read of each response (the answers as JSON text: decoded by orjson, which for
# 100,000 responses took a fifth of the second Django's json.loads per row took).
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
    "source",
    "origin",
    "instrument",
)


# A version's clean frame read as the frame wanted (the current version's items, or the
# export's columns): (frame, problems with rows numbered in the clean frame given).
Convert = Callable[[int, pd.DataFrame], tuple[pd.DataFrame, list[Problem]]]


def read_clean(
    rows_query, instrument: Instrument
) -> tuple[pd.DataFrame, int, int | None, str | None]:
    """The clean frame of these responses (ordered by id), with their site's code; and how
    many responses were read, the last one's id and its submission token.

    Raises :class:`ResponsesError` with every problem (rows numbered from the first
    response read) if a stored response no longer validates."""
    return _joined(clean_chunks(rows_query, instrument))


def read_versions(
    rows_query, instruments: Mapping[int, Instrument], convert: Convert, current: int
) -> tuple[pd.DataFrame, int, int | None, str | None]:
    """:func:`read_clean` of responses to several versions (:func:`version_chunks`)."""
    return _joined(version_chunks(rows_query, instruments, convert, current))


def _joined(chunks) -> tuple[pd.DataFrame, int, int | None, str | None]:
    parts: list[pd.DataFrame] = []
    problems: list[Problem] = []
    n, last = 0, (None, None)
    for clean, found, read, last_row in chunks:
        problems += found
        parts.append(clean)
        n += read
        last = last_row or last
    if problems:
        raise ResponsesError(problems)
    clean = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return clean, n, last[0], last[1]


def clean_chunks(
    rows_query, instrument: Instrument
) -> Iterator[tuple[pd.DataFrame, list[Problem], int, tuple | None]]:
    """The responses' clean frame a chunk at a time (ordered by id, with ``site``; at least
    one chunk, empty when there is no response): each with its problems (rows numbered from
    the first response read), how many responses it holds, and the (id, submission token)
    of its last one."""
    return version_chunks(rows_query, {0: instrument}, None, 0)


def version_chunks(
    rows_query, instruments: Mapping[int, Instrument], convert: Convert | None, current: int
) -> Iterator[tuple[pd.DataFrame, list[Problem], int, tuple | None]]:
    """:func:`clean_chunks` of responses to several versions of an instrument (``instruments``:
    by the id of their stored version; ``current``'s gives the empty frame): each chunk's rows
    are validated against the version each answered, then ``convert`` reads them as the frame
    wanted; the chunk's parts are put back in order of id.  Without ``convert`` every row is
    read with the one instrument given."""
    query = rows_query.order_by("id").values_list(
        *(Cast(c, TextField()) if c == "answers" else c for c in COLUMNS)
    )
    n = 0
    for rows in _prefetched(_chunks(query.iterator(chunk_size=CHUNK))):
        groups = {current: list(range(len(rows)))} if convert is None else _by_version(rows)
        parts, found = [], []
        for pk, positions in groups.items():
            clean, problems = _version_part([rows[i] for i in positions], pk, instruments, convert)
            where = np.asarray(positions) + n + 1
            found += [replace(p, row=int(where[p.row - 1])) if p.row else p for p in problems]
            parts.append(clean)
        yield _in_order(parts), found, len(rows), (rows[-1][0], rows[-1][6])
        n += len(rows)
    if n == 0:  # no response: the empty frame, with the columns a full one has
        clean, found = _version_part([], current, instruments, convert)
        yield clean, found, 0, None


def _by_version(rows: list[tuple]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row[11], []).append(i)
    return groups


def _version_part(
    rows: list[tuple], pk: int, instruments: Mapping[int, Instrument], convert: Convert | None
) -> tuple[pd.DataFrame, list[Problem]]:
    instrument = instruments[pk]
    items = [item.id for item in instrument.data_items]  # a note holds no answer
    clean, problems = _clean_chunk(rows, items, instrument)
    if problems or convert is None:
        return clean, problems
    return convert(pk, clean)


def _in_order(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat(parts, ignore_index=True)
    order = np.argsort(frame["response_id"].astype("int64").to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _prefetched(chunks: Iterator[list]) -> Iterator[list]:
    """The chunks, each next one fetched in a thread while this one is validated: the
    database driver waits for the server without holding the GIL, so the database's half of a
    read (a third of it for a national study) is mostly hidden behind the validation.  The
    first chunk is fetched here, so the query runs on this thread's connection (and inside
    its transaction, if any)."""
    current = next(chunks, None)
    if current is None:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="readiness-read") as pool:
        while current is not None:
            pending = pool.submit(next, chunks, None)
            yield current
            current = pending.result()


def _chunks(rows):
    """Lists of at most :data:`CHUNK` rows."""
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _clean_chunk(
    rows: list[tuple], items: list[str], instrument: Instrument
) -> tuple[pd.DataFrame, list[Problem]]:
    """One chunk's clean frame (with ``site``) and its problems (rows numbered in the chunk)."""
    # Each item's stored values as they are (NaN where unanswered), laid out by pandas in C;
    # dtype=object: validation reads each distinct value once, so no column type is worked out.
    table = pd.DataFrame([orjson.loads(r[1]) for r in rows], columns=items, dtype=object)
    for at, (name, values) in enumerate(_meta(rows).items()):
        table.insert(at, name, values)
    clean, problems, _warnings = validate_frame(table, instrument)
    if not problems:
        clean["site"] = [r[5] for r in rows]
    return clean, problems


def _meta(rows: list[tuple]) -> dict[str, pd.Series]:
    """The columns kept beside the answers, as text (``synthetic`` as 1 or 0), of Python
    objects as validation reads them: dtype=object, as pandas would otherwise make text a
    string dtype that validation turns back into objects, a copy of the whole chunk."""
    written: dict = {}  # each distinct date written once: a chunk holds a few hundred
    return {
        "response_id": _objects([str(r[0]) for r in rows]),
        "session": _objects([r[4] for r in rows]),
        "completed_on": _objects(
            [written.get(r[2]) or written.setdefault(r[2], r[2].isoformat()) for r in rows]
        ),
        "synthetic": _objects([1 if r[3] else 0 for r in rows]),
        "wave": _objects([r[7] for r in rows]),
        "link": _objects([r[8] for r in rows]),
        # An imported response is exported with the source it had where it came from.
        "source": _objects([r[10] or r[9] for r in rows]),
    }


def _objects(values: list) -> pd.Series:
    return pd.Series(values, dtype=object)
