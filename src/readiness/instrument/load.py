"""Load an instrument from YAML, validating everything and reporting every problem at once.

Each problem names the file, the line, the field (as a dotted path such as
``sections[1].items[3].choices``) and the fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from readiness.errors import InstrumentError, Problem
from readiness.instrument.conditions import (
    ORDER_OPERATORS,
    Condition,
    ConditionSyntaxError,
    Leaf,
    parse_condition,
    same_code,
)
from readiness.instrument.model import (
    CHOICE_TYPES,
    ITEM_TYPES,
    META_COLUMNS,
    SCORABLE_TYPES,
    TRUE_FALSE_CHOICES,
    UNASKED_TYPES,
    YES_NO_CHOICES,
    Choice,
    Indicator,
    Instrument,
    Item,
    ItemText,
    PublishedFigure,
    Rule,
    Scale,
    Section,
    SectionText,
    Translation,
    web_link,
)
from readiness.instrument.plan import read_plan
from readiness.instrument.yamlio import LineMap, load_yaml

# Item, section, scale and indicator ids: ASCII letters (either case, kept as written), digits
# and underscores, starting with a letter or underscore. That is within what ODK accepts (an
# XLSForm name is an XML element name) and is a name in the conditions language. No length
# limit: XLSForm has none, REDCap only advises 26 characters (a warning it lets users turn off),
# and SPSS (64 bytes) and Stata (32 characters) names are made when those files are written.
IDENTIFIER = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")


def identifier_from(text: str, fallback: str = "main") -> str:
    """An id made from another tool's name: accents dropped (``Cân`` -> ``Can``), anything else
    that is not an ASCII letter, digit or underscore (``q-1``, ``q.2``) as an underscore."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    name = re.sub(r"[^A-Za-z0-9_]+", "_", plain).strip("_") or fallback
    return name if IDENTIFIER.match(name) else "_" + name


INSTRUMENT_ID = re.compile(r"^[a-z][a-z0-9_-]*$")

TOP_KEYS = {
    "id": "required",
    "version": "required",
    "title": "required",
    "description": "",
    "notice": "",
    "language": "",
    "language_name": "",
    "record_id": "",
    "translations": "",
    "sources": "",
    "choice_sets": "",
    "sections": "required",
    "scales": "",
    "indicators": "",
    "analysis": "",
}
SECTION_KEYS = {
    "id": "required",
    "title": "required",
    "intro": "",
    "show_if": "",
    "form": "",
    "group": "",
    "items": "required",
}
ITEM_KEYS = {
    "id": "required",
    "type": "required",
    "text": "required",
    "help": "",
    "required": "",
    "show_if": "",
    "hidden": "",
    "choices": "",
    "key": "",
    "explanation": "",
    "source": "",
    "min": "",
    "max": "",
    "integer": "",
    "appearance": "",
    "constraint_message": "",
    "calculation": "",
}
TRANSLATION_KEYS = {
    "name": "",
    "review": "",
    "title": "",
    "description": "",
    "notice": "",
    "sections": "",
    "items": "",
}
ITEM_TEXT_KEYS = {
    "text": "",
    "help": "",
    "explanation": "",
    "constraint_message": "",
    "choices": "",
}
SECTION_TEXT_KEYS = {"title": "", "intro": ""}
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
SCALE_KEYS = {
    "id": "required",
    "label": "required",
    "items": "required",
    "reverse": "",
    "scoring": "",
    "min_answered": "",
    "description": "",
}
INDICATOR_KEYS = {
    "id": "required",
    "label": "required",
    "item": "",
    "scale": "",
    "when": "required",
    "missing": "",
    "published": "",
    "description": "",
}
PUBLISHED_KEYS = {"percent": "required", "count": "", "denominator": "", "where": "", "source": ""}
RULE_KINDS = ("in", "bottom", "top", "correct", "incorrect", "selected", "gt", "ge", "lt", "le")


def dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Checker:
    """Collects problems while the instrument is being built."""

    def __init__(self, file: str | None, lines: LineMap):
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str, fix: str) -> None:
        self.problems.append(
            Problem(
                message=message,
                fix=fix,
                file=self.file,
                line=self.lines.line(path),
                column=dotted(path) or None,
            )
        )

    def keys(self, data: dict, allowed: dict[str, str], path: tuple, what: str) -> None:
        for key in data:
            if key not in allowed:
                guess = difflib.get_close_matches(str(key), list(allowed), n=1)
                hint = f"did you mean '{guess[0]}'?" if guess else "remove it."
                self.add(
                    path + (key,),
                    f"unknown field '{key}' in {what}.",
                    f"{hint} Fields of {what}: {', '.join(allowed)}.",
                )
        for key, need in allowed.items():
            if need == "required" and (key not in data or data[key] in (None, "")):
                self.add(path, f"{what} has no '{key}'.", f"add '{key}:' to it.")

    def text(self, data: dict, key: str, path: tuple, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(path + (key,), f"'{key}' must be text.", f"write {key}: some text.")
            return default
        return str(value).strip()

    def boolean(self, data: dict, key: str, path: tuple, default: bool = False) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(
                path + (key,),
                f"'{key}' must be true or false, not {value!r}.",
                f"write {key}: true.",
            )
            return default
        return value

    def identifier(self, value: Any, path: tuple, what: str) -> str:
        text = str(value) if value is not None else ""
        if isinstance(value, bool):
            self.add(
                path,
                f"{what} id was read as {value}: YAML takes yes, no, on and off as true or false.",
                "choose another id, or put it in quotes.",
            )
        elif not IDENTIFIER.match(text):
            self.add(
                path,
                f"{what} id {value!r} is not a valid identifier (Readiness's rule: ASCII letters,"
                " digits and underscores, starting with a letter or underscore, as in an XLSForm"
                " name).",
                "rename it, for example " + repr(_suggest_identifier(text)) + ".",
            )
        return text


def _suggest_identifier(text: str) -> str:
    """A name that passes IDENTIFIER, made from ``text``, for the fix in a message."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", text.strip()).strip("_") or "item"
    return name if IDENTIFIER.match(name) else "_" + name


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(
            [Problem("no such file.", fix="check the path.", file=str(path))]
        ) from None
    except UnicodeDecodeError as err:
        raise InstrumentError(
            [
                Problem(
                    f"not UTF-8 text (byte {err.start}).",
                    fix="save the file as UTF-8.",
                    file=str(path),
                )
            ]
        ) from None
    return parse_instrument(text, file=str(path))


def parse_instrument(text: str, file: str | None = None) -> Instrument:
    """Validate instrument YAML text and build an :class:`Instrument`."""
    try:
        data, lines = load_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InstrumentError(
            [
                Problem(
                    f"not valid YAML: {getattr(err, 'problem', None) or err}.",
                    fix="check the indentation and quoting on that line.",
                    file=file,
                    line=mark.line + 1 if mark else None,
                )
            ],
            file=file,
        ) from None
    return build_instrument(data, lines=lines, file=file)


def build_instrument(
    data: Any, lines: LineMap | None = None, file: str | None = None
) -> Instrument:
    """Validate plain data (as loaded from YAML) and build an :class:`Instrument`."""
    check = _Checker(file, lines or LineMap())
    _check_settings(data, check)
    sources = _sources(data.get("sources") or {}, check)
    choice_sets = _choice_sets(data.get("choice_sets") or {}, check)
    body = _read_sections(data, check, choice_sets, sources)
    by_id = _check_item_ids(body, check)
    items, sections = _with_conditions(body, by_id, check)
    item_map = {item.id: item for item in items}
    scales = _scales(data.get("scales") or [], item_map, check)
    indicators = _indicators(
        data.get("indicators") or [], item_map, {s.id: s for s in scales}, check
    )
    _check_score_ids(item_map, scales, indicators, check)
    analysis = read_plan(data.get("analysis"), item_map, check)
    language = check.text(data, "language", ()) or "en-GB"
    translations = _translations(data.get("translations"), language, item_map, sections, check)
    if not items and not check.problems:
        check.add(
            ("sections",), "the instrument has no items.", "add at least one item to a section."
        )
    if check.problems:
        raise InstrumentError(check.problems, file=file)
    return Instrument(
        id=str(data.get("id") or ""),
        version=_version_text(data.get("version")),
        title=str(data.get("title", "")).strip(),
        description=str(data.get("description") or "").strip(),
        notice=str(data.get("notice") or "").strip(),
        language=language,
        language_name=check.text(data, "language_name", ()),
        record_id=check.text(data, "record_id", ()),
        translations=translations,
        sections=tuple(sections),
        items=tuple(items),
        scales=tuple(scales),
        indicators=tuple(indicators),
        sources=sources,
        choice_sets=choice_sets,
        path=file,
        analysis=analysis,
    )


def _check_settings(data: Any, check: _Checker) -> None:
    """The top level: a mapping with known keys, a valid id and a version (stops if no mapping)."""
    if not isinstance(data, dict):
        check.add(
            (),
            "the file does not hold an instrument (a mapping at the top).",
            "start with 'id:', 'version:', 'title:' and 'sections:'.",
        )
        raise InstrumentError(check.problems, file=check.file)
    check.keys(data, TOP_KEYS, (), "the instrument")
    inst_id = str(data.get("id") or "")
    if inst_id and not INSTRUMENT_ID.match(inst_id):
        check.add(
            ("id",),
            f"instrument id {inst_id!r} is not a valid identifier.",
            "use lower-case letters, digits, '-' and '_', starting with a letter (Readiness's"
            " rule for instrument ids, which name files and web addresses).",
        )
    version = data.get("version")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, str | int | float)
    ):
        check.add(("version",), "'version' must be a number or text.", "write version: 1.")


@dataclasses.dataclass
class _Body:
    """The sections and items read so far, with where each item is in the file, and the
    conditions to parse once every item is known: (path, data, item position, owner)."""

    sections: list[Section] = dataclasses.field(default_factory=list)
    items: list[Item] = dataclasses.field(default_factory=list)
    item_paths: list[tuple] = dataclasses.field(default_factory=list)
    pending_conditions: list[tuple[tuple, Any, int, str]] = dataclasses.field(default_factory=list)


def _read_sections(data: dict, check: _Checker, choice_sets: dict, sources: dict) -> _Body:
    body = _Body()
    raw_sections = data.get("sections") or []
    if not isinstance(raw_sections, list):
        check.add(("sections",), "'sections' must be a list.", "write each section as '- id: ...'.")
        raw_sections = []
    seen_sections: set[str] = set()
    for s_index, raw in enumerate(raw_sections):
        spath = ("sections", s_index)
        if not isinstance(raw, dict):
            check.add(
                spath,
                "a section must be a mapping.",
                "write '- id: ...' then 'title:' and 'items:'.",
            )
            continue
        check.keys(raw, SECTION_KEYS, spath, f"section {raw.get('id', s_index + 1)}")
        sid = check.identifier(raw.get("id"), spath + ("id",), "section")
        if sid in seen_sections:
            check.add(
                spath + ("id",),
                f"section id '{sid}' is used twice.",
                "give each section its own id.",
            )
        seen_sections.add(sid)
        _read_section(raw, spath, sid, body, check, choice_sets, sources)
    return body


def _read_section(
    raw: dict,
    spath: tuple,
    sid: str,
    body: _Body,
    check: _Checker,
    choice_sets: dict,
    sources: dict,
) -> None:
    """Add the section's items to ``body``, then the section itself."""
    raw_items = raw.get("items") or []
    if not isinstance(raw_items, list):
        check.add(spath + ("items",), "'items' must be a list.", "write each item as '- id: ...'.")
        raw_items = []
    first_position = len(body.items)
    item_ids = []
    for i_index, raw_item in enumerate(raw_items):
        ipath = spath + ("items", i_index)
        item = _item(raw_item, ipath, sid, check, choice_sets, sources)
        if item is None:
            continue
        for key in ("show_if", "calculation"):
            if raw_item.get(key) is not None:
                body.pending_conditions.append(
                    (ipath + (key,), raw_item[key], len(body.items), item.id)
                )
        body.items.append(item)
        body.item_paths.append(ipath)
        item_ids.append(item.id)
    if raw.get("show_if") is not None:
        body.pending_conditions.append(
            (spath + ("show_if",), raw["show_if"], first_position, f"section {sid}")
        )
    body.sections.append(
        Section(
            id=sid,
            title=check.text(raw, "title", spath),
            intro=check.text(raw, "intro", spath),
            items=tuple(item_ids),
            form=check.text(raw, "form", spath),
            group=check.boolean(raw, "group", spath, default=True),
        )
    )


def _check_item_ids(body: _Body, check: _Checker) -> dict[str, int]:
    """Each item id once and none a response metadata column; the position of each id."""
    by_id: dict[str, int] = {}
    for position, item in enumerate(body.items):
        if item.id in by_id:
            check.add(
                body.item_paths[position] + ("id",),
                f"item id '{item.id}' is used twice.",
                "give each item its own id.",
            )
        else:
            by_id[item.id] = position
        if item.id.lower() in META_COLUMNS:
            check.add(
                body.item_paths[position] + ("id",),
                f"item id '{item.id}' is reserved for response metadata (Readiness's columns"
                f" {', '.join(sorted(META_COLUMNS))}, in any case).",
                "choose another id.",
            )
    return by_id


def _with_conditions(
    body: _Body, by_id: dict[str, int], check: _Checker
) -> tuple[list[Item], list[Section]]:
    """The items and sections with their conditions, parsed now that every item is known (a
    condition may only look backwards)."""
    conditions: dict[tuple, Condition] = {}
    item_map = {item.id: item for item in body.items}
    for path, raw_condition, position, owner in body.pending_conditions:
        condition = _condition(raw_condition, path, check)
        if condition is None:
            continue
        _check_condition(condition, path, position, owner, item_map, by_id, check)
        conditions[path] = condition
    items = [
        dataclasses.replace(
            item,
            show_if=conditions.get(body.item_paths[position] + ("show_if",)),
            calculation=conditions.get(body.item_paths[position] + ("calculation",)),
        )
        for position, item in enumerate(body.items)
    ]
    sections = [
        dataclasses.replace(s, show_if=conditions.get(("sections", i, "show_if")))
        for i, s in enumerate(body.sections)
    ]
    return items, sections


def _check_score_ids(
    item_map: dict[str, Item], scales: list[Scale], indicators: list, check: _Checker
) -> None:
    """Scale and indicator ids become columns beside the items', so all must differ."""
    taken = set(item_map)
    for kind, things, key in (("scale", scales, "scales"), ("indicator", indicators, "indicators")):
        for index, thing in enumerate(things):
            if thing.id in taken:
                check.add(
                    (key, index, "id"),
                    f"{kind} id '{thing.id}' is already used by an item, scale or indicator.",
                    "give it its own id (scores and indicators become columns).",
                )
            taken.add(thing.id)


def _version_text(version: Any) -> str:
    if isinstance(version, float) and version.is_integer():
        return str(int(version))
    return str(version)


def _sources(raw: Any, check: _Checker) -> dict[str, dict]:
    if not isinstance(raw, dict):
        check.add(
            ("sources",),
            "'sources' must be a mapping of key to reference.",
            "write sources: {key: {citation: ..., last_checked: 2026-11-01}}.",
        )
        return {}
    out = {}
    for key, value in raw.items():
        if isinstance(value, str):
            value = {"citation": value}
        if not isinstance(value, dict) or "citation" not in value:
            check.add(
                ("sources", key),
                f"source '{key}' needs a 'citation'.",
                "write citation: Author, title, year.",
            )
            continue
        if "url" in value and not web_link(value["url"]):
            check.add(
                ("sources", key, "url"),
                f"source '{key}' has the url {str(value['url'])[:80]!r}, which is not a web "
                "address.",
                "give an address that starts with https:// (or http://), or remove the url.",
            )
            value = {k: v for k, v in value.items() if k != "url"}  # still citable by items
        out[str(key)] = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in value.items()
        }
    return out


