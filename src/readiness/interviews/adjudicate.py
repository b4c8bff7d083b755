"""Resolving a disagreement between coders: one of those that
:func:`~readiness.interviews.agreement.agreement` lists, a turn or run of characters that some
coders coded with a code and others did not.

Two resolutions:

* ``add``: the coders who did not code the passage now do, each given a copy of the codings of
  those who did, clipped to the passage (a copy that would hold only white space is not made);
* ``remove``: the passage is taken out of the codings of those who coded it; a coding that
  reaches beyond it is shortened, or split in two when it reaches beyond it on both sides.

The resolution names the coders whose codings change (by default every coder on that side) and
is recorded in the project's audit log (``resolve-disagreement``).  A disagreement is named as
the agreement listed it: the transcript, the code, and the start and end of the passage, with
the same coders, unit and speakers left out, so that the same list is computed again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from readiness.interviews.agreement import Disagreement, agreement
from readiness.interviews.errors import fail
from readiness.interviews.model import Coding, Project, Transcript

ACTIONS = ("add", "remove")


@dataclass(frozen=True)
class Resolution:
    """A disagreement and how it is (to be) resolved: ``coders`` are those whose codings
    change; ``changed`` counts the codings added, shortened or deleted."""

    disagreement: Disagreement
    action: str
    unit: str  # "turn" or "character", as the agreement was computed
    coders: list[str]
    changed: int = 0


def find(
    project: Project,
    *,
    source: str,
    code: str,
    start: int,
    end: int,
    action: str,
    coders: list[str] | None = None,
    unit: str = "turn",
    skip_speakers: list[str] | None = None,
    include_interviewer: bool = False,
) -> Resolution:
    """The disagreement the agreement lists on ``source`` (a transcript's GUID or name) for
    ``code`` (GUID, path or name) from ``start`` to ``end``, and the coders ``action`` would
    change: for ``add`` those who did not code it, for ``remove`` those who did.  Nothing is
    changed.  A disagreement no longer listed (resolved since) is an error that says so."""
    if action not in ACTIONS:
        raise fail(f"unknown action {action!r}.", fix="use add or remove.")
    result = agreement(
        project,
        coders or None,
        unit=unit,
        skip_speakers=skip_speakers or None,
        include_interviewer=include_interviewer,
    )
    name = project.source(source).name
    path = project.code_path(project.code(code).id)
    for d in result.disagreements:
        if (d.source, d.code, d.start, d.end) == (name, path, start, end):
            side = d.not_coded_by if action == "add" else d.coded_by
            return Resolution(d, action, unit, list(side))
    raise fail(
        "this disagreement is no longer there (it may have been resolved).",
        fix="look at the list again.",
    )


def apply(
    project: Project, plan: Resolution, coders: list[str] | None = None, *, user: str | None = None
) -> Resolution:
    """Resolve the disagreement of ``plan`` for ``coders`` (by default all of ``plan.coders``;
    others are refused), log it, and return it with the number of codings changed."""
    chosen = list(plan.coders if coders is None else coders)
    others = [n for n in chosen if n not in plan.coders]
    if others:
        raise fail(
            f"{', '.join(others)} cannot be changed by this resolution.",
            fix=f"choose from: {', '.join(plan.coders) or 'no one'}.",
        )
    d = plan.disagreement
    transcript = project.source(d.source)
    code_id = project.code(d.code).id
    if plan.action == "add":
        changed = _copy_codings(project, transcript, code_id, d, chosen)
    else:
        changed = _cut_codings(project, transcript, code_id, d, chosen)
    project.log("resolve-disagreement", user, source=d.source, code=d.code, unit=plan.unit,
                resolution=plan.action, coders=chosen, changed=changed)  # fmt: skip
    return replace(plan, coders=chosen, changed=changed)


def _overlapping(project: Project, transcript: Transcript, code_id: str, d: Disagreement):
    """The codings of the passage's transcript with its code that overlap the passage."""
    return [
        x
        for x in list(project.codings.values())
        if x.source == transcript.id and x.code == code_id and x.start < d.end and x.end > d.start
    ]


def _copy_codings(
    project: Project, transcript: Transcript, code_id: str, d: Disagreement, coders: list[str]
) -> int:
    """Give each coder a copy, clipped to the passage, of the codings of those who coded it."""
    models = [
        x
        for x in _overlapping(project, transcript, code_id, d)
        if project.user_name(x.coder) in d.coded_by
    ]
    by_name = {u.name: u.id for u in project.users.values()}
    added = 0
    for name in coders:
        for x in models:
            s, e = max(x.start, d.start), min(x.end, d.end)
            if transcript.text[s:e].strip():
                project.add_coding(transcript.id, s, e, code_id, by_name[name])
                added += 1
    return added


def _cut_codings(
    project: Project, transcript: Transcript, code_id: str, d: Disagreement, coders: list[str]
) -> int:
    """Take the passage out of the coders' codings: shortened, split in two, or deleted."""
    changed = 0
    for x in _overlapping(project, transcript, code_id, d):
        if project.user_name(x.coder) in coders:
            changed += _cut_one(project, transcript, x, d.start, d.end)
    return changed


def _cut_one(project: Project, transcript: Transcript, x: Coding, start: int, end: int) -> int:
    """Take ``start:end`` out of one coding; the pieces left that hold more than white space
    stay (the first keeps the coding's id, memos and time).  The codings changed."""
    left = (x.start, start) if x.start < start else None
    right = (end, x.end) if x.end > end else None
    keep = [p for p in (left, right) if p and transcript.text[p[0] : p[1]].strip()]
    if not keep:
        project.remove_coding(x.id)
        return 1
    project.update_coding(x.id, start=keep[0][0], end=keep[0][1])
    if len(keep) == 2:
        project.add_coding(transcript.id, keep[1][0], keep[1][1], x.code, x.coder)
        return 2
    return 1


def resolve(
    project: Project, *, only: list[str] | None = None, user: str | None = None, **where: Any
) -> Resolution:
    """:func:`find` the disagreement (``where``: its keywords, from ``source`` to
    ``include_interviewer``) and :func:`apply` the resolution, for ``only`` these coders when
    given (each must be on the side the action changes)."""
    return apply(project, find(project, **where), only or None, user=user)
