"""Issuing, finding and revoking API tokens; who may read which study with one."""

from __future__ import annotations

import hashlib
import secrets

from django.db.models import Q
from django.utils import timezone

from readiness.web import audit
from readiness.web.accounts import permissions as perm
from readiness.web.accounts.models import Membership
from readiness.web.api.models import ApiToken
from readiness.web.audit import actions

PREFIX = "rdy_"
ACTION_CREATED = actions.API_TOKEN_CREATED
ACTION_REVOKED = actions.API_TOKEN_REVOKED
ACTION_CALL = actions.API_CALL


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user, name: str, study=None) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its secret (40 random characters after ``rdy_``), which is
    never stored: the caller shows it once."""
    secret = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name, study=study, digest=digest(secret), prefix=secret[:8]
    )
    audit.record(
        user,
        ACTION_CREATED,
        study=study,
        detail={"token": name, "token_id": token.pk, "scope": study.slug if study else "all"},
    )
    return token, secret


def find(secret: str) -> ApiToken | None:
    """The token with this secret, revoked or not (the caller says which), or None."""
    if not secret.startswith(PREFIX):
        return None
    return ApiToken.objects.select_related("user", "study").filter(digest=digest(secret)).first()


def revoke(token: ApiToken, by) -> None:
    if token.revoked is not None:
        return
    token.revoked = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked", "revoked_by"])
    owner = token.user.get_username()
    audit.record(
        by,
        ACTION_REVOKED,
        study=token.study,
        detail={"token": token.name, "token_id": token.pk, "owner": owner},
    )


def led_studies(user) -> list:
    """The studies whose members' tokens ``user`` may see and revoke (MANAGE_MEMBERS)."""
    from readiness.web.surveys.models import Study

    if not user.is_authenticated:
        return []
    candidates = (
        Study.objects.all()
        if user.is_superuser
        else Study.objects.filter(memberships__user=user).distinct()
    )
    out = []
    for study in candidates.order_by("name"):
        access = perm.access_for(user, study)
        if access is not None and access.has(perm.MANAGE_MEMBERS):
            out.append(study)
    return out


def tokens_reading(study):
    """The tokens of the study's members that can read it (scoped to it, or to all studies)."""
    members = Membership.objects.filter(study=study).values_list("user_id", flat=True)
    return ApiToken.objects.filter(user_id__in=members).filter(
        Q(study__isnull=True) | Q(study=study)
    )


def may_revoke(user, token: ApiToken) -> bool:
    if token.user_id == user.pk or user.is_superuser:
        return True
    for study in led_studies(user):
        if (
            token.study_id in (None, study.pk)
            and Membership.objects.filter(study=study, user_id=token.user_id).exists()
        ):
            return True
    return False


def readable_studies(token: ApiToken) -> list:
    """The studies the token may read, each with its owner's access, by slug."""
    from readiness.web.surveys.models import Study

    user = token.user
    if token.study_id is not None:
        candidates = Study.objects.filter(pk=token.study_id)
    elif user.is_superuser:
        candidates = Study.objects.all()
    else:
        candidates = Study.objects.filter(memberships__user=user).distinct()
    out = []
    for study in candidates.select_related("instrument").order_by("slug"):
        access = perm.access_for(user, study)
        if access is not None and access.has(perm.VIEW):
            out.append((study, access))
    return out
