"""More responses than staff attending (anyone with a session's link can submit one more) is
shown as a response rate above 100% with a warning: the dashboard and the report never fail."""

from __future__ import annotations

from readiness.web.surveys.models import Response


def test_more_responses_than_attending_shows_a_rate_above_100_percent(study, session_a, client):
    """Anyone with the link can submit one response more than the session's attendance: the
    dashboard and the report then show the rate above 100% with a warning, never an error."""
    for i in range(session_a.attended + 1):
        Response.objects.create(
            session=session_a,
            instrument=study.instrument,
            answers={"site": "A", "discipline": 1 + i % 3, "contact_ever": i % 2},
            completed_on="2026-03-02",
            submission_token=f"token-{i}",
        )
    client.force_login(study.memberships.get(role="lead").user)
    html = client.get(f"/studies/{study.slug}/").content.decode()
    assert "cannot be computed" not in html and 'id="indicators"' in html
    assert "105.0%" in html  # 21 of 20
    warning = html[html.index('id="above-attendance"') :]
    assert "More responses than staff attending were recorded" in warning
    assert f"{session_a.code}" in warning and "check the session's attending count" in warning
    report = client.get(f"/studies/{study.slug}/report/")
    assert report.status_code == 200
    assert (
        f"response rate above 100%: session &#39;{session_a.code}&#39;" in report.content.decode()
    )
