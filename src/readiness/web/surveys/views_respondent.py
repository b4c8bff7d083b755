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
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness.errors import ReadinessError
from readiness.instrument.interface_words import say, words_for
from readiness.web.security import ratelimit
from readiness.web.surveys import answering, draftlookup, expiry, respondent, services, waves
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
NO_MATCH = (
    "No answers in progress match this code. Check it against the code you were given (for "
    "example ACDE-FGHJ-KMNP). A code stops working once its answers are submitted, or after "
    "{days} days: then start the survey again from the link or QR code of your session"
)
CONSENT_ERROR = "Confirm that you have read the information and agree to take part"


def _in_language(request, instrument) -> tuple:
    """(the instrument in the respondent's language, the context of the language switch)."""
    tag = respondent.choose_language(
        instrument, request.GET.get("lang"), request.COOKIES.get(LANGUAGE_COOKIE)
    )
    english = tag.split("-")[0].lower() == "en"
    words = "" if english or words_for(tag) is None else tag
    context = {
        "html_lang": tag,
        "languages": respondent.language_choices(instrument, tag),
        # The service's own words in the page's language when Readiness has them (Welsh), else
        # English, marked as such on a page in another language.
        "words": words,
        "ui_lang": "" if english or words else "en-GB",
        "review_notice": respondent.review_notice(instrument, tag),
    }
    return respondent.in_language(instrument, tag), context


def _ours(language: dict) -> str:
    """How a page's own words are given: translated (``cy``), marked English, or as they are."""
    return language["words"] or language["ui_lang"]


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
            context["error"] = say(CONSENT_ERROR, context.get("words", ""))
            return render(request, "respondent/start.jinja", context)
        draft, code = services.start_draft(session)
        return _answer(request, redirect("surveys:page", number=1), draft, code)
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
                    draft, code = services.start_draft(session, wave=waves.POST, link=link)
                except services.DraftExists:  # another request of this device made it
                    draft = Draft.objects.get(session=session, link=link, wave=waves.POST)
                    code = services.new_code_for(draft)
            return _answer(request, redirect("surveys:resume_entry"), draft, code)
        if request.POST.get("consent") != "yes":
            context["error"] = say(CONSENT_ERROR, context.get("words", ""))
            return render(request, "respondent/start.jinja", context)
        link = new_link_id()
        draft, code = services.start_draft(session, wave=waves.PRE, link=link)
        if waves.asks_code(waves.PRE, session.site.study):
            response = redirect("surveys:code")
        else:
            response = redirect("surveys:page", number=1)
        waves.remember_link(response, session, link)
        return _answer(request, response, draft, code)
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
            context["error"] = say(CONSENT_ERROR, context.get("words", ""))
            return render(request, "respondent/start.jinja", context)
        draft, code = services.start_draft(session, wave=waves.FOLLOW_UP)
        return _answer(request, redirect("surveys:code"), draft, code)
    return _keep_language(request, render(request, "respondent/start.jinja", context), context)


def _render_code_fields(fields) -> list:
    module = engines["jinja2"].env.get_template("respondent/fields.jinja").module
    return [module.field(macro, params) for macro, params, _fid in fields]


# -- the draft this browser answers (.answering) ------------------------------------------------


def _answer(request, response, draft: Draft, code: str):
    """Send the browser on to answer ``draft`` (just started or resumed) through its respondent
    session: the code goes into no address."""
    answering.begin(request, response, draft.code_digest, code)
    return response


def _answering(request) -> Draft | None:
    """The draft this browser answers (with its session, site, study and instrument), or None."""
    digest = answering.draft_digest(request)
    return draftlookup.draft_by_digest(digest) if digest else None


def _no_draft(request):
    """No answers in progress in this browser: none started here, submitted, or expired."""
    context = {"posted": request.method == "POST", "days": expiry.draft_days()}
    return render(request, "respondent/no_draft.jinja", context, status=404)


def _draft_for(request) -> tuple[Draft | None, object]:
    """(the draft this browser answers, None), or (None, the page saying why there is none).

    A page posted for a draft this browser no longer answers (another code was started or
    resumed since, in another tab) is refused and nothing is saved: its form names the draft
    it was shown for (:func:`answering.form_marker`)."""
    draft = _answering(request)
    if draft is None:
        return None, _no_draft(request)
    if request.method == "POST" and not answering.posted_for_current(request, draft.code_digest):
        return None, render(request, "respondent/other_draft.jinja", {}, status=409)
    return draft, None


