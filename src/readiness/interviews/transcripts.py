"""Read transcripts from ``.txt``, ``.docx``, ``.vtt`` and ``.srt`` into normalised text.

The text of a transcript is UTF-8, Unicode NFC, with ``\\n`` line endings.  A plain-text
transcript keeps its own layout; the others are written out one turn per line:

* ``.docx``: one line per paragraph; a two-column table row whose first cell is short becomes
  ``Speaker: words``, other rows have their cells joined by tabs.
* ``.vtt`` / ``.srt``: one line per cue, ``Speaker: words``, the speaker taken from a WebVTT
  voice span (``<v Dr Ahmed>``) or kept as written (``Dr Ahmed: words``); a cue by the same
  speaker as the one before continues that speaker's turn on a line of its own, without the
  label.  The cue times are not written into the text: each cue's line is a
  :class:`~readiness.interviews.model.Segment` (its characters, its start and end time).
* speaker-and-time lines, as otter.ai and Microsoft Teams write them (``Dr Ahmed  0:03`` on a
  line of its own, the turn's words on the lines after it; also ``Dr Ahmed (00:01:02):`` and
  ``Dr Ahmed [1:02]``), in a ``.txt`` or ``.docx`` file with at least two such lines in time
  order: each becomes ``Dr Ahmed: words`` and a segment from its time to the next turn's.

Speaker turns are then read from the text (:func:`readiness.interviews.model.timed_turns`), so
speakers and times survive every later step.

Anything wrong raises :class:`~readiness.interviews.errors.InterviewError` naming the file and
the line or cue; nothing is returned half-read.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from readiness.interviews.errors import InterviewError, Problem, fail
from readiness.interviews.model import Segment, format_time, parse_time
from readiness.interviews.text import normalise
from readiness.safezip import check_zip

__all__ = ["FORMATS", "ParsedTranscript", "decode", "parse_transcript", "read_transcript"]

FORMATS = {".txt": "txt", ".text": "txt", ".docx": "docx", ".vtt": "vtt", ".srt": "srt"}


@dataclass(frozen=True)
class ParsedTranscript:
    name: str
    text: str
    format: str
    origin: str
    cues: int = 0  # subtitle cues, or speaker-and-time lines, read
    segments: tuple[Segment, ...] = ()  # where the text is in the recording


def decode(data: bytes, *, file: str, encoding: str | None = None) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM, or ``encoding``.

    A byte that is not valid in the encoding is reported with its line, column and value.
    """
    if encoding:
        enc = encoding
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        enc = "utf-8-sig"
    try:
        return data.decode(enc)
    except LookupError as err:
        raise fail(
            f"{encoding!r} is not an encoding Python knows.",
            fix="use e.g. --encoding cp1252 (Windows Western) or --encoding latin-1.",
            file=file,
        ) from err
    except UnicodeDecodeError as err:
        start = err.start
        line = data[:start].count(b"\n") + 1
        col = start - (data.rfind(b"\n", 0, start) + 1) + 1
        shown = data[start : min(err.end, start + 4)].hex(" ")
        label = "UTF-8" if enc == "utf-8-sig" else enc
        raise InterviewError(
            [
                Problem(
                    f"is not {label} text: byte 0x{shown} at line {line}, character {col} "
                    f"(byte offset {start}) cannot be decoded.",
                    fix="save the file as UTF-8 (in Word: Save As > Plain Text > Unicode (UTF-8)),"
                    " or give its encoding, e.g. --encoding cp1252 for a Windows file.",
                    file=file,
                    line=line,
                )
            ],
            file=file,
        ) from err


# -- timed text: lines with their media times --------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """Lines of text heard from ``time_start`` to ``time_end`` (ms)."""

    lines: tuple[str, ...]
    time_start: int | None = None
    time_end: int | None = None


