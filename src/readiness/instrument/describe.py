"""Human-readable views of an instrument: an outline, conditions and rules in words, a codebook."""

from __future__ import annotations

import csv
import io
from typing import Any

from readiness.instrument import conditions
from readiness.instrument.conditions import ORDER_OPERATORS, Condition, LabelFor
from readiness.instrument.model import Indicator, Instrument, Item
from readiness.tabular import formula_safe

TYPE_NAMES = {
    "single_choice": "single choice",
    "multiple_choice": "multiple choice",
    "likert": "Likert",
    "true_false": "true / false / don't know",
    "yes_no": "yes / no",
    "number": "number",
    "text": "free text",
    "month_year": "month and year",
}


def _code(instrument: Instrument, item_id: str, code) -> str:
    return conditions.code_in_words(item_id, code, _label_for(instrument))


def describe_condition(condition: Condition, instrument: Instrument) -> str:
    """The condition in words, with the instrument's labels of the codes it names."""
    return conditions.describe_condition(condition, _label_for(instrument))


def _label_for(instrument: Instrument) -> LabelFor:
    def label_for(item_id: str, code: Any) -> str | None:
        try:
            return instrument.item(item_id).label_for(code)
        except KeyError:
            return None

    return label_for


def describe_rule(indicator: Indicator, instrument: Instrument) -> str:
    rule = indicator.rule
    target = indicator.item or indicator.scale or ""
    if rule.kind in ("bottom", "top"):  # rules of items only
        item = instrument.item(target)
        codes = sorted(int(c) for c in item.codes)
        chosen = codes[: rule.value] if rule.kind == "bottom" else codes[-rule.value :]
        labels = ", ".join(_code(instrument, item.id, c) for c in chosen)
        return f"{target} is one of the {rule.kind} {rule.value} points: {labels}"
    if rule.kind in ("correct", "incorrect"):
        return f"{target} answered {rule.kind}ly" + (
            " (don't know counts as incorrect)" if rule.kind == "incorrect" else ""
        )
    if rule.kind == "in":
        return f"{target} is " + ", ".join(_code(instrument, target, c) for c in rule.value)
    if rule.kind == "selected":
        return f"{target} includes {_code(instrument, target, rule.value)}"
    return f"{'score of ' if indicator.scale else ''}{target} {ORDER_OPERATORS[rule.kind]} {rule.value}"


def values_text(item: Item) -> str:
    if item.choices:
        return "; ".join(f"{c.code} = {c.label}" for c in item.choices)
    if item.type == "number":
        low = "" if item.minimum is None else f"{item.minimum:g}"
        high = "" if item.maximum is None else f"{item.maximum:g}"
        kind = "whole number" if item.integer else "number"
        return f"{kind} {low}..{high}".strip() if (low or high) else kind
    if item.type == "month_year":
        return "YYYY-MM"
    return "text"


def language_lines(instrument: Instrument) -> list[str]:
    """The languages the instrument holds, each translation with what it leaves untranslated
    and, while it is a draft, who has still to review it (its ``review:``)."""
    if not instrument.translations:
        return []
    from readiness.instrument.translation_gaps import untranslated

    default = instrument.language
    lines = [f"Languages: {default} ({instrument.language_label(default)}, the default)"]
    for tag, tr in instrument.translations.items():
        gaps = untranslated(instrument, tag)
        line = f"  {tag} ({instrument.language_label(tag)}): " + (
            f"{len(gaps)} texts left untranslated" if gaps else "every text translated"
        )
        lines.append(line + (f"; AWAITING REVIEW: {tr.review}" if tr.review else ""))
    return lines


def outline(instrument: Instrument) -> str:  # noqa: C901 - one optional detail line per item property
    """A readable outline of the whole instrument."""
    lines = [f"{instrument.id} v{instrument.version}: {instrument.title}"]
    if instrument.notice:
        lines += ["", "Notice: " + instrument.notice]
    if instrument.translations:
        lines += ["", *language_lines(instrument)]
    n_items = len(instrument.items)
    lines += [
        "",
        f"{len(instrument.sections)} sections, {n_items} items, {len(instrument.scales)} scales, {len(instrument.indicators)} indicators",
    ]
    width = max(len(i.id) for i in instrument.items)
    for number, section in enumerate(instrument.sections, start=1):
        lines += ["", f"{number}. {section.title} [{section.id}]"]
        if section.show_if is not None:
            lines.append(f"   shown if {describe_condition(section.show_if, instrument)}")
        for item_id in section.items:
            item = instrument.item(item_id)
            flags = []
            if item.required:
                flags.append("required")
            if item.hidden:
                flags.append("hidden")
            kind = TYPE_NAMES[item.type] + (f", {', '.join(flags)}" if flags else "")
            lines.append(f"   {item.id:<{width}}  {item.text}")
            detail = f"   {'':<{width}}  ({kind})"
            if item.type == "likert":
                detail += f" {len(item.choices)} points: {item.choices[0].label} .. {item.choices[-1].label}"
            elif item.type in ("single_choice", "multiple_choice"):
                detail += " " + " | ".join(f"{c.code} {c.label}" for c in item.choices)
            elif item.type == "true_false":
                detail += f" key: {'true' if item.key else 'false'}" + (
                    f"; source: {item.source}" if item.source else ""
                )
            elif item.type == "number":
                detail += " " + values_text(item)
            lines.append(detail)
            if item.show_if is not None:
                lines.append(
                    f"   {'':<{width}}  shown if {describe_condition(item.show_if, instrument)}"
                )
    if instrument.scales:
        lines += ["", "Scales"]
        for scale in instrument.scales:
            minimum = (
                f", at least {scale.min_answered} answered"
                if scale.min_answered
                else ", all items answered"
            )
            lines.append(
                f"   {scale.id}: {scale.label} ({scale.scoring} of {len(scale.items)} items{minimum})"
            )
            lines.append("      items: " + ", ".join(scale.items))
            if scale.reverse:
                lines.append("      reverse-keyed: " + ", ".join(scale.reverse))
    if instrument.indicators:
        lines += ["", "Indicators"]
        for ind in instrument.indicators:
            lines.append(f"   {ind.id}: {ind.label}")
            lines.append(f"      when {describe_rule(ind, instrument)}")
            for fig in ind.published:
                where = f" among {describe_condition(fig.where, instrument)}" if fig.where else ""
                count = f"{fig.count}/{fig.denominator} = " if fig.count is not None else ""
                lines.append(f"      published: {count}{fig.percent:.1f}%{where} [{fig.source}]")
    return "\n".join(lines) + "\n"


