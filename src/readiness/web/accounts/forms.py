"""The password forms: Django's, with errors that name their field and say what to enter.

The rules a new password must meet are Django's validators (``AUTH_PASSWORD_VALIDATORS``);
their messages are shown under the "New password" field.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms

PASSWORD_RULES = (
    "At least 10 characters. Not a common password, not only numbers and not like your username."
)
_MISMATCH = "The two new passwords are not the same. Enter the same new password in both fields"


def _name_fields(form) -> None:
    """The new-password fields' labels, hints and "required" messages."""
    first, second = form.fields["new_password1"], form.fields["new_password2"]
    first.label, second.label = "New password", "New password again"
    first.help_text, second.help_text = PASSWORD_RULES, "To be sure it is typed as you meant."
    first.error_messages["required"] = "Enter a new password"
    second.error_messages["required"] = "Enter the new password again, in the second field"


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Choose a password (from an invitation's link or a forgotten-password link)."""

    error_messages = {"password_mismatch": _MISMATCH}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _name_fields(self)

    def clean(self):
        # The validators' messages go under the first field, where the password was chosen.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class PasswordChangeForm(SetPasswordForm, auth_forms.PasswordChangeForm):
    """Change the password, signed in: the current one first."""

    error_messages = {
        "password_mismatch": _MISMATCH,
        "password_incorrect": "Your current password is not right. Enter it again",
    }
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        old = self.fields["old_password"]
        old.label = "Current password"
        old.error_messages["required"] = "Enter your current password"
        old.widget.attrs.pop("autofocus", None)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Ask for a link to choose a new password.  The page that follows says the same whether
    or not an account has the address."""

    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="The address of your account on this service.",
        error_messages={
            "required": "Enter the e-mail address of your account",
            "invalid": "Enter the e-mail address in the right form, like name@nhs.net",
        },
    )

    def get_users(self, email):
        """Active accounts with this address, with a password or not yet (someone invited
        whose invitation has expired chooses their password this way)."""
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return [u for u in users if u.email.casefold() == email.casefold()]
