"""Imports of response files into a study: validated by the core, all or nothing.

A response file (CSV, XLSX, SPSS ``.sav``, Stata ``.dta``: one row per response, one column
per item, the stored codes, as :mod:`readiness.responses` reads them and as the exports write
them) is read and checked against the study's instrument version by
:func:`readiness.responses.read_responses`, which reports every problem with its row and
column.  The rows then go into one chosen session, or into the sessions the file's ``session``
column names (each must be a session of the study).  Everything is written in one transaction
by :func:`services.add_clean_responses`: on any problem nothing is written.

The same file (by its SHA-256) is never imported twice into a study: a second upload of it is
refused, so a double click or a repeated upload cannot double the responses.  Nor can the
same responses in another file: a row whose ``response_id`` (an export's) is a response of the
study already, its own or one imported before, with that response's answers, refuses the whole
file (row numbers, ids and the
fix in the message); rows without one (another tool's file) are new responses.  An imported
response's source is ``import``; the source and id its file gave it are kept
(``Response.origin``, ``Response.origin_id``), and exports write that first source.  Every import is
recorded as a :class:`~readiness.web.surveys.models.ResponseImport` and in the audit log
(action ``import``) through :mod:`.auditing`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction

from readiness.errors import Problem, ResponsesError
from readiness.responses import read_responses
from readiness.responses.declared import is_declared
from readiness.responses.read import problem_locator, read_raw_text
from readiness.responses.validate import cell_text
from readiness.safezip import DEFAULT_LIMITS, ZipLimits
from readiness.tabular import table_format
from readiness.web.surveys import auditing, services
from readiness.web.surveys.models import Response, ResponseImport, Session, Source, Study

SUFFIXES = (".csv", ".xlsx", ".sav", ".dta")
_MAX_SESSION_PROBLEMS = 200


@dataclass
class Imported:
    """What an import added."""

    rows: int
    record: ResponseImport
    warnings: list[Problem] = field(default_factory=list)


def xlsx_limits() -> ZipLimits:
    """How much an imported XLSX file may unpack to: what is read well within the worker's
    timeout (``READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES``); a zip bomb is refused unread."""
    cap = settings.READINESS_MAX_IMPORT_XLSX_UNPACKED_BYTES
    return ZipLimits(max_total=cap, max_member=cap)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse(message: str, fix: str, name: str, **where) -> ResponsesError:
    return ResponsesError([Problem(message, fix=fix, file=name, **where)], file=name)


def _file_rows(raw: pd.DataFrame, n_clean: int) -> np.ndarray:
    """The file's data row (1-based) of each row the reader kept (it skips empty rows)."""
    if len(raw) == n_clean:
        return np.arange(1, n_clean + 1)
    filled = np.zeros(len(raw), dtype=bool)
    for name in raw.columns:  # a declared missing answer (SPSS, Stata) fills its row
        filled |= raw[name].map(lambda v: is_declared(v) or cell_text(v) != "").to_numpy(bool)
    return np.flatnonzero(filled) + 1


def _session_problems(study: Study, frame: pd.DataFrame, path: Path, name: str) -> list[Problem]:
    """Rows whose session is missing or not a session of the study."""
    codes = set(Session.objects.filter(site__study=study).values_list("code", flat=True))
    listed = ", ".join(sorted(codes)[:8]) + (" ..." if len(codes) > 8 else "")
    if "session" not in frame.columns:
        return [
            Problem(
                "the file has no session column, and no session was chosen.",
                fix="choose the session to import into, or add a session column holding the "
                f"study's session codes ({listed or 'add a session first'}).",
                file=name,
                column="session",
            )
        ]
    values = frame["session"].astype(object)
    bad = [
        (i, v)
        for i, v in enumerate(values)
        if not isinstance(v, str) or v not in codes  # NaN: no session given
    ]
    if not bad:
        return []
    fmt = table_format(path)
    raw = read_raw_text(path, fmt)
    rows = _file_rows(raw, len(frame))
    locate = problem_locator(path, fmt, raw)  # the CSV line, or the XLSX sheet and cell
    problems = []
    for i, value in bad[:_MAX_SESSION_PROBLEMS]:
        if isinstance(value, str):
            message = f"'{value}' is not a session of study {study.slug}."
            fix = f"use one of the study's session codes ({listed}), or add the session first."
        else:
            message = "no session is given."
            fix = "fill in the session code, or choose one session for the whole file."
        problem = Problem(message, fix=fix, file=str(path), row=int(rows[i]), column="session")
        problems.append(_renamed(locate(problem), str(path), name))
    if len(bad) > _MAX_SESSION_PROBLEMS:
        problems.append(
            Problem(
                f"and {len(bad) - _MAX_SESSION_PROBLEMS} more rows with a session that is "
                "missing or not the study's.",
                file=name,
                column="session",
            )
        )
    return problems


