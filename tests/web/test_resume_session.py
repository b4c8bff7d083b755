"""The resume code out of every address (issue 16): a browser answers its draft through a
respondent session (readiness.web.surveys.answering), and the code is only shown and typed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session as SessionRow
from django.utils import timezone

from readiness.web.surveys import answering
from readiness.web.surveys.models import Draft, Response, code_digest
from tests.web.helpers import (
    PAGE_ANSWERS,
    SECTION_ORDER,
    answer_all,
    marker,
    post_page,
    shown_code,
    start,
    submit,
)

pytestmark = pytest.mark.django_db


class Watched:
    """A test client that notes every address asked for and every redirect's Location."""

    def __init__(self, client):
        self.client = client
        self.seen: list[str] = []

    def __getattr__(self, name):
        found = getattr(self.client, name)
        if name not in ("get", "post"):
            return found

        def call(path, *args, **kwargs):
            response = found(path, *args, **kwargs)
            self.seen.append(path)
            if response.has_header("Location"):
                self.seen.append(response["Location"])
            return response

        return call


def _forms_of(code: str) -> set[str]:
    return {code, code.lower(), code.replace("-", ""), code.lower().replace("-", "")}


def _holding(seen: list[str], code: str) -> list[str]:
    return [where for where in seen if any(form in where for form in _forms_of(code))]


def test_no_address_or_redirect_holds_the_resume_code(client, session_a):
    browser = Watched(client)
    code = start(browser, session_a)
    post_page(browser, 1, PAGE_ANSWERS["about"])
    saved = post_page(browser, 2, {"training_prior": "0", "action": "save"})
    assert saved["Location"] == "/answer/saved/"
    assert code in browser.get("/answer/saved/").content.decode()  # shown, to write down
    # Later, in another browser: the code typed on "continue a survey".
    later = Watched(type(client)())
    later.get("/resume/")
    carried = later.post("/resume/", {"code": code})
    assert carried["Location"] == "/answer/"
    assert later.get("/answer/")["Location"] == "/answer/2/"
    for number, section in enumerate(SECTION_ORDER[1:], start=2):
        assert post_page(later, number, PAGE_ANSWERS[section]).status_code == 302
    token = answer_all(later)
    done = submit(later, token)
    assert done["Location"] == f"/thanks/{token}/"
    later.get(done["Location"])
    assert Response.objects.count() == 1
    assert len(browser.seen) > 5 and len(later.seen) > 15
    assert _holding(browser.seen + later.seen, code) == []
    assert all(
        where.startswith(("/s/", "/answer/", "/resume/", "/thanks/"))
        for where in browser.seen + later.seen
    ), browser.seen + later.seen


def test_an_old_address_with_a_code_resumes_nothing(client, session_a):
    code = start(client, session_a)
    post_page(client, 1, PAGE_ANSWERS["about"])
    stranger = type(client)()  # the next person at a shared computer, from its history
    for path in (f"/r/{code}/", f"/r/{code}/2/", f"/r/{code}/saved/", f"/r/{code}/check/"):
        sent = stranger.get(path)
        assert sent.status_code == 302 and sent["Location"] == "/resume/", path
        assert answering.COOKIE not in sent.cookies
        assert code not in sent.content.decode()
    posted = stranger.post(f"/r/{code}/2/", PAGE_ANSWERS["training"])
    assert posted["Location"] == "/resume/"
    nothing = stranger.get("/answer/2/")
    assert nothing.status_code == 404
    assert "No answers in progress in this browser" in nothing.content.decode()
    assert "training_prior" not in Draft.objects.get().answers


