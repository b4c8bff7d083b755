"""URLs of paper entry, exports and imports, below ``studies/<slug>/`` (included by
:mod:`readiness.web.surveys.urls`, in its ``surveys`` namespace)."""

from django.urls import path

from readiness.web.surveys import views_exports as e
from readiness.web.surveys import views_paper as p

urlpatterns = [
    path("paper/", p.paper_list, name="paper"),
    path("paper/new/", p.paper_new, name="paper_new"),
    path("paper/form.pdf", p.paper_print, name="paper_print"),
    path("sessions/<int:session_id>/poster.pdf", p.session_poster, name="session_poster"),
    path("paper/<int:form_id>/", p.paper_form, name="paper_form"),
    path("paper/<int:form_id>/second/", p.paper_second, name="paper_second"),
    path("export/", e.export_page, name="export"),
    path("export/<str:fmt>/", e.export_download, name="export_download"),
    path("import/", e.import_page, name="import"),
]
