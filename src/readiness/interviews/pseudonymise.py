"""Pseudonymisation: propose replacements, let a person accept or reject each, apply them.

Two things find what to replace:

* the **key**, a CSV file kept *apart from the project* with columns ``real,pseudonym``
  (``Sarah Jones,Participant A``; ``St Mary's,Hospital 1``).  Names are matched as whole words,
  ignoring case and line breaks between words.  The key is never stored in the project folder,
  never written to the audit log and never exported;
* **detectors** for UK telephone numbers, e-mail addresses, NHS numbers (ten digits whose last
  is the modulus-11 check digit), UK postcodes and dates of birth (a date within a few words
  after "born", "DOB" or "date of birth").  Their default replacements are ``[phone]``,
  ``[email]``, ``[NHS number]``, ``[postcode]`` and ``[date of birth]``.

:func:`propose` returns :class:`Proposal` records for the transcripts' text, their names and the
memos; :func:`apply` carries out the accepted ones, moves every coding so it covers the same
words (a coding that ended inside a replaced name ends after its pseudonym), marks the reviewed
transcripts as pseudonymised and writes an audit entry with counts only.

Exports that carry transcript text refuse transcripts not marked as pseudonymised unless a
reason is given (:func:`check_export`), and the reason is logged.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import Project, now_iso
from readiness.interviews.text import Edit, apply_edits, line_of, line_starts
from readiness.interviews.transcripts import decode
from readiness.tabular import atomic_write

__all__ = [
    "DETECTORS",
    "Key",
    "Proposal",
    "apply",
    "check_export",
    "detect",
    "load_key",
    "nhs_number_valid",
    "propose",
    "read_proposals",
    "write_proposals",
]


# ---------------------------------------------------------------------------------------------
# The key
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """Real names and their pseudonyms, in the order given."""

    entries: tuple[tuple[str, str], ...]
    file: str = "<key>"

    def pattern(self) -> re.Pattern | None:
        if not self.entries:
            return None
        names = sorted({r for r, _ in self.entries}, key=len, reverse=True)
        alts = [r"\s+".join(re.escape(w) for w in n.split()) for n in names]
        return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)

    def pseudonym(self, found: str) -> str:
        words = found.split()
        for real, pseudo in self.entries:
            if [w.casefold() for w in real.split()] == [w.casefold() for w in words]:
                return pseudo
        return "[name]"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def load_key(
    path: str | Path, *, project_folder: str | Path | None = None, encoding: str | None = None
) -> Key:
    """Read a key file (CSV, header ``real,pseudonym``); refuse one inside the project folder."""
    path = Path(path)
    file = str(path)
    if project_folder is not None and _inside(path, Path(project_folder)):
        raise fail(
            "the pseudonymisation key is inside the project folder, where it could be copied or "
            "shared with the project.",
            fix="move the key to a separate, access-controlled place and give that path.",
            file=file,
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise fail(
            "no such key file.",
            fix="create a CSV file with the header real,pseudonym and one row per name.",
            file=file,
        ) from err
    rows = list(csv.reader(io.StringIO(decode(data, file=file, encoding=encoding))))
    if not rows:
        return Key((), file)
    header = [h.strip().lower() for h in rows[0]]
    real_col = next((header.index(h) for h in ("real", "real_name", "name") if h in header), None)
    pseudo_col = next((header.index(h) for h in ("pseudonym", "replacement") if h in header), None)
    if real_col is None or pseudo_col is None:
        raise fail(
            "the key needs a header row with the columns real and pseudonym.",
            fix="make the first line: real,pseudonym",
            file=file,
            line=1,
        )
    problems: list[Problem] = []
    entries: list[tuple[str, str]] = []
    seen: dict[str, tuple[str, int]] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        real = row[real_col].strip() if real_col < len(row) else ""
        pseudo = row[pseudo_col].strip() if pseudo_col < len(row) else ""
        if not real or not pseudo:
            problems.append(
                Problem(
                    "needs both a real name and a pseudonym.",
                    fix="fill in both cells, or delete the line.",
                    file=file,
                    line=n,
                    column="real" if not real else "pseudonym",
                )
            )
            continue
        if len(real) < 2:
            problems.append(
                Problem(
                    f"the real name {real!r} is too short to match safely.",
                    fix="give at least two characters.",
                    file=file,
                    line=n,
                    column="real",
                )
            )
            continue
        folded = " ".join(real.split()).casefold()
        if folded in seen and seen[folded][0] != pseudo:
            problems.append(
                Problem(
                    f"{real!r} already has the pseudonym {seen[folded][0]!r} on line "
                    f"{seen[folded][1]}.",
                    fix="give each real name one pseudonym.",
                    file=file,
                    line=n,
                    column="pseudonym",
                )
            )
            continue
        seen[folded] = (pseudo, n)
        entries.append((" ".join(real.split()), pseudo))
    key = Key(tuple(entries), file)
    pat = key.pattern()
    if pat is not None:
        for _real, pseudo in entries:
            m = pat.search(pseudo)
            if m:
                problems.append(
                    Problem(
                        f"the pseudonym {pseudo!r} contains the real name {m.group()!r}, so it "
                        "would be found again next time.",
                        fix="choose a pseudonym that shares no word with a real name.",
                        file=file,
                        column="pseudonym",
                    )
                )
    if problems:
        raise InterviewError(problems, file=file)
    return key


# ---------------------------------------------------------------------------------------------
# Detectors
# ---------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![\w-])"
)
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+44|0044)[ \t-]?(?:\(0\)[ \t-]?)?(?:\d[ \t-]?){8,9}\d"
    r"|\(0\d{2,4}\)[ \t-]?(?:\d[ \t-]?){5,7}\d"
    r"|0(?:\d[ \t-]?){8,9}\d"
    r")(?![\d])"
)
_NHS = re.compile(r"(?<![\d\w])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d\w])")
# Upper case only, as postcodes are written; "b12 4th" in running text is not one.
_POSTCODE = re.compile(
    r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w])"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?" + _MONTH + r",?[ \t]+\d{4}"
    r"|" + _MONTH + r"[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4}"
    r")(?![\w/])",
    re.IGNORECASE,
)
_BIRTH = re.compile(
    r"\b(?:born|d\.?o\.?b\.?|date[ \t]+of[ \t]+birth|birth[ \t]*date|birthday)\b", re.IGNORECASE
)


def nhs_number_valid(digits: str) -> bool:
    """Whether ten digits form a valid NHS number (modulus 11 check digit).

    The first nine digits are weighted 10 down to 2 and summed; the check digit is 11 minus the
    remainder of the sum divided by 11 (11 becomes 0; 10 means the number is invalid).  Numbers
    of one repeated digit are rejected.  Source: NHS Data Dictionary, "NHS Number".

    >>> nhs_number_valid("9434765919"), nhs_number_valid("9434765918")
    (True, False)
    """
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_ok(found: str) -> bool:
    digits = re.sub(r"\D", "", found)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif found.lstrip().startswith("+44"):
        digits = digits[2:]
    if not digits.startswith("0"):
        digits = "0" + digits
    if digits.startswith("00"):
        digits = digits[1:]
    return len(digits) in (10, 11) and digits[1] in "123578"


def _emails(text):
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), "[email]"


def _phones(text):
    for m in _PHONE.finditer(text):
        if _phone_ok(m.group()):
            yield m.start(), m.end(), "[phone]"


def _nhs(text):
    for m in _NHS.finditer(text):
        if nhs_number_valid("".join(m.groups())):
            yield m.start(), m.end(), "[NHS number]"


def _postcodes(text):
    for m in _POSTCODE.finditer(text):
        yield m.start(), m.end(), "[postcode]"


def _dates_of_birth(text):
    for m in _DATE.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        before = before[before.rfind("\n") + 1 :]
        if _BIRTH.search(before):
            yield m.start(), m.end(), "[date of birth]"


# In order of priority when two proposals overlap.
DETECTORS = {
    "email": _emails,
    "nhs_number": _nhs,
    "phone": _phones,
    "postcode": _postcodes,
    "date_of_birth": _dates_of_birth,
}


def detect(text: str, key: Key | None = None, kinds=None) -> list[tuple[int, int, str, str]]:
    """Non-overlapping ``(start, end, kind, replacement)`` found in ``text``.

    Key names come first, then the detectors in the order of :data:`DETECTORS`; a find that
    overlaps an earlier one is dropped.
    """
    found: list[tuple[int, int, str, str]] = []
    pat = key.pattern() if key is not None else None
    if pat is not None:
        for m in pat.finditer(text):
            found.append((m.start(), m.end(), "name", key.pseudonym(m.group())))
    for kind, fn in DETECTORS.items():
        if kinds is not None and kind not in kinds:
            continue
        for s, e, rep in fn(text):
            found.append((s, e, kind, rep))
    kept: list[tuple[int, int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for item in found:  # already in priority order
        s, e = item[0], item[1]
        if any(s < te and ts < e for ts, te in taken):
            continue
        kept.append(item)
        taken.append((s, e))
    return sorted(kept)


# ---------------------------------------------------------------------------------------------
# Proposals
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One proposed replacement.  ``where`` is ``transcript`` (its text), ``name`` (a
    transcript's name) or ``memo``; ``target_id`` the GUID of the transcript or memo."""

    id: str
    where: str
    target_id: str
    target: str  # transcript name, or memo title
    start: int
    end: int
    kind: str
    original: str
    replacement: str
    line: int | None = None
    context: str = ""
    decision: str = ""  # accept / reject