CODEBOOK_COLUMNS = [
    "variable",
    "section",
    "type",
    "label",
    "values",
    "key",
    "shown_if",
    "required",
    "hidden",
    "scales",
    "source",
]


def codebook_rows(instrument: Instrument) -> list[dict[str, str]]:
    scales_of: dict[str, list[str]] = {}
    for scale in instrument.scales:
        for item_id in scale.items:
            scales_of.setdefault(item_id, []).append(
                scale.id + (" (reversed)" if item_id in scale.reverse else "")
            )
    rows = []
    for item in instrument.data_items:  # a note is no variable
        rows.append(
            {
                "variable": item.id,
                "section": item.section,
                "type": item.type,
                "label": item.text,
                "values": values_text(item),
                "key": "" if item.key is None else ("1 = True" if item.key else "0 = False"),
                "shown_if": describe_condition(item.show_if, instrument) if item.show_if else "",
                "required": "yes" if item.required else "",
                "hidden": "yes" if item.hidden else "",
                "scales": "; ".join(scales_of.get(item.id, [])),
                "source": item.source,
            }
        )
    return rows


def codebook_csv(
    instrument: Instrument,
    rows: list[dict[str, str]] | None = None,
    columns: dict[str, str] | None = None,
) -> str:
    """The codebook (``rows``, or :func:`codebook_rows`) as CSV; text that would start a
    spreadsheet formula gets an apostrophe before it (:func:`readiness.tabular.formula_safe`).

    ``columns`` (item id -> variable name in a data file, as an SPSS or Stata export made
    them) adds a ``column`` field after ``variable``: the item's name in that file."""
    fields = list(CODEBOOK_COLUMNS)
    if columns is not None:
        fields.insert(fields.index("variable") + 1, "column")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in codebook_rows(instrument) if rows is None else rows:
        if columns is not None:
            row = {**row, "column": columns.get(row["variable"], row["variable"])}
        writer.writerow({k: formula_safe(v) if isinstance(v, str) else v for k, v in row.items()})
    return buffer.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_markdown(instrument: Instrument) -> str:
    out = [f"# Codebook: {instrument.title} ({instrument.id} v{instrument.version})", ""]
    if instrument.notice:
        out += [f"> {instrument.notice}", ""]
    if instrument.translations:
        out += [_md(line.strip()) + "  " for line in language_lines(instrument)] + [""]
    out += [
        "Standard codes: yes/no 1 = Yes, 0 = No; true/false 1 = True, 0 = False, 8 = Don't know; "
        "multiple choice holds the selected codes separated by spaces; empty cells are missing.",
        "",
    ]
    rows = codebook_rows(instrument)
    for section in instrument.sections:
        out += [
            f"## {section.title}",
            "",
            "| Variable | Type | Label | Values | Shown if |",
            "|---|---|---|---|---|",
        ]
        for row in rows:
            if row["section"] != section.id:
                continue
            values = row["values"] + (f" (key: {row['key']})" if row["key"] else "")
            out.append(
                f"| `{row['variable']}` | {row['type']} | {_md(row['label'])} | {_md(values)} | {_md(row['shown_if'])} |"
            )
        out.append("")
    if instrument.scales:
        out += [
            "## Scales",
            "",
            "| Scale | Items | Reverse-keyed | Scoring | Minimum answered |",
            "|---|---|---|---|---|",
        ]
        for s in instrument.scales:
            out.append(
                f"| `{s.id}` {s.label} | {', '.join(s.items)} | {', '.join(s.reverse)} | {s.scoring} | {s.required_answers} |"
            )
        out.append("")
    if instrument.indicators:
        out += ["## Indicators", "", "| Indicator | Label | Rule |", "|---|---|---|"]
        for ind in instrument.indicators:
            out.append(f"| `{ind.id}` | {_md(ind.label)} | {_md(describe_rule(ind, instrument))} |")
        out.append("")
    return "\n".join(out)
