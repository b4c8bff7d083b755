"""The one-page A4 pathways and the offline file, on the tests' small guide and the shipped one.

The PDFs are looked at as pages: poppler's pdfinfo counts them and reads their size, pdftotext
reads what is printed and pdftoppm renders them in greyscale.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from readiness.errors import ReadinessError
from readiness.guide.load import default_folder, load_content
from readiness.guide.model import NATION_NAMES, NATIONS
from readiness.guide.paths import open_options, replay, skip_preset
from readiness.guide.printing import (
    MIN_FONT_PT,
    TARGET_FONT_PT,
    build_offline,
    fit_pathway,
    pathway_html,
    print_pathway,
)

from .guide_helpers import changed, write_content

D = dt.date
AS_OF = D(2027, 1, 10)
URL = "https://guide.example.nhs.uk/"
POPPLER = all(shutil.which(t) for t in ("pdfinfo", "pdftotext", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")


@dataclass(frozen=True)
class Local:
    """A trust's entry for one slot, as readiness.guide.local gives it."""

    value: str
    review_by: dt.date
    label: str = ""


@pytest.fixture
def content(tmp_path):
    return load_content(write_content(tmp_path / "guide"))


def _shipped():
    if not (default_folder() / "guide.yaml").exists():
        pytest.skip("the shipped guide content is not in the package yet")
    return load_content()


@functools.cache
def _fitted_shipped(nation: str):
    return fit_pathway(_shipped(), nation, AS_OF, online_url=URL)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _visible(html: str) -> str:
    """The text of an HTML document without its tags and styles, on one line."""
    html = re.sub(r"<style.*?</style>|<svg.*?</svg>", " ", html, flags=re.S)
    return _one_line(unescape(re.sub(r"<[^>]+>", " ", html)))


def _pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return {
        k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in out.stdout.splitlines())
    }


