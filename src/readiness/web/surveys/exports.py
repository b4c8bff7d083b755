"""Exports of a study's responses: CSV with a codebook, XLSX, SPSS, Stata, REDCap.

What is exported is what the dashboard analyses (:func:`services.study_data`): the responses
to the study's current instrument version, one row per response, one column per item, the
stored codes; beside the items ``response_id`` (the database's id), ``session``,
``completed_on`` (a date), ``synthetic`` (1/0), ``instrument_id``, ``instrument_version``,
``source`` (web, paper, import, demo: an imported response's first source, which an import of
the file keeps), and
for a training evaluation ``wave`` (pre, post, follow_up) and ``link`` (a keyed pseudonym of the
anonymous linkage id, :func:`link_pseudonyms`: the same value in two waves is the same person;
never the link id itself, which the respondent's device also keeps, nor the self-generated
code's digests).
Nothing else is stored with a response, so no name, e-mail, IP address or user agent can be
exported.  Small cells are no issue here: these are respondent-level files for analysts, not
tables that leave the analyst's screen.

* ``csv``: the responses (:func:`readiness.responses.write_responses`) and a codebook beside
  them, ``<name>-codebook.csv`` (:func:`readiness.instrument.describe.codebook_csv`);
* ``xlsx``: a ``responses`` sheet and a ``variables`` sheet (labels and codes, and how text was
  fitted to XLSX: control characters left out, text over 32,767 characters cut with a note);
* ``sav`` and ``dta``: variable labels (the item texts) and value labels (the choice labels);
* ``redcap``: REDCap-format data, ``record_id`` first and one ``item___code`` column of 1/0
  per choice of a multiple-choice item, and the data dictionary beside it,
  ``<name>-dictionary.csv`` (:func:`readiness.responses.redcap.write_redcap`).
  The dictionary gets ``session`` and ``completed_on`` fields and the data fill them, so that
  response rates can be worked out again from REDCap; the wave and link are not in this data
  (the hidden ``site`` item is).

Text is never written so that a spreadsheet program would run it: in CSV and REDCap data, text
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets an apostrophe
before it (the codebook and the README say so); in XLSX it is a text cell with Excel's quote
prefix (:mod:`readiness.tabular`).  Numbers are numbers and never get the apostrophe.

A synthetic study's exports are marked: every row's ``synthetic`` is 1 (SPSS and Stata file
labels then start with SYNTHETIC), the default file names hold ``SYNTHETIC``, and REDCap
record ids read ``SYNTHETIC-<id>``.  Every export is recorded in the audit log (action
``export``) through :mod:`.auditing`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from readiness.errors import ProblemsError, ReadinessError, ResponsesError
from readiness.instrument.describe import codebook_csv, codebook_rows
from readiness.instrument.model import META_COLUMNS, Instrument, Item, choices_of
from readiness.responses.redcap import dictionary_path, write_redcap
from readiness.responses.validate import is_numeric_item

# The CSV writer's own steps: a chunk is written as write_responses_noted writes a frame.
from readiness.responses.write import (
    _as_text,
    _with_instrument_columns,
    validate_own_versions,
    write_responses_noted,
)
from readiness.tabular import atomic_write, xlsx_changes
from readiness.web.surveys import (
    auditing,
    responseframe,
    responseread,
    services,
    versionread,
    waves,
)
from readiness.web.surveys.models import Response, Study


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    suffix: str
    content_type: str
    description: str


FORMATS = {
    f.key: f
    for f in (
        ExportFormat(
            "csv",
            "CSV with a codebook",
            ".csv",
            "text/csv",
            "The responses as stored codes, and a codebook of every variable, its label and "
            "its codes (a ZIP file of both).",
        ),
        ExportFormat(
            "xlsx",
            "Excel workbook (XLSX)",
            ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "A responses sheet and a variables sheet with each column's label and codes.",
        ),
        ExportFormat(
            "sav",
            "SPSS (.sav)",
            ".sav",
            "application/x-spss-sav",
            "With variable labels (the questions) and value labels (the answers).",
        ),
        ExportFormat(
            "dta",
            "Stata (.dta)",
            ".dta",
            "application/x-stata-dta",
            "With variable labels and value labels (Stata 14 or later).",
        ),
        ExportFormat(
            "redcap",
            "REDCap data and data dictionary",
            ".csv",
            "text/csv",
            "Data to import into a REDCap project, and the data dictionary that creates the "
            "project's fields (a ZIP file of both).",
        ),
    )
}


@dataclass
class Export:
    """What an export wrote."""

    study: Study
    format: str
    files: list[Path]
    rows: int
    synthetic: bool
    other_versions: int  # responses to another instrument, not in the export
    notes: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # those answered, when more than one

    def lines(self) -> list[str]:
        """What the command line prints."""
        instrument = self.study.instrument
        n = f"{self.rows} response{'s' if self.rows != 1 else ''}"
        mark = " (SYNTHETIC: every row is marked synthetic)" if self.synthetic else ""
        what = {
            "csv": f"{n} to {instrument}{mark}",
            "xlsx": f"{n} to {instrument}, with a variables sheet{mark}",
            "sav": f"{n} to {instrument}, with variable and value labels{mark}",
            "dta": f"{n} to {instrument}, with variable and value labels{mark}",
            "redcap": f"REDCap data, {n} as records{mark}",
        }[self.format]
        out = [f"Wrote {self.files[0]}: {what}."]
        if self.format == "csv":
            out.append(f"Wrote {self.files[1]}: the codebook.")
        if self.format == "redcap":
            out.append(f"Wrote {self.files[1]}: the REDCap data dictionary.")
        if self.other_versions:
            out.append(f"Not exported: {self.other_versions} responses to another instrument.")
        if self.versions:
            out.append(
                f"The responses answered versions {', '.join(self.versions)}: the "
                "instrument_version column gives each row's; answers are read as the current "
                "version's codes, and items earlier versions asked are kept."
            )
        return out + self.notes


def default_name(study: Study, fmt: str) -> str:
    """The file name an export gets unless told otherwise (SYNTHETIC in a synthetic study's)."""
    mark = "-SYNTHETIC" if study.synthetic else ""
    if fmt == "redcap":
        return f"{study.slug}{mark}-redcap-data.csv"
    return f"{study.slug}{mark}-responses{_format(fmt).suffix}"


def companion_path(path: Path, fmt: str) -> Path | None:
    """The second file of a CSV (its codebook) or REDCap (its dictionary) export."""
    if fmt == "csv":
        return path.with_name(f"{path.stem}-codebook.csv")
    if fmt == "redcap":
        return dictionary_path(path)
    return None


def _format(fmt: str) -> ExportFormat:
    if fmt not in FORMATS:
        raise ReadinessError(
            f"'{fmt}' is not an export format. Fix: use one of {', '.join(FORMATS)}."
        )
    return FORMATS[fmt]


def export_frame(study: Study) -> tuple[pd.DataFrame, services.StudyData]:
    """The study's responses as exported, and its data: the kept frame
    (:func:`services.study_data`) when they answered one version; when they answered several,
    :func:`export_chunks` joined (the kept frame leaves out the items removed since).

    Every wave of an evaluation is exported, with ``wave`` and ``link``: a follow-up response
    carries the link id of the pre response its self-generated code was joined to
    (:func:`waves.follow_up_linkage`, worked out now), or none.  The code's digests are never
    exported."""
    data = services.study_data(study, every_wave=True)
    if versionread.plan(study).several:
        chunks = list(export_chunks(study))
        frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
        return frame, data
    instrument = study.instrument.instrument
    frame = data.responses
    items = [item.id for item in instrument.data_items]  # a note holds no answer
    columns = [c for c in META_COLUMNS if c in frame.columns] + items
    return _linked(study, frame[columns].copy(), {}), data


def _linked(study: Study, frame: pd.DataFrame, linkage: dict) -> pd.DataFrame:
    """The frame with each follow-up's link (the linkage worked out once, into ``linkage``,
    when a follow-up comes), links as pseudonyms, and SYNTHETIC marked."""
    if "wave" in frame and frame["wave"].eq(waves.FOLLOW_UP).any():
        if "joined" not in linkage:
            linkage["joined"] = waves.follow_up_linkage(study)[1]
        later = frame["wave"].eq(waves.FOLLOW_UP)
        frame.loc[later, "link"] = frame.loc[later, "response_id"].map(linkage["joined"])
    if "link" in frame:
        frame["link"] = link_pseudonyms(study, frame["link"].tolist())
    if study.synthetic:
        frame["synthetic"] = 1.0
    return frame


def export_chunks(study: Study, responses=None) -> Iterator[pd.DataFrame]:
    """The study's responses as exported, a chunk at a time, read from the database as they
    are written (:func:`responseread.version_chunks`), so that an export of a national study
    never holds every response at once: meta columns (``instrument_version`` each row's own),
    then the items of the export (:func:`export_instrument`: the current version's, then those
    only earlier versions asked), the stored codes, recoded to the current version's where a
    mapping of old codes is kept (:mod:`.versionread`).  Raises :class:`ResponsesError` with
    every problem after the last chunk if a stored response no longer validates.
    ``responses``: some of the study's responses only (a page of the API,
    :mod:`readiness.web.api`)."""
    if responses is None:
        responses = responseframe._responses(study)
    plan = versionread.plan(study, responses)
    responses = responses.filter(instrument__in=list(plan.versions))
    instrument = plan.export_instrument
    items = [item.id for item in instrument.data_items]  # a note holds no answer
    linkage: dict = {}  # the follow-up linkage, worked out once, when a follow-up comes
    problems: list = []
    chunks = responseread.version_chunks(
        responses, plan.instruments, plan.to_export, plan.current.pk
    )
    # Read in a transaction of its own (responseread.streamed), ended however the export ends.
    with responseread.streamed(responses), contextlib.closing(chunks):
        for clean, found, _n, _last in chunks:
            problems += found
            if problems:
                continue  # nothing is written: the problems are all reported at the end
            frame = clean[[c for c in META_COLUMNS if c in clean.columns] + items].copy()
            yield _linked(study, frame, linkage)
    if problems:
        raise ResponsesError(problems)


def export_instrument(study: Study) -> Instrument:
    """The instrument an export of the study is written with: its current version, and after
    its items those that only earlier versions with responses asked (:mod:`.versionread`)."""
    return versionread.plan(study).export_instrument


def write_csv_chunks(chunks: Iterable[pd.DataFrame], instrument: Instrument, path: Path) -> int:
    """The CSV that :func:`write_responses_noted` writes of the frame these chunks make up,
    written a chunk at a time (each validated and written as that function does its whole
    frame: the same file); returns the number of rows.  A chunk's ``instrument_id`` and
    ``instrument_version`` (each row's own) are written as they are."""
    rows = 0

    def write(tmp: Path) -> None:
        nonlocal rows
        problems: list = []
        with tmp.open("w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                clean, found = validate_own_versions(chunk, instrument)
                problems += [replace(p, row=p.row + rows) if p.row else p for p in found]
                if not problems:
                    text = _as_text(_with_instrument_columns(clean, instrument))
                    text.to_csv(out, index=False, header=rows == 0, lineterminator="\n")
                rows += len(chunk)
        if problems:
            raise ResponsesError(problems, file=f"(responses being written to {path})")

    atomic_write(path, write)
    return rows


def link_pseudonyms(study: Study, links: list) -> list:
    """The exported value of each link id: an HMAC-SHA-256 of the id under the study's own
    key (:func:`waves.export_link_key`), as 32 hexadecimal characters; a missing id stays
    as it is.  The same id gives the same value in every wave and every export of the study, so
    exported waves still pair (``readiness evaluate analyse``); the id itself, which the
    respondent's device keeps in its cookie, is never exported, so that a device and an export
    together do not point to one person's answers."""
    key = waves.export_link_key(study)
    memo: dict[str, str] = {}
    out = []
    for link in links:
        if not isinstance(link, str) or not link:
            out.append(link)  # missing, as it was
            continue
        if link not in memo:
            memo[link] = hmac.new(key, link.encode(), hashlib.sha256).hexdigest()[:32]
        out.append(memo[link])
    return out


def write_export(study: Study, fmt: str, path: str | Path, *, actor=None) -> Export:
    """Export the study's responses to ``path`` (and its companion file) in format ``fmt``.

    ``path`` must have the format's suffix (``.csv`` for REDCap).  ``actor`` is who asked
    (None from the command line), for the audit log.  Files are written atomically.
    """
    spec = _format(fmt)
    path = Path(path)
    if path.suffix.lower() != spec.suffix:
        raise ReadinessError(
            f"{path}: an export as {fmt} is written to a {spec.suffix} file. "
            f"Fix: give a file name ending in {spec.suffix}."
        )
    files = [path]
    notes: list[str] = []
    if fmt == "csv":  # a chunk at a time: flat memory for a national study
        return _write_csv_export(study, path, actor)
    instrument = export_instrument(study)
    frame, data = export_frame(study)
    if fmt == "redcap":
        redcap = write_redcap(frame, instrument, path, synthetic=study.synthetic)
        notes.extend(redcap.notes)
        files.append(redcap.dictionary)
    else:
        written = write_responses_noted(frame, instrument, path, own_versions=True)
        notes.extend(written.notes)  # SPSS and Stata names made for ids the format refuses
        if written.codebook is not None:
            files.append(written.codebook)
        fitted = _xlsx_fitted(frame) if fmt == "xlsx" else 0
        if fitted:
            notes.append(
                f"{fitted} text cell{'s' if fitted != 1 else ''} held control characters or "
                "more than 32,767 characters: the XLSX holds them cleaned or cut (see its "
                "variables sheet); the CSV export holds them in full."
            )
    auditing.record(
        actor,
        auditing.EXPORT,
        study,
        {
            "format": fmt,
            "rows": len(frame),
            "synthetic": study.synthetic,
            "files": [p.name for p in files],
        },
    )
    return Export(
        study=study,
        format=fmt,
        files=files,
        rows=len(frame),
        synthetic=study.synthetic,
        other_versions=data.other_versions,
        notes=notes,
        versions=_versions(study),
    )


def _write_csv_export(study: Study, path: Path, actor) -> Export:
    """:func:`write_export` of a CSV and its codebook, the responses a chunk at a time."""
    plan = versionread.plan(study)
    rows = write_csv_chunks(export_chunks(study), plan.export_instrument, path)
    codebook = companion_path(path, "csv")
    text = export_codebook(plan.export_instrument, plan if plan.several else None)
    atomic_write(codebook, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    files = [path, codebook]
    auditing.record(
        actor,
        auditing.EXPORT,
        study,
        {
            "format": "csv",
            "rows": rows,
            "synthetic": study.synthetic,
            "files": [p.name for p in files],
        },
    )
    other = (
        Response.objects.filter(session__site__study=study)
        .exclude(instrument__instrument_id=study.instrument.instrument_id)
        .count()
    )
    return Export(
        study=study,
        format="csv",
        files=files,
        rows=rows,
        synthetic=study.synthetic,
        other_versions=other,
        versions=[v.version for v in plan.versions.values()] if plan.several else [],
    )


def _versions(study: Study) -> list[str]:
    """The versions the study's responses answered, when more than one."""
    plan = versionread.plan(study)
    return [v.version for v in plan.versions.values()] if plan.several else []


# What the codebook says of every variable stored as text (see readiness.tabular.formula_safe).
FORMULA_NOTE = (
    "Text that starts with =, +, -, @, a tab or a carriage return is written with an "
    "apostrophe before it ('=1+1), so that a spreadsheet shows it rather than running it as a "
    "formula; readiness responses reads it back without the apostrophe."
)


def export_codebook(instrument: Instrument, plan: versionread.Plan | None = None) -> str:
    """The codebook of a CSV export: :func:`codebook_csv`, each variable stored as text saying
    how text that starts like a formula is written; with the ``plan`` of an export of several
    versions, each variable's label says which versions asked it, and the codes of which
    version its values are."""
    rows = codebook_rows(instrument)
    for row, item in zip(rows, instrument.data_items, strict=True):
        if not is_numeric_item(item):
            row["values"] = f"{row['values']}. {FORMULA_NOTE}"
        if plan is not None:
            row["label"] = f"{row['label']} [{_asked_note(plan, item)}]"
    return codebook_csv(instrument, rows)


def _asked_note(plan: versionread.Plan, item: Item) -> str:
    current = plan.current.version
    asked = plan.asked_by(item.id)
    if asked == f"v{current}":
        return f"asked by v{current} only"
    coded = bool(choices_of(item))
    if item.id in plan.removed:
        last = plan.removed[item.id][1][-1]
        codes = f": the codes are v{last}'s, earlier answers recoded where a mapping is kept"
        return f"asked by {asked}, not by v{current}" + (codes if coded else "")
    codes = f"; the codes are v{current}'s, earlier answers recoded where they changed"
    return f"asked by {asked}" + (codes if coded else "")


def _xlsx_fitted(frame: pd.DataFrame) -> int:
    """How many text cells of the export an XLSX cell cannot hold as they are."""
    return sum(
        xlsx_changes(v)
        for name in frame.columns
        if not pd.api.types.is_float_dtype(frame[name].dtype)
        for v in frame[name]
        if isinstance(v, str)
    )


def readme(export: Export, names: list[str]) -> str:
    """The README of a downloaded ZIP: what the files are, and SYNTHETIC when they are."""
    study = export.study
    lines = [f"{study.name} ({study.slug}): responses exported from Readiness on "
             f"{date.today().isoformat()}."]  # fmt: skip
    if export.synthetic:
        lines += [
            "",
            "SYNTHETIC DATA: this study holds demonstration data; no real person's answers "
            "are in these files.",
        ]
    lines += [
        "",
        f"Instrument: {study.instrument.instrument_id} version {study.instrument.version}. "
        f"Responses: {export.rows}.",
        "",
        "Files:",
    ]
    if export.format == "csv":
        lines += [
            f"  {names[0]}: one row per response, one column per item, the stored codes "
            "(multiple choice: the codes ticked, separated by spaces; empty: not answered).",
            f"  {names[1]}: the codebook: each variable, its question, type and codes.",
        ]
    elif export.format in ("sav", "dta"):
        lines += [
            f"  {names[0]}: one row per response, with variable and value labels.",
            f"  {names[1]}: the codebook: each item, and its column in {names[0]} (the "
            "format needed other names for some items).",
        ]
    else:
        lines += [
            f"  {names[0]}: REDCap data: record_id, then the fields of the dictionary; "
            "multiple-choice items as item___code columns of 1/0.",
            f"  {names[1]}: the REDCap data dictionary (import it first, to create the fields).",
        ]
    if study.evaluation and export.format == "csv":
        lines += [
            "",
            "This study evaluates training: the wave column says when each response was given "
            "(pre: before the session, post: after it, follow_up: the follow-up), and the link "
            "column joins the responses of one person (the same value in two waves). It names "
            "no one, and it is not the id kept on the respondent's device, so the two cannot be "
            "matched; the answers to the questions that join the follow-up are not in these "
            "files.",
        ]
    elif study.evaluation:
        lines += [
            "",
            "This study evaluates training, but REDCap data cannot hold the wave and link "
            "columns: export CSV to join each person's before, after and follow-up answers.",
        ]
    if export.other_versions:
        lines += ["", f"Not exported: {export.other_versions} responses to another instrument."]
    if export.versions:
        lines += [
            "",
            f"The responses answered versions {', '.join(export.versions)} of the instrument: "
            "the instrument_version column says which version each row answered. Answers are "
            f"given in version {study.instrument.version}'s codes (earlier answers recoded "
            "where the codes changed meaning), items added since are empty in earlier rows, "
            "and items only earlier versions asked are kept as columns after the others. The "
            "codebook says which versions asked each item.",
        ]
    lines += [
        "",
        "Text that starts with =, +, -, @, a tab or a carriage return has an apostrophe before "
        "it ('=1+1), so that a spreadsheet program shows it rather than running it as a formula.",
        "",
        "No name, e-mail address, IP address or user agent is stored with a response, so none "
        "is in these files.",
    ]
    return "\n".join(lines) + "\n"


def failure_message(err: ProblemsError) -> str:
    """Why an export could not be written, for the person who asked: each problem with its
    row, column and fix, but not the file (a temporary file on the server)."""
    problems = [replace(p, file=None) for p in err.problems]
    n = len(problems)
    head = f"The export could not be written ({n} problem{'s' if n != 1 else ''}):"
    return " ".join([head, *(str(p) for p in problems[:10])]) + (
        f" And {n - 10} more." if n > 10 else ""
    )


@dataclass
class Download:
    name: str
    content: bytes
    content_type: str
    rows: int


def download(study: Study, fmt: str, *, actor=None) -> Download:
    """An export as one file to download: the file itself, or a ZIP of two files and a README."""
    spec = _format(fmt)
    with tempfile.TemporaryDirectory(prefix="readiness-export-") as folder:
        path = Path(folder) / default_name(study, fmt)
        export = write_export(study, fmt, path, actor=actor)
        if len(export.files) == 1:
            return Download(path.name, path.read_bytes(), spec.content_type, export.rows)
        names = [p.name for p in export.files]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for p in export.files:
                archive.write(p, p.name)
            archive.writestr("README.txt", readme(export, names))
        name = (
            f"{path.stem.removesuffix('-data')}.zip"
            if fmt == "redcap"
            else f"{path.stem}-{fmt}.zip"
        )
        return Download(name, buffer.getvalue(), "application/zip", export.rows)
