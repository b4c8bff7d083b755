"""Writing an instrument as an XLSForm that pyxform compiles: choice lists, survey rows (in
every language the instrument holds), settings and the readiness sheets. See
:mod:`readiness.instrument.xlsform` for the mapping."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from readiness.errors import ConversionError, Problem
from readiness.instrument.dump import instrument_to_data
from readiness.instrument.interop import (
    ConversionNote,
    ConversionResult,
    format_number,
    format_xlsform_relevant,
    unique_name,
    write_condition,
)
from readiness.instrument.model import (
    TRUE_FALSE_CHOICES,
    YES_NO_CHOICES,
    Choice,
    Instrument,
    Item,
    ItemText,
)
from readiness.instrument.plan import plan_to_data
from readiness.instrument.xlsform_languages import column_suffix
from readiness.instrument.xlsform_questions import MONTH_YEAR_NOTE, range_message

FIRST_COLUMNS = ("type", "name")
TEXT_COLUMNS = ("label", "hint")
MIDDLE_COLUMNS = ("required", "relevant", "constraint")
LAST_COLUMNS = (
    "appearance",
    "calculation",
    "parameters",
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
RESERVED_NAMES = ("meta",)  # pyxform 4.5.0: const.RESERVED_NAMES_SURVEY_SHEET
LIST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass
class Out:
    """What writing gathers: the notes, the lists, and the languages' column suffixes."""

    instrument: Instrument
    file: str
    suffixes: dict[str, str]  # language tag -> column suffix ("" for unlabelled)
    unmapped: list[ConversionNote] = field(default_factory=list)
    warnings: list[ConversionNote] = field(default_factory=list)
    lists: dict[str, tuple[Choice, ...]] = field(default_factory=dict)
    list_of: dict[str, str] = field(default_factory=dict)
    named: list[str] = field(default_factory=list)

    def lost(self, message: str, fix: str = "", name: str | None = None) -> None:
        self.unmapped.append(ConversionNote(message=message, fix=fix, field=name, file=self.file))

    def column(self, base: str, tag: str) -> str:
        suffix = self.suffixes[tag]
        return f"{base}::{suffix}" if suffix else base


def suffixes_of(instrument: Instrument) -> dict[str, str]:
    """Each language's column suffix: the default unlabelled unless it has a name."""
    default = column_suffix(instrument.language, instrument.language_name)
    out = {instrument.language: default if instrument.language_name else ""}
    for tag, tr in instrument.translations.items():
        out[tag] = column_suffix(tag, tr.name)
    return out


def _refuse_reserved(instrument: Instrument, file: str) -> None:
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


def choice_lists(out: Out) -> None:
    """Named sets under their names, inline choices under the item's id."""
    for name, choices in out.instrument.choice_sets.items():
        if LIST_NAME.match(name):
            out.lists[name] = choices
            out.named.append(name)
        else:
            out.lost(
                f"choice set name {name!r} cannot be an XLSForm list name; its items are "
                "written with their own lists.",
                "name choice sets with letters, digits and '_'.",
                name,
            )
    taken = set(out.lists)

    def own_list(wanted: str, choices: tuple[Choice, ...]) -> str:
        name = unique_name(wanted, taken)
        out.lists[name] = choices
        return name

    fixed = {
        "yes_no": ("yes_no", tuple(Choice(c, label) for c, label in YES_NO_CHOICES)),
        "true_false": ("true_false_dk", tuple(Choice(c, lab) for c, lab in TRUE_FALSE_CHOICES)),
    }
    shared: dict[str, str] = {}
    for item in out.instrument.items:
        if item.type in ("single_choice", "likert", "multiple_choice"):
            if item.choice_set and item.choice_set in out.named:
                out.list_of[item.id] = item.choice_set
            else:
                out.list_of[item.id] = own_list(item.id, item.choices)
        elif item.type in fixed:
            if item.type not in shared:
                shared[item.type] = own_list(*fixed[item.type])
            out.list_of[item.id] = shared[item.type]