def _context(text: str, s: int, e: int, width: int = 30) -> str:
    a = max(0, s - width)
    b = min(len(text), e + width)
    left = text[a:s].replace("\n", " ")
    right = text[e:b].replace("\n", " ")
    return f"...{left}[{text[s:e]}]{right}..."


def propose(
    project: Project,
    key: Key | None = None,
    *,
    sources: list[str] | None = None,
    kinds=None,
    memos: bool = True,
) -> list[Proposal]:
    """Proposals for the given transcripts (all without ``sources``), their names and the memos.

    Numbered from 1 in a fixed order, so the same project and key give the same numbers.
    """
    ids = [project.source(s).id for s in sources] if sources else list(project.sources)
    out: list[Proposal] = []
    n = 0
    for sid in ids:
        t = project.sources[sid]
        starts = line_starts(t.text)
        for s, e, kind, rep in detect(t.text, key, kinds):
            n += 1
            out.append(
                Proposal(
                    str(n),
                    "transcript",
                    sid,
                    t.name,
                    s,
                    e,
                    kind,
                    t.text[s:e],
                    rep,
                    line_of(t.text, s, starts),
                    _context(t.text, s, e),
                )
            )
        for s, e, kind, rep in detect(t.name, key, kinds):
            n += 1
            out.append(
                Proposal(str(n), "name", sid, t.name, s, e, kind, t.name[s:e], rep, None, t.name)
            )
    if memos:
        scope = set(ids)
        for m in project.memos.values():
            if sources and m.source not in scope and m.target_id not in scope:
                continue
            for field, text in (("memo", m.text), ("memo title", m.title)):
                for s, e, kind, rep in detect(text, key, kinds):
                    n += 1
                    out.append(
                        Proposal(
                            str(n),
                            field,
                            m.id,
                            m.title or m.text[:30],
                            s,
                            e,
                            kind,
                            text[s:e],
                            rep,
                            line_of(text, s),
                            _context(text, s, e),
                        )
                    )
    return out


