"""Reading a REDCap data dictionary as an instrument, in phases: the record identifier, the
forms and their sections, the items, the conditions, the metadata, then the instrument."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from readiness.instrument.conditions import Condition, parse_condition
from readiness.instrument.dump import instrument_to_data
from readiness.instrument.interop import (
    ConversionNote,
    ConversionResult,
    ItemTarget,
    Location,
    build_with_recovery,
    drop_undefined_sources,
    moved_locations,
    numbered_items,
    parse_redcap_logic,
    read_condition,
    section_data,
    slug_id,
)
from readiness.instrument.model import Instrument
from readiness.instrument.redcap_columns import (
    RECORD_ID_LABEL,
    Annotation,
    default_form,
    default_title,
    parse_annotation,
    renamed_data,
    tag_text,
)
from readiness.instrument.redcap_fields import Choices, Field, field_item
from readiness.instrument.redcap_file import DictionaryFile, Row

SECTION_ID = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
# The columns of the record identifier's row that Readiness does not keep (it keeps the name,
# the form and the section header).
RECORD_LOST = (
    ("field_label", "label"),
    ("field_note", "field note"),
    ("text_validation_type_or_show_slider_number", "validation"),
    ("text_validation_min", "minimum"),
    ("text_validation_max", "maximum"),
    ("identifier", "identifier flag"),
    ("branching_logic", "branching logic"),
    ("required_field", "required flag"),
    ("custom_alignment", "custom alignment"),
    ("question_number", "question number"),
)
# Where each part of an item was read from, for the validator's messages.
ITEM_COLUMNS = (
    ("id", "field_name"),
    ("text", "field_label"),
    ("type", "field_type"),
    ("choices", "select_choices_or_calculations"),
    ("help", "field_note"),
    ("min", "text_validation_min"),
    ("max", "text_validation_max"),
    ("integer", "text_validation_type_or_show_slider_number"),
    ("key", "field_annotation"),
    ("explanation", "field_annotation"),
    ("source", "field_annotation"),
    ("hidden", "field_annotation"),
    ("show_if", "branching_logic"),
)


@dataclass
class _Section:
    id: str
    form: str
    first_row: int
    title: str = ""
    intro: str = ""
    items: list[dict] = field(default_factory=list)
    rows: int = 0
    condition_text: str | None = None
    condition_row: int | None = None
    condition: Condition | None = None


def read_redcap_dictionary(
    path: str | Path,
    *,
    base: Instrument | None = None,
    instrument_id: str | None = None,
    version: str | None = None,
    title: str | None = None,
) -> ConversionResult:
    """Read a REDCap data dictionary (CSV) as an instrument.

    ``base``: an instrument to take scales and indicators from (a REDCap dictionary has no
    place for them), and the description, notice and sources when the file does not carry
    them. ``instrument_id``, ``version`` and ``title`` override what the file says (or, for a
    dictionary not written by Readiness, the defaults taken from the file name).

    Raises :class:`ConversionError` listing every fatal problem (missing required columns,
    duplicate field names, malformed choices, unknown field types, split forms, fields that do
    not make a valid item) with its row and column. Everything that is read but cannot be
    mapped is listed, field by field, in the result's ``unmapped``. Rows are counted as in
    :class:`readiness.errors.Problem`: the first row after the header is row 1.
    """
    path = Path(path)
    reader = DictionaryFile(path)
    rows = reader.rows()
    choices = reader.check(rows)
    record = _record_row(reader, rows)
    meta = parse_annotation(record["field_annotation"]) if record else Annotation()
    for error in meta.errors:
        reader.note("warning", record, "field_annotation", error, 'write the tag as @TAG="value".')
    for lost in [*meta.other_tags, *([repr(meta.text)] if meta.text else [])]:
        reader.note(
            "warning",
            record,
            "field_annotation",
            f"the record identifier's annotation {lost} is not kept (Readiness keeps its name "
            "only).",
        )
    ours = tag_text(meta.tags.get("INSTRUMENT"))
    gather = _Gather(reader, choices, {r["form_name"] for r in rows})
    gather.read(rows, record)
    gather.conditions(rows)
    data = _metadata(reader, path, meta.tags, base, instrument_id, version, title)
    if record is not None and (not ours or "RECORD-ID" in meta.tags):
        data["record_id"] = tag_text(meta.tags.get("RECORD-ID")) or record["field_name"]
    return _build(reader, gather, data, base, default_form(ours) if ours else None)


# --------------------------------------------------------------------------------------------
# The record identifier


def _record_row(reader: DictionaryFile, rows: list[Row]) -> Row | None:
    """The first row when it is REDCap's record identifier (a text field), else None: a first
    field of another type is a question, read as an item."""
    first = rows[0]
    if first["field_type"].lower() != "text":
        reader.note(
            "warning",
            first,
            "field_type",
            "REDCap's first field is its record identifier, which must be a text field; this "
            f"one is a {first['field_type'] or 'field'} question, read as an item. Written back "
            "to REDCap, a record_id field comes before it.",
            "put the record identifier (e.g. record_id) first.",
        )
        return None
    reader.note(
        "warning",
        first,
        "field_name",
        f"the first field, '{first['field_name']}', is REDCap's record identifier; it is the "
        "response id, not an item.",
    )
    for column, what in RECORD_LOST:
        value = first[column]
        if value and not (column == "field_label" and value == RECORD_ID_LABEL):
            reader.note(
                "warning",
                first,
                column,
                f"the record identifier's {what} {value!r} is not kept (Readiness keeps its "
                f"name only); written back, it is {_written_back(column)}.",
            )
    return first


def _written_back(column: str) -> str:
    return f"'{RECORD_ID_LABEL}'" if column == "field_label" else "empty"


# --------------------------------------------------------------------------------------------
# Forms, sections and items


class _Gather:
    """The sections and items of the dictionary, gathered row by row."""

    def __init__(self, reader: DictionaryFile, choices: dict[str, Choices], forms: set[str]):
        self.reader = reader
        self.choices = choices
        self.forms = forms
        self.sections: list[_Section] = []
        self.derived: set[str] = set()  # the ids given from form names
        self.locations: dict[str, Location] = {}
        self.logic: dict[tuple[int, int], tuple[str, Row]] = {}
        self.set_tags: dict[str, list[tuple[int, int, list]]] = {}
        self.targets: dict[str, ItemTarget] = {}  # by variable name, as logic names them
        self.item_ids: dict[str, str] = {}  # variable name -> item id, where they differ
        self.fields: dict[str, str] = {}  # item id -> variable name
        self.matrix_warned: set[str] = set()
        self.record_header: tuple[Row, str] | None = None

    @property
    def ids(self) -> set[str]:
        return {s.id for s in self.sections}

    def start(self, form: str, row: Row, title: str) -> _Section:
        sid, n = form, 2
        while sid in self.derived or sid in self.ids or (sid != form and sid in self.forms):
            sid, n = f"{form}_{n}", n + 1
        self.derived.add(sid)
        section = _Section(id=sid, form=form, first_row=row.number, title=title)
        self.sections.append(section)
        self.locations[f"sections[{len(self.sections) - 1}]"] = Location(
            field=sid, row=row.number, column=self.reader.headers.get("form_name")
        )
        return section

    def read(self, rows: list[Row], record: Row | None) -> None:
        self.record = record
        current: _Section | None = None
        if record is not None:
            current = self.start(record["form_name"], record, record["section_header"])
            self.locations[""] = Location(row=record.number)
            if record["section_header"]:
                self.record_header = (record, record["section_header"])
        else:
            self.locations[""] = Location(row=rows[0].number)
        for row in rows[1:] if record is not None else rows:
            current = self.section_for(current, row)
            self.field(current, row)

    def section_for(self, current: _Section | None, row: Row) -> _Section:
        form, header = row["form_name"], row["section_header"]
        if current is None or current.form != form:
            if current is not None and len(self.sections) == 1 and self.record is not None:
                self.record_alone(current, form)
            return self.start(form, row, header)
        if header and (current.rows or current.intro):
            current = self.start(form, row, header)
            self.reader.note(
                "warning",
                row,
                "section_header",
                f"the section header {header!r} inside form '{form}' starts a new section, "
                f"'{current.id}'.",
            )
        elif current.rows == 0 and not current.intro:
            self.first_field_header(current, row, header)
        return current

    def record_alone(self, current: _Section, form: str) -> None:
        """The record identifier's form holds nothing else: the form is not kept."""
        if current.rows or current.intro:
            return
        header = f" and its section header {self.record_header[1]!r}" if self.record_header else ""
        self.record_header = None
        self.reader.note(
            "unmapped",
            self.record,
            "form_name",
            f"form '{current.form}' holds only the record identifier: the form{header} is not "
            f"kept; written back, the record identifier stands first in form '{form}'.",
        )

    def first_field_header(self, current: _Section, row: Row, header: str) -> None:
        """The first field of the record identifier's form; its header and the record
        identifier's both title the section."""
        if self.record_header is None:
            current.title = current.title or header
            return
        record, record_header = self.record_header
        self.record_header = None
        if header:
            self.reader.note(
                "unmapped",
                record,
                "section_header",
                f"the section header {record_header!r} on the record identifier's row is "
                f"followed by another, {header!r}, on the form's first field; only the second "
                "is kept (as the section's title).",
            )
            current.title = header
        else:
            self.reader.note(
                "warning",
                record,
                "section_header",
                f"the section header {record_header!r} on the record identifier's row is kept "
                f"as the title of section '{current.id}'; written back, it stands on the form's "
                f"first field, '{row['field_name']}'.",
            )

    def field(self, current: _Section, row: Row) -> None:
        annotation = parse_annotation(row["field_annotation"])
        for error in annotation.errors:
            self.reader.note(
                "warning", row, "field_annotation", error, 'write the tag as @TAG="value".'
            )
        self.section_tags(current, row, annotation)
        current.rows += 1
        if row["field_type"].lower() == "descriptive" and annotation.tags.get("INTRO"):
            self.intro(current, row)
            return
        item = field_item(
            Field(
                self.reader,
                row,
                annotation,
                self.choices.get(row["field_name"]),
                self.matrix_warned,
                self.targets,
            )
        )
        if item is not None:
            self.add_item(current, row, item)

    def section_tags(self, current: _Section, row: Row, annotation: Annotation) -> None:
        """@READINESS-SECTION (the section's id) and -SECTION-IF, on a section's first row."""
        first = current.rows == 0
        for name in ("SECTION", "SECTION-IF"):
            value = annotation.tags.pop(name, None)
            if value is None:
                continue
            if not first or not isinstance(value, str):
                self.reader.note(
                    "warning",
                    row,
                    "field_annotation",
                    f"@READINESS-{name} is only read on the first field of a section; ignored.",
                )
            elif name == "SECTION-IF":
                current.condition_text, current.condition_row = value, row.number
            else:
                self.rename(current, row, value)

    def rename(self, current: _Section, row: Row, sid: str) -> None:
        if not SECTION_ID.match(sid) or sid in self.ids - {current.id}:
            self.reader.note(
                "warning",
                row,
                "field_annotation",
                f"@READINESS-SECTION={sid} is not a free section id; the section is "
                f"'{current.id}'.",
            )
            return
        current.id = sid
        key = f"sections[{len(self.sections) - 1}]"
        self.locations[key] = replace(self.locations[key], field=sid)

    def intro(self, current: _Section, row: Row) -> None:
        if current.items or current.intro:
            self.reader.note(
                "warning",
                row,
                "field_type",
                "@READINESS-INTRO is only read before a section's first item; the text is not "
                "kept.",
                "move the descriptive field to the start of its form.",
            )
            return
        current.intro = row["field_label"]
        current.rows -= 1  # the intro does not start the section's content

    def add_item(self, current: _Section, row: Row, item: dict) -> None:
        s_index, i_index = len(self.sections) - 1, len(current.items)
        ipath = f"sections[{s_index}].items[{i_index}]"
        h = self.reader.headers
        self.locations[ipath] = Location(
            field=item["id"], row=row.number, column=h.get("field_name")
        )
        for sub, column in ITEM_COLUMNS:
            self.locations[f"{ipath}.{sub}"] = Location(
                field=item["id"], row=row.number, column=h.get(column, column)
            )
        choice_set = item.pop("_choice_set", None)
        if choice_set:
            self.set_tags.setdefault(str(choice_set), []).append(
                (s_index, i_index, item["choices"])
            )
        current.items.append(item)
        name = row["field_name"]
        self.targets[name] = ItemTarget.from_data(item)
        self.fields[item["id"]] = name
        if name != item["id"]:
            self.item_ids[name] = item["id"]
        if "calculation" in item:
            item["calculation"] = renamed_data(item["calculation"], self.item_ids)
        if row["branching_logic"]:
            self.logic[(s_index, i_index)] = (row["branching_logic"], row)

    # conditions ---------------------------------------------------------------------------
    def conditions(self, rows: list[Row]) -> None:
        """Sections' and items' conditions, now that every item is known."""
        items = (i for s in self.sections for i in s.items)
        self.order = {self.fields[item["id"]]: n for n, item in enumerate(items)}
        position = 0
        for s_index, section in enumerate(self.sections):
            first_position, position = position, position + len(section.items)
            if section.condition_text is None:
                continue
            row = next(r for r in rows if r.number == section.condition_row)
            section.condition = self.condition(
                section.condition_text,
                row,
                first_position,
                f"section {section.id}",
                "field_annotation",
            )
            if section.condition is not None:
                self.locations[f"sections[{s_index}].show_if"] = Location(
                    field=section.id,
                    row=row.number,
                    column=self.reader.headers.get("field_annotation"),
                )
        for s_index, i_index, here, item in numbered_items(self.sections):
            if (s_index, i_index) in self.logic:
                self.item_condition(
                    self.sections[s_index], item, self.logic[(s_index, i_index)], here
                )

    def item_condition(
        self, section: _Section, item: dict, logic: tuple[str, Row], here: int
    ) -> None:
        text, row = logic
        if section.condition_text is not None and section.condition is not None:
            own = _strip_section(text, section.condition_text)
            if own is None:
                self.reader.note(
                    "warning",
                    row,
                    "branching_logic",
                    "the branching logic does not repeat its section's condition "
                    f"({section.condition_text!r}); both apply in Readiness.",
                )
            elif own == "":
                return
            else:
                text = own
        condition = self.condition(text, row, here, f"item {item['id']}", "branching_logic")
        if condition is not None:
            item["show_if"] = condition.to_data()

    def condition(
        self, text: str, row: Row, position: int, owner: str, column: str
    ) -> Condition | None:
        """The condition, its items named by their ids (logic names their variables)."""
        condition = read_condition(
            parse_redcap_logic,
            text,
            self.targets,
            self.order,
            position,
            owner,
            language="branching logic",
            unit="field",
            report=lambda message, fix: self.reader.note("unmapped", row, column, message, fix),
        )
        if condition is None or not self.item_ids:
            return condition
        return parse_condition(renamed_data(condition.to_data(), self.item_ids))

    def choice_sets(self) -> dict[str, list]:
        """Choice sets named by @READINESS-CHOICES, when every item that names one agrees."""
        out: dict[str, list] = {}
        for name, uses in self.set_tags.items():
            lists = [u[2] for u in uses]
            if all(lst == lists[0] for lst in lists):
                out[name] = lists[0]
                for s_index, i_index, _ in uses:
                    self.sections[s_index].items[i_index]["choices"] = name
            else:
                self.reader.warnings.append(
                    ConversionNote(
                        message=f"items tagged @READINESS-CHOICES={name} have different choices; "
                        "each keeps its own.",
                        file=self.reader.file,
                    )
                )
        return out


