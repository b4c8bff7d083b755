"""Two-factor authentication for staff: a time-based code (TOTP) from an authenticator app.

Optional for everyone; required for an account when:

* ``READINESS_REQUIRE_TWO_FACTOR=1`` (every account), or
* a system administrator ticks "require two-factor" for the account (admin, "Account
  security"), or
* the person has a role in a study whose lead requires it (the study's "Sign-in security"
  page).

Signing in is then two steps.  The password form (:class:`readiness.web.accounts.views.
LoginView`) does not sign the person in: it keeps the account as *pending* in the session
(for :data:`PENDING_SECONDS`) and sends them to enter a code (:func:`verify view
<readiness.web.security.views.verify>`), or, when it is required and they have no app set up
yet, to set one up (a QR code to scan, then a code to confirm).  Only then are they signed in.
Wrong codes count towards the username's sign-in throttle (:mod:`.throttle`), on top of
django-otp's own growing delay between attempts.

:class:`TwoFactorMiddleware` holds the line for sessions that did not come through that
door (Django admin's sign-in form, a requirement switched on while someone is signed in):
such a session reaches only the two-factor pages and "Sign out" until it has entered a code
or set up an app.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.web.security.models import AccountSecurity, StudySecurity

PENDING = "readiness_pending_sign_in"
PENDING_SECONDS = 600
DEVICE_NAME = "Authenticator app"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def requirement(user) -> str | None:
    """Why the account must use two-factor authentication, or None if it need not."""
    if getattr(settings, "READINESS_REQUIRE_TWO_FACTOR", False):
        return "This service requires two-factor authentication for every account."
    if AccountSecurity.objects.filter(user=user, require_two_factor=True).exists():
        return "A system administrator requires two-factor authentication for your account."
    studies = list(
        StudySecurity.objects.filter(
            require_two_factor=True, study__memberships__user=user
        ).values_list("study__name", flat=True)[:3]
    )
    if studies:
        return f"Two-factor authentication is required by the study {', '.join(studies)}."
    return None


def safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


# -- the pending sign-in ------------------------------------------------------------------------


def begin(request, user, next_url: str | None):
    """After the password: a redirect to the second step, or None to sign in at once."""
    device = confirmed_device(user)
    if device is None and requirement(user) is None:
        return None
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", None),
        "at": time.time(),
        "next": next_url or "",
    }
    return redirect("security:verify" if device is not None else "security:setup")


def pending_user(request):
    """The account whose password was accepted in this session, while its time lasts."""
    data = request.session.get(PENDING)
    if not data:
        return None
    if time.time() - data.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
    if user is not None:
        user.backend = data.get("backend") or settings.AUTHENTICATION_BACKENDS[0]
    return user


def complete(request, user, device) -> str:
    """Sign the pending account in, verified by ``device``; returns where to go next."""
    data = request.session.get(PENDING) or {}
    user.otp_device = device  # django-otp marks the new session verified at login
    auth.login(request, user, backend=user.backend)
    return safe_next(request, data.get("next"))


# -- sessions that did not come through the two steps ------------------------------------------

EXEMPT_PREFIXES = (
    "/static/",
    "/s/",
    "/f/",
    "/r/",
    "/answer/",
    "/resume/",
    "/thanks/",
    "/accounts/two-factor/",
)


class TwoFactorMiddleware:
    """A signed-in session that owes a second factor reaches only the two-factor pages.

    Install after ``django_otp.middleware.OTPMiddleware``.  Respondent pages and static files
    are never held up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        held = self._hold(request)
        return held if held is not None else self.get_response(request)

    def _hold(self, request):
        path = request.path_info
        if path.startswith(EXEMPT_PREFIXES) or path == reverse("accounts:logout"):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        query = urlencode({"next": request.get_full_path()})
        if confirmed_device(user) is not None:
            return redirect(f"{reverse('security:verify')}?{query}")
        if requirement(user) is not None:
            return redirect(f"{reverse('security:setup')}?{query}")
        return None