def _choice_list(raw: Any, path: tuple, check: _Checker) -> tuple[Choice, ...] | None:
    if not isinstance(raw, list) or not raw:
        check.add(
            path,
            "choices must be a non-empty list.",
            "write '- {code: 1, label: ...}' for each choice, or the name of a choice set.",
        )
        return None
    choices: list[Choice] = []
    for index, entry in enumerate(raw):
        cpath = path + (index,)
        if isinstance(entry, bool) or (
            isinstance(entry, dict) and isinstance(entry.get("label"), bool)
        ):
            check.add(
                cpath,
                "a choice label was read as true or false: YAML takes Yes, No, On and Off unquoted as booleans.",
                'put the label in quotes, e.g. "No".',
            )
            continue
        if isinstance(entry, str):
            choices.append(Choice(index + 1, entry))
            continue
        if not isinstance(entry, dict) or "code" not in entry or "label" not in entry:
            check.add(
                cpath,
                "a choice needs 'code' and 'label'.",
                "write {code: 1, label: Strongly disagree}.",
            )
            continue
        extra = set(entry) - {"code", "label"}
        if extra:
            check.add(
                cpath + (sorted(extra)[0],),
                f"unknown field '{sorted(extra)[0]}' in a choice.",
                "a choice has only 'code' and 'label'.",
            )
        code = entry["code"]
        if isinstance(code, bool) or not isinstance(code, int | str) or not str(code).strip():
            check.add(
                cpath + ("code",),
                f"choice code {code!r} must be a whole number or some text.",
                "use 1, 2, 3 ... or short words like 'nurse'.",
            )
            continue
        choices.append(Choice(code, str(entry["label"]).strip()))
    codes = [str(c.code) for c in choices]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        check.add(path, f"choice code {code} is used twice.", "give each choice its own code.")
    return tuple(choices)


