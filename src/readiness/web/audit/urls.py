from django.urls import path

from readiness.web.audit import views

app_name = "audit"

urlpatterns = [
    path("studies/<slug:slug>/audit/", views.study_log, name="study"),
    path("studies/<slug:slug>/audit/audit.csv", views.study_log_csv, name="study_csv"),
]
