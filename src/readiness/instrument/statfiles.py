"""Instruments derived from SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files.

:func:`read_statfile` reads the file's dictionary with pyreadstat (the metadata only for SPSS;
for Stata also the numeric columns, because only the data say which tagged missing values,
``.a`` to ``.z``, are used) and derives one item per variable:

* the variable name is the item id, kept as written (``SEX``); a name that is not an
  identifier (SPSS allows ``@``, ``#``, ``$``, ``.`` and non-ASCII letters) is renamed, and
  the renaming named in the result;
* the variable label is the item text (the name when there is none, with a warning);
* a variable with value labels is a ``single_choice`` with those choices, codes as numbers
  (strings for string variables);
* a numeric variable without value labels is a ``number`` (whole numbers when its format has
  no decimals or it is stored as an integer); a string variable is ``text``;
* SPSS ``DATE``, ``ADATE``, ``EDATE``, ``SDATE``, ``JDATE`` and Stata ``%td`` formats are
  ``date``; ``TIME``, ``DTIME``, ``MTIME`` and Stata ``%tc`` formats with only hours, minutes
  and seconds are ``time``; ``DATETIME``, ``YMDHMS`` and other ``%tc``/``%tC`` formats are
  ``datetime``; SPSS ``MOYR`` and Stata ``%tm`` are ``month_year``.

A group of 0/1 variables named ``<item>___<code>`` (value labels on 0 and 1 only, as
Readiness's own exports and REDCap's write a multiple-choice question) is one
``multiple_choice`` item ``<item>``: each variable a choice, its code from the name (REDCap's
``____99`` is -99), its label from the variable label after the question's (``Question:
Choice``, or REDCap's ``Question (choice=Choice)``).  The columns Readiness keeps beside the
items (``response_id``, ``instrument_id``, ``completed_on`` ...) are not items; a warning names
them.

What the instrument cannot hold is named, variable by variable, in the result's ``unmapped``:
declared missing codes (SPSS user-missing values and ranges, Stata ``.a``-``.z``), which are
never offered as answer choices; multiple response sets; the SPSS weight variable; measure
levels that the item type does not carry; date formats with no item type (week, quarter);
codes that are not whole numbers.  Responses read from SPSS and Stata files keep declared
missing codes as declared missing (:mod:`readiness.responses.read`).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.instrument.interop import (
    ConversionNote,
    ConversionResult,
    FileReader,
    Location,
    build_with_recovery,
    slug_id,
    unique_name,
)
from readiness.instrument.load import IDENTIFIER, identifier_from
from readiness.instrument.model import META_COLUMNS, Instrument

SUFFIXES = {".sav": "spss", ".zsav": "spss", ".dta": "stata"}
FORMAT_NAMES = {"spss": "SPSS", "stata": "Stata"}

_SPSS_FORMAT = re.compile(r"^([A-Z]+)(\d+)?(?:\.(\d+))?$")
SPSS_DATE = ("DATE", "ADATE", "EDATE", "SDATE", "JDATE")
SPSS_TIME = ("TIME", "DTIME", "MTIME")
SPSS_DATETIME = ("DATETIME", "YMDHMS")
SPSS_MONTH = ("MOYR",)
SPSS_OTHER_DATES = ("QYR", "WKYR", "WKDAY", "MONTH")
STATA_OTHER_DATES = ("%tw", "%tq", "%th", "%ty", "%tb")
_STATA_DATE_PARTS = re.compile(r"[CYyNnMmDdJjWwLl]")  # century, year, month, day, week ...


class StatfileResult(ConversionResult):
    """A :class:`ConversionResult` whose summary names the file as "SPSS file" or "Stata file"."""

    def summary(self) -> str:
        text = super().summary()
        return text.replace(f"Read {self.format} ", f"Read {FORMAT_NAMES[self.format]} file ", 1)


def statfile_format(path: str | Path) -> str | None:
    """``"spss"`` or ``"stata"`` from the file's suffix, else None."""
    return SUFFIXES.get(Path(path).suffix.lower())


