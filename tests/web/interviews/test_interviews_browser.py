"""Coding in a real browser (Playwright driving Debian's Chromium, the launch flags of
``tests/web/test_browser.py``).

The issue's "done when": the lead reviews the pseudonymisation; a coder selects a passage with
the mouse, codes it from the keyboard, adds a memo and sees it in the framework matrix; a second
coder's codings yield the agreement figures, and the lead resolves a disagreement.  A second
test selects text after characters outside the Basic Multilingual Plane (emoji, two UTF-16 code
units each) and checks the stored offsets; a third codes without JavaScript.  Screenshots go to
``$READINESS_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.web.interviews.builders import KEY, make_project
from tests.web.test_browser import CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PASSWORD = "a-long-test-password"


@pytest.fixture(scope="module")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("READINESS_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(folder / f"interviews-{name}.png"), full_page=full_page)

    return shoot


@pytest.fixture
def team(transactional_db, django_user_model):
    users = {
        name: django_user_model.objects.create_user(name, password=PASSWORD)
        for name in ("lead", "alice", "bob")
    }
    project = make_project(users["lead"], coders=[users["alice"], users["bob"]], pseudonymise=False)
    return project, users


def go(page, selector: str) -> None:
    """Click something that loads a new page, and wait for it."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(browser, base, username, **options):
    context = browser.new_context(**{**DESKTOP, **options})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    go(page, "button:has-text('Sign in')")
    return context, page


# Where in the page a piece of transcript text is: the rectangle of one of its characters.
CHAR_RECT = """([needle, which, scroll]) => {
  const root = document.getElementById('ri-text')
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  const nodes = []
  let all = ''
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest('[data-s]')) continue
    nodes.push([n, all.length])
    all += n.data
  }
  let at = all.indexOf(needle)
  if (at < 0) throw new Error('not on the page: ' + needle)
  if (which === 'last') at += needle.length - 1
  const [node, base] = nodes.filter(([n, b]) => b <= at).pop()
  const range = document.createRange()
  range.setStart(node, at - base)
  range.setEnd(node, at - base + 1)
  if (scroll) range.startContainer.parentElement.scrollIntoView({ block: 'center' })
  const r = range.getBoundingClientRect()
  return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }
}"""


SHOWS_SELECTION = """() => {
  const q = document.querySelector('#ri-selection q')
  const words = window.getSelection().toString().replace(/\\s+/g, ' ').trim()
  return q !== null && words !== '' && q.textContent === words
}"""


def drag_select(page, first: str, last: str | None = None) -> None:
    """Select with the mouse from the first character of ``first`` to the last of ``last``."""
    page.evaluate(CHAR_RECT, [first, "first", True])
    a = page.evaluate(CHAR_RECT, [first, "first", False])
    b = page.evaluate(CHAR_RECT, [last or first, "last", False])
    page.mouse.move(a["left"] + 1, (a["top"] + a["bottom"]) / 2)
    page.mouse.down()
    page.mouse.move(b["right"] - 1, (b["top"] + b["bottom"]) / 2, steps=8)
    page.mouse.up()
    # The page reads the selection on the animation frame after each change, so during the
    # drag it may have shown one that went further (past the end of a line): wait until what
    # it shows is the selection the drag ended with.
    page.wait_for_function(SHOWS_SELECTION)


def shortcut_of(page, code: str) -> str:
    label = page.locator(f".ri-code label:has-text('{code}')").first
    return label.locator("kbd").inner_text()


def codings_count(page) -> int:
    return int(
        re.search(r"Codings \((\d+)\)", page.locator("#codings-heading").inner_text()).group(1)
    )


