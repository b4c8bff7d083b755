"""The respondent pages' own words in Welsh: every text the pages and the answer checks use
has its Welsh, values are put in, and a language without words gives the English back."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from readiness.instrument import answers
from readiness.instrument.interface_words import WELSH, has_words, say, words_for
from readiness.instrument.model import Item

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src/readiness/web/templates/jinja2/respondent"
SAY_IN_TEMPLATE = re.compile(r"""say\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _template_texts() -> set[str]:
    texts = set()
    for path in TEMPLATES.glob("*.jinja"):
        for double, single in SAY_IN_TEMPLATE.findall(path.read_text(encoding="utf-8")):
            texts.add((double or single).replace("\\'", "'").replace('\\"', '"'))
    return texts


def _python_texts(path: Path, names: tuple[str, ...]) -> set[str]:
    """The literal first arguments of calls to ``names`` in a module."""
    texts = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in names and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                texts.add(first.value)
    return texts


def test_every_text_the_respondent_templates_say_has_welsh():
    texts = _template_texts()
    assert {"Save and continue", "Submit my answers", "Thank you"} <= texts  # found at all
    assert sorted(t for t in texts if not has_words(t, "cy")) == []


def test_every_text_the_respondent_module_marks_as_ours_has_welsh():
    module = ROOT / "src/readiness/web/surveys/respondent.py"
    texts = _python_texts(module, ("_ui", "say"))
    assert "(required)" in texts
    assert sorted(t for t in texts if not has_words(t, "cy")) == []


def _every_answer_message() -> set[str]:
    """The error messages of readiness.instrument.answers: its string literals that read as
    messages, and what number_wanted makes for each kind of range."""
    tree = ast.parse(Path(answers.__file__).read_text(encoding="utf-8"))
    pieces = {
        id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
    }
    literals = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and id(node) not in pieces  # a piece of an f-string: its messages are made below
        and isinstance(node.value, str)
        and re.match(r"^(Enter|Select|The date|Month|Year|Your answer)\b", node.value)
    }
    made = set()
    for integer in (True, False):
        for lo, hi in ((0, 60), (1.5, None), (None, 24), (None, None)):
            item = Item("n", "number", "N", "s", minimum=lo, maximum=hi, integer=integer)
            made.add(answers.number_wanted(item))
    made |= {f"The date must include a {part}" for part in answers.DATE_PARTS}
    return literals | made | {f"Your answer must be {answers.MAX_TEXT} characters or fewer"}


def test_every_answer_check_message_has_welsh():
    messages = _every_answer_message()
    assert "Enter a whole number between 0 and 60" in messages
    assert sorted(m for m in messages if not has_words(m, "cy")) == []


def test_values_are_put_in_and_numbers_and_months_kept():
    assert say("Page {number} of {total}", "cy", number=2, total=7) == "Tudalen 2 o 7"
    assert say("Enter a whole number between 1 and 500", "cy") == "Rhowch rif cyfan rhwng 1 a 500"
    assert say("Enter a number of 2.5 or more", "cy") == "Rhowch rif o 2.5 neu fwy"
    assert say("March 2019", "cy-GB") == "Mawrth 2019"


@pytest.mark.parametrize("language", ["", "en-GB", "fr"])
def test_a_language_without_words_gets_the_english(language):
    assert words_for(language) is None
    assert say("Save and continue", language) == "Save and continue"
    assert say("Page {number} of {total}", language, number=1, total=2) == "Page 1 of 2"


def test_the_welsh_words_are_marked_for_review_with_a_notice_in_both_languages():
    assert "reviewed by a Welsh speaker" in WELSH.review
    assert "adolygu" in WELSH.notice and "awaiting review" in WELSH.notice_en
