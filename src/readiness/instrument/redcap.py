"""REDCap data dictionaries: read them as instruments, write instruments as them.

A REDCap data dictionary is a CSV file, one row per field. Two forms are read, each with
either header style:

* the 18-column form of current REDCap, with the designer's headers ("Variable / Field Name",
  ..., "Matrix Group Name", "Matrix Ranking?", "Field Annotation") or the API's (``field_name``,
  ..., ``matrix_group_name``, ``matrix_ranking``, ``field_annotation``);
* the 16-column form of older REDCap, which ends at "Matrix Group Name": it lacks the last two
  columns, "Matrix Ranking?" and "Field Annotation". (Checked against public readers of older
  exports: chop-dbhi/origins reads a 16-field dictionary ending in ``matrix_group_name``; the
  NLM CDE repository's exporter writes 17 columns, adding "Matrix Ranking?" but not "Field
  Annotation", and a 17-column file is read too.) Without "Field Annotation" there are no
  action tags, so a 16-column file carries none of our ``@READINESS-...`` tags.

Columns are found by their header, not their position.

How fields map (and the rule for Likert items):

==========================  ===================================================================
REDCap                      Readiness
==========================  ===================================================================
form                        section (its first Section Header is the title; a later Section
                            Header inside a form starts a new section ``<form>_2``)
first field                 REDCap's record identifier: not an item (it is the response id)
radio / dropdown            single_choice; **likert** when the annotation says
                            ``@READINESS-TYPE=likert``, or when the field is a radio in a
                            matrix group whose codes are all whole numbers (REDCap's matrix is
                            its Likert grid; a warning says the rule was applied)
radio + ``@READINESS-TYPE=true_false``  true_false (1 True, 0 False, 8 Don't know), with
                            ``@READINESS-KEY``, ``@READINESS-EXPLANATION``, ``@READINESS-SOURCE``
truefalse                   single_choice (1 True, 0 False) with a warning: REDCap's true-false
                            has no "don't know" and no answer key
checkbox                    multiple_choice
yesno                       yes_no
text (integer / number)     number, with Text Validation Min / Max
text                        text; ``@READINESS-TYPE=month_year`` makes it month_year
text (date_*, datetime_*,   not mapped (we have month and year only)
time*)
notes                       text
descriptive                 not mapped, unless ``@READINESS-INTRO`` (then the section's intro)
calc, file, slider, sql     not mapped
``@HIDDEN``                 hidden (``@HIDDEN-SURVEY`` too)
Branching Logic             show_if, in the subset of :mod:`readiness.instrument.interop`
==========================  ===================================================================

What a REDCap dictionary cannot hold: **scales** and **indicators**. REDCap's calculated fields
compute per record in REDCap's own syntax and have no minimum number of answered items, no
reverse keying of our kind and no published figures, so :func:`write_redcap_dictionary` lists
every scale and indicator in ``unmapped``. :func:`read_redcap_dictionary` takes them from an
original instrument when given one (``base=``); they are validated against the items read and
any that no longer fit are reported. Instrument metadata (id, version, title, language,
description, notice, sources) rides as ``@READINESS-...`` tags on the record identifier's
annotation; a section's own condition as ``@READINESS-SECTION-IF`` on its first row (REDCap
forms have no branching logic, so the written logic of each item also includes it).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.errors import ConversionError, Problem
from readiness.instrument.conditions import Condition
from readiness.instrument.dump import instrument_to_data
from readiness.instrument.interop import (
    ConversionNote,
    ConversionResult,
    FileReader,
    ItemTarget,
    Location,
    build_with_recovery,
    code_from_text,
    codes_fit_likert,
    drop_undefined_sources,
    format_number,
    format_redcap_logic,
    has_fixed_codes,
    moved_locations,
    number_from_text,
    numbered_items,
    parse_redcap_logic,
    read_condition,
    section_data,
    slug_id,
    unique_name,
    valid_code,
    write_condition,
)
from readiness.instrument.model import Instrument, Item

API_COLUMNS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
DESIGNER_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
REQUIRED_COLUMNS = ("field_name", "form_name", "field_type", "field_label")
FIELD_TYPES = (
    "text",
    "notes",
    "radio",
    "dropdown",
    "checkbox",
    "yesno",
    "truefalse",
    "descriptive",
    "calc",
    "file",
    "slider",
    "sql",
)
CHOICE_FIELDS = ("radio", "dropdown", "checkbox")
NOT_MAPPED = {
    "descriptive": (
        "a descriptive field shows text and collects no answer; Readiness has no display-only "
        "items.",
        "if it introduces the section, tag it @READINESS-INTRO, or put its text in a section "
        "intro in the instrument YAML.",
    ),
    "calc": (
        "a calculated field is computed by REDCap; Readiness computes scores from scales and "
        "indicators.",
        "define the score as a scale or an indicator in the instrument YAML.",
    ),
    "file": (
        "a file upload has no Readiness item type (anonymous surveys collect no files).",
        "leave it out, or ask for the information as text.",
    ),
    "slider": (
        "a slider (visual analogue scale) has no Readiness item type.",
        "use a number item with min 0 and max 100, or a Likert item.",
    ),
    "sql": (
        "a dynamic SQL field depends on the REDCap server's database.",
        "use a single choice item with its choices written out.",
    ),
}
DATE_VALIDATION = re.compile(r"^(date|datetime|time)")
HIDDEN_TAGS = ("HIDDEN", "HIDDEN-SURVEY")
RECORD_ID_LABEL = "Record ID"


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


_HEADER_KEYS = {_key(d): a for d, a in zip(DESIGNER_COLUMNS, API_COLUMNS, strict=True)}
_HEADER_KEYS.update({_key(a): a for a in API_COLUMNS})
_HEADER_PREFIXES = (
    ("choices", "select_choices_or_calculations"),
    ("branchinglogic", "branching_logic"),
    ("textvalidationtype", "text_validation_type_or_show_slider_number"),
    ("questionnumber", "question_number"),
    ("variablefieldname", "field_name"),
)


def _column_for(header: str) -> str | None:
    key = _key(header)
    if key in _HEADER_KEYS:
        return _HEADER_KEYS[key]
    for prefix, column in _HEADER_PREFIXES:
        if key.startswith(prefix):
            return column
    return None


# --------------------------------------------------------------------------------------------
# Field annotations: our tags and REDCap's action tags


@dataclass
class Annotation:
    tags: dict[str, Any] = field(default_factory=dict)  # @READINESS-NAME -> value (True if bare)
    hidden: bool = False
    other_tags: list[str] = field(default_factory=list)
    text: str = ""  # what is left when the tags are taken out
    errors: list[str] = field(default_factory=list)


def parse_annotation(text: str) -> Annotation:
    """Split a Field Annotation into our ``@READINESS-...`` tags, REDCap's tags and free text."""
    out = Annotation()
    rest: list[str] = []
    i, n = 0, len(text)
    tag = re.compile(r"@([A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*)")
    while i < n:
        at = text.find("@", i)
        m = tag.match(text, at) if at >= 0 else None
        while at >= 0 and m is None:
            at = text.find("@", at + 1)
            m = tag.match(text, at) if at >= 0 else None
        if m is None:
            rest.append(text[i:])
            break
        rest.append(text[i:at])
        name = m.group(1)
        j = m.end()
        value: Any = True
        if j < n and text[j] == "=":
            j += 1
            if j < n and text[j] in '"{[':
                try:
                    value, end = json.JSONDecoder().raw_decode(text, j)
                    j = end
                except ValueError:
                    out.errors.append(f"@{name} has a value that is not valid JSON.")
                    end = j
                    while end < n and not text[end].isspace():
                        end += 1
                    value, j = text[j:end], end
            elif j < n and text[j] == "'":
                end = text.find("'", j + 1)
                end = n if end < 0 else end
                value, j = text[j + 1 : end], min(end + 1, n)
            else:
                end = j
                while end < n and not text[end].isspace():
                    end += 1
                value, j = text[j:end], end
        elif j < n and text[j] == "(":
            depth, end = 0, j
            while end < n:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
            j = end
        if name.startswith("READINESS-"):
            out.tags[name[len("READINESS-") :]] = value
        elif name in HIDDEN_TAGS:
            out.hidden = True
        else:
            out.other_tags.append("@" + name)
        i = j
    out.text = " ".join(" ".join(rest).split())
    return out


