"""The coding screen in a real browser (Playwright driving Debian's Chromium): coding by mouse
and by keyboard ("/", the code's name, Enter, Enter applies exactly one code), a code past the
ninth by its number, undo, adjusting a coding's span by dragging its handles, and the code
tree (colour, parent, rename, merge) with the colours shown in the transcript.  axe-core
checks the screen at 390 pixels wide, and the content security policy reports nothing."""

from __future__ import annotations

from tests.web.interviews import test_interviews_browser as coding_tests
from tests.web.interviews.builders import accept_all
from tests.web.interviews.test_interviews_browser import CHAR_RECT, drag_select, go, sign_in
from tests.web.test_accessibility import AXE, Scanner

pytestmark = coding_tests.pytestmark
# The fixtures of the first coding tests: the browser, screenshots, a lead and two coders.
browser = coding_tests.browser
shots = coding_tests.shots
team = coding_tests.team


def open_transcript(browser, base, project, name, user="alice", **options):
    from readiness.web.interviews import models as m

    t = m.Transcript.objects.get(project=project, name=name)
    ctx, page = sign_in(browser, base, user, **options)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base}/interviews/{project.slug}/transcripts/{t.guid}/")
    page.wait_for_selector("#ri-text")
    return ctx, page, t, errors


def wait_count(page, n: int) -> None:
    page.wait_for_selector(f"#codings-heading:has-text('Codings ({n})')")


def char_point(page, needle: str, which: str) -> tuple[float, float]:
    r = page.evaluate(CHAR_RECT, [needle, which, False])
    x = r["left"] + 1 if which == "first" else r["right"] - 1
    return x, (r["top"] + r["bottom"]) / 2


def test_keyboard_mouse_undo_and_dragging_a_span(browser, live_server, team, shots):
    from readiness.web.interviews import models as m

    project, users = team
    accept_all(project, users["lead"])
    ctx, page, t, errors = open_transcript(browser, live_server.url, project, "P12")

    # "/", part of a name, Enter ticks it and leaves the filter; Enter again applies it, once.
    drag_select(page, "we had no interpreter")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "ri-filter"
    page.keyboard.type("interp")
    page.keyboard.press("Enter")
    assert page.locator("input[name=codes]:checked").count() == 1
    page.keyboard.press("Enter")
    wait_count(page, 1)
    made = list(m.Coding.objects.filter(transcript=t).values_list("code__name", "start", "end"))
    assert [c[0] for c in made] == ["Interpreters"], made
    assert t.text[made[0][1] : made[0][2]] == "we had no interpreter"
    assert page.locator("input[name=codes]:checked").count() == 0

    # A code past the ninth, by its number in the filter (arrow keys choose among matches).
    tenth = page.locator(".ri-code[data-number='12']")
    twelfth = tenth.get_attribute("data-name")
    drag_select(page, "a man who spoke", "for her")
    page.keyboard.press("/")
    page.keyboard.type("12")
    assert page.locator(".ri-code:not([hidden])").count() == 1
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    wait_count(page, 2)
    newest = m.Coding.objects.filter(transcript=t).order_by("-id").first()
    assert newest.code.name.lower() == twelfth
    assert t.text[newest.start : newest.end] == "a man who spoke for her"

    # Undo (Ctrl+Z) takes the last coding back; the button is then off.
    page.keyboard.press("Control+z")
    wait_count(page, 1)
    assert not m.Coding.objects.filter(pk=newest.pk).exists()
    assert page.is_disabled("#ri-undo")

    # By mouse: tick with a click, apply with the button; then undo with the button.
    drag_select(page, "He wouldn't leave the room")
    page.click(".ri-code label:has-text('Recognising indicators')")
    page.click("#ri-apply")
    wait_count(page, 2)
    page.click("#ri-undo")
    wait_count(page, 1)
    assert m.Coding.objects.filter(transcript=t).count() == 1

    # The coding's label in the margin picks it; dragging the start handle moves its start.
    page.click("#ri-text a.ri-chip:has-text('Interpreters')")
    page.wait_for_selector("#ri-handle-start", state="visible")
    assert page.evaluate("document.activeElement.id") == "ri-handle-start"
    shots(page, "20-adjusting-a-coding", full_page=False)
    box = page.locator("#ri-handle-start").bounding_box()
    x, y = char_point(page, "no interpreter", "first")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=10)
    page.mouse.up()
    page.wait_for_selector("#ri-handle-start", state="hidden")
    coding = m.Coding.objects.get(transcript=t)
    assert t.text[coding.start : coding.end] == "no interpreter"
    # By keyboard: the end handle back to the end of the word before, Shift+Right one
    # character further; Enter saves.
    page.click("#ri-text a.ri-chip:has-text('Interpreters')")
    page.focus("#ri-handle-end")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ri-handle-start", state="hidden")
    coding.refresh_from_db()
    assert t.text[coding.start : coding.end] == "no "
    # Undo puts the span back as it was before the last move.
    page.click("#ri-undo")
    page.wait_for_function("() => document.getElementById('ri-undo').disabled")
    coding.refresh_from_db()
    assert t.text[coding.start : coding.end] == "no interpreter"
    assert not [e for e in errors if "Content Security Policy" in e], errors
    ctx.close()


