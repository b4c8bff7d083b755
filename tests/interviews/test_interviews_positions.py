"""How other tools counted selection positions: NVivo's UTF-16 code units, CR LF as one or two,
worked out from the text when the file does not store the selected words."""

import json
import re
import uuid
import zipfile

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.cli.interviews import interviews
from readiness.interviews import positions, refi

# An interview as NVivo users' files hold it: Windows line endings, emoji typed by the
# transcriber or pasted from a chat, accented names, curly apostrophes.
NVIVO_TEXT = (
    "Interviewer: Thank you for coming in 🙂 Can you tell me about your role?\r\n"
    "HCP07: I’m a practice nurse in Glasgow 👩‍⚕️, mostly chronic disease clinics.\r\n"
    "Interviewer: Have you met anyone you thought had been trafficked? 🤔\r\n"
    "HCP07: Once. A young woman came with her “cousin” 😟 who answered every question.\r\n"
    "She had no documents and the cousin kept her phone 📱.\r\n"
    "Interviewer: What did you do next?\r\n"
    "HCP07: I found a reason to see her alone and rang our safeguarding lead 📞.\r\n"
    "We used a telephone interpreter, not the cousin, and she told us a bit more.\r\n"
    "Interviewer: What would have helped? 🙏\r\n"
    "HCP07: Training on referral routes, and knowing who the First Responders are.\r\n"
)
CODED = [
    ("answered every question", "Indicators"),
    ("no documents", "Indicators"),
    ("the cousin kept her phone", "Indicators"),
    ("see her alone", "Safety"),
    ("rang our safeguarding lead", "Referral"),
    ("telephone interpreter", "Interpreters"),
    ("not the cousin", "Interpreters"),
    ("she told us a bit more", "Disclosure"),
    ("Training on referral routes", "Training"),
    ("who the First Responders are", "Referral"),
    ("practice nurse", "Role"),
    ("chronic disease clinics", "Role"),
]


def _g() -> str:
    return str(uuid.uuid4()).upper()


def _count(text: str, pos: int, convention: str) -> int:
    """Position ``pos`` of ``text`` as a tool using ``convention`` counts it."""
    units, crlf = positions.CONVENTIONS[convention]
    before = text[:pos]
    n = len(before.encode("utf-16-le")) // 2 if units == "utf-16" else len(before)
    return n - before.count("\r\n") if crlf == "one" else n


def _qdpx(tmp_path, text, coded, convention, *, origin="NVivo 14", names=False, fname="x"):
    """A .qdpx file as another tool writes it: positions counted by ``convention``; the
    selected words stored in ``name`` only when ``names``."""
    codes = {c: _g() for _, c in coded}
    user = _g()
    sels = []
    for words, code in coded:
        s = text.index(words)
        e = s + len(words)
        label = words if names else ""
        sels.append(
            f'<PlainTextSelection guid="{_g()}" name="{label}" '
            f'startPosition="{_count(text, s, convention)}" '
            f'endPosition="{_count(text, e, convention)}" creatingUser="{user}">'
            f'<Coding guid="{_g()}" creatingUser="{user}"><CodeRef targetGUID="{codes[code]}"/>'
            "</Coding></PlainTextSelection>"
        )
    code_xml = "".join(f'<Code guid="{g}" name="{c}" isCodable="true"/>' for c, g in codes.items())
    origin_attr = f' origin="{origin}"' if origin else ""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="Study"{origin_attr}>'
        f'<Users><User guid="{user}" name="Coder Ü"/></Users>'
        f"<CodeBook><Codes>{code_xml}</Codes></CodeBook>"
        f'<Sources><TextSource guid="{_g()}" name="HCP07" plainTextPath="internal://hcp07.txt">'
        + "".join(sels)
        + "</TextSource></Sources></Project>"
    )
    path = tmp_path / f"{fname}.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", xml)
        z.writestr("sources/hcp07.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def _landed(project):
    t = project.source("HCP07")
    return sorted(
        (t.text[c.start : c.end], project.codes[c.code].name) for c in project.codings.values()
    )


def _expected(coded):
    return sorted(coded)


def test_nvivo_utf16_positions_without_selected_text_land_on_the_right_words(tmp_path):
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED, "utf16")
    p, report = refi.read_qdpx(path)
    assert _landed(p) == _expected(CODED)
    choice = report.positions["HCP07"]
    assert (choice.units, choice.line_endings, choice.confidence) == ("utf-16", "two", "high")
    assert choice.depends >= 10
    assert report.origin == "NVivo 14"
    assert choice.evidence.endswith("; NVivo 14 counts UTF-16 code units too")
    assert not any("positions" in w for w in report.warnings)


def test_word_boundaries_alone_find_utf16_when_the_origin_says_nothing(tmp_path):
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED, "utf16", origin=None)
    p, report = refi.read_qdpx(path)
    assert _landed(p) == _expected(CODED)
    assert report.positions["HCP07"].confidence == "high"
    assert "between words" in report.positions["HCP07"].evidence


@pytest.mark.parametrize("convention", ["as-is", "lf", "utf16", "utf16-lf"])
def test_every_convention_is_found_from_the_text(tmp_path, convention):
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED, convention, origin="MAXQDA 2022")
    p, report = refi.read_qdpx(path)
    assert _landed(p) == _expected(CODED)
    assert report.conventions["HCP07"] == convention
    assert report.positions["HCP07"].confidence == "high"