def _strip_section(text: str, section_text: str) -> str | None:
    """The item's own logic, when it was written as ``(S) and (I)`` or ``S``; else None."""
    if text.strip() == section_text.strip():
        return ""
    prefix = f"({section_text}) and ("
    if text.startswith(prefix) and text.endswith(")"):
        return text[len(prefix) : -1]
    return None


# --------------------------------------------------------------------------------------------
# The instrument


def _metadata(
    reader: DictionaryFile,
    path: Path,
    tags: dict[str, Any],
    base: Instrument | None,
    instrument_id: str | None,
    version: str | None,
    title: str | None,
) -> dict[str, Any]:
    """Instrument metadata: the arguments, then the tags on the record identifier, then the
    original instrument (``base``), then defaults from the file name (reported)."""
    data = _identity(reader, path, tags, instrument_id, version, title)
    base_data = instrument_to_data(base) if base is not None else {}
    for key, tag in (
        ("description", "DESCRIPTION"),
        ("notice", "NOTICE"),
        ("language", "LANGUAGE"),
    ):
        value = tag_text(tags.get(tag)) or base_data.get(key)
        if value:
            data[key] = value
    sources = tags.get("SOURCES") if isinstance(tags.get("SOURCES"), dict) else None
    if sources is None and base is not None:
        sources = base_data.get("sources")
    if sources:
        data["sources"] = sources
    if tag_text(tags.get("LANGUAGE-NAME")):
        data["language_name"] = tag_text(tags.get("LANGUAGE-NAME"))
    if base is not None:
        for kind in ("scales", "indicators", "translations", "analysis"):
            if base_data.get(kind):
                data[kind] = base_data[kind]
    elif "INSTRUMENT" in tags:
        reader.warnings.append(
            ConversionNote(
                message="this dictionary was written from a Readiness instrument; its scales, "
                "indicators, translations and analysis block cannot be held in a REDCap "
                "dictionary and are not read.",
                fix="pass the original instrument (base=, or --base FILE) to restore them.",
                file=reader.file,
            )
        )
    return data


