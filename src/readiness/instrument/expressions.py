"""The syntax of REDCap branching logic and XLSForm ``relevant``, in the subset we map.

:func:`parse_expression` turns the text into a small syntax tree: comparisons (:class:`Compare`
of a :class:`Ref` and a :class:`Lit`), ``selected(${x}, 'c')`` (:class:`Selected`), ``and`` /
``or`` (:class:`BoolOp`), ``not(...)`` (:class:`NotOp`).  Every node keeps its position in the
text, so that :mod:`readiness.instrument.interop`, which turns the tree into a condition on the
instrument's items, can say where a reference or value is wrong.

Anything outside the subset (functions, events, smart variables, arithmetic, XPath) raises
:class:`ExpressionError`, and nothing else does: the message names the position and the fix.

The grammar, one method of :class:`_Parser` per rule::

    or_expr    := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" "(" or_expr ")" | "selected" "(" REF "," literal ")"
                | "(" or_expr ")" | comparison
    comparison := operand OP operand
    operand    := REF | literal
    literal    := STR | NUM
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "REDCAP",
    "XLSFORM",
    "BoolOp",
    "Compare",
    "ExpressionError",
    "Lit",
    "NotOp",
    "Ref",
    "Selected",
    "Token",
    "parse_expression",
    "tokens",
]

REDCAP = "REDCap branching logic"
XLSFORM = "XLSForm relevant"
MAX_DEPTH = 60  # nesting of parentheses an expression may have

# REDCap's own names are lower-case; upper case is read too, for Readiness ids written as they are.
REDCAP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REDCAP_CHECKBOX = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\(([A-Za-z0-9_.-]+)\)$")
REDCAP_MODIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\([^()]*\))?:")
XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_:.-]*")
NUMBER_TOKEN = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)")
ARITHMETIC = "+-*/^%|"
DIGITS = "0123456789"
REDCAP_OPERATORS = ("<>", "!=", "<=", ">=", "==", "=", "<", ">")
XLSFORM_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
OPERATOR_NAMES = {"<>": "!=", "==": "="}
PUNCTUATION = {"(": "LPAREN", ")": "RPAREN", ",": "COMMA"}
REDCAP_CONNECTIVES = {"&&": "AND", "||": "OR"}


class ExpressionError(ValueError):
    """An expression that is not in the subset we map, with where and how to fix it."""

    def __init__(self, message: str, expression: str, position: int, fix: str):
        self.message = message
        self.expression = expression
        self.position = position
        self.fix = fix
        where = f" (at character {position + 1} of {expression!r})" if expression else ""
        super().__init__(message + where)


# --------------------------------------------------------------------------------------------
# Tokens and syntax tree


@dataclass(frozen=True)
class Token:
    kind: str  # REF STR NUM OP AND OR NOT SELECTED LPAREN RPAREN COMMA END
    value: Any
    pos: int


@dataclass(frozen=True)
class Ref:
    """A reference to a field: ``[x]`` / ``${x}``, or a checkbox option ``[x(code)]``."""

    name: str
    code: str | None
    pos: int


@dataclass(frozen=True)
class Lit:
    """A value: quoted text (``quoted``) or a number, as written."""

    text: str
    quoted: bool
    pos: int


@dataclass(frozen=True)
class Compare:
    left: Ref | Lit
    op: str  # = != < <= > >=
    right: Ref | Lit
    pos: int


@dataclass(frozen=True)
class Selected:
    ref: Ref
    value: Lit
    pos: int


@dataclass(frozen=True)
class BoolOp:
    kind: str  # and / or
    parts: tuple
    pos: int


@dataclass(frozen=True)
class NotOp:
    part: Any
    pos: int


def parse_expression(text: str, dialect: str) -> Any:
    """The syntax tree of ``text`` in ``dialect`` (:data:`REDCAP` or :data:`XLSFORM`)."""
    return _Parser(text, dialect).parse()


def tokens(text: str, dialect: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``END`` token at ``len(text)``."""
    return _Lexer(text, dialect).run()


# --------------------------------------------------------------------------------------------
# Tokenizer: one reader per kind of token, tried in order at each position