def import_file(
    study: Study,
    path: str | Path,
    *,
    session: Session | None = None,
    actor=None,
    file_name: str | None = None,
    zip_limits: ZipLimits = DEFAULT_LIMITS,
    progress=None,
) -> Imported:
    """Import a response file into the study: into ``session``, or the file's sessions.

    Raises :class:`ResponsesError` listing every problem (each with its row and column where
    it has them) and writes nothing when there is one.  ``file_name`` is the name shown in
    messages (an upload's own name); ``actor`` who imported (None from the command line);
    ``zip_limits`` what an XLSX file may unpack to (the web passes :func:`xlsx_limits`);
    ``progress(stage, done, total)``, if given, is told each stage (a background import's
    page shows it; the rows count as done when they are committed, all at once).
    """
    progress = progress or _quiet
    path = Path(path)
    name = file_name or path.name
    if path.suffix.lower() not in SUFFIXES:
        raise _refuse(
            f"'{name}' is not a response file Readiness reads.",
            "upload CSV (.csv), Excel (.xlsx), SPSS (.sav) or Stata (.dta).",
            name,
        )
    if session is not None and session.site.study_id != study.pk:
        raise _refuse(f"session {session.code} is not in study {study.slug}.", "", name)
    digest = file_digest(path)
    earlier = ResponseImport.objects.filter(study=study, sha256=digest).first()
    if earlier is not None:
        raise _refuse(
            f"this file was imported into the study already, on "
            f"{earlier.imported_on.isoformat()} ({earlier.rows} responses, as "
            f"'{earlier.file_name}').",
            "nothing to do; to import changed data, import the changed file.",
            name,
        )
    instrument = study.instrument.instrument
    progress("Reading and checking the file")
    try:
        responses = read_responses(path, instrument, zip_limits=zip_limits)
    except ResponsesError as err:
        # An export of the study's every version, imported back, is refused as such.
        _refuse_own_export(study, path, name, zip_limits)
        # The problems name the file as uploaded, not the temporary copy.
        raise ResponsesError(
            [_renamed(p, str(path), name) for p in err.problems], file=name
        ) from None
    frame = responses.frame.copy()
    warnings = [_renamed(p, str(path), name) for p in responses.warnings]
    if len(frame) == 0:
        raise _refuse("the file holds no responses.", "check that it is the right file.", name)
    progress("Checking the sessions of the rows read", 0, len(frame))
    if session is not None:
        if "session" in frame.columns:
            others = sorted(set(frame["session"].dropna()) - {session.code})
            if others:
                warnings.append(
                    Problem(
                        f"the file's session column ({', '.join(others[:5])}) was replaced by "
                        f"the session chosen, {session.code}.",
                        file=name,
                        column="session",
                    )
                )
        frame["session"] = pd.Series([session.code] * len(frame), dtype=object)
    else:
        problems = _session_problems(study, frame, path, name)
        if problems:
            raise ResponsesError(problems, file=name)
    problems = _source_problems(frame, name)
    if problems:
        raise ResponsesError(problems, file=name)
    progress("Writing the responses", 0, len(frame))
    try:
        with transaction.atomic():
            # In the transaction: a refused file writes nothing, and nothing else is written.
            # The lock on the study's row makes a second import into the study wait here until
            # this one has committed, so that it sees these rows' ids (SQLite's IMMEDIATE
            # transactions serialise writers already).
            Study.objects.select_for_update().filter(pk=study.pk).first()
            known = _known_rows(study, frame)
            if known:
                raise _already_in_study(study, known, frame, path, name)
            # read_responses validated the frame against this instrument version already.
            n = services.add_clean_responses(
                study, frame, source=Source.IMPORT, synthetic=study.synthetic
            )
            record = ResponseImport.objects.create(
                study=study,
                file_name=name[:255],
                sha256=digest,
                rows=n,
                session=session,
                imported_by=actor,
            )
            auditing.record(
                actor,
                auditing.IMPORT,
                study,
                {
                    "file": name,
                    "sha256": digest,
                    "rows": n,
                    "session": session.code if session else None,
                },
            )
    except IntegrityError:
        raise _refuse(
            "this file was imported into the study a moment ago.", "nothing to do.", name
        ) from None
    progress("Imported the responses", n, n)
    return Imported(n, record, warnings)


_ID_BATCH = 10_000  # ids looked up per query (under SQLite's limit of variables)
_SHOWN_IDS = 5


def _known_rows(study: Study, frame: pd.DataFrame) -> list[int]:
    """The rows (0-based, in the frame) that are responses of the study already: their
    ``response_id`` is one of its own (an export of the study imported back) or one imported
    before, *and* their answers are that response's.  Ids alone are not enough: another
    server's export numbers its responses 1, 2, 3 too, and a multi-site study merges them."""
    if "response_id" not in frame:
        return []  # another tool's file: its rows are new responses
    ids = [v if isinstance(v, str) else "" for v in frame["response_id"].tolist()]
    stored = _stored_by_id(study, sorted({i for i in ids if i}))
    candidates = [row for row, i in enumerate(ids) if i in stored]
    if not candidates:
        return []
    given = services.stored_answers(study, frame.iloc[candidates].reset_index(drop=True))
    return [
        row
        for row, answers in zip(candidates, given, strict=True)
        if _people_answers(answers) in map(_people_answers, stored[ids[row]])
    ]


