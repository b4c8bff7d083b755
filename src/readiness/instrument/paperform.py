"""The printable paper questionnaire: an instrument as an A4 form to fill in by hand.

Every section and every question the respondent answers is printed, numbered 1, 2, ... in the
instrument's order (hidden items, filled in by the collection, and calculated items are not
asked on paper; notes are printed as text without a number).  Choices get tick boxes, text
gets lines to write on, numbers get a box per digit, dates get boxes for the day, month and
year (DD MM YYYY).  A condition is written as an instruction before the questions it governs:
"If you answered “Yes” to question 7, answer questions 8 to 10; otherwise go to question 11."

At the top are the study's name, the session (when the form is printed for one), and a box for
the **form number**: the reference that paper entry asks for (the study team writes it on the
form, and keys it with the answers).

:func:`paper_form_html` gives the form as one self-contained HTML document; :func:`paper_form_pdf`
prints it with WeasyPrint (the ``pdf`` extra) as a tagged PDF (PDF/UA-1) where WeasyPrint can,
and :func:`write_paper_form` writes it to a file atomically.  :func:`poster_html` and
:func:`poster_pdf` make a session's one-page A4 poster with the QR code of its survey link.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness.errors import ReadinessError
from readiness.instrument.conditions import All, Any_, Condition, Leaf, Not
from readiness.instrument.model import Instrument, Item, choices_of

FORM_NUMBER_LABEL = "Form number"
TEXT_LINES = 3  # lines to write on for a text answer
DIGITS_DEFAULT = 4  # digit boxes for a number with no maximum
PDF_VARIANT = "pdf/ua-1"


class PaperFormError(ReadinessError):
    """The paper form cannot be made as asked (a language the instrument does not hold)."""


@dataclass(frozen=True)
class PaperChoice:
    code: str
    label: str


@dataclass(frozen=True)
class PaperQuestion:
    """One question as printed; ``number`` is None for a note (text without an answer)."""

    number: int | None
    id: str
    kind: str  # tick, ticks, scale, text, number, date, month_year, time, datetime, note
    text: str
    help: str = ""
    hint: str = ""  # "Tick one box.", "Write a whole number from 0 to 60."
    choices: tuple[PaperChoice, ...] = ()
    digits: int = 0  # number: how many digit boxes
    decimals: bool = False  # number: a box after a decimal point
    instruction: str = ""  # the condition before the question, as an instruction


@dataclass(frozen=True)
class PaperSection:
    id: str
    title: str
    intro: str
    instruction: str
    questions: tuple[PaperQuestion, ...]


@dataclass(frozen=True)
class PaperForm:
    title: str
    language: str
    study: str
    session: str
    description: str
    sections: tuple[PaperSection, ...]
    instrument: str  # "readiness-survey v1"

    @property
    def questions(self) -> tuple[PaperQuestion, ...]:
        return tuple(q for s in self.sections for q in s.questions)


# ---- numbering and conditions in words --------------------------------------------------------


def is_asked_on_paper(item: Item) -> bool:
    """True for an item the respondent answers on paper (not hidden, calculated or a note)."""
    return not item.hidden and item.type not in ("calculate", "note")


def question_numbers(instrument: Instrument) -> dict[str, int]:
    """Item id -> its number on the paper form, in the order of the sections."""
    numbers: dict[str, int] = {}
    for section in instrument.sections:
        for item_id in section.items:
            if is_asked_on_paper(instrument.item(item_id)):
                numbers[item_id] = len(numbers) + 1
    return numbers


def _quoted(text: Any) -> str:
    return f"\u201c{text}\u201d"


NEGATED = {"equals": "not_equals", "not_equals": "equals", "in": "not_in", "not_in": "in"}


class _Words:
    """A condition as words a respondent follows: "you answered “Yes” to question 4"."""

    def __init__(self, instrument: Instrument, numbers: dict[str, int]) -> None:
        self.instrument = instrument
        self.numbers = numbers

    def ref(self, item_id: str) -> str:
        if item_id in self.numbers:
            return f"question {self.numbers[item_id]}"
        try:
            return _quoted(self.instrument.item(item_id).text)
        except KeyError:
            return _quoted(item_id)

    def label(self, item_id: str, code: Any) -> str:
        try:
            item = self.instrument.item(item_id)
        except KeyError:
            return _quoted(code)
        for choice in choices_of(item):
            if str(choice.code) == str(code) or _same_number(choice.code, code):
                return _quoted(choice.label)
        return _quoted(code)

    def labels(self, item_id: str, codes: Sequence[Any]) -> str:
        return " or ".join(self.label(item_id, c) for c in codes)

    def __call__(self, condition: Condition, nested: bool = False) -> str:
        if isinstance(condition, Leaf):
            return self.leaf(condition)
        if isinstance(condition, Not):
            inner = condition.condition
            if isinstance(inner, Leaf) and inner.op in NEGATED:
                return self.leaf(Leaf(inner.item, NEGATED[inner.op], inner.value))
            if isinstance(inner, Leaf) and inner.op == "answered":
                return self.leaf(Leaf(inner.item, "answered", not inner.value))
            return f"it is not the case that {self(inner, True)}"
        if isinstance(condition, All | Any_):
            joiner = " and " if isinstance(condition, All) else " or "
            text = joiner.join(self(c, True) for c in condition.conditions)
            return f"({text})" if nested else text
        return str(condition)

    def leaf(self, leaf: Leaf) -> str:
        item, op, value = leaf.item, leaf.op, leaf.value
        calculated = self.calculated(leaf)
        if calculated:
            return calculated
        ref = self.ref(item)
        if op == "answered":
            return f"you answered {ref}" if value else f"you did not answer {ref}"
        if op in ("equals", "in"):
            codes = [value] if op == "equals" else list(value)
            return f"you answered {self.labels(item, codes)} to {ref}"
        if op in ("not_equals", "not_in"):
            codes = [value] if op == "not_equals" else list(value)
            return f"you did not answer {self.labels(item, codes)} to {ref}"
        if op == "selected":
            return f"you ticked {self.label(item, value)} in {ref}"
        compare = {
            "gt": "more than {}",
            "ge": "{} or more",
            "lt": "less than {}",
            "le": "{} or less",
        }
        return f"your answer to {ref} is {compare[op].format(value)}"

    def calculated(self, leaf: Leaf) -> str:
        """A condition on a calculated item, as the condition it stores (1: holds, 0: not)."""
        try:
            item = self.instrument.item(leaf.item)
        except KeyError:
            return ""
        if item.type != "calculate" or item.calculation is None:
            return ""
        if leaf.op not in ("equals", "not_equals") or str(leaf.value) not in ("0", "1"):
            return ""
        holds = (str(leaf.value) == "1") == (leaf.op == "equals")
        words = self(item.calculation, True)
        return words if holds else f"it is not the case that {words}"


def _same_number(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _span(first: int, last: int) -> str:
    return f"question {first}" if first == last else f"questions {first} to {last}"


def _instruction(words: str, first: int, last: int, after: int | None, what: str = "") -> str:
    answer = what or _span(first, last)
    otherwise = f"go to question {after}" if after else "you have finished the form"
    return f"If {words}, answer {answer}; otherwise {otherwise}."


# ---- the form's records -----------------------------------------------------------------------


def _choices(item: Item) -> tuple[PaperChoice, ...]:
    return tuple(PaperChoice(str(c.code), c.label) for c in choices_of(item))


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _number_parts(item: Item) -> tuple[int, bool, str]:
    """Digit boxes, whether a decimal box follows, and the hint."""
    whole = "a whole number" if item.integer else "a number"
    if item.minimum is not None and item.maximum is not None:
        hint = f"Write {whole} from {_plain(item.minimum)} to {_plain(item.maximum)}."
    elif item.minimum is not None:
        hint = f"Write {whole}, {_plain(item.minimum)} or more."
    elif item.maximum is not None:
        hint = f"Write {whole}, {_plain(item.maximum)} or less."
    else:
        hint = f"Write {whole}."
    digits = DIGITS_DEFAULT
    if item.maximum is not None:
        widest = max(abs(item.maximum), abs(item.minimum or 0))
        digits = max(1, len(str(int(widest))) + (1 if (item.minimum or 0) < 0 else 0))
    return digits, not item.integer, hint


KIND_OF_TYPE = {
    "single_choice": "tick",
    "yes_no": "tick",
    "true_false": "tick",
    "likert": "scale",
    "multiple_choice": "ticks",
    "number": "number",
    "text": "text",
    "date": "date",
    "month_year": "month_year",
    "time": "time",
    "datetime": "datetime",
    "note": "note",
}
HINTS = {
    "tick": "Tick one box.",
    "scale": "Tick one box.",
    "ticks": "Tick all that apply.",
    "date": "For example, 15 03 2027.",
    "month_year": "For example, 03 2027.",
    "time": "24-hour clock, for example 14 30.",
    "datetime": "The date, for example 15 03 2027, and the time on the 24-hour clock.",
}


def _question(item: Item, number: int | None) -> PaperQuestion:
    kind = KIND_OF_TYPE[item.type]
    digits, decimals, hint = (0, False, HINTS.get(kind, ""))
    if kind == "number":
        digits, decimals, hint = _number_parts(item)
    return PaperQuestion(
        number=number,
        id=item.id,
        kind=kind,
        text=item.text,
        help=item.help,
        hint=hint,
        choices=_choices(item) if kind in ("tick", "ticks", "scale") else (),
        digits=digits,
        decimals=decimals,
    )


def _runs(items: list[Item]) -> list[list[Item]]:
    """Consecutive items that share the same condition (None: no condition)."""
    runs: list[list[Item]] = []
    for item in items:
        if runs and runs[-1][0].show_if == item.show_if:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _next_number(numbers: dict[str, int], last: int) -> int | None:
    return last + 1 if last + 1 <= len(numbers) else None


def _section(section, instrument: Instrument, numbers: dict[str, int], words: _Words):
    printed = [
        instrument.item(i)
        for i in section.items
        if is_asked_on_paper(instrument.item(i)) or instrument.item(i).type == "note"
    ]
    questions: list[PaperQuestion] = []
    for run in _runs(printed):
        run_numbers = [numbers[i.id] for i in run if i.id in numbers]
        made = [_question(i, numbers.get(i.id)) for i in run]
        condition = run[0].show_if
        if condition is not None and run_numbers:
            first, last = run_numbers[0], run_numbers[-1]
            text = _instruction(words(condition), first, last, _next_number(numbers, last))
            made[0] = _with_instruction(made[0], text)
        questions.extend(made)
    asked = [numbers[i] for i in section.items if i in numbers]
    instruction = ""
    if section.show_if is not None and asked:
        first, last = asked[0], asked[-1]
        what = f"this section ({_span(first, last)})"
        instruction = _instruction(
            words(section.show_if), first, last, _next_number(numbers, last), what
        )
    return PaperSection(section.id, section.title, section.intro, instruction, tuple(questions))


def _with_instruction(question: PaperQuestion, text: str) -> PaperQuestion:
    from dataclasses import replace

    return replace(question, instruction=text)


def check_language(instrument: Instrument, language: str | None) -> str:
    """The language to print in (the default one when ``language`` is None); raise
    :class:`PaperFormError` naming the instrument's languages for one it does not hold."""
    if not language:
        return instrument.language
    if language not in instrument.languages:
        held = ", ".join(instrument.languages)
        raise PaperFormError(
            f"the instrument {instrument.id} has no language {language!r}. "
            f"Fix: choose one it holds: {held}."
        )
    return language


