"""Staff pages of instruments: the versions stored, uploading a new one (checked, then
confirmed), a version's outline, downloads and changes, and a preview of the survey as a
respondent sees it.  Everyone with a staff role may look; study leads and system
administrators may upload.  The logic is in :mod:`.instruments`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness.errors import ProblemsError, ReadinessError
from readiness.web import uploads
from readiness.web.accounts import permissions as perm
from readiness.web.attachment import attachment
from readiness.web.forms import error_list, render_form
from readiness.web.surveys import instruments, respondent, versionmove
from readiness.web.surveys.forms_instruments import InstrumentUploadForm
from readiness.web.surveys.models import InstrumentVersion
from readiness.web.surveys.views_respondent import _errors_summary, _render_fields

PENDING_KEY = "readiness_instrument_upload"  # the upload read, waiting to be confirmed
PREVIEW_KEY = "readiness_instrument_preview"  # preview answers: this staff session only
MAX_LISTED_PROBLEMS = 500


def staff_role_view(view):
    """A view for anyone with a role in a study, or a system administrator."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not instruments.may_view(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _upload_html(form) -> str:
    module = engines["jinja2"].env.get_template("staff/upload.jinja").module
    params = {
        "id": "id_file",
        "name": "file",
        "label": {"text": "Instrument file", "size": "s"},
        "hint": {
            "text": "An XLSForm (.xlsx), a REDCap data dictionary (.csv) or Readiness YAML "
            f"(.yaml), at most {uploads.megabytes(instruments.max_upload_bytes())}."
        },
        "attributes": {"accept": ",".join(instruments.SUFFIXES)},
    }
    if form.is_bound and form.errors.get("file"):
        params["errorMessage"] = {"text": " ".join(form.errors["file"])}
    return module.upload(params)


@staff_role_view
@require_http_methods(["GET", "POST"])
def instrument_list(request):
    can_upload = instruments.may_upload(request.user)
    posted = request.method == "POST"
    form = InstrumentUploadForm(request.POST if posted else None, request.FILES if posted else None)
    problems, problem_file = [], None
    if posted:
        if not can_upload:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                read = instruments.read_upload(
                    upload.chunks(), upload.name, data["instrument_id"], data["version"]
                )
            except ProblemsError as err:
                problems, problem_file = err.problems, upload.name
            else:
                request.session[PENDING_KEY] = {
                    **read.to_session(),
                    "change_note": data["change_note"],
                }
                return redirect("surveys:instrument_confirm")
    errors = error_list(form) if form.is_bound else []
    if problems:
        n = len(problems)
        errors.append(
            {
                "text": f"{problem_file}: {n} problem{'s' if n != 1 else ''}, listed below. "
                "Nothing was saved.",
                "href": "#instrument-problems",
            }
        )
    return render(
        request,
        "staff/instruments/list.jinja",
        {
            "groups": instruments.grouped_versions(),
            "can_upload": can_upload,
            "upload_html": _upload_html(form),
            "fields": render_form(form, "instrument_id", "version", "change_note"),
            "errors": errors,
            "problems": problems[:MAX_LISTED_PROBLEMS],
            "more_problems": max(0, len(problems) - MAX_LISTED_PROBLEMS),
            "problem_file": problem_file,
            "formats": instruments.FORMAT_NAMES,
        },
    )


@never_cache
@staff_role_view
@require_http_methods(["GET", "POST"])
def instrument_confirm(request):
    """The upload read, with what its conversion did not keep, before it is saved."""
    if not instruments.may_upload(request.user):
        raise PermissionDenied
    pending = request.session.get(PENDING_KEY)
    if not pending:
        messages.info(request, "Choose an instrument file to upload first.")
        return redirect("surveys:instruments")
    upload = instruments.Upload.from_session(pending)
    clash = instruments.clash(upload)
    stored = instruments.existing(upload)
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            request.session.pop(PENDING_KEY, None)
            messages.info(request, f"{upload.file_name} was not saved.")
            return redirect("surveys:instruments")
        if clash is None:
            try:
                version, created = instruments.store(
                    upload, request.user, pending.get("change_note", "")
                )
            except ReadinessError as err:  # stored meanwhile, with other text
                clash = str(err)
            else:
                request.session.pop(PENDING_KEY, None)
                messages.success(
                    request,
                    f"Saved {version} as a new version."
                    if created
                    else f"{version} is stored already with the same text: nothing to add.",
                )
                return redirect("surveys:instrument_version", pk=version.pk)
    previous = instruments.latest(upload.instrument.id)
    changes = None
    if previous is not None and stored is None:
        from readiness.instrument.compare import compare_versions

        changes = compare_versions(previous.instrument, upload.instrument)
    return render(
        request,
        "staff/instruments/confirm.jinja",
        {
            "upload": upload,
            "instrument": upload.instrument,
            "format_name": instruments.FORMAT_NAMES.get(upload.source_format, ""),
            "clash": clash,
            "errors": [{"text": clash, "href": "#instrument-clash"}] if clash else [],
            "same": stored is not None and clash is None,
            "stored": stored,
            "previous": previous,
            "changes": changes,
            "languages": instruments.languages(upload.instrument),
            "back": redirect("surveys:instruments").url,
        },
    )