def choice_rows(out: Out) -> list[dict[str, str]]:
    """The choices sheet, each label in every language (a list's translation is taken from
    the first item using it)."""
    translated: dict[tuple[str, str], dict[str, str]] = {}
    for item in out.instrument.items:
        list_name = out.list_of.get(item.id)
        if list_name is None:  # no choices to translate
            continue
        for tag, tr in out.instrument.translations.items():
            text = tr.items.get(item.id)
            for code, label in (text.choices if text else {}).items():
                translated.setdefault((list_name, code), {}).setdefault(tag, label)
    rows = []
    for name, choices in out.lists.items():
        for c in choices:
            row = {"list_name": name, "name": str(c.code)}
            row[out.column("label", out.instrument.language)] = c.label
            for tag, label in translated.get((name, str(c.code)), {}).items():
                row[out.column("label", tag)] = label
            rows.append(row)
    return rows


def survey_rows(out: Out) -> list[dict[str, str]]:
    instrument = out.instrument
    targets = {item.id: item for item in instrument.items}
    survey: list[dict[str, str]] = []
    taken_names = {item.id for item in instrument.items} | {s.id for s in instrument.sections}
    for section in instrument.sections:
        if section.group:
            survey.append(_group_row(out, section, targets))
        elif section.show_if is not None:
            out.lost(
                "the section is not a group, so its condition cannot be written.",
                "make it a group (remove 'group: false'), or give each item the condition.",
                section.id,
            )
        if section.intro:
            intro = {
                "type": "note",
                "name": unique_name(f"{section.id}_intro", taken_names),
                "readiness::type": "intro",
            }
            _texts(out, intro, section.id, "intro", {"label": section.intro})
            survey.append(intro)
        for item in (instrument.item(i) for i in section.items):
            row = item_row(out, item, targets)
            if row is not None:
                survey.append(row)
        if section.group:
            survey.append({"type": "end group", "name": ""})
    return survey


def _group_row(out: Out, section, targets: dict[str, Item]) -> dict[str, str]:
    group = {"type": "begin group", "name": section.id, "appearance": "field-list"}
    _texts(out, group, section.id, "section", {"label": section.title})
    relevant = write_condition(
        format_xlsform_relevant,
        section.show_if,
        targets,
        out.unmapped,
        failure="the section's condition cannot be written",
        field=section.id,
        file=out.file,
    )
    if relevant is not None:
        group["relevant"] = relevant
    return group


def _texts(out: Out, row: dict, owner: str, what: str, default: dict[str, str]) -> None:
    """Put the texts of a row in every language: ``default`` in the default language's columns,
    the translations' in theirs."""
    instrument = out.instrument
    for base, text in default.items():
        if text:
            row[out.column(base, instrument.language)] = text
    for tag, tr in instrument.translations.items():
        if what == "item":
            t = tr.items.get(owner) or ItemText()
            texts = {"label": t.text, "hint": t.help, "constraint_message": t.constraint_message}
        else:
            s = tr.sections.get(owner)
            texts = {"label": (s.title if what == "section" else s.intro) if s else ""}
        for base, text in texts.items():
            if text and (base in default or base == "label"):
                row[out.column(base, tag)] = text


def item_row(out: Out, item: Item, targets: dict[str, Item]) -> dict[str, str] | None:
    row: dict[str, str] = {"name": item.id}
    if item.type == "calculate":
        calculation = write_condition(
            format_xlsform_relevant,
            item.calculation,
            targets,
            out.unmapped,
            failure="the calculation cannot be written as an XLSForm expression",
            field=item.id,
            file=out.file,
        )
        if calculation is None:
            return None
        row.update(type="calculate", calculation=f"if({calculation}, 1, 0)")
    else:
        _type_columns(out, row, item)
    texts = {"label": item.text, "hint": item.help}
    if item.type == "number":
        bounds = []
        if item.minimum is not None:
            bounds.append(f". >= {format_number(item.minimum)}")
        if item.maximum is not None:
            bounds.append(f". <= {format_number(item.maximum)}")
        if bounds:
            row["constraint"] = " and ".join(bounds)
            texts["constraint_message"] = item.constraint_message or range_message(
                item.minimum, item.maximum
            )
    _texts(out, row, item.id, "item", texts)
    if item.required:
        row["required"] = "yes"
    relevant = write_condition(
        format_xlsform_relevant,
        item.show_if,
        targets,
        out.unmapped,
        failure="the condition cannot be written as relevant",
        field=item.id,
        file=out.file,
    )
    if relevant is not None:
        row["relevant"] = relevant
    return row


