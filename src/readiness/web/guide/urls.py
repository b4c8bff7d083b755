"""URLs of the response guide (under /guide/).

Every address under /guide/ is answered by the guide's own views, so every answer (a page, the
guide's "Page not found", a refused method) is sent without caching and without a referrer:
the answers a member of staff gave are in the address.
"""

from django.urls import path, re_path

from readiness.web.guide import views

app_name = "guide"

CHOICES = r"(?P<path>[0-9][0-9-]*)"

urlpatterns = [
    path("", views.start, name="start"),
    path("print/<slug:nation>.pdf", views.print_pdf, name="print"),
    path("offline/<slug:nation>.html", views.offline_html, name="offline"),
    # The choices made so far, joined by '-': /guide/0-1-2/ (checked by the view: 404 if not).
    re_path(rf"^{CHOICES}/$", views.page, name="page"),
    # The same page without its last slash: answered here, not redirected (a browser keeps a
    # permanent redirect, and the answers in its address).
    re_path(rf"^{CHOICES}$", views.page),
    # Anything else: the guide's own "Page not found", never Django's.
    re_path(r"^.*$", views.not_found),
]
