"""Forms of the sign-in and two-factor pages."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from readiness.web import audit
from readiness.web.security import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form that says so when the username is locked (and logs the refusal).

    The lock itself is enforced in the authentication backend, for every form; this form only
    gives the person a message that says what happened and when to try again.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password",
        "locked": (
            "Too many failed sign-ins with this username. Try again in %(minutes)s, "
            "or ask a system administrator to unlock it"
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            until = throttle.locked_until(username)
            if until is not None:
                audit.record(
                    audit.signing_in(username), audit.LOGIN_BLOCKED, detail={"step": "password"}
                )
                raise forms.ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"minutes": throttle.minutes_text(until)},
                )
        return super().clean()


def clean_code(text: str) -> str:
    """A code as typed (spaces and dashes allowed) as its digits."""
    return re.sub(r"[\s-]", "", text or "")


class CodeForm(forms.Form):
    code = forms.CharField(max_length=20, required=False)

    def clean_code(self):
        code = clean_code(self.cleaned_data.get("code"))
        if not code:
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app")
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError("The code is 6 digits, like 123456")
        return code


class SignInCodeForm(forms.Form):
    """The second sign-in step: the app's code, or one of the backup codes."""

    code = forms.CharField(max_length=20, required=False)

    def clean_code(self):
        from readiness.web.security import backup

        code = clean_code(self.cleaned_data.get("code"))
        if not code:
            raise forms.ValidationError(
                "Enter the 6-digit code from your authenticator app, or one of your backup codes"
            )
        if re.fullmatch(r"\d{6}", code):
            return code
        if backup.is_backup_code(code):
            return code.lower()
        raise forms.ValidationError(
            "The code is 6 digits, like 123456, or a backup code of 8 letters and digits, "
            "like abcd-2345"
        )


class StudySecurityForm(forms.Form):
    require_two_factor = forms.BooleanField(
        required=False,
        label="Everyone with a role in this study must use two-factor authentication",
        help_text="They will set up an authenticator app the next time they sign in or open "
        "a page, and enter a code from it every time they sign in.",
    )