def _multiple_choice_codes(
    choices: tuple[Choice, ...], path: tuple, label: str, check: _Checker
) -> None:
    """Multiple-choice answers are stored as codes separated by spaces (as ODK stores a
    select_multiple), so a code there may not contain a space."""
    for choice in choices:
        if isinstance(choice.code, str) and re.search(r"\s", choice.code):
            check.add(
                path,
                f"{label} is a multiple choice with code {choice.code!r}, which holds a space;"
                " its answers are stored as codes separated by spaces (as ODK stores"
                " select_multiple answers).",
                "use a code without spaces, for example "
                + repr(re.sub(r"\s+", "_", choice.code.strip()))
                + ".",
            )


def _choice_sets(raw: Any, check: _Checker) -> dict[str, tuple[Choice, ...]]:
    if not isinstance(raw, dict):
        check.add(
            ("choice_sets",),
            "'choice_sets' must be a mapping of name to a list of choices.",
            "write choice_sets: {agree5: [...]}.",
        )
        return {}
    out = {}
    for name, value in raw.items():
        choices = _choice_list(value, ("choice_sets", name), check)
        if choices is not None:
            out[str(name)] = choices
    return out


def _number(value: Any, path: tuple, check: _Checker) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        check.add(path, f"{path[-1]} must be a number, not {value!r}.", f"write {path[-1]}: 0.")
        return None
    return float(value)


def _item(
    raw: Any, path: tuple, section: str, check: _Checker, choice_sets: dict, sources: dict
) -> Item | None:
    if not isinstance(raw, dict):
        check.add(path, "an item must be a mapping.", "write '- id: ...' then 'type:' and 'text:'.")
        return None
    label = f"item {raw.get('id', path[-1] + 1)}"
    check.keys(raw, ITEM_KEYS, path, label)
    item_id = check.identifier(raw.get("id"), path + ("id",), "item")
    kind = _item_type(raw, path, label, check)
    if kind is None:
        return None
    choices, choice_set = _item_choices(raw, kind, path, label, check, choice_sets)
    _check_answer_key(raw, kind, path, label, check)
    minimum, maximum = _item_range(raw, kind, path, label, check)
    source = _item_source(raw, path, label, check, sources)
    if kind == "true_false" and not check.text(raw, "explanation", path):
        check.add(
            path,
            f"{label} is a knowledge item without an explanation.",
            "add explanation: one sentence saying why the answer is what it is.",
        )
    required, hidden = _item_flags(raw, kind, path, label, check)
    return Item(
        id=item_id,
        type=kind,
        text=check.text(raw, "text", path),
        section=section,
        choices=choices,
        required=required,
        hidden=hidden,
        help=check.text(raw, "help", path),
        key=raw.get("key") if kind == "true_false" else None,
        explanation=check.text(raw, "explanation", path),
        source=source,
        minimum=minimum,
        maximum=maximum,
        integer=check.boolean(raw, "integer", path) if kind == "number" else False,
        choice_set=choice_set,
        appearance=check.text(raw, "appearance", path),
        constraint_message=check.text(raw, "constraint_message", path),
    )


def _item_type(raw: dict, path: tuple, label: str, check: _Checker) -> str | None:
    kind = raw.get("type")
    if kind in ITEM_TYPES:
        return kind
    guess = difflib.get_close_matches(str(kind), ITEM_TYPES, n=1)
    check.add(
        path + ("type",),
        f"{label} has type {kind!r}, which is not an item type.",
        (f"did you mean '{guess[0]}'? " if guess else "") + "Types: " + ", ".join(ITEM_TYPES) + ".",
    )
    return None


def _item_choices(
    raw: dict, kind: str, path: tuple, label: str, check: _Checker, choice_sets: dict
) -> tuple[tuple[Choice, ...], str | None]:
    """The item's choices and the name of the choice set they come from (if one)."""
    choices: tuple[Choice, ...] = ()
    choice_set = None
    raw_choices = raw.get("choices")
    if kind in CHOICE_TYPES:
        choices, choice_set = _listed_choices(raw_choices, kind, path, label, check, choice_sets)
        _check_choice_codes(choices, kind, path + ("choices",), label, check)
    elif raw_choices is not None:
        check.add(
            path + ("choices",),
            f"{label} ({kind}) does not take choices.",
            "remove 'choices:' or change the type to single_choice.",
        )
    if kind == "yes_no":
        choices = tuple(Choice(c, lab) for c, lab in YES_NO_CHOICES)
    if kind == "true_false":
        choices = tuple(Choice(c, lab) for c, lab in TRUE_FALSE_CHOICES)
    return choices, choice_set


def _listed_choices(
    raw_choices: Any, kind: str, path: tuple, label: str, check: _Checker, choice_sets: dict
) -> tuple[tuple[Choice, ...], str | None]:
    """``choices:`` of a choice item: a list, or the name of a choice set."""
    if raw_choices is None:
        check.add(
            path,
            f"{label} ({kind}) has no choices.",
            "add 'choices:' with a list or the name of a choice set.",
        )
        return (), None
    if not isinstance(raw_choices, str):
        return _choice_list(raw_choices, path + ("choices",), check) or (), None
    if raw_choices in choice_sets:
        return choice_sets[raw_choices], raw_choices
    guess = difflib.get_close_matches(raw_choices, list(choice_sets), n=1)
    check.add(
        path + ("choices",),
        f"{label} uses choice set '{raw_choices}', which is not defined.",
        f"did you mean '{guess[0]}'?" if guess else "define it under choice_sets.",
    )
    return (), None


