"""REFI-QDA exchange with MAXQDA and others: document sets, GUIDs in upper case, codebooks
validated against REFI's Codebook.xsd."""

import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from readiness.cli.interviews import interviews
from readiness.interviews import Project, refi, store

# MAXQDA writes GUIDs in upper case; its document sets are sets of sources without codes.
U = {
    "user": "5A1B2C3D-0000-4E5F-8A9B-0C1D2E3F4A5B",
    "code": "C0DE0000-AAAA-4BBB-8CCC-DDDDEEEEFFFF",
    "child": "C0DE0001-AAAA-4BBB-8CCC-DDDDEEEEFFFF",
    "theme": "7E7E0000-1111-4222-8333-444455556666",
    "wave": "5E750000-1111-4222-8333-444455556666",
    "scot": "5E750001-1111-4222-8333-444455556666",
    "s1": "50CE0001-9999-4888-8777-666655554444",
    "s2": "50CE0002-9999-4888-8777-666655554444",
    "sel": "5E1E0001-9999-4888-8777-666655554444",
    "cod": "C0D10001-9999-4888-8777-666655554444",
    "case": "CA5E0001-9999-4888-8777-666655554444",
}
MAXQDA = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Studie Menschenhandel" origin="MAXQDA 2022">
 <Users><User guid="{U["user"]}" name="Jürgen"/></Users>
 <CodeBook><Codes>
  <Code guid="{U["code"]}" name="Dolmetscher" isCodable="true" color="#A1B2C3">
   <Code guid="{U["child"]}" name="Telefon" isCodable="true"/>
  </Code>
 </Codes></CodeBook>
 <Cases><Case guid="{U["case"]}" name="HCP01"><SourceRef targetGUID="{U["s1"]}"/></Case></Cases>
 <Sources>
  <TextSource guid="{U["s1"]}" name="Interview 1"><PlainTextContent>HCP01: Wir hatten keinen Dolmetscher.</PlainTextContent>
   <PlainTextSelection guid="{U["sel"]}" startPosition="18" endPosition="37" creatingUser="{U["user"]}">
    <Coding guid="{U["cod"]}" creatingUser="{U["user"]}"><CodeRef targetGUID="{U["code"].lower()}"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="{U["s2"]}" name="Interview 2"><PlainTextContent>HCP02: Nichts.</PlainTextContent></TextSource>
 </Sources>
 <Sets>
  <Set guid="{U["wave"]}" name="Welle 1"><Description>Erste Welle</Description>
   <MemberSource targetGUID="{U["s1"]}"/><MemberSource targetGUID="{U["s2"]}"/></Set>
  <Set guid="{U["scot"]}" name="Schottland"><MemberSource targetGUID="{{{U["s2"]}}}"/></Set>
  <Set guid="{U["theme"]}" name="Ressourcen"><MemberCode targetGUID="{U["code"]}"/></Set>
 </Sets>
