"""Write an :class:`Instrument` back to its YAML form (importers build models, then dump them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from readiness.instrument.model import CHOICE_TYPES, Choice, Instrument, Item, Translation
from readiness.instrument.plan import plan_to_data
from readiness.instrument.yamlio import dump_yaml


def _choices(choices: tuple[Choice, ...]) -> list[dict]:
    return [{"code": c.code, "label": c.label} for c in choices]


def item_to_data(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "type": item.type, "text": item.text}
    if item.help:
        out["help"] = item.help
    if item.type in CHOICE_TYPES:
        out["choices"] = item.choice_set or _choices(item.choices)
    if item.type == "true_false":
        out["key"] = bool(item.key)
        out["explanation"] = item.explanation
    if item.source:
        out["source"] = item.source
    if item.type == "number":
        if item.minimum is not None:
            out["min"] = int(item.minimum) if item.minimum.is_integer() else item.minimum
        if item.maximum is not None:
            out["max"] = int(item.maximum) if item.maximum.is_integer() else item.maximum
        if item.integer:
            out["integer"] = True
    if item.required:
        out["required"] = True
    if item.hidden:
        out["hidden"] = True
    if item.show_if is not None:
        out["show_if"] = item.show_if.to_data()
    if item.calculation is not None:
        out["calculation"] = item.calculation.to_data()
    if item.appearance:
        out["appearance"] = item.appearance
    if item.constraint_message:
        out["constraint_message"] = item.constraint_message
    return out


def _texts(pairs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in pairs.items() if value}


def translation_to_data(tr: Translation) -> dict[str, Any]:
    items = {
        iid: _texts(
            {
                "text": t.text,
                "help": t.help,
                "explanation": t.explanation,
                "constraint_message": t.constraint_message,
                "choices": dict(t.choices),
            }
        )
        for iid, t in tr.items.items()
    }
    sections = {sid: _texts({"title": t.title, "intro": t.intro}) for sid, t in tr.sections.items()}
    return _texts(
        {
            "name": tr.name,
            "review": tr.review,
            "title": tr.title,
            "description": tr.description,
            "notice": tr.notice,
            "sections": sections,
            "items": items,
        }
    )


def instrument_to_data(instrument: Instrument) -> dict[str, Any]:  # noqa: C901 - writes only the fields that are set, one test each
    """Plain data that :func:`readiness.instrument.load.build_instrument` reads back unchanged."""
    version: Any = int(instrument.version) if instrument.version.isdigit() else instrument.version
    out: dict[str, Any] = {"id": instrument.id, "version": version, "title": instrument.title}
    if instrument.description:
        out["description"] = instrument.description
    if instrument.notice:
        out["notice"] = instrument.notice
    out["language"] = instrument.language
    if instrument.language_name:
        out["language_name"] = instrument.language_name
    if instrument.record_id:
        out["record_id"] = instrument.record_id
    if instrument.translations:
        out["translations"] = {
            tag: translation_to_data(tr) for tag, tr in instrument.translations.items()
        }
    if instrument.sources:
        out["sources"] = instrument.sources
    if instrument.choice_sets:
        out["choice_sets"] = {k: _choices(v) for k, v in instrument.choice_sets.items()}
    sections = []
    for section in instrument.sections:
        data: dict[str, Any] = {"id": section.id, "title": section.title}
        if section.intro:
            data["intro"] = section.intro
        if section.show_if is not None:
            data["show_if"] = section.show_if.to_data()
        if section.form:
            data["form"] = section.form
        if not section.group:
            data["group"] = False
        data["items"] = [item_to_data(instrument.item(i)) for i in section.items]
        sections.append(data)
    out["sections"] = sections
    if instrument.scales:
        out["scales"] = []
        for scale in instrument.scales:
            data = {"id": scale.id, "label": scale.label, "items": list(scale.items)}
            if scale.reverse:
                data["reverse"] = list(scale.reverse)
            data["scoring"] = scale.scoring
            if scale.min_answered is not None:
                data["min_answered"] = scale.min_answered
            if scale.description:
                data["description"] = scale.description
            out["scales"].append(data)
    if instrument.indicators:
        out["indicators"] = []
        for ind in instrument.indicators:
            data = {"id": ind.id, "label": ind.label}
            data["item" if ind.item else "scale"] = ind.item or ind.scale
            data["when"] = ind.rule.to_data()
            if ind.missing != "exclude":
                data["missing"] = ind.missing
            if ind.description:
                data["description"] = ind.description
            if ind.published:
                figures = []
                for fig in ind.published:
                    f: dict[str, Any] = {"percent": fig.percent}
                    if fig.count is not None:
                        f["count"] = fig.count
                    if fig.denominator is not None:
                        f["denominator"] = fig.denominator
                    if fig.where is not None:
                        f["where"] = fig.where.to_data()
                    if fig.source:
                        f["source"] = fig.source
                    figures.append(f)
                data["published"] = figures
            out["indicators"].append(data)
    if not instrument.analysis.empty:
        out["analysis"] = plan_to_data(instrument.analysis)
    return out


def instrument_to_yaml(instrument: Instrument) -> str:
    return dump_yaml(instrument_to_data(instrument))


def write_instrument(instrument: Instrument, path: str | Path) -> None:
    from readiness.tabular import atomic_write

    text = instrument_to_yaml(instrument)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
