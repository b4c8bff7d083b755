"""Pseudonymisation review in the browser, with the core's detectors, key and ``apply``.

The lead gives the key (``real,pseudonym`` lines, typed or uploaded) and chooses transcripts;
:func:`propose` lists the core's proposals; the lead accepts or rejects each (and may change a
replacement); :func:`apply` makes the proposals again from the project as it is now, checks
they are the ones the lead saw, and hands the decisions to the core's
:func:`~readiness.interviews.pseudonymise.apply`, which replaces the text, moves every coding,
marks the transcripts as pseudonymised and writes an audit entry with counts only.

The key is never stored.  It lives in the request that uses it: the core reads it from a file
in a private temporary folder (in memory where the system has ``/dev/shm``) that is removed
before the request ends, and the review page carries it back to the server in its form (the
page is sent with ``Cache-Control: no-store``).  It reaches no table, no log, no audit entry
and no export.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from readiness.interviews import pseudonymise as ps
from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.web.interviews import convert, services
from readiness.web.interviews import models as m

KINDS = ("name", *ps.DETECTORS)
KIND_LABELS = {
    "name": "Names in the key",
    "email": "E-mail addresses",
    "nhs_number": "NHS numbers",
    "phone": "UK telephone numbers",
    "postcode": "UK postcodes",
    "date_of_birth": "Dates of birth",
}


@sensitive_variables("text")
def read_key(text: str) -> ps.Key | None:
    """The key in ``text`` (CSV ``real,pseudonym``), checked by the core's ``load_key``.

    A header line is added when the first line is not one.  None for an empty key.
    """
    text = (text or "").strip()
    if not text:
        return None
    first = text.splitlines()[0].lower().replace(" ", "")
    if not any(h in first for h in ("real,", "real_name,", "name,")):
        text = "real,pseudonym\n" + text
    with services.private_folder() as folder:
        path = folder / "key.csv"
        path.write_text(text + "\n", encoding="utf-8")
        try:
            return ps.load_key(path)
        except InterviewError as err:
            raise InterviewError(
                [
                    Problem(p.message, fix=p.fix, file="the key", line=p.line, column=p.column)
                    for p in err.problems
                ]
            ) from err
        finally:
            path.unlink(missing_ok=True)


def fingerprint(proposals: list[ps.Proposal]) -> str:
    """What the lead saw, so that a changed project is noticed before anything is applied."""
    h = hashlib.sha256()
    for p in proposals:
        h.update(f"{p.id}\x00{p.where}\x00{p.target_id}\x00{p.start}\x00{p.original}\x01".encode())
    return h.hexdigest()


def _in_order(core, sources: list[str]) -> list[str] | None:
    """The chosen transcripts in the project's order (proposals are numbered in it), or None
    when they are all of them.  Whichever are chosen, the review also covers what belongs to no
    transcript (the project's name, the codes, the themes, participants of no transcript, memos
    on the project or a code): see :func:`readiness.interviews.pseudonymise.review_scope`."""
    if not sources:
        raise fail("choose at least one transcript to review.")
    wanted = set(sources)
    if wanted - set(core.sources):
        raise fail("one of the chosen transcripts is not in the project any more.")
    if wanted == set(core.sources):
        return None
    return [s for s in core.sources if s in wanted]


@sensitive_variables("key_text", "key")
def propose(project: m.InterviewProject, key_text: str, sources: list[str], kinds: list[str]):
    """The core's proposals for ``sources`` (GUIDs) with the key and detectors chosen."""
    key = read_key(key_text) if "name" in kinds else None
    core = convert.to_core(project)
    detectors = [k for k in kinds if k != "name"]
    sources = _in_order(core, sources)
    proposals = ps.propose(core, key, sources=sources, kinds=detectors)
    if "name" not in kinds:
        proposals = [p for p in proposals if p.kind != "name"]
    return proposals


@sensitive_variables("key_text", "key")
def apply(
    project: m.InterviewProject,
    user,
    *,
    key_text: str,
    sources: list[str],
    kinds: list[str],
    seen: str,
    decisions: dict[str, str],
    replacements: dict[str, str],
) -> dict:
    """Apply the lead's decisions (``decisions[id]`` is ``accept`` or ``reject``)."""
    with transaction.atomic():
        locked = services._locked(project)
        key = read_key(key_text) if "name" in kinds else None
        core = convert.to_core(locked)
        detectors = [k for k in kinds if k != "name"]
        sources = _in_order(core, sources)
        fresh = ps.propose(core, key, sources=sources, kinds=detectors)
        if "name" not in kinds:
            fresh = [p for p in fresh if p.kind != "name"]
        if fingerprint(fresh) != seen:
            raise fail(
                "the transcripts changed since the proposals were made.",
                fix="make the proposals again and review them.",
            )
        missing = [p for p in fresh if decisions.get(p.id) not in ("accept", "reject")]
        if missing:
            raise InterviewError(
                [
                    Problem(
                        f"proposal {p.id} ({p.kind} in {p.target}) has no decision.",
                        fix="choose accept or reject.",
                    )
                    for p in missing
                ]
            )
        decided = []
        for p in fresh:
            if decisions[p.id] == "accept":
                rep = replacements.get(p.id)
                rep = p.replacement if rep is None or not rep.strip() else rep.strip()
                decided.append(replace(p, decision="accept", replacement=rep))
            else:
                decided.append(replace(p, decision="reject"))
        result = ps.apply(core, decided, reviewer=user.get_username(), sources=sources)
        convert.sync(core, locked)
    return result
