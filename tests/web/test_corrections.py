"""Correcting a response's answers and deleting a response: a reason, one transaction, an audit
entry with what was before, and the study's data revision raised so that results and exports
made before are not used again.  Only study leads (and system administrators) may."""

from __future__ import annotations

from datetime import date

import pytest

from readiness.errors import ResponsesError
from readiness.web.accounts.permissions import access_for
from readiness.web.audit.models import Event
from readiness.web.surveys import corrections, dashboard, exports, paper
from readiness.web.surveys.models import PaperForm, PaperStatus, Response, Source, Study
from tests.web.helpers import PAGE_ANSWERS

pytestmark = pytest.mark.django_db


def posted(**changes) -> dict:
    """The correction form as posted: every answer of the shipped survey, changed."""
    data = {}
    for page in PAGE_ANSWERS.values():
        data.update(page)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


class Form(dict):
    """A posted form with ``getlist``, as Django's QueryDict has."""

    def getlist(self, key):
        value = self.get(key)
        return value if isinstance(value, list) else ([] if value is None else [value])


def make_response(session, token="t-1", **changes) -> Response:
    instrument = session.site.study.instrument
    entry = paper.read_entry(instrument.instrument, Form(posted(**changes)), prefilled={})
    answers = {**entry.answers, "site": session.site.code}
    return Response.objects.create(
        session=session,
        instrument=instrument,
        answers=answers,
        completed_on=date(2026, 3, 2),
        submission_token=token,
    )


def corrected(response, **changes):
    return corrections.read_correction(response, Form(posted(**changes))).answers


def revision(study) -> int:
    return Study.objects.get(pk=study.pk).data_revision


@pytest.fixture
def lead(study):
    return study.memberships.get(role="lead").user


def test_a_correction_changes_the_answers_and_keeps_before_and_after(study, session_a, lead):
    response = make_response(session_a)
    changes = corrections.correct(
        response, lead, corrected(response, years_qualified="17"), "Keyed wrongly from P3"
    )
    assert [c.item for c in changes] == ["years_qualified"]
    stored = Response.objects.get(pk=response.pk)
    assert stored.answers["years_qualified"] == 17 and stored.answers["site"] == "A"
    event = Event.objects.get(action="response_corrected")
    assert event.username == "lead" and event.study_id == study.pk
    assert event.detail["response"] == response.pk
    assert event.detail["reason"] == "Keyed wrongly from P3"
    assert event.detail["changes"] == [
        {
            "item": "years_qualified",
            "question": "How many years is it since you qualified in your profession?",
            "before": "7",
            "after": "17",
        }
    ]
    assert revision(study) == 1


def test_a_choice_is_kept_with_its_label_and_a_cleared_answer_as_not_answered(
    study, session_a, lead
):
    response = make_response(session_a)
    answers = corrected(response, discipline="4", profession=None)
    changes = corrections.correct(response, lead, answers, "Paper form says paediatrics")
    assert [c.as_dict() for c in changes] == [
        {
            "item": "discipline",
            "question": "Which area do you mainly work in?",
            "before": "Maternity (2)",
            "after": "Paediatrics (4)",
        },
        {
            "item": "profession",
            "question": "What is your profession?",
            "before": "Midwife (3)",
            "after": "Not answered",
        },
    ]
    assert "profession" not in Response.objects.get(pk=response.pk).answers


def test_answers_that_no_longer_apply_are_dropped_and_listed(study, session_a, lead):
    response = make_response(session_a)
    answers = corrected(response, training_prior="0")  # "No": where and when do not apply
    changes = corrections.correct(response, lead, answers, "Ticked No on the paper form")
    assert [c.item for c in changes] == ["training_prior", "training_where", "training_when"]
    assert changes[1].after == "Not answered"
    stored = Response.objects.get(pk=response.pk).answers
    assert "training_where" not in stored and "training_when" not in stored


def test_a_save_with_nothing_changed_is_refused(study, session_a, lead):
    response = make_response(session_a)
    with pytest.raises(corrections.CorrectionError, match="Nothing changed"):
        corrections.correct(response, lead, corrected(response), "No reason really")
    assert not Event.objects.filter(action="response_corrected").exists()
    assert revision(study) == 0


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_correction_needs_a_reason(study, session_a, lead, reason):
    response = make_response(session_a)
    with pytest.raises(corrections.CorrectionError, match="reason"):
        corrections.correct(response, lead, corrected(response, years_qualified="8"), reason)
    assert Response.objects.get(pk=response.pk).answers["years_qualified"] == 7
    assert revision(study) == 0


def test_the_core_validator_refuses_what_the_form_would_not_give(study, session_a, lead):
    response = make_response(session_a)
    answers = {**corrected(response), "years_qualified": 75}  # past the maximum of 60
    with pytest.raises(ResponsesError, match="years_qualified"):
        corrections.correct(response, lead, answers, "Testing the validator")
    assert Response.objects.get(pk=response.pk).answers["years_qualified"] == 7
    assert not Event.objects.filter(action="response_corrected").exists()


