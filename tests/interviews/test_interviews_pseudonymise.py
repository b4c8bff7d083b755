from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interviews_helpers import span

from readiness.interviews import InterviewError, Project, store
from readiness.interviews import pseudonymise as ps


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "secret" / "key.csv"
    path.parent.mkdir()
    path.write_text("real,pseudonym\nSarah Jones,Participant A\nSt Mary's,Hospital 1\n", "utf-8")
    return path


@pytest.mark.parametrize(
    "text,kind,found",
    [
        ("ring 07700 900123 today", "phone", "07700 900123"),
        ("ring +44 (0)20 7946 0018.", "phone", "+44 (0)20 7946 0018"),
        ("ring (01632) 960000", "phone", "(01632) 960000"),
        ("mail a.b+c@nhs.net, thanks", "email", "a.b+c@nhs.net"),
        ("NHS number 943 476 5919.", "nhs_number", "943 476 5919"),
        ("lives at SW1A 1AA now", "postcode", "SW1A 1AA"),
        ("she was born on 3rd March 1990 in", "date_of_birth", "3rd March 1990"),
        ("DOB: 12/03/85.", "date_of_birth", "12/03/85"),
    ],
)
def test_detectors_find(text, kind, found):
    hits = [(k, text[s:e]) for s, e, k, _ in ps.detect(text)]
    assert hits == [(kind, found)]


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5918 fails the check digit",
        "1111111111 is one digit repeated",
        "met on 12/03/2019 at the clinic",  # a date, but not of birth
        "the 2019 figures were 12345",
        "on b12 4th floor",
        "it took 0 to 10 minutes",
    ],
)
def test_detectors_do_not_find(text):
    assert ps.detect(text) == []


def test_nhs_check_digit():
    # worked by hand: 9,4,3,4,7,6,5,9,1 weighted 10..2 sum to 299; 299 mod 11 = 2; 11-2 = 9
    assert ps.nhs_number_valid("9434765919")
    assert not ps.nhs_number_valid("9434765910")
    # 1*10 + 1*2 = 12, remainder 1, check digit 10: no tenth digit makes it valid
    assert not any(ps.nhs_number_valid(f"100000001{d}") for d in range(10))
    # 1*10 + 6*2 = 22, remainder 0, check digit 11 which counts as 0
    assert ps.nhs_number_valid("1000000060")


def test_key_must_be_outside_project_and_well_formed(tmp_path, project, key):
    inside = project / "key.csv"
    inside.write_text(key.read_text("utf-8"), "utf-8")
    with pytest.raises(InterviewError, match="inside the project folder"):
        ps.load_key(inside, project_folder=project)
    bad = tmp_path / "bad.csv"
    bad.write_text("real,pseudonym\nAnn,\nSam,Sam B\nX,Y\nAnn Lee,P1\nann  lee,P2\n", "utf-8")
    with pytest.raises(InterviewError) as e:
        ps.load_key(bad)
    msgs = [(p.line, p.column) for p in e.value.problems]
    assert msgs == [(2, "pseudonym"), (4, "real"), (6, "pseudonym"), (None, "pseudonym")]


def test_propose_apply_remaps_codings_and_memos(project, key):
    p = store.load(project)
    s, e = span(p, "P12", "Sarah Jones came in with a man who spoke for her")
    c1 = p.add_coding("P12", s, e, "Safety and control", "alice")
    s2, e2 = span(p, "P12", "we had no interpreter")
    c2 = p.add_coding("P12", s2, e2, "Interpreters", "alice")
    s3, e3 = span(p, "P12", "Call me on 07700")  # ends inside the phone number
    c3 = p.add_coding("P12", s3, e3, "Referral routes", "bob")
    memo = p.add_memo("Sarah Jones again mentioned St Mary's", target="coding", target_id=c1.id)
    k = ps.load_key(key, project_folder=project)
    proposals = ps.propose(p, k)
    kinds = sorted({x.kind for x in proposals})
    assert kinds == ["date_of_birth", "email", "name", "nhs_number", "phone", "postcode"]
    decided = ps.decide(proposals, accept_all=True)
    summary = ps.apply(p, decided, reviewer="alice")
    assert summary["accepted"]["name"] == 3
    t = p.source("P12")
    assert "Sarah" not in t.text and "07700" not in t.text
    cod = p.codings
    assert t.text[cod[c1.id].start : cod[c1.id].end] == (
        "Participant A came in with a man who spoke for her"
    )
    assert t.text[cod[c2.id].start : cod[c2.id].end] == "we had no interpreter"
    assert t.text[cod[c3.id].start : cod[c3.id].end] == "Call me on [phone]"
    assert p.memos[memo.id].text == "Participant A again mentioned Hospital 1"
    assert all(x.pseudonymised for x in p.sources.values())
    store.save(p, project)
    audit = (project / "audit.jsonl").read_text("utf-8")
    assert "Sarah" not in audit and "07700" not in audit and '"pseudonymise"' in audit
    assert "Sarah" not in "".join(f.read_text("utf-8") for f in (project / "sources").glob("*"))


