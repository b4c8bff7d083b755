"""The two-factor pages (under /accounts/two-factor/) and a study's sign-in security page."""

from django.urls import path

from readiness.web.security import views

app_name = "security"

urlpatterns = [
    path("accounts/two-factor/", views.account, name="account"),
    path("accounts/two-factor/verify/", views.verify, name="verify"),
    path("accounts/two-factor/setup/", views.setup, name="setup"),
    path("accounts/two-factor/setup/qr.svg", views.setup_qr, name="setup_qr"),
    path("accounts/two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("studies/<slug:slug>/security/", views.study_security, name="study"),
]
