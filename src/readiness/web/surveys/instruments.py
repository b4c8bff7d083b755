"""Instrument versions in the web: reading an uploaded file, storing it as a new version, what
each version holds and what changed since the one before, and the files it is downloaded as.

An upload (an XLSForm, a REDCap data dictionary or Readiness YAML) is read by the same readers
as ``readiness instrument import``/``validate``: every problem names its line or cell and the
fix, and the conversion's notes (what it did not keep) are shown before anything is saved.
Saving stores the instrument as YAML (an upload in another format: the instrument read, dumped
by :func:`readiness.instrument.instrument_to_yaml`).  A stored version is never changed: the
same id and version with other text is refused, the same text again is the stored version.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import get_valid_filename

from readiness.errors import InstrumentError, Problem, ProblemsError, ReadinessError
from readiness.instrument import Instrument, instrument_to_yaml, parse_instrument
from readiness.instrument.compare import VersionChanges, compare_versions
from readiness.instrument.describe import TYPE_NAMES, describe_condition
from readiness.web.surveys import auditing
from readiness.web.surveys.models import InstrumentVersion, Study

SUFFIXES = {".xlsx": "xlsform", ".csv": "redcap", ".yaml": "yaml", ".yml": "yaml"}
FORMAT_NAMES = {"xlsform": "XLSForm", "redcap": "REDCap data dictionary", "yaml": "Readiness YAML"}
AUDIT_ACTION = "instrument"


def max_upload_bytes() -> int:
    """The largest instrument file accepted (``READINESS_MAX_INSTRUMENT_UPLOAD_BYTES``, 5 MB):
    never more than a survey upload, which the request size check allows."""
    return min(
        settings.READINESS_MAX_INSTRUMENT_UPLOAD_BYTES, settings.READINESS_MAX_SURVEY_UPLOAD_BYTES
    )


# -- who may ----------------------------------------------------------------------------------


def may_view(user) -> bool:
    """Anyone with a staff role: a role in a study, or a system administrator."""
    from readiness.web.accounts.models import Membership

    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Membership.objects.filter(user=user).exists()


def may_upload(user) -> bool:
    """The lead of any study, or a system administrator."""
    from readiness.web.accounts.models import Membership, Role

    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Role.LEAD).exists()


# -- reading an upload --------------------------------------------------------------------------


@dataclass
class Upload:
    """An uploaded file read as an instrument, not yet stored."""

    file_name: str
    source_format: str
    text: str  # the YAML to store
    instrument: Instrument
    warnings: list[str] = field(default_factory=list)  # what the conversion did not keep

    def to_session(self) -> dict:
        return {
            "file_name": self.file_name,
            "source_format": self.source_format,
            "text": self.text,
            "warnings": self.warnings,
        }

    @classmethod
    def from_session(cls, data: dict) -> Upload:
        text = data["text"]
        return cls(
            file_name=data["file_name"],
            source_format=data["source_format"],
            text=text,
            instrument=parse_instrument(text, file=data["file_name"]),
            warnings=list(data.get("warnings", [])),
        )


def format_of(file_name: str) -> str | None:
    return SUFFIXES.get(Path(file_name).suffix.lower())


def _renamed(problems: list[Problem], temporary: str, name: str) -> list[Problem]:
    return [replace(p, file=name) if p.file in (temporary, None) else p for p in problems]


def read_upload(chunks, file_name: str, instrument_id: str = "", version: str = "") -> Upload:
    """Read an uploaded instrument file (its content as ``chunks`` of bytes).  Raises
    :class:`ProblemsError` with every problem, each naming ``file_name`` (not the temporary
    copy) and its line, sheet, row or cell.  ``instrument_id`` and ``version`` name a REDCap
    dictionary's instrument (which it does not carry itself)."""
    kind = format_of(file_name)
    if kind is None:
        raise InstrumentError(
            [
                Problem(
                    "is not an instrument file Readiness reads.",
                    fix="upload an XLSForm (.xlsx), a REDCap data dictionary (.csv) or "
                    "Readiness YAML (.yaml).",
                    file=file_name,
                )
            ],
            file=file_name,
        )
    safe = get_valid_filename(Path(file_name).name) or f"upload{Path(file_name).suffix}"
    with tempfile.TemporaryDirectory(prefix="readiness-instrument-") as folder:
        path = Path(folder) / safe
        with open(path, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        try:
            return _read(path, kind, file_name, instrument_id, version)
        except ProblemsError as err:
            raise type(err)(_renamed(err.problems, str(path), file_name), file=file_name) from None


def _read(path: Path, kind: str, file_name: str, instrument_id: str, version: str) -> Upload:
    if kind == "yaml":
        try:
            text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            raise InstrumentError(
                [Problem("is not UTF-8 text.", fix="save the YAML as UTF-8.", file=file_name)],
                file=file_name,
            ) from None
        return Upload(file_name, kind, text, parse_instrument(text, file=file_name))
    if kind == "redcap":
        from readiness.instrument.xlsform_sheets import is_csv_xlsform

        if is_csv_xlsform(path):
            kind = "xlsform"
    if kind == "redcap":
        from readiness.instrument.redcap import read_redcap_dictionary

        result = read_redcap_dictionary(
            path, instrument_id=instrument_id or None, version=version or None
        )
    else:
        from readiness.instrument.xlsform import read_xlsform

        result = read_xlsform(path)
    notes = [*result.unmapped, *result.warnings]
    warnings = [str(_renamed([n.to_problem()], str(path), file_name)[0]) for n in notes]
    instrument = result.instrument
    text = instrument_to_yaml(replace(instrument, path=None))
    return Upload(file_name, kind, text, parse_instrument(text, file=file_name), warnings)


# -- storing ------------------------------------------------------------------------------------


def existing(upload: Upload) -> InstrumentVersion | None:
    """The stored version with the upload's id and version, if there is one."""
    inst = upload.instrument
    return InstrumentVersion.objects.filter(
        instrument_id=inst.id, version=str(inst.version)
    ).first()


def clash(upload: Upload) -> str | None:
    """Why the upload cannot be stored (its id and version are stored with other text)."""
    stored = existing(upload)
    if stored is None or stored.yaml == upload.text:
        return None
    inst = upload.instrument
    return (
        f"{upload.file_name}: instrument {inst.id} version {inst.version} is stored already, "
        "with other questions or wording. Fix: give it a new version (in an XLSForm, the "
        "settings sheet's version column; in YAML, version:) and upload it again."
    )


def latest(instrument_id: str) -> InstrumentVersion | None:
    return InstrumentVersion.objects.filter(instrument_id=instrument_id).order_by("-pk").first()


def store(upload: Upload, actor, change_note: str = "") -> tuple[InstrumentVersion, bool]:
    """Store the upload as a new version (audited), or return the version that holds the same
    text already; (the version, whether it is new).  Raises :class:`ReadinessError` when its id
    and version are stored with other text."""
    problem = clash(upload)
    if problem:
        raise ReadinessError(problem)
    stored = existing(upload)
    if stored is not None:
        return stored, False
    try:
        return _create(upload, actor, change_note), True
    except IntegrityError:  # the same id and version stored meanwhile, by someone else
        stored = existing(upload)
        if stored is not None and stored.yaml == upload.text:
            return stored, False
        raise ReadinessError(clash(upload) or "stored meanwhile; upload it again.") from None


def _create(upload: Upload, actor, change_note: str) -> InstrumentVersion:
    inst = upload.instrument
    with transaction.atomic():
        version = InstrumentVersion.objects.create(
            instrument_id=inst.id,
            version=str(inst.version),
            title=inst.title,
            yaml=upload.text,
            added_by=actor,
            added_on=date.today(),
            source_format=upload.source_format,
            warnings=upload.warnings,
            previous=latest(inst.id),
            change_note=change_note,
        )
        auditing.record(
            actor,
            AUDIT_ACTION,
            None,
            {
                "change": "instrument version added",
                "instrument": inst.id,
                "version": str(inst.version),
                "file": upload.file_name,
                "format": upload.source_format,
                "sha256": version.sha256,
                "warnings": len(upload.warnings),
            },
        )
    return version


# -- listing and describing -------------------------------------------------------------------


@dataclass
class VersionRow:
    version: InstrumentVersion
    studies: list[Study]


def grouped_versions() -> list[tuple[str, list[VersionRow]]]:
    """Every stored version, grouped by instrument id, with the studies that use each."""
    using: dict[int, list[Study]] = {}
    for study in Study.objects.only("name", "slug", "instrument_id").order_by("name"):
        using.setdefault(study.instrument_id, []).append(study)
    groups: dict[str, list[VersionRow]] = {}
    versions = InstrumentVersion.objects.defer("yaml").select_related("added_by")
    for version in versions.order_by("instrument_id", "pk"):
        row = VersionRow(version, using.get(version.pk, []))
        groups.setdefault(version.instrument_id, []).append(row)
    return sorted(groups.items())


def previous_of(version: InstrumentVersion) -> InstrumentVersion | None:
    """The version before this one: as recorded, or else the one stored before it."""
    if version.previous_id is not None:
        return version.previous
    return (
        InstrumentVersion.objects.filter(instrument_id=version.instrument_id, pk__lt=version.pk)
        .order_by("-pk")
        .first()
    )


def changes_since(version: InstrumentVersion, other: InstrumentVersion) -> VersionChanges:
    return compare_versions(other.instrument, version.instrument)


@dataclass
class OutlineItem:
    id: str
    text: str
    type: str
    condition: str
    choices: str
    required: bool


@dataclass
class OutlineSection:
    id: str
    title: str
    condition: str
    items: list[OutlineItem]


def outline(instrument: Instrument) -> list[OutlineSection]:
    """The instrument's sections and items as a page shows them: type, choices and condition
    in words (after :func:`readiness.instrument.describe.outline`)."""
    from readiness.instrument.model import choices_of

    sections = []
    for section in instrument.sections:
        items = []
        for item_id in section.items:
            item = instrument.item(item_id)
            choices = " | ".join(f"{c.code} {c.label}" for c in choices_of(item))
            items.append(
                OutlineItem(
                    id=item.id,
                    text=item.text,
                    type=TYPE_NAMES.get(item.type, item.type.replace("_", " ")),
                    condition=describe_condition(item.show_if, instrument) if item.show_if else "",
                    choices=choices,
                    required=item.required,
                )
            )
        condition = describe_condition(section.show_if, instrument) if section.show_if else ""
        sections.append(OutlineSection(section.id, section.title, condition, items))
    return sections


def languages(instrument: Instrument) -> list[tuple[str, str]]:
    """(tag, name) of each language the instrument holds, the default first."""
    return [(tag, instrument.language_label(tag)) for tag in instrument.languages]


# -- downloads ----------------------------------------------------------------------------------

DOWNLOADS = {
    "yaml": ("yaml", "application/yaml; charset=utf-8"),
    "xlsform": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "redcap": ("csv", "text/csv; charset=utf-8"),
}


def download(version: InstrumentVersion, kind: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the version as YAML, an XLSForm or a REDCap
    data dictionary (written by the command line's writers)."""
    suffix, content_type = DOWNLOADS[kind]
    name = get_valid_filename(f"{version.instrument_id}-v{version.version}.{suffix}")
    if kind == "yaml":
        return version.yaml.encode("utf-8"), name, content_type
    instrument = version.instrument
    with tempfile.TemporaryDirectory(prefix="readiness-instrument-") as folder:
        path = Path(folder) / name
        if kind == "xlsform":
            from readiness.instrument.xlsform import write_xlsform

            write_xlsform(instrument, path)
        else:
            from readiness.instrument.redcap import write_redcap_dictionary

            write_redcap_dictionary(instrument, path)
        return path.read_bytes(), name, content_type
