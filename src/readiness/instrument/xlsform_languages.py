"""The languages of an XLSForm: which columns hold which language, and which is the default.

A text column is ``label``, ``hint``, ``constraint_message`` or ``guidance_hint``, either
unlabelled or followed by a language: ``label::English (en)`` (a name and its tag in
parentheses, as ODK recommends) or ``label::English`` / ``label:English`` (a name only). The
default language is the one ``settings.default_language`` names, else the unlabelled columns',
else the first language in the survey sheet (with a warning, as ODK then shows that one first).

A language's tag is the one in parentheses; a name without a tag gets the tag of a common
language of that name (``English`` -> ``en``, ``Cymraeg`` or ``Welsh`` -> ``cy``), else the
private-use tag ``und-x-NAME`` (undetermined language, named), which is written back as the
name alone.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

TEXT_COLUMNS = ("label", "hint", "constraint_message", "guidance_hint")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")  # as load.py's
NAMED = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
PRIVATE = "und-x-"
# Names people write in XLSForm language columns, and their tags (ISO 639-1 where it has one).
COMMON = {
    "english": "en", "cymraeg": "cy", "welsh": "cy", "french": "fr", "français": "fr",
    "francais": "fr", "spanish": "es", "español": "es", "espanol": "es", "portuguese": "pt",
    "português": "pt", "portugues": "pt", "arabic": "ar", "العربية": "ar", "swahili": "sw",
    "kiswahili": "sw", "german": "de", "deutsch": "de", "italian": "it", "italiano": "it",
    "polish": "pl", "polski": "pl", "romanian": "ro", "română": "ro", "urdu": "ur",
    "bengali": "bn", "bangla": "bn", "hindi": "hi", "punjabi": "pa", "gujarati": "gu",
    "chinese": "zh", "russian": "ru", "ukrainian": "uk", "turkish": "tr", "somali": "so",
    "amharic": "am", "tigrinya": "ti", "vietnamese": "vi", "albanian": "sq", "gaelic": "gd",
    "gàidhlig": "gd", "irish": "ga", "gaeilge": "ga", "nepali": "ne", "hausa": "ha",
    "yoruba": "yo", "pashto": "ps", "farsi": "fa", "persian": "fa", "dari": "prs",
    "kurdish": "ku", "tigrigna": "ti", "lithuanian": "lt", "latvian": "lv", "bulgarian": "bg",
    "tagalog": "tl", "thai": "th", "malay": "ms", "indonesian": "id", "dutch": "nl",
}  # fmt: skip


@dataclass(frozen=True)
class Language:
    suffix: str  # as in the columns: "English (en)", "English", or "" (unlabelled)
    tag: str  # "en", "cy", "und-x-hausa"
    name: str  # "English"; "" when only a tag is known


def parse_language(suffix: str, taken: AbstractSet[str] = frozenset()) -> Language:
    """The language a column suffix names: ``English (en)`` -> (en, English)."""
    text = " ".join(suffix.split())
    match = NAMED.match(text)
    if match and LANGUAGE_TAG.match(match.group(2).strip()):
        return Language(suffix, match.group(2).strip(), match.group(1).strip())
    if text.lower() in COMMON:
        return Language(suffix, COMMON[text.lower()], text)
    if LANGUAGE_TAG.match(text) and len(text) <= 3 or ("-" in text and LANGUAGE_TAG.match(text)):
        return Language(suffix, text, "")
    slug = re.sub(r"[^a-z0-9]", "", text.lower())[:8] or "lang"
    tag, n = PRIVATE + slug, 2
    while tag in taken:
        tag, n = f"{PRIVATE}{slug[:6]}{n}", n + 1
    return Language(suffix, tag, text)


def column_suffix(tag: str, name: str) -> str:
    """The suffix to write a language's columns with (the inverse of :func:`parse_language`)."""
    if tag.startswith(PRIVATE) and name:
        return name
    return f"{name} ({tag})" if name else tag


def split_column(column: str) -> tuple[str, str | None]:
    """``label::English (en)`` -> (label, English (en)); ``label`` -> (label, "")."""
    base, sep, rest = column.partition("::")
    return (base, rest if sep else "") if base in TEXT_COLUMNS else (column, None)


def suffixes_in(headers: list[str]) -> list[str]:
    """The language suffixes of the text columns, in column order ("" for unlabelled)."""
    out: list[str] = []
    for column in headers:
        base, suffix = split_column(column)
        if suffix is not None and suffix not in out:
            out.append(suffix)
    return out


@dataclass
class Languages:
    """The languages of a form: the default first, then the others."""

    default: Language
    others: list[Language]
    settings_named: bool = False  # the default came from settings.default_language

    def text(self, cells: dict[str, str], base: str, language: Language) -> str:
        column = f"{base}::{language.suffix}" if language.suffix else base
        return cells.get(column, "")

    def default_text(self, cells: dict[str, str], base: str) -> str:
        return self.text(cells, base, self.default)

    def column(self, base: str) -> str:
        return f"{base}::{self.default.suffix}" if self.default.suffix else base


def find_languages(
    survey_headers: list[str], choice_headers: list[str], default_setting: str, fallback: str
) -> tuple[Languages, str | None]:
    """The form's languages and, when the default had to be guessed, a warning saying so.

    ``fallback``: the tag of the unlabelled columns' language when nothing names it (the
    ``language`` a Readiness export records, else en-GB)."""
    suffixes = suffixes_in(survey_headers)
    for suffix in suffixes_in(choice_headers):
        if suffix not in suffixes:
            suffixes.append(suffix)
    warning = None
    setting = " ".join(default_setting.split())
    by_lower = {s.lower(): s for s in suffixes}
    if setting and setting.lower() in by_lower:
        chosen = by_lower[setting.lower()]
    elif setting and "" in suffixes:
        chosen = ""  # pyxform: the unlabelled columns are in the default language
    elif "" in suffixes or not suffixes:
        chosen, setting = "", ""
    else:
        chosen = suffixes[0]
        if len(suffixes) > 1 or setting:
            why = (
                f"default_language '{setting}' names none of the form's languages"
                if setting
                else "no default_language in the settings and no unlabelled label column"
            )
            warning = f"{why}: '{chosen}' (the first) is taken as the default language."
        setting = ""
    if chosen or setting:
        default = parse_language(chosen or setting)
        default = Language(chosen, default.tag, default.name)
    else:
        default = Language("", fallback, "")
    taken = {default.tag}
    others = []
    for suffix in suffixes:
        if suffix == chosen:
            continue
        language = parse_language(suffix, taken)
        taken.add(language.tag)
        others.append(language)
    return Languages(default, others, bool(setting)), warning