class _Lexer:
    def __init__(self, text: str, dialect: str):
        self.text = text
        self.redcap = dialect == REDCAP
        self.operators = REDCAP_OPERATORS if self.redcap else XLSFORM_OPERATORS
        self.i = 0
        self.out: list[Token] = []

    def run(self) -> list[Token]:
        readers = (
            self._space,
            self._redcap_reference,
            self._xlsform_reference,
            self._quoted,
            self._signed_number,
            self._number,
            self._operator,
            self._punctuation,
            self._redcap_connective,
            self._arithmetic,
            self._word,
            self._anything_else,
        )
        while self.i < len(self.text):
            any(read() for read in readers)  # the first reader that applies consumes a token
        self.out.append(Token("END", None, len(self.text)))
        return self.out

    def _fail(self, message: str, pos: int, fix: str) -> ExpressionError:
        return ExpressionError(message, self.text, pos, fix)

    def _emit(self, kind: str, value: Any, end: int) -> bool:
        self.out.append(Token(kind, value, self.i))
        self.i = end
        return True

    def _space(self) -> bool:
        if not self.text[self.i].isspace():
            return False
        self.i += 1
        return True

    def _redcap_reference(self) -> bool:
        text, i = self.text, self.i
        if not (self.redcap and text[i] == "["):
            return False
        end = text.find("]", i + 1)
        if end < 0:
            raise self._fail("'[' is not closed.", i, "write field names as [name].")
        # an adjacent second reference makes an event-qualified field: [event][field]
        if text.startswith("[", end + 1):
            raise self._fail(
                "an event-qualified reference ([event][field]) is not supported.",
                i,
                "Readiness instruments have no events; refer to the field alone.",
            )
        return self._emit("REF", self._redcap_ref(text[i + 1 : end].strip()), end + 1)

    def _redcap_ref(self, inner: str) -> Ref:
        """The reference written inside ``[...]``: a field, or a checkbox option of one."""
        if REDCAP_NAME.match(inner):
            return Ref(inner, None, self.i)
        checkbox = REDCAP_CHECKBOX.match(inner)
        if checkbox:
            return Ref(checkbox.group(1), checkbox.group(2), self.i)
        if REDCAP_MODIFIER.match(inner):
            message = f"field modifier in [{inner}] is not supported."
            fix = "compare the stored code, e.g. [field] = '1'."
        elif "-" in inner or ":" in inner:
            message = f"[{inner}] is a smart variable, which is not supported."
            fix = "refer only to fields of the instrument, e.g. [field] = '1'."
        else:
            message = f"[{inner}] is not a field reference."
            fix = "field names are letters, digits and '_', e.g. [age] or [symptoms(2)]."
        raise self._fail(message, self.i, fix)

    def _xlsform_reference(self) -> bool:
        text, i = self.text, self.i
        if self.redcap or not text.startswith("${", i):
            return False
        end = text.find("}", i + 2)
        if end < 0:
            raise self._fail("'${' is not closed.", i, "write references as ${name}.")
        name = text[i + 2 : end].strip()
        if not XML_NAME.match(name):
            raise self._fail(f"${{{name}}} is not a question name.", i, "write ${name}.")
        return self._emit("REF", Ref(name, None, i), end + 1)

    def _quoted(self) -> bool:
        quote = self.text[self.i]
        if quote not in "'\"":
            return False
        end = self.text.find(quote, self.i + 1)
        if end < 0:
            raise self._fail("a quoted value is not closed.", self.i, f"close it with {quote}.")
        return self._emit("STR", self.text[self.i + 1 : end], end + 1)

    def _signed_number(self) -> bool:
        """A minus sign where an operand starts (not after one) belongs to the number after it."""
        sign_allowed = not self.out or self.out[-1].kind in ("OP", "LPAREN", "AND", "OR", "COMMA")
        if self.text[self.i] != "-" or not sign_allowed:
            return False
        m = NUMBER_TOKEN.match(self.text, self.i + 1)
        if m is None:
            return False  # a minus sign alone is arithmetic, refused further on
        return self._emit("NUM", "-" + m.group(0), m.end())

    def _number(self) -> bool:
        text, i = self.text, self.i
        starts_number = text[i] == "." and i + 1 < len(text) and text[i + 1] in DIGITS
        if not (text[i] in DIGITS or starts_number):
            return False
        m = NUMBER_TOKEN.match(text, i)
        assert m is not None
        end = m.end()
        if end < len(text) and (text[end].isalpha() or text[end] == "_"):
            raise self._fail(
                f"{text[i : end + 1]!r} is neither a number nor a name.",
                i,
                "quote text values, e.g. '1a'.",
            )
        return self._emit("NUM", m.group(0), end)

    def _operator(self) -> bool:
        matched = next((op for op in self.operators if self.text.startswith(op, self.i)), None)
        if matched is None:
            return False
        return self._emit("OP", OPERATOR_NAMES.get(matched, matched), self.i + len(matched))

    def _punctuation(self) -> bool:
        ch = self.text[self.i]
        return ch in PUNCTUATION and self._emit(PUNCTUATION[ch], ch, self.i + 1)

    def _redcap_connective(self) -> bool:
        symbol = self.text[self.i : self.i + 2]
        if not self.redcap or symbol not in REDCAP_CONNECTIVES:
            return False
        kind = REDCAP_CONNECTIVES[symbol]
        return self._emit(kind, kind.lower(), self.i + 2)

    def _arithmetic(self) -> bool:
        ch = self.text[self.i]
        if ch not in ARITHMETIC:
            return False
        raise self._fail(
            f"arithmetic ('{ch}') is not supported.",
            self.i,
            "compare a field with a value; compute scores with scales in Readiness.",
        )

    def _word(self) -> bool:
        m = WORD.match(self.text, self.i)
        if not m:
            return False
        word = m.group(0)
        is_call = self.text[m.end() :].lstrip().startswith("(")
        keyword = self._keyword(word, is_call)
        if keyword is None:
            raise self._unsupported_word(word, is_call)
        return self._emit(keyword.upper(), keyword, m.end())

    def _keyword(self, word: str, is_call: bool) -> str | None:
        """``and`` / ``or`` (any case in REDCap), ``not(`` and ``selected(`` (XLSForm)."""
        if self.redcap:
            return word.lower() if word.lower() in ("and", "or") else None
        if word in ("and", "or") or (word in ("not", "selected") and is_call):
            return word
        return None

    def _unsupported_word(self, word: str, is_call: bool) -> ExpressionError:
        lower = word.lower()
        if not self.redcap and lower in ("and", "or"):
            message = f"'{word}' must be written in lower case in XLSForm."
            fix = f"write '{lower}'."
        elif self.redcap and lower == "not":
            message = "REDCap branching logic has no 'not'."
            fix = "use <> or rewrite the condition with and/or."
        elif is_call:
            message = f"the function {word}() is not supported."
            fix = "use comparisons (=, <>, <, <=, >, >=) joined with and/or" + (
                "." if self.redcap else ", selected() and not()."
            )
        elif not self.redcap and lower in ("div", "mod"):
            message = f"arithmetic ('{word}') is not supported."
            fix = "compare a field with a value."
        else:
            message = f"unexpected word {word!r}."
            reference = "[name]" if self.redcap else "${name}"
            fix = f"refer to fields as {reference} and quote text values."
        return self._fail(message, self.i, fix)

    def _anything_else(self) -> bool:
        ch = self.text[self.i]
        if not self.redcap and ch in "./":
            raise self._fail(
                "XPath paths ('.', '/data/...') are not supported.",
                self.i,
                "refer to questions as ${name}.",
            )
        raise self._fail(f"unexpected character {ch!r}.", self.i, "remove it.")