def test_a_page_of_another_draft_is_refused_not_saved(client, session_a, session_b):
    mine = start(client, session_a)
    first_tab = marker(client)  # the form of page 1, as the first tab shows it
    theirs_browser = type(client)()
    theirs = start(theirs_browser, session_b)
    # In a second tab, the same browser continues the other code.
    assert client.post("/resume/", {"code": theirs})["Location"] == "/answer/"
    refused = client.post("/answer/1/", {**PAGE_ANSWERS["about"], "draft": first_tab}, follow=False)
    assert refused.status_code == 409
    said = refused.content.decode()
    assert "This page belongs to other answers" in said and "were not saved" in said
    assert 'href="/answer/"' in said and 'href="/resume/"' in said
    for code in (mine, theirs):
        draft = Draft.objects.get(code_digest=code_digest(code))
        assert "discipline" not in draft.answers and draft.seen == []
    # A form without the marker is refused too; the second tab's own form is saved.
    assert client.post("/answer/1/", PAGE_ANSWERS["about"]).status_code == 409
    assert post_page(client, 1, PAGE_ANSWERS["about"]).status_code == 302
    assert Draft.objects.get(code_digest=code_digest(theirs)).seen == ["about"]
    assert Draft.objects.get(code_digest=code_digest(mine)).seen == []


def test_a_page_posted_without_a_session_says_it_was_not_saved(client, session_a):
    start(client, session_a)
    stranger = type(client)()
    sent = stranger.post("/answer/1/", PAGE_ANSWERS["about"])
    assert sent.status_code == 404
    assert "were not saved" in sent.content.decode()
    assert Draft.objects.get().seen == []


def test_the_session_cookie_holds_a_key_only_and_ends_with_the_browser(client, session_a, settings):
    settings.READINESS_DRAFT_DAYS = 12
    started = client.post(f"/s/{session_a.token}/", {"consent": "yes"})
    cookie = started.cookies[answering.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["expires"] and not cookie["max-age"]  # the browser's session only
    assert not cookie["secure"]  # the test settings serve plain HTTP
    code = shown_code(client.get("/answer/1/").content)
    assert len(cookie.value) == 32 and code not in cookie.value
    # The row: kept under an HMAC of the key, the code sealed, lasting the draft's days.
    (row,) = SessionRow.objects.all()
    assert row.session_key == answering.row_key(cookie.value) != cookie.value
    assert code not in row.session_data
    data = answering.AnsweringStore().decode(row.session_data)
    assert data["draft"] == code_digest(code) and code not in data["code"]
    assert answering.unseal(data["code"], cookie.value) == code
    assert answering.unseal(data["code"], "another-key-of-32-characters-xxx") != code
    left = row.expire_date - timezone.now()
    assert timedelta(days=11, hours=23) < left <= timedelta(days=12)
    # A copy of the row is no cookie: presenting its key finds nothing.
    copied = type(client)()
    copied.cookies[answering.COOKIE] = row.session_key
    assert copied.get("/answer/1/").status_code == 404
    # Submitted: the row is deleted and the cookie cleared.
    token = answer_all(client)
    done = submit(client, token)
    assert done.cookies[answering.COOKIE].value == "" and done.cookies[answering.COOKIE][
        "max-age"
    ] in (0, "0")
    assert not SessionRow.objects.exists()


def test_the_cookie_is_secure_when_the_service_is(client, session_a, settings):
    settings.SESSION_COOKIE_SECURE = True
    started = client.post(f"/s/{session_a.token}/", {"consent": "yes"}, secure=True)
    assert started.cookies[answering.COOKIE]["secure"]


def test_starting_again_in_one_browser_ends_its_earlier_session(client, session_a):
    start(client, session_a)
    first_key = client.cookies[answering.COOKIE].value
    start(client, session_a)
    assert client.cookies[answering.COOKIE].value != first_key
    assert SessionRow.objects.count() == 1  # the earlier row was deleted
    assert Draft.objects.count() == 2  # its draft lives on, for its code


def test_expired_sessions_are_deleted_with_abandoned_drafts(client, session_a):
    from readiness.web.surveys import expiry

    start(client, session_a)
    type(client)().post(f"/s/{session_a.token}/", {"consent": "yes"})
    SessionRow.objects.filter(pk=SessionRow.objects.order_by("expire_date").first().pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expiry.expire_drafts()
    assert SessionRow.objects.count() == 1
