"""Open an uploaded zip file (``.qdpx``, ``.docx``, ``.xlsx``, a zipped folder) safely.

A zip file says in its directory how large each member is once unpacked.  A hostile one (a "zip
bomb") holds a megabyte that unpacks to gigabytes, or millions of members, or member names such
as ``../../etc/passwd`` that escape the folder it is unpacked into ("zip slip").  Every reader of
an uploaded zip calls :func:`check_zip` before it reads a member (or reads chosen members through
a :class:`ZipReader`, which checks each); whatever unpacks a zip into a folder calls
:func:`extract_zip`.

Python's :mod:`zipfile` never hands out more bytes than a member's declared size (it stops
there and then fails the member's checksum), so checking the declared sizes bounds what any
reader built on it (python-docx, openpyxl, lxml on a member) can be made to unpack.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from readiness.errors import Problem, ProblemsError

__all__ = [
    "DEFAULT_LIMITS",
    "UnsafeZipError",
    "ZipLimits",
    "ZipReader",
    "check_zip",
    "extract_zip",
    "safe_member_path",
]

MiB = 1024 * 1024


class UnsafeZipError(ProblemsError):
    """An uploaded zip file is too large once unpacked, or names a path outside itself."""

    what = "zip file"


@dataclass(frozen=True)
class ZipLimits:
    """How much an uploaded zip may unpack to.

    ``max_ratio`` applies only to members larger than ``ratio_floor`` once unpacked: small
    members (an empty worksheet, a folder marker) compress extremely well without harm.
    """

    max_total: int = 256 * MiB  # all members together, unpacked
    max_member: int = 128 * MiB  # any one member, unpacked
    max_members: int = 10_000
    max_ratio: int = 200  # unpacked size / packed size, per member
    ratio_floor: int = 1 * MiB


DEFAULT_LIMITS = ZipLimits()

Source = str | Path | BinaryIO | bytes | zipfile.ZipFile


def _open(source: Source) -> AbstractContextManager[zipfile.ZipFile]:
    if isinstance(source, zipfile.ZipFile):
        return _Borrowed(source)
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    return zipfile.ZipFile(source)


class _Borrowed:
    """A zip file the caller opened: used, not closed."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    def __enter__(self) -> zipfile.ZipFile:
        return self.archive

    def __exit__(self, *exc) -> None:
        return None


def _name_of(source: Source, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, zipfile.ZipFile):
        source = source.filename or ""
    if isinstance(source, (str, Path)) and str(source):
        return Path(source).name
    return getattr(source, "name", None) or "the uploaded file"


