"""URLs of the interview pages, under ``/interviews/``.  Every one is in the role walk
(``tests/web/test_roles.py``, table in ``tests/web/interviews/roles.py``)."""

from django.urls import path

from readiness.web.interviews import views_analysis as va
from readiness.web.interviews import views_codebook as vb
from readiness.web.interviews import views_coding as vc
from readiness.web.interviews import views_memos as vm
from readiness.web.interviews import views_projects as vp
from readiness.web.interviews import views_review as vr

app_name = "interviews"

urlpatterns = [
    path("", vp.projects, name="projects"),
    path("new/", vp.project_new, name="project_new"),
    path("import/", vp.project_import, name="project_import"),
    path("<slug:slug>/", vp.project, name="project"),
    path("<slug:slug>/people/", vp.members, name="members"),
    path("<slug:slug>/people/<int:member_id>/remove/", vp.member_remove, name="member_remove"),
    path("<slug:slug>/transcripts/add/", vp.transcripts_add, name="transcripts_add"),
    path("<slug:slug>/participants/", vp.participants, name="participants"),
    path("<slug:slug>/transcripts/<str:guid>/recording/", vp.recording, name="recording"),
    path("<slug:slug>/transcripts/<str:guid>/", vc.transcript, name="transcript"),
    path("<slug:slug>/codings/<str:guid>/", vc.coding, name="coding"),
    path("<slug:slug>/codings/<str:guid>/delete/", vc.coding_delete, name="coding_delete"),
    path("<slug:slug>/memos/", vm.memos, name="memos"),
    path("<slug:slug>/memos/add/", vm.memo_add, name="memo_add"),
    path("<slug:slug>/memos/<int:memo_id>/", vm.memo, name="memo"),
    path("<slug:slug>/codebook/", vb.codebook, name="codebook"),
    path("<slug:slug>/codes.css", vc.codes_css, name="codes_css"),
    path("<slug:slug>/codebook/<str:guid>/", vb.code, name="code"),
    path("<slug:slug>/search/", va.search, name="search"),
    path("<slug:slug>/framework/", va.framework, name="framework"),
    path("<slug:slug>/report/", va.report, name="report"),
    path("<slug:slug>/agreement/", va.agreement, name="agreement"),
    path("<slug:slug>/pseudonymise/", vr.pseudonymise, name="pseudonymise"),
    path("<slug:slug>/downloads/", va.downloads, name="downloads"),
    path("<slug:slug>/audit/", va.audit, name="audit"),
]
