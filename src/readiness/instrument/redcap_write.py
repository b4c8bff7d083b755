"""Writing an instrument as a REDCap data dictionary: the record identifier, then each form
with its sections as section headers, then what a dictionary cannot hold, reported."""

from __future__ import annotations

import csv
from pathlib import Path

from readiness.instrument.conditions import Condition, parse_condition
from readiness.instrument.interop import (
    ConversionNote,
    ConversionResult,
    format_number,
    format_redcap_logic,
    unique_name,
    write_condition,
)
from readiness.instrument.model import Instrument, Item, Section
from readiness.instrument.redcap_columns import (
    API_COLUMNS,
    DESIGNER_COLUMNS,
    RECORD_ID_LABEL,
    VARIABLE_NAME,
    default_form,
    default_title,
    renamed_data,
    tag,
    variable_name,
)
from readiness.instrument.redcap_fields import SLIDER_RANGE, WRITTEN_VALIDATION


def redcap_names(instrument: Instrument) -> dict[str, str]:
    """Each item id and the REDCap variable name it is written as: itself when REDCap accepts
    it (lower-case letters, digits and '_', starting with a letter), else made so and unique."""
    names = {i.id: i.id for i in instrument.items if VARIABLE_NAME.match(i.id)}
    taken = set(names)
    for item in instrument.items:
        if item.id not in names:
            names[item.id] = unique_name(variable_name(item.id), taken)
    return {item.id: names[item.id] for item in instrument.items}


def record_field(instrument: Instrument) -> str:
    """The name of REDCap's record identifier for the instrument: the one it was read with,
    else ``record_id`` (made unique among the variable names and section ids)."""
    taken = set(redcap_names(instrument).values()) | {s.id for s in instrument.sections}
    return unique_name(variable_name(instrument.record_id or "record_id"), taken)


