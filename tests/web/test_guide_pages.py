"""The response guide's web pages, through Django's test client (no JavaScript).

The pages read a small guide written by the tests (tests/guide/guide_helpers.py's, with a few
alarming words added so that the discreet view has something to hide), through
READINESS_GUIDE_FOLDER; the date facts are checked against comes from READINESS_GUIDE_AS_OF.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import types
from html import unescape

import pytest

from readiness.guide.load import load_content
from readiness.guide.paths import GraphError, replay
from tests.guide.guide_helpers import changed, write_content

pytestmark = pytest.mark.django_db

ALARMING = re.compile(r"traffick|slavery|exploit", re.I)
LOCAL = """\
contacts:
  safeguarding_team:
    value: "0115 000 0000 (extension 1234)"
    last_checked: 2026-12-01
    checked_by: A. Person
"""
# Paths through the test guide (choices joined by '-'): nation, danger, [action], age, ...
ENGLAND_ADULT_CONSENTS = "0-1-2-0-0"  # England, no danger, 18 or over, agrees, agrees
SCOTLAND_CHILD_NOT_SURE = "2-1-1"
NI_ADULT_DANGER = "3-0-0-2-1-1"  # Northern Ireland, danger, Continue, adult, no, no


def _guide_edits(guide: dict) -> None:
    nodes, actions = guide["nodes"], guide["actions"]
    nodes["danger"]["help"] = "For example, a companion who is threatening staff or the patient."
    nodes["age"]["options"][1]["facts"] = ["child"]
    nodes["consent_nrm"]["text"] = "Does the person agree to an NRM referral?"
    nodes["child_outcome"]["summary"] = (
        "A child who may have been trafficked is safeguarded first.\n\nNo consent is needed."
    )
    nodes["adult_outcome"]["summary"] = "Support the adult, who may be a victim of slavery."
    actions["helpline_advice"]["title"] = "Modern Slavery & Exploitation Helpline"


def guide_files() -> dict[str, dict]:
    """The test guide, with alarming words in headings and an acronym used twice."""
    return changed(guide=_guide_edits)


@pytest.fixture
def guide_folder(tmp_path, settings):
    folder = write_content(tmp_path / "guide", guide_files())
    settings.READINESS_GUIDE_FOLDER = str(folder)
    settings.READINESS_GUIDE_PUBLIC = False
    settings.READINESS_GUIDE_NATION = ""
    settings.READINESS_GUIDE_LOCAL = ""
    settings.READINESS_GUIDE_AS_OF = "2026-12-10"
    return folder


@pytest.fixture
def staff(client, make_user, guide_folder):
    client.force_login(make_user("nurse"))
    return client


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _headings(html: str) -> list[str]:
    """The visible headings: the title, h1 to h6 and legends (tags stripped)."""
    found = re.findall(r"<title>(.*?)</title>", html, re.S)
    found += re.findall(r"<(h[1-6]|legend)\b[^>]*>(.*?)</\1>", html, re.S)
    texts = [f if isinstance(f, str) else f[1] for f in found]
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in texts]


def _main(html: str) -> str:
    return html[html.index('<main class="nhsuk-main-wrapper"') : html.index("</main>")]


# -- who may see the guide ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/guide/", f"/guide/{SCOTLAND_CHILD_NOT_SURE}/", "/guide/print/england.pdf"]
)
def test_sign_in_is_required_by_default(client, guide_folder, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "no-store" in response["Cache-Control"]


def test_signed_in_staff_see_the_guide_with_the_staff_navigation(staff):
    html = _html(staff.get("/guide/"))
    assert "Where are you working?" in html
    assert 'aria-label="Staff"' in html and "nurse" in html
    assert '<a href="/guide/">Guide</a>' in html  # the navigation's link


def test_the_public_setting_opens_the_guide_and_shows_nothing_about_the_user(
    client, make_user, guide_folder, settings
):
    settings.READINESS_GUIDE_PUBLIC = True
    anonymous = _html(client.get(f"/guide/{SCOTLAND_CHILD_NOT_SURE}/"))
    assert "What to do" in anonymous
    client.force_login(make_user("nurse.smith"))
    html = _html(client.get("/guide/"))
    assert "nurse.smith" not in html
    assert 'aria-label="Staff"' not in html and "Sign out" not in html


# -- addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/guide/9/",  # no fifth nation
        "/guide/0-7/",  # no such answer
        "/guide/0-0-1/",  # an action page has only Continue (0)
        f"/guide/{SCOTLAND_CHILD_NOT_SURE}-0/",  # past the outcome
        "/guide/0--1/",
        "/guide/0-/",
        "/guide/99999-0/",
        "/guide/" + "-".join(["0"] * 150) + "/",
        "/guide/print/atlantis.pdf",
        "/guide/offline/atlantis.html",
    ],
)
def test_an_address_that_is_not_a_path_is_not_found(staff, path):
    response = staff.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'href="/guide/">Start the guide again' in html


def _private(response) -> None:
    assert "no-store" in response["Cache-Control"], response.status_code
    assert response["Referrer-Policy"] == "no-referrer", response.status_code


@pytest.mark.parametrize(
    "path", ["/guide/", "/guide/0-1/", "/guide/0-1", "/guide/abc/", "/guide/print/england.pdf"]
)
def test_the_pages_only_answer_get_and_head_and_a_refusal_is_private(staff, path):
    assert staff.head(path).status_code in (200, 404)
    for method in (staff.post, staff.put, staff.delete):
        response = method(path, {"choice": "1"})
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        _private(response)


def test_an_address_without_its_last_slash_is_the_page_not_a_redirect(staff):
    response = staff.get("/guide/0-1-2")  # a 301 would be kept by the browser, answers and all
    html = _html(response)
    assert "Does the person agree to a National Referral Mechanism (NRM) referral?" in html
    _private(response)
    # The pages' own links keep the slash.
    assert 'href="/guide/0-1/"' in html


@pytest.mark.parametrize(
    "path",
    ["/guide/abc/", "/guide/0-1-2/x", "/guide/0-1-2/x/", "/guide/print/", "/guide/0-1-2//"],
)
def test_any_other_address_under_the_guide_is_its_own_private_not_found_page(staff, path):
    response = staff.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    _private(response)


def test_an_unknown_address_asks_a_stranger_to_sign_in_first(client, guide_folder):
    response = client.get("/guide/abc/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    _private(response)


def test_choosing_an_answer_goes_to_the_next_path_and_none_chosen_is_an_error(staff):
    chosen = staff.get("/guide/0-1/", {"answered": "1", "choice": "2"})
    assert chosen.status_code == 302 and chosen["Location"] == "/guide/0-1-2/"
    kept = staff.get("/guide/0-1/", {"answered": "1", "choice": "1", "discreet": "1"})
    assert kept["Location"] == "/guide/0-1-1/?discreet=1"
    for missing in ({"answered": "1"}, {"answered": "1", "choice": "5"}):
        html = _html(staff.get("/guide/0-1/", missing))
        assert "There is a problem" in html and "Select an answer" in html
        assert "<title>Error: Safeguarding guide" in html
    assert "There is a problem" not in _html(staff.get("/guide/0-1/"))


def test_the_preset_nation_answers_the_first_question(staff, settings):
    settings.READINESS_GUIDE_NATION = "scotland"
    first = _html(staff.get("/guide/"))
    assert "Is anyone in immediate danger?" in first and "Where are you working?" not in first
    assert "For Scotland." in first
    assert "/guide/print/scotland.pdf" in first and "/guide/print/england.pdf" not in first
    outcome = _html(staff.get("/guide/1-1/"))  # no danger, not sure of age: a child
    assert "A child who may have been trafficked" in outcome
    answers = outcome[outcome.index("Your answers") :]
    assert "Where are you working?" in answers and "Scotland" in answers
    # The deployment's answer has no Change link; the member of staff's answers do.
    assert 'href="/guide/">Change' in answers and 'href="/guide/1/">Change' in answers
    assert answers.count(">Change<") == 2


# -- privacy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/guide/",
        "/guide/0-0/",
        f"/guide/{ENGLAND_ADULT_CONSENTS}/",
        "/guide/9/",
        "/guide/0/?answered=1&choice=1",
    ],
)
def test_nothing_is_cached_and_no_referrer_is_sent(staff, path):
    response = staff.get(path)
    assert response.status_code in (200, 302, 404)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_source_links_send_no_referrer(staff):
    html = _html(staff.get(f"/guide/{ENGLAND_ADULT_CONSENTS}/"))
    links = re.findall(r'<a href="https://[^"]*"[^>]*>', html)
    assert links and all('rel="noreferrer noopener"' in a for a in links)


# -- what the pages show --------------------------------------------------------------------------


def _reachable(folder) -> list[tuple[int, ...]]:
    """Every address of the test guide, from the start, by replaying the core's walk."""
    guide = load_content(folder).guide
    found, queue = [], [()]
    while queue:
        choices = queue.pop(0)
        found.append(choices)
        node = replay(guide, choices).node
        for option in range(len(node.options) if node.type == "question" else 1):
            if node.type == "outcome":
                break
            try:
                replay(guide, (*choices, option))
            except GraphError:
                continue
            queue.append((*choices, option))
    return found


