"""Who may do what in a study.  Every staff view goes through :func:`study_view`.

=====================  ========  ===========  =======  ============
permission             lead      coordinator  analyst  system admin
=====================  ========  ===========  =======  ============
view (the study page)  yes       own sites    yes      yes
edit_study             yes       no           no       yes
manage_members         yes       no           no       yes
manage_sites           yes       no           no       yes
manage_sessions        yes       own sites    no       yes
view_counts            yes       own sites    yes      yes
view_results           yes       suppressed   yes      yes
view_responses         yes       never        yes      yes
export                 yes       no           yes      yes
enter_paper            yes       own sites    no       yes
import_responses       yes       no           no       yes
view_audit             yes       no           no       yes
correct_responses      yes       no           no       yes
=====================  ========  ===========  =======  ============

"Own sites" means the coordinator's sites (``Membership.sites``): objects of other sites are
forbidden to them.  "Suppressed": a coordinator sees results of their own sites with small
cells (fewer than ``READINESS_MIN_CELL``, default 5) suppressed.  The second engineer's paper
entry, exports, imports and audit log add their permissions to ``ROLE_PERMISSIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from readiness.web.accounts.models import Membership, Role
from readiness.web.permissions import ADMIN, RoleAccess, may_create, member_access, object_view
from readiness.web.permissions import signed_in as staff_view

VIEW = "view"
EDIT_STUDY = "edit_study"
MANAGE_MEMBERS = "manage_members"
MANAGE_SITES = "manage_sites"
MANAGE_SESSIONS = "manage_sessions"
VIEW_COUNTS = "view_counts"
VIEW_RESULTS = "view_results"
VIEW_RESPONSES = "view_responses"
EXPORT = "export"
ENTER_PAPER = "enter_paper"  # key in paper forms (and resolve double-entry differences)
IMPORT_RESPONSES = "import_responses"  # load a response file into the study
VIEW_AUDIT = "view_audit"  # the study's audit log (readiness.web.audit)
# Correct a response's answers or delete it, with a reason kept in the audit log (REDCap's
# separate "edit records" right): study leads only, not analysts.
CORRECT_RESPONSES = "correct_responses"

ALL = frozenset(
    {
        VIEW,
        EDIT_STUDY,
        MANAGE_MEMBERS,
        MANAGE_SITES,
        MANAGE_SESSIONS,
        VIEW_COUNTS,
        VIEW_RESULTS,
        VIEW_RESPONSES,
        EXPORT,
        ENTER_PAPER,
        IMPORT_RESPONSES,
        VIEW_AUDIT,
        CORRECT_RESPONSES,
    }
)
ROLE_PERMISSIONS = {
    Role.LEAD: ALL,
    Role.COORDINATOR: frozenset({VIEW, MANAGE_SESSIONS, VIEW_COUNTS, VIEW_RESULTS, ENTER_PAPER}),
    Role.ANALYST: frozenset({VIEW, VIEW_COUNTS, VIEW_RESULTS, VIEW_RESPONSES, EXPORT}),
}
__all__ = ["ADMIN", "Access", "access_for", "can_create_studies", "staff_view", "study_view"]


@dataclass(frozen=True)
class Access(RoleAccess):
    """A user's access to one study: their role and, for a coordinator, their sites."""

    ROLES = Role
    ROLE_PERMISSIONS = ROLE_PERMISSIONS
    ALL = ALL

    user: object
    study: object
    role: str  # a Role value, or "admin" for a system administrator
    site_ids: frozenset[int] | None  # None: every site

    @property
    def suppressed(self) -> bool:
        """Whether results are shown with small cells suppressed (site coordinators)."""
        return self.role == Role.COORDINATOR

    def covers_site(self, site_id: int) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def require(self, permission: str, site_id: int | None = None) -> None:
        if not self.has(permission) or (site_id is not None and not self.covers_site(site_id)):
            raise PermissionDenied


def access_for(user, study) -> Access | None:
    """The user's access to the study, or None if they have no role in it."""

    def make(role: str, membership: Membership | None) -> Access:
        sites = None
        if role == Role.COORDINATOR:
            sites = frozenset(membership.sites.values_list("id", flat=True))
        return Access(user, study, role, sites)

    return member_access(user, Membership.objects.filter(study=study), make)


def can_create_studies(user) -> bool:
    return may_create(user, "surveys.add_study")


def _study(slug: str):
    # By the app registry, not an import: surveys imports this module, never the other way.
    study = apps.get_model("surveys", "Study")
    return get_object_or_404(study.objects.select_related("instrument"), slug=slug)


def study_view(permission: str):
    """Decorate ``view(request, study, access, ...)`` reached as ``.../studies/<slug>/...``.

    Anonymous users are sent to sign in; users without the permission get 403.
    """
    return object_view(permission, _study, access_for)