def test_deletion_keeps_everything_in_the_audit_log(study, session_a, lead):
    response = make_response(session_a)
    detail = corrections.delete(response, lead, "A test response made before the session")
    assert not Response.objects.filter(pk=response.pk).exists()
    event = Event.objects.get(action="response_deleted")
    assert event.detail == detail
    assert detail["response"] == response.pk
    assert (detail["session"], detail["site"], detail["source"]) == (
        session_a.code,
        "A",
        Source.WEB,
    )
    assert (detail["wave"], detail["completed_on"]) == ("", "2026-03-02")
    assert detail["reason"] == "A test response made before the session"
    kept = {a["item"]: a for a in detail["answers"]}
    assert set(kept) == set(response.answers)
    assert kept["discipline"] == {
        "item": "discipline",
        "question": "Which area do you mainly work in?",
        "code": 2,
        "answer": "Maternity (2)",
    }
    assert kept["training_where"]["code"] == "1 4"
    assert revision(study) == 1


def test_deletion_needs_a_reason(study, session_a, lead):
    response = make_response(session_a)
    with pytest.raises(corrections.CorrectionError, match="Enter the reason for the deletion"):
        corrections.delete(response, lead, " ")
    assert Response.objects.filter(pk=response.pk).exists()


def test_a_deleted_paper_response_leaves_its_form_marked(client, study, session_a, lead):
    form = paper.enter_first(study, session_a, lead, corrected(make_response(session_a)), "P7")
    response = form.response
    detail = corrections.delete(response, lead, "Entered against the wrong study")
    assert detail["paper_form"] == "P7" and detail["source"] == Source.PAPER
    form = PaperForm.objects.get(pk=form.pk)
    assert form.response is None and form.status == PaperStatus.COUNTED
    assert form.entries.count() == 1  # what was keyed from the paper is kept
    client.force_login(lead)
    page = client.get(f"/studies/{study.slug}/paper/{form.pk}/").content.decode()
    assert "Response deleted" in page and "no longer counts" in page
    listed = client.get(f"/studies/{study.slug}/paper/").content.decode()
    assert "Deleted" in listed
    # The number stays taken: the same paper is not counted again by mistake.
    assert "already entered" in paper.check_reference(study, "P7")


def test_deleting_one_wave_of_a_pair_leaves_the_other_unpaired(client, study, session_a, lead):
    pre = make_response(session_a, token="t-pre")
    post = make_response(session_a, token="t-post")
    Response.objects.filter(pk=pre.pk).update(wave="pre", link="a" * 32)
    Response.objects.filter(pk=post.pk).update(wave="post", link="a" * 32)
    client.force_login(lead)
    page = client.get(f"/studies/{study.slug}/responses/{pre.pk}/delete/").content.decode()
    assert f"Response {post.pk} (after the training) was given on the same phone" in page
    assert "It stays, without its pair" in page
    pre.refresh_from_db()
    detail = corrections.delete(pre, lead, "Withdrawn at the respondent's request")
    assert detail["left_unpaired"] == [post.pk] and detail["wave"] == "pre"
    assert Response.objects.filter(pk=post.pk).exists()


def _lead_access(study, lead):
    return access_for(lead, Study.objects.get(pk=study.pk))


def _indicator(results: dict, name: str) -> dict:
    return next(i for i in results["indicators"] if i["id"] == name)["overall"]


def test_a_correction_changes_the_dashboard_and_the_export(study, session_a, lead):
    responses = [make_response(session_a, token=f"t-{i}") for i in range(6)]
    before = dashboard.results(Study.objects.get(pk=study.pk), _lead_access(study, lead))
    frame, _ = exports.export_frame(Study.objects.get(pk=study.pk))
    assert _indicator(before, "contact_reported").count == 0
    assert set(frame["contact_ever"]) == {0}
    target = responses[2]
    corrections.correct(
        target, lead, corrected(target, contact_ever="1", contact_count="3"), "Paper says yes"
    )
    fresh = Study.objects.get(pk=study.pk)
    after = dashboard.results(fresh, _lead_access(study, lead))
    assert _indicator(after, "contact_reported").count == 1
    frame, _ = exports.export_frame(fresh)
    row = frame[frame["response_id"] == str(target.pk)].iloc[0]
    assert row["contact_ever"] == 1 and row["contact_count"] == 3


def test_a_deletion_lowers_n_on_the_dashboard_and_in_the_export(study, session_a, lead):
    responses = [make_response(session_a, token=f"t-{i}") for i in range(6)]
    assert dashboard.results(Study.objects.get(pk=study.pk), _lead_access(study, lead))["n"] == 6
    corrections.delete(responses[0], lead, "Duplicate of another response")
    fresh = Study.objects.get(pk=study.pk)
    assert dashboard.results(fresh, _lead_access(study, lead))["n"] == 5
    frame, _ = exports.export_frame(fresh)
    assert len(frame) == 5 and str(responses[0].pk) not in set(frame["response_id"])


def test_a_correction_made_meanwhile_is_not_overwritten_unseen(study, session_a, lead):
    response = make_response(session_a)
    opened = corrections.answers_digest(response.answers)  # two leads open the form
    corrections.correct(
        response, lead, corrected(response, years_qualified="8"), "First lead", seen=opened
    )
    stale = Response.objects.get(pk=response.pk)
    with pytest.raises(corrections.CorrectionError, match="changed by someone else"):
        corrections.correct(
            stale, lead, corrected(response, discipline="4"), "Second lead", seen=opened
        )
    stored = Response.objects.get(pk=response.pk).answers
    assert stored["years_qualified"] == 8 and stored["discipline"] == 2
    assert revision(study) == 1