def _check_choice_codes(
    choices: tuple[Choice, ...], kind: str, path: tuple, label: str, check: _Checker
) -> None:
    if kind == "likert" and choices and not all(isinstance(c.code, int) for c in choices):
        check.add(
            path,
            f"{label} is a Likert item, so its codes must be whole numbers in order.",
            "code the points 1, 2, 3 ... from lowest to highest.",
        )
    if kind == "multiple_choice":
        _multiple_choice_codes(choices, path, label, check)
    if kind == "likert" and 0 < len(choices) < 2:
        check.add(
            path,
            f"{label} is a Likert item with fewer than 2 points.",
            "give it at least 2 labelled points.",
        )


def _check_answer_key(raw: dict, kind: str, path: tuple, label: str, check: _Checker) -> None:
    """A true/false item has an answer key (``key: true`` or ``false``); nothing else has one."""
    if kind == "true_false":
        if not isinstance(raw.get("key"), bool):
            check.add(
                path + ("key",),
                f"{label} is a true/false item without an answer key.",
                "add key: true or key: false.",
            )
    elif "key" in raw:
        check.add(
            path + ("key",),
            f"{label} ({kind}) cannot have an answer key.",
            "remove 'key:' or change the type to true_false.",
        )


def _item_range(
    raw: dict, kind: str, path: tuple, label: str, check: _Checker
) -> tuple[float | None, float | None]:
    """``min`` and ``max`` of a number item (nothing else has them, nor ``integer``)."""
    minimum = _number(raw.get("min"), path + ("min",), check)
    maximum = _number(raw.get("max"), path + ("max",), check)
    if kind != "number" and (minimum is not None or maximum is not None or "integer" in raw):
        check.add(
            path + ("min" if "min" in raw else "max" if "max" in raw else "integer",),
            f"{label} ({kind}) cannot have min, max or integer.",
            "remove them or change the type to number.",
        )
    if minimum is not None and maximum is not None and minimum > maximum:
        check.add(
            path + ("min",), f"{label} has min {minimum:g} above max {maximum:g}.", "swap them."
        )
    return minimum, maximum


def _item_source(raw: dict, path: tuple, label: str, check: _Checker, sources: dict) -> str:
    source = check.text(raw, "source", path)
    if source and source not in sources:
        check.add(
            path + ("source",),
            f"{label} cites source '{source}', which is not under 'sources'.",
            "add it to the instrument's sources, or correct the key.",
        )
    return source


def _item_flags(
    raw: dict, kind: str, path: tuple, label: str, check: _Checker
) -> tuple[bool, bool]:
    """``required`` and ``hidden``, checked against what the item's type allows."""
    required = check.boolean(raw, "required", path)
    hidden = check.boolean(raw, "hidden", path)
    _check_unasked(raw, kind, label, required, hidden, path, check)
    if hidden and kind not in ("text", "single_choice", "number"):
        check.add(
            path + ("hidden",),
            f"{label} is hidden but of type {kind}.",
            "hidden items are text, single_choice or number (filled by the collection).",
        )
    return required, hidden


def _check_unasked(
    raw: dict, kind: str, label: str, required: bool, hidden: bool, path: tuple, check: _Checker
) -> None:
    """Notes and calculations are never answered: they cannot be required or hidden, and only a
    calculation has (and must have) a ``calculation``."""
    if kind in UNASKED_TYPES and (required or hidden):
        key = "required" if required else "hidden"
        check.add(
            path + (key,),
            f"{label} is a {kind}, which the respondent never answers, so it cannot be {key}.",
            f"remove '{key}:'.",
        )
    if kind == "calculate" and raw.get("calculation") is None:
        check.add(
            path,
            f"{label} is a calculate item without a calculation.",
            "add calculation: a condition (the item is 1 when it holds, 0 when not).",
        )
    if kind != "calculate" and raw.get("calculation") is not None:
        check.add(
            path + ("calculation",),
            f"{label} ({kind}) cannot have a calculation.",
            "remove 'calculation:' or change the type to calculate.",
        )


