"""A bilingual (English and Welsh) instrument with a note, a date, a time, a dropdown, a slider
and a calculate item, and a study that uses it (shared by the client and browser tests)."""

from __future__ import annotations

from datetime import date

BILINGUAL = """
id: ward-check
version: 1
title: Ward check
language: en-GB
language_name: English
translations:
  cy:
    name: Cymraeg
    title: Gwiriad ward
    sections:
      about: {title: Amdanoch chi}
      shift: {title: Eich shifft}
    items:
      intro: {text: "Diolch am gymryd rhan 🙏"}
      Seen: {text: "Ydych chi wedi gweld claf?", choices: {1: Ie, 0: Na}}
      role: {text: Eich rôl, choices: {nurse: Nyrs, doctor: Meddyg}}
      when_seen: {text: "Pryd welsoch chi'r claf?"}
      hours: {text: Oriau a weithiwyd, constraint_message: "Rhwng 0 a 24 awr."}
sections:
  - id: about
    title: About you
    items:
      - {id: intro, type: note, text: "Thank you for taking part 🙏"}
      - {id: Seen, type: yes_no, text: "Have you seen a patient?", required: true}
      - id: role
        type: single_choice
        text: Your role
        appearance: dropdown
        choices: [{code: nurse, label: Nurse}, {code: doctor, label: Doctor}]
  - id: shift
    title: Your shift
    items:
      - {id: when_seen, type: date, text: "When did you see the patient?",
         show_if: {item: Seen, equals: 1}}
      - {id: shift_start, type: time, text: Shift start}
      - {id: logged_at, type: datetime, text: Logged at}
      - id: hours
        type: number
        text: Hours worked
        integer: true
        min: 0
        max: 24
        appearance: slider
        constraint_message: Between 0 and 24 hours.
      - {id: seen_nurse, type: calculate, text: Seen by a nurse,
         calculation: {all: [{item: Seen, equals: 1}, {item: role, equals: nurse}]}}
"""


def bilingual_session(make_user=None, lead=None):
    """A study of the bilingual instrument with one site and session; returns the session."""
    from readiness.web.surveys import services

    version = services.install_instrument(text=BILINGUAL)
    study = services.create_study(
        name="Ward study", lead=lead or make_user("ward-lead"), instrument=version
    )
    site = services.add_site(study, "W1", "Ysbyty Gwynedd")
    return services.add_session(site, date(2026, 3, 2), attended=12)
