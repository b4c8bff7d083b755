"""``readiness guide``: the terminal walk, ``check``, ``facts``, ``local`` and the wiring of
``print`` and ``build``, on the tests' small guide and (once it is in the package) the shipped
content."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml
from click.testing import CliRunner

from readiness.cli.guide import guide
from readiness.guide.load import default_folder, load_content
from readiness.guide.model import NATIONS
from readiness.guide.paths import enumerate_paths, open_options, replay, skip_preset

from .guide_helpers import changed, write_content

LOCAL = """\
contacts:
  safeguarding_team:
    value: "0115 000 0000 (extension 1234)"
    last_checked: 2026-12-01
    checked_by: A. Person
  la_adult_safeguarding:
    value: "0115 000 1111"
    last_checked: 2026-11-15
    checked_by: B. Person
    review_by: 2027-02-15
"""


@pytest.fixture
def folder(tmp_path):
    return write_content(tmp_path / "guide")


@pytest.fixture
def local_file(tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text(LOCAL, encoding="utf-8")
    return path


def run(*args, input=None, status=0):
    result = CliRunner().invoke(guide, [str(a) for a in args], input=input)
    if status is not None:
        assert result.exit_code == status, (result.output, result.exception)
    return result


def shipped_folder():
    if not (default_folder() / "guide.yaml").exists():
        pytest.skip("the shipped guide content is not in the package yet")
    return default_folder()


# -- facts --------------------------------------------------------------------------------------


def test_facts_overdue_lists_every_overdue_fact_and_exits_1(folder):
    result = run("facts", "--overdue", "--as-of", "2028-01-01", "--folder", folder, status=1)
    out = result.output
    assert out.startswith("guide facts: 11 overdue on 1 January 2028; content 2026.12.0.")
    assert "helpline: overdue by 210 days (confirmed, contact)" in out
    assert "treat: overdue by 27 days (confirmed, guidance)" in out
    assert "maybe: overdue by 27 days (unverified, guidance)" in out
    assert "Source: Guidance for health staff, https://www.gov.uk/example" in out
    assert "Last checked 5 December 2026 by tests; review by 5 June 2027." in out
    assert "Used by: England, Wales, Scotland, Northern Ireland: helpline_advice (adult card)" in (
        out
    )
    assert "Value: 08000 121 700" in out
    assert out.index("helpline:") < out.index("treat:")  # earliest review date first
    assert "maybe: overdue by 27 days" in out and "Used by: no action or question" in out


def test_long_source_addresses_are_never_broken_across_lines(tmp_path):
    url = "https://www.gov.uk/government/statistics/modern-slavery-nrm-and-dtn-statistics-" + (
        "october-to-december-2025/modern-slavery-national-referral-mechanism-statistics"
    )
    folder = write_content(
        tmp_path / "g", changed(sources=lambda s: s["sources"]["dhsc2015"].update(url=url))
    )
    out = run("facts", "--as-of", "2027-01-01", "--folder", folder).output
    assert any(line.strip() == url for line in out.splitlines())
    walk = run("walk", "--folder", folder, "--as-of", "2027-01-01", input="1\n2\n1\n").output
    assert any(line.strip() == url for line in walk.splitlines())


def test_facts_overdue_exits_0_when_nothing_is_overdue(folder):
    result = run("facts", "--overdue", "--as-of", "2026-12-06", "--folder", folder)
    assert result.output.strip() == "guide facts: nothing overdue on 6 December 2026; " + (
        "content 2026.12.0."
    )


def test_facts_json_has_one_record_per_fact_with_its_uses(folder):
    result = run(
        "facts", "--overdue", "--as-of", "2028-01-01", "--folder", folder, "--json", status=1
    )
    data = json.loads(result.output)
    assert data["as_of"] == "2028-01-01"
    assert data["content_version"] == "2026.12.0"
    assert data["overdue"] == 11
    assert data["local"] is None
    assert data["filter"] == {
        "overdue": True,
        "due_within": None,
        "nation": None,
        "volatility": None,
    }
    first = data["facts"][0]
    assert set(first) == {
        "id",
        "statement",
        "status",
        "volatility",
        "nations",
        "value",
        "sources",
        "last_checked",
        "checked_by",
        "review_by",
        "days_overdue",
        "overdue",
        "used_by",
        "feedback",
    }
    assert first["id"] == "helpline"
    assert (first["last_checked"], first["review_by"], first["days_overdue"]) == (
        "2026-12-05",
        "2027-06-05",
        210,
    )
    assert first["sources"] == [
        {
            "id": "dhsc2015",
            "title": "Guidance for health staff",
            "url": "https://www.gov.uk/example",
            "version": "updated 27 November 2015",
            "locator": "page 1",
        }
    ]
    assert first["used_by"]["wales"] == {
        "actions": ["helpline_advice"],
        "cards": ["adult"],
        "questions": [],
    }


def test_facts_due_within_lists_what_is_coming_and_exits_0(folder):
    result = run("facts", "--due-within", "200", "--as-of", "2027-01-01", "--folder", folder)
    assert "guide facts: 1 due within 200 days of 1 January 2027 (0 overdue)" in result.output
    assert "helpline: due in 155 days" in result.output
    assert "treat:" not in result.output


def test_facts_without_a_filter_lists_every_fact(folder):
    result = run("facts", "--as-of", "2027-01-01", "--folder", folder, "--json")
    assert len(json.loads(result.output)["facts"]) == 11


def test_facts_filters_by_nation_and_volatility(folder):
    ni = run(
        "facts", "--as-of", "2028-01-01", "--nation", "northern-ireland", "--folder", folder
    ).output
    assert "ni_fro:" in ni and "gb_fro:" not in ni
    assert "Used by: Northern Ireland: refer_to_fro (adult card)" in ni
    contact = run(
        "facts", "--volatility", "contact", "--as-of", "2027-07-01", "--folder", folder
    ).output
    assert "helpline: overdue by 26 days" in contact and "treat:" not in contact


def test_facts_overdue_exits_1_for_one_overdue_contact_fact(folder):
    args = ("facts", "--overdue", "--volatility", "contact", "--folder", folder, "--json")
    assert json.loads(run(*args, "--as-of", "2027-06-05").output)["facts"] == []
    data = json.loads(run(*args, "--as-of", "2027-06-06", status=1).output)
    assert [f["id"] for f in data["facts"]] == ["helpline"]


def test_facts_with_local_lists_overdue_contacts_and_exits_1(folder, local_file):
    args = ("facts", "--overdue", "--local", local_file, "--folder", folder)
    assert run(*args, "--as-of", "2027-02-15").exit_code == 0
    result = run(*args, "--as-of", "2027-03-01", status=1)
    out = result.output
    assert "guide facts: 1 overdue on 1 March 2027" in out
    assert (
        "la_adult_safeguarding (Local authority adult safeguarding, required): overdue by 14"
        in (out)
    )
    data = json.loads(run(*args, "--as-of", "2027-03-01", "--json", status=1).output)
    assert data["overdue"] == 1
    assert [c["slot"] for c in data["local"]["contacts"]] == ["la_adult_safeguarding"]


def test_a_bad_date_or_nation_is_a_usage_error(folder):
    result = run("facts", "--as-of", "1/1/2028", "--folder", folder, status=2)
    assert "'1/1/2028' is not a date; write it as YYYY-MM-DD" in result.output
    result = run("facts", "--nation", "cornwall", "--folder", folder, status=2)
    assert "'cornwall' is not a nation" in result.output


def test_broken_content_is_reported_with_its_line_through_the_main_command(tmp_path, capsys):
    from readiness.cli import main

    folder = write_content(
        tmp_path / "g", changed(facts=lambda f: f["facts"]["treat"].update(status="maybe"))
    )
    assert main(["guide", "facts", "--folder", str(folder), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["problems"][0]["file"] == "facts.yaml"
    assert data["problems"][0]["line"] > 1


def test_the_main_command_returns_1_for_overdue_facts(folder):
    from readiness.cli import main

    args = ["guide", "facts", "--overdue", "--folder", str(folder), "--as-of"]
    assert main([*args, "2028-01-01"]) == 1
    assert main([*args, "2026-12-06"]) == 0


# -- check --------------------------------------------------------------------------------------


def test_check_names_each_nation_and_passes_on_the_minimal_guide(folder):
    pytest.importorskip("readiness.guide.check")
    result = run("check", "--as-of", "2027-01-01", "--folder", folder)
    assert result.output.startswith(
        "guide check: 48 paths checked (england 12, wales 12, scotland 12, northern_ireland 12)"
    )
    assert "passed on 1 January 2027" in result.output


def test_check_lists_problems_and_exits_1(folder):
    pytest.importorskip("readiness.guide.check")
    result = run("check", "--as-of", "2027-06-06", "--folder", folder, status=1)
    assert "problems:" in result.output
    assert "fact 'helpline' was due for review" in result.output
    data = json.loads(
        run("check", "--as-of", "2027-06-06", "--folder", folder, "--json", status=1).output
    )
    assert data["ok"] is False and data["paths_checked"] == 48
    assert data["problems"][0]["file"] == "facts.yaml"


def test_check_reports_content_that_cannot_be_read_as_problems(tmp_path):
    pytest.importorskip("readiness.guide.check")
    folder = write_content(tmp_path / "g")
    (folder / "facts.yaml").write_text("facts: [\n", encoding="utf-8")
    data = json.loads(run("check", "--folder", folder, "--json", status=1).output)
    assert data["ok"] is False and data["paths_checked"] == 0
    assert "is not valid YAML" in data["problems"][0]["message"]


def test_check_with_local_adds_the_required_contacts(folder, tmp_path):
    pytest.importorskip("readiness.guide.check")
    empty = tmp_path / "empty.yaml"
    empty.write_text("contacts: {}\n", encoding="utf-8")
    result = run(
        "check", "--as-of", "2027-01-01", "--folder", folder, "--local", empty,
        "--nation", "wales", status=1,
    )  # fmt: skip
    assert "'safeguarding_team' (Safeguarding team) is empty" in result.output
    result = run("check", "--folder", folder, "--local", empty, status=2)
    assert "--nation" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("contacts:\n  nobody: {value: x}\n", encoding="utf-8")
    data = json.loads(
        run("check", "--as-of", "2027-01-01", "--folder", folder, "--local", broken, "--json",
            status=1).output
    )  # fmt: skip
    assert data["paths_checked"] == 48
    assert [(p["file"], p["line"]) for p in data["problems"]] == [("broken.yaml", 2)]


def test_the_walk_stops_with_an_error_at_a_question_with_no_open_answer(tmp_path):
    from readiness.guide.paths import GraphError

    def close_danger(g):
        for option in g["nodes"]["danger"]["options"]:
            option["when"] = {"nation": "wales"}

    folder = write_content(tmp_path / "g", changed(guide=close_danger))
    result = run("walk", "--folder", folder, input="1\n", status=1)
    assert isinstance(result.exception, GraphError)
    assert "question 'danger' offers no answer here" in str(result.exception)


# -- local --------------------------------------------------------------------------------------


def test_local_check_passes_then_fails_when_a_contact_is_overdue(folder, local_file):
    args = ("local", "check", "--local", local_file, "--folder", folder)
    ok = run(*args, "--as-of", "2027-01-01")
    assert "for England: 2 of 2 contacts filled in" in ok.output  # nation from the slots
    assert "Every required contact is filled in and in date." in ok.output
    late = run(*args, "--as-of", "2027-03-01", status=1)
    assert "was due for review on 15 February 2027 (14 days ago)" in late.output
    data = json.loads(run(*args, "--as-of", "2027-03-01", "--json", status=1).output)
    assert data["nation"] == "england" and data["ok"] is False
    assert data["problems"][0]["line"] == 10
    assert [c["slot"] for c in data["contacts"]] == ["safeguarding_team", "la_adult_safeguarding"]


def test_local_check_for_wales_names_the_cards_of_an_empty_contact(folder, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text("contacts: {}\n", encoding="utf-8")
    result = run(
        "local", "check", "--local", path, "--nation", "wales", "--folder", folder, status=1
    )
    assert "the adult and child cards print it (action tell_safeguarding_lead)" in result.output
    nation_unknown = run("local", "check", "--local", path, "--folder", folder, status=2)
    assert "give --nation" in nation_unknown.output


def test_local_load_errors_name_the_line(folder, tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text("contacts:\n  safeguarding_teem: {value: x}\n", encoding="utf-8")
    result = run("local", "check", "--local", path, "--folder", folder, status=1)
    problem = result.exception.problems[0]
    assert (problem.file, problem.line) == ("local.yaml", 2)
    assert "safeguarding_team, la_adult_safeguarding" in problem.fix


def test_local_set_writes_the_file_and_check_then_passes(folder, tmp_path):
    path = tmp_path / "trust" / "local.yaml"
    result = run(
        "local", "set", "safeguarding_team", "0115 999 9999", "--local", path,
        "--checked-by", "C. Person", "--today", "2027-01-10", "--folder", folder,
    )  # fmt: skip
    assert result.output.strip() == (
        f"Set safeguarding_team (Safeguarding team) in {path}: 0115 999 9999. "
        "Checked 10 January 2027 by C. Person; review by 10 July 2027."
    )
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["contacts"]["safeguarding_team"]["value"] == "0115 999 9999"
    run("local", "check", "--local", path, "--nation", "wales", "--as-of", "2027-07-10",
        "--folder", folder)  # fmt: skip
    run("local", "check", "--local", path, "--nation", "wales", "--as-of", "2027-07-11",
        "--folder", folder, status=1)  # fmt: skip
    data = json.loads(
        run(
            "local", "set", "la_adult_safeguarding", "0115 1", "--local", path,
            "--checked-by", "D", "--today", "2027-01-11", "--folder", folder, "--json",
        ).output
    )  # fmt: skip
    assert data["contact"]["review_by"] == "2027-07-11"
    assert list(yaml.safe_load(path.read_text(encoding="utf-8"))["contacts"]) == [
        "safeguarding_team",
        "la_adult_safeguarding",
    ]


def test_local_set_refuses_an_unknown_slot(folder, local_file):
    result = run(
        "local", "set", "safeguarding", "0115", "--local", local_file, "--checked-by", "A",
        "--folder", folder, status=1,
    )  # fmt: skip
    assert "'safeguarding' is not a contact slot" in str(result.exception)
    assert local_file.read_text(encoding="utf-8") == LOCAL


# -- the terminal walk --------------------------------------------------------------------------


def walk_input(content, path, state=None) -> str:
    """The keys a member of staff types to follow ``path`` in the terminal walk."""
    guide_ = content.guide
    choices = skip_preset(guide_, state) if state else []
    keys = []
    for step in path.steps:
        position = replay(guide_, choices, state)
        if position.node.id != step.node:
            continue  # a router, or a question the preset nation already answered
        if position.node.type == "action":
            keys.append("")
            choices.append(0)
            continue
        labelled = [(i, o) for i, o in open_options(position.node, position.state) if o.label]
        number = next(n for n, (_, o) in enumerate(labelled, 1) if o.label == step.label)
        keys.append(str(number))
        choices.append(labelled[number - 1][0])
    assert replay(guide_, choices, state).node.id == path.outcome
    return "\n".join(keys) + "\n"


def test_the_walk_reaches_the_adult_outcome_for_england(folder):
    # England; no danger; 18 or over; agrees to referral; agrees to the police
    result = run("walk", "--folder", folder, "--as-of", "2027-01-01", input="1\n2\n3\n1\n1\n")
    out = result.output
    assert "Where are you working?" in out and "  4. Northern Ireland" in out
    assert "England: adult pathway" in out
    assert "Support the adult." in out
    assert "1. Treat now" in out and "Give treatment now." in out
    assert "- Give immediately necessary treatment." in out
    assert "Source: Guidance for health staff (page 1), https://www.gov.uk/example" in out
    assert "Last checked 5 December 2026." in out
    assert "Due for review" not in out
    assert "Refer through your lead to a First Responder." in out
    assert "Tell the police, as agreed." in out
    assert "Number: 08000 121 700" in out
    assert "Safeguarding team: use your organisation's number." in out
    assert "Follow your organisation's safeguarding policy." in out


def test_the_walk_shows_the_review_notice_on_an_overdue_fact(folder):
    result = run("walk", "--folder", folder, "--as-of", "2027-12-06", input="1\n2\n3\n2\n2\n")
    assert "Last checked 5 December 2026. Due for review: check with your safeguarding team." in (
        result.output
    )
    assert "Tell the police, as agreed." not in result.output
    assert "Refer through your lead" not in result.output


def test_the_walk_for_northern_ireland_gives_the_trust_referral(folder):
    result = run("walk", "--folder", folder, "--as-of", "2027-01-01", input="4\n2\n3\n1\n2\n")
    assert "Northern Ireland: adult pathway" in result.output
    assert "Your Trust's first-responder staff refer." in result.output
    assert "HSC Trusts are First Responders." in result.output
    assert "not First Responders" not in result.output


def test_the_walk_with_a_preset_nation_danger_and_local_contacts(folder, local_file):
    # Wales preset; danger: an action page (Enter to continue); not sure about age: a child
    result = run(
        "walk", "--nation", "wales", "--local", local_file, "--folder", folder,
        "--as-of", "2027-01-01", input="1\n\n2\n",
    )  # fmt: skip
    out = result.output
    assert "Where are you working?" not in out
    assert "Call 999 now." in out
    assert "Wales: child pathway" in out and "Safeguard the child first." in out
    assert "Already done:" in out and "- Call 999" in out
    assert "Safeguarding team: 0115 000 0000 (extension 1234)." in out


def test_the_walk_goes_back_with_b_and_asks_again_after_a_wrong_key(folder):
    result = run("walk", "--folder", folder, "--as-of", "2027-01-01", input="1\nb\n3\n9\n2\n2\n")
    assert "Scotland: child pathway" in result.output
    assert "is not one of" in result.output  # 9 is refused and asked again


def test_the_walk_json_prints_the_outcome_on_standard_output(folder):
    runner = CliRunner()
    result = runner.invoke(
        guide,
        ["walk", "--folder", str(folder), "--as-of", "2027-01-01", "--json"],
        input="2\n2\n3\n2\n1\n",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["nation"], data["outcome"], data["card"]) == ("wales", "adult_outcome", "adult")
    assert [a["id"] for a in data["actions"]] == [
        "treat_now",
        "tell_safeguarding_lead",
        "police_with_consent",
        "helpline_advice",
        "document",
    ]
    assert data["actions"][3]["facts"][0]["value"] == "08000 121 700"
    assert data["answers"][0] == {"question": "Where are you working?", "answer": "Wales"}
    assert "Where are you working?" in result.stderr


def test_the_bare_guide_command_is_the_walk(folder, monkeypatch):
    import readiness.guide.load as load_mod

    monkeypatch.setattr(load_mod, "default_folder", lambda: folder)
    result = run(input="3\n2\n1\n")
    assert "Scotland: child pathway" in result.output


@pytest.mark.parametrize("nation", NATIONS)
def test_the_walk_reaches_an_outcome_for_one_path_per_nation(folder, nation):
    content = load_content(folder)
    path = next(p for p in enumerate_paths(content.guide) if p.nation == nation)
    result = run(
        "walk", "--folder", folder, "--as-of", "2027-01-01", input=walk_input(content, path)
    )
    card = content.guide.nodes[path.outcome].card
    assert f"{content.guide.nodes[path.outcome].summary}" in result.output
    assert f": {card} pathway" in result.output


# -- print and build are wired ------------------------------------------------------------------


def test_help_lists_every_command():
    out = run("--help").output
    assert "The response guide" in out
    for command in ("walk", "check", "facts", "local", "print", "build"):
        assert f"  {command} " in out
    assert "set " in run("local", "--help").output
    assert "--nation england|wales|scotland|northern-ireland" in run("print", "--help").output
    assert "--out" in run("build", "--help").output


def test_print_and_build_put_the_online_address_and_its_qr_code_on_the_card(folder, tmp_path):
    address = "https://readiness.example.nhs.uk/guide/"
    pdf = tmp_path / "card.pdf"
    run("print", "--nation", "wales", "--out", pdf, "--online-url", address, "--folder", folder,
        "--as-of", "2027-01-10")  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert address in text
    html = tmp_path / "guide.html"
    run("build", "--nation", "wales", "--out", html, "--online-url", address, "--folder", folder,
        "--as-of", "2027-01-10")  # fmt: skip
    page = html.read_text(encoding="utf-8")
    assert address in page and "<svg" in page  # the one-page summary's QR code
    without = tmp_path / "plain.html"
    run("build", "--nation", "wales", "--out", without, "--folder", folder)
    assert "<svg" not in without.read_text(encoding="utf-8")
    bad = run("print", "--nation", "wales", "--out", pdf, "--online-url", "guide home", status=2)
    assert "not a web address" in bad.output


def test_the_guide_is_a_readiness_command():
    from readiness.cli import cli

    assert cli.commands["guide"] is guide
    commands = list(cli.commands)
    assert commands.index("guide") == commands.index("interviews") + 1


# -- the shipped content ------------------------------------------------------------------------


def test_shipped_content_facts_are_overdue_in_2028_and_listed_with_their_uses():
    folder = shipped_folder()
    data = json.loads(
        run("facts", "--overdue", "--as-of", "2028-01-01", "--folder", folder, "--json",
            status=1).output
    )  # fmt: skip
    assert data["overdue"] >= 1
    assert all(f["status"] in ("confirmed", "unverified") for f in data["facts"])
    assert any(f["used_by"] for f in data["facts"])


def test_shipped_content_nothing_is_overdue_the_day_it_was_checked():
    folder = shipped_folder()
    content = load_content(folder)
    checked = max(f.last_checked for f in content.facts.values())
    run("facts", "--overdue", "--as-of", checked.isoformat(), "--folder", folder)


@pytest.mark.parametrize("nation", NATIONS)
def test_shipped_content_walk_reaches_an_outcome_per_nation(nation):
    folder = shipped_folder()
    content = load_content(folder)
    path = next(p for p in enumerate_paths(content.guide) if p.nation == nation)
    result = run(
        "walk", "--folder", folder, "--as-of", "2027-01-01", "--nation", nation,
        input=walk_input(content, path, {"nation": nation}),
    )  # fmt: skip
    outcome = content.guide.nodes[path.outcome]
    assert f": {outcome.card} pathway" in result.output
    assert "What to do:" in result.output
