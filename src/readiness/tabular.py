"""Read and write plain tables (CSV, XLSX, SPSS .sav, Stata .dta) as pandas data frames.

This layer knows nothing of instruments: it reads what is in the file, keeping codes as they
are stored, and says clearly when a file cannot be read.  Instrument-aware validation lives in
:mod:`readiness.responses`.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from readiness.errors import Problem, ReadinessError, ResponsesError
from readiness.safezip import DEFAULT_LIMITS, ZipLimits, check_zip

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".sav": "sav", ".zsav": "sav", ".dta": "dta"}

# -- text fit for spreadsheets -------------------------------------------------------------------
#
# A spreadsheet program runs a cell as a formula when its text starts with one of OWASP's
# trigger characters (=, +, -, @, tab, carriage return; ASVS adds NUL).  Every CSV and XLSX
# Readiness writes passes its text cells through the helpers below; numbers stay numbers.

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Text starting with a trigger, after any apostrophes (so that the quoting can be undone exactly).
_FORMULA_START = re.compile(r"^(?='*[=+\-@\t\r\0])")
# A leading apostrophe that formula_safe added.
_FORMULA_QUOTE = re.compile(r"^'(?='*[=+\-@\t\r\0])")
# Characters XML 1.0, and so XLSX, cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XLSX_MAX_CELL = 32767  # characters in one XLSX cell


def formula_safe(text: str) -> str:
    """Text that a spreadsheet shows as text: an apostrophe before text that would start a
    formula (``=1+1`` -> ``'=1+1``), as OWASP advises for CSV.  Text that already starts with
    apostrophes before a trigger gets one more, so that :func:`formula_restored` undoes it."""
    return "'" + text if _FORMULA_START.match(text) else text


def formula_restored(text: str) -> str:
    """The text :func:`formula_safe` was given (one leading apostrophe before a trigger removed)."""
    return text[1:] if _FORMULA_QUOTE.match(text) else text


def formula_safe_values(values) -> list:
    """:func:`formula_safe` on every string of ``values``; other values (numbers, None) as given."""
    return [formula_safe(v) if isinstance(v, str) else v for v in values]


def clean_text(text: str) -> str:
    """Text without the characters XLSX (XML) cannot hold: a vertical tab or form feed (a line
    break pasted from a word processor) becomes a line break, other control characters go."""
    if not _XML_ILLEGAL.search(text):
        return text
    return _XML_ILLEGAL.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", text)


def has_illegal_characters(text: str) -> bool:
    """Whether the text holds a character that :func:`clean_text` would change."""
    return _XML_ILLEGAL.search(text) is not None


def xlsx_text(text: str) -> str:
    """Text that fits one XLSX cell: cleaned (:func:`clean_text`) and, past 32,767 characters,
    cut with a note at its end saying how long it was."""
    text = clean_text(text)
    if len(text) <= XLSX_MAX_CELL:
        return text
    note = f" [cut: {len(text):,} characters in all; an XLSX cell holds {XLSX_MAX_CELL:,}]"
    return text[: XLSX_MAX_CELL - len(note)] + note


def xlsx_changes(text: str) -> bool:
    """Whether :func:`xlsx_text` changes the text."""
    return len(text) > XLSX_MAX_CELL or has_illegal_characters(text)


def xlsx_cell(sheet, value):
    """What to give openpyxl's ``sheet.append`` for one cell.

    Numbers, dates and None as they are; text as a text cell (never a formula, whatever it
    starts with, nor an error value such as ``#N/A``) fitted to XLSX by :func:`xlsx_text`, with
    Excel's quote prefix when it would start a formula, so that editing the cell keeps it text.
    The text itself is not changed: reading the cell gives it back.
    """
    if not isinstance(value, str):
        return value
    text = xlsx_text(value)
    if text[:1] not in _CELL_NEEDED:  # openpyxl keeps such text a plain text cell
        return text
    from openpyxl.cell.cell import Cell

    return xlsx_set(Cell(sheet, row=1, column=1), text)


# Text that openpyxl would read as a formula (=) or an error value (#N/A ...), or that needs
# Excel's quote prefix: only these are given as a prepared cell (a cell per text was 2.3 times
# the time of a whole export).
_CELL_NEEDED = frozenset((*FORMULA_TRIGGERS, "#"))


def xlsx_set(cell, value):
    """Put ``value`` into an openpyxl cell as :func:`xlsx_cell` would; returns the cell."""
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = xlsx_text(value)
    cell.value = text
    cell.data_type = "s"
    if text[:1] in FORMULA_TRIGGERS:
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet, values) -> list:
    """:func:`xlsx_cell` on every value of a row."""
    return [xlsx_cell(sheet, v) for v in values]


def _may_start_quoted(series: pd.Series) -> bool:
    """Whether any cell of the column may start with an apostrophe, from one search of all its
    text at once (cell by cell, a 40 MB file's 15 million cells took seconds)."""
    try:
        return "\n'" in "\n" + "\n".join(series.dropna().tolist())
    except TypeError:  # a cell that is not text
        return True


def _restore_csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`formula_safe` in the text columns of a CSV just read."""
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
            if not _may_start_quoted(series):
                continue
            quoted = series.str.match(_FORMULA_QUOTE, na=False)
            if quoted.any():
                frame.loc[quoted, name] = series[quoted].str.slice(1)
    return frame


def table_format(path: str | Path) -> str:
    """The format of a table file from its suffix, or a clear error naming the ones we read."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ResponsesError(
            [
                Problem(
                    f"cannot tell the file's format from its suffix {suffix!r}.",
                    fix="use one of " + ", ".join(FORMATS) + ".",
                    file=str(path),
                )
            ]
        )
    return FORMATS[suffix]


def check_xlsx(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> None:
    """Refuse an XLSX file (a zip) that would unpack to more than ``limits`` allow, from the
    sizes its directory declares, before any part of it is unpacked: a zip bomb of a megabyte
    would otherwise cost gigabytes of memory (:mod:`readiness.safezip`)."""
    check_zip(path, name=str(path), limits=limits, error=ResponsesError)


def read_table(
    path: str | Path, *, as_text: bool = False, zip_limits: ZipLimits = DEFAULT_LIMITS
) -> pd.DataFrame:
    """Read a CSV, XLSX, SPSS or Stata file into a data frame.

    With ``as_text`` every cell of a CSV or XLSX file is read as a string (empty cells as
    missing) so that a validator can report exactly what was written; SPSS and Stata files keep
    their stored numeric codes.  An XLSX file is first checked against ``zip_limits``
    (:func:`check_xlsx`).
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise ReadinessError(f"{path}: no such file. Fix: check the path.")
    try:
        if fmt == "csv":
            frame = pd.read_csv(
                path,
                dtype=str if as_text else None,
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8-sig",
            )
            return _restore_csv_text(frame)
        if fmt == "xlsx":
            check_xlsx(path, zip_limits)
            return pd.read_excel(
                path,
                dtype=str if as_text else None,
                engine="openpyxl",
                keep_default_na=False,  # "NA" or "null" written in a cell is text, not missing
                na_values=[""],
            )
        import pyreadstat

        reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        frame, _meta = reader(str(path), apply_value_formats=False)
        return frame
    except UnicodeDecodeError as err:
        raise ResponsesError(
            [
                Problem(
                    f"the file is not UTF-8 text (byte {err.start}).",
                    fix="save it as CSV UTF-8 from your spreadsheet program.",
                    file=str(path),
                )
            ]
        ) from err
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise ResponsesError(
            [
                Problem(
                    f"could not be read as {fmt.upper()}: {err}",
                    fix=f"check that the file really is a {fmt.upper()} file and is not damaged.",
                    file=str(path),
                )
            ]
        ) from err
    except Exception as err:  # pyreadstat raises its own error types
        if type(err).__module__.startswith("pyreadstat"):
            raise ResponsesError(
                [
                    Problem(
                        f"could not be read as {fmt.upper()}: {err}",
                        fix=f"check that the file really is a {fmt.upper()} file.",
                        file=str(path),
                    )
                ]
            ) from err
        raise


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(tmp_path)`` and move the result into place only if it succeeded.

    A failed write leaves any earlier file at ``path`` untouched and no partial file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
