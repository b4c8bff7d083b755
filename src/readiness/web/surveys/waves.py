"""Training evaluation in the web application: waves, the anonymous link and the code.

A study with ``evaluation`` on asks its survey in waves (issue 13; the design is section 4.5
of the Respond arm's specification):

* **pre**: the session link starts it.  No feedback is shown: the pre-test must not teach the
  post-test.
* **post**: at the end of the session, on the same device.  When the pre wave is submitted its
  draft is not deleted but becomes the post wave's draft, with the same resume code and the
  same anonymous **link id** (:func:`readiness.web.surveys.models.new_link_id`), so the two
  responses share the link id without any code.  The link id is also kept in a signed cookie
  for the session link's path only (:func:`remember_link`): the session link opened again on
  that device carries on.  The post wave asks the sections that hold the instrument's scales
  (knowledge, perceived knowledge, confidence); its feedback is full.
* **follow_up**: a separate link per session, open from ``follow_up_days`` after the session.
  It is joined to the pre wave by the self-generated code (SGIC): a few questions only the
  respondent can answer (:data:`readiness.evaluation.linkage.SGIC_ELEMENTS`), asked at the pre
  and follow-up waves and stored only as one keyed digest per element
  (:func:`readiness.evaluation.sgic_digests`) under the study's secret (:func:`study_secret`,
  derived from the server's secret key, so never in the database or an export).  The answers
  themselves are never stored.  Linking is one to one, with one element allowed to differ
  (:func:`readiness.evaluation.link_waves`), and is worked out when it is needed
  (:func:`follow_up_linkage`): a follow-up response then takes the link id of the pre response
  it matched.

Exports hold ``wave`` and a keyed pseudonym of ``link`` (:mod:`.exports`: the link id itself
is also in the device's cookie), never the digests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from readiness.evaluation.linkage import SGIC_ELEMENTS, Record, link_waves, sgic_digests
from readiness.instrument import Instrument
from readiness.web.surveys.models import Response, Session, Site, Study, Wave

PRE, POST, FOLLOW_UP = Wave.PRE.value, Wave.POST.value, Wave.FOLLOW_UP.value
WAVES = (PRE, POST, FOLLOW_UP)
# In Draft.seen: the code questions were answered (or passed over) on this draft.
CODE_SEEN = "_code"
MAX_MISMATCH = 1
COOKIE = "readiness_wave"
COOKIE_SALT = "readiness.evaluation.link"
COOKIE_DAYS = 2

WAVE_NAMES = {
    PRE: "Before the session",
    POST: "After the session",
    FOLLOW_UP: "Follow-up",
}


# The code questions in a few words, for staff (the linkage report's disagreement by element).
ELEMENT_NAMES = {
    "mother_initial": "First letter of their mother's first name",
    "birth_day": "Day of the month they were born",
    "older_siblings": "Number of older brothers and sisters",
    "birth_town_initial": "First letter of the town where they were born",
    "shoe_size_band": "Shoe size band",
}


def asks_code(wave: str, study: Study) -> bool:
    """Whether a wave asks the self-generated code questions: the follow-up, and the pre wave
    of a study with a follow-up (the code joins nothing else)."""
    return wave == FOLLOW_UP or (wave == PRE and study.follow_up_days is not None)


def wave_sections(instrument: Instrument, wave: str) -> frozenset[str] | None:
    """The sections a wave asks (None: every section).

    The pre wave is the whole survey (the baseline, with who the respondent is).  The post and
    follow-up waves ask again only the sections that hold an item of one of the instrument's
    scales, so that those items are identical at every wave; an instrument without scales is
    asked whole."""
    if wave not in (POST, FOLLOW_UP):
        return None
    scaled = {item for scale in instrument.scales for item in scale.items}
    ids = frozenset(s.id for s in instrument.sections if scaled & set(s.items))
    return ids or None


def study_secret(study: Study) -> bytes:
    """The key of a study's code digests: an HMAC of the study under a key derived from the
    server's ``SECRET_KEY`` (32 bytes).  Nothing of it is in the database, so a copy of the
    database cannot test guessed answers against the digests."""
    return salted_hmac(
        "readiness.evaluation.sgic", f"study:{study.pk}", algorithm="sha256"
    ).digest()


def export_link_key(study: Study) -> bytes:
    """The key of the pseudonyms that exports write for link ids
    (:func:`readiness.web.surveys.exports.link_pseudonyms`): like :func:`study_secret`, an HMAC
    of the study under a key derived from the server's ``SECRET_KEY``, for another purpose."""
    return salted_hmac(
        "readiness.evaluation.export-link", f"study:{study.pk}", algorithm="sha256"
    ).digest()