def test_code_memo_framework_and_agreement(browser, live_server, team, shots):
    from readiness.web.interviews import models as m

    project, users = team
    base = live_server.url
    slug = project.slug

    # The lead reviews the pseudonymisation of every transcript, with the key.
    lead_ctx, lead = sign_in(browser, base, "lead")
    lead.goto(f"{base}/interviews/{slug}/")
    shots(lead, "01-project")
    go(lead, "text=Review pseudonymisation")
    lead.fill("#key", KEY.split("\n", 1)[1])
    go(lead, "button:has-text('Find what to replace')")
    assert lead.locator("#proposals tbody tr").count() == 6
    from readiness.web.interviews.review import group_id

    lead.check(f"#keep-{group_id('SW1A 1AA')}")  # keep the postcode
    shots(lead, "02-pseudonymisation-proposals")
    go(lead, "button:has-text('Apply and mark 4 transcripts as pseudonymised')")
    assert lead.url.endswith(f"/interviews/{slug}/"), lead.locator("main").inner_text()[:2000]
    assert "Replaced 5, kept 1" in lead.content()
    assert m.Transcript.objects.filter(project=project, pseudonymised=True).count() == 4

    # alice selects a passage with the mouse and codes it from the keyboard.
    alice_ctx, alice = sign_in(browser, base, "alice")
    alice.goto(f"{base}/interviews/{slug}/")
    go(alice, "#transcripts a:has-text('P12')")
    drag_select(alice, "we had no interpreter")
    assert "we had no interpreter" in alice.locator("#ri-selection").inner_text()
    key = shortcut_of(alice, "Interpreters")
    alice.keyboard.press(key)
    assert alice.is_checked(f".ri-code input[data-key='{key}']")
    shots(alice, "03-selection-and-code", full_page=False)
    alice.keyboard.press("Enter")
    alice.wait_for_selector("#codings-heading:has-text('Codings (1)')")
    coding = m.Coding.objects.get(coder__name="alice")
    assert coding.transcript.text[coding.start : coding.end] == "we had no interpreter"
    assert alice.locator("#ri-text mark").first.inner_text() == "we had no interpreter"
    # A second passage by clicking: the code's box, then the button.
    drag_select(alice, "a man who spoke", "for her")
    alice.click(".ri-code label:has-text('Recognising indicators')")
    alice.click("#ri-apply")
    alice.wait_for_selector("#codings-heading:has-text('Codings (2)')")
    shots(alice, "04-coded", full_page=False)

    # A memo on the first coding, from the list of codings.
    alice.click("#ri-codings a.ri-jump:has-text('Interpreters')")
    go(alice, "#ri-codings li:has-text('Interpreters') a.ri-edit")
    alice.click("text=Add a memo on this coding")
    alice.fill("#id_memo-text", "No interpreter; the companion offered to translate")
    go(alice, "button:has-text('Add memo')")
    alice.wait_for_selector(".ri-memo:has-text('the companion offered')")
    shots(alice, "05-memo-on-coding")

    # The memo is the summary of P12's cell in the framework matrix, with the quote linked.
    go(alice, "nav.ri-project-nav >> text=Framework matrix")
    cell = alice.locator("#framework tr:has(th:has-text('P12')) td").nth(1)
    assert "No interpreter; the companion offered to translate" in cell.inner_text()
    assert "“we had no interpreter”" in cell.inner_text()
    shots(alice, "06-framework-matrix")
    with alice.expect_navigation():
        cell.locator("a").first.click()
    assert re.search(r"/transcripts/.*\?at=\d+&to=\d+#at$", alice.url)
    assert alice.locator(".ri-hit").first.inner_text() == "we had no interpreter"

    # bob codes the same transcript: one passage as alice did, one differently.
    bob_ctx, bob = sign_in(browser, base, "bob")
    bob.goto(alice.url.split("?")[0])
    go(bob, "text=only me")
    drag_select(bob, "we had no interpreter")
    bob.keyboard.press(shortcut_of(bob, "Interpreters"))
    bob.keyboard.press("Enter")
    bob.wait_for_selector("#codings-heading:has-text('Codings (1)')")
    drag_select(bob, "I went to our safeguarding lead")
    bob.fill("#ri-filter", "referral")
    bob.keyboard.press("Enter")  # ticks the first code the filter shows
    bob.click("#ri-apply")
    bob.wait_for_selector("#codings-heading:has-text('Codings (2)')")
    assert m.Coding.objects.filter(coder__name="bob").count() == 2

    # The agreement figures, and the page says reflexive thematic analysis does not use them.
    bob.goto(f"{base}/interviews/{slug}/agreement/?skip=Interviewer")
    assert "Reflexive thematic analysis does not use inter-coder agreement" in bob.content()
    overall = bob.locator("#agreement tbody tr").last.inner_text()
    assert "(all codes)" in overall
    assert re.search(r"\d+\.\d%\s+-?\d\.\d{3}\s+-?\d\.\d{3}", overall), overall
    shots(bob, "07-agreement")

    # The lead resolves the disagreement over the indicators: bob codes it too.
    lead.goto(f"{base}/interviews/{slug}/agreement/?skip=Interviewer")
    assert lead.locator(".ri-disagreement").count() == 2
    with lead.expect_navigation():
        lead.locator(
            ".ri-disagreement:has-text('Recognising indicators') button:has-text('Code it for bob')"
        ).click()
    assert lead.locator(".ri-disagreement").count() == 1
    assert "Disagreement resolved" in lead.content()
    shots(lead, "08-disagreement-resolved")

    # The other pages, for the screenshots (and each must load).
    interpreters = m.Code.objects.get(project=project, name="Interpreters").guid
    for name, path in [
        ("12-search", "search/?q=interpreter"),
        ("13-codebook", "codebook/"),
        ("14-code", f"codebook/{interpreters}/"),
        ("15-theme-report", "report/"),
        ("16-downloads", "downloads/"),
        ("17-memos", "memos/"),
        ("18-audit-log", "audit/"),
    ]:
        assert lead.goto(f"{base}/interviews/{slug}/{path}").status == 200
        shots(lead, name)
    for ctx in (lead_ctx, alice_ctx, bob_ctx):
        ctx.close()