def _identity(
    reader: DictionaryFile,
    path: Path,
    tags: dict[str, Any],
    instrument_id: str | None,
    version: str | None,
    title: str | None,
) -> dict[str, Any]:
    """The instrument's id, version and title; defaults from the file name are reported."""
    inst_id = instrument_id or tag_text(tags.get("INSTRUMENT"))
    inst_version = version or tag_text(tags.get("VERSION"))
    inst_title = title or tag_text(tags.get("TITLE"))
    defaults = []
    if not inst_id:
        inst_id = slug_id(path.stem, "redcap")
        defaults.append(f"id '{inst_id}'")
    if not inst_version:
        inst_version = "1"
        defaults.append("version 1")
    if not inst_title:
        inst_title = path.stem
        defaults.append(f"title '{inst_title}'")
    if defaults:
        reader.warnings.append(
            ConversionNote(
                message="the data dictionary does not say the instrument's "
                + ", ".join(d.split(" ")[0] for d in defaults)
                + "; using "
                + ", ".join(defaults)
                + ".",
                fix="pass the id, version and title explicitly, or edit the instrument YAML.",
                file=reader.file,
            )
        )
    return {"id": inst_id, "version": inst_version, "title": inst_title}


def _build(
    reader: DictionaryFile,
    gather: _Gather,
    data: dict[str, Any],
    base: Instrument | None,
    own_form: str | None,
) -> ConversionResult:
    """The instrument from the data gathered: sources checked, empty sections left out."""
    _drop_sources(reader, gather, data.get("sources"))
    choice_sets = gather.choice_sets()
    if choice_sets:
        data["choice_sets"] = {
            name: [{"code": c["code"], "label": c["label"]} for c in lst]
            for name, lst in choice_sets.items()
        }
    locations = {"": gather.locations[""]}
    for kind in ("scales", "indicators"):
        for index, entry in enumerate(data.get(kind, [])):
            locations[f"{kind}[{index}]"] = Location(field=entry["id"])
    data["sections"] = []
    kept = []
    for s_index, section in enumerate(gather.sections):
        if not section.items:
            _empty_section(reader, section)
            continue
        locations.update(moved_locations(gather.locations, s_index, len(data["sections"])))
        entry = section_data(section, section.title or default_title(section.form))
        if section.form != own_form:
            entry["form"] = section.form
        data["sections"].append(entry)
        kept.append(section)

    if "translations" in data:
        data["translations"] = _known_texts(data["translations"], data["sections"])

    def source_text(s_index: int, i_index: int | None) -> str:
        section = kept[s_index]
        if i_index is None:
            return section.condition_text or ""
        old = gather.sections.index(section)
        return gather.logic.get((old, i_index), ("", None))[0]

    instrument = build_with_recovery(data, locations, reader.file, reader.unmapped, source_text)
    return reader.result(instrument, "redcap")


