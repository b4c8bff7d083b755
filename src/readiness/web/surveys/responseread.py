"""Stored responses read into the clean frame, a chunk at a time (for :mod:`.responseframe`).

A national study holds over a million responses.  Read all at once, every row's answers
became a Python dict before the frame was built: at 200,000 responses the process peaked at
1.3 GB, and pandas spent more time working out each column's type from the dicts than the
validation took.  So the rows come from a server-side cursor in chunks of at most
:data:`CHUNK`; each chunk's answers are decoded, laid out column by column as they were
stored (validation reads the cells as they come, so no type is worked out first) and
validated, and only the clean chunks, numbers as float64, are kept until they are joined.  The frame is the same as one read
and validated at once (``tests/web/test_response_read.py`` compares them).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from itertools import islice

import numpy as np
import orjson
import pandas as pd
from django.db import connections, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from readiness.errors import Problem, ResponsesError
from readiness.instrument.model import Instrument
from readiness.responses.validate import validate_frame

CHUNK = 50_000  # rows decoded and validated at a time (at most)
FETCH = 5_000  # rows the database sends at a time
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
    # Closed on the way out, error or not: the thread reading ahead stops before the
    # transaction ends.
    with streamed(rows_query), contextlib.closing(clean_chunks(rows_query, instrument)) as read:
        return _joined(read)


def read_versions(
    rows_query, instruments: Mapping[int, Instrument], convert: Convert, current: int
) -> tuple[pd.DataFrame, int, int | None, str | None]:
    """:func:`read_clean` of responses to several versions (:func:`version_chunks`)."""
    chunks = version_chunks(rows_query, instruments, convert, current)
    with streamed(rows_query), contextlib.closing(chunks):
        return _joined(chunks)


def streamed(rows_query):
    """A transaction for a read (none is begun inside one already).  Outside a transaction
    Django declares the server-side cursor WITH HOLD, and PostgreSQL then runs the whole query
    and keeps its rows before it sends the first (at 200,000 responses 1.3 s of nothing else,
    at 1.5 million a spill of 2 GB to disk): inside one the rows come as the server makes them,
    while the chunks before are validated.  The background refresh of the results reads
    outside any transaction."""
    if connections[rows_query.db].in_atomic_block:
        # Inside one already (a savepoint would be of no use, and a block without one would
        # mark the caller's transaction for rollback on a problem that it may report).
        return contextlib.nullcontext()
    return transaction.atomic(using=rows_query.db)


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
    for rows in _prefetched(query.iterator(chunk_size=FETCH)):
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


def _prefetched(rows: Iterator[tuple]) -> Iterator[list[tuple]]:
    """The rows in chunks of at most :data:`CHUNK`, fetched by a thread while the chunk before
    is validated: the database driver waits for the server without holding the GIL, so the
    database's half of a read is mostly hidden behind the validation.

    The first :data:`FETCH` rows are fetched here, so the query runs on this thread's
    connection (and inside its transaction, if any), and they are the first chunk: the
    validation starts once they have come, not once a whole chunk has (at 200,000 responses,
    a fifth of the read was that wait).  Each later chunk holds the rows come meanwhile, a
    whole chunk once the database is ahead; the thread keeps at most a chunk's rows waiting.
    """
    first = list(islice(rows, FETCH))
    if not first:
        return
    pieces: queue.Queue = queue.Queue(maxsize=max(CHUNK // FETCH, 1))
    stop = threading.Event()
    thread = threading.Thread(
        target=_fetch, args=(rows, pieces, stop), name="readiness-read", daemon=True
    )
    thread.start()
    try:
        yield from _gathered(first, pieces)
    finally:
        stop.set()
        while thread.is_alive():  # room for a piece the thread waits to put, until it ends
            with contextlib.suppress(queue.Empty):
                pieces.get(timeout=0.05)
        thread.join()


def _fetch(rows: Iterator[tuple], pieces: queue.Queue, stop: threading.Event) -> None:
    """Put the rows on ``pieces`` :data:`FETCH` at a time, then None; or the error raised."""
    try:
        while not stop.is_set():
            piece = list(islice(rows, FETCH))
            if not piece:
                break
            pieces.put(piece)
        pieces.put(None)
    except BaseException as error:  # raised again where the chunks are read
        pieces.put(error)


def _gathered(first: list[tuple], pieces: queue.Queue) -> Iterator[list[tuple]]:
    """Chunks of at most :data:`CHUNK` rows: ``first``, then the pieces come meanwhile (at
    least one, waited for)."""
    buffer, done = first, False
    while buffer or not done:
        waits = not buffer
        while not done and (waits or len(buffer) < CHUNK):
            try:
                piece = pieces.get(block=waits)
            except queue.Empty:
                break
            if isinstance(piece, BaseException):
                raise piece
            done = piece is None
            buffer += piece or []
            waits = False
        if buffer:
            yield buffer[:CHUNK]
            buffer = buffer[CHUNK:]


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
