"""Free text enters clean: an answer typed or pasted with control characters (a word processor's
line break is a vertical tab) is stored without them, so that no answer can stop an export."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from readiness.web.surveys import paper
from readiness.web.surveys.models import Draft
from tests.web.helpers import PAGE_ANSWERS, post_page, start

pytestmark = pytest.mark.django_db

PASTED = "nurse\x0bpractitioner\x00\x07 "


def test_a_respondents_answer_is_stored_without_control_characters(client, session_a):
    start(client, session_a)
    answers = PAGE_ANSWERS["about"] | {"profession": "8", "profession_other": PASTED}
    response = post_page(client, 1, answers)
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert draft.answers["profession_other"] == "nurse\npractitioner"


def test_a_paper_entry_is_stored_without_control_characters(study):
    form = QueryDict(mutable=True)
    form.update({"discipline": "2", "profession": "8", "profession_other": PASTED})
    entry = paper.read_entry(study.instrument.instrument, form, prefilled={})
    assert entry.answers["profession_other"] == "nurse\npractitioner"


def test_a_source_link_is_shown_only_for_a_web_address(study):
    """A version stored before the loader refused them: its javascript: link is not a link."""
    import dataclasses

    from readiness.web.surveys import respondent

    instrument = study.instrument.instrument
    key = next(
        i.source
        for i in instrument.items
        if i.type == "true_false" and instrument.sources.get(i.source, {}).get("url")
    )
    sources = dict(instrument.sources)
    sources[key] = {"citation": "A law", "url": "javascript:alert(document.cookie)"}
    hostile = dataclasses.replace(instrument, sources=sources)
    item = next(i for i in hostile.items if i.source == key)
    # Without the guide's content, a statement keeps the instrument's own source.
    feedback = respondent.knowledge_feedback(hostile, {item.id: 1})
    shown = next(f for f in feedback.items if f.id == item.id)
    assert shown.citation == "A law" and shown.url == ""
    good = respondent.knowledge_feedback(instrument, {item.id: 1})
    assert next(f for f in good.items if f.id == item.id).url.startswith("https://")
