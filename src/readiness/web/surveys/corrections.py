"""Correcting a response's answers, and deleting a response, each with a reason and a trail.

A study lead (permission ``correct_responses``) may change the answers of a response, or
delete it, when it is wrong (a paper form keyed wrongly, a test response, a respondent who
withdrew).  Neither is silent:

* a correction is read with the same parsing as the respondent pages and paper entry
  (:func:`readiness.instrument.answers.parse_answers`, through :func:`.paper.read_entry`), is
  checked by the core validator, and changes the answers in one transaction with an audit entry
  (action ``response_corrected``) holding the reason and, for each changed item only, the
  answer before and after, as a person reads them ("Agree (4)"); a save that changes nothing
  is refused;
* a deletion removes the response in one transaction with an audit entry (action
  ``response_deleted``) that keeps everything it held: its answers (codes, and as read), its
  session, site, source, wave, completion date and instrument version.  A paper form that
  became the response is kept, with no response (its number stays taken, so the same paper
  cannot count again by mistake), and its page says that its response was deleted.  An
  evaluation's response paired with it (the same device's other wave) stays, unpaired.

Both raise the study's ``data_revision`` (``F() + 1``, in the same transaction), so that
dashboard results, kept response frames and release stamps made before are not used again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from readiness.errors import ReadinessError
from readiness.instrument.model import Instrument
from readiness.web import audit
from readiness.web.audit.actions import RESPONSE_CORRECTED, RESPONSE_DELETED
from readiness.web.surveys import paper, respondent, services
from readiness.web.surveys.models import PaperForm, Response, Study, Wave

MAX_REASON = 1000
NOTHING_CHANGED = (
    "Nothing changed: change at least one answer, or go back to the response without saving"
)


class CorrectionError(ReadinessError):
    """A correction or deletion that cannot be made (no reason, nothing changed)."""


@dataclass(frozen=True)
class Change:
    """One item whose answer a correction changes, as a person reads the answers."""

    item: str
    question: str
    before: str
    after: str

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "question": self.question,
            "before": self.before,
            "after": self.after,
        }


def reason_problem(reason: str, what: str = "correction") -> str | None:
    """Why the reason given cannot be kept (blank, too long), or None."""
    text = (reason or "").strip()
    if not text:
        return f"Enter the reason for the {what}"
    if len(text) > MAX_REASON:
        return f"The reason must be {MAX_REASON} characters or fewer"
    return None


def answers_digest(answers: dict) -> str:
    """A digest of stored answers: the correction form carries the one it was opened with, so
    that a correction made meanwhile by someone else is not overwritten unseen."""
    text = json.dumps(answers, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def form_values(instrument: Instrument, answers: dict) -> dict:
    """The entry form's values for stored answers: each keyed item's answer as it is posted
    (the form shows every item of the instrument, answered or not)."""
    return {item.id: respondent._raw(item, answers, None) for item in paper.entry_items(instrument)}


def read_correction(response: Response, form) -> paper.Entry:
    """Read the posted correction form of a response (``form`` has ``get`` and ``getlist``):
    every keyed item is posted, a blank one is unanswered; the hidden items keep their stored
    answers and calculated items are computed again."""
    instrument = response.instrument.instrument
    keyed = {item.id for item in paper.entry_items(instrument)}
    kept = {k: v for k, v in response.answers.items() if k not in keyed}
    return paper.read_entry(instrument, form, prefilled=kept)


def changes(instrument: Instrument, before: dict, after: dict) -> list[Change]:
    """The items whose answers differ, in the instrument's order (then any other key)."""
    ids = [item.id for item in instrument.items]
    ids += sorted((set(before) | set(after)) - set(ids))
    out = []
    for item_id in ids:
        old, new = before.get(item_id), after.get(item_id)
        if paper.same(old, new):
            continue
        item = instrument.item(item_id) if item_id in instrument.item_ids else None
        out.append(
            Change(
                item_id,
                item.text if item else "",
                paper.shown_value(item, old) if item else _plain(old),
                paper.shown_value(item, new) if item else _plain(new),
            )
        )
    return out


def _plain(value) -> str:
    return "Not answered" if value is None or value == "" else str(value)


def _locked(response: Response) -> Response:
    """The response, locked until the transaction ends (PostgreSQL), read again."""
    locked = (
        Response.objects.select_for_update(of=("self",))
        .select_related("session__site__study", "instrument")
        .filter(pk=response.pk)
        .first()
    )
    if locked is None:
        raise CorrectionError(f"Response {response.pk} was deleted a moment ago by someone else.")
    return locked


