"""Staff pages of paper entry: the list of paper forms, the entry form, the second entry and
the comparison of two entries.  The logic is in :mod:`.paper`; every view needs
``enter_paper`` (study lead, site coordinator for their own sites, system administrator).

A coordinator sees the answers of a paper form only while they key it or resolve its
differences (they hold the paper); once it counts it is a response, which they never see.
"""

from __future__ import annotations

import threading

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness.errors import ProblemsError
from readiness.web.accounts import permissions as perm
from readiness.web.attachment import attachment
from readiness.web.surveys import paper, respondent, services
from readiness.web.surveys.models import PaperForm, PaperStatus
from readiness.web.surveys.views_respondent import _render_fields


def _sections_html(sections) -> list[tuple]:
    return [(section, _render_fields(fields)) for section, fields in sections]


def _field(kind: str, params: dict):
    module = engines["jinja2"].env.get_template("staff/formfields.jinja").module
    return module.field(kind, params)


def _summary(instrument, errors: dict[str, str], extra: list[dict] | None = None) -> list[dict]:
    """The error summary: the form's own fields first, then the questions in order."""
    out = list(extra or [])
    for item in paper.entry_items(instrument):
        if item.id in errors:
            out.append(
                {
                    "text": f"{item.text} - {errors[item.id]}",
                    "href": f"#{respondent.field_id(item)}",
                }
            )
    return out


def _core_problems(err: ProblemsError) -> list[dict]:
    return [{"text": f"{p.column or 'Answers'}: {p.message} {p.fix}".strip()} for p in err.problems]


def _form(study, access, form_id) -> PaperForm:
    form = get_object_or_404(
        PaperForm.objects.select_related("session__site", "instrument", "response"),
        pk=form_id,
        study=study,
    )
    access.require(perm.ENTER_PAPER, form.session.site_id)
    return form


@perm.study_view(perm.ENTER_PAPER)
def paper_list(request, study, access):
    forms = paper.forms_for(study, access.site_ids)
    waiting = list(forms.exclude(status=PaperStatus.COUNTED).prefetch_related("entries"))
    counted = list(forms.filter(status=PaperStatus.COUNTED)[:50])
    total_counted = forms.filter(status=PaperStatus.COUNTED).count()
    rows = []
    for form in waiting:
        first = next((e for e in form.entries.all() if e.number == 1), None)
        rows.append(
            {
                "form": form,
                "mine": first is not None and first.entered_by_id == request.user.pk,
            }
        )
    return render(
        request,
        "staff/paper_list.jinja",
        {
            "study": study,
            "access": access,
            "waiting": rows,
            "counted": counted,
            "total_counted": total_counted,
            "has_sessions": paper.sessions_for(study, access.site_ids).exists(),
            "languages": _languages(study.instrument.instrument),
        },
    )


def _languages(instrument) -> list[tuple[str, str]]:
    return [(tag, instrument.language_label(tag)) for tag in instrument.languages]


def _session_select(sessions, chosen, error=None) -> dict:
    params = {
        "id": "paper-session",
        "name": "session",
        "label": {"text": "Session the form was completed at", "size": "s"},
        "items": [{"value": "", "text": "Choose a session"}]
        + [
            {
                "value": str(s.pk),
                "text": f"{s.code}, {s.date.isoformat()}, {s.site.name}",
                "selected": str(s.pk) == str(chosen or ""),
            }
            for s in sessions
        ],
    }
    if error:
        params["errorMessage"] = {"text": error}
    return params


def _reference_input(value: str, error=None) -> dict:
    params = {
        "id": "paper-reference",
        "name": "reference",
        "label": {"text": "Form number", "size": "s"},
        "hint": {
            "text": "The number written on the paper form. Leave blank to be given the next "
            "number (P1, P2, ...), and write it on the form."
        },
        "value": value,
        "classes": "nhsuk-input--width-10",
        "spellcheck": False,
    }
    if error:
        params["errorMessage"] = {"text": error}
    return params


