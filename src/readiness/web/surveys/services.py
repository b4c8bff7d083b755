"""What the web application does to data, below the views.

Views stay thin: they check roles (:mod:`readiness.web.accounts.permissions`), call a function
here, and render.  Everything here can be called from Python or a command (the demo loader does),
and later features (paper entry, imports, exports, the audit log) slot in beside these
functions.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import orjson
import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.text import slugify

from readiness.errors import ReadinessError, ResponsesError
from readiness.instrument import Instrument, instrument_to_yaml, shipped_instrument
from readiness.instrument.scoring import is_shown
from readiness.responses.validate import validate_frame
from readiness.web.accounts.models import Membership, Role
from readiness.web.commits import execute_relaxed
from readiness.web.surveys import draftlookup, respondent, responseframe, stamp, waves
from readiness.web.surveys.models import (
    Draft,
    InstrumentVersion,
    Response,
    Session,
    Site,
    Source,
    Study,
    code_digest,
    new_resume_code,
    new_submission_token,
    new_submission_tokens,
)

log = logging.getLogger("readiness.web")


class SubmissionError(ReadinessError):
    """A submission that cannot be accepted (unknown draft, wrong token, invalid answers)."""


class DraftExists(ReadinessError):
    """A session already has a draft of this wave with this link id (one device's answers)."""


# -- instruments and studies -------------------------------------------------------------------


# What a stored version may gain without a new version: it changes no question, choice or
# score, so that every response to it means what it meant (a language, the analysis block).
ADDABLE_PARTS = ("translations", "analysis")


def _only_texts_added(existing: InstrumentVersion, parsed: Instrument, text: str, digest: str):
    """Store ``text`` as ``existing``'s when it is a shipped instrument's newer release that
    differs only by :data:`ADDABLE_PARTS` (it adds a language); else refuse, as for any version
    (an uploaded instrument's version never changes: :mod:`.instruments`)."""
    from readiness.instrument import SHIPPED
    from readiness.instrument.dump import instrument_to_data
    from readiness.instrument.variants import variant_names

    def questions(instrument: Instrument) -> dict:
        data = instrument_to_data(instrument)
        return {k: v for k, v in data.items() if k not in ADDABLE_PARTS}

    shipped = parsed.id in SHIPPED or parsed.id in variant_names()
    if not shipped or questions(existing.instrument) != questions(parsed):
        raise ReadinessError(
            f"instrument {parsed.id} version {parsed.version} is already stored with "
            "different content. Fix: give the changed instrument a new version."
        )
    # An update, not save(): save() refuses any change of a stored version's text.
    InstrumentVersion.objects.filter(pk=existing.pk).update(yaml=text, sha256=digest)
    existing.yaml, existing.sha256 = text, digest
    log.info("instrument %s version %s: languages or analysis added", parsed.id, parsed.version)


def install_instrument(instrument: Instrument | None = None, text: str | None = None):
    """Store an instrument version (idempotent); the same id and version must hold the same text."""
    import hashlib

    if text is None:
        instrument = instrument or shipped_instrument()
        if instrument.path:
            with open(instrument.path, encoding="utf-8") as handle:
                text = handle.read()
        else:
            text = instrument_to_yaml(instrument)
    parsed = InstrumentVersion(yaml=text).instrument if instrument is None else instrument
    digest = hashlib.sha256(text.encode()).hexdigest()
    existing = InstrumentVersion.objects.filter(
        instrument_id=parsed.id, version=str(parsed.version)
    ).first()
    if existing is not None:
        if existing.sha256 != digest:
            _only_texts_added(existing, parsed, text, digest)
        return existing
    return InstrumentVersion.objects.create(
        instrument_id=parsed.id,
        version=str(parsed.version),
        title=parsed.title,
        yaml=text,
        sha256=digest,
    )


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "study"
    if base in ("new",):
        base = f"study-{base}"
    slug, n = base, 2
    while Study.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def create_study(
    *,
    name: str,
    lead,
    instrument: InstrumentVersion | None = None,
    information: str = "",
    show_feedback: bool = True,
    synthetic: bool = False,
    slug: str | None = None,
    nation: str = "england",
    evaluation: bool = False,
    follow_up_days: int | None = None,
) -> Study:
    """A new study, with ``lead`` as its study lead (knowledge feedback on, as for every new
    study; ``nation`` picks the feedback's answers, sources and helplines).  ``evaluation``
    makes it a training evaluation (before, after and, with ``follow_up_days``, follow-up
    waves: :mod:`.waves`)."""
    study = Study.objects.create(
        name=name,
        slug=slug or unique_slug(name),
        instrument=instrument or install_instrument(),
        information=information,
        show_feedback=show_feedback,
        nation=nation,
        synthetic=synthetic,
        evaluation=evaluation,
        follow_up_days=follow_up_days,
    )
    if lead is not None:
        Membership.objects.create(user=lead, study=study, role=Role.LEAD)
    return study


def add_site(study: Study, code: str, name: str) -> Site:
    return Site.objects.create(study=study, code=code.strip(), name=name.strip())


def next_session_code(site: Site) -> str:
    taken = set(Session.objects.filter(site__study=site.study).values_list("code", flat=True))
    n = site.sessions.count() + 1
    while f"{site.code}-{n}" in taken:
        n += 1
    return f"{site.code}-{n}"


def add_session(site: Site, when: date, attended: int = 0, code: str | None = None) -> Session:
    return Session.objects.create(
        site=site, date=when, attended=attended, code=code or next_session_code(site)
    )


# -- the respondent's way through ---------------------------------------------------------------


def prefill(session: Session, instrument: Instrument) -> dict:
    """Hidden items filled in by the collection: ``site`` is the session's site code."""
    ids = set(instrument.item_ids)
    return {"site": session.site.code} if "site" in ids else {}


def start_draft(session: Session, *, wave: str = "", link: str = "") -> tuple[Draft, str]:
    """A new response in progress and its resume code (shown once; only its digest is kept).

    ``wave`` and ``link`` are an evaluation's wave and the anonymous link id of the device
    (:mod:`.waves`), carried to the response.  A session holds one draft per wave and link id:
    :class:`DraftExists` when it has it already (two requests of one device at once)."""
    instrument_version = session.site.study.instrument
    for _ in range(5):
        code = new_resume_code()
        try:
            with transaction.atomic():
                draft = Draft.objects.create(
                    session=session,
                    instrument=instrument_version,
                    code_digest=code_digest(code),
                    answers=prefill(session, instrument_version.instrument),
                    wave=wave,
                    link=link,
                )
            return draft, code
        except IntegrityError:
            if link and Draft.objects.filter(session=session, link=link, wave=wave).exists():
                raise DraftExists(f"a draft of wave {wave} with this link id exists") from None
            continue  # pragma: no cover - a collision of 57-bit codes
    raise ReadinessError("could not make a unique resume code")  # pragma: no cover


def new_code_for(draft: Draft) -> str:
    """Give a draft a new resume code (its old one stops working); returns the new code.  For
    a device that comes back to its evaluation's session link without the code."""
    for _ in range(5):
        code = new_resume_code()
        try:
            with transaction.atomic():
                Draft.objects.filter(pk=draft.pk).update(code_digest=code_digest(code))
            draft.code_digest = code_digest(code)
            return code
        except IntegrityError:  # pragma: no cover - a collision of 57-bit codes
            continue
    raise ReadinessError("could not make a unique resume code")  # pragma: no cover


def find_draft(code: str) -> Draft | None:
    # On every answer page: one statement, compiled once, without the instrument's text
    # (parsed instruments are kept by its digest).
    return draftlookup.draft_by_digest(code_digest(code))


def save_page(draft: Draft, section_id: str, answers: dict, *, complete: bool = True) -> None:
    """Save a page as it is submitted (one UPDATE, keyed by the draft).

    ``complete`` is False when the respondent saved to finish later without the page's checks:
    the page is then not counted as done, and resuming returns to it.
    """
    seen = list(draft.seen)
    if complete and section_id not in seen:
        seen.append(section_id)
    draft.answers = answers
    draft.seen = seen
    draft.updated_on = date.today()  # as auto_now would
    # A draft: one statement whose commit need not wait for the disk (readiness.web.commits).
    fields = [Draft._meta.get_field(name) for name in ("answers", "seen", "updated_on")]
    q = connection.ops.quote_name
    execute_relaxed(
        f"UPDATE {q(Draft._meta.db_table)} SET "
        + ", ".join(f"{q(f.column)} = %s" for f in fields)
        + f" WHERE {q(Draft._meta.pk.column)} = %s",
        [f.get_db_prep_save(getattr(draft, f.attname), connection) for f in fields] + [draft.pk],
    )


def save_code(draft: Draft, digests: dict[str, str]) -> None:
    """Keep the code's digests on the draft (never the answers) and mark the code page done."""
    seen = list(draft.seen)
    if waves.CODE_SEEN not in seen:
        seen.append(waves.CODE_SEEN)
    draft.sgic, draft.seen = digests, seen
    draft.save(update_fields=["sgic", "seen", "updated_on"])


def draft_sections(draft: Draft) -> frozenset[str] | None:
    """The sections the draft's wave asks (None: all)."""
    return waves.wave_sections(draft.instrument.instrument, draft.wave)


def first_incomplete_page(
    instrument: Instrument, answers: dict, seen: list[str], only: frozenset[str] | None = None
) -> int | None:
    """The 1-based number of the first page not yet saved or with a required question
    unanswered (with ``only``, among those sections: :func:`draft_sections`)."""
    for n, section in enumerate(respondent.pages(instrument, answers, only), start=1):
        if section.id not in seen:
            return n
        for item in respondent.asked_items(section, instrument):
            if item.required and item.id not in answers and is_shown(instrument, item.id, answers):
                return n
    return None


def final_answers(instrument: Instrument, answers: dict) -> dict:
    """The answers as they will be stored, checked by the core validator (strict conditions)."""
    kept = respondent.drop_hidden(
        instrument, {k: v for k, v in answers.items() if k in set(instrument.item_ids)}
    )
    row = {k: ("" if v is None else str(v)) for k, v in kept.items()}
    frame = pd.DataFrame([row], columns=list(row) or None, dtype=object)
    _clean, problems, _warnings = validate_frame(frame, instrument, strict_conditions=True)
    if problems:
        raise ResponsesError(problems)
    return kept


def submit(code: str, token: str) -> tuple[Response, bool]:
    """:func:`submit_draft` of the draft of a resume code."""
    return submit_draft(code_digest(code), token)


def submit_draft(digest: str, token: str) -> tuple[Response, bool]:
    """Turn the draft of a code digest into a response exactly once; returns (response,
    created).

    The submission token is issued with the draft and posted with the final page.  The same
    token arriving again (a double click, a repeated request) returns the response already
    made; the unique constraint on ``Response.submission_token`` settles a race between two
    requests, and the draft is deleted in the same transaction.

    An evaluation's pre wave keeps its draft instead: it becomes the post wave's draft, with
    the same resume code and link id, no answers but the collection's and a new submission
    token, so that the after-session questions carry on on the same device.
    """
    existing = Response.objects.filter(submission_token=token).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        # Only the draft's row is locked: FOR UPDATE over the join would lock its session and
        # instrument version too, which every other submission, new draft and response of the
        # study also references (their foreign keys take a share lock at commit), and two
        # such transactions deadlocked on PostgreSQL under load (benchmarks/bench_servers.py).
        draft = (
            Draft.objects.select_for_update(of=("self",))
            .select_related("instrument", "session")
            .filter(code_digest=digest)
            .first()
        )
        if draft is None:
            existing = Response.objects.filter(submission_token=token).first()
            if existing is not None:
                return existing, False
            raise SubmissionError("these answers were not found: they may have been submitted.")
        if draft.submission_token != token:
            # A pre wave's draft lives on as the post wave's, with a new token: a second
            # request with the pre's token that passed the look-up above before the first
            # committed finds it here, and gets the pre response the first stored.
            existing = Response.objects.filter(submission_token=token).first()
            if existing is not None:
                return existing, False
            raise SubmissionError("the form was out of date. Fix: submit again.")
        answers = final_answers(draft.instrument.instrument, draft.answers)
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    session=draft.session,
                    instrument=draft.instrument,
                    answers=answers,
                    completed_on=timezone.localdate(),
                    submission_token=token,
                    source=Source.WEB,
                    wave=draft.wave,
                    link=draft.link,
                    sgic=draft.sgic if draft.wave in (waves.PRE, waves.FOLLOW_UP) else {},
                )
        except IntegrityError:
            existing = Response.objects.filter(submission_token=token).first()
            if existing is None:  # this wave was answered with this link id already
                raise SubmissionError(
                    "these answers were already given on this device. Fix: there is nothing "
                    "more to do."
                ) from None
            return existing, False
        if draft.wave == waves.PRE:
            draft.wave = waves.POST
            draft.answers = prefill(draft.session, draft.instrument.instrument)
            draft.seen = []
            draft.sgic = {}
            draft.submission_token = new_submission_token()
            draft.save()
        else:
            draft.delete()
    return response, True


