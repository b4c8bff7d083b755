"""What pseudonymisation finds beyond the key: spellings close to key names, names and places
from the shipped lists and context, handles, web addresses; and what it does not find."""

from __future__ import annotations

import csv
import json
from importlib import resources

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.cli.interviews import interviews
from readiness.interviews import Project, store
from readiness.interviews import pseudonymise as ps
from readiness.interviews.pseudonymise.names import edit_distance, lists, sounds_like

KEY = ps.Key(
    (
        ("Rik", "Person R"),
        ("Ellen", "Person E"),
        ("Mark", "Person M"),
        ("Pat", "Person P"),
        ("Sarah Jones", "Participant A"),
    )
)


def found(text, key=KEY, kinds=None):
    """``{found string: finding}`` for a text."""
    return {text[f.start : f.end]: f for f in ps.find(text, key, kinds)}


# -- spellings of key names ----------------------------------------------------------------------


def test_a_misheard_key_name_is_proposed_with_the_keys_pseudonym():
    hits = found("P3: Then Rick told me to wait. Rik came back later.")
    assert hits["Rick"].kind == "name_variant"
    assert hits["Rick"].replacement == "Person R"
    assert "close to the key's 'Rik'" in hits["Rick"].reason
    assert hits["Rik"].kind == "name" and hits["Rik"].preset


def test_a_key_name_in_lower_case_is_found_and_pre_set():
    hits = found("speech to text wrote: and then ellen said no")
    assert hits["ellen"].kind == "name" and hits["ellen"].replacement == "Person E"
    assert hits["ellen"].preset


def test_a_misspelled_key_name_in_upper_case_and_one_word_of_a_full_name():
    hits = found("SARAH JONES phoned. Later Sarah said Elen was there, and Jones left.")
    assert hits["SARAH JONES"].kind == "name"
    assert hits["Elen"].kind == "name_variant" and hits["Elen"].replacement == "Person E"
    assert hits["Sarah"].kind == "name_variant" and "one word of" in hits["Sarah"].reason
    assert hits["Jones"].replacement == "Participant A"


def test_lower_case_ordinary_words_are_not_taken_for_key_names():
    # "rid" is one letter from "Rik" but sounds different; "mark" the verb is checked, not set
    hits = found("we had to get rid of it and mark the form")
    assert "rid" not in hits
    assert not hits["mark"].preset


@pytest.mark.parametrize("word", ["Mark", "Pat"])
def test_a_key_name_that_is_an_ordinary_word_is_proposed_but_not_pre_set(word):
    hits = found(f"Then {word} came in. I had to {word.lower()} it down.")
    assert hits[word].kind == "name" and not hits[word].preset
    assert "ordinary word" in hits[word].reason
    assert not hits[word.lower()].preset


# -- names and places not in the key -------------------------------------------------------------


def test_an_unknown_name_after_called_is_proposed():
    hits = found("My cousin is called Zyxandro and the boss was Mr Qorri.", key=None)
    assert hits["Zyxandro"].kind == "possible_name"
    assert hits["Zyxandro"].reason == "after 'called'"
    assert hits["Qorri"].kind == "possible_name" and "title" in hits["Qorri"].reason
    assert hits["Zyxandro"].replacement == "[name]"


def test_names_from_the_list_ranked_by_context():
    text = "Chioma came first. Later we met Ahmed Karimi, and Besnik was there too."
    hits = found(text, key=None)
    assert hits["Ahmed Karimi"].score > hits["Besnik"].score > hits["Chioma"].score
    assert hits["Ahmed Karimi"].preset and not hits["Besnik"].preset
    assert "start of a sentence" in hits["Chioma"].reason


def test_places_are_suggested_and_never_pre_set():
    text = "She came from Tirana to Leeds; then Reading, and then work in Reading. From Qukes."
    hits = found(text, key=None)
    assert hits["Tirana"].kind == hits["Leeds"].kind == "place"
    assert not any(f.preset for f in hits.values())
    # "Reading" is a word too: only after "in", "from"...
    starts = [f.start for f in ps.find(text, None) if text[f.start : f.end] == "Reading"]
    assert starts == [text.rindex("Reading")]


def test_words_that_are_never_names_are_not_proposed():
    text = "On Monday the Interviewer asked about England, the NHS and Albanian interpreters."
    assert ps.find(text, None) == []


def test_pseudonyms_are_not_proposed_again_after_a_review():
    p = Project("again")
    p.add_transcript("T1", "Ellen came with Sarah Jones; later Rick rang.")
    key = ps.Key((("Ellen", "Anna Brown"), ("Sarah Jones", "Grace Smith"), ("Rik", "Tom Hill")))
    ps.apply(p, ps.decide(ps.propose(p, key), accept_all=True))
    assert (
        p.sources[next(iter(p.sources))].text
        == "Anna Brown came with Grace Smith; later Tom Hill rang."
    )
    assert ps.propose(p, key) == []


# -- handles, web addresses, telephone numbers -----------------------------------------------------