def test_selection_offsets_after_emoji(browser, live_server, team, shots):
    """JavaScript counts UTF-16 code units; the stored offsets count characters."""
    from readiness.web.interviews import models as m
    from tests.web.interviews.builders import accept_all

    project, users = team
    accept_all(project, users["lead"])
    t = m.Transcript.objects.get(project=project, name="P9")
    ctx, page = sign_in(browser, live_server.url, "alice")
    page.goto(f"{live_server.url}/interviews/{project.slug}/transcripts/{t.guid}/")
    page.wait_for_selector("#ri-text")

    def code(first, last=None, code="Interpreters"):
        before = codings_count(page)
        drag_select(page, first, last)
        page.keyboard.press(shortcut_of(page, code))
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#codings-heading:has-text('Codings ({before + 1})')")
        newest = m.Coding.objects.filter(transcript=t).order_by("-id").first()
        return t.text[newest.start : newest.end]

    # After 🙂 and 😀: each one character for Python, two code units for JavaScript.
    assert code("interpreter never came") == "interpreter never came"
    # Starting with an emoji, and ending inside a piece that is already coded.
    assert code("😀", "it was hard 👩‍⚕️ and the interp") == "😀 it was hard 👩‍⚕️ and the interp"
    # From inside a coded piece to the next turn.
    assert code("never came", "Thank") == "never came.\nInterviewer: Thank"
    shots(page, "09-emoji-offsets", full_page=False)
    # The pieces the server sent say the same: each mark's text is the transcript at its data-s.
    for s, text in page.eval_on_selector_all(
        "#ri-text [data-s]", "els => els.map(e => [Number(e.dataset.s), e.textContent])"
    ):
        assert t.text[s : s + len(text)] == text
    ctx.close()


def test_coding_without_javascript(browser, live_server, team, shots):
    from readiness.web.interviews import models as m
    from tests.web.interviews.builders import accept_all

    project, users = team
    accept_all(project, users["lead"])
    t = m.Transcript.objects.get(project=project, name="P7_interview")
    ctx, page = sign_in(browser, live_server.url, "bob", java_script_enabled=False)
    page.goto(f"{live_server.url}/interviews/{project.slug}/transcripts/{t.guid}/")
    assert page.locator("#ri-passage[open]").count() == 1  # the passage fields are open
    page.fill("#ri-turn-from", "2")
    page.fill("#ri-words", "I wouldn't know who to refer to")
    referral = m.Code.objects.get(project=project, name="Referral routes").guid
    page.check(f".ri-code input[value='{referral}']")
    shots(page, "10-no-javascript-form", full_page=False)
    go(page, "#ri-apply")
    coding = m.Coding.objects.get(transcript=t)
    assert t.text[coding.start : coding.end] == "I wouldn't know who to refer to"
    assert codings_count(page) == 1
    shots(page, "11-no-javascript-coded")
    ctx.close()