def _tag(name: str, value: Any = None) -> str:
    if value is None:
        return f"@READINESS-{name}"
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.-]+", value):
        return f"@READINESS-{name}={value}"
    return f"@READINESS-{name}=" + json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Row:
    number: int  # 1-based data row, header excluded
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


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


class _Reader(FileReader):
    def __init__(self, path: Path):
        super().__init__(path)
        self.headers: dict[str, str] = {}  # our column -> the file's header

    # notes --------------------------------------------------------------------------------
    def note(
        self, kind: str, row: _Row | None, column: str | None, message: str, fix: str = ""
    ) -> None:
        target = self.unmapped if kind == "unmapped" else self.warnings
        target.append(
            ConversionNote(
                message=message,
                fix=fix,
                field=(row["field_name"] or None) if row else None,
                file=self.file,
                row=row.number if row else None,
                column=self.headers.get(column, column) if column else None,
            )
        )

    def problem(self, row: _Row | None, column: str | None, message: str, fix: str) -> Problem:
        field_name = row["field_name"] if row else ""
        return Problem(
            message=(f"{field_name}: " if field_name else "") + message,
            fix=fix,
            file=self.file,
            row=row.number if row else None,
            column=self.headers.get(column, column) if column else None,
        )

    # the file -----------------------------------------------------------------------------
    def rows(self) -> list[_Row]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise self.fatal("no such file.", "check the path.") from None
        except OSError as err:
            raise self.fatal(f"cannot be read: {err.strerror}.", "check the path.") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise self.fatal(
                f"not UTF-8 text (byte {err.start}).", "save the data dictionary as CSV UTF-8."
            ) from None
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as err:
            raise self.fatal(f"not a readable CSV file: {err}.", "save it as CSV.") from None
        if not table or not any(cell.strip() for cell in table[0]):
            raise self.fatal(
                "the file is empty: a data dictionary starts with a header row.",
                "download the data dictionary from REDCap again.",
            )
        header = table[0]
        problems: list[Problem] = []
        index: dict[str, int] = {}
        unknown = []
        for position, name in enumerate(header):
            column = _column_for(name)
            if column is None:
                if name.strip():
                    unknown.append(name)
                continue
            if column in index:
                problems.append(
                    Problem(
                        f"column '{name}' appears twice (as '{header[index[column]]}').",
                        fix="remove one of them.",
                        file=self.file,
                        column=name,
                    )
                )
                continue
            index[column] = position
            self.headers[column] = name.strip()
        for column in REQUIRED_COLUMNS:
            if column not in index:
                designer = DESIGNER_COLUMNS[API_COLUMNS.index(column)]
                problems.append(
                    Problem(
                        f"the required column '{designer}' (API: {column}) is missing.",
                        fix="use REDCap's data dictionary headers; found: "
                        + ", ".join(h for h in header if h.strip())
                        + ".",
                        file=self.file,
                    )
                )
        if problems:
            raise ConversionError(problems, file=self.file)
        for name in unknown:
            self.warnings.append(
                ConversionNote(
                    message=f"column '{name}' is not a REDCap data dictionary column; ignored.",
                    fix="remove it, or check its spelling.",
                    file=self.file,
                    column=name,
                )
            )
        rows = []
        for number, cells in enumerate(table[1:], start=1):
            if not any(cell.strip() for cell in cells):
                continue
            values = {
                column: (cells[position].strip() if position < len(cells) else "")
                for column, position in index.items()
            }
            rows.append(_Row(number, values))
        if not rows:
            raise self.fatal(
                "the data dictionary has a header but no fields.", "add the fields, one per row."
            )
        return rows

    def check(self, rows: list[_Row]) -> dict[str, list[tuple[int | str, str]]]:
        """Fatal problems, all at once; returns the parsed choices of each field."""
        problems: list[Problem] = []
        seen: dict[str, int] = {}
        forms_done: set[str] = set()
        current_form = None
        choices: dict[str, list[tuple[int | str, str]]] = {}
        for row in rows:
            name, form, kind = row["field_name"], row["form_name"], row["field_type"].lower()
            if not name:
                problems.append(
                    self.problem(row, "field_name", "the field has no name.", "name every field.")
                )
            elif name in seen:
                problems.append(
                    self.problem(
                        row,
                        "field_name",
                        f"the field name is used twice (first at row {seen[name]}).",
                        "give each field its own name.",
                    )
                )
            else:
                seen[name] = row.number
            if not form:
                problems.append(
                    self.problem(row, "form_name", "the field has no form name.", "name its form.")
                )
            elif form != current_form:
                if form in forms_done:
                    problems.append(
                        self.problem(
                            row,
                            "form_name",
                            f"form '{form}' starts again after other forms; REDCap keeps a "
                            "form's fields together.",
                            f"move all the fields of '{form}' next to each other.",
                        )
                    )
                if current_form is not None:
                    forms_done.add(current_form)
                current_form = form
            if kind not in FIELD_TYPES:
                problems.append(
                    self.problem(
                        row,
                        "field_type",
                        f"field type {row['field_type']!r} is not a REDCap field type.",
                        "use one of " + ", ".join(FIELD_TYPES) + ".",
                    )
                )
            if kind in CHOICE_FIELDS:
                parsed, errors = _parse_choices(row["select_choices_or_calculations"])
                for message, fix in errors:
                    problems.append(
                        self.problem(row, "select_choices_or_calculations", message, fix)
                    )
                if not errors:
                    choices[name] = parsed
        if rows and rows[0]["field_type"].lower() not in ("text", ""):
            self.note(
                "warning",
                rows[0],
                "field_type",
                "REDCap's first field is the record identifier and should be a text field.",
                "put the record identifier (e.g. record_id) first.",
            )
        if problems:
            raise ConversionError(problems, file=self.file)
        return choices


