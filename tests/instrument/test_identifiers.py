"""Identifier and choice-code rules: no stricter than REDCap and ODK, every refusal says whose rule."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readiness.errors import InstrumentError
from readiness.instrument import parse_instrument
from readiness.instrument.load import IDENTIFIER
from readiness.instrument.model import META_COLUMNS

# A variable name from a real REDCap registry dictionary (47 characters).
LONG_ID = "hospital_admission_within_thirty_days_of_ref_yn"


def instrument(*items: str, section: str = "s") -> str:
    body = "\n".join(f"      - {item}" for item in items)
    return (
        textwrap.dedent(
            f"""\
        id: t
        version: 1
        title: T
        sections:
          - id: {section}
            title: S
            items:
        """
        )
        + body
        + "\n"
    )


def problems(text: str) -> list[str]:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(text, file="form.yaml")
    return [f"{p.message} {p.fix}" for p in info.value.problems]


def test_a_47_character_id_loads():
    assert len(LONG_ID) == 47
    loaded = parse_instrument(instrument(f"{{id: {LONG_ID}, type: yes_no, text: Admitted}}"))
    assert [i.id for i in loaded.items] == [LONG_ID]


def test_upper_case_ids_keep_their_case():
    loaded = parse_instrument(
        instrument(
            "{id: AGE, type: number, text: Oedran / Age}",
            "{id: Sex_at_birth, type: single_choice, text: Rhyw, choices: [{code: 1, label: Gwryw}]}",
            "{id: _hidden_start, type: text, text: Start}",
            section="Demographics_And_Background_Information_Of_The_Respondent_Sec",
        )
    )
    assert [i.id for i in loaded.items] == ["AGE", "Sex_at_birth", "_hidden_start"]
    assert loaded.sections[0].id.startswith("Demographics_")


def test_an_upper_case_id_can_be_used_in_a_condition():
    loaded = parse_instrument(
        instrument(
            "{id: SMOKER, type: yes_no, text: Smoke}",
            "{id: Cigs_Per_Day, type: number, text: How many, show_if: {item: SMOKER, equals: 1}}",
        )
    )
    assert loaded.items[1].show_if is not None


@pytest.mark.parametrize("bad", ["1st_visit", "age-years", "oed ran", "ŵyr", "a.b"])
def test_a_bad_id_names_the_rule_and_whose_it_is(bad):
    (message,) = problems(instrument(f"{{id: '{bad}', type: yes_no, text: A}}"))
    assert "not a valid identifier" in message
    assert "Readiness's rule" in message
    assert "REDCap" not in message  # REDCap's own rule is different; never blamed for ours
    suggestion = re.search(r"for example '([^']*)'", message).group(1)
    assert IDENTIFIER.match(suggestion)


def test_no_message_blames_a_26_character_limit():
    text = instrument(
        f"{{id: {LONG_ID}_and_some_more_words_to_pass_sixty_four, type: text, text: A}}"
    )
    assert parse_instrument(text).items[0].id.endswith("sixty_four")


def test_single_choice_codes_may_hold_spaces_and_symbols():
    loaded = parse_instrument(
        instrument(
            "{id: role, type: single_choice, text: Role, choices: ["
            "{code: 'staff nurse', label: Staff nurse}, {code: 'A&E', label: A&E},"
            " {code: 'médecin', label: Doctor}, {code: '🙂', label: Happy}]}"
        )
    )
    assert [c.code for c in loaded.items[0].choices] == ["staff nurse", "A&E", "médecin", "🙂"]


def test_multiple_choice_codes_may_not_hold_spaces():
    (message,) = problems(
        instrument(
            "{id: where, type: multiple_choice, text: Where, choices: ["
            "{code: 'emergency department', label: ED}, {code: ward, label: Ward}]}"
        )
    )
    assert "'emergency department'" in message
    assert "separated by spaces" in message and "ODK" in message
    assert "'emergency_department'" in message


def test_an_empty_choice_code_is_refused():
    (message,) = problems(
        instrument("{id: a, type: single_choice, text: A, choices: [{code: ' ', label: X}]}")
    )
    assert "choice code" in message


def test_the_same_item_id_twice_is_still_refused():
    messages = problems(
        instrument("{id: Age, type: text, text: A}", "{id: Age, type: text, text: B}")
    )
    assert any("used twice" in m for m in messages)


def test_metadata_column_names_are_reserved_in_any_case():
    messages = problems(instrument("{id: RESPONSE_ID, type: text, text: A}"))
    assert any("reserved" in m for m in messages)


names = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,70}\Z")


@given(names)
def test_every_name_the_rule_allows_loads_as_written(name):
    if name.lower() in META_COLUMNS:
        return
    # Quoted: YAML would read ON, yes or null as something else (that has its own message).
    loaded = parse_instrument(instrument(f'{{id: "{name}", type: text, text: A}}'))
    assert loaded.items[0].id == name


@given(st.text(min_size=1, max_size=20))
def test_the_rule_accepts_exactly_ascii_names(text):
    expected = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) is not None
    assert bool(IDENTIFIER.match(text)) == expected


@pytest.mark.parametrize("dialect", ["redcap", "xlsform"])
def test_an_upper_case_id_round_trips_through_both_expression_languages(dialect):
    from readiness.instrument import interop

    loaded = parse_instrument(
        instrument(
            "{id: SMOKER, type: yes_no, text: Smoke}",
            f"{{id: {LONG_ID}, type: number, text: How many, show_if: {{item: SMOKER, equals: 1}}}}",
        )
    )
    targets = {item.id: item for item in loaded.items}
    condition = loaded.items[1].show_if
    write = getattr(
        interop, f"format_{dialect}_logic" if dialect == "redcap" else "format_xlsform_relevant"
    )
    read = getattr(
        interop, "parse_redcap_logic" if dialect == "redcap" else "parse_xlsform_relevant"
    )
    text = write(condition, targets)
    assert "SMOKER" in text
    assert read(text, targets) == condition
