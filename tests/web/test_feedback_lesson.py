"""The knowledge lesson on the thank-you page, through Django's test client (SQLite and
PostgreSQL): every statement with its right answer, why, dated sources and the published
figure; the calibration box; the nation's "what to do" card; the Northern Ireland version."""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness.instrument import shipped_instrument
from readiness.web.surveys import services
from readiness.web.surveys.models import Response, Study
from tests.web.helpers import PAGE_ANSWERS, SECTION_ORDER, answer_all, post_page, start

pytestmark = pytest.mark.django_db

AS_OF = "2026-12-20"
NI_IDS = {"k_first_responder": "k_first_responder_ni", "k_gp_papers": "k_gp_papers_ni"}


@pytest.fixture(autouse=True)
def _guide_date(settings):
    settings.READINESS_GUIDE_AS_OF = AS_OF


def _submit(client, session, pages=None) -> str:
    """Answer every page (``pages`` by section id, default PAGE_ANSWERS) and submit."""
    code = start(client, session)
    if pages is None:
        token = answer_all(client, code)
    else:
        for number, section in enumerate(SECTION_ORDER, start=1):
            reply = post_page(client, number, pages[section])
            assert reply.status_code == 302, (section, reply.content.decode()[:2000])
        page = client.get("/answer/check/").content.decode()
        token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    done = post_page(client, "check", {"submission_token": token})
    assert done.status_code == 302
    return token


def _title(action: str) -> str:
    from readiness.guide.load import load_content

    return html.unescape(load_content().guide.actions[action].title)


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def _cards(page: str) -> dict[str, str]:
    """Each statement's card on the page, by item id."""
    found = re.findall(r'<div class="nhsuk-card" id="([a-z_]+)">(.*?)</div>\s*</div>', page)
    return dict(found)


def test_an_england_respondent_sees_all_14_statements_with_answers_sources_and_dates(
    client, session_a
):
    token = _submit(client, session_a)
    reply = client.get(f"/thanks/{token}/")
    assert reply.status_code == 200
    assert "no-store" in reply["Cache-Control"]
    page = _text(reply)
    cards = _cards(page)
    instrument = shipped_instrument()
    knowledge = [i for i in instrument.items if i.type == "true_false"]
    assert list(cards) == [i.id for i in knowledge] and len(cards) == 14
    for item in knowledge:
        card = cards[item.id]
        assert item.text in card
        assert f"<strong>{'True' if item.key else 'False'}</strong>" in card or "Right" in card
        assert '<a href="http' in card and "version read:" in card, item.id
        assert re.search(r"Last checked \d{1,2} [A-Z][a-z]+ 20\d\d\.", card), item.id
    # 10 of the 14 answers in PAGE_ANSWERS are right; k_border and k_first_responder are
    # "don't know", shown neutrally
    assert "You got 10 of 14 right. You were not sure about 2." in page
    assert "Not right" in cards["k_police_danger"] and "Not sure" in cards["k_border"]
    assert "Here is the answer: <strong>False</strong>" in cards["k_border"]
    assert "Not right" not in cards["k_border"]
    # the published figure, for the one statement that has one
    assert (
        "In a survey of 782 NHS staff in England, published in 2015, 76.5% did not know this."
        in cards["k_police_danger"]
    )
    assert sum("did not know this" in c for c in cards.values()) == 1
    assert "Use a professional interpreter" in cards["k_companion_interp"]
    assert "Modern Slavery Act 2015" in cards["k_border"]  # a source, with its address
    # England's card: the referral goes through a First Responder, with England's numbers
    card = page[page.index('id="what-to-do"') :]
    assert "For staff in England." in card
    assert _title("refer_to_fro_with_consent") in card
    assert "If the adult agrees to be referred." in card
    assert _title("nrm_referral_by_trust") not in card
    assert 'href="tel:08000121700"' in card and "0800 808 3733" in card
    assert "028 9504 9999" not in card
    assert "National Referral Mechanism (NRM)" in card  # acronyms spelt out on the card


def test_the_calibration_box_lists_confident_but_wrong_answers(client, session_a):
    pages = copy.deepcopy(PAGE_ANSWERS)
    pages["perceived"]["pk_routes"] = "5"  # Strongly agree: "I know the referral routes ..."
    pages["knowledge"]["k_child_consent"] = "1"  # wrong
    pages["knowledge"]["k_first_responder"] = "1"  # wrong (don't know in PAGE_ANSWERS)
    token = _submit(client, session_a, pages)
    page = _text(client.get(f"/thanks/{token}/"))
    box = page[page.index("Worth a second look") : page.index('<div class="nhsuk-card"')]
    assert "A child has to consent before they are referred" in box
    assert "NHS staff in England can submit" in box
    assert 'You answered "Strongly agree" to: I know the referral routes' in box
    # k_police_danger was wrong too, but no rating of "Agree" or more speaks to it
    assert "Calling the police without" not in box


def test_no_calibration_box_without_a_confident_rating(client, session_a):
    token = _submit(client, session_a)  # every rating in PAGE_ANSWERS is "Disagree" or lower
    assert "Worth a second look" not in _text(client.get(f"/thanks/{token}/"))


