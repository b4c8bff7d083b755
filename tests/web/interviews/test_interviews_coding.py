"""Coding without JavaScript (turns, words, offsets) and with it (the JSON answer), in-vivo
codes, editing and deleting, memos, search, and what each role may change."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.interviews.model import turns_of
from readiness.web.interviews import models as m
from readiness.web.interviews.render import Span, render_turns
from tests.web.interviews.builders import code_words, transcript

pytestmark = pytest.mark.django_db


def url(project, *parts) -> str:
    return "/".join(["", "interviews", project.slug, *parts, ""]).replace("//", "/")


def code_guid(project, name):
    return m.Code.objects.get(project=project, name=name).guid


# -- coding by form ----------------------------------------------------------------------------


def test_coding_by_turn_and_words_without_javascript(project, people, signed_in):
    client = signed_in(people["alice"])
    t = transcript(project, "P12")
    page = url(project, "transcripts", t.guid)
    # Turn 2 is P12's first answer; code the words in it.
    response = client.post(
        page,
        {
            "turn_from": "2",
            "turn_to": "2",
            "words": "we had no interpreter",
            "codes": [code_guid(project, "Interpreters")],
        },
    )
    assert response.status_code == 302
    coding = m.Coding.objects.get(transcript=t)
    assert t.text[coding.start : coding.end] == "we had no interpreter"
    assert coding.coder.name == "alice" and coding.coder.account == people["alice"]
    assert response["Location"].endswith(f"#c{coding.pk}")
    # A whole turn (its words, without the speaker label).
    client.post(page, {"turn_from": "4", "codes": [code_guid(project, "Referral routes")]})
    whole = m.Coding.objects.get(transcript=t, code__name="Referral routes")
    assert t.text[whole.start : whole.end].startswith("I went to our safeguarding lead.")
    # The page shows both, with the passage marked.
    html = client.get(page).content.decode()
    assert html.count('class="ri-d1 ri-k') >= 2
    assert "we had no interpreter" in html


def test_offsets_from_the_script_and_the_json_answer(project, people, signed_in):
    client = signed_in(people["bob"])
    t = transcript(project, "P9")
    start = t.text.index("interpreter never came")
    response = client.post(
        url(project, "transcripts", t.guid),
        {
            "start": str(start),
            "end": str(start + 22),
            "codes": [
                code_guid(project, "Interpreters"),
                code_guid(project, "Time and continuity"),
            ],
            "revision": t.sha256,
        },
        HTTP_ACCEPT="application/json",
    )
    data = json.loads(response.content)
    assert data["ok"] and len(data["codings"]) == 2
    assert f'data-c="{data["codings"][0]} {data["codings"][1]}"' in data["text"]
    assert "ri-d2" in data["text"] and "Codings (2)" in data["list"]
    # The same again is not coded twice.
    again = json.loads(
        client.post(
            url(project, "transcripts", t.guid),
            {
                "start": str(start),
                "end": str(start + 22),
                "codes": [code_guid(project, "Interpreters")],
            },
            HTTP_ACCEPT="application/json",
        ).content
    )
    assert again["ok"] and again["codings"] == []
    assert m.Coding.objects.filter(transcript=t).count() == 2


def test_problems_are_explained_and_nothing_is_coded(project, people, signed_in):
    client = signed_in(people["alice"])
    t = transcript(project, "P12")
    page = url(project, "transcripts", t.guid)
    cases = [
        (
            {"start": "5", "end": "99999", "codes": [code_guid(project, "Training")]},
            "is not inside the transcript",
        ),
        ({"start": "5", "end": "10"}, "choose at least one code"),
        ({"codes": [code_guid(project, "Training")]}, "no passage was chosen"),
        (
            {"words": "not in the text", "codes": [code_guid(project, "Training")]},
            "are not in the transcript",
        ),
        ({"turn_from": "40", "codes": [code_guid(project, "Training")]}, "there is no turn 40"),
        (
            {
                "start": "5",
                "end": "10",
                "revision": "0" * 64,
                "codes": [code_guid(project, "Training")],
            },
            "has changed since you opened it",
        ),
    ]
    for data, message in cases:
        response = client.post(page, data)
        assert response.status_code == 200
        assert message in response.content.decode(), message
        js = client.post(page, data, HTTP_ACCEPT="application/json")
        assert js.status_code == 400 and message in json.loads(js.content)["errors"][0]
    assert not m.Coding.objects.exists()


def test_in_vivo_and_new_codes(project, people, signed_in):
    client = signed_in(people["alice"])
    t = transcript(project, "P7_interview")
    s = t.text.index("Only one slide in the safeguarding day")
    client.post(url(project, "transcripts", t.guid), {"start": s, "end": s + 38, "in_vivo": "1"})
    code = m.Code.objects.get(project=project, name="Only one slide in the safeguarding day")
    assert m.Coding.objects.get(code=code).coder.name == "alice"
    client.post(
        url(project, "transcripts", t.guid),
        {"start": s, "end": s + 14, "new_code": "Token training"},
    )
    assert m.Coding.objects.filter(code__name="Token training").count() == 1
    log = m.AuditEntry.objects.filter(project=project, action="code").last()
    assert log.details["new_codes"] == ["Token training"]


def test_edit_and_delete_own_codings_not_others(project, people, signed_in):
    mine = code_words(project, people["alice"], "P12", "we had no interpreter", "Interpreters")[0]
    theirs = code_words(
        project, people["bob"], "P12", "a man who spoke for her", "Recognising indicators"
    )[0]
    client = signed_in(people["alice"])
    response = client.post(
        url(project, "codings", mine.guid),
        {"code": code_guid(project, "Access barriers"), "start": mine.start - 4, "end": mine.end},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.code.name == "Access barriers" and mine.transcript.text[
        mine.start : mine.end
    ].startswith("and we had")
    assert (
        client.post(
            url(project, "codings", theirs.guid), {"code": code_guid(project, "Training")}
        ).status_code
        == 403
    )
    assert client.post(url(project, "codings", theirs.guid, "delete")).status_code == 403
    assert client.post(url(project, "codings", mine.guid, "delete")).status_code == 302
    assert not m.Coding.objects.filter(pk=mine.pk).exists()
    # The lead may change anyone's.
    lead = signed_in(people["lead"])
    assert lead.post(url(project, "codings", theirs.guid, "delete")).status_code == 302
    assert not m.Coding.objects.exists()


def test_memos_on_project_transcript_code_and_coding(project, people, signed_in):
    coding = code_words(project, people["alice"], "P12", "we had no interpreter", "Interpreters")[0]
    client = signed_in(people["alice"])
    t = transcript(project, "P12")
    targets = [
        ("project", None, url(project)),
        ("source", t.guid, url(project, "transcripts", t.guid)),
        (
            "code",
            code_guid(project, "Interpreters"),
            url(project, "codebook", code_guid(project, "Interpreters")),
        ),
        ("coding", coding.guid, url(project, "codings", coding.guid)),
    ]
    for target, target_id, page in targets:
        data = {"target": target, "memo-text": f"A memo on the {target}", "next": page}
        if target_id:
            data["target_id"] = target_id
        response = client.post(url(project, "memos", "add"), data)
        assert response.status_code == 302 and response["Location"].startswith(page)
        assert f"A memo on the {target}" in client.get(page).content.decode()
    assert m.Memo.objects.filter(project=project).count() == 4
    assert set(m.Memo.objects.values_list("author__name", flat=True)) == {"alice"}
    listing = client.get(url(project, "memos")).content.decode()
    assert all(f"A memo on the {t}" in listing for t, _, _ in targets)
    # Another coder may not change alice's memo; alice may; deleting the coding takes its memo.
    memo = m.Memo.objects.get(target="project")
    bob = signed_in(people["bob"])
    assert bob.post(url(project, "memos", str(memo.pk)), {"memo-text": "x"}).status_code == 403
    alice = signed_in(people["alice"])
    alice.post(url(project, "memos", str(memo.pk)), {"memo-text": "Changed", "memo-title": "T"})
    memo.refresh_from_db()
    assert (memo.text, memo.title) == ("Changed", "T")
    alice.post(url(project, "codings", coding.guid, "delete"))
    assert not m.Memo.objects.filter(target="coding").exists()


def test_an_empty_memo_or_a_foreign_target_is_refused(project, people, signed_in):
    client = signed_in(people["alice"])
    client.post(url(project, "memos", "add"), {"target": "project", "memo-text": ""})
    client.post(
        url(project, "memos", "add"), {"target": "source", "target_id": "nope", "memo-text": "x"}
    )
    assert not m.Memo.objects.exists()


def test_search_links_each_hit_to_its_place(project, people, signed_in):
    client = signed_in(people["alice"])
    html = client.get(url(project, "search") + "?q=interpreter").content.decode()
    assert "3 hits for “interpreter” in 4 transcripts" in html  # P3 does not say it
    assert "the room, and we had no <mark>interpreter</mark>. Interviewer:" in html
    t = transcript(project, "P9")
    s = t.text.index("interpreter")
    link = f"{url(project, 'transcripts', t.guid)}?at={s}&amp;to={s + 11}#at"
    assert link in html
    page = client.get(link.replace("&amp;", "&").split("#")[0]).content.decode()
    assert 'id="at"' in page and "ri-hit" in page
    assert f'value="{s}"' in page  # the coding form is filled in with the hit
    bad = client.get(url(project, "search") + "?q=(&regex=1").content.decode()
    assert "is not a valid regular expression" in bad


def test_a_hostile_regex_search_cannot_hold_a_worker(project, people, signed_in):
    """``([a-z ]+)+!`` over a long transcript backtracks for minutes in Python's engine; the
    page answers in seconds (about one on a busy two-core machine: the bound leaves room for
    that, and none for backtracking), and syntax the safe engine refuses gets a clear message."""
    import time
    from urllib.parse import quote

    t = transcript(project, "P12")
    t.text = "Interviewer: " + "nurse " * 40_000
    t.save()
    client = signed_in(people["alice"])
    started = time.perf_counter()
    page = client.get(url(project, "search") + "?regex=1&q=" + quote("([a-z ]+)+!"))
    assert time.perf_counter() - started < 5
    assert page.status_code == 200 and "0 hits for" in page.content.decode()
    refused = client.get(url(project, "search") + "?regex=1&q=" + quote(r"(nurse)\1"))
    assert "Back-references" in refused.content.decode()


def test_the_page_filters_codings_by_coder(project, people, signed_in):
    code_words(project, people["alice"], "P12", "we had no interpreter", "Interpreters")
    code_words(project, people["bob"], "P12", "a man who spoke for her", "Recognising indicators")
    client = signed_in(people["alice"])
    t = transcript(project, "P12")
    everyone = client.get(url(project, "transcripts", t.guid)).content.decode()
    mine = client.get(url(project, "transcripts", t.guid) + "?coder=mine").content.decode()
    assert "Codings (2)" in everyone and "Codings (1)" in mine
    assert "Recognising indicators" in everyone.split('id="ri-codings"')[1]
    assert "Recognising indicators" not in mine.split('id="ri-codings"')[1]


def test_the_page_does_the_same_queries_however_many_codings(
    project, people, signed_in, django_assert_max_num_queries
):
    client = signed_in(people["alice"])
    t = transcript(project, "P12")
    for k in range(60):
        m.Coding.objects.create(
            project=project,
            guid=f"g{k}",
            transcript=t,
            start=k,
            end=k + 5,
            code=m.Code.objects.filter(project=project).first(),
        )
    with django_assert_max_num_queries(30):
        assert client.get(url(project, "transcripts", t.guid)).status_code == 200


# -- the HTML of the transcript ----------------------------------------------------------------


class Pieces(HTMLParser):
    """The text of every element with data-s, with its data-s."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int | None]] = []
        self.pieces: list[list] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        s = int(a["data-s"]) if "data-s" in a else None
        self.stack.append((tag, s))
        if s is not None:
            self.pieces.append([s, ""])

    def handle_endtag(self, tag):
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1][1] is not None:
            self.pieces[-1][1] += data


