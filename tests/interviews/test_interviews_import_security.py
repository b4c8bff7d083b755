"""Hostile interview imports: a .qdpx or project folder must never read the server's files,
unpack a zip bomb, expand XML entities or bring in a review nobody made.  Every hostile file is
built here."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from readiness.interviews import InterviewError, Project, refi, store
from readiness.interviews.transcripts import parse_transcript

SECRET = "root:x:0:0:THE-SERVER-SECRET:/root:/bin/bash\n"
NS = refi.NS
G1 = "{11111111-AAAA-4AAA-8AAA-111111111111}"
G2 = "{22222222-AAAA-4AAA-8AAA-222222222222}"
G3 = "{33333333-AAAA-4AAA-8AAA-333333333333}"


def _qdpx(path, *, source_path: str, note_path: str | None = None, members=None):
    note = ""
    if note_path is not None:
        note = f'<Notes><Note guid="{G3}" name="n" plainTextPath="{note_path}"/></Notes>'
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="hostile">'
        f"{note}<Sources>"
        f'<TextSource guid="{G1}" name="stolen" plainTextPath="{source_path}"/>'
        f'<TextSource guid="{G2}" name="fine"><PlainTextContent>Ordinary words.</PlainTextContent>'
        "</TextSource></Sources></Project>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", xml)
        for name, data in (members or {}).items():
            z.writestr(name, data)
    return path


@pytest.fixture
def secret(tmp_path):
    """A file outside the upload, two folders above it, that must never be read."""
    f = tmp_path / "secret.txt"
    f.write_text(SECRET, encoding="utf-8")
    upload = tmp_path / "a" / "b"
    upload.mkdir(parents=True)
    return f, upload


def _all_text(p: Project) -> str:
    return "\n".join([*(t.text for t in p.sources.values()), *(m.text for m in p.memos.values())])


@pytest.mark.parametrize("kind", ["file-url", "absolute", "relative-url", "bare-relative"])
def test_qdpx_never_reads_sources_outside_the_archive(secret, kind):
    f, upload = secret
    ref = {
        "file-url": f"file://{f}",
        "absolute": str(f),
        "relative-url": "relative://../../secret.txt",
        "bare-relative": "../../secret.txt",
    }[kind]
    path = _qdpx(upload / "x.qdpx", source_path=ref, note_path=ref)
    p, report = refi.read_qdpx(path)
    assert "THE-SERVER-SECRET" not in _all_text(p)
    assert p.find_source("stolen") is None and p.find_source("fine") is not None
    assert any("outside the .qdpx file" in w and "stolen" in w for w in report.warnings)


def test_qdpx_reads_internal_sources_only_from_the_archive(secret):
    _, upload = secret
    (upload / "sources").mkdir()
    (upload / "sources" / "t.txt").write_text(SECRET, encoding="utf-8")  # beside, not inside
    path = _qdpx(upload / "x.qdpx", source_path="internal://../../secret.txt")
    p, _ = refi.read_qdpx(path)
    assert "THE-SERVER-SECRET" not in _all_text(p)
    inside = _qdpx(
        upload / "y.qdpx", source_path="internal://t.txt", members={"sources/t.txt": b"Inside."}
    )
    p, _ = refi.read_qdpx(inside)
    assert p.find_source("stolen").text == "Inside."


def test_qdpx_reads_outside_sources_only_from_the_folder_allowed(tmp_path, secret):
    f, upload = secret
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "t.txt").write_text("Allowed words.", encoding="utf-8")
    ok = _qdpx(upload / "ok.qdpx", source_path="relative://t.txt")
    p, _ = refi.read_qdpx(ok, external_sources=allowed)
    assert p.find_source("stolen").text == "Allowed words."
    for ref in (f"file://{f}", "relative://../secret.txt", str(f)):
        bad = _qdpx(upload / "bad.qdpx", source_path=ref)
        p, report = refi.read_qdpx(bad, external_sources=allowed)
        assert "THE-SERVER-SECRET" not in _all_text(p)
        assert any("folder allowed" in w for w in report.warnings)


@pytest.mark.parametrize(
    "ref",
    [
        "file:///C:/Users/amy/P1%20interview.txt",
        "file:///home/amy/P1%20interview.txt",
        "C:\\Users\\amy\\P1 interview.txt",
        "/home/amy/P1 interview.txt",
        "relative://P1%20interview.txt",
    ],
)
def test_qdpx_reads_an_absolute_source_by_its_file_name_from_the_folder_allowed(tmp_path, ref):
    """NVivo and ATLAS.ti write ``file://`` paths on the computer that made the export: with a
    folder allowed, the file of that name in the folder is read; without one, it is left out."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "P1 interview.txt").write_text("Amy's words.", encoding="utf-8")
    path = _qdpx(tmp_path / "x.qdpx", source_path=ref)
    p, report = refi.read_qdpx(path, external_sources=allowed)
    assert p.find_source("stolen").text == "Amy's words.", report.warnings
    p, report = refi.read_qdpx(path)
    assert p.find_source("stolen") is None
    assert any("outside the .qdpx file" in w for w in report.warnings)


