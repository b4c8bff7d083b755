"""A trust's own contacts: the numbers the guide and the printed cards tell staff to ring.

The guide ships the slots (``local-slots.yaml``: the safeguarding team, the local authority's
front door, ...); each trust keeps its own file, outside the package::

    contacts:
      safeguarding_team:
        value: "0115 000 0000 (extension 1234)"
        label: optional, replaces the slot's label
        last_checked: 2026-12-01
        checked_by: A. Person
        review_by: 2027-06-01     # optional; default last_checked + 6 months
        test_call: 2026-12-01     # optional: the date someone rang it

:func:`load_local` reads it and names every problem with its file, line and field;
:func:`check_local` says which required contacts for a nation are empty or past their review
date, and which printed cards would carry them; :func:`set_contact` records a re-check, writing
the file atomically so that a failed write never leaves half a file.  Comments in the file are
not kept when it is rewritten.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from readiness.errors import GuideError, Problem
from readiness.guide.facts import Use, graph_uses, is_due
from readiness.guide.model import NATIONS, REVIEW_MONTHS, Content, Slot, add_months
from readiness.guide.present import nhs_date
from readiness.instrument.yamlio import LineMap, dump_yaml, load_yaml

FIELDS = ("value", "label", "last_checked", "checked_by", "review_by", "test_call")
REVIEW = REVIEW_MONTHS["local"]
HEADER = (
    "# Local contacts for the response guide: the numbers staff are told to ring.\n"
    "# Update an entry with: readiness guide local set SLOT VALUE --local FILE --checked-by NAME\n"
)


@dataclass(frozen=True)
class LocalContact:
    """One filled (or deliberately empty) slot of a trust's contacts file."""

    slot: str
    value: str
    label: str
    last_checked: dt.date | None
    checked_by: str
    review_by: dt.date | None
    test_call: dt.date | None = None
    line: int | None = field(default=None, compare=False)
    review_line: int | None = field(default=None, compare=False)

    @property
    def filled(self) -> bool:
        return bool(self.value)

    def overdue(self, as_of: dt.date) -> bool:
        return self.review_by is not None and self.review_by < as_of

    def to_dict(self) -> dict:
        def iso(day: dt.date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "slot": self.slot,
            "label": self.label,
            "value": self.value,
            "last_checked": iso(self.last_checked),
            "checked_by": self.checked_by,
            "review_by": iso(self.review_by),
            "test_call": iso(self.test_call),
        }


@dataclass(frozen=True)
class LocalContacts:
    """A trust's contacts file as read: contacts by slot id, in the file's order."""

    path: str
    contacts: Mapping[str, LocalContact]

    def get(self, slot: str) -> LocalContact | None:
        return self.contacts.get(slot)

    @property
    def file(self) -> str:
        return Path(self.path).name


# -- reading ------------------------------------------------------------------------------------


def _read(path: Path, name: str | None = None) -> tuple[Any, LineMap]:
    """The file at ``path``, parsed; problems name it ``name`` (default: its own name)."""
    name = name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise GuideError(
            [
                Problem(
                    f"cannot be read ({err.strerror}).",
                    "Give the path of the trust's contacts file.",
                    file=name,
                )
            ],
            file=name,
        ) from None
    return _parse_yaml(text, name)


def _parse_yaml(text: str, file: str) -> tuple[Any, LineMap]:
    try:
        return load_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = Problem(
            f"is not valid YAML: {getattr(err, 'problem', err)}.",
            "Correct the YAML syntax at that line.",
            file=file,
            line=mark.line + 1 if mark else None,
        )
        raise GuideError([problem], file=file) from None


