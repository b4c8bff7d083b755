"""The staff list of a study's responses: filters read from the address, and page links.

Filters: site, session, source, wave, and the completion date from and to (inclusive).  They
are read from a GET form, so that a filtered page can be bookmarked and every page link keeps
them; a value that cannot be used is reported naming the filter and the fix, and nothing is
listed until it is corrected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from readiness.web.surveys.models import Response, Session, Site, Source, Study, Wave

PAGE_SIZE = 50
FILTERS = ("site", "session", "source", "wave", "from", "to")


@dataclass
class ResponseFilters:
    """The filters asked for: ``values`` as typed (to show back and keep in links)."""

    values: dict[str, str]
    errors: list[dict] = field(default_factory=list)
    lookups: dict = field(default_factory=dict)  # field lookups for the responses' query
    invalid: dict[str, str] = field(default_factory=dict)  # filter -> its error

    def apply(self, responses):
        return responses.filter(**self.lookups)

    def query(self) -> dict[str, str]:
        """The filters in use, for the page links."""
        return {k: v for k, v in self.values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.query())


def _error(filters: ResponseFilters, key: str, text: str) -> None:
    filters.errors.append({"text": text, "href": f"#filter-{key}"})
    filters.invalid[key] = text


def _read_choice(filters: ResponseFilters, key: str, choices, lookup: str, name: str) -> None:
    value = filters.values[key]
    if not value:
        return
    if value not in choices:
        _error(filters, key, f"{name} must be one of the choices in the list: choose it again")
        return
    filters.lookups[lookup] = choices[value]


def _read_day(filters: ResponseFilters, key: str, name: str) -> date | None:
    text = filters.values[key]
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _error(filters, key, f"{name} must be a date, like 2026-03-31")
        return None


def read_filters(study: Study, get) -> ResponseFilters:
    """The filters in ``get`` (a GET query), checked against the study's sites and sessions."""
    filters = ResponseFilters({k: (get.get(k) or "").strip() for k in FILTERS})
    sites = {str(pk): pk for pk in Site.objects.filter(study=study).values_list("id", flat=True)}
    sessions = {
        str(pk): pk for pk in Session.objects.filter(site__study=study).values_list("id", flat=True)
    }
    _read_choice(filters, "site", sites, "session__site_id", "Site")
    _read_choice(filters, "session", sessions, "session_id", "Session")
    _read_choice(filters, "source", {v: v for v in Source.values}, "source", "Source")
    waves = {(v or "none"): v for v in Wave.values}
    _read_choice(filters, "wave", waves, "wave", "Wave")
    start = _read_day(filters, "from", "Completed from")
    end = _read_day(filters, "to", "Completed to")
    if start and end and end < start:
        _error(filters, "to", "Completed to must be the same as or after completed from")
    if start:
        filters.lookups["completed_on__gte"] = start
    if end:
        filters.lookups["completed_on__lte"] = end
    return filters


def responses_of(study: Study):
    return Response.objects.filter(session__site__study=study)


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """The page numbers to link to: the first, the last and those around the current page;
    None where pages are left out (shown as an ellipsis)."""
    wanted = {1, last, *range(current - around, current + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= last)
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def page_links(page, query: dict[str, str]) -> dict | None:
    """The NHS.UK pagination's parameters for a Django page (numbered links that keep the
    filters), or None when everything fits on one page."""
    last = page.paginator.num_pages
    if last <= 1:
        return None

    def href(number: int) -> str:
        return "?" + urlencode({**query, "page": number})

    items = [
        {"ellipsis": True}
        if n is None
        else {"number": n, "href": href(n), "current": n == page.number}
        for n in page_numbers(page.number, last)
    ]
    params: dict = {"ariaLabel": "Pages of responses", "items": items}
    if page.has_previous():
        params["previous"] = {"href": href(page.previous_page_number())}
    if page.has_next():
        params["next"] = {"href": href(page.next_page_number())}
    return params
