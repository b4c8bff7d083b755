"""The database and the core project, both ways: nothing is lost, nothing is changed twice, and
a project folder or a .qdpx file comes in and goes out again unchanged."""

from __future__ import annotations

import io
import zipfile

import pytest

from readiness.interviews import pseudonymise as ps
from readiness.interviews import refi, store
from readiness.interviews.codebook import apply_codebook, starter_codebook
from readiness.interviews.model import Project
from readiness.web.interviews import analysis, convert, services
from readiness.web.interviews import models as m
from tests.web.interviews.builders import P7, P9, P12, access, code_words, make_project

pytestmark = pytest.mark.django_db


def core_project() -> Project:
    """A core project with something of every kind: users, attributes, a topic guide, themes,
    nested codes, codings of two coders, memos on every kind of target."""
    from readiness.interviews.ingest import load_topic_guide

    p = Project("Round trip", description="Every kind of object")
    p.creator = p.user("amy").id
    apply_codebook(p, starter_codebook())
    p.topic_guide = load_topic_guide()
    parent = p.code("Interpreters")
    child = p.add_code("Telephone interpreting", parent=parent.id, definition="By phone")
    for name, text in (("P12", P12), ("P7", P7), ("P9", P9)):
        p.add_transcript(name, text, participant=name)
    p.add_participant("P12", {"profession": "nurse", "nation": "England"})
    p.add_participant("P7", {"profession": "police officer", "nation": "Scotland"})
    t12, t9 = p.source("P12"), p.source("P9")
    s = t12.text.index("we had no interpreter")
    a = p.add_coding("P12", s, s + 21, "Interpreters", "alice")
    p.add_coding("P12", s, s + 21, "Interpreters", "bob")
    e = t9.text.index("interpreter never came")
    p.add_coding("P9", e, e + 22, child.id, "alice")
    p.add_memo("Project memo", author="amy")
    p.add_memo("On a transcript", target="source", target_id=t12.id, author="alice")
    p.add_memo("On a code", target="code", target_id=parent.id, author="bob")
    p.add_memo("On a coding", target="coding", target_id=a.id, author="alice", title="Why")
    p.add_memo("On a passage 😀", target="selection", source=t9.id, start=0, end=5)
    p.audit = []
    return p


def comparable(p: Project) -> dict:
    return store.to_dict(p)


def test_a_core_project_survives_the_database_unchanged():
    core = core_project()
    project = convert.sync(core, slug="round-trip")
    again = convert.to_core(project)
    assert comparable(again) == comparable(core)
    # Writing it back changes nothing, and the emoji in the text and memo are intact.
    before = {r.pk: r.text for r in m.Transcript.objects.all()}
    convert.sync(again, project)
    assert {r.pk: r.text for r in m.Transcript.objects.all()} == before
    assert comparable(convert.to_core(project)) == comparable(core)
    assert "😀" in m.Memo.objects.get(target="selection").text


def test_sync_deletes_what_the_core_no_longer_holds():
    core = core_project()
    project = convert.sync(core, slug="round-trip")
    coding = next(iter(core.codings.values()))
    core.remove_coding(coding.id)  # and the memo on it
    convert.sync(core, project)
    assert not m.Coding.objects.filter(guid=coding.id).exists()
    assert not m.Memo.objects.filter(target="coding").exists()
    assert comparable(convert.to_core(project)) == comparable(core)


def test_a_view_of_some_transcripts_leaves_the_others_and_their_codings_out():
    project = convert.sync(core_project(), slug="round-trip")
    t9 = m.Transcript.objects.get(project=project, name="P9")
    part = convert.to_core(project, sources=[t9.pk])
    assert [t.name for t in part.sources.values()] == ["P9"]
    assert {part.sources[c.source].name for c in part.codings.values()} == {"P9"}
    assert all(m.target != "coding" for m in part.memos.values())
    assert not part.problems()


