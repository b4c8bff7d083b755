"""Text that staff or imported files put into Readiness is shown as text, never run as markup.

Every name and text below carries a script element and an attribute that would run script; each
page that shows them must show them escaped (the raw markup never reaches the page) and must show
them (so that the test would see it if escaping were switched off).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from readiness.web.interviews import services as interviews
from readiness.web.interviews.models import Code, Transcript
from readiness.web.surveys import services
from tests.web.interviews.builders import access

HOSTILE = '<script>alert("xss")</script><img src=x onerror="alert(1)">'
ESCAPED = "&lt;script&gt;alert("


def assert_shown_as_text(client, url: str) -> None:
    page = client.get(url)
    assert page.status_code == 200, url
    body = page.content.decode()
    assert "<script>alert(" not in body, url
    assert "<img src=x onerror" not in body, url
    assert ESCAPED in body, f"{url} does not show the hostile text at all"


@pytest.fixture
def hostile_study(study):
    lead = study.memberships.get(role="lead").user
    hostile = services.create_study(name=f"Study {HOSTILE}", lead=lead)
    site = services.add_site(hostile, "X", f"Site {HOSTILE}")
    session = services.add_session(site, date(2026, 3, 2), attended=20)
    return hostile, site, session, lead


def test_hostile_text_is_shown_as_text_on_every_page(client, hostile_study, make_user):
    study, site, session, lead = hostile_study
    client.force_login(lead)
    for url in (
        reverse("surveys:studies"),
        reverse("surveys:dashboard", args=[study.slug]),
        reverse("surveys:settings", args=[study.slug]),
        reverse("surveys:sites", args=[study.slug]),
        reverse("surveys:site", args=[study.slug, site.pk]),
        reverse("surveys:session", args=[study.slug, session.pk]),
    ):
        assert_shown_as_text(client, url)

    ilead = make_user("hostile-lead")
    project = interviews.new_project(f"Project {HOSTILE}", ilead, starter_codebook=True)
    interviews.add_transcripts(
        project, [("P1.txt", f"Interviewer: Hello.\nP1: I said {HOSTILE} there.\n".encode())]
    )
    who = access(ilead, project)
    code = interviews.add_code(
        project, who, name='Code <img src=x onerror="alert(2)">', definition=HOSTILE
    )
    interviews.add_memo(project, who, text=f"Memo {HOSTILE}", title=f"Title {HOSTILE}")
    transcript = Transcript.objects.get(project=project)
    client.force_login(ilead)
    for url in (
        reverse("interviews:projects"),
        reverse("interviews:project", args=[project.slug]),
        reverse("interviews:transcript", args=[project.slug, transcript.guid]),
        reverse("interviews:memos", args=[project.slug]),
        reverse("interviews:codebook", args=[project.slug]),
        reverse("interviews:code", args=[project.slug, Code.objects.get(pk=code.pk).guid]),
    ):
        assert_shown_as_text(client, url)
