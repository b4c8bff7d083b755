"""REFI-QDA exchange: ``.qdpx`` projects and ``.qdc`` codebooks (QDA-XML 1.0).

A ``.qdpx`` file is a zip archive with ``project.qde`` (XML valid against the REFI
``Project.xsd``, namespace ``urn:QDA-XML:project:1.0``) and the text of every source in
``sources/``, referred to as ``internal://<file>``.  Readiness maps its model one to one:

=====================  ===========================================================
Readiness              QDA-XML
=====================  ===========================================================
user (coder)           ``Users/User``
code                   ``CodeBook/Codes/Code`` (nested); definition, inclusion,
                       exclusion and example in ``Description`` as labelled lines
participant attribute  ``Variables/Variable`` and ``Case/VariableValue``
participant            ``Cases/Case`` with ``SourceRef`` to their transcripts
transcript             ``Sources/TextSource`` (``plainTextPath``), attributes as
                       ``VariableValue``
coding                 ``PlainTextSelection`` (start/end positions) with ``Coding``
memo                   ``Notes/Note``, linked by ``NoteRef`` from the project, a
                       source, a code, a coding or a selection
theme                  ``Sets/Set`` with ``MemberCode`` (and ``MemberSource``,
                       ``MemberNote``)
document set           ``Sets/Set`` with ``MemberSource`` and no ``MemberCode``
                       (MAXQDA's document sets)
=====================  ===========================================================

Positions are counted in Unicode characters of the source text.  Tools differ in how they
count a Windows line ending (CR LF as two characters, or as one) and some count UTF-16 code
units (NVivo); :func:`read_qdpx` works out which convention each source uses (see
:mod:`readiness.interviews.positions`), or takes it from the caller, says how sure it is, and
then moves every position onto Readiness's normalised text (NFC, LF).

What QDA-XML cannot hold (the topic guide, pseudonymisation reviews, the audit log) is not
exported; links, graphs and picture, PDF, audio and video sources are not imported, and the
import says so.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from lxml import etree

from readiness import __version__
from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import (
    Code,
    Coding,
    DocumentSet,
    Memo,
    Participant,
    Project,
    Theme,
    Transcript,
    User,
    Variable,
    new_guid,
    norm_guid,
)
from readiness.interviews.positions import CONVENTIONS, UNITS, PositionChoice, choose, to_raw
from readiness.interviews.pseudonymise import check_export
from readiness.interviews.text import OffsetMap, normalise
from readiness.interviews.transcripts import decode
from readiness.safezip import ZipReader
from readiness.tabular import atomic_write

__all__ = [
    "NS",
    "NS_CODEBOOK",
    "ImportReport",
    "codebook_schema",
    "project_schema",
    "project_xml",
    "read_qdc",
    "read_qdpx",
    "write_qdc",
    "write_qdpx",
]

NS = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
_LABELS = ("Definition", "Inclusion", "Exclusion", "Example")
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


# ---------------------------------------------------------------------------------------------
# schemas
# ---------------------------------------------------------------------------------------------


def _xsd_text() -> bytes:
    return resources.files("readiness.interviews").joinpath("schema", "Project.xsd").read_bytes()


@lru_cache(maxsize=1)
def project_schema() -> etree.XMLSchema:
    """The REFI QDA-XML 1.0 project schema shipped with Readiness."""
    return etree.XMLSchema(etree.fromstring(_xsd_text()))


@lru_cache(maxsize=1)
def codebook_schema() -> etree.XMLSchema:
    """The REFI QDA-XML codebook 1.0 schema (``Codebook.xsd``) shipped with Readiness."""
    xsd = resources.files("readiness.interviews").joinpath("schema", "Codebook.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(xsd))


def _check(schema: etree.XMLSchema, root, what: str) -> None:
    if not schema.validate(root):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5])
        raise RuntimeError(f"Readiness wrote an invalid {what} (a bug, please report): {errors}")


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def _q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


def code_description(c: Code) -> str:
    """A code's definition, inclusion, exclusion and example as one Description text."""
    fields = [(k, getattr(c, k.lower())) for k in _LABELS]
    filled = [(k, v) for k, v in fields if v]
    if not filled:
        return ""
    if len(filled) == 1 and filled[0][0] == "Definition" and not _LABEL_LINE.search(c.definition):
        return c.definition
    return "\n".join(f"{k}: {v}" for k, v in filled)


_LABEL_LINE = re.compile(r"^(Definition|Inclusion|Exclusion|Example):[ \t]?", re.MULTILINE)


def parse_code_description(text: str) -> dict:
    """The inverse of :func:`code_description`; text without labels is the definition."""
    out = {"definition": "", "inclusion": "", "exclusion": "", "example": ""}
    marks = list(_LABEL_LINE.finditer(text))
    if not marks:
        out["definition"] = text.strip()
        return out
    if text[: marks[0].start()].strip():
        out["definition"] = text[: marks[0].start()].strip()
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        key = m.group(1).lower()
        value = text[m.end() : end].rstrip("\n")
        out[key] = (out[key] + "\n" + value).strip("\n") if out[key] else value
    return out


def _dt(value: str | None) -> str | None:
    return value if value and _DATETIME.match(value) else None


def _set(el, name: str, value) -> None:
    if value is not None and value != "":
        el.set(name, str(value))


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _x(value) -> str:
    """Text that XML 1.0 can hold (control characters dropped)."""
    return _NOT_XML.sub("", str(value))


_DATE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$")


