"""A training evaluation's waves through Django's test client (SQLite and PostgreSQL).

Pre then post on one device are joined by the link id of one draft, without any code; another
device is not; the pre wave shows no feedback and the post wave all of it; the self-generated
code is stored only as keyed digests and is in no export; a follow-up is joined by the code
with one answer different; the evaluation page counts them, for each role, with small cells
suppressed for a site coordinator.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pandas as pd
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from readiness.evaluation.linkage import element_digest
from readiness.web.surveys import exports, services, waves
from readiness.web.surveys.models import Draft, Response
from tests.web.helpers import PAGE_ANSWERS, SECTION_ORDER, code_of, post_page

pytestmark = pytest.mark.django_db

CODE = {
    "mother_initial": "margaret",
    "birth_day": "07",
    "older_siblings": "1",
    "birth_town_initial": "Leeds",
    "shoe_size_band": "3",
}
POST_SECTIONS = ["perceived", "knowledge", "confidence"]
# Right after training: 13 of the 14 knowledge answers right (k_first_responder: don't know).
POST_KNOWLEDGE = {
    **PAGE_ANSWERS["knowledge"],
    "k_border": "0",
    "k_companion_interp": "0",
    "k_police_danger": "1",
}


@pytest.fixture
def evaluation(study):
    """The test study as a training evaluation with a 90-day follow-up; its sessions were
    100 days ago, so their follow-up links are open."""
    study.evaluation = True
    study.follow_up_days = 90
    study.save()
    for session in (s for site in study.sites.all() for s in site.sessions.all()):
        session.date = timezone.localdate() - timedelta(days=100)
        session.save()
    return study


def start_pre(client, session) -> str:
    """Consent on the session link: the pre wave starts with the code questions."""
    reply = client.post(f"/s/{session.token}/", {"consent": "yes"})
    assert reply.status_code == 302, reply.content[:500]
    assert reply["Location"] == "/answer/code/"
    found = re.match(r"^([A-Z0-9-]+)$", code_of(client))
    assert found, reply["Location"]
    return found.group(1)


def give_code(client, code, answers=CODE) -> None:
    reply = post_page(client, "code", {**answers, "action": "continue"})
    assert reply.status_code == 302 and reply["Location"] == "/answer/1/", reply.content[:800]


def answer_pages(client, code, sections, pages=PAGE_ANSWERS) -> str:
    """Answer ``sections`` in order (one page each); returns the submission token."""
    for number, section in enumerate(sections, start=1):
        reply = post_page(client, number, pages[section])
        assert reply.status_code == 302, (section, reply.content.decode()[:2000])
    check = client.get("/answer/check/")
    assert check.status_code == 200, check.get("Location")
    return re.search(r'name="submission_token" value="([^"]+)"', check.content.decode()).group(1)


def do_pre(client, session, code_answers=CODE) -> tuple[str, Response]:
    code = start_pre(client, session)
    give_code(client, code, code_answers)
    token = answer_pages(client, code, SECTION_ORDER)
    done = post_page(client, "check", {"submission_token": token})
    assert done.status_code == 302 and done["Location"] == "/answer/between/"
    return code, Response.objects.get(submission_token=token)


def do_post(client, code) -> Response:
    entry = client.get("/answer/")
    assert entry.status_code == 302 and entry["Location"] == "/answer/1/"
    pages = {**PAGE_ANSWERS, "knowledge": POST_KNOWLEDGE}
    token = answer_pages(client, code, POST_SECTIONS, pages)
    done = post_page(client, "check", {"submission_token": token})
    assert done.status_code == 302 and done["Location"] == f"/thanks/{token}/"
    return Response.objects.get(submission_token=token)


def do_follow_up(client, session, code_answers=CODE) -> Response:
    reply = client.post(f"/f/{session.follow_up_token}/", {"consent": "yes"})
    assert reply.status_code == 302, reply.content[:500]
    assert reply["Location"] == "/answer/code/"
    code = code_of(client)
    give_code(client, code, code_answers)
    token = answer_pages(client, code, POST_SECTIONS)
    done = post_page(client, "check", {"submission_token": token})
    assert done["Location"] == f"/thanks/{token}/"
    return Response.objects.get(submission_token=token)


# -- the respondent's way through --------------------------------------------------------------


def test_pre_then_post_on_one_device_share_a_link_id(client, evaluation, session_a):
    start = client.get(f"/s/{session_a.token}/").content.decode()
    assert "We cannot see who you are." in start
    assert "The answers themselves are never stored." in start
    code, pre = do_pre(client, session_a)
    assert pre.wave == "pre" and len(pre.link) == 32
    assert set(pre.sgic) == set(CODE)
    between = client.get("/answer/between/").content.decode()
    assert "Keep this page open; we will come back to it at the end of the session" in between
    assert "Start the after-session questions" in between
    assert code in between  # the resume code, for a closed browser
    draft = Draft.objects.get()  # the pre wave's draft is now the post wave's
    assert (draft.wave, draft.link, draft.sgic) == ("post", pre.link, {})
    page = client.get("/answer/1/").content.decode()
    assert "After the session: page 1 of 3" in page
    post = do_post(client, code)
    assert post.wave == "post" and post.link == pre.link and post.sgic == {}
    assert post.answers["k_police_danger"] == 1
    assert "discipline" not in post.answers  # the post wave asks the scales' sections only
    assert not Draft.objects.exists()


def test_no_address_of_any_wave_holds_a_resume_code(client, evaluation, session_a):
    """Before, between, after and the follow-up: every address asked for and every redirect
    (tests.web.test_resume_session.Watched) is a page's own, with no code in it."""
    from tests.web.test_resume_session import Watched

    browser = Watched(client)
    code, _pre = do_pre(browser, session_a)
    assert code in browser.get("/answer/between/").content.decode()  # shown, to write down
    do_post(browser, code)
    do_follow_up(browser, session_a)  # the same browser, later
    pages = [where for where in browser.seen if where.startswith("/answer/")]
    assert len(pages) > 20
    assert all(re.fullmatch(r"/answer/((\d+|check|saved|code|between)/)?", p) for p in pages)
    assert all(where.startswith(("/s/", "/f/", "/answer/", "/thanks/")) for where in browser.seen)
    assert not [where for where in browser.seen if code in where or code.lower() in where]


