"""Pages of the second sign-in step, of setting up an authenticator app, and of a study's
sign-in security.  The logic is in :mod:`.twofactor` and :mod:`.throttle`."""

from __future__ import annotations

import io
from base64 import b32encode

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from readiness.web import audit
from readiness.web.accounts import permissions as perm
from readiness.web.forms import error_list
from readiness.web.security import backup, ratelimit, throttle, twofactor
from readiness.web.security.forms import CodeForm, SignInCodeForm, StudySecurityForm
from readiness.web.security.models import StudySecurity


def _who(request):
    """(the account on its way in or signed in, whether it is signed in), or (None, False)."""
    if request.user.is_authenticated:
        return request.user, True
    return twofactor.pending_user(request), False


def _refuse_locked(user, form, step: str, until) -> bool:
    audit.record(user, audit.LOGIN_BLOCKED, detail={"step": step})
    form.add_error(
        "code",
        f"Too many failed sign-ins with this username. Try again in {throttle.minutes_text(until)}",
    )
    return False


WRONG_CODE = "The code is not right. Enter the code your app shows now"
WRONG_BACKUP = (
    "The backup code is not right, or has been used already (each works once). Check it, "
    "or enter the code your app shows now"
)


def _check_code(request, user, device, form, step: str, backup_code: bool = False) -> bool:
    """Whether the posted code is right (the app's, or with ``backup_code`` one of the backup
    codes, which is then used up).  The attempt is counted by the sign-in throttle before the
    code is checked (a right code is then taken off the count again)."""
    username = user.get_username()
    until = throttle.locked_until(username)
    if until is not None:
        return _refuse_locked(user, form, step, until)
    allowed, why = device.verify_is_allowed()
    if not allowed:  # django-otp's delay after wrong codes: 1, 2, 4, 8 ... seconds
        form.add_error("code", _wait_message(why or {}))
        return False
    until = throttle.attempt(username)
    if until is not None:
        return _refuse_locked(user, form, step, until)
    code = form.cleaned_data["code"]
    if backup.use(device, code) if backup_code else device.verify_token(code):
        throttle.passed(username)
        return True
    throttle.failed(username)
    reason = "backup code" if backup_code else "two-factor code"
    audit.record(user, audit.LOGIN_FAILED, detail={"reason": reason, "step": step})
    form.add_error("code", WRONG_BACKUP if backup_code else WRONG_CODE)
    return False


def _wait_message(why: dict) -> str:
    """django-otp's wait after wrong codes, in words: one wrong code is no "too many"."""
    until = why.get("locked_until")
    wait = max(1, int((until - timezone.now()).total_seconds() + 1)) if until else 60
    count = int(why.get("failure_count") or 1)
    said = "The last code was not right." if count == 1 else f"{count} wrong codes in a row."
    return f"{said} Wait {ratelimit.wait_text(wait)}, then enter the code your app shows now"


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    user, signed_in = _who(request)
    if user is None:
        return redirect("accounts:login")
    device = twofactor.confirmed_device(user)
    if device is None:
        return redirect("security:setup")
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _checked_device(request, user, device, form)
        if device is not None:
            if signed_in:
                django_otp.login(request, device)
                return redirect(twofactor.safe_next(request, request.GET.get("next")))
            return redirect(twofactor.complete(request, user, device))
    return render(
        request,
        "security/verify.jinja",
        {"form": form, "errors": error_list(form), "signed_in": signed_in},
    )


def _checked_device(request, user, app, form):
    """The device that the sign-in code posted is right for (the app, or the backup codes),
    or None (with the form's error)."""
    code = form.cleaned_data["code"]
    if not backup.is_backup_code(code):
        return app if _check_code(request, user, app, form, "sign-in") else None
    holder = backup.device(user)
    if holder is None:
        form.add_error("code", "You have no backup codes. Enter the code your app shows now")
        return None
    if not _check_code(request, user, holder, form, "sign-in", backup_code=True):
        return None
    left = backup.remaining(user)
    audit.record(user, audit.TWO_FACTOR, detail={"change": "backup code used", "left": left})
    if left <= 3:
        messages.warning(
            request,
            f"You have {left} backup code{'' if left == 1 else 's'} left. Make new ones on "
            "your two-factor authentication page.",
        )
    return holder


def _new_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(
        user=user, name=twofactor.DEVICE_NAME, confirmed=False
    )