_COLUMNS = [
    "id",
    "decision",
    "kind",
    "original",
    "replacement",
    "where",
    "target",
    "line",
    "context",
    "start",
    "end",
    "target_id",
]


def write_proposals(
    proposals: list[Proposal], path: str | Path, *, project_folder: str | Path | None = None
) -> None:
    """Write proposals to a CSV file for a person to mark ``accept`` or ``reject``.

    The file contains the real identifiers, so, like the key, it may not go inside the project.
    """
    path = Path(path)
    if project_folder is not None and _inside(path, Path(project_folder)):
        raise fail(
            "the proposals file holds real names and may not be written inside the project folder.",
            fix="write it next to the key, outside the project, and delete it when done.",
            file=str(path),
        )

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(_COLUMNS)
            for p in proposals:
                w.writerow(
                    [
                        p.id,
                        p.decision,
                        p.kind,
                        p.original,
                        p.replacement,
                        p.where,
                        p.target,
                        p.line or "",
                        p.context,
                        p.start,
                        p.end,
                        p.target_id,
                    ]
                )

    atomic_write(path, write)


_ACCEPT = {"accept", "accepted", "a", "y", "yes", "ok", "replace"}
_REJECT = {"reject", "rejected", "r", "n", "no", "keep", "skip"}


def read_proposals(path: str | Path, fresh: list[Proposal]) -> list[Proposal]:
    """Read decisions from a proposals file, checked against ``fresh`` proposals made again
    from the project now; every fresh proposal must be decided.  Returns the decided proposals
    (with any replacement the person edited)."""
    path = Path(path)
    file = str(path)
    try:
        rows = list(csv.DictReader(io.StringIO(decode(path.read_bytes(), file=file))))
    except FileNotFoundError as err:
        raise fail("no such proposals file.", fix="check the path.", file=file) from err
    by_id = {p.id: p for p in fresh}
    problems: list[Problem] = []
    out: list[Proposal] = []
    seen = set()
    for n, row in enumerate(rows, start=2):
        pid = (row.get("id") or "").strip()
        decision = (row.get("decision") or "").strip().lower()
        p = by_id.get(pid)
        if (
            p is None
            or (row.get("original") or "") != p.original
            or ((row.get("target_id") or "") != p.target_id)
        ):
            problems.append(
                Problem(
                    f"proposal {pid or '(no id)'} does not match the project as it is now "
                    "(the project or the key changed since the file was written).",
                    fix="write the proposals again and review the new file.",
                    file=file,
                    line=n,
                    column="id",
                )
            )
            continue
        seen.add(pid)
        if decision in _ACCEPT:
            rep = row.get("replacement")
            rep = p.replacement if rep is None or rep == "" else rep
            out.append(replace(p, decision="accept", replacement=rep))
        elif decision in _REJECT:
            out.append(replace(p, decision="reject"))
        else:
            problems.append(
                Problem(
                    f"proposal {pid} ({p.kind} {p.original!r}) has no decision"
                    + (f" ({decision!r} is not one)" if decision else "")
                    + ".",
                    fix="write accept or reject in the decision column.",
                    file=file,
                    line=n,
                    column="decision",
                )
            )
    for pid, p in by_id.items():
        if pid not in seen:
            problems.append(
                Problem(
                    f"proposal {pid} ({p.kind} {p.original!r} in {p.target}) is missing from the "
                    "file.",
                    fix="write the proposals again and review the new file.",
                    file=file,
                )
            )
    if problems:
        raise InterviewError(problems, file=file)
    return out


