"""What every interview page shares: rendering a page with its project and access, the
core's problems as an error summary, a number from a form, and a safe place to go back to."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from readiness.interviews.errors import InterviewError
from readiness.web.interviews import services


def render_page(request, template, project=None, access=None, **context):
    context.update(project=project, access=access)
    return render(request, template, context)


def problem_list(err: InterviewError) -> list[dict]:
    return [{"text": t} for t in services.problem_texts(err)]


def to_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