def test_every_page_has_a_way_back_start_again_and_the_disclaimer(staff, guide_folder):
    addresses = _reachable(guide_folder)
    assert len(addresses) > 40
    kinds = set()
    for choices in addresses:
        url = "/guide/" + ("-".join(map(str, choices)) + "/" if choices else "")
        html = _html(staff.get(url))
        kind = (
            "outcome" if "Your answers" in html else "question" if "<legend" in html else "action"
        )
        kinds.add(kind)
        back = re.search(r'<nav aria-label="Back">.*?href="([^"]+)"', html, re.S)
        if choices:
            before = "/guide/" + ("-".join(map(str, choices[:-1])) + "/" if choices[1:] else "")
            assert back and back.group(1) == before, url
        else:
            assert back is None  # the first question has nothing before it
        assert ('<a href="/guide/">Start again</a>' in html) == bool(choices), url
        assert "Follow your organisation&#39;s safeguarding policy." in html, url
        assert "<title>Safeguarding guide - " in html, url
        assert re.search(r"<h1[^>]*>\s*Safeguarding guide\s*</h1>", html), url
    assert kinds == {"question", "action", "outcome"}


def test_the_outcome_lists_every_action_in_order_with_contacts_and_sources(
    staff, settings, tmp_path
):
    local = tmp_path / "local.yaml"
    local.write_text(LOCAL, encoding="utf-8")
    settings.READINESS_GUIDE_LOCAL = str(local)
    main = _main(_html(staff.get(f"/guide/{NI_ADULT_DANGER}/")))
    titles = re.findall(r'<h3 class="nhsuk-heading-m">\s*(.*?)\s*</h3>', main)
    assert titles == [
        "1. Treat now",
        "2. Tell your lead",
        "3. Modern Slavery &amp; Exploitation Helpline",
        "4. Write it down",
    ]
    # The danger page's step is listed as done, above the outcome's own steps.
    assert _done(main) == ["Call 999"]
    assert main.index("Already done") < main.index("1. Treat now")
    assert "Call the helpline for advice." in main
    assert "0115 000 0000 (extension 1234)" in main  # the trust's own number
    assert "Ask your safeguarding team" not in main
    assert (
        '<a href="https://www.gov.uk/example" rel="noreferrer noopener">Guidance for health '
        "staff</a>" in main
    )
    assert "version read: updated 27 November 2015" in main
    assert "Last checked 5 December 2026." in main
    assert "Check before use" not in main
    # Without the trust's file, the page says where to ask.
    settings.READINESS_GUIDE_LOCAL = ""
    bare = _main(_html(staff.get(f"/guide/{NI_ADULT_DANGER}/")))
    assert "Your organisation has not added this number yet" in bare