def _variable_value(parent, var: Variable, value, ns: str = NS) -> None:
    """A typed value; one that does not fit its variable's type is written as text."""
    vv = etree.SubElement(parent, _q("VariableValue", ns))
    etree.SubElement(vv, _q("VariableRef", ns)).set("targetGUID", var.id)
    t = var.type
    tag, text = "TextValue", _x(value)
    try:
        if t == "Boolean" and isinstance(value, bool):
            tag, text = "BooleanValue", "true" if value else "false"
        elif t == "Integer" and isinstance(value, int) and not isinstance(value, bool):
            tag, text = "IntegerValue", str(value)
        elif t == "Float" and isinstance(value, int | float) and not isinstance(value, bool):
            tag, text = "FloatValue", format(Decimal(repr(float(value))), "f")
        elif t == "Date" and _DATE.match(str(value)):
            date.fromisoformat(str(value)[:10])
            tag = "DateValue"
        elif t == "DateTime" and _DATETIME.match(str(value)):
            tag = "DateTimeValue"
    except (ValueError, ArithmeticError):
        tag, text = "TextValue", _x(value)
    etree.SubElement(vv, _q(tag, ns)).text = text


def _codes_xml(project: Project, parent, ns: str, note_refs: dict[str, list[str]]) -> None:
    children: dict[str | None, list[str]] = {}
    for c in project.codes.values():
        children.setdefault(c.parent if c.parent in project.codes else None, []).append(c.id)

    def add(into, cid):
        c = project.codes[cid]
        el = etree.SubElement(into, _q("Code", ns))
        el.set("guid", c.id)
        el.set("name", _x(c.name))
        el.set("isCodable", "true" if c.codable else "false")
        if c.color:
            el.set("color", c.color)
        desc = code_description(c)
        if desc:
            etree.SubElement(el, _q("Description", ns)).text = _x(desc)
        for nid in note_refs.get(cid, []):
            etree.SubElement(el, _q("NoteRef", ns)).set("targetGUID", nid)
        for kid in children.get(cid, []):
            add(el, kid)

    codes = etree.SubElement(parent, _q("Codes", ns))
    for cid in children.get(None, []):
        add(codes, cid)


def project_xml(project: Project) -> tuple[etree._Element, dict[str, str]]:
    """The ``project.qde`` element and the source files (zip path -> text) it refers to."""
    return _ProjectXml(project).build()