@never_cache
@perm.study_view(perm.ENTER_PAPER)
@require_http_methods(["GET", "POST"])
def paper_new(request, study, access):
    """Enter a paper form (its first entry under double entry)."""
    instrument = study.instrument.instrument
    sessions = list(paper.sessions_for(study, access.site_ids))
    by_id = {str(s.pk): s for s in sessions}
    chosen = request.POST.get("session") if request.method == "POST" else request.GET.get("session")
    reference = (request.POST.get("reference") or "").strip()
    values, errors, top_errors = None, {}, {}
    core: list[dict] = []
    if request.method == "POST":
        session = by_id.get(chosen or "")
        if session is None:
            top_errors["session"] = "Choose the session the form was completed at"
        problem = paper.check_reference(study, reference)
        if problem:
            top_errors["reference"] = problem
        prefilled = services.prefill(session, instrument) if session else {}
        entry = paper.read_entry(instrument, request.POST, prefilled=prefilled)
        errors, values = entry.errors, entry.values
        if not errors and not top_errors:
            try:
                form = paper.enter_first(study, session, request.user, entry.answers, reference)
            except paper.PaperError as err:
                top_errors["reference"] = str(err).rstrip(".")
            except ProblemsError as err:
                core = _core_problems(err)
            else:
                messages.success(request, _entered_message(form, entry.dropped, instrument))
                return redirect(
                    reverse("surveys:paper_new", args=[study.slug]) + f"?session={session.pk}"
                )
    extra = [
        {"text": top_errors[k], "href": f"#paper-{k}"}
        for k in ("session", "reference")
        if k in top_errors
    ]
    about = [
        _field("select", _session_select(sessions, chosen, top_errors.get("session"))),
        _field("input", _reference_input(reference, top_errors.get("reference"))),
    ]
    return render(
        request,
        "staff/paper_entry.jinja",
        {
            "study": study,
            "access": access,
            "title": "Enter a paper form",
            "double_entry": study.double_entry,
            "about_html": about,
            "sections": _sections_html(
                paper.entry_fields(instrument, values=values, errors=errors)
            ),
            "errors": _summary(instrument, errors, extra) + core,
            "button_text": "Save this form",
            "no_sessions": not sessions,
            "print_url": reverse("surveys:paper_print", args=[study.slug]),
            "back": reverse("surveys:paper", args=[study.slug]),
        },
    )


def _entered_message(form, dropped: list[str], instrument) -> str:
    if form.status == PaperStatus.COUNTED:
        text = f"Form {form.reference} saved: it counts as response {form.response_id}."
    else:
        text = (
            f"Form {form.reference} saved as its first entry. Someone else now enters the same "
            "form again; it counts when the two entries agree."
        )
    return text + _dropped_text(dropped, instrument)


def _dropped_text(dropped: list[str], instrument) -> str:
    if not dropped:
        return ""
    names = _sentence("; ".join(instrument.item(i).text for i in dropped[:5]))
    return (
        f" {len(dropped)} answer{'s' if len(dropped) != 1 else ''} to questions that do not "
        f"apply to this form {'were' if len(dropped) != 1 else 'was'} not kept: {names}"
    )


def _sentence(text: str) -> str:
    """The text ended with a full stop, unless a question's own mark already ends it."""
    return text if text.endswith(("?", ".", "!")) else text + "."


@never_cache
@perm.study_view(perm.ENTER_PAPER)
@require_http_methods(["GET", "POST"])
def paper_second(request, study, access, form_id):
    """The second, independent entry of a form (by someone other than the first)."""
    form = _form(study, access, form_id)
    detail = redirect("surveys:paper_form", slug=study.slug, form_id=form.pk)
    if form.status != PaperStatus.AWAITING_SECOND:
        messages.success(request, f"Form {form.reference} already has its second entry.")
        return detail
    first, _second = paper.entries_of(form)
    if first.entered_by_id == request.user.pk:
        # Say why and what to do: a bare "forbidden" leaves the first enterer stuck.
        context = {"study": study, "access": access, "form": form}
        return render(request, "staff/paper_refused.jinja", context, status=403)
    instrument = form.instrument.instrument
    values, errors, core = None, {}, []
    if request.method == "POST":
        prefilled = services.prefill(form.session, instrument)
        entry = paper.read_entry(instrument, request.POST, prefilled=prefilled)
        errors, values = entry.errors, entry.values
        if not errors:
            try:
                differing = paper.enter_second(form, request.user, entry.answers)
            except paper.PaperError as err:
                messages.error(request, str(err))
                return detail
            except ProblemsError as err:
                core = _core_problems(err)
            else:
                form.refresh_from_db()
                if differing:
                    # Not a success: the form does not count until someone resolves them.
                    n = len(differing)
                    messages.warning(
                        request,
                        f"Second entry of form {form.reference} saved. The two entries differ "
                        f"on {n} question{'s' if n != 1 else ''}: check the paper form and "
                        "resolve them below.",
                    )
                else:
                    messages.success(
                        request,
                        f"Second entry of form {form.reference} saved. The two entries agree: "
                        f"the form counts as response {form.response_id}.",
                    )
                return detail
    return render(
        request,
        "staff/paper_entry.jinja",
        {
            "study": study,
            "access": access,
            "title": f"Second entry of form {form.reference}",
            "form": form,
            "first": first,
            "sections": _sections_html(
                paper.entry_fields(instrument, values=values, errors=errors)
            ),
            "errors": _summary(instrument, errors) + core,
            "button_text": "Save the second entry",
            "back": reverse("surveys:paper", args=[study.slug]),
        },
    )