def _done(main: str) -> list[str]:
    """The titles under "Already done" on an outcome page ([] when there is no such list)."""
    found = re.search(r'<ul class="[^"]*readiness-guide-done[^"]*">(.*?)</ul>', main, re.S)
    if not found:
        return []
    items = re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def _numbered(main: str) -> list[str]:
    """The outcome's numbered steps' titles, without their numbers."""
    steps = main[main.index('<ol class="nhsuk-list readiness-guide-steps">') :]
    steps = steps[: steps.index("</ol>")]
    titles = re.findall(r'<h3 class="nhsuk-heading-m">\s*(.*?)\s*</h3>', steps, re.S)
    return [unescape(re.sub(r"^\d+\. ", "", t)) for t in titles]


def test_every_shipped_outcome_after_an_action_page_starts_with_treat_now(staff, settings):
    """On the shipped content, every outcome reached through an action page (danger, not
    alone, no interpreter) numbers only its own steps, from "Treat now"; the action pages'
    steps are listed above them as already done."""
    from readiness.guide.load import default_folder
    from readiness.guide.model import NATION_NAMES
    from readiness.guide.paths import outcome_actions

    settings.READINESS_GUIDE_FOLDER = ""
    loaded = load_content(default_folder())
    guide = loaded.guide
    kinds = set()  # one page per nation, outcome, steps done and own steps: the rest repeat
    for choices in _reachable(default_folder()):
        position = replay(guide, choices)
        if position.node.type != "outcome" or not position.actions_so_far:
            continue
        own = outcome_actions(guide, position.node, position.state)
        kind = (position.nation, position.node.id, position.actions_so_far, own)
        if kind in kinds:
            continue
        kinds.add(kind)
        main = _main(_html(staff.get("/guide/" + "-".join(map(str, choices)) + "/")))
        numbered = _numbered(main)
        where = "-".join(map(str, choices))
        assert len(numbered) == len(own), where
        assert "treat_now" in guide.actions[own[0]].tags
        assert numbered[0] == guide.actions[own[0]].title, where
        done = [guide.actions[a].title for a in dict.fromkeys(position.actions_so_far)]
        assert _done(main) == [t for t in done if t not in numbered], where
        assert main.index("Already done") < main.index(f"1. {numbered[0]}"), where
    # Danger, not alone and no interpreter, alone and together, for children and adults.
    assert {k[0] for k in kinds} == set(NATION_NAMES) and len(kinds) >= 40


