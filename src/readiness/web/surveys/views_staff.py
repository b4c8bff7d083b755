"""Staff pages: studies, members, sites, sessions (link and QR code), responses, dashboard.

Every view is decorated with the permission it needs (:func:`study_view`); objects below the
study (sites, sessions) are checked against a coordinator's own sites.
"""

from __future__ import annotations

import io
from datetime import date

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from readiness.instrument import shipped_instrument
from readiness.web import audit
from readiness.web.accounts import invitations, mail
from readiness.web.accounts import members as account_members
from readiness.web.accounts import permissions as perm
from readiness.web.accounts.models import Membership
from readiness.web.attachment import attachment
from readiness.web.forms import error_list, render_form
from readiness.web.permissions import roles_held
from readiness.web.surveys import dashboard, responselist, services, stamp, studyreport
from readiness.web.surveys.forms import SessionForm, SiteForm, StudyForm
from readiness.web.surveys.member_forms import InviteForm, RoleForm
from readiness.web.surveys.models import Response, Session, Site, Source, Study, Wave


def _changes(what: str, form) -> dict:
    """For the audit log: which fields of a saved form changed, and to what."""
    return {
        "change": f"{what} changed",
        "fields": {name: form.cleaned_data.get(name) for name in form.changed_data},
    }


def _page(request, template, access=None, **context):
    context.setdefault("access", access)
    return render(request, template, context)


# -- studies -----------------------------------------------------------------------------------


@perm.staff_view
def studies(request):
    user = request.user
    rows = roles_held(user, Study.objects.all(), Membership.objects, "study")
    return render(
        request,
        "staff/studies.jinja",
        {"rows": rows, "can_create": perm.can_create_studies(user)},
    )