# -- the link id in a cookie, for the session link's path only ---------------------------------


def remember_link(response, session: Session, link: str) -> None:
    """Keep the link id on this device, signed, sent back only to this session's link."""
    response.set_signed_cookie(
        COOKIE,
        link,
        salt=COOKIE_SALT,
        max_age=COOKIE_DAYS * 24 * 3600,
        path=session.link_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget_link(response, session: Session) -> None:
    response.delete_cookie(COOKIE, path=session.link_path(), samesite="Lax")


def remembered_link(request) -> str | None:
    """The link id this device keeps for the session link it is on (None: none, or forged)."""
    try:
        value = request.get_signed_cookie(
            COOKIE, default=None, salt=COOKIE_SALT, max_age=COOKIE_DAYS * 24 * 3600
        )
    except signing.BadSignature:
        return None
    return value or None


# -- the code questions ------------------------------------------------------------------------


@dataclass
class CodeResult:
    digests: dict[str, str] | None  # None when the page has errors
    values: dict[str, str]  # what was typed, shown back (never stored)
    errors: dict[str, str] = field(default_factory=dict)


def _message(element) -> str:
    if element.kind == "letter":
        return "Enter a letter, for example M"
    if element.kind == "number":
        return f"Enter a whole number from {element.minimum} to {element.maximum}"
    return "Select one of the answers"


def read_code(study: Study, form) -> CodeResult:
    """The code's digests from the posted page; every element may be left blank (it then
    never matches).  The typed answers go no further than this function and the page shown
    back when one of them is not valid."""
    values = {e.id: (form.get(e.id) or "").strip()[:40] for e in SGIC_ELEMENTS}
    errors = {}
    for element in SGIC_ELEMENTS:
        if values[element.id]:
            try:
                element.normalise(values[element.id])
            except ValueError:
                errors[element.id] = _message(element)
    if errors:
        return CodeResult(None, values, errors)
    return CodeResult(sgic_digests(study_secret(study), values), values)


def code_fields(values: dict[str, str] | None = None, errors: dict[str, str] | None = None):
    """The code questions as (macro, params) of the NHS.UK frontend."""
    values, errors = values or {}, errors or {}
    out = []
    for element in SGIC_ELEMENTS:
        fid = f"code-{element.id}"
        common: dict = {}
        if element.hint:
            common["hint"] = {"text": element.hint}
        if element.id in errors:
            common["errorMessage"] = {"text": errors[element.id]}
        if element.kind == "choice":
            params = {
                "idPrefix": fid,
                "name": element.id,
                "fieldset": {"legend": {"text": element.question, "size": "s"}},
                "items": [
                    {"value": code, "text": label, "checked": values.get(element.id) == code}
                    for code, label in element.choices
                ],
                **common,
            }
            out.append(("radios", params, fid))
            continue
        params = {
            "id": fid,
            "name": element.id,
            "label": {"text": element.question, "size": "s"},
            "value": values.get(element.id, ""),
            "classes": "nhsuk-input--width-2",
            "autocomplete": "off",
            "spellcheck": False,
            **common,
        }
        if element.kind == "number":
            params["inputmode"] = "numeric"
        out.append(("input", params, fid))
    return out


# -- linking the follow-up wave ----------------------------------------------------------------


@dataclass(frozen=True)
class LinkageReport:
    """How many answered each wave and how many were joined (counts of responses)."""

    pre: int
    post: int
    follow_up: int
    matched: int  # pre-post pairs joined on the same device (the same link id)
    pre_only: int
    post_only: int
    pre_with_code: int  # pre responses with at least one code answer
    follow_up_exact: int  # follow-up responses joined with every code answer the same
    follow_up_one_different: int  # joined with one code answer different
    follow_up_ambiguous: int  # with two or more equally good candidates: not joined
    follow_up_unmatched: int  # with no candidate
    element_disagreement: tuple[tuple[str, int], ...]  # (element, joins where it differed)
    max_mismatch: int = MAX_MISMATCH

    @property
    def follow_up_matched(self) -> int:
        return self.follow_up_exact + self.follow_up_one_different


def follow_up_linkage(study: Study):
    """Link the study's follow-up responses to its pre responses by their code digests.

    Returns (the core's :class:`~readiness.evaluation.linkage.Linkage` with response ids as
    text, {follow-up response id: the link id of the pre response it was joined to}).  A
    record's site is its session (by id: session codes are unique in a study only by
    convention): a fuzzy join stays within the session whose follow-up link was used, an exact
    one may cross sessions."""
    rows = Response.objects.filter(
        session__site__study=study, wave__in=[PRE, FOLLOW_UP]
    ).values_list("id", "wave", "link", "sgic", "session_id")
    earlier, later, links = [], [], {}
    for pk, wave, link, digests, session_id in rows:
        record = Record(str(pk), dict(digests or {}), str(session_id))
        if wave == PRE:
            earlier.append(record)
            links[str(pk)] = link
        else:
            later.append(record)
    linkage = link_waves(earlier, later, max_mismatch=MAX_MISMATCH)
    joined = {item.later: links[item.earlier] for item in linkage.links if links[item.earlier]}
    return linkage, joined


def linkage_report(study: Study, site_ids: set[int] | None = None) -> LinkageReport:
    """The linkage report of the study (or of these sites' responses)."""
    responses = Response.objects.filter(session__site__study=study).exclude(wave="")
    if site_ids is not None:
        responses = responses.filter(session__site_id__in=site_ids)
    rows = list(responses.values_list("id", "wave", "link", "sgic"))
    pre_links = {link for _, wave, link, _ in rows if wave == PRE and link}
    post_links = {link for _, wave, link, _ in rows if wave == POST and link}
    count = {w: sum(1 for _, wave, _, _ in rows if wave == w) for w in WAVES}
    matched = len(pre_links & post_links)
    linkage, _joined = follow_up_linkage(study)
    ours = {str(pk) for pk, wave, _, _ in rows if wave == FOLLOW_UP}
    exact = sum(1 for item in linkage.links if item.later in ours and item.mismatches == 0)
    fuzzy = [item for item in linkage.links if item.later in ours and item.mismatches > 0]
    differing: dict[str, int] = {}
    for item in fuzzy:
        for element in item.differing:
            differing[element] = differing.get(element, 0) + 1
    return LinkageReport(
        pre=count[PRE],
        post=count[POST],
        follow_up=count[FOLLOW_UP],
        matched=matched,
        pre_only=count[PRE] - matched,
        post_only=count[POST] - matched,
        pre_with_code=sum(1 for _, wave, _, digests in rows if wave == PRE and digests),
        follow_up_exact=exact,
        follow_up_one_different=len(fuzzy),
        follow_up_ambiguous=len(ours & set(linkage.ambiguous_later)),
        follow_up_unmatched=len(ours & set(linkage.unmatched_later)),
        element_disagreement=tuple(
            (ELEMENT_NAMES.get(e.id, e.id), differing[e.id])
            for e in SGIC_ELEMENTS
            if differing.get(e.id)
        ),
    )


# -- the analysis ------------------------------------------------------------------------------


def first_per_link(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The responses of one wave with each link id once: the first response (by id) of a
    repeated link id is kept, as :func:`readiness.evaluation.evaluate` refuses a repeat.
    Returns (the frame, how many were left out).  A missing link id is never a repeat."""
    if frame.empty:
        return frame, 0
    order = pd.to_numeric(frame["response_id"]).to_numpy().argsort(kind="stable")
    ordered = frame.iloc[order]
    repeat = ordered["link"].notna() & ordered["link"].duplicated(keep="first")
    if not repeat.any():
        return frame, 0
    kept = frame.loc[sorted(ordered.index[~repeat.to_numpy()])]
    return kept.reset_index(drop=True), int(repeat.sum())


def _repeats_note(n: int) -> str:
    response = "1 response was" if n == 1 else f"{n} responses were"
    its, response_of = ("its", "an earlier response") if n == 1 else ("each", "an earlier one")
    return (
        f"{response} left out: {its} link id was used by {response_of} of the same wave (the "
        "first is kept)."
    )


def wave_frames(
    study: Study, site_ids: set[int] | None = None, step: int | None = None
) -> dict[str, pd.DataFrame]:
    """The study's responses to its current instrument version, by wave, with the ``link``
    column :func:`readiness.evaluation.evaluate` takes (a follow-up response gets the link id
    of the pre response its code was joined to; an empty id is missing).  A link id repeated in
    a wave keeps its first response (:func:`first_per_link`): a database constraint prevents
    repeats within a session, not across sessions.

    With ``step`` (a role that sees suppressed results), only the matched pairs released in
    steps of ``step`` (:mod:`.release`, by the post response's id and within the pre
    response's discipline) and the follow-ups of those people, released the same way: comparing
    the page before and after one person answers then shows nothing of that person."""
    return _wave_frames(study, site_ids, step)[0]


def _wave_frames(
    study: Study, site_ids: set[int] | None, step: int | None
) -> tuple[dict[str, pd.DataFrame], int]:
    """:func:`wave_frames` and how many responses repeating a link id were left out."""
    from readiness.web.surveys import release, responseframe

    clean = responseframe.clean_responses(study)
    if site_ids is not None:
        codes = set(Site.objects.filter(id__in=site_ids).values_list("code", flat=True))
        clean = clean[clean["site"].isin(codes)]
    frames = {wave: clean[clean["wave"] == wave].reset_index(drop=True).copy() for wave in WAVES}
    if len(frames[FOLLOW_UP]):
        _linkage, joined = follow_up_linkage(study)
        later = frames[FOLLOW_UP]
        later["link"] = later["response_id"].map(joined)
    for frame in frames.values():
        frame["link"] = frame["link"].where(frame["link"].notna() & (frame["link"] != ""), None)
    repeats = 0
    for wave in WAVES:
        frames[wave], left_out = first_per_link(frames[wave])
        repeats += left_out
    if step is None:
        return frames, repeats
    group = "discipline"
    pre = frames[PRE].dropna(subset=["link"])
    discipline = dict(zip(pre["link"], pre[group], strict=True)) if group in pre else {}
    post = frames[POST][frames[POST]["link"].isin(set(pre["link"]))].copy()
    post[group] = post["link"].map(discipline)
    kept = set(release.released(post, step, group)["link"])
    follow_up = frames[FOLLOW_UP][frames[FOLLOW_UP]["link"].isin(kept)].copy()
    follow_up[group] = follow_up["link"].map(discipline)
    kept_later = set(release.released(follow_up, step, group)["response_id"])
    return {
        PRE: frames[PRE][frames[PRE]["link"].isin(kept)].reset_index(drop=True),
        POST: frames[POST][frames[POST]["link"].isin(kept)].reset_index(drop=True),
        FOLLOW_UP: frames[FOLLOW_UP][frames[FOLLOW_UP]["response_id"].isin(kept_later)].reset_index(
            drop=True
        ),
    }, repeats


class NothingReleased(Exception):
    """No matched pair is released yet to a role that sees suppressed results."""


WAITING = (
    "Results for your sites are shown once at least {step} people of one discipline have "
    "answered both before and after a session, and are brought up to date in steps of {step} "
    "such people, so that no change on this page can be traced to one person."
)


def evaluate_study(study: Study, site_ids: set[int] | None = None, step: int | None = None):
    """:func:`readiness.evaluation.evaluate` of the study's waves (:func:`wave_frames`);
    raises :class:`NothingReleased` when ``step`` leaves no pair to analyse."""
    from dataclasses import replace

    from readiness.evaluation import evaluate

    frames, repeats = _wave_frames(study, site_ids, step)
    if step is not None and frames[POST].empty:
        raise NothingReleased
    result = evaluate(
        frames[PRE],
        frames[POST],
        study.instrument.instrument,
        follow_up=frames[FOLLOW_UP] if len(frames[FOLLOW_UP]) else None,
        link_column="link",
        min_cell=settings.READINESS_MIN_CELL,
    )
    if repeats:
        result = replace(result, warnings=(_repeats_note(repeats), *result.warnings))
    return result


def evaluation_for(study: Study, site_ids: set[int] | None, step: int | None):
    """(the evaluation result, None) or (None, why it cannot be computed), kept in the
    ``results`` cache until a response, a session or a setting it rests on changes."""
    from django.core.cache import caches

    from readiness.errors import ReadinessError
    from readiness.web.surveys import resultscache, services

    sites = "all" if site_ids is None else ",".join(map(str, sorted(site_ids)))
    key = (
        f"readiness:evaluation:v1:{resultscache.database_tag()}:{study.pk}:{sites}:{step}:"
        f"{settings.READINESS_MIN_CELL}:{services.results_key(study, site_ids)}"
    )
    key = "readiness:evaluation:" + hashlib.sha256(key.encode()).hexdigest()
    cache = caches[resultscache.ALIAS]
    try:
        kept = cache.get(key)
    except OSError:
        kept = None
    if kept is not None:
        return kept
    try:
        found = (evaluate_study(study, site_ids, step), None)
    except NothingReleased:
        found = (None, WAITING.format(step=step))
    except ReadinessError as err:
        found = (None, f"The evaluation cannot be computed yet: {err}")
    try:
        cache.set(key, found, resultscache.KEEP_SECONDS)
    except OSError:
        pass
    return found