# -- loading responses from a frame (the demo; imports later) -----------------------------------

_INT = re.compile(r"^-?\d+$")


def _stored(value):
    """A cell of a clean frame as a JSON answer (None when missing)."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return None
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if value is pd.NA:
        return None
    text = str(value)
    return text if text != "" else None


@transaction.atomic
def load_frame(
    study: Study, frame: pd.DataFrame, *, source: str = Source.IMPORT, synthetic: bool = False
) -> int:
    """Add responses from a table (one row per response, a ``session`` column of session codes).

    All or nothing: the table is validated against the study's instrument first, and every
    session must exist.  A row is synthetic when ``synthetic`` is true or its own
    ``synthetic`` column holds 1.  Returns the number of responses added.
    """
    clean, problems, _warnings = validate_frame(frame, study.instrument.instrument)
    if problems:
        raise ResponsesError(problems)
    return add_clean_responses(study, clean, source=source, synthetic=synthetic)


# Rows per INSERT statement: 12 parameters each, under SQLite's limit of 32,766 per statement.
_INSERT_BATCH = 2000
_RESPONSE_FIELDS = (
    "session",
    "instrument",
    "answers",
    "completed_on",
    "submission_token",
    "source",
    "synthetic",
    "wave",
    "link",
    "sgic",
    "origin",
    "origin_id",
)


@transaction.atomic
def add_clean_responses(
    study: Study, clean: pd.DataFrame, *, source: str = Source.IMPORT, synthetic: bool = False
) -> int:
    """Add responses from a frame :func:`validate_frame` has cleaned; as :func:`load_frame`.

    Built column by column and written by multi-row INSERT statements (COPY on PostgreSQL),
    without a model object per row: a 40 MB import (294,000 responses) is written in seconds on
    SQLite, where one object per row took a minute (``benchmarks/bench_imports.py``).  The rows
    are made as they are written, so that PostgreSQL parses one batch while the next is made.
    """
    instrument_version = study.instrument
    instrument = instrument_version.instrument
    sessions = {s.code: s for s in Session.objects.filter(site__study=study).select_related("site")}
    codes = clean["session"].tolist()
    unknown = sorted(
        code if isinstance(code, str) else "(none given)" for code in set(codes) - set(sessions)
    )
    if unknown:
        raise ReadinessError(
            f"{len(unknown)} session(s) are not in study {study.slug}: {', '.join(unknown[:5])}. "
            "Fix: add the sessions first."
        )
    answers = _answers_json(clean, instrument, codes, sessions)
    days = _completion_days(clean, codes, sessions)
    flags = (clean["synthetic"] == 1).tolist() if "synthetic" in clean else [False] * len(clean)
    tokens = new_submission_tokens(len(codes))
    version = instrument_version.pk
    ids = {code: session.pk for code, session in sessions.items()}
    # Only an import has an origin: the source and id its file gave each row.
    kept = clean if source == Source.IMPORT else clean.iloc[:, :0]
    origins = zip(_text_column(kept, "source"), _text_column(kept, "response_id"), strict=True)
    rows = (
        (ids[code], version, text, day, token, source, synthetic or flag, "", "", "{}", *origin)
        for code, text, day, token, flag, origin in zip(
            codes, answers, days, tokens, flags, origins, strict=True
        )
    )
    return _insert_responses(rows)


def _text_column(clean: pd.DataFrame, name: str) -> list[str]:
    """A text meta column's values, "" where missing or where the frame has no such column
    (a file's ``source`` and ``response_id``: kept as an imported response's origin)."""
    if name not in clean:
        return [""] * len(clean)
    return [v if isinstance(v, str) else "" for v in clean[name].tolist()]


def stored_answers(study: Study, clean: pd.DataFrame) -> list[dict]:
    """The answers each row of a clean frame would be stored with (as :func:`add_clean_responses`
    stores them), to compare with responses stored already."""
    sessions = {s.code: s for s in Session.objects.filter(site__study=study).select_related("site")}
    codes = clean["session"].tolist()
    rows = _answers_json(clean, study.instrument.instrument, codes, sessions)
    return [orjson.loads(row) for row in rows]


def _answers_json(
    clean: pd.DataFrame, instrument: Instrument, codes: list[str], sessions: dict[str, Session]
) -> Iterator[str]:
    """Each row's answers as JSON text: its items' stored codes (missing ones left out)."""
    # A note holds no answer (no column in the clean frame).
    columns = {item.id: _stored_column(clean[item.id]) for item in instrument.data_items}
    if "site" in columns:  # filled in by the collection, as prefill() does
        site_of = {code: session.site.code for code, session in sessions.items()}
        columns["site"] = [site_of[code] for code in codes]
    keys = list(columns)
    return (
        orjson.dumps({k: v for k, v in zip(keys, values, strict=True) if v is not None}).decode()
        for values in zip(*columns.values(), strict=True)
    )


def _completion_days(clean: pd.DataFrame, codes: list[str], sessions: dict[str, Session]) -> list:
    """Each row's completion date (validated ISO text) or else its session's, for the database."""
    adapt = connection.ops.adapt_datefield_value
    completed = clean["completed_on"].tolist() if "completed_on" in clean else []
    days = {w: adapt(date.fromisoformat(w[:10])) for w in set(completed) if isinstance(w, str)}
    session_day = {code: adapt(session.date) for code, session in sessions.items()}
    return [
        days[when] if isinstance(when, str) else session_day[code]
        for when, code in itertools.zip_longest(completed, codes)
    ]


def _stored_column(column: pd.Series) -> list:
    """:func:`_stored` of every cell of a clean column (numbers and text vectorised)."""
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        missing = (column.isna() | (column == "")).to_numpy()
        return np.where(missing, None, column.to_numpy(dtype=object)).tolist()
    if column.dtype.kind != "f":
        return [_stored(value) for value in column.tolist()]
    values = column.to_numpy()
    out = np.full(len(values), None, dtype=object)
    present = np.isfinite(values)
    whole = present & (values == np.floor(np.where(present, values, 0)))
    out[whole] = values[whole].astype(np.int64).tolist()
    out[present & ~whole] = values[present & ~whole].tolist()
    return out.tolist()


# Rows loaded at once after which PostgreSQL is asked to analyse the tables straight away.
# Until autovacuum next looks (a minute or more), its statistics still describe the table
# before the load, and reading a study then went session by session through the whole table:
# 31 s for 200,000 responses, 3 s once analysed (benchmarks/bench_national.py).
ANALYSE_AFTER = 10_000


def analyse_tables() -> None:
    """Bring PostgreSQL's statistics of responses, sessions and sites up to date."""
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in (Response, Session, Site)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _insert_responses(rows: Iterable[tuple]) -> int:
    """INSERT ``rows`` (values of :data:`_RESPONSE_FIELDS`, answers as JSON text) in batches;
    on PostgreSQL by COPY, which took a third of the time of multi-row INSERTs there (most of
    it PostgreSQL parsing the answers into ``jsonb``).  Returns the number of rows."""
    meta = Response._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = ", ".join(quote(meta.get_field(name).column) for name in _RESPONSE_FIELDS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            n = 0
            # Django's own errors (IntegrityError ...), as for its statements.
            with connection.wrap_database_errors:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for n, row in enumerate(rows, 1):  # noqa: B007 - n counts the rows
                        copy.write_row(row)
            if n >= ANALYSE_AFTER:
                transaction.on_commit(analyse_tables)
            return n
        one = "(" + ", ".join(["%s"] * len(_RESPONSE_FIELDS)) + ")"
        n = 0
        while batch := list(itertools.islice(rows, _INSERT_BATCH)):
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(batch)),
                [v for r in batch for v in r],
            )
            n += len(batch)
        return n


