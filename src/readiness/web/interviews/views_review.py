"""Reviewing transcripts for pseudonymisation (:mod:`.review`): the key, the proposals, and
applying the choices."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from readiness.interviews.errors import InterviewError
from readiness.web.interviews import models as m
from readiness.web.interviews import permissions as perm
from readiness.web.interviews import review
from readiness.web.interviews.forms import KeyFileForm
from readiness.web.interviews.views_common import problem_list, render_page


def _key(request) -> tuple[str, list[dict]]:
    """The key as typed, or as read from the chosen key file (through :class:`KeyFileForm`);
    a key file that cannot be read gives no key and the reason."""
    key_text = request.POST.get("key", "")
    if not request.FILES:
        return key_text, []
    form = KeyFileForm(files=request.FILES)
    if not form.is_valid():
        return "", [{"text": str(e)} for e in form.errors.get("key_file", [])]
    chosen = form.cleaned_data["key_file"]
    return (key_text if chosen is None else chosen), []


def _proposals(project, key_text, chosen, kinds, choices, number) -> tuple:
    """(proposals, their fingerprint, the page of them shown)."""
    proposals = review.propose(project, key_text, chosen, kinds)
    shown = review.page(review.groups(proposals, choices), number)
    return proposals, review.fingerprint(proposals), shown


def _apply(request, project, key_text, chosen, kinds, choices):
    """Apply the choices made, and go back to the project with what was done."""
    result = review.apply(
        project,
        request.user,
        key_text=key_text,
        sources=chosen,
        kinds=kinds,
        seen=request.POST.get("seen", ""),
        choices=choices,
    )
    accepted = sum(result["accepted"].values())
    rejected = sum(result["rejected"].values())
    messages.success(
        request,
        f"Replaced {accepted}, kept {rejected}. "
        f"{result['transcripts']} transcript(s) marked as pseudonymised.",
    )
    return redirect("interviews:project", slug=project.slug)


@never_cache
@sensitive_post_parameters("key")
@perm.project_view(perm.MANAGE_TRANSCRIPTS)
@require_http_methods(["GET", "POST"])
def pseudonymise(request, project, access):
    transcripts = list(m.Transcript.objects.filter(project=project).order_by("position", "id"))
    post = request.POST
    key_text, errors = _key(request)
    proposals, fingerprint, shown, choices = None, "", None, None
    chosen = (
        post.getlist("sources")
        if request.method == "POST"
        else [t.guid for t in transcripts if not t.pseudonymised]
        or [t.guid for t in transcripts]  # all reviewed: again, for what changed since
    )
    kinds = post.getlist("kinds") if request.method == "POST" else list(review.KINDS)
    applying = post.get("step") == "apply"
    if request.method == "POST" and not errors:
        try:
            choices = review.read_choices(post) if applying else None
            if applying and "goto" not in post:
                return _apply(request, project, key_text, chosen, kinds, choices)
            proposals, fingerprint, shown = _proposals(
                project, key_text, chosen, kinds, choices, post.get("goto", 1)
            )
        except InterviewError as err:
            errors = problem_list(err)
            if proposals is None and applying:  # the review again, as it is
                try:
                    proposals, fingerprint, shown = _proposals(
                        project, key_text, chosen, kinds, choices, post.get("page", 1)
                    )
                except InterviewError:
                    proposals = None
    return render_page(
        request,
        "interviews/pseudonymise.jinja",
        project,
        access,
        transcripts=transcripts,
        chosen=list(dict.fromkeys(chosen)),
        kinds=kinds,
        kind_labels=review.KIND_LABELS,
        key_text=key_text,
        proposals=proposals,
        page=shown,
        fingerprint=fingerprint,
        errors=errors,
    )
