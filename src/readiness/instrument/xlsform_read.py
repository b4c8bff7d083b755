"""Reading an XLSForm as an instrument, in phases: the sheets, the settings and languages, the
choice lists, the walk down the survey sheet (groups to sections, questions to items), the
conditions, and the assembly of the instrument. See :mod:`readiness.instrument.xlsform`."""

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
    drop_undefined_sources,
    moved_locations,
    numbered_items,
    parse_xlsform_relevant,
    read_condition,
    section_data,
    slug_id,
    unique_name,
)
from readiness.instrument.load import IDENTIFIER, INSTRUMENT_ID, identifier_from
from readiness.instrument.model import Instrument
from readiness.instrument.xlsform_languages import Language, Languages, find_languages
from readiness.instrument.xlsform_questions import (
    MONTH_YEAR_NOTE,
    ChoiceRow,
    Row,
    question,
    split_type,
    yes_or_no,
)
from readiness.instrument.xlsform_sheets import Sheet, read_sheets

ROW_COLUMNS = {  # survey columns read for every row
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "calculation",
    "parameters",
}
PER_COLUMN = ("readiness::", "label::", "hint::", "constraint_message::", "guidance_hint")
OURS = ("type", "key", "explanation", "source", "list", "integer")


def report_columns(reader: Reader, survey: Sheet) -> None:
    """Warn, column by column, of the columns reported that way and not read (a guidance hint
    in any language, a readiness:: column this version does not know)."""
    for column in survey.header:
        if not column.startswith(PER_COLUMN) or column.startswith(("label", "hint", "constr")):
            continue
        if column.startswith("readiness::") and column[len("readiness::") :] in OURS:
            continue
        if any(column in cells for _, cells in survey.rows):
            why = (
                "Readiness has no place for guidance hints (ODK shows them on printed forms)"
                if "guidance" in column
                else "this version of Readiness does not know it"
            )
            reader.note("warning", survey.name, None, column, f"'{column}' is not kept: {why}.")


class Reader(FileReader):
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

    def stop_if_problems(self) -> None:
        if self.problems:
            raise ConversionError(self.problems, file=self.file)


# --------------------------------------------------------------------------------------------
# Phase 1: sheets, settings, languages


