"""The shipped survey answered in Welsh through the Django test client: the notice that the
Welsh awaits review, the service's own words in Welsh, and the same stored codes."""

from __future__ import annotations

from datetime import date

import pytest

from readiness.instrument.interface_words import has_words
from readiness.web.surveys import services
from readiness.web.surveys.models import Response
from readiness.web.surveys.views_respondent import CONSENT_ERROR, LANGUAGE_COOKIE, NO_MATCH
from tests.web.helpers import answer_all, post_page, start, submit

pytestmark = pytest.mark.django_db

NOTICE_CY = "Drafft yw&#39;r Gymraeg ar y tudalennau hyn"
NOTICE_EN = "The Welsh on these pages is a draft, awaiting review by a Welsh speaker."


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_views_messages_have_welsh():
    for text in (CONSENT_ERROR, NO_MATCH, "Enter your resume code"):
        assert has_words(text, "cy"), text


def test_a_welsh_page_says_the_welsh_awaits_review_in_welsh_and_english(client, session_a):
    english = _html(client.get(f"/s/{session_a.token}/"))
    assert 'id="review-notice"' not in english and "Before you start" in english
    welsh = _html(client.get(f"/s/{session_a.token}/?lang=cy"))
    assert '<html lang="cy"' in welsh
    notice = welsh.split('id="review-notice"')[1].split("</div>")[0]
    assert f'<p lang="cy">{NOTICE_CY}' in notice
    assert f'<p lang="en-GB">{NOTICE_EN}' in notice
    assert "Arolwg parodrwydd: staff iechyd a masnachu pobl" in welsh
    assert "Cyn i chi ddechrau" in welsh and "Dechrau&#39;r arolwg" in welsh
    assert "Before you start" not in welsh


def test_the_whole_survey_in_welsh_stores_the_same_codes(client, session_a):
    client.get(f"/s/{session_a.token}/?lang=cy")
    refused = _html(client.post(f"/s/{session_a.token}/", {}))
    assert "Cadarnhewch eich bod wedi darllen yr wybodaeth" in refused and "Mae problem" in refused
    code = start(client, session_a)
    first = _html(client.get("/answer/1/"))
    assert (
        "Amdanoch chi" in first and "Ym mha faes rydych chi&#39;n gweithio&#39;n bennaf?" in first
    )
    assert "Cadw a pharhau" in first and "Tudalen 1 o 7" in first and NOTICE_CY in first
    token = answer_all(client, code)
    check = _html(client.get("/answer/check/"))
    assert "Cyflwyno eich atebion" in check and "Cyflwyno fy atebion" in check
    assert "Mawrth 2024" in check and "Heb ei ateb" in check and "Newid" in check
    done = submit(client, token)
    thanks = _html(client.get(done["Location"]))
    assert "Diolch" in thanks and "Mae eich atebion wedi cael eu cyflwyno." in thanks
    assert "Sut aeth hi gyda&#39;r datganiadau gwybodaeth" in thanks
    response = Response.objects.get()
    assert response.answers["discipline"] == 2 and response.answers["k_border"] == 8
    assert response.answers["training_when"] == "2024-03"


def test_an_out_of_range_number_is_refused_in_welsh(client, session_a):
    client.get(f"/s/{session_a.token}/?lang=cy")
    start(client, session_a)
    bad = _html(post_page(client, 1, {"discipline": "2", "years_qualified": "70"}))
    assert "Mae problem" in bad and "Rhowch rif cyfan rhwng 0 a 60" in bad
    assert 'lang="en-GB"' not in bad.split('id="review-notice"')[1].split("</div>", 1)[1]


def test_the_resume_page_follows_the_language_kept(client):
    client.cookies[LANGUAGE_COOKIE] = "cy"
    page = _html(client.post("/resume/", {"code": ""}))
    assert '<html lang="cy"' in page and "Parhau ag arolwg" in page
    assert "Rhowch eich cod ailddechrau" in page


FRENCH = """
id: fr-check
version: 1
title: Check
language: en-GB
translations:
  fr:
    name: Français
    review: To be reviewed by a French speaker.
    items:
      q: {text: Une question, choices: {1: Oui, 0: Non}}
sections:
  - id: s
    title: Section
    items:
      - {id: q, type: yes_no, text: A question, required: true}
"""


def test_a_language_without_the_services_words_keeps_them_english_and_marked(client, make_user):
    version = services.install_instrument(text=FRENCH)
    study = services.create_study(name="Fr", lead=make_user("fr-lead"), instrument=version)
    session = services.add_session(services.add_site(study, "F", "Site F"), date(2026, 3, 2))
    client.get(f"/s/{session.token}/?lang=fr")
    start(client, session)
    page = _html(client.get("/answer/1/"))
    assert '<html lang="fr"' in page and "Une question" in page
    assert '<div class="nhsuk-button-group" lang="en-GB">' in page
    notice = page.split('id="review-notice"')[1].split("</div>")[0]
    assert '<p lang="en-GB">The Français on these pages is a draft, awaiting review.' in notice


def test_staff_see_that_the_welsh_awaits_review_on_the_instrument_page(
    client, django_user_model, study
):
    client.force_login(django_user_model.objects.get(username="coordinator"))
    page = client.get(f"/instruments/{study.instrument.pk}/").content.decode()
    assert "Cymraeg (cy)" in page
    assert "<strong>Cymraeg awaits review:</strong> Machine-assisted draft" in page
