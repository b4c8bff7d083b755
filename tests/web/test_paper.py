"""Paper forms: entry by staff, and double entry (two entries by different people compared item
by item; a form counts only when they agree or its differences are resolved)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from readiness.web.surveys import paper
from readiness.web.surveys.models import PaperEntry, PaperForm, PaperStatus, Response, Source
from tests.web.helpers import PAGE_ANSWERS

pytestmark = pytest.mark.django_db


def paper_answers(**changes) -> dict:
    """The whole form as posted: every page's answers of the shipped survey, changed."""
    data = {}
    for page in PAGE_ANSWERS.values():
        data.update(page)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def login(client, django_user_model, username):
    client.force_login(django_user_model.objects.get(username=username))
    return client


def enter(client, study, session, reference="", **changes):
    data = {"session": str(session.pk), "reference": reference, **paper_answers(**changes)}
    return client.post(f"/studies/{study.slug}/paper/new/", data)


def audit_events(action):
    if not apps.is_installed("readiness.web.audit"):
        return None
    from readiness.web.audit.models import Event

    return list(Event.objects.filter(action=action).order_by("id"))


def test_lead_enters_a_paper_form_that_counts_at_once(client, django_user_model, study, session_a):
    login(client, django_user_model, "lead")
    page = client.get(f"/studies/{study.slug}/paper/new/").content.decode()
    assert "Enter a paper form" in page and "1. About you" in page
    assert "(required)" not in page  # a paper respondent may leave anything blank
    response = enter(client, study, session_a, reference="A-001")
    assert response.status_code == 302
    assert response["Location"] == f"/studies/{study.slug}/paper/new/?session={session_a.pk}"
    stored = Response.objects.get()
    assert stored.source == Source.PAPER and stored.session == session_a
    assert stored.completed_on == session_a.date
    assert stored.answers["discipline"] == 2 and stored.answers["years_qualified"] == 7
    assert stored.answers["training_where"] == "1 4" and stored.answers["site"] == "A"
    assert stored.answers["training_when"] == "2024-03"
    form = PaperForm.objects.get()
    assert (form.reference, form.status, form.response) == ("A-001", PaperStatus.COUNTED, stored)
    assert stored.submission_token == f"paper-{form.pk}"
    followed = client.get(response["Location"]).content.decode()
    assert "Form A-001 saved: it counts as response" in followed
    assert f'value="{session_a.pk}" selected' in followed  # the next form, same session
    events = audit_events("paper_entry")
    if events is not None:
        assert events[-1].detail["form"] == "A-001" and events[-1].username == "lead"


def test_a_blank_form_number_is_given_the_next_one(client, django_user_model, study, session_a):
    login(client, django_user_model, "lead")
    enter(client, study, session_a)
    enter(client, study, session_a)
    assert sorted(PaperForm.objects.values_list("reference", flat=True)) == ["P1", "P2"]
    again = enter(client, study, session_a, reference="P1")
    assert again.status_code == 200
    assert "Form P1 is already entered in this study" in again.content.decode()
    assert Response.objects.count() == 2


