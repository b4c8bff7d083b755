"""Signing in and out, and passwords (Django's views, our templates).

The sign-in form is throttled per username and, for accounts with two-factor authentication,
the password is only the first step (:mod:`readiness.web.security`).  A password is chosen
through a one-time link (an invitation, :mod:`.invitations`, or a forgotten password,
:mod:`.passwords`) and changed, signed in, on the "Change your password" page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.forms import PasswordInput
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy

from readiness.web import audit
from readiness.web.accounts import mail, passwords
from readiness.web.accounts.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from readiness.web.forms import error_list, render_form
from readiness.web.security import ratelimit, twofactor
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


class _FormPage:
    """Our templates draw a form's fields with the NHS.UK macros and list its errors."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if form is not None:
            context["fields"] = render_form(form, **_never_echoed(form))
            context["errors"] = error_list(form)
        return context


def _never_echoed(form) -> dict:
    """A password typed is never sent back in the page; browsers are told what each field is."""
    extra = {}
    for name, field in form.fields.items():
        autocomplete = field.widget.attrs.get("autocomplete")
        params = {"autocomplete": autocomplete} if autocomplete else {}
        if isinstance(field.widget, PasswordInput):
            params["value"] = ""
        extra[name] = params
    return extra


class PasswordChangeView(_FormPage, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.jinja"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("security:account")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in
        audit.record(self.request.user, audit.EDIT, detail={"change": "password changed"})
        messages.success(self.request, "Your password is changed.")
        return response


class PasswordResetView(_FormPage, auth_views.PasswordResetView):
    """Ask for a link; the next page says the same whether or not an account has the address."""

    template_name = "accounts/password_reset.jinja"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_sent")

    def form_valid(self, form):
        wait = passwords.client_wait(self.request)
        if wait is not None:
            form.add_error(
                "email",
                "Too many links have been asked for from your network. Wait "
                f"{ratelimit.wait_text(wait)}, then try again",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        passwords.send_links(self.request, form)
        return redirect(self.get_success_url())


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.jinja", {"days": mail.link_days()})


class SetPasswordView(_FormPage, auth_views.PasswordResetConfirmView):
    """Choose a password from a one-time link, then sign in (to the person's newest study)."""

    template_name = "accounts/set_password.jinja"
    form_class = SetPasswordForm

    def form_valid(self, form):
        super().form_valid(form)
        user = form.user
        audit.record(user, audit.EDIT, detail={"change": "password chosen from an e-mailed link"})
        messages.success(
            self.request,
            f"Your password is set. Sign in with your username, {user.get_username()}, "
            "and your new password.",
        )
        return redirect(_sign_in_to(user))

    def get_success_url(self):
        return reverse("accounts:login")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["person"] = self.user
        context["days"] = mail.link_days()
        return context


def _sign_in_to(user) -> str:
    """The sign-in page, going on to the study the person was most recently given a role in."""
    membership = user.memberships.select_related("study").order_by("-pk").first()
    url = reverse("accounts:login")
    if membership is None:
        return url
    study = reverse("surveys:dashboard", kwargs={"slug": membership.study.slug})
    return f"{url}?{urlencode({'next': study})}"
