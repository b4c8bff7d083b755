"""axe-core finds no violation on any staff page, and the dashboard fits a phone.

The pages are those of tests/web/test_roles.py's table (every staff URL, with who may see it):
each page the study lead may open (and, for those only an administrator may, as the
administrator) is opened in Chromium and scanned with axe-core, all its rules.  A page added to
the table is scanned without changing this test.  Downloads (PDF, SVG, CSV, JSON) are not
pages and are left out.  The study has responses, so the dashboard shows its results tables.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, browser, shots  # noqa: F401
from tests.web.test_browser_dashboard_phone import OVERFLOW
from tests.web.test_roles import STAFF, objects  # noqa: F401 - the table and its objects

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]


def _responses(study, sessions, per_session: int = 15) -> None:
    from readiness.web.surveys.models import Response

    for session in sessions:
        for i in range(per_session):
            Response.objects.create(
                session=session,
                instrument=study.instrument,
                answers={
                    "site": session.site.code,
                    "discipline": 1 + i % 3,
                    "contact_ever": i % 2,
                    "training_prior": (i + 1) % 2,
                    "training_enough": 1 + i % 5,
                },
                completed_on=date(2026, 3, 2).isoformat(),
                submission_token=f"axe-{session.pk}-{i}",
            )


def _signed_in(browser, live_server, client, user, **options):  # noqa: F811
    """A browser context signed in as ``user`` (the test client's session cookie)."""
    from django.conf import settings

    client.force_login(user)
    context = browser.new_context(**options)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context


def _pages(role: str, objects: dict, skip_roles: tuple[str, ...] = ()) -> list[tuple[str, str]]:  # noqa: F811
    """(name, path) of every table entry ``role`` may open, less those a role in
    ``skip_roles`` opens already."""
    return [
        (name, template.format(**objects))
        for name, (template, allowed) in STAFF.items()
        if allowed.get(role) == 200 and not any(allowed.get(r) == 200 for r in skip_roles)
    ]


def _scan_all(context, base: str, pages, scanner: Scanner) -> list[str]:
    """Scan each page that is HTML; return the names of the downloads (not HTML, or HTML
    sent as a file: the report)."""
    page = context.new_page()
    scanner.watch(page)
    downloads = []
    for name, path in pages:
        head = context.request.get(base + path)
        attached = head.headers.get("content-disposition", "").startswith("attachment")
        if attached or "text/html" not in head.headers.get("content-type", ""):
            downloads.append(name)
            continue
        page.goto(base + path)
        scanner.scan(
            page, name.replace(":", "-").replace(" ", "_").replace("(", "").replace(")", "")
        )
    page.close()
    return downloads


def test_every_staff_page_passes_axe(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    client,
    objects,  # noqa: F811
    study,
    session_a,
    session_b,
    shots,  # noqa: F811
):
    _responses(study, [session_a, session_b])
    scanner = Scanner(shots)
    lead = django_user_model.objects.get(username="lead")
    admin = django_user_model.objects.get(username="admin")
    as_lead = _pages("lead", objects)
    as_admin = _pages("admin", objects, skip_roles=("lead",))
    assert len(as_lead) >= 30, "the table lists the staff pages"

    context = _signed_in(browser, live_server, client, lead)
    downloads = _scan_all(context, live_server.url, as_lead, scanner)
    context.close()
    context = _signed_in(browser, live_server, client, admin)
    downloads += _scan_all(context, live_server.url, as_admin, scanner)
    context.close()

    violations = {name: found for name, found in scanner.found.items() if found}
    assert not violations, json.dumps(violations, indent=1)
    assert "surveys-dashboard" in scanner.found and "surveys:session_qr" in downloads
    assert len(scanner.found) + len(downloads) == len(as_lead) + len(as_admin)


def test_the_dashboard_and_its_menu_fit_a_phone(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    django_user_model,
    client,
    study,
    session_a,
    session_b,
    shots,  # noqa: F811
):
    _responses(study, [session_a, session_b])
    lead = django_user_model.objects.get(username="lead")
    context = _signed_in(browser, live_server, client, lead, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/studies/{study.slug}/")
    page.wait_for_selector("#indicators")
    measured = page.evaluate(OVERFLOW)
    shots(page, "staff-dashboard-390")
    assert measured["width"] <= 390, measured
    assert measured["wide"] == [], measured
    # The study's menu is under the header and before the page's heading; the skip link first.
    order = page.evaluate(
        """() => [...document.querySelectorAll('.nhsuk-skip-link, nav[aria-label="Study"], main h1')]
             .map(e => e.tagName)"""
    )
    assert order == ["A", "NAV", "H1"]
    context.close()
