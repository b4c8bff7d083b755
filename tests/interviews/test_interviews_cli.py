import json
import zipfile

import pytest
from click.testing import CliRunner
from interviews_helpers import ATTRIBUTES, P7, P12

from readiness.cli.interviews import interviews
from readiness.interviews import store

REAL_NAMES = ("Sarah Jones", "07700 900123", "nurse.p12@nhs.net", "943 476 5919", "SW1A 1AA")


def run(*args, ok=True):
    result = CliRunner().invoke(interviews, [str(a) for a in args], catch_exceptions=True)
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture
def study(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "in" / "P12.txt").write_text(P12, "utf-8")
    (tmp_path / "in" / "P7_interview.txt").write_text(P7, "utf-8")
    (tmp_path / "in" / "participants.csv").write_text(ATTRIBUTES, "utf-8")
    (tmp_path / "secret" / "key.csv").write_text(
        "real,pseudonym\nSarah Jones,Participant A\n", "utf-8"
    )
    folder = tmp_path / "study"
    run("init", folder, "--starter-codebook", "--topic-guide", "--name", "Pilot")
    run(
        "import",
        folder,
        tmp_path / "in" / "P12.txt",
        tmp_path / "in" / "P7_interview.txt",
        "--participants",
        tmp_path / "in" / "participants.csv",
    )
    return tmp_path


def _pseudonymise(tmp):
    run("pseudonymise", tmp / "study", "--key", tmp / "secret" / "key.csv", "--accept-all")


def _code(tmp):
    s = tmp / "study"
    run(
        "code",
        s,
        "--coder",
        "alice",
        "--source",
        "P12",
        "--text",
        "we had no interpreter",
        "--code",
        "Interpreters",
        "--memo",
        "No interpreter; companion present",
    )
    run(
        "code",
        s,
        "--coder",
        "bob",
        "--source",
        "P12",
        "--text",
        "we had no interpreter",
        "--code",
        "Interpreters",
    )
    run(
        "code",
        s,
        "--coder",
        "bob",
        "--source",
        "P12",
        "--text",
        "a man who spoke for her",
        "--code",
        "Recognising indicators",
    )
    run(
        "code",
        s,
        "--coder",
        "alice",
        "--source",
        "P7_interview",
        "--text",
        "Only one slide in the safeguarding day",
        "--code",
        "Training",
    )
    run(
        "code",
        s,
        "--coder",
        "bob",
        "--source",
        "P7_interview",
        "--text",
        "Only one slide in the safeguarding day",
        "--code",
        "Training",
    )


def test_listing_proposals_changes_nothing(study):
    before = (study / "study" / "project.json").read_text("utf-8")
    r = run("pseudonymise", study / "study", "--key", study / "secret" / "key.csv", "--json")
    data = json.loads(r.output)
    assert data["applied"] is False and len(data["proposals"]) == 6
    assert (study / "study" / "project.json").read_text("utf-8") == before


def test_key_inside_project_refused(study):
    inside = study / "study" / "key.csv"
    inside.write_text("real,pseudonym\nSarah Jones,A\n", "utf-8")
    r = run("pseudonymise", study / "study", "--key", inside, ok=False)
    assert "inside the project folder" in str(r.exception)


def test_exports_refused_before_pseudonymisation_then_override_logged(study):
    s = study / "study"
    for args in (
        ("export", s, study / "x.qdpx"),
        ("framework", s, "--output", study / "f.xlsx"),
        ("report", s, study / "r.html"),
    ):
        r = run(*args, ok=False)
        assert "has not been pseudonymised" in str(r.exception)
    assert not list(study.glob("x.qdpx")) + list(study.glob("f.xlsx")) + list(study.glob("r.html"))
    run("export", s, study / "x.qdpx", "--reason", "Sent to our own secure drive", "--user", "amy")
    audit = [e for e in store.read_audit(s) if e.action == "export-override"]
    assert audit[0].details["reason"] == "Sent to our own secure drive"
    assert audit[0].user == "amy"


