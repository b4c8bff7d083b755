import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interviews_helpers import span
from lxml import etree

from readiness.interviews import InterviewError, Project, refi, store

G = {k: f"{{{k * 8}-AAAA-4AAA-8AAA-{k * 12}}}" for k in "0123456789"}


@pytest.fixture
def rich(project):
    """The sample project with codes, codings by two coders, memos of every kind, a theme
    with sources, attributes of several types and a child code."""
    p = store.load(project)
    p.add_code("Telephone", parent="Interpreters", definition="Phone interpreting.")
    p.add_code("Solo", definition="Inclusion: looks like a label\nbut is a definition")
    s, e = span(p, "P12", "we had no interpreter")
    c1 = p.add_coding("P12", s, e, "Interpreters", "alice")
    c2 = p.add_coding("P12", s, e, "Safety and control", "bob", selection=c1.selection)
    s, e = span(p, "P7_interview", "telephone line")
    p.add_coding("P7_interview", s, e, "Interpreters/Telephone", "bob")
    p.add_memo("About this coding", target="coding", target_id=c2.id, author="bob", title="M1")
    p.add_memo("Project memo", author="alice")
    p.add_memo("Transcript memo", target="source", target_id="P7_interview")
    p.add_memo("Code memo", target="code", target_id="Training")
    p.add_memo("Just a note on text", target="selection", source="P7_interview", start=0, end=11)
    p.variable("years", "Integer")
    p.variable("fte", "Float")
    p.variable("consented", "Boolean")
    p.add_participant("P12", {"years": 12, "fte": 0.8, "consented": True})
    th = next(iter(p.themes.values()))
    from dataclasses import replace

    p.themes[th.id] = replace(th, sources=(p.source("P12").id,))
    p.description = "A test study"
    return p


def _xml(path):
    with zipfile.ZipFile(path) as z:
        return z.read("project.qde"), z.namelist()


def test_export_validates_against_schema_and_has_sources(tmp_path, rich):
    out = refi.write_qdpx(rich, tmp_path / "x.qdpx", reason="test fixture")
    xml, names = _xml(out)
    root = etree.fromstring(xml)
    schema = etree.XMLSchema(
        etree.parse(refi.resources.files("readiness.interviews") / "schema" / "Project.xsd")
    )
    assert schema.validate(root), schema.error_log
    assert sorted(n for n in names if n.startswith("sources/")) == sorted(
        f"sources/{s}.txt" for s in rich.sources
    )
    paths = root.xpath("//q:TextSource/@plainTextPath", namespaces={"q": refi.NS})
    assert all(p.startswith("internal://") for p in paths)


def test_round_trip_keeps_everything(tmp_path, rich):
    refi.write_qdpx(rich, tmp_path / "x.qdpx", reason="test fixture")
    back, report = refi.read_qdpx(tmp_path / "x.qdpx")
    assert report.warnings == []
    assert back.codes == rich.codes
    assert back.codings == rich.codings
    assert back.memos == rich.memos
    assert back.participants == rich.participants
    assert back.variables == rich.variables
    assert back.themes == rich.themes
    assert back.users == rich.users
    assert back.description == "A test study"
    for sid, t in rich.sources.items():
        b = back.sources[sid]
        assert (b.name, b.text, b.attributes, b.created, b.creator) == (
            t.name,
            t.text,
            t.attributes,
            t.created,
            t.creator,
        )
        assert not b.pseudonymised  # must be reviewed again
    # and a second export is identical to the first, apart from nothing
    refi.write_qdpx(back, tmp_path / "y.qdpx", reason="test fixture")
    assert _xml(tmp_path / "x.qdpx")[0] == _xml(tmp_path / "y.qdpx")[0]


def test_export_refused_without_pseudonymisation(tmp_path, rich):
    with pytest.raises(InterviewError, match="has not been pseudonymised"):
        refi.write_qdpx(rich, tmp_path / "x.qdpx")
    assert not (tmp_path / "x.qdpx").exists()


def test_codebook_qdc_validates_and_reads_back(tmp_path, rich):
    refi.write_qdc(rich, tmp_path / "b.qdc")
    root = etree.parse(str(tmp_path / "b.qdc")).getroot()
    assert root.tag == f"{{{refi.NS_CODEBOOK}}}CodeBook"
    assert refi.codebook_schema().validate(root)
    codes = refi.read_qdc(tmp_path / "b.qdc")
    assert {c.id: c for c in codes} == rich.codes
    fresh = Project("other")
    assert refi.apply_qdc(fresh, codes) == len(rich.codes)
    assert fresh.code("Interpreters/Telephone").definition == "Phone interpreting."


