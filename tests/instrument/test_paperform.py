"""The printable paper questionnaire and the session poster (readiness.instrument.paperform).

The PDFs are read back with poppler: pdftotext for what is printed, pdfinfo for the page size,
the page count and whether the PDF is tagged.  Printing takes seconds, so each document is
made once per module.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from readiness.cli import main
from readiness.instrument import parse_instrument, shipped_instrument
from readiness.instrument.paperform import (
    FORM_NUMBER_LABEL,
    PaperFormError,
    build_paper_form,
    paper_form_html,
    paper_form_pdf,
    poster_html,
    poster_pdf,
    qr_svg,
    question_numbers,
)
from tests.web.bilingual import BILINGUAL

POPPLER = all(shutil.which(t) for t in ("pdfinfo", "pdftotext"))
pytest.importorskip("weasyprint", reason="the pdf extra is not installed")

LOGIC = """
id: logic
version: 2
title: Logic check
sections:
  - id: one
    title: First
    items:
      - {id: seen, type: yes_no, text: "Have you seen a patient?"}
      - {id: kind, type: multiple_choice, text: "What kind?",
         choices: [{code: 1, label: Adult}, {code: 2, label: Child}],
         show_if: {item: seen, equals: 1}}
      - {id: many, type: number, text: "How many?", integer: true, min: 0, max: 500,
         show_if: {item: seen, equals: 1}}
      - {id: site, type: text, text: Site, hidden: true}
      - {id: child, type: calculate, text: Saw a child, calculation: {item: kind, selected: 2}}
  - id: two
    title: Children
    show_if: {item: child, equals: 1}
    items:
      - {id: told, type: single_choice, text: "Who did you tell?",
         choices: [{code: a, label: Safeguarding lead}, {code: b, label: Nobody}],
         show_if: {any: [{item: many, ge: 3}, {not: {item: seen, in: [0]}}]}}
      - {id: when, type: date, text: "When did you tell them?"}
