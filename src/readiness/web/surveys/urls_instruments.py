"""URLs of the Instruments pages (under ``instruments/``, in the surveys namespace)."""

from django.urls import path

from readiness.web.surveys import views_instruments as i

urlpatterns = [
    path("", i.instrument_list, name="instruments"),
    path("confirm/", i.instrument_confirm, name="instrument_confirm"),
    path("<int:pk>/", i.instrument_version, name="instrument_version"),
    path("<int:pk>/download/<str:kind>/", i.instrument_download, name="instrument_download"),
    path("<int:pk>/preview/", i.instrument_preview, name="instrument_preview"),
    path(
        "<int:pk>/preview/<int:number>/",
        i.instrument_preview_page,
        name="instrument_preview_page",
    ),
    path(
        "<int:pk>/preview/check/",
        i.instrument_preview_check,
        name="instrument_preview_check",
    ),
]
