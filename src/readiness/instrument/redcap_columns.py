"""REDCap data dictionaries: the columns, their headers, and the Field Annotation's tags."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

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


def checkbox_suffix(code: Any) -> str:
    """How REDCap writes a choice's code in the name of its checkbox column: lower-case, and
    anything but a letter or digit as ``_`` (-99 -> ``_99``)."""
    return re.sub(r"[^a-z0-9]", "_", str(code).lower())


def checkbox_column(name: str, code: Any) -> str:
    """REDCap's name for one choice of a checkbox field: ``name___code`` (-99 ->
    ``name____99``)."""
    return f"{name}___{checkbox_suffix(code)}"


def column_for(header: str) -> str | None:
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


_TAG = re.compile(r"@([A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*)")


def parse_annotation(text: str) -> Annotation:
    """Split a Field Annotation into our ``@READINESS-...`` tags, REDCap's tags and free text."""
    out = Annotation()
    rest: list[str] = []
    i, n = 0, len(text)
    while i < n:
        m = _next_tag(text, i)
        if m is None:
            rest.append(text[i:])
            break
        rest.append(text[i : m.start()])
        name = m.group(1)
        value, i = _tag_value(text, m.end(), name, out.errors)
        if name.startswith("READINESS-"):
            out.tags[name[len("READINESS-") :]] = value
        elif name in HIDDEN_TAGS:
            out.hidden = True
        else:
            out.other_tags.append("@" + name)
    out.text = " ".join(" ".join(rest).split())
    return out


def _next_tag(text: str, start: int) -> re.Match | None:
    at = text.find("@", start)
    while at >= 0:
        m = _TAG.match(text, at)
        if m is not None:
            return m
        at = text.find("@", at + 1)
    return None


def _word_end(text: str, j: int) -> int:
    while j < len(text) and not text[j].isspace():
        j += 1
    return j


def _tag_value(text: str, j: int, name: str, errors: list[str]) -> tuple[Any, int]:
    """The value of the tag whose name ends at ``j`` (True when bare), and where it ends.
    REDCap's own tags may take arguments in brackets, which are skipped."""
    n = len(text)
    if j < n and text[j] == "(":
        depth = 0
        while j < n:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        return True, j
    if j >= n or text[j] != "=":
        return True, j
    j += 1
    if j < n and text[j] in '"{[':
        try:
            return json.JSONDecoder().raw_decode(text, j)
        except ValueError:
            errors.append(f"@{name} has a value that is not valid JSON.")
    elif j < n and text[j] == "'":
        end = text.find("'", j + 1)
        end = n if end < 0 else end
        return text[j + 1 : end], min(end + 1, n)
    end = _word_end(text, j)
    return text[j:end], end


def tag(name: str, value: Any = None) -> str:
    if value is None:
        return f"@READINESS-{name}"
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.-]+", value):
        return f"@READINESS-{name}={value}"
    return f"@READINESS-{name}=" + json.dumps(value, ensure_ascii=False)


def tag_text(value: Any) -> str:
    """A tag's value as text ("" for a bare tag)."""
    if value is None or value is True:
        return ""
    return str(value).strip()


def default_title(form: str) -> str:
    """The title of a section that has no section header: its form's name, as words."""
    return form.replace("_", " ").capitalize()


def default_form(instrument_id: str) -> str:
    """The REDCap form (lower-case letters, digits, '_') that holds an instrument's sections
    when they name no form of their own: the instrument's id."""
    name = re.sub(r"[^a-z0-9_]", "_", instrument_id.lower())
    return name if name[:1].isalpha() else f"form_{name}"


VARIABLE_NAME = re.compile(r"\A[a-z][a-z0-9_]*\Z")
READINESS_ID = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")  # an item or section id of ours


def variable_name(text: str) -> str:
    """A name REDCap accepts for a variable made from an id: lower-case, starting with a letter
    (``Q1_Seen`` -> ``q1_seen``, ``_adult`` -> ``v_adult``)."""
    name = re.sub(r"[^a-z0-9_]", "_", text.lower())
    return name if name[:1].isalpha() else f"v{name}"


def renamed_data(data: Any, names: dict[str, str]) -> Any:
    """Condition data with each ``item`` it names renamed by ``names`` (others unchanged)."""
    if isinstance(data, dict):
        return {
            k: names.get(v, v) if k == "item" else renamed_data(v, names) for k, v in data.items()
        }
    if isinstance(data, list):
        return [renamed_data(v, names) for v in data]
    return data