</Project>
"""


@pytest.fixture
def maxqda(tmp_path):
    path = tmp_path / "maxqda.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", MAXQDA)
    return path


def test_maxqda_document_sets_come_in_as_sets_not_themes(maxqda):
    p, report = refi.read_qdpx(maxqda)
    assert [t.name for t in p.themes.values()] == ["Ressourcen"]
    sets = {s.name: s for s in p.sets.values()}
    assert set(sets) == {"Welle 1", "Schottland"}
    assert sets["Welle 1"].sources == (U["s1"], U["s2"])
    assert sets["Welle 1"].description == "Erste Welle"
    assert sets["Schottland"].sources == (U["s2"],)  # braces dropped, reference still found
    assert report.counts["themes"] == 1 and report.counts["document sets"] == 2


def test_guids_keep_their_case_through_a_round_trip(tmp_path, maxqda):
    p, _ = refi.read_qdpx(maxqda)
    assert p.code("Dolmetscher").id == U["code"]
    (coding,) = p.codings.values()
    assert coding.id == U["cod"] and coding.code == U["code"]  # found through a lower-case ref
    assert coding.coder == U["user"] and coding.selection == U["sel"]
    assert p.participant("HCP01").id == U["case"]
    store.save(p, tmp_path / "project")
    again = store.load(tmp_path / "project")
    assert again.sets == p.sets and again.codes == p.codes
    refi.write_qdpx(again, tmp_path / "back.qdpx", reason="test: round trip")
    with zipfile.ZipFile(tmp_path / "back.qdpx") as z:
        xml = z.read("project.qde").decode("utf-8")
    root = etree.fromstring(xml.encode("utf-8"))
    assert refi.project_schema().validate(root)
    for key in ("user", "code", "child", "theme", "wave", "scot", "s1", "s2", "sel", "cod"):
        assert f'"{U[key]}"' in xml, key
    assert U["code"].lower() not in xml
    back, _ = refi.read_qdpx(tmp_path / "back.qdpx")
    assert back.sets == p.sets and back.themes == p.themes
    assert back.codings == p.codings


def test_a_set_referring_to_an_unknown_source_is_a_problem():
    p = Project("x")
    p.add_transcript("T", "P1: words")
    from readiness.interviews.model import DocumentSet

    p.sets["s"] = DocumentSet("s", "Wave", sources=("nope",))
    assert any("set 'Wave' refers to unknown transcript" in x.message for x in p.problems())


def _codebook_xsd() -> etree.XMLSchema:
    path = refi.resources.files("readiness.interviews") / "schema" / "Codebook.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def test_exported_qdc_validates_against_refi_codebook_xsd(tmp_path, project):
    p = store.load(project)
    p.add_code("Telefon ☎️", parent="Interpreters", definition="Dolmetschen per Telefon.")
    out = refi.write_qdc(p, tmp_path / "book.qdc")
    root = etree.parse(str(out)).getroot()
    schema = _codebook_xsd()
    assert schema.validate(root), schema.error_log
    ns = {"c": refi.NS_CODEBOOK}
    assert root.get("origin", "").startswith("Readiness")
    assert len(root.xpath("//c:Set", namespaces=ns)) == 4
    assert root.xpath("//c:MemberCode/@guid", namespaces=ns)
    # a project's reference attribute is not what the codebook schema wants
    member = root.xpath("//c:MemberCode", namespaces=ns)[0]
    member.set("targetGUID", member.attrib.pop("guid"))
    assert not schema.validate(root)


def test_qdc_brings_its_sets_back_as_themes(tmp_path, project):
    p = store.load(project)
    refi.write_qdc(p, tmp_path / "book.qdc")
    book = refi.read_qdc_book(tmp_path / "book.qdc")
    fresh = Project("other")
    assert refi.apply_qdc(fresh, book.codes, book.themes) == len(p.codes)
    assert [t.name for t in fresh.themes.values()] == [t.name for t in p.themes.values()]
    assert {th.id: th.codes for th in fresh.themes.values()} == {
        th.id: th.codes for th in p.themes.values()
    }


def test_qdc_from_another_tool_with_upper_case_guids(tmp_path):
    qdc = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 2022"><Codes>'
        f'<Code guid="{U["code"]}" name="Dolmetscher" isCodable="true">'
        f'<Code guid="{U["child"]}" name="Telefon" isCodable="false"/></Code></Codes>'
        f'<Sets><Set guid="{U["theme"]}" name="Ressourcen">'
        f'<MemberCode guid="{U["code"].lower()}"/></Set></Sets></CodeBook>'
    )
    path = tmp_path / "maxqda.qdc"
    path.write_text(qdc, encoding="utf-8")
    assert _codebook_xsd().validate(etree.fromstring(qdc.encode()))
    book = refi.read_qdc_book(path)
    assert [c.id for c in book.codes] == [U["code"], U["child"]]
    assert book.themes[0].codes == (U["code"],)


def test_cli_codebook_load_qdc_adds_themes(tmp_path, project):
    p = store.load(project)
    out = refi.write_qdc(p, tmp_path / "book.qdc")
    runner = CliRunner()
    res = runner.invoke(interviews, ["init", str(tmp_path / "new")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(interviews, ["codebook", str(tmp_path / "new"), "--load", str(out)])
    assert res.exit_code == 0, res.output
    assert "Theme: Availability of resources" in res.output