def test_anything_past_its_review_date_says_check_before_use(staff, settings, tmp_path):
    local = tmp_path / "local.yaml"
    local.write_text(LOCAL, encoding="utf-8")
    settings.READINESS_GUIDE_LOCAL = str(local)
    # The helpline (a contact: 6 months) and the trust's number (6 months) are due in June
    # 2027; the guidance facts in December 2027.
    settings.READINESS_GUIDE_AS_OF = dt.date(2027, 7, 1)
    main = _main(_html(staff.get(f"/guide/{ENGLAND_ADULT_CONSENTS}/")))
    callouts = re.findall(r'nhsuk-card--warning">(.*?)</div>\s*</div>', main, re.S)
    # One for the page, one for the step with the contact, one for the step with the helpline.
    assert len(callouts) == 3 and all("Check before use" in c for c in callouts)
    assert "Safeguarding team: Due for review: check with your safeguarding team." in callouts[1]
    assert "Last checked 5 December 2026. Due for review" in callouts[2]
    assert "Helpline" in main[main.index(callouts[1]) : main.index(callouts[2])]
    assert main.count("<strong>Check before use.</strong>") == 1  # beside the helpline fact
    settings.READINESS_GUIDE_AS_OF = "2030-01-01"
    later = _main(_html(staff.get(f"/guide/{ENGLAND_ADULT_CONSENTS}/")))
    assert later.count("nhsuk-card--warning") == 7  # the page and each of its six steps
    # An answer's fact too ("Not sure" about age), on the question page.
    question = _main(_html(staff.get("/guide/0-1/")))
    assert question.count("nhsuk-card--warning") == 1
    assert "Check before use" in question and "A child is safeguarded first." in question