@dataclass
class Missing:
    """A variable's declared missing codes: SPSS discrete values and ranges, Stata letters."""

    values: list[Any] = field(default_factory=list)
    ranges: list[tuple[float, float]] = field(default_factory=list)
    letters: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.values or self.ranges or self.letters)

    def holds(self, code: Any) -> bool:
        """Whether a stored value (a number, a string or a Stata letter) is declared missing."""
        if isinstance(code, str) and code in self.letters:
            return True
        if any(_same(code, v) for v in self.values):
            return True
        if isinstance(code, int | float) and not isinstance(code, bool):
            return any(lo <= code <= hi for lo, hi in self.ranges)
        return False

    def describe(self, labels: dict) -> str:
        """The codes in words, each with its value label: ``9 = 'Refused', -9 to -1``."""
        parts = [_code_words(v, labels) for v in self.values]
        for lo, hi in self.ranges:
            inside = [
                _code_words(k, labels)
                for k in labels
                if not isinstance(k, str) and lo <= float(k) <= hi
            ]
            parts.append(
                f"{_number(lo)} to {_number(hi)}" + (f" ({', '.join(inside)})" if inside else "")
            )
        parts += [_code_words(letter, labels, prefix=".") for letter in self.letters]
        return ", ".join(parts)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a.rstrip() == b.rstrip()
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> str:
    if isinstance(value, float) and abs(value) >= 1e300:  # SPSS's LOWEST and HIGHEST
        return "LOWEST" if value < 0 else "HIGHEST"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _code_words(code: Any, labels: dict, prefix: str = "") -> str:
    label = next((text for key, text in labels.items() if _same(key, code)), None)
    if prefix:
        shown = prefix + str(code)
    else:
        shown = repr(code) if isinstance(code, str) else _number(code)
    return f"{shown} = {label!r}" if label else shown


def declared_missing(meta: Any, variable: str, letters: list[str] | None = None) -> Missing:
    """The declared missing codes of one variable from pyreadstat's metadata (read with
    ``user_missing=True``); ``letters`` are the Stata tagged missing values found in its data."""
    missing = Missing(letters=sorted(set(letters or [])))
    for entry in (getattr(meta, "missing_ranges", None) or {}).get(variable, []):
        lo, hi = entry.get("lo"), entry.get("hi")
        if isinstance(lo, str) or lo == hi:
            missing.values.append(lo)
        else:
            missing.ranges.append((float(lo), float(hi)))
    for value in (getattr(meta, "missing_user_values", None) or {}).get(variable, []):
        if isinstance(value, str) and len(value) == 1 and getattr(meta, "file_format", "") == "dta":
            if value not in missing.letters:
                missing.letters.append(value)
        elif not any(_same(value, v) for v in missing.values):
            missing.values.append(value)
    return missing


# --------------------------------------------------------------------------------------------
# Reading the file


def read_metadata(path: Path, kind: str, reader: FileReader) -> tuple[Any, dict[str, list[str]]]:
    """pyreadstat's metadata of the file, and for Stata the tagged missing letters each
    numeric variable uses in the data.  A file pyreadstat cannot read is a ConversionError."""
    import pyreadstat

    name = FORMAT_NAMES[kind]
    try:
        if kind == "spss":
            _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
            return meta, {}
        _, meta = pyreadstat.read_dta(str(path), metadataonly=True)
        return meta, _stata_letters(path, meta)
    except Exception as err:  # pyreadstat raises its own types, and OSError, ValueError
        if not (
            isinstance(err, OSError | ValueError) or type(err).__module__.startswith("pyreadstat")
        ):
            raise
        raise reader.fatal(
            f"could not be read as a {name} file: {err}",
            f"check that it is a {name} file ({'.sav or .zsav' if kind == 'spss' else '.dta'}) "
            "and is not damaged; save it again from "
            f"{name} if it is.",
        ) from err


def _stata_letters(path: Path, meta: Any, chunk: int = 100_000) -> dict[str, list[str]]:
    """The tagged missing values (.a to .z) each numeric variable of a Stata file uses."""
    import pyreadstat

    numeric = [v for v in meta.column_names if meta.readstat_variable_types.get(v) != "string"]
    found: dict[str, set[str]] = {}
    if not numeric:
        return {}
    for offset in range(0, max(int(meta.number_rows or 0), 1), chunk):
        frame, _ = pyreadstat.read_dta(
            str(path),
            usecols=numeric,
            user_missing=True,
            disable_datetime_conversion=True,
            row_offset=offset,
            row_limit=chunk,
        )
        for name in numeric:
            column = frame[name]
            if column.dtype == object:
                letters = {v for v in column.dropna().unique() if isinstance(v, str)}
                if letters:
                    found.setdefault(name, set()).update(letters)
    return {name: sorted(letters) for name, letters in found.items()}


