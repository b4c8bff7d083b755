"""REDCap fields read as items: each field type's mapping, then what every field may carry."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Protocol

from readiness.instrument.interop import (
    ExpressionError,
    code_from_text,
    codes_fit_likert,
    has_fixed_codes,
    number_from_text,
    parse_redcap_logic,
    valid_code,
)
from readiness.instrument.model import UNASKED_TYPES
from readiness.instrument.redcap_columns import READINESS_ID, Annotation, tag_text

NOT_MAPPED = {
    "file": (
        "a file upload has no Readiness item type (anonymous surveys collect no files).",
        "leave it out, or ask for the information as text.",
    ),
    "signature": (
        "a signature (a file drawn on screen) has no Readiness item type; anonymous surveys "
        "collect no signatures.",
        "leave it out, or ask for consent as a yes/no item.",
    ),
    "sql": (
        "a dynamic SQL field depends on the REDCap server's database.",
        "use a single choice item with its choices written out.",
    ),
}
# Text validations that are dates and times: the item type, and the validation written back
# (Readiness stores ISO 8601 text, so REDCap's display order and seconds are not kept).
DATE_VALIDATIONS = {
    "date_ymd": "date",
    "date_dmy": "date",
    "date_mdy": "date",
    "time": "time",
    "time_hh_mm_ss": "time",
    "datetime_ymd": "datetime",
    "datetime_dmy": "datetime",
    "datetime_mdy": "datetime",
    "datetime_seconds_ymd": "datetime",
    "datetime_seconds_dmy": "datetime",
    "datetime_seconds_mdy": "datetime",
}
WRITTEN_VALIDATION = {"date": "date_ymd", "time": "time", "datetime": "datetime_ymd"}
SLIDER_RANGE = (0.0, 100.0)  # REDCap's slider runs from 0 to 100 unless its min / max say
# A calc whose expression is a condition, written as REDCap writes a 1/0 flag.
CALC_FLAG = re.compile(r"\A\s*if\s*\((?P<condition>.*),\s*1\s*,\s*0\s*\)\s*\Z", re.S | re.I)
MULTILINE = "multiline"  # a notes field: a text box of several lines (XLSForm's word)
KNOWN_TAGS = {
    "TYPE",
    "KEY",
    "EXPLANATION",
    "SOURCE",
    "CHOICES",
    "INTRO",
    "CONSTRAINT-MESSAGE",
    "ID",
}
Choices = list[tuple[int | str, str]]


class Row(Protocol):
    number: int

    def __getitem__(self, column: str) -> str: ...


class Notes(Protocol):
    def note(
        self, kind: str, row: Any, column: str | None, message: str, fix: str = ""
    ) -> None: ...


@dataclass
class Field:
    """One field being read: its row, annotation and parsed choices, and where notes go."""

    notes: Notes
    row: Row
    annotation: Annotation
    choices: Choices | None
    matrix_warned: set[str]
    targets: Mapping[str, Any] = dataclass_field(default_factory=dict)  # the items before it

    @property
    def kind(self) -> str:
        return self.row["field_type"].lower()

    @property
    def our_type(self) -> str:
        return tag_text(self.annotation.tags.get("TYPE"))

    @property
    def validation(self) -> str:
        return self.row["text_validation_type_or_show_slider_number"].lower()

    def note(self, kind: str, column: str | None, message: str, fix: str = "") -> None:
        self.notes.note(kind, self.row, column, message, fix)

    def as_choices(self) -> list[dict]:
        return [{"code": c, "label": label} for c, label in (self.choices or [])]

    @property
    def codes(self) -> list[int | str]:
        return [c for c, _ in (self.choices or [])]


def parse_choices(text: str) -> tuple[Choices, list[tuple[str, str]]]:
    """``1, Label | 2, Label`` as (code, label) pairs, and the errors found (message, fix)."""
    errors: list[tuple[str, str]] = []
    out: Choices = []
    seen: set[str] = set()
    for part in (p.strip() for p in text.split("|")):
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
        elif str(code) in seen:
            errors.append((f"choice code {code} is used twice.", "give each choice its own code."))
        else:
            seen.add(str(code))
            out.append((code, label.strip()))
    if not out and not errors:
        errors.append(("a choice field has no choices.", "write them as '1, Label | 2, Label'."))
    return out, errors


# --------------------------------------------------------------------------------------------
# The field's type


def field_item(f: Field) -> dict | None:
    """The item a field maps to (as instrument data), or None after reporting why not."""
    if not _mappable(f):
        return None
    item: dict[str, Any] = {"id": _item_id(f), "text": f.row["field_label"]}
    TYPE_MAPPERS.get(f.kind, _text_item)(f, item)
    if "type" not in item:
        return None
    _check_type(f, item)
    _common(f, item)
    _layout_notes(f)
    _annotation_notes(f)
    return item


def _item_id(f: Field) -> str:
    """The field's name, or the id @READINESS-ID gives (an id REDCap would not accept)."""
    wanted = tag_text(f.annotation.tags.get("ID"))
    if wanted and not READINESS_ID.match(wanted):
        f.note("warning", "field_annotation", f"@READINESS-ID={wanted} is not an id; ignored.")
        wanted = ""
    return wanted or f.row["field_name"]


