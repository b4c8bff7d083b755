"""One question of an XLSForm's survey sheet as an instrument item (types, choices, bounds,
texts in every language). See :mod:`readiness.instrument.xlsform` for the mapping."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from readiness.instrument.interop import (
    codes_fit_likert,
    format_number,
    has_fixed_codes,
    number_from_text,
)
from readiness.instrument.xlsform_languages import Languages


@dataclass
class Row:
    """A row of the survey sheet: where it is, its cells and its type."""

    sheet: str
    number: int
    cells: dict[str, str]
    kind: str  # the canonical type: "select_one Sex", "integer", "begin group"
    parts: list[str]  # its words: ["select_one", "Sex"]


@dataclass
class ChoiceRow:
    code: int | str
    label: str  # in the default language
    row: int
    labels: dict[str, str] = field(default_factory=dict)  # other languages: tag -> label


NOT_MAPPED = {
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


def yes_or_no(text: str) -> bool | None:
    """A cell's yes or no as XLSForm writes it (``yes``, ``TRUE``, ``true()``, ``1``), None when
    it is neither."""
    lower = text.strip().lower()
    if lower in ("yes", "true", "true()", "1", "y"):
        return True
    if lower in ("", "no", "false", "false()", "0", "n"):
        return False
    return None


class Notes:
    """Reports about one question, with its sheet, row and name filled in."""

    def __init__(self, reader: Any, row: Row):
        self.reader, self.row = reader, row

    def warn(self, column: str, message: str, fix: str = "") -> None:
        r = self.row
        self.reader.note("warning", r.sheet, r.number, column, message, fix, name=r.cells["name"])

    def unmapped(self, column: str, message: str, fix: str = "") -> None:
        r = self.row
        self.reader.note("unmapped", r.sheet, r.number, column, message, fix, name=r.cells["name"])


MAPPED = (
    "select_one", "select_multiple", "integer", "decimal", "text", "hidden", "note",
    "calculate", "date", "time", "datetime", "range",
)  # fmt: skip
CALCULATION = re.compile(r"^\s*if\s*\((.*),\s*'?1'?\s*,\s*'?0'?\s*\)\s*$", re.DOTALL)
Calculation = Callable[[str], "dict | None"]  # text -> condition data, or None after a report


def is_known_type(kind: str, base_type: str) -> bool:
    return (
        base_type in MAPPED
        or base_type in NOT_MAPPED
        or base_type in METADATA
        or kind in NOT_MAPPED
    )


def question(  # noqa: C901 - one branch per XLSForm question type
    reader: Any,
    row: Row,
    langs: Languages,
    lists: dict[str, list[ChoiceRow]],
    section: Any,
    calculation: Calculation,
) -> dict | str | None:
    """The item a question maps to (as instrument data, its texts in the other languages under
    ``_texts`` and its choice list under ``_list``), "intro", or None after a report."""
    notes = Notes(reader, row)
    cells, name, base_type = row.cells, row.cells["name"], row.parts[0]
    ours = cells.get("readiness::type", "").strip().lower()
    if base_type == "note" and ours == "intro":
        return _intro(notes, langs, section)
    if base_type in METADATA:
        notes.unmapped(
            "type",
            f"'{base_type}' is metadata ODK records by itself; Readiness records "
            "what it needs (completed_on, the instrument's version) itself.",
        )
        return None
    appearance = cells.get("appearance", "").split()
    if base_type == "date" and ("month-year" in appearance or ours == "month_year"):
        base_type = "month_year"
    elif base_type in NOT_MAPPED or row.kind in NOT_MAPPED:
        notes.unmapped(
            "type",
            f"type '{base_type}' is not mapped: "
            + NOT_MAPPED.get(base_type, NOT_MAPPED.get(row.kind, "")),
        )
        return None
    item: dict[str, Any] = {"id": name, "text": langs.default_text(cells, "label")}
    if not item["text"] and base_type not in ("hidden", "calculate"):
        notes.warn(langs.column("label"), "the question has no label; its name is used.")
    item["text"] = item["text"] or name
    if base_type == "calculate":
        if not _calculate(notes, item, calculation):
            return None
    elif base_type in ("note", "date", "time", "datetime"):
        item["type"] = base_type
    elif base_type == "range":
        _range(notes, item)
    elif base_type in ("select_one", "select_multiple"):
        _select(notes, item, lists, ours, appearance)
    elif base_type in ("integer", "decimal") or (base_type == "hidden" and ours == "number"):
        _number(notes, item, base_type)
    elif base_type == "hidden" and ours == "single_choice":
        if not _hidden_choice(notes, item, lists):
            return None
    elif base_type == "hidden":
        item.update(type="text", hidden=True)
    elif base_type == "month_year":
        item["type"] = "month_year"
    else:  # text
        item["type"] = "text"
    _common(notes, item, langs, ours, appearance)
    choices = lists.get(item.get("_list", ""), [])
    item["_texts"] = _texts(cells, langs, choices, "constraint_message" in item)
    return item


def _calculate(notes: Notes, item: dict, calculation: Calculation) -> bool:
    """A calculation Readiness can hold: ``if(CONDITION, 1, 0)``, or a bare condition (ODK
    stores true or false for it, Readiness 1 or 0: a warning says so)."""
    text = notes.row.cells.get("calculation", "")
    match = CALCULATION.match(text)
    condition = calculation(match.group(1) if match else text) if text else None
    if not text:
        notes.unmapped("calculation", "the calculate question has no calculation; not mapped.")
    if condition is None:
        return False
    if not match:
        notes.warn(
            "calculation",
            f"the calculation {text!r} is a condition: ODK stores true or false, Readiness "
            "1 or 0; convert those answers when you import responses.",
        )
    item.update(type="calculate", calculation=condition)
    return True


def _range(notes: Notes, item: dict) -> None:
    """ODK's range (a slider): a number between start and end, appearance slider."""
    params = dict(
        p.split("=", 1) for p in notes.row.cells.get("parameters", "").split() if "=" in p
    )
    read = {k: number_from_text(params.get(k, d)) for k, d in RANGE_DEFAULTS.items()}
    if any(v is None for v in read.values()):
        notes.warn("parameters", "the range's parameters are not numbers; 1 to 10 is used.")
        read = {k: number_from_text(d) for k, d in RANGE_DEFAULTS.items()}
    values = {k: v for k, v in read.items() if v is not None}  # all of them now
    low, high = sorted((values["start"], values["end"]))
    item.update(type="number", min=low, max=high)
    if all(isinstance(v, int) for v in values.values()):
        item["integer"] = True
    if values["step"] != 1:
        notes.warn("parameters", f"the range's step {format_number(values['step'])} is not kept.")
    if values["start"] > values["end"]:
        notes.warn("parameters", "the range runs from high to low; Readiness keeps min and max.")
    item["_appearance"] = "slider"


