"""The pages of corrections and deletions, who may use them, the audit log's account of them,
and the responses list (pages of 50, filters kept in the page links)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from readiness.web.audit.models import Event
from readiness.web.surveys.models import Response, Source, Study
from tests.web.test_corrections import Form as _Form
from tests.web.test_corrections import make_response, posted

pytestmark = pytest.mark.django_db


def login(client, django_user_model, username):
    client.force_login(django_user_model.objects.get(username=username))
    return client


def base(study, response) -> str:
    return f"/studies/{study.slug}/responses/{response.pk}"


@pytest.mark.parametrize("role", ["coordinator", "analyst", "outsider"])
@pytest.mark.parametrize("page", ["correct", "delete"])
def test_only_leads_may_correct_or_delete(client, django_user_model, study, session_a, role, page):
    response = make_response(session_a)
    login(client, django_user_model, role)
    url = f"{base(study, response)}/{page}/"
    assert client.get(url).status_code == 403
    data = posted(years_qualified="9") | {"reason": "Trying without the right"}
    assert client.post(url, data).status_code == 403
    stored = Response.objects.get(pk=response.pk)
    assert stored.answers["years_qualified"] == 7
    assert not Event.objects.filter(action__startswith="response_").exists()


def test_the_response_page_offers_correction_to_leads_only(
    client, django_user_model, study, session_a
):
    response = make_response(session_a)
    page = login(client, django_user_model, "lead").get(f"{base(study, response)}/").content
    assert b"Correct answers" in page and b"Delete this response" in page
    page = login(client, django_user_model, "analyst").get(f"{base(study, response)}/").content
    assert b"Correct answers" not in page and b"Delete this response" not in page


def test_the_form_shows_every_question_with_its_answer(client, django_user_model, study, session_a):
    response = make_response(session_a)
    page = login(client, django_user_model, "lead").get(f"{base(study, response)}/correct/")
    html = page.content.decode()
    assert 'name="years_qualified"' in html and 'value="7"' in html
    assert re.search(r'value="2"\s+checked', html)  # Maternity, as stored
    assert 'name="profession_other"' in html  # a question not answered is shown too
    assert "Reason for the correction" in html


def test_a_correction_through_the_page(client, django_user_model, study, session_a):
    response = make_response(session_a)
    login(client, django_user_model, "lead")
    data = posted(years_qualified="12") | {"reason": "Keyed wrongly: the paper says 12"}
    saved = client.post(f"{base(study, response)}/correct/", data)
    assert saved.status_code == 302 and saved["Location"] == f"{base(study, response)}/"
    shown = client.get(saved["Location"]).content.decode()
    assert f"Response {response.pk} corrected: 1 answer changed" in shown
    assert Response.objects.get(pk=response.pk).answers["years_qualified"] == 12


def test_an_invalid_answer_is_refused_naming_the_question(
    client, django_user_model, study, session_a
):
    response = make_response(session_a)
    login(client, django_user_model, "lead")
    data = posted(years_qualified="75") | {"reason": "Keyed wrongly"}
    page = client.post(f"{base(study, response)}/correct/", data).content.decode()
    assert (
        "How many years is it since you qualified in your profession? - "
        "Enter a whole number between 0 and 60"
    ) in page
    assert 'href="#q-years_qualified"' in page and 'value="75"' in page  # shown back
    assert Response.objects.get(pk=response.pk).answers["years_qualified"] == 7


def test_a_missing_reason_and_nothing_changed_are_said(client, django_user_model, study, session_a):
    response = make_response(session_a)
    login(client, django_user_model, "lead")
    page = client.post(f"{base(study, response)}/correct/", posted(years_qualified="9"))
    html = page.content.decode()
    assert "Enter the reason for the correction" in html and 'href="#correction-reason"' in html
    page = client.post(f"{base(study, response)}/correct/", posted() | {"reason": "Checking"})
    assert "Nothing changed: change at least one answer" in page.content.decode()
    assert Study.objects.get(pk=study.pk).data_revision == 0


def test_a_deletion_through_the_confirmation_page(client, django_user_model, study, session_a):
    response = make_response(session_a)
    login(client, django_user_model, "lead")
    url = f"{base(study, response)}/delete/"
    page = client.get(url).content.decode()
    assert f"Delete response {response.pk}?" in page and "cannot be put back" in page
    refused = client.post(url, {"reason": ""}).content.decode()
    assert "Enter the reason for the deletion" in refused
    assert Response.objects.filter(pk=response.pk).exists()
    done = client.post(url, {"reason": "A test response"})
    assert done.status_code == 302 and done["Location"] == f"/studies/{study.slug}/responses/"
    assert not Response.objects.filter(pk=response.pk).exists()
    assert client.get(url).status_code == 404


def test_the_audit_log_shows_before_and_after_and_the_deleted_answers(
    client, django_user_model, study, session_a
):
    first = make_response(session_a, token="t-1")
    second = make_response(session_a, token="t-2")
    login(client, django_user_model, "lead")
    client.post(
        f"{base(study, first)}/correct/",
        posted(discipline="4") | {"reason": "Paper form says paediatrics"},
    )
    client.post(f"{base(study, second)}/delete/", {"reason": "Respondent withdrew"})
    page = client.get(f"/studies/{study.slug}/audit/").content.decode()
    assert "Response corrected" in page and "Response deleted" in page
    assert "Reason: Paper form says paediatrics" in page
    assert re.search(
        r"Which area do you mainly work in\?</span> \(discipline\): Maternity \(2\)"
        r" <span aria-hidden=\"true\">&rarr;</span>"
        r"<span class=\"nhsuk-u-visually-hidden\"> changed to</span> Paediatrics \(4\)",
        page,
    )
    assert f"Response {second.pk}: session {session_a.code} at site A" in page
    assert "Reason: Respondent withdrew" in page
    assert "How many years is it since you qualified in your profession? (years_qualified): 7" in (
        page
    )
    only = client.get(f"/studies/{study.slug}/audit/?action=response_deleted").content.decode()
    assert "Response deleted" in only and "Paper form says paediatrics" not in only
    csv = client.get(f"/studies/{study.slug}/audit/audit.csv").content.decode()
    assert "(discipline): Maternity (2) -> Paediatrics (4)" in csv
    assert "years_qualified: 7" in csv


# -- the responses list ------------------------------------------------------------------------


def _many(session, n: int, start: int = 0, **fields) -> None:
    study = session.site.study
    Response.objects.bulk_create(
        Response(
            session=session,
            instrument=study.instrument,
            answers={"site": session.site.code, "discipline": 1},
            completed_on=fields.get("completed_on", date(2026, 3, 2) + timedelta(days=i % 3)),
            submission_token=f"many-{session.pk}-{start + i}",
            source=fields.get("source", Source.WEB),
        )
        for i in range(n)
    )


def test_the_list_pages_by_fifty_and_keeps_the_filters(
    client, django_user_model, study, session_a, session_b
):
    _many(session_a, 120)
    _many(session_b, 7, source=Source.PAPER)
    login(client, django_user_model, "analyst")
    url = f"/studies/{study.slug}/responses/"
    page = client.get(url).content.decode()
    assert "<strong>127</strong> responses." in page and "Showing 1 to 50" in page
    assert page.count('class="nhsuk-table__row"') == 51  # the head and 50 rows
    assert 'aria-label="Pages of responses"' in page and 'aria-current="page"' in page
    filtered = client.get(url, {"site": session_a.site_id, "page": "3"}).content.decode()
    assert "<strong>120</strong> of 127 responses match these filters." in filtered
    assert "Showing 101 to 120" in filtered
    assert f'href="?site={session_a.site_id}&amp;page=2"' in filtered  # the filter is kept
    paper = client.get(url, {"source": "paper"}).content.decode()
    assert "<strong>7</strong> of 127" in paper and "Pages of responses" not in paper
    assert paper.count(f">{session_b.code}<") == 7


def test_the_list_filters_by_session_wave_and_completion_date(
    client, django_user_model, study, session_a, session_b
):
    _many(session_a, 6)  # completed 2, 3 and 4 March, two each
    _many(session_b, 3, start=100)
    Response.objects.filter(pk__in=list(Response.objects.values_list("pk", flat=True)[:2])).update(
        wave="post"
    )
    login(client, django_user_model, "lead")
    url = f"/studies/{study.slug}/responses/"
    got = client.get(url, {"session": session_b.pk}).content.decode()
    assert "<strong>3</strong> of 9" in got
    got = client.get(url, {"from": "2026-03-03", "to": "2026-03-03"}).content.decode()
    assert "<strong>3</strong> of 9" in got  # two at A, one at B
    got = client.get(url, {"wave": "post"}).content.decode()
    assert "<strong>2</strong> of 9" in got


@pytest.mark.parametrize(
    ("query", "message", "anchor"),
    [
        ({"from": "3 March"}, "Completed from must be a date, like 2026-03-31", "filter-from"),
        (
            {"from": "2026-03-04", "to": "2026-03-02"},
            "Completed to must be the same as or after completed from",
            "filter-to",
        ),
        ({"site": "999999"}, "Site must be one of the choices in the list", "filter-site"),
        ({"source": "fax"}, "Source must be one of the choices in the list", "filter-source"),
    ],
)
def test_a_filter_that_cannot_be_used_is_named(
    client, django_user_model, study, session_a, query, message, anchor
):
    _many(session_a, 3)
    page = login(client, django_user_model, "lead").get(f"/studies/{study.slug}/responses/", query)
    html = page.content.decode()
    assert page.status_code == 200 and message in html and f'href="#{anchor}"' in html
    assert "Correct the filters to list the responses." in html
    assert 'id="responses-table"' not in html


def test_a_site_of_another_study_is_not_a_filter(
    client, django_user_model, study, session_a, make_user
):
    from readiness.web.surveys import services

    other = services.create_study(name="Other", lead=make_user("other-lead"))
    foreign = services.add_site(other, "Z", "Elsewhere")
    page = login(client, django_user_model, "lead").get(
        f"/studies/{study.slug}/responses/", {"site": foreign.pk}
    )
    assert "Site must be one of the choices in the list" in page.content.decode()


def test_coordinators_never_see_the_list(client, django_user_model, study, session_a):
    _many(session_a, 3)
    page = login(client, django_user_model, "coordinator").get(
        f"/studies/{study.slug}/responses/", {"site": session_a.site_id}
    )
    assert page.status_code == 403


def test_the_form_refuses_a_save_over_a_correction_made_meanwhile(
    client, django_user_model, study, session_a
):
    from readiness.web.surveys import corrections

    response = make_response(session_a)
    login(client, django_user_model, "lead")
    form = client.get(f"{base(study, response)}/correct/").content.decode()
    seen = re.search(r'name="seen" value="([0-9a-f]{64})"', form).group(1)
    answers = corrections.read_correction(response, _Form(posted(years_qualified="8"))).answers
    corrections.correct(response, None, answers, "Corrected from the shell meanwhile")
    data = posted(discipline="4") | {"reason": "Paper says paediatrics", "seen": seen}
    page = client.post(f"{base(study, response)}/correct/", data).content.decode()
    assert f"Response {response.pk} was changed by someone else after you opened it" in page
    assert Response.objects.get(pk=response.pk).answers["years_qualified"] == 8
