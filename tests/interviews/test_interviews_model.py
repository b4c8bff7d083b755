import json

import pytest
from interviews_helpers import span

from readiness.interviews import InterviewError, store
from readiness.interviews.codebook import (
    apply_codebook,
    codebook_dict,
    load_codebook,
    starter_codebook,
)
from readiness.interviews.ingest import (
    guess_participant,
    import_attributes,
    import_transcripts,
    load_topic_guide,
)


def test_import_links_participants_and_attributes(project):
    p = store.load(project)
    assert sorted(s.name for s in p.sources.values()) == ["P12", "P7_interview"]
    p12 = p.participant("P12")
    assert p12.attributes == {
        "professional_group": "health",
        "profession": "nurse",
        "sector": "NHS",
        "nation": "England",
        "interview_date": "2024-03-01",
    }
    assert p.variable_named("interview_date").type == "Date"
    assert p.participants_of(p.source("P7_interview").id)[0].name == "P7"


def test_guess_participant():
    assert guess_participant("P12_interview") == "P12"
    assert guess_participant("HCP03 final") == "HCP03"
    assert guess_participant("nurse-interview") == "nurse-interview"


def test_nothing_is_half_imported(tmp_path, files):
    folder = tmp_path / "s"
    p = store.init(folder)
    (files / "bad.txt").write_bytes(b"P1: \xff")
    with pytest.raises(InterviewError) as e:
        import_transcripts(p, [files / "P12.txt", files / "bad.txt"])
    assert len(e.value.problems) == 1 and e.value.problems[0].file.endswith("bad.txt")
    assert p.sources == {} and p.participants == {}


def test_duplicate_name_is_refused(tmp_path, files):
    p = store.init(tmp_path / "s")
    import_transcripts(p, [files / "P12.txt"])
    with pytest.raises(InterviewError, match="already in the project"):
        import_transcripts(p, [files / "P12.txt"])


def test_attribute_csv_problems_name_line_and_column(tmp_path):
    p = store.init(tmp_path / "s")
    csv = tmp_path / "a.csv"
    csv.write_text("participant,nation\nP1,England\n,Scotland\nP1,Wales\nP3\n", encoding="utf-8")
    with pytest.raises(InterviewError) as e:
        import_attributes(p, csv)
    lines = [(x.line, x.column) for x in e.value.problems]
    assert lines == [(3, "participant"), (4, "participant"), (5, None)]
    assert p.participants == {}


def test_codings_validate_and_survive_save_load(project):
    p = store.load(project)
    s, e = span(p, "P12", "we had no interpreter")
    c = p.add_coding("P12", s, e, "Interpreters", "alice")
    assert p.add_coding("P12", s, e, "Interpreters", "alice") is c
    with pytest.raises(InterviewError, match="not inside"):
        p.add_coding("P12", 5, 5, "Interpreters", "alice")
    with pytest.raises(InterviewError, match="no code"):
        p.add_coding("P12", s, e, "Nope", "alice")
    p.add_memo("Companion as gatekeeper", target="coding", target_id=c.id, author="alice")
    store.save(p, project)
    q = store.load(project)
    (c2,) = q.codings.values()
    assert q.sources[c2.source].text[c2.start : c2.end] == "we had no interpreter"
    assert q.user_name(c2.coder) == "alice"
    assert q.memos_on("coding", c2.id)[0].text == "Companion as gatekeeper"


def test_code_lookup_by_path_and_ambiguity(project):
    p = store.load(project)
    p.add_code("Family", parent="Interpreters")
    p.add_code("Family", parent="Trust and relationships")
    assert p.code("Interpreters/Family").parent == p.code("Interpreters").id
    with pytest.raises(InterviewError, match="more than one code"):
        p.code("Family")


def test_changed_text_on_disk_is_detected(project):
    path = next((project / "sources").glob("*.txt"))
    path.write_text("tampered", encoding="utf-8")
    with pytest.raises(InterviewError, match="changed outside Readiness"):
        store.load(project)


