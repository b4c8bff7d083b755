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
=====================  ========  ===========  =======  ============

"Own sites" means the coordinator's sites (``Membership.sites``): objects of other sites are
forbidden to them.  "Suppressed": a coordinator sees results of their own sites with small
cells (fewer than ``READINESS_MIN_CELL``, default 5) suppressed.  The second engineer's paper
entry, exports, imports and audit log add their permissions to ``ROLE_PERMISSIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from readiness.web.accounts.models import Membership, Role

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
    }
)
ROLE_PERMISSIONS = {
    Role.LEAD: ALL,
    Role.COORDINATOR: frozenset({VIEW, MANAGE_SESSIONS, VIEW_COUNTS, VIEW_RESULTS, ENTER_PAPER}),
    Role.ANALYST: frozenset({VIEW, VIEW_COUNTS, VIEW_RESULTS, VIEW_RESPONSES, EXPORT}),
}
ADMIN = "admin"


@dataclass(frozen=True)
class Access:
    """A user's access to one study: their role and, for a coordinator, their sites."""

    user: object
    study: object
    role: str  # a Role value, or "admin" for a system administrator
    site_ids: frozenset[int] | None  # None: every site

    @property
    def role_label(self) -> str:
        return "System administrator" if self.role == ADMIN else Role(self.role).label

    @property
    def permissions(self) -> frozenset[str]:
        return ALL if self.role == ADMIN else ROLE_PERMISSIONS[Role(self.role)]

    @property
    def suppressed(self) -> bool:
        """Whether results are shown with small cells suppressed (site coordinators)."""
        return self.role == Role.COORDINATOR

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def covers_site(self, site_id: int) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def require(self, permission: str, site_id: int | None = None) -> None:
        if not self.has(permission) or (site_id is not None and not self.covers_site(site_id)):
            raise PermissionDenied


def access_for(user, study) -> Access | None:
    """The user's access to the study, or None if they have no role in it."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Access(user, study, ADMIN, None)
    membership = Membership.objects.filter(user=user, study=study).first()
    if membership is None:
        return None
    sites = None
    if membership.role == Role.COORDINATOR:
        sites = frozenset(membership.sites.values_list("id", flat=True))
    return Access(user, study, membership.role, sites)


def can_create_studies(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_perm("surveys.add_study"))


def study_view(permission: str):
    """Decorate ``view(request, study, access, ...)`` reached as ``.../studies/<slug>/...``.

    Anonymous users are sent to sign in; users without the permission get 403.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            from readiness.web.surveys.models import Study

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            study = get_object_or_404(Study.objects.select_related("instrument"), slug=slug)
            access = access_for(request.user, study)
            if access is None:
                raise PermissionDenied
            access.require(permission)
            return view(request, study, access, *args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorate


def staff_view(view):
    """A view for any signed-in user (the list of their studies)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