def _mappable(f: Field) -> bool:
    kind = "signature" if f.kind == "file" and f.validation == "signature" else f.kind
    if kind in NOT_MAPPED:
        message, fix = NOT_MAPPED[kind]
        f.note("unmapped", "field_type", f"field type '{kind}' is not mapped: {message}", fix)
        return False
    return True


def _single_choice(f: Field, item: dict) -> None:
    matrix, our = f.row["matrix_group_name"], f.our_type
    if f.kind == "dropdown":
        item["appearance"] = "autocomplete" if f.validation == "autocomplete" else "dropdown"
    elif f.validation:
        f.note(
            "warning",
            "text_validation_type_or_show_slider_number",
            f"validation '{f.validation}' of a radio field is not kept.",
        )
    if our == "true_false":
        _true_false(f, item)
    elif our == "likert":
        item.update(type="likert", choices=f.as_choices())
    elif our != "single_choice" and matrix and f.kind == "radio" and codes_fit_likert(f.codes):
        item.update(type="likert", choices=f.as_choices())
        _matrix_note(
            f,
            f"the radio fields of matrix group '{matrix}' are read as Likert items (a matrix "
            "with whole-number codes is REDCap's rating grid). The group's name is not kept: "
            "written back, a run of two or more Likert items with the same choices is a matrix "
            "named after its section (<section>_m1).",
            "tag a field @READINESS-TYPE=single_choice to read it as a plain choice.",
        )
    else:
        item.update(type="single_choice", choices=f.as_choices())
        _matrix_note(f, f"matrix group '{matrix}' is shown as separate questions; {SEPARATE}")


SEPARATE = "written back, they are separate fields."


def _matrix_note(f: Field, message: str, fix: str = "") -> None:
    matrix = f.row["matrix_group_name"]
    if matrix and matrix not in f.matrix_warned:
        f.matrix_warned.add(matrix)
        f.note("warning", "matrix_group_name", message, fix)


def _true_false(f: Field, item: dict) -> None:
    tags = f.annotation.tags
    if not has_fixed_codes(f.codes, "true_false"):
        f.note(
            "warning",
            "select_choices_or_calculations",
            "tagged as true_false but its codes are not 1 (True), 0 (False) and 8 (Don't know); "
            "read as a single choice.",
            "use the codes 1, 0 and 8.",
        )
        item.update(type="single_choice", choices=f.as_choices())
        return
    item["type"] = "true_false"
    key = tag_text(tags.get("KEY")).lower()
    if key in ("1", "true", "0", "false"):
        item["key"] = key in ("1", "true")
    for name, tag in (("explanation", "EXPLANATION"), ("source", "SOURCE")):
        if tag_text(tags.get(tag)):
            item[name] = tag_text(tags.get(tag))


