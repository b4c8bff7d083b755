"""Transcripts with media times: otter.ai and Teams speaker-and-time lines, subtitle cues.

Times are kept as positions (segments), never written into the text, so quotes read clean."""

from __future__ import annotations

import io
import re

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.interviews import InterviewError, parse_transcript, read_transcript, store
from readiness.interviews.ingest import import_transcripts
from readiness.interviews.model import Project, Segment, time_at, timed_turns
from readiness.interviews.text import Edit, apply_edits, normalise

STAMP = re.compile(r"\d{1,2}:\d{2}")

OTTER = """Interview P12 – ward 7 (exported from otter.ai)

Speaker 1  0:00
Hello, thanks for joining us today.

DR. AMINA KHAN  0:07
Thanks for having me. Honestly 😟 the first time
I saw her I didn't know who to call.

Señora García  12:41
Llamé al servicio de salvaguarda.

Speaker 1  1:02:03
Thank you. One last question: what would help?
"""


def test_otter_speakers_detected_times_kept_as_positions(tmp_path):
    (tmp_path / "P12_otter.txt").write_text(OTTER, encoding="utf-8")
    t = read_transcript(tmp_path / "P12_otter.txt")
    assert t.cues == 4
    assert not STAMP.search(t.text), t.text
    turns = timed_turns(t.text, t.segments)
    assert [x.speaker for x in turns] == [
        None,
        "Speaker 1",
        "DR. AMINA KHAN",
        "Señora García",
        "Speaker 1",
    ]
    assert [(x.time_start, x.time_end) for x in turns[1:]] == [
        (0, 7000),
        (7000, 761000),
        (761000, 3723000),
        (3723000, None),
    ]
    dr = turns[2]
    assert t.text[dr.body : dr.end] == (
        "Thanks for having me. Honestly 😟 the first time\nI saw her I didn't know who to call."
    )
    # a question inside a turn is not a new speaker
    assert t.text[turns[4].body : turns[4].end] == "Thank you. One last question: what would help?"
    assert normalise(t.text)[0] == t.text


def test_teams_docx_and_bracketed_times_are_speakers(tmp_path):
    d = docx.Document()
    for line in (
        "Interviewer (00:00:03):",
        "Tell me about referrals.",
        "P5 [1:15]",
        "Through the safeguarding lead.",
        "Usually the same day.",
    ):
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    t = parse_transcript(buf.getvalue(), format="docx", file="P5.docx")
    assert t.text == (
        "Interviewer: Tell me about referrals.\n"
        "P5: Through the safeguarding lead.\nUsually the same day."
    )
    assert [(g.time_start, g.time_end) for g in t.segments] == [(3000, 75000), (75000, None)]


@pytest.mark.parametrize(
    "text",
    [
        # one speaker-and-time line is not enough to call a transcript otter-style
        "Shift handover 10:30\nP1: we had a busy night.\nInterviewer: go on.",
        # times that go back are not a recording's
        "Ward 7  10:30\nbusy night\nWard 8  09:15\nquiet night",
        # a speaker-and-time line with nothing said after it
        "Speaker 1  0:00\nhello\nSpeaker 2  0:05\n",
    ],
)
def test_plain_text_with_times_is_kept_as_written(text):
    t = parse_transcript(text.encode(), format="txt", file="x.txt")
    assert t.text == text.rstrip("\n") or t.text == text
    assert t.segments == ()


VTT = """WEBVTT

00:00:58.000 --> 00:00:59.710
<v Interviewer>And then?</v>

00:00:59.710 --> 00:01:01.910
<v P9>She said she was not allowed
to keep her passport.

00:01:02.000 --> 00:01:04.500
<v P9>Her employer held it.

00:01:05.000 --> 00:01:06.000
Interviewer: I see.
"""


def test_vtt_quote_is_clean_and_positions_kept(tmp_path):
    (tmp_path / "P9.vtt").write_text(VTT, encoding="utf-8")
    project = Project("study")
    (src,) = import_transcripts(project, [tmp_path / "P9.vtt"])
    assert "-->" not in src.text and "[" not in src.text
    start = src.text.index("She said")
    end = src.text.index("held it.") + len("held it.")
    quote = src.text[start:end]
    assert quote == "She said she was not allowed to keep her passport.\nHer employer held it."
    assert src.time_at(start) == 59710
    assert src.time_at(src.text.index("Her employer")) == 62000
    assert [(x.speaker, x.time_start, x.time_end) for x in src.turns] == [
        ("Interviewer", 58000, 59710),
        ("P9", 59710, 64500),
        ("Interviewer", 65000, 66000),
    ]


def test_a_coded_passage_of_a_vtt_says_where_it_is_in_the_recording(tmp_path):
    from readiness.interviews.outputs import segments

    (tmp_path / "P9.vtt").write_text(VTT, encoding="utf-8")
    project = Project("study")
    (src,) = import_transcripts(project, [tmp_path / "P9.vtt"])
    project.add_code("Documents withheld")
    start = src.text.index("Her employer")
    project.add_coding(src.id, start, start + len("Her employer held it."), "Documents withheld")
    (seg,) = segments(project, "Documents withheld")
    assert seg.time == 62000 and seg.text == "Her employer held it."