# -- results -----------------------------------------------------------------------------------


@dataclass
class StudyData:
    """The responses of a study (or of some of its sites) as the core analysis takes them."""

    responses: pd.DataFrame
    sessions: pd.DataFrame
    other_versions: int  # responses to other instrument versions, left out


# The responses that stand for the people who answered: every response of an ordinary survey,
# and the pre wave of an evaluation (its post and follow-up waves are the same people again).
BASELINE_WAVES = ("", "pre")


def study_data(
    study: Study, site_ids: set[int] | None = None, *, every_wave: bool = False
) -> StudyData:
    """Responses to every version of the study's instrument, validated into a clean frame of
    the current version's items (:func:`responseframe.clean_responses`); ``other`` counts the
    responses to another instrument (none once a study has responses: it moves only between
    versions of one instrument then).

    The baseline responses (:data:`BASELINE_WAVES`) unless ``every_wave``: the dashboard and
    the report describe the people who answered, so an evaluation's post and follow-up
    waves (the same people again) are left out; exports hold every wave."""
    instrument_version = study.instrument
    sessions = Session.objects.filter(site__study=study).select_related("site")
    responses = Response.objects.filter(session__site__study=study)
    # Kept between calls and extended as responses arrive (responseframe).
    clean = responseframe.clean_responses(study)
    if not every_wave and "wave" in clean:
        clean = clean[clean["wave"].isna() | clean["wave"].isin(BASELINE_WAVES)]
        clean = clean.reset_index(drop=True)
        responses = responses.filter(wave__in=BASELINE_WAVES)
    if site_ids is not None:
        sessions = sessions.filter(site_id__in=site_ids)
        responses = responses.filter(session__site_id__in=site_ids)
        codes = set(Site.objects.filter(id__in=site_ids).values_list("code", flat=True))
        clean = clean[clean["site"].isin(codes)].reset_index(drop=True)
    other = responses.exclude(instrument__instrument_id=instrument_version.instrument_id).count()
    session_frame = pd.DataFrame(
        [
            {"site": s.site.code, "session": s.code, "date": s.date, "attended": s.attended}
            for s in sessions
        ],
        columns=["site", "session", "date", "attended"],
    )
    return StudyData(clean, session_frame, other)


