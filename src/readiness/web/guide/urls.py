"""URLs of the response guide (under /guide/)."""

from django.urls import path, re_path

from readiness.web.guide import views

app_name = "guide"

urlpatterns = [
    path("", views.start, name="start"),
    path("print/<slug:nation>.pdf", views.print_pdf, name="print"),
    path("offline/<slug:nation>.html", views.offline_html, name="offline"),
    # The choices made so far, joined by '-': /guide/0-1-2/ (checked by the view: 404 if not).
    re_path(r"^(?P<path>[0-9][0-9-]*)/$", views.page, name="page"),
]