def _type_columns(out: Out, row: dict[str, str], item: Item) -> None:
    kind, list_of = item.type, out.list_of
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
    elif kind == "number" and _is_range(item):
        row["type"] = "range"
        low, high = format_number(item.minimum), format_number(item.maximum)
        row["parameters"] = f"start={low} end={high} step=1"
    elif kind == "number":
        row["type"] = "integer" if item.integer else "decimal"
    elif kind == "month_year":
        row["type"] = "date"
        row["appearance"] = "month-year"
        row["readiness::type"] = "month_year"
    elif kind in DIRECT:
        row["type"] = DIRECT[kind]
    else:
        row["type"] = "text"
    _appearance(row, item)
    if kind == "true_false":
        row["readiness::key"] = "1" if item.key else "0"
        row["readiness::explanation"] = item.explanation
        row["readiness::source"] = item.source


DIRECT = {"date": "date", "time": "time", "datetime": "dateTime", "note": "note"}


def _is_range(item: Item) -> bool:
    """A whole-number item with both bounds shown as a slider is written as ODK's range."""
    return (
        not item.hidden
        and item.integer
        and item.minimum is not None
        and item.maximum is not None
        and item.maximum > item.minimum  # pyxform: a step of 1 must fit in the range
        and item.appearance.split()[:1] == ["slider"]
    )


def _appearance(row: dict[str, str], item: Item) -> None:
    words = item.appearance.split()
    if row["type"] == "range":
        words = words[1:]  # "slider" is what a range is
    words = [*row.get("appearance", "").split(), *words]
    if words:
        row["appearance"] = " ".join(words)


def survey_columns(out: Out, rows: list[dict[str, str]]) -> tuple[str, ...]:
    """The survey sheet's columns: the fixed ones, and each text column in every language
    used."""
    tags = [out.instrument.language, *out.instrument.translations]
    used = {key for row in rows for key in row}
    texts = [out.column(base, tag) for base in TEXT_COLUMNS for tag in tags]
    messages = [out.column("constraint_message", tag) for tag in tags]
    columns = [*FIRST_COLUMNS, *texts, *MIDDLE_COLUMNS, *messages, *LAST_COLUMNS]
    keep = set(FIRST_COLUMNS) | {out.column("label", out.instrument.language)}
    return tuple(c for c in columns if c in used or c in keep or c in LAST_COLUMNS[3:])


def report_unwritten(out: Out) -> None:
    """Name what an XLSForm has no column for: a constraint message on an item without a
    range. (The translations of the title, description, notice and explanations, which the
    survey sheet holds in one language, are kept on the readiness sheet.)"""
    instrument = out.instrument
    for item in instrument.items:
        if item.constraint_message and (
            item.type != "number" or (item.minimum is None and item.maximum is None)
        ):
            out.lost(
                "the constraint message is not written: the item has no range to check.",
                "give the item a min or max, or remove the message.",
                item.id,
            )


