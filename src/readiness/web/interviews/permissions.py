"""Who may do what in an interview project.  Every view goes through :func:`project_view`.

The rules shared with the surveys (:mod:`readiness.web.permissions`: a role per person and
project, an :class:`Access` that views ask), with the roles of a qualitative study:

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

from django.shortcuts import get_object_or_404

from readiness.web.interviews.models import InterviewProject, Member, Role
from readiness.web.permissions import (
    ADMIN,
    RoleAccess,
    may_create,
    member_access,
    object_view,
    signed_in,
)

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
__all__ = ["ADMIN", "Access", "access_for", "can_create_projects", "project_view", "signed_in"]


@dataclass(frozen=True)
class Access(RoleAccess):
    """A user's access to one interview project."""

    ROLES = Role
    ROLE_PERMISSIONS = ROLE_PERMISSIONS
    ALL = ALL

    user: object
    project: InterviewProject
    role: str  # a Role value, or "admin"

    @property
    def sees_raw(self) -> bool:
        """Whether transcripts not yet pseudonymised are visible (leads and administrators)."""
        return self.has(MANAGE_TRANSCRIPTS)

    def may_change(self, owner_account_id: int | None) -> bool:
        """Whether this user may edit or delete a coding or memo made by ``owner_account_id``."""
        return self.has(EDIT_ANY) or (
            self.has(CODE) and owner_account_id is not None and owner_account_id == self.user.pk
        )


def access_for(user, project: InterviewProject) -> Access | None:
    members = Member.objects.filter(project=project)
    return member_access(user, members, lambda role, _member: Access(user, project, role))


def can_create_projects(user) -> bool:
    return may_create(user, "interviews.add_interviewproject")


def _project(slug: str) -> InterviewProject:
    return get_object_or_404(InterviewProject, slug=slug)


def project_view(permission: str):
    """Decorate ``view(request, project, access, ...)`` reached as ``/interviews/<slug>/...``.

    Anonymous users are sent to sign in; users without the permission get 403.
    """
    return object_view(permission, _project, access_for)
