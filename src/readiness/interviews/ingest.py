"""Bring transcripts, participants' attributes and a topic guide into a project.

Each function reads and checks everything first and only then changes the project, so a file
with a problem leaves the project as it was.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import Project, Section, TopicGuide, Transcript
from readiness.interviews.transcripts import ParsedTranscript, decode, read_transcript

__all__ = [
    "guess_participant",
    "import_attributes",
    "import_transcripts",
    "load_topic_guide",
]

_ID_PREFIX = re.compile(r"^([A-Za-z]{1,4}\d+)(?:[\s_.-]|$)")


def guess_participant(stem: str) -> str:
    """The participant a file is about: a leading identifier such as ``P12`` in
    ``P12_interview``, or else the whole file name without its suffix."""
    m = _ID_PREFIX.match(stem)
    return m.group(1) if m else stem


def import_transcripts(
    project: Project,
    paths: list[str | Path],
    *,
    encoding: str | None = None,
    participant: str | None = None,
    guess_participants: bool = True,
    creator: str | None = None,
    name: str | None = None,
) -> list[Transcript]:
    """Read every file, then add them all, or none if any has a problem.

    ``participant`` names the participant of every file (use it for one file at a time);
    otherwise each file's participant is guessed from its name (:func:`guess_participant`),
    unless ``guess_participants`` is false.
    """
    if name is not None and len(paths) != 1:
        raise fail("a transcript name can only be given when importing one file.")
    parsed: list[ParsedTranscript] = []
    problems: list[Problem] = []
    names = {s.name for s in project.sources.values()}
    for path in paths:
        try:
            pt = read_transcript(path, encoding=encoding, name=name)
        except InterviewError as err:
            problems.extend(err.problems)
            continue
        if pt.name in names:
            problems.append(
                Problem(
                    f"a transcript called {pt.name!r} is already in the project.",
                    fix="rename the file, or give --name, or leave it out.",
                    file=str(path),
                )
            )
            continue
        names.add(pt.name)
        parsed.append(pt)
    if problems:
        raise InterviewError(problems)
    creator_id = project.user(creator).id if creator else None
    added = []
    for pt in parsed:
        who = participant or (guess_participant(pt.name) if guess_participants else None)
        added.append(
            project.add_transcript(
                pt.name,
                pt.text,
                format=pt.format,
                origin=pt.origin,
                participant=who,
                creator=creator_id,
                segments=pt.segments,
            )
        )
    return added


_ID_COLUMNS = ("participant", "participant_id", "id", "case", "pseudonym")


def _infer(values: list[str]) -> str:
    vals = [v for v in values if v != ""]
    if not vals:
        return "Text"

    def all_match(fn) -> bool:
        try:
            for v in vals:
                fn(v)
        except ValueError:
            return False
        return True

    if all(re.fullmatch(r"[+-]?\d+", v) for v in vals):
        return "Integer"
    if all(re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)", v) for v in vals):
        return "Float"
    if all(v.lower() in ("true", "false") for v in vals):
        return "Boolean"
    if all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in vals) and all_match(date.fromisoformat):
        return "Date"
    if all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+Z?", v) for v in vals) and all_match(
        lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))
    ):
        return "DateTime"
    return "Text"


def convert(value: str, type: str):
    """A CSV cell as the JSON value stored for an attribute of ``type``."""
    if value == "":
        return None
    if type == "Integer":
        return int(value)
    if type == "Float":
        return float(value)
    if type == "Boolean":
        return value.lower() == "true"
    return value


def import_attributes(project: Project, path: str | Path, *, encoding: str | None = None) -> int:
    """Participants and their attributes from a CSV file, one row per participant.

    The first column (or one called ``participant``, ``id`` or ``case``) holds the study
    identifier (``P12``); every other column is an attribute, e.g. ``professional_group``,
    ``profession``, ``sector``, ``nation``, ``interview_date``.  Types are inferred per column
    (whole numbers, decimals, true/false, ISO dates ``2024-03-01``, else text).  Participants
    that do not exist yet are added.  Returns the number of rows read.
    """
    path = Path(path)
    file = str(path)
    rows = _csv_rows(path, encoding)
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    id_col = next((lower.index(c) for c in _ID_COLUMNS if c in lower), 0)
    problems: list[Problem] = _header_problems(header, file)
    body = _participant_rows(rows, header, id_col, file, problems)
    types = {}
    for i, h in enumerate(header):
        if i != id_col and h:
            types[h] = _attribute_type(project, h, [(n, r[i]) for n, _, r in body], file, problems)
    if problems:
        raise InterviewError(problems, file=file)
    for h, t in types.items():
        project.variable(h, t)
    for _n, pid, r in body:
        attrs = {}
        for i, h in enumerate(header):
            if i == id_col or not h:
                continue
            v = convert(r[i], types[h])
            if v is not None:
                attrs[h] = v
        project.add_participant(pid, attrs)
    project.log("import-attributes", None, file=path.name, participants=len(body))
    return len(body)


def _csv_rows(path: Path, encoding: str | None) -> list[list[str]]:
    """The rows of the CSV file, the first a header with at least one name."""
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise fail(
            f"cannot be read ({err.strerror or err}).", fix="check the path.", file=file
        ) from err
    text = decode(data, file=file, encoding=encoding)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise fail(
            "has no header row.",
            fix="put column names in the first row: participant,profession,nation,...",
            file=file,
            line=1,
        )
    return rows


def _header_problems(header: list[str], file: str) -> list[Problem]:
    """Columns without a name, and names used twice."""
    problems = []
    seen_cols: set[str] = set()
    for i, h in enumerate(header):
        if not h:
            problems.append(
                Problem(
                    f"column {i + 1} has no name.",
                    fix="name every column in the header row.",
                    file=file,
                    line=1,
                )
            )
        elif h in seen_cols:
            problems.append(
                Problem(
                    f"column {h!r} appears twice.", fix="rename one of them.", file=file, line=1
                )
            )
        seen_cols.add(h)
    return problems


def _participant_rows(
    rows: list[list[str]], header: list[str], id_col: int, file: str, problems: list[Problem]
) -> list[tuple[int, str, list[str]]]:
    """(line, participant, cells) of each usable row; blank rows are skipped, and rows of the
    wrong length, without an identifier or repeating one are problems."""
    body = []
    ids: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        problem = _row_problem(row, header, id_col, ids, file, n)
        if problem is not None:
            problems.append(problem)
            continue
        pid = row[id_col].strip()
        ids[pid] = n
        body.append((n, pid, [c.strip() for c in row]))
    return body


def _row_problem(
    row: list[str], header: list[str], id_col: int, ids: dict[str, int], file: str, n: int
) -> Problem | None:
    if len(row) != len(header):
        return Problem(
            f"has {len(row)} cells but the header has {len(header)}.",
            fix="check for a stray comma; quote cells that contain commas.",
            file=file,
            line=n,
        )
    pid = row[id_col].strip()
    if not pid:
        return Problem(
            "has no participant identifier.",
            fix="fill in the identifier (e.g. P12).",
            file=file,
            line=n,
            column=header[id_col],
        )
    if pid in ids:
        return Problem(
            f"participant {pid!r} is also on line {ids[pid]}.",
            fix="give each participant one row.",
            file=file,
            line=n,
            column=header[id_col],
        )
    return None


def _attribute_type(
    project: Project, name: str, cells: list[tuple[int, str]], file: str, problems: list[Problem]
) -> str:
    """The type of attribute ``name`` from its (line, cell) values: the type the project
    already gives it if every value converts to that (else a problem per value), or inferred."""
    existing = project.variable_named(name)
    inferred = _infer([v for _, v in cells])
    if existing is None or existing.type == inferred:
        return inferred
    for n, v in cells:
        try:
            if v != "" and existing.type in ("Integer", "Float"):
                convert(v, existing.type)
            if existing.type == "Boolean" and v.lower() not in ("", "true", "false"):
                raise ValueError
        except ValueError:
            problems.append(
                Problem(
                    f"{v!r} is not a {existing.type} value, which attribute {name!r} "
                    "already holds.",
                    fix=f"give a {existing.type} value or leave the cell empty.",
                    file=file,
                    line=n,
                    column=name,
                )
            )
    return existing.type


def load_topic_guide(path: str | Path | None = None) -> TopicGuide:
    """A topic guide from YAML (``title``, ``sections`` of ``title``/``questions``/``prompts``);
    without a path, the starter guide shipped with Readiness."""
    import yaml

    from readiness.interviews.codebook import data_path

    path = Path(path) if path else data_path("topic_guide.yaml")
    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise fail(f"cannot be read ({err}).", fix="check the path.", file=file) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise fail(
            f"is not valid YAML ({getattr(err, 'problem', err)}).",
            fix="check the indentation and quoting at that line.",
            file=file,
            line=mark.line + 1 if mark else None,
        ) from err
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        raise fail(
            "a topic guide needs a title and a list of sections.",
            fix="see the starter guide (readiness interviews topic-guide --show).",
            file=file,
        )
    sections = []
    problems = []
    for i, s in enumerate(data["sections"], 1):
        if not isinstance(s, dict) or not s.get("title"):
            problems.append(
                Problem(f"section {i} has no title.", file=file, column=f"sections[{i}].title")
            )
            continue
        sections.append(
            Section(
                str(s["title"]),
                tuple(str(q) for q in s.get("questions") or ()),
                tuple(str(q) for q in s.get("prompts") or ()),
            )
        )
    if problems:
        raise InterviewError(problems, file=file)
    return TopicGuide(
        str(data.get("title", "Topic guide")), tuple(sections), str(data.get("source", ""))
    )