def meta_rows(out: Out) -> list[dict[str, str]]:
    instrument = out.instrument
    meta = [
        {"key": "format", "value": "readiness instrument (XLSForm with readiness sheets)"},
        {"key": "language", "value": instrument.language},
        {"key": "choice_sets", "value": json.dumps(out.named, ensure_ascii=False)},
    ]
    for key in ("description", "notice"):
        if getattr(instrument, key):
            meta.append({"key": key, "value": getattr(instrument, key)})
    if instrument.sources:
        meta.append({"key": "sources", "value": json.dumps(instrument.sources, ensure_ascii=False)})
    if not instrument.analysis.empty:
        # The analysis block (characteristics, grouping, regression) has no XLSForm column.
        plan = json.dumps(plan_to_data(instrument.analysis), ensure_ascii=False)
        meta.append({"key": "analysis", "value": plan})
    for tag, tr in instrument.translations.items():
        # What the survey sheet holds in one language, kept here for every other one; and a
        # draft translation stays marked as one (its review).
        for key in ("title", "description", "notice", "review"):
            if getattr(tr, key):
                meta.append({"key": f"{key}::{tag}", "value": getattr(tr, key)})
        explanations = {iid: t.explanation for iid, t in tr.items.items() if t.explanation}
        if explanations:
            value = json.dumps(explanations, ensure_ascii=False)
            meta.append({"key": f"explanations::{tag}", "value": value})
    return meta


def settings_row(out: Out) -> tuple[tuple[str, ...], dict[str, str]]:
    instrument = out.instrument
    row = {"form_title": instrument.title, "form_id": instrument.id, "version": instrument.version}
    default = out.suffixes[instrument.language]
    if default:
        row["default_language"] = default
    return tuple(row), row


def extra_sheets(book, instrument: Instrument) -> None:
    """Scales and indicators, in sheets pyxform ignores."""
    data = instrument_to_data(instrument)
    if data.get("scales"):
        rows = [
            {
                "id": scale["id"],
                "label": scale["label"],
                "items": " ".join(scale["items"]),
                "reverse": " ".join(scale.get("reverse", [])),
                "scoring": scale["scoring"],
                "min_answered": str(scale.get("min_answered", "")),
                "description": scale.get("description", ""),
            }
            for scale in data["scales"]
        ]
        write_sheet(book.create_sheet("readiness_scales"), SCALE_COLUMNS, rows)
    if data.get("indicators"):
        rows = [
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
            for ind in data["indicators"]
        ]
        write_sheet(book.create_sheet("readiness_indicators"), INDICATOR_COLUMNS, rows)


def write_xlsform(instrument: Instrument, path: str | Path) -> ConversionResult:
    """Write an instrument as an XLSForm (.xlsx) that pyxform compiles.

    Everything travels: our types and fields in ``readiness::`` columns, every language in its
    own columns, scales, indicators and instrument metadata in extra sheets (see
    :mod:`readiness.instrument.xlsform`). The result's ``unmapped`` lists anything that could
    not be written; ``warnings`` what ODK will do differently.
    """
    import openpyxl

    file = str(path)
    _refuse_reserved(instrument, file)
    out = Out(instrument, file, suffixes_of(instrument))
    choice_lists(out)
    survey = survey_rows(out)
    report_unwritten(out)
    if any(item.type == "month_year" for item in instrument.items):
        out.warnings.append(ConversionNote(message=MONTH_YEAR_NOTE, file=file))
    out.warnings.append(
        ConversionNote(
            message="ODK names exported columns with their group (e.g. 'about-site'); choose to "
            "leave group names out when exporting responses, so that columns are item ids.",
            file=file,
        )
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    write_sheet(sheet, survey_columns(out, survey), survey)
    choices = choice_rows(out)
    labels = [out.column("label", tag) for tag in (instrument.language, *instrument.translations)]
    write_sheet(book.create_sheet("choices"), ("list_name", "name", *labels), choices)
    columns, settings = settings_row(out)
    write_sheet(book.create_sheet("settings"), columns, [settings])
    write_sheet(book.create_sheet("readiness"), ("key", "value"), meta_rows(out))
    extra_sheets(book, instrument)

    from readiness.tabular import atomic_write

    atomic_write(path, lambda tmp: book.save(tmp))
    return ConversionResult(
        instrument=instrument,
        path=file,
        format="xlsform",
        direction="write",
        unmapped=out.unmapped,
        warnings=out.warnings,
    )


def write_sheet(sheet, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(c, "") or None for c in columns])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a spreadsheet formula