def _pre_ready(client, session) -> tuple[str, str]:
    """A pre wave answered to its check page: (resume code, submission token)."""
    code = start_pre(client, session)
    give_code(client, code, CODE)
    return code, answer_pages(client, code, SECTION_ORDER)


def test_submitting_the_pre_wave_twice_is_no_conflict(client, evaluation, session_a):
    code, token = _pre_ready(client, session_a)
    for _ in range(2):
        done = post_page(client, "check", {"submission_token": token})
        assert done.status_code == 302 and done["Location"] == "/answer/between/"
    pre = Response.objects.get()
    assert services.submit(code, token) == (pre, False)
    assert Draft.objects.get().wave == "post"


def test_a_racing_second_submit_of_the_pre_wave_gets_the_stored_response(
    client, evaluation, session_a, monkeypatch
):
    """Two requests with the same token: the second passes the first look-up before the
    first commits, then finds the draft already turned into the post wave's (a new token)."""
    code, token = _pre_ready(client, session_a)
    pre, created = services.submit(code, token)
    assert created and pre.wave == "pre"

    class FirstLookupMisses:
        """Response.objects whose first filter() finds nothing, as for the racing request."""

        def __init__(self, manager):
            self.manager, self.calls = manager, 0

        def filter(self, *args, **kwargs):
            self.calls += 1
            if self.calls == 1:
                return self.manager.none()
            return self.manager.filter(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.manager, name)

    racing = FirstLookupMisses(Response.objects)
    monkeypatch.setattr(services.Response, "objects", racing)
    assert services.submit(code, token) == (pre, False)
    assert racing.calls >= 2
    monkeypatch.undo()
    assert Response.objects.count() == 1
    # A token that was never submitted is still refused.
    with pytest.raises(services.SubmissionError, match="out of date"):
        services.submit(code, "a-token-never-issued")


def test_another_device_gets_its_own_link_id(client, evaluation, session_a):
    _code, first = do_pre(client, session_a)
    _other_code, second = do_pre(Client(), session_a)
    assert first.link != second.link
    assert Draft.objects.filter(link=second.link, wave="post").count() == 1


def test_no_feedback_at_pre_and_all_of_it_at_post(client, evaluation, session_a):
    code, pre = do_pre(client, session_a)
    at_pre = client.get(f"/thanks/{pre.submission_token}/").content.decode()
    assert "How you did on the knowledge statements" not in at_pre
    assert "You got" not in at_pre and "Use a professional interpreter" not in at_pre
    assert "answer the after-session questions" in at_pre
    between = client.get("/answer/between/").content.decode()
    assert "You got" not in between and "How you did" not in between
    post = do_post(client, code)
    at_post = client.get(f"/thanks/{post.submission_token}/").content.decode()
    assert "How you did on the knowledge statements" in at_post
    assert "You got 13 of 14 right" in at_post