@perm.staff_view
@require_http_methods(["GET", "POST"])
def study_new(request):
    if not perm.can_create_studies(request.user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    services.install_instrument()
    services.install_instrument(shipped_instrument("readiness-survey-ni"))
    form = StudyForm(request.POST or None, initial={"is_open": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        study = services.create_study(
            name=data["name"],
            lead=request.user,
            instrument=data["instrument"],
            information=data["information"],
            show_feedback=data["show_feedback"],
            nation=data["nation"],
            evaluation=data["evaluation"],
            follow_up_days=data["follow_up_days"],
        )
        if not data["is_open"]:
            study.is_open = False
            study.save(update_fields=["is_open"])
        if data["double_entry"]:
            study.double_entry = True
            study.save(update_fields=["double_entry"])
        audit.record(request.user, audit.EDIT, study=study, detail={"change": "study created"})
        messages.success(request, f"Study {study.name} created. Add its sites next.")
        return redirect("surveys:sites", slug=study.slug)
    return render(
        request,
        "staff/form.jinja",
        {
            "title": "Create a study",
            "fields": render_form(form),
            "errors": error_list(form),
            "button_text": "Create study",
            "back": redirect("surveys:studies").url,
        },
    )


@perm.study_view(perm.VIEW)
def study_dashboard(request, study, access):
    site_ids = None if access.site_ids is None else set(access.site_ids)
    with stamp.once():  # the counts and the results share one read of the results stamp
        counts = services.counts(study, site_ids)
        results = (
            dashboard.display(dashboard.results(study, access))
            if access.has(perm.VIEW_RESULTS)
            else None
        )
    context = {
        "study": study,
        "access": access,
        "counts": counts,
        "above_attendance": dashboard.above_attendance(counts),
        "results": results,
        "report_available": _report_available() and access.has(perm.EXPORT),
    }
    return render(request, "staff/dashboard.jinja", context)


@perm.study_view(perm.VIEW_RESULTS)
@never_cache
def results_status(request, study, access):
    """Whether the dashboard's results are up to date: asked by the dashboard's script while
    it says the results are being computed or brought up to date."""
    return JsonResponse({"current": dashboard.results_current(study, access)})


@perm.study_view(perm.EDIT_STUDY)
@require_http_methods(["GET", "POST"])
def study_settings(request, study, access):
    form = StudyForm(request.POST or None, instance=study)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(request.user, audit.EDIT, study=study, detail=_changes("settings", form))
        messages.success(request, "Study settings saved.")
        return redirect("surveys:dashboard", slug=study.slug)
    return _page(
        request,
        "staff/form.jinja",
        access,
        study=study,
        title="Study settings",
        fields=render_form(form),
        errors=error_list(form),
        button_text="Save settings",
        back=redirect("surveys:dashboard", slug=study.slug).url,
    )


# -- members -----------------------------------------------------------------------------------


@perm.study_view(perm.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def members(request, study, access):
    """Invite by e-mail address (the form's fields are prefixed ``invite-``), or give an
    existing account a role by username (:mod:`readiness.web.accounts.members`)."""
    inviting = request.method == "POST" and "invite-email" in request.POST
    posted = request.POST if request.method == "POST" else None
    invite_form = InviteForm(posted if inviting else None, study=study)
    form = RoleForm(None if inviting else posted, study=study, actor=request.user)
    done = None
    if inviting and invite_form.is_valid():
        done = _invite(request, study, invite_form)
    elif posted is not None and not inviting and form.is_valid():
        data = form.cleaned_data
        try:
            membership = account_members.give_role(
                request.user, study, data["username"], data["role"], data["sites"]
            )
        except account_members.LastLead as refused:
            form.add_error("role", str(refused))
        else:
            done = (
                messages.SUCCESS,
                f"{membership.user.username} is now {membership.get_role_display()}.",
            )
    if done is not None:
        messages.add_message(request, *done)
        return redirect("surveys:members", slug=study.slug)
    rows = study.memberships.select_related("user").prefetch_related("sites")
    return _page(
        request,
        "staff/members.jinja",
        access,
        study=study,
        rows=rows,
        invite_fields=render_form(invite_form),
        link_days=mail.link_days(),
        fields=render_form(form),
        errors=error_list(invite_form) + error_list(form),
    )


def _invite(request, study, form) -> tuple[int, str] | None:
    """Invite the person the form names; (level, message) for the lead, or None (a form
    error)."""
    data = form.cleaned_data
    try:
        done = invitations.invite(request, study, data["email"], data["role"], data["sites"])
    except invitations.InvitationRefused as refused:
        form.add_error("email", str(refused))
        return None
    except account_members.LastLead as refused:
        form.add_error("role", str(refused))
        return None
    user, role = done.membership.user, done.membership.get_role_display()
    made = "a new account, " if done.created else ""
    if not done.sent:
        return messages.WARNING, (
            f"{user.username} ({made}{user.email}) is now {role}, but the e-mail could not be "
            "sent. Ask a system administrator to check the e-mail settings "
            "(READINESS_EMAIL_HOST), then invite them again."
        )
    told = "a link to choose a password" if not user.has_usable_password() else "how to sign in"
    return (
        messages.SUCCESS,
        f"{user.username} ({made}{user.email}) is now {role}. We have e-mailed them {told}.",
    )


@perm.study_view(perm.MANAGE_MEMBERS)
@require_POST
def member_remove(request, study, access, member_id):
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=member_id, study=study
    )
    try:
        account_members.remove(request.user, study, membership)
    except account_members.LastLead as refused:
        messages.warning(request, str(refused))
        return redirect("surveys:members", slug=study.slug)
    messages.success(request, f"{membership.user.username} removed from the study.")
    if membership.user_id == request.user.id and not request.user.is_superuser:
        return redirect("surveys:studies")  # they no longer have a role in it
    return redirect("surveys:members", slug=study.slug)


# -- sites and sessions ------------------------------------------------------------------------


@perm.study_view(perm.VIEW_COUNTS)
@require_http_methods(["GET", "POST"])
def sites(request, study, access):
    form = SiteForm(request.POST or None, study=study) if access.has(perm.MANAGE_SITES) else None
    if request.method == "POST":
        access.require(perm.MANAGE_SITES)
        if form.is_valid():
            site = services.add_site(study, form.cleaned_data["code"], form.cleaned_data["name"])
            audit.record(
                request.user,
                audit.EDIT,
                study=study,
                detail={"change": "site added", "site": site.code},
            )
            messages.success(request, f"Site {site.code} added. Add its sessions next.")
            return redirect("surveys:site", slug=study.slug, site_id=site.pk)
    site_ids = None if access.site_ids is None else set(access.site_ids)
    return _page(
        request,
        "staff/sites.jinja",
        access,
        study=study,
        counts=services.counts(study, site_ids),
        fields=render_form(form) if form else None,
        errors=error_list(form) if form else [],
    )


def _site(study, access, site_id) -> Site:
    site = get_object_or_404(Site, pk=site_id, study=study)
    access.require(perm.VIEW_COUNTS, site.pk)
    return site


@perm.study_view(perm.VIEW_COUNTS)
@require_http_methods(["GET", "POST"])
def site_detail(request, study, access, site_id):
    site = _site(study, access, site_id)
    can_manage = access.has(perm.MANAGE_SESSIONS) and access.covers_site(site.pk)
    form = SessionForm(request.POST or None, initial={"date": date.today(), "is_open": True})
    if request.method == "POST":
        access.require(perm.MANAGE_SESSIONS, site.pk)
        if form.is_valid():
            data = form.cleaned_data
            session = services.add_session(site, data["date"], data["attended"])
            if not data["is_open"]:
                session.is_open = False
                session.save(update_fields=["is_open"])
            audit.record(
                request.user,
                audit.EDIT,
                study=study,
                detail={
                    "change": "session added",
                    "session": session.code,
                    "attended": session.attended,
                },
            )
            messages.success(
                request, f"Session {session.code} added. Its link and QR code are below."
            )
            return redirect("surveys:session", slug=study.slug, session_id=session.pk)
    sessions = site.sessions.all()
    counts = {s.pk: s.responses.filter(wave__in=services.BASELINE_WAVES).count() for s in sessions}
    return _page(
        request,
        "staff/site.jinja",
        access,
        study=study,
        site=site,
        sessions=[(s, counts[s.pk]) for s in sessions],
        fields=render_form(form) if can_manage else None,
        errors=error_list(form) if can_manage else [],
    )


def _session(study, access, session_id, permission) -> Session:
    session = get_object_or_404(
        Session.objects.select_related("site"), pk=session_id, site__study=study
    )
    access.require(permission, session.site_id)
    return session


@perm.study_view(perm.MANAGE_SESSIONS)
@require_http_methods(["GET", "POST"])
def session_detail(request, study, access, session_id):
    session = _session(study, access, session_id, perm.MANAGE_SESSIONS)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        form.save()
        detail = {**_changes("session", form), "session": session.code}
        audit.record(request.user, audit.EDIT, study=study, detail=detail)
        messages.success(request, "Session saved.")
        return redirect("surveys:session", slug=study.slug, session_id=session.pk)
    link = request.build_absolute_uri(session.link_path())
    opens = session.follow_up_opens()
    waves = None
    if study.evaluation:
        by_wave = dict(
            session.responses.values_list("wave").annotate(n=Count("id")).order_by("wave")
        )
        waves = {w: by_wave.get(w, 0) for w in ("pre", "post", "follow_up")}
    return _page(
        request,
        "staff/session.jinja",
        access,
        study=study,
        session=session,
        link=link,
        responded=session.responses.filter(wave__in=services.BASELINE_WAVES).count(),
        waves=waves,
        follow_up_link=request.build_absolute_uri(session.follow_up_path()) if opens else None,
        follow_up_opens=opens,
        fields=render_form(form),
        errors=error_list(form),
    )


def _qr(link: str, title: str, name: str, download: bool) -> HttpResponse:
    qr = segno.make(link, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=8, border=4, title=title, xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    if download:
        response["Content-Disposition"] = attachment(name)
    return response


@perm.study_view(perm.MANAGE_SESSIONS)
def session_qr(request, study, access, session_id):
    session = _session(study, access, session_id, perm.MANAGE_SESSIONS)
    return _qr(
        request.build_absolute_uri(session.link_path()),
        f"QR code for the survey link of session {session.code}",
        f"{session.code}-qr.svg",
        bool(request.GET.get("download")),
    )


@perm.study_view(perm.MANAGE_SESSIONS)
def session_follow_up_qr(request, study, access, session_id):
    """The QR code of a session's follow-up link (an evaluation study with a follow-up)."""
    session = _session(study, access, session_id, perm.MANAGE_SESSIONS)
    if session.follow_up_opens() is None:
        raise Http404("This study has no follow-up.")
    return _qr(
        request.build_absolute_uri(session.follow_up_path()),
        f"QR code for the follow-up link of session {session.code}",
        f"{session.code}-follow-up-qr.svg",
        bool(request.GET.get("download")),
    )


# -- responses and report ----------------------------------------------------------------------


@perm.study_view(perm.VIEW_RESPONSES)
def responses(request, study, access):
    """The study's responses, newest first, 50 a page, filtered (:mod:`.responselist`)."""
    filters = responselist.read_filters(study, request.GET)
    everything = responselist.responses_of(study)
    chosen = everything.none() if filters.errors else filters.apply(everything)
    paginator = Paginator(
        chosen.select_related("session__site").order_by("-id"), responselist.PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return _page(
        request,
        "staff/responses.jinja",
        access,
        study=study,
        page=page,
        pages=responselist.page_links(page, filters.query()),
        matching=paginator.count,
        total=everything.count() if filters.active else paginator.count,
        filters=filters,
        site_options=[(s.pk, f"{s.code} {s.name}") for s in study.sites.order_by("code")],
        session_options=[
            (s.pk, f"{s.code}, {s.date.isoformat()}")
            for s in Session.objects.filter(site__study=study).order_by("code", "date")
        ],
        sources=Source.choices,
        waves=[w for w in Wave.choices if w[0]],
        errors=filters.errors,
    )


@perm.study_view(perm.VIEW_RESPONSES)
def response_detail(request, study, access, response_id):
    response = get_object_or_404(
        Response.objects.select_related("session__site", "instrument"),
        pk=response_id,
        session__site__study=study,
    )
    instrument = response.instrument.instrument
    rows = []
    for item in instrument.items:
        if item.id in response.answers:
            value = response.answers[item.id]
            if item.type == "multiple_choice":
                shown = "; ".join(item.label_for(c) or c for c in str(value).split())
            elif item.type in ("yes_no", "true_false"):
                from readiness.instrument.answers import choices_of

                shown = next(
                    (c.label for c in choices_of(item) if str(c.code) == str(value)), value
                )
            elif item.choices:
                shown = item.label_for(value) or value
            else:
                shown = value
            rows.append((item, value, shown))
    return _page(request, "staff/response.jinja", access, study=study, response=response, rows=rows)


def _report_available() -> bool:
    try:
        from readiness.report import render_html  # noqa: F401
    except ImportError:
        return False
    return True


@perm.study_view(perm.EXPORT)
def report(request, study, access):
    """The full report (from :mod:`readiness.report`) as an HTML download."""
    if not _report_available():
        raise Http404("The report module is not installed.")
    html = studyreport.report_html(study)
    if html is None:
        raise Http404("No responses yet.")
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = attachment(f"{study.slug}-report.html")
    return response


@never_cache
@perm.study_view(perm.EXPORT)
@require_http_methods(["GET", "POST"])
def report_pdf(request, study, access):
    """The full report as a PDF, made by the background worker (the analysis and WeasyPrint
    take seconds to minutes), whose job page shows its stage and then offers the file
    (:func:`readiness.web.jobs.work.study_report_pdf`).  A GET goes to the dashboard."""
    if request.method == "GET" or not _report_available():
        return redirect("surveys:dashboard", slug=study.slug)
    from readiness.web.jobs.models import Job
    from readiness.web.jobs.tasks import start

    job = start(Job.Kind.STUDY_REPORT_PDF, user=request.user, study=study)
    return redirect("jobs:job", job_id=job.pk)
