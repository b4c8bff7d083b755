"""Who may do what in an interview project.  Every view goes through :func:`project_view`.

The accounts app's pattern (a role per person and project, an :class:`Access` that views ask),
with the roles of a qualitative study:

======================================================  ====  =====  ============
permission                                              lead  coder  system admin
======================================================  ====  =====  ============
view: transcripts, codebook, search, framework matrix,  yes   yes*   yes
theme report, agreement, memos
code: add codings, in-vivo and new codes, memos; edit   yes   yes    yes
and delete their own codings and memos
edit_any: edit or delete anyone's codings and memos,    yes   no     yes
resolve disagreements for other coders
manage_codebook: edit and delete codes, themes          yes   no     yes
manage_members                                          yes   no     yes
manage_transcripts: add transcripts and participants,   yes   no     yes
review pseudonymisation, see transcripts not yet
pseudonymised
export: framework matrix, theme report and codebook     yes   yes*   yes
downloads
export_project: REFI-QDA project, project folder, and   yes   no     yes
exports of transcripts not yet pseudonymised (with a
reason, logged)
view_audit: the project's audit log                     yes   no     yes
======================================================  ====  =====  ============

\\* A coder works on pseudonymised transcripts only: a transcript is hidden from coders (in its
page, search, the framework matrix, the theme report, agreement and their downloads) until the
lead has reviewed its pseudonymisation.  A coder's download is refused while anything in it
(a memo, a code, a participant) was added or changed since the last review; only a lead may
override the export gate, with a reason.

A person may create interview projects when they are a system administrator or hold the
``interviews.add_interviewproject`` permission; the creator becomes the project's lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from readiness.web.interviews.models import InterviewProject, Member, Role

VIEW = "view"
CODE = "code"
EDIT_ANY = "edit_any"
MANAGE_CODEBOOK = "manage_codebook"
MANAGE_MEMBERS = "manage_members"
MANAGE_TRANSCRIPTS = "manage_transcripts"
EXPORT = "export"
EXPORT_PROJECT = "export_project"
VIEW_AUDIT = "view_audit"

ALL = frozenset(
    {
        VIEW,
        CODE,
        EDIT_ANY,
        MANAGE_CODEBOOK,
        MANAGE_MEMBERS,
        MANAGE_TRANSCRIPTS,
        EXPORT,
        EXPORT_PROJECT,
        VIEW_AUDIT,
    }
)
ROLE_PERMISSIONS = {
    Role.LEAD: ALL,
    Role.CODER: frozenset({VIEW, CODE, EXPORT}),
}
ADMIN = "admin"


@dataclass(frozen=True)
class Access:
    """A user's access to one interview project."""

    user: object
    project: InterviewProject
    role: str  # a Role value, or "admin"

    @property
    def role_label(self) -> str:
        return "System administrator" if self.role == ADMIN else Role(self.role).label

    @property
    def permissions(self) -> frozenset[str]:
        return ALL if self.role == ADMIN else ROLE_PERMISSIONS[Role(self.role)]

    @property
    def sees_raw(self) -> bool:
        """Whether transcripts not yet pseudonymised are visible (leads and administrators)."""
        return self.has(MANAGE_TRANSCRIPTS)

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.has(permission):
            raise PermissionDenied

    def may_change(self, owner_account_id: int | None) -> bool:
        """Whether this user may edit or delete a coding or memo made by ``owner_account_id``."""
        return self.has(EDIT_ANY) or (
            self.has(CODE) and owner_account_id is not None and owner_account_id == self.user.pk
        )


def access_for(user, project: InterviewProject) -> Access | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Access(user, project, ADMIN)
    member = Member.objects.filter(user=user, project=project).first()
    return None if member is None else Access(user, project, member.role)


def can_create_projects(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.has_perm("interviews.add_interviewproject")
    )


def project_view(permission: str):
    """Decorate ``view(request, project, access, ...)`` reached as ``/interviews/<slug>/...``.

    Anonymous users are sent to sign in; users without the permission get 403.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            project = get_object_or_404(InterviewProject, slug=slug)
            access = access_for(request.user, project)
            if access is None:
                raise PermissionDenied
            access.require(permission)
            return view(request, project, access, *args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorate


def signed_in(view):
    """A view for any signed-in user (the list of their projects)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
