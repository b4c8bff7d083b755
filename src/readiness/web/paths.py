"""Middleware that only staff pages need, left out of respondents' pages.

A respondent's pages (the session link, the answer pages, "continue a survey", the thank-you
page) are anonymous: they read no staff session, no signed-in account and no message, and
serve no static file (the draft a browser answers is found through a respondent session of its
own, :mod:`readiness.web.surveys.answering`, loaded by those pages alone).  Under load the middleware for those (sessions, accounts, two-factor, messages,
static files) cost a respondent's answer page about a tenth of its time
(benchmarks/RESULTS.md), so :class:`StaffMiddleware` runs them, in the order of
``settings.STAFF_MIDDLEWARE``, for every other path only.

Every middleware that protects a respondent's page stays in ``settings.MIDDLEWARE`` and runs
for every path: security headers, the content security policy, the request size limit, CSRF,
the rate limits and the frame options.  Only middleware that works by ``__call__`` (or
``process_request`` and ``process_response``) may be listed in ``STAFF_MIDDLEWARE``: a hook
called around the view (``process_view``, ``process_exception``,
``process_template_response``) would not be called from here, so one is refused at start-up.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.exception import convert_exception_to_response
from django.utils.module_loading import import_string

# Anonymous respondents' pages (readiness.web.surveys.urls).
RESPONDENT_PREFIXES = ("/s/", "/f/", "/answer/", "/r/", "/resume/", "/thanks/")
VIEW_HOOKS = ("process_view", "process_exception", "process_template_response")


def is_respondent_path(path: str) -> bool:
    return path.startswith(RESPONDENT_PREFIXES)


class StaffMiddleware:
    """Run ``settings.STAFF_MIDDLEWARE`` around the rest of the chain, except on respondents'
    pages.  List it last in ``settings.MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response
        handler = get_response
        for path in reversed(settings.STAFF_MIDDLEWARE):
            middleware = import_string(path)(handler)
            hooks = [name for name in VIEW_HOOKS if hasattr(middleware, name)]
            if hooks:
                raise ImproperlyConfigured(
                    f"STAFF_MIDDLEWARE lists {path}, which has {', '.join(hooks)}. Fix: list "
                    "it in MIDDLEWARE instead (only __call__ middleware can run from here)."
                )
            handler = convert_exception_to_response(middleware)
        self.staff = handler

    def __call__(self, request):
        if is_respondent_path(request.path_info):
            return self.get_response(request)
        return self.staff(request)