def test_the_resume_code_and_the_session_link_carry_on_after_the_browser_closes(
    client, evaluation, session_a
):
    code, pre = do_pre(client, session_a)
    # Another browser with the resume code: the post wave, with the same link id.
    other = Client()
    found = other.post("/resume/", {"code": code})
    assert found["Location"] == "/answer/"
    assert other.get(found["Location"])["Location"] == "/answer/1/"
    # The same device opening the session link again: it offers to carry on, with a new code.
    again = client.get(f"/s/{session_a.token}/").content.decode()
    assert "You have started this survey on this device" in again
    carry = client.post(f"/s/{session_a.token}/", {"action": "carry_on"})
    assert carry["Location"] == "/answer/"
    new_code = code_of(client)
    assert new_code != code and services.find_draft(code) is None
    post = do_post(client, new_code)
    assert post.link == pre.link
    done = client.get(f"/s/{session_a.token}/").content.decode()
    assert "The before and after questions have been answered on this device" in done
    # Another device has no such cookie: carrying on starts nothing.
    fresh = Client().post(f"/s/{session_a.token}/", {"action": "carry_on"})
    assert fresh.status_code == 200 and "There is a problem" in fresh.content.decode()


def test_the_session_link_carries_on_no_answers_of_a_previous_person(client, evaluation, session_a):
    """A shared computer: the next person opening the session link must not take over the
    answers in progress there.  The cookie carries on only an after-session draft with no
    answers yet; any other draft needs its resume code (which keeps working)."""
    url = f"/s/{session_a.token}/"
    # Before-session answers in progress.
    code = start_pre(client, session_a)
    give_code(client, code, CODE)
    assert post_page(client, 1, PAGE_ANSWERS[SECTION_ORDER[0]]).status_code == 302
    page = _text(client.get(url).content.decode())
    assert "Carry on where you left off" not in page
    assert "To carry on, enter the resume code you were given" in page
    refused = client.post(url, {"action": "carry_on"})
    assert refused.status_code == 200 and "There is a problem" in refused.content.decode()
    assert services.find_draft(code) is not None  # the code was not revoked
    # After-session answers in progress.
    client = Client()
    code, _pre = do_pre(client, session_a)
    assert "Carry on where you left off" in client.get(url).content.decode()  # none yet
    assert post_page(client, 1, PAGE_ANSWERS[POST_SECTIONS[0]]).status_code == 302
    page = _text(client.get(url).content.decode())
    assert "Carry on where you left off" not in page
    assert "To carry on, enter the resume code you were given" in page
    assert client.post(url, {"action": "carry_on"}).status_code == 200
    assert services.find_draft(code) is not None
    # Saved to finish later, without the page's checks: answers all the same.
    client = Client()
    code, _pre = do_pre(client, session_a)
    saved = post_page(client, 1, {**PAGE_ANSWERS[POST_SECTIONS[0]], "action": "save"})
    assert saved["Location"] == "/answer/saved/"
    assert "Carry on where you left off" not in client.get(url).content.decode()


def test_a_forged_cookie_is_ignored(client, evaluation, session_a):
    _code, pre = do_pre(client, session_a)
    forger = Client()
    forger.cookies[waves.COOKIE] = pre.link  # unsigned: not accepted
    page = forger.get(f"/s/{session_a.token}/").content.decode()
    assert "You have started this survey" not in page


def test_an_ordinary_survey_has_no_waves(client, study, session_a):
    from tests.web.helpers import answer_all, start

    code = start(client, session_a)  # straight to page 1: no code questions
    token = answer_all(client, code)
    post_page(client, "check", {"submission_token": token})
    response = Response.objects.get()
    assert (response.wave, response.link, response.sgic) == ("", "", {})
    assert waves.COOKIE not in client.cookies
    assert client.get(f"/f/{session_a.follow_up_token}/").status_code == 404


# -- the self-generated code -------------------------------------------------------------------


