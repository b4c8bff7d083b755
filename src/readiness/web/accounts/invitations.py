"""Inviting someone to a study by e-mail address, without a system administrator.

A study lead gives an address and a role.  When no account has that address, one is made:
its username is taken from the address (the part before the ``@``, with a number added when
that username is taken) and it has no usable password, so nobody can sign in to it until its
owner has chosen a password through the link in the invitation (:mod:`.mail`).  When an
account has the address, it is given the role and told by e-mail.  Either way the role is
given by :func:`readiness.web.accounts.members.give_role` (which refuses to demote the last
lead), and the invitation is written to the audit log.

Each person may send ``READINESS_INVITATIONS`` invitations (default 50 a day, counted in fixed
windows), so that the form cannot be used to send mail in bulk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from readiness.web import audit
from readiness.web.accounts import mail, members
from readiness.web.accounts.models import Membership
from readiness.web.security import ratelimit


class InvitationRefused(ValueError):
    """The invitation cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Invited:
    membership: Membership
    created: bool  # a new account was made
    sent: bool  # the e-mail went out


def username_for(email: str) -> str:
    """A free username made from an e-mail address: ``Jo.Bloggs@nhs.net`` -> ``jo.bloggs``
    (``jo.bloggs2`` when that is taken)."""
    local = email.rsplit("@", 1)[0].lower()
    base = re.sub(r"[^\w.+-]", "", local, flags=re.ASCII)[:140] or "user"
    users = get_user_model().objects
    name, number = base, 1
    while users.filter(username__iexact=name).exists():
        number += 1
        name = f"{base}{number}"
    return name


def _count(actor) -> None:
    count, seconds = ratelimit.limit_for("invitations")
    if count <= 0:
        return
    window = ratelimit.window_of(seconds)
    key = ratelimit.counter_key("invitations", [str(actor.pk)], window)
    if ratelimit.hit(key, seconds) > count:
        raise InvitationRefused(
            f"You have sent {count} invitations, the most one person may send in "
            f"{ratelimit.wait_text(seconds)}. Try again later, or ask a system administrator "
            "to add the person"
        )


def _account(email: str):
    """(the account with this address, False), or (a new one, True)."""
    users = get_user_model().objects
    found = list(users.filter(email__iexact=email).order_by("pk")[:2])
    if len(found) > 1:
        raise InvitationRefused(
            f"More than one account has the e-mail address {email}. Add the person by their "
            "username instead"
        )
    if found:
        return found[0], False
    return users.create_user(username_for(email), email=email, password=None), True


def invite(request, study, email: str, role: str, sites=()) -> Invited:
    """Give the person at ``email`` the ``role`` in ``study`` (making their account if need
    be) and e-mail them; raises :class:`InvitationRefused` or
    :class:`~readiness.web.accounts.members.LastLead`."""
    actor = request.user
    email = email.strip()
    _count(actor)
    with transaction.atomic():
        user, created = _account(email)
        membership = members.give_role(actor, study, user, role, sites)
        audit.record(
            actor,
            audit.EDIT,
            study=study,
            detail={
                "change": "invitation sent",
                "person": user.get_username(),
                "e-mail": email,
                "role": role,
                "new account": created,
            },
        )
    sent = mail.invitation(request, actor, user, study, membership.get_role_display())
    return Invited(membership, created, sent)
