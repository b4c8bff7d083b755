import zipfile

import docx
import pytest
from interviews_helpers import span
from openpyxl import load_workbook

from readiness.interviews import InterviewError, store
from readiness.interviews import documents as docs
from readiness.interviews import outputs as out


@pytest.fixture
def coded(project):
    p = store.load(project)
    code = [
        ("P12", "we had no interpreter", "Interpreters"),
        ("P12", "a man who spoke for her", "Recognising indicators"),
        ("P12", "He wouldn't leave the room, and we had no interpreter", "Safety and control"),
        ("P12", "I went to our safeguarding lead", "Referral routes"),
        ("P7_interview", "Only one slide in the safeguarding day", "Training"),
        ("P7_interview", "I wouldn't know who to refer to", "Referral routes"),
        ("P7_interview", "We use the telephone line, but it takes ages", "Interpreters"),
    ]
    ids = {}
    for src, words, code_name in code:
        s, e = span(p, src, words)
        ids[(src, code_name)] = p.add_coding(src, s, e, code_name, "alice").id
    p.add_memo(
        "Companion controls the consultation; exemplar",
        target="coding",
        target_id=ids[("P12", "Safety and control")],
    )
    p.add_memo(
        "Interpreting by phone is slow",
        target="coding",
        target_id=ids[("P7_interview", "Interpreters")],
    )
    return p


def test_segments_with_attributes_and_filters(coded):
    segs = out.segments(coded, "Interpreters")
    assert [(s.participant, s.text) for s in segs] == [
        ("P12", "we had no interpreter"),
        ("P7", "We use the telephone line, but it takes ages"),
    ]
    assert segs[0].attributes["profession"] == "nurse"
    assert segs[0].speaker == "P12" and segs[0].line == 3  # continuation line of P12's turn
    assert segs[1].memos == ("Interpreting by phone is slow",)
    scot = out.segments(coded, "Interpreters", where={"nation": "Scotland"})
    assert [s.participant for s in scot] == ["P7"]
    theme = out.segments(coded, theme="Providers' knowledge")
    assert {s.code for s in theme} == {"Training", "Recognising indicators", "Referral routes"}
    assert out.segments(coded, "Interpreters", coders=["alice"]) == segs
    with pytest.raises(InterviewError, match="no coder"):
        out.segments(coded, coders=["zed"])


def test_parent_code_includes_children(coded):
    child = coded.add_code("Telephone", parent="Interpreters")
    s, e = span(coded, "P7_interview", "telephone line")
    coded.add_coding("P7_interview", s, e, child.id, "alice")
    assert len(out.segments(coded, "Interpreters")) == 3
    assert len(out.segments(coded, "Interpreters", include_children=False)) == 2


def test_search_offsets_speaker_and_options(coded):
    hits = out.search(coded, "safeguarding")
    assert [(h.participant, h.speaker) for h in hits] == [("P12", "P12"), ("P7", "P7")]
    t = coded.source("P12").text
    assert t[hits[0].start : hits[0].end] == "safeguarding"
    assert "[safeguarding]" in hits[0].context
    assert out.search(coded, "Safeguarding", case_sensitive=True) == []
    assert len(out.search(coded, r"refer(ral)?\b", regex=True)) == 1
    assert len(out.search(coded, "inter", whole_word=True)) == 0
    with pytest.raises(InterviewError, match="regular expression"):
        out.search(coded, "(", regex=True)


def test_attribute_matrix_counts_participants(coded):
    m = out.attribute_matrix(coded, "professional_group", codes=["Interpreters", "Training"])
    assert m.values == ["health", "non-health"]
    assert m.counts == [[1, 1], [0, 1]]
    assert m.totals == [1, 1] and m.n == 2
    s = out.attribute_matrix(coded, "professional_group", codes=["Training"], suppress_below=5)
    assert s.counts == [[0, None]]
    with pytest.raises(InterviewError, match="no participant attribute"):
        out.attribute_matrix(coded, "age")


def test_cooccurrence_overlaps(coded):
    co = out.cooccurrence(
        coded, codes=["Interpreters", "Safety and control", "Recognising indicators", "Training"]
    )
    # P12: "He wouldn't leave ... no interpreter" (Safety) contains "we had no interpreter"
    assert co.segments[0][1] == 1 and co.participants[0][1] == 1
    assert co.segments[1][2] == 0  # the companion passage ends before Safety starts
    assert co.participants[0][0] == 2  # Interpreters used for 2 participants
    assert co.segments[3] == [0, 0, 0, 0]


def test_framework_matrix_by_theme(coded):
    fm = out.framework_matrix(coded)
    assert fm.participants == ["P7", "P12"]
    assert fm.columns[1] == "Availability of resources"
    cell = fm.cells[1][1]  # P12 x resources
    assert cell.n_codings == 1 and cell.codes == ["Interpreters"]
    needs = fm.cells[1][3]
    assert needs.summary == "Companion controls the consultation; exemplar"
    assert needs.quotes[0].text.startswith("He wouldn't leave the room")
    byc = out.framework_matrix(coded, by="code", columns=["Referral routes"])
    assert [c.n_codings for c in byc.cells[0]] == [1]
    filtered = out.framework_matrix(coded, where={"nation": "England"})
    assert filtered.participants == ["P12"]