def spss_weight(path: Path, meta: Any) -> str | None:
    """The name of the SPSS file's weight variable (``WEIGHT BY``), read from the header, which
    pyreadstat does not report; None when the file is not weighted."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(80)
    except OSError:
        return None
    if len(header) < 80 or header[:4] not in (b"$FL2", b"$FL3"):
        return None
    order = "<" if struct.unpack("<i", header[64:68])[0] in (2, 3) else ">"
    index = struct.unpack(order + "i", header[76:80])[0]
    if index <= 0:
        return None
    slot = 1
    for name in meta.column_names:
        if slot == index:
            return name
        slot += _spss_slots(meta, name)
    return f"variable number {index} of the file's dictionary"


def _spss_slots(meta: Any, name: str) -> int:
    """How many 8-byte dictionary records a variable takes (long strings take several)."""
    if meta.readstat_variable_types.get(name) != "string":
        return 1
    width = int(meta.variable_storage_width.get(name) or 8)
    if width <= 255:
        return max(1, math.ceil(width / 8))
    segments = math.ceil(width / 252)
    last = width - 252 * (segments - 1)
    return 32 * (segments - 1) + math.ceil(last / 8)


# --------------------------------------------------------------------------------------------
# Types


def date_type(fmt: str | None, kind: str) -> tuple[str | None, bool]:
    """(item type, known) for a variable's display format: ``("date", True)`` for a date
    format, ``(None, True)`` for any other known format, ``(None, False)`` for a date format
    with no item type (week, quarter, half-year, year, weekday: read as a number)."""
    text = (fmt or "").strip()
    if kind == "stata":
        low = text.lstrip("%-")
        if low.startswith(("td", "d")) and not low.startswith("d_"):
            return "date", True
        if low.startswith(("tc", "tC")):
            rest = low[2:]
            if rest and not _STATA_DATE_PARTS.search(rest.replace("MM", "").replace("SS", "")):
                return "time", True
            return "datetime", True
        if low.startswith("tm"):
            return "month_year", True
        if text.startswith(STATA_OTHER_DATES):
            return None, False
        return None, True
    found = _SPSS_FORMAT.match(text.upper())
    name = found.group(1) if found else ""
    for kind_name, names in (
        ("date", SPSS_DATE),
        ("time", SPSS_TIME),
        ("datetime", SPSS_DATETIME),
        ("month_year", SPSS_MONTH),
    ):
        if name in names:
            return kind_name, True
    return None, name not in SPSS_OTHER_DATES


def whole_numbers(meta: Any, name: str, kind: str) -> bool:
    """Whether a numeric variable holds whole numbers: an integer storage type, or an SPSS
    format with no decimals (``F8.0``)."""
    if meta.readstat_variable_types.get(name) in ("int8", "int16", "int32"):
        return True
    fmt = (meta.original_variable_types.get(name) or "").upper()
    found = _SPSS_FORMAT.match(fmt)
    return kind == "spss" and found is not None and found.group(1) == "F" and found.group(3) == "0"


def choice_code(value: Any) -> int | str | None:
    """A value label's key as a choice code: whole numbers as int, strings stripped; None for
    a number that is not whole."""
    if isinstance(value, str):
        return value.strip()
    number = float(value)
    if number.is_integer():
        return int(number)
    return None


# --------------------------------------------------------------------------------------------
# Items


class _Deriver:
    """Derives the items of one file, gathering the notes on what does not map."""

    def __init__(self, path: Path, kind: str, meta: Any, letters: dict[str, list[str]]):
        self.kind = kind
        self.meta = meta
        self.letters = letters
        self.reader = FileReader(path)
        self.name = FORMAT_NAMES[kind]
        self.taken: set[str] = set()
        self.unlabelled: list[str] = []  # variables without a label, named in one warning

    def note(self, variable: str | None, message: str, fix: str = "", warning: bool = False):
        target = self.reader.warnings if warning else self.reader.unmapped
        target.append(
            ConversionNote(
                message=message, fix=fix, field=variable, file=self.reader.file
            )  # fmt: skip
        )

    def item_id(self, variable: str) -> str:
        wanted = variable
        if not IDENTIFIER.match(variable):
            wanted = identifier_from(variable, "item")
        lower = {t.lower() for t in self.taken}
        item_id = wanted
        n = 2
        while item_id.lower() in lower:
            item_id, n = f"{wanted}_{n}", n + 1
        self.taken.add(item_id)
        if item_id != variable:
            why = (
                "differs only in case from another variable's name"
                if IDENTIFIER.match(variable) and wanted == variable
                else "is not an identifier (ASCII letters, digits and underscores, starting "
                "with a letter or underscore)"
            )
            rename = (
                f"RENAME VARIABLES ({variable}={item_id})"
                if self.kind == "spss"
                else f"rename {variable} {item_id}"
            )
            clash = IDENTIFIER.match(variable) and wanted == variable
            self.note(
                variable,
                f"the name {variable!r} {why}; the item is '{item_id}'.",
                f"rename the variable before reading responses from this file ({rename}), "
                "or rename the item."
                if clash
                else f"nothing to do: responses read from this file match {variable!r} to "
                f"'{item_id}', with a note (or rename the variable: {rename}).",
                warning=True,
            )
        return item_id

    def item(self, variable: str) -> dict[str, Any]:
        meta = self.meta
        item_id = self.item_id(variable)
        text = (meta.column_names_to_labels.get(variable) or "").strip()
        if not text:
            text = variable
            self.unlabelled.append(variable)
        entry: dict[str, Any] = {"id": item_id, "text": text}
        labels = dict(meta.variable_value_labels.get(variable) or {})
        letters = list(self.letters.get(variable, []))
        if self.kind == "stata":  # a labelled .a-.z is a declared reason, used or not
            letters += [k for k in labels if isinstance(k, str) and len(k) == 1]
        missing = declared_missing(meta, variable, letters)
        if missing:
            self.note(
                variable,
                f"declared missing codes {missing.describe(labels)} are not answer choices; "
                "an instrument has no place for them. Responses read from this "
                f"{self.name} file keep them as declared missing, with their reasons.",
                "keep the codes declared missing in the data file; in CSV or XLSX responses "
                "leave those cells empty.",
            )
        if meta.readstat_variable_types.get(variable) == "string":
            self.string_item(entry, variable, labels, missing)
        else:
            self.numeric_item(entry, variable, labels, missing)
        self.measure(variable, entry["type"])
        return entry

    def string_item(self, entry: dict, variable: str, labels: dict, missing: Missing) -> None:
        choices = self.choices(variable, labels, missing)
        if choices:
            entry.update(type="single_choice", choices=choices)
        else:
            entry["type"] = "text"

    def numeric_item(self, entry: dict, variable: str, labels: dict, missing: Missing) -> None:
        fmt = self.meta.original_variable_types.get(variable)
        kind, known = date_type(fmt, self.kind)
        if kind:
            entry["type"] = kind
            answer_labels = {k: v for k, v in labels.items() if not missing.holds(k)}
            if answer_labels:
                self.note(variable, f"value labels on a {kind} variable are not kept: "
                          + _label_list(answer_labels) + ".")  # fmt: skip
            return
        if not known:
            self.note(
                variable,
                f"the date format {fmt} (a week, quarter, half-year or year) has no item type; "
                "it is read as a number.",
                "convert it to a date in the source file if dates are wanted.",
            )
        choices = self.choices(variable, labels, missing)
        if choices:
            entry.update(type="single_choice", choices=choices)
            return
        entry["type"] = "number"
        if whole_numbers(self.meta, variable, self.kind):
            entry["integer"] = True

    def choices(self, variable: str, labels: dict, missing: Missing) -> list[dict]:
        out: list[dict] = []
        lost: list[str] = []
        for key, label in labels.items():
            if missing.holds(key) or (self.kind == "stata" and isinstance(key, str)):
                continue  # a declared missing code (named with the codes), or a Stata .a-.z
            code = choice_code(key)
            if code is None or code == "":
                lost.append(f"{key!r} = {label!r}")
                continue
            out.append({"code": code, "label": str(label).strip() or str(code)})
        if lost:
            self.note(
                variable,
                "value labels whose codes are not whole numbers are not kept: "
                + ", ".join(lost)
                + ".",
                "recode to whole numbers in the source file.",
            )
        return out

    def checkbox_item(self, group: CheckboxGroup) -> dict[str, Any]:
        """One multiple-choice item of a group of 0/1 variables."""
        item_id = self.item_id(group.item)
        titles = self.meta.column_names_to_labels
        labels = [(titles.get(v) or "").strip() for v in group.variables]
        question, choices = checkbox_texts(labels)
        return {
            "id": item_id,
            "type": "multiple_choice",
            "text": question or group.item,
            "choices": [
                {"code": code, "label": label or str(code)}
                for code, label in zip(group.codes, choices, strict=True)
            ],
        }

    def measure(self, variable: str, item_type: str) -> None:
        level = (getattr(self.meta, "variable_measure", None) or {}).get(variable)
        carried = {
            "nominal": ("single_choice", "text"),
            "scale": ("number", "date", "time", "datetime", "month_year"),
        }
        if level in carried and item_type not in carried[level]:
            self.note(variable, f"the measure level '{level}' is not kept; the item is "
                      f"{item_type}.")  # fmt: skip
        elif level == "ordinal":
            self.note(
                variable,
                f"the measure level 'ordinal' is not kept; the item is {item_type}"
                + (", its choices in the file's order." if item_type == "single_choice" else "."),
                "make it a likert item in the instrument YAML if its codes are ordered points.",
            )


# A 0/1 variable of a multiple-choice question: item___code (REDCap: a code -99 as ____99).
_CHECKBOX_NAME = re.compile(r"\A(?P<item>[A-Za-z_][A-Za-z0-9_]*?)___(?P<code>[A-Za-z0-9_]+)\Z")
_REDCAP_CHOICE = re.compile(r"\A(?P<question>.*?)\s*\(choice=(?P<choice>.*)\)\s*\Z", re.S)


@dataclass
class CheckboxGroup:
    """The 0/1 variables of one multiple-choice question, in the file's order."""

    item: str
    variables: list[str]
    codes: list[int | str]