def decide(proposals: list[Proposal], *, accept=None, reject=None, accept_all=False):
    """Mark proposals: ``accept_all``, or accept those whose id is in ``accept`` and reject the
    rest (ids in ``reject`` must be known too)."""
    ids = {p.id for p in proposals}
    unknown = sorted((set(accept or ()) | set(reject or ())) - ids, key=str)
    if unknown:
        raise fail(
            f"no proposal has the id {', '.join(unknown)}.",
            fix="list the proposals first (without --accept) to see their ids.",
        )
    both = set(accept or ()) & set(reject or ())
    if both:
        raise fail(f"proposal {', '.join(sorted(both))} is both accepted and rejected.")
    out = []
    for p in proposals:
        ok = accept_all or p.id in set(accept or ())
        out.append(replace(p, decision="accept" if ok else "reject"))
    return out


def apply(
    project: Project,
    decided: list[Proposal],
    *,
    reviewer: str | None = None,
    sources: list[str] | None = None,
) -> dict:
    """Carry out accepted proposals and mark the reviewed transcripts as pseudonymised.

    ``sources`` are the transcripts that were reviewed (all without it).  Returns counts by
    kind.  Nothing changes if any accepted replacement no longer matches the text.
    """
    problems: list[Problem] = []
    accepted = [p for p in decided if p.decision == "accept"]
    by_target: dict[tuple[str, str], list[Proposal]] = {}
    for p in accepted:
        by_target.setdefault((p.where, p.target_id), []).append(p)
    plans = []
    for (where, tid), props in by_target.items():
        if where in ("transcript", "name"):
            t = project.sources.get(tid)
            text = None if t is None else (t.text if where == "transcript" else t.name)
        else:
            m = project.memos.get(tid)
            text = None if m is None else (m.text if where == "memo" else m.title)
        if text is None:
            problems.append(Problem(f"proposals refer to a {where} that no longer exists."))
            continue
        props = sorted(props, key=lambda p: p.start)
        before = len(problems)
        for a, b in zip(props, props[1:], strict=False):
            if b.start < a.end:
                problems.append(Problem(f"proposals {a.id} and {b.id} overlap; reject one."))
        for p in props:
            if text[p.start : p.end] != p.original:
                problems.append(
                    Problem(
                        f"proposal {p.id}: the text is no longer {p.original!r}.",
                        fix="make the proposals again.",
                    )
                )
        if len(problems) > before:
            continue
        new, offsets = apply_edits(text, [Edit(p.start, p.end, p.replacement) for p in props])
        if where == "name" and new != text and project.find_source(new) is not None:
            problems.append(
                Problem(
                    f"renaming transcript {text!r} to {new!r} would clash with another one.",
                    fix="edit the replacement in the proposals file.",
                )
            )
        plans.append((where, tid, new, offsets))
    if problems:
        raise InterviewError(problems)
    counts = Counter(p.kind for p in accepted)
    for where, tid, new, offsets in plans:
        if where == "transcript":
            project.replace_text(tid, new, offsets)
        elif where == "name":
            project.sources[tid] = replace(project.sources[tid], name=new)
        elif where == "memo":
            project.memos[tid] = replace(project.memos[tid], text=new)
        else:
            project.memos[tid] = replace(project.memos[tid], title=new)
    reviewed = [project.source(s).id for s in sources] if sources else list(project.sources)
    rejected = Counter(p.kind for p in decided if p.decision != "accept")
    when = now_iso()
    for sid in reviewed:
        t = project.sources[sid]
        mine = [p for p in decided if p.target_id == sid]
        review = {
            "reviewed_by": reviewer,
            "reviewed_at": when,
            "accepted": sum(p.decision == "accept" for p in mine),
            "rejected": sum(p.decision != "accept" for p in mine),
        }
        project.sources[sid] = replace(t, pseudonymised=True, review=review)
    project.log(
        "pseudonymise",
        reviewer,
        transcripts=[project.sources[s].name for s in reviewed],
        accepted=dict(counts),
        rejected=dict(rejected),
    )
    return {"accepted": dict(counts), "rejected": dict(rejected), "transcripts": len(reviewed)}


def check_export(
    project: Project,
    *,
    sources: list[str] | None = None,
    reason: str | None = None,
    user: str | None = None,
    export: str = "export",
) -> list[str]:
    """Refuse to export transcripts that are not pseudonymised, unless a reason is given.

    With a reason, the override is logged in the project's audit log (who, when, why, which
    transcripts, what export).  Returns the names of the transcripts that were not
    pseudonymised.
    """
    ids = [project.source(s).id for s in sources] if sources else list(project.sources)
    raw = [project.sources[s].name for s in ids if not project.sources[s].pseudonymised]
    if raw and not (reason and reason.strip()):
        raise InterviewError(
            [
                Problem(
                    f"transcript {name!r} has not been pseudonymised, so it may not leave the "
                    f"project ({export}).",
                    fix="run `readiness interviews pseudonymise` and review its proposals, or, if "
                    "this export may carry real names, give --reason '...' (it is logged).",
                )
                for name in raw
            ]
        )
    if raw:
        project.log("export-override", user, export=export, reason=reason.strip(), transcripts=raw)
    return raw