def _raise_revision(study_id: int) -> None:
    Study.objects.filter(pk=study_id).update(data_revision=F("data_revision") + 1)


@transaction.atomic
def correct(
    response: Response, user, answers: dict, reason: str, seen: str | None = None
) -> list[Change]:
    """Change the response's answers to ``answers`` (a :func:`read_correction`'s answers);
    returns the changes.  ``seen``: the :func:`answers_digest` of the answers the form was
    opened with.  Raises :class:`CorrectionError` for a missing reason, answers changed since
    they were seen, or nothing changed, and ``ResponsesError`` for answers the core validator
    refuses."""
    problem = reason_problem(reason)
    if problem:
        raise CorrectionError(problem + ".")
    locked = _locked(response)
    if seen is not None and answers_digest(locked.answers) != seen:
        raise CorrectionError(
            f"Response {locked.pk} was changed by someone else after you opened it. Open it "
            "again to see its answers now, and make your correction there."
        )
    instrument = locked.instrument.instrument
    new = services.final_answers(instrument, answers)
    changed = changes(instrument, locked.answers, new)
    if not changed:
        raise CorrectionError(NOTHING_CHANGED + ".")
    locked.answers = new
    locked.save(update_fields=["answers"])
    study = locked.session.site.study
    _raise_revision(study.pk)
    audit.record(
        user,
        RESPONSE_CORRECTED,
        study=study,
        detail={
            "response": locked.pk,
            "reason": reason.strip(),
            "session": locked.session.code,
            "instrument": str(locked.instrument),
            "changes": [c.as_dict() for c in changed],
        },
    )
    response.answers = new
    return changed


# -- deletion ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletionNotes:
    """What else a deletion touches, for the confirmation page."""

    paper_form: PaperForm | None  # the paper form that became the response
    paired: list[Response]  # the same device's other wave (an evaluation)
    follow_ups: list[int]  # follow-up responses joined to this (pre) response by their code


def deletion_notes(response: Response) -> DeletionNotes:
    form = PaperForm.objects.filter(response=response).first()
    paired: list[Response] = []
    follow_ups: list[int] = []
    if response.link:
        paired = list(
            Response.objects.filter(session__site__study=response.session.site.study_id)
            .filter(link=response.link)
            .exclude(pk=response.pk)
            .order_by("id")
        )
    if response.wave == Wave.PRE:
        from readiness.web.surveys import waves

        linkage, _joined = waves.follow_up_linkage(response.session.site.study)
        follow_ups = sorted(int(x.later) for x in linkage.links if x.earlier == str(response.pk))
    return DeletionNotes(form, paired, follow_ups)


def answers_kept(instrument: Instrument, answers: dict) -> list[dict]:
    """A response's answers as the audit log keeps them: per item in the instrument's order,
    the stored code and the answer as read."""
    ids = [item.id for item in instrument.items if item.id in answers]
    ids += sorted(set(answers) - set(ids))
    out = []
    for item_id in ids:
        item = instrument.item(item_id) if item_id in instrument.item_ids else None
        value = answers[item_id]
        out.append(
            {
                "item": item_id,
                "question": item.text if item else "",
                "code": value,
                "answer": paper.shown_value(item, value) if item else _plain(value),
            }
        )
    return out


@transaction.atomic
def delete(response: Response, user, reason: str) -> dict:
    """Delete the response; returns the audit entry's detail, which keeps all it held.
    Raises :class:`CorrectionError` without a reason."""
    problem = reason_problem(reason, "deletion")
    if problem:
        raise CorrectionError(problem + ".")
    locked = _locked(response)
    notes = deletion_notes(locked)
    study = locked.session.site.study
    detail = {
        "response": locked.pk,
        "reason": reason.strip(),
        "session": locked.session.code,
        "site": locked.session.site.code,
        "source": locked.source,
        "wave": locked.wave,
        "completed_on": locked.completed_on.isoformat(),
        "instrument": str(locked.instrument),
        "synthetic": locked.synthetic,
        "answers": answers_kept(locked.instrument.instrument, locked.answers),
    }
    if locked.origin or locked.origin_id:
        detail.update(origin=locked.origin, origin_id=locked.origin_id)
    if notes.paper_form is not None:
        detail["paper_form"] = notes.paper_form.reference
    if notes.paired:
        detail["left_unpaired"] = [r.pk for r in notes.paired]
    if notes.follow_ups:
        detail["follow_ups_unjoined"] = notes.follow_ups
    locked.delete()  # a paper form's ``response`` becomes empty (SET_NULL)
    _raise_revision(study.pk)
    audit.record(user, RESPONSE_DELETED, study=study, detail=detail)
    return detail