def test_handles_urls_and_domains_are_found():
    text = (
        "Find me @rik_j or at https://www.facebook.com/rik.jones?id=7. "
        "She used www.example.co.uk/p/123, and the site modernslavery.gov.uk; mail rik@x.org."
    )
    hits = found(text)
    assert hits["@rik_j"].kind == "handle" and hits["@rik_j"].replacement == "[handle]"
    assert hits["https://www.facebook.com/rik.jones?id=7"].kind == "url"
    assert hits["www.example.co.uk/p/123"].preset
    domain = hits["modernslavery.gov.uk"]
    assert domain.kind == "url" and not domain.preset and "domain" in domain.reason
    assert hits["rik@x.org"].kind == "email"  # whole, though "rik" is in the key


@pytest.mark.parametrize(
    "text",
    [
        "interviewed on 2024-03-15",
        "on 2024-03-15 10:30 and 2024-03-16T09:15:00",
        "met 01-03-2024 10:30 at the clinic",
        "cue 00:01:23.500 --> 00:01:27.000",
        "the 2019.11.30 figures",
    ],
)
def test_no_telephone_number_inside_a_date_or_time(text):
    assert [f for f in ps.find(text, None) if f.kind == "phone"] == []


def test_a_number_after_a_date_is_still_found():
    text = "2024-03-15 0207 946 0000"
    assert [(text[f.start : f.end], f.kind) for f in ps.find(text, None)] == [
        ("0207 946 0000", "phone")
    ]


def test_kinds_limit_what_is_looked_for():
    text = "Rick rang from Leeds, @rik_j"
    assert set(found(text, kinds=["handle"])) == {"@rik_j"}
    assert set(found(text, kinds=["place"])) == {"Leeds"}


# -- invariants ------------------------------------------------------------------------------------

_PIECES = list("abcRSEMPlkn @._-/:0123456789\n'’") + ["Rik", "Mark", "called ", "from ", "😀", "Ž"]
_TEXT = st.lists(
    st.sampled_from(_PIECES + ["Leeds", "Ahmed", "www.", ".uk", "2024-03-15"]), max_size=60
).map("".join)


@settings(max_examples=150)
@given(_TEXT)
def test_findings_are_ordered_disjoint_and_inside_the_text(text):
    out = ps.find(text, KEY)
    for f in out:
        assert 0 <= f.start < f.end <= len(text)
        assert 0 < f.score <= 1 and f.reason
    for a, b in zip(out, out[1:], strict=False):
        assert a.end <= b.start


@given(st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_is_a_distance(a, b):
    d = edit_distance(a, b)
    assert d == edit_distance(b, a)
    assert (d == 0) == (a == b)
    assert abs(len(a) - len(b)) <= d <= max(len(a), len(b))


def test_edit_distance_and_sound_by_hand():
    assert edit_distance("Rik", "Rick") == 1  # one letter added
    assert edit_distance("Ellen", "Elelnn") == 2  # a swap and an addition
    assert edit_distance("kitten", "sitting") == 3
    assert sounds_like("Mohammed", "Muhammad") and not sounds_like("Mark", "Pat")


def test_the_shipped_lists_are_small_clean_and_packaged():
    folder = resources.files("readiness.interviews").joinpath("data", "names")
    for name, column in (
        ("person_names.csv", "name"),
        ("places.csv", "place"),
        ("common_words.csv", "word"),
    ):
        rows = list(csv.DictReader(folder.joinpath(name).open(encoding="utf-8")))
        values = [r[column] for r in rows]
        assert 100 < len(values) < 5000, name
        assert len(values) == len(set(values)), name
        assert all(v == v.strip() and v for v in values), name
    words = lists()
    assert "england" in words.never and "albania" in words.never
    assert not {p.casefold() for p in words.places} & words.never  # no country is a place
    assert {"mark", "pat", "will", "rose", "may"} <= words.ordinary


# -- the command line ------------------------------------------------------------------------------


def test_the_command_lists_why_and_accept_preset_keeps_suggestions(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "in" / "P5.txt").write_text(
        "Interviewer: Who helped?\nP5: Rick from the shelter, and Mark. Write to @rik_j.\n"
        "P5: My friend is called Zyxandro.\n",
        "utf-8",
    )
    (tmp_path / "secret" / "key.csv").write_text("real,pseudonym\nRik,Person R\nMark,Person M\n")
    study = tmp_path / "study"
    runner = CliRunner()
    for args in (
        ["init", study, "--name", "S"],
        ["import", study, tmp_path / "in" / "P5.txt"],
    ):
        assert runner.invoke(interviews, [str(a) for a in args]).exit_code == 0
    key = tmp_path / "secret" / "key.csv"
    listed = runner.invoke(interviews, ["pseudonymise", str(study), "--key", str(key)])
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[4]: line for line in listed.output.splitlines()[2:-1]}
    assert "check" in lines["Mark"] and "ordinary word" in lines["Mark"]
    assert "replace" in lines["@rik_j"] and "Rick" in lines and "Zyxandro" in lines
    as_json = runner.invoke(interviews, ["pseudonymise", str(study), "--key", str(key), "--json"])
    reasons = {p["original"]: p["reason"] for p in json.loads(as_json.output)["proposals"]}
    assert reasons["Zyxandro"] == "after 'called'"
    applied = runner.invoke(
        interviews, ["pseudonymise", str(study), "--key", str(key), "--accept-preset"]
    )
    assert applied.exit_code == 0, applied.output
    text = next(iter(store.load(study).sources.values())).text
    assert "[handle]" in text and "[name]" in text  # pre-set: replaced
    assert "and Mark." in text  # a suggestion: kept
