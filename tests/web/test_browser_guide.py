"""The response guide in a real browser (Playwright driving Debian's Chromium).

One path per nation is walked to its outcome by choosing answers by their words (so the same
walk runs on the test guide and on the shipped content): England, an adult who agrees to be
referred; Wales, an adult who does not; Scotland, a child ("Not sure" about age), in the
discreet view; Northern Ireland, an adult with someone in danger.  Wales and Scotland are
walked without JavaScript.  On a 390 x 844 phone screen no page scrolls sideways, and axe-core
finds nothing on the question, action and outcome pages.  Screenshots go to
``$READINESS_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.guide.guide_helpers import write_content
from tests.web.test_accessibility import AXE, Scanner
from tests.web.test_browser import CHROMIUM, PHONE, browser, shots  # noqa: F401
from tests.web.test_guide_pages import guide_files

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (make setup)"),
]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
ALARMING = re.compile(r"traffick|slavery|exploit", re.I)


@dataclass
class Plan:
    """How one member of staff answers: (words in the question, words starting the answer).
    A question the plan does not name gets its first answer."""

    nation: str
    answers: list[tuple[str, str]]
    javascript: bool = True
    discreet: bool = False

    def choose(self, question: str, labels: list[str]) -> str:
        for asked, answer in self.answers:
            if re.search(asked, question, re.I):
                for label in labels:
                    if re.match(answer, label, re.I):
                        return label
                raise AssertionError(f"no answer {answer!r} to {question!r} in {labels}")
        return labels[0]


WHERE = "where are you working"
DANGER = "danger"
AGE = "under 18"
NRM = r"National Referral Mechanism|\bNRM\b|referred"
POLICE = "police"

PLANS = {
    "england": Plan(
        "England",
        [(WHERE, "England"), (DANGER, r"No\b"), (AGE, r"No\b"), (NRM, "Yes"), (POLICE, "Yes")],
    ),
    "wales": Plan(
        "Wales",
        [(WHERE, "Wales"), (DANGER, r"No\b"), (AGE, r"No\b"), (NRM, r"No\b"), (POLICE, r"No\b")],
        javascript=False,
    ),
    "scotland": Plan(
        "Scotland",
        [(WHERE, "Scotland"), (DANGER, r"No\b"), (AGE, "Not sure")],
        javascript=False,
        discreet=True,
    ),
    "northern_ireland": Plan(
        "Northern Ireland",
        [
            (WHERE, "Northern Ireland"),
            (DANGER, "Yes"),
            (AGE, r"No\b"),
            (NRM, "Yes"),
            (POLICE, r"No\b"),
        ],
    ),
}
# What each outcome of the test guide says (the shipped content is checked more loosely).
EXPECTED = {
    "england": ["Refer to a First Responder", "Refer through your lead", "Tell the police"],
    "wales": ["Helpline", "Write it down"],
    "scotland": ["A child who may have been harmed is safeguarded first.", "Refer the child"],
    "northern_ireland": [
        "Already done",
        "Call 999",
        "1. Treat now",
        "Your Trust's first-responder staff refer.",
    ],
}
NOT_EXPECTED = {
    "england": [],
    "wales": ["Refer to a First Responder", "Tell the police"],
    "scotland": ["trafficked", "Refer to a First Responder"],
    "northern_ireland": ["Tell the police", "Refer through your lead", "1. Call 999"],
}


def _no_sideways_scroll(page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, (page.url, wide)


def _walk(page, base: str, plan: Plan, visit) -> list[str]:
    """Answer until the outcome; ``visit(page, kind)`` is called on every page."""
    page.goto(f"{base}/guide/")
    if plan.discreet:
        with page.expect_navigation():
            page.click("text=Discreet view")
    kinds = []
    for _ in range(40):
        if page.locator("h2:has-text('What to do')").count():
            kinds.append("outcome")
            visit(page, "outcome")
            return kinds
        if page.locator("form fieldset").count():
            kinds.append("question")
            visit(page, "question")
            question = page.locator("legend").inner_text().strip()
            labels = [t.strip() for t in page.locator(".nhsuk-radios__label").all_inner_texts()]
            page.get_by_label(plan.choose(question, labels), exact=True).check()
            with page.expect_navigation():
                page.click("button:has-text('Continue')")
        else:
            kinds.append("action")
            visit(page, "action")
            with page.expect_navigation():
                page.click("a.nhsuk-button:has-text('Continue')")
    raise AssertionError(f"no outcome after 40 pages: {page.url}")


@pytest.fixture(params=["test-guide", "shipped"])
def guide_content(request, tmp_path, settings):
    settings.READINESS_GUIDE_PUBLIC = True
    settings.READINESS_GUIDE_NATION = ""
    settings.READINESS_GUIDE_LOCAL = ""
    settings.READINESS_GUIDE_AS_OF = "2026-12-10"
    if request.param == "shipped":
        from readiness.errors import ReadinessError
        from readiness.guide.load import load_content

        try:
            load_content()
        except ReadinessError as err:
            pytest.skip(f"the shipped guide content does not load yet: {err}")
        settings.READINESS_GUIDE_FOLDER = ""
    else:
        settings.READINESS_GUIDE_FOLDER = str(write_content(tmp_path / "guide", guide_files()))
    return request.param


def test_one_path_per_nation_to_its_outcome_on_a_phone(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    shots,  # noqa: F811
    guide_content,
):
    base = live_server.url
    scanner = Scanner(shots)
    outcomes = {}
    for key, plan in PLANS.items():
        context = browser.new_context(java_script_enabled=plan.javascript, **PHONE)
        page = context.new_page()
        if plan.javascript:
            scanner.watch(page)

        def visit(page, kind, key=key, plan=plan):
            _no_sideways_scroll(page)
            if plan.discreet:
                assert page.url.endswith("?discreet=1"), page.url
                for heading in page.locator("h1, h2, h3, h4, h5, legend").all_inner_texts():
                    assert not ALARMING.search(heading), (page.url, heading)
                assert not ALARMING.search(page.title())
            assert page.title().startswith("Safeguarding guide")
            if plan.javascript:
                scanner.scan(page, f"{guide_content}-{key}-{kind}-{len(scanner.found)}")
            else:
                shots(page, f"guide-{guide_content}-{key}-{kind}-{page.url.count('-')}")

        kinds = _walk(page, base, plan, visit)
        assert kinds[0] == "question" and kinds[-1] == "outcome"
        if key == "northern_ireland":
            assert "action" in kinds  # "Do this now" for the danger
        main = page.locator("main").inner_text()
        answers = page.locator(".nhsuk-summary-list").last.inner_text()
        assert plan.nation in answers
        outcomes[key] = main
        if guide_content == "test-guide":
            for words in EXPECTED[key]:
                assert words in main, (key, words)
            for words in NOT_EXPECTED[key]:
                assert words not in main, (key, words)
        # The outcome's numbered steps start with treatment, whatever was done on the way.
        first_step = page.locator("ol.readiness-guide-steps > li h3").first.inner_text()
        assert first_step.strip() == "1. Treat now", (key, first_step)
        if plan.discreet:
            assert page.locator("main details").count() >= 1
            assert not page.locator("main details").first.evaluate("d => d.open")
            assert "Print or keep a copy" not in main  # the copies are not discreet
        else:
            assert "Print or keep a copy" in main
        context.close()
    if guide_content == "shipped":
        assert "999" in outcomes["northern_ireland"]
        done = outcomes["northern_ireland"].split("Already done", 1)[1].split("1. Treat now")[0]
        assert "Call 999 now" in done

    violations = {name: found for name, found in scanner.found.items() if found}
    assert not violations, json.dumps(violations, indent=1)
    scanned = " ".join(scanner.found)
    assert "-question-" in scanned and "-action-" in scanned and "-outcome-" in scanned
    blocked = [m for m in scanner.console if "Content Security Policy" in m]
    assert not blocked, "\n".join(blocked)


def test_question_and_outcome_pages_at_phone_and_desktop_width(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    shots,  # noqa: F811
    guide_content,
    settings,
):
    """Screenshots to look at, the error state and the overdue warning, scanned by axe."""
    settings.READINESS_GUIDE_AS_OF = "2030-01-01"  # everything is past its review date
    base = live_server.url
    scanner = Scanner(shots)
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(**size)
        page = context.new_page()
        scanner.watch(page)
        page.goto(f"{base}/guide/")
        scanner.scan(page, f"{guide_content}-{name}-first-question")
        with page.expect_navigation():
            page.click("button:has-text('Continue')")  # nothing chosen
        assert page.locator(".nhsuk-error-summary").is_visible()
        assert page.title().startswith("Error: Safeguarding guide")
        scanner.scan(page, f"{guide_content}-{name}-question-error")
        plan = PLANS["northern_ireland"]
        _walk(page, base, plan, lambda p, kind: None)
        assert page.locator(".nhsuk-card--warning").first.is_visible()
        assert "Check before use" in page.locator("main").inner_text()
        if name == "phone":
            _no_sideways_scroll(page)
        scanner.scan(page, f"{guide_content}-{name}-outcome-overdue")
        page.click("text=Discreet view")
        page.wait_for_url("**?discreet=1")
        assert "Check before use" in page.locator("main").inner_text()  # never folded away
        scanner.scan(page, f"{guide_content}-{name}-outcome-discreet")
        context.close()
    violations = {name: found for name, found in scanner.found.items() if found}
    assert not violations, json.dumps(violations, indent=1)