def test_text_that_contradicts_the_origin_wins_but_is_not_sure(tmp_path):
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED, "as-is", origin="NVivo 12")
    p, report = refi.read_qdpx(path)
    assert _landed(p) == _expected(CODED)
    choice = report.positions["HCP07"]
    assert choice.units == "code-points" and choice.confidence == "medium"
    assert "although NVivo 12 counts UTF-16" in choice.evidence
    assert any("medium confidence" in w and "HCP07" in w for w in report.warnings)


def test_stored_selected_text_outweighs_word_boundaries(tmp_path):
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED[:3], "utf16-lf", origin=None, names=True)
    p, report = refi.read_qdpx(path)
    assert _landed(p) == _expected(CODED[:3])
    assert "stored text of 3 of 3" in report.positions["HCP07"].evidence


# Single letters between spaces: every position is between words, under every convention.
AMBIGUOUS = "😀 a b c d e f g h\r\nP1: i j k l m n o p\r\n"


def test_ambiguous_evidence_warns_and_says_so(tmp_path):
    coded = [("d", "C"), ("k l", "C"), ("o", "C")]
    path = _qdpx(tmp_path, AMBIGUOUS, coded, "utf16", origin="ATLAS.ti 23")
    _, report = refi.read_qdpx(path)
    choice = report.positions["HCP07"]
    assert choice.confidence == "low" and choice.depends == 3
    (warning,) = [w for w in report.warnings if "positions in 'HCP07'" in w]
    assert "low confidence" in warning and "--positions" in warning


def test_origin_decides_a_tie_with_medium_confidence_and_a_warning(tmp_path):
    coded = [("d", "C"), ("k l", "C"), ("o", "C")]
    path = _qdpx(tmp_path, AMBIGUOUS, coded, "utf16", origin="NVivo 14")
    p, report = refi.read_qdpx(path)
    assert _landed(p) == _expected(coded)
    choice = report.positions["HCP07"]
    assert (choice.units, choice.confidence) == ("utf-16", "medium")
    assert "NVivo 14 counts UTF-16 code units" in choice.evidence
    assert any("medium confidence" in w for w in report.warnings)


def test_positions_given_by_the_caller_are_used_and_not_warned_about(tmp_path):
    coded = [("d", "C"), ("k l", "C"), ("o", "C")]
    path = _qdpx(tmp_path, AMBIGUOUS, coded, "utf16-lf", origin=None)
    p, report = refi.read_qdpx(path, positions="utf-16", line_endings="lf")
    assert _landed(p) == _expected(coded)
    assert report.positions["HCP07"].given
    assert report.conventions["HCP07"] == "utf16-lf"
    assert not any("positions" in w for w in report.warnings)
    # the units alone given: line endings still worked out from the text
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED, "utf16-lf", origin=None, fname="y")
    p, report = refi.read_qdpx(path, positions="utf-16")
    assert _landed(p) == _expected(CODED)
    assert report.positions["HCP07"].line_endings == "one"


def test_a_text_where_conventions_agree_needs_no_choice(tmp_path):
    text = "Interviewer: Hello.\nP1: Plain text, no emoji.\n"
    path = _qdpx(tmp_path, text, [("no emoji", "C")], "utf16")
    _, report = refi.read_qdpx(path)
    choice = report.positions["HCP07"]
    assert (choice.convention, choice.confidence, choice.depends) == ("as-is", "high", 0)
    assert report.warnings == []


def test_unknown_positions_option_is_refused(tmp_path):
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED[:1], "utf16")
    with pytest.raises(refi.InterviewError, match="code-points, utf-16"):
        refi.read_qdpx(path, positions="utf-8")


def test_cli_reports_the_choice_and_warns(tmp_path):
    runner = CliRunner()
    path = _qdpx(tmp_path, NVIVO_TEXT, CODED, "utf16")
    res = runner.invoke(interviews, ["import-qdpx", str(path), str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert re.search(r"positions in HCP07: UTF-16 code units, .*\(high confidence", res.output)
    amb = _qdpx(tmp_path, AMBIGUOUS, [("d", "C"), ("o", "C")], "utf16", origin=None, fname="b")
    res = runner.invoke(interviews, ["import-qdpx", str(amb), str(tmp_path / "b"), "--json"])
    data = json.loads(res.output)
    assert data["positions"]["HCP07"]["confidence"] == "low"
    assert any("low confidence" in w for w in data["warnings"])
    res = runner.invoke(
        interviews,
        ["import-qdpx", str(amb), str(tmp_path / "c"), "--positions", "utf-16"],
    )
    # the units given, the line endings still to work out: the text does not tell
    assert "warning: positions in 'HCP07'" in res.output and "low confidence" in res.output
    args = ["--positions", "utf-16", "--line-endings", "as-is"]
    res = runner.invoke(interviews, ["import-qdpx", str(amb), str(tmp_path / "d"), *args])
    assert "(as given" in res.output and "warning" not in res.output


_WORDS = ["nurse", "Zoë", "😀", "🇬🇧", "referral", "l’aide", "\r\n", "\n", "NRM", "👩‍⚕️"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30),
    st.sampled_from(list(positions.CONVENTIONS)),
    st.data(),
)
def test_tables_invert_every_convention(words, convention, data):
    """Whatever the text, a position counted by a convention maps back to where it was."""
    text = " ".join(words)
    _, table = positions.choose(text, [], line_endings=convention)
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=8))
    for pos in cuts:
        if pos and text[pos - 1 : pos + 1] == "\r\n":
            continue  # inside a CR LF: a tool counting it as one has no such position
        got = positions.to_raw(_count(text, pos, convention), table, len(text))
        assert got == pos