def survey_sheet(reader: Reader, sheets: dict[str, Sheet]) -> Sheet:
    survey = sheets.get("survey")
    if survey is None:
        raise reader.fatal(
            "the workbook has no 'survey' sheet.",
            "an XLSForm has the sheets survey, choices and settings; found: "
            + (", ".join(s.name for s in sheets.values()) or "none")
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
    if not any(h == "label" or h.startswith("label::") for h in header):
        reader.problem(
            survey.name,
            None,
            None,
            "the survey sheet has no 'label' column.",
            "give the survey sheet the columns type, name and label.",
        )
    reader.stop_if_problems()
    return survey


def read_meta(reader: Reader, sheets: dict[str, Sheet]) -> tuple[dict[str, str], set | None]:
    """The ``readiness`` sheet (key / value) and the choice-set names it records."""
    sheet = sheets.get("readiness")
    meta = {c.get("key", ""): c.get("value", "") for _, c in sheet.rows} if sheet else {}
    if "choice_sets" not in meta:
        return meta, None
    try:
        return meta, set(json.loads(meta["choice_sets"]))
    except (ValueError, TypeError):
        reader.problem(
            sheet.name if sheet else "readiness",
            None,
            "value",
            "the readiness sheet's choice_sets is not a JSON list.",
            'write ["agree5"].',
        )
        return meta, None


SETTINGS_READ = ("form_title", "form_id", "version", "default_language", "allow_choice_duplicates")
SETTING_NOTES = {
    "style": "Readiness shows a section a page, whatever ODK's theme",
    "instance_name": "Readiness names responses by their own id",
    "submission_url": "responses come to Readiness, not to an ODK server",
    "public_key": "Readiness does not encrypt submissions with a form's key",
}


def report_settings_and_sheets(reader: Reader, sheets: dict[str, Sheet], settings: dict) -> None:
    """Name the settings that are not kept, and the sheets of ODK features Readiness lacks."""
    for key, value in settings.items():
        if key not in SETTINGS_READ:
            why = SETTING_NOTES.get(key, "Readiness has no such setting")
            reader.note(
                "warning", "settings", 1, key, f"the setting {key} = {value!r} is not kept: {why}."
            )
    entities = sheets.get("entities")
    if entities is not None and entities.rows:
        names = ", ".join(sorted({c.get("list_name", "") for _, c in entities.rows} - {""}))
        reader.note(
            "unmapped",
            entities.name,
            None,
            None,
            f"the ENTITIES sheet (entity list {names or 'unnamed'}) is not mapped: Readiness "
            "does not create or update ODK entities from responses.",
            "keep the form in ODK Central for entity workflows.",
        )


def languages_of(
    reader: Reader, sheets: dict[str, Sheet], settings: dict, fallback: str
) -> Languages:
    choices = sheets.get("choices")
    langs, warning = find_languages(
        sheets["survey"].header,
        choices.header if choices else [],
        settings.get("default_language", ""),
        fallback,
    )
    if warning:
        reader.note("warning", "settings", None, "default_language", warning)
    return langs


# --------------------------------------------------------------------------------------------
# Phase 2: choice lists


def choice_lists(
    reader: Reader, sheet: Sheet | None, langs: Languages, settings: dict
) -> dict[str, list[ChoiceRow]]:
    lists: dict[str, list[ChoiceRow]] = {}
    if sheet is None:
        return lists
    default_column = _choice_columns(reader, sheet, langs)
    if default_column is None:
        return lists
    duplicates_allowed = yes_or_no(settings.get("allow_choice_duplicates", "")) is True
    seen: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        entry = _choice_row(reader, sheet, number, cells, langs, default_column)
        if entry is None:
            continue
        list_name, choice = entry
        key = (list_name, str(choice.code))
        if key in seen:
            if duplicates_allowed:
                reader.note(
                    "warning",
                    sheet.name,
                    number,
                    "name",
                    f"choice '{choice.code}' appears again in list '{list_name}' (first at row "
                    f"{seen[key]}); the settings allow it, but the answers cannot tell the two "
                    "apart, so this one is left out.",
                    name=list_name,
                )
                continue
            reader.problem(
                sheet.name,
                number,
                "name",
                f"choice '{choice.code}' appears twice in list '{list_name}' (first at row "
                f"{seen[key]}).",
                "give each choice in a list its own name, or set allow_choice_duplicates to "
                "yes on the settings sheet.",
            )
            continue
        seen[key] = number
        lists.setdefault(list_name, []).append(choice)
    return lists


def _choice_columns(reader: Reader, sheet: Sheet, langs: Languages) -> str | None:
    """Check the choices sheet's columns and name those not kept; the default language's label
    column, or None after a problem."""
    columns = {h for h in sheet.header if h}
    before = len(reader.problems)
    for column in ("list_name", "name"):
        if column not in columns:
            reader.problem(
                sheet.name,
                None,
                None,
                f"the choices sheet has no '{column}' column.",
                "give the choices sheet the columns list_name, name and label.",
            )
    if not any(c == "label" or c.startswith("label::") for c in columns):
        reader.problem(
            sheet.name,
            None,
            None,
            "the choices sheet has no 'label' column.",
            "give the choices sheet the columns list_name, name and label.",
        )
    if len(reader.problems) > before:
        return None
    default_column = _default_choice_column(reader, sheet, columns, langs)
    for column in sorted(columns):
        if column in ("list_name", "name") or column == "label" or column.startswith("label::"):
            continue
        if any(column in cells for _, cells in sheet.rows):
            reader.note(
                "warning",
                sheet.name,
                None,
                column,
                f"the choices column '{column}' (e.g. a choice filter) is not kept.",
            )
    return default_column


def _default_choice_column(
    reader: Reader, sheet: Sheet, columns: set[str], langs: Languages
) -> str:
    wanted = langs.column("label")
    if wanted in columns:
        return wanted
    fallback = "label" if "label" in columns else sorted(c for c in columns if "label" in c)[0]
    reader.note(
        "warning",
        sheet.name,
        None,
        fallback,
        f"the choices sheet has no '{wanted}' column (the default language); the labels in "
        f"'{fallback}' are used for it.",
        f"add the column '{wanted}'.",
    )
    return fallback


def _choice_row(
    reader: Reader,
    sheet: Sheet,
    number: int,
    cells: dict[str, str],
    langs: Languages,
    default_column: str,
) -> tuple[str, ChoiceRow] | None:
    list_name, raw = cells.get("list_name", ""), cells.get("name", "")
    if not list_name and not raw:
        return None
    if not list_name or not raw:
        column = "list_name" if not list_name else "name"
        reader.problem(
            sheet.name, number, column, f"the choice has no {column}.", f"fill in {column}."
        )
        return None
    code = code_from_text(raw)
    label = cells.get(default_column, "")
    if not label:
        reader.note(
            "warning",
            sheet.name,
            number,
            default_column,
            f"choice '{code}' of list '{list_name}' has no label; its name is used.",
        )
        label = str(code)
    others = {
        lang.tag: cells[f"label::{lang.suffix}" if lang.suffix else "label"]
        for lang in langs.others
        if cells.get(f"label::{lang.suffix}" if lang.suffix else "label")
    }
    return list_name, ChoiceRow(code, label, number, others)


# --------------------------------------------------------------------------------------------
# Phase 3: the walk down the survey sheet


@dataclass
class Gathered:
    """A section being gathered: a group, or questions outside any group."""

    id: str
    title: str
    row: int
    conditions: list[tuple[str, int]] = field(default_factory=list)  # (relevant, row)
    intro: str = ""
    items: list[dict] = field(default_factory=list)
    rows: int = 0
    condition: Condition | None = None
    continues: str | None = None  # the group this section continues after a nested group
    group: bool = True  # False: questions outside any group
    texts: dict[str, dict] = field(default_factory=dict)  # tag -> {"title", "intro"}


@dataclass
class Group:
    name: str
    label: str
    row: int
    conditions: list[tuple[str, int]]
    repeat: bool = False


# A name ODK accepts (an XML name without ':'), which a Readiness id may not be: renamed.
ODK_NAME = re.compile(r"\A[^\W\d][\w.\-]*\Z")


@dataclass
class Walk:
    """What the walk down the survey sheet gathers."""

    survey: Sheet
    langs: Languages
    lists: dict[str, list[ChoiceRow]]
    title: str
    sections: list[Gathered] = field(default_factory=list)
    stack: list[Group] = field(default_factory=list)
    current: Gathered | None = None
    names: dict[tuple[tuple[str, ...], str], int] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    group_names: set[str] = field(default_factory=set)
    locations: dict[str, Location] = field(default_factory=dict)
    relevants: dict[tuple[int, int], tuple[str, int]] = field(default_factory=dict)
    list_uses: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    targets: dict[str, ItemTarget] = field(default_factory=dict)
    item_texts: dict[str, dict[str, dict]] = field(default_factory=dict)  # tag -> id -> texts
    renames: dict[str, str] = field(default_factory=dict)  # an ODK name -> its Readiness id

    def new_section(self, wanted: str, title: str, row: int, conditions: list) -> Gathered:
        taken = {s.id for s in self.sections}
        sid, n = wanted, 2
        while sid in taken:
            sid, n = f"{wanted}_{n}", n + 1
        section = Gathered(sid, title, row, list(conditions))
        self.sections.append(section)
        self.locations[f"sections[{len(self.sections) - 1}]"] = Location(
            field=sid, row=row, column="name", sheet=self.survey.name
        )
        return section


def walk_survey(reader: Reader, survey: Sheet, walk: Walk) -> Walk:
    walk.group_names = {
        cells.get("name", "")
        for _, cells in survey.rows
        if split_type(cells.get("type", ""))[0] in ("begin group", "begin repeat")
    }
    for number, cells in survey.rows:
        raw_type = " ".join(cells.get("type", "").split())
        if not raw_type:
            if cells.get("name") or walk.langs.default_text(cells, "label"):
                reader.problem(
                    survey.name,
                    number,
                    "type",
                    f"row '{cells.get('name', '')}' has no type.",
                    "give it a question type, or delete the row.",
                )
            continue
        kind, parts = split_type(raw_type)
        if kind in ("begin group", "begin repeat"):
            _begin_group(reader, walk, Row(survey.name, number, cells, kind, parts))
        elif kind in ("end group", "end repeat"):
            _end_group(reader, walk, number, raw_type)
        else:
            _question_row(reader, walk, Row(survey.name, number, cells, kind, parts))
    if walk.stack:
        reader.problem(
            survey.name,
            walk.stack[-1].row,
            "type",
            f"group '{walk.stack[-1].name}' is never closed.",
            "add an 'end group' row after its last question.",
        )
    reader.stop_if_problems()
    return walk


def _begin_group(reader: Reader, walk: Walk, row: Row) -> None:
    cells, name, number = row.cells, row.cells.get("name", ""), row.number
    if not name:
        reader.problem(row.sheet, number, "name", "a group has no name.", "name it.")
    stack = walk.stack
    repeat = row.kind == "begin repeat" or bool(stack and stack[-1].repeat)
    outer = [c for g in stack for c in g.conditions]
    own = [(cells["relevant"], number)] if cells.get("relevant") else []
    label = walk.langs.default_text(cells, "label")
    group = Group(name, label, number, own, bool(repeat))
    if stack and not repeat:
        reader.note(
            "warning",
            row.sheet,
            number,
            "type",
            f"group '{name}' inside group '{stack[-1].name}' becomes a section of its own.",
            name=name,
        )
    stack.append(group)
    if row.kind == "begin repeat":
        reader.note(
            "unmapped",
            row.sheet,
            number,
            "type",
            "a repeat is not mapped: a Readiness response answers each item once. Its "
            "questions are reported one by one.",
            "ask a fixed number of questions instead.",
            name=name,
        )
    if not repeat:
        title = label or name.replace("_", " ").capitalize()
        wanted = identifier_from(name, "group") if name else "group"
        walk.current = walk.new_section(wanted, title, number, outer + own)
        if name and walk.current.id != name and ODK_NAME.match(name):
            reader.note(
                "warning",
                row.sheet,
                number,
                "name",
                f"the group name '{name}' (which ODK allows) is not a Readiness id: the section "
                f"is '{walk.current.id}'.",
                "rename the group in the form if you want to choose the name.",
                name=walk.current.id,
            )
        for lang in walk.langs.others:
            text = walk.langs.text(cells, "label", lang)
            if text:
                walk.current.texts.setdefault(lang.tag, {})["title"] = text
    for column in _not_kept(cells):
        reader.note(
            "warning", row.sheet, number, column, f"the group's '{column}' is not kept.", name=name
        )
    if cells.get("appearance") and cells["appearance"] != "field-list":
        reader.note(
            "warning",
            row.sheet,
            number,
            "appearance",
            f"the group's appearance {cells['appearance']!r} is not kept.",
            name=name,
        )


def _end_group(reader: Reader, walk: Walk, number: int, raw_type: str) -> None:
    if not walk.stack:
        reader.problem(
            walk.survey.name,
            number,
            "type",
            f"'{raw_type}' has no matching begin.",
            "remove it, or add the begin group above it.",
        )
        return
    walk.stack.pop()
    walk.current = None


def _not_kept(cells: dict[str, str]) -> list[str]:
    """The columns of a survey row to report on that row as not kept: all but the ones read
    and the ones reported column by column."""
    return [c for c in cells if c not in ROW_COLUMNS and not c.startswith(PER_COLUMN)]


def _question_row(reader: Reader, walk: Walk, row: Row) -> None:
    name, number = row.cells.get("name", ""), row.number
    if not name:
        reader.problem(
            row.sheet, number, "name", f"a '{row.kind}' question has no name.", "name it."
        )
        return
    where = tuple(g.name for g in walk.stack)
    if (where, name) in walk.names:
        reader.problem(
            row.sheet,
            number,
            "name",
            f"the name '{name}' is used twice (first at row {walk.names[(where, name)]}).",
            "give each question its own name.",
        )
        return
    walk.names[(where, name)] = number
    if not IDENTIFIER.match(name) and ODK_NAME.match(name):  # '-', '.', letters beyond ASCII
        row = _valid_name(reader, walk, row)
        name = row.cells["name"]
    if name in walk.ids:  # ODK allows a name again in another group; an item id is unique
        row = _renamed(reader, walk, row, where)
        name = row.cells["name"]
    walk.ids.add(row.cells["name"])
    if not _known_type(reader, walk, row):
        return
    if walk.stack and walk.stack[-1].repeat:
        repeat = next(g for g in walk.stack if g.repeat).name
        reader.note(
            "unmapped",
            row.sheet,
            number,
            "type",
            f"the question is inside the repeat '{repeat}'; repeats are not mapped.",
            "ask a fixed number of questions instead.",
            name=name,
        )
        return
    section = _current_section(walk, number)
    item = question(reader, row, walk.langs, walk.lists, section, _calculation(reader, walk, row))
    for column in _not_kept(row.cells):
        reader.note(
            "warning",
            row.sheet,
            number,
            column,
            f"'{column}' ({row.cells[column]!r}) is not kept.",
            name=name,
        )
    if item is None:
        return
    section.rows += 1
    if isinstance(item, str):  # "intro": the note became the section's introduction
        return
    _add_item(walk, row, section, item)


def _calculation(reader: Reader, walk: Walk, row: Row):
    """How a calculate row's expression is read: as a condition on the questions above it."""

    def parse(text: str) -> dict | None:
        order = {name: n for n, name in enumerate(walk.targets)}
        answers = {k: t for k, t in walk.targets.items() if t.type != "note"}  # notes hold none
        name = row.cells["name"]
        condition = read_condition(
            parse_xlsform_relevant,
            renamed_references(text, walk.renames),
            answers,
            order,
            len(order),
            f"item {name}",
            language="calculation",
            unit="question",
            report=lambda message, fix: reader.note(
                "unmapped",
                row.sheet,
                row.number,
                "calculation",
                message.replace("The item is kept and always shown.", "The item is not mapped."),
                fix,
                name=name,
            ),
        )
        return condition.to_data() if condition is not None else None

    return parse


def _valid_name(reader: Reader, walk: Walk, row: Row) -> Row:
    name = row.cells["name"]
    new = unique_name(identifier_from(name, "item"), walk.ids | walk.group_names)
    walk.renames[name] = new
    reader.note(
        "warning",
        row.sheet,
        row.number,
        "name",
        f"the name '{name}' (which ODK allows) is not a Readiness id (ASCII letters, digits and "
        f"underscores): this question is renamed '{new}', and the conditions that name it follow.",
        "rename it in the form if you want to choose the name.",
        name=new,
    )
    return Row(row.sheet, row.number, {**row.cells, "name": new}, row.kind, row.parts)


def renamed_references(text: str, renames: dict[str, str]) -> str:
    """An expression with ``${old}`` written as ``${new}`` for every question renamed."""
    for old, new in renames.items():
        text = text.replace("${" + old + "}", "${" + new + "}")
    return text


def _renamed(reader: Reader, walk: Walk, row: Row, where: tuple[str, ...]) -> Row:
    name = row.cells["name"]
    new = unique_name(f"{where[-1] if where else 'top'}_{name}", walk.ids | walk.group_names)
    reader.note(
        "warning",
        row.sheet,
        row.number,
        "name",
        f"the name '{name}' is used in another group too (ODK allows it; a Readiness item id "
        f"is unique in the instrument): this question is renamed '{new}'.",
        "rename it in the form if you want to choose the name.",
        name=new,
    )
    return Row(row.sheet, row.number, {**row.cells, "name": new}, row.kind, row.parts)


def _known_type(reader: Reader, walk: Walk, row: Row) -> bool:
    from readiness.instrument.xlsform_questions import is_known_type

    base_type, parts = row.parts[0], row.parts
    if base_type in ("select_one", "select_multiple"):
        if len(parts) < 2:
            reader.problem(
                row.sheet,
                row.number,
                "type",
                f"'{row.kind}' names no choice list.",
                f"write '{base_type} LIST'.",
            )
            return False
        if parts[1] not in walk.lists:
            reader.problem(
                row.sheet,
                row.number,
                "type",
                f"the choice list '{parts[1]}' is not defined on the choices sheet.",
                "add its choices to the choices sheet, or correct the list name "
                "(list names are case-sensitive).",
            )
            return False
        spaced = [c for c in walk.lists[parts[1]] if " " in str(c.code)]
        if base_type == "select_multiple" and spaced:
            reader.problem(
                row.sheet,
                row.number,
                "type",
                f"the list '{parts[1]}' has the choice name '{spaced[0].code}' (choices sheet, "
                f"row {spaced[0].row}) with a space: a select_multiple stores its answers "
                "separated by spaces (ODK refuses it too).",
                "use a name without spaces, such as " + repr(str(spaced[0].code).replace(" ", "_")),
            )
            return False
    if not is_known_type(row.kind, base_type):
        reader.problem(
            row.sheet,
            row.number,
            "type",
            f"'{row.cells.get('type', '')}' is not an XLSForm question type.",
            "use select_one, select_multiple, integer, decimal, text, date, note, hidden, ...",
        )
        return False
    return True


def _current_section(walk: Walk, number: int) -> Gathered:
    if walk.current is None:
        if walk.stack:
            outer = walk.stack[-1]
            walk.current = walk.new_section(
                outer.name,
                outer.label or outer.name,
                number,
                [c for g in walk.stack for c in g.conditions],
            )
            walk.current.continues = outer.name
        else:
            wanted = "main" if "main" not in walk.group_names else "main_questions"
            walk.current = walk.new_section(wanted, walk.title, number, [])
            walk.current.group = False
    return walk.current


def _add_item(walk: Walk, row: Row, section: Gathered, item: dict) -> None:
    name, number, sheet = item["id"], row.number, row.sheet
    s_index, i_index = len(walk.sections) - 1, len(section.items)
    ipath = f"sections[{s_index}].items[{i_index}]"
    walk.locations[ipath] = Location(field=name, row=number, column="name", sheet=sheet)
    for sub, column in (
        ("text", walk.langs.column("label")),
        ("help", walk.langs.column("hint")),
        ("type", "type"),
        ("choices", "type"),
        ("min", "constraint"),
        ("max", "constraint"),
        ("key", "readiness::key"),
        ("explanation", "readiness::explanation"),
        ("source", "readiness::source"),
        ("show_if", "relevant"),
        ("calculation", "calculation"),
    ):
        walk.locations[f"{ipath}.{sub}"] = Location(
            field=name, row=number, column=column, sheet=sheet
        )
    list_name = item.pop("_list", None)
    for tag, texts in item.pop("_texts", {}).items():
        walk.item_texts.setdefault(tag, {})[name] = texts
    if list_name and item["type"] in ("single_choice", "likert", "multiple_choice"):
        walk.list_uses.setdefault(list_name, []).append((s_index, i_index))
    section.items.append(item)
    walk.targets[name] = ItemTarget.from_data(item)
    if row.cells.get("relevant"):
        walk.relevants[(s_index, i_index)] = (row.cells["relevant"], number)


# --------------------------------------------------------------------------------------------
# Phase 4: conditions, now that every item is known


def read_conditions(reader: Reader, walk: Walk) -> None:
    sections = walk.sections
    order = {i["id"]: n for n, i in enumerate(i for s in sections for i in s.items)}
    position = 0
    for section in sections:
        first = position
        position += len(section.items)
        parsed: list[Condition] = []
        for text, row in section.conditions:
            condition = _condition(reader, walk, text, row, order, first, "section", section.id)
            if condition is None:
                parsed = []
                break
            parsed.append(condition)
        if parsed:
            section.condition = parsed[0] if len(parsed) == 1 else All(tuple(parsed))
    for s_index, i_index, here, item in numbered_items(sections):
        if (s_index, i_index) in walk.relevants:
            text, row = walk.relevants[(s_index, i_index)]
            condition = _condition(reader, walk, text, row, order, here, "item", item["id"])
            if condition is not None:
                item["show_if"] = condition.to_data()


def _condition(
    reader: Reader,
    walk: Walk,
    text: str,
    row: int,
    order: dict[str, int],
    position: int,
    what: str,
    name: str,
) -> Condition | None:
    return read_condition(
        parse_xlsform_relevant,
        renamed_references(text, walk.renames),
        walk.targets,
        order,
        position,
        f"{what} {name}",
        language="relevant",
        unit="question",
        report=lambda message, fix: reader.note(
            "unmapped", walk.survey.name, row, "relevant", message, fix, name=name
        ),
    )


# --------------------------------------------------------------------------------------------
# Phase 5: the instrument


def named_choice_sets(walk: Walk, named_sets: set | None) -> dict[str, list[dict]]:
    """Named choice lists: those the readiness sheet names, else those used by several items."""
    choice_sets: dict[str, list[dict]] = {}
    lists = walk.lists
    for list_name, uses in walk.list_uses.items():
        named = list_name in named_sets if named_sets is not None else len(uses) > 1
        if not named:
            continue
        choice_sets[list_name] = [{"code": c.code, "label": c.label} for c in lists[list_name]]
        for s_index, i_index in uses:
            walk.sections[s_index].items[i_index]["choices"] = list_name
    for list_name in sorted(named_sets or ()):
        if list_name not in choice_sets and list_name in lists:
            choice_sets[list_name] = [{"code": c.code, "label": c.label} for c in lists[list_name]]
    return choice_sets


def identity(reader: Reader, settings: dict, settings_sheet: Sheet | None, path: Path) -> dict:
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
    title = settings.get("form_title", "") or path.stem
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
    return {"id": inst_id, "version": version, "title": title}


def translations_data(walk: Walk, kept_sections: list[Gathered]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    kept_items = {i["id"] for s in kept_sections for i in s.items}
    for lang in walk.langs.others:
        body: dict[str, Any] = {}
        if lang.name:
            body["name"] = lang.name
        sections = {s.id: s.texts[lang.tag] for s in kept_sections if s.texts.get(lang.tag)}
        items = {
            iid: texts
            for iid, texts in walk.item_texts.get(lang.tag, {}).items()
            if iid in kept_items and texts
        }
        if sections:
            body["sections"] = sections
        if items:
            body["items"] = items
        out[lang.tag] = body
    return out


def keep_reviews(data: dict, meta: dict) -> None:
    """What the readiness sheet keeps of each translation (``<key>::<tag>``): the title,
    description and notice, the explanations (JSON: item id -> text), and ``review``."""
    for tag, body in data.get("translations", {}).items():
        for key in ("title", "description", "notice", "review"):
            if meta.get(f"{key}::{tag}"):
                body[key] = meta[f"{key}::{tag}"]
        try:
            explanations = json.loads(meta.get(f"explanations::{tag}") or "{}")
        except ValueError:
            explanations = {}
        kept = {i["id"] for section in data.get("sections", []) for i in section["items"]}
        for iid, text in explanations.items() if isinstance(explanations, dict) else ():
            if iid in kept:  # an item left out on reading takes its explanation with it
                body.setdefault("items", {}).setdefault(iid, {})["explanation"] = str(text)


def metadata(
    reader: Reader, data: dict, meta: dict, base: Instrument | None, langs: Languages
) -> None:
    """Description, notice, language and sources: from the readiness sheet, else ``base``."""
    base_data = instrument_to_data(base) if base is not None else {}
    for key in ("description", "notice"):
        value = meta.get(key) or base_data.get(key)
        if value:
            data[key] = value
    data["language"] = langs.default.tag
    if langs.default.name:
        data["language_name"] = langs.default.name
    sources = None
    if meta.get("sources"):
        try:
            sources = json.loads(meta["sources"])
        except ValueError:
            reader.problem(
                "readiness",
                None,
                "value",
                "the readiness sheet's sources are not JSON.",
                "write them as a JSON object.",
            )
    elif base is not None:
        sources = base_data.get("sources")
    if sources:
        data["sources"] = sources
    analysis = _json_meta(reader, meta, "analysis", "analysis block") or base_data.get("analysis")
    if analysis:
        data["analysis"] = analysis


def _json_meta(reader: Reader, meta: dict, key: str, what: str):
    """A JSON value of the readiness sheet (None when absent or not JSON, which is reported)."""
    if not meta.get(key):
        return None
    try:
        return json.loads(meta[key])
    except ValueError:
        reader.problem(
            "readiness",
            None,
            "value",
            f"the readiness sheet's {what} is not JSON.",
            "write it as a JSON object, or delete the row.",
        )
        return None


def assemble(
    reader: Reader,
    walk: Walk,
    data: dict,
    sheets: dict[str, Sheet],
    base: Instrument | None,
) -> tuple[dict[str, Location], list[int]]:
    """Sections (those with items), scales and indicators into ``data``; the locations of
    what was kept and, for each section kept, its index among the gathered ones."""
    base_data = instrument_to_data(base) if base is not None else {}
    for item, source in drop_undefined_sources(walk.sections, data.get("sources")):
        reader.note(
            "warning",
            walk.survey.name,
            None,
            "readiness::source",
            f"cites source '{source}', which the workbook does not define; the citation is not "
            "kept.",
            "pass the original instrument as base, or add the source in the YAML.",
            name=item["id"],
        )
    data["sections"] = []
    kept: dict[str, Location] = {"": Location(sheet="settings")}
    old_index: list[int] = []
    for s_index, section in enumerate(walk.sections):
        if not _keep_section(reader, walk, section):
            continue
        old_index.append(s_index)
        kept.update(moved_locations(walk.locations, s_index, len(data["sections"])))
        data["sections"].append(section_data(section, section.title or section.id))
        if not section.group:
            data["sections"][-1]["group"] = False
    kept_sections = [walk.sections[i] for i in old_index]
    translations = translations_data(walk, kept_sections)
    if translations:
        data["translations"] = translations
    for kind, sheet_name in (
        ("scales", "readiness_scales"),
        ("indicators", "readiness_indicators"),
    ):
        sheet = sheets.get(sheet_name)
        if sheet is not None:
            data[kind] = extra_rows(reader, sheet, kind)
            for index, (number, _) in enumerate(r for r in sheet.rows if r[1].get("id")):
                kept[f"{kind}[{index}]"] = Location(row=number, sheet=sheet.name)
        elif base_data.get(kind):
            data[kind] = base_data[kind]
    return kept, old_index


def _keep_section(reader: Reader, walk: Walk, section: Gathered) -> bool:
    if not section.items:
        if section.rows or section.intro:
            reader.note(
                "warning",
                walk.survey.name,
                section.row,
                "name",
                f"section '{section.id}' has no question that could be mapped; it is left out.",
                name=section.id,
            )
        return False
    if section.continues:
        reader.note(
            "warning",
            walk.survey.name,
            section.row,
            "type",
            f"questions after a nested group continue group '{section.continues}' as "
            f"section '{section.id}'.",
            name=section.items[0]["id"],
        )
    return True


def extra_rows(reader: Reader, sheet: Sheet, kind: str) -> list[dict]:
    """The ``readiness_scales`` or ``readiness_indicators`` sheet's rows as instrument data."""
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


def read_xlsform(path: str | Path, *, base: Instrument | None = None) -> ConversionResult:
    """Read an XLSForm (.xlsx, .xls, or pyxform's CSV layout) as an instrument.

    ``base``: an instrument to take scales, indicators, description, notice and sources from
    when the workbook has no ``readiness`` sheets (an XLSForm not written by Readiness).

    Raises :class:`ConversionError` listing every fatal problem (missing sheets or columns,
    duplicate names, a select whose choice list is not defined, unknown types, unbalanced
    groups) with its sheet, row and column. What is read but cannot be mapped is listed,
    question by question, in the result's ``unmapped``. Rows are counted as in
    :class:`readiness.errors.Problem`: the first row after a sheet's header is row 1.
    """
    path = Path(path)
    reader = Reader(path)
    sheets = read_sheets(path, reader.file, reader.fatal)
    survey = survey_sheet(reader, sheets)
    settings_sheet = sheets.get("settings")
    settings = settings_sheet.rows[0][1] if settings_sheet and settings_sheet.rows else {}
    meta, named_sets = read_meta(reader, sheets)
    report_settings_and_sheets(reader, sheets, settings)
    fallback = meta.get("language") or (base.language if base is not None else "") or "en-GB"
    langs = languages_of(reader, sheets, settings, fallback)
    lists = choice_lists(reader, sheets.get("choices"), langs, settings)
    data = identity(reader, settings, settings_sheet, path)
    walk = walk_survey(reader, survey, Walk(survey, langs, lists, data["title"]))
    report_columns(reader, survey)
    read_conditions(reader, walk)
    choice_sets = named_choice_sets(walk, named_sets)
    metadata(reader, data, meta, base, langs)
    if choice_sets:
        data["choice_sets"] = choice_sets
    kept, old_index = assemble(reader, walk, data, sheets, base)
    keep_reviews(data, meta)
    reader.stop_if_problems()

    def source_text(s_index: int, i_index: int | None) -> str:
        section = walk.sections[old_index[s_index]]
        if i_index is None:
            return " and ".join(text for text, _ in section.conditions)
        return walk.relevants.get((old_index[s_index], i_index), ("", 0))[0]

    instrument = build_with_recovery(data, kept, reader.file, reader.unmapped, source_text)
    if any(i.type == "month_year" for i in instrument.items):
        reader.note("warning", survey.name, None, "appearance", MONTH_YEAR_NOTE)
    return reader.result(instrument, "xlsform")


__all__ = ["Language", "read_xlsform"]
