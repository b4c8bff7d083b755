"""The rules every app's permissions share: a person holds one role in a study or an interview
project, the role gives a set of permissions, and a system administrator (a Django superuser)
holds them all; views are reached through a decorator that sends an anonymous person to sign
in and answers 403 to one without the permission.

Each app keeps what is its own: its roles and their permissions, and what its :class:`Access`
adds (a site coordinator's sites: :mod:`readiness.web.accounts.permissions`; who may change a
coding: :mod:`readiness.web.interviews.permissions`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

ADMIN = "admin"  # the role of a system administrator
A = TypeVar("A", bound="RoleAccess")


class RoleAccess:
    """A person's role and the permissions it gives.  An app's ``Access`` (a frozen dataclass
    with a ``role`` field: a value of ``ROLES``, or :data:`ADMIN`) names its roles (``ROLES``,
    Django choices), each role's permissions (``ROLE_PERMISSIONS``) and every permission
    (``ALL``)."""

    ROLES: Any
    ROLE_PERMISSIONS: Mapping[str, frozenset[str]]
    ALL: frozenset[str]
    role: str

    @property
    def role_label(self) -> str:
        return "System administrator" if self.role == ADMIN else self.ROLES(self.role).label

    @property
    def permissions(self) -> frozenset[str]:
        return self.ALL if self.role == ADMIN else self.ROLE_PERMISSIONS[self.ROLES(self.role)]

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.has(permission):
            raise PermissionDenied


def member_access(user, members: QuerySet, make: Callable[[str, Model | None], A]) -> A | None:
    """``make(role, member)`` for the user's row among ``members`` (the memberships of one study
    or project, each with a ``role``), ``make(ADMIN, None)`` for a system administrator, or
    None for a person signed out, made inactive, or without a role there."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return make(ADMIN, None)
    member = members.filter(user=user).first()
    return None if member is None else make(member.role, member)


def roles_held(user, everything: QuerySet, members: QuerySet, field: str) -> list[tuple]:
    """(study or project, the user's role in it, as shown) for each one the user holds a role
    in, or for ``everything`` when they are a system administrator; ``members`` are all the
    memberships, ``field`` names their study or project."""
    if user.is_superuser:
        return [(obj, "System administrator") for obj in everything]
    held = members.filter(user=user).select_related(field)
    return [(getattr(mb, field), mb.get_role_display()) for mb in held]


def may_create(user, django_permission: str) -> bool:
    """Whether the user may create a study or project: a system administrator, or holding the
    Django permission (``surveys.add_study``, ``interviews.add_interviewproject``)."""
    return user.is_authenticated and (user.is_superuser or user.has_perm(django_permission))


def object_view(permission: str, load: Callable[[str], Any], access_for: Callable[[Any, Any], Any]):
    """Decorate ``view(request, obj, access, ...)`` reached with the object's slug first:
    ``load(slug)`` finds the object (or 404), ``access_for(user, obj)`` the person's access.

    Anonymous users are sent to sign in; users without the permission get 403.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            obj = load(slug)
            access = access_for(request.user, obj)
            if access is None:
                raise PermissionDenied
            access.require(permission)
            return view(request, obj, access, *args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorate


def signed_in(view):
    """A view for any signed-in user (the list of their studies or projects)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