def test_framework_xlsx_and_docx(tmp_path, coded):
    fm = out.framework_matrix(coded)
    docs.write_framework_xlsx(fm, tmp_path / "f.xlsx")
    wb = load_workbook(tmp_path / "f.xlsx")
    ws = wb["Framework"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Participant" and "Availability of resources" in header
    col = header.index("Particular needs of trafficked people") + 1
    cell = ws.cell(row=3, column=col)
    assert cell.value.startswith("Companion controls the consultation")
    assert "(P12, line 3)" in cell.value
    quotes = list(wb["Quotes"].values)
    linked = int(cell.hyperlink.location.split("!A")[1])
    assert quotes[linked - 1][0] == "P12"
    assert quotes[linked - 1][7].startswith("He wouldn't leave the room")
    assert quotes[0][:3] == ("Participant", "Theme", "Code") and len(quotes) == 8
    docs.write_framework_docx(fm, tmp_path / "f.docx")
    text = "\n".join(p.text for p in docx.Document(tmp_path / "f.docx").paragraphs)
    assert "Availability of resources" in text
    tables = docx.Document(tmp_path / "f.docx").tables
    assert tables[1].rows[1].cells[0].text in ("P7", "P12")


def test_theme_report_quotes_attributed_and_html_accessible(tmp_path, coded):
    rep = out.theme_report(coded)
    needs = next(t for t in rep.themes if t.name == "Particular needs of trafficked people")
    assert needs.quotes[0].attribution == "P12, nurse, England"
    assert needs.by_group == {"health": 1, "non-health": 0}
    resources = next(t for t in rep.themes if t.name == "Availability of resources")
    assert {q.attribution for q in resources.quotes} == {
        "P12, nurse, England",
        "P7, police officer, Scotland",
    }
    html = docs.theme_report_html(rep)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")
    assert '<th scope="col">' in html and "<caption>" in html
    assert "P12, nurse, England" in html
    docs.write_theme_report_docx(rep, tmp_path / "r.docx")
    body = "\n".join(p.text for p in docx.Document(tmp_path / "r.docx").paragraphs)
    assert "(P12, nurse, England)" in body
    small = out.theme_report(coded, suppress_below=5)
    assert "fewer than 5" in docs.theme_report_html(small)


def test_tables_written_with_suppression(tmp_path, coded):
    m = out.attribute_matrix(coded, "nation", codes=["Training"], suppress_below=5)
    docs.write_table(m, tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_text("utf-8").splitlines()[1] == "Training,0,<5"
    docs.write_table(out.cooccurrence(coded), tmp_path / "c.xlsx")
    assert zipfile.is_zipfile(tmp_path / "c.xlsx")


def test_code_stats(coded):
    st = out.code_stats(coded)
    row = next(r for r in st.codes if r.code == "Referral routes")
    assert (row.codings, row.participants, row.transcripts, row.coders) == (2, 2, 2, 1)
    assert st.n_codings == 7 and st.n_participants == 2


def test_regex_search_cannot_be_made_to_backtrack_for_ever(coded):
    """A pattern that takes Python's engine exponential time (nested repetition that cannot
    match) runs in linear time: the search returns, with no hit, in well under a second (the
    bound leaves room for a busy machine, and none for backtracking, which takes minutes)."""
    import time

    coded.add_transcript("long", "nurse " * 40_000 + "and at the end no exclamation mark")
    started = time.perf_counter()
    assert out.search(coded, "([a-z ]+)+!", regex=True) == []
    assert out.search(coded, "(a|aa)+$", regex=True, whole_word=True) == []
    assert time.perf_counter() - started < 5


def test_regex_search_explains_syntax_it_does_not_support(coded):
    with pytest.raises(InterviewError, match=r"(?i)back-references.*look-around"):
        out.search(coded, r"(inter)\1", regex=True)
    with pytest.raises(InterviewError, match=r"(?i)back-references.*look-around"):
        out.search(coded, r"(?<!an )interpreter", regex=True)


def test_regex_search_keeps_offsets_case_and_whole_words(coded):
    """The safe engine gives the same hits as before: character offsets into the text (also
    after accented letters), case folding, and whole words."""
    coded.add_transcript("accents", "Interviewer: café Café interpreters interpreter")
    hits = out.search(coded, r"caf.", regex=True, sources=["accents"])
    t = coded.source("accents").text
    assert [t[h.start : h.end] for h in hits] == ["café", "Café"]
    assert (
        len(out.search(coded, r"caf.", regex=True, case_sensitive=True, sources=["accents"])) == 1
    )
    words = out.search(coded, r"interpreters?", regex=True, whole_word=True, sources=["accents"])
    assert [t[h.start : h.end] for h in words] == ["interpreters", "interpreter"]
    assert out.search(coded, r"nterpret", regex=True, whole_word=True, sources=["accents"]) == []


def _words(project, pattern, source, **kw):
    t = project.source(source).text
    hits = out.search(project, pattern, regex=True, whole_word=True, sources=[source], **kw)
    return [(h.start, h.end, t[h.start : h.end]) for h in hits]


def test_regex_whole_word_search_finds_a_longer_match_where_a_shorter_one_is_not_a_word(coded):
    """RE2 gives the leftmost match without backtracking: ``cat`` inside "category" must not hide
    "category", and a word right after a hit (one space between) is still found."""
    coded.add_transcript("cats", "Interviewer: the category and the cat, cat")
    t = coded.source("cats").text
    found = _words(coded, "cat|category", "cats")
    assert [w for *_, w in found] == ["category", "cat", "cat"]
    assert [(s, e) for s, e, _ in found] == [
        (t.index("category"), t.index("category") + 8),
        (t.index("cat,"), t.index("cat,") + 3),
        (t.rindex("cat"), len(t)),
    ]
    assert [w for *_, w in _words(coded, "cat", "cats")] == ["cat", "cat"]
    assert [w for *_, w in _words(coded, "CAT|Category", "cats")] == ["category", "cat", "cat"]
    assert _words(coded, "CAT", "cats", case_sensitive=True) == []


def test_regex_whole_word_search_treats_accented_letters_as_letters_and_emoji_as_gaps(coded):
    coded.add_transcript("names", "Interviewer: Zoë said naïve things 🙂naïve🙂 Zo ë Zoë_x -x--x-")
    assert [w for *_, w in _words(coded, "Zo|Zoë", "names")] == ["Zoë", "Zo"]
    assert [w for *_, w in _words(coded, "na|naïve", "names")] == ["naïve", "naïve"]
    assert [w for *_, w in _words(coded, "ïve", "names")] == []
    assert [w for *_, w in _words(coded, "ë", "names")] == ["ë"]
    # hits that begin and end with a gap: the next may start right after the last
    assert [w for *_, w in _words(coded, "-x-", "names")] == ["-x-", "-x-"]
    # the user's own groups do not change which part is the hit
    assert [w for *_, w in _words(coded, "(n)(a)ïve|(Z)oë", "names")] == ["Zoë", "naïve", "naïve"]


def test_framework_matrix_keeps_codes_in_no_theme_in_a_column_of_their_own(coded):
    s, e = span(coded, "P12", "I'm a nurse in A&E")
    coded.add_code("Rôle 👩‍⚕️")  # in no theme
    coded.add_coding("P12", s, e, "Rôle 👩‍⚕️", "alice")
    fm = out.framework_matrix(coded)
    assert fm.columns[-1] == out.NO_THEME and len(fm.columns) == len(coded.themes) + 1
    cell = fm.cells[fm.participants.index("P12")][-1]
    assert cell.codes == ["Rôle 👩‍⚕️"] and cell.quotes[0].text == "I'm a nurse in A&E"
    # every coding is in exactly one column: none is lost for being in no theme
    assert sum(c.n_codings for row in fm.cells for c in row) == len(coded.codings)
    chosen = out.framework_matrix(coded, columns=["Providers' knowledge"])
    assert chosen.columns == ["Providers' knowledge"]


def test_framework_matrix_names_the_coders_of_a_passage_coded_twice(tmp_path, coded):
    s, e = span(coded, "P12", "we had no interpreter")
    coded.add_coding("P12", s, e, "Interpreters", "Bob Ó")  # the same passage as alice
    s2, e2 = span(coded, "P7_interview", "We use the telephone line")
    coded.add_coding("P7_interview", s2, e2, "Interpreters", "Bob Ó")  # overlaps alice's
    fm = out.framework_matrix(coded)
    col = fm.columns.index("Availability of resources")
    p12 = fm.cells[fm.participants.index("P12")][col]
    assert p12.n_codings == 2
    (q,) = p12.quotes  # one quote for the one passage, naming both coders
    assert q.coders == ("alice", "Bob Ó")
    p7 = fm.cells[fm.participants.index("P7")][col]
    assert sorted(q.coders for q in p7.quotes) == [("Bob Ó",), ("alice",)]
    alone = fm.cells[fm.participants.index("P7")][fm.columns.index("Providers' knowledge")]
    assert all(q.coders == () for q in alone.quotes)  # one coder: no names needed
    docs.write_framework_xlsx(fm, tmp_path / "f.xlsx")
    ws = load_workbook(tmp_path / "f.xlsx")["Framework"]
    header = [c.value for c in ws[1]]
    text = ws.cell(row=3, column=header.index("Availability of resources") + 1).value
    assert "(P12, line 3; coded by alice, Bob Ó)" in text
    quotes = list(load_workbook(tmp_path / "f.xlsx")["Quotes"].values)
    assert quotes[0][8] == "Coded by" and ("alice, Bob Ó") in [r[8] for r in quotes]
    docs.write_framework_docx(fm, tmp_path / "f.docx")
    cells = [
        c.text for t in docx.Document(tmp_path / "f.docx").tables for r in t.rows for c in r.cells
    ]
    assert any("coded by alice, Bob Ó" in c for c in cells)