def _renamed(condition: Condition | None, names: dict[str, str]) -> Condition | None:
    if condition is None or all(names.get(i, i) == i for i in condition.items()):
        return condition
    return parse_condition(renamed_data(condition.to_data(), names))


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

    The record identifier is written first (its name from the dictionary the instrument was
    read from, else ``record_id``). Sections are section headers within their REDCap form: the
    form they were read from, else one form named after the instrument. Scales and indicators
    cannot live in a REDCap dictionary and are listed in the result's ``unmapped``.
    """
    if headers not in ("designer", "api"):
        raise ValueError("headers must be 'designer' or 'api'")
    if columns not in (16, 18):
        raise ValueError("columns must be 18 or 16")
    writer = _Writer(instrument, str(path), with_annotation=columns == 18)
    writer.record()
    writer.renames()
    writer.translations()
    writer.unused_choice_sets()
    for section in instrument.sections:
        writer.section(section)
    writer.extras()
    _write_csv(path, writer.rows, headers, columns)
    return ConversionResult(
        instrument=instrument,
        path=str(path),
        format="redcap",
        direction="write",
        unmapped=writer.unmapped,
        warnings=writer.warnings,
    )


def _write_csv(path: str | Path, rows: list[dict[str, str]], headers: str, columns: int) -> None:
    names = API_COLUMNS[:columns]
    shown = names if headers == "api" else DESIGNER_COLUMNS[:columns]

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(shown)
            for row in rows:
                out.writerow([row.get(name, "") for name in names])

    from readiness.tabular import atomic_write

    atomic_write(path, write)


class _Writer:
    def __init__(self, instrument: Instrument, file: str, *, with_annotation: bool):
        self.instrument = instrument
        self.file = file
        self.with_annotation = with_annotation
        self.unmapped: list[ConversionNote] = []
        self.warnings: list[ConversionNote] = []
        self.names = redcap_names(instrument)
        self.targets: dict[str, Item] = {self.names[i.id]: i for i in instrument.items}
        self.taken = set(self.names.values()) | {s.id for s in instrument.sections}
        self.rows: list[dict[str, str]] = []
        self.form: str | None = None  # the form being written
        self.forms_done: set[str] = set()
        self.renamed_forms: set[str] = set()  # sections whose form's renaming is reported

    def note(self, kind: str, field: str | None, message: str, fix: str = "") -> None:
        target = self.unmapped if kind == "unmapped" else self.warnings
        target.append(ConversionNote(message=message, fix=fix, field=field, file=self.file))

    def lost(self, field_name: str, what: str) -> None:
        self.note(
            "unmapped",
            field_name,
            f"{what} needs the Field Annotation column, which the 16-column form lacks; not "
            "written.",
            "write the 18-column form.",
        )

    # the record identifier ----------------------------------------------------------------
    def record(self) -> None:
        inst = self.instrument
        name = record_field(inst)
        self.taken.add(name)
        meta_tags = [
            tag("INSTRUMENT", inst.id),
            tag("VERSION", inst.version),
            tag("TITLE", inst.title),
            tag("LANGUAGE", inst.language),
        ]
        for key, value in (
            ("LANGUAGE-NAME", inst.language_name),
            ("DESCRIPTION", inst.description),
            ("NOTICE", inst.notice),
            ("SOURCES", inst.sources),
        ):
            if value:
                meta_tags.append(tag(key, value))
        if inst.record_id == name:
            meta_tags.append(tag("RECORD-ID"))
        elif inst.record_id:
            meta_tags.append(tag("RECORD-ID", inst.record_id))
            self.note(
                "warning",
                name,
                f"the record identifier '{inst.record_id}' is written as '{name}': REDCap's "
                "variable names are lower-case letters, digits and '_', starting with a "
                "letter, and unique.",
            )
        else:
            self.note(
                "warning",
                name,
                f"REDCap's record identifier, '{name}', is written as the first field; it is the "
                "response id, not an item.",
            )
        self.rows.append(
            {
                "field_name": name,
                "form_name": self.form_of(inst.sections[0]),
                "field_type": "text",
                "field_label": RECORD_ID_LABEL,
                "field_annotation": " ".join(meta_tags),
            }
        )
        if not self.with_annotation:
            self.lost(name, "the instrument's id, version, title, description, notice and sources")

    def renames(self) -> None:
        for item_id, name in self.names.items():
            if name != item_id:
                self.note(
                    "warning",
                    item_id,
                    f"item '{item_id}' is written as the variable '{name}': REDCap's variable "
                    "names are lower-case letters, digits and '_', starting with a letter. "
                    "@READINESS-ID keeps the id for reading back.",
                )

    def translations(self) -> None:
        for language, translation in self.instrument.translations.items():
            name = f" ({translation.name})" if translation.name else ""
            self.note(
                "unmapped",
                language,
                f"the {language}{name} translation is not written: a REDCap data dictionary "
                "holds the texts of one language (REDCap keeps other languages in its "
                "Multi-Language Management settings, outside the dictionary).",
                "keep the instrument YAML, and pass it as base when reading the dictionary back.",
            )

    def unused_choice_sets(self) -> None:
        used = {item.choice_set for item in self.instrument.items if item.choice_set}
        for name in self.instrument.choice_sets:
            if name not in used:
                self.note(
                    "unmapped",
                    name,
                    f"choice set '{name}' is used by no item; REDCap has no named choice lists, "
                    "so it is not written.",
                )

    # forms and sections -------------------------------------------------------------------
    def form_of(self, section: Section) -> str:
        if not section.form:
            return default_form(self.instrument.id)
        form = variable_name(section.form)
        if form != section.form and section.id not in self.renamed_forms:
            self.renamed_forms.add(section.id)
            self.note(
                "warning",
                section.id,
                f"form '{section.form}' is written as '{form}': REDCap's form names are "
                "lower-case letters, digits and '_'.",
            )
        return form

    def start_form(self, section: Section) -> tuple[str, bool]:
        """The form the section is written in, and whether the section starts it. A form
        that would start again after another (REDCap keeps a form's fields together) is
        written under a new name, reported."""
        form = self.form_of(section)
        if form == self.form:
            return form, False
        if form in self.forms_done:
            wanted = form
            form = unique_name(wanted, self.forms_done | {self.form or ""})
            self.note(
                "warning",
                section.id,
                f"form '{wanted}' starts again after another form; REDCap keeps a form's fields "
                f"together, so this part is written as form '{form}'.",
            )
        if self.form is not None:
            self.forms_done.add(self.form)
        self.form = form
        if len(self.rows) == 1:
            self.rows[0]["form_name"] = form
        return form, True

    def section(self, section: Section) -> None:
        form, starts = self.start_form(section)
        header = section.title
        if starts and header == default_title(form):
            header = ""  # read back, a form without a header is titled by its name
        first_tags = self.section_tags(section, form, starts)
        logic = write_condition(
            format_redcap_logic,
            _renamed(section.show_if, self.names),
            self.targets,
            self.unmapped,
            failure="the section's condition cannot be written",
            field=section.id,
            file=self.file,
        )
        if logic is not None:
            first_tags.append(tag("SECTION-IF", logic))
            if not self.with_annotation:
                self.lost(section.id, "the section's own condition (@READINESS-SECTION-IF)")
        if section.intro:
            self.intro(section, form, header, logic, first_tags)
            header, first_tags = "", []
        matrices = _matrix_groups(self.instrument, section)
        for item in (self.instrument.item(i) for i in section.items):
            if self.item(item, form, header, logic, first_tags, matrices.get(item.id, "")):
                header, first_tags = "", []

    def section_tags(self, section: Section, form: str, starts: bool) -> list[str]:
        """@READINESS-SECTION when reading back would not give the section's id (that of the
        first section of a form is the form's name)."""
        if starts and section.id == form:
            return []
        if not self.with_annotation:
            self.lost(section.id, "the section's id (@READINESS-SECTION)")
        return [tag("SECTION", section.id)]

    def intro(
        self, section: Section, form: str, header: str, logic: str | None, tags: list[str]
    ) -> None:
        name = unique_name(variable_name(f"{section.id}_intro"), self.taken)
        self.rows.append(
            {
                "field_name": name,
                "form_name": form,
                "section_header": header,
                "field_type": "descriptive",
                "field_label": section.intro,
                "branching_logic": logic or "",
                "field_annotation": " ".join([tag("INTRO"), *tags]),
            }
        )
        if not self.with_annotation:
            self.lost(name, "the section intro's tag (@READINESS-INTRO)")

    def item(
        self,
        item: Item,
        form: str,
        header: str,
        section_logic: str | None,
        first_tags: list[str],
        matrix: str,
    ) -> bool:
        written = _item_row(item, form, self.names, self.targets, self.unmapped, self.file)
        if written is None:
            return False
        row, tags = written
        row["section_header"] = header
        row["matrix_group_name"] = matrix
        own = row.get("branching_logic", "")
        if section_logic and own:
            row["branching_logic"] = f"({section_logic}) and ({own})"
        elif section_logic:
            row["branching_logic"] = section_logic
        tags = first_tags + tags
        row["field_annotation"] = " ".join(tags)
        if tags and not self.with_annotation:
            self.lost(item.id, " ".join(t.split("=")[0] for t in tags))
        self.rows.append(row)
        return True

    # what a dictionary cannot hold --------------------------------------------------------
    def extras(self) -> None:
        fix = "keep the instrument YAML, and pass it as base when reading the dictionary back."
        for scale in self.instrument.scales:
            self.note(
                "unmapped",
                scale.id,
                "scales cannot be held in a REDCap data dictionary (REDCap's calculated fields "
                "have no minimum number of answered items and no reverse keying of ours); not "
                "written.",
                fix,
            )
        for indicator in self.instrument.indicators:
            self.note(
                "unmapped",
                indicator.id,
                "indicators cannot be held in a REDCap data dictionary; not written.",
                fix,
            )
        if not self.instrument.analysis.empty:
            self.note(
                "unmapped",
                "analysis",
                "the analysis block (characteristics, grouping, regression) cannot be held in a "
                "REDCap data dictionary; not written (read without it, the analysis's defaults "
                "apply).",
                fix,
            )


# --------------------------------------------------------------------------------------------
# Items as fields


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
    item: Item,
    form: str,
    names: dict[str, str],
    targets: dict[str, Item],
    unmapped: list[ConversionNote],
    file: str,
) -> tuple[dict[str, str], list[str]] | None:
    """The item's row and the tags it needs; None when it cannot be written (reported)."""
    name = names[item.id]
    row: dict[str, str] = {"field_name": name, "form_name": form, "field_label": item.text}
    tags = _type_columns(item, row, names, targets, unmapped, file)
    if tags is None:
        return None
    if name != item.id:
        tags.insert(0, tag("ID", item.id))
    _appearance(item, row, unmapped, file)
    if item.help:
        row["field_note"] = item.help
    if item.required:
        row["required_field"] = "y"
    if item.constraint_message:
        tags.append(tag("CONSTRAINT-MESSAGE", item.constraint_message))
    if item.hidden:
        tags.append("@HIDDEN")
    logic = write_condition(
        format_redcap_logic,
        _renamed(item.show_if, names),
        targets,
        unmapped,
        failure="the condition cannot be written as branching logic",
        field=item.id,
        file=file,
    )
    if logic is not None:
        row["branching_logic"] = logic
    return row, tags


