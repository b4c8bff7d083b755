"""Instruments in several languages, and the date, time, note and calculate item types."""

import pytest

from readiness.errors import InstrumentError
from readiness.instrument.dump import instrument_to_yaml
from readiness.instrument.load import parse_instrument

BILINGUAL = """
id: staff-check
version: 2
title: Staff check
language: en-GB
language_name: English
translations:
  cy:
    name: Cymraeg
    title: Gwiriad staff
    sections:
      about: {title: Amdanoch chi}
    items:
      seen: {text: "Ydych chi wedi gweld claf?", choices: {1: Ie, 0: Na}}
      role: {text: Eich rôl, choices: {nurse: Nyrs}}
sections:
  - id: about
    title: About you
    items:
      - {id: intro, type: note, text: "Thank you for taking part 🙏"}
      - {id: seen, type: yes_no, text: "Have you seen a patient?"}
      - id: role
        type: single_choice
        text: Your role
        appearance: dropdown
        choices: [{code: nurse, label: Nurse}, {code: doctor, label: Doctor}]
      - {id: when_seen, type: date, text: "When?", show_if: {item: seen, equals: 1}}
      - {id: shift_start, type: time, text: Shift start}
      - {id: logged_at, type: datetime, text: Logged at}
      - id: hours
        type: number
        text: Hours worked
        min: 0
        max: 24
        appearance: slider
        constraint_message: Between 0 and 24.
      - {id: seen_nurse, type: calculate, text: Seen by a nurse,
         calculation: {all: [{item: seen, equals: 1}, {item: role, equals: nurse}]}}
"""


def test_every_language_is_kept_and_round_trips():
    inst = parse_instrument(BILINGUAL)
    assert inst.languages == ("en-GB", "cy")
    assert inst.language_label("cy") == "Cymraeg"
    assert inst.language_label("en-GB") == "English"
    again = parse_instrument(instrument_to_yaml(inst))
    assert again.translations == inst.translations
    assert again.items == inst.items
    assert again.language_name == "English"


def test_in_language_translates_texts_and_falls_back_to_the_default():
    cy = parse_instrument(BILINGUAL).in_language("cy")
    assert cy.title == "Gwiriad staff"
    assert cy.sections[0].title == "Amdanoch chi"
    assert cy.item("seen").text == "Ydych chi wedi gweld claf?"
    assert [c.label for c in cy.item("seen").choices] == ["Ie", "Na"]
    assert [c.label for c in cy.item("role").choices] == ["Nyrs", "Doctor"]  # one untranslated
    assert cy.item("hours").text == "Hours worked"  # no Welsh given: the default's text
    assert cy.item("seen").codes == (1, 0)  # codes never change with the language
    assert parse_instrument(BILINGUAL).in_language("fr").title == "Staff check"


def test_new_types_are_read_with_their_settings():
    inst = parse_instrument(BILINGUAL)
    assert inst.item("intro").holds_data is False
    assert "intro" not in [i.id for i in inst.data_items]
    assert inst.item("role").appearance == "dropdown"
    assert inst.item("hours").constraint_message == "Between 0 and 24."
    calc = inst.item("seen_nurse").calculation
    assert calc is not None and calc.evaluate({"seen": 1, "role": "nurse"})
    assert not calc.evaluate({"seen": 0, "role": "nurse"})


def _problems(text: str) -> list[str]:
    with pytest.raises(InstrumentError) as err:
        parse_instrument(text)
    return [f"{p.column}: {p.message} {p.fix}" for p in err.value.problems]


def test_translations_naming_unknown_ids_or_codes_are_refused_with_the_place():
    text = BILINGUAL.replace("role: {text: Eich rôl, choices: {nurse: Nyrs}}", "rol: {text: X}")
    text = text.replace("{1: Ie, 0: Na}", "{1: Ie, 2: Na}")
    found = _problems(text)
    assert any("translations.cy.items.rol" in p and "did you mean 'role'" in p for p in found)
    assert any("translations.cy.items.seen.choices[2]" in p and "no choice" in p for p in found)


def test_a_translation_in_the_default_language_is_refused():
    found = _problems(BILINGUAL.replace("  cy:\n", "  en-GB:\n"))
    assert any("is the default language" in p for p in found)


def test_notes_and_calculations_are_never_answered():
    bad = BILINGUAL.replace(
        'type: note, text: "Thank you', 'type: note, required: true, text: "Thank you'
    ).replace(
        "{id: shift_start, type: time,",
        "{id: shift_start, type: time, calculation: {item: seen, equals: 1},",
    )
    found = _problems(bad)
    assert any("intro" in p and "cannot be required" in p for p in found)
    assert any("shift_start" in p and "cannot have a calculation" in p for p in found)


def test_a_condition_on_a_note_is_refused():
    bad = BILINGUAL.replace(
        "show_if: {item: seen, equals: 1}}", "show_if: {item: intro, equals: 1}}"
    )
    assert any("a note, which holds no answer" in p for p in _problems(bad))


def test_a_language_without_a_name_is_shown_by_its_own_name_or_its_tag():
    from dataclasses import replace

    inst = parse_instrument(BILINGUAL)
    unnamed = replace(inst, language_name="", translations={})
    assert unnamed.language_label("en-GB") == "English"
    assert replace(unnamed, language="pl").language_label("pl") == "Polski"
    assert replace(unnamed, language="CY").language_label("CY") == "Cymraeg"
    assert replace(unnamed, language="x-klingon").language_label("x-klingon") == "x-klingon"