@never_cache
@require_http_methods(["GET", "POST"])
def code_page(request):
    """The self-generated code's questions (pre and follow-up waves): only their keyed
    digests are kept, on the draft and then the response."""
    draft, refused = _draft_for(request)
    if draft is None:
        return refused
    session = draft.session
    study = session.site.study
    if _closed(session):
        return render(request, "respondent/closed.jinja", {"session": session, "study": study})
    if not waves.asks_code(draft.wave, draft.session.site.study):
        return redirect("surveys:resume_entry")
    values, errors = {}, {}
    if request.method == "POST":
        if request.POST.get("action") == "skip":
            services.save_code(draft, {})
            return redirect("surveys:page", number=1)
        result = waves.read_code(study, request.POST)
        if result.digests is not None:
            # An answer left empty keeps the one given before (as the page says); an answer
            # given again replaces it.
            before = draft.sgic if waves.CODE_SEEN in draft.seen else {}
            kept = {**before, **result.digests}
            services.save_code(draft, kept)
            return redirect("surveys:page", number=1)
        values, errors = result.values, result.errors
    fields = waves.code_fields(values, errors)
    return render(
        request,
        "respondent/code.jinja",
        {
            "study": study,
            "session": session,
            "draft_marker": answering.form_marker(draft.code_digest),
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
def between(request):
    """After the pre wave: keep the page open until the end of the session."""
    draft = _answering(request)
    if draft is None:
        return _no_draft(request)
    if draft.wave != waves.POST:
        return redirect("surveys:resume_entry")
    return render(
        request,
        "respondent/between.jinja",
        {
            "study": draft.session.site.study,
            "session": draft.session,
            "code": answering.shown_code(request),
        },
    )


@never_cache
def resume_entry(request):
    """Where the browser's draft carries on: the code questions, its first page not done, or
    the check page."""
    draft = _answering(request)
    if draft is None:
        return _no_draft(request)
    instrument = draft.instrument.instrument
    if waves.asks_code(draft.wave, draft.session.site.study) and waves.CODE_SEEN not in draft.seen:
        return redirect("surveys:code")
    first = services.first_incomplete_page(
        instrument, draft.answers, draft.seen, services.draft_sections(draft)
    )
    if first is None:
        return redirect("surveys:check")
    return redirect("surveys:page", number=first)


def _page_back(draft: Draft, number: int) -> str | None:
    if number > 1:
        return reverse("surveys:page", kwargs={"number": number - 1})
    if waves.asks_code(draft.wave, draft.session.site.study):
        return reverse("surveys:code")
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def page(request, number):
    draft, refused = _draft_for(request)
    if draft is None:
        return refused
    session = draft.session
    if _closed(session):
        return render(
            request, "respondent/closed.jinja", {"session": session, "study": session.site.study}
        )
    instrument, language = _in_language(request, draft.instrument.instrument)
    only = services.draft_sections(draft)
    sections = respondent.pages(instrument, draft.answers, only)
    if number < 1:
        return redirect("surveys:page", number=1)
    if number > len(sections):
        return redirect("surveys:check")
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
                return redirect("surveys:saved")
            after = respondent.pages(instrument, result.answers, only)
            ids = [s.id for s in after]
            following = ids.index(section.id) + 2 if section.id in ids else number + 1
            if following > len(after):
                return redirect("surveys:check")
            return redirect("surveys:page", number=following)
        errors, values = result.errors, result.values
    fields = respondent.build_fields(
        instrument, section, answers, values, errors, interface_lang=_ours(language)
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
        "error_summary": _errors_summary(items, errors, _ours(language)),
        "draft_marker": answering.form_marker(draft.code_digest),
        "code": answering.shown_code(request) if number == 1 else None,
        "wave_name": waves.WAVE_NAMES.get(draft.wave, ""),
        "back": _page_back(draft, number),
    }
    return _keep_language(request, render(request, "respondent/page.jinja", context), context)


def _submitted(request, token: str):
    """The thank-you page of a submitted response.  Once the browser's draft is gone, its
    respondent session ends and the counters kept under its code are deleted (they would tell
    when it was submitted); never while it has one, as the token posted may be any submitted
    response's, not this draft's."""
    response = redirect("surveys:thanks", token=token)
    digest = answering.draft_digest(request)
    if digest and not Draft.objects.filter(code_digest=digest).exists():
        ratelimit.forget_code(digest)
        answering.end(request, response)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def check(request):
    token = request.POST.get("submission_token", "") if request.method == "POST" else ""
    if request.method == "POST" and token:
        already = Response.objects.filter(submission_token=token).first()
        if already is not None:
            if already.wave == waves.PRE:
                return redirect("surveys:between")
            return _submitted(request, token)
    draft, refused = _draft_for(request)
    if draft is None:
        return refused
    instrument, language = _in_language(request, draft.instrument.instrument)
    only = services.draft_sections(draft)
    if waves.asks_code(draft.wave, draft.session.site.study) and waves.CODE_SEEN not in draft.seen:
        return redirect("surveys:code")
    incomplete = services.first_incomplete_page(instrument, draft.answers, draft.seen, only)
    if incomplete is not None:
        return redirect("surveys:page", number=incomplete)
    if request.method == "POST":
        try:
            response, _created = services.submit_draft(draft.code_digest, token)
        except services.SubmissionError as err:
            return render(request, "respondent/problem.jinja", {"message": str(err)}, status=409)
        if response.wave == waves.PRE:
            return redirect("surveys:between")
        return _submitted(request, response.submission_token)
    answered, shown = respondent.count_answered(instrument, draft.answers, only)
    sections = respondent.pages(instrument, draft.answers, only)
    page = render(
        request,
        "respondent/check.jinja",
        {
            **language,
            "study": draft.session.site.study,
            "wave_name": waves.WAVE_NAMES.get(draft.wave, ""),
            "draft_marker": answering.form_marker(draft.code_digest),
            "token": draft.submission_token,
            "answered": answered,
            "shown": shown,
            "sections": sections,
            "given": respondent.given_answers(instrument, draft.answers, sections),
            "back": reverse("surveys:page", kwargs={"number": len(sections)}),
        },
    )
    return _keep_language(request, page, language)


@never_cache
def saved(request):
    draft = _answering(request)
    if draft is None:
        return _no_draft(request)
    _instrument, language = _in_language(request, draft.instrument.instrument)
    page = render(
        request,
        "respondent/saved.jinja",
        {
            **language,
            "study": draft.session.site.study,
            "code": answering.shown_code(request),
            "days": expiry.draft_days(),
        },
    )
    return _keep_language(request, page, language)


@never_cache
@require_http_methods(["GET", "POST"])
def resume(request):
    """The "continue a survey" page: the code typed here (never in an address) makes this
    browser answer its draft."""
    form = ResumeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        draft = services.find_draft(code)
        if draft is not None:
            return _answer(request, redirect("surveys:resume_entry"), draft, code)
        # The same words for a mistyped, submitted or expired code: nothing more is told.
        error = NO_MATCH
    elif request.method == "POST":
        error = "Enter your resume code"
    # No study is known yet: the page is in the language kept for this browser when Readiness
    # has its words in it (the switch is on the survey's pages).
    kept = request.COOKIES.get(LANGUAGE_COOKIE) or ""
    language = {"html_lang": kept, "words": kept} if words_for(kept) is not None else {}
    if error:
        error = say(error, kept if language else "", days=expiry.draft_days())
    return render(
        request,
        "respondent/resume.jinja",
        {**language, "error": error, "value": request.POST.get("code", "")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def old_address(request, old):
    """An address of before (``/r/<code>/...``, from a browser's history or a tab left open):
    sent to "continue a survey" without reading the code in it, so that an address seen in a
    history resumes nothing."""
    return redirect("surveys:resume")


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
    _instrument, language = _in_language(request, response.instrument.instrument)
    page = render(
        request,
        "respondent/thanks.jinja",
        {**language, "study": study, "lesson": lesson, "wave": response.wave},
    )
    return _keep_language(request, page, language)


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