OTHER = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="From another tool" origin="OtherQDA 3">
 <Users><User guid="{G1}" name="Coder One"/></Users>
 <CodeBook><Codes>
  <Code guid="{G2}" name="Referral" isCodable="true" color="#FF0000">
   <Description>Where staff refer.</Description>
   <Code guid="{G3}" name="NRM" isCodable="true"/>
  </Code>
 </Codes></CodeBook>
 <Variables><Variable guid="{G4}" name="Role" typeOfVariable="Text"/></Variables>
 <Cases><Case guid="{G5}" name="HCP01">
   <VariableValue><VariableRef targetGUID="{G4}"/><TextValue>midwife</TextValue></VariableValue>
   <SourceRef targetGUID="{G6}"/></Case></Cases>
 <Sources>
  <TextSource guid="{G6}" name="HCP01 interview" plainTextPath="internal://hcp01.txt">
   {SELECTIONS}
  </TextSource>
  <TextSource guid="{G7}" name="Inline"><PlainTextContent>Inline text here.</PlainTextContent>
   <PlainTextSelection guid="{G8}" startPosition="7" endPosition="11">
    <Coding guid="{G9}" creatingUser="{G1}"><CodeRef targetGUID="{G2}"/></Coding>
   </PlainTextSelection></TextSource>
  <PDFSource guid="{G0}" name="Leaflet" path="internal://leaflet.pdf"/>
 </Sources>
 <Links><Link guid="{G0}" name="x"/></Links>