def _type_columns(
    item: Item,
    row: dict[str, str],
    names: dict[str, str],
    targets: dict[str, Item],
    unmapped: list[ConversionNote],
    file: str,
) -> list[str] | None:
    """The field type and the columns that go with it; returns the tags the type needs."""
    kind = item.type
    if kind in ("single_choice", "likert", "multiple_choice", "true_false"):
        return _choice_columns(item, row, unmapped, file)
    if kind == "calculate":
        logic = write_condition(
            format_redcap_logic,
            _renamed(item.calculation, names),
            targets,
            unmapped,
            failure="the calculation cannot be written as a REDCap calc field; not written",
            field=item.id,
            file=file,
        )
        if logic is None:
            return None
        row.update(field_type="calc", select_choices_or_calculations=f"if({logic}, 1, 0)")
    elif kind == "number" and item.appearance == "slider":
        _slider_columns(item, row, unmapped, file)
    elif kind == "number":
        row["field_type"] = "text"
        row["text_validation_type_or_show_slider_number"] = "integer" if item.integer else "number"
        if item.minimum is not None:
            row["text_validation_min"] = format_number(item.minimum)
        if item.maximum is not None:
            row["text_validation_max"] = format_number(item.maximum)
    else:
        row["field_type"] = SIMPLE_FIELDS.get(kind, "text")
        if kind in WRITTEN_VALIDATION:
            row["text_validation_type_or_show_slider_number"] = WRITTEN_VALIDATION[kind]
        if kind == "text" and item.appearance == "multiline":
            row["field_type"] = "notes"
        if kind == "month_year":
            return [tag("TYPE", "month_year")]
    return []


