"""The pseudonymisation key: a CSV file ``real,pseudonym`` kept apart from the project.

Names are matched as whole words, ignoring case and line breaks between words.  The key is
never stored in the project folder, never written to the audit log and never exported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.transcripts import decode


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
