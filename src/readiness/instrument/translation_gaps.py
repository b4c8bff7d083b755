"""Which texts of an instrument a translation leaves in the default language.

A text is left untranslated when the translation has none for it, or has the default
language's own words (copied, not translated). Each gap is named by where it would go in
the translation block (``items.pk_signs.choices.3``), so that it can be written there.
"""

from __future__ import annotations

from readiness.instrument.model import Instrument, ItemText, SectionText, Translation


def _gap(english: str, translated: str) -> bool:
    return bool(english) and (not translated or translated.strip() == english.strip())


def _item_gaps(instrument: Instrument, tr: Translation) -> list[str]:
    gaps = []
    for item in instrument.items:
        text = tr.items.get(item.id, ItemText())
        where = f"items.{item.id}"
        for field in ("text", "help", "explanation", "constraint_message"):
            if _gap(getattr(item, field), getattr(text, field)):
                gaps.append(f"{where}.{field}")
        for choice in item.choices:
            if _gap(choice.label, text.choices.get(str(choice.code), "")):
                gaps.append(f"{where}.choices.{choice.code}")
    return gaps


def untranslated(instrument: Instrument, language: str) -> list[str]:
    """Every text that exists in the default language but not in ``language`` (in the
    order of the instrument); ``[]`` when the translation is complete. ``KeyError`` when the
    instrument holds no such translation."""
    tr = instrument.translations[language]
    gaps = [
        key
        for key in ("title", "description", "notice")
        if _gap(getattr(instrument, key), getattr(tr, key))
    ]
    if not tr.name:
        gaps.append("name")
    for section in instrument.sections:
        text = tr.sections.get(section.id, SectionText())
        for field in ("title", "intro"):
            if _gap(getattr(section, field), getattr(text, field)):
                gaps.append(f"sections.{section.id}.{field}")
    return gaps + _item_gaps(instrument, tr)