def _grouped(key: bytes) -> str:
    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request):
    user, signed_in = _who(request)
    if user is None:
        return redirect("accounts:login")
    if twofactor.confirmed_device(user) is not None:
        if not signed_in:  # the second step is the code of the app already set up
            return redirect("security:verify")
        messages.success(request, "Two-factor authentication is already set up.")
        return redirect("security:account")
    device = _new_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _check_code(request, user, device, form, "set-up"):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            audit.record(user, audit.TWO_FACTOR, detail={"change": "set up"})
            messages.success(request, "Two-factor authentication is set up.")
            if signed_in:
                django_otp.login(request, device)
                onward = twofactor.safe_next(request, request.GET.get("next"))
            else:
                onward = twofactor.complete(request, user, device)
            return _codes_made(request, backup.make_codes(user), onward)
    return render(
        request,
        "security/setup.jinja",
        {
            "form": form,
            "errors": error_list(form),
            "secret": _grouped(device.bin_key),
            "reason": twofactor.requirement(user),
            "signed_in": signed_in,
        },
    )


@never_cache
def setup_qr(request):
    """The QR code of the app being set up (an SVG, so that no inline image is needed)."""
    user, _signed_in = _who(request)
    if user is None:
        raise Http404
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise Http404
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer,
        kind="svg",
        scale=6,
        border=4,
        title="QR code to scan with your authenticator app",
        xmldecl=False,
    )
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    device = twofactor.confirmed_device(request.user)
    reason = twofactor.requirement(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if reason is not None:
            form.add_error("code", "Two-factor authentication cannot be turned off: " + reason)
        elif _check_code(request, request.user, device, form, "turn off"):
            TOTPDevice.objects.filter(user=request.user).delete()
            backup.remove(request.user)
            request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
            audit.record(request.user, audit.TWO_FACTOR, detail={"change": "turned off"})
            messages.success(request, "Two-factor authentication is turned off.")
            return redirect("security:account")
    return render(
        request,
        "security/account.jinja",
        {
            "device": device,
            "backup_left": backup.remaining(request.user),
            "reason": reason,
            "form": form,
            "errors": error_list(form) if request.method == "POST" else [],
        },
    )


SHOW_CODES = "readiness_backup_codes"  # new codes in the session until the page shows them


def _codes_made(request, codes: list[str], onward: str):
    """Send the person to the page that shows their new backup codes, once."""
    request.session[SHOW_CODES] = {"codes": codes, "onward": onward}
    return redirect("security:backup_codes")


def _show_codes(request, pending: dict):
    """The page that shows new backup codes (taken out of the session: shown once)."""
    codes = [backup.shown(c) for c in pending.get("codes", [])]
    onward = twofactor.safe_next(request, pending.get("onward"))
    return render(request, "security/backup_codes.jinja", {"codes": codes, "onward": onward})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def backup_codes(request):
    """Make new backup codes (the old ones stop working), with a current code from the app."""
    if request.method == "GET" and SHOW_CODES in request.session:
        return _show_codes(request, request.session.pop(SHOW_CODES))
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect("security:account")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _check_code(request, request.user, device, form, "new backup codes"):
            codes = backup.make_codes(request.user)
            audit.record(request.user, audit.TWO_FACTOR, detail={"change": "new backup codes"})
            messages.success(request, "You have new backup codes. The old ones no longer work.")
            return _codes_made(request, codes, reverse("security:account"))
    return render(
        request,
        "security/backup_codes_new.jinja",
        {
            "form": form,
            "errors": error_list(form),
            "left": backup.remaining(request.user),
        },
    )


@perm.study_view(perm.EDIT_STUDY)
@require_http_methods(["GET", "POST"])
def study_security(request, study, access):
    policy = StudySecurity.objects.filter(study=study).first()
    required = bool(policy and policy.require_two_factor)
    form = StudySecurityForm(request.POST or None, initial={"require_two_factor": required})
    if request.method == "POST" and form.is_valid():
        wanted = form.cleaned_data["require_two_factor"]
        if wanted != required:
            StudySecurity.objects.update_or_create(
                study=study, defaults={"require_two_factor": wanted}
            )
            audit.record(
                request.user,
                audit.EDIT,
                study=study,
                detail={"setting": "require_two_factor", "value": wanted},
            )
        messages.success(
            request,
            "Everyone in the study must now use two-factor authentication."
            if wanted
            else "Two-factor authentication is optional for this study.",
        )
        return redirect("security:study", slug=study.slug)
    members = study.memberships.select_related("user").order_by("user__username")
    enrolled = set(
        TOTPDevice.objects.filter(
            confirmed=True, user__in=[m.user_id for m in members]
        ).values_list("user_id", flat=True)
    )
    return render(
        request,
        "security/study.jinja",
        {
            "study": study,
            "access": access,
            "form": form,
            "required": required,
            "rows": [(m, m.user_id in enrolled) for m in members],
        },
    )