</Project>
"""
RAW = "Interviewer: What next?\r\nHCP01: I phoned the safeguarding lead.\r\nThen the NRM.\r\n"


def _other(tmp_path, selections, text=RAW):
    xml = OTHER.replace("{SELECTIONS}", selections)
    for k, v in G.items():
        xml = xml.replace("{G" + k + "}", v)
    path = tmp_path / "other.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", xml)
        z.writestr("sources/hcp01.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def _sel(start, end, code="G3", name=None, guid="G9"):
    label = f' name="{name}"' if name is not None else ""
    return (
        f'<PlainTextSelection guid="{G[guid[1]].replace("AAAA-4AAA", "BBBB-4BBB")}"'
        f' startPosition="{start}" endPosition="{end}"{label}>'
        f'<Coding guid="{G[guid[1]].replace("AAAA-4AAA", "CCCC-4CCC")}" creatingUser="{G["1"]}">'
        f'<CodeRef targetGUID="{G[code[1]]}"/></Coding></PlainTextSelection>'
    )


def test_other_tool_crlf_counted_as_two(tmp_path):
    s = RAW.index("the NRM")
    path = _other(tmp_path, _sel(s, s + 7, name="the NRM"))
    p, report = refi.read_qdpx(path)
    t = p.source("HCP01 interview")
    assert "\r" not in t.text and not t.text.startswith("\ufeff")
    c = next(c for c in p.codings.values() if c.source == t.id)
    assert t.text[c.start : c.end] == "the NRM"
    assert report.conventions["HCP01 interview"] == "as-is"
    assert p.code("Referral/NRM").id == G["3"].strip("{}")  # case kept, braces dropped
    assert p.participant("HCP01").attributes == {"Role": "midwife"}
    assert p.user_name(c.coder) == "Coder One"
    assert any("PDFSource" in w for w in report.warnings)
    assert any("link" in w for w in report.warnings)
    inline = p.source("Inline")
    (ci,) = [c for c in p.codings.values() if c.source == inline.id]
    assert inline.text[ci.start : ci.end] == "text"


def test_other_tool_crlf_counted_as_one_is_detected(tmp_path):
    lf = RAW.replace("\r\n", "\n")
    s = lf.index("the safeguarding lead")
    path = _other(tmp_path, _sel(s, s + 21, name="the safeguarding lead"))
    p, report = refi.read_qdpx(path)
    assert report.conventions["HCP01 interview"] == "lf"
    t = p.source("HCP01 interview")
    c = next(c for c in p.codings.values() if c.source == t.id)
    assert t.text[c.start : c.end] == "the safeguarding lead"
    # without names to go by, the convention can be given
    path = _other(tmp_path, _sel(s, s + 21))
    p, _ = refi.read_qdpx(path, line_endings="lf")
    t = p.source("HCP01 interview")
    c = next(c for c in p.codings.values() if c.source == t.id)
    assert t.text[c.start : c.end] == "the safeguarding lead"


def test_utf16_positions_are_detected(tmp_path):
    text = "P1: 😀 then the words\r\n"
    s16 = len(text[: text.index("the words")].encode("utf-16-le")) // 2
    path = _other(tmp_path, _sel(s16, s16 + 9, name="the words"), text=text)
    p, report = refi.read_qdpx(path)
    assert report.conventions["HCP01 interview"] == "utf16"
    t = p.source("HCP01 interview")
    c = next(c for c in p.codings.values() if c.source == t.id)
    assert t.text[c.start : c.end] == "the words"


def test_bad_selection_and_code_are_reported_not_fatal(tmp_path):
    path = _other(tmp_path, _sel(5, 5000, name="x") + _sel(1, 3, code="G0", guid="G8"))
    p, report = refi.read_qdpx(path)
    assert any("outside the text" in w for w in report.warnings)
    assert any("unknown code" in w for w in report.warnings)


@pytest.mark.parametrize(
    "content,message",
    [(b"not a zip", "not a zip archive"), (None, "no project.qde"), (b"<Project", "well-formed")],
)
def test_broken_files(tmp_path, content, message):
    path = tmp_path / "b.qdpx"
    if content is None or content.startswith(b"<"):
        with zipfile.ZipFile(path, "w") as z:
            if content is not None:
                z.writestr("project.qde", content)
            else:
                z.writestr("other.txt", "x")
    else:
        path.write_bytes(content)
    with pytest.raises(InterviewError, match=message):
        refi.read_qdpx(path)


_PIECES = ["a", "b", "c", " ", "é", "\n", "\u0301", "😀", "P1: "]


def _coded_project(text, data):
    p = Project("prop")
    p.add_transcript("T", text)
    p.add_code("C")
    for k in range(data.draw(st.integers(1, 4))):
        s = data.draw(st.integers(0, len(text) - 1))
        e = data.draw(st.integers(s + 1, len(text)))
        p.add_coding("T", s, e, "C", f"coder{k}")
    return p


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40).map("".join), st.data())
def test_offsets_survive_round_trip(tmp_path, text, data):
    from readiness.interviews.text import normalise

    text = normalise(text)[0]
    if not text:
        return
    p = _coded_project(text, data)
    out = tmp_path / "p.qdpx"
    refi.write_qdpx(p, out, reason="property test")
    back, _ = refi.read_qdpx(out)
    assert back.codings == p.codings
    assert next(iter(back.sources.values())).text == text


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40).map("".join), st.data())
def test_offsets_survive_a_crlf_tool(tmp_path, text, data):
    """Another tool stores the source with CR LF and counts positions in that text."""
    from readiness.interviews.text import normalise

    text = normalise(text)[0]
    if "\n" not in text.strip("\n"):
        text = "P1: one\n" + text
    p = _coded_project(text, data)
    out = tmp_path / "p.qdpx"
    refi.write_qdpx(p, out, reason="property test")

    def crlf(pos):
        return pos + text[:pos].count("\n")

    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))
        files = {n: z.read(n) for n in z.namelist() if n.startswith("sources/")}
    for sel in root.iter(f"{{{refi.NS}}}PlainTextSelection"):
        sel.set("startPosition", str(crlf(int(sel.get("startPosition")))))
        sel.set("endPosition", str(crlf(int(sel.get("endPosition")))))
    other = tmp_path / "other.qdpx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("project.qde", etree.tostring(root))
        for n, b in files.items():
            z.writestr(n, b.decode("utf-8").replace("\n", "\r\n").encode("utf-8"))
    back, report = refi.read_qdpx(other)
    tb = next(iter(back.sources.values())).text
    assert tb == text
    for cid, c in p.codings.items():
        b = back.codings[cid]
        assert tb[b.start : b.end] == text[c.start : c.end]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: f'<Project xmlns="{refi.NS}" name="x">{t}</Project>'),
        st.lists(
            st.sampled_from(
                [
                    "<Sources>",
                    "</Sources>",
                    '<TextSource guid="{G1}" name="a">',
                    "</TextSource>",
                    "<PlainTextContent>some text</PlainTextContent>",
                    '<PlainTextSelection guid="{G2}" startPosition="2" endPosition="-4">',
                    "</PlainTextSelection>",
                    '<Coding guid="{G3}"><CodeRef targetGUID="{G4}"/></Coding>',
                    '<NoteRef targetGUID="{G5}"/>',
                    '<CodeBook><Codes><Code guid="{G4}" name="c" isCodable="true"/></Codes></CodeBook>',
                ]
            ),
            max_size=12,
        ).map(
            lambda parts: f'<Project xmlns="{refi.NS}" name="x">' + "".join(parts) + "</Project>"
        ),
    )
)
def test_qdpx_reader_reads_or_raises_our_error(tmp_path, content):
    if isinstance(content, str):
        for k, v in G.items():
            content = content.replace("{G" + k + "}", v)
        content = content.encode("utf-8")
    path = tmp_path / "fuzz.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", content)
    try:
        project, _ = refi.read_qdpx(path)
    except InterviewError:
        return
    assert project.problems() == []
