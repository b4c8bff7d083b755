"""``readiness web correct`` and ``readiness web delete-response``: the same corrections and
deletions as the web pages, from the shell, recorded in the audit log as the system's."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from readiness.cli import cli
from readiness.errors import ReadinessError
from readiness.web.audit.models import Event
from readiness.web.surveys.models import Response, Study
from tests.web.test_corrections import make_response

pytestmark = pytest.mark.django_db


def run(*args):
    return CliRunner().invoke(cli, ["web", *args])


def test_correct_from_the_shell(study, session_a):
    response = make_response(session_a)
    result = run(
        "correct",
        *("--study", study.slug, "--response", str(response.pk)),
        *("--set", "discipline=4", "--set", "training_where=2 5", "--set", "profession="),
        *("--reason", "Paper form P3 re-checked"),
    )
    assert result.exit_code == 0, result.output
    assert "discipline: Maternity (2) -> Paediatrics (4)" in result.output
    assert "profession: Midwife (3) -> Not answered" in result.output
    stored = Response.objects.get(pk=response.pk).answers
    assert stored["discipline"] == 4 and stored["training_where"] == "2 5"
    assert "profession" not in stored
    event = Event.objects.get(action="response_corrected")
    assert event.username == "" and event.detail["reason"] == "Paper form P3 re-checked"
    assert Study.objects.get(pk=study.pk).data_revision == 1


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("years_qualified=75", "Enter a whole number between 0 and 60"),
        ("no_such_item=1", "no item 'no_such_item'"),
        ("site=B", "site is not answered by a respondent"),
        ("training_when=2024-13", "Month must be a number from 1 to 12"),
    ],
)
def test_a_value_that_cannot_be_used_is_named(study, session_a, setting, message):
    response = make_response(session_a)
    result = run(
        "correct",
        "--study",
        study.slug,
        "--response",
        str(response.pk),
        "--set",
        setting,
        "--reason",
        "Trying",
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, ReadinessError) and message in str(result.exception)
    assert Response.objects.get(pk=response.pk).answers == response.answers


def test_delete_from_the_shell(study, session_a):
    response = make_response(session_a)
    other = run("delete-response", "--study", study.slug, "--response", "999999", "--reason", "x")
    assert "has no response 999999" in str(other.exception)
    result = run(
        "delete-response",
        "--study",
        study.slug,
        "--response",
        str(response.pk),
        "--reason",
        "Respondent withdrew",
    )
    assert result.exit_code == 0, result.output
    assert f"Response {response.pk} of study {study.slug} deleted" in result.output
    assert not Response.objects.filter(pk=response.pk).exists()
    assert Event.objects.get(action="response_deleted").detail["reason"] == "Respondent withdrew"
