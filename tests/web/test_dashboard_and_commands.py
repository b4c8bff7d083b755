"""The demonstration study, the dashboard's figures and the web commands."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from readiness.cli import cli
from readiness.web.accounts.models import Membership, Role
from readiness.web.surveys import dashboard, services
from readiness.web.surveys.demo import DEMO_SLUG, demo_accounts, load_demo
from readiness.web.surveys.models import Response, Session
from tests.web.helpers import answer_all, post_page, start


@pytest.fixture
def demo(db):
    study, created = load_demo()
    assert created
    return study


def test_demo_study_holds_the_matched_cohort(demo):
    assert demo.sites.count() == 10
    counts = services.counts(demo)
    assert counts["responded"] == 782
    assert counts["attended"] == 892
    assert load_demo()[1] is False  # idempotent
    assert Response.objects.count() == 782


def test_dashboard_figures_come_from_the_core_analysis(demo, make_user, client):
    lead = make_user("lead-user")
    Membership.objects.create(user=lead, study=demo, role=Role.LEAD)
    client.force_login(lead)
    html = client.get(f"/studies/{DEMO_SLUG}/").content.decode()
    assert "<strong>782</strong> responses from 892 attending: response rate 87.7%" in html
    # The published count for women's referrals: 528 of 782 (67.5%).
    assert "67.5%" in html and "528/782" in html
    assert "Cronbach" in html and "0.93" in html  # perceived knowledge, published 0.93
    assert "Maternity" in html  # by discipline


def test_coordinator_sees_own_sites_with_small_cells_suppressed(demo, make_user, client):
    user = make_user("coord")
    membership = Membership.objects.create(user=user, study=demo, role=Role.COORDINATOR)
    membership.sites.set(demo.sites.filter(code="T01"))
    client.force_login(user)
    html = client.get(f"/studies/{DEMO_SLUG}/").content.decode()
    t01 = Response.objects.filter(session__site__code="T01").count()
    assert f"<strong>{t01}</strong> responses" in html
    assert not re.search(r"\bT02\b", html)  # as a word: never a piece of a CSRF token
    assert "[c]" in html  # a hidden cell
    assert "Figures based on fewer than 5 people are not shown" in html
    # No cell of the indicator table shows a count below 5.
    table = html[html.index('id="indicators"') :]
    table = table[: table.index("</table>")]
    shown = re.findall(r"(\d+)/(\d+)", table)
    assert shown
    for count, n in shown:
        for cell in (int(count), int(n) - int(count)):
            assert cell == 0 or cell >= 5


def test_sites_are_clusters_only_when_there_are_enough_of_them(demo, make_user, client, settings):
    lead = make_user("lead-user")
    Membership.objects.create(user=lead, study=demo, role=Role.LEAD)
    coordinator = make_user("coord")
    membership = Membership.objects.create(user=coordinator, study=demo, role=Role.COORDINATOR)
    membership.sites.set(demo.sites.filter(code__in=["T01", "T02"]))
    client.force_login(lead)
    html = client.get(f"/studies/{DEMO_SLUG}/").content.decode()
    assert "survey::svyciprop" in html and 'id="design-note"' not in html  # 10 sites
    client.force_login(coordinator)
    html = client.get(f"/studies/{DEMO_SLUG}/").content.decode()
    assert "Wilson score interval" in html and "svyciprop" not in html
    assert "2 sites are too few to estimate how much sites differ" in html
    assert "treated as clusters from 10" in html
    settings.READINESS_MIN_CLUSTERS = 2  # the operator's choice: clusters from two sites
    html = client.get(f"/studies/{DEMO_SLUG}/").content.decode()
    assert "survey::svyciprop" in html and 'id="design-note"' not in html


def test_suppression_follows_the_report_rules():
    from readiness.analysis.survey import Estimate

    def est(k, n):
        return Estimate(k, n, 100 * k / n, None, None, "wilson")

    overall, groups = dashboard.suppress_row(est(52, 80), [est(30, 50), est(2, 10), est(20, 20)], 5)
    assert overall["count"] == 52 and not overall["suppressed"]
    assert groups[1]["count"] is None and groups[1]["percent"] is None  # 2 of 10
    assert groups[1]["n"] == 10
    # 2 hidden could be worked out from 52 - 30 - 20: another group is hidden beside it.
    assert sum(g["count"] is None for g in groups) == 2


def test_dashboard_count_follows_a_new_response(demo, make_user, client):
    lead = make_user("lead-user")
    Membership.objects.create(user=lead, study=demo, role=Role.LEAD)
    staff = type(client)()
    staff.force_login(lead)
    assert "<strong>782</strong>" in staff.get(f"/studies/{DEMO_SLUG}/").content.decode()
    session = Session.objects.get(code="T01-1")
    code = start(client, session)
    token = answer_all(client, code)
    post_page(client, "check", {"submission_token": token})
    html = staff.get(f"/studies/{DEMO_SLUG}/").content.decode()
    assert "<strong>783</strong>" in html
    assert re.search(r"<strong>783</strong> responses from 892", html)


def test_each_demo_account_has_its_own_password_new_each_time(demo, django_user_model):
    first = demo_accounts(demo)
    second = demo_accounts(demo)
    assert [a.username for a in first] == ["demo", "demo-coordinator", "demo-analyst"]
    passwords = [a.password for a in second]
    assert len(set(passwords)) == 3  # not one password shared by the three
    assert not {a.password for a in first} & set(passwords)
    for account in second:
        user = django_user_model.objects.get(username=account.username)
        assert user.check_password(account.password)
        assert not any(user.check_password(p) for p in passwords if p != account.password)
    assert django_user_model.objects.get(username="demo").has_perm("surveys.add_study")


def test_web_demo_command(db):
    result = CliRunner().invoke(cli, ["web", "demo"])
    assert result.exit_code == 0, result.output
    assert (
        "Loaded the demonstration study 'demo': 10 sites, 782 responses (SYNTHETIC)."
        in result.output
    )
    assert "Address:  http://127.0.0.1:8000/" in result.output
    assert re.search(r"Login:    demo +password \S+ +Study lead", result.output)
    printed = re.findall(r"Login:    \S+ +password (\S+)", result.output)
    assert len(printed) == len(set(printed)) == 3
    again = CliRunner().invoke(cli, ["web", "demo", "--port", "9000"])
    assert "Found the demonstration study" in again.output
    assert "http://127.0.0.1:9000/" in again.output


def test_createadmin_command(db, django_user_model):
    result = CliRunner().invoke(
        cli,
        ["createadmin", "--username", "root-admin", "--password-stdin"],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    user = django_user_model.objects.get(username="root-admin")
    assert user.is_superuser and user.check_password("correct horse battery")
    weak = CliRunner().invoke(
        cli, ["createadmin", "--username", "x", "--password-stdin"], input="123\n"
    )
    assert weak.exit_code != 0 and "too short" in weak.output


def test_migrate_command(db):
    result = CliRunner().invoke(cli, ["migrate", "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Database: ")


def test_session_qr_code_is_an_svg_of_the_link(client, session_a, django_user_model):
    client.force_login(django_user_model.objects.get(username="lead"))
    svg = client.get(f"/studies/{session_a.site.study.slug}/sessions/{session_a.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg") and b"QR code for the survey link" in svg.content
    page = client.get(f"/studies/{session_a.site.study.slug}/sessions/{session_a.pk}/").content
    assert f"http://testserver/s/{session_a.token}/".encode() in page
