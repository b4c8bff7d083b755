"""A study's audit log, for its study leads (and system administrators): read-only."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from readiness.tabular import formula_safe
from readiness.web import audit
from readiness.web.accounts import permissions as perm
from readiness.web.audit.actions import (
    EXPORT,
    LABELS,
    PERSON_ACTIONS,
    RESPONSE_CORRECTED,
    RESPONSE_DELETED,
)
from readiness.web.audit.models import Event

PAGE = 100


def study_events(study):
    """The study's entries: everything done in it, and the sign-ins (and two-factor set-ups) of
    the people in it."""
    members = study.memberships.values_list("user_id", flat=True)
    return Event.objects.filter(
        Q(study=study) | Q(action__in=PERSON_ACTIONS, user_id__in=members, study__isnull=True)
    )


def when_text(event: Event) -> str:
    """The entry's time in the service's time zone, named (GMT or BST in London)."""
    return timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S %Z")


def detail_line(event: Event) -> str:
    """An entry's detail on one line (the CSV file): ``key: value; ...``, with a correction's
    changes as "question (item): before -> after" and a deleted response's answers as
    "item: answer", separated by " | "."""
    parts = []
    for key, value in (event.detail or {}).items():
        if key == "changes" and event.action == RESPONSE_CORRECTED:
            value = " | ".join(
                f"{c.get('question') or c.get('item')} ({c.get('item')}): "
                f"{c.get('before')} -> {c.get('after')}"
                for c in value
            )
        elif key == "answers" and event.action == RESPONSE_DELETED:
            value = " | ".join(f"{a.get('item')}: {a.get('answer')}" for a in value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


@dataclass
class Filters:
    """The filters asked for in the address, read; ``errors`` for those that are not dates."""

    action: str
    start: date | None
    end: date | None
    values: dict[str, str]
    errors: list[dict]

    def apply(self, events):
        if self.action:
            events = events.filter(action=self.action)
        # __date compares in the current time zone: a day is a London day.
        if self.start:
            events = events.filter(at__date__gte=self.start)
        if self.end:
            events = events.filter(at__date__lte=self.end)
        return events

    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if v}


def read_filters(get) -> Filters:
    action = get.get("action", "")
    action = action if action in LABELS else ""
    values = {"action": action, "from": get.get("from", ""), "to": get.get("to", "")}
    days: dict[str, date | None] = {}
    errors = []
    for key, name in (("from", "From"), ("to", "To")):
        text = values[key].strip()
        days[key] = None
        if text:
            try:
                days[key] = date.fromisoformat(text)
            except ValueError:
                errors.append(
                    {"text": f"{name} must be a date, like 2026-03-31", "href": f"#{key}"}
                )
    return Filters(action, days["from"], days["to"], values, errors)


@perm.study_view(perm.VIEW_AUDIT)
def study_log(request, study, access):
    filters = read_filters(request.GET)
    events = filters.apply(study_events(study))
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    rows = list(events.order_by("-id")[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    for event in rows:
        event.when = when_text(event)
    return render(
        request,
        "audit/study.jinja",
        {
            "study": study,
            "access": access,
            "rows": rows,
            "older": rows[-1].id if more else None,
            "action": filters.action,
            "filters": filters.values,
            "query": filters.query(),
            "errors": filters.errors,
            "actions": sorted(LABELS.items(), key=lambda kv: kv[1]),
        },
    )


@perm.study_view(perm.VIEW_AUDIT)
def study_log_csv(request, study, access):
    """The entries the filters select, all of them (no pages), as a CSV file."""
    filters = read_filters(request.GET)
    if filters.errors:
        return HttpResponse(
            "; ".join(e["text"] for e in filters.errors) + ".",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    # The selection is fixed before the export's own entry is added.
    events = list(filters.apply(study_events(study)).order_by("-id"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when", "who", "what", "action", "detail"])
    for event in events:
        detail = detail_line(event)
        row = [when_text(event), event.username or "system", event.action_label, event.action]
        writer.writerow([formula_safe(str(v)) for v in [*row, detail]])
    # The log itself leaving the application is an export like any other.
    audit.record(
        request.user,
        EXPORT,
        study=study,
        detail={"what": "audit log", "rows": len(events), **filters.query()},
    )
    name = f"audit-{study.slug}-{timezone.localdate().isoformat()}.csv"
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