def counts(study: Study, site_ids: set[int] | None = None) -> dict:
    """Responses and response rate per site and per session, straight from the database (an
    evaluation's baseline responses: people, not their second and third answers)."""
    responded = responded_by_session(study)
    sessions = (
        Session.objects.filter(site__study=study)
        .select_related("site")
        .order_by("site__code", "date", "code")
    )
    sites = Site.objects.filter(study=study).order_by("code")
    if site_ids is not None:
        sessions = sessions.filter(site_id__in=site_ids)
        sites = sites.filter(id__in=site_ids)
    by_site: dict[int, dict] = {
        s.id: {"site": s, "responded": 0, "attended": 0, "sessions": []} for s in sites
    }
    for s in sessions:
        s.responded = responded.get(s.id, 0)
        entry = by_site[s.site_id]
        entry["sessions"].append(
            {
                "session": s,
                "responded": s.responded,
                "attended": s.attended,
                "rate": _rate(s.responded, s.attended),
            }
        )
        entry["responded"] += s.responded
        entry["attended"] += s.attended
    for entry in by_site.values():
        entry["rate"] = _rate(entry["responded"], entry["attended"])
    responded = sum(e["responded"] for e in by_site.values())
    attended = sum(e["attended"] for e in by_site.values())
    return {
        "sites": list(by_site.values()),
        "responded": responded,
        "attended": attended,
        "rate": _rate(responded, attended),
    }


