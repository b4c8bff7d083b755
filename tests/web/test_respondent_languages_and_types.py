"""Respondent pages for instruments in two languages and with dates, times, notes, dropdowns,
sliders and calculations (Django's test client: no JavaScript)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.web.surveys.models import Draft, Response
from readiness.web.surveys.views_respondent import LANGUAGE_COOKIE
from tests.web.bilingual import bilingual_session
from tests.web.helpers import post_page, start

pytestmark = pytest.mark.django_db

ABOUT = {"Seen": "1", "role": "nurse"}
SHIFT = {
    "when_seen[day]": "15",
    "when_seen[month]": "3",
    "when_seen[year]": "2026",
    "shift_start": "07:30",
    "logged_at[day]": "15",
    "logged_at[month]": "03",
    "logged_at[year]": "2026",
    "logged_at[time]": "19:05",
    "hours": "12",
}


@pytest.fixture
def ward(make_user):
    return bilingual_session(make_user)


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _submit(client, code: str):
    check = _html(client.get("/answer/check/"))
    token = re.search(r'name="submission_token" value="([^"]+)"', check).group(1)
    done = post_page(client, "check", {"submission_token": token})
    assert done.status_code == 302, done.content[:500]
    return Response.objects.get()


def test_the_default_language_is_shown_first_with_a_switch_to_welsh(client, ward):
    html = _html(client.get(f"/s/{ward.token}/"))
    assert '<html lang="en-GB"' in html
    assert "Ward check" in html
    assert 'href="?lang=cy" hreflang="cy" lang="cy">Cymraeg</a>' in html
    assert LANGUAGE_COOKIE not in client.cookies


def test_welsh_is_kept_for_the_session_and_the_answers_are_the_same_codes(client, ward):
    welsh = _html(client.get(f"/s/{ward.token}/?lang=cy"))
    assert '<html lang="cy"' in welsh and "Gwiriad ward" in welsh
    cookie = client.cookies[LANGUAGE_COOKIE]
    assert cookie.value == "cy" and not cookie["expires"] and not cookie["max-age"]
    code = start(client, ward)
    page = _html(client.get("/answer/1/"))  # no ?lang: the cookie keeps Welsh
    assert '<html lang="cy"' in page
    assert "Amdanoch chi" in page and "Diolch am gymryd rhan 🙏" in page
    # The service's own words are in Welsh too (readiness.instrument.interface_words).
    assert '<div class="nhsuk-button-group">' in page and "Cadw a pharhau" in page
    assert "Ydych chi wedi gweld claf? (gofynnol)" in page
    assert ">Nyrs</option>" in page and ">Meddyg</option>" in page
    assert re.search(r'<label class="nhsuk-label nhsuk-radios__label" for="q-Seen">\s*Ie', page)
    assert post_page(client, 1, ABOUT).status_code == 302
    page2 = _html(client.get("/answer/2/"))
    assert "Pryd welsoch chi&#39;r claf?" in page2 or "Pryd welsoch chi'r claf?" in page2
    assert post_page(client, 2, SHIFT).status_code == 302
    response = _submit(client, code)
    assert response.answers == {
        "Seen": 1,
        "role": "nurse",
        "when_seen": "2026-03-15",
        "shift_start": "07:30",
        "logged_at": "2026-03-15T19:05",
        "hours": 12,
        "seen_nurse": 1,
    }
    from readiness.web.surveys import responseframe

    clean = responseframe.clean_responses(ward.site.study)  # what the dashboard analyses
    assert clean["seen_nurse"].tolist() == [1.0] and "intro" not in clean.columns
    assert clean["when_seen"].tolist() == ["2026-03-15"]


def test_a_language_the_instrument_does_not_hold_is_ignored(client, ward):
    html = _html(client.get(f"/s/{ward.token}/?lang=fr"))
    assert '<html lang="en-GB"' in html
    assert LANGUAGE_COOKIE not in client.cookies


def test_note_dropdown_and_date_are_rendered_and_the_calculation_is_not(client, ward):
    start(client, ward)
    page = _html(client.get("/answer/1/"))
    assert "Thank you for taking part 🙏" in page
    assert '<div class="nhsuk-button-group">' in page  # English page: no language of parts
    assert 'name="intro"' not in page  # a note has no control
    assert '<select class="nhsuk-select" id="q-role" name="role"' in page
    assert post_page(client, 1, {"Seen": "1", "role": "doctor"}).status_code == 302
    page2 = _html(client.get("/answer/2/"))
    for name in ("when_seen[day]", "when_seen[month]", "when_seen[year]"):
        assert f'name="{name}"' in page2
    assert 'name="shift_start" type="time"' in page2
    assert 'name="logged_at[day]"' in page2 and 'name="logged_at[time]" type="time"' in page2
    assert 'type="range"' in page2 and 'min="0" max="24"' in page2
    assert "seen_nurse" not in page2 and "Seen by a nurse" not in page2
    assert Draft.objects.get().answers["seen_nurse"] == 0  # computed on save


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"when_seen[day]": "31", "when_seen[month]": "2"}, "The date must be a real date"),
        ({"when_seen[day]": "", "when_seen[month]": "2"}, "The date must include a day"),
        ({"shift_start": "25:61"}, "Enter a time on the 24-hour clock"),
        ({"logged_at[time]": ""}, "The date and time must include a time"),
        ({"logged_at[time]": "7pm"}, "Enter a time on the 24-hour clock"),
        ({"logged_at[day]": "32"}, "The date must be a real date"),
        ({"hours": "30"}, "Between 0 and 24 hours."),
        ({"hours": "many"}, "Enter a whole number between 0 and 24"),
    ],
)
def test_bad_dates_times_and_numbers_get_clear_errors(client, ward, posted, message):
    start(client, ward)
    post_page(client, 1, ABOUT)
    page = _html(post_page(client, 2, {**SHIFT, **posted}))
    assert "There is a problem" in page
    assert message in page


def test_the_constraint_message_is_shown_in_welsh(client, ward):
    client.get(f"/s/{ward.token}/?lang=cy")
    start(client, ward)
    post_page(client, 1, ABOUT)
    page = _html(post_page(client, 2, {**SHIFT, "hours": "-1"}))
    assert "Rhwng 0 a 24 awr." in page  # the instrument's words: not marked as English
    # The service's words in Welsh (the shift start has no Welsh text: the English stays).
    assert "Er enghraifft, 14:30" in page and "Diwrnod" in page
    assert 'lang="en-GB"' not in page.split('id="review-notice"')[1].split("</div>", 1)[1]
    bad = _html(post_page(client, 2, {**SHIFT, "shift_start": "25:00"}))
    assert "Rhowch amser ar y cloc 24 awr" in bad
    assert "Mae problem" in bad
    assert "Shift start - Rhowch amser" in bad


def test_a_date_answer_is_shown_back_when_returning_to_the_page(client, ward):
    start(client, ward)
    post_page(client, 1, ABOUT)
    post_page(client, 2, SHIFT)
    page = _html(client.get("/answer/2/"))
    assert 'name="when_seen[day]" type="text" value="15"' in page or 'value="15"' in page
    assert 'value="07:30"' in page and 'value="19:05"' in page


def test_a_question_hidden_by_an_earlier_page_and_the_calculation_follow_the_answers(client, ward):
    code = start(client, ward)
    post_page(client, 1, {"Seen": "0", "role": "nurse"})
    page = _html(client.get("/answer/2/"))
    assert "when_seen" not in page
    post_page(client, 2, {k: v for k, v in SHIFT.items() if "when_seen" not in k})
    response = _submit(client, code)
    assert response.answers["seen_nurse"] == 0 and "when_seen" not in response.answers


def test_a_note_with_help_and_a_condition_renders_on_the_web_and_on_paper(ward):
    from dataclasses import replace

    from readiness.instrument.conditions import Leaf
    from readiness.web.surveys import paper, respondent
    from readiness.web.surveys.views_respondent import _render_fields

    instrument = ward.site.study.instrument.instrument
    note = replace(
        instrument.item("intro"),
        help="Ffoniwch 999 mewn argyfwng.",
        show_if=Leaf("Seen", "not_equals", 0),  # on the same page, not one choice: no nesting
    )
    items = tuple(note if i.id == "intro" else i for i in instrument.items)
    instrument = replace(instrument, items=items)
    fields = respondent.build_fields(instrument, instrument.sections[0], {})
    html = "".join(_render_fields(fields))
    assert '<p class="nhsuk-hint">Ffoniwch 999 mewn argyfwng.</p>' in html
    assert "Answer only if it applies to you" not in html  # a note is not answered
    on_paper = {f.item.id: f for f in paper.entry_fields(instrument)[0][1]}
    hint = on_paper["intro"].params["hint"]["text"]
    assert hint.startswith("Ffoniwch 999") and "Only if" in hint


@settings(max_examples=60, deadline=None)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)), pad=st.booleans())
def test_a_date_typed_in_day_month_year_is_stored_as_iso_and_shown_back_the_same(day, pad):
    from readiness.instrument.answers import parse_date_value
    from readiness.instrument.model import Item
    from readiness.web.surveys import respondent

    item = Item("when", "date", "When?", "s")
    fmt = "%02d" if pad else "%d"
    posted = {"day": fmt % day.day, "month": fmt % day.month, "year": str(day.year)}
    stored, error = parse_date_value(item, posted)
    assert error is None and stored == day.isoformat()
    shown = respondent._raw(item, {"when": stored}, None)
    assert shown == {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def test_an_evaluation_offers_the_languages_on_its_session_and_follow_up_links(client, ward):
    study = ward.site.study
    study.evaluation, study.follow_up_days = True, 30
    study.save()
    welsh = _html(client.get(f"/s/{ward.token}/?lang=cy"))
    assert '<html lang="cy"' in welsh and "Gwiriad ward" in welsh
    assert client.cookies[LANGUAGE_COOKIE].value == "cy"
    client.cookies.clear()
    later = client.get(f"/f/{ward.follow_up_token}/?lang=cy")
    assert later.status_code == 200
    assert '<html lang="cy"' in later.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta"])
def test_a_welsh_response_exports_and_imports_again_unchanged(client, ward, fmt, tmp_path):
    from readiness.web.surveys import exports, imports

    client.get(f"/s/{ward.token}/?lang=cy")
    code = start(client, ward)
    post_page(client, 1, ABOUT)
    post_page(client, 2, SHIFT)
    first = _submit(client, code).answers
    study = ward.site.study
    path = tmp_path / f"ward.{fmt}"
    exports.write_export(study, fmt, path)
    Response.objects.all().delete()
    lead = study.memberships.get().user
    assert imports.import_file(study, path, actor=lead).rows == 1
    assert Response.objects.get().answers == first
