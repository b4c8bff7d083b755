"""The demonstration study: the matched synthetic cohort as a study with 10 sites.

``load_demo()`` is idempotent: a second call finds the study and changes nothing.  The demo
accounts (``demo`` the study lead, ``demo-coordinator`` for sites T01 and T02, ``demo-analyst``)
each get a random password of their own, new each time :func:`demo_accounts` runs, which is
printed once: knowing one account's password gives nothing of another's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from readiness.synth.cohort import PUBLISHED_N, make_cohort
from readiness.web.accounts.models import Membership, Role
from readiness.web.surveys import services
from readiness.web.surveys.models import Site, Source, Study

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
    out = []
    for username, role, site_codes in DEMO_ACCOUNTS:
        password = new_password()
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        if role == Role.LEAD:
            user.user_permissions.add(add_study)
        membership, _ = Membership.objects.update_or_create(
            user=user, study=study, defaults={"role": role}
        )
        membership.sites.set(Site.objects.filter(study=study, code__in=site_codes))
        label = role.label + (f" ({', '.join(site_codes)})" if site_codes else "")
        out.append(DemoAccount(username, label, password))
    return out
