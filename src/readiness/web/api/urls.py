"""The API's URLs, made from :data:`.spec.ROUTES`, and the token pages."""

from django.urls import path

from readiness.web.api import pages, spec, views

app_name = "api"

urlpatterns = [
    path("api/v1/openapi.json", views.openapi, name="openapi"),
    *(
        path(f"api/v1/{route.django_path}", getattr(views, route.name), name=route.name)
        for route in spec.ROUTES
    ),
    path("api/tokens/", pages.tokens_page, name="tokens"),
    path("api/tokens/<int:token_id>/revoke/", pages.revoke, name="revoke"),
]
