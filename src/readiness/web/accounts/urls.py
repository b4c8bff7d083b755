from django.urls import path

from readiness.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/forgotten/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/forgotten/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/set/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