def _ni_study(make_user) -> Study:
    ni = services.install_instrument(shipped_instrument("readiness-survey-ni"))
    study = services.create_study(
        name="Belfast study", lead=make_user("ni-lead"), instrument=ni, nation="northern_ireland"
    )
    site = services.add_site(study, "B", "Belfast site")
    services.add_session(site, date(2026, 3, 4), attended=5)
    return study


def test_a_northern_ireland_study_shows_the_ni_statements_and_card(client, db, make_user):
    study = _ni_study(make_user)
    assert study.show_feedback is True  # on by default for a new study
    pages = copy.deepcopy(PAGE_ANSWERS)
    pages["knowledge"] = {NI_IDS.get(k, k): v for k, v in pages["knowledge"].items()}
    pages["knowledge"]["k_first_responder_ni"] = "0"  # wrong: Trust staff can refer
    pages["knowledge"]["k_gp_papers_ni"] = "1"  # right
    token = _submit(client, study.sites.get().sessions.get(), pages)
    assert Response.objects.get().instrument.instrument_id == "readiness-survey-ni"
    page = _text(client.get(f"/thanks/{token}/"))
    cards = _cards(page)
    assert "k_first_responder" not in cards and "k_gp_papers" not in cards
    first, gp = cards["k_first_responder_ni"], cards["k_gp_papers_ni"]
    assert "Staff of a Health and Social Care Trust in Northern Ireland can make" in first
    assert "Not right" in first and "The answer is: <strong>True</strong>" in first
    assert "Health and Social Care Trusts are First Responders" in first
    assert "Right" in gp and "Business Services Organisation" in gp
    assert "unless the person came there for the treatment" in cards["k_ae_free"]
    card = page[page.index('id="what-to-do"') :]
    assert "For staff in Northern Ireland." in card
    assert _title("nrm_referral_by_trust") in card
    assert _title("refer_to_fro_with_consent") not in card
    assert "028 9504 9999" in card and "0800 808 3733" not in card


def test_each_nation_gets_its_own_card(client, study, session_a):
    token = _submit(client, session_a)
    for nation, number in (("wales", "0808 80 10 800"), ("scotland", "0141 276 7724")):
        study.nation = nation
        study.save()
        card = _text(client.get(f"/thanks/{token}/"))
        assert number in card[card.index('id="what-to-do"') :], nation


def test_the_lesson_lasts_as_long_as_the_feedback_window_and_stores_nothing(client, session_a):
    token = _submit(client, session_a)
    with CaptureQueriesContext(connection) as queries:
        assert "You got 10 of 14 right" in _text(client.get(f"/thanks/{token}/"))
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert not [w for w in writes if re.match(r"\s*(INSERT|UPDATE|DELETE)", w, re.I)]
    Response.objects.update(completed_on=date.today() - timedelta(days=2))
    later = _text(client.get(f"/thanks/{token}/"))
    assert "Thank you" in later and "You got" not in later and "what-to-do" not in later


def test_without_the_guide_content_the_instruments_own_words_are_shown(
    client, session_a, settings, tmp_path
):
    from readiness.web.guide import services as guide

    token = _submit(client, session_a)
    settings.READINESS_GUIDE_FOLDER = str(tmp_path)  # an empty folder: no guide content
    guide._cache.clear()
    try:
        page = _text(client.get(f"/thanks/{token}/"))
    finally:
        guide._cache.clear()
    cards = _cards(page)
    assert len(cards) == 14 and "You got 10 of 14 right" in page
    item = shipped_instrument().item("k_see_alone")
    assert item.explanation in cards["k_see_alone"]
    assert 'id="what-to-do"' not in page


def test_a_broken_feedback_file_falls_back_to_the_instruments_own_words(
    client, session_a, settings, tmp_path
):
    import shutil

    from readiness.guide.load import default_folder
    from readiness.web.guide import services as guide

    token = _submit(client, session_a)
    folder = tmp_path / "guide"
    shutil.copytree(default_folder(), folder)
    text = (folder / "feedback.yaml").read_text(encoding="utf-8")
    (folder / "feedback.yaml").write_text(
        text.replace("confident_from: 4", "confident_from: many"), encoding="utf-8"
    )
    settings.READINESS_GUIDE_FOLDER = str(folder)
    guide._cache.clear()
    try:
        reply = client.get(f"/thanks/{token}/")
    finally:
        guide._cache.clear()
    assert reply.status_code == 200
    page = _text(reply)
    assert "You got 10 of 14 right" in page and 'id="what-to-do"' not in page


def _login(client, django_user_model, username):
    client.force_login(django_user_model.objects.get(username=username))
    return client


