"""Signing in and out (Django's views, our templates).

The sign-in form is throttled per username and, for accounts with two-factor authentication,
the password is only the first step (:mod:`readiness.web.security`).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from readiness.web.forms import error_list
from readiness.web.security import twofactor
from readiness.web.security.forms import ThrottledAuthenticationForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.jinja"
    redirect_authenticated_user = True
    form_class = ThrottledAuthenticationForm

    def form_valid(self, form):
        # With two-factor authentication the password is the first of two steps.
        second_step = twofactor.begin(self.request, form.get_user(), self.get_redirect_url())
        return second_step or super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["errors"] = error_list(form)
        return context


class LogoutView(auth_views.LogoutView):
    pass