TEXT = st.lists(
    st.sampled_from([*'ab c\n:😀é<&"', "👩‍⚕️", "P1: ", "Interviewer: ", "[00:01] ", "\n\n"]),
    min_size=1,
    max_size=40,
).map("".join)


@given(TEXT, st.lists(st.tuples(st.integers(0, 80), st.integers(1, 40)), max_size=12), st.data())
@settings(max_examples=150, deadline=None)
def test_every_piece_holds_exactly_the_characters_at_its_offset(text, raw, data):
    spans = [Span(k, a, min(a + n, len(text))) for k, (a, n) in enumerate(raw) if a < len(text)]
    spans = [s for s in spans if s.start < s.end]
    hl = None
    if len(text) > 1 and data.draw(st.booleans()):
        a = data.draw(st.integers(0, len(text) - 1))
        hl = (a, data.draw(st.integers(a + 1, len(text))))
    turns = render_turns(text, spans, highlight=hl)
    assert [v.turn for v in turns] == list(turns_of(text))
    for view in turns:
        parser = Pieces()
        parser.feed(str(view.html))
        covered = ""
        for s, piece in parser.pieces:
            assert text[s : s + len(piece)] == piece
            covered += piece
        assert covered == text[view.turn.start : view.turn.end]
        # Each coded piece lists exactly the codings that cover it.
        for match in re.finditer(r'data-s="(\d+)" data-c="([\d ]+)"', str(view.html)):
            s = int(match.group(1))
            ids = {int(x) for x in match.group(2).split()}
            assert ids == {x.pk for x in spans if x.start <= s < x.end}
