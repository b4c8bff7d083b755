"""Free text enters clean: an answer typed or pasted with control characters (a word processor's
line break is a vertical tab) is stored without them, so that no answer can stop an export."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from readiness.web.surveys import paper
from readiness.web.surveys.models import Draft
from tests.web.helpers import PAGE_ANSWERS, start

pytestmark = pytest.mark.django_db

PASTED = "nurse\x0bpractitioner\x00\x07 "


def test_a_respondents_answer_is_stored_without_control_characters(client, session_a):
    code = start(client, session_a)
    answers = PAGE_ANSWERS["about"] | {"profession": "8", "profession_other": PASTED}
    response = client.post(f"/r/{code}/1/", answers)
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert draft.answers["profession_other"] == "nurse\npractitioner"


def test_a_paper_entry_is_stored_without_control_characters(study):
    form = QueryDict(mutable=True)
    form.update({"discipline": "2", "profession": "8", "profession_other": PASTED})
    entry = paper.read_entry(study.instrument.instrument, form, prefilled={})
    assert entry.answers["profession_other"] == "nurse\npractitioner"