def checkbox_groups(meta: Any) -> dict[str, CheckboxGroup]:
    """Variable -> its group, for each group of numeric ``item___code`` variables labelled on
    0 and 1 only whose item is not a variable of its own."""
    groups: dict[str, CheckboxGroup] = {}
    types = meta.readstat_variable_types or {}
    names = {n.lower() for n in meta.column_names}
    for name in meta.column_names:
        found = _CHECKBOX_NAME.match(name)
        labels = (meta.variable_value_labels or {}).get(name) or {}
        if found is None or types.get(name) == "string" or found["item"].lower() in names:
            continue
        if {_number(k) for k in labels} != {"0", "1"}:
            continue
        group = groups.setdefault(found["item"], CheckboxGroup(found["item"], [], []))
        code = found["code"]
        number = re.fullmatch(r"(_?)([0-9]+)", code)
        group.variables.append(name)
        group.codes.append((-1 if number[1] else 1) * int(number[2]) if number else code)
    return {v: g for g in groups.values() for v in g.variables}


def checkbox_texts(labels: list[str]) -> tuple[str, list[str]]:
    """The question and each choice's label from the 0/1 variables' labels: ``Question:
    Choice`` (the question being what they all start with) or ``Question (choice=Choice)``."""
    redcap = [m for m in (_REDCAP_CHOICE.match(label) for label in labels) if m is not None]
    if labels and len(redcap) == len(labels):
        return redcap[0]["question"].strip(), [m["choice"].strip() for m in redcap]
    common = labels[0] if labels else ""
    for label in labels[1:]:
        while not label.startswith(common):
            common = common[:-1]
    cut = common.rfind(": ") if len(labels) > 1 else labels[0].rfind(": ") if labels else -1
    if cut <= 0:
        return "", labels
    return labels[0][:cut].strip(), [label[cut + 2 :].strip() for label in labels]


