"""``readiness web correct`` and ``readiness web delete-response``: what a study lead's
"Correct answers" and "Delete this response" do (:mod:`.corrections`), from the shell.  The
audit log records them as done by the system (no account).  Django is imported only when a
command runs."""

from __future__ import annotations

import click

from readiness.errors import ReadinessError
from readiness.web.surveys.cli import _study


def _response(study, response_id: int):
    from readiness.web.surveys.models import Response

    response = (
        Response.objects.select_related("session__site", "instrument")
        .filter(pk=response_id, session__site__study=study)
        .first()
    )
    if response is None:
        raise ReadinessError(
            f"study {study.slug} has no response {response_id}. Fix: give the id shown in its "
            "list of responses."
        )
    return response


def posted_text(item, text: str):
    """A value typed on the command line as the web form posts it: codes separated by spaces
    for a multiple choice, YYYY-MM for a month and year, YYYY-MM-DD (and THH:MM) for a date."""
    if item.type == "multiple_choice":
        return text.replace(",", " ").split()
    if item.type == "month_year":
        year, _, month = text.partition("-")
        return {"month": month.lstrip("0"), "year": year}
    if item.type in ("date", "datetime"):
        day_part, _, time = text.partition("T")
        year, month, day = (day_part.split("-") + ["", ""])[:3]
        parts = {"day": day.lstrip("0"), "month": month.lstrip("0"), "year": year}
        return {**parts, "time": time} if item.type == "datetime" else parts
    return text


def corrected_answers(instrument, answers: dict, settings: tuple[str, ...]) -> dict:
    """The answers with each ``ITEM=VALUE`` applied (an empty value removes the answer), each
    value read as the web form reads it; a :class:`ReadinessError` names the item and the fix."""
    from readiness.instrument.answers import is_blank, parse_answer
    from readiness.instrument.model import UNASKED_TYPES

    new = dict(answers)
    for setting in settings:
        item_id, sep, text = setting.partition("=")
        item_id = item_id.strip()
        if not sep or item_id not in instrument.item_ids:
            raise ReadinessError(
                f"--set {setting}: no item '{item_id}' in {instrument.id}. Fix: write "
                "ITEM=VALUE with an item id of the instrument (ITEM= removes the answer)."
            )
        item = instrument.item(item_id)
        if item.type in UNASKED_TYPES or item.hidden:
            raise ReadinessError(
                f"--set {setting}: {item_id} is not answered by a respondent. Fix: correct the "
                "questions it is filled in or worked out from."
            )
        raw = posted_text(item, text.strip())
        if is_blank(raw):
            new.pop(item_id, None)
            continue
        value, problem = parse_answer(item, raw)
        if problem:
            raise ReadinessError(f"--set {setting}: {item.text} - {problem}.")
        new[item_id] = value
    return new


@click.command("correct")
@click.option("--study", "slug", required=True, metavar="SLUG", help="The study's short name.")
@click.option("--response", "response_id", required=True, type=int, help="The response's id.")
@click.option(
    "--set",
    "settings",
    multiple=True,
    required=True,
    metavar="ITEM=VALUE",
    help="An answer to change (repeat for several); ITEM= removes the answer.",
)
@click.option("--reason", required=True, help="Why: kept in the audit log.")
def correct_command(slug: str, response_id: int, settings: tuple[str, ...], reason: str) -> None:
    """Correct answers of a response, with the reason.

    Each value is read as the web form reads it (choice codes; codes separated by spaces for a
    multiple choice; YYYY-MM for a month and year; YYYY-MM-DD for a date), and the answers are
    checked by the validator.  The audit log keeps each changed answer before and after.
    """
    study = _study(slug)  # sets Django up first
    from readiness.web.surveys import corrections

    response = _response(study, response_id)
    instrument = response.instrument.instrument
    answers = corrected_answers(instrument, response.answers, settings)
    seen = corrections.answers_digest(response.answers)
    changes = corrections.correct(response, None, answers, reason, seen=seen)
    click.echo(f"Response {response.pk} of study {study.slug} corrected:")
    for change in changes:
        click.echo(f"  {change.item}: {change.before} -> {change.after}")


@click.command("delete-response")
@click.option("--study", "slug", required=True, metavar="SLUG", help="The study's short name.")
@click.option("--response", "response_id", required=True, type=int, help="The response's id.")
@click.option("--reason", required=True, help="Why: kept in the audit log.")
def delete_command(slug: str, response_id: int, reason: str) -> None:
    """Delete a response, with the reason.

    The audit log keeps all it held (answers, session, source, wave, day completed).  A paper
    form that became it is kept, with no response.
    """
    study = _study(slug)  # sets Django up first
    from readiness.web.surveys import corrections

    response = _response(study, response_id)
    detail = corrections.delete(response, None, reason)
    n = len(detail["answers"])
    click.echo(
        f"Response {response_id} of study {study.slug} deleted; its {n} answers and the reason "
        "are kept in the audit log."
    )