def _parse_choices(text: str) -> tuple[list[tuple[int | str, str]], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    out: list[tuple[int | str, str]] = []
    if not text.strip():
        return [], [("a choice field has no choices.", "write them as '1, Label | 2, Label'.")]
    seen: set[str] = set()
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        if "," not in part:
            errors.append(
                (
                    f"choice {part!r} has no code.",
                    "write each choice as 'code, label', e.g. '1, Yes | 0, No'.",
                )
            )
            continue
        raw, label = part.split(",", 1)
        code = code_from_text(raw)
        if raw.strip() == "" or not valid_code(code):
            errors.append(
                (
                    f"choice code {raw.strip()!r} is not a whole number or a word.",
                    "use codes such as 1, 2, 3 or short words without spaces.",
                )
            )
            continue
        if str(code) in seen:
            errors.append((f"choice code {code} is used twice.", "give each choice its own code."))
            continue
        seen.add(str(code))
        out.append((code, label.strip()))
    if not out and not errors:
        errors.append(("a choice field has no choices.", "write them as '1, Label | 2, Label'."))
    return out, errors


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
    reader = _Reader(path)
    rows = reader.rows()
    choices = reader.check(rows)
    file = reader.file
    note = reader.note

    record = rows[0]
    meta = parse_annotation(record["field_annotation"])
    note(
        "warning",
        record,
        "field_name",
        f"the first field, '{record['field_name']}', is REDCap's record identifier; it is the "
        "response id, not an item.",
    )
    if meta.errors:
        for error in meta.errors:
            note("warning", record, "field_annotation", error, 'write the tag as @TAG="value".')

    sections: list[_Section] = []
    section_ids: set[str] = set()
    taken_forms = {row["form_name"] for row in rows}
    locations: dict[str, Location] = {"": Location(row=record.number)}
    logic: dict[tuple[int, int], tuple[str, _Row]] = {}
    set_tags: dict[str, list[tuple[int, int, list]]] = {}
    items_seen: dict[str, ItemTarget] = {}
    matrix_warned: set[str] = set()

    def start_section(form: str, row: _Row, title_text: str) -> _Section:
        sid, n = form, 2
        while sid in section_ids or (sid != form and sid in taken_forms):
            sid, n = f"{form}_{n}", n + 1
        section_ids.add(sid)
        section = _Section(id=sid, form=form, first_row=row.number, title=title_text)
        sections.append(section)
        locations[f"sections[{len(sections) - 1}]"] = Location(
            field=sid, row=row.number, column=reader.headers.get("form_name")
        )
        return section

    current: _Section | None = None
    for position, row in enumerate(rows):
        form = row["form_name"]
        header = row["section_header"]
        if current is None or current.form != form:
            current = start_section(form, row, header)
        elif header:
            if current.rows or current.intro:
                current = start_section(form, row, header)
                note(
                    "warning",
                    row,
                    "section_header",
                    f"the section header {header!r} inside form '{form}' starts a new section, "
                    f"'{current.id}'.",
                )
            else:
                current.title = current.title or header
        if position == 0:
            continue  # the record identifier
        annotation = parse_annotation(row["field_annotation"])
        for error in annotation.errors:
            note("warning", row, "field_annotation", error, 'write the tag as @TAG="value".')
        section_if = annotation.tags.pop("SECTION-IF", None)
        if section_if is not None:
            if current.rows == 0 and isinstance(section_if, str):
                current.condition_text = section_if
                current.condition_row = row.number
            else:
                note(
                    "warning",
                    row,
                    "field_annotation",
                    "@READINESS-SECTION-IF is only read on the first field of a form; ignored.",
                )
        current.rows += 1
        kind = row["field_type"].lower()
        if kind == "descriptive" and annotation.tags.get("INTRO"):
            if current.items or current.intro:
                note(
                    "warning",
                    row,
                    "field_type",
                    "@READINESS-INTRO is only read before a section's first item; the text is "
                    "not kept.",
                    "move the descriptive field to the start of its form.",
                )
            else:
                current.intro = row["field_label"]
                current.rows -= 1  # the intro does not start the section's content
            continue
        item = _item(reader, row, annotation, choices.get(row["field_name"]), matrix_warned)
        if item is None:
            continue
        s_index, i_index = len(sections) - 1, len(current.items)
        ipath = f"sections[{s_index}].items[{i_index}]"
        h = reader.headers
        locations[ipath] = Location(field=item["id"], row=row.number, column=h.get("field_name"))
        for sub, column in (
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
        ):
            locations[f"{ipath}.{sub}"] = Location(
                field=item["id"], row=row.number, column=h.get(column, column)
            )
        locations[f"{ipath}.show_if"] = Location(
            field=item["id"], row=row.number, column=h.get("branching_logic")
        )
        choice_set = item.pop("_choice_set", None)
        if choice_set:
            set_tags.setdefault(str(choice_set), []).append((s_index, i_index, item["choices"]))
        current.items.append(item)
        items_seen[item["id"]] = ItemTarget.from_data(item)
        if row["branching_logic"]:
            logic[(s_index, i_index)] = (row["branching_logic"], row)

    # Conditions, now that every item is known: sections first, then items.
    order = {item["id"]: n for n, item in enumerate(i for s in sections for i in s.items)}
    position = 0
    section_conditions: dict[int, Condition] = {}
    for s_index, section in enumerate(sections):
        first_position = position
        position += len(section.items)
        if section.condition_text is None:
            continue
        row = next(r for r in rows if r.number == section.condition_row)
        condition = _condition(
            reader,
            section.condition_text,
            row,
            items_seen,
            order,
            first_position,
            f"section {section.id}",
            "field_annotation",
        )
        if condition is not None:
            section_conditions[s_index] = condition
            section.condition = condition
            locations[f"sections[{s_index}].show_if"] = Location(
                field=section.id, row=row.number, column=reader.headers.get("field_annotation")
            )
    for s_index, i_index, here, item in numbered_items(sections):
        if (s_index, i_index) not in logic:
            continue
        text, row = logic[(s_index, i_index)]
        section_text = sections[s_index].condition_text
        if section_text is not None and s_index in section_conditions:
            own = _strip_section(text, section_text)
            if own is None:
                note(
                    "warning",
                    row,
                    "branching_logic",
                    "the branching logic does not repeat its section's condition "
                    f"({section_text!r}); both apply in Readiness.",
                )
            elif own == "":
                continue
            else:
                text = own
        condition = _condition(
            reader,
            text,
            row,
            items_seen,
            order,
            here,
            f"item {item['id']}",
            "branching_logic",
        )
        if condition is not None:
            item["show_if"] = condition.to_data()
    # Choice sets named by @READINESS-CHOICES, when every item that names one agrees.
    choice_sets: dict[str, list] = {}
    for name, uses in set_tags.items():
        lists = [u[2] for u in uses]
        if all(lst == lists[0] for lst in lists):
            choice_sets[name] = lists[0]
            for s_index, i_index, _ in uses:
                sections[s_index].items[i_index]["choices"] = name
        else:
            reader.warnings.append(
                ConversionNote(
                    message=f"items tagged @READINESS-CHOICES={name} have different choices; "
                    "each keeps its own.",
                    file=file,
                )
            )

    # Instrument metadata: arguments, then tags on the record identifier, then defaults.
    tags = meta.tags
    defaults = []
    inst_id = instrument_id or _text(tags.get("INSTRUMENT"))
    if not inst_id:
        inst_id = slug_id(path.stem, "redcap")
        defaults.append(f"id '{inst_id}'")
    inst_version = version or _text(tags.get("VERSION"))
    if not inst_version:
        inst_version = "1"
        defaults.append("version 1")
    inst_title = title or _text(tags.get("TITLE"))
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
                file=file,
            )
        )
    data: dict[str, Any] = {"id": inst_id, "version": inst_version, "title": inst_title}
    base_data = instrument_to_data(base) if base is not None else {}
    for key, tag in (
        ("description", "DESCRIPTION"),
        ("notice", "NOTICE"),
        ("language", "LANGUAGE"),
    ):
        value = _text(tags.get(tag)) or base_data.get(key)
        if value:
            data[key] = value
    sources = tags.get("SOURCES") if isinstance(tags.get("SOURCES"), dict) else None
    if sources is None and base is not None:
        sources = base_data.get("sources")
    if sources:
        data["sources"] = sources
    for item, source in drop_undefined_sources(sections, sources):
        reader.warnings.append(
            ConversionNote(
                message=f"cites source '{source}', which the dictionary does not define; the "
                "citation is not kept.",
                fix="pass the original instrument as base, or add the source in the YAML.",
                field=item["id"],
                file=file,
                row=locations[_path_of(sections, item)].row,
                column=reader.headers.get("field_annotation"),
            )
        )
    if choice_sets:
        data["choice_sets"] = {
            name: [{"code": c["code"], "label": c["label"]} for c in lst]
            for name, lst in choice_sets.items()
        }

    # Sections, leaving out those that ended up empty.
    data["sections"] = []
    kept_locations: dict[str, Location] = {"": locations[""]}
    for s_index, section in enumerate(sections):
        if not section.items:
            if section.rows:
                reader.warnings.append(
                    ConversionNote(
                        message=f"form section '{section.id}' has no field that could be mapped; "
                        "it is left out.",
                        field=section.id,
                        file=file,
                        row=section.first_row,
                        column=reader.headers.get("form_name"),
                    )
                )
            continue
        kept_locations.update(moved_locations(locations, s_index, len(data["sections"])))
        section_title = section.title or section.form.replace("_", " ").capitalize()
        data["sections"].append(section_data(section, section_title))

    if base is not None:
        for kind in ("scales", "indicators"):
            if base_data.get(kind):
                data[kind] = base_data[kind]
                for index, entry in enumerate(data[kind]):
                    kept_locations[f"{kind}[{index}]"] = Location(field=entry["id"])
    elif "INSTRUMENT" in tags:
        reader.warnings.append(
            ConversionNote(
                message="this dictionary was written from a Readiness instrument; its scales "
                "and indicators cannot be held in a REDCap dictionary and are not read.",
                fix="pass the original instrument (base=, or --base FILE) to restore them.",
                file=file,
            )
        )
    old_index = [s_old for s_old, sec in enumerate(sections) if sec.items]

    def source_text(s_index: int, i_index: int | None) -> str:
        section = sections[old_index[s_index]]
        if i_index is None:
            return section.condition_text or ""
        return logic.get((old_index[s_index], i_index), ("", None))[0]

    instrument = build_with_recovery(data, kept_locations, file, reader.unmapped, source_text)
    return reader.result(instrument, "redcap")


