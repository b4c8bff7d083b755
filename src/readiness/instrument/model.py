"""The instrument model: items, sections, scales and indicators, as frozen dataclasses.

An instrument is data (YAML); :mod:`readiness.instrument.load` validates that data and builds
these objects.  Standard codes, fixed so that every tool reading our data agrees:

* ``yes_no``: 1 = Yes, 0 = No (as REDCap's yesno field);
* ``true_false`` (true / false / don't know, with an answer key): 1 = True, 0 = False,
  8 = Don't know; scored 1 when the answer matches the key, 0 when it does not or is
  "don't know" (a "don't know" is an answer, not a missing value);
* ``likert``: points coded 1..k from the lowest to the highest unless codes are given;
* ``multiple_choice``: the selected codes, space separated ("1 3"), as XLSForm stores them;
* ``month_year``: text ``YYYY-MM``;
* ``date``, ``time``, ``datetime``: ISO 8601 text (``2024-03-15``, ``14:30``,
  ``2024-03-15T14:30``), as XLSForm and REDCap's ``date_ymd`` store them;
* ``note``: text shown to the respondent, holding no answer (no column in the data);
* ``calculate``: not asked; 1 when its ``calculation`` (a condition) holds, else 0.

An instrument may hold several languages: ``language`` is the default one (whose texts are the
items' own), and ``translations`` holds the others, keyed by language tag (``cy``, ``fr``).
:meth:`Instrument.in_language` gives the instrument as a respondent of that language sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from readiness.instrument.conditions import Condition

ITEM_TYPES = (
    "single_choice",
    "multiple_choice",
    "likert",
    "true_false",
    "yes_no",
    "number",
    "text",
    "month_year",
    "date",
    "time",
    "datetime",
    "note",
    "calculate",
)
DATE_TYPES = ("date", "time", "datetime")
# Types that are never answered by the respondent: notes hold nothing, calculations are derived.
UNASKED_TYPES = ("note", "calculate")
CHOICE_TYPES = ("single_choice", "multiple_choice", "likert")
SCORABLE_TYPES = ("likert", "true_false", "yes_no")

YES_NO_CHOICES = ((1, "Yes"), (0, "No"))
TRUE = 1
FALSE = 0
DONT_KNOW = 8
TRUE_FALSE_CHOICES = ((TRUE, "True"), (FALSE, "False"), (DONT_KNOW, "Don't know"))

# The columns a response file may hold beside the items.
META_COLUMNS = (
    "response_id",
    "instrument_id",
    "instrument_version",
    "session",
    "completed_on",
    "synthetic",
    "wave",  # a training evaluation's wave: pre, post or follow_up (empty otherwise)
    "link",  # the anonymous linkage id: the same id in two waves is the same person
    "source",  # how the response came: web, paper, import, demo (an import: as first given)
)


def web_link(url: object) -> str:
    """``url`` if it is an http or https address with a host, else "": the only links an
    instrument's sources may give (a ``javascript:`` or ``data:`` address is never a link)."""
    from urllib.parse import urlsplit

    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


@dataclass(frozen=True)
class Choice:
    code: int | str
    label: str


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    text: str
    section: str
    choices: tuple[Choice, ...] = ()
    required: bool = False
    show_if: Condition | None = None
    hidden: bool = False  # filled by the collection (e.g. the site of a session link), not asked
    help: str = ""
    key: bool | None = None  # true_false: the correct answer
    explanation: str = ""  # true_false: one sentence of feedback
    source: str = ""  # key into Instrument.sources
    minimum: float | None = None  # number
    maximum: float | None = None  # number
    integer: bool = False  # number
    choice_set: str | None = None  # the named set the choices came from, kept for round trips
    appearance: str = ""  # how to show it: "dropdown", "slider", "autocomplete" (XLSForm's words)
    constraint_message: str = ""  # shown when an answer is out of range (min/max)
    calculation: Condition | None = None  # calculate: the condition whose truth is stored (1/0)

    @property
    def holds_data(self) -> bool:
        """True when the item is a column of the data (every type but ``note``)."""
        return self.type != "note"

    @property
    def codes(self) -> tuple[int | str, ...]:
        return tuple(c.code for c in self.choices)

    def label_for(self, code: Any) -> str | None:
        from readiness.instrument.conditions import same_code

        for choice in self.choices:
            if same_code(choice.code, code):
                return choice.label
        return None

    @property
    def numeric_codes(self) -> bool:
        return all(isinstance(c.code, int) for c in self.choices)

    @property
    def point_range(self) -> tuple[float, float]:
        """Lowest and highest scored value (reverse keying maps x to lo + hi - x)."""
        if self.type == "likert":
            codes = [float(c) for c in self.codes]
            return min(codes), max(codes)
        return 0.0, 1.0


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str = ""
    items: tuple[str, ...] = ()
    show_if: Condition | None = None
    # The REDCap form (instrument) the section was read from: sections of one form are written
    # back as section headers within it; "" is the instrument's own single form.
    form: str = ""
    # False for the questions an XLSForm holds outside any group: written back without a
    # group, so that ODK's data paths (/data/NAME) do not change.
    group: bool = True