def responded_by_session(study: Study) -> dict[int, int]:
    """Baseline responses per session id, kept under the study's results stamp: counting
    them on every dashboard view took 3 s of a 5.6 s view at 1,500,000 responses
    (benchmarks/RESULTS.md, national scale).  When responses have only been added since
    they were kept, only those are counted (:func:`_responded_since`)."""
    from readiness.web.surveys import resultscache  # it imports this module

    def count() -> dict[int, int]:
        rows = (
            Response.objects.filter(session__site__study=study, wave__in=BASELINE_WAVES)
            .values("session_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {row["session_id"]: row["n"] for row in rows}

    n, last = stamp.responses(study)
    now = (study.instrument_id, study.data_revision, sessions_stamp(study), n, last)

    def extend(kept, counts):
        return _responded_since(study, kept, counts, now)

    return resultscache.remembered_since(f"responded:{study.pk}", now, count, extend)


def _responded_since(study: Study, kept, counts: dict[int, int], now) -> dict[int, int] | None:
    """The counts kept at stamp ``kept`` brought to ``now`` by counting only the responses
    after the kept last id (up to the current one); None (count everything again) unless
    exactly those were added: the same revision and sessions, and the kept number plus the
    new ones is the number now (a response that committed late with a smaller id, or one
    removed, makes them differ)."""
    if not isinstance(kept, tuple) or len(kept) != 5 or kept[:3] != now[:3]:
        return None
    kept_n, kept_last, n, last = kept[3], kept[4], now[3], now[4]
    if kept_last is None or last is None or last < kept_last:
        return None
    rows = (
        Response.objects.filter(session__site__study=study, id__gt=kept_last, id__lte=last)
        .values("session_id", "wave")
        .annotate(n=Count("id"))
        .order_by()
    )
    added, out = 0, dict(counts)
    for row in rows:  # one query: the total and the baseline counts see the same rows
        added += row["n"]
        if row["wave"] in BASELINE_WAVES:
            out[row["session_id"]] = out.get(row["session_id"], 0) + row["n"]
    return out if kept_n + added == n else None


def _rate(responded: int, attended: int) -> float | None:
    return 100.0 * responded / attended if attended else None


def results_key(study: Study, site_ids: set[int] | None) -> str:
    """A cache key that changes whenever a response is added, corrected or deleted, or a
    session or the instrument changes (a correction or deletion raises the study's
    ``data_revision``; an added response changes the count and last id).  The count and
    last id are read once per view (:mod:`.stamp`)."""
    n, last = stamp.responses(study)
    sites = "all" if site_ids is None else ",".join(map(str, sorted(site_ids)))
    return (
        f"readiness:results:{study.pk}:{study.instrument_id}:r{study.data_revision}:{sites}:"
        f"{n}:{last}:"
        f"{sessions_stamp(study)}"
    )


def sessions_stamp(study: Study) -> str:
    """A part of a results stamp that changes whenever a session is added, removed or its
    attending count changes (the response rate depends on them)."""
    sessions = Session.objects.filter(site__study=study).aggregate(
        attended=Sum("attended"), n=Count("id"), last=Max("id")
    )
    return f"{sessions['attended']}:{sessions['n']}:{sessions['last']}"
