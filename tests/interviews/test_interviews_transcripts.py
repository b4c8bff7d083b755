import io
import zipfile

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.interviews import InterviewError, parse_transcript, read_transcript, turns_of
from readiness.interviews.model import timed_turns
from readiness.interviews.text import Edit, OffsetMap, apply_edits, normalise


def test_txt_is_normalised_to_nfc_and_lf(tmp_path):
    path = tmp_path / "P1.txt"
    path.write_bytes("Interviewer: Hello\r\nP1: cafe\u0301 \ufeffclosed\rok".encode())
    t = read_transcript(path)
    assert t.text == "Interviewer: Hello\nP1: café closed\nok"
    assert t.format == "txt" and t.name == "P1" and t.origin == "P1.txt"


def test_utf8_bom_and_utf16_are_read(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfP1: hi")
    (tmp_path / "b.txt").write_bytes("P1: hé".encode("utf-16"))
    assert read_transcript(tmp_path / "a.txt").text == "P1: hi"
    assert read_transcript(tmp_path / "b.txt").text == "P1: hé"


def test_wrong_encoding_names_byte_and_line_and_offers_encoding(tmp_path):
    path = tmp_path / "P2.txt"
    path.write_bytes(b"Interviewer: hi\nP2: it\x92s fine\n")
    with pytest.raises(InterviewError) as e:
        read_transcript(path)
    p = e.value.problems[0]
    assert p.line == 2 and p.file == str(path)
    assert "0x92" in p.message and "character 7" in p.message
    assert "--encoding cp1252" in p.fix
    assert read_transcript(path, encoding="cp1252").text.endswith("it’s fine\n")


def test_docx_paragraphs_and_speaker_tables(tmp_path):
    d = docx.Document()
    d.add_paragraph("Interviewer: Tell me about your work.")
    d.add_paragraph("P3: I'm a GP.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Interviewer"
    table.cell(0, 1).text = "And referrals?"
    table.cell(1, 0).text = "P3:"
    table.cell(1, 1).text = "Through the safeguarding lead."
    d.save(tmp_path / "P3.docx")
    t = read_transcript(tmp_path / "P3.docx")
    assert t.text.split("\n") == [
        "Interviewer: Tell me about your work.",
        "P3: I'm a GP.",
        "Interviewer: And referrals?",
        "P3: Through the safeguarding lead.",
    ]
    assert [x.speaker for x in turns_of(t.text)] == ["Interviewer", "P3", "Interviewer", "P3"]


def test_corrupt_docx_is_a_clear_error(tmp_path):
    good = io.BytesIO()
    docx.Document().save(good)
    # a zip that is a docx with its main part removed
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, src.read(item))
    for data in (b"not a zip", good.getvalue()[:200], broken.getvalue()):
        (tmp_path / "x.docx").write_bytes(data)
        with pytest.raises(InterviewError) as e:
            read_transcript(tmp_path / "x.docx")
        assert e.value.problems[0].file.endswith("x.docx")
        assert "save it again" in e.value.problems[0].fix


VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>What happened next?

2
00:00:04.500 --> 00:00:09.250
<v P4>I rang the helpline,
and they talked me through it.

3
00:00:10.000 --> 00:00:11.000
P4: That was all.
"""


def test_vtt_keeps_speakers_and_times_as_positions(tmp_path):
    (tmp_path / "P4.vtt").write_text(VTT, encoding="utf-8")
    t = read_transcript(tmp_path / "P4.vtt")
    assert t.cues == 3
    assert "-->" not in t.text and "00:00" not in t.text
    turns = timed_turns(t.text, t.segments)
    # P4's second cue goes on P4's turn, on a line of its own without the label
    assert [x.speaker for x in turns] == ["Interviewer", "P4"]
    assert [(x.time_start, x.time_end) for x in turns] == [(1000, 4000), (4500, 11000)]
    assert [(g.time_start, g.time_end) for g in t.segments] == [
        (1000, 4000),
        (4500, 9250),
        (10000, 11000),
    ]
    body = turns[1]
    assert t.text[body.body : body.end] == (
        "I rang the helpline, and they talked me through it.\nThat was all."
    )


def test_srt_is_read(tmp_path):
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nJane: hi\n\n2\n00:00:02,500 --> 00:00:03,000\nBob: yo\n"
    )
    (tmp_path / "x.srt").write_text(srt, encoding="utf-8")
    t = read_transcript(tmp_path / "x.srt")
    assert t.text == "Jane: hi\nBob: yo"
    turns = timed_turns(t.text, t.segments)
    assert [(x.speaker, x.time_start, x.time_end) for x in turns] == [
        ("Jane", 1000, 2000),
        ("Bob", 2500, 3000),
    ]


@pytest.mark.parametrize(
    "cues,expected",
    [
        (("00:00:01.000 --> 00:00:04.000", "00:00:03.000 --> 00:00:05.000"), "overlaps cue 1"),
        (("00:00:05.000 --> 00:00:06.000", "00:00:01.000 --> 00:00:02.000"), "out of order"),
        (("00:00:05.000 --> 00:00:04.000",), "ends before it starts"),
        (("00:00:01.000 --> 00:00:02.000", "00:00:0x.000 --> 00:00:04.000"), "cannot be read"),
    ],
)
def test_bad_cues_are_named_with_number_times_and_line(tmp_path, cues, expected):
    body = "WEBVTT\n\n" + "\n\n".join(f"{c}\nwords {i}" for i, c in enumerate(cues))
    (tmp_path / "x.vtt").write_text(body + "\n", encoding="utf-8")
    with pytest.raises(InterviewError) as e:
        read_transcript(tmp_path / "x.vtt")
    p = e.value.problems[0]
    assert expected in p.message
    assert p.line == 3 + 3 * (len(cues) - 1)
    assert "cue" in p.message


def test_empty_and_unknown_files(tmp_path):
    (tmp_path / "e.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    for name, words in (("e.txt", "no text"), ("x.pdf", "suffix"), ("missing.txt", "no such")):
        with pytest.raises(InterviewError, match=words):
            read_transcript(tmp_path / name)


def test_turns_without_labels_and_continuations():
    text = "First line\nsecond\nP1: starts here\ncontinues\n\nInterviewer: next"
    turns = turns_of(text)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        (None, "First line"),
        (None, "second"),
        ("P1", "P1: starts here\ncontinues"),
        ("Interviewer", "Interviewer: next"),
    ]


def test_offset_map_start_and_end_inside_edit():
    m = OffsetMap([Edit(5, 10, "XY"), Edit(20, 21, "abc")])
    assert [m.start(p) for p in (0, 5, 7, 10, 15, 20, 21, 22)] == [0, 5, 5, 7, 12, 17, 20, 21]
    assert [m.end(p) for p in (5, 7, 10, 21)] == [5, 7, 7, 20]


@given(st.text(alphabet=st.sampled_from("ab\r\n\u0301e\u00e9\x00\ufeff\u1100\u1161"), max_size=40))
def test_normalise_keeps_unedited_text_and_is_idempotent(raw):
    text, offsets = normalise(raw)
    assert normalise(text)[0] == text
    assert "\r" not in text
    # every original position maps into the new text, monotonically
    positions = [offsets.start(i) for i in range(len(raw) + 1)]
    assert positions == sorted(positions) and positions[-1] == len(text)
    assert all(0 <= p <= len(text) for p in positions)


@given(st.text(max_size=30), st.data())
def test_apply_edits_maps_spans_outside_edits_to_same_text(text, data):
    if not text:
        return
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    new, m = apply_edits(text, [Edit(a, b, data.draw(st.text(max_size=5)))])
    for s in range(0, a + 1):
        for e in range(s, a + 1):
            assert new[m.start(s) : m.end(e)] == text[s:e]
    for s in range(b, len(text) + 1):
        assert new[m.start(s) :] == text[s:]


@settings(max_examples=150)
@given(st.binary(max_size=300), st.sampled_from(["txt", "docx", "vtt", "srt"]))
def test_parsers_parse_or_raise_our_error(data, fmt):
    try:
        t = parse_transcript(data, format=fmt, file="f." + fmt)
    except InterviewError:
        return
    assert normalise(t.text)[0] == t.text
    turns_of(t.text)


@settings(max_examples=150)
@given(st.text(max_size=200), st.sampled_from(["txt", "vtt", "srt"]))
def test_parsers_on_arbitrary_text(text, fmt):
    if fmt != "txt":
        text = ("WEBVTT\n\n" if fmt == "vtt" else "") + "00:00:01.000 --> 00:00:02.000\n" + text
    try:
        t = parse_transcript(text.encode("utf-8", "surrogatepass"), format=fmt, file="f")
    except InterviewError:
        return
    for turn in turns_of(t.text):
        assert 0 <= turn.start <= turn.body <= turn.end <= len(t.text)


def _docx_bytes() -> bytes:
    d = docx.Document()
    d.add_paragraph("Interviewer: Tell me about referrals.")
    d.add_paragraph("P5: Through the safeguarding lead, usually.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


_DOCX = _docx_bytes()


@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(0, len(_DOCX) - 1), st.integers(0, 255)), max_size=8))
def test_damaged_docx_parses_or_raises_our_error(flips):
    data = bytearray(_DOCX)
    for pos, value in flips:
        data[pos] = value
    try:
        t = parse_transcript(bytes(data), format="docx", file="d.docx")
    except InterviewError:
        return
    assert "\r" not in t.text