def _join(parts: list[_Part]) -> tuple[str, tuple[Segment, ...]]:
    """The parts' lines as one text, and a segment for each timed part."""
    out: list[str] = []
    segments: list[Segment] = []
    pos = 0
    for part in parts:
        start = pos
        for line in part.lines:
            out.append(line)
            pos += len(line) + 1
        if part.time_start is not None and part.lines:
            segments.append(Segment(start, pos - 1, part.time_start, part.time_end))
    return "\n".join(out), tuple(segments)


_TS = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_SPEAKER_TIME = re.compile(
    r"^[ \t]*(?P<speaker>[^\s\d\[(<:][^:\n]{0,59}?)[ \t]*(?::[ \t]*)?"
    r"(?:[\[(](?P<t1>" + _TS + r")[\])]|(?P<t2>" + _TS + r"))[ \t]*:?[ \t]*$"
)


def _speaker_time_line(line: str) -> tuple[str, int] | None:
    """(speaker, ms) of a line such as ``Dr Ahmed  0:03`` or ``P12 (00:01:02):``."""
    m = _SPEAKER_TIME.match(line)
    if not m:
        return None
    speaker = m.group("speaker").strip()
    words = speaker.split()
    if not 0 < len(words) <= 6 or not any(ch.isalpha() for ch in speaker):
        return None
    if speaker[-1] in ".,;!?":
        return None
    stamp = m.group("t1") or m.group("t2")
    if not _valid_clock(stamp):
        return None
    return speaker, parse_time(stamp)


def _valid_clock(stamp: str) -> bool:
    parts = stamp.replace(",", ".").split(".")[0].split(":")
    return all(int(p) < 60 for p in parts[1:])


def _speaker_times(text: str) -> tuple[str, tuple[Segment, ...], int] | None:
    """Text with speaker-and-time lines turned into ``Speaker: words``, its segments and the
    number of turns; None when ``text`` is not laid out that way (fewer than two such lines,
    times that go back, or a speaker-and-time line with no words after it)."""
    lines = text.split("\n")
    heads = [(i, h) for i, line in enumerate(lines) if (h := _speaker_time_line(line))]
    if len(heads) < 2:
        return None
    times = [h[1] for _, h in heads]
    if any(b < a for a, b in zip(times, times[1:], strict=False)):
        return None
    bounds = [i for i, _ in heads] + [len(lines)]
    parts = [_Part(tuple(x.strip() for x in lines[: bounds[0]] if x.strip()))]
    for k, (i, (speaker, ms)) in enumerate(heads):
        body = [x.strip() for x in lines[i + 1 : bounds[k + 1]] if x.strip()]
        if not body:
            return None
        end = times[k + 1] if k + 1 < len(times) else None
        parts.append(_Part((f"{speaker}: {body[0]}", *body[1:]), ms, end))
    joined, segments = _join(parts)
    return joined, segments, len(heads)


def _timed(text: str) -> tuple[str, tuple[Segment, ...], int]:
    """A plain or Word transcript, read for speaker-and-time lines."""
    found = _speaker_times(text)
    return found if found is not None else (text, (), 0)


def _txt(data: bytes, file: str, encoding: str | None) -> str:
    text = decode(data, file=file, encoding=encoding)
    text, _ = normalise(text)
    return text


def _docx(data: bytes, file: str) -> str:
    if zipfile.is_zipfile(io.BytesIO(data)):  # a zip bomb is refused before it is unpacked
        check_zip(data, name=file, error=InterviewError)
    try:
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = [c.text.strip() for c in row.cells]
                    # merged cells repeat; keep each distinct neighbour once
                    dedup = [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]
                    if (
                        len(dedup) == 2
                        and dedup[0]
                        and len(dedup[0]) <= 40
                        and "\n" not in dedup[0]
                    ):
                        label = dedup[0].rstrip(":")
                        lines.append(f"{label}: {dedup[1]}")
                    else:
                        lines.append("\t".join(dedup))
            else:
                lines.append(block.text)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as err:
        raise fail(
            f"is not a Word .docx file that can be read ({type(err).__name__}: {err}).",
            fix="open it in Word or LibreOffice and save it again as .docx, or save it as UTF-8 "
            ".txt and import that.",
            file=file,
        ) from err
    except Exception as err:  # lxml and python-docx raise many types on damaged parts
        raise fail(
            f"is a damaged .docx file ({type(err).__name__}: {err}).",
            fix="open it in Word or LibreOffice and save it again as .docx.",
            file=file,
        ) from err
    text = "\n".join(lines).strip("\n")
    text, _ = normalise(text)
    return text