def test_an_action_resting_on_an_unconfirmed_fact_says_not_yet_confirmed(staff, settings, tmp_path):
    from readiness.guide.present import CHECK_LOCALLY

    plain = _main(_html(staff.get(f"/guide/{ENGLAND_ADULT_CONSENTS}/")))
    assert CHECK_LOCALLY not in plain  # so that the test below can fail

    def uncertain(guide):
        _guide_edits(guide)
        guide["actions"]["helpline_advice"]["variants"]["all"] = {
            "text": "The charity may help: ask your safeguarding team.",
            "facts": ["maybe"],
            "shows_uncertainty": True,
        }

    folder = write_content(tmp_path / "uncertain", changed(guide=uncertain))
    settings.READINESS_GUIDE_FOLDER = str(folder)
    main = _main(_html(staff.get(f"/guide/{ENGLAND_ADULT_CONSENTS}/")))
    assert main.count(CHECK_LOCALLY) == 1
    step = main[main.index("Modern Slavery &amp; Exploitation Helpline") :]
    assert step.index("The charity may help") < step.index(CHECK_LOCALLY) < step.index("<hr")
    assert "Something not yet checked" not in main  # the unconfirmed fact itself never shows


def test_acronyms_are_spelt_out_once_at_their_first_use_on_each_page(staff):
    question = _main(_html(staff.get("/guide/0-1-2/")))
    assert "an National" not in question
    assert "a National Referral Mechanism (NRM) referral?" in question
    outcome = _main(_html(staff.get(f"/guide/{ENGLAND_ADULT_CONSENTS}/")))
    assert outcome.count("National Referral Mechanism (NRM)") == 1
    assert outcome.count("NRM") >= 2  # in the answers after it, the short form


def test_an_answers_fact_is_shown_beside_it(staff):
    html = _main(_html(staff.get("/guide/0-1/")))
    assert 'id="choice-2-item-hint"' in html and "A child is safeguarded first." in html


# -- the discreet view --------------------------------------------------------------------------


def _follow(client, url: str) -> str:
    """GET ``url`` and any redirect; the final page's HTML."""
    response = client.get(url, follow=True)
    return _html(response)


def test_the_discreet_view_holds_across_the_walk_and_hides_alarming_words(staff):
    # The standard view shows the words (so the test below can fail).
    plain = _html(staff.get(f"/guide/{ENGLAND_ADULT_CONSENTS}/"))
    assert any(ALARMING.search(h) for h in _headings(plain))
    assert "who may be a victim of slavery" in plain
    assert "<details" in _main(plain)  # sources folded in both views: the steps come first

    html = _follow(staff, "/guide/?discreet=1")
    visited = []
    # England, no danger, 18 or over, agrees, agrees: by the forms' own fields.
    for choice in ("0", "1", "2", "0", "0"):
        visited.append(html)
        form = re.search(r'<form method="get" action="([^"]+)"', html).group(1)
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
        assert hidden.get("discreet") == "1"
        html = _follow(
            staff,
            form + "?" + "&".join(f"{k}={v}" for k, v in hidden.items()) + f"&choice={choice}",
        )
    visited.append(html)
    assert "Support the adult, who may be a victim of harm." in visited[-1]
    assert "/guide/print/" in plain and "/guide/print/" in _html(staff.get("/guide/"))
    for page in visited:
        # The printed and offline copies are not discreet: the discreet view does not offer them.
        assert "/print/" not in page and "/offline/" not in page
        assert "Print or keep a copy" not in page
        for href, text in re.findall(r'<a [^>]*href="(/guide/[^"]*)"[^>]*>(.*?)</a>', page, re.S):
            # Only the switch back to the standard view leaves the discreet view.
            assert href.endswith("?discreet=1") or text.strip() == "Standard view", href
        for heading in _headings(page):
            assert not ALARMING.search(heading), heading
        assert "human trafficking" not in page  # not even in the footer
        assert 'aria-label="Staff"' not in page  # nor the staff navigation
    outcome = _main(visited[-1])
    assert "<details" in outcome and "Why, and where this comes from" in outcome
    assert "Helpline" in outcome  # the helpline keeps its name, less the words
    # The child outcome's summary, large on the page, is worded neutrally too.
    child = _main(_html(staff.get("/guide/2-1-1/?discreet=1")))
    assert "A child who may have been harmed is safeguarded first." in child


