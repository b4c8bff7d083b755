"""URLs of the interview pages, under ``/interviews/``.  Every one is in the role walk
(``tests/web/test_roles.py``, table in ``tests/web/interviews/roles.py``)."""

from django.urls import path

from readiness.web.interviews import views as v
from readiness.web.interviews import views_coding as vc
from readiness.web.interviews import views_projects as vp

app_name = "interviews"

urlpatterns = [
    path("", v.projects, name="projects"),
    path("new/", v.project_new, name="project_new"),
    path("import/", v.project_import, name="project_import"),
    path("<slug:slug>/", v.project, name="project"),
    path("<slug:slug>/people/", v.members, name="members"),
    path("<slug:slug>/people/<int:member_id>/remove/", v.member_remove, name="member_remove"),
    path("<slug:slug>/transcripts/add/", vp.transcripts_add, name="transcripts_add"),
    path("<slug:slug>/participants/", vp.participants, name="participants"),
    path("<slug:slug>/transcripts/<str:guid>/recording/", vp.recording, name="recording"),
    path("<slug:slug>/transcripts/<str:guid>/", v.transcript, name="transcript"),
    path("<slug:slug>/codings/<str:guid>/", v.coding, name="coding"),
    path("<slug:slug>/codings/<str:guid>/delete/", v.coding_delete, name="coding_delete"),
    path("<slug:slug>/memos/", v.memos, name="memos"),
    path("<slug:slug>/memos/add/", v.memo_add, name="memo_add"),
    path("<slug:slug>/memos/<int:memo_id>/", v.memo, name="memo"),
    path("<slug:slug>/codebook/", v.codebook, name="codebook"),
    path("<slug:slug>/codes.css", vc.codes_css, name="codes_css"),
    path("<slug:slug>/codebook/<str:guid>/", v.code, name="code"),
    path("<slug:slug>/search/", v.search, name="search"),
    path("<slug:slug>/framework/", v.framework, name="framework"),
    path("<slug:slug>/report/", v.report, name="report"),
    path("<slug:slug>/agreement/", v.agreement, name="agreement"),
    path("<slug:slug>/pseudonymise/", v.pseudonymise, name="pseudonymise"),
    path("<slug:slug>/downloads/", v.downloads, name="downloads"),
    path("<slug:slug>/audit/", v.audit, name="audit"),
]