def test_document_set_names_are_reviewed_and_gate_exports(project, key):
    from readiness.interviews.model import DocumentSet

    p = store.load(project)
    p12 = p.source("P12").id
    p.sets["s1"] = DocumentSet("s1", "Sarah Jones and colleagues", "Ward 7", (p12,))
    proposals = ps.propose(p, ps.load_key(key, project_folder=project))
    on_set = [x for x in proposals if x.where == "set"]
    assert [x.original for x in on_set] == ["Sarah Jones"]
    ps.apply(p, ps.decide(proposals, accept_all=True), reviewer="alice")
    assert p.sets["s1"].name == "Participant A and colleagues"
    assert ps.unreviewed(p) == []
    p.sets["s1"] = replace(p.sets["s1"], name="Sarah's group")  # changed after the review
    assert ps.unreviewed(p) == [ps.Unreviewed("set", "Sarah's group")]
    with pytest.raises(InterviewError, match=r'1 set \("Sarah.s group"\)'):
        ps.check_export(p, export="qdpx")


def test_accept_some_reject_rest(project, key):
    p = store.load(project)
    proposals = ps.propose(p, ps.load_key(key), sources=["P12"])
    phone = next(x for x in proposals if x.kind == "phone")
    ps.apply(p, ps.decide(proposals, accept=[phone.id]), sources=["P12"])
    t = p.source("P12")
    assert "[phone]" in t.text and "Sarah Jones" in t.text
    assert t.pseudonymised and t.review["accepted"] == 1 and t.review["rejected"] == 2
    assert not p.source("P7_interview").pseudonymised
    with pytest.raises(InterviewError, match="no proposal has the id 99"):
        ps.decide(proposals, accept=["99"])


def test_proposals_file_round_trip(tmp_path, project, key):
    p = store.load(project)
    k = ps.load_key(key)
    proposals = ps.propose(p, k)
    out = tmp_path / "secret" / "proposals.csv"
    with pytest.raises(InterviewError, match="inside the project"):
        ps.write_proposals(proposals, project / "p.csv", project_folder=project)
    ps.write_proposals(proposals, out, project_folder=project)
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    with pytest.raises(InterviewError) as e:
        ps.read_proposals(out, ps.propose(p, k))
    assert len(e.value.problems) == len(rows)
    assert all(x.column == "decision" for x in e.value.problems)
    for r in rows:
        r["decision"] = "reject" if r["kind"] == "postcode" else "accept"
        if r["kind"] == "email":
            r["replacement"] = "[work e-mail]"
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    decided = ps.read_proposals(out, ps.propose(p, k))
    ps.apply(p, decided)
    assert "[work e-mail]" in p.source("P12").text
    assert "SW1A 1AA" in p.source("P7_interview").text
    # the project changed: the same file no longer fits
    with pytest.raises(InterviewError, match="does not match the project"):
        ps.read_proposals(out, ps.propose(p, k))


def test_export_refused_unless_reason_and_override_logged(project):
    p = store.load(project)
    with pytest.raises(InterviewError) as e:
        ps.check_export(p)
    assert len(e.value.problems) == 3 and "--reason" in e.value.problems[0].fix
    assert "2 participants ('P12', 'P7')" in e.value.problems[2].message
    raw = ps.check_export(p, reason="Sent to the data controller for checking", user="alice")
    assert {"P12", "P7_interview", "P7"} <= set(raw)
    assert p.audit[-1].action == "export-override"
    assert sorted(p.audit[-1].details["transcripts"]) == ["P12", "P7_interview"]
    assert p.audit[-1].details["unreviewed"]["participant"] == 2
    assert p.audit[-1].details["reason"] == "Sent to the data controller for checking"


_WORDS = ["Sarah", "Jones", "Sarah Jones", "the", "nurse", "07700 900123", "x@y.org", "\n", "P1:"]


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30), st.data())
def test_coded_text_survives_pseudonymisation_except_replaced_tokens(words, data):
    text = " ".join(words)
    p = Project("prop")
    t = p.add_transcript("T", text)
    p.add_code("C")
    spans = []
    for _ in range(data.draw(st.integers(1, 5))):
        s = data.draw(st.integers(0, len(text) - 1))
        e = data.draw(st.integers(s + 1, len(text)))
        spans.append((p.add_coding("T", s, e, "C", f"coder{len(spans)}").id, s, e))
    key = ps.Key((("Sarah Jones", "Ann Other"), ("Sarah", "Ann")))
    found = ps.detect(text, key)
    ps.apply(p, ps.decide(ps.propose(p, key), accept_all=True))
    new = p.sources[t.id].text
    for cid, s, e in spans:
        # expected: the original span widened to whole replaced tokens, tokens replaced
        for fs, fe, _, _ in found:
            if fs < s < fe:
                s = fs
            if fs < e < fe:
                e = fe
        expected, pos = [], s
        for fs, fe, _, rep in found:
            if s <= fs and fe <= e:
                expected += [text[pos:fs], rep]
                pos = fe
        expected.append(text[pos:e])
        c = p.codings[cid]
        assert new[c.start : c.end] == "".join(expected)


def test_proposals_file_holds_no_formula_and_reads_back_exactly(tmp_path, project, key):
    """The proposals file is opened in a spreadsheet: transcript text that starts like a
    formula is written so that no spreadsheet runs it, and reads back as it was."""
    import csv

    p = store.load(project)
    first, *rest = ps.propose(p, ps.load_key(key))
    hostile = replace(
        first, original="@Sarah", context='=HYPERLINK("http://x","y")', replacement="+1"
    )
    out = tmp_path / "proposals.csv"
    ps.write_proposals([hostile, *rest], out)
    cells = [c for row in csv.reader(out.open(encoding="utf-8")) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    for r in rows:
        r["decision"] = "accept"
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    decided = ps.read_proposals(out, [hostile, *rest])
    assert decided[0].original == "@Sarah" and decided[0].replacement == "+1"