@never_cache
@perm.study_view(perm.ENTER_PAPER)
@require_http_methods(["GET", "POST"])
def paper_form(request, study, access, form_id):
    """A paper form's state; with differences, the comparison and the form to resolve them."""
    form = _form(study, access, form_id)
    first, second = paper.entries_of(form)
    instrument = form.instrument.instrument
    context = {
        "study": study,
        "access": access,
        "form": form,
        "first": first,
        "second": second,
        "back": reverse("surveys:paper", args=[study.slug]),
        "may_enter_second": form.status == PaperStatus.AWAITING_SECOND
        and first.entered_by_id != request.user.pk,
    }
    if form.status == PaperStatus.COUNTED and form.resolution:
        context["resolved_count"] = len(form.resolution)
    if form.status != PaperStatus.DIFFERENCES:
        if request.method == "POST":
            return redirect("surveys:paper_form", slug=study.slug, form_id=form.pk)
        return render(request, "staff/paper_form.jinja", context)

    differing = paper.differing_items(instrument, first.answers, second.answers)
    rows = []
    notes = {}
    for item_id in differing:
        item = instrument.item(item_id)
        a = paper.shown_value(item, first.answers.get(item_id))
        b = paper.shown_value(item, second.answers.get(item_id))
        rows.append({"item": item, "first": a, "second": b})
        notes[item_id] = f"First entry: {a}. Second entry: {b}."
    values, errors, core = None, {}, []
    only = set(differing)
    if request.method == "POST":
        entry = paper.read_entry(
            instrument,
            request.POST,
            prefilled=services.prefill(form.session, instrument),
            base=paper.agreed_answers(first.answers, second.answers),
            only=only,
        )
        errors, values = entry.errors, entry.values
        blank = [i for i in differing if entry.answers.get(i) is None and i not in entry.dropped]
        # A blank resolution is easy to make by mistake: it must be confirmed as meant.
        if not errors and blank and request.POST.get("confirm_blank") != "yes":
            context["blank_items"] = [instrument.item(i).text for i in blank]
            core = [
                {
                    "text": "Confirm that the paper form leaves "
                    + ("this question" if len(blank) == 1 else "these questions")
                    + " unanswered, or enter the answer written on it",
                    "href": "#confirm-blank",
                }
            ]
        elif not errors:
            try:
                response = paper.resolve(form, request.user, entry.answers)
            except paper.PaperError as err:
                messages.error(request, str(err))
                return redirect("surveys:paper_form", slug=study.slug, form_id=form.pk)
            except ProblemsError as err:
                core = _core_problems(err)
            else:
                messages.success(
                    request,
                    f"Differences of form {form.reference} resolved: the form counts as "
                    f"response {response.pk}." + _dropped_text(entry.dropped, instrument),
                )
                return redirect("surveys:paper_form", slug=study.slug, form_id=form.pk)
    context.update(
        {
            "differences": rows,
            "sections": _sections_html(
                paper.entry_fields(instrument, values=values, errors=errors, only=only, notes=notes)
            ),
            "errors": _summary(instrument, errors) + core,
        }
    )
    return render(request, "staff/paper_form.jinja", context)


# -- printing: the paper questionnaire and a session's poster -----------------------------------


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = attachment(name)
    return response


def session_label(session) -> str:
    """ "Session T01-2, 2 March 2026": how a session is named on paper."""
    return f"Session {session.code}, {session.date.day} {session.date.strftime('%B %Y')}"


# Printed forms kept by this process (printing takes seconds): by the instrument's SHA-256, the
# language, the study's name and the session; the oldest is dropped first.
_PRINTED: dict[tuple, bytes] = {}
PRINTED_KEPT = 32
_PRINTED_LOCK = threading.Lock()


@perm.study_view(perm.ENTER_PAPER)
def paper_print(request, study, access):
    """The study's questionnaire as a printable A4 PDF (:mod:`readiness.instrument.paperform`),
    in a language the instrument holds (``?language=cy``), for one session when asked
    (``?session=<id>``: its code is printed at the top)."""
    from readiness.instrument.paperform import PaperFormError, paper_form_pdf

    instrument = study.instrument.instrument
    session_id = request.GET.get("session") or ""
    session = None
    if session_id:
        sessions = paper.sessions_for(study, access.site_ids)
        session = sessions.filter(pk=session_id).first() if session_id.isdigit() else None
        if session is None:
            raise Http404("No such session in this study: choose one from the session list.")
    language = request.GET.get("language") or None
    label = session_label(session) if session else ""
    key = (study.instrument.sha256, language, study.name, label)
    try:
        data = _PRINTED.get(key)
        if data is None:
            data = paper_form_pdf(instrument, language=language, study=study.name, session=label)
            with _PRINTED_LOCK:
                _PRINTED[key] = data
                while len(_PRINTED) > PRINTED_KEPT:
                    _PRINTED.pop(next(iter(_PRINTED)))
    except PaperFormError as err:
        raise Http404(str(err)) from err
    suffix = f"-{session.code}" if session else ""
    return _pdf(data, f"{study.slug}-paper-form{suffix}.pdf")


@perm.study_view(perm.MANAGE_SESSIONS)
def session_poster(request, study, access, session_id):
    """A session's A4 poster: the study, the session, a large QR code of its link (absolute,
    with this request's host), the link written out and "Your answers are anonymous"."""
    from readiness.instrument.paperform import poster_pdf
    from readiness.web.surveys.views_staff import _session

    session = _session(study, access, session_id, perm.MANAGE_SESSIONS)
    data = poster_pdf(
        study.name,
        session_label(session),
        request.build_absolute_uri(session.link_path()),
        session.site.name,
    )
    return _pdf(data, f"{session.code}-poster.pdf")
