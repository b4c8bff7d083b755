"""The "API tokens" page: a person makes tokens for themselves (the secret shown once), lists
and revokes theirs; a study lead also sees, and may revoke, the tokens that can read their
study (its members' tokens for it or for all their studies)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from readiness.web.accounts import permissions as perm
from readiness.web.accounts.models import Membership
from readiness.web.api import tokens
from readiness.web.api.models import ApiToken
from readiness.web.forms import error_list, render_form
from readiness.web.permissions import roles_held

ALL = "*"  # every study the person has a role in (no slug holds a "*")


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What it is for, so that you recognise it later, e.g. 'R on my laptop'.",
    )
    study = forms.ChoiceField(label="Studies it may read", widget=forms.RadioSelect)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from readiness.web.surveys.models import Study

        held = roles_held(user, Study.objects.order_by("name"), Membership.objects, "study")
        self.studies = {s.slug: s for s, _role in held}
        self.fields["study"].choices = [(ALL, "All the studies I have a role in")] + [
            (s.slug, s.name) for s in self.studies.values()
        ]
        self.fields["study"].initial = ALL

    def chosen_study(self):
        return self.studies.get(self.cleaned_data["study"])


@never_cache
@perm.staff_view
@require_http_methods(["GET", "POST"])
def tokens_page(request):
    form = TokenForm(request.user, request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = tokens.issue(request.user, form.cleaned_data["name"], form.chosen_study())
        form = TokenForm(request.user)
    led = [(study, tokens.tokens_reading(study).select_related("user", "study"))
           for study in tokens.led_studies(request.user)]  # fmt: skip
    return render(
        request,
        "api/tokens.jinja",
        {
            "secret": secret,
            "own": ApiToken.objects.filter(user=request.user).select_related("study"),
            "led": led,
            "fields": render_form(form),
            "errors": error_list(form) if request.method == "POST" else [],
        },
    )


@perm.staff_view
@require_POST
def revoke(request, token_id: int):
    token = ApiToken.objects.select_related("user", "study").filter(pk=token_id).first()
    if token is None or not tokens.may_revoke(request.user, token):
        raise Http404("No such token.")
    tokens.revoke(token, request.user)
    messages.success(request, f"The token '{token.name}' is revoked: it no longer works.")
    return redirect("api:tokens")