class _ProjectXml:
    """Writes a project as QDA-XML, one method per part, in the order the schema wants them."""

    def __init__(self, project: Project):
        self.project = project
        self.root = etree.Element(_q("Project"), nsmap={None: NS})
        self.files: dict[str, str] = {}
        # memos by what they are attached to
        self.refs: dict[tuple[str, str | None], list[str]] = {}
        for m in project.memos.values():
            self.refs.setdefault((m.target, m.target_id), []).append(m.id)
        self.by_var_name = {v.name: v for v in project.variables.values()}

    def build(self) -> tuple[etree._Element, dict[str, str]]:
        project, root = self.project, self.root
        root.set("name", _x(project.name))
        root.set("origin", f"Readiness {__version__}")
        _set(root, "creationDateTime", _dt(project.created))
        if project.creator in project.users:
            root.set("creatingUserGUID", project.creator)
        self.users()
        if project.codes:
            code_refs = {
                tid: ids for (kind, tid), ids in self.refs.items() if kind == "code" and tid
            }
            _codes_xml(project, etree.SubElement(root, _q("CodeBook")), NS, code_refs)
        self.variables()
        self.cases()
        self.sources()
        self.notes()
        self.sets()
        if project.description:
            etree.SubElement(root, _q("Description")).text = _x(project.description)
        self.note_refs(root, "project", None)
        return root, self.files

    def note_refs(self, el, target: str, target_id: str | None) -> None:
        for nid in self.refs.get((target, target_id), []):
            etree.SubElement(el, _q("NoteRef")).set("targetGUID", nid)

    def member_refs(self, el, tag: str, ids) -> None:
        for gid in ids:
            etree.SubElement(el, _q(tag)).set("targetGUID", gid)

    def variable_values(self, el, attributes: dict) -> None:
        for name, value in attributes.items():
            if name in self.by_var_name and value is not None:
                _variable_value(el, self.by_var_name[name], value)

    def element(self, parent, tag: str, guid: str, name: str, description: str = ""):
        """A child with a GUID, a name and (if there is one) a description."""
        el = etree.SubElement(parent, _q(tag))
        el.set("guid", guid)
        el.set("name", _x(name))
        if description:
            etree.SubElement(el, _q("Description")).text = _x(description)
        return el

    def users(self) -> None:
        if self.project.users:
            users = etree.SubElement(self.root, _q("Users"))
            for u in self.project.users.values():
                self.element(users, "User", u.id, u.name)

    def variables(self) -> None:
        if not self.project.variables:
            return
        vs = etree.SubElement(self.root, _q("Variables"))
        for v in self.project.variables.values():
            el = etree.SubElement(vs, _q("Variable"))
            el.set("guid", v.id)
            el.set("name", _x(v.name))
            el.set("typeOfVariable", v.type)
            if v.description:
                etree.SubElement(el, _q("Description")).text = _x(v.description)

    def cases(self) -> None:
        project = self.project
        if not project.participants:
            return
        cases = etree.SubElement(self.root, _q("Cases"))
        for p in project.participants.values():
            el = self.element(cases, "Case", p.id, p.name, p.description)
            self.member_refs(el, "CodeRef", [cid for cid in p.code_refs if cid in project.codes])
            self.variable_values(el, p.attributes)
            self.member_refs(el, "SourceRef", p.sources)
            self.member_refs(el, "SelectionRef", p.selection_refs)

    def sources(self) -> None:
        project = self.project
        if not project.sources:
            return
        sources = etree.SubElement(self.root, _q("Sources"))
        codings: dict[str, dict[str, list[Coding]]] = {}
        for c in project.codings.values():
            codings.setdefault(c.source, {}).setdefault(c.selection or c.id, []).append(c)
        selection_memos: dict[str, list[Memo]] = {}
        for m in project.memos.values():
            if m.target == "selection" and m.target_id is not None:
                selection_memos.setdefault(m.target_id, []).append(m)
        for t in project.sources.values():
            el = etree.SubElement(sources, _q("TextSource"))
            el.set("guid", t.id)
            el.set("name", _x(t.name))
            fname = f"{t.id}.txt"
            el.set("plainTextPath", f"internal://{fname}")
            self.files[f"sources/{fname}"] = t.text
            if t.creator in project.users:
                el.set("creatingUser", t.creator)
            _set(el, "creationDateTime", _dt(t.created))
            if t.description:
                etree.SubElement(el, _q("Description")).text = _x(t.description)
            self.selections(el, t, codings.get(t.id, {}), selection_memos)
            self.note_refs(el, "source", t.id)
            self.variable_values(el, t.attributes)

    def selections(
        self, el, t: Transcript, groups: dict[str, list[Coding]], memos: dict[str, list[Memo]]
    ) -> None:
        """The source's selections, in text order: those with codings, then memos alone."""
        sel_ids = list(groups)
        sel_ids += [sel for sel, ms in memos.items() if ms[0].source == t.id and sel not in groups]
        spans: dict[str, tuple[int, int]] = {}
        for sel in sel_ids:
            cs = groups.get(sel, [])
            if cs:
                spans[sel] = (cs[0].start, cs[0].end)
            else:  # a selection memo always has its span (Project.add_memo sees to it)
                first = memos[sel][0]
                spans[sel] = (first.start or 0, first.end or 0)
        for sel in sorted(sel_ids, key=lambda s: spans[s]):
            # codings of one selection must share its span; split any that do not
            parts: dict[tuple[int, int], list[Coding]] = {}
            for c in groups.get(sel, []):
                parts.setdefault((c.start, c.end), []).append(c)
            if not parts:
                parts = {spans[sel]: []}
            for k, ((s, e), members) in enumerate(parts.items()):
                sel_el = self.selection(el, t, sel if k == 0 else new_guid(), s, e, members)
                if k == 0:
                    self.member_refs(sel_el, "NoteRef", [m.id for m in memos.get(sel, [])])

    def selection(self, el, t: Transcript, guid: str, s: int, e: int, members: list[Coding]):
        project = self.project
        sel_el = etree.SubElement(el, _q("PlainTextSelection"))
        sel_el.set("guid", guid)
        sel_el.set("name", _x(t.text[s:e][:100]))
        sel_el.set("startPosition", str(s))
        sel_el.set("endPosition", str(e))
        if members and members[0].coder in project.users:
            sel_el.set("creatingUser", members[0].coder)
        if members:
            _set(sel_el, "creationDateTime", _dt(members[0].created))
        for c in members:
            cod = etree.SubElement(sel_el, _q("Coding"))
            cod.set("guid", c.id)
            if c.coder in project.users:
                cod.set("creatingUser", c.coder)
            _set(cod, "creationDateTime", _dt(c.created))
            etree.SubElement(cod, _q("CodeRef")).set("targetGUID", c.code)
            self.note_refs(cod, "coding", c.id)
        return sel_el

    def notes(self) -> None:
        project = self.project
        if not project.memos:
            return
        notes = etree.SubElement(self.root, _q("Notes"))
        for m in project.memos.values():
            el = etree.SubElement(notes, _q("Note"))
            el.set("guid", m.id)
            _set(el, "name", _x(m.title))
            if m.author in project.users:
                el.set("creatingUser", m.author)
            _set(el, "creationDateTime", _dt(m.created))
            etree.SubElement(el, _q("PlainTextContent")).text = _x(m.text)

    def sets(self) -> None:
        """Themes, then document sets, all as QDA-XML sets."""
        project = self.project
        if not (project.themes or project.sets):
            return
        sets = etree.SubElement(self.root, _q("Sets"))
        for th in project.themes.values():
            el = self.element(sets, "Set", th.id, th.name, th.description)
            self.member_refs(el, "MemberCode", th.codes)
            self.member_refs(el, "MemberSource", th.sources)
            self.member_refs(el, "MemberNote", th.memos)
        for ds in project.sets.values():
            el = self.element(sets, "Set", ds.id, ds.name, ds.description)
            self.member_refs(el, "MemberSource", ds.sources)
            self.member_refs(el, "MemberNote", ds.memos)


def write_qdpx(
    project: Project,
    path: str | Path,
    *,
    reason: str | None = None,
    user: str | None = None,
) -> Path:
    """Export the project as a ``.qdpx`` file, validated against the REFI schema first.

    Refused when a transcript has not been pseudonymised, unless ``reason`` is given (then
    logged in ``project.audit``; save the project to write it to the audit log).
    """
    check_export(project, reason=reason, user=user, export=f"qdpx {Path(path).name}")
    root, files = project_xml(project)
    _check(project_schema(), root, "project.qde")
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("project.qde", xml)
            for name, text in files.items():
                z.writestr(name, text.encode("utf-8"))

    path = Path(path)
    atomic_write(path, write)
    project.log("export-qdpx", user, file=path.name, sources=len(files))
    return path