"""


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pdf_text(data: bytes, tmp: Path) -> str:
    path = tmp / "form.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return _flat(out.stdout)


def _pdf_info(data: bytes, tmp: Path) -> dict[str, str]:
    path = tmp / "info.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(
        (k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in out.stdout.splitlines())
    )


@functools.cache
def _shipped_pdf() -> bytes:
    return paper_form_pdf(
        shipped_instrument(), study="Safeguarding training 2026", session="T01-2026-03-02"
    )


def test_every_question_section_and_the_form_number_box_are_printed(tmp_path):
    if not POPPLER:
        pytest.skip("poppler-utils is not installed")
    instrument = shipped_instrument()
    text = _pdf_text(_shipped_pdf(), tmp_path)
    asked = [i for i in instrument.items if not i.hidden and i.type != "calculate"]
    missing = [i.id for i in asked if _flat(i.text) not in text]
    assert missing == []
    assert all(_flat(s.title) in text for s in instrument.sections)
    assert FORM_NUMBER_LABEL in text and "Written by the study team" in text
    assert "Study: Safeguarding training 2026" in text and "Session: T01-2026-03-02" in text
    hidden = instrument.item("site")
    assert hidden.hidden and hidden.text not in text  # filled in by the session, never asked
    numbers = question_numbers(instrument)
    assert f"{len(numbers)}. " in text and f"{len(numbers) + 1}. " not in text


def test_the_pdf_is_a4_tagged_and_titled(tmp_path):
    if not POPPLER:
        pytest.skip("poppler-utils is not installed")
    info = _pdf_info(_shipped_pdf(), tmp_path)
    assert "(A4)" in info["Page size"]
    assert info["Tagged"] == "yes"
    assert info["Title"].startswith(shipped_instrument().title)
    assert int(info["Pages"]) > 1


def test_the_type_is_at_least_11_points():
    html = paper_form_html(shipped_instrument())
    sizes = [float(s) for s in re.findall(r"font(?:-size)?:\s*([\d.]+)pt", html)]
    assert sizes and min(sizes) >= 11


def test_conditions_are_written_as_instructions_with_question_numbers():
    form = build_paper_form(parse_instrument(LOGIC))
    by_id = {q.id: q for q in form.questions}
    assert [q.number for q in form.questions] == [1, 2, 3, 4, 5]  # not the hidden or calculated
    assert by_id["kind"].instruction == (
        "If you answered \u201cYes\u201d to question 1, answer questions 2 to 3; "
        "otherwise go to question 4."
    )
    assert by_id["many"].instruction == ""  # the run's instruction is given once, before it
    assert by_id["told"].instruction == (
        "If your answer to question 3 is 3 or more or you did not answer \u201cNo\u201d to "
        "question 1, answer question 4; otherwise go to question 5."
    )
    section = form.sections[1]
    assert section.instruction == (
        "If you ticked \u201cChild\u201d in question 2, answer this section (questions 4 to 5); "
        "otherwise you have finished the form."
    )


def test_answers_have_boxes_lines_and_hints_of_their_type():
    form = build_paper_form(parse_instrument(LOGIC))
    by_id = {q.id: q for q in form.questions}
    assert by_id["seen"].kind == "tick" and [c.label for c in by_id["seen"].choices] == [
        "Yes",
        "No",
    ]
    assert by_id["kind"].kind == "ticks" and by_id["kind"].hint == "Tick all that apply."
    assert by_id["many"].digits == 3 and not by_id["many"].decimals
    assert by_id["many"].hint == "Write a whole number from 0 to 500."
    assert by_id["when"].kind == "date"
    html = paper_form_html(parse_instrument(LOGIC))
    assert re.search(r"Day</span>(<span class=\"digit\"></span>){2}", html)
    assert re.search(r"Year</span>(<span class=\"digit\"></span>){4}", html)


def test_a_language_the_instrument_holds_and_one_it_does_not():
    instrument = parse_instrument(BILINGUAL)
    html = paper_form_html(instrument, language="cy")
    assert 'lang="cy"' in html and "Ydych chi wedi gweld claf?" in html
    assert "Gwiriad ward" in html
    with pytest.raises(PaperFormError, match=r"no language 'fr'.*en-GB, cy"):
        paper_form_html(instrument, language="fr")


def test_the_command_writes_the_form(tmp_path, capsys):
    if not POPPLER:
        pytest.skip("poppler-utils is not installed")
    yaml_file = tmp_path / "ward.yaml"
    yaml_file.write_text(BILINGUAL, encoding="utf-8")
    out = tmp_path / "form.pdf"
    code = main(["instrument", "paper", str(yaml_file), "-o", str(out), "--language", "cy"])
    assert code in (0, None)
    assert f"Wrote {out}" in capsys.readouterr().out
    text = _pdf_text(out.read_bytes(), tmp_path)
    assert "Eich rôl" in text and FORM_NUMBER_LABEL in text
    code = main(
        ["instrument", "paper", str(yaml_file), "-o", str(tmp_path / "x.pdf"), "--language", "fr"]
    )
    assert code == 1
    assert "no language 'fr'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


LINK = "https://readiness.example.nhs.uk/s/ABCD-EFGH-JKLM/"


def test_the_poster_has_the_study_session_link_qr_and_anonymity_on_one_a4_page(tmp_path):
    if not POPPLER:
        pytest.skip("poppler-utils is not installed")
    data = poster_pdf("Safeguarding training 2026", "Session T01, 2 March 2026", LINK, "North")
    info = _pdf_info(data, tmp_path)
    assert info["Pages"] == "1" and "(A4)" in info["Page size"]
    text = _pdf_text(data, tmp_path)
    for part in ("Safeguarding training 2026", "Session T01, 2 March 2026", LINK, "North"):
        assert part in text
    assert "Your answers are anonymous" in text
    assert qr_svg(LINK) in poster_html("S", "T", LINK)
    assert qr_svg(LINK) != qr_svg(LINK + "x")


def test_a_poster_needs_a_link():
    with pytest.raises(PaperFormError, match="needs the session's link"):
        poster_html("S", "T", "")