def test_invalid_answers_are_shown_and_nothing_is_saved(client, django_user_model, study):
    login(client, django_user_model, "lead")
    data = {"session": "", "reference": "", **paper_answers(years_qualified="75", discipline="9")}
    page = client.post(f"/studies/{study.slug}/paper/new/", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "Choose the session the form was completed at" in html
    assert "Enter a whole number between 0 and 60" in html
    assert 'href="#q-years_qualified"' in html
    assert 'value="75"' in html  # the value typed is shown back
    assert not PaperForm.objects.exists() and not Response.objects.exists()


def test_required_questions_may_be_blank_and_inapplicable_answers_are_not_kept(
    client, django_user_model, study, session_a
):
    login(client, django_user_model, "lead")
    # Not trained before, yet "where" ticked on the paper: the answer does not apply.
    response = enter(client, study, session_a, discipline=None, training_prior="0")
    assert response.status_code == 302
    stored = Response.objects.get()
    assert "discipline" not in stored.answers
    assert "training_where" not in stored.answers and stored.answers["training_prior"] == 0
    message = client.get(response["Location"]).content.decode()
    assert "answers to questions that do not apply to this form were not kept" in message
    # A question's own mark ends the list: no stray full stop after it ("contact with?.").
    enter(client, study, session_a, contact_ever="0", contact_count="3")
    message = client.get(response["Location"]).content.decode()
    assert "About how many such patients have you been in contact with?" in message
    assert "?." not in message


def test_coordinator_enters_for_own_sites_only(
    client, django_user_model, study, session_a, session_b
):
    login(client, django_user_model, "coordinator")
    page = client.get(f"/studies/{study.slug}/paper/new/").content.decode()
    assert session_a.code in page and session_b.code not in page
    refused = enter(client, study, session_b)
    assert refused.status_code == 200 and not Response.objects.exists()
    assert enter(client, study, session_a).status_code == 302
    assert Response.objects.get().session == session_a
    # Counted, the form is a response, which a coordinator never sees.
    form = PaperForm.objects.get()
    html = client.get(f"/studies/{study.slug}/paper/{form.pk}/").content.decode()
    assert "Counted" in html and f"/responses/{form.response_id}/" not in html


def test_analyst_cannot_enter(client, django_user_model, study, session_a):
    login(client, django_user_model, "analyst")
    assert enter(client, study, session_a).status_code == 403
    assert not PaperForm.objects.exists()


@pytest.fixture
def double(study):
    study.double_entry = True
    study.save()
    return study


def test_double_entry_that_agrees_counts_once(
    client, django_user_model, double, session_a, make_user
):
    login(client, django_user_model, "lead")
    assert enter(client, double, session_a, reference="F1").status_code == 302
    form = PaperForm.objects.get()
    assert form.status == PaperStatus.AWAITING_SECOND and not Response.objects.exists()
    # The first person cannot make the second entry.
    refused = client.get(f"/studies/{double.slug}/paper/{form.pk}/second/")
    assert refused.status_code == 403
    # The refusal says why (double entry needs a second person) and what to do.
    said = refused.content.decode()
    assert "the same person may not make both entries" in said
    assert "Double entry needs a second person" in said
    assert "ask another member of the study team" in said
    assert f"/studies/{double.slug}/paper/" in said
    listing = client.get(f"/studies/{double.slug}/paper/").content.decode()
    assert "Someone else enters it again" in listing
    other = type(client)()
    login(other, django_user_model, "coordinator")
    second = other.post(f"/studies/{double.slug}/paper/{form.pk}/second/", paper_answers())
    assert second.status_code == 302
    form.refresh_from_db()
    assert form.status == PaperStatus.COUNTED
    assert Response.objects.count() == 1 and form.response.source == Source.PAPER
    assert "The two entries agree" in other.get(second["Location"]).content.decode()
    # A repeated second entry changes nothing.
    other.post(f"/studies/{double.slug}/paper/{form.pk}/second/", paper_answers())
    assert Response.objects.count() == 1 and PaperEntry.objects.count() == 2


def test_double_entry_differences_block_until_resolved(
    client, django_user_model, double, session_a
):
    login(client, django_user_model, "lead")
    enter(client, double, session_a, reference="F2", profession_other=None, k_border="1")
    form = PaperForm.objects.get()
    coordinator = type(client)()
    login(coordinator, django_user_model, "coordinator")
    # Blind: the second entry's page shows nothing of the first entry.
    blank = coordinator.get(f"/studies/{double.slug}/paper/{form.pk}/second/").content.decode()
    assert not re.search(r"<input[^>]*\schecked", blank)
    years = re.search(r'<input[^>]*id="q-years_qualified"[^>]*>', blank).group(0)
    assert 'value="7"' not in years
    second = coordinator.post(
        f"/studies/{double.slug}/paper/{form.pk}/second/",
        paper_answers(years_qualified="17", k_border="8", c_advice="4"),
    )
    # Entries that differ are no success: the banner asks for action, in the important style.
    shown = coordinator.get(second["Location"]).content.decode()
    banner = shown[shown.index("nhsuk-notification-banner") : shown.index("The two entries differ")]
    assert "nhsuk-notification-banner--success" not in banner and "Success" not in banner
    assert "Action needed" in banner
    form.refresh_from_db()
    assert form.status == PaperStatus.DIFFERENCES
    assert not Response.objects.exists()  # blocked: the form does not count yet
    dashboard = client.get(f"/studies/{double.slug}/").content.decode()
    assert "<strong>0</strong> responses" in dashboard
    page = client.get(f"/studies/{double.slug}/paper/{form.pk}/").content.decode()
    assert "The entries differ on 3 questions" in page
    table = page[page.index('id="paper-differences"') : page.index("</table>")]
    assert "years_qualified" in table and "k_border" in table and "c_advice" in table
    assert "discipline" not in table
    assert "True (1)" in table and "Don&#39;t know (8)" in table
    # Resolving needs valid values; an invalid one blocks too.
    bad = client.post(f"/studies/{double.slug}/paper/{form.pk}/", {"years_qualified": "x"})
    assert bad.status_code == 200 and not Response.objects.exists()
    # A blank resolution must be confirmed as meant; without the confirmation nothing counts.
    resolved = {"years_qualified": "7", "k_border": "8", "c_advice": ""}
    unconfirmed = client.post(f"/studies/{double.slug}/paper/{form.pk}/", resolved)
    assert unconfirmed.status_code == 200 and not Response.objects.exists()
    asked = unconfirmed.content.decode()
    assert "Confirm that the paper form leaves this question unanswered" in asked
    assert 'name="confirm_blank"' in asked and 'href="#confirm-blank"' in asked
    done = client.post(
        f"/studies/{double.slug}/paper/{form.pk}/", {**resolved, "confirm_blank": "yes"}
    )
    assert done.status_code == 302
    form.refresh_from_db()
    assert form.status == PaperStatus.COUNTED
    assert form.resolution == {"years_qualified": 7, "k_border": 8, "c_advice": None}
    answers = Response.objects.get().answers
    assert answers["years_qualified"] == 7 and answers["k_border"] == 8
    assert "c_advice" not in answers  # resolved as not answered
    assert answers["c_identify"] == 3  # agreed answers are kept
    events = audit_events("paper_entry")
    if events is not None:
        steps = [e.detail["step"] for e in events]
        assert steps == ["first entry", "second entry", "resolution"]
        assert events[-1].detail["resolved"] == ["c_advice", "k_border", "years_qualified"]


def test_comparison_is_item_by_item():
    from readiness.instrument import shipped_instrument

    instrument = shipped_instrument()
    first = {"discipline": 2, "years_qualified": 7, "training_where": "1 4", "profession": 3}
    second = {"discipline": 2.0, "years_qualified": 8, "training_where": "1 4"}
    assert paper.differing_items(instrument, first, second) == ["profession", "years_qualified"]
    assert paper.agreed_answers(first, second) == {"discipline": 2, "training_where": "1 4"}
    item = instrument.item("training_where")
    assert paper.shown_value(item, None) == "Not answered"
    assert "(1)" in paper.shown_value(item, "1 4") and "(4)" in paper.shown_value(item, "1 4")


def test_service_refuses_the_same_person_twice(double, session_a, django_user_model):
    lead = django_user_model.objects.get(username="lead")
    form = paper.enter_first(double, session_a, lead, {"discipline": 1, "site": "A"}, "S1")
    with pytest.raises(paper.PaperError, match="second entry must be made by someone else"):
        paper.enter_second(form, lead, {"discipline": 1, "site": "A"})
    analyst = django_user_model.objects.get(username="analyst")
    assert paper.enter_second(form, analyst, {"discipline": 2, "site": "A"}) == ["discipline"]
    with pytest.raises(paper.PaperError, match="already has its second entry"):
        paper.enter_second(form, analyst, {"discipline": 2, "site": "A"})


def test_coordinator_cannot_touch_forms_of_other_sites(
    client, django_user_model, double, session_b
):
    analyst = django_user_model.objects.get(username="analyst")
    form = paper.enter_first(
        double, session_b, analyst, {"discipline": 1, "site": "B"}, "FORM-OF-SITE-B"
    )
    login(client, django_user_model, "coordinator")
    base = f"/studies/{double.slug}/paper/{form.pk}"
    assert client.post(f"{base}/second/", paper_answers()).status_code == 403
    assert client.post(f"{base}/", {"discipline": "1"}).status_code == 403
    # (a reference long enough never to turn up by chance in a CSRF token)
    assert "FORM-OF-SITE-B" not in client.get(f"/studies/{double.slug}/paper/").content.decode()
    assert PaperEntry.objects.count() == 1 and not Response.objects.exists()


def test_a_paper_response_has_no_public_thank_you_page(client, django_user_model, study, session_a):
    """The thank-you page shows a respondent's knowledge answers; a paper form's token
    (``paper-<id>``) is guessable, and a paper respondent never sees the page anyway."""
    study.show_feedback = True
    study.save()
    login(client, django_user_model, "lead")
    assert enter(client, study, session_a, reference="A-001").status_code == 302
    token = Response.objects.get().submission_token
    assert token.startswith("paper-")
    for who in (type(client)(), client):  # anyone, and even the study's lead
        page = who.get(f"/thanks/{token}/")
        assert page.status_code == 404
        assert "You got" not in page.content.decode()