@staff_role_view
def instrument_version(request, pk):
    version = get_object_or_404(InstrumentVersion.objects.select_related("added_by"), pk=pk)
    others = list(
        InstrumentVersion.objects.filter(instrument_id=version.instrument_id)
        .exclude(pk=version.pk)
        .defer("yaml")
        .order_by("pk")
    )
    since = instruments.previous_of(version)
    asked = request.GET.get("since", "")
    if asked.isdigit():
        since = next((o for o in others if o.pk == int(asked)), since)
    changes = instruments.changes_since(version, since) if since is not None else None
    instrument = version.instrument
    return render(
        request,
        "staff/instruments/version.jinja",
        {
            "version": version,
            "instrument": instrument,
            "outline": instruments.outline(instrument),
            "languages": instruments.languages(instrument),
            "format_name": instruments.FORMAT_NAMES.get(version.source_format, ""),
            "since": since,
            "others": others,
            "changes": changes,
            "studies": version.study_set.order_by("name"),
            "back": redirect("surveys:instruments").url,
        },
    )


@staff_role_view
def instrument_download(request, pk, kind):
    if kind not in instruments.DOWNLOADS:
        raise Http404("No such format.")
    version = get_object_or_404(InstrumentVersion, pk=pk)
    try:
        content, name, content_type = instruments.download(version, kind)
    except ProblemsError as err:  # what the format cannot hold at all
        messages.error(request, str(err))
        return redirect("surveys:instrument_version", pk=version.pk)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = attachment(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- preview ------------------------------------------------------------------------------------


def _preview_state(request, version) -> dict:
    """This version's preview in the staff user's session: its answers and language."""
    everything = request.session.get(PREVIEW_KEY) or {}
    state = everything.get(str(version.pk)) or {"answers": {}, "lang": ""}
    asked = request.GET.get("lang")
    instrument = version.instrument
    if asked and asked in instrument.languages:
        state["lang"] = asked
        _keep_preview(request, version, state)
    if state.get("lang") not in instrument.languages:
        state["lang"] = instrument.language
    return state


def _keep_preview(request, version, state: dict) -> None:
    everything = dict(request.session.get(PREVIEW_KEY) or {})
    everything[str(version.pk)] = state
    request.session[PREVIEW_KEY] = everything


def _language_context(instrument, tag: str) -> dict:
    return {
        "html_lang": tag,
        "languages": respondent.language_choices(instrument, tag),
        "ui_lang": "" if tag.split("-")[0].lower() == "en" else "en-GB",
    }


@never_cache
@staff_role_view
@require_http_methods(["GET", "POST"])
def instrument_preview(request, pk):
    """The preview's first page: which language, and starting again."""
    version = get_object_or_404(InstrumentVersion, pk=pk)
    state = _preview_state(request, version)
    if request.method == "POST":
        state = {"answers": {}, "lang": state["lang"]}
        _keep_preview(request, version, state)
        return redirect("surveys:instrument_preview_page", pk=version.pk, number=1)
    instrument = respondent.in_language(version.instrument, state["lang"])
    return render(
        request,
        "staff/instruments/preview_start.jinja",
        {
            "version": version,
            "instrument": instrument,
            "answered": len(state["answers"]),
            "all_languages": instruments.languages(version.instrument),
            **_language_context(version.instrument, state["lang"]),
            "back": redirect("surveys:instrument_version", pk=version.pk).url,
        },
    )


@never_cache
@staff_role_view
@require_http_methods(["GET", "POST"])
def instrument_preview_page(request, pk, number):
    """One page of the survey as a respondent sees it; its answers are kept in the staff
    user's session only, never as a response or a draft."""
    version = get_object_or_404(InstrumentVersion, pk=pk)
    state = _preview_state(request, version)
    instrument = respondent.in_language(version.instrument, state["lang"])
    language = _language_context(version.instrument, state["lang"])
    answers = state["answers"]
    sections = respondent.pages(instrument, answers)
    if number < 1 or not sections:
        return redirect("surveys:instrument_preview", pk=pk)
    if number > len(sections):
        return redirect("surveys:instrument_preview_check", pk=pk)
    section = sections[number - 1]
    errors, values = {}, None
    if request.method == "POST":
        result = respondent.read_page(instrument, section, request.POST, answers)
        if not result.errors:
            state["answers"] = result.answers
            _keep_preview(request, version, state)
            after = [s.id for s in respondent.pages(instrument, result.answers)]
            following = after.index(section.id) + 2 if section.id in after else number + 1
            if following > len(after):
                return redirect("surveys:instrument_preview_check", pk=pk)
            return redirect("surveys:instrument_preview_page", pk=pk, number=following)
        errors, values = result.errors, result.values
    fields = respondent.build_fields(
        instrument, section, answers, values, errors, interface_lang=language["ui_lang"]
    )
    items = [instrument.item(i) for i in section.items]
    return render(
        request,
        "staff/instruments/preview_page.jinja",
        {
            "version": version,
            "instrument": instrument,
            **language,
            "section": section,
            "number": number,
            "total": len(sections),
            "fields_html": _render_fields(fields),
            "error_summary": _errors_summary(items, errors, language["ui_lang"]),
            "sliders": any(respondent.is_slider(instrument.item(i)) for i in section.items),
            "back": (
                redirect("surveys:instrument_preview_page", pk=pk, number=number - 1).url
                if number > 1
                else redirect("surveys:instrument_preview", pk=pk).url
            ),
        },
    )


@never_cache
@staff_role_view
def instrument_preview_check(request, pk):
    """The answers given in the preview, as the check page shows them (nothing to submit)."""
    version = get_object_or_404(InstrumentVersion, pk=pk)
    state = _preview_state(request, version)
    instrument = respondent.in_language(version.instrument, state["lang"])
    sections = respondent.pages(instrument, state["answers"])
    return render(
        request,
        "staff/instruments/preview_check.jinja",
        {
            "version": version,
            "instrument": instrument,
            **_language_context(version.instrument, state["lang"]),
            "given": respondent.given_answers(instrument, state["answers"], sections),
            "back": redirect(
                "surveys:instrument_preview_page", pk=pk, number=max(len(sections), 1)
            ).url,
        },
    )


# -- a study's version ------------------------------------------------------------------------


@perm.study_view(perm.EDIT_STUDY)
@require_http_methods(["GET", "POST"])
def study_instrument(request, study, access):
    """Move the study to another version: choose it, see what changed, map old codes where
    their meaning changed, move (audited)."""
    choices = versionmove.versions_to_move_to(study)
    asked = request.POST.get("to") or request.GET.get("to") or ""
    target = next((v for v in choices if str(v.pk) == asked), None)
    errors: list[dict] = []
    if asked and target is None:
        errors.append({"text": "Version: choose one of the versions listed", "href": "#to"})
    changes = versionmove.changes_for(study, target) if target is not None else None
    problems = []
    posted = request.POST if request.method == "POST" else None
    if request.method == "POST" and target is not None:
        mapping = versionmove.read_mapping(changes, study.instrument, request.POST)
        problems = versionmove.problems_of(changes, study.instrument, target, mapping)
        if not problems:
            versionmove.move(study, target, mapping, request.user)
            messages.success(request, f"{study.name} now collects {target}.")
            return redirect("surveys:dashboard", slug=study.slug)
        errors += [{"text": str(p), "href": f"#map-{p.item}"} for p in problems]
    return render(
        request,
        "staff/instruments/study_version.jinja",
        {
            "study": study,
            "access": access,
            "current": study.instrument,
            "choices": choices,
            "target": target,
            "changes": changes,
            "mapping": versionmove.mapping_form(changes, study.instrument, target, posted, problems)
            if changes is not None
            else [],
            "errors": errors,
            "has_answers": versionmove.has_answers(study),
            "back": redirect("surveys:dashboard", slug=study.slug).url,
        },
    )