def _known_texts(translations: dict, sections: list[dict]) -> dict:
    """The base instrument's translations of the sections and items that were read."""
    section_ids = {s["id"] for s in sections}
    item_ids = {i["id"] for s in sections for i in s["items"]}
    out = {}
    for language, body in translations.items():
        body = dict(body)
        for key, known in (("sections", section_ids), ("items", item_ids)):
            if key in body:
                body[key] = {k: v for k, v in body[key].items() if k in known}
        out[language] = body
    return out


def _empty_section(reader: DictionaryFile, section: _Section) -> None:
    if section.rows:
        reader.warnings.append(
            ConversionNote(
                message=f"form section '{section.id}' has no field that could be mapped; it is "
                "left out.",
                field=section.id,
                file=reader.file,
                row=section.first_row,
                column=reader.headers.get("form_name"),
            )
        )


def _drop_sources(reader: DictionaryFile, gather: _Gather, sources: dict | None) -> None:
    for item, source in drop_undefined_sources(gather.sections, sources):
        location = next(
            loc
            for key, loc in gather.locations.items()
            if loc.field == item["id"] and key.endswith("]")
        )
        reader.warnings.append(
            ConversionNote(
                message=f"cites source '{source}', which the dictionary does not define; the "
                "citation is not kept.",
                fix="pass the original instrument as base, or add the source in the YAML.",
                field=item["id"],
                file=reader.file,
                row=location.row,
                column=reader.headers.get("field_annotation"),
            )
        )
