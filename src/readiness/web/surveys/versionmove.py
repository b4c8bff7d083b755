"""Moving a study to another version of its instrument while it collects.

A study may move to any stored version of the same instrument id (a study with no responses
yet, to any version).  What changed is shown first (:func:`readiness.instrument.compare.
compare_versions`).  A change that would make old answers mean something else (a code kept
with another label, a code removed) is refused unless the lead says, for each old code of the
item, which new code it becomes (or that it has none).

The mapping is a property of the two versions, not of one study: it is kept in the new
version's ``choice_mapping`` under the old version's id (``{"<old pk>": {item: {old code: new
code or ""}}}``), where the reading of old responses into the new version finds it, and on the
move's audit entry with the versions before and after.  Two studies moving between the same
two versions use the same mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from readiness.instrument.compare import (
    ChoiceMapping,
    MappingProblem,
    VersionChanges,
    check_mapping,
    compare_versions,
)
from readiness.instrument.model import choices_of
from readiness.web import audit
from readiness.web.surveys.models import Draft, InstrumentVersion, Response, Study

NO_ANSWER = "-"  # the value of "no counterpart" in the form (stored as "")


def has_answers(study: Study) -> bool:
    return Response.objects.filter(session__site__study=study).exists()


def versions_to_move_to(study: Study) -> list[InstrumentVersion]:
    """The versions the study may move to: of its instrument (any, while it has no responses)."""
    query = InstrumentVersion.objects.exclude(pk=study.instrument_id).defer("yaml")
    if has_answers(study):
        query = query.filter(instrument_id=study.instrument.instrument_id)
    return list(query.order_by("instrument_id", "pk"))


def stored_mapping(old: InstrumentVersion, new: InstrumentVersion) -> dict:
    return dict((new.choice_mapping or {}).get(str(old.pk)) or {})


@dataclass
class MappingRow:
    """One old code of an item whose meaning changed, and the new code chosen for it."""

    name: str  # the form field
    code: str
    label: str
    chosen: str


@dataclass
class MappingItem:
    item: str
    text: str
    describe: str
    rows: list[MappingRow]
    options: list[tuple[str, str]]  # (value, text) of the new codes
    error: str = ""


def field_name(item_id: str, code) -> str:
    return f"map-{item_id}-{code}"


def mapping_form(
    changes: VersionChanges,
    old: InstrumentVersion,
    new: InstrumentVersion,
    posted=None,
    problems: list[MappingProblem] | None = None,
) -> list[MappingItem]:
    """The mapping's questions, one per item whose meaning changed, with the values posted
    (or the mapping stored for these versions)."""
    kept = stored_mapping(old, new)
    errors = {p.item: str(p) for p in problems or []}
    out = []
    for item_id in changes.needs_mapping:
        before, after = old.instrument.item(item_id), new.instrument.item(item_id)
        options = [(str(c.code), f"{c.code}: {c.label}") for c in choices_of(after)]
        options.append((NO_ANSWER, "No counterpart (the answer is left out)"))
        rows = []
        for choice in choices_of(before):
            name = field_name(item_id, choice.code)
            if posted is not None:
                chosen = posted.get(name, "")
            else:
                value = kept.get(item_id, {}).get(str(choice.code))
                chosen = "" if value is None else (NO_ANSWER if value == "" else str(value))
            rows.append(MappingRow(name, str(choice.code), choice.label, chosen))
        change = changes.choice_change(item_id)
        out.append(
            MappingItem(
                item_id,
                after.text,
                change.describe() if change else "",
                rows,
                options,
                errors.get(item_id, ""),
            )
        )
    return out


def read_mapping(changes: VersionChanges, old: InstrumentVersion, posted) -> dict:
    """The mapping posted: item -> {old code: new code, or "" for no counterpart}; an old code
    with nothing chosen is left out (and :func:`check_mapping` names it)."""
    mapping: dict[str, dict[str, object]] = {}
    for item_id in changes.needs_mapping:
        codes: dict[str, object] = {}
        for choice in choices_of(old.instrument.item(item_id)):
            value = (posted.get(field_name(item_id, choice.code)) or "").strip()
            if value == NO_ANSWER:
                codes[str(choice.code)] = ""
            elif value:
                codes[str(choice.code)] = _code(value)
        if codes:
            mapping[item_id] = codes
    return mapping


def _code(text: str):
    return int(text) if text.lstrip("-").isdigit() else text


def problems_of(
    changes: VersionChanges, old: InstrumentVersion, new: InstrumentVersion, mapping: ChoiceMapping
) -> list[MappingProblem]:
    """What is wrong with the mapping; a mapping stored for the same two versions (another
    study moved) must be the one given, so that every study's old answers read alike."""
    problems = check_mapping(changes, new.instrument, mapping)
    kept = stored_mapping(old, new)
    for item_id, codes in kept.items():
        given = {str(k): v for k, v in (mapping.get(item_id) or {}).items()}
        if item_id in changes.needs_mapping and given and given != codes:
            shown = ", ".join(f"{k} -> {v if v != '' else 'none'}" for k, v in codes.items())
            problems.append(
                MappingProblem(
                    item_id,
                    f"{item_id}: another study moved from {old} to {new} with the mapping {shown}.",
                    "Use the same mapping: old answers of every study are read with it.",
                )
            )
    return problems


def changes_for(study: Study, new: InstrumentVersion) -> VersionChanges:
    return compare_versions(study.instrument.instrument, new.instrument)


def move(study: Study, new: InstrumentVersion, mapping: ChoiceMapping, actor) -> None:
    """Move the study to ``new`` (the caller has checked the mapping), keep the mapping on the
    new version, and record the move with the versions before and after."""
    old = study.instrument
    changes = changes_for(study, new)
    used = {item: dict(codes) for item, codes in mapping.items() if item in changes.needs_mapping}
    with transaction.atomic():
        if used:
            fresh = InstrumentVersion.objects.select_for_update().get(pk=new.pk)
            stored = dict(fresh.choice_mapping or {})
            stored[str(old.pk)] = {**stored.get(str(old.pk), {}), **used}
            InstrumentVersion.objects.filter(pk=new.pk).update(choice_mapping=stored)
            new.choice_mapping = stored
        study.instrument = new
        study.save(update_fields=["instrument"])
        # Drafts started on the old version finish on it: a response records its version.
        audit.record(
            actor,
            audit.EDIT,
            study=study,
            detail={
                "change": "instrument version changed",
                "before": f"{old.instrument_id} v{old.version}",
                "after": f"{new.instrument_id} v{new.version}",
                "changes": changes.summary(),
                "mapping": used,
                "drafts_on_old_version": Draft.objects.filter(
                    session__site__study=study, instrument=old
                ).count(),
            },
        )