def build_paper_form(
    instrument: Instrument, *, language: str | None = None, study: str = "", session: str = ""
) -> PaperForm:
    """The form's records: sections and numbered questions with their instructions."""
    language = check_language(instrument, language)
    shown = instrument.in_language(language)
    numbers = question_numbers(shown)
    words = _Words(shown, numbers)
    sections = tuple(
        _section(s, shown, numbers, words)
        for s in shown.sections
        if any(is_asked_on_paper(shown.item(i)) or shown.item(i).type == "note" for i in s.items)
    )
    return PaperForm(
        title=shown.title,
        language=language,
        study=study,
        session=session,
        description=shown.description,
        sections=sections,
        instrument=f"{instrument.id} v{instrument.version}",
    )


# ---- HTML and PDF -----------------------------------------------------------------------------


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("readiness.instrument", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def paper_form_html(
    instrument: Instrument, *, language: str | None = None, study: str = "", session: str = ""
) -> str:
    """The paper form as one self-contained HTML document (inline CSS, nothing fetched)."""
    form = build_paper_form(instrument, language=language, study=study, session=session)
    return (
        _environment()
        .get_template("paperform.html.j2")
        .render(f=form, form_number=FORM_NUMBER_LABEL)
    )


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML document as PDF bytes: a tagged PDF/UA-1 document where
    WeasyPrint supports it (version 63 and later), an ordinary PDF before."""
    from readiness.report.pdf import data_only_fetcher, require_weasyprint

    require_weasyprint()
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=data_only_fetcher()).render()
    try:
        return document.write_pdf(pdf_variant=PDF_VARIANT)
    except (TypeError, ValueError):  # an older WeasyPrint without the variant
        return document.write_pdf()


def paper_form_pdf(
    instrument: Instrument, *, language: str | None = None, study: str = "", session: str = ""
) -> bytes:
    """The paper form as A4 PDF bytes (see :func:`paper_form_html`)."""
    return html_to_pdf(paper_form_html(instrument, language=language, study=study, session=session))


def write_paper_form(
    instrument: Instrument,
    path: str | Path,
    *,
    language: str | None = None,
    study: str = "",
    session: str = "",
) -> Path:
    """Write the paper form to ``path`` as a PDF, atomically (a failure leaves any earlier
    file whole)."""
    from readiness.tabular import atomic_write

    data = paper_form_pdf(instrument, language=language, study=study, session=session)
    out = Path(path)
    atomic_write(out, lambda tmp: Path(tmp).write_bytes(data))
    return out


# ---- the session's poster ---------------------------------------------------------------------


@dataclass(frozen=True)
class Poster:
    study: str
    session: str  # "Session T01-2026-03-02, 2 March 2026"
    link: str
    site: str  # the site (hospital, trust) the session is at
    qr_svg: str


def qr_svg(link: str) -> str:
    """The QR code of ``link`` as inline SVG (error correction M, as the session page's QR)."""
    import segno

    return segno.make(link, error="m").svg_inline(scale=1, border=0, omitsize=True)


def poster_html(study: str, session: str, link: str, site: str = "") -> str:
    """A session's A4 poster as self-contained HTML: the study, the session, a large QR code of
    ``link``, the link written out, "Your answers are anonymous" and the site."""
    if not link:
        raise PaperFormError("a poster needs the session's link. Fix: give the link.")
    poster = Poster(study, session, link, site, qr_svg(link))
    return _environment().get_template("poster.html.j2").render(p=poster)


def poster_pdf(study: str, session: str, link: str, site: str = "") -> bytes:
    """The poster (:func:`poster_html`) as one A4 page of PDF."""
    return html_to_pdf(poster_html(study, session, link, site))


__all__ = [
    "FORM_NUMBER_LABEL",
    "PaperForm",
    "PaperFormError",
    "PaperQuestion",
    "PaperSection",
    "build_paper_form",
    "check_language",
    "paper_form_html",
    "paper_form_pdf",
    "poster_html",
    "poster_pdf",
    "question_numbers",
    "write_paper_form",
]
