"""Paper forms: staff key in the paper questionnaires, once or twice (double entry).

The entry form is the whole instrument on one page, section by section, with the NHS.UK
components of the respondent's pages (:mod:`.respondent` builds and reads them).  Entry differs
from answering in three ways: nothing is required (a respondent may leave a paper question
blank); every question is shown, those with a condition marked "only if ..." (a question
revealed by a choice of the same section is nested under that choice, as online); and answers
to questions whose condition is false for this form are not kept, and the person entering is
told which.

With the study's ``double_entry`` setting, two different people each key the same paper form
without seeing the other's entry; the entries are compared item by item.  A form counts
(becomes a :class:`~readiness.web.surveys.models.Response` with source ``paper``) only when
the entries agree, or when someone resolves every difference against the paper.  Without
double entry the form counts when it is entered.  Each form counts at most once: its response
carries the submission token ``paper-<form id>``, which the database keeps unique.

Every step is recorded in the audit log (action ``paper_entry``) through :mod:`.auditing`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from readiness.errors import ReadinessError
from readiness.instrument.answers import choices_of, parse_answers
from readiness.instrument.describe import describe_condition
from readiness.instrument.model import Instrument, Item, Section
from readiness.web.surveys import auditing, respondent, services
from readiness.web.surveys.models import (
    PaperEntry,
    PaperForm,
    PaperStatus,
    Response,
    Session,
    Source,
    Study,
)

MAX_REFERENCE = 40


class PaperError(ReadinessError):
    """A paper-entry step that cannot be taken (a taken reference, the same person twice...)."""


# -- the entry form (no database) --------------------------------------------------------------


def entry_items(instrument: Instrument, only: set[str] | None = None) -> list[Item]:
    """The items keyed from a paper form, in order (hidden items are filled in, not keyed)."""
    return [
        item
        for section in instrument.sections
        for item in respondent.asked_items(section, instrument)
        if only is None or item.id in only
    ]


def entry_fields(
    instrument: Instrument,
    *,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    only: set[str] | None = None,
    notes: dict[str, str] | None = None,
) -> list[tuple[Section, list[respondent.Field]]]:
    """The entry form: (section, its questions as :class:`respondent.Field` trees) per section.

    ``values`` are the raw values posted (shown back when there were errors); ``only`` limits
    the form to some items (resolving differences); ``notes`` adds a hint to an item.
    """
    errors = errors or {}
    notes = notes or {}
    out = []
    for section in instrument.sections:
        items = [
            i for i in respondent.asked_items(section, instrument) if only is None or i.id in only
        ]
        if not items:
            continue
        fields = {}
        for item in items:
            # Nothing is required on paper: the question is shown without "(required)".
            keyed = dataclasses.replace(item, required=False)
            f = respondent._field(keyed, {}, values or {}, errors.get(item.id))
            f.item = item
            fields[item.id] = f
        top = []
        for item in items:
            hint = []
            parent = respondent._parent_choice(section, instrument, item)
            nested = parent is not None and parent[0] in fields
            if item.show_if is not None and not nested:
                hint.append(f"Only if {describe_condition(item.show_if, instrument)}.")
            if item.id in notes:
                hint.append(notes[item.id])
            if hint:
                params = fields[item.id].params
                before = (params.get("hint") or {}).get("text") or ""
                params["hint"] = {"text": " ".join([before, *hint]).strip()}
            if nested:
                fields[parent[0]].children.setdefault(parent[1], []).append(fields[item.id])
            else:
                top.append(fields[item.id])
        out.append((section, top))
    return out


@dataclass
class Entry:
    """A posted entry form, read."""

    answers: dict  # the answers kept (hidden items filled in, inapplicable answers left out)
    errors: dict[str, str]  # item id -> message, in form order
    values: dict  # the raw values posted, to show back
    dropped: list[str]  # items answered whose condition is false for this form


def read_entry(
    instrument: Instrument,
    form,
    *,
    prefilled: dict,
    base: dict | None = None,
    only: set[str] | None = None,
    today: date | None = None,
) -> Entry:
    """Read the posted entry form (``form`` has ``get`` and ``getlist``).

    ``prefilled``: the hidden items (the session's site).  ``base`` and ``only``: when resolving
    differences, the agreed answers and the items posted; a blank posted item is unanswered.
    """
    items = entry_items(instrument, only)
    values = respondent.posted_values(items, form)
    parsed, errors = parse_answers(items, values, today)
    posted = {item.id for item in items}
    merged = {k: v for k, v in (base or {}).items() if k not in posted}
    merged.update(parsed)
    merged.update(prefilled)
    kept = respondent.drop_hidden(instrument, merged)
    dropped = [i.id for i in items if i.id in merged and i.id not in kept]
    return Entry(kept, errors, values, dropped)


def same(a, b) -> bool:
    """Whether two stored answers are the same (1 and 1.0 are; text must match exactly)."""
    if a is None or b is None:
        return a is None and b is None
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return float(a) == float(b)
    return str(a) == str(b)


def differing_items(instrument: Instrument, first: dict, second: dict) -> list[str]:
    """The items, in the instrument's order, on which two entries differ."""
    return [
        item.id for item in instrument.items if not same(first.get(item.id), second.get(item.id))
    ]


def agreed_answers(first: dict, second: dict) -> dict:
    """The answers both entries hold alike."""
    return {k: v for k, v in first.items() if k in second and same(v, second[k])}


def shown_value(item: Item, value) -> str:
    """An answer as a person reads it: 'Agree (4)', '3 2019', 'Not answered'."""
    if value is None or value == "":
        return "Not answered"
    if item.type == "multiple_choice":
        labels = {str(c.code): c.label for c in choices_of(item)}
        return "; ".join(f"{labels.get(c, c)} ({c})" for c in str(value).split())
    choices = choices_of(item)
    if choices:
        label = next((c.label for c in choices if same(c.code, value)), None)
        return f"{label} ({value})" if label else str(value)
    if item.type == "month_year":
        year, _, month = str(value).partition("-")
        return f"{int(month)} {year}" if month.isdigit() else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- the database ------------------------------------------------------------------------------


def sessions_for(study: Study, site_ids: frozenset[int] | set[int] | None):
    """The sessions a person may enter paper forms for (a coordinator: their own sites)."""
    sessions = Session.objects.filter(site__study=study).select_related("site")
    if site_ids is not None:
        sessions = sessions.filter(site_id__in=site_ids)
    return sessions.order_by("site__code", "date", "code")


def forms_for(study: Study, site_ids: frozenset[int] | set[int] | None):
    forms = PaperForm.objects.filter(study=study).select_related("session__site", "response")
    if site_ids is not None:
        forms = forms.filter(session__site_id__in=site_ids)
    return forms


def new_reference(study: Study) -> str:
    """The next free reference P1, P2, ... (to write on the paper form)."""
    taken = set(PaperForm.objects.filter(study=study).values_list("reference", flat=True))
    n = len(taken) + 1
    while f"P{n}" in taken:
        n += 1
    return f"P{n}"


def check_reference(study: Study, reference: str) -> str | None:
    """A message if the reference cannot be used, else None."""
    if len(reference) > MAX_REFERENCE:
        return f"The form number must be {MAX_REFERENCE} characters or fewer"
    if reference and PaperForm.objects.filter(study=study, reference=reference).exists():
        return f"Form {reference} is already entered in this study: check the number on the form"
    return None


def _count(form: PaperForm, answers: dict) -> Response:
    """Make the form's response (once: the token ``paper-<id>`` is unique)."""
    instrument = form.instrument.instrument
    final = services.final_answers(instrument, answers)
    response = Response.objects.create(
        session=form.session,
        instrument=form.instrument,
        answers=final,
        completed_on=form.session.date,
        submission_token=f"paper-{form.pk}",
        source=Source.PAPER,
    )
    form.response = response
    form.status = PaperStatus.COUNTED
    return response


@transaction.atomic
def enter_first(
    study: Study, session: Session, user, answers: dict, reference: str = ""
) -> PaperForm:
    """Enter a paper form: it counts at once, or waits for its second entry (double entry).

    ``answers`` are an :class:`Entry`'s answers.  Raises :class:`PaperError` for a reference
    already used, and ``ResponsesError`` for answers the core validator refuses.
    """
    if session.site.study_id != study.pk:
        raise PaperError(f"session {session.code} is not in study {study.slug}.")
    reference = reference.strip() or new_reference(study)
    problem = check_reference(study, reference)
    if problem:
        raise PaperError(problem + ".")
    instrument_version = study.instrument
    services.final_answers(instrument_version.instrument, answers)  # every entry is checked
    try:
        with transaction.atomic():
            form = PaperForm.objects.create(
                study=study,
                session=session,
                instrument=instrument_version,
                reference=reference,
                double_entry=study.double_entry,
                status=PaperStatus.AWAITING_SECOND if study.double_entry else PaperStatus.COUNTED,
            )
    except IntegrityError:
        raise PaperError(f"form {reference} was entered a moment ago by someone else.") from None
    PaperEntry.objects.create(form=form, number=1, entered_by=user, answers=answers)
    if not form.double_entry:
        _count(form, answers)
    form.save()
    auditing.record(
        user,
        auditing.PAPER_ENTRY,
        study,
        {
            "step": "first entry" if form.double_entry else "entry",
            "form": form.reference,
            "session": session.code,
            "status": form.status,
            "response": form.response_id,
        },
    )
    return form


@transaction.atomic
def enter_second(form: PaperForm, user, answers: dict) -> list[str]:
    """The second, independent entry of a form; returns the items on which the entries differ.

    When they agree the form counts now; otherwise it waits for :func:`resolve`.
    """
    form = (
        PaperForm.objects.select_for_update()
        .select_related("session__site", "study", "instrument")
        .get(pk=form.pk)
    )
    if form.status != PaperStatus.AWAITING_SECOND:
        raise PaperError(f"form {form.reference} already has its second entry.")
    first = form.entries.get(number=1)
    if user is not None and first.entered_by_id == user.pk:
        raise PaperError(
            f"you made the first entry of form {form.reference}. Fix: the second entry must be "
            "made by someone else, without seeing the first."
        )
    instrument = form.instrument.instrument
    services.final_answers(instrument, answers)
    try:
        with transaction.atomic():
            PaperEntry.objects.create(form=form, number=2, entered_by=user, answers=answers)
    except IntegrityError:
        raise PaperError(f"form {form.reference} already has its second entry.") from None
    differing = differing_items(instrument, first.answers, answers)
    if differing:
        form.status = PaperStatus.DIFFERENCES
    else:
        _count(form, first.answers)
    form.save()
    auditing.record(
        user,
        auditing.PAPER_ENTRY,
        form.study,
        {
            "step": "second entry",
            "form": form.reference,
            "session": form.session.code,
            "status": form.status,
            "differences": differing,
            "response": form.response_id,
        },
    )
    return differing


def entries_of(form: PaperForm) -> tuple[PaperEntry, PaperEntry | None]:
    entries = {e.number: e for e in form.entries.select_related("entered_by")}
    return entries[1], entries.get(2)


@transaction.atomic
def resolve(form: PaperForm, user, answers: dict) -> Response:
    """Settle the differences of a double-entered form; the form then counts.

    ``answers`` are the whole form's answers as resolved (the agreed answers with the values
    checked against the paper, as :func:`read_entry` gives them with ``base`` and ``only``).
    The value chosen for each differing item is kept in ``form.resolution``.
    """
    form = (
        PaperForm.objects.select_for_update()
        .select_related("session__site", "study", "instrument")
        .get(pk=form.pk)
    )
    if form.status != PaperStatus.DIFFERENCES:
        raise PaperError(f"form {form.reference} has no differences to resolve.")
    first, second = entries_of(form)
    instrument = form.instrument.instrument
    differing = differing_items(instrument, first.answers, second.answers)
    form.resolution = {item_id: answers.get(item_id) for item_id in differing}
    form.resolved_by = user
    form.resolved_on = timezone.localdate()
    response = _count(form, answers)
    form.save()
    auditing.record(
        user,
        auditing.PAPER_ENTRY,
        form.study,
        {
            "step": "resolution",
            "form": form.reference,
            "session": form.session.code,
            "resolved": sorted(form.resolution),  # the items, not the answers
            "response": response.pk,
        },
    )
    return response
