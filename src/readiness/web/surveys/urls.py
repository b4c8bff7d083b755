"""URLs of the surveys app.  Respondent pages at the top level, staff pages under studies/."""

from django.urls import include, path, register_converter

from readiness.web.surveys import views_corrections as c
from readiness.web.surveys import views_evaluation as ev
from readiness.web.surveys import views_instruments as vi
from readiness.web.surveys import views_items as vq
from readiness.web.surveys import views_respondent as r
from readiness.web.surveys import views_staff as s


class CodeConverter:
    regex = "[A-Za-z0-9-]{4,40}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CodeConverter, "code")

app_name = "surveys"

urlpatterns = [
    # Respondents (anonymous)
    path("s/<code:token>/", r.start, name="start"),
    path("f/<code:token>/", r.follow_up, name="follow_up"),
    # The draft a browser answers is found through its respondent session (.answering): no
    # resume code in any address.
    path("answer/", r.resume_entry, name="resume_entry"),
    path("answer/code/", r.code_page, name="code"),
    path("answer/between/", r.between, name="between"),
    path("answer/<int:number>/", r.page, name="page"),
    path("answer/check/", r.check, name="check"),
    path("answer/saved/", r.saved, name="saved"),
    path("resume/", r.resume, name="resume"),
    # The addresses of before, which held the code: sent to "continue a survey", code unread.
    path("r/<path:old>", r.old_address, name="old_address"),
    path("thanks/<str:token>/", r.thanks, name="thanks"),
    # Staff
    path("studies/", s.studies, name="studies"),
    path("studies/new/", s.study_new, name="study_new"),
    path("studies/<slug:slug>/", s.study_dashboard, name="dashboard"),
    path("studies/<slug:slug>/results/status/", s.results_status, name="results_status"),
    path("studies/<slug:slug>/questions/", vq.study_items, name="items"),
    path("studies/<slug:slug>/settings/", s.study_settings, name="settings"),
    path("studies/<slug:slug>/members/", s.members, name="members"),
    path(
        "studies/<slug:slug>/members/<int:member_id>/remove/",
        s.member_remove,
        name="member_remove",
    ),
    path("studies/<slug:slug>/sites/", s.sites, name="sites"),
    path("studies/<slug:slug>/sites/<int:site_id>/", s.site_detail, name="site"),
    path("studies/<slug:slug>/sessions/<int:session_id>/", s.session_detail, name="session"),
    path("studies/<slug:slug>/sessions/<int:session_id>/qr.svg", s.session_qr, name="session_qr"),
    path("studies/<slug:slug>/responses/", s.responses, name="responses"),
    path(
        "studies/<slug:slug>/responses/<int:response_id>/",
        s.response_detail,
        name="response",
    ),
    path(
        "studies/<slug:slug>/responses/<int:response_id>/correct/",
        c.response_correct,
        name="response_correct",
    ),
    path(
        "studies/<slug:slug>/responses/<int:response_id>/delete/",
        c.response_delete,
        name="response_delete",
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/follow-up-qr.svg",
        s.session_follow_up_qr,
        name="session_follow_up_qr",
    ),
    path("studies/<slug:slug>/report/", s.report, name="report"),
    path("studies/<slug:slug>/report.pdf", s.report_pdf, name="report_pdf"),
    path("studies/<slug:slug>/evaluation/", ev.evaluation, name="evaluation"),
    path(
        "studies/<slug:slug>/evaluation/report.pdf",
        ev.evaluation_report,
        name="evaluation_report",
    ),
    path("studies/<slug:slug>/", include("readiness.web.surveys.urls_data")),
    # Instruments: the versions stored, upload, outline, downloads, preview
    path("instruments/", include("readiness.web.surveys.urls_instruments")),
    path("studies/<slug:slug>/instrument/", vi.study_instrument, name="study_instrument"),
]