SIMPLE_FIELDS = {"yes_no": "yesno", "note": "descriptive"}
# The appearances a REDCap field shows, by item type; others are reported as not written.
SHOWN = {
    "single_choice": ("dropdown", "autocomplete"),
    "likert": ("dropdown", "autocomplete"),
    "true_false": ("dropdown", "autocomplete"),
    "number": ("slider",),
    "text": ("multiline",),
}


def _choice_columns(
    item: Item, row: dict[str, str], unmapped: list[ConversionNote], file: str
) -> list[str]:
    tags: list[str] = []
    row["field_type"] = "checkbox" if item.type == "multiple_choice" else "radio"
    if item.appearance in ("dropdown", "autocomplete") and item.type != "multiple_choice":
        row["field_type"] = "dropdown"
        if item.appearance == "autocomplete":
            row["text_validation_type_or_show_slider_number"] = "autocomplete"
    row["select_choices_or_calculations"] = _choices_text(item, unmapped, file)
    if item.type == "likert":
        tags.append(tag("TYPE", "likert"))
    if item.choice_set:
        tags.append(tag("CHOICES", item.choice_set))
    if item.type == "true_false":
        tags += [tag("TYPE", "true_false"), tag("KEY", "1" if item.key else "0")]
        if item.explanation:
            tags.append(tag("EXPLANATION", item.explanation))
        if item.source:
            tags.append(tag("SOURCE", item.source))
    return tags


def _slider_columns(
    item: Item, row: dict[str, str], unmapped: list[ConversionNote], file: str
) -> None:
    row["field_type"] = "slider"
    low, high = item.minimum, item.maximum
    if (low, high) == SLIDER_RANGE:
        return  # REDCap's default range
    if low is None or high is None:
        unmapped.append(
            ConversionNote(
                message="a slider without both ends of its range runs from REDCap's default, "
                f"{format_number(SLIDER_RANGE[0])} to {format_number(SLIDER_RANGE[1])}, at the "
                "end not given.",
                fix="give the number item min and max.",
                field=item.id,
                file=file,
            )
        )
    row["text_validation_min"] = format_number(low) if low is not None else ""
    row["text_validation_max"] = format_number(high) if high is not None else ""


def _appearance(item: Item, row: dict[str, str], unmapped: list[ConversionNote], file: str) -> None:
    if item.appearance and item.appearance not in SHOWN.get(item.type, ()):
        unmapped.append(
            ConversionNote(
                message=f"the appearance '{item.appearance}' of a {item.type} item has no "
                "REDCap field to show it; not written.",
                field=item.id,
                file=file,
            )
        )


def _matrix_groups(instrument: Instrument, section: Section) -> dict[str, str]:
    """Runs of two or more Likert items with the same choices (and no help text) in a section."""
    out: dict[str, str] = {}
    run: list[Item] = []
    count = 0

    def close() -> None:
        nonlocal count
        if len(run) >= 2:
            count += 1
            for item in run:
                out[item.id] = variable_name(f"{section.id}_m{count}")
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