def _label_list(labels: dict) -> str:
    return ", ".join(f"{_number(k)} = {v!r}" for k, v in labels.items())


# --------------------------------------------------------------------------------------------
# The file


def read_statfile(
    path: str | Path,
    *,
    base: Instrument | None = None,
    instrument_id: str | None = None,
    version: str | None = None,
    title: str | None = None,
) -> ConversionResult:
    """Derive an instrument from an SPSS (.sav, .zsav) or Stata (.dta) file's dictionary.

    One section holds one item per variable, in the file's order (see the module's docstring
    for the mapping).  ``instrument_id`` defaults to the file name, ``title`` to the file label
    (else the file name), ``version`` to "1".  ``base``: an instrument to take scales,
    indicators, description, notice and sources from.  Everything the instrument cannot hold
    is named in the result's ``unmapped``; renamed variables and missing labels in its
    ``warnings``.  A file pyreadstat cannot read raises :class:`ConversionError`.
    """
    from readiness.instrument.dump import instrument_to_data

    path = Path(path)
    kind = statfile_format(path)
    if kind is None:
        raise FileReader(path).fatal(
            f"the suffix {path.suffix!r} is not an SPSS or Stata file's.",
            "give a .sav or .zsav (SPSS) or .dta (Stata) file.",
        )
    probe = FileReader(path)
    meta, letters = read_metadata(path, kind, probe)
    deriver = _Deriver(path, kind, meta, letters)
    groups = checkbox_groups(meta)
    variables = [v for v in meta.column_names if v.lower() not in META_COLUMNS]
    items, firsts = [], []
    for variable in variables:
        group = groups.get(variable)
        if group is None:
            items.append(deriver.item(variable))
            firsts.append(variable)
        elif group.variables[0] == variable:
            items.append(deriver.checkbox_item(group))
            firsts.append(variable)
    kept = [v for v in meta.column_names if v.lower() in META_COLUMNS]
    if kept:
        deriver.note(None, "the columns " + ", ".join(kept) + " are those Readiness keeps "
                     "beside the items, not items.", warning=True)  # fmt: skip
    _file_notes(deriver, path)
    if not items:
        raise deriver.reader.fatal("the file has no variables.", "give a file with variables.")
    stem = path.stem
    file_label = (meta.file_label or "").strip()
    data: dict[str, Any] = {
        "id": instrument_id or slug_id(stem, "instrument"),
        "version": version or "1",
        "title": title or file_label or stem,
    }
    base_data = instrument_to_data(base) if base is not None else {}
    for key in ("description", "notice", "sources", "scales", "indicators"):
        if base_data.get(key):
            data[key] = base_data[key]
    notes = [str(n).strip() for n in (meta.notes or []) if str(n).strip()]
    if notes and "description" not in data:
        data["description"] = "\n".join(notes)
        deriver.note(None, "the file's notes (documents) are the instrument's description.",
                     warning=True)  # fmt: skip
    section_id = unique_name(identifier_from(stem), set())
    data["sections"] = [{"id": section_id, "title": file_label or stem, "items": items}]
    locations = {"": Location()}
    for index, variable in enumerate(firsts):
        locations[f"sections[0].items[{index}]"] = Location(field=variable, column=variable)
    for kind_name in ("scales", "indicators"):
        for index, entry in enumerate(data.get(kind_name, [])):
            locations[f"{kind_name}[{index}]"] = Location(field=entry.get("id"))
    instrument = build_with_recovery(data, locations, deriver.reader.file, deriver.reader.unmapped)
    result = deriver.reader.result(instrument, kind)
    return StatfileResult(**vars(result))


