"""Properties of the expression syntax (readiness.instrument.expressions): a syntax tree written
out as text parses back to the same tree, and no text makes the tokenizer or parser fail with
anything but ExpressionError."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.instrument.expressions import (
    REDCAP,
    XLSFORM,
    BoolOp,
    Compare,
    ExpressionError,
    Lit,
    NotOp,
    Ref,
    Selected,
    parse_expression,
    tokens,
)

REDCAP_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
XLSFORM_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
CODES = st.from_regex(r"[A-Za-z0-9_.-]{1,4}", fullmatch=True)
NUMBERS = st.from_regex(r"-?([0-9]{1,4}(\.[0-9]{0,3})?|\.[0-9]{1,3})", fullmatch=True)
OPERATORS = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])


def _text(quote: str) -> st.SearchStrategy[str]:
    return st.text(st.characters(blacklist_characters=quote, blacklist_categories=["Cs"]))


QUOTED = st.sampled_from(["'", '"']).flatmap(lambda q: _text(q).map(lambda t: (q, t)))


@st.composite
def _refs(draw, dialect: str) -> Ref:
    if dialect == XLSFORM:
        return Ref(draw(XLSFORM_NAMES), None, 0)
    return Ref(draw(REDCAP_NAMES), draw(st.none() | CODES), 0)


@st.composite
def _literals(draw) -> tuple[Lit, str]:
    """A literal and how it is written (the quote a text value had is not kept in the tree)."""
    if draw(st.booleans()):
        number = draw(NUMBERS)
        return Lit(number, False, 0), number
    quote, text = draw(QUOTED)
    return Lit(text, True, 0), quote + text + quote


@st.composite
def _operands(draw, dialect: str) -> tuple[Any, str]:
    if draw(st.booleans()):
        return draw(_literals())
    ref = draw(_refs(dialect))
    if dialect == XLSFORM:
        return ref, "${" + ref.name + "}"
    return ref, f"[{ref.name}]" if ref.code is None else f"[{ref.name}({ref.code})]"


@st.composite
def _leaves(draw, dialect: str) -> tuple[Any, str]:
    if dialect == XLSFORM and draw(st.booleans()):
        ref = draw(_refs(dialect))
        value, written = draw(_literals())
        return Selected(ref, value, 0), "selected(${" + ref.name + "}, " + written + ")"
    left, left_text = draw(_operands(dialect))
    op = draw(OPERATORS)
    right, right_text = draw(_operands(dialect))
    shown = "<>" if op == "!=" and dialect == REDCAP and draw(st.booleans()) else op
    return Compare(left, op, right, 0), f"{left_text} {shown} {right_text}"


def _extend(dialect: str):
    def extend(children):
        joined = st.tuples(
            st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)
        )

        def write(args) -> tuple[Any, str]:
            kind, parts = args
            # every part in parentheses, so the tree does not depend on precedence
            text = f" {kind} ".join(f"({written})" for _, written in parts)
            return BoolOp(kind, tuple(node for node, _ in parts), 0), text

        trees = joined.map(write)
        if dialect == XLSFORM:
            trees |= children.map(lambda c: (NotOp(c[0], 0), f"not({c[1]})"))
        return trees

    return extend


def _trees(dialect: str):
    return st.recursive(_leaves(dialect), _extend(dialect), max_leaves=8)


def _shape(node: Any) -> Any:
    """The tree without positions."""
    if isinstance(node, BoolOp):
        return ("bool", node.kind, tuple(_shape(p) for p in node.parts))
    if isinstance(node, NotOp):
        return ("not", _shape(node.part))
    if isinstance(node, Selected):
        return ("selected", _shape(node.ref), _shape(node.value))
    if isinstance(node, Compare):
        return ("compare", _shape(node.left), node.op, _shape(node.right))
    if isinstance(node, Ref):
        return ("ref", node.name, node.code)
    return ("lit", node.text, node.quoted)


def _refs_in(node: Any) -> list[Ref]:
    if isinstance(node, BoolOp):
        return [r for p in node.parts for r in _refs_in(p)]
    if isinstance(node, NotOp):
        return _refs_in(node.part)
    if isinstance(node, Selected):
        return [node.ref]
    return [x for x in (node.left, node.right) if isinstance(x, Ref)]


@pytest.mark.parametrize("dialect", [REDCAP, XLSFORM])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_written_tree_parses_back_to_itself(dialect, data):
    tree, text = data.draw(_trees(dialect))
    parsed = parse_expression(text, dialect)
    assert _shape(parsed) == _shape(tree)
    # positions point at the reference as written, so errors about it can say where it is
    for ref in _refs_in(parsed):
        assert text.startswith("[" if dialect == REDCAP else "${", ref.pos)


SOUP = [
    "[a]", "[b(1)]", "${a}", "[a][b]", "[a:x]", "[e-1]", "${", "[", "'x'", "''", '"', "'", "1",
    "-2", ".5", "5.", "1a", "=", "<>", "!=", "==", "<", ">=", "and", "OR", "And", "not", "not(",
    "selected(", "f(", "div", "(", ")", ",", "&&", "||", "+", "/data", ".", "@", " ",
]  # fmt: skip


@pytest.mark.parametrize("dialect", [REDCAP, XLSFORM])
@settings(max_examples=300, deadline=None)
@given(text=st.text() | st.lists(st.sampled_from(SOUP), max_size=12).map("".join))
def test_any_text_tokenizes_and_parses_or_raises_expression_error(dialect, text):
    try:
        found = tokens(text, dialect)
    except ExpressionError as err:
        assert err.message and err.fix and 0 <= err.position <= len(text)
    else:
        positions = [t.pos for t in found]
        assert positions == sorted(positions)
        assert (found[-1].kind, found[-1].pos) == ("END", len(text))
    try:
        parse_expression(text, dialect)
    except ExpressionError as err:
        assert err.message and err.fix and 0 <= err.position <= len(text)
