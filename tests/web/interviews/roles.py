"""The interview pages in the role walk of ``tests/web/test_roles.py``.

The walk's people have these roles in one interview project: ``lead`` is its project lead,
``analyst`` a coder, and ``coordinator`` and ``outsider`` have no role in it; ``admin`` is a
system administrator.  {ip}: the project; {it}: a pseudonymised transcript; {iraw}: one not
yet pseudonymised (hidden from coders: 404); {ic}: the lead's coding; {icode}: a code;
{imemo}: the lead's memo (a coder may not edit it); {imember}: the coder's membership.
"""

from __future__ import annotations

ROLE_OF = {"lead": "lead", "analyst": "coder"}

_IN = dict(lead=200, analyst=200, admin=200)  # the lead, the coder, the administrator
_LEAD = dict(lead=200, admin=200)

INTERVIEWS = {
    "interviews:projects": (
        "/interviews/",
        dict(outsider=200, lead=200, coordinator=200, analyst=200, admin=200),
    ),
    "interviews:project_new": ("/interviews/new/", dict(admin=200)),
    "interviews:project_import": ("/interviews/import/", dict(admin=200)),
    "interviews:project": ("/interviews/{ip}/", _IN),
    "interviews:members": ("/interviews/{ip}/people/", _LEAD),
    "interviews:member_remove": (
        "/interviews/{ip}/people/{imember}/remove/",
        dict(lead=405, admin=405),
    ),
    "interviews:transcripts_add": ("/interviews/{ip}/transcripts/add/", _LEAD),
    "interviews:participants": ("/interviews/{ip}/participants/", _LEAD),
    # the walk's transcript has no recording: found by those who may read it, then 404
    "interviews:recording": (
        "/interviews/{ip}/transcripts/{it}/recording/",
        dict(lead=404, analyst=404, admin=404),
    ),
    "interviews:transcript": ("/interviews/{ip}/transcripts/{it}/", _IN),
    "interviews:transcript (not pseudonymised)": (
        "/interviews/{ip}/transcripts/{iraw}/",
        dict(lead=200, analyst=404, admin=200),
    ),
    "interviews:coding": ("/interviews/{ip}/codings/{ic}/", _IN),
    "interviews:coding_delete": (
        "/interviews/{ip}/codings/{ic}/delete/",
        dict(lead=405, analyst=405, admin=405),
    ),
    "interviews:memos": ("/interviews/{ip}/memos/", _IN),
    "interviews:memo_add": ("/interviews/{ip}/memos/add/", dict(lead=405, analyst=405, admin=405)),
    "interviews:memo": ("/interviews/{ip}/memos/{imemo}/", _LEAD),
    "interviews:codebook": ("/interviews/{ip}/codebook/", _IN),
    "interviews:code": ("/interviews/{ip}/codebook/{icode}/", _IN),
    "interviews:codes_css": ("/interviews/{ip}/codes.css", _IN),
    "interviews:search": ("/interviews/{ip}/search/?q=interpreter", _IN),
    "interviews:framework": ("/interviews/{ip}/framework/", _IN),
    "interviews:report": ("/interviews/{ip}/report/", _IN),
    "interviews:agreement": ("/interviews/{ip}/agreement/", _IN),
    "interviews:pseudonymise": ("/interviews/{ip}/pseudonymise/", _LEAD),
    "interviews:downloads": ("/interviews/{ip}/downloads/", _IN),
    "interviews:audit": ("/interviews/{ip}/audit/", _LEAD),
}

# Changes each role may not make (POST): (role, path, data).
FORBIDDEN_POSTS = [
    ("analyst", "/interviews/{ip}/people/", {"username": "analyst", "role": "lead"}),
    ("analyst", "/interviews/{ip}/pseudonymise/", {"step": "propose"}),
    ("analyst", "/interviews/{ip}/codings/{ic}/delete/", {}),
    ("analyst", "/interviews/{ip}/memos/{imemo}/", {"memo-text": "taken over"}),
    ("analyst", "/interviews/{ip}/downloads/", {"download": "project-qdpx"}),
    ("analyst", "/interviews/{ip}/transcripts/add/", {}),
    ("analyst", "/interviews/{ip}/participants/", {"action": "rename", "name": "X"}),
    ("coordinator", "/interviews/{ip}/transcripts/{it}/", {"start": "0", "end": "5"}),
    ("coordinator", "/interviews/{ip}/memos/add/", {"memo-text": "x"}),
    ("outsider", "/interviews/{ip}/codebook/", {"add": "code", "name": "Mine"}),
]


def interview_objects() -> dict:
    """The project of the walk, with the walk's users in their roles."""
    from django.contrib.auth import get_user_model

    from readiness.web.interviews import models as m
    from readiness.web.interviews import services
    from tests.web.interviews.builders import accept_all, code_words, make_project, transcript

    User = get_user_model()
    lead = User.objects.get(username="lead")
    project = make_project(lead, pseudonymise=False, name="Role walk")
    accept_all(project, lead, sources=[transcript(project, "P12").guid])
    coder = services.set_member(project, User.objects.get(username="analyst"), m.Role.CODER)
    coding = code_words(project, lead, "P12", "we had no interpreter", "Interpreters")[0]
    memo = services.add_memo(
        project, services_access(lead, project), text="The lead's memo", target="project"
    )
    return {
        "ip": project.slug,
        "it": transcript(project, "P12").guid,
        "iraw": transcript(project, "P7_interview").guid,
        "ic": coding.guid,
        "icode": coding.code.guid,
        "imemo": memo.pk,
        "imember": coder.pk,
    }


def services_access(user, project):
    from readiness.web.interviews.permissions import access_for

    return access_for(user, project)