def qdpx_losses(project: Project) -> list[str]:
    """What a ``.qdpx`` export of ``project`` leaves out, one sentence each."""
    timed = [t.name for t in project.sources.values() if t.segments]
    if not timed:
        return []
    shown = ", ".join(timed[:3]) + (", ..." if len(timed) > 3 else "")
    return [
        f"the recording times of {len(timed)} transcript(s) ({shown}); a REFI-QDA text "
        "source holds none (the project folder keeps them)."
    ]


def write_qdc(project: Project, path: str | Path) -> Path:
    """Export the codebook alone as a ``.qdc`` file (REFI codebook exchange)."""
    if not project.codes:
        raise fail("the project has no codes to export.", fix="add or load a codebook first.")
    root = etree.Element(_q("CodeBook", NS_CODEBOOK), nsmap={None: NS_CODEBOOK})
    root.set("origin", f"Readiness {__version__}")
    _codes_xml(project, root, NS_CODEBOOK, {})
    themes = [th for th in project.themes.values() if th.codes]
    if themes:
        sets = etree.SubElement(root, _q("Sets", NS_CODEBOOK))
        for th in themes:
            el = etree.SubElement(sets, _q("Set", NS_CODEBOOK))
            el.set("guid", th.id)
            el.set("name", _x(th.name))
            if th.description:
                etree.SubElement(el, _q("Description", NS_CODEBOOK)).text = _x(th.description)
            for cid in th.codes:
                if cid in project.codes:
                    etree.SubElement(el, _q("MemberCode", NS_CODEBOOK)).set("guid", cid)
    _check(codebook_schema(), root, "codebook")
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    path = Path(path)
    atomic_write(path, lambda p: p.write_bytes(xml))
    return path


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did not bring across, and which position convention it used."""

    warnings: list[str] = field(default_factory=list)
    conventions: dict[str, str] = field(default_factory=dict)  # source name -> convention
    counts: dict[str, int] = field(default_factory=dict)
    positions: dict[str, PositionChoice] = field(default_factory=dict)  # source name -> choice
    origin: str = ""  # the program that wrote the file, as it says


_LINE_ENDINGS = ("auto", *CONVENTIONS)


def _color(value: str | None) -> str | None:
    if value is None or not re.fullmatch(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", value.strip()):
        return None
    return value.strip()


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


def _child(el, name: str):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el, name: str) -> str:
    c = _child(el, name)
    return (c.text or "") if c is not None else ""


# While a file is read: each GUID (lower case) -> its spelling where the file first used it.
_SPELLING: ContextVar[dict[str, str] | None] = ContextVar("_SPELLING", default=None)


def _guid(el, attr: str = "guid") -> str | None:
    """The GUID in an attribute, without braces, in the case the file first wrote it (GUIDs
    compare without regard to case, so a reference in another case still finds its target)."""
    v = el.get(attr)
    low = norm_guid(v) if v else None
    if low is None:
        return None
    spelling = _SPELLING.get()
    kept = v.strip().strip("{}")
    return spelling.setdefault(low, kept) if spelling is not None else kept


def _value(vv) -> tuple[str | None, object]:
    for name, kind in (
        ("TextValue", "Text"),
        ("BooleanValue", "Boolean"),
        ("IntegerValue", "Integer"),
        ("FloatValue", "Float"),
        ("DateValue", "Date"),
        ("DateTimeValue", "DateTime"),
    ):
        c = _child(vv, name)
        if c is not None:
            raw = (c.text or "").strip()
            try:
                if kind == "Boolean":
                    return kind, raw.lower() in ("true", "1")
                if kind == "Integer":
                    return kind, int(raw)
                if kind == "Float":
                    return kind, float(raw)
                if kind == "Date":
                    date.fromisoformat(raw[:10])
                if kind == "DateTime":
                    datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                return "Text", c.text or ""
            return kind, (c.text or "") if kind == "Text" else raw
    return None, None


_OUTSIDE_HELP = (
    "only sources inside the file are read (on the command line, --allow-external-sources "
    "FOLDER reads them from FOLDER)"
)


def _read_source_text(
    z: ZipReader, ref: str, external: Path | None, file: str, encoding: str | None
) -> tuple[str | None, str]:
    """The text a ``plainTextPath`` names, or None and why it was left out.

    ``internal://`` names a member of the archive and is the only kind read from an upload.
    ``relative://``, ``file://`` and bare paths name files outside it: read only when the caller
    allows a folder (``external``), and only from inside that folder (:func:`_external_path`).
    """
    if ref.startswith("internal://"):
        name = ref[len("internal://") :]
        names = set(z.names())
        for member in (f"sources/{name}", name, f"Sources/{name}"):
            if member in names:
                return decode(z.read(member), file=f"{file}!{member}", encoding=encoding), ""
        return None, f"its plain text ({ref}) is not in the file."
    if external is None:
        return None, f"its plain text ({ref}) is outside the .qdpx file; {_OUTSIDE_HELP}."
    target = _external_path(ref, external)
    if target is None:
        return None, f"its plain text ({ref}) is outside the folder allowed for sources."
    try:
        return decode(target.read_bytes(), file=str(target), encoding=encoding), ""
    except OSError:
        return None, (
            f"its plain text ({ref}) was not found in the folder allowed for sources (a path "
            "on another computer is looked up by its file name in that folder)."
        )


_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:")


def _external_path(ref: str, external: Path) -> Path | None:
    """The file ``ref`` names inside the folder ``external`` (links resolved), or None.

    ``ref`` is percent-decoded.  A relative one (``relative://`` or a bare relative path) is
    taken from the folder; an absolute one (``file://``, ``/…``, ``C:\\…``, ``\\\\server\\…``)
    names a file on the computer that wrote the export, so only its file name is looked up in
    the folder.  Whatever the path, nothing outside the folder is ever returned.
    """
    is_url = ref.startswith("file://")
    if ref.startswith("relative://"):
        ref = ref[len("relative://") :]
    elif is_url:
        ref = ref[len("file://") :]
    ref = unquote(ref).replace("\\", "/")
    root = external.resolve()
    if is_url or ref.startswith("/") or _WINDOWS_DRIVE.match(ref):
        ref = PurePosixPath(ref).name
        if ref in ("", ".", ".."):
            return None
    target = (root / ref).resolve()
    return target if target.is_relative_to(root) else None


def _parse_xml(data: bytes, *, file: str, part: str = ""):
    """Parse XML from an exchange file: no DTD, no entity expansion, no network.

    A DOCTYPE is refused outright: REFI-QDA files never need one, and a DTD's entities are how
    XML files read local files (XXE) or expand to gigabytes ("billion laughs").
    """
    where = f"{part} " if part else ""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise fail(
            f"{where}is not well-formed XML ({err.msg}).",
            fix="export the file again; it may be damaged.",
            file=file,
            line=err.lineno,
        ) from err
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise fail(
            f"{where}has a DOCTYPE declaration; Readiness does not read DTDs or XML entities in "
            "exchange files (they can be used to read the server's files or exhaust its memory).",
            fix="export the file again from the program that made it; REFI-QDA files need no "
            "DOCTYPE.",
            file=file,
        )
    return root


def read_qdpx(
    path: str | Path,
    *,
    line_endings: str = "auto",
    positions: str = "auto",
    encoding: str | None = None,
    name: str | None = None,
    external_sources: str | Path | None = None,
) -> tuple[Project, ImportReport]:
    """Read a ``.qdpx`` file written by Readiness or another tool into a new project.

    How the other tool counted positions matters in sources with Windows line endings or
    characters outside the Basic Multilingual Plane (emoji).  ``positions``: ``code-points``,
    ``utf-16`` (UTF-16 code units, as NVivo counts) or ``auto``; ``line_endings``: ``as-is``
    (CR LF as two), ``lf`` (CR LF as one), ``utf16`` / ``utf16-lf`` (the same, in UTF-16 code
    units) or ``auto``.  What is left on ``auto`` is worked out for each source by
    :func:`readiness.interviews.positions.choose` (from the selected text a tool stores, from
    which convention puts selections between words, and from the program named in the file's
    ``origin``); :attr:`ImportReport.positions` says what was chosen and how sure, and a choice
    that is not sure and matters is also a warning.

    Only sources inside the file (``internal://``) are read, unless ``external_sources`` names
    a folder: then sources that point outside the file (``relative://``, ``file://``, a path)
    are read from that folder, never from anywhere else (an absolute path, written on the
    computer that made the export, is looked up by file name inside the folder).  A source
    left out is a warning.
    The archive is checked against zip bombs before anything is unpacked, and an XML file with
    a DOCTYPE is refused.

    Transcripts come in *not* marked as pseudonymised: review them before they leave again.
    Raises :class:`InterviewError` for a file that is not a readable QDA-XML project; returns
    the project and an :class:`ImportReport` listing what was left out.
    """
    if line_endings not in _LINE_ENDINGS:
        raise fail(
            f"unknown line-ending convention {line_endings!r}.",
            fix="use one of " + ", ".join(_LINE_ENDINGS) + ".",
        )
    if positions not in UNITS:
        raise fail(
            f"unknown way of counting positions {positions!r}.",
            fix="use one of " + ", ".join(UNITS) + ".",
        )
    path = Path(path)
    file = str(path)
    report = ImportReport()
    try:
        z = zipfile.ZipFile(path)
    except FileNotFoundError as err:
        raise fail("no such file.", fix="check the path.", file=file) from err
    except (zipfile.BadZipFile, OSError) as err:
        raise fail(
            "is not a .qdpx file (it is not a zip archive).",
            fix="export the project again from the other program as REFI-QDA (.qdpx).",
            file=file,
        ) from err
    with z:
        reader = ZipReader(z, name=file, error=InterviewError)  # each read is checked first
        qde = next((n for n in z.namelist() if n.lower().endswith(".qde")), None)
        if qde is None:
            raise fail(
                "has no project.qde inside.",
                fix="export the project again as REFI-QDA project (.qdpx), not codebook.",
                file=file,
            )
        root = _parse_xml(reader.read(qde), file=file, part=qde)
        if _local(root.tag) != "Project":
            raise fail(f"{qde} does not hold a QDA-XML Project.", file=file)
        ns = etree.QName(root.tag).namespace
        if ns != NS:
            report.warnings.append(f"namespace {ns!r} is not {NS!r}; read as QDA-XML 1.0.")
        elif not project_schema().validate(root):
            first = project_schema().error_log[0] if project_schema().error_log else None
            report.warnings.append(
                "project.qde does not validate against the REFI schema"
                + (f" (line {first.line}: {first.message})" if first else "")
                + "; read what could be read."
            )
        external = Path(external_sources) if external_sources is not None else None
        report.origin = (root.get("origin") or "").strip()
        counting = (positions, line_endings)
        token = _SPELLING.set({})
        try:
            project = _build(root, reader, path, file, report, counting, encoding, name, external)
        finally:
            _SPELLING.reset(token)
    problems = project.problems(file)
    if problems:
        raise InterviewError(problems, file=file)
    project.log("import-qdpx", None, file=path.name, **report.counts)
    return project, report


def _build(root, z, path, file, report, counting, encoding, name, external) -> Project:
    project = Project(
        name or root.get("name") or path.stem,
        created=_dt(root.get("creationDateTime")) or None,
        description=_text(root, "Description"),
    )
    reader = _ProjectReader(root, z, path, file, report, counting, encoding, external, project)
    reader.users()
    reader.notes()  # first: they are referred to from everywhere
    reader.codes()
    reader.variables()
    reader.sources()
    reader.cases()
    _read_sets(root, project, reader.notes_by_id)
    reader.project_notes()
    for what in ("Links", "Graphs"):
        el = _child(root, what)
        if el is not None and len(el):
            reader.warn.append(
                f"{len(el)} {what.lower()[:-1]}(s) left out: Readiness does not keep them."
            )
    report.counts = {
        "users": len(project.users),
        "codes": len(project.codes),
        "cases": len(project.participants),
        "sources": len(project.sources),
        "codings": len(project.codings),
        "memos": len(project.memos),
        "themes": len(project.themes),
    }
    if project.sets:
        report.counts["document sets"] = len(project.sets)
    return project


class _ProjectReader:
    """Reads the parts of a QDA-XML project into ``project``, one method per part; what is
    left out is a warning in the report."""

    def __init__(self, root, z, path, file, report, counting, encoding, external, project):
        self.root, self.z, self.path, self.file = root, z, path, file
        self.report, self.counting, self.encoding, self.external = (
            report,
            counting,
            encoding,
            external,
        )
        self.project = project
        self.warn: list[str] = report.warnings
        self.notes_by_id: dict[str, dict] = {}
        self.used_notes: set[str] = set()
        self.variables_by_id: dict[str, Variable] = {}
        self.skipped_sources: dict[str | None, str] = {}

    def users(self) -> None:
        project, root = self.project, self.root
        users = _child(root, "Users")
        for u in _children(users if users is not None else [], "User"):
            gid = _guid(u)
            if gid:
                project.users[gid] = User(gid, u.get("name") or u.get("id") or f"user {gid[:8]}")
        creator = _guid(root, "creatingUserGUID")
        project.creator = creator if creator in project.users else None

    def user_ref(self, el, attr):
        """The user GUID in ``attr``; a user not in the file is added under a made-up name."""
        g = _guid(el, attr)
        if g and g not in self.project.users:
            self.project.users[g] = User(g, f"user {g[:8]}")
        return g

    def notes(self) -> None:
        notes_el = _child(self.root, "Notes")
        for n in _children(notes_el, "Note") if notes_el is not None else []:
            gid = _guid(n)
            if not gid:
                continue
            text = _text(n, "PlainTextContent")
            if not text and n.get("plainTextPath"):
                read, why = _read_source_text(
                    self.z, n.get("plainTextPath"), self.external, self.file, self.encoding
                )
                if read is None:
                    self.warn.append(f"the text of note {n.get('name') or gid!r} left out: {why}")
                text = read or ""
            text, _ = normalise(text)
            self.notes_by_id[gid] = {
                "id": gid,
                "text": text,
                "title": n.get("name") or "",
                "author": self.user_ref(n, "creatingUser"),
                "created": _dt(n.get("creationDateTime")) or "",
            }

    def memo(self, note_ref, target, target_id=None, **span) -> None:
        """Attach the note a NoteRef points at to ``target`` (a note goes on one thing only)."""
        notes = self.notes_by_id
        gid = _guid(note_ref, "targetGUID")
        if gid not in notes:
            self.warn.append(f"a NoteRef points at a note that is not in the file ({gid}).")
            return
        if gid in self.used_notes:
            self.warn.append(
                f"note {notes[gid]['title'] or gid} is attached to more than one thing; "
                "kept on the first."
            )
            return
        self.used_notes.add(gid)
        self.project.memos[gid] = Memo(target=target, target_id=target_id, **notes[gid], **span)

    def codes(self) -> None:
        book = _child(self.root, "CodeBook")
        code_notes: list = []
        if book is not None and _child(book, "Codes") is not None:
            self.code_tree(_child(book, "Codes"), None, code_notes)
        for nr, gid in code_notes:
            self.memo(nr, "code", gid)

    def code_tree(self, parent_el, parent_id, code_notes: list) -> None:
        for c in _children(parent_el, "Code"):
            gid = _guid(c)
            if not gid:
                self.warn.append(f"code {c.get('name')!r} has no valid GUID and was left out.")
                continue
            fields = parse_code_description(_text(c, "Description"))
            self.project.codes[gid] = Code(
                gid,
                (c.get("name") or "(unnamed)").replace("/", "∕"),
                parent_id,
                color=_color(c.get("color")),
                codable=(c.get("isCodable", "true").strip().lower() != "false"),
                **fields,
            )
            code_notes.extend((nr, gid) for nr in _children(c, "NoteRef"))
            self.code_tree(c, gid, code_notes)

    def variables(self) -> None:
        vs = _child(self.root, "Variables")
        for v in _children(vs, "Variable") if vs is not None else []:
            gid = _guid(v)
            if gid:
                t = v.get("typeOfVariable") or "Text"
                var = Variable(gid, v.get("name") or gid, t, _text(v, "Description"))
                self.variables_by_id[gid] = self.project.variables[gid] = var

    def values(self, el) -> dict:
        """The variable values of a source or case, by variable name."""
        out = {}
        for vv in _children(el, "VariableValue"):
            ref = _child(vv, "VariableRef")
            gid = _guid(ref, "targetGUID") if ref is not None else None
            if gid not in self.variables_by_id:
                self.warn.append("a variable value refers to an unknown variable and was left out.")
                continue
            kind, value = _value(vv)
            if kind is None:
                continue
            var = self.variables_by_id[gid]
            if kind != var.type:
                self.warn.append(
                    f"variable {var.name!r} is declared {var.type} but has a {kind} value; kept "
                    "as given."
                )
            out[var.name] = value
        return out

    def sources(self) -> None:
        sources_el = _child(self.root, "Sources")
        for s in sources_el if sources_el is not None else []:
            kind = _local(s.tag)
            gid = _guid(s)
            sname = s.get("name") or gid or "(unnamed)"
            if kind != "TextSource":
                self.skipped_sources[gid] = sname
                self.warn.append(f"{kind} {sname!r} left out: only text sources are imported.")
            elif not gid:
                self.warn.append(f"text source {sname!r} has no valid GUID and was left out.")
            else:
                self.text_source(s, gid, sname)

    def _raw_text(self, s) -> tuple[str | None, str]:
        """The source's text as stored (or None), and why it could not be read."""
        if _child(s, "PlainTextContent") is not None:
            return _text(s, "PlainTextContent"), ""
        ref = s.get("plainTextPath")
        if not ref:
            return None, f"it has no plain text ({s.get('richTextPath') or 'none'})."
        return _read_source_text(self.z, ref, self.external, self.file, self.encoding)

    def text_source(self, s, gid: str, sname: str) -> None:
        project, report = self.project, self.report
        raw, why = self._raw_text(s)
        if raw is None:
            self.skipped_sources[gid] = sname
            self.warn.append(f"text source {sname!r} left out: {why}")
            return
        text, offsets = normalise(raw)
        selections = _children(s, "PlainTextSelection")
        units, line_endings = self.counting
        choice, table = choose(
            raw, _spans(selections), units=units, line_endings=line_endings, origin=report.origin
        )
        report.conventions[sname] = choice.convention
        report.positions[sname] = choice
        if (w := _positions_warning(sname, choice)) is not None:
            self.warn.append(w)
        project.sources[gid] = Transcript(
            gid,
            self._free_source_name(sname),
            text,
            format="qdpx",
            origin=self.path.name,
            created=_dt(s.get("creationDateTime")) or "",
            creator=self.user_ref(s, "creatingUser"),
            description=_text(s, "Description"),
            attributes=self.values(s),
        )
        for sel in selections:
            _selection(
                project, sel, gid, raw, text, table, offsets, self.memo, self.user_ref, self.warn
            )
        for nr in _children(s, "NoteRef"):
            self.memo(nr, "source", gid)

    def _free_source_name(self, sname: str) -> str:
        """``sname``, numbered (``name (2)``) if a source already has it."""
        base_name, k = sname, 2
        while self.project.find_source(sname) is not None:
            sname = f"{base_name} ({k})"
            k += 1
        return sname

    def cases(self) -> None:
        cases = _child(self.root, "Cases")
        for c in _children(cases, "Case") if cases is not None else []:
            gid = _guid(c)
            if gid:
                self.case(c, gid)

    def case(self, c, gid: str) -> None:
        project = self.project
        srcs = []
        for ref in _children(c, "SourceRef"):
            sg = _guid(ref, "targetGUID")
            if sg is not None and sg in project.sources:
                srcs.append(sg)
            elif sg not in self.skipped_sources:
                self.warn.append(
                    f"case {c.get('name')!r} refers to an unknown source; link left out."
                )
        code_refs = tuple(g for g in (_guid(r, "targetGUID") for r in _children(c, "CodeRef")) if g)
        sel_refs = tuple(
            g for g in (_guid(r, "targetGUID") for r in _children(c, "SelectionRef")) if g
        )
        project.participants[gid] = Participant(
            gid,
            c.get("name") or f"case {gid[:8]}",
            _text(c, "Description"),
            self.values(c),
            tuple(srcs),
            code_refs,
            sel_refs,
        )

    def project_notes(self) -> None:
        """Notes on the project, then any note nothing refers to; all in the file's order."""
        project = self.project
        for nr in _children(self.root, "NoteRef"):
            self.memo(nr, "project")
        for gid in self.notes_by_id:
            if gid not in self.used_notes:
                self.used_notes.add(gid)
                project.memos[gid] = Memo(target="project", **self.notes_by_id[gid])
        order = {gid: k for k, gid in enumerate(self.notes_by_id)}
        project.memos = dict(sorted(project.memos.items(), key=lambda kv: order.get(kv[0], 0)))


def _read_sets(root, project: Project, notes: dict) -> None:
    """Sets with member codes become themes; sets of sources alone (MAXQDA's document sets)
    become document sets, not themes without codes."""
    sets = _child(root, "Sets")
    for st in _children(sets, "Set") if sets is not None else []:
        gid = _guid(st)
        if not gid:
            continue

        def members(tag, pool, st=st):
            found = (_guid(r, "targetGUID") for r in _children(st, tag))
            return tuple(dict.fromkeys(g for g in found if g in pool))

        name = st.get("name") or "(unnamed set)"
        description = _text(st, "Description")
        sources = members("MemberSource", project.sources)
        memos = members("MemberNote", notes)
        if not _children(st, "MemberCode") and _children(st, "MemberSource"):
            project.sets[gid] = DocumentSet(gid, name, description, sources, memos)
            continue
        codes = members("MemberCode", project.codes)
        project.themes[gid] = Theme(gid, name, description, codes, sources, memos)


def _spans(selections) -> list[tuple[int, int, str]]:
    out = []
    for sel in selections:
        try:
            s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
        except (TypeError, ValueError):
            continue
        out.append((min(s, e), max(s, e), sel.get("name") or ""))
    return out


def _positions_warning(sname: str, choice: PositionChoice) -> str | None:
    """A warning when the convention chosen for a source is not sure and matters."""
    if choice.given or choice.confidence == "high" or not choice.depends:
        return None
    return (
        f"positions in {sname!r} read as {choice.words}, with {choice.confidence} confidence "
        f"({choice.evidence}); {choice.depends} selection(s) would land on other words under "
        "another convention. Check a few codings; if they are on the wrong words, import again "
        "saying how the other program counted positions (UTF-16 code units or Unicode code "
        "points, a CR LF as two or as one; on the command line --positions and --line-endings)."
    )


def _selection(project, sel, source_id, raw, text, table, offsets: OffsetMap, memo, user_ref, warn):
    gid = _guid(sel)
    t = project.sources[source_id]
    try:
        s = int(sel.get("startPosition"))
        e = int(sel.get("endPosition"))
    except (TypeError, ValueError):
        warn.append(f"a selection in {t.name!r} has no usable positions and was left out.")
        return
    if e < s:
        s, e = e, s
    rs, re_ = to_raw(s, table, len(raw)), to_raw(e, table, len(raw))
    if rs is None or re_ is None:
        warn.append(
            f"a selection in {t.name!r} ({s}-{e}) lies outside the text "
            f"({len(raw)} characters) and was left out."
        )
        return
    ns, ne = offsets.span(rs, re_)
    codings = _children(sel, "Coding")
    for cod in codings:
        ref = _child(cod, "CodeRef")
        code = _guid(ref, "targetGUID") if ref is not None else None
        if code is None or code not in project.codes:
            warn.append(f"a coding in {t.name!r} refers to an unknown code and was left out.")
            continue
        cid = _guid(cod) or new_guid()
        if ne <= ns:
            warn.append(f"a coding in {t.name!r} covers no text after normalising; left out.")
            continue
        coder = user_ref(cod, "creatingUser") or user_ref(sel, "creatingUser")
        project.codings[cid] = Coding(
            cid,
            source_id,
            ns,
            ne,
            code,
            coder,
            _dt(cod.get("creationDateTime")) or _dt(sel.get("creationDateTime")) or "",
            gid,
        )
        for nr in _children(cod, "NoteRef"):
            memo(nr, "coding", cid)
    for nr in _children(sel, "NoteRef"):
        memo(nr, "selection", gid or new_guid(), source=source_id, start=ns, end=ne)


@dataclass(frozen=True)
class QdcBook:
    """What a ``.qdc`` file holds: codes (parents before children) and sets of codes."""

    codes: list[Code]
    themes: list[Theme] = field(default_factory=list)


def read_qdc(path: str | Path) -> list[Code]:
    """The codes of a ``.qdc`` codebook file (GUIDs kept), parents before children."""
    return read_qdc_book(path).codes


def read_qdc_book(path: str | Path) -> QdcBook:
    """The codes and sets (as themes) of a ``.qdc`` codebook file, GUIDs kept as written."""
    path = Path(path)
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise fail("cannot be read.", fix="check the path.", file=file) from err
    root = _parse_xml(data, file=file)
    if _local(root.tag) != "CodeBook":
        raise fail(
            "is not a REFI-QDA codebook (its root element is not CodeBook).",
            fix="export the codebook from the other program as REFI-QDA codebook (.qdc).",
            file=file,
        )
    token = _SPELLING.set({})
    try:
        return _qdc_book(root, file)
    finally:
        _SPELLING.reset(token)


def _qdc_book(root, file: str) -> QdcBook:
    problems: list[Problem] = []
    out: list[Code] = []

    def read(parent_el, parent_id):
        for c in _children(parent_el, "Code"):
            gid = _guid(c)
            if not gid:
                problems.append(
                    Problem(
                        f"code {c.get('name')!r} has no valid GUID.", file=file, line=c.sourceline
                    )
                )
                continue
            out.append(
                Code(
                    gid,
                    (c.get("name") or "(unnamed)").replace("/", "∕"),
                    parent_id,
                    color=_color(c.get("color")),
                    codable=c.get("isCodable", "true").lower() != "false",
                    **parse_code_description(_text(c, "Description")),
                )
            )
            read(c, gid)

    codes = _child(root, "Codes")
    if codes is not None:
        read(codes, None)
    if problems:
        raise InterviewError(problems, file=file)
    known = {c.id for c in out}
    themes = []
    sets = _child(root, "Sets")
    for st in _children(sets, "Set") if sets is not None else []:
        gid = _guid(st)
        if not gid:
            continue
        # the codebook schema names members with guid; a project's sets use targetGUID
        members = (_guid(m) or _guid(m, "targetGUID") for m in _children(st, "MemberCode"))
        themes.append(
            Theme(
                gid,
                st.get("name") or "(unnamed set)",
                _text(st, "Description"),
                tuple(dict.fromkeys(g for g in members if g in known)),
            )
        )
    return QdcBook(out, themes)


def apply_qdc(project: Project, codes: list[Code], themes: Sequence[Theme] = ()) -> int:
    """Add codes read from a ``.qdc`` file; a code whose GUID is already there is skipped.
    Sets become themes, unless a theme of that name (or GUID) is there already.  Returns the
    number of codes added."""
    added = 0
    for c in codes:
        if c.id in project.codes:
            continue
        if c.parent is not None and c.parent not in project.codes:
            continue
        if any(x.name == c.name and x.parent == c.parent for x in project.codes.values()):
            continue
        project.codes[c.id] = c
        added += 1
    new_themes = 0
    for th in themes:
        if th.id in project.themes or any(t.name == th.name for t in project.themes.values()):
            continue
        project.themes[th.id] = replace(th, codes=tuple(c for c in th.codes if c in project.codes))
        new_themes += 1
    project.log("import-codebook", None, codes=added, themes=new_themes)
    return added
