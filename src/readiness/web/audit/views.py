"""A study's audit log, for its study leads (and system administrators): read-only."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from readiness.web.accounts import permissions as perm
from readiness.web.audit.actions import LABELS, PERSON_ACTIONS
from readiness.web.audit.models import Event

PAGE = 100


def study_events(study):
    """The study's entries: everything done in it, and the sign-ins (and two-factor set-ups) of
    the people in it."""
    members = study.memberships.values_list("user_id", flat=True)
    return Event.objects.filter(
        Q(study=study) | Q(action__in=PERSON_ACTIONS, user_id__in=members, study__isnull=True)
    )


@perm.study_view(perm.VIEW_AUDIT)
def study_log(request, study, access):
    events = study_events(study)
    action = request.GET.get("action", "")
    if action in LABELS:
        events = events.filter(action=action)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    rows = list(events.order_by("-id")[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    for event in rows:
        event.when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S")
    return render(
        request,
        "audit/study.jinja",
        {
            "study": study,
            "access": access,
            "rows": rows,
            "older": rows[-1].id if more else None,
            "action": action if action in LABELS else "",
            "actions": sorted(LABELS.items(), key=lambda kv: kv[1]),
        },
    )