def _refuse_own_export(study: Study, path: Path, name: str, zip_limits: ZipLimits) -> None:
    """Refuse, as responses of the study already, a file that did not validate against the
    study's current version because it is the study's own export of several versions: rows
    whose ``response_id`` is a response of the study that answered the row's
    ``instrument_version``, in the row's session, on the row's day.  (Their answers cannot be
    compared with the stored ones: the export gives earlier answers in the current codes.)"""
    try:
        raw = read_raw_text(path, table_format(path), zip_limits)
    except ResponsesError:
        return
    needed = ("response_id", "instrument_version", "session", "completed_on")
    if any(c not in raw.columns for c in needed):
        return
    given = [cell_text(v) for v in raw["response_id"].tolist()]
    numbers = sorted({int(i) for i in given if i.isdigit() and len(i) < 19})
    stored = {}
    for start in range(0, len(numbers), _ID_BATCH):
        found = Response.objects.filter(
            session__site__study=study, pk__in=numbers[start : start + _ID_BATCH]
        ).values_list("pk", "instrument__version", "session__code", "completed_on")
        stored.update({str(pk): (v, code, str(day)[:10]) for pk, v, code, day in found})
    rows = [
        i
        for i, row in enumerate(raw[list(needed)].itertuples(index=False))
        if stored.get(given[i]) == (cell_text(row[1]), cell_text(row[2]), cell_text(row[3])[:10])
    ]
    if rows:
        raise _already_in_study(study, rows, raw, path, name)


def _people_answers(answers: dict) -> dict:
    """Answers without ``site``, which the session fills in: the same responses imported into
    another session are the same responses still."""
    return {k: v for k, v in answers.items() if k != "site"}


def _stored_by_id(study: Study, given: list[str]) -> dict[str, list[dict]]:
    """The stored answers of the study's responses whose own id, or the id their file gave
    them, is one of ``given``."""
    responses = Response.objects.filter(session__site__study=study)
    stored: dict[str, list[dict]] = {}
    for start in range(0, len(given), _ID_BATCH):
        batch = given[start : start + _ID_BATCH]
        for origin_id, answers in responses.filter(origin_id__in=batch).values_list(
            "origin_id", "answers"
        ):
            stored.setdefault(origin_id, []).append(answers)
        numbers = [int(i) for i in batch if i.isdigit() and len(i) < 19]
        for pk, answers in responses.filter(pk__in=numbers).values_list("pk", "answers"):
            stored.setdefault(str(pk), []).append(answers)
    return stored


def _already_in_study(
    study: Study, known: list[int], frame: pd.DataFrame, path: Path, name: str
) -> ResponsesError:
    """The refusal of a file whose rows are responses of the study already."""
    fmt = table_format(path)
    rows = _file_rows(read_raw_text(path, fmt), len(frame))
    ids = frame["response_id"].tolist()
    shown = ", ".join(f"row {int(rows[i])} (response_id {ids[i]})" for i in known[:_SHOWN_IDS]) + (
        f" and {len(known) - _SHOWN_IDS} more" if len(known) > _SHOWN_IDS else ""
    )
    n = len(known)
    message = (
        f"{n} of the file's {len(frame)} rows {'are responses' if n != 1 else 'is a response'}"
        f" of study {study.slug} already: {shown}. Importing would count "
        f"{'them' if n != 1 else 'it'} twice, so nothing was imported."
    )
    fix = (
        "leave out the rows that are in the study already (an export of the study holds "
        "them all); to add such rows as new responses all the same, empty their response_id "
        "cells."
    )
    return _refuse(message, fix, name, row=int(rows[known[0]]), column="response_id")


def _source_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    """A ``source`` column (an export's) may hold only the sources a response has."""
    if "source" not in frame:
        return []
    allowed = {str(s) for s in Source.values}
    bad = sorted({v for v in frame["source"].tolist() if isinstance(v, str) and v not in allowed})
    if not bad:
        return []
    return [
        Problem(
            f"the source column holds {', '.join(repr(b) for b in bad[:5])}, which is not "
            "a source of a response.",
            fix=f"use one of {', '.join(sorted(allowed))}, or leave the cell empty.",
            file=name,
            column="source",
        )
    ]


def _quiet(stage: str, done: int | None = None, total: int | None = None) -> None:
    """No progress to report (an import in the request, or from the command line)."""


def _renamed(problem: Problem, temporary: str, name: str) -> Problem:
    from dataclasses import replace

    if problem.file == temporary:
        return replace(problem, file=name)
    return problem