def test_qdpx_never_reads_an_absolute_source_that_is_not_in_the_folder_allowed(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "P1.txt").write_text("Allowed words.", encoding="utf-8")
    for ref in ("file:///etc/passwd", "/etc/passwd", "file:///etc/", "file:///C:/..", "../"):
        p, report = refi.read_qdpx(
            _qdpx(tmp_path / "x.qdpx", source_path=ref), external_sources=allowed
        )
        assert p.find_source("stolen") is None and "root:" not in _all_text(p)
        assert any("folder allowed" in w and "stolen" in w for w in report.warnings), ref


DOCTYPE = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    f'<Project xmlns="{NS}" name="x &b;"><Description>&b;</Description></Project>'
)


def test_qdpx_with_a_doctype_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "dtd.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", DOCTYPE)
    with pytest.raises(InterviewError, match="DOCTYPE") as caught:
        refi.read_qdpx(path)
    assert "dtd.qdpx" in str(caught.value) and "Fix:" in str(caught.value)


def test_qdc_with_a_doctype_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "dtd.qdc"
    path.write_text(DOCTYPE.replace("Project", "CodeBook"), encoding="utf-8")
    with pytest.raises(InterviewError, match="DOCTYPE"):
        refi.read_qdc(path)


def _bomb_member(size: int = 8 * 1024 * 1024) -> bytes:
    return b" " * size  # packs to about 8 KB: a ratio of about 1000


def test_qdpx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = _qdpx(
        tmp_path / "bomb.qdpx",
        source_path="internal://t.txt",
        members={"sources/t.txt": _bomb_member()},
    )
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(InterviewError, match="zip bomb") as caught:
        refi.read_qdpx(path)
    assert "bomb.qdpx" in str(caught.value)


def test_docx_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", _bomb_member())
    with pytest.raises(InterviewError, match="zip bomb") as caught:
        parse_transcript(buffer.getvalue(), format="docx", file="P1.docx")
    assert "P1.docx" in str(caught.value)


def test_project_folder_never_reads_a_transcript_outside_itself(tmp_path, project):
    (tmp_path / "hosts").write_text(SECRET, encoding="utf-8")
    data = json.loads((project / "project.json").read_text(encoding="utf-8"))
    data["sources"][0]["file"] = "../hosts"
    data["sources"][0].pop("sha256")
    (project / "project.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InterviewError, match="outside the project folder"):
        store.load(project)


def test_project_folder_with_an_unreadable_audit_log_is_a_clear_error(project):
    with open(project / "audit.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"time": "x", "forged": 1}\nnot json\n')
    with pytest.raises(InterviewError, match="audit.jsonl"):
        store.read_audit(project)


def test_cli_reads_sources_outside_a_qdpx_only_with_allow_external_sources(tmp_path, secret):
    from click.testing import CliRunner

    from readiness.cli.interviews import interviews

    f, upload = secret
    windows = _qdpx(upload / "w.qdpx", source_path="file:///C:/Users/amy/secret.txt")
    runner = CliRunner()
    args = ["import-qdpx", str(windows), str(tmp_path / "p0"), "--allow-external-sources"]
    assert runner.invoke(interviews, [*args, str(f.parent)]).exit_code == 0
    assert "THE-SERVER-SECRET" in store.load(tmp_path / "p0").find_source("stolen").text
    path = _qdpx(upload / "x.qdpx", source_path="relative://secret.txt")
    plain = runner.invoke(interviews, ["import-qdpx", str(path), str(tmp_path / "p1")])
    assert plain.exit_code == 0, plain.output
    assert "outside the .qdpx file" in plain.output and "--allow-external-sources" in plain.output
    assert store.load(tmp_path / "p1").find_source("stolen") is None
    allowed = runner.invoke(
        interviews,
        ["import-qdpx", str(path), str(tmp_path / "p2"), "--allow-external-sources", str(f.parent)],
    )
    assert allowed.exit_code == 0, allowed.output
    assert "THE-SERVER-SECRET" in store.load(tmp_path / "p2").find_source("stolen").text
    helptext = runner.invoke(interviews, ["import-qdpx", "--help"]).output
    assert "--allow-external-sources" in helptext and "by file name" in " ".join(helptext.split())


def test_qdpx_members_that_are_never_read_do_not_count_against_its_limits(tmp_path):
    """An audio or PDF source is left out unread, however large (only what is read is checked)."""
    path = _qdpx(
        tmp_path / "media.qdpx",
        source_path="internal://t.txt",
        members={"sources/t.txt": b"Inside.", "sources/interview.wav": _bomb_member()},
    )
    p, _ = refi.read_qdpx(path)
    assert p.find_source("stolen").text == "Inside."


def test_project_folder_audit_log_with_a_nul_is_a_clear_error(project):
    with open(project / "audit.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"time": "x", "action": "a\\u0000b", "user": null, "details": {}}\n')
    with pytest.raises(InterviewError, match="audit.jsonl, line"):
        store.read_audit(project)
