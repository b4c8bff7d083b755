"""XLSForm (ODK, KoboToolbox): read XLSForms as instruments, write instruments as XLSForms.

An XLSForm is a spreadsheet with the sheets ``survey`` (``type``, ``name``, ``label``, ``hint``,
``required``, ``relevant``, ``constraint``, ``appearance``, ...), ``choices`` (``list_name``,
``name``, ``label``) and ``settings`` (``form_title``, ``form_id``, ``version``).

How questions map:

=====================================  ==========================================================
XLSForm                                Readiness
=====================================  ==========================================================
begin group / end group                section (``relevant`` on the group is the section's
                                       condition; a group inside a group becomes a section of
                                       its own, and both conditions apply)
select_one                             single_choice; **likert** when ``appearance`` holds
                                       ``likert`` (ODK's rating-scale display) and every code is
                                       a whole number, or when ``readiness::type`` says so
select_multiple                        multiple_choice
integer / decimal                      number; ``constraint`` of the form ``. >= a and . <= b``
                                       gives min and max
text                                   text
date with appearance ``month-year``    month_year (ODK stores a full date: see the warning)
hidden                                 a hidden text item (``readiness::type`` makes it a hidden
                                       number or single choice). pyxform 4.5.0 accepts
                                       ``hidden`` as a bind with no control and no calculation,
                                       so our hidden items are written as ``hidden``;
                                       ``calculate`` needs a calculation and is not mapped
note, calculate, date, time, geopoint  not mapped, each reported
and the other types, repeats
=====================================  ==========================================================

Our own types and fields travel in columns of our own, ``readiness::type`` (``likert``,
``yes_no``, ``true_false``, ``month_year``, ``number`` / ``single_choice`` for hidden items,
``intro`` for a note that is its section's intro), ``readiness::key``, ``readiness::explanation``,
``readiness::source``, ``readiness::list`` (the choice list of a hidden single choice) and
``readiness::integer``. pyxform 4.5.0 accepts a column whose header has an unknown ``prefix::``
and leaves it out of the XForm, so these columns cost ODK nothing (``instance::`` columns would
be added to every submission, and ``bind::`` columns to the form's binds, so neither is used).

Instrument-level data that an XLSForm has no sheet for travels in extra sheets, which pyxform
ignores: ``readiness`` (key / value rows: description, notice, language, sources as JSON, and
the names of the named choice lists as JSON), ``readiness_scales`` and ``readiness_indicators``.
A round trip (ours -> XLSForm -> ours) therefore gives back an equal instrument, conditions in
their canonical form (see :func:`readiness.instrument.interop.canonical_condition`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.errors import ConversionError, Problem
from readiness.instrument.conditions import All, Condition
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
    format_xlsform_relevant,
    has_fixed_codes,
    moved_locations,
    number_from_text,
    numbered_items,
    parse_xlsform_relevant,
    read_condition,
    section_data,
    slug_id,
    unique_name,
    valid_code,
    write_condition,
)
from readiness.instrument.load import INSTRUMENT_ID
from readiness.instrument.model import (
    TRUE_FALSE_CHOICES,
    YES_NO_CHOICES,
    Choice,
    Instrument,
    Item,
)
from readiness.instrument.xlsform_sheets import Sheet, read_sheets

SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "readiness::type",
    "readiness::key",
    "readiness::explanation",
    "readiness::source",
    "readiness::list",
    "readiness::integer",
)
SCALE_COLUMNS = ("id", "label", "items", "reverse", "scoring", "min_answered", "description")
INDICATOR_COLUMNS = (
    "id",
    "label",
    "item",
    "scale",
    "when",
    "missing",
    "description",
    "published",
)
HANDLED = {
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "required_message",
}
RESERVED_NAMES = ("meta",)  # pyxform 4.5.0: const.RESERVED_NAMES_SURVEY_SHEET
TRANSLATED = ("readiness::", "label::", "hint::")  # columns reported per column, not per row
LIST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

# XLSForm question types with no Readiness item type, and why (pyxform 4.5.0's types).
NOT_MAPPED = {
    "note": "a note shows text and collects no answer; Readiness has no display-only items.",
    "calculate": "a calculation is computed by the form; Readiness computes scores from scales "
    "and indicators, and its hidden items are filled by the collection.",
    "date": "Readiness has no date items (only month and year: appearance month-year).",
    "datetime": "Readiness has no date or time items.",
    "time": "Readiness has no date or time items.",
    "geopoint": "locations are not collected by Readiness (anonymous surveys).",
    "geotrace": "locations are not collected by Readiness (anonymous surveys).",
    "geoshape": "locations are not collected by Readiness (anonymous surveys).",
    "image": "media are not collected by Readiness.",
    "audio": "media are not collected by Readiness.",
    "video": "media are not collected by Readiness.",
    "file": "files are not collected by Readiness.",
    "background-audio": "media are not collected by Readiness.",
    "barcode": "barcodes have no Readiness item type.",
    "acknowledge": "acknowledgements have no Readiness item type.",
    "range": "a range (slider) has no Readiness item type; use a number or Likert item.",
    "rank": "a ranking has no Readiness item type.",
    "trigger": "acknowledgements have no Readiness item type.",
    "osm": "OpenStreetMap questions have no Readiness item type.",
    "select_one_from_file": "choices from an external file are not read.",
    "select_multiple_from_file": "choices from an external file are not read.",
    "select_one_external": "choices from an external file are not read.",
    "xml-external": "external data is not read.",
    "csv-external": "external data is not read.",
}
METADATA = (
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "username",
    "email",
    "simserial",
    "subscriberid",
    "audit",
    "start-geopoint",
    "background-geopoint",
    "imei",
    "uri:deviceid",
    "uri:email",
    "uri:phonenumber",
    "uri:simserial",
    "uri:subscriberid",
    "uri:username",
)
ALIASES = {
    "string": "text",
    "int": "integer",
    "select one": "select_one",
    "select1": "select_one",
    "select one from": "select_one",
    "select_multiple": "select_multiple",
    "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple",
    "select multiple": "select_multiple",
    "select one from file": "select_one_from_file",
    "select multiple from file": "select_multiple_from_file",
    "dateTime": "datetime",
    "date time": "datetime",
    "location": "geopoint",
    "gps": "geopoint",
    "photo": "image",
    "begin_group": "begin group",
    "end_group": "end group",
    "begin_repeat": "begin repeat",
    "end_repeat": "end repeat",
}
# The words that start a select type (lower-cased), longest first; the list name follows, kept
# as written (list names are case-sensitive). pyxform 4.5.0 reads all of these.
SELECTS = (
    (("select", "one", "from", "file"), "select_one_from_file"),
    (("select", "multiple", "from", "file"), "select_multiple_from_file"),
    (("select", "all", "that", "apply", "from"), "select_multiple"),
    (("select", "all", "that", "apply"), "select_multiple"),
    (("select", "one", "from"), "select_one"),
    (("select", "multiple", "from"), "select_multiple"),
    (("select", "one", "external"), "select_one_external"),
    (("select", "one"), "select_one"),
    (("select", "multiple"), "select_multiple"),
    (("select1",), "select_one"),
    (("select_one",), "select_one"),
    (("select_multiple",), "select_multiple"),
    (("select_one_from_file",), "select_one_from_file"),
    (("select_multiple_from_file",), "select_multiple_from_file"),
    (("select_one_external",), "select_one_external"),
    (("rank",), "rank"),
)


def split_type(raw: str) -> tuple[str, list[str]]:
    """A type cell as (the canonical type, its words): ``select one from Sex`` ->
    (``select_one Sex``, [``select_one``, ``Sex``]). Only the type word is lower-cased."""
    words = raw.split()
    lowered = tuple(w.lower() for w in words)
    for start, canonical in SELECTS:
        if lowered[: len(start)] == start and len(words) > len(start):
            parts = [canonical, *words[len(start) :]]
            return " ".join(parts), parts
    text = " ".join(words)
    kind = ALIASES.get(text, ALIASES.get(text.lower(), text.lower()))
    return kind, kind.split()


MONTH_YEAR_NOTE = (
    "ODK stores a month-year answer as a full date (YYYY-MM-DD); Readiness stores YYYY-MM, so "
    "convert those answers when you import responses."
)


def _yes(text: str) -> bool | None:
    lower = text.strip().lower()
    if lower in ("yes", "true", "true()", "1", "y"):
        return True
    if lower in ("", "no", "false", "false()", "0", "n"):
        return False
    return None


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Section:
    id: str
    title: str
    row: int
    conditions: list[tuple[str, int]] = field(default_factory=list)  # (relevant, row)
    intro: str = ""
    items: list[dict] = field(default_factory=list)
    rows: int = 0
    condition: Condition | None = None
    continues: str | None = None  # the group this section continues after a nested group


@dataclass
class _Group:
    name: str
    label: str
    row: int
    conditions: list[tuple[str, int]]
    repeat: bool = False


class _Reader(FileReader):
    def __init__(self, path: Path):
        super().__init__(path)
        self.problems: list[Problem] = []

    def note(
        self,
        kind: str,
        sheet: str,
        row: int | None,
        column: str | None,
        message: str,
        fix: str = "",
        name: str | None = None,
    ) -> None:
        (self.unmapped if kind == "unmapped" else self.warnings).append(
            ConversionNote(
                message=message,
                fix=fix,
                field=name or None,
                file=self.file,
                sheet=sheet,
                row=row,
                column=column,
            )
        )

    def problem(
        self, sheet: str | None, row: int | None, column: str | None, message: str, fix: str
    ) -> None:
        self.problems.append(
            Problem(message, fix=fix, file=self.file, sheet=sheet, row=row, column=column)
        )

    def workbook(self) -> dict[str, Sheet]:
        return read_sheets(self.path, self.file, self.fatal)


def _choice_lists(reader: _Reader, sheet: Sheet | None) -> dict[str, list[tuple]]:
    lists: dict[str, list[tuple]] = {}
    if sheet is None:
        return lists
    columns = {h for h in sheet.header if h}
    list_column = "list_name" if "list_name" in columns else "list name"
    label_column = (
        "label"
        if "label" in columns
        else next((c for c in sorted(columns) if c.startswith("label::")), "label")
    )
    for column in (list_column, "name", label_column):
        if column not in columns:
            reader.problem(
                sheet.name,
                None,
                None,
                f"the choices sheet has no '{column}' column.",
                "give the choices sheet the columns list_name, name and label.",
            )
    if reader.problems:
        return lists
    extra = sorted(
        c
        for c in columns
        if c not in (list_column, "name", label_column) and not c.startswith("label::")
    )
    for column in extra:
        if any(column in cells for _, cells in sheet.rows):
            reader.note(
                "warning",
                sheet.name,
                None,
                column,
                f"the choices column '{column}' (e.g. a choice filter) is not kept.",
            )
    seen: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        list_name = cells.get(list_column, "")
        raw = cells.get("name", "")
        if not list_name and not raw:
            continue
        if not list_name:
            reader.problem(
                sheet.name,
                number,
                list_column,
                "the choice has no list name.",
                "fill in list_name.",
            )
            continue
        if not raw:
            reader.problem(sheet.name, number, "name", "the choice has no name.", "fill in name.")
            continue
        code = code_from_text(raw)
        if not valid_code(code):
            reader.problem(
                sheet.name,
                number,
                "name",
                f"choice name {raw!r} is not a whole number or a word without spaces.",
                "use codes such as 1, 2, 3 or short words like 'nurse'.",
            )
            continue
        key = (list_name, str(code))
        if key in seen:
            reader.problem(
                sheet.name,
                number,
                "name",
                f"choice '{code}' appears twice in list '{list_name}' (first at row {seen[key]}).",
                "give each choice in a list its own name.",
            )
            continue
        seen[key] = number
        label = cells.get(label_column, "")
        if not label:
            reader.note(
                "warning",
                sheet.name,
                number,
                label_column,
                f"choice '{code}' of list '{list_name}' has no label; its name is used.",
            )
            label = str(code)
        lists.setdefault(list_name, []).append((code, label, number))
    return lists


def read_xlsform(path: str | Path, *, base: Instrument | None = None) -> ConversionResult:
    """Read an XLSForm (.xlsx) as an instrument.

    ``base``: an instrument to take scales, indicators, description, notice and sources from
    when the workbook has no ``readiness`` sheets (an XLSForm not written by Readiness).

    Raises :class:`ConversionError` listing every fatal problem (missing sheets or columns,
    duplicate names, a select whose choice list is not defined, unknown types, unbalanced
    groups) with its sheet, row and column. What is read but cannot be mapped is listed,
    question by question, in the result's ``unmapped``. Rows are counted as in
    :class:`readiness.errors.Problem`: the first row after a sheet's header is row 1.
    """
    path = Path(path)
    reader = _Reader(path)
    file = reader.file
    sheets = reader.workbook()
    survey = sheets.get("survey")
    if survey is None:
        raise reader.fatal(
            "the workbook has no 'survey' sheet.",
            "an XLSForm has the sheets survey, choices and settings; found: "
            + ", ".join(s.name for s in sheets.values())
            + ".",
        )
    header = [h for h in survey.header if h]
    for column in ("type", "name"):
        if column not in header:
            reader.problem(
                survey.name,
                None,
                None,
                f"the survey sheet has no '{column}' column.",
                "give the survey sheet the columns type, name and label.",
            )
    label_columns = [h for h in header if h == "label" or h.startswith("label::")]
    if not label_columns:
        reader.problem(
            survey.name,
            None,
            None,
            "the survey sheet has no 'label' column.",
            "give the survey sheet the columns type, name and label.",
        )
    if reader.problems:
        raise ConversionError(reader.problems, file=file)

    settings_sheet = sheets.get("settings")
    settings = settings_sheet.rows[0][1] if settings_sheet and settings_sheet.rows else {}
    language = settings.get("default_language", "")
    label_column = (
        "label"
        if "label" in label_columns
        else next(
            (c for c in label_columns if language and c == f"label::{language}"),
            label_columns[0],
        )
    )
    hint_column = "hint" if "hint" in header else label_column.replace("label", "hint", 1)
    for column in header:
        if column.startswith(("label::", "hint::")) and column not in (label_column, hint_column):
            if any(column in cells for _, cells in survey.rows):
                reader.note(
                    "warning",
                    survey.name,
                    None,
                    column,
                    f"the translation in '{column}' is not kept (Readiness reads one language, "
                    f"'{label_column}').",
                )
    handled = HANDLED | {label_column, hint_column}

    def not_kept(cells: dict[str, str]) -> list[str]:
        """The columns of a survey row to report on that row as not kept: all but the ones read
        and the ones with a ``TRANSLATED`` prefix (dealt with column by column)."""
        return [c for c in cells if c not in handled and not c.startswith(TRANSLATED)]

    lists = _choice_lists(reader, sheets.get("choices"))
    meta_sheet = sheets.get("readiness")
    meta = (
        {cells.get("key", ""): cells.get("value", "") for _, cells in meta_sheet.rows}
        if meta_sheet
        else {}
    )
    named_sets: set[str] | None = None
    if "choice_sets" in meta:
        try:
            named_sets = set(json.loads(meta["choice_sets"]))
        except (ValueError, TypeError):
            reader.problem(
                meta_sheet.name if meta_sheet else "readiness",
                None,
                "value",
                "the readiness sheet's choice_sets is not a JSON list.",
                'write ["agree5"].',
            )

    # Walk the survey sheet: groups become sections, questions items.
    sections: list[_Section] = []
    section_ids: set[str] = set()
    group_names = {
        cells.get("name", "")
        for _, cells in survey.rows
        if split_type(cells.get("type", ""))[0] in ("begin group", "begin repeat")
    }
    stack: list[_Group] = []
    current: _Section | None = None
    names: dict[str, int] = {}
    locations: dict[str, Location] = {}
    relevants: dict[tuple[int, int], tuple[str, int]] = {}
    list_uses: dict[str, list[tuple[int, int]]] = {}
    targets: dict[str, ItemTarget] = {}
    title = settings.get("form_title", "") or path.stem

    def new_section(wanted: str, title_text: str, row: int, conditions: list) -> _Section:
        sid = wanted
        n = 2
        while sid in section_ids:
            sid, n = f"{wanted}_{n}", n + 1
        section_ids.add(sid)
        section = _Section(sid, title_text, row, list(conditions))
        sections.append(section)
        locations[f"sections[{len(sections) - 1}]"] = Location(
            field=sid, row=row, column="name", sheet=survey.name
        )
        return section

    for number, cells in survey.rows:
        raw_type = " ".join(cells.get("type", "").split())
        name = cells.get("name", "")
        if not raw_type:
            if name or cells.get(label_column):
                reader.problem(
                    survey.name,
                    number,
                    "type",
                    f"row '{name}' has no type.",
                    "give it a question type, or delete the row.",
                )
            continue
        kind, parts = split_type(raw_type)
        base_type = parts[0] if parts else ""
        if kind in ("begin group", "begin repeat"):
            if not name:
                reader.problem(survey.name, number, "name", "a group has no name.", "name it.")
            repeat = kind == "begin repeat" or bool(stack and stack[-1].repeat)
            outer = [c for g in stack for c in g.conditions]
            own = [(cells["relevant"], number)] if cells.get("relevant") else []
            group = _Group(name, cells.get(label_column, ""), number, own, bool(repeat))
            if stack and not repeat:
                reader.note(
                    "warning",
                    survey.name,
                    number,
                    "type",
                    f"group '{name}' inside group '{stack[-1].name}' becomes a section of its own.",
                    name=name,
                )
            stack.append(group)
            if kind == "begin repeat":
                reader.note(
                    "unmapped",
                    survey.name,
                    number,
                    "type",
                    "a repeat is not mapped: a Readiness response answers each item once. Its "
                    "questions are reported one by one.",
                    "ask a fixed number of questions instead.",
                    name=name,
                )
            if not repeat:
                current = new_section(
                    name or "group",
                    group.label or name.replace("_", " ").capitalize(),
                    number,
                    outer + own,
                )
            for column in not_kept(cells):
                reader.note(
                    "warning",
                    survey.name,
                    number,
                    column,
                    f"the group's '{column}' is not kept.",
                    name=name,
                )
            if cells.get("appearance") and cells["appearance"] != "field-list":
                reader.note(
                    "warning",
                    survey.name,
                    number,
                    "appearance",
                    f"the group's appearance {cells['appearance']!r} is not kept.",
                    name=name,
                )
            continue
        if kind in ("end group", "end repeat"):
            if not stack:
                reader.problem(
                    survey.name,
                    number,
                    "type",
                    f"'{raw_type}' has no matching begin.",
                    "remove it, or add the begin group above it.",
                )
                continue
            stack.pop()
            current = None
            continue
        if name:
            if name in names:
                reader.problem(
                    survey.name,
                    number,
                    "name",
                    f"the name '{name}' is used twice (first at row {names[name]}).",
                    "give each question its own name.",
                )
                continue
            names[name] = number
        else:
            reader.problem(
                survey.name, number, "name", f"a '{raw_type}' question has no name.", "name it."
            )
            continue
        if base_type in ("select_one", "select_multiple"):
            if len(parts) < 2:
                reader.problem(
                    survey.name,
                    number,
                    "type",
                    f"'{raw_type}' names no choice list.",
                    f"write '{base_type} LIST'.",
                )
                continue
            if parts[1] not in lists:
                reader.problem(
                    survey.name,
                    number,
                    "type",
                    f"the choice list '{parts[1]}' is not defined on the choices sheet.",
                    "add its choices to the choices sheet, or correct the list name.",
                )
                continue
        known = (
            base_type in ("select_one", "select_multiple", "integer", "decimal", "text", "hidden")
            or base_type in NOT_MAPPED
            or base_type in METADATA
            or kind in NOT_MAPPED
        )
        if not known:
            reader.problem(
                survey.name,
                number,
                "type",
                f"'{raw_type}' is not an XLSForm question type.",
                "use select_one, select_multiple, integer, decimal, text, date, note, hidden, ...",
            )
            continue
        if stack and stack[-1].repeat:
            reader.note(
                "unmapped",
                survey.name,
                number,
                "type",
                f"the question is inside the repeat '{[g for g in stack if g.repeat][0].name}'; "
                "repeats are not mapped.",
                "ask a fixed number of questions instead.",
                name=name,
            )
            continue
        if current is None:
            if stack:
                outer = stack[-1]
                current = new_section(
                    outer.name,
                    outer.label or outer.name,
                    number,
                    [c for g in stack for c in g.conditions],
                )
                current.continues = outer.name
            else:
                wanted = "main" if "main" not in group_names else "main_questions"
                current = new_section(wanted, title, number, [])
        item = _question(
            reader,
            survey.name,
            number,
            cells,
            kind,
            parts,
            label_column,
            hint_column,
            lists,
            current,
        )
        for column in not_kept(cells):
            reader.note(
                "warning",
                survey.name,
                number,
                column,
                f"'{column}' ({cells[column]!r}) is not kept.",
                name=name,
            )
        if item is None:
            continue
        current.rows += 1
        if item == "intro":
            continue
        s_index, i_index = len(sections) - 1, len(current.items)
        ipath = f"sections[{s_index}].items[{i_index}]"
        locations[ipath] = Location(field=name, row=number, column="name", sheet=survey.name)
        for sub, column in (
            ("text", label_column),
            ("help", hint_column),
            ("type", "type"),
            ("choices", "type"),
            ("min", "constraint"),
            ("max", "constraint"),
            ("key", "readiness::key"),
            ("explanation", "readiness::explanation"),
            ("source", "readiness::source"),
            ("show_if", "relevant"),
        ):
            locations[f"{ipath}.{sub}"] = Location(
                field=name, row=number, column=column, sheet=survey.name
            )
        list_name = item.pop("_list", None)
        if list_name and item["type"] in ("single_choice", "likert", "multiple_choice"):
            list_uses.setdefault(list_name, []).append((s_index, i_index))
        current.items.append(item)
        targets[name] = ItemTarget.from_data(item)
        if cells.get("relevant"):
            relevants[(s_index, i_index)] = (cells["relevant"], number)
    if stack:
        reader.problem(
            survey.name,
            stack[-1].row,
            "type",
            f"group '{stack[-1].name}' is never closed.",
            "add an 'end group' row after its last question.",
        )
    if reader.problems:
        raise ConversionError(reader.problems, file=file)

    # Conditions, now that every item is known.
    order = {i["id"]: n for n, i in enumerate(i for s in sections for i in s.items)}
    position = 0
    for section in sections:
        first = position
        position += len(section.items)
        parts_parsed = []
        for text, row in section.conditions:
            condition = _condition(
                reader,
                survey.name,
                text,
                row,
                targets,
                order,
                first,
                f"section {section.id}",
                section.id,
            )
            if condition is None:
                parts_parsed = None
                break
            parts_parsed.append(condition)
        if parts_parsed:
            section.condition = (
                parts_parsed[0] if len(parts_parsed) == 1 else All(tuple(parts_parsed))
            )
    for s_index, i_index, here, item in numbered_items(sections):
        if (s_index, i_index) not in relevants:
            continue
        text, row = relevants[(s_index, i_index)]
        condition = _condition(
            reader,
            survey.name,
            text,
            row,
            targets,
            order,
            here,
            f"item {item['id']}",
            item["id"],
        )
        if condition is not None:
            item["show_if"] = condition.to_data()

    # Named choice lists: those the readiness sheet names, else those used by several items.
    choice_sets: dict[str, list[dict]] = {}
    for list_name, uses in list_uses.items():
        named = list_name in named_sets if named_sets is not None else len(uses) > 1
        if not named:
            continue
        choice_sets[list_name] = [{"code": c, "label": label} for c, label, _ in lists[list_name]]
        for s_index, i_index in uses:
            sections[s_index].items[i_index]["choices"] = list_name
    for list_name in sorted(named_sets or ()):
        if list_name not in choice_sets and list_name in lists:
            choice_sets[list_name] = [
                {"code": c, "label": label} for c, label, _ in lists[list_name]
            ]

    # The instrument.
    defaults = []
    inst_id = settings.get("form_id", "")
    if not inst_id:
        inst_id = slug_id(path.stem, "xlsform")
        defaults.append(f"id '{inst_id}' (from the file name)")
    elif not INSTRUMENT_ID.match(inst_id):
        old, inst_id = inst_id, slug_id(inst_id, "xlsform")
        defaults.append(f"id '{inst_id}' (form_id {old!r} is not a Readiness id)")
    version = settings.get("version", "")
    if not version:
        version = "1"
        defaults.append("version 1")
    if not settings.get("form_title"):
        defaults.append(f"title '{title}'")
    if defaults:
        reader.note(
            "warning",
            settings_sheet.name if settings_sheet else "settings",
            None,
            None,
            "using " + ", ".join(defaults) + ".",
            "set form_id, version and form_title on the settings sheet.",
        )
    data: dict[str, Any] = {"id": inst_id, "version": version, "title": title}
    base_data = instrument_to_data(base) if base is not None else {}
    for key in ("description", "notice", "language"):
        value = meta.get(key) or base_data.get(key)
        if value:
            data[key] = value
    sources = None
    if meta.get("sources"):
        try:
            sources = json.loads(meta["sources"])
        except ValueError:
            reader.problem(
                meta_sheet.name if meta_sheet else "readiness",
                None,
                "value",
                "the readiness sheet's sources are not JSON.",
                "write them as a JSON object.",
            )
    elif base is not None:
        sources = base_data.get("sources")
    if sources:
        data["sources"] = sources
    for item, source in drop_undefined_sources(sections, sources):
        reader.note(
            "warning",
            survey.name,
            None,
            "readiness::source",
            f"cites source '{source}', which the workbook does not define; the citation is not "
            "kept.",
            "pass the original instrument as base, or add the source in the YAML.",
            name=item["id"],
        )
    if choice_sets:
        data["choice_sets"] = choice_sets
    data["sections"] = []
    kept: dict[str, Location] = {"": Location(sheet="settings")}
    old_index = []
    for s_index, section in enumerate(sections):
        if not section.items:
            if section.rows or section.intro:
                reader.note(
                    "warning",
                    survey.name,
                    section.row,
                    "name",
                    f"section '{section.id}' has no question that could be mapped; it is left out.",
                    name=section.id,
                )
            continue
        if section.continues:
            reader.note(
                "warning",
                survey.name,
                section.row,
                "type",
                f"questions after a nested group continue group '{section.continues}' as "
                f"section '{section.id}'.",
                name=section.items[0]["id"],
            )
        old_index.append(s_index)
        kept.update(moved_locations(locations, s_index, len(data["sections"])))
        data["sections"].append(section_data(section, section.title or section.id))
    for kind, sheet_name in (
        ("scales", "readiness_scales"),
        ("indicators", "readiness_indicators"),
    ):
        sheet = sheets.get(sheet_name)
        if sheet is not None:
            data[kind] = _extra(reader, sheet, kind)
            for index, (number, _) in enumerate(r for r in sheet.rows if r[1].get("id")):
                kept[f"{kind}[{index}]"] = Location(row=number, sheet=sheet.name)
        elif base is not None and base_data.get(kind):
            data[kind] = base_data[kind]
    if reader.problems:
        raise ConversionError(reader.problems, file=file)

    def source_text(s_index: int, i_index: int | None) -> str:
        section = sections[old_index[s_index]]
        if i_index is None:
            return " and ".join(text for text, _ in section.conditions)
        return relevants.get((old_index[s_index], i_index), ("", 0))[0]

    instrument = build_with_recovery(data, kept, file, reader.unmapped, source_text)
    if any(i.type == "month_year" for i in instrument.items):
        reader.note("warning", survey.name, None, "appearance", MONTH_YEAR_NOTE)
    return reader.result(instrument, "xlsform")


def _extra(reader: _Reader, sheet: Sheet, kind: str) -> list[dict]:
    out = []
    for number, cells in sheet.rows:
        if not cells.get("id"):
            continue
        entry: dict[str, Any] = {"id": cells["id"], "label": cells.get("label", "")}
        try:
            if kind == "scales":
                entry["items"] = cells.get("items", "").split()
                if cells.get("reverse"):
                    entry["reverse"] = cells["reverse"].split()
                entry["scoring"] = cells.get("scoring", "mean")
                if cells.get("min_answered"):
                    entry["min_answered"] = int(cells["min_answered"])
            else:
                for key in ("item", "scale"):
                    if cells.get(key):
                        entry[key] = cells[key]
                entry["when"] = json.loads(cells.get("when", "null"))
                if cells.get("missing"):
                    entry["missing"] = cells["missing"]
                if cells.get("published"):
                    entry["published"] = json.loads(cells["published"])
        except ValueError as err:
            reader.problem(
                sheet.name,
                number,
                None,
                f"the {kind[:-1]} could not be read: {err}.",
                "write 'when' and 'published' as JSON, min_answered as a whole number.",
            )
            continue
        if cells.get("description"):
            entry["description"] = cells["description"]
        out.append(entry)
    return out


def _condition(
    reader: _Reader,
    sheet: str,
    text: str,
    row: int,
    targets: dict[str, ItemTarget],
    order: dict[str, int],
    position: int,
    owner: str,
    name: str,
) -> Condition | None:
    return read_condition(
        parse_xlsform_relevant,
        text,
        targets,
        order,
        position,
        owner,
        language="relevant",
        unit="question",
        report=lambda message, fix: reader.note(
            "unmapped", sheet, row, "relevant", message, fix, name=name
        ),
    )


def _question(
    reader: _Reader,
    sheet: str,
    number: int,
    cells: dict[str, str],
    kind: str,
    parts: list[str],
    label_column: str,
    hint_column: str,
    lists: dict[str, list[tuple]],
    section: _Section,
) -> dict | str | None:
    """The item a question maps to (as instrument data), "intro", or None after a report."""
    name = cells["name"]
    base_type = parts[0]
    ours = cells.get("readiness::type", "").strip().lower()
    appearance = cells.get("appearance", "").split()

    def warn(column: str, message: str, fix: str = "") -> None:
        reader.note("warning", sheet, number, column, message, fix, name=name)

    def unmapped(column: str, message: str, fix: str = "") -> None:
        reader.note("unmapped", sheet, number, column, message, fix, name=name)

    if base_type == "note" and ours == "intro":
        if section.items or section.intro or section.rows:
            warn(
                "readiness::type",
                "an intro note is only read before a section's first question; not kept.",
            )
            return None
        section.intro = cells.get(label_column, "")
        section.rows -= 1  # balanced by the caller
        return "intro"
    if base_type in METADATA:
        unmapped(
            "type",
            f"'{base_type}' is metadata ODK records by itself; Readiness records "
            "what it needs (completed_on, the instrument's version) itself.",
        )
        return None
    if base_type == "date" and ("month-year" in appearance or ours == "month_year"):
        base_type = "month_year"
    elif base_type in NOT_MAPPED or kind in NOT_MAPPED:
        unmapped(
            "type",
            f"type '{base_type}' is not mapped: "
            + NOT_MAPPED.get(base_type, NOT_MAPPED.get(kind, "")),
        )
        return None
    item: dict[str, Any] = {"id": name, "text": cells.get(label_column, "")}
    if not item["text"] and base_type != "hidden":
        warn(label_column, "the question has no label; its name is used.")
        item["text"] = name
    if base_type in ("select_one", "select_multiple"):
        list_name = parts[1]
        if len(parts) > 2:
            warn(
                "type", f"'{' '.join(parts[2:])}' after the list name (e.g. or_other) is not kept."
            )
        choices = lists[list_name]
        codes = [c for c, _, _ in choices]
        as_choices = [{"code": c, "label": label} for c, label, _ in choices]
        item["_list"] = list_name
        if base_type == "select_multiple":
            item.update(type="multiple_choice", choices=as_choices)
        elif ours == "true_false":
            if not has_fixed_codes(codes, "true_false"):
                warn(
                    "type",
                    "readiness::type true_false needs the codes 1, 0 and 8; read as a "
                    "single choice.",
                )
                item.update(type="single_choice", choices=as_choices)
            else:
                item["type"] = "true_false"
                key = cells.get("readiness::key", "").strip().lower()
                if key in ("1", "true", "yes"):
                    item["key"] = True
                elif key in ("0", "false", "no"):
                    item["key"] = False
                for column, key_name in (
                    ("readiness::explanation", "explanation"),
                    ("readiness::source", "source"),
                ):
                    if cells.get(column):
                        item[key_name] = cells[column]
        elif ours == "yes_no":
            if not has_fixed_codes(codes, "yes_no"):
                warn(
                    "type",
                    "readiness::type yes_no needs the codes 1 and 0; read as a single choice.",
                )
                item.update(type="single_choice", choices=as_choices)
            else:
                item["type"] = "yes_no"
        elif ours == "likert" or "likert" in appearance:
            if codes_fit_likert(codes):
                item.update(type="likert", choices=as_choices)
            else:
                warn(
                    "appearance",
                    "a Likert item needs whole-number codes (two or more); read "
                    "as a single choice.",
                )
                item.update(type="single_choice", choices=as_choices)
        else:
            item.update(type="single_choice", choices=as_choices)
    elif base_type in ("integer", "decimal") or (base_type == "hidden" and ours == "number"):
        item["type"] = "number"
        if base_type == "integer" or (
            base_type == "hidden" and _yes(cells.get("readiness::integer", "")) is True
        ):
            item["integer"] = True
        if base_type == "hidden":
            item["hidden"] = True
        if cells.get("constraint"):
            bounds = _bounds(cells["constraint"])
            if bounds is None:
                warn(
                    "constraint",
                    f"the constraint {cells['constraint']!r} is not kept (only "
                    "'. >= MIN and . <= MAX' is read).",
                )
            else:
                item.update(bounds)
    elif base_type == "hidden" and ours == "single_choice":
        list_name = cells.get("readiness::list", "")
        if list_name not in lists:
            unmapped(
                "readiness::list",
                f"the hidden single choice names the list {list_name!r}, "
                "which is not defined; not mapped.",
                "name its list in readiness::list.",
            )
            return None
        item.update(
            type="single_choice",
            hidden=True,
            choices=[{"code": c, "label": label} for c, label, _ in lists[list_name]],
        )
        item["_list"] = list_name
    elif base_type == "hidden":
        item.update(type="text", hidden=True)
    elif base_type == "month_year":
        item["type"] = "month_year"
    else:  # text
        item["type"] = "text"
    if item["type"] != "number" and cells.get("constraint"):
        warn("constraint", f"the constraint {cells['constraint']!r} is not kept.")
    if (
        ours
        and ours not in (item["type"], "intro")
        and not (ours in ("number", "single_choice") and item.get("hidden"))
    ):
        warn(
            "readiness::type",
            f"readiness::type {ours!r} does not fit a '{parts[0]}' question; "
            f"read as {item['type']}.",
        )
    for value in appearance:
        if value not in ("likert", "month-year"):
            warn("appearance", f"the appearance {value!r} is not kept.")
    if cells.get(hint_column):
        item["help"] = cells[hint_column]
    if cells.get("required"):
        required = _yes(cells["required"])
        if required is None:
            warn("required", f"required {cells['required']!r} is an expression; not kept.")
        elif required:
            item["required"] = True
    return item


BOUND = re.compile(r"^\s*\.\s*(>=|<=)\s*(-?(?:[0-9]+\.?[0-9]*|\.[0-9]+))\s*$")


def _bounds(text: str) -> dict | None:
    out: dict[str, Any] = {}
    for part in re.split(r"\band\b", text):
        m = BOUND.match(part)
        if not m:
            return None
        key = "min" if m.group(1) == ">=" else "max"
        if key in out:
            return None
        out[key] = number_from_text(m.group(2))
    return out or None


# --------------------------------------------------------------------------------------------
# Writing


def write_xlsform(instrument: Instrument, path: str | Path) -> ConversionResult:
    """Write an instrument as an XLSForm (.xlsx) that pyxform compiles.

    Everything travels: our types and fields in ``readiness::`` columns, scales, indicators and
    instrument metadata in extra sheets (see the module docstring). The result's ``unmapped``
    lists anything that could not be written; ``warnings`` what ODK will do differently.
    """
    import openpyxl

    file = str(path)
    reserved = [
        Problem(
            f"{what} '{thing.id}' has a name XLSForm reserves for form metadata.",
            fix=f"rename the {what} in the instrument YAML (ODK reserves '{thing.id}').",
            file=file,
            column=thing.id,
        )
        for what, things in (("section", instrument.sections), ("item", instrument.items))
        for thing in things
        if thing.id in RESERVED_NAMES
    ]
    if reserved:
        raise ConversionError(reserved, file=file)
    unmapped: list[ConversionNote] = []
    warnings: list[ConversionNote] = []
    targets = {item.id: item for item in instrument.items}

    # Choice lists: named sets under their names, inline choices under the item's id.
    lists: dict[str, tuple[Choice, ...]] = {}
    list_of: dict[str, str] = {}
    named: list[str] = []
    for name, choices in instrument.choice_sets.items():
        if LIST_NAME.match(name):
            lists[name] = choices
            named.append(name)
        else:
            unmapped.append(
                ConversionNote(
                    message=f"choice set name {name!r} cannot be an XLSForm list name; its items "
                    "are written with their own lists.",
                    fix="name choice sets with letters, digits and '_'.",
                    field=name,
                    file=file,
                )
            )
    taken = set(lists)

    def own_list(wanted: str, choices: tuple[Choice, ...]) -> str:
        name = unique_name(wanted, taken)
        lists[name] = choices
        return name

    yes_no = tuple(Choice(c, label) for c, label in YES_NO_CHOICES)
    true_false = tuple(Choice(c, label) for c, label in TRUE_FALSE_CHOICES)
    shared: dict[str, str] = {}
    for item in instrument.items:
        if item.type in ("single_choice", "likert", "multiple_choice"):
            if item.choice_set and item.choice_set in named:
                list_of[item.id] = item.choice_set
            else:
                list_of[item.id] = own_list(item.id, item.choices)
        elif item.type == "yes_no":
            if "yes_no" not in shared:
                shared["yes_no"] = own_list("yes_no", yes_no)
            list_of[item.id] = shared["yes_no"]
        elif item.type == "true_false":
            if "true_false" not in shared:
                shared["true_false"] = own_list("true_false_dk", true_false)
            list_of[item.id] = shared["true_false"]

    survey: list[dict[str, str]] = []
    taken_names = {item.id for item in instrument.items} | {s.id for s in instrument.sections}
    for section in instrument.sections:
        group = {
            "type": "begin group",
            "name": section.id,
            "label": section.title,
            "appearance": "field-list",
        }
        relevant = write_condition(
            format_xlsform_relevant,
            section.show_if,
            targets,
            unmapped,
            failure="the section's condition cannot be written",
            field=section.id,
            file=file,
        )
        if relevant is not None:
            group["relevant"] = relevant
        survey.append(group)
        if section.intro:
            survey.append(
                {
                    "type": "note",
                    "name": unique_name(f"{section.id}_intro", taken_names),
                    "label": section.intro,
                    "readiness::type": "intro",
                }
            )
        for item in (instrument.item(i) for i in section.items):
            survey.append(_row(item, list_of, targets, unmapped, file))
        survey.append({"type": "end group", "name": ""})

    if any(item.type == "month_year" for item in instrument.items):
        warnings.append(ConversionNote(message=MONTH_YEAR_NOTE, file=file))
    warnings.append(
        ConversionNote(
            message="ODK names exported columns with their group (e.g. 'about-site'); choose to "
            "leave group names out when exporting responses, so that columns are item ids.",
            file=file,
        )
    )

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    _write_sheet(sheet, SURVEY_COLUMNS, survey)
    choices_rows = [
        {"list_name": name, "name": str(c.code), "label": c.label}
        for name, choices in lists.items()
        for c in choices
    ]
    _write_sheet(book.create_sheet("choices"), ("list_name", "name", "label"), choices_rows)
    _write_sheet(
        book.create_sheet("settings"),
        ("form_title", "form_id", "version"),
        [{"form_title": instrument.title, "form_id": instrument.id, "version": instrument.version}],
    )
    meta = [
        {"key": "format", "value": "readiness instrument (XLSForm with readiness sheets)"},
        {"key": "language", "value": instrument.language},
        {"key": "choice_sets", "value": json.dumps(named, ensure_ascii=False)},
    ]
    if instrument.description:
        meta.append({"key": "description", "value": instrument.description})
    if instrument.notice:
        meta.append({"key": "notice", "value": instrument.notice})
    if instrument.sources:
        meta.append({"key": "sources", "value": json.dumps(instrument.sources, ensure_ascii=False)})
    _write_sheet(book.create_sheet("readiness"), ("key", "value"), meta)
    data = instrument_to_data(instrument)
    if data.get("scales"):
        rows = []
        for scale in data["scales"]:
            rows.append(
                {
                    "id": scale["id"],
                    "label": scale["label"],
                    "items": " ".join(scale["items"]),
                    "reverse": " ".join(scale.get("reverse", [])),
                    "scoring": scale["scoring"],
                    "min_answered": str(scale.get("min_answered", "")),
                    "description": scale.get("description", ""),
                }
            )
        _write_sheet(book.create_sheet("readiness_scales"), SCALE_COLUMNS, rows)
    if data.get("indicators"):
        rows = []
        for ind in data["indicators"]:
            rows.append(
                {
                    "id": ind["id"],
                    "label": ind["label"],
                    "item": ind.get("item", ""),
                    "scale": ind.get("scale", ""),
                    "when": json.dumps(ind["when"], ensure_ascii=False),
                    "missing": ind.get("missing", ""),
                    "description": ind.get("description", ""),
                    "published": json.dumps(ind["published"], ensure_ascii=False)
                    if ind.get("published")
                    else "",
                }
            )
        _write_sheet(book.create_sheet("readiness_indicators"), INDICATOR_COLUMNS, rows)

    from readiness.tabular import atomic_write

    atomic_write(path, lambda tmp: book.save(tmp))
    return ConversionResult(
        instrument=instrument,
        path=file,
        format="xlsform",
        direction="write",
        unmapped=unmapped,
        warnings=warnings,
    )


def _row(
    item: Item,
    list_of: dict[str, str],
    targets: dict[str, Item],
    unmapped: list[ConversionNote],
    file: str,
) -> dict[str, str]:
    row: dict[str, str] = {"name": item.id, "label": item.text}
    kind = item.type
    if item.hidden:
        row["type"] = "hidden"
        if kind == "single_choice":
            row["readiness::type"] = "single_choice"
            row["readiness::list"] = list_of[item.id]
        elif kind == "number":
            row["readiness::type"] = "number"
            if item.integer:
                row["readiness::integer"] = "yes"
    elif kind in ("single_choice", "likert", "yes_no", "true_false"):
        row["type"] = f"select_one {list_of[item.id]}"
        if kind == "likert":
            row["appearance"] = "likert"
        if kind != "single_choice":
            row["readiness::type"] = kind
    elif kind == "multiple_choice":
        row["type"] = f"select_multiple {list_of[item.id]}"
    elif kind == "number":
        row["type"] = "integer" if item.integer else "decimal"
    elif kind == "month_year":
        row["type"] = "date"
        row["appearance"] = "month-year"
        row["readiness::type"] = "month_year"
    else:
        row["type"] = "text"
    if kind == "true_false":
        row["readiness::key"] = "1" if item.key else "0"
        row["readiness::explanation"] = item.explanation
        row["readiness::source"] = item.source
    if kind == "number":
        bounds = []
        if item.minimum is not None:
            bounds.append(f". >= {format_number(item.minimum)}")
        if item.maximum is not None:
            bounds.append(f". <= {format_number(item.maximum)}")
        if bounds:
            row["constraint"] = " and ".join(bounds)
            low = format_number(item.minimum) if item.minimum is not None else None
            high = format_number(item.maximum) if item.maximum is not None else None
            row["constraint_message"] = (
                f"Enter a number from {low} to {high}."
                if low is not None and high is not None
                else f"Enter a number of at least {low}."
                if low is not None
                else f"Enter a number of at most {high}."
            )
    if item.help:
        row["hint"] = item.help
    if item.required:
        row["required"] = "yes"
    relevant = write_condition(
        format_xlsform_relevant,
        item.show_if,
        targets,
        unmapped,
        failure="the condition cannot be written as relevant",
        field=item.id,
        file=file,
    )
    if relevant is not None:
        row["relevant"] = relevant
    return row


def _write_sheet(sheet, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(c, "") or None for c in columns])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a spreadsheet formula


__all__ = ["read_xlsform", "write_xlsform"]