RANGE_DEFAULTS = {"start": "1", "end": "10", "step": "1"}  # pyxform's


def _intro(notes: Notes, langs: Languages, section: Any) -> str | None:
    if section.items or section.intro or section.rows:
        notes.warn(
            "readiness::type",
            "an intro note is only read before a section's first question; not kept.",
        )
        return None
    cells = notes.row.cells
    section.intro = langs.default_text(cells, "label")
    for lang in langs.others:
        text = langs.text(cells, "label", lang)
        if text:
            section.texts.setdefault(lang.tag, {})["intro"] = text
    section.rows -= 1  # balanced by the caller
    return "intro"


def _select(
    notes: Notes,
    item: dict,
    lists: dict[str, list[ChoiceRow]],
    ours: str,
    appearance: list[str],
) -> None:
    parts, cells = notes.row.parts, notes.row.cells
    list_name = parts[1]
    if len(parts) > 2:
        notes.warn(
            "type", f"'{' '.join(parts[2:])}' after the list name (e.g. or_other) is not kept."
        )
    choices = lists[list_name]
    codes = [c.code for c in choices]
    as_choices = [{"code": c.code, "label": c.label} for c in choices]
    item["_list"] = list_name
    kind = "single_choice"
    if parts[0] == "select_multiple":
        kind = "multiple_choice"
    elif ours in ("true_false", "yes_no"):
        if has_fixed_codes(codes, ours):
            kind = ours
        else:
            need = "1, 0 and 8" if ours == "true_false" else "1 and 0"
            notes.warn(
                "type", f"readiness::type {ours} needs the codes {need}; read as a single choice."
            )
    elif ours == "likert" or "likert" in appearance:
        if codes_fit_likert(codes):
            kind = "likert"
        else:
            notes.warn(
                "appearance",
                "a Likert item needs whole-number codes (two or more); read as a single choice.",
            )
    item["type"] = kind
    if kind not in ("yes_no", "true_false"):
        item["choices"] = as_choices
    if kind == "true_false":
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