def _checkbox(f: Field, item: dict) -> None:
    item.update(type="multiple_choice", choices=f.as_choices())
    matrix = f.row["matrix_group_name"]
    _matrix_note(f, f"matrix group '{matrix}' is shown as separate questions; {SEPARATE}")


def _yes_no(f: Field, item: dict) -> None:
    item["type"] = "yes_no"


def _truefalse_field(f: Field, item: dict) -> None:
    item.update(
        type="single_choice", choices=[{"code": 1, "label": "True"}, {"code": 0, "label": "False"}]
    )
    f.note(
        "warning",
        "field_type",
        "REDCap's truefalse field has no \"don't know\" and no answer key; read as a single "
        "choice (1 True, 0 False).",
        "to score it as knowledge, make it a true_false item with a key in the YAML.",
    )


def _notes_field(f: Field, item: dict) -> None:
    item.update(type="text", appearance=MULTILINE)


def _text_item(f: Field, item: dict) -> None:
    validation = f.validation
    if f.our_type == "month_year":
        item["type"] = "month_year"
        if validation:
            f.note(
                "warning",
                "text_validation_type_or_show_slider_number",
                f"validation '{validation}' is not kept; month_year answers are YYYY-MM.",
            )
    elif validation in ("integer", "int", "float") or validation.startswith("number"):
        _number(f, item)
    elif validation in DATE_VALIDATIONS:
        _date(f, item)
    else:
        item["type"] = "text"
        if validation:
            f.note(
                "warning",
                "text_validation_type_or_show_slider_number",
                f"validation '{validation}' is not kept; read as free text.",
            )


def _date(f: Field, item: dict) -> None:
    item["type"] = kind = DATE_VALIDATIONS[f.validation]
    if f.validation != WRITTEN_VALIDATION[kind]:
        f.note(
            "warning",
            "text_validation_type_or_show_slider_number",
            f"validation '{f.validation}' is read as a {kind} (stored as ISO 8601 text); "
            f"written back, it is {WRITTEN_VALIDATION[kind]} (REDCap's display order and "
            "seconds are not kept).",
        )


def _descriptive(f: Field, item: dict) -> None:
    item["type"] = "note"


def _calc(f: Field, item: dict) -> None:
    """A calc whose expression is a condition (or ``if(condition, 1, 0)``) is a calculate item;
    any other is reported and left out (item["type"] stays unset)."""
    text = f.row["select_choices_or_calculations"]
    flag = CALC_FLAG.match(text)
    try:
        condition = parse_redcap_logic(flag["condition"] if flag else text, f.targets)
    except ExpressionError as err:
        f.note(
            "unmapped",
            "select_choices_or_calculations",
            f"the calculated field {text!r} is not mapped: Readiness calculates only a condition "
            f"of earlier answers (1 when it holds, 0 when not), and here {err}.",
            "calculate it after the export, or as a scale or indicator in the instrument YAML.",
        )
        return
    item.update(type="calculate", calculation=condition.to_data())


def _slider(f: Field, item: dict) -> None:
    item.update(type="number", appearance="slider")
    item["min"], item["max"] = SLIDER_RANGE
    _range(f, item)
    labels = f.row["select_choices_or_calculations"]
    if labels:
        f.note(
            "warning",
            "select_choices_or_calculations",
            f"the slider's labels {labels!r} are not kept (Readiness shows the numbers only).",
        )
    if f.validation:
        f.note(
            "warning",
            "text_validation_type_or_show_slider_number",
            f"'{f.validation}' (show the number chosen) is not kept.",
        )


