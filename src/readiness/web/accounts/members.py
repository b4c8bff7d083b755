"""Giving a person a role in a study, and taking it away: never leaving a study without a lead.

A study lead (or a system administrator) may give anyone a role, change it or remove it, and
each change is written to the audit log.  The one thing refused is leaving the study without a
study lead: removing its last lead, or giving its last lead another role, raises
:class:`LastLead`, whose message says what to do instead.  Every change first locks the study's
row (``SELECT ... FOR UPDATE``; on SQLite the write transaction does the same), so two leads
who remove each other at once cannot both succeed.
"""

from __future__ import annotations

from django.db import transaction

from readiness.web import audit
from readiness.web.accounts.models import Membership, Role


class LastLead(ValueError):
    """The change would leave the study without a study lead."""


def _lock(study) -> None:
    type(study).objects.select_for_update().filter(pk=study.pk).exists()


def _other_leads(study, membership: Membership) -> int:
    return Membership.objects.filter(study=study, role=Role.LEAD).exclude(pk=membership.pk).count()


def give_role(actor, study, user, role: str, sites=()) -> Membership:
    """Give ``user`` the ``role`` in ``study`` (a coordinator: of ``sites``); audited."""
    with transaction.atomic():
        _lock(study)
        membership = Membership.objects.filter(study=study, user=user).first()
        if (
            membership is not None
            and membership.role == Role.LEAD
            and role != Role.LEAD
            and not _other_leads(study, membership)
        ):
            raise LastLead(
                f"{user.get_username()} is the only study lead, so cannot be given another "
                "role. Make someone else study lead first, then change this role"
            )
        if membership is None:
            membership = Membership.objects.create(study=study, user=user, role=role)
        elif membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
        membership.sites.set(list(sites) if role == Role.COORDINATOR else [])
        audit.record(
            actor,
            audit.EDIT,
            study=study,
            detail={
                "change": "role given",
                "person": user.get_username(),
                "role": membership.role,
                "sites": [site.code for site in membership.sites.all()],
            },
        )
    return membership


def remove(actor, study, membership: Membership) -> None:
    """Take ``membership``'s role away; audited.  Raises :class:`LastLead` for the last lead."""
    with transaction.atomic():
        _lock(study)
        membership = Membership.objects.select_related("user").filter(pk=membership.pk).first()
        if membership is None:  # removed meanwhile by someone else
            return
        if membership.role == Role.LEAD and not _other_leads(study, membership):
            raise LastLead(
                f"{membership.user.get_username()} is the only study lead and cannot be "
                "removed: a study always has a lead. Make someone else study lead first "
                '(under "Add a person or change their role"), then remove '
                f"{membership.user.get_username()}"
            )
        person = membership.user.get_username()
        membership.delete()
        audit.record(
            actor, audit.EDIT, study=study, detail={"change": "person removed", "person": person}
        )