def _pdftext(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return _one_line(out)


def _word_heights(path: Path) -> list[float]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', out)
    return [float(b) - float(a) for a, b in boxes]


# pdftotext gives a word the height of its font's ascent and descent: 1.117 times the type size
# for Arial and Liberation Sans (0.905 + 0.212 of the em).
WORD_HEIGHT_PER_PT = 1.117


def _laid_out_sizes(document, classes: set[str]) -> dict[str, list[float]]:
    """The type size, in points, of every piece of text WeasyPrint laid out inside an element
    with one of ``classes``, by class (reads the layout's boxes)."""
    found: dict[str, list[float]] = {c: [] for c in classes}

    def walk(box, inside: set[str]) -> None:
        element = getattr(box, "element", None)
        if element is not None and hasattr(element, "get"):
            inside = inside | (set((element.get("class") or "").split()) & classes)
        text = getattr(box, "text", None)
        if text and text.strip():
            for name in inside:
                found[name].append(box.style["font_size"] * 0.75)  # CSS px to pt
        for child in getattr(box, "children", ()):
            walk(child, inside)

    for page in document.pages:
        walk(page._page_box, set())
    return found


def _grey_pixels(pdf: Path, tmp_path: Path) -> np.ndarray:
    stem = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-gray", "-r", "100", "-png", str(pdf), str(stem)], check=True)
    pngs = sorted(tmp_path.glob(f"{pdf.stem}*.png"))
    assert len(pngs) == 1, pngs
    return np.asarray(Image.open(pngs[0]).convert("L"), dtype=float)


# ---- the card as HTML -------------------------------------------------------------------------


def test_the_card_shows_the_flow_the_outcomes_and_the_helplines(content):
    html = pathway_html(content, "england", AS_OF)
    text = _visible(html)
    assert "Safeguarding guide" in text and "England" in text
    # the questions in the order of the flow, numbered
    danger, age = (
        text.index("Is anyone in immediate danger?"),
        text.index("Is the person under 18?"),
    )
    consent = text.index("Does the person agree to be referred?")
    assert danger < age < consent
    # "Not sure" about age is a child; 18 or over is an adult
    assert re.search(r"Not sure\W+child pathway", text, re.I)
    assert re.search(r"No, 18 or over\W+adult", text, re.I)
    # the danger action is on the option that leads to it
    assert re.search(r"Yes\W+.*Call 999 now\.", text)
    # both outcomes, with England's wording of the referral and its condition
    assert "Support the adult." in text and "Safeguard the child first." in text
    assert "Refer through your lead to a First Responder." in text
    assert "Your Trust's first-responder staff refer." not in text
    assert re.search(r"If 3: Yes\W+Refer to a First Responder", text)
    # the helpline, with its number; the unverified fact never
    assert "08000 121 700" in text
    assert "Something not yet checked" not in text
    assert "Give treatment now." in text


def test_an_acronym_in_the_flow_is_spelt_out_before_its_later_uses(tmp_path):
    def use_nrm(g):
        g["nodes"]["consent_nrm"]["text"] = "Does the person agree to an NRM referral?"
        g["actions"]["refer_to_fro"]["variants"]["all"]["text"] = "Make the NRM referral."

    content = load_content(write_content(tmp_path / "g", changed(guide=use_nrm)))
    text = _visible(pathway_html(content, "wales", AS_OF))
    assert "agree to a National Referral Mechanism (NRM) referral?" in text
    assert "Make the NRM referral." in text
    assert text.count("National Referral Mechanism") == 1
    assert text.index("National Referral Mechanism (NRM)") < text.index("NRM referral.")


def test_a_text_spelt_out_at_its_start_keeps_its_capital(tmp_path):
    def gp(g):
        g["acronyms"]["GP"] = "general practice"
        g["actions"]["helpline_advice"]["variants"]["all"]["text"] = "GP care is free."

    content = load_content(write_content(tmp_path / "g", changed(guide=gp)))
    text = _visible(pathway_html(content, "england", AS_OF))
    assert "General practice (GP) care is free." in text


def test_northern_ireland_has_its_own_wording(content):
    text = _visible(pathway_html(content, "northern_ireland", AS_OF))
    assert "Northern Ireland" in text
    assert "Your Trust's first-responder staff refer." in text
    assert "Refer through your lead to a First Responder." not in text


def test_the_footer_gives_version_checked_range_and_do_not_use_after(tmp_path):
    def dates(f):
        f["facts"]["doc"]["last_checked"] = "2026-10-01"  # guidance: review by 1 October 2027
        f["facts"]["treat"]["review_by"] = "2027-03-31"  # earlier than the helpline's 5 June

    content = load_content(write_content(tmp_path / "g", changed(facts=dates)))
    text = _visible(pathway_html(content, "scotland", AS_OF))
    assert "Version 2026.12.0" in text
    assert "Facts checked 1 October 2026 to 5 December 2026" in text
    assert "Do not use after 31 March 2027" in text
    assert "Printed 10 January 2027" in text


def test_the_do_not_use_after_date_is_the_helplines_when_that_is_earliest(content):
    text = _visible(pathway_html(content, "wales", AS_OF))
    assert "Do not use after 5 June 2027" in text  # a contact fact: 6 months after checking
    assert "Facts checked 5 December 2026" in text


def test_local_contacts_are_filled_in_or_left_blank_to_write_in(content):
    blank = _visible(pathway_html(content, "england", AS_OF))
    assert "Safeguarding team" in blank and "Local authority adult safeguarding" in blank
    assert "0115 000 0000" not in blank
    contacts = {"safeguarding_team": Local("0115 000 0000", D(2027, 4, 1), "Safeguarding (days)")}
    html = pathway_html(content, "england", AS_OF, contacts=contacts)
    text = _visible(html)
    assert "Safeguarding (days)" in text and "0115 000 0000" in text
    assert html.count('class="write-in"') == 1  # the local authority's line is left to fill in
    assert "Do not use after 1 April 2027" in text  # the local contact is due before the facts
    # a slot for England only is not on Scotland's card
    assert "Local authority adult safeguarding" not in _visible(
        pathway_html(content, "scotland", AS_OF)
    )


def test_a_card_past_its_date_says_so(content):
    text = _visible(pathway_html(content, "england", D(2027, 7, 1)))
    assert "Do not use after 5 June 2027" in text
    assert "Check before use. This card is past its review date (5 June 2027)" in text


def test_each_overdue_item_on_the_card_says_check_before_use(tmp_path):
    """The words the web pages use: on the card's head, each overdue helpline and each
    overdue local contact, and only on those."""

    def lines(f):
        f["facts"]["child_line"] = {
            **f["facts"]["helpline"],
            "statement": "Child line: 0808 800 5000.",
            "value": "0808 800 5000",
            "last_checked": "2027-05-01",  # a contact: due for review on 1 November 2027
        }

    content = load_content(write_content(tmp_path / "g", changed(facts=lines)))
    contacts = {
        "safeguarding_team": Local("0115 000 0000", D(2027, 6, 1)),
        "la_adult_safeguarding": Local("0115 999 9999", D(2027, 12, 1)),
    }
    fresh = _visible(pathway_html(content, "england", AS_OF, contacts=contacts))
    assert "Check before use" not in fresh
    text = _visible(pathway_html(content, "england", D(2027, 7, 1), contacts=contacts))
    assert "Check before use. This card is past its review date (1 June 2027)" in text
    box = text[text.index("Helplines") : text.index("Your local contacts")]
    assert box.count("Check before use") == 1  # the Helpline (due 5 June), not the child line
    # (the card's style puts the marker in brackets)
    assert re.search(r"08000.121.700 The helpline is open at all hours\. Check before use", box)
    assert re.search(r"0808.800.5000 Child line", box)
    local = text[text.index("Your local contacts") : text.index("Do not use after")]
    assert re.search(r"0115 000 0000 Check before use", local)
    assert local.count("Check before use") == 1  # the local authority's is in date


def test_the_qr_code_is_inline_svg_only_when_there_is_an_address(content):
    with_qr = pathway_html(content, "england", AS_OF, online_url=URL)
    assert "<svg" in with_qr and URL in _visible(with_qr)
    assert "<svg" not in pathway_html(content, "england", AS_OF)


def test_an_uncertain_action_shows_its_check_with_text(tmp_path):
    def uncertain(g):
        g["actions"]["helpline_advice"]["variants"]["all"] = {
            "text": "The charity may help: check with your safeguarding team.",
            "facts": ["maybe"],
            "shows_uncertainty": True,
        }

    content = load_content(write_content(tmp_path / "g", changed(guide=uncertain)))
    text = _visible(pathway_html(content, "england", AS_OF))
    assert "The charity may help: check with your safeguarding team." in text
    assert "Something not yet checked" not in text


def test_no_colour_carries_meaning_and_type_is_never_below_the_floor(content):
    html = pathway_html(content, "england", AS_OF, font_pt=MIN_FONT_PT)
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)pt", html)]
    assert sizes and min(sizes) >= MIN_FONT_PT
    styles = " ".join(re.findall(r"<style>(.*?)</style>", html, re.S))
    colours = set(re.findall(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", styles))
    assert colours and not re.search(r"\b(rgb|hsl)a?\(", styles)
    for colour in colours:
        digits = colour[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
        assert r == g == b, f"{colour} is a colour, not a grey"
    with pytest.raises(ValueError, match=str(MIN_FONT_PT)):
        pathway_html(content, "england", AS_OF, font_pt=MIN_FONT_PT - 0.5)


def test_a_contact_is_printed_once_in_the_footer_not_with_each_action(content):
    contacts = {"safeguarding_team": Local("0115 000 0000", D(2027, 4, 1), "Safeguarding (days)")}
    html = pathway_html(content, "england", AS_OF, contacts=contacts)
    text = _visible(html)
    assert text.count("0115 000 0000") == 1 and text.count("Safeguarding (days)") == 1
    assert "Call:" not in text
    footer = _visible(html[html.index("<footer") : html.index("</footer>")])
    assert "Your local contacts" in footer and "Safeguarding (days): 0115 000 0000" in footer
    assert "Do not use after" in footer


def test_the_helplines_box_is_not_repeated_by_the_actions(tmp_path):
    def repeat(f, g):
        f["facts"]["danger"].update(volatility="contact", value="999")
        f["facts"]["ctac"] = {**f["facts"]["helpline"], "statement": "Child line: 0808 800 5000."}
        f["facts"]["ctac"]["value"] = "0808 800 5000"
        g["actions"]["helpline_advice"]["variants"]["all"]["text"] = (
            "Helpline, day or night: 08000 121 700. Share numbers only where no companion can see."
        )
        g["actions"]["child_advice"] = {
            "title": "Advice about a child",
            "variants": {"all": {"text": "For advice, call 0808 800 5000.", "facts": ["ctac"]}},
        }
        g["nodes"]["child_outcome"]["actions"].append("child_advice")

    def edits(files):
        repeat(files["facts.yaml"], files["guide.yaml"])

    files = changed()
    edits(files)
    content = load_content(write_content(tmp_path / "g", files))
    html = pathway_html(content, "england", AS_OF)
    text = _visible(html)
    box = _visible(
        html[
            html.index("<h2>Helplines</h2>") : html.index("</section>", html.index("<h2>Helplines"))
        ]
    )
    # the advice action's sentence that only gives the number is left to the box; the rest is
    # printed there, once, and not in the adult's list
    assert text.count("08000 121 700") == 1 and "08000 121 700" in box
    assert "Share numbers only where no companion can see." in box
    assert text.count("Share numbers only") == 1 and "Helpline, day or night" not in text
    # an action that only gives a number the box lists is left to the box
    assert text.count("0808 800 5000") == 1 and "Advice about a child" not in text
    # 999 is the first step's answer ("Call 999 now."), so the box does not list it again
    assert "Call 999 now." in text and "999" not in box


def test_a_phone_number_is_never_split_across_lines(tmp_path):
    def number(g):
        g["actions"]["refer_to_fro"]["variants"]["all"]["text"] = (
            "Refer through your lead to a First Responder, or call 028 9504 9999 out of hours."
        )

    content = load_content(write_content(tmp_path / "g", changed(guide=number)))
    html = pathway_html(content, "england", AS_OF)
    assert "or call 028\u00a09504\u00a09999 out of hours." in unescape(html)
    assert re.search(r"\.value\s*\{[^}]*white-space: nowrap", html)  # the boxes' numbers


def test_answers_that_lead_the_same_way_share_a_line_and_carry_on_goes_with_the_question(
    content,
):
    html = pathway_html(content, "england", AS_OF)
    text = _visible(html)
    assert re.search(r"Yes or Not sure\W+child pathway", text)
    question = re.search(r'<p class="q">.*?Is anyone in immediate danger\?.*?</p>', html, re.S)
    assert question and "carry on" in question.group(0)
    assert text.index("carry on") < text.index("Call 999 now.")


def test_an_unknown_nation_is_refused_with_the_four_names(content):
    with pytest.raises(ReadinessError, match="northern_ireland"):
        pathway_html(content, "cornwall", AS_OF)


# ---- the printed PDF --------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("nation", NATIONS)
def test_each_nation_prints_on_one_a4_page(content, nation, tmp_path):
    out = print_pathway(content, nation, tmp_path / f"{nation}.pdf", AS_OF)
    assert out == tmp_path / f"{nation}.pdf"
    info = _pdfinfo(out)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith("595.") and "x 841.8" in info["Page size"]
    text = _pdftext(out)
    assert "Do not use after 5 June 2027" in text
    assert "2026.12.0" in text
    assert NATION_NAMES[nation] in text
    assert "08000 121 700" in text
    assert "Something not yet checked" not in text
    wording = {
        "northern_ireland": "Your Trust's first-responder staff refer.",
        "england": "Refer through your lead to a First Responder.",
    }
    if nation in wording:
        assert wording[nation] in text
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


@needs_poppler
def test_the_small_card_reaches_the_largest_type_and_renders_in_greyscale(content, tmp_path):
    fitted = fit_pathway(content, "england", AS_OF)
    assert fitted.font_pt == 11
    pdf = print_pathway(content, "england", tmp_path / "e.pdf", AS_OF)
    heights = _word_heights(pdf)
    assert heights and np.median(heights) >= 11  # a word's box is a little taller than its type
    pixels = _grey_pixels(pdf, tmp_path)
    assert pixels.shape[1] == pytest.approx(827, abs=2)  # A4 at 100 dpi: 8.27 inches wide
    assert pixels.std() > 20  # printed, not blank
    assert (pixels < 128).mean() > 0.01  # some dark ink


@needs_poppler
def test_content_that_cannot_fit_is_refused_naming_the_nation(tmp_path):
    def huge(g):
        g["actions"]["refer_to_fro"]["variants"]["all"]["text"] = " ".join(
            ["Refer through your safeguarding lead to a First Responder."] * 250
        )

    content = load_content(write_content(tmp_path / "g", changed(guide=huge)))
    out = tmp_path / "wales.pdf"
    out.write_bytes(b"the earlier card")
    with pytest.raises(ReadinessError) as err:
        print_pathway(content, "wales", out, AS_OF)
    message = str(err.value)
    assert "Wales" in message and "one A4 page" in message and "refer_to_fro" in message
    assert out.read_bytes() == b"the earlier card"  # the earlier file is kept whole
    assert not list(tmp_path.glob(".wales*"))


# ---- the offline file -------------------------------------------------------------------------


class _Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section" and "page" in (attrs.get("class") or "").split():
            self.current = attrs["id"]
            self.sections[self.current] = []
        elif tag == "a" and self.current and attrs.get("href", "").startswith("#"):
            self.sections[self.current].append(attrs["href"][1:])


def _reachable(content, nation) -> list[tuple[int, ...]]:
    preset = tuple(skip_preset(content.guide, {"nation": nation}))
    todo, seen = [preset], []
    while todo:
        choices = todo.pop()
        seen.append(choices)
        pos = replay(content.guide, choices)
        if pos.node.type == "action":
            todo.append(choices + (0,))
        elif pos.node.type == "question":
            todo.extend(choices + (i,) for i, _ in open_options(pos.node, pos.state))
    return seen


def test_the_offline_file_walks_every_position_without_a_server(content, tmp_path):
    out = build_offline(content, "scotland", tmp_path / "guide.html", AS_OF)
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"""\bsrc\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(", html)
    assert re.search(r"<title>\s*Safeguarding guide\s*</title>", html)
    parser = _Sections()
    parser.feed(html)
    positions = _reachable(content, "scotland")
    pages = {k: v for k, v in parser.sections.items() if k != "card"}
    assert len(pages) == len(positions)
    assert "card" in parser.sections
    for target_list in parser.sections.values():
        for target in target_list:
            assert target in parser.sections, f"a link to #{target}, which is not a section"
    start = pages["start"]
    assert "card" in start
    # every page but the start has a back link and "Start again"
    assert all("start" in links for key, links in pages.items() if key != "start")
    text = _visible(html)
    assert "Support the adult." in text and "Safeguard the child first." in text
    assert "Something not yet checked" not in text
    # the start page is shown by default; the others only when their address is the target
    assert re.search(r"section\.page:target\s*~\s*#start", html)


def test_offline_pages_carry_facts_with_their_dates_and_sources(content, tmp_path):
    html = build_offline(content, "northern_ireland", tmp_path / "ni.html", AS_OF).read_text()
    text = _visible(html)
    assert "HSC Trusts are First Responders." in text
    assert "NHS staff in Great Britain are not First Responders." not in text
    assert "Last checked 5 December 2026." in text
    assert 'href="https://www.gov.uk/example"' in html
    assert "Your Trust's first-responder staff refer." in text
    assert text.count("Do not use after") >= 1


def test_offline_pages_with_local_contacts_show_them(content, tmp_path):
    contacts = {"safeguarding_team": Local("0115 000 0000", D(2027, 4, 1))}
    html = build_offline(content, "england", tmp_path / "e.html", AS_OF, contacts=contacts)
    assert "0115 000 0000" in html.read_text(encoding="utf-8")


def test_overdue_items_in_the_offline_file_say_check_before_use(content, tmp_path):
    """As on the web pages: each overdue fact and contact, and each step that rests on one,
    outside the folded sources."""
    contacts = {"safeguarding_team": Local("0115 000 0000", D(2027, 6, 1))}
    fresh = build_offline(content, "england", tmp_path / "a.html", AS_OF, contacts=contacts)
    assert "Check before use" not in _visible(fresh.read_text(encoding="utf-8"))
    late = build_offline(content, "england", tmp_path / "b.html", D(2027, 7, 1), contacts)
    html = late.read_text(encoding="utf-8")
    text = _visible(html)
    assert "Safeguarding team: 0115 000 0000 Check before use. Due for review" in text
    assert "Check before use. Last checked 5 December 2026. Due for review" in text
    helpline = re.search(r"<h2>Helpline</h2>(.*?)<details", html, re.S)
    assert helpline and "Check before use" in helpline.group(1)  # not folded away
    treat = re.search(r"<h2>Treat now</h2>(.*?)</div>", html, re.S)
    assert treat and "Check before use" not in treat.group(1)  # its fact is in date
    assert "Already done: Call 999." in text  # the steps of the danger page, at the outcome


# ---- the shipped content ----------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("nation", NATIONS)
def test_the_shipped_pathways_print_on_one_page_each(nation, tmp_path):
    content = _shipped()
    out = print_pathway(content, nation, tmp_path / f"{nation}.pdf", AS_OF, online_url=URL)
    info = _pdfinfo(out)
    assert info["Pages"] == "1" and "x 841.8" in info["Page size"]
    # no word is set smaller than the floor (a word's box is 1.117 times its type size)
    assert min(_word_heights(out)) >= MIN_FONT_PT * WORD_HEIGHT_PER_PT - 0.05
    text = _pdftext(out)
    assert content.guide.version in text and "Do not use after" in text
    key = {
        "england": r"08000 121 700.*0800 808 3733",  # the Helpline; the Salvation Army
        "wales": r"08000 121 700.*0808 80 10 800",  # the Helpline; Live Fear Free
        "scotland": r"TARA.*Migrant Help",
        "northern_ireland": r"HSC\) Trust.{0,40}First Responder",
    }[nation]
    assert re.search(key, text), key
    for fact in content.facts.values():
        if not fact.shown and len(fact.statement) > 30:
            assert _one_line(fact.statement)[:60] not in text, fact.id
    assert _grey_pixels(out, tmp_path).std() > 20


# The shipped texts are short enough for 10 pt on one page, with the QR code: a longer text
# that pushes a nation's card below 10 pt fails here, naming the nation.
@needs_poppler
@pytest.mark.parametrize("nation", NATIONS)
def test_the_shipped_cards_set_every_step_and_action_at_10_pt_or_more(nation, tmp_path):
    fitted = _fitted_shipped(nation)
    sizes = _laid_out_sizes(fitted.document, {"step", "action", "opt"})
    assert all(sizes.values()), sizes.keys()  # the steps, their answers and the actions
    smallest = min(min(found) for found in sizes.values())
    pdf = tmp_path / f"{nation}.pdf"
    fitted.document.write_pdf(str(pdf))
    printed = min(_word_heights(pdf)) / WORD_HEIGHT_PER_PT  # every word on the card
    assert smallest >= TARGET_FONT_PT and printed >= TARGET_FONT_PT - 0.05, (smallest, printed)


@needs_poppler
@pytest.mark.parametrize("nation", NATIONS)
def test_the_shipped_cards_steps_and_actions_are_set_at_the_cards_type_size(nation, tmp_path):
    fitted = _fitted_shipped(nation)
    assert MIN_FONT_PT <= fitted.font_pt
    sizes = _laid_out_sizes(fitted.document, {"step", "action", "opt", "card-foot"})
    for name, found in sizes.items():
        assert found and min(found) == pytest.approx(fitted.font_pt), name
    pdf = tmp_path / f"{nation}.pdf"
    fitted.document.write_pdf(str(pdf))
    smallest = min(_word_heights(pdf)) / WORD_HEIGHT_PER_PT
    assert smallest == pytest.approx(fitted.font_pt, abs=0.05)  # nothing on the card is smaller


@pytest.mark.parametrize("nation", NATIONS)
def test_the_shipped_offline_files_have_every_outcome(nation, tmp_path):
    content = _shipped()
    html = build_offline(content, nation, tmp_path / "g.html", AS_OF).read_text(encoding="utf-8")
    parser = _Sections()
    parser.feed(html)
    assert len(parser.sections) - 1 == len(_reachable(content, nation))
    text = _visible(html)
    for node in content.guide.nodes.values():
        if node.type == "outcome":
            assert _one_line(node.field_for("summary", nation)) in text