def _file_notes(deriver: _Deriver, path: Path) -> None:
    """Notes on what belongs to the file rather than to one variable."""
    meta = deriver.meta
    if deriver.unlabelled:
        names = deriver.unlabelled
        shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        deriver.note(
            None,
            f"{len(names)} variable(s) have no variable label; their names are the item "
            f"texts: {shown}.",
            "add variable labels in the source file, or edit the item texts.",
            warning=True,
        )
    for name, spec in (getattr(meta, "mr_sets", None) or {}).items():
        variables = ", ".join(spec.get("variable_list") or [])
        what = (
            f"multiple dichotomy set counting {spec.get('counted_value')!r}"
            if spec.get("is_dichotomy") or spec.get("type") == "D"
            else "multiple category set"
        )
        label = f" ({spec['label']!r})" if spec.get("label") else ""
        deriver.note(
            name,
            f"the multiple response set '{name}'{label}, a {what} of {variables}, is not kept; "
            "its variables are read as separate items.",
            "make one multiple_choice item of them in the instrument YAML if they are one "
            "question's options.",
        )
    if deriver.kind == "spss":
        weight = spss_weight(path, meta)
        if weight:
            deriver.note(
                weight,
                f"the file is weighted by {weight} (WEIGHT BY); an instrument has no weight. "
                f"{weight} is read as an item.",
                f"give the weights to the analysis (--weights {weight}).",
            )