def test_neutral_wording_keeps_roles_and_grammar():
    from readiness.web.guide.services import neutral

    assert neutral("Modern Slavery & Exploitation Helpline") == "Helpline"
    assert neutral("Call the modern slavery helpline") == "Call the helpline"
    assert neutral("Tell the modern slavery lead") == "Tell the safeguarding lead"
    assert neutral("A child who may have been trafficked") == "A child who may have been harmed"
    assert neutral("Human trafficking and exploitation") == "Harm"
    assert neutral("Treat now") == "Treat now"


# -- the printed and offline pathways ------------------------------------------------------------


@pytest.fixture
def printing(monkeypatch):
    """A stand-in for readiness.guide.printing that writes a marker and records its call."""
    calls = []
    fake = types.ModuleType("readiness.guide.printing")

    def print_pathway(content, nation, out_path, as_of, contacts=None, online_url=""):
        calls.append(("pdf", nation, as_of, dict(contacts or {}), online_url, content))
        out_path.write_bytes(b"%PDF-1.7 " + nation.encode())

    def build_offline(content, nation, out_path, as_of, contacts=None, online_url=""):
        calls.append(("html", nation, as_of, dict(contacts or {}), online_url, content))
        out_path.write_text(f"<!doctype html><title>{nation}</title>", encoding="utf-8")

    fake.print_pathway, fake.build_offline = print_pathway, build_offline
    monkeypatch.setitem(sys.modules, "readiness.guide.printing", fake)
    return calls