def test_full_flow_and_key_never_leaks(study):
    s = study / "study"
    _pseudonymise(study)
    _code(study)
    _pseudonymise(study)  # the memo written while coding is reviewed before it leaves
    stats = json.loads(run("code-stats", s, "--json").output)
    assert {c["code"]: c["codings"] for c in stats["codes"]}["Interpreters"] == 2
    m = json.loads(run("matrix", s, "--attribute", "nation", "--json").output)
    assert m["values"] == ["England", "Scotland"]
    ag = json.loads(run("agreement", s, "--json", "--unit", "turn").output)
    assert ag["unit"] == "turn" and ag["coders"] == ["alice", "bob"]
    assert len(ag["disagreements"]) == 1
    fm = json.loads(run("framework", s, "--json").output)
    assert fm["participants"] == ["P7", "P12"]
    outputs = {
        "f.xlsx": ("framework", s, "--output", study / "f.xlsx"),
        "f.docx": ("framework", s, "--output", study / "f.docx"),
        "r.html": ("report", s, study / "r.html"),
        "r.docx": ("report", s, study / "r.docx"),
        "x.qdpx": ("export", s, study / "x.qdpx"),
        "b.qdc": ("export", s, study / "b.qdc"),
        "m.xlsx": ("matrix", s, "--attribute", "nation", "--output", study / "m.xlsx"),
    }
    for args in outputs.values():
        run(*args)
    texts = {}
    for name in outputs:
        path = study / name
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                texts[name] = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
        else:
            texts[name] = path.read_text("utf-8")
    for f in s.rglob("*"):
        if f.is_file():
            texts[str(f)] = f.read_text("utf-8")
    for name, text in texts.items():
        for real in REAL_NAMES:
            assert real not in text, (real, name)
        assert "key.csv" not in text and "secret" not in text, name
    assert "Participant A" in texts["x.qdpx"]
    assert "No interpreter; companion present" in texts["f.docx"]
    # the quote attribution in the report
    assert "P12, nurse, England" in texts["r.html"]
    # import back
    run("import-qdpx", study / "x.qdpx", study / "copy")
    copy = store.load(study / "copy")
    orig = store.load(s)
    assert copy.codings == orig.codings and copy.memos == orig.memos
    assert copy.participants == orig.participants and copy.codes == orig.codes


def test_code_file_all_or_nothing(study):
    s = study / "study"
    _pseudonymise(study)
    codings = study / "codings.csv"
    codings.write_text(
        "source,text,code,memo\n"
        "P12,we had no interpreter,Interpreters,first\n"
        "P12,words that are not there,Interpreters,\n"
        "P7_interview,telephone line,No such code,\n",
        "utf-8",
    )
    r = run("code", s, "--coder", "carol", "--file", codings, ok=False)
    lines = [(p.line, p.message[:20]) for p in r.exception.problems]
    assert [x[0] for x in lines] == [3, 4]
    assert store.load(s).codings == {}
    codings.write_text(
        "source,start,end,code\nP12,0,11,Interpreters\nP12,0,11,In vivo code\n", "utf-8"
    )
    r = run("code", s, "--coder", "carol", "--file", codings, "--new-code", "--json")
    added = json.loads(r.output)["added"]
    assert [a["text"] for a in added] == ["Interviewer", "Interviewer"]
    assert store.load(s).find_code("In vivo code") is not None
    run("code", s, "--coder", "carol", "--remove", added[0]["id"])
    assert len(store.load(s).codings) == 1