def _path_of(sections: list[_Section], item: dict) -> str:
    for s_index, section in enumerate(sections):
        for i_index, other in enumerate(section.items):
            if other is item:
                return f"sections[{s_index}].items[{i_index}]"
    return ""


def _text(value: Any) -> str:
    if value is None or value is True:
        return ""
    return str(value).strip()


def _strip_section(text: str, section_text: str) -> str | None:
    """The item's own logic, when it was written as ``(S) and (I)`` or ``S``; else None."""
    if text.strip() == section_text.strip():
        return ""
    prefix = f"({section_text}) and ("
    if text.startswith(prefix) and text.endswith(")"):
        return text[len(prefix) : -1]
    return None


def _condition(
    reader: _Reader,
    text: str,
    row: _Row,
    targets: dict[str, ItemTarget],
    order: dict[str, int],
    position: int,
    owner: str,
    column: str,
) -> Condition | None:
    return read_condition(
        parse_redcap_logic,
        text,
        targets,
        order,
        position,
        owner,
        language="branching logic",
        unit="field",
        report=lambda message, fix: reader.note("unmapped", row, column, message, fix),
    )


def _item(
    reader: _Reader,
    row: _Row,
    annotation: Annotation,
    choices: list[tuple[int | str, str]] | None,
    matrix_warned: set[str],
) -> dict | None:
    """The item a field maps to (as instrument data), or None after reporting why not."""
    note = reader.note
    kind = row["field_type"].lower()
    tags = annotation.tags
    our = _text(tags.get("TYPE"))
    validation = row["text_validation_type_or_show_slider_number"].lower()
    if kind in NOT_MAPPED:
        message, fix = NOT_MAPPED[kind]
        note("unmapped", row, "field_type", f"field type '{kind}' is not mapped: {message}", fix)
        return None
    if kind == "text" and DATE_VALIDATION.match(validation) and our != "month_year":
        note(
            "unmapped",
            row,
            "text_validation_type_or_show_slider_number",
            f"a text field validated as '{validation}' is not mapped: Readiness has no date or "
            "time items (only month and year).",
            "use a month_year or text item in the instrument YAML.",
        )
        return None
    item: dict[str, Any] = {"id": row["field_name"], "text": row["field_label"]}
    as_choices = [{"code": c, "label": label} for c, label in (choices or [])]
    codes = [c for c, _ in (choices or [])]
    if kind in ("radio", "dropdown"):
        matrix = row["matrix_group_name"]
        if our == "true_false":
            if not has_fixed_codes(codes, "true_false"):
                note(
                    "warning",
                    row,
                    "select_choices_or_calculations",
                    "tagged as true_false but its codes are not 1 (True), 0 (False) and "
                    "8 (Don't know); read as a single choice.",
                    "use the codes 1, 0 and 8.",
                )
                item.update(type="single_choice", choices=as_choices)
            else:
                item["type"] = "true_false"
                key = _text(tags.get("KEY")).lower()
                if key in ("1", "true"):
                    item["key"] = True
                elif key in ("0", "false"):
                    item["key"] = False
                explanation = _text(tags.get("EXPLANATION"))
                if explanation:
                    item["explanation"] = explanation
                source = _text(tags.get("SOURCE"))
                if source:
                    item["source"] = source
        elif our == "likert":
            item.update(type="likert", choices=as_choices)
        elif our != "single_choice" and matrix and kind == "radio" and codes_fit_likert(codes):
            item.update(type="likert", choices=as_choices)
            if matrix not in matrix_warned:
                matrix_warned.add(matrix)
                note(
                    "warning",
                    row,
                    "matrix_group_name",
                    f"the radio fields of matrix group '{matrix}' are read as Likert items "
                    "(a matrix with whole-number codes is REDCap's rating grid).",
                    "tag a field @READINESS-TYPE=single_choice to read it as a plain choice.",
                )
        else:
            item.update(type="single_choice", choices=as_choices)
            if matrix and matrix not in matrix_warned:
                matrix_warned.add(matrix)
                note(
                    "warning",
                    row,
                    "matrix_group_name",
                    f"matrix group '{matrix}' is shown as separate questions in Readiness.",
                )
    elif kind == "checkbox":
        item.update(type="multiple_choice", choices=as_choices)
        if row["matrix_group_name"] and row["matrix_group_name"] not in matrix_warned:
            matrix_warned.add(row["matrix_group_name"])
            note(
                "warning",
                row,
                "matrix_group_name",
                f"matrix group '{row['matrix_group_name']}' is shown as separate questions in "
                "Readiness.",
            )
    elif kind == "yesno":
        item["type"] = "yes_no"
    elif kind == "truefalse":
        item.update(
            type="single_choice",
            choices=[{"code": 1, "label": "True"}, {"code": 0, "label": "False"}],
        )
        note(
            "warning",
            row,
            "field_type",
            "REDCap's truefalse field has no \"don't know\" and no answer key; read as a single "
            "choice (1 True, 0 False).",
            "to score it as knowledge, make it a true_false item with a key in the YAML.",
        )
    elif kind == "notes":
        item["type"] = "text"
    else:  # text
        if our == "month_year":
            item["type"] = "month_year"
            if validation:
                note(
                    "warning",
                    row,
                    "text_validation_type_or_show_slider_number",
                    f"validation '{validation}' is not kept; month_year answers are YYYY-MM.",
                )
        elif (
            validation in ("integer", "int")
            or validation.startswith("number")
            or validation in ("float",)
        ):
            item["type"] = "number"
            if validation in ("integer", "int"):
                item["integer"] = True
            elif validation not in ("number", "float"):
                note(
                    "warning",
                    row,
                    "text_validation_type_or_show_slider_number",
                    f"validation '{validation}' is read as a plain number (its decimal places or "
                    "comma are not kept).",
                )
            for key, column in (("min", "text_validation_min"), ("max", "text_validation_max")):
                raw = row[column]
                if raw:
                    value = number_from_text(raw)
                    if value is None:
                        note(
                            "warning",
                            row,
                            column,
                            f"{key} {raw!r} is not a number; not kept.",
                            "write a plain number.",
                        )
                    else:
                        item[key] = value
        else:
            item["type"] = "text"
            if validation:
                note(
                    "warning",
                    row,
                    "text_validation_type_or_show_slider_number",
                    f"validation '{validation}' is not kept; read as free text.",
                )
    if item["type"] != "number" and (row["text_validation_min"] or row["text_validation_max"]):
        note(
            "warning",
            row,
            "text_validation_min",
            "Text Validation Min / Max are not kept for a field that is not a number.",
        )
    if our and our not in (item["type"], "single_choice"):
        note(
            "warning",
            row,
            "field_annotation",
            f"@READINESS-TYPE={our} does not fit a '{kind}' field; read as {item['type']}.",
        )
    if row["field_note"]:
        item["help"] = row["field_note"]
    required = row["required_field"].lower()
    if required in ("y", "yes", "1", "true"):
        item["required"] = True
    if annotation.hidden:
        if item["type"] in ("text", "single_choice", "number"):
            item["hidden"] = True
        else:
            note(
                "warning",
                row,
                "field_annotation",
                f"@HIDDEN is not kept: Readiness hides only text, single choice and number items "
                f"(this is {item['type']}).",
            )
    if (
        tags.get("CHOICES")
        and item.get("choices")
        and item["type"] in ("single_choice", "likert", "multiple_choice")
    ):
        item["_choice_set"] = _text(tags["CHOICES"])
    if row["identifier"].lower() in ("y", "yes", "1"):
        note(
            "warning",
            row,
            "identifier",
            "REDCap marks this field as an identifier; Readiness surveys are anonymous, so check "
            "that it should be asked at all.",
        )
    for column, what in (
        ("custom_alignment", "custom alignment"),
        ("question_number", "question number"),
    ):
        if row[column]:
            note("warning", row, column, f"the {what} {row[column]!r} is not kept (layout only).")
    if row["matrix_ranking"].lower() in ("y", "yes", "1"):
        note("warning", row, "matrix_ranking", "matrix ranking is not kept.")
    for other in annotation.other_tags:
        note("warning", row, "field_annotation", f"the action tag {other} is not kept.")
    if annotation.text:
        note(
            "warning",
            row,
            "field_annotation",
            f"the annotation text {annotation.text!r} is not kept.",
        )
    unknown = sorted(set(tags) - {"TYPE", "KEY", "EXPLANATION", "SOURCE", "CHOICES", "INTRO"})
    for tag in unknown:
        note("warning", row, "field_annotation", f"@READINESS-{tag} is not a tag we read here.")
    return item