def check_zip(
    source: Source,
    *,
    name: str | None = None,
    limits: ZipLimits = DEFAULT_LIMITS,
    error: type[ProblemsError] = UnsafeZipError,
) -> list[zipfile.ZipInfo]:
    """Check ``source`` against ``limits`` before anything reads a member; return its members.

    ``source`` is a path, an open binary file (left at its start), the file's bytes or a
    :class:`zipfile.ZipFile` the caller opened (left open).
    ``name`` is the file name to show in errors (the upload's name, not a temporary path).
    Raises ``error`` (a :class:`ProblemsError` subclass, :class:`UnsafeZipError` unless the
    caller's own) naming the file and the fix; raises it too for a file that is not a zip.
    """
    shown = _name_of(source, name)
    try:
        with _open(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise error(
            [
                Problem(
                    f"is not a zip file that can be read ({err}).",
                    fix="save or export the file again and upload the new copy.",
                    file=shown,
                )
            ],
            file=shown,
        ) from err
    finally:
        if hasattr(source, "seek") and not isinstance(source, zipfile.ZipFile):
            source.seek(0)
    problems = list(_size_problems(members, shown, limits))
    if problems:
        raise error(problems, file=shown)
    return members


_FIX = (
    "this does not look like an ordinary file of this type; if it is one, split it into "
    "smaller files (or ask the administrator to raise the limit)."
)


def _size_problems(
    members: list[zipfile.ZipInfo], shown: str, limits: ZipLimits
) -> Iterable[Problem]:
    if len(members) > limits.max_members:
        yield _count_problem(len(members), shown, limits)
        return
    total = sum(m.file_size for m in members)
    if total > limits.max_total:
        yield _total_problem(total, shown, limits)
    for m in members:
        yield from _member_problems(m, shown, limits)


def _count_problem(count: int, shown: str, limits: ZipLimits) -> Problem:
    return Problem(
        f"holds {count:,} files; at most {limits.max_members:,} are accepted.",
        fix=_FIX,
        file=shown,
    )


def _total_problem(total: int, shown: str, limits: ZipLimits) -> Problem:
    return Problem(
        f"unpacks to {_size(total)}; at most {_size(limits.max_total)} is accepted.",
        fix=_FIX,
        file=shown,
    )


def _member_problems(m: zipfile.ZipInfo, shown: str, limits: ZipLimits) -> Iterable[Problem]:
    if m.file_size > limits.max_member:
        yield Problem(
            f"its part {m.filename!r} unpacks to {_size(m.file_size)}; at most "
            f"{_size(limits.max_member)} is accepted for one part.",
            fix=_FIX,
            file=shown,
        )
    elif m.file_size > limits.ratio_floor and (
        m.file_size > limits.max_ratio * max(m.compress_size, 1)
    ):
        yield Problem(
            f"its part {m.filename!r} unpacks to {m.file_size // max(m.compress_size, 1):,} "
            f"times its packed size (at most {limits.max_ratio} times is accepted): it looks "
            "like a zip bomb.",
            fix=_FIX,
            file=shown,
        )


class ZipReader:
    """Reads chosen members of an open zip file, each checked before it is unpacked.

    For files of which only some members are read (a ``.qdpx`` file may carry audio or PDF
    sources that are never opened): the member count is checked at once; each member read is
    checked against ``max_member`` and ``max_ratio``, and all members read together against
    ``max_total``.
    """

    def __init__(
        self,
        archive: zipfile.ZipFile,
        *,
        name: str | None = None,
        limits: ZipLimits = DEFAULT_LIMITS,
        error: type[ProblemsError] = UnsafeZipError,
    ):
        self.archive, self.limits, self.error = archive, limits, error
        self.shown = _name_of(archive, name)
        self.unpacked = 0
        count = len(archive.infolist())
        if count > limits.max_members:
            raise error([_count_problem(count, self.shown, limits)], file=self.shown)

    def names(self) -> list[str]:
        return self.archive.namelist()

    def read(self, member: str) -> bytes:
        info = self.archive.getinfo(member)
        problems = list(_member_problems(info, self.shown, self.limits))
        if not problems and self.unpacked + info.file_size > self.limits.max_total:
            problems.append(_total_problem(self.unpacked + info.file_size, self.shown, self.limits))
        if problems:
            raise self.error(problems, file=self.shown)
        self.unpacked += info.file_size
        return self.archive.read(info)


def _size(n: int) -> str:
    return f"{n / MiB:,.1f} MB" if n >= MiB else f"{n:,} bytes"


def safe_member_path(member: str) -> PurePosixPath | None:
    """The relative path a member name stands for, or None if it could escape its folder.

    A backslash is read as a folder separator (zips made on Windows use it), and a name ending
    in a separator is a folder.  Refused: absolute names (``/etc/x``, ``C:/x``, ``//host/x``),
    any ``..`` or empty part (``a//b``), a file named ``.`` (the folder itself) and NUL
    characters.
    """
    name = member.replace("\\", "/")
    if not name or "\x00" in name or name.startswith("/"):
        return None
    folder = name.endswith("/")
    parts = (name[:-1] if folder else name).split("/")
    if ":" in parts[0] or any(p in ("", "..") for p in parts):  # ':' as in a drive, C:
        return None
    if not folder and parts[-1] == ".":
        return None
    return PurePosixPath(*parts)


def _is_folder(member: zipfile.ZipInfo) -> bool:
    return member.filename.replace("\\", "/").endswith("/")


_UNZIP_FIX = (
    "zip the folder again with an ordinary zip tool; member names must be relative paths to "
    "files, without '..' or empty parts."
)


def _path_problems(members: list[zipfile.ZipInfo], shown: str) -> list[Problem]:
    """Member names that could land outside the folder, on it, or both as a file and a folder."""
    problems = [
        Problem(
            f"has an unsafe path {m.filename!r}: it would be unpacked outside its folder or "
            "onto the folder itself.",
            fix=_UNZIP_FIX,
            file=shown,
        )
        for m in members
        if safe_member_path(m.filename) is None
    ]
    files = {
        path
        for m in members
        if not _is_folder(m) and (path := safe_member_path(m.filename)) is not None
    }
    folders = {parent for path in files for parent in path.parents}
    problems += [
        Problem(
            f"names {str(path)!r} both a file and a folder (it holds other files).",
            fix=_UNZIP_FIX,
            file=shown,
        )
        for path in sorted(files & folders)
    ]
    return problems


def extract_zip(
    source: Source,
    folder: Path,
    *,
    name: str | None = None,
    limits: ZipLimits = DEFAULT_LIMITS,
    error: type[ProblemsError] = UnsafeZipError,
) -> list[PurePosixPath]:
    """Check ``source`` and unpack its files into ``folder``; return their relative paths.

    Refuses the whole file (before writing anything) if it breaks ``limits``, if any member's
    name could land outside ``folder`` or onto it, or if a name is both a file and a folder;
    symbolic links are not made, only plain files.  A member the file system still cannot
    write raises ``error`` naming it.
    """
    shown = _name_of(source, name)
    members = check_zip(source, name=shown, limits=limits, error=error)
    problems = _path_problems(members, shown)
    if problems:
        raise error(problems, file=shown)
    written: list[PurePosixPath] = []
    root = folder.resolve()
    with _open(source) as archive:
        for m in members:
            if not _is_folder(m):
                written.append(_unpack(archive, m, root, shown, error))
    if hasattr(source, "seek") and not isinstance(source, zipfile.ZipFile):
        source.seek(0)
    return written


def _unpack(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    root: Path,
    shown: str,
    error: type[ProblemsError],
) -> PurePosixPath:
    relative = safe_member_path(member.filename)
    assert relative is not None  # checked by _path_problems
    target = root.joinpath(*relative.parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as src, open(target, "wb") as dst:
            while chunk := src.read(MiB):
                dst.write(chunk)
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as err:
        why = getattr(err, "strerror", None) or err
        problem = Problem(
            f"its part {member.filename!r} could not be unpacked ({why}).",
            fix="zip the folder again with an ordinary zip tool, with shorter file names; if "
            "it still fails, ask the administrator (the server may be out of disk space).",
            file=shown,
        )
        raise error([problem], file=shown) from err
    return relative
