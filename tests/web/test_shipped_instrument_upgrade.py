"""A database that stored the shipped instrument before it gained a language (or its analysis
block) takes the new release under the same version, with every response kept; a stored
version whose questions differ is still refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from readiness.errors import ReadinessError
from readiness.instrument import instrument_to_yaml, shipped_instrument
from readiness.instrument.model import AnalysisPlan
from readiness.web.surveys import services
from readiness.web.surveys.models import InstrumentVersion

pytestmark = pytest.mark.django_db


def _store(text: str) -> InstrumentVersion:
    InstrumentVersion.objects.all().delete()
    return InstrumentVersion.objects.create(
        instrument_id="readiness-survey", version="1", title="t", yaml=text
    )


def test_an_earlier_release_without_the_welsh_takes_the_new_one():
    survey = shipped_instrument()
    assert survey.translations and not survey.analysis.empty
    earlier = replace(survey, translations={}, analysis=AnalysisPlan())
    stored = _store(instrument_to_yaml(earlier))
    installed = services.install_instrument()
    assert installed.pk == stored.pk
    stored.refresh_from_db()
    assert "cy" in stored.instrument.translations and not stored.instrument.analysis.empty
    assert services.install_instrument().pk == stored.pk  # and again: nothing to do


def test_a_stored_version_with_other_questions_is_refused():
    survey = shipped_instrument()
    text = instrument_to_yaml(survey)
    assert text.count("label: Emergency medicine") == 1
    stored = _store(text.replace("label: Emergency medicine", "label: Urgent care"))
    before = stored.sha256
    with pytest.raises(ReadinessError, match="give the changed instrument a new version"):
        services.install_instrument()
    stored.refresh_from_db()
    assert stored.sha256 == before


def test_another_instrument_gaining_a_language_needs_a_new_version():
    text = """id: tiny
version: 1
title: Tiny
sections:
  - id: s
    title: S
    items:
      - {id: a, type: yes_no, text: Anything}
"""
    welsh = text + "translations:\n  cy:\n    items:\n      a: {text: Unrhyw beth}\n"
    InstrumentVersion.objects.create(instrument_id="tiny", version="1", title="Tiny", yaml=text)
    with pytest.raises(ReadinessError, match="give the changed instrument a new version"):
        services.install_instrument(text=welsh)
