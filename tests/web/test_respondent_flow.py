"""The respondent's way through, with Django's test client (no JavaScript, like a basic phone)."""

from __future__ import annotations

import re

import pytest

from readiness.web.surveys.models import Draft, Response
from tests.web.helpers import PAGE_ANSWERS, answer_all, post_page, start

pytestmark = pytest.mark.django_db


def test_information_page_asks_for_consent(client, session_a):
    page = client.get(f"/s/{session_a.token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Test study" in text and "agree to take part" in text
    refused = client.post(f"/s/{session_a.token}/", {})
    assert refused.status_code == 200
    assert "nhsuk-error-summary" in refused.content.decode()
    assert Draft.objects.count() == 0


def test_unknown_session_link_is_not_found(client, study):
    assert client.get("/s/NOSUCHTOKEN9/").status_code == 404


def test_whole_way_through_with_one_error_corrected(client, session_a):
    code = start(client, session_a)
    # Page 1 with an error: years out of range; the error summary links to the field.
    bad = post_page(client, 1, {**PAGE_ANSWERS["about"], "years_qualified": "75"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "There is a problem" in html
    assert 'href="#q-years_qualified"' in html
    assert "Enter a whole number between 0 and 60" in html
    assert 'value="75"' in html  # what was typed is shown back
    assert "<title>Error: " in html
    token = answer_all(client, code)
    done = post_page(client, "check", {"submission_token": token})
    assert done.status_code == 302 and done["Location"] == f"/thanks/{token}/"
    response = Response.objects.get()
    assert response.answers["years_qualified"] == 7
    assert response.answers["discipline"] == 2
    assert response.answers["training_where"] == "1 4"
    assert response.answers["training_when"] == "2024-03"
    assert response.answers["site"] == "A"  # the hidden item, filled from the session
    assert response.instrument.instrument_id == "readiness-survey"
    assert response.session == session_a
    assert not Draft.objects.exists()


def test_submitting_twice_counts_once(client, session_a):
    code = start(client, session_a)
    token = answer_all(client, code)
    first = post_page(client, "check", {"submission_token": token})
    second = post_page(client, "check", {"submission_token": token})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Response.objects.count() == 1


def test_a_stale_token_is_refused(client, session_a):
    code = start(client, session_a)
    answer_all(client, code)
    refused = post_page(client, "check", {"submission_token": "not-the-token"})
    assert refused.status_code == 409
    assert Response.objects.count() == 0


def test_thank_you_page_shows_knowledge_feedback_when_the_study_turns_it_on(client, session_a):
    code = start(client, session_a)
    token = answer_all(client, code)
    post_page(client, "check", {"submission_token": token})
    page = client.get(f"/thanks/{token}/").content.decode()
    assert "Thank you" in page
    # 10 of the 14 answers in PAGE_ANSWERS are right (k_border, k_first_responder don't know;
    # k_companion_interp and k_police_danger wrong).
    assert "You got 10 of 14 right" in page
    assert "Use a professional interpreter" in page  # an explanation
    assert "Modern Slavery Act 2015" in page  # a source
    study = session_a.site.study
    study.show_feedback = False
    study.save()
    assert "You got" not in client.get(f"/thanks/{token}/").content.decode()


def test_back_keeps_answers_and_resume_code_continues(client, session_a):
    code = start(client, session_a)
    post_page(client, 1, PAGE_ANSWERS["about"])
    back = client.get("/answer/1/").content.decode()
    assert 'value="7"' in back
    assert 'value="2" checked' in back
    # Save and finish later on page 2, with one answer given.
    saved = post_page(client, 2, {"training_prior": "0", "action": "save"})
    assert saved["Location"] == "/answer/saved/"
    assert code in client.get(saved["Location"]).content.decode()
    # Later, in another browser: the resume code, typed in lower case with spaces.
    other = type(client)()
    typed = code.lower().replace("-", " ")
    found = other.post("/resume/", {"code": typed})
    assert found["Location"] == "/answer/"
    assert other.get(found["Location"])["Location"] == "/answer/2/"
    page2 = other.get("/answer/2/").content.decode()
    assert 'value="0" checked' in page2
    wrong = other.post("/resume/", {"code": "AAAA-AAAA-AAAA"})
    assert wrong.status_code == 200 and "There is a problem" in wrong.content.decode()
    # An unknown code is explained, with what to do; a mistyped one reads the same.
    said = wrong.content.decode()
    assert "No answers in progress match this code" in said
    assert "Check it against the code you were given" in said
    assert "start the survey again" in said and "not found" not in said.lower()
    typo = other.post("/resume/", {"code": code[:-1] + ("A" if code[-1] != "A" else "B")})
    assert "No answers in progress match this code" in typo.content.decode()


def test_the_resume_form_posts_and_a_code_in_the_address_resumes_nothing(client, session_a):
    code = start(client, session_a)
    form = client.get("/resume/").content.decode()
    assert re.search(r'<form method="post"', form)
    # A code put in the address (a GET form, a shared link) is neither used nor shown back.
    got = client.get("/resume/", {"code": code})
    assert got.status_code == 200 and code not in got.content.decode()


def test_resume_code_is_stored_only_as_a_digest(client, session_a):
    code = start(client, session_a)
    draft = Draft.objects.get()
    assert code not in draft.code_digest
    assert len(draft.code_digest) == 64


def test_answers_to_questions_hidden_by_a_later_change_are_dropped(client, session_a):
    start(client, session_a)
    post_page(
        client,
        1,
        {**PAGE_ANSWERS["about"], "profession": "8", "profession_other": "Paramedic"},
    )
    assert Draft.objects.get().answers["profession_other"] == "Paramedic"
    post_page(client, 1, PAGE_ANSWERS["about"])  # profession 3: the other text goes
    assert "profession_other" not in Draft.objects.get().answers
    # Answers posted for a question whose condition is false are ignored.
    post_page(
        client,
        3,
        {"contact_ever": "0", "contact_count": "3", "contact_story": "should not be kept"},
    )
    answers = Draft.objects.get().answers
    assert answers["contact_ever"] == 0
    assert "contact_count" not in answers and "contact_story" not in answers


def test_conditional_questions_are_nested_under_their_choice(client, session_a):
    start(client, session_a)
    html = client.get("/answer/2/").content.decode()
    # training_where is revealed by "Yes" (code 1) of training_prior.
    reveal = html.index('id="conditional-q-training_prior"')
    assert html.index('name="training_where"') > reveal


def test_required_question_and_validation_per_type(client, session_a):
    start(client, session_a)
    missing = post_page(client, 1, {"years_qualified": "2.5"}).content.decode()
    assert "Select an answer" in missing  # discipline is required
    assert "Which area do you mainly work in? (required)" in missing
    assert "Enter a whole number between 0 and 60" in missing
    post_page(client, 1, PAGE_ANSWERS["about"])
    month = post_page(
        client,
        2,
        {"training_prior": "1", "training_when[month]": "13", "training_when[year]": "2020"},
    ).content.decode()
    assert "Month must be a number from 1 to 12" in month
    bad_code = post_page(client, 2, {"training_prior": "7"}).content.decode()
    assert "Select one of the answers" in bad_code


def test_check_page_lists_the_answers_given_with_change_links(client, session_a):
    code = start(client, session_a)
    answer_all(client, code)
    html = client.get("/answer/check/").content.decode()
    # Each question shown with the answer in words (no codes) and a link to its page's field.
    about = html[html.index("1. About you") : html.index("2. ")]
    assert "Which area do you mainly work in?" in about and "Maternity" in about
    assert ">7<" in about and "(2)" not in about
    training = html[html.index("2. ") : html.index("3. ")]
    assert "March 2024" in training
    assert 'href="/answer/2/#q-training_prior"' in training
    assert "Change" in training
    # A question the answers hid (how many patients, after "No") is not listed.
    assert "About how many such patients" not in html
    assert html.count('class="nhsuk-summary-list__row"') >= 40


def test_cannot_submit_with_a_required_question_skipped(client, session_a):
    start(client, session_a)
    for number in range(2, 8):
        post_page(client, number, {})
    check = client.get("/answer/check/")
    assert check.status_code == 302 and check["Location"] == "/answer/1/"


def test_closed_session_takes_no_answers(client, session_a):
    session_a.is_open = False
    session_a.save()
    page = client.get(f"/s/{session_a.token}/")
    assert "This survey is closed" in page.content.decode()
    assert client.post(f"/s/{session_a.token}/", {"consent": "yes"}).status_code == 200
    assert not Draft.objects.exists()


def test_closed_session_tells_a_respondent_mid_way_whom_to_contact(client, session_a):
    start(client, session_a)
    study = session_a.site.study
    study.information = "Run by the Safeguarding Team.\n\nQuestions: Dr Ada Example, 0100 000 0000."
    study.save()
    session_a.is_open = False
    session_a.save()
    html = client.get("/answer/2/").content.decode()
    assert "This survey is closed" in html and "Whom to contact" in html
    assert "Dr Ada Example, 0100 000 0000." in html
    assert session_a.site.name in html
    # A study with no information still says whom to ask.
    study.information = ""
    study.save()
    html = client.get("/answer/2/").content.decode()
    assert f"Ask the people who run {study.name}" in html


def test_respondent_pages_are_not_cached(client, session_a):
    page = client.get(f"/s/{session_a.token}/")
    assert "no-store" in page["Cache-Control"]


def _age(code: str, days: int) -> None:
    from datetime import date, timedelta

    from readiness.web.surveys.models import code_digest

    Draft.objects.filter(code_digest=code_digest(code)).update(
        updated_on=date.today() - timedelta(days=days)
    )


def test_abandoned_drafts_expire_after_the_days_set(client, session_a, settings):
    from readiness.web.surveys import expiry

    settings.READINESS_DRAFT_DAYS = 30
    other = type(client)()  # another browser
    old, recent = start(client, session_a), start(other, session_a)
    _age(old, 31)
    _age(recent, 30)
    assert expiry.expire_drafts() == 1
    gone = client.get("/answer/1/")
    assert gone.status_code == 404 and "No answers in progress" in gone.content.decode()
    assert other.get("/answer/1/").status_code == 200
    saved = other.get("/answer/saved/").content.decode()
    assert "30 days" in saved  # the respondent is told how long the answers are kept


@pytest.mark.django_db(transaction=True)
def test_drafts_expire_in_the_background_worker_every_hour(client, session_a, settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from readiness.web.jobs import tasks, worker

    settings.READINESS_DRAFT_DAYS = 7
    old = start(client, session_a)
    _age(old, 8)
    start(type(client)(), session_a)  # a request (of another browser) does no tidying up
    assert Draft.objects.count() == 2
    assert tasks.schedule_expiry() and not tasks.schedule_expiry()  # as a worker starting
    worker.run(once=True)
    assert Draft.objects.count() == 1
    assert client.get("/answer/1/").status_code == 404
    # It queued itself again, an hour on (the batch worker left it waiting).
    waiting = DBTaskResult.objects.get(task_path=tasks.expire_hourly.module_path, status="READY")
    assert waiting.run_after - timezone.now() > timedelta(minutes=59)


def test_the_expire_drafts_command(client, session_a, settings):
    from click.testing import CliRunner

    from readiness.web.cli import web

    settings.READINESS_DRAFT_DAYS = 10
    _age(start(client, session_a), 11)
    start(client, session_a)
    done = CliRunner().invoke(web, ["expire-drafts"])
    assert done.exit_code == 0, done.output
    assert "Deleted 1 unsubmitted response(s) last saved more than 10 days ago." in done.output
    assert Draft.objects.count() == 1
