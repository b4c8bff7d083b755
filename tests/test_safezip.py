"""The one check every reader of an uploaded zip goes through (zip bombs, zip slip)."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

import pytest

from readiness.errors import ProblemsError
from readiness.safezip import (
    UnsafeZipError,
    ZipLimits,
    ZipReader,
    check_zip,
    extract_zip,
    safe_member_path,
)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_check_zip_accepts_an_ordinary_zip_and_lists_it():
    members = check_zip(_zip({"a.txt": b"hello", "b/c.txt": b"world"}), name="ok.zip")
    assert [m.filename for m in members] == ["a.txt", "b/c.txt"]


def test_check_zip_refuses_a_zip_bomb_by_its_ratio_before_unpacking():
    bomb = _zip({"word/document.xml": b"\0" * (8 * 1024 * 1024)})  # ~8 KB packed
    assert len(bomb) < 64 * 1024
    with pytest.raises(UnsafeZipError) as caught:
        check_zip(bomb, name="bomb.docx")
    text = str(caught.value)
    assert "bomb.docx" in text and "zip bomb" in text and "Fix:" in text


def test_check_zip_refuses_too_much_in_total_and_in_one_member():
    limits = ZipLimits(max_total=1000, max_member=600, max_ratio=10**9)
    data = _zip({"a": b"x" * 500, "b": b"y" * 700})
    with pytest.raises(UnsafeZipError) as caught:
        check_zip(data, name="big.xlsx", limits=limits)
    messages = [p.message for p in caught.value.problems]
    assert any("unpacks to 1,200 bytes" in m for m in messages)
    assert any("'b' unpacks to 700 bytes" in m for m in messages)


def test_check_zip_refuses_too_many_members():
    data = _zip({f"m{i}": b"" for i in range(30)})
    with pytest.raises(UnsafeZipError, match="holds 30 files; at most 20"):
        check_zip(data, name="many.qdpx", limits=ZipLimits(max_members=20))


def test_check_zip_raises_the_callers_error_class_and_refuses_non_zips():
    class MyError(ProblemsError):
        what = "upload"

    with pytest.raises(MyError, match="not a zip file"):
        check_zip(b"not a zip at all", name="x.docx", error=MyError)


def test_check_zip_leaves_an_open_file_at_its_start():
    handle = io.BytesIO(_zip({"a": b"1"}))
    check_zip(handle)
    assert handle.tell() == 0


@pytest.mark.parametrize(
    "name",
    [
        "../evil",
        "a/../../evil",
        "/etc/passwd",
        "C:/windows/x",
        "a\\..\\..\\evil",
        "",
        "a\x00b",
        ".",
        "./.",
        "a//b",
        "\\etc\\passwd",
        "\\\\host\\share\\x",
        "C:\\windows\\x",
    ],
)
def test_safe_member_path_refuses_names_that_escape(name):
    assert safe_member_path(name) is None


def test_extract_zip_refuses_zip_slip_and_writes_nothing(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    data = _zip({"project/ok.txt": b"fine", "../../escaped.txt": b"bad"})
    with pytest.raises(UnsafeZipError, match="unsafe path '../../escaped.txt'"):
        extract_zip(data, folder, name="slip.zip")
    assert not any(folder.rglob("*"))
    assert not (tmp_path / "escaped.txt").exists()


def test_extract_zip_unpacks_an_ordinary_zip(tmp_path):
    written = extract_zip(_zip({"p/a.txt": b"A", "p/b/c.txt": b"C"}), tmp_path)
    assert [str(p) for p in written] == ["p/a.txt", "p/b/c.txt"]
    assert (tmp_path / "p" / "b" / "c.txt").read_bytes() == b"C"


def test_safe_member_path_reads_backslashes_as_folder_separators():
    """Zips made on Windows may name members with backslashes."""
    assert safe_member_path("study\\sources\\a.txt") == PurePosixPath("study/sources/a.txt")
    assert safe_member_path("study\\sources\\") == PurePosixPath("study/sources")


@pytest.mark.parametrize("name", [".", "./.", "a/."])
def test_extract_zip_refuses_a_file_named_like_a_folder_and_writes_nothing(tmp_path, name):
    """A file member named '.' was unpacked onto the folder itself (a bare IsADirectoryError)."""
    data = _zip({"p/ok.txt": b"fine", name: b"x"})
    with pytest.raises(UnsafeZipError, match="unsafe path") as caught:
        extract_zip(data, tmp_path, name="dot.zip")
    assert "dot.zip" in str(caught.value)
    assert not any(tmp_path.rglob("*"))


@pytest.mark.parametrize("order", [["a", "a/b"], ["a/b", "a"], ["x/a", "x/a/b/c"]])
def test_extract_zip_refuses_a_file_where_a_folder_must_be_and_writes_nothing(tmp_path, order):
    """A file 'a' next to 'a/b' was a bare NotADirectoryError or FileExistsError."""
    data = _zip({n: b"x" for n in order})
    with pytest.raises(UnsafeZipError, match="both a file and a folder") as caught:
        extract_zip(data, tmp_path, name="clash.zip")
    assert "clash.zip" in str(caught.value) and "Fix:" in str(caught.value)
    assert not any(tmp_path.rglob("*"))


def test_extract_zip_turns_a_failed_write_into_its_own_error(tmp_path):
    """A member the file system cannot write (here a name too long) names the file and member."""
    long = "n" * 300 + ".txt"
    with pytest.raises(UnsafeZipError, match="could not be unpacked") as caught:
        extract_zip(_zip({long: b"x"}), tmp_path, name="long.zip")
    assert "long.zip" in str(caught.value) and long[:40] in str(caught.value)
    assert "Fix:" in str(caught.value)


def test_extract_zip_turns_a_damaged_member_into_its_own_error(tmp_path):
    data = bytearray(_zip({"p/a.txt": b"hello " * 50}))
    at = data.index(b"p/a.txt") + len("p/a.txt") + 5  # inside the compressed bytes
    data[at] ^= 0xFF
    with pytest.raises(UnsafeZipError, match="'p/a.txt' could not be unpacked") as caught:
        extract_zip(bytes(data), tmp_path, name="damaged.zip")
    assert "damaged.zip" in str(caught.value)


def test_extract_zip_unpacks_a_zip_made_on_windows(tmp_path):
    data = _zip({"p\\": b"", "p\\b\\": b"", "p\\b\\c.txt": b"C", "p\\a.txt": b"A"})
    written = extract_zip(data, tmp_path)
    assert sorted(str(p) for p in written) == ["p/a.txt", "p/b/c.txt"]
    assert (tmp_path / "p" / "b" / "c.txt").read_bytes() == b"C"
    assert sorted(str(f.relative_to(tmp_path)) for f in tmp_path.rglob("*")) == [
        "p",
        "p/a.txt",
        "p/b",
        "p/b/c.txt",
    ]


def test_zip_reader_checks_each_member_it_reads_and_their_total():
    limits = ZipLimits(max_total=1000, max_member=800, max_ratio=10**9)
    data = _zip({"a": b"x" * 600, "b": b"y" * 600, "big": b"z" * 5000})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        reader = ZipReader(archive, name="some.qdpx", limits=limits)
        assert reader.read("a") == b"x" * 600  # "big" is never read, so never refused
        with pytest.raises(UnsafeZipError, match="unpacks to 1,200 bytes"):
            reader.read("b")
        with pytest.raises(UnsafeZipError, match="'big' unpacks to 5,000 bytes"):
            reader.read("big")
    with zipfile.ZipFile(io.BytesIO(_zip({f"m{i}": b"" for i in range(5)}))) as archive:
        with pytest.raises(UnsafeZipError, match="holds 5 files"):
            ZipReader(archive, limits=ZipLimits(max_members=4))