def test_failed_save_leaves_project_as_it_was(project, monkeypatch):
    before = (project / "project.json").read_text(encoding="utf-8")
    p = store.load(project)
    p.add_code("New code")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(store.json, "dumps", boom)
    with pytest.raises(OSError):
        store.save(p, project)
    assert (project / "project.json").read_text(encoding="utf-8") == before
    monkeypatch.undo()
    store.load(project)


def test_save_removes_text_no_longer_referenced(project):
    p = store.load(project)
    t = p.source("P12")
    from readiness.interviews.text import Edit, apply_edits

    new, m = apply_edits(t.text, [Edit(0, 11, "Researcher")])
    p.replace_text(t.id, new, m)
    store.save(p, project)
    texts = [f.read_text(encoding="utf-8") for f in (project / "sources").glob("*")]
    assert len(texts) == 2
    assert not any(x.startswith("Interviewer: Can you") for x in texts)
    assert any(x.startswith("Researcher: Can you") for x in texts)


def test_audit_log_records_steps(project):
    actions = [e.action for e in store.read_audit(project)]
    assert actions[:3] == ["create-project", "import-transcript", "import-transcript"]
    assert "load-codebook" in actions


def test_starter_codebook_has_four_themes_with_definitions():
    book = starter_codebook()
    assert [t["name"] for t in book["themes"]] == [
        "Entitlements to care",
        "Availability of resources",
        "Providers' knowledge",
        "Particular needs of trafficked people",
    ]
    for th in book["themes"]:
        assert th["codes"]
        for c in th["codes"]:
            assert c["definition"] and c["inclusion"] and c["exclusion"]
            assert c["example"].startswith("(invented)")
    resources = [c["name"] for c in book["themes"][1]["codes"]]
    assert {
        "Interpreters",
        "Trafficking support services",
        "Specialist mental health services",
    } <= set(resources)


def test_codebook_yaml_round_trip(tmp_path, project):
    import yaml

    p = store.load(project)
    p.add_code("Family", parent="Interpreters", definition="A relative interprets.")
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(codebook_dict(p), sort_keys=False), encoding="utf-8")
    q = store.init(tmp_path / "other")
    apply_codebook(q, load_codebook(path))
    assert sorted(q.code_path(c) for c in q.codes) == sorted(p.code_path(c) for c in p.codes)
    assert q.code("Interpreters/Family").definition == "A relative interprets."
    assert [t.name for t in q.themes.values()] == [t.name for t in p.themes.values()]


def test_codebook_errors_are_located(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(
        "themes:\n  - name: T\n    codes:\n      - name: a/b\n      - definition: x\n"
        "codes:\n  - name: C\n    colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(InterviewError) as e:
        load_codebook(path)
    where = [x.column for x in e.value.problems]
    assert where == ["themes[1].codes[1]", "themes[1].codes[2]", "codes[1]"]


def test_topic_guide_starter():
    g = load_topic_guide()
    titles = [s.title for s in g.sections]
    assert {"Identifying", "Referring", "Caring"} <= set(titles)
    assert all(s.questions for s in g.sections)


def test_project_json_has_no_text(project):
    data = json.loads((project / "project.json").read_text(encoding="utf-8"))
    assert "spoke for her" not in json.dumps(data)


def test_update_and_remove_coding_keep_memos_right(project):
    p = store.load(project)
    s, e = span(p, "P12", "we had no interpreter")
    c = p.add_coding("P12", s, e, "Interpreters", "alice")
    m = p.add_memo("note", target="coding", target_id=c.id)
    s2, e2 = span(p, "P12", "no interpreter")
    u = p.update_coding(c.id, start=s2, end=e2, code="Safety and control")
    assert (u.id, u.coder, u.created) == (c.id, c.coder, c.created)
    assert p.sources[u.source].text[u.start : u.end] == "no interpreter"
    assert p.code_path(u.code) == "Safety and control"
    with pytest.raises(InterviewError, match="not inside"):
        p.update_coding(c.id, end=10**6)
    assert p.codings[c.id] == u
    p.remove_coding(c.id)
    assert c.id not in p.codings and m.id not in p.memos