def test_a_project_folder_comes_in_with_its_audit_log_and_goes_out_without_it(people, tmp_path):
    core = core_project()
    store.save(core, tmp_path / "study")
    core.log("export-override", "amy", reason="testing")
    store.save(core, tmp_path / "study")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for f in (tmp_path / "study").rglob("*"):
            if f.is_file():
                z.write(f, "study/" + str(f.relative_to(tmp_path / "study")))
    upload = tmp_path / "study.zip"
    upload.write_bytes(buffer.getvalue())
    project, warnings = services.import_project(upload, people["lead"])
    assert warnings == []
    assert comparable(convert.to_core(project)) == comparable(store.load(tmp_path / "study"))
    entries = list(m.AuditEntry.objects.filter(project=project).order_by("id"))
    # The uploaded log is kept as what the file claims, never as the project's own history.
    assert entries[0].action == "imported-history" and entries[-1].action == "import-web"
    assert entries[0].details["claimed"]["action"] == "export-override"

    # Out again (the transcripts are not pseudonymised, so the lead gives a reason).
    name, data, _ = analysis.download(
        project, access(people["lead"], project), "project-zip", reason="moving servers"
    )
    out = tmp_path / "out"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(out)
    back = store.load(out / project.slug)
    assert comparable(back) == comparable(core)
    # The log stays behind: it names uploaded files and holds free-text reasons, which no
    # pseudonymisation review reads.  The export is in the project's own log.
    assert store.read_audit(out / project.slug) == []
    assert not (out / project.slug / "audit.jsonl").exists()
    assert m.AuditEntry.objects.filter(project=project, action="export-folder").exists()


def test_a_qdpx_file_comes_in_and_goes_out_unchanged(people, tmp_path):
    core = core_project()
    ps.apply(core, [])  # a reviewed project exports without a reason
    path = refi.write_qdpx(core, tmp_path / "in.qdpx")
    project, warnings = services.import_project(path, people["lead"])
    assert warnings == []
    imported = convert.to_core(project)
    assert {c.id for c in imported.codings.values()} == set(core.codings)
    assert {x.id for x in imported.memos.values()} == set(core.memos)
    # Imported transcripts must be reviewed again (the core's rule), so the export needs a reason.
    lead = access(people["lead"], project)
    with pytest.raises(Exception, match="has not been pseudonymised"):
        analysis.download(project, lead, "project-qdpx")
    name, data, _ = analysis.download(project, lead, "project-qdpx", reason="round trip test")
    (tmp_path / name).write_bytes(data)
    back, _ = refi.read_qdpx(tmp_path / name)
    for kind in ("codes", "codings", "memos", "participants", "sources", "themes", "users"):
        assert set(getattr(back, kind)) == set(getattr(imported, kind)), kind
    for cid, c in imported.codings.items():
        assert (back.codings[cid].start, back.codings[cid].end) == (c.start, c.end)
    assert back.sources[next(iter(back.sources))].text in {t.text for t in core.sources.values()}


def test_import_refuses_what_is_not_a_project(people, tmp_path):
    bad = tmp_path / "notes.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(Exception, match="no Readiness project folder"):
        services.import_project(bad, people["lead"])
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("study/project.json", "{}")
        z.writestr("../outside.txt", "x")
    with pytest.raises(Exception, match="unsafe path"):
        services.import_project(evil, people["lead"])
    assert not m.InterviewProject.objects.exists()


def test_the_web_project_is_the_core_project(project, people):
    """What the pages made (import, pseudonymisation, codings) is a valid core project."""
    code_words(project, people["alice"], "P12", "we had no interpreter", "Interpreters")
    core = convert.to_core(project)
    assert not core.problems()
    assert {t.name for t in core.sources.values()} == {"P12", "P7_interview", "P3", "P9"}
    assert all(t.pseudonymised for t in core.sources.values())
    assert {p.name for p in core.participants.values()} >= {"P12", "P7", "P3", "P9"}
    assert core.find_participant("P12").attributes["profession"] == "nurse"
    coding = next(iter(core.codings.values()))
    assert core.user_name(coding.coder) == "alice"


def test_a_new_project_records_its_lead_and_starter_codebook(people):
    project = make_project(people["lead"], pseudonymise=False)
    assert project.members.get().role == "lead"
    assert m.Theme.objects.filter(project=project).count() == 4
    assert m.Code.objects.filter(project=project).count() == 18
    actions = list(m.AuditEntry.objects.filter(project=project).values_list("action", flat=True))
    assert actions[:2] == ["create-project", "load-codebook"]
    assert actions.count("import-transcript") == 4
