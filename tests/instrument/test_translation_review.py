"""A translation that is complete, and one marked as awaiting review: the shipped instrument's
Welsh, the ``review:`` key through the YAML dump and the XLSForm, and the gaps check."""

from __future__ import annotations

import yaml

from readiness.instrument import shipped_instrument
from readiness.instrument.dump import instrument_to_data
from readiness.instrument.load import parse_instrument
from readiness.instrument.translation_gaps import untranslated
from readiness.instrument.xlsform_read import read_xlsform
from readiness.instrument.xlsform_write import write_xlsform

SMALL = """
id: small
version: 1
title: Small
notice: Read this.
language: en-GB
translations:
  cy:
    name: Cymraeg
    review: To be reviewed by a Welsh speaker.
    title: Bach
    items:
      q1: {text: Cwestiwn, choices: {1: Ie}}
      q2: {text: Q2}
sections:
  - id: s
    title: Section
    intro: Read on.
    items:
      - {id: q1, type: yes_no, text: Question, help: A hint.}
      - {id: q2, type: text, text: Q2}
"""


def test_gaps_name_every_text_left_in_english_or_copied():
    instrument = parse_instrument(SMALL)
    assert untranslated(instrument, "cy") == [
        "notice",
        "sections.s.title",
        "sections.s.intro",
        "items.q1.help",
        "items.q1.choices.0",
        "items.q2.text",  # the English copied is not a translation
    ]


def test_the_shipped_instrument_is_complete_in_welsh():
    instrument = shipped_instrument()
    assert instrument.languages == ("en-GB", "cy")
    assert instrument.language_label("cy") == "Cymraeg"
    assert untranslated(instrument, "cy") == []


def test_the_shipped_welsh_is_marked_for_review():
    review = shipped_instrument().translations["cy"].review
    assert "to be reviewed by a Welsh-speaking health professional" in review


def test_review_is_read_and_kept_by_the_yaml_dump():
    instrument = parse_instrument(SMALL)
    assert instrument.translations["cy"].review == "To be reviewed by a Welsh speaker."
    again = parse_instrument(yaml.safe_dump(instrument_to_data(instrument), allow_unicode=True))
    assert again.translations == instrument.translations


def test_the_welsh_and_its_review_are_kept_by_the_xlsform_round_trip(tmp_path):
    path = tmp_path / "form.xlsx"
    write_xlsform(shipped_instrument(), path)
    back = read_xlsform(path).instrument
    assert back.translations == shipped_instrument().translations  # review and all
    assert untranslated(back, "cy") == []


def test_the_outline_and_codebook_say_the_welsh_awaits_review():
    from readiness.instrument.describe import codebook_markdown, outline

    instrument = shipped_instrument()
    shown = outline(instrument)
    assert "Languages: en-GB (English, the default)" in shown
    assert "  cy (Cymraeg): every text translated; AWAITING REVIEW: Machine-assisted" in shown
    small = outline(parse_instrument(SMALL))
    assert "cy (Cymraeg): 6 texts left untranslated; AWAITING REVIEW: To be reviewed" in small
    assert "cy (Cymraeg): every text translated; AWAITING REVIEW" in codebook_markdown(instrument)
