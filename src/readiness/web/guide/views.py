"""The response guide's pages: one question per page, then what to do, in order.

Every page is a GET and is worked out from its address alone (the choices made so far, joined
by '-'), so nothing a member of staff chooses is stored.  The pages are for signed-in staff
unless READINESS_GUIDE_PUBLIC opens them (a trust's intranet link); they are never cached and
send no referrer, so the address does not reach a source's site when a link is followed.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from readiness.errors import ReadinessError
from readiness.guide.model import NATION_NAMES, NATIONS
from readiness.guide.paths import GraphError
from readiness.web.attachment import attachment
from readiness.web.guide import services

log = logging.getLogger(__name__)


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


SAFE_METHODS = ("GET", "HEAD")


def guide_page(view):
    """GET and HEAD only, for signed-in staff unless the operator opened the guide; every
    answer, a refusal too, is never cached and sends no referrer."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            log.warning("Method not allowed on a guide page: %s", request.method)  # no path
            return _private(HttpResponseNotAllowed(SAFE_METHODS))
        if not settings.READINESS_GUIDE_PUBLIC and not request.user.is_authenticated:
            return _private(redirect_to_login(request.get_full_path()))
        return _private(view(request, *args, **kwargs))

    return wrapped


def _discreet(request) -> bool:
    return request.GET.get("discreet") == "1"


def _context(request, page=None, **extra) -> dict:
    context = {
        "discreet": _discreet(request),
        "public": settings.READINESS_GUIDE_PUBLIC,
        "no_contact": services.NO_CONTACT,
    }
    if not settings.READINESS_GUIDE_PUBLIC and not context["discreet"]:
        context["staff_page"] = True  # the staff navigation, with who is signed in
    if page is not None:
        context.update(page=page, back=page.back)
    context.update(extra)
    return context


def _not_found(request) -> HttpResponse:
    context = _context(request, restart=services.page_url((), _discreet(request)))
    return render(request, "guide/not_found.jinja", context, status=404)


def _unavailable(request, err: Exception) -> HttpResponse:
    log.error("The guide's content cannot be used: %s", err)
    return render(request, "guide/unavailable.jinja", _context(request), status=503)


def _show(request, choices: tuple[int, ...]) -> HttpResponse:
    try:
        loaded = services.content()
    except ReadinessError as err:
        return _unavailable(request, err)
    try:
        position, preset = services.walk(loaded, choices)
    except GraphError:
        return _not_found(request)
    discreet = _discreet(request)
    page = services.build_page(
        loaded, position, preset, services.as_of(), services.contacts(loaded), discreet
    )
    error = ""
    if page.kind == "question" and request.GET.get("answered") == "1":
        chosen = request.GET.get("choice", "")
        if chosen in {o.value for o in page.options}:
            return redirect(services.page_url([*choices, int(chosen)], discreet))
        error = "Select an answer"
    template = f"guide/{page.kind}.jinja"
    extra = {"error": error, "nations": services.print_nations(), "first": not choices}
    return render(request, template, _context(request, page, **extra))


@guide_page
def start(request):
    return _show(request, ())


@guide_page
def not_found(request):
    """Any other address under /guide/."""
    return _not_found(request)


@guide_page
def page(request, path: str):
    try:
        choices = services.parse_path(path)
    except ValueError:
        return _not_found(request)
    return _show(request, choices)


def _download(request, nation: str, suffix: str, make) -> HttpResponse:
    if nation not in NATIONS or services.preset_nation() not in ("", nation):
        return _not_found(request)  # a deployment for one nation offers only its pathway
    try:
        services.content()
    except ReadinessError as err:
        return _unavailable(request, err)
    online = request.build_absolute_uri(reverse("guide:start"))
    try:
        body = services.download(suffix, nation, online, make)
    except ReadinessError as err:  # the content does not fit the card, for example
        log.error("The guide's %s for %s cannot be made: %s", suffix, nation, err)
        context = _context(
            request,
            what="PDF" if suffix == ".pdf" else "offline copy",
            restart=services.page_url((), _discreet(request)),
        )
        return render(request, "guide/not_made.jinja", context, status=503)
    kind = "application/pdf" if suffix == ".pdf" else "text/html; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    name = f"safeguarding-guide-{NATION_NAMES[nation].lower().replace(' ', '-')}{suffix}"
    response["Content-Disposition"] = attachment(name)
    return response


@guide_page
def print_pdf(request, nation: str):
    """The one-page A4 pathway for ``nation``, dated today, with the trust's contacts."""

    def make(loaded, out, local, day, online):
        from readiness.guide.printing import print_pathway

        print_pathway(loaded, nation, out, day, contacts=local, online_url=online)

    return _download(request, nation, ".pdf", make)


@guide_page
def offline_html(request, nation: str):
    """The pathway for ``nation`` as one HTML file that works without a network."""

    def make(loaded, out, local, day, online):
        from readiness.guide.printing import build_offline

        build_offline(loaded, nation, out, day, contacts=local, online_url=online)

    return _download(request, nation, ".html", make)
