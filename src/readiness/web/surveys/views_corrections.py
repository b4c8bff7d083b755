"""Staff pages that correct a response's answers or delete a response (study leads: the
permission ``correct_responses``).  The logic, and what the audit log keeps, is in
:mod:`.corrections`."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness.errors import ProblemsError
from readiness.web.accounts import permissions as perm
from readiness.web.surveys import corrections, paper, respondent
from readiness.web.surveys.models import Response
from readiness.web.surveys.views_respondent import _render_fields

REASON_ID = "correction-reason"


def _response(study, response_id) -> Response:
    return get_object_or_404(
        Response.objects.select_related("session__site", "instrument"),
        pk=response_id,
        session__site__study=study,
    )


def _reason_field(label: str, hint: str, value: str, error: str | None) -> dict:
    params = {
        "id": REASON_ID,
        "name": "reason",
        "label": {"text": label, "size": "s"},
        "hint": {"text": hint},
        "value": value,
        "rows": 3,
    }
    if error:
        params["errorMessage"] = {"text": error}
    return params


def _summary(instrument, errors: dict[str, str]) -> list[dict]:
    """The error summary's lines for the questions, in the form's order."""
    return [
        {"text": f"{item.text} - {errors[item.id]}", "href": f"#{respondent.field_id(item)}"}
        for item in paper.entry_items(instrument)
        if item.id in errors
    ]


def _core_problems(err: ProblemsError) -> list[dict]:
    return [{"text": f"{p.column or 'Answers'}: {p.message} {p.fix}".strip()} for p in err.problems]


@never_cache
@perm.study_view(perm.CORRECT_RESPONSES)
@require_http_methods(["GET", "POST"])
def response_correct(request, study, access, response_id):
    """Every question of the response's instrument version with its answer, to correct, and
    the reason for the correction."""
    response = _response(study, response_id)
    instrument = response.instrument.instrument
    values = corrections.form_values(instrument, response.answers)
    errors: dict[str, str] = {}
    reason = (request.POST.get("reason") or "").strip()
    reason_error = None
    top: list[dict] = []
    seen = request.POST.get("seen") or corrections.answers_digest(response.answers)
    if request.method == "POST":
        entry = corrections.read_correction(response, request.POST)
        errors, values = entry.errors, entry.values
        reason_error = corrections.reason_problem(reason)
        if not errors and not reason_error:
            try:
                changed = corrections.correct(
                    response, request.user, entry.answers, reason, seen=seen
                )
            except corrections.CorrectionError as err:
                top = [{"text": str(err).rstrip("."), "href": "#correction-questions"}]
            except ProblemsError as err:
                top = _core_problems(err)
            else:
                n = len(changed)
                messages.success(
                    request,
                    f"Response {response.pk} corrected: {n} answer{'s' if n != 1 else ''} "
                    "changed. The change and its reason are in the audit log.",
                )
                return redirect("surveys:response", slug=study.slug, response_id=response.pk)
    sections = paper.entry_fields(instrument, values=values, errors=errors)
    reason_summary = [{"text": reason_error, "href": f"#{REASON_ID}"}] if reason_error else []
    return render(
        request,
        "staff/response_correct.jinja",
        {
            "study": study,
            "access": access,
            "response": response,
            "seen": seen,
            "sections": [(section, _render_fields(fields)) for section, fields in sections],
            "reason": _reason_field(
                "Reason for the correction",
                "For example: keyed wrongly from paper form P12 (the form says 7 years). "
                "The reason is kept in the audit log with the answers before and after.",
                reason,
                reason_error,
            ),
            "errors": top + _summary(instrument, errors) + reason_summary,
            "back": reverse("surveys:response", args=[study.slug, response.pk]),
        },
    )


@never_cache
@perm.study_view(perm.CORRECT_RESPONSES)
@require_http_methods(["GET", "POST"])
def response_delete(request, study, access, response_id):
    """The confirmation: what the response is, what else its deletion touches, the reason."""
    response = _response(study, response_id)
    reason = (request.POST.get("reason") or "").strip()
    reason_error = None
    if request.method == "POST":
        reason_error = corrections.reason_problem(reason, "deletion")
        if not reason_error:
            try:
                corrections.delete(response, request.user, reason)
            except corrections.CorrectionError as err:
                messages.error(request, str(err))
                return redirect("surveys:responses", slug=study.slug)
            messages.success(
                request,
                f"Response {response_id} deleted. Its answers and the reason are kept in the "
                "audit log.",
            )
            return redirect("surveys:responses", slug=study.slug)
    return render(
        request,
        "staff/response_delete.jinja",
        {
            "study": study,
            "access": access,
            "response": response,
            "notes": corrections.deletion_notes(response),
            "answered": sum(1 for v in response.answers.values() if v not in (None, "")),
            "reason": _reason_field(
                "Reason for deleting it",
                "For example: a test response made before the session; or the respondent asked "
                "for their answers to be withdrawn. The reason is kept in the audit log.",
                reason,
                reason_error,
            ),
            "errors": [{"text": reason_error, "href": f"#{REASON_ID}"}] if reason_error else [],
            "back": reverse("surveys:response", args=[study.slug, response.pk]),
        },
    )
