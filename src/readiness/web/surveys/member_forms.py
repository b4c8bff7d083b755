"""The forms of a study's "People and roles" page: invite by e-mail address, or give an
existing account a role by username.  Each error names its field and says what to enter."""

from __future__ import annotations

from django import forms

from readiness.web.accounts.models import Role
from readiness.web.surveys.forms import MemberForm
from readiness.web.surveys.models import Site

ROLE_MISSING = "Choose the person's role: study lead, site coordinator or analyst"


class RoleForm(MemberForm):
    """Give an existing account (by username) a role, or change it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = (
            "Enter the username of the person's account"
        )
        self.fields["role"].error_messages["required"] = ROLE_MISSING


class InviteForm(forms.Form):
    """Invite someone by e-mail address (a new account is made when none has the address)."""

    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="Their work address. They get an e-mail with a link to choose a password "
        "(or, if they already have an account, to sign in).",
        error_messages={
            "required": "Enter the person's e-mail address",
            "invalid": "Enter the e-mail address in the right form, like name@nhs.net",
        },
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        widget=forms.RadioSelect,
        label="Role",
        error_messages={"required": ROLE_MISSING},
    )
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Sites (for a site coordinator)",
    )

    def __init__(self, *args, study=None, **kwargs):
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = Site.objects.filter(study=study)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.COORDINATOR and not data.get("sites"):
            self.add_error("sites", "Select the sites this coordinator is responsible for")
        return data