def test_the_printed_pathway_is_a_dated_attachment_with_the_trusts_contacts(
    staff, printing, settings, tmp_path
):
    local = tmp_path / "local.yaml"
    local.write_text(LOCAL, encoding="utf-8")
    settings.READINESS_GUIDE_LOCAL = str(local)
    response = staff.get("/guide/print/northern_ireland.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 northern_ireland"
    assert 'filename="safeguarding-guide-northern-ireland.pdf"' in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    kind, nation, as_of, contacts, online, content = printing[-1]
    assert (kind, nation, as_of) == ("pdf", "northern_ireland", dt.date(2026, 12, 10))
    assert contacts["safeguarding_team"].value == "0115 000 0000 (extension 1234)"
    assert online == "http://testserver/guide/"
    assert content.guide.id == "test-guide"
    offline = staff.get("/guide/offline/wales.html")
    assert offline.status_code == 200
    assert offline["Content-Type"].startswith("text/html")
    assert offline["Content-Disposition"].startswith("attachment;")
    assert b"<title>wales</title>" in offline.content
    assert printing[-1][:3] == ("html", "wales", dt.date(2026, 12, 10))
    assert printing[-1][4] == "http://testserver/guide/"  # the offline summary's QR code


def test_a_download_is_made_once_and_again_only_when_what_it_shows_changes(
    staff, printing, settings, tmp_path, guide_folder
):
    import os

    local = tmp_path / "local.yaml"
    local.write_text(LOCAL, encoding="utf-8")
    settings.READINESS_GUIDE_LOCAL = str(local)

    def pdfs() -> int:
        return sum(1 for call in printing if call[0] == "pdf")

    first = staff.get("/guide/print/england.pdf")
    again = staff.get("/guide/print/england.pdf")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and pdfs() == 1
    assert "no-store" in again["Cache-Control"] and again["Content-Disposition"]
    # Each nation, and the offline copy, is a download of its own.
    staff.get("/guide/print/wales.pdf")
    staff.get("/guide/offline/england.html")
    staff.get("/guide/offline/england.html")
    assert pdfs() == 2 and [c[0] for c in printing].count("html") == 1
    # A changed contacts file is a new card, with the new number.
    local.write_text(LOCAL.replace("1234", "5678"), encoding="utf-8")
    os.utime(local, ns=(1, 1))  # a new stamp even on a coarse clock
    staff.get("/guide/print/england.pdf")
    assert pdfs() == 3
    assert printing[-1][3]["safeguarding_team"].value == "0115 000 0000 (extension 5678)"
    staff.get("/guide/print/england.pdf")
    assert pdfs() == 3
    # So is a new day (the review dates are checked against it) ...
    settings.READINESS_GUIDE_AS_OF = "2026-12-11"
    staff.get("/guide/print/england.pdf")
    assert pdfs() == 4 and printing[-1][2] == dt.date(2026, 12, 11)
    # ... another address for the QR code ...
    staff.get("/guide/print/england.pdf", secure=True)
    assert pdfs() == 5 and printing[-1][4] == "https://testserver/guide/"
    # ... and changed content.
    facts = guide_folder / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    staff.get("/guide/print/england.pdf")
    assert pdfs() == 6


def test_a_download_that_cannot_be_made_is_not_tried_again_until_something_changes(
    staff, printing, monkeypatch
):
    from readiness.errors import GuideError, Problem

    tried = []

    def too_long(*args, **kwargs):
        tried.append(1)
        raise GuideError([Problem("the England pathway needs 2 pages.", "Shorten it.")])

    monkeypatch.setattr(sys.modules["readiness.guide.printing"], "print_pathway", too_long)
    for _ in range(3):
        assert staff.get("/guide/print/england.pdf").status_code == 503
    assert len(tried) == 1


def test_a_deployment_for_one_nation_offers_only_that_nations_downloads(staff, printing, settings):
    settings.READINESS_GUIDE_NATION = "scotland"
    for path in ("/guide/print/england.pdf", "/guide/offline/northern_ireland.html"):
        response = staff.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.content.decode()
        assert "Content-Disposition" not in response
    assert printing == []
    assert staff.get("/guide/print/scotland.pdf").status_code == 200
    assert staff.get("/guide/offline/scotland.html").status_code == 200
    assert [(c[0], c[1]) for c in printing] == [("pdf", "scotland"), ("html", "scotland")]


def test_the_date_defaults_to_today(staff, settings, printing):
    from django.utils import timezone

    settings.READINESS_GUIDE_AS_OF = None
    staff.get("/guide/print/england.pdf")
    assert printing[-1][2] == timezone.localdate()


def test_broken_content_says_the_guide_is_not_available(staff, settings, tmp_path):
    settings.READINESS_GUIDE_FOLDER = str(tmp_path / "empty")
    response = staff.get("/guide/")
    assert response.status_code == 503
    assert "The guide is not available" in response.content.decode()


def test_a_pathway_that_cannot_be_made_says_so(staff, printing, monkeypatch):
    from readiness.errors import GuideError, Problem

    def too_long(*args, **kwargs):
        raise GuideError([Problem("the England pathway needs 2 pages.", "Shorten it.")])

    monkeypatch.setattr(sys.modules["readiness.guide.printing"], "print_pathway", too_long)
    response = staff.get("/guide/print/england.pdf")
    assert response.status_code == 503
    assert "The PDF cannot be made" in response.content.decode()
    assert "Content-Disposition" not in response
    assert 'href="/guide/">Use the guide on screen' in response.content.decode()
    # Reached from the discreet view, its link stays in it.
    discreet = staff.get("/guide/print/england.pdf?discreet=1").content.decode()
    assert 'href="/guide/?discreet=1">Use the guide on screen' in discreet


@pytest.mark.slow
def test_the_real_pathway_and_offline_copy_are_made_from_the_test_guide(staff):
    pdf = staff.get("/guide/print/wales.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    offline = staff.get("/guide/offline/wales.html")
    assert offline.status_code == 200
    html = offline.content.decode()
    assert "<html" in html.lower() and "Is the person under 18?" in html


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_the_real_pathway_prints_the_guides_own_address_for_its_qr_code(staff, tmp_path):
    response = staff.get("/guide/print/england.pdf", secure=True)
    assert response.status_code == 200
    pdf = tmp_path / "england.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "https://testserver/guide/" in text  # the start page, as this request reached it
    assert "/guide/print/" not in text