def _translations(
    raw: Any, default: str, items: dict[str, Item], sections: list[Section], check: _Checker
) -> dict[str, Translation]:
    """``translations:`` — each language's texts, checked against the ids and codes they name."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.add(("translations",), "'translations' must be a mapping.", "write 'cy:' then texts.")
        return {}
    section_ids = {s.id for s in sections}
    out: dict[str, Translation] = {}
    for tag, body in raw.items():
        path = ("translations", tag)
        tag = str(tag)
        if tag == default or not LANGUAGE_TAG.match(tag):
            why = "is the default language" if tag == default else "is not a language tag"
            check.add(path, f"translation '{tag}' {why}.", "use a tag such as cy, fr or pt-BR.")
            continue
        if not isinstance(body, dict):
            check.add(path, f"translation '{tag}' must be a mapping.", "write 'items:' under it.")
            continue
        check.keys(body, TRANSLATION_KEYS, path, f"translation {tag}")
        out[tag] = Translation(
            language=tag,
            name=check.text(body, "name", path),
            review=check.text(body, "review", path),
            title=check.text(body, "title", path),
            description=check.text(body, "description", path),
            notice=check.text(body, "notice", path),
            sections=_section_texts(body.get("sections"), path, section_ids, check),
            items=_item_texts(body.get("items"), path, items, check),
        )
    return out


def _known_ids(raw: Any, path: tuple, known: set[str] | dict, what: str, check: _Checker):
    if raw is None:
        return []
    if not isinstance(raw, dict):
        check.add(path, f"'{path[-1]}' must be a mapping of {what} ids.", f"write '<{what} id>:'.")
        return []
    pairs = []
    for key, body in raw.items():
        if str(key) not in known:
            guess = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"use an id of a {what}."
            check.add(path + (key,), f"no {what} has the id '{key}'.", hint)
        elif not isinstance(body, dict):
            check.add(
                path + (key,), f"the texts of {what} '{key}' must be a mapping.", "write text: ..."
            )
        else:
            pairs.append((str(key), body))
    return pairs


def _section_texts(raw: Any, path: tuple, known: set[str], check: _Checker):
    out = {}
    for sid, body in _known_ids(raw, path + ("sections",), known, "section", check):
        spath = path + ("sections", sid)
        check.keys(body, SECTION_TEXT_KEYS, spath, f"section {sid}")
        out[sid] = SectionText(check.text(body, "title", spath), check.text(body, "intro", spath))
    return out


def _item_texts(raw: Any, path: tuple, items: dict[str, Item], check: _Checker):
    out = {}
    for iid, body in _known_ids(raw, path + ("items",), items, "item", check):
        ipath = path + ("items", iid)
        check.keys(body, ITEM_TEXT_KEYS, ipath, f"item {iid}")
        codes = {str(c.code) for c in items[iid].choices}
        choices: dict[str, str] = {}
        raw_choices = body.get("choices") or {}
        if not isinstance(raw_choices, dict):
            check.add(ipath + ("choices",), "'choices' must map codes to labels.", "write 1: Ie")
            raw_choices = {}
        for code, label in raw_choices.items():
            if str(code) not in codes:
                check.add(
                    ipath + ("choices", code),
                    f"item {iid} has no choice with code {code}.",
                    f"use one of its codes: {', '.join(sorted(codes)) or 'none'}.",
                )
            else:
                choices[str(code)] = str(label).strip()
        out[iid] = ItemText(
            text=check.text(body, "text", ipath),
            help=check.text(body, "help", ipath),
            explanation=check.text(body, "explanation", ipath),
            constraint_message=check.text(body, "constraint_message", ipath),
            choices=choices,
        )
    return out


def _condition(raw: Any, path: tuple, check: _Checker) -> Condition | None:
    try:
        return parse_condition(raw, ())
    except ConditionSyntaxError as err:
        check.add(path + err.path, str(err), err.fix)
        return None


def _leaves(condition: Condition) -> list[tuple[tuple, Leaf]]:
    from readiness.instrument.conditions import All, Any_, Not

    if isinstance(condition, Leaf):
        return [((), condition)]
    if isinstance(condition, Not):
        return [(("not",) + p, leaf) for p, leaf in _leaves(condition.condition)]
    key = "all" if isinstance(condition, All) else "any"
    assert isinstance(condition, All | Any_)
    out = []
    for index, part in enumerate(condition.conditions):
        out += [((key, index) + p, leaf) for p, leaf in _leaves(part)]
    return out


def _check_condition(
    condition: Condition,
    path: tuple,
    position: int,
    owner: str,
    items: dict[str, Item],
    order: dict[str, int],
    check: _Checker,
) -> None:
    for sub, leaf in _leaves(condition):
        lpath = path + sub
        target = items.get(leaf.item)
        if target is None:
            guess = difflib.get_close_matches(leaf.item, list(items), n=1)
            check.add(
                lpath + ("item",),
                f"the condition of {owner} refers to '{leaf.item}', which is not an item.",
                f"did you mean '{guess[0]}'?" if guess else "use the id of an earlier item.",
            )
            continue
        if order[leaf.item] >= position:
            check.add(
                lpath + ("item",),
                f"the condition of {owner} refers to '{leaf.item}', which does not come before it.",
                "a condition may only depend on answers given earlier; move the item or the condition.",
            )
        _check_leaf_fits(leaf, target, lpath, f"the condition of {owner}", check)


def _check_leaf_fits(leaf: Leaf, target: Item, path: tuple, owner: str, check: _Checker) -> None:
    op = leaf.op
    if not target.holds_data:
        check.add(
            path + ("item",),
            f"{owner} refers to '{target.id}', a note, which holds no answer.",
            "refer to an item the respondent answers.",
        )
    if op == "selected" and target.type != "multiple_choice":
        check.add(
            path + (op,),
            f"{owner} uses 'selected' on '{target.id}', which is {target.type}.",
            "use 'equals' or 'in' for single answers.",
        )
    if op in ("equals", "not_equals", "in", "not_in") and target.type == "multiple_choice":
        check.add(
            path + (op,),
            f"{owner} uses '{op}' on '{target.id}', a multiple choice.",
            "use 'selected: CODE' for a multiple choice.",
        )
    if op in ORDER_OPERATORS and target.type not in ("number", "likert"):
        check.add(
            path + (op,),
            f"{owner} compares '{target.id}' ({target.type}) with '{op}'.",
            "order comparisons apply to numbers and Likert items; use 'in' for codes.",
        )
    if target.choices and op in ("equals", "not_equals", "in", "not_in", "selected"):
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        for value in values:
            if not any(same_code(value, c) for c in target.codes):
                check.add(
                    path + (op,),
                    f"{owner} uses code {value!r}, which '{target.id}' does not have.",
                    "codes of '"
                    + target.id
                    + "': "
                    + ", ".join(str(c) for c in target.codes)
                    + ".",
                )


def _id_list(raw: Any, path: tuple, check: _Checker, what: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        check.add(
            path, f"{what} must be a list of item ids.", f"write {path[-1]}: [item_a, item_b]."
        )
        return []
    return list(raw)


def _scales(raw: Any, items: dict[str, Item], check: _Checker) -> list[Scale]:
    if not isinstance(raw, list):
        check.add(("scales",), "'scales' must be a list.", "write each scale as '- id: ...'.")
        return []
    out = []
    for index, entry in enumerate(raw):
        path = ("scales", index)
        if not isinstance(entry, dict):
            check.add(
                path, "a scale must be a mapping.", "write '- id: ...' then 'label:' and 'items:'."
            )
            continue
        label = f"scale {entry.get('id', index + 1)}"
        check.keys(entry, SCALE_KEYS, path, label)
        sid = check.identifier(entry.get("id"), path + ("id",), "scale")
        members = _id_list(entry.get("items", []), path + ("items",), check, "'items'")
        for j, member in enumerate(members):
            item = items.get(member)
            if item is None:
                guess = difflib.get_close_matches(member, list(items), n=1)
                check.add(
                    path + ("items", j),
                    f"{label} lists '{member}', which is not an item.",
                    f"did you mean '{guess[0]}'?" if guess else "list item ids.",
                )
            elif item.type not in SCORABLE_TYPES:
                check.add(
                    path + ("items", j),
                    f"{label} lists '{member}' ({item.type}), which cannot be scored.",
                    "scales take likert, true_false and yes_no items.",
                )
        if len(set(members)) != len(members):
            check.add(path + ("items",), f"{label} lists an item twice.", "list each item once.")
        reverse = _id_list(entry.get("reverse", []) or [], path + ("reverse",), check, "'reverse'")
        for j, member in enumerate(reverse):
            if member not in members:
                check.add(
                    path + ("reverse", j),
                    f"{label} reverses '{member}', which is not one of its items.",
                    "add it to 'items' or remove it from 'reverse'.",
                )
            elif member in items and items[member].type == "true_false":
                check.add(
                    path + ("reverse", j),
                    f"{label} reverses '{member}', a true/false item.",
                    "set its key instead; true/false items are scored against their key.",
                )
        scoring = entry.get("scoring", "mean")
        if scoring not in ("mean", "sum"):
            check.add(
                path + ("scoring",), f"{label} has scoring {scoring!r}.", "use 'mean' or 'sum'."
            )
        minimum = entry.get("min_answered")
        if minimum is not None and (
            isinstance(minimum, bool)
            or not isinstance(minimum, int)
            or not 1 <= minimum <= max(len(members), 1)
        ):
            check.add(
                path + ("min_answered",),
                f"{label} has min_answered {minimum!r}, but it has {len(members)} items.",
                f"use a whole number from 1 to {len(members)}.",
            )
            minimum = None
        out.append(
            Scale(
                sid,
                check.text(entry, "label", path),
                tuple(members),
                tuple(reverse),
                scoring,
                minimum,
                check.text(entry, "description", path),
            )
        )
    return out


def _rule(raw: Any, path: tuple, check: _Checker) -> Rule | None:
    if not isinstance(raw, dict) or len(raw) != 1:
        check.add(
            path,
            "'when' must be one rule, such as {bottom: 3} or {in: [1, 2]}.",
            "rules: " + ", ".join(RULE_KINDS) + ".",
        )
        return None
    kind, value = next(iter(raw.items()))
    if kind not in RULE_KINDS:
        guess = difflib.get_close_matches(str(kind), RULE_KINDS, n=1)
        check.add(
            path + (kind,),
            f"'{kind}' is not a rule.",
            (f"did you mean '{guess[0]}'? " if guess else "")
            + "Rules: "
            + ", ".join(RULE_KINDS)
            + ".",
        )
        return None
    return Rule(kind, value)


def _check_rule(
    rule: Rule, target: Item | None, scale: Scale | None, path: tuple, label: str, check: _Checker
) -> None:
    kind, value = rule.kind, rule.value
    rpath = path + ("when", kind)
    if scale is not None:
        if kind not in ORDER_OPERATORS:
            check.add(
                rpath,
                f"{label} is on a scale score, so its rule must compare with a number.",
                "use gt, ge, lt or le.",
            )
        elif isinstance(value, bool) or not isinstance(value, int | float):
            check.add(rpath, f"{label}: '{kind}' needs a number.", f"write {kind}: 3.")
        return
    assert target is not None
    if kind in ("bottom", "top"):
        _check_points_rule(kind, value, target, rpath, label, check)
    elif kind in ("correct", "incorrect"):
        _check_key_rule(kind, value, target, rpath, label, check)
    elif kind == "selected":
        _check_selected_rule(value, target, rpath, label, check)
    elif kind == "in":
        _check_in_rule(value, target, rpath, label, check)
    elif kind in ORDER_OPERATORS:
        if target.type not in ("number", "likert"):
            check.add(
                rpath,
                f"{label}: '{kind}' applies to numbers; '{target.id}' is {target.type}.",
                "use 'in' with codes.",
            )
        elif isinstance(value, bool) or not isinstance(value, int | float):
            check.add(rpath, f"{label}: '{kind}' needs a number.", f"write {kind}: 3.")


def _check_points_rule(
    kind: str, value: Any, target: Item, rpath: tuple, label: str, check: _Checker
) -> None:
    """``bottom: n`` / ``top: n``: the n lowest or highest points of a Likert item."""
    if target.type != "likert":
        check.add(
            rpath,
            f"{label}: '{kind}' applies to Likert items; '{target.id}' is {target.type}.",
            "use 'in' with codes.",
        )
    elif (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value < len(target.choices)
    ):
        check.add(
            rpath,
            f"{label}: '{kind}: {value!r}' must count points from 1 to {len(target.choices) - 1}.",
            f"write {kind}: 3.",
        )


def _check_key_rule(
    kind: str, value: Any, target: Item, rpath: tuple, label: str, check: _Checker
) -> None:
    """``correct: true`` / ``incorrect: true``: a true/false item against its answer key."""
    if target.type != "true_false":
        check.add(
            rpath,
            f"{label}: '{kind}' applies to true/false items; '{target.id}' is {target.type}.",
            "use 'in' with codes.",
        )
    if value is not True:
        check.add(rpath, f"{label}: write '{kind}: true'.", f"write {kind}: true.")


def _check_selected_rule(
    value: Any, target: Item, rpath: tuple, label: str, check: _Checker
) -> None:
    if target.type != "multiple_choice":
        check.add(
            rpath,
            f"{label}: 'selected' applies to multiple choice; '{target.id}' is {target.type}.",
            "use 'in' with codes.",
        )
    elif not any(same_code(value, c) for c in target.codes):
        check.add(
            rpath,
            f"{label}: '{target.id}' has no code {value!r}.",
            "codes: " + ", ".join(map(str, target.codes)) + ".",
        )


def _check_in_rule(value: Any, target: Item, rpath: tuple, label: str, check: _Checker) -> None:
    if target.type in ("number", "text", "month_year", "multiple_choice"):
        check.add(
            rpath,
            f"{label}: 'in' applies to coded single answers; '{target.id}' is {target.type}.",
            "use a comparison for numbers, 'selected' for multiple choice.",
        )
    elif not isinstance(value, list) or not value:
        check.add(rpath, f"{label}: 'in' takes a list of codes.", "write in: [1, 2].")
    else:
        for code in value:
            if not any(same_code(code, c) for c in target.codes):
                check.add(
                    rpath,
                    f"{label}: '{target.id}' has no code {code!r}.",
                    "codes: " + ", ".join(map(str, target.codes)) + ".",
                )


def _indicators(
    raw: Any, items: dict[str, Item], scales: dict[str, Scale], check: _Checker
) -> list[Indicator]:
    if not isinstance(raw, list):
        check.add(
            ("indicators",), "'indicators' must be a list.", "write each indicator as '- id: ...'."
        )
        return []
    out = []
    for index, entry in enumerate(raw):
        path = ("indicators", index)
        if not isinstance(entry, dict):
            check.add(
                path,
                "an indicator must be a mapping.",
                "write '- id: ...', 'label:', 'item:' and 'when:'.",
            )
            continue
        label = f"indicator {entry.get('id', index + 1)}"
        check.keys(entry, INDICATOR_KEYS, path, label)
        iid = check.identifier(entry.get("id"), path + ("id",), "indicator")
        item_id, scale_id = entry.get("item"), entry.get("scale")
        target = scale = None
        if (item_id is None) == (scale_id is None):
            check.add(
                path,
                f"{label} needs exactly one of 'item' or 'scale'.",
                "name the item (or scale) the indicator is computed from.",
            )
        elif item_id is not None:
            target = items.get(str(item_id))
            if target is None:
                guess = difflib.get_close_matches(str(item_id), list(items), n=1)
                check.add(
                    path + ("item",),
                    f"{label} is computed from '{item_id}', which is not an item.",
                    f"did you mean '{guess[0]}'?" if guess else "name an item.",
                )
        else:
            scale = scales.get(str(scale_id))
            if scale is None:
                check.add(
                    path + ("scale",),
                    f"{label} is computed from scale '{scale_id}', which is not defined.",
                    "name a scale under 'scales'.",
                )
        rule = _rule(entry.get("when"), path + ("when",), check) if "when" in entry else None
        if rule is not None and (target is not None or scale is not None):
            _check_rule(rule, target, scale, path, label, check)
        missing = entry.get("missing", "exclude")
        if missing not in ("exclude", "negative"):
            check.add(
                path + ("missing",),
                f"{label} has missing {missing!r}.",
                "use 'exclude' (denominator: those who answered) or 'negative' (denominator: everyone).",
            )
        published = _published(
            entry.get("published") or [], path + ("published",), items, check, label
        )
        if rule is None:
            continue
        out.append(
            Indicator(
                iid,
                check.text(entry, "label", path),
                rule,
                str(item_id) if item_id else None,
                str(scale_id) if scale_id else None,
                missing,
                published,
                check.text(entry, "description", path),
            )
        )
    return out


def _published(
    raw: Any, path: tuple, items: dict[str, Item], check: _Checker, label: str
) -> tuple[PublishedFigure, ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        check.add(
            path,
            f"{label}: 'published' must be a list of figures.",
            "write '- {percent: 13.0, denominator: 782}'.",
        )
        return ()
    out = []
    for index, entry in enumerate(raw):
        ppath = path + (index,)
        if not isinstance(entry, dict):
            check.add(
                ppath,
                f"{label}: a published figure must be a mapping.",
                "write {percent: 13.0, denominator: 782}.",
            )
            continue
        check.keys(entry, PUBLISHED_KEYS, ppath, f"a published figure of {label}")
        percent = entry.get("percent")
        if (
            isinstance(percent, bool)
            or not isinstance(percent, int | float)
            or not 0 <= percent <= 100
        ):
            check.add(
                ppath + ("percent",),
                f"{label}: published percent {percent!r} is not between 0 and 100.",
                "write the percentage as printed, e.g. 13.0.",
            )
            continue
        for key in ("count", "denominator"):
            value = entry.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                check.add(
                    ppath + (key,),
                    f"{label}: published {key} must be a whole number.",
                    f"write {key}: 782.",
                )
        where = None
        if entry.get("where") is not None:
            where = _condition(entry["where"], ppath + ("where",), check)
            if where is not None:
                for sub, leaf in _leaves(where):
                    target = items.get(leaf.item)
                    if target is None:
                        check.add(
                            ppath + ("where",) + sub + ("item",),
                            f"{label}: the published subgroup refers to '{leaf.item}', which is not an item.",
                            "name an item such as discipline.",
                        )
                    else:
                        _check_leaf_fits(
                            leaf,
                            target,
                            ppath + ("where",) + sub,
                            f"{label}'s published subgroup",
                            check,
                        )
        out.append(
            PublishedFigure(
                float(percent),
                entry.get("count"),
                entry.get("denominator"),
                where,
                str(entry.get("source") or ""),
            )
        )
    return tuple(out)