# --------------------------------------------------------------------------------------------
# Writing


def write_redcap_dictionary(
    instrument: Instrument,
    path: str | Path,
    *,
    headers: str = "designer",
    columns: int = 18,
) -> ConversionResult:
    """Write an instrument as a REDCap data dictionary (CSV).

    ``headers``: "designer" (the headers of REDCap's Data Dictionary page) or "api" (those of
    the API's metadata export). ``columns``: 18 (current REDCap) or 16 (older REDCap, without
    "Matrix Ranking?" and "Field Annotation": our ``@READINESS-...`` tags and ``@HIDDEN`` then
    have nowhere to go, and each loss is reported).

    A field ``record_id`` (REDCap's record identifier) is written first. Scales and indicators
    cannot live in a REDCap dictionary and are listed in the result's ``unmapped``.
    """
    if headers not in ("designer", "api"):
        raise ValueError("headers must be 'designer' or 'api'")
    if columns not in (16, 18):
        raise ValueError("columns must be 18 or 16")
    file = str(path)
    unmapped: list[ConversionNote] = []
    warnings: list[ConversionNote] = []
    targets: dict[str, Item] = {item.id: item for item in instrument.items}
    with_annotation = columns == 18

    def lost(field_name: str, what: str) -> None:
        unmapped.append(
            ConversionNote(
                message=f"{what} needs the Field Annotation column, which the 16-column form "
                "lacks; not written.",
                fix="write the 18-column form.",
                field=field_name,
                file=file,
            )
        )

    taken = {item.id for item in instrument.items} | {s.id for s in instrument.sections}
    record_name = unique_name("record_id", taken)
    rows: list[dict[str, str]] = []
    meta_tags = [
        _tag("INSTRUMENT", instrument.id),
        _tag("VERSION", instrument.version),
        _tag("TITLE", instrument.title),
        _tag("LANGUAGE", instrument.language),
    ]
    if instrument.description:
        meta_tags.append(_tag("DESCRIPTION", instrument.description))
    if instrument.notice:
        meta_tags.append(_tag("NOTICE", instrument.notice))
    if instrument.sources:
        meta_tags.append(_tag("SOURCES", instrument.sources))
    rows.append(
        {
            "field_name": record_name,
            "form_name": instrument.sections[0].id,
            "field_type": "text",
            "field_label": RECORD_ID_LABEL,
            "field_annotation": " ".join(meta_tags),
        }
    )
    warnings.append(
        ConversionNote(
            message=f"REDCap's record identifier, '{record_name}', is written as the first field; "
            "it is the response id, not an item.",
            field=record_name,
            file=file,
        )
    )
    if not with_annotation:
        lost(record_name, "the instrument's id, version, title, description, notice and sources")

    used_sets = {item.choice_set for item in instrument.items if item.choice_set}
    for name in instrument.choice_sets:
        if name not in used_sets:
            unmapped.append(
                ConversionNote(
                    message=f"choice set '{name}' is used by no item; REDCap has no named choice "
                    "lists, so it is not written.",
                    field=name,
                    file=file,
                )
            )

    for section in instrument.sections:
        section_text = write_condition(
            format_redcap_logic,
            section.show_if,
            targets,
            unmapped,
            failure="the section's condition cannot be written",
            field=section.id,
            file=file,
        )
        header_pending = section.title
        first_tags: list[str] = []
        if section_text is not None:
            first_tags.append(_tag("SECTION-IF", section_text))
            if not with_annotation:
                lost(section.id, "the section's own condition (@READINESS-SECTION-IF)")
        if section.intro:
            name = unique_name(f"{section.id}_intro", taken)
            intro_tags = [_tag("INTRO")] + first_tags
            first_tags = []
            rows.append(
                {
                    "field_name": name,
                    "form_name": section.id,
                    "section_header": header_pending,
                    "field_type": "descriptive",
                    "field_label": section.intro,
                    "branching_logic": section_text or "",
                    "field_annotation": " ".join(intro_tags),
                }
            )
            header_pending = ""
            if not with_annotation:
                lost(name, "the section intro's tag (@READINESS-INTRO)")
        matrices = _matrix_groups(instrument, section)
        for item in (instrument.item(i) for i in section.items):
            row, tags = _item_row(item, section.id, targets, unmapped, file)
            if header_pending:
                row["section_header"] = header_pending
                header_pending = ""
            if item.id in matrices:
                row["matrix_group_name"] = matrices[item.id]
            own = row.get("branching_logic", "")
            if section_text and own:
                row["branching_logic"] = f"({section_text}) and ({own})"
            elif section_text:
                row["branching_logic"] = section_text
            tags = first_tags + tags
            first_tags = []
            row["field_annotation"] = " ".join(tags)
            if tags and not with_annotation:
                lost(item.id, " ".join(t.split("=")[0] for t in tags))
            rows.append(row)

    for scale in instrument.scales:
        unmapped.append(
            ConversionNote(
                message="scales cannot be held in a REDCap data dictionary (REDCap's calculated "
                "fields have no minimum number of answered items and no reverse keying of ours); "
                "not written.",
                fix="keep the instrument YAML, and pass it as base when reading the dictionary "
                "back.",
                field=scale.id,
                file=file,
            )
        )
    for indicator in instrument.indicators:
        unmapped.append(
            ConversionNote(
                message="indicators cannot be held in a REDCap data dictionary; not written.",
                fix="keep the instrument YAML, and pass it as base when reading the dictionary "
                "back.",
                field=indicator.id,
                file=file,
            )
        )

    names = API_COLUMNS[:columns] if columns == 18 else API_COLUMNS[:16]
    shown = names if headers == "api" else DESIGNER_COLUMNS[: len(names)]

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(shown)
            for row in rows:
                writer.writerow([row.get(name, "") for name in names])

    from readiness.tabular import atomic_write

    atomic_write(path, write)
    return ConversionResult(
        instrument=instrument,
        path=file,
        format="redcap",
        direction="write",
        unmapped=unmapped,
        warnings=warnings,
    )