def test_search_segments_memo_codebook_topic_guide(study):
    s = study / "study"
    hits = json.loads(run("search", s, "interpreter", "--json").output)
    assert [h["source"] for h in hits] == ["P12", "P7_interview"]
    hits = json.loads(run("search", s, "interpreter", "--whole-word", "--json").output)
    assert [(h["source"], h["line"], h["speaker"]) for h in hits] == [("P12", 3, "P12")]
    _pseudonymise(study)
    _code(study)
    _pseudonymise(study)  # the memo written while coding is reviewed before it leaves
    segs = json.loads(run("segments", s, "Interpreters", "--coder", "alice", "--json").output)
    assert segs[0]["memos"] == ["No interpreter; companion present"]
    run("memo", s, "Theme ideas so far", "--author", "alice")
    run("memo", s, "Short interview", "--on", "source", "--target", "P7_interview")
    assert len(store.load(s).memos) == 3
    out = run("codebook", s, "--export", study / "book.yaml").output
    assert "Theme: Availability of resources" in out and (study / "book.yaml").exists()
    assert "Identifying" in run("topic-guide", s).output


def test_import_reports_bad_file_and_changes_nothing(study):
    bad = study / "in" / "P9.txt"
    bad.write_bytes(b"P9: caf\xe9\n")
    r = run("import", study / "study", bad, ok=False)
    assert r.exception.problems[0].line == 1
    assert "--encoding" in r.exception.problems[0].fix
    assert len(store.load(study / "study").sources) == 2
    run("import", study / "study", bad, "--encoding", "cp1252")
    assert store.load(study / "study").source("P9").text == "P9: café\n"


