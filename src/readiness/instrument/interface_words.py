"""The respondent pages' own words (buttons, headings, hints and error messages) in the other
languages Readiness has them in: Welsh (``cy``) for now.

The instrument's texts are the instrument's (its ``translations:`` block); these are the
service's, the same for every instrument. Each language's words are keyed by the English
words, with ``{name}`` where a value goes; :func:`say` finds them, and gives the English back
for a language or a text it does not have. The error messages of
:mod:`readiness.instrument.answers` that carry a number are matched by pattern.

A language's words carry a ``review`` note, like a translation's (:class:`Translation`): who
has still to review them. Pages in that language say that their words await review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Words:
    language: str
    review: str  # who has still to review them ("" = reviewed)
    # a short notice for respondents, in the language and in English, while ``review`` is set
    notice: str = ""
    notice_en: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()


_WELSH_TEXTS = {
    # every page
    "There is a problem": "Mae problem",
    "Language / Iaith": "Iaith / Language",
    # the start page
    "Before you start": "Cyn i chi ddechrau",
    "The survey is anonymous: it does not ask for your name or contact details, and your "
    "computer's address is never stored with your answers.": "Mae'r arolwg yn ddienw: nid yw'n "
    "gofyn am eich enw na'ch manylion cyswllt, ac nid yw cyfeiriad eich cyfrifiadur byth yn cael "
    "ei gadw gyda'ch atebion.",
    "Your answers are saved after each page. You can stop and carry on later with a code we "
    "give you.": "Mae eich atebion yn cael eu cadw ar ôl pob tudalen. Gallwch stopio a pharhau "
    "rywbryd eto gyda chod y byddwn ni'n ei roi i chi.",
    'You can leave out any question you do not want to answer, except those marked "(required)".': (
        "Gallwch adael allan unrhyw gwestiwn nad ydych chi am ei ateb, heblaw'r rhai sydd wedi'u "
        'marcio "(gofynnol)".'
    ),
    "Taking part": "Cymryd rhan",
    "I have read the information above and agree to take part": "Rwyf wedi darllen yr "
    "wybodaeth uchod ac rwy'n cytuno i gymryd rhan",
    "Confirm that you have read the information and agree to take part": "Cadarnhewch eich bod "
    "wedi darllen yr wybodaeth a'ch bod yn cytuno i gymryd rhan",
    "Start the survey": "Dechrau'r arolwg",
    "Start the follow-up questions": "Dechrau'r cwestiynau dilynol",
    "Follow-up": "Dilynol",
    "Continue a survey you have already started": "Parhau ag arolwg rydych chi eisoes wedi'i "
    "ddechrau",
    "Demonstration study.": "Astudiaeth enghreifftiol.",
    "Answers given here are mixed with synthetic data.": "Mae'r atebion a roddir yma yn cael eu "
    "cymysgu â data synthetig.",
    # a page of questions
    "Page {number} of {total}": "Tudalen {number} o {total}",
    "{number} of {total}": "{number} o {total}",
    "{wave}: page {number} of {total}": "{wave}: tudalen {number} o {total}",
    "of the survey": "o'r arolwg",
    "Your answers are saved each time you continue. To carry on later, use your resume code": (
        "Mae eich atebion yn cael eu cadw bob tro y byddwch chi'n parhau. I barhau rywbryd eto, "
        "defnyddiwch eich cod ailddechrau"
    ),
    "Save and continue": "Cadw a pharhau",
    "Save and finish later": "Cadw a gorffen wedyn",
    "(required)": "(gofynnol)",
    "Answer only if it applies to you.": "Atebwch dim ond os yw'n berthnasol i chi.",
    "Choose an answer": "Dewiswch ateb",
    "Day": "Diwrnod",
    "Month": "Mis",
    "Year": "Blwyddyn",
    "Time": "Amser",
    "For example, 3 2019": "Er enghraifft, 3 2019",
    "For example, 14:30": "Er enghraifft, 14:30",
    "For example, 15 3 2024": "Er enghraifft, 15 3 2024",
    "For example, 15 3 2024, 14:30": "Er enghraifft, 15 3 2024, 14:30",
    # what a question left wrong says (readiness.instrument.answers)
    "Select at least one option": "Dewiswch o leiaf un opsiwn",
    "Select an answer": "Dewiswch ateb",
    "Enter the month and year": "Rhowch y mis a'r flwyddyn",
    "Enter the date": "Rhowch y dyddiad",
    "Enter the time": "Rhowch yr amser",
    "Enter the date and time": "Rhowch y dyddiad a'r amser",
    "Enter a number": "Rhowch rif",
    "Enter a whole number": "Rhowch rif cyfan",
    "Enter your answer": "Rhowch eich ateb",
    "Select one of the answers": "Dewiswch un o'r atebion",
    "Select from the options given": "Dewiswch o'r opsiynau sydd wedi'u rhoi",
    "The date must include a day": "Rhaid i'r dyddiad gynnwys diwrnod",
    "The date must include a month": "Rhaid i'r dyddiad gynnwys mis",
    "The date must include a year": "Rhaid i'r dyddiad gynnwys blwyddyn",
    "Month must be a number from 1 to 12": "Rhaid i'r mis fod yn rhif o 1 i 12",
    "Year must include 4 numbers": "Rhaid i'r flwyddyn gynnwys 4 rhif",
    "The date must be in the past": "Rhaid i'r dyddiad fod yn y gorffennol",
    "The date and time must include a time": "Rhaid i'r dyddiad a'r amser gynnwys amser",
    "Enter a time on the 24-hour clock, for example 14:30": "Rhowch amser ar y cloc 24 awr, er "
    "enghraifft 14:30",
    "The date must be a real date, for example 15 3 2024": "Rhaid i'r dyddiad fod yn ddyddiad "
    "go iawn, er enghraifft 15 3 2024",
    # the check page
    "Submit your answers": "Cyflwyno eich atebion",
    "You have answered {answered} of the {shown} questions you were asked.": "Rydych chi wedi "
    "ateb {answered} o'r {shown} cwestiwn a ofynnwyd i chi.",
    "You can go back to change any answer. Once you submit, your answers cannot be changed, and "
    "they cannot be traced back to you.": "Gallwch fynd yn ôl i newid unrhyw ateb. Ar ôl i chi "
    "gyflwyno, does dim modd newid eich atebion, a does dim modd eu holrhain yn ôl atoch chi.",
    "Change": "Newid",
    "Not answered": "Heb ei ateb",
    "Submit my answers": "Cyflwyno fy atebion",
    # saved, and continuing with a resume code
    "Your answers are saved": "Mae eich atebion wedi cael eu cadw",
    "To carry on later, go to the survey's link again, choose \"Continue a survey you have "
    'already started" and enter this code:': "I barhau rywbryd eto, ewch i ddolen yr arolwg "
    'eto, dewiswch "Parhau ag arolwg rydych chi eisoes wedi\'i ddechrau" a rhowch y cod hwn:',
    "(the code you were given when you started)": "(y cod a gawsoch chi pan ddechreuoch chi)",
    "Write it down or take a photo of it. Anyone with the code can see and change your "
    "unsubmitted answers; nothing else links them to you.": "Ysgrifennwch ef neu tynnwch "
    "lun ohono. Gall unrhyw un sydd â'r cod weld a newid yr atebion nad ydych chi wedi'u "
    "cyflwyno; does dim byd arall yn eu cysylltu â chi.",
    "Unsubmitted answers are deleted {days} days after they were last saved.": "Mae atebion "
    "sydd heb eu cyflwyno yn cael eu dileu {days} diwrnod ar ôl iddyn nhw gael eu cadw "
    "ddiwethaf.",
    "On a shared computer, close the browser when you have finished: until then it can carry "
    "on these answers without the code.": "Ar gyfrifiadur sy'n cael ei rannu, caewch y porwr "
    "pan fyddwch chi wedi gorffen: tan hynny, mae modd parhau â'r atebion hyn arno heb y cod.",
    "Carry on now": "Parhau nawr",
    "Continue a survey": "Parhau ag arolwg",
    "Enter the resume code you were given, for example ACDE-FGHJ-KMNP": "Rhowch y cod "
    "ailddechrau a gawsoch chi, er enghraifft ACDE-FGHJ-KMNP",
    "Continue": "Parhau",
    "Enter your resume code": "Rhowch eich cod ailddechrau",
    "No answers in progress match this code. Check it against the code you were given (for "
    "example ACDE-FGHJ-KMNP). A code stops working once its answers are submitted, or after "
    "{days} days: then start the survey again from the link or QR code of your session": (
        "Does dim atebion ar y gweill yn cyfateb i'r cod hwn. Gwiriwch ef yn erbyn y cod a "
        "gawsoch chi (er enghraifft ACDE-FGHJ-KMNP). Mae cod yn stopio gweithio pan fydd ei "
        "atebion wedi cael eu cyflwyno, neu ar ôl {days} diwrnod: yna dechreuwch yr arolwg eto "
        "o ddolen neu god QR eich sesiwn"
    ),
    # the thanks page and the knowledge feedback
    "Thank you": "Diolch",
    "Your answers have been submitted.": "Mae eich atebion wedi cael eu cyflwyno.",
    "Your answers from before the session have been submitted.": "Mae'r atebion a roesoch chi "
    "cyn y sesiwn wedi cael eu cyflwyno.",
    "Your answers are anonymous and are counted with everyone else's at {study}.": "Mae eich "
    "atebion yn ddienw ac yn cael eu cyfrif gydag atebion pawb arall yn {study}.",
    "How you did on the knowledge statements": "Sut aeth hi gyda'r datganiadau gwybodaeth",
    "You got {score} of {out_of} right.": "Cawsoch chi {score} o {out_of} yn gywir.",
    "You were not sure about {count}.": "Doeddech chi ddim yn siŵr am {count}.",
    "Below is each statement with its answer, why, and where that comes from.": "Isod mae "
    "pob datganiad gyda'i ateb, y rheswm, ac o ble mae hynny'n dod.",
    "Below is each statement with its answer, why, and where that comes from, then what to do "
    "if you think someone has been trafficked.": "Isod mae pob datganiad gyda'i ateb, y rheswm, "
    "ac o ble mae hynny'n dod, ac yna beth i'w wneud os ydych chi'n meddwl bod rhywun wedi cael "
    "ei fasnachu.",
    "This page is not stored with your answers and is not kept by your browser. To keep a copy, "
    "print it or save it as a PDF now.": "Dydy'r dudalen hon ddim yn cael ei chadw gyda'ch "
    "atebion na chan eich porwr. I gadw copi, argraffwch hi neu ei chadw fel PDF nawr.",
    "Print this page": "Argraffu'r dudalen hon",
    "Right": "Cywir",
    "Not right": "Ddim yn gywir",
    "Not sure": "Ddim yn siŵr",
    "You answered: {given}.": "Eich ateb: {given}.",
    "The answer is:": "Yr ateb yw:",
    "Here is the answer:": "Dyma'r ateb:",
    "You can now close this page.": "Gallwch chi gau'r dudalen hon nawr.",
}

_NUMBER = r"(-?[0-9][0-9.]*)"
_WELSH_PATTERNS = (
    # a month and year as the check page gives it ("March 2019")
    (re.compile(r"^January ([0-9]{4})$"), r"Ionawr \1"),
    (re.compile(r"^February ([0-9]{4})$"), r"Chwefror \1"),
    (re.compile(r"^March ([0-9]{4})$"), r"Mawrth \1"),
    (re.compile(r"^April ([0-9]{4})$"), r"Ebrill \1"),
    (re.compile(r"^May ([0-9]{4})$"), r"Mai \1"),
    (re.compile(r"^June ([0-9]{4})$"), r"Mehefin \1"),
    (re.compile(r"^July ([0-9]{4})$"), r"Gorffennaf \1"),
    (re.compile(r"^August ([0-9]{4})$"), r"Awst \1"),
    (re.compile(r"^September ([0-9]{4})$"), r"Medi \1"),
    (re.compile(r"^October ([0-9]{4})$"), r"Hydref \1"),
    (re.compile(r"^November ([0-9]{4})$"), r"Tachwedd \1"),
    (re.compile(r"^December ([0-9]{4})$"), r"Rhagfyr \1"),
    (
        re.compile(rf"^Enter a whole number between {_NUMBER} and {_NUMBER}$"),
        r"Rhowch rif cyfan rhwng \1 a \2",
    ),
    (re.compile(rf"^Enter a number between {_NUMBER} and {_NUMBER}$"), r"Rhowch rif rhwng \1 a \2"),
    (re.compile(rf"^Enter a whole number of {_NUMBER} or more$"), r"Rhowch rif cyfan o \1 neu fwy"),
    (re.compile(rf"^Enter a number of {_NUMBER} or more$"), r"Rhowch rif o \1 neu fwy"),
    (re.compile(rf"^Enter a whole number of {_NUMBER} or less$"), r"Rhowch rif cyfan o \1 neu lai"),
    (re.compile(rf"^Enter a number of {_NUMBER} or less$"), r"Rhowch rif o \1 neu lai"),
    (
        re.compile(r"^Your answer must be ([0-9]+) characters or fewer$"),
        r"Rhaid i'ch ateb fod yn \1 nod neu lai",
    ),
)

WELSH = Words(
    language="cy",
    review=(
        "Machine-assisted draft written for Readiness; to be reviewed by a Welsh speaker "
        "before use."
    ),
    notice=(
        "Drafft yw'r Gymraeg ar y tudalennau hyn, ac mae'n aros i gael ei hadolygu gan "
        "siaradwr Cymraeg. Diolch am eich amynedd."
    ),
    notice_en=(
        "The Welsh on these pages is a draft, awaiting review by a Welsh speaker. Thank you "
        "for your patience."
    ),
    texts=_WELSH_TEXTS,
    patterns=_WELSH_PATTERNS,
)

LANGUAGES: dict[str, Words] = {"cy": WELSH}


def words_for(language: str) -> Words | None:
    """The service's words in ``language`` (``cy``, ``cy-GB``), or None when it has none."""
    return LANGUAGES.get(language.split("-")[0].split("_")[0].lower()) if language else None


def say(text: str, language: str, **values: object) -> str:
    """``text`` in ``language`` with ``values`` put in; the English when it has no words."""
    words = words_for(language)
    said = words.texts.get(text) if words else None
    if said is None and words is not None:
        for pattern, replacement in words.patterns:
            if pattern.match(text):
                said = pattern.sub(replacement, text)
                break
    said = text if said is None else said
    return said.format(**values) if values else said


def has_words(text: str, language: str) -> bool:
    """Whether ``text`` is in ``language``'s words (tests check every text a page uses)."""
    words = words_for(language)
    if words is None:
        return False
    return text in words.texts or any(p.match(text) for p, _ in words.patterns)