def test_a_new_study_has_feedback_on_england_as_its_nation_and_the_ni_survey_on_offer(
    client, django_user_model, study
):
    from django.contrib.auth.models import Permission

    lead = django_user_model.objects.get(username="lead")
    lead.user_permissions.add(Permission.objects.get(codename="add_study"))
    _login(client, django_user_model, "lead")
    form = client.get("/studies/new/").content.decode()
    assert re.search(r'name="show_feedback"[^>]*checked', form)
    assert re.search(r'value="england"[^>]*checked', form)
    assert "readiness-survey-ni v1.1" in form
    from readiness.web.surveys.models import InstrumentVersion

    base = InstrumentVersion.objects.get(instrument_id="readiness-survey")
    ni = InstrumentVersion.objects.get(instrument_id="readiness-survey-ni")
    post = {"name": "NI study", "nation": "northern_ireland", "information": "", "is_open": "on"}
    refused = client.post("/studies/new/", {**post, "instrument": base.pk, "show_feedback": "on"})
    assert refused.status_code == 200
    assert "Choose readiness-survey-ni for a study in Northern Ireland" in _text(refused)
    made = client.post("/studies/new/", {**post, "instrument": ni.pk, "show_feedback": "on"})
    assert made.status_code == 302
    created = Study.objects.get(name="NI study")
    assert (created.nation, created.show_feedback, created.instrument) == (
        "northern_ireland",
        True,
        ni,
    )
    wrong = {**post, "name": "E", "nation": "england", "instrument": ni.pk}
    assert "Choose readiness-survey for a study in England" in _text(
        client.post("/studies/new/", wrong)
    )


# -- in a real browser, on a phone --------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_lesson_page_fits_a_phone_and_prints(browser, live_server, shots, make_user):  # noqa: F811
    from pathlib import Path

    from django.test import Client

    from tests.web.test_browser import CHROMIUM, PHONE

    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium")
    study = services.create_study(name="Safeguarding training 2026", lead=make_user("lead"))
    site = services.add_site(study, "T01", "North General Hospital")
    session = services.add_session(site, date(2026, 3, 2), attended=25)
    pages = copy.deepcopy(PAGE_ANSWERS)
    pages["perceived"]["pk_routes"] = "5"
    pages["knowledge"]["k_first_responder"] = "1"
    token = _submit(Client(), session, pages)

    context = browser.new_context(**PHONE)
    page = context.new_page()
    scanner = _scanner(shots)
    if scanner:
        scanner.watch(page)
    page.goto(f"{live_server.url}/thanks/{token}/")
    shots(page, "lesson-phone")
    _screens(page, "lesson-phone")
    assert page.locator("h2", has_text="How you did").is_visible()
    # nothing is wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    assert page.locator("div.nhsuk-card[id^='k_']").count() == 14
    assert page.locator("#print-lesson").is_visible()  # the script ran under the policy
    assert page.locator(".nhsuk-card--warning", has_text="Worth a second look").is_visible()
    if scanner:  # axe, with every rule, on the page with its calibration box and card
        scanner.scan(page, "lesson")
        assert scanner.found["lesson"] == [], json.dumps(scanner.found, indent=1)
        assert not [m for m in scanner.console if "Content Security Policy" in m]
    # the sources fold away on the phone, and printing opens them
    sources = page.locator("details", has_text="Where this comes from")
    assert sources.count() > 14 and not sources.first.locator("a").first.is_visible()
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    assert sources.first.locator("a").first.is_visible()
    assert not page.locator("#print-lesson").is_visible()
    shots(page, "lesson-print")
    _screens(page, "lesson-print")
    context.close()


def _scanner(shoot):
    """test_accessibility.py's axe scanner, when axe-core is installed (npm)."""
    from tests.web.test_accessibility import AXE, Scanner

    return Scanner(shoot) if AXE.exists() else None


def _screens(page, name: str) -> None:
    """The page in phone-screen pieces, to look at (``$READINESS_SCREENSHOTS`` only)."""
    import os

    folder = os.environ.get("READINESS_SCREENSHOTS")
    if not folder:
        return
    height = page.evaluate("document.documentElement.scrollHeight")
    for n, top in enumerate(range(0, height, 844)):
        clip = {"x": 0, "y": top, "width": 390, "height": min(844, height - top)}
        page.screenshot(path=f"{folder}/{name}-{n:02d}.png", full_page=True, clip=clip)


from tests.web.test_browser import browser, shots  # noqa: E402, F401


@pytest.mark.django_db(transaction=True)
def test_the_migration_leaves_existing_studies_feedback_setting_alone():
    """Feedback is on for NEW studies; a study made before keeps its setting (off, as the
    default then was), and gets England as its nation."""
    from django.db.migrations.executor import MigrationExecutor

    before = [("surveys", "0002_paper_forms_and_imports")]
    after = [("surveys", "0003_study_nation_feedback_on")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        version = old.get_model("surveys", "InstrumentVersion").objects.create(
            instrument_id="x", version="1", title="X", yaml="id: x", sha256="0" * 64
        )
        made = old.get_model("surveys", "Study").objects.create(
            name="Old", slug="old", instrument=version, show_feedback=False
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("surveys", "Study")
        kept = new.objects.get(pk=made.pk)
        assert (kept.show_feedback, kept.nation) == (False, "england")
        fresh = new.objects.create(name="New", slug="new", instrument_id=version.pk)
        assert (fresh.show_feedback, fresh.nation) == (True, "england")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
