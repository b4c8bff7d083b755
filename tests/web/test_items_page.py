"""The study's "Every question" page: every item's summary from the dashboard's kept results,
small cells hidden for a site coordinator as on the dashboard."""

from __future__ import annotations

import re

import pytest

from readiness.web.surveys.models import Response

pytestmark = pytest.mark.django_db


def _respond(session, n: int, start_at: int = 0) -> None:
    for i in range(start_at, start_at + n):
        Response.objects.create(
            session=session,
            instrument=session.site.study.instrument,
            answers={
                "site": session.site.code,
                "discipline": 1 + i % 2,
                "contact_ever": 1 if i == 0 else 0,  # one respondent had contact
                "training_prior": i % 2,
                "years_qualified": 3 + i,
                "profession_other": "my own words" if i < 6 else "",
            },
            completed_on="2026-03-02",
            submission_token=f"token-{i}",
        )


def _row(html: str, item_id: str, label: str) -> str:
    table = html[html.index(f'id="question-{item_id}"') :]
    table = table[: table.index("</table>")]
    row = table[table.index(f">{label}</th>") :]
    return re.sub(r"\s+", " ", row[: row.index("</tr>")])


def test_the_lead_sees_every_question_with_its_figures(client, study, session_a):
    _respond(session_a, 20)
    client.force_login(study.memberships.get(role="lead").user)
    dashboard = client.get(f"/studies/{study.slug}/").content.decode()
    assert f'href="/studies/{study.slug}/questions/"' in dashboard  # in the study's menu
    html = client.get(f"/studies/{study.slug}/questions/").content.decode()
    instrument = study.instrument.instrument
    for item in instrument.data_items:
        assert f'id="question-{item.id}"' in html
    assert '<td class="nhsuk-table__cell readiness-num">1</td>' in _row(html, "contact_ever", "Yes")
    assert "20" in _row(html, "years_qualified", "Answered (n)")
    assert "12.50 (5.92)" in _row(html, "years_qualified", "Mean (SD)")
    assert "my own words" not in html  # free text is counted, never shown
    assert "6" in _row(html, "profession_other", "Answered (n)")


def test_a_coordinator_sees_small_cells_hidden(client, study, session_a):
    _respond(session_a, 20)
    client.force_login(study.memberships.get(role="coordinator").user)
    html = client.get(f"/studies/{study.slug}/questions/").content.decode()
    assert "[c]" in _row(html, "contact_ever", "Yes")  # 1 respondent
    assert "[c]" in _row(html, "contact_ever", "No")  # 19 = 20 - 1: it would give the 1 away
    assert "[c]" not in _row(html, "discipline", "Emergency medicine")


def test_without_responses_the_page_says_so(client, study):
    client.force_login(study.memberships.get(role="analyst").user)
    html = client.get(f"/studies/{study.slug}/questions/").content.decode()
    assert "No responses yet." in html
