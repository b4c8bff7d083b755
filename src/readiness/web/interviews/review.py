"""Pseudonymisation review in the browser, with the core's detectors, key and ``apply``.

The lead gives the key (``real,pseudonym`` lines, typed or uploaded) and chooses transcripts;
:func:`propose` lists the core's proposals, which :func:`groups` gathers by the string found
(one decision for every occurrence of "Rick": replace with the proposed pseudonym, replace with
a new one, or keep), a page of :data:`PAGE_SIZE` at a time (:func:`page`); :func:`apply` makes
the proposals again from the project as it is now, checks they are the ones the lead saw, and
hands the decisions to the core's
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
from dataclasses import dataclass, replace

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from readiness.interviews import pseudonymise as ps
from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.web.interviews import convert, services
from readiness.web.interviews import models as m

KINDS = ps.KINDS
KIND_LABELS = {
    "name": "Names in the key",
    "email": "E-mail addresses",
    "url": "Web addresses and domains",
    "handle": "Social media handles (@name)",
    "nhs_number": "NHS numbers",
    "phone": "UK telephone numbers",
    "postcode": "UK postcodes",
    "date_of_birth": "Dates of birth",
    "name_variant": "Spellings close to names in the key (Rick for Rik)",
    "possible_name": "Other names (not in the key)",
    "place": "Places",
}
PAGE_SIZE = 50
CHOICES = ("replace", "new", "keep")


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
    decisions: dict[str, str] | None = None,
    replacements: dict[str, str] | None = None,
    choices: dict[str, tuple[str, str]] | None = None,
) -> dict:
    """Apply the lead's decisions: ``choices`` by group (see :func:`read_choices`), or
    ``decisions[id]`` (``accept`` or ``reject``) and ``replacements[id]`` by proposal."""
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
        if choices is not None:
            decisions, replacements = _by_group(fresh, choices)
        decisions, replacements = decisions or {}, replacements or {}
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


# -- proposals grouped by the string found -------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Every proposal of one string (whatever its case and spacing), decided at once.

    ``id`` names its form fields (``group-<id>``, ``pseudonym-<id>``); ``choice`` is
    ``replace`` (with ``replacement``), ``new`` (with ``pseudonym``) or ``keep``, pre-set to
    ``replace`` when any of its proposals is pre-set to be replaced."""

    id: str
    found: str
    kind: str
    replacement: str
    reason: str
    score: float
    preset: bool
    proposals: tuple[ps.Proposal, ...]
    choice: str
    pseudonym: str = ""

    @property
    def count(self) -> int:
        return len(self.proposals)


def group_id(original: str) -> str:
    """The form's name for a string found: a digest, so the field names carry no name."""
    folded = " ".join(original.split()).casefold()
    return "g" + hashlib.sha256(folded.encode()).hexdigest()[:16]


def read_choices(post) -> dict[str, tuple[str, str]]:
    """``{group id: (choice, new pseudonym)}`` from a submitted review form."""
    out = {}
    for name, value in post.items():
        if name.startswith("group-") and value in CHOICES:
            gid = name[len("group-") :]
            out[gid] = (value, (post.get(f"pseudonym-{gid}") or "").strip())
    return out


def groups(proposals: list[ps.Proposal], choices=None) -> list[Group]:
    """The proposals by string found: the key's names first, then the detectors' finds and
    the suggestions (in the order of :data:`KINDS`), likeliest first, then by string.  Each
    group's choice is the one in ``choices`` or its pre-set one."""
    by_id: dict[str, list[ps.Proposal]] = {}
    for p in proposals:
        by_id.setdefault(group_id(p.original), []).append(p)
    out = []
    for gid, props in by_id.items():
        top = max(props, key=lambda p: (p.preset, p.score))
        preset = any(p.preset for p in props)
        choice, pseudonym = (choices or {}).get(gid, ("replace" if preset else "keep", ""))
        out.append(
            Group(
                gid,
                top.original,
                top.kind,
                top.replacement,
                top.reason,
                top.score,
                preset,
                tuple(props),
                choice,
                pseudonym,
            )
        )
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out, key=lambda g: (order.get(g.kind, 99), -g.score, g.found.casefold()))


@dataclass(frozen=True)
class Page:
    """One page of groups: ``number`` of ``pages`` (from 1); ``others`` are the groups on the
    other pages, whose choices the form carries along unseen."""

    groups: list[Group]
    others: list[Group]
    number: int
    pages: int


def page(all_groups: list[Group], number, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` (clamped to the pages there are) of ``all_groups``."""
    pages = max(1, -(-len(all_groups) // size))
    try:
        number = min(max(1, int(number)), pages)
    except (TypeError, ValueError):
        number = 1
    first = (number - 1) * size
    shown = all_groups[first : first + size]
    others = all_groups[:first] + all_groups[first + size :]
    return Page(shown, others, number, pages)


def _by_group(fresh: list[ps.Proposal], choices) -> tuple[dict[str, str], dict[str, str]]:
    """Each proposal's decision and replacement from its group's choice."""
    missing = [g for g in groups(fresh) if g.id not in choices]
    problems = [
        Problem(f"{g.found!r} ({g.count} found) has no decision.", fix="choose one for it.")
        for g in missing
    ]
    decisions, replacements = {}, {}
    for g in groups(fresh, choices):
        if g.id in choices and g.choice == "new" and not g.pseudonym:
            problems.append(
                Problem(
                    f"no new pseudonym was given for {g.found!r}.",
                    fix="type one, or choose to replace it with the proposed one or keep it.",
                )
            )
        for p in g.proposals:
            decisions[p.id] = "reject" if g.choice == "keep" else "accept"
            if g.choice == "new":
                replacements[p.id] = g.pseudonym
    if problems:
        raise InterviewError(problems)
    return decisions, replacements
