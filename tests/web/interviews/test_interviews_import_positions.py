"""The web import of a .qdpx file says when it is not sure how the other program counted
positions (the same core import as the command line)."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from django.urls import reverse

from readiness.web.interviews import models as m
from readiness.web.jobs.models import Job
from tests.web.interviews.importjob import import_through_the_worker

pytestmark = pytest.mark.django_db

# single letters between spaces: every position is between words, whatever the convention
TEXT = "😀 a b c d e f g h\r\nP1: i j k l m n o p\r\n"


def _g() -> str:
    return str(uuid.uuid4()).upper()


def _utf16(pos: int) -> int:
    return len(TEXT[:pos].encode("utf-16-le")) // 2


def _qdpx() -> bytes:
    code = _g()
    sels = "".join(
        f'<PlainTextSelection guid="{_g()}" name="" startPosition="{_utf16(TEXT.index(w))}" '
        f'endPosition="{_utf16(TEXT.index(w) + len(w))}"><Coding guid="{_g()}">'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        for w in ("d", "k l", "o")
    )
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Étude" origin="ATLAS.ti 23">'
        f'<CodeBook><Codes><Code guid="{code}" name="C" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{_g()}" name="HCP07" plainTextPath="internal://h.txt">'
        f"{sels}</TextSource></Sources></Project>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("project.qde", qde)
        z.writestr("sources/h.txt", TEXT.encode("utf-8"))
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)  # imported by the background worker
def test_web_import_warns_when_the_positions_are_uncertain(signed_in, people):
    client = signed_in(people["admin"])
    job, page = import_through_the_worker(client, "atlas.qdpx", _qdpx())
    assert job.state == Job.State.DONE, job.error
    assert m.InterviewProject.objects.filter(name="Étude").exists()
    assert "Positions in &#39;HCP07&#39; read as" in page
    assert "low confidence" in page and "UTF-16 code units or Unicode code points" in page


@pytest.mark.django_db(transaction=True)  # imported by the background worker
def test_web_import_keeps_document_sets_and_exports_them_again(signed_in, people):
    from readiness.interviews import refi
    from readiness.web.interviews import convert

    s1, s2, set_guid = _g(), _g(), _g()
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Sets" origin="MAXQDA 2022">'
        f'<Sources><TextSource guid="{s1}" name="T1"><PlainTextContent>P1: words'
        "</PlainTextContent></TextSource>"
        f'<TextSource guid="{s2}" name="T2"><PlainTextContent>P2: more words'
        "</PlainTextContent></TextSource></Sources>"
        f'<Sets><Set guid="{set_guid}" name="Welle 1 🌊"><MemberSource targetGUID="{s1}"/></Set>'
        "</Sets></Project>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("project.qde", qde)
    client = signed_in(people["admin"])
    job, page = import_through_the_worker(client, "sets.qdpx", buffer.getvalue())
    assert job.state == Job.State.DONE, job.error
    assert "left out" not in page
    assert not m.Theme.objects.filter(name__startswith="Welle").exists()  # not an empty theme
    (row,) = m.DocumentSet.objects.all()
    assert (row.guid, row.name, row.sources) == (set_guid, "Welle 1 🌊", [s1])
    page = client.get(reverse("interviews:project", kwargs={"slug": row.project.slug}))
    page = page.content.decode("utf-8")
    assert "Document sets" in page and "Welle 1 🌊" in page
    core = convert.to_core(row.project)
    assert list(core.sets) == [set_guid]
    root, _ = refi.project_xml(core)  # what the web's .qdpx download writes
    assert f'guid="{set_guid}" name="Welle 1 🌊"' in etree_text(root)
    only_t2 = convert.to_core(row.project, sources=[s2])
    assert only_t2.sets == {}  # a view without the set's transcripts does not name it
    core.sets.clear()
    convert.sync(core, row.project)
    assert not m.DocumentSet.objects.exists()  # the database holds exactly the core project


def etree_text(root) -> str:
    from lxml import etree

    return etree.tostring(root, encoding="unicode")


def test_web_framework_matrix_names_the_coders_of_a_passage_coded_twice(project, people, signed_in):
    from tests.web.interviews.test_interviews_outputs import two_coders

    two_coders(project, people)
    html = signed_in(people["alice"]).get(f"/interviews/{project.slug}/framework/").content
    html = html.decode("utf-8")
    from readiness.interviews.outputs import framework_matrix
    from readiness.web.interviews import convert

    fm = framework_matrix(convert.to_core(project))
    shared = [q for row in fm.cells for cell in row for q in cell.quotes if q.coders]
    assert sorted(q.text for q in shared) == [
        "Only one slide in the safeguarding day",
        "we had no interpreter",
    ]
    for q in shared:
        assert len(q.coders) == 2 and f"coded by {', '.join(q.coders)}</span>" in html