def test_through_readiness_main_with_json_error(study, capsys):
    from readiness.cli import main

    assert main(["interviews", "code-stats", str(study / "study"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_transcripts"] == 2
    out = str(study / "f.xlsx")
    assert main(["interviews", "framework", str(study / "study"), "--output", out, "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["error"] == "3 problems in interview data:"  # two transcripts, the rest
    assert "has not been pseudonymised" in error["problems"][0]["message"]


# -- pseudonymised exports carry no real name --------------------------------------------------

RITCHIE = (
    "Interviewer: Tell me about the clinic.\nR1: Ritchie from unix-ritchie told me about it.\n"
)


def _every_byte(path) -> str:
    """A file's text, or the text of every member of a zip (qdpx, xlsx, docx), lower case."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(path) as z:
            data = b"".join(z.read(n) for n in z.namelist())
    return data.decode("utf-8", errors="replace").lower()


@pytest.fixture
def ritchie(tmp_path):
    """A project whose file, transcript and participant names, attributes, memos, codes and
    themes all carry the key's name Ritchie."""
    (tmp_path / "in").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "in" / "unix-ritchie.txt").write_text(RITCHIE, "utf-8")
    (tmp_path / "in" / "people.csv").write_text(
        "participant,profession,nation\nunix-ritchie,nurse (Ritchie ward),England\n", "utf-8"
    )
    (tmp_path / "secret" / "key.csv").write_text("real,pseudonym\nRitchie,Person R\n", "utf-8")
    folder = tmp_path / "study"
    run("init", folder, "--starter-codebook", "--name", "Ritchie pilot")
    run("import", folder, tmp_path / "in" / "unix-ritchie.txt")
    run("import", folder, "--participants", tmp_path / "in" / "people.csv")
    p = store.load(folder)
    code = p.add_code("Ritchie's referral", parent=None, definition="What Ritchie did")
    theme = next(iter(p.themes.values()))
    p.themes[theme.id] = type(theme)(**{**theme.__dict__, "codes": (*theme.codes, code.id)})
    text = p.source("unix-ritchie").text
    s = text.index("Ritchie from")
    coding = p.add_coding("unix-ritchie", s, s + 12, code.id, "alice")
    p.add_memo("Ritchie was upset; exemplar", target="coding", target_id=coding.id, title="Ritchie")
    p.add_memo("Met Ritchie twice", target="project")
    store.save(p, folder)
    return tmp_path


def _outputs(tmp, *extra):
    """Every way the command line writes the project out; returns the files and printed text."""
    s = tmp / "study"
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    printed = [
        run("export", s, out / "p.qdpx", *extra).output,
        run("framework", s, "--output", out / "f.xlsx", *extra).output,
        run("framework", s, "--output", out / "f.docx", *extra).output,
        run("framework", s, "--json").output,
        run(
            "segments",
            s,
            "--theme",
            next(iter(store.load(s).themes.values())).name,
            "--json",
            *extra,
        ).output,
        run("report", s, out / "r.html", *extra).output,
        run("report", s, out / "r.docx", *extra).output,
    ]
    return [out / n for n in ("p.qdpx", "f.xlsx", "f.docx", "r.html", "r.docx")], printed


def test_pseudonymised_exports_carry_no_real_name_anywhere(ritchie):
    s = ritchie / "study"
    run("pseudonymise", s, "--key", ritchie / "secret" / "key.csv", "--accept-all")
    files, printed = _outputs(ritchie)
    for f in files:
        assert "ritchie" not in _every_byte(f), f.name
    for text in printed:
        assert "ritchie" not in text.lower()
    assert "person r" in _every_byte(files[0])  # the pseudonym took its place


def test_an_export_is_refused_while_anything_is_unreviewed(ritchie):
    """Before the review, and again after a memo is added, every export is refused; a reason
    lets it through and is logged."""
    s = ritchie / "study"
    out = ritchie / "out.qdpx"
    for args in (
        ("export", s, out),
        ("framework", s, "--output", ritchie / "f.xlsx"),
        ("segments", s, "--theme", next(iter(store.load(s).themes.values())).name),
        ("report", s, ritchie / "r.html"),
    ):
        r = run(*args, ok=False)
        assert "has not been pseudonymised" in str(r.exception), args
    run("pseudonymise", s, "--key", ritchie / "secret" / "key.csv", "--accept-all")
    run("export", s, out)
    run("memo", s, "Ritchie phoned again")
    r = run("export", s, out, ok=False)
    assert "1 memo (" in str(r.exception) and "not reviewed for pseudonymisation since" in str(
        r.exception
    )
    run("export", s, out, "--reason", "For the data controller", "--user", "amy")
    last = store.read_audit(s)[-2]
    assert last.action == "export-override" and last.details["unreviewed"] == {"memo": 1}
    assert last.details["reason"] == "For the data controller" and last.user == "amy"


def test_codebook_export_is_refused_while_codes_are_unreviewed(ritchie):
    """`codebook --export` writes code and theme names and definitions, which may name people:
    like `export x.qdc`, it is refused until they are reviewed, or a reason is logged."""
    s = ritchie / "study"
    for name in ("book.yaml", "book.qdc"):
        r = run("codebook", s, "--export", ritchie / name, ok=False)
        assert "not reviewed for pseudonymisation" in str(r.exception), name
        assert not (ritchie / name).exists()
    run("codebook", s, "--export", ritchie / "book.yaml", "--reason", "Sharing the codebook")
    assert (ritchie / "book.yaml").exists()
    last = store.read_audit(s)[-1]
    assert last.action == "export-override" and last.details["reason"] == "Sharing the codebook"


def test_participants_are_listed_renamed_and_merged_with_the_audit_log(study):
    s = study / "study"
    listed = json.loads(run("participants", s, "--json").output)
    assert [r["participant"] for r in listed] == ["P12", "P7"]
    assert listed[1]["transcripts"] == ["P7_interview"]
    run("participants", s, "--rename", "P7", "P07", "--user", "amy")
    assert "P07" in run("participants", s).output
    clash = run("participants", s, "--rename", "P12", "P07", ok=False)
    assert "there is already a participant 'P07'" in str(clash.exception)
    merged = json.loads(run("participants", s, "--merge", "P07", "P12", "--json").output)
    assert merged == [
        {
            "participant": "P12",
            "transcripts": ["P12", "P7_interview"],
            "attributes": merged[0]["attributes"],
        }
    ]
    actions = [(e.action, e.user) for e in store.read_audit(s)]
    assert ("rename-participant", "amy") in actions and ("merge-participants", None) in actions
    merge = next(e for e in store.read_audit(s) if e.action == "merge-participants")
    assert merge.details["transcripts"] == 1
    assert "P07" not in json.dumps([e.details for e in store.read_audit(s)])  # GUIDs, not names