@dataclass(frozen=True)
class Scale:
    id: str
    label: str
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    scoring: str = "mean"  # "mean" or "sum"
    min_answered: int | None = None  # default: every item
    description: str = ""

    @property
    def required_answers(self) -> int:
        return len(self.items) if self.min_answered is None else self.min_answered


@dataclass(frozen=True)
class Rule:
    """Which values of an item or scale count towards an indicator.

    ``kind`` is one of ``in`` (codes), ``bottom`` / ``top`` (the lowest / highest k points of a
    Likert item), ``correct`` / ``incorrect`` (true_false items against their key; "don't know"
    is incorrect), ``selected`` (a code of a multiple choice), or a comparison ``gt``, ``ge``,
    ``lt``, ``le`` with a number (numbers and scale scores).
    """

    kind: str
    value: Any = None

    def to_data(self) -> dict:
        return {self.kind: self.value}


@dataclass(frozen=True)
class PublishedFigure:
    """A figure printed in a publication, kept beside the indicator it corresponds to."""

    percent: float
    count: int | None = None
    denominator: int | None = None
    where: Condition | None = None  # a subgroup, e.g. {item: discipline, equals: 2}
    source: str = ""


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    rule: Rule
    item: str | None = None
    scale: str | None = None
    missing: str = "exclude"  # "exclude": denominator is those who answered; "negative": all
    published: tuple[PublishedFigure, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Predictor:
    """A predictor of the declared regression: an item, the term's name in the model (the
    item's id unless given) and how the report names it (from its type unless given)."""

    item: str
    term: str = ""
    label: str = ""

    @property
    def name(self) -> str:
        return self.term or self.item


@dataclass(frozen=True)
class RegressionPlan:
    """A logistic regression of a yes/no ``outcome`` on ``predictors`` (choice items as
    factors, yes/no items as yes versus no, numbers and Likert points per unit)."""

    outcome: str
    predictors: tuple[Predictor, ...]


@dataclass(frozen=True)
class AnalysisPlan:
    """The instrument's ``analysis:`` block: the items summarised as respondent
    characteristics, the item figures are broken down by, and the regression.  Empty (as an
    imported XLSForm or REDCap instrument has it) means the analysis's defaults."""

    characteristics: tuple[str, ...] = ()
    group_by: str = ""
    regression: RegressionPlan | None = None

    @property
    def empty(self) -> bool:
        return not (self.characteristics or self.group_by or self.regression)


# Languages by their names in themselves, for a language an instrument does not name: those
# most asked for in UK health services.  A short table of our own (no dependency holds only
# this; Babel's locale data is 30 MB for it).
OWN_NAMES = {
    "en": "English",
    "cy": "Cymraeg",
    "gd": "Gàidhlig",
    "ga": "Gaeilge",
    "fr": "Français",
    "es": "Español",
    "pt": "Português",
    "pl": "Polski",
    "ro": "Română",
    "lt": "Lietuvių",
    "ar": "العربية",
    "ur": "اردو",
    "pa": "ਪੰਜਾਬੀ",
    "bn": "বাংলা",
    "gu": "ગુજરાતી",
    "so": "Soomaali",
    "ti": "ትግርኛ",
    "fa": "فارسی",
    "zh": "中文",
    "vi": "Tiếng Việt",
    "sq": "Shqip",
    "uk": "Українська",
    "ru": "Русский",
}


@dataclass(frozen=True)
class ItemText:
    """An item's texts in one more language; an empty text falls back to the default language."""

    text: str = ""
    help: str = ""
    explanation: str = ""
    constraint_message: str = ""
    choices: dict[str, str] = field(default_factory=dict)  # str(code) -> label


@dataclass(frozen=True)
class SectionText:
    title: str = ""
    intro: str = ""


@dataclass(frozen=True)
class Translation:
    """Every text of an instrument in one more language (keyed by item and section id)."""

    language: str  # the tag: "cy", "fr", "pt-BR"
    name: str = ""  # as shown to respondents choosing it: "Cymraeg"
    # Who has still to review it ("" = reviewed): a draft is marked so on every page it shows on.
    review: str = ""
    title: str = ""
    description: str = ""
    notice: str = ""
    sections: dict[str, SectionText] = field(default_factory=dict)
    items: dict[str, ItemText] = field(default_factory=dict)


def _pick(translated: str, default: str) -> str:
    return translated or default


def _translated_item(item: Item, text: ItemText | None) -> Item:
    if text is None:
        return item
    choices = tuple(
        Choice(c.code, _pick(text.choices.get(str(c.code), ""), c.label)) for c in item.choices
    )
    return replace(
        item,
        text=_pick(text.text, item.text),
        help=_pick(text.help, item.help),
        explanation=_pick(text.explanation, item.explanation),
        constraint_message=_pick(text.constraint_message, item.constraint_message),
        choices=choices,
    )


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: str
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    description: str = ""
    notice: str = ""
    language: str = "en-GB"
    language_name: str = ""  # the default language as shown to respondents: "English"
    translations: dict[str, Translation] = field(default_factory=dict)
    # The name of REDCap's record identifier (a dictionary's first field) when the instrument was
    # read from one, kept so that writing it back names it again; not an item ("" = record_id).
    record_id: str = ""
    sources: dict[str, dict] = field(default_factory=dict)
    choice_sets: dict[str, tuple[Choice, ...]] = field(default_factory=dict)
    path: str | None = None
    analysis: AnalysisPlan = field(default_factory=AnalysisPlan)  # the `analysis:` block

    def item(self, item_id: str) -> Item:
        # An index built on first use (the instrument is immutable): the web application looks
        # items up hundreds of times per answer page.
        index = self.__dict__.get("_item_index")
        if index is None:
            index = {item.id: item for item in self.items}
            object.__setattr__(self, "_item_index", index)
        try:
            return index[item_id]
        except KeyError:
            raise KeyError(item_id) from None

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the instrument holds, the default first."""
        return (self.language, *self.translations)

    def language_label(self, language: str) -> str:
        """The name a respondent chooses the language by: the instrument's own name for it, else
        the language's name in itself for a common tag (``en-GB``: English), else the tag."""
        if language == self.language:
            named = self.language_name
        else:
            translation = self.translations.get(language)
            named = translation.name if translation else ""
        return named or OWN_NAMES.get(language.split("-")[0].lower(), language)

    def in_language(self, language: str) -> Instrument:
        """The instrument as seen in ``language``: every text translated where a translation
        exists, the default language's text where not. Codes, ids and logic are unchanged."""
        if language == self.language or language not in self.translations:
            return self
        tr = self.translations[language]
        sections = tuple(
            replace(
                s,
                title=_pick(tr.sections.get(s.id, SectionText()).title, s.title),
                intro=_pick(tr.sections.get(s.id, SectionText()).intro, s.intro),
            )
            for s in self.sections
        )
        items = tuple(_translated_item(i, tr.items.get(i.id)) for i in self.items)
        return replace(
            self,
            title=_pick(tr.title, self.title),
            description=_pick(tr.description, self.description),
            notice=_pick(tr.notice, self.notice),
            language=language,
            language_name=tr.name,
            translations={},
            sections=sections,
            items=items,
        )

    @property
    def data_items(self) -> tuple[Item, ...]:
        """The items that are columns of the data (notes hold none)."""
        return tuple(item for item in self.items if item.holds_data)

    def scale(self, scale_id: str) -> Scale:
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(scale_id)

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    @property
    def item_ids(self) -> tuple[str, ...]:
        ids = self.__dict__.get("_item_ids")
        if ids is None:
            ids = tuple(item.id for item in self.items)
            object.__setattr__(self, "_item_ids", ids)
        return ids

    def section_of(self, item_id: str) -> Section:
        for section in self.sections:
            if item_id in section.items:
                return section
        raise KeyError(item_id)


def choices_of(item: Item) -> tuple[Choice, ...]:
    """The item's choices; yes/no and true/false keep their fixed codes, with the labels the
    instrument gives them (in the respondent's language) when it gives any.  A calculate
    item's 1 and 0 are "Yes" (its condition holds) and "No"."""
    if item.type == "calculate":
        return tuple(Choice(c, label) for c, label in YES_NO_CHOICES)
    if item.choices:
        return item.choices
    if item.type == "yes_no":
        return tuple(Choice(c, label) for c, label in YES_NO_CHOICES)
    if item.type == "true_false":
        return tuple(Choice(c, label) for c, label in TRUE_FALSE_CHOICES)
    return item.choices