def test_code_tree_colours_and_a_phone(browser, live_server, team, shots):
    from readiness.web.interviews import models as m
    from tests.web.interviews.builders import code_words

    project, users = team
    accept_all(project, users["lead"])
    code_words(project, users["alice"], "P12", "we had no interpreter", "Interpreters")
    code_words(project, users["bob"], "P12", "we had no interpreter", "Training")
    base = live_server.url
    ctx, page = sign_in(browser, base, "lead")
    interpreters = m.Code.objects.get(project=project, name="Interpreters")
    training = m.Code.objects.get(project=project, name="Training")

    # Colour and parent.
    page.goto(f"{base}/interviews/{project.slug}/codebook/{interpreters.guid}/")
    page.fill("#ri-colour", "#aa00ff")
    page.select_option("#ri-parent", training.guid)
    go(page, "#ri-tree-form button")
    interpreters.refresh_from_db()
    assert interpreters.color == "#AA00FF" and interpreters.parent == training
    shots(page, "21-code-page")
    # Rename.
    page.fill("#id_name", "Dolmetschen 🗣")
    go(page, "button:has-text('Save code')")
    interpreters.refresh_from_db()
    assert interpreters.name == "Dolmetschen 🗣"
    # The transcript shows the colour: its label's stripe and its passage's underline.
    t = m.Transcript.objects.get(project=project, name="P12")
    page.goto(f"{base}/interviews/{project.slug}/transcripts/{t.guid}/")
    chip = page.locator("#ri-text a.ri-chip:has-text('Dolmetschen')")
    assert chip.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(170, 0, 255)"
    shots(page, "22-coding-screen", full_page=False)
    # Merge the training code's child back into it: the codings go to Training.
    page.goto(f"{base}/interviews/{project.slug}/codebook/{interpreters.guid}/")
    page.select_option("#ri-into", training.guid)
    go(page, "#ri-merge-form button")
    assert not m.Code.objects.filter(pk=interpreters.pk).exists()
    assert set(m.Coding.objects.filter(transcript=t).values_list("code__name", flat=True)) == {
        "Training"
    }
    assert {"change-code", "merge-codes"} <= set(
        m.AuditEntry.objects.filter(project=project).values_list("action", flat=True)
    )
    ctx.close()

    # At 390 pixels wide: the coding screen and the code page are axe-clean.
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    ctx, page = sign_in(browser, base, "lead", **phone)
    if AXE.exists():
        scanner = Scanner(lambda p, name: shots(p, name))
        scanner.watch(page)
        page.goto(f"{base}/interviews/{project.slug}/transcripts/{t.guid}/")
        page.click("#ri-text a.ri-chip")
        scanner.scan(page, "23-coding-screen-phone")
        page.goto(f"{base}/interviews/{project.slug}/codebook/{training.guid}/")
        scanner.scan(page, "24-code-page-phone")
        assert not any(scanner.found.values()), scanner.found
        assert not [c for c in scanner.console if "Content Security Policy" in c], scanner.console
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    ctx.close()
