"""One wording of a condition (instrument.conditions.describe_condition), with or without the
codes' labels, for the codebook, the paper form and messages about responses alike."""

from __future__ import annotations

from readiness.instrument.conditions import All, Any_, Leaf, Not, describe_condition
from readiness.instrument.model import choices_of
from readiness.instrument.redcap_columns import checkbox_column, checkbox_suffix


def test_leaves_in_words_with_and_without_labels() -> None:
    labels = {("profession", 8): "Other", ("seen", 1): "Yes"}

    def label_for(item: str, code: object) -> str | None:
        return labels.get((item, code))

    assert describe_condition(Leaf("profession", "equals", 8)) == "profession = 8"
    assert (
        describe_condition(Leaf("profession", "equals", 8), label_for) == "profession = 8 (Other)"
    )
    assert describe_condition(Leaf("seen", "not_equals", 1), label_for) == "seen is not 1 (Yes)"
    assert describe_condition(Leaf("years", "ge", 5)) == "years >= 5"
    assert describe_condition(Leaf("x", "in", [1, 2])) == "x is one of 1, 2"
    assert describe_condition(Leaf("x", "not_in", [3])) == "x is none of 3"
    assert describe_condition(Leaf("f", "selected", 3)) == "f includes 3"
    assert describe_condition(Leaf("f", "answered", False)) == "f is not answered"


def test_combinations_bracket_only_nested_combinations() -> None:
    a, b, c = Leaf("a", "equals", 1), Leaf("b", "lt", 2), Leaf("c", "answered", True)
    both = All((a, Any_((b, c))))
    assert describe_condition(both) == "a = 1 and (b < 2 or c is answered)"
    assert describe_condition(Not(a)) == "not (a = 1)"


def test_checkbox_names_as_redcap_writes_them() -> None:
    assert checkbox_suffix(-99) == "_99"
    assert checkbox_column("race", -99) == "race____99"
    assert checkbox_column("race", "A.b") == "race___a_b"


def test_a_calculate_item_is_yes_or_no() -> None:
    from readiness.instrument.model import Item

    item = Item(id="flag", text="Flag", type="calculate", section="s")
    assert [(c.code, c.label) for c in choices_of(item)] == [(1, "Yes"), (0, "No")]
