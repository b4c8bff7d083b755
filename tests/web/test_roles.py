"""Every URL with every role: who may see what (and anonymous visitors are sent to sign in).

The table below is the specification; ``test_every_url_is_in_the_table`` makes sure a new URL
cannot be added without deciding who may reach it.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from readiness.web.surveys import services
from readiness.web.surveys.models import Response
from readiness.web.surveys.views_staff import _report_available
from tests.web.interviews.roles import INTERVIEWS, interview_objects

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "lead", "coordinator", "analyst", "admin")
REPORT = 200 if _report_available() else 404

# url name -> (path template, {role: expected GET status}); roles not listed: 403.
# {A}: site A (the coordinator's), {B}: site B; {SA}, {SB}: their sessions; {R}: a response at A.
STAFF = {
    "surveys:studies": (
        "/studies/",
        dict(outsider=200, lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:study_new": ("/studies/new/", dict(admin=200)),
    "surveys:dashboard": ("/studies/{s}/", dict(lead=200, coordinator=200, analyst=200, admin=200)),
    "surveys:results_status": (
        "/studies/{s}/results/status/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:items": (
        "/studies/{s}/questions/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:settings": ("/studies/{s}/settings/", dict(lead=200, admin=200)),
    "surveys:members": ("/studies/{s}/members/", dict(lead=200, admin=200)),
    "surveys:member_remove": ("/studies/{s}/members/{M}/remove/", dict(lead=405, admin=405)),
    "surveys:sites": (
        "/studies/{s}/sites/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:site": (
        "/studies/{s}/sites/{A}/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:site (other site)": (
        "/studies/{s}/sites/{B}/",
        dict(lead=200, analyst=200, admin=200),
    ),
    "surveys:session": ("/studies/{s}/sessions/{SA}/", dict(lead=200, coordinator=200, admin=200)),
    "surveys:session (other site)": ("/studies/{s}/sessions/{SB}/", dict(lead=200, admin=200)),
    "surveys:session_qr": (
        "/studies/{s}/sessions/{SA}/qr.svg",
        dict(lead=200, coordinator=200, admin=200),
    ),
    "surveys:session_qr (other site)": (
        "/studies/{s}/sessions/{SB}/qr.svg",
        dict(lead=200, admin=200),
    ),
    # The study here is no training evaluation: it has no follow-up link, and no board report.
    "surveys:session_follow_up_qr": (
        "/studies/{s}/sessions/{SA}/follow-up-qr.svg",
        dict(lead=404, coordinator=404, admin=404),
    ),
    "surveys:session_follow_up_qr (other site)": (
        "/studies/{s}/sessions/{SB}/follow-up-qr.svg",
        dict(lead=404, admin=404),
    ),
    "surveys:evaluation": (
        "/studies/{s}/evaluation/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:evaluation_report": (
        "/studies/{s}/evaluation/report.pdf",
        dict(lead=404, analyst=404, admin=404),
    ),
    "surveys:responses": ("/studies/{s}/responses/", dict(lead=200, analyst=200, admin=200)),
    "surveys:response": ("/studies/{s}/responses/{R}/", dict(lead=200, analyst=200, admin=200)),
    # Correcting or deleting a response: study leads (and system administrators) only.
    "surveys:response_correct": ("/studies/{s}/responses/{R}/correct/", dict(lead=200, admin=200)),
    "surveys:response_delete": ("/studies/{s}/responses/{R}/delete/", dict(lead=200, admin=200)),
    "surveys:report": ("/studies/{s}/report/", dict(lead=REPORT, analyst=REPORT, admin=REPORT)),
    # A GET goes to the dashboard; the PDF is made by a POST, through the background worker.
    "surveys:report_pdf": ("/studies/{s}/report.pdf", dict(lead=302, analyst=302, admin=302)),
    "audit:study": ("/studies/{s}/audit/", dict(lead=200, admin=200)),
    "audit:study_csv": ("/studies/{s}/audit/audit.csv", dict(lead=200, admin=200)),
    "security:study": ("/studies/{s}/security/", dict(lead=200, admin=200)),
    # Paper entry: lead, coordinator (own sites), admin.  {PA}, {PB}: paper forms at A and B
    # waiting for their second entry (the first made by the analyst).
    "surveys:paper": ("/studies/{s}/paper/", dict(lead=200, coordinator=200, admin=200)),
    "surveys:paper_new": ("/studies/{s}/paper/new/", dict(lead=200, coordinator=200, admin=200)),
    # The printable paper form (A4 PDF), for one session when asked; a session's poster.
    "surveys:paper_print": (
        "/studies/{s}/paper/form.pdf",
        dict(lead=200, coordinator=200, admin=200),
    ),
    "surveys:paper_print (session)": (
        "/studies/{s}/paper/form.pdf?session={SA}",
        dict(lead=200, coordinator=200, admin=200),
    ),
    "surveys:paper_print (other site)": (
        "/studies/{s}/paper/form.pdf?session={SB}",
        dict(lead=200, coordinator=404, admin=200),
    ),
    "surveys:session_poster": (
        "/studies/{s}/sessions/{SA}/poster.pdf",
        dict(lead=200, coordinator=200, admin=200),
    ),
    "surveys:session_poster (other site)": (
        "/studies/{s}/sessions/{SB}/poster.pdf",
        dict(lead=200, admin=200),
    ),
    "surveys:paper_form": (
        "/studies/{s}/paper/{PA}/",
        dict(lead=200, coordinator=200, admin=200),
    ),
    "surveys:paper_form (other site)": ("/studies/{s}/paper/{PB}/", dict(lead=200, admin=200)),
    "surveys:paper_second": (
        "/studies/{s}/paper/{PA}/second/",
        dict(lead=200, coordinator=200, admin=200),
    ),
    "surveys:paper_second (other site)": (
        "/studies/{s}/paper/{PB}/second/",
        dict(lead=200, admin=200),
    ),
    # Exports: lead, analyst, admin (never a coordinator); imports: lead, admin.
    "surveys:export": ("/studies/{s}/export/", dict(lead=200, analyst=200, admin=200)),
    "surveys:export_download": (
        "/studies/{s}/export/sav/",
        dict(lead=200, analyst=200, admin=200),
    ),
    "surveys:import": ("/studies/{s}/import/", dict(lead=200, admin=200)),
    # Instruments: everyone with a staff role looks and previews; leads and admins upload (the
    # confirmation step with no upload waiting goes back to the list).  {IV}: the study's version.
    "surveys:instruments": (
        "/instruments/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:instrument_confirm": ("/instruments/confirm/", dict(lead=302, admin=302)),
    "surveys:study_instrument": ("/studies/{s}/instrument/", dict(lead=200, admin=200)),
    "surveys:instrument_version": (
        "/instruments/{IV}/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:instrument_download": (
        "/instruments/{IV}/download/yaml/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:instrument_preview": (
        "/instruments/{IV}/preview/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:instrument_preview_page": (
        "/instruments/{IV}/preview/1/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "surveys:instrument_preview_check": (
        "/instruments/{IV}/preview/check/",
        dict(lead=200, coordinator=200, analyst=200, admin=200),
    ),
}
STAFF.update(INTERVIEWS)  # the interview pages: tests/web/interviews/roles.py
EVERYONE = {role: 200 for role in ROLES}
PUBLIC = {
    "home": ("/", {**EVERYONE, **{r: 302 for r in ROLES if r != "anonymous"}}),
    "accounts:login": (
        "/accounts/login/",
        {**EVERYONE, **{r: 302 for r in ROLES if r != "anonymous"}},
    ),
    "accounts:logout": ("/accounts/logout/", {role: 405 for role in ROLES}),
    "surveys:start": ("/s/{token}/", EVERYONE),
    "surveys:resume": ("/resume/", EVERYONE),
    # The answer pages find their draft through the browser's respondent session: without one
    # (as here) each says no answers are in progress (404).  An address of before, with a code
    # in it, is sent to "continue a survey" without reading it.
    "surveys:resume_entry": ("/answer/", {role: 404 for role in ROLES}),
    "surveys:page": ("/answer/1/", {role: 404 for role in ROLES}),
    "surveys:check": ("/answer/check/", {role: 404 for role in ROLES}),
    "surveys:saved": ("/answer/saved/", {role: 404 for role in ROLES}),
    "surveys:old_address": ("/r/{code}/1/", {role: 302 for role in ROLES}),
    "surveys:thanks": ("/thanks/{receipt}/", EVERYONE),
    # A training evaluation's pages (the study here is not one: no follow-up; the code and
    # "keep this page open" pages are answer pages, 404 without a respondent session).
    "surveys:follow_up": ("/f/{fu}/", {role: 404 for role in ROLES}),
    "surveys:code": ("/answer/code/", {role: 404 for role in ROLES}),
    "surveys:between": ("/answer/between/", {role: 404 for role in ROLES}),
    # Two-factor pages: anonymous visitors are sent to sign in; verify sends a person without an
    # app to set one up; the QR code exists once the set-up page has made a key.
    "security:account": ("/accounts/two-factor/", {**EVERYONE, "anonymous": 302}),
    "security:verify": ("/accounts/two-factor/verify/", {role: 302 for role in ROLES}),
    "security:setup": ("/accounts/two-factor/setup/", {**EVERYONE, "anonymous": 302}),
    "security:setup_qr": ("/accounts/two-factor/setup/qr.svg", {**EVERYONE, "anonymous": 404}),
    # New backup codes need an app set up: without one, the page sends to the account page.
    "security:backup_codes": ("/accounts/two-factor/backup-codes/", {r: 302 for r in ROLES}),
    # Passwords: changing one needs signing in; a forgotten one, or a link (here one that does
    # not work), does not.
    "accounts:password_change": ("/accounts/password/", {**EVERYONE, "anonymous": 302}),
    "accounts:password_reset": ("/accounts/password/forgotten/", EVERYONE),
    "accounts:password_reset_sent": ("/accounts/password/forgotten/sent/", EVERYONE),
    "accounts:set_password": ("/accounts/password/set/MQ/no-such-token/", EVERYONE),
}
ADMIN_SITE = {"admin:index": ("/admin/", {**{r: 302 for r in ROLES}, "admin": 200})}


@pytest.fixture
def objects(study, session_a, session_b):
    draft, code = services.start_draft(session_a)
    response = Response.objects.create(
        session=session_a,
        instrument=study.instrument,
        answers={"discipline": 1, "site": "A"},
        completed_on="2026-03-02",
        submission_token="receipt-token-for-tests",
    )
    from readiness.web.surveys.paper import enter_first

    study.double_entry = True
    study.save()
    analyst = study.memberships.get(role="analyst").user
    paper_a = enter_first(study, session_a, analyst, {"discipline": 2, "site": "A"}, "PA")
    paper_b = enter_first(study, session_b, analyst, {"discipline": 2, "site": "B"}, "PB")
    return interview_objects() | {
        "s": study.slug,
        "IV": study.instrument_id,
        "PA": paper_a.pk,
        "PB": paper_b.pk,
        "A": session_a.site_id,
        "B": session_b.site_id,
        "SA": session_a.pk,
        "SB": session_b.pk,
        "R": response.pk,
        "M": study.memberships.get(role="analyst").pk,
        "token": session_a.token,
        "fu": session_a.follow_up_token,
        "code": code,
        "receipt": response.submission_token,
    }


def _client(client, django_user_model, role):
    if role != "anonymous":
        client.force_login(django_user_model.objects.get(username=role))
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_url_with_every_role(client, django_user_model, objects, role):
    client = _client(client, django_user_model, role)
    failures = []
    for name, (template, allowed) in {**STAFF, **PUBLIC, **ADMIN_SITE}.items():
        path = template.format(**objects)
        if role == "anonymous" and name in STAFF:
            expected = 302  # sent to sign in
        else:
            expected = allowed.get(role, 403)
        got = client.get(path).status_code
        if got != expected:
            failures.append(f"{name} {path}: expected {expected}, got {got}")
    assert not failures, "\n".join(failures)


def test_anonymous_staff_pages_redirect_to_sign_in(client, objects):
    response = client.get(f"/studies/{objects['s']}/")
    assert response["Location"].startswith("/accounts/login/?next=")


def test_every_url_is_in_the_table():
    names = set()
    resolver = get_resolver()
    for namespace in ("surveys", "accounts", "interviews", "security", "audit"):
        sub = resolver.namespace_dict[namespace][1]
        names |= {f"{namespace}:{n}" for n in sub.reverse_dict if isinstance(n, str)}
    covered = {n.split(" (")[0] for n in {**STAFF, **PUBLIC}}
    assert names - covered == set()


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        ("coordinator", "/studies/{s}/sites/", {"code": "C", "name": "Site C"}),
        ("analyst", "/studies/{s}/sites/", {"code": "C", "name": "Site C"}),
        ("coordinator", "/studies/{s}/sessions/{SB}/", {"date": "2026-04-01", "attended": "5"}),
        ("analyst", "/studies/{s}/sites/{A}/", {"date": "2026-04-01", "attended": "5"}),
        ("coordinator", "/studies/{s}/sites/{B}/", {"date": "2026-04-01", "attended": "5"}),
        ("coordinator", "/studies/{s}/members/", {"username": "coordinator", "role": "lead"}),
        ("analyst", "/studies/{s}/settings/", {"name": "Taken over"}),
        ("coordinator", "/studies/{s}/members/{M}/remove/", {}),
        ("outsider", "/studies/{s}/sites/", {"code": "C", "name": "Site C"}),
    ],
)
def test_changes_are_forbidden_without_the_role(
    client, django_user_model, objects, role, path, data
):
    client = _client(client, django_user_model, role)
    assert client.post(path.format(**objects), data).status_code == 403


def test_coordinator_adds_a_session_at_their_own_site(client, django_user_model, objects):
    client = _client(client, django_user_model, "coordinator")
    response = client.post(
        f"/studies/{objects['s']}/sites/{objects['A']}/",
        {"date": "2026-04-01", "attended": "12", "is_open": "on"},
    )
    assert response.status_code == 302
    assert "/sessions/" in response["Location"]
