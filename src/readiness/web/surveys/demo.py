"""The demonstration study: the matched synthetic cohort as a study with 10 sites.

``load_demo()`` is idempotent: a second call finds the study and changes nothing.  The demo
accounts (``demo`` the study lead, ``demo-coordinator`` for sites T01 and T02, ``demo-analyst``)
each get a random password of their own, new each time :func:`demo_accounts` runs, which is
printed once: knowing one account's password gives nothing of another's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from readiness.errors import ResponsesError
from readiness.evaluation.linkage import SGIC_ELEMENTS, sgic_digests
from readiness.responses.validate import validate_frame
from readiness.synth.cohort import PUBLISHED_N, make_cohort
from readiness.web.accounts.models import Membership, Role
from readiness.web.surveys import services, waves
from readiness.web.surveys.models import Response, Site, Source, Study, new_submission_tokens

DEMO_SLUG = "demo"
DEMO_NAME = "Demonstration: workforce survey in 10 trusts (synthetic)"
DEMO_INFORMATION = (
    "This is a demonstration of Readiness. The study holds 782 SYNTHETIC responses drawn to "
    "match the published figures of a survey of NHS staff (Ross et al., BMJ Open 2015); no real "
    "person's answers are in it.\n\n"
    "If you answer, your answers are added to the demonstration and can be seen by anyone "
    "with the demonstration login. Please do not enter anything real."
)
DEMO_ACCOUNTS = (
    ("demo", Role.LEAD, ()),
    ("demo-coordinator", Role.COORDINATOR, ("T01", "T02")),
    ("demo-analyst", Role.ANALYST, ()),
)


@transaction.atomic
def load_demo(seed: int = 2015) -> tuple[Study, bool]:
    """(the demo study, whether it was created now)."""
    existing = Study.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing, False
    cohort = make_cohort(PUBLISHED_N, seed, match_published=True)
    study = services.create_study(
        name=DEMO_NAME,
        lead=None,
        instrument=services.install_instrument(),
        information=DEMO_INFORMATION,
        show_feedback=True,
        synthetic=True,
        slug=DEMO_SLUG,
    )
    sites = {}
    for code in sorted(cohort.sessions["site"].unique()):
        sites[code] = services.add_site(study, code, f"Trust {code[1:]} (synthetic)")
    for row in cohort.sessions.itertuples():
        services.add_session(sites[row.site], row.date, int(row.attended), code=row.session)
    services.load_frame(study, cohort.responses, source=Source.DEMO, synthetic=True)
    return study, True


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # the role's label, and the sites of a coordinator
    password: str  # new on every run, and this account's own


def new_password() -> str:
    """A random password to type from a screen: three groups of 6 hex digits (72 bits)."""
    return "-".join(secrets.token_hex(3) for _ in range(3))


def demo_accounts(study: Study) -> list[DemoAccount]:
    """Create or reset the demo accounts, each with a new password of its own."""
    User = get_user_model()
    add_study = Permission.objects.get(codename="add_study", content_type__app_label="surveys")
    # the study lead may also start interview projects (and leads those they start)
    add_interviews = Permission.objects.get(
        codename="add_interviewproject", content_type__app_label="interviews"
    )
    out = []
    for username, role, site_codes in DEMO_ACCOUNTS:
        password = new_password()
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        if role == Role.LEAD:
            user.user_permissions.add(add_study, add_interviews)
        membership, _ = Membership.objects.update_or_create(
            user=user, study=study, defaults={"role": role}
        )
        membership.sites.set(Site.objects.filter(study=study, code__in=site_codes))
        label = role.label + (f" ({', '.join(site_codes)})" if site_codes else "")
        out.append(DemoAccount(username, label, password))
    return out


# -- the demonstration training evaluation -----------------------------------------------------

EVALUATION_SLUG = "demo-evaluation"
EVALUATION_NAME = "Demonstration: training evaluation, before, after and follow-up (synthetic)"
EVALUATION_INFORMATION = (
    "This is a demonstration of a training evaluation in Readiness. Its before, after and "
    "follow-up answers are SYNTHETIC (readiness evaluate demo); no real person's answers are "
    "in it.\n\n"
    "If you answer, your answers are added to the demonstration and can be seen by anyone "
    "with the demonstration login. Please do not enter anything real."
)
EVALUATION_PRE = 96  # twice the small evaluation the demo follows (48, 28 and 13)


def _code(rng: np.random.Generator) -> dict[str, str]:
    """Answers to the code questions, drawn at random (synthetic people)."""
    letters = list("ABCDEFGHJKLMNPRSTW")
    return {
        "mother_initial": str(rng.choice(letters)),
        "birth_day": str(int(rng.integers(1, 32))),
        "older_siblings": str(int(rng.choice([0, 0, 1, 1, 2, 3]))),
        "birth_town_initial": str(rng.choice(letters)),
        "shoe_size_band": str(int(rng.integers(1, 6))),
    }


def _slip(rng: np.random.Generator, answers: dict[str, str]) -> dict[str, str]:
    """The same answers with one of them given differently (a slip of memory)."""
    out = dict(answers)
    element = str(rng.choice([e.id for e in SGIC_ELEMENTS]))
    if element == "birth_day":
        out[element] = str(int(out[element]) % 31 + 1)
    elif element in ("older_siblings", "shoe_size_band"):
        out[element] = str(int(out[element]) % 5 + 1)
    else:
        out[element] = "Z"
    return out


@transaction.atomic
def load_evaluation_demo(seed: int = 55) -> tuple[Study, bool]:
    """(the demonstration training evaluation, whether it was created now).

    The waves of :func:`readiness.evaluation.demo.make_demo` as a study: the before and
    after answers of one person share a link id (as one device's would), and the before and
    follow-up answers carry the digests of synthetic code answers under this study's secret,
    some follow-ups with one answer given differently.  Idempotent, like :func:`load_demo`."""
    from readiness.evaluation.demo import make_demo

    existing = Study.objects.filter(slug=EVALUATION_SLUG).first()
    if existing is not None:
        return existing, False
    demo = make_demo(EVALUATION_PRE, seed=seed)
    study = services.create_study(
        name=EVALUATION_NAME,
        lead=None,
        instrument=services.install_instrument(),
        information=EVALUATION_INFORMATION,
        show_feedback=True,
        synthetic=True,
        slug=EVALUATION_SLUG,
        evaluation=True,
        follow_up_days=90,
    )
    instrument = study.instrument.instrument
    first_day: dict[tuple[str, str], date] = {}
    for frame in (demo.pre, demo.post):
        for site, session, day in frame[["site", "session", "completed_on"]].itertuples(False):
            key = (site, session)
            first_day[key] = min(first_day.get(key, date.max), date.fromisoformat(day))
    sites = {code: services.add_site(study, code, f"Trust {code[1:]} (synthetic)")
             for code in sorted({site for site, _ in first_day})}  # fmt: skip
    sessions = {}
    for (site, code), day in sorted(first_day.items()):
        attended = int((demo.pre["session"] == code).sum()) + 2
        sessions[code] = services.add_session(sites[site], day, attended, code=code)
    rng = np.random.default_rng(seed)
    secret = waves.study_secret(study)
    codes = {link: _code(rng) for link in demo.pre["link"]}
    rows = []
    for wave, frame in ((waves.PRE, demo.pre), (waves.POST, demo.post),
                        (waves.FOLLOW_UP, demo.follow_up)):  # fmt: skip
        frame = frame[frame["session"].isin(sessions)].reset_index(drop=True)
        clean, problems, _warnings = validate_frame(frame.drop(columns=["link"]), instrument)
        if problems:  # pragma: no cover - the core's demo is valid by construction
            raise ResponsesError(problems)
        answers = services._answers_json(clean, instrument, list(frame["session"]), sessions)
        for row, text in zip(frame.itertuples(False), answers, strict=True):
            link, digests = row.link, {}
            day = date.fromisoformat(row.completed_on)
            if wave == waves.PRE:
                digests = sgic_digests(secret, codes[link])
            elif wave == waves.FOLLOW_UP:
                # joined later by the code alone: a follow-up keeps no link id of its own
                given = codes.get(link) or _code(rng)
                if rng.random() < 0.2:
                    given = _slip(rng, given)
                digests = sgic_digests(secret, given)
                link = ""
                day = sessions[row.session].date + timedelta(days=90 + int(rng.integers(0, 20)))
            rows.append((row.session, orjson.loads(text), day, wave, link, digests))
    tokens = new_submission_tokens(len(rows))
    Response.objects.bulk_create(
        Response(
            session=sessions[session],
            instrument=study.instrument,
            answers=answers,
            completed_on=day,
            submission_token=token,
            source=Source.DEMO,
            synthetic=True,
            wave=wave,
            link=link,
            sgic=digests,
        )
        for (session, answers, day, wave, link, digests), token in zip(rows, tokens, strict=True)
    )
    return study, True


def evaluation_demo_members(study: Study) -> None:
    """Give the demo accounts (made by :func:`demo_accounts`) the same roles in the
    demonstration training evaluation; their passwords stay as they are."""
    User = get_user_model()
    for username, role, site_codes in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        membership, _ = Membership.objects.update_or_create(
            user=user, study=study, defaults={"role": role}
        )
        membership.sites.set(Site.objects.filter(study=study, code__in=site_codes))
