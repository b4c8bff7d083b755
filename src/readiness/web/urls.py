"""The project's URLs."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView


def home(request):
    if request.user.is_authenticated:
        return redirect("surveys:studies")
    return render(request, "home.jinja")


def admin_login(request):
    """Staff sign in through our form, which asks for the second factor (the admin's would
    not).  Someone signed in already is not staff (the admin sent them here): our form would
    send them straight back to the admin, and round again, so they are told instead."""
    if request.user.is_authenticated:
        raise PermissionDenied(
            "This account cannot use the administration pages: they are for the system "
            "administrator. Study leads manage their studies from the Studies pages."
        )
    return RedirectView.as_view(pattern_name="accounts:login", query_string=True)(request)


urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("readiness.web.accounts.urls")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    # The NHS.UK frontend's compiled CSS names its icons at /assets/images/ (the path of a site
    # built with its own tooling); they are served among our static files.
    re_path(
        r"^assets/images/(?P<name>nhsuk-icon-[a-z0-9-]+\.svg)$",
        lambda request, name: redirect(static(f"nhsuk/assets/images/{name}")),
    ),
    path("interviews/", include("readiness.web.interviews.urls")),
    path("guide/", include("readiness.web.guide.urls")),
    path("", include("readiness.web.security.urls")),
    path("", include("readiness.web.audit.urls")),
    path("", include("readiness.web.jobs.urls")),
    path("", include("readiness.web.api.urls")),
    path("", include("readiness.web.surveys.urls")),
]
