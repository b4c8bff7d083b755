"""A site coordinator cannot read one respondent's answers by comparing the dashboard before
and after they submit: results for roles that see suppressed results are released in steps of
``min_cell`` responses in each discipline (readiness.web.surveys.release)."""

from __future__ import annotations

import pandas as pd
import pytest

from readiness.web.surveys import dashboard, release
from readiness.web.surveys.models import Response
from tests.web.helpers import answer_all, post_page, start


def _respond(session, disciplines: list[int], start_at: int = 0) -> None:
    """Responses with these disciplines, answering contact and prior training in turn."""
    for i, discipline in enumerate(disciplines, start=start_at):
        Response.objects.create(
            session=session,
            instrument=session.site.study.instrument,
            answers={
                "site": session.site.code,
                "discipline": discipline,
                "contact_ever": i % 2,
                "training_prior": (i // 2) % 2,
            },
            completed_on="2026-03-02",
            submission_token=f"token-{i}",
        )


def _submit(session) -> None:
    """One response through the respondent's pages (discipline 2, Maternity)."""
    from django.test import Client

    client = Client()
    code = start(client, session)
    token = answer_all(client, code)
    assert post_page(client, "check", {"submission_token": token}).status_code == 302


def _results_part(html: str) -> str:
    """The dashboard from its results on (the counts above them stay current)."""
    return html[html.index("Key indicators by discipline") : html.index("</main>")]


def _views(client, study) -> tuple[str, str, str]:
    page = client.get(f"/studies/{study.slug}/").content.decode()
    status = client.get(f"/studies/{study.slug}/results/status/").content.decode()
    return page, _results_part(page), status


@pytest.fixture
def coordinator(client, study):
    client.force_login(study.memberships.get(role="coordinator").user)
    return client


def test_one_more_response_does_not_change_what_a_coordinator_sees(coordinator, study, session_a):
    _respond(session_a, [1, 2] * 5)  # 10 responses: 5 in emergency medicine, 5 in maternity
    page, before, status = _views(coordinator, study)
    assert "10 responses" in before and 'id="indicators"' in before
    assert status == '{"current": true}'
    _submit(session_a)
    page_after, after, status_after = _views(coordinator, study)
    assert "<strong>11</strong> responses" in page_after  # the count of people stays current
    assert after == before  # ... but no figure the one respondent's answers changed
    assert status_after == status  # and the status address says nothing about it
    assert coordinator.get(f"/studies/{study.slug}/report/").status_code == 403


def test_results_change_once_min_cell_more_responses_of_a_discipline_arrive(
    coordinator, study, session_a
):
    _respond(session_a, [1, 2] * 5)
    _page, before, _status = _views(coordinator, study)
    _submit(session_a)
    _respond(session_a, [2] * 4, start_at=10)  # five more in maternity
    _page, after, _status = _views(coordinator, study)
    assert after != before and "15 responses" in after


def test_a_lone_respondent_of_another_discipline_is_never_singled_out(
    coordinator, study, session_a
):
    """Five new responses, four in one discipline and one alone in a third: differencing the
    third discipline's column would give that person's answers, so nothing changes."""
    _respond(session_a, [1, 2] * 5)
    _page, before, _status = _views(coordinator, study)
    _respond(session_a, [1, 1, 1, 1, 3], start_at=10)
    _page, after, _status = _views(coordinator, study)
    assert after == before


def test_a_lone_respondent_shows_no_empty_cells_to_a_coordinator(client, study, session_a):
    _respond(session_a, [1] * 5)  # one discipline only: every other one is empty
    client.force_login(study.memberships.get(role="lead").user)
    assert "no answers" in client.get(f"/studies/{study.slug}/").content.decode()
    client.force_login(study.memberships.get(role="coordinator").user)
    html = client.get(f"/studies/{study.slug}/").content.decode()
    assert 'id="indicators"' in html and "no answers" not in html


def test_a_single_response_gives_a_coordinator_nothing_to_compare(coordinator, study, session_a):
    _page, before, status = _views(coordinator, study)
    _submit(session_a)
    page, after, status_after = _views(coordinator, study)
    assert "no answers" not in page and 'id="indicators"' not in page
    assert after == before and status_after == status
    assert "steps of 5 responses" in after


def test_empty_cells_beside_hidden_ones_are_hidden():
    from readiness.analysis.survey import Estimate

    def est(k, n):
        return Estimate(k, n, 100 * k / n if n else None, None, None, "wilson")

    overall, groups = dashboard.suppress_row(est(1, 1), [est(1, 1), est(0, 0), est(0, 0)], 5)
    assert overall["suppressed"] and all(g["suppressed"] and not g["empty"] for g in groups)
    assert all(g["n"] is None and g["count"] is None for g in groups)


def test_each_discipline_is_released_in_steps_of_min_cell():
    disciplines = [1, 2, 1, 3, 1, 1, 2, None, 1, 2, 2, 2, 3, 1, None, 2, 2]
    frame = pd.DataFrame(
        {"response_id": [str(i) for i in range(1, 18)], "discipline": disciplines}
    ).sample(frac=1, random_state=4)  # the rule follows the ids, not the frame's order
    kept = release.released(frame, 5, "discipline")
    # The first 15 by id hold six in discipline 1 and five in 2: the first five of each.
    assert kept["response_id"].tolist() == ["1", "2", "3", "5", "6", "7", "9", "10", "11", "12"]
    assert release.released(frame.head(4), 5, "discipline").empty
    whole = release.released(frame, 1, "discipline")
    assert sorted(whole["response_id"], key=int) == [str(i) for i in range(1, 18)]


def test_the_release_stamp_moves_only_at_a_release_point(study, session_a):
    site_ids = {session_a.site_id}
    stamps = []
    for i in range(11):
        stamps.append(release.release_key(study, site_ids, 5))
        _respond(session_a, [1], start_at=i)
    assert len(set(stamps[0:5])) == 1 and len(set(stamps[5:10])) == 1
    assert stamps[4] != stamps[5] and stamps[9] != stamps[10]


def test_a_changed_attendance_brings_a_coordinators_results_up_to_date(study, session_a):
    """The released responses stay the same, but the response rate in the results depends on
    the sessions: a changed attending count moves the stamp, as it does for the lead's view."""
    _respond(session_a, [1] * 5)
    site_ids = {session_a.site_id}
    before = release.release_key(study, site_ids, 5)
    session_a.attended += 3
    session_a.save()
    assert release.release_key(study, site_ids, 5) != before