def _number(notes: Notes, item: dict, base_type: str) -> None:
    cells = notes.row.cells
    item["type"] = "number"
    if base_type == "integer" or (
        base_type == "hidden" and yes_or_no(cells.get("readiness::integer", "")) is True
    ):
        item["integer"] = True
    if base_type == "hidden":
        item["hidden"] = True
    if cells.get("constraint"):
        bounds = _bounds(cells["constraint"])
        if bounds is None:
            notes.warn(
                "constraint",
                f"the constraint {cells['constraint']!r} is not kept (only "
                "'. >= MIN and . <= MAX' is read).",
            )
        else:
            item.update(bounds)


def _hidden_choice(notes: Notes, item: dict, lists: dict[str, list[ChoiceRow]]) -> bool:
    list_name = notes.row.cells.get("readiness::list", "")
    if list_name not in lists:
        notes.unmapped(
            "readiness::list",
            f"the hidden single choice names the list {list_name!r}, "
            "which is not defined; not mapped.",
            "name its list in readiness::list.",
        )
        return False
    item.update(
        type="single_choice",
        hidden=True,
        choices=[{"code": c.code, "label": c.label} for c in lists[list_name]],
    )
    item["_list"] = list_name
    return True


def _common(notes: Notes, item: dict, langs: Languages, ours: str, appearance: list[str]) -> None:
    """What every question may have: constraint, hint, required, appearance, messages."""
    cells, parts = notes.row.cells, notes.row.parts
    if item["type"] != "number" and cells.get("constraint"):
        notes.warn("constraint", f"the constraint {cells['constraint']!r} is not kept.")
    if (
        ours
        and ours not in (item["type"], "intro")
        and not (ours in ("number", "single_choice") and item.get("hidden"))
    ):
        notes.warn(
            "readiness::type",
            f"readiness::type {ours!r} does not fit a '{parts[0]}' question; "
            f"read as {item['type']}.",
        )
    own = {"likert": "likert", "month_year": "month-year"}.get(item["type"])
    words = [item.pop("_appearance", "")] + [w for w in appearance if w != own]
    if " ".join(w for w in words if w):
        item["appearance"] = " ".join(w for w in words if w)
    hint = langs.default_text(cells, "hint")
    if hint:
        item["help"] = hint
    message = langs.default_text(cells, "constraint_message")
    if message and item.get("min") is None and item.get("max") is None:
        notes.warn(
            langs.column("constraint_message"),
            "the constraint message is not kept: the question has no range that Readiness checks.",
        )
    elif message and message != range_message(item.get("min"), item.get("max")):
        item["constraint_message"] = message  # (the message Readiness writes is not kept)
    if cells.get("required") and item["type"] in ("note", "calculate"):
        notes.warn("required", f"a {item['type']} is never answered; required is not kept.")
    elif cells.get("required"):
        required = yes_or_no(cells["required"])
        if required is None:
            notes.warn("required", f"required {cells['required']!r} is an expression; not kept.")
        elif required:
            item["required"] = True


TRANSLATED_TEXTS = (
    ("label", "text"),
    ("hint", "help"),
    ("constraint_message", "constraint_message"),
)


def _texts(
    cells: dict[str, str], langs: Languages, choices: list[ChoiceRow], with_message: bool
) -> dict:
    """The question's texts in each language but the default: tag -> texts."""
    out: dict[str, dict] = {}
    for lang in langs.others:
        texts: dict[str, Any] = {}
        for base, key in TRANSLATED_TEXTS:
            text = langs.text(cells, base, lang)
            if text and (key != "constraint_message" or with_message):
                texts[key] = text
        labels = {str(c.code): c.labels[lang.tag] for c in choices if c.labels.get(lang.tag)}
        if labels:
            texts["choices"] = labels
        if texts:
            out[lang.tag] = texts
    return out


def range_message(low: Any, high: Any) -> str:
    """The constraint message Readiness writes for a number's range when the item has none."""
    low = format_number(low) if low is not None else None
    high = format_number(high) if high is not None else None
    if low is not None and high is not None:
        return f"Enter a number from {low} to {high}."
    if low is not None:
        return f"Enter a number of at least {low}."
    return f"Enter a number of at most {high}."


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