def _number(f: Field, item: dict) -> None:
    validation = f.validation
    item["type"] = "number"
    if validation in ("integer", "int"):
        item["integer"] = True
    elif validation not in ("number", "float"):
        f.note(
            "warning",
            "text_validation_type_or_show_slider_number",
            f"validation '{validation}' is read as a plain number (its decimal places or comma "
            "are not kept).",
        )
    _range(f, item)


def _range(f: Field, item: dict) -> None:
    for key, column in (("min", "text_validation_min"), ("max", "text_validation_max")):
        raw = f.row[column]
        if not raw:
            continue
        value = number_from_text(raw)
        if value is None:
            f.note(
                "warning",
                column,
                f"{key} {raw!r} is not a number; not kept.",
                "write a plain number.",
            )
        else:
            item[key] = value


TYPE_MAPPERS: dict[str, Callable[[Field, dict], None]] = {
    "radio": _single_choice,
    "dropdown": _single_choice,
    "checkbox": _checkbox,
    "yesno": _yes_no,
    "truefalse": _truefalse_field,
    "notes": _notes_field,
    "text": _text_item,
    "descriptive": _descriptive,
    "calc": _calc,
    "slider": _slider,
}


# --------------------------------------------------------------------------------------------
# What every field may carry


def _check_type(f: Field, item: dict) -> None:
    row = f.row
    if item["type"] != "number" and (row["text_validation_min"] or row["text_validation_max"]):
        f.note(
            "warning",
            "text_validation_min",
            "Text Validation Min / Max are not kept for a field that is not a number.",
        )
    our = f.our_type
    if our and our not in (item["type"], "single_choice"):
        f.note(
            "warning",
            "field_annotation",
            f"@READINESS-TYPE={our} does not fit a '{f.kind}' field; read as {item['type']}.",
        )


def _common(f: Field, item: dict) -> None:
    row, tags = f.row, f.annotation.tags
    if row["field_note"]:
        item["help"] = row["field_note"]
    unasked = item["type"] in UNASKED_TYPES
    if row["required_field"].lower() in ("y", "yes", "1", "true") and not unasked:
        item["required"] = True
    if tag_text(tags.get("CONSTRAINT-MESSAGE")):
        item["constraint_message"] = tag_text(tags.get("CONSTRAINT-MESSAGE"))
    if f.annotation.hidden and unasked:
        pass  # never shown to the respondent anyway
    elif f.annotation.hidden:
        if item["type"] in ("text", "single_choice", "number"):
            item["hidden"] = True
        else:
            f.note(
                "warning",
                "field_annotation",
                "@HIDDEN is not kept: Readiness hides only text, single choice and number items "
                f"(this is {item['type']}).",
            )
    choice_types = ("single_choice", "likert", "multiple_choice")
    if tags.get("CHOICES") and item.get("choices") and item["type"] in choice_types:
        item["_choice_set"] = tag_text(tags["CHOICES"])


def _layout_notes(f: Field) -> None:
    row = f.row
    if row["identifier"].lower() in ("y", "yes", "1"):
        f.note(
            "warning",
            "identifier",
            "REDCap marks this field as an identifier; Readiness surveys are anonymous, so check "
            "that it should be asked at all.",
        )
    for column, what in (
        ("custom_alignment", "custom alignment"),
        ("question_number", "question number"),
    ):
        if row[column]:
            f.note("warning", column, f"the {what} {row[column]!r} is not kept (layout only).")
    if row["matrix_ranking"].lower() in ("y", "yes", "1"):
        f.note("warning", "matrix_ranking", "matrix ranking is not kept.")


def _annotation_notes(f: Field) -> None:
    annotation = f.annotation
    for other in annotation.other_tags:
        f.note("warning", "field_annotation", f"the action tag {other} is not kept.")
    if annotation.text:
        f.note(
            "warning", "field_annotation", f"the annotation text {annotation.text!r} is not kept."
        )
    for name in sorted(set(annotation.tags) - KNOWN_TAGS):
        f.note("warning", "field_annotation", f"@READINESS-{name} is not a tag we read here.")
