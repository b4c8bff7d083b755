"""Read and write plain tables (CSV, XLSX, SPSS .sav, Stata .dta) as pandas data frames.

This layer knows nothing of instruments: it reads what is in the file, keeping codes as they
are stored, and says clearly when a file cannot be read.  Instrument-aware validation lives in
:mod:`readiness.responses`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from readiness.errors import Problem, ReadinessError, ResponsesError

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".sav": "sav", ".dta": "dta"}


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


def read_table(path: str | Path, *, as_text: bool = False) -> pd.DataFrame:
    """Read a CSV, XLSX, SPSS or Stata file into a data frame.

    With ``as_text`` every cell of a CSV or XLSX file is read as a string (empty cells as
    missing) so that a validator can report exactly what was written; SPSS and Stata files keep
    their stored numeric codes.
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise ReadinessError(f"{path}: no such file. Fix: check the path.")
    try:
        if fmt == "csv":
            return pd.read_csv(
                path,
                dtype=str if as_text else None,
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8-sig",
            )
        if fmt == "xlsx":
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