_VOICE = re.compile(r"^\s*<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TIMING = re.compile(r"-->")


def _cues(
    data: bytes, file: str, encoding: str | None, fmt: str
) -> tuple[str, int, tuple[Segment, ...]]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    raw = decode(data, file=file, encoding=encoding)
    raw, _ = normalise(raw)
    raw_lines = raw.split("\n")
    timing_lines = [i + 1 for i, line in enumerate(raw_lines) if _TIMING.search(line)]
    try:
        vtt = webvtt.from_buffer(io.StringIO(raw), format=fmt)
    except (MalformedFileError, MalformedCaptionError) as err:
        what = "WebVTT" if fmt == "vtt" else "SubRip (.srt)"
        fix = (
            "a WebVTT file starts with the line WEBVTT, then cues like "
            "'00:00:01.000 --> 00:00:04.000' followed by their text."
            if fmt == "vtt"
            else "an .srt file has numbered cues: a number, a line like "
            "'00:00:01,000 --> 00:00:04,000', then the text and a blank line."
        )
        raise fail(f"is not a valid {what} file ({err}).", fix=fix, file=file) from err
    except Exception as err:  # webvtt-py raises plain errors on some malformed input
        raise fail(
            f"could not be read as {fmt.upper()} ({type(err).__name__}: {err}).",
            fix="check that the file is a subtitle file and is not damaged.",
            file=file,
        ) from err
    captions = list(vtt.captions)
    problems: list[Problem] = []
    if len(captions) != len(timing_lines):
        # webvtt-py skips cues whose timing line it cannot read; find the first one.
        seen = set()
        for c in captions:
            seen.add((c.start, c.end))
        for n, line_no in enumerate(timing_lines, 1):
            line = raw_lines[line_no - 1]
            ok = re.match(r"\s*(\S+)\s+-->\s+(\S+)", line)
            if not ok or not _valid_time(ok.group(1)) or not _valid_time(ok.group(2)):
                problems.append(
                    Problem(
                        f"cue {n}: the timing line {line.strip()!r} cannot be read.",
                        fix="write times as 00:01:02.500 (WebVTT) or 00:01:02,500 (SRT).",
                        file=file,
                        line=line_no,
                    )
                )
        if not problems:
            problems.append(
                Problem(
                    f"{len(timing_lines)} timing lines but {len(captions)} cues could be read.",
                    fix="check that every cue has a timing line, its text and a blank line.",
                    file=file,
                )
            )
        raise InterviewError(problems, file=file)
    parts: list[_Part] = []
    prev_start: int | None = None
    prev_end: int | None = None
    last_speaker: str | None = None
    for n, c in enumerate(captions, 1):
        start, end = parse_time(c.start), parse_time(c.end)
        cue_line = timing_lines[n - 1] if n - 1 < len(timing_lines) else None
        problems.extend(_cue_order(n, start, end, prev_start, prev_end, file, cue_line))
        prev_start, prev_end = start, end
        words = " ".join(part.strip() for part in c.text.split("\n") if part.strip())
        m = _VOICE.match(c.raw_text)
        speaker = m.group(1).strip() if m else None
        if speaker is None:
            speaker, words = _label(words)
        if not words:
            continue
        if speaker is not None and speaker != last_speaker:
            line = f"{speaker}: {words}"
        else:
            line = words  # the same speaker goes on: a line of the turn, without a label
        if speaker is not None:
            last_speaker = speaker
        line, _ = normalise(line)
        parts.append(_Part((line,), start, end))
    if problems:
        raise InterviewError(problems, file=file)
    text, segments = _join(parts)
    return text, len(captions), segments


_LABEL = re.compile(
    r"^(?P<speaker>[^\s:\[\]()?!;,\"“”][^:?!;\"“”]{0,39}?)[ \t]*:[ \t]+(?P<rest>.*)$"
)


def _label(words: str) -> tuple[str | None, str]:
    """(speaker, words) of a cue written ``Speaker: words`` (a label of at most four words)."""
    m = _LABEL.match(words)
    if m and 0 < len(m.group("speaker").split()) <= 4:
        if any(ch.isalpha() for ch in m.group("speaker")):
            return m.group("speaker").strip(), m.group("rest").strip()
    return None, words


def _cue_order(n, start, end, prev_start, prev_end, file, line_no) -> list[Problem]:
    """Problems with cue ``n``'s times: it ends before it starts, is out of order, overlaps."""
    times = f"{format_time(start)} --> {format_time(end)}"
    out = []
    if end < start:
        out.append(
            Problem(
                f"cue {n} ({times}) ends before it starts.",
                fix="correct the cue's times.",
                file=file,
                line=line_no,
            )
        )
    if prev_start is not None and start < prev_start:
        out.append(
            Problem(
                f"cue {n} ({times}) starts before cue {n - 1} "
                f"({format_time(prev_start)} --> {format_time(prev_end)}): cues are out of "
                "order.",
                fix="sort the cues by start time (most subtitle editors can do this).",
                file=file,
                line=line_no,
            )
        )
    elif prev_end is not None and start < prev_end:
        out.append(
            Problem(
                f"cue {n} ({times}) overlaps cue {n - 1} "
                f"({format_time(prev_start)} --> {format_time(prev_end)}).",
                fix="make each cue start at or after the end of the one before it.",
                file=file,
                line=line_no,
            )
        )
    return out


def _valid_time(value: str) -> bool:
    return bool(re.fullmatch(r"(\d+:)?\d{2}:\d{2}[.,]\d{3}", value))


def parse_transcript(
    data: bytes,
    *,
    format: str,
    file: str = "<transcript>",
    encoding: str | None = None,
    name: str | None = None,
) -> ParsedTranscript:
    """Parse transcript bytes in ``format`` (txt, docx, vtt, srt) into normalised text."""
    if format == "txt":
        text, segments, cues = _timed(_txt(data, file, encoding))
    elif format == "docx":
        text, segments, cues = _timed(_docx(data, file))
    elif format in ("vtt", "srt"):
        text, cues, segments = _cues(data, file, encoding, format)
    else:
        raise fail(
            f"cannot read transcripts in format {format!r}.",
            fix="use .txt, .docx, .vtt or .srt.",
            file=file,
        )
    if not text.strip():
        raise fail(
            "has no text.",
            fix="check that this is the transcript you meant; an empty transcript cannot be coded.",
            file=file,
        )
    stem = name or Path(file).stem
    return ParsedTranscript(stem, text, format, Path(file).name, cues, segments)


def read_transcript(
    path: str | Path, *, encoding: str | None = None, name: str | None = None
) -> ParsedTranscript:
    """Read one transcript file; its format comes from the suffix."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise fail(
            f"cannot tell the transcript's format from its suffix {path.suffix!r}.",
            fix="use .txt, .docx, .vtt or .srt (save other formats as UTF-8 .txt).",
            file=str(path),
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise fail("no such file.", fix="check the path.", file=str(path)) from err
    except OSError as err:
        raise fail(
            f"cannot be read ({err.strerror}).", fix="check the path.", file=str(path)
        ) from err
    return parse_transcript(data, format=fmt, file=str(path), encoding=encoding, name=name)