# --------------------------------------------------------------------------------------------
# Parser: recursive descent, one method per rule of the grammar above


class _Parser:
    def __init__(self, text: str, dialect: str):
        self.text = text
        self.dialect = dialect
        self.tokens = tokens(text, dialect)
        self.i = 0
        self.depth = 0

    def fail(self, message: str, pos: int, fix: str) -> ExpressionError:
        return ExpressionError(message, self.text, pos, fix)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str, what: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            raise self._expected(what)
        self.i += 1
        return tok

    def _expected(self, what: str) -> ExpressionError:
        tok = self.tok
        found = "the end" if tok.kind == "END" else repr(self._shown(tok))
        return self.fail(f"expected {what}, found {found}.", tok.pos, f"add {what}.")

    def _shown(self, tok: Token) -> str:
        if tok.kind == "REF":
            return self.text[tok.pos :].split()[0] if self.text[tok.pos :].split() else ""
        return str(tok.value)

    def parse(self) -> Any:
        if self.tok.kind == "END":
            raise self.fail("the expression is empty.", 0, "write a condition, or leave it blank.")
        node = self.or_expr()
        if self.tok.kind != "END":
            tok = self.tok
            raise self.fail(
                f"unexpected {self._shown(tok)!r} after a complete condition.",
                tok.pos,
                "join conditions with 'and' or 'or'.",
            )
        return node

    def _enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(
                f"the expression is nested more than {MAX_DEPTH} levels deep.",
                pos,
                "simplify it.",
            )

    def or_expr(self) -> Any:
        return self._joined("OR", self.and_expr)

    def and_expr(self) -> Any:
        return self._joined("AND", self.unary)

    def _joined(self, kind: str, part: Any) -> Any:
        pos = self.tok.pos
        parts = [part()]
        while self.tok.kind == kind:
            self.i += 1
            parts.append(part())
        return parts[0] if len(parts) == 1 else BoolOp(kind.lower(), tuple(parts), pos)

    def unary(self) -> Any:
        kind = self.tok.kind
        if kind == "NOT":
            return self.negation()
        if kind == "SELECTED":
            return self.selected()
        if kind == "LPAREN":
            return self.group()
        return self.comparison()

    def negation(self) -> NotOp:
        pos = self.take("NOT", "not").pos
        self.take("LPAREN", "'('")
        return NotOp(self._nested(pos), pos)

    def selected(self) -> Selected:
        pos = self.take("SELECTED", "selected").pos
        self.take("LPAREN", "'('")
        ref = self.take("REF", "a question reference ${name}").value
        self.take("COMMA", "','")
        value = self.literal("a choice name in quotes")
        self.take("RPAREN", "')'")
        return Selected(ref, value, pos)

    def group(self) -> Any:
        inner = self._nested(self.take("LPAREN", "'('").pos)
        if self.tok.kind == "OP":
            raise self.fail(
                "comparing the result of a condition is not supported.",
                self.tok.pos,
                "compare fields with values, then join the comparisons with and/or.",
            )
        return inner

    def _nested(self, pos: int) -> Any:
        """The condition inside parentheses just opened at ``pos``, and the closing one."""
        self._enter(pos)
        inner = self.or_expr()
        self.depth -= 1
        self.take("RPAREN", "')'")
        return inner

    def literal(self, what: str) -> Lit:
        tok = self.tok
        if tok.kind not in ("STR", "NUM"):
            raise self._expected(what)
        self.i += 1
        return Lit(tok.value, tok.kind == "STR", tok.pos)

    def operand(self) -> Ref | Lit:
        tok = self.tok
        if tok.kind == "REF":
            self.i += 1
            return tok.value
        reference = "[name]" if self.dialect == REDCAP else "${name}"
        return self.literal(f"a field reference {reference} or a value")

    def comparison(self) -> Compare:
        pos = self.tok.pos
        left = self.operand()
        if self.tok.kind != "OP":
            redcap = self.dialect == REDCAP
            found = "the end" if self.tok.kind == "END" else repr(self._shown(self.tok))
            raise self.fail(
                f"expected a comparison (=, {'<>' if redcap else '!='}, <, <=, >, >=), found {found}.",
                self.tok.pos,
                "compare the field with a value, e.g. "
                + ("[x] = '1'." if redcap else "${x} = '1'."),
            )
        op = self.tok.value
        self.i += 1
        right = self.operand()
        if self.tok.kind == "OP":
            raise self.fail(
                "chained comparisons are not supported.",
                self.tok.pos,
                "join two comparisons with 'and'.",
            )
        return Compare(left, op, right, pos)