def test_srt_positions_and_no_times_in_text():
    srt = (
        "1\n00:00:01,000 --> 00:00:02,500\nNURSE: Who brought you in?\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\nP3: My cousin 🙂\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nP3: He waited outside.\n"
    )
    t = parse_transcript(srt.encode(), format="srt", file="P3.srt")
    assert t.text == "NURSE: Who brought you in?\nP3: My cousin 🙂\nHe waited outside."
    assert [(g.time_start, g.time_end) for g in t.segments] == [
        (1000, 2500),
        (3000, 5000),
        (5000, 6000),
    ]
    assert [t.text[g.start : g.end] for g in t.segments][1] == "P3: My cousin 🙂"


def test_segments_survive_save_and_load(tmp_path):
    (tmp_path / "P9.vtt").write_text(VTT, encoding="utf-8")
    p = store.init(tmp_path / "study", "Study")
    import_transcripts(p, [tmp_path / "P9.vtt"], participant="P9")
    store.save(p, tmp_path / "study")
    again = store.load(tmp_path / "study")
    (t,) = again.sources.values()
    assert t.segments == next(iter(p.sources.values())).segments
    assert all(isinstance(g, Segment) for g in t.segments)


def test_replacing_text_moves_segments():
    p = Project("study")
    t = p.add_transcript(
        "a",
        "P1: Maria Lopez rang.\nP2: ok",
        segments=(Segment(0, 21, 1000, 2000), Segment(22, 28, 2000, 3000)),
    )
    new, offsets = apply_edits(t.text, [Edit(4, 15, "[name]")])
    p.replace_text(t.id, new, offsets, pseudonymised=True)
    moved = p.sources[t.id]
    assert [moved.text[g.start : g.end] for g in moved.segments] == ["P1: [name] rang.", "P2: ok"]
    assert p.problems() == []


def test_segment_outside_text_is_a_problem():
    p = Project("study")
    p.add_transcript("a", "P1: hi", segments=(Segment(0, 99, 0, 1),))
    assert "outside its text" in p.problems()[0].message


def test_time_at_before_any_segment_is_none():
    assert time_at((Segment(5, 9, 700, 800),), 2) is None
    assert time_at((), 0) is None


_NAME = st.from_regex(r"[A-Z][a-zé]{1,8}( [A-Z][a-z]{1,8})?", fullmatch=True)
_WORDS = st.from_regex(r"[a-zA-Z😀é][a-zA-Z😀é ,.]{0,30}[a-z.]", fullmatch=True)


@settings(max_examples=80)
@given(
    st.lists(
        st.tuples(_NAME, st.integers(0, 5000), st.lists(_WORDS, min_size=1, max_size=3)),
        min_size=2,
        max_size=8,
    )
)
def test_any_otter_file_loses_its_times_but_keeps_them_as_positions(turns):
    clock = 0
    lines, starts = [], []
    for name, gap, words in turns:
        clock += gap
        h, rest = divmod(clock, 3600)
        stamp = f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
        lines += [f"{name}  {stamp}", *words, ""]
        starts.append(clock * 1000)
    t = parse_transcript("\n".join(lines).encode(), format="txt", file="o.txt")
    assert [g.time_start for g in t.segments] == starts
    assert [g.time_end for g in t.segments] == [*starts[1:], None]
    timed = timed_turns(t.text, t.segments)
    assert [x.speaker for x in timed] == [n for n, _, _ in turns]
    for g in t.segments:
        assert 0 <= g.start < g.end <= len(t.text)
    assert not re.search(r"\d:\d\d", t.text)
    assert normalise(t.text)[0] == t.text


def test_rename_and_merge_participants():
    p = Project("study")
    a = p.add_transcript("P1_first", "P1: hello", participant="P1")
    b = p.add_transcript("p01_second", "P1: again", participant="p01")
    p.add_participant("P1", {"nation": "Wales"})
    p.add_participant("p01", {"nation": "England", "sector": "NHS"})
    with pytest.raises(InterviewError, match="already a participant"):
        p.rename_participant("p01", "P1")
    with pytest.raises(InterviewError, match="into itself"):
        p.merge_participants("P1", "P1")
    merged = p.merge_participants("p01", "P1")
    assert merged.sources == (a.id, b.id)
    assert merged.attributes == {"nation": "Wales", "sector": "NHS"}
    assert [x.name for x in p.participants.values()] == ["P1"]
    renamed = p.rename_participant("P1", "Ｐ１ Señora")
    assert renamed.id == merged.id and p.participant_label(b.id) == "Ｐ１ Señora"
    assert p.problems() == []


def test_a_qdpx_export_names_the_times_it_cannot_carry(tmp_path):
    from readiness.interviews.refi import qdpx_losses

    project = Project("study")
    assert qdpx_losses(project) == []
    (tmp_path / "P9.vtt").write_text(VTT, encoding="utf-8")
    import_transcripts(project, [tmp_path / "P9.vtt"])
    (loss,) = qdpx_losses(project)
    assert "recording times of 1 transcript(s) (P9)" in loss