def _choices_text(item: Item, unmapped: list[ConversionNote], file: str) -> str:
    parts = []
    for choice in item.choices:
        label = choice.label
        if "|" in label:
            unmapped.append(
                ConversionNote(
                    message=f"the label {label!r} holds '|', which separates REDCap choices; "
                    "written with '/' instead.",
                    fix="avoid '|' in choice labels.",
                    field=item.id,
                    file=file,
                )
            )
            label = label.replace("|", "/")
        parts.append(f"{choice.code}, {label}")
    return " | ".join(parts)


def _item_row(
    item: Item, form: str, targets: dict[str, Item], unmapped: list[ConversionNote], file: str
) -> tuple[dict[str, str], list[str]]:
    row: dict[str, str] = {"field_name": item.id, "form_name": form, "field_label": item.text}
    tags: list[str] = []
    kind = item.type
    if kind in ("single_choice", "likert", "multiple_choice"):
        row["field_type"] = "checkbox" if kind == "multiple_choice" else "radio"
        row["select_choices_or_calculations"] = _choices_text(item, unmapped, file)
        if kind == "likert":
            tags.append(_tag("TYPE", "likert"))
        if item.choice_set:
            tags.append(_tag("CHOICES", item.choice_set))
    elif kind == "true_false":
        row["field_type"] = "radio"
        row["select_choices_or_calculations"] = _choices_text(item, unmapped, file)
        tags.append(_tag("TYPE", "true_false"))
        tags.append(_tag("KEY", "1" if item.key else "0"))
        if item.explanation:
            tags.append(_tag("EXPLANATION", item.explanation))
        if item.source:
            tags.append(_tag("SOURCE", item.source))
    elif kind == "yes_no":
        row["field_type"] = "yesno"
    elif kind == "number":
        row["field_type"] = "text"
        row["text_validation_type_or_show_slider_number"] = "integer" if item.integer else "number"
        if item.minimum is not None:
            row["text_validation_min"] = format_number(item.minimum)
        if item.maximum is not None:
            row["text_validation_max"] = format_number(item.maximum)
    elif kind == "month_year":
        row["field_type"] = "text"
        tags.append(_tag("TYPE", "month_year"))
    else:
        row["field_type"] = "text"
    if item.help:
        row["field_note"] = item.help
    if item.required:
        row["required_field"] = "y"
    if item.hidden:
        tags.append("@HIDDEN")
    logic = write_condition(
        format_redcap_logic,
        item.show_if,
        targets,
        unmapped,
        failure="the condition cannot be written as branching logic",
        field=item.id,
        file=file,
    )
    if logic is not None:
        row["branching_logic"] = logic
    return row, tags


def _matrix_groups(instrument: Instrument, section) -> dict[str, str]:
    """Runs of two or more Likert items with the same choices (and no help text) in a section."""
    out: dict[str, str] = {}
    run: list[Item] = []
    count = 0

    def close() -> None:
        nonlocal count
        if len(run) >= 2:
            count += 1
            for item in run:
                out[item.id] = f"{section.id}_m{count}"
        run.clear()

    for item in (instrument.item(i) for i in section.items):
        fits = item.type == "likert" and not item.help
        if fits and run and run[0].choices == item.choices:
            run.append(item)
            continue
        close()
        if fits:
            run.append(item)
    close()
    return out


__all__ = [
    "API_COLUMNS",
    "DESIGNER_COLUMNS",
    "parse_annotation",
    "read_redcap_dictionary",
    "write_redcap_dictionary",
]