def control_character(text: str) -> str:
    """The first line break, tab or other control character in ``text``, or ""."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return char
    return ""


def _one_line_problem(field_name: str, char: str) -> tuple[str, str]:
    """(message, fix) for a field holding ``char``: the cards and pages print one line."""
    what = "a line break" if char in "\r\n\x85\u2028\u2029" else "a control character"
    return (
        f"{field_name} has {what} (U+{ord(char):04X}).",
        f"Give {field_name} on one line, without line breaks, tabs or other control characters.",
    )


class _Parser:
    def __init__(self, file: str, lines: LineMap, slots: Mapping[str, Slot] | None):
        self.file, self.lines, self.slots = file, lines, slots
        self.problems: list[Problem] = []

    def fail(self, path: tuple, message: str, fix: str) -> None:
        self.problems.append(
            Problem(
                message,
                fix,
                file=self.file,
                line=self.lines.line(path),
                column=".".join(str(p) for p in path) or None,
            )
        )

    def date(self, raw: dict, key: str, path: tuple) -> dt.date | None:
        value = raw.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(path + (key,), f"'{key}' is '{value}', not a date.", "Write YYYY-MM-DD.")
            return None

    def text(self, raw: dict, key: str, path: tuple) -> str:
        value = raw.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str):
            if key == "value":
                self.fail(
                    path + (key,),
                    f"'value' was read as {value!r}, not as text: a number written bare loses "
                    "its leading zero.",
                    'Put the value in quotes, for example value: "0115 000 0000".',
                )
            else:
                self.fail(path + (key,), f"'{key}' must be text.", f"Write '{key}' as text.")
            return ""
        value = value.strip()
        bad = control_character(value)
        if bad:  # reported once: the value is kept so that it is not also called missing
            self.fail(path + (key,), *_one_line_problem(f"'{key}'", bad))
        return value

    def contact(self, slot_id: str, raw: Any, path: tuple) -> LocalContact:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.fail(path, f"'{slot_id}' must be a mapping.", "Give it value, last_checked ...")
            raw = {}
        for key in raw:
            if key not in FIELDS:
                self.fail(
                    path + (key,),
                    f"'{key}' is not a field of a contact.",
                    f"Use {', '.join(FIELDS[:-1])} or {FIELDS[-1]}.",
                )
        value = self.text(raw, "value", path)
        checked = self.date(raw, "last_checked", path)
        checked_by = self.text(raw, "checked_by", path)
        review = self.date(raw, "review_by", path)
        if value and raw.get("last_checked") in (None, ""):
            self.fail(
                path + ("last_checked",),
                "'last_checked' is missing.",
                "Give the date it was last checked, as YYYY-MM-DD.",
            )
        if value and not checked_by:
            self.fail(path + ("checked_by",), "'checked_by' is missing.", "Name who checked it.")
        if review is None and checked is not None:
            review = add_months(checked, REVIEW)
        elif review is not None and checked is not None and review < checked:
            self.fail(
                path + ("review_by",), "'review_by' is before 'last_checked'.", "Correct a date."
            )
        slot = (self.slots or {}).get(slot_id)
        return LocalContact(
            slot=slot_id,
            value=value,
            label=self.text(raw, "label", path) or (slot.label if slot else slot_id),
            last_checked=checked,
            checked_by=checked_by,
            review_by=review,
            test_call=self.date(raw, "test_call", path),
            line=self.lines.line(path),
            review_line=self.lines.line(path + ("review_by",)),
        )

    def parse(self, data: Any) -> dict[str, LocalContact]:
        if data is None:
            data = {"contacts": {}}
        if not isinstance(data, dict):
            self.fail((), "the file must be a mapping with 'contacts:'.", "Start with contacts:")
            return {}
        for key in data:
            if key != "contacts":
                self.fail((key,), f"'{key}' is not expected here.", "Keep only 'contacts:'.")
        if "contacts" not in data:
            self.fail((), "'contacts' is missing.", "Start the file with contacts:")
        table = data.get("contacts") or {}
        if not isinstance(table, dict):
            self.fail(("contacts",), "'contacts' must be a mapping.", "List slot: {value: ...}.")
            return {}
        out = {}
        for slot_id, raw in table.items():
            path = ("contacts", slot_id)
            if self.slots is not None and slot_id not in self.slots:
                self.fail(
                    path,
                    f"'{slot_id}' is not a contact slot.",
                    f"Use one of the slots the guide knows: {', '.join(self.slots)}.",
                )
                continue
            out[str(slot_id)] = self.contact(str(slot_id), raw, path)
        return out


def load_local(path: str | Path, content: Content | None = None) -> LocalContacts:
    """Read a trust's contacts file; raise :class:`GuideError` naming every problem.

    ``content`` gives the slots the guide knows (default: the shipped content); a contact for
    any other slot is a problem whose fix lists the known ones.
    """
    if content is None:
        from readiness.guide.load import load_content

        content = load_content()
    path = Path(path)
    data, lines = _read(path)
    parser = _Parser(path.name, lines, content.slots)
    contacts = parser.parse(data)
    if parser.problems:
        raise GuideError(parser.problems, file=path.name)
    return LocalContacts(str(path), contacts)


# -- checking -----------------------------------------------------------------------------------


def _cards(use: Use | None) -> str:
    if use is None or not use.actions:
        return "no action names it"
    if use.cards:
        cards = " and ".join(use.cards)
        noun = "cards print" if len(use.cards) > 1 else "card prints"
        return f"the {cards} {noun} it (action {', '.join(use.actions)})"
    return f"action {', '.join(use.actions)} names it"


def _ago(days: int) -> str:
    return "1 day ago" if days == 1 else f"{days} days ago"


def check_local(
    content: Content, local: LocalContacts, nation: str, as_of: dt.date
) -> list[Problem]:
    """A problem for each required slot of ``nation`` that is empty or past its review date,
    naming the printed cards that carry it."""
    uses = graph_uses(content).slots
    problems = []
    for slot in content.slots_for(nation):
        if not slot.required:
            continue
        contact = local.get(slot.id)
        where = _cards(uses.get(slot.id, {}).get(nation))
        fix_set = (
            f"readiness guide local set {slot.id} VALUE --local {local.path} --checked-by NAME"
        )
        if contact is None or not contact.filled:
            problems.append(
                Problem(
                    f"'{slot.id}' ({slot.label}) is empty; {where}.",
                    f"Find the number, ring it, then record it: {fix_set}",
                    file=local.file,
                    line=contact.line if contact else None,
                    column=f"contacts.{slot.id}",
                )
            )
        elif contact.overdue(as_of):
            assert contact.review_by is not None
            checked = nhs_date(contact.last_checked) if contact.last_checked else "never"
            problems.append(
                Problem(
                    f"'{slot.id}' ({contact.label}) was last checked on {checked} and was due "
                    f"for review on {nhs_date(contact.review_by)} "
                    f"({_ago((as_of - contact.review_by).days)}); {where}.",
                    f"Ring it to check it still works, then record the check: {fix_set}",
                    file=local.file,
                    line=contact.review_line,
                    column=f"contacts.{slot.id}.review_by",
                )
            )
    return problems


@dataclass(frozen=True)
class DueContact:
    """A local contact due (or soon due) for a re-check."""

    contact: LocalContact
    days_overdue: int  # negative = days left
    required: bool
    used_by: tuple[Use, ...]

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    def to_dict(self) -> dict:
        return {
            **self.contact.to_dict(),
            "required": self.required,
            "days_overdue": self.days_overdue,
            "overdue": self.overdue,
            "used_by": {use.nation: use.to_dict() for use in self.used_by},
        }


def due_contacts(
    content: Content,
    local: LocalContacts,
    as_of: dt.date,
    within_days: int | None = 0,
    nation: str | None = None,
) -> list[DueContact]:
    """Filled contacts past their review date (``within_days`` as for
    :func:`readiness.guide.facts.due_facts`), earliest review date first."""
    uses = graph_uses(content).slots
    out = []
    for contact in local.contacts.values():
        if not contact.filled or contact.review_by is None:
            continue
        slot = content.slots.get(contact.slot)
        if nation is not None and slot is not None and nation not in slot.nations:
            continue
        days = (as_of - contact.review_by).days
        if not is_due(days, within_days):
            continue
        used = uses.get(contact.slot, {})
        out.append(
            DueContact(
                contact,
                days,
                bool(slot and slot.required),
                tuple(used[n] for n in NATIONS if n in used and (nation is None or n == nation)),
            )
        )
    return sorted(out, key=lambda d: (d.contact.review_by, d.contact.slot))


def guess_nation(content: Content, local: LocalContacts) -> str | None:
    """The one nation the filled slots point to (a slot kept by one nation only), or None."""
    candidates = set(NATIONS)
    for contact in local.contacts.values():
        slot = content.slots.get(contact.slot)
        if contact.filled and slot is not None and set(slot.nations) != set(NATIONS):
            candidates &= set(slot.nations)
    return candidates.pop() if len(candidates) == 1 else None


# -- writing ------------------------------------------------------------------------------------


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and move it into place; on any
    failure the old file stays as it was and the temporary file is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        _write_text(tmp, text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _problem(path: Path, message: str, fix: str) -> GuideError:
    return GuideError([Problem(message, fix, file=path.name)], file=path.name)


def set_contact(
    path: str | Path,
    slot: str,
    value: str,
    checked_by: str,
    today: dt.date,
    content: Content | None = None,
) -> LocalContact:
    """Record that ``slot`` was checked today and holds ``value``, keeping every other entry.

    The review date moves to six months after ``today``.  A trust's own label is kept; the
    date of a test call is kept only if the value is unchanged.  With ``content`` the slot must
    be one the guide knows.  The file is written to a temporary file and moved into place, so
    a failure leaves the old file as it was.
    """
    path = Path(path)
    real = path.resolve()  # a linked file is rewritten where it lives: the link stays a link
    slots = content.slots if content is not None else None
    if slots is not None and slot not in slots:
        raise _problem(
            path,
            f"'{slot}' is not a contact slot.",
            f"Use one of the slots the guide knows: {', '.join(slots)}.",
        )
    value, checked_by = value.strip(), checked_by.strip()
    if not value:
        raise _problem(path, "the value is empty.", "Give the number or address to ring.")
    if not checked_by:
        raise _problem(path, "--checked-by is empty.", "Name who checked the contact.")
    for name, given in (("the value", value), ("--checked-by", checked_by)):
        if bad := control_character(given):
            raise _problem(path, *_one_line_problem(name, bad))
    data: Any = None
    lines = LineMap()
    if real.exists():
        data, lines = _read(real, path.name)
        _check_as_read(path.name, data, lines, slots, slot)
    if data is None:
        data = {"contacts": {}}
    if not isinstance(data, dict) or not isinstance(data.get("contacts") or {}, dict):
        raise _problem(path, "the file has no 'contacts:' mapping.", "Start with contacts:")
    contacts = data.get("contacts") or {}
    data["contacts"] = contacts
    old = contacts.get(slot)
    old = old if isinstance(old, dict) else {}
    entry: dict[str, Any] = {"value": value}
    if old.get("label"):
        entry["label"] = old["label"]
    entry.update(
        {"last_checked": today, "checked_by": checked_by, "review_by": add_months(today, REVIEW)}
    )
    if old.get("test_call") and str(old.get("value") or "").strip() == value:
        entry["test_call"] = old["test_call"]
    contacts[slot] = entry
    text = HEADER + dump_yaml(data)
    parsed, written_lines = _parse_yaml(text, path.name)
    parser = _Parser(path.name, written_lines, slots)
    written = parser.parse(parsed)
    if parser.problems:  # in what the entry keeps (its label): named where the file has it
        raise GuideError([_at_line_read(p, lines) for p in parser.problems], file=path.name)
    _replace(real, text)
    return written[slot]


def _check_as_read(file: str, data: Any, lines: LineMap, slots, slot: str) -> None:
    """Raise the problems of the file as read, at their own lines, but those of the entry
    being set (which it replaces: setting it is how a trust mends it)."""
    parser = _Parser(file, lines, slots)
    parser.parse(data)
    mine = f"contacts.{slot}"
    problems = [
        p
        for p in parser.problems
        if p.column != mine and not (p.column or "").startswith(mine + ".")
    ]
    if problems:
        raise GuideError(problems, file=file)


def _at_line_read(problem: Problem, lines: LineMap) -> Problem:
    path = tuple((problem.column or "").split(".")) if problem.column else ()
    line = lines.line(path) if lines else None
    return dataclasses.replace(problem, line=line)