def test_the_code_is_kept_only_as_keyed_digests(client, evaluation, session_a):
    code = start_pre(client, session_a)
    bad = post_page(client, "code", {**CODE, "birth_day": "45", "action": "continue"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "Enter a whole number from 1 to 31" in html and 'href="#code-birth_day"' in html
    assert Draft.objects.get().sgic == {}
    give_code(client, code, CODE)
    draft = Draft.objects.get()
    secret = waves.study_secret(evaluation)
    assert draft.sgic == {
        "mother_initial": element_digest(secret, "mother_initial", "M"),
        "birth_day": element_digest(secret, "birth_day", "7"),
        "older_siblings": element_digest(secret, "older_siblings", "1"),
        "birth_town_initial": element_digest(secret, "birth_town_initial", "L"),
        "shoe_size_band": element_digest(secret, "shoe_size_band", "3"),
    }
    # The secret is not in the database; the digests of another study differ.
    assert secret.hex() not in _all_rows()
    assert draft.sgic["birth_day"] != element_digest(
        b"another secret, long enough", "birth_day", "7"
    )
    # Left empty when coming back: the digests already given are kept.
    post_page(client, "code", {"action": "continue"})
    assert Draft.objects.get().sgic == draft.sgic


def test_correcting_one_code_answer_keeps_the_others(client, evaluation, session_a):
    code = start_pre(client, session_a)
    give_code(client, code, CODE)
    before = Draft.objects.get().sgic
    # "Leave them empty to keep what you gave": only the day of birth is given again.
    fixed = post_page(client, "code", {"birth_day": "8", "action": "continue"})
    assert fixed["Location"] == "/answer/1/"
    after = Draft.objects.get().sgic
    assert set(after) == set(CODE)
    secret = waves.study_secret(evaluation)
    assert after["birth_day"] == element_digest(secret, "birth_day", "8")
    assert {k: v for k, v in after.items() if k != "birth_day"} == {
        k: v for k, v in before.items() if k != "birth_day"
    }
    # On a first visit nothing is kept from before: only what was given.
    browser = Client()
    other = start_pre(browser, session_a)
    post_page(browser, "code", {"birth_day": "8", "action": "continue"})
    assert set(services.find_draft(other).sgic) == {"birth_day"}


def test_the_code_may_be_left_out(client, evaluation, session_a):
    code = start_pre(client, session_a)
    assert client.get("/answer/")["Location"] == "/answer/code/"  # asked first
    skip = post_page(client, "code", {"action": "skip"})
    assert skip["Location"] == "/answer/1/"
    token = answer_pages(client, code, SECTION_ORDER)
    post_page(client, "check", {"submission_token": token})
    assert Response.objects.get(wave="pre").sgic == {}


def test_no_export_holds_the_digests(client, django_user_model, evaluation, session_a):
    code, pre = do_pre(client, session_a)
    do_post(client, code)
    do_follow_up(Client(), session_a)
    digests = [d for r in Response.objects.all() for d in r.sgic.values()]
    assert len(digests) == 10
    staff = Client()
    staff.force_login(django_user_model.objects.get(username="lead"))
    for fmt in exports.FORMATS:
        content = staff.get(f"/studies/{evaluation.slug}/export/{fmt}/").content
        blobs = [content]
        if content[:2] == b"PK":  # a ZIP (CSV, REDCap) or an XLSX: look inside
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                blobs += [archive.read(name) for name in archive.namelist()]
        for blob in blobs:
            assert b"sgic" not in blob.lower(), fmt
            for digest in digests:
                assert digest.encode() not in blob, fmt


def test_exports_hold_the_wave_and_link(client, django_user_model, evaluation, session_a):
    code, pre = do_pre(client, session_a)
    post = do_post(client, code)
    # The follow-up with the birth day mistyped: joined by the code with one answer different.
    follow_up = do_follow_up(Client(), session_a, {**CODE, "birth_day": "17"})
    frame, _data = exports.export_frame(evaluation)
    by_id = frame.set_index("response_id")
    assert by_id.loc[str(pre.pk), "wave"] == "pre"
    assert by_id.loc[str(post.pk), "wave"] == "post"
    assert by_id.loc[str(follow_up.pk), "wave"] == "follow_up"
    # A keyed pseudonym of the link id, the same in every wave; never the id itself.
    (shared,) = exports.link_pseudonyms(evaluation, [pre.link])
    assert shared != pre.link
    assert {by_id.loc[str(r.pk), "link"] for r in (pre, post, follow_up)} == {shared}
    staff = Client()
    staff.force_login(django_user_model.objects.get(username="analyst"))
    archive = zipfile.ZipFile(
        io.BytesIO(staff.get(f"/studies/{evaluation.slug}/export/csv/").content)
    )
    name = next(n for n in archive.namelist() if n.endswith("-responses.csv"))
    csv = pd.read_csv(archive.open(name), dtype=str, keep_default_na=False)
    assert list(csv.columns[6:8]) == ["wave", "link"]
    assert sorted(csv["wave"]) == ["follow_up", "post", "pre"]
    assert set(csv["link"]) == {shared}
    assert (
        "the link column joins the responses of one person" in archive.read("README.txt").decode()
    )


# -- the follow-up -----------------------------------------------------------------------------


def test_follow_up_is_joined_by_the_code_with_one_answer_different(client, evaluation, session_a):
    code, pre = do_pre(client, session_a)
    do_post(client, code)
    follow_up = do_follow_up(Client(), session_a, {**CODE, "shoe_size_band": "4"})
    assert follow_up.wave == "follow_up" and follow_up.link == ""  # joined when analysed
    linkage, joined = waves.follow_up_linkage(evaluation)
    assert joined == {str(follow_up.pk): pre.link}
    (link,) = linkage.links
    assert (link.mismatches, link.differing) == (1, ("shoe_size_band",))
    report = waves.linkage_report(evaluation)
    assert (report.follow_up_exact, report.follow_up_one_different) == (0, 1)
    assert report.element_disagreement == (("Shoe size band", 1),)
    # Two answers different: not joined.
    do_follow_up(Client(), session_a, {**CODE, "birth_day": "8", "older_siblings": "0"})
    report = waves.linkage_report(evaluation)
    assert (report.follow_up, report.follow_up_one_different, report.follow_up_unmatched) == (
        2,
        1,
        1,
    )


def test_a_fuzzy_follow_up_join_stays_in_its_session_whatever_the_codes(
    client, evaluation, session_a, session_b
):
    """Session codes are unique in a study only by convention: two sessions with the same code
    are still two sessions for the one-answer-different join."""
    session_b.code = session_a.code
    session_b.save()
    _code, pre = do_pre(client, session_a)
    elsewhere = do_follow_up(Client(), session_b, {**CODE, "shoe_size_band": "4"})
    _linkage, joined = waves.follow_up_linkage(evaluation)
    assert str(elsewhere.pk) not in joined
    exact = do_follow_up(Client(), session_b)  # every answer the same: joined across sessions
    _linkage, joined = waves.follow_up_linkage(evaluation)
    assert joined == {str(exact.pk): pre.link}


def test_follow_up_feedback_is_full(client, evaluation, session_a):
    follow_up = do_follow_up(client, session_a)
    page = client.get(f"/thanks/{follow_up.submission_token}/").content.decode()
    assert "How you did on the knowledge statements" in page


def test_follow_up_link_opens_on_its_day(client, evaluation, session_a):
    session_a.date = timezone.localdate() - timedelta(days=10)
    session_a.save()
    page = client.get(f"/f/{session_a.follow_up_token}/").content.decode()
    assert "The follow-up questions are not open yet" in page
    client.post(f"/f/{session_a.follow_up_token}/", {"consent": "yes"})
    assert not Draft.objects.exists()
    evaluation.follow_up_days = None
    evaluation.save()
    assert client.get(f"/f/{session_a.follow_up_token}/").status_code == 404


def _all_rows() -> str:
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


# -- the evaluation page -----------------------------------------------------------------------


def _staff(django_user_model, username) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.get(username=username))
    return client


def _pairs(study, session, n: int, *, discipline: int = 2, right_after: int = 14) -> None:
    """``n`` matched pairs stored directly: every knowledge answer wrong before, the first
    ``right_after`` of them right after (the shipped key: k_disclose ... in instrument order)."""
    instrument = study.instrument.instrument
    items = [i for i in instrument.items if i.type == "true_false"]
    first = Response.objects.count()
    for k in range(first, first + n):
        link = f"{session.code}-{k:04d}-link"
        wrong = {i.id: (0 if i.key else 1) for i in items}
        right = {i.id: (1 if i.key else 0) for i in items[:right_after]}
        base = {"site": session.site.code, "discipline": discipline}
        for wave, answers in (("pre", {**base, **wrong}), ("post", {**base, **wrong, **right})):
            Response.objects.create(
                session=session,
                instrument=study.instrument,
                answers=answers,
                completed_on=session.date,
                submission_token=f"{link}-{wave}",
                wave=wave,
                link=link,
            )


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_page_counts_the_linked_pair(client, django_user_model, evaluation, session_a):
    code, pre = do_pre(client, session_a)
    do_post(client, code)
    other = {**CODE, "mother_initial": "A", "birth_town_initial": "Z"}
    do_pre(Client(), session_a, other)  # another device, another person: before only
    do_follow_up(Client(), session_a, {**CODE, "birth_day": "17"})
    page = _staff(django_user_model, "lead").get(f"/studies/{evaluation.slug}/evaluation/")
    assert page.status_code == 200
    html = page.content.decode()
    text = _text(html)
    assert "1 matched pair (before and after on the same device); 1 joined at follow-up" in text
    for cell, value in (
        ("count-pre", 2),
        ("count-post", 1),
        ("count-matched", 1),
        ("count-pre-only", 1),
        ("count-post-only", 0),
        ("count-pre-code", 2),
        ("count-follow-up", 1),
        ("count-exact", 0),
        ("count-one-different", 1),
        ("count-ambiguous", 0),
        ("count-unmatched", 0),
    ):
        found = re.search(rf'id="{cell}">(?:<strong>)?(\d+)<', html)
        assert found and int(found.group(1)) == value, cell
    assert "Day of the month they were born (1)" in text
    assert re.search(r'id="trained">2<', html)  # people with a before or after answer
    assert 'id="items"' in html and 'id="scales"' in html and 'id="indicators"' in html
    assert "Most people who have been trafficked say so" in text  # a knowledge statement
    assert 'id="poorly-known"' in html
    assert "Kept at follow-up" in text
    # The dashboard counts people: the before answers.
    dashboard = _staff(django_user_model, "lead").get(f"/studies/{evaluation.slug}/")
    assert re.search(r'id="response-count"><strong>2</strong>', dashboard.content.decode())
    assert "See the training evaluation" in dashboard.content.decode()


@pytest.mark.django_db(transaction=True)  # the background worker makes the PDF
def test_the_page_and_report_by_role(django_user_model, evaluation, session_a, session_b):
    _pairs(evaluation, session_b, 3)
    url = f"/studies/{evaluation.slug}/evaluation/"
    for role in ("lead", "analyst", "admin"):
        assert re.search(
            r'id="count-matched"><strong>3<',
            _staff(django_user_model, role).get(url).content.decode(),
        ), role
    # The coordinator of site A sees site A only.
    own = _staff(django_user_model, "coordinator").get(url).content.decode()
    assert re.search(r'id="count-matched"><strong>0<', own)
    assert _staff(django_user_model, "outsider").get(url).status_code == 403
    assert Client().get(url).status_code == 302  # sign in first
    report = f"/studies/{evaluation.slug}/evaluation/report.pdf"
    assert _staff(django_user_model, "coordinator").post(report).status_code == 403
    analyst = _staff(django_user_model, "analyst")
    assert 'id="board-report"' in analyst.get(url).content.decode()
    assert analyst.get(report)["Location"] == url  # an old link: the page with the button
    job_page = analyst.post(report)["Location"]  # the PDF is made by the background worker
    assert job_page.startswith("/jobs/")
    from readiness.web.jobs import worker

    worker.run(once=True)
    page = analyst.get(job_page).content.decode()
    assert "Done" in page and f"{evaluation.slug}-evaluation.pdf" in page
    pdf = analyst.get(f"{job_page}file/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "evaluation.pdf" in pdf["Content-Disposition"]
    assert _staff(django_user_model, "lead").get(f"{job_page}file/").status_code == 404


def test_small_cells_are_suppressed_for_a_coordinator(django_user_model, evaluation, session_a):
    # 7 pairs at the coordinator's site, all Maternity; 12 of the 14 statements learnt.
    _pairs(evaluation, session_a, 7, right_after=12)
    url = f"/studies/{evaluation.slug}/evaluation/"
    lead = _staff(django_user_model, "lead").get(url).content.decode()
    assert "[c]" not in lead
    assert re.search(r'id="count-matched"><strong>7<', lead)
    coordinator = _staff(django_user_model, "coordinator").get(url).content.decode()
    assert re.search(r'id="count-matched"><strong>7<', coordinator)  # counts are current
    assert "released in steps of 5" in coordinator
    # The results rest on the first 5 pairs: 5 of 5 right after, never 7.
    assert "5 of 5" in _text(coordinator) and "7 of 7" not in _text(coordinator)
    assert "7 of 7" in _text(lead)
    assert "[c]" in coordinator  # McNemar's cells of 1 to 4 people, for instance


def test_the_headlines_name_the_studys_smallest_cell(settings, evaluation, session_a):
    from readiness.evaluation.report import headlines

    settings.READINESS_MIN_CELL = 10
    _pairs(evaluation, session_a, 6)
    result = waves.evaluate_study(evaluation)
    assert result.min_cell == 10
    first = headlines(result, evaluation.instrument.instrument)[0]
    assert first == (
        "Fewer than 10 staff took part in the training evaluation; fewer than 10 were linked "
        "before and after training."
    )


def test_a_study_that_is_no_evaluation_says_so(django_user_model, study):
    page = _staff(django_user_model, "lead").get(f"/studies/{study.slug}/evaluation/")
    assert "This study does not evaluate training" in page.content.decode()


def test_the_session_page_shows_the_follow_up_link(django_user_model, evaluation, session_a):
    lead = _staff(django_user_model, "lead")
    html = lead.get(f"/studies/{evaluation.slug}/sessions/{session_a.pk}/").content.decode()
    assert f"/f/{session_a.follow_up_token}/" in html
    opens = session_a.date + timedelta(days=90)
    assert f"{opens.day} {opens.strftime('%B %Y')}" in html
    qr = lead.get(f"/studies/{evaluation.slug}/sessions/{session_a.pk}/follow-up-qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"follow-up link of session" in qr.content


def test_the_study_form_turns_the_evaluation_on(django_user_model, study):
    lead = _staff(django_user_model, "lead")
    form = lead.get(f"/studies/{study.slug}/settings/").content.decode()
    assert "This study evaluates training (before, after and follow-up)" in form
    data = {
        "name": study.name,
        "nation": "england",
        "instrument": study.instrument_id,
        "information": "",
        "show_feedback": "on",
        "is_open": "on",
        "evaluation": "on",
        "follow_up_days": "0",
    }
    bad = lead.post(f"/studies/{study.slug}/settings/", data)
    assert "Enter a number of days from 1 to 730" in bad.content.decode()
    saved = lead.post(f"/studies/{study.slug}/settings/", {**data, "follow_up_days": "60"})
    assert saved.status_code == 302
    study.refresh_from_db()
    assert study.evaluation and study.follow_up_days == 60


def test_without_a_follow_up_the_code_is_not_asked(client, evaluation, session_a):
    evaluation.follow_up_days = None
    evaluation.save()
    start = client.get(f"/s/{session_a.token}/").content.decode()
    assert "We cannot see who you are." in start
    assert "a few personal questions" not in start
    reply = client.post(f"/s/{session_a.token}/", {"consent": "yes"})
    assert reply["Location"] == "/answer/1/"
    code = code_of(client)
    assert client.get("/answer/code/")["Location"] == "/answer/"
    token = answer_pages(client, code, SECTION_ORDER)
    assert post_page(client, "check", {"submission_token": token})["Location"] == (
        "/answer/between/"
    )
    pre = Response.objects.get()
    assert pre.wave == "pre" and pre.sgic == {} and pre.link
    assert do_post(client, code).link == pre.link


def test_the_demonstration_evaluation(django_user_model, db):
    from readiness.web.surveys.demo import (
        EVALUATION_SLUG,
        evaluation_demo_members,
        load_evaluation_demo,
    )

    study, created = load_evaluation_demo()
    assert created and study.evaluation and study.synthetic and study.follow_up_days == 90
    assert load_evaluation_demo() == (study, False)  # idempotent
    report = waves.linkage_report(study)
    assert (report.pre, report.post, report.follow_up) == (96, 56, 26)
    # Most after answers share a device's link id; some drafts were lost (new ids).
    assert 40 <= report.matched < 56
    assert report.follow_up_exact > 0 and report.follow_up_one_different > 0
    assert report.follow_up_matched + report.follow_up_ambiguous + report.follow_up_unmatched == 26
    assert not Response.objects.filter(synthetic=False).exists()
    django_user_model.objects.create_user("demo", password="a-long-test-password")
    evaluation_demo_members(study)
    lead = Client()
    lead.force_login(django_user_model.objects.get(username="demo"))
    html = lead.get(f"/studies/{EVALUATION_SLUG}/evaluation/").content.decode()
    assert f"{report.matched} matched pairs" in _text(html)
    assert "synthetic demonstration data" in html


def test_a_coordinator_waits_for_a_full_step(django_user_model, evaluation, session_a):
    _pairs(evaluation, session_a, 4)
    url = f"/studies/{evaluation.slug}/evaluation/"
    html = _text(_staff(django_user_model, "coordinator").get(url).content.decode())
    assert "4 matched pairs" in html  # the counts are current
    assert "Results for your sites are shown once at least 5 people of one discipline" in html
    assert "Pairs (n)" not in html  # no table of results
    _pairs(evaluation, session_a, 1, discipline=3)  # a fifth pair, of another discipline
    html = _text(_staff(django_user_model, "coordinator").get(url).content.decode())
    assert "5 matched pairs" in html
    assert "Results for your sites are shown once" in html  # still 4 of one discipline
    lead = _text(_staff(django_user_model, "lead").get(url).content.decode())
    assert "5 of 5" in lead


def test_a_coordinators_dashboard_is_released_on_the_before_answers(
    django_user_model, evaluation, session_a
):
    """The dashboard describes people (the before answers): its release stamp counts them
    alone, so answers of the later waves neither hold it back nor move it."""
    from readiness.web.surveys import release

    _pairs(evaluation, session_a, 4)  # 4 before and 4 after, all Maternity
    for k in range(2):
        Response.objects.create(
            session=session_a,
            instrument=evaluation.instrument,
            answers={"site": "A"},
            completed_on=session_a.date,
            submission_token=f"follow-up-{k}",
            wave="follow_up",
        )
    url = f"/studies/{evaluation.slug}/"
    coordinator = _staff(django_user_model, "coordinator")
    html = _text(coordinator.get(url).content.decode())
    assert "Results for your sites are shown once at least 5 responses" in html
    site_a = {session_a.site_id}
    stamp = release.release_key(evaluation, site_a, 5)
    Response.objects.create(
        session=session_a,
        instrument=evaluation.instrument,
        answers={"site": "A", "discipline": 2},
        completed_on=session_a.date,
        submission_token="fifth-pre",
        wave="pre",
        link="fifth-pre-link",
    )
    assert release.release_key(evaluation, site_a, 5) != stamp
    html = coordinator.get(url).content.decode()
    assert "Results for your sites are shown once" not in _text(html)
    assert 'id="indicators"' in html


def test_a_link_id_used_twice_in_a_wave_keeps_the_first_and_says_so(
    django_user_model, evaluation, session_a, session_b
):
    _pairs(evaluation, session_a, 5)
    first = Response.objects.filter(wave="pre").order_by("id").first()
    # The same link id in another session (one session refuses it: see below).
    Response.objects.create(
        session=session_b,
        instrument=evaluation.instrument,
        answers={"site": "B", "discipline": 3},
        completed_on=session_b.date,
        submission_token="the-same-link-again",
        wave="pre",
        link=first.link,
    )
    frames = waves.wave_frames(evaluation)
    assert len(frames["pre"]) == 5 and frames["pre"]["link"].is_unique
    kept = frames["pre"].set_index("link").loc[first.link]
    assert kept["response_id"] == str(first.pk)
    page = _staff(django_user_model, "lead").get(f"/studies/{evaluation.slug}/evaluation/")
    text = _text(page.content.decode())
    assert "cannot be computed" not in text
    assert "5 of 5" in text
    assert (
        "1 response was left out: its link id was used by an earlier response of the same "
        "wave (the first is kept)" in text
    )


def test_one_session_refuses_a_link_id_twice_in_a_wave(evaluation, session_a):
    from django.db import IntegrityError, transaction

    def response(token, wave, link):
        return Response.objects.create(
            session=session_a,
            instrument=evaluation.instrument,
            answers={"site": "A"},
            completed_on=session_a.date,
            submission_token=token,
            wave=wave,
            link=link,
        )

    response("one", "pre", "L")
    response("two", "post", "L")  # another wave: the same person again
    response("three", "follow_up", "")
    response("four", "follow_up", "")  # no link id: never refused
    with pytest.raises(IntegrityError), transaction.atomic():
        response("five", "pre", "L")
    services.start_draft(session_a, wave="post", link="M")
    services.start_draft(session_a, wave="follow_up")
    services.start_draft(session_a, wave="follow_up")
    with pytest.raises(services.DraftExists):
        services.start_draft(session_a, wave="post", link="M")
    assert Draft.objects.filter(link="M").count() == 1


def test_carrying_on_twice_at_once_gives_the_one_draft(client, evaluation, session_a, monkeypatch):
    """The before answers submitted and the draft gone (expired): two "Carry on" requests
    that both find no draft make one after-session draft, not two or an error."""
    _code, pre = do_pre(client, session_a)
    Draft.objects.all().delete()
    real = services.start_draft

    def racing(session, *, wave="", link=""):
        real(session, wave=wave, link=link)  # the other request's draft, stored meanwhile
        return real(session, wave=wave, link=link)

    monkeypatch.setattr(services, "start_draft", racing)
    carry = client.post(f"/s/{session_a.token}/", {"action": "carry_on"})
    assert carry.status_code == 302
    (draft,) = Draft.objects.all()
    assert draft.link == pre.link and draft.wave == "post"
    assert carry["Location"] == "/answer/"
    code = code_of(client)
    assert services.find_draft(code) == draft


def test_before_answers_alone_show_no_change(client, django_user_model, evaluation, session_a):
    do_pre(client, session_a)
    html = _staff(django_user_model, "lead").get(f"/studies/{evaluation.slug}/evaluation/")
    text = _text(html.content.decode())
    assert "0 matched pairs" in text
    assert "No one has answered both before and after a session yet" in text
    assert "Check that both files" not in text
