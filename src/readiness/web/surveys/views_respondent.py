"""The respondent's pages: session link -> information and consent -> one page per section ->
check and submit -> thank you.  Anonymous: nothing identifying is read or stored; the pages
are never cached, so a shared phone or computer does not keep them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness.errors import ReadinessError
from readiness.web.security import ratelimit
from readiness.web.surveys import expiry, respondent, services, waves
from readiness.web.surveys.forms import ResumeForm
from readiness.web.surveys.models import (
    Draft,
    Response,
    Session,
    Source,
    new_link_id,
    normalise_code,
)

log = logging.getLogger("readiness.web")

# How long after submitting the thank-you page still shows a respondent's knowledge answers.
FEEDBACK_DAYS = 1


def _render_fields(fields: list[respondent.Field]) -> list:
    """Render each question with its NHS.UK macro, nested questions first."""
    module = engines["jinja2"].env.get_template("respondent/fields.jinja").module
    out = []
    for f in fields:
        if f.children:
            for option in f.params["items"]:
                nested = f.children.get(option["value"])
                if nested:
                    option["conditional"] = {"html": "".join(_render_fields(nested))}
        f.html = module.field(f.macro, f.params)
        out.append(f.html)
    return out


def _errors_summary(fields_items: list, errors: dict[str, str], ui_lang: str = "") -> list[dict]:
    return [
        {
            "text": respondent.error_line(item, errors[item.id], ui_lang),
            "href": f"#{respondent.field_id(item)}",
        }
        for item in fields_items
        if item.id in errors
    ]


# The respondent's language: the tag alone, for this browser session (no expiry date), never
# with anything that identifies the respondent or their device.
LANGUAGE_COOKIE = "readiness_language"


def _in_language(request, instrument) -> tuple:
    """(the instrument in the respondent's language, the context of the language switch)."""
    tag = respondent.choose_language(
        instrument, request.GET.get("lang"), request.COOKIES.get(LANGUAGE_COOKIE)
    )
    context = {
        "html_lang": tag,
        "languages": respondent.language_choices(instrument, tag),
        # The service's own words are English: marked as such on a page in another language.
        "ui_lang": "" if tag.split("-")[0].lower() == "en" else "en-GB",
    }
    return respondent.in_language(instrument, tag), context


def _keep_language(request, response, context: dict):
    """Remember the language asked for with ``?lang=`` (when the instrument holds it)."""
    tag = context.get("html_lang")
    if context.get("languages") and request.GET.get("lang") == tag:
        from django.conf import settings

        response.set_cookie(
            LANGUAGE_COOKIE,
            tag,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _closed(session: Session) -> bool:
    return not (session.is_open and session.site.study.is_open)


@never_cache
@require_http_methods(["GET", "POST"])
def start(request, token):
    session = get_object_or_404(
        Session.objects.select_related("site__study__instrument"), token=token
    )
    study = session.site.study
    instrument, language = _in_language(request, study.instrument.instrument)
    context = {"session": session, "study": study, "instrument": instrument, **language}
    if _closed(session):
        return render(request, "respondent/closed.jinja", context)
    if study.evaluation:
        return _keep_language(request, _start_evaluation(request, session, context), context)
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            context["error"] = "Confirm that you have read the information and agree to take part"
            return render(request, "respondent/start.jinja", context)
        _draft, code = services.start_draft(session)
        return redirect("surveys:page", code=code, number=1)
    return _keep_language(request, render(request, "respondent/start.jinja", context), context)


# -- an evaluation's waves (see .waves) ---------------------------------------------------------


def _untouched_post(draft: Draft) -> bool:
    """Whether a draft is the after-session questions with nothing answered yet."""
    prefilled = services.prefill(draft.session, draft.instrument.instrument)
    return draft.wave == waves.POST and not draft.seen and draft.answers == prefilled


def _device_state(session: Session, link: str | None) -> str | None:
    """What this device has done on an evaluation's session link, from the link id it keeps:
    "draft" (the after-session questions, none answered yet), "started" (answers in
    progress: they are carried on only with their resume code, as the device may be shared),
    "post_due" (the before questions submitted, the after ones not started), "done" (both
    submitted), or None."""
    if not link:
        return None
    draft = Draft.objects.filter(session=session, link=link).select_related("instrument").first()
    if draft is not None:
        return "draft" if _untouched_post(draft) else "started"
    done = set(Response.objects.filter(session=session, link=link).values_list("wave", flat=True))
    if waves.POST in done:
        return "done"
    if waves.PRE in done:
        return "post_due"
    return None


def _start_evaluation(request, session: Session, context: dict):
    """The session link of an evaluation: it starts the pre wave, or carries on what this
    device started (the link id in its cookie), with a new resume code.  Only the after-session
    questions with nothing answered yet are carried on so: on a shared computer the next person
    would otherwise see the answers in progress (and revoke their resume code)."""
    link = waves.remembered_link(request)
    state = _device_state(session, link)
    context.update(
        {
            "evaluation": True,
            "device": state,
            "follow_up_days": session.site.study.follow_up_days,
        }
    )
    if request.method == "POST":
        if request.POST.get("action") == "carry_on" and state in ("draft", "post_due"):
            draft = Draft.objects.filter(session=session, link=link).first()
            if draft is not None:
                code = services.new_code_for(draft)
            else:
                try:
                    _draft, code = services.start_draft(session, wave=waves.POST, link=link)
                except services.DraftExists:  # another request of this device made it
                    draft = Draft.objects.get(session=session, link=link, wave=waves.POST)
                    code = services.new_code_for(draft)
            return redirect("surveys:resume_entry", code=code)
        if request.POST.get("consent") != "yes":
            context["error"] = "Confirm that you have read the information and agree to take part"
            return render(request, "respondent/start.jinja", context)
        link = new_link_id()
        _draft, code = services.start_draft(session, wave=waves.PRE, link=link)
        if waves.asks_code(waves.PRE, session.site.study):
            response = redirect("surveys:code", code=code)
        else:
            response = redirect("surveys:page", code=code, number=1)
        waves.remember_link(response, session, link)
        return response
    return render(request, "respondent/start.jinja", context)


@never_cache
@require_http_methods(["GET", "POST"])
def follow_up(request, token):
    """A session's follow-up link: the follow-up wave, open from the day set for the study."""
    session = get_object_or_404(
        Session.objects.select_related("site__study__instrument"), follow_up_token=token
    )
    study = session.site.study
    opens = session.follow_up_opens()
    if opens is None:
        raise Http404("This study has no follow-up.")
    instrument, language = _in_language(request, study.instrument.instrument)
    context = {
        "session": session,
        "study": study,
        "instrument": instrument,
        **language,
        "evaluation": True,
        "follow_up": True,
        "opens": opens,
    }
    if _closed(session):
        return render(request, "respondent/closed.jinja", context)
    if timezone.localdate() < opens:
        return render(request, "respondent/not_yet.jinja", context)
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            context["error"] = "Confirm that you have read the information and agree to take part"
            return render(request, "respondent/start.jinja", context)
        _draft, code = services.start_draft(session, wave=waves.FOLLOW_UP)
        return redirect("surveys:code", code=code)
    return _keep_language(request, render(request, "respondent/start.jinja", context), context)


def _render_code_fields(fields) -> list:
    module = engines["jinja2"].env.get_template("respondent/fields.jinja").module
    return [module.field(macro, params) for macro, params, _fid in fields]


@never_cache
@require_http_methods(["GET", "POST"])
def code_page(request, code):
    """The self-generated code's questions (pre and follow-up waves): only their keyed
    digests are kept, on the draft and then the response."""
    draft = _draft_or_404(code)
    session = draft.session
    study = session.site.study
    if _closed(session):
        return render(request, "respondent/closed.jinja", {"session": session, "study": study})
    if not waves.asks_code(draft.wave, draft.session.site.study):
        return redirect("surveys:resume_entry", code=code)
    values, errors = {}, {}
    if request.method == "POST":
        if request.POST.get("action") == "skip":
            services.save_code(draft, {})
            return redirect("surveys:page", code=code, number=1)
        result = waves.read_code(study, request.POST)
        if result.digests is not None:
            # An answer left empty keeps the one given before (as the page says); an answer
            # given again replaces it.
            before = draft.sgic if waves.CODE_SEEN in draft.seen else {}
            kept = {**before, **result.digests}
            services.save_code(draft, kept)
            return redirect("surveys:page", code=code, number=1)
        values, errors = result.values, result.errors
    fields = waves.code_fields(values, errors)
    return render(
        request,
        "respondent/code.jinja",
        {
            "study": study,
            "session": session,
            "code": code,
            "wave": draft.wave,
            "wave_name": waves.WAVE_NAMES.get(draft.wave, ""),
            "answered_before": waves.CODE_SEEN in draft.seen and bool(draft.sgic),
            "fields_html": _render_code_fields(fields),
            "error_summary": [
                {"text": errors[params["name"]], "href": f"#{fid}"}
                for _macro, params, fid in fields
                if params["name"] in errors
            ],
        },
    )


@never_cache
def between(request, code):
    """After the pre wave: keep the page open until the end of the session."""
    draft = _draft_or_404(code)
    if draft.wave != waves.POST:
        return redirect("surveys:resume_entry", code=code)
    return render(
        request,
        "respondent/between.jinja",
        {"study": draft.session.site.study, "session": draft.session, "code": code},
    )


def _draft_or_404(code: str):
    draft = services.find_draft(code)
    if draft is None:
        raise Http404("No answers are saved with this code.")
    return draft


@never_cache
def resume_entry(request, code):
    draft = _draft_or_404(code)
    instrument = draft.instrument.instrument
    if waves.asks_code(draft.wave, draft.session.site.study) and waves.CODE_SEEN not in draft.seen:
        return redirect("surveys:code", code=code)
    first = services.first_incomplete_page(
        instrument, draft.answers, draft.seen, services.draft_sections(draft)
    )
    if first is None:
        return redirect("surveys:check", code=code)
    return redirect("surveys:page", code=code, number=first)


@never_cache
@require_http_methods(["GET", "POST"])
def page(request, code, number):
    draft = _draft_or_404(code)
    session = draft.session
    if _closed(session):
        return render(
            request, "respondent/closed.jinja", {"session": session, "study": session.site.study}
        )
    instrument, language = _in_language(request, draft.instrument.instrument)
    only = services.draft_sections(draft)
    sections = respondent.pages(instrument, draft.answers, only)
    if number < 1:
        return redirect("surveys:page", code=code, number=1)
    if number > len(sections):
        return redirect("surveys:check", code=code)
    section = sections[number - 1]
    errors: dict[str, str] = {}
    values = None
    answers = draft.answers
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        result = respondent.read_page(
            instrument, section, request.POST, draft.answers, validate=action != "save"
        )
        if not result.errors:
            services.save_page(draft, section.id, result.answers, complete=action != "save")
            if action == "save":
                return redirect("surveys:saved", code=code)
            after = respondent.pages(instrument, result.answers, only)
            ids = [s.id for s in after]
            following = ids.index(section.id) + 2 if section.id in ids else number + 1
            if following > len(after):
                return redirect("surveys:check", code=code)
            return redirect("surveys:page", code=code, number=following)
        errors, values = result.errors, result.values
    fields = respondent.build_fields(
        instrument, section, answers, values, errors, interface_lang=language["ui_lang"]
    )
    items = [instrument.item(i) for i in section.items]
    context = {
        "study": session.site.study,
        "session": session,
        "instrument": instrument,
        **language,
        "sliders": any(respondent.is_slider(instrument.item(i)) for i in section.items),
        "section": section,
        "number": number,
        "total": len(sections),
        "fields_html": _render_fields(fields),
        "error_summary": _errors_summary(items, errors, language["ui_lang"]),
        "code": code,
        "wave_name": waves.WAVE_NAMES.get(draft.wave, ""),
        "back": (
            redirect("surveys:page", code=code, number=number - 1).url
            if number > 1
            else redirect("surveys:code", code=code).url
            if waves.asks_code(draft.wave, draft.session.site.study)
            else None
        ),
    }
    return _keep_language(request, render(request, "respondent/page.jinja", context), context)


def _submitted(code: str, token: str):
    """The thank-you page of a submitted response.  The counters kept under the resume code
    are deleted once it has no draft (they would tell when it was submitted); never while it
    has one, as the token posted may be any submitted response's, not this code's."""
    if services.find_draft(code) is None:
        ratelimit.forget_code(code)
    return redirect("surveys:thanks", token=token)


@never_cache
@require_http_methods(["GET", "POST"])
def check(request, code):
    token = request.POST.get("submission_token", "") if request.method == "POST" else ""
    if request.method == "POST" and token:
        already = Response.objects.filter(submission_token=token).first()
        if already is not None:
            if already.wave == waves.PRE:
                return redirect("surveys:between", code=code)
            return _submitted(code, token)
    draft = _draft_or_404(code)
    instrument, language = _in_language(request, draft.instrument.instrument)
    only = services.draft_sections(draft)
    if waves.asks_code(draft.wave, draft.session.site.study) and waves.CODE_SEEN not in draft.seen:
        return redirect("surveys:code", code=code)
    incomplete = services.first_incomplete_page(instrument, draft.answers, draft.seen, only)
    if incomplete is not None:
        return redirect("surveys:page", code=code, number=incomplete)
    if request.method == "POST":
        try:
            response, _created = services.submit(code, token)
        except services.SubmissionError as err:
            return render(
                request,
                "respondent/problem.jinja",
                {"message": str(err), "code": code},
                status=409,
            )
        if response.wave == waves.PRE:
            return redirect("surveys:between", code=code)
        return _submitted(code, response.submission_token)
    answered, shown = respondent.count_answered(instrument, draft.answers, only)
    sections = respondent.pages(instrument, draft.answers, only)
    page = render(
        request,
        "respondent/check.jinja",
        {
            **language,
            "study": draft.session.site.study,
            "wave_name": waves.WAVE_NAMES.get(draft.wave, ""),
            "code": code,
            "token": draft.submission_token,
            "answered": answered,
            "shown": shown,
            "sections": sections,
            "given": respondent.given_answers(instrument, draft.answers, sections),
            "back": redirect("surveys:page", code=code, number=len(sections)).url,
        },
    )
    return _keep_language(request, page, language)


@never_cache
def saved(request, code):
    draft = _draft_or_404(code)
    return render(
        request,
        "respondent/saved.jinja",
        {
            "study": draft.session.site.study,
            "code": normalise_code(code),
            "days": expiry.draft_days(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def resume(request):
    form = ResumeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        if services.find_draft(code) is not None:
            return redirect("surveys:resume_entry", code=code)
        # The same words for a mistyped, submitted or expired code: nothing more is told.
        error = (
            "No answers in progress match this code. Check it against the code you were "
            "given (for example ACDE-FGHJ-KMNP). A code stops working once its answers are "
            f"submitted, or after {expiry.draft_days()} days: then start the survey again "
            "from the link or QR code of your session"
        )
    elif request.method == "POST":
        error = "Enter your resume code"
    return render(
        request, "respondent/resume.jinja", {"error": error, "value": request.POST.get("code", "")}
    )


@never_cache
def thanks(request, token):
    # Only a web response has a thank-you page, found by its random submission token.  A
    # paper form's token (paper-<id>) is guessable, and its respondent never sees the page.
    response = get_object_or_404(
        Response.objects.select_related("session__site__study", "instrument"),
        submission_token=token,
        source=Source.WEB,
    )
    study = response.session.site.study
    recent = response.completed_on >= timezone.localdate() - timedelta(days=FEEDBACK_DAYS)
    lesson = None
    # An evaluation's pre wave never gets the feedback: the pre-test must not teach the
    # post-test.  The post and follow-up waves get it in full.
    if study.show_feedback and recent and response.wave != waves.PRE:
        lesson = _lesson(response, study)
    # never_cache sends Cache-Control: no-store; the lesson is computed from the stored
    # answers each time and nothing about the reader is kept.
    return render(
        request,
        "respondent/thanks.jinja",
        {"study": study, "lesson": lesson, "wave": response.wave},
    )


def _lesson(response: Response, study):
    """The knowledge lesson for the study's nation, from the deployment's guide content and
    local contacts; if the guide's content cannot be used, the instrument's own words."""
    from readiness.web.guide import services as guide

    instrument, answers, as_of = response.instrument.instrument, response.answers, guide.as_of()
    try:
        content = guide.content()
        return respondent.knowledge_feedback(
            instrument,
            answers,
            study.nation,
            content=content,
            as_of=as_of,
            contacts=guide.contacts(content),
        )
    except ReadinessError as err:
        log.error("Knowledge feedback without the guide: its content cannot be used: %s", err)
        return respondent.knowledge_feedback(instrument, answers, study.nation, as_of=as_of)
