"""No function in src/ has a body over 100 lines unless a comment says why.

A function's body is counted from its first statement after the docstring to its last line.
A longer one passes only with a ``# long: <reason>`` comment on its ``def`` line or the line
above it (above its decorators, if it has any): the reason is for the next reader, who would
otherwise split it.  Migrations are generated and left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_BODY = 100
LONG = re.compile(r"#\s*long:\s*\S")


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = node.body
    first = body[0]
    has_docstring = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    if has_docstring:
        if len(body) == 1:
            return 0
        first = body[1]
    assert node.end_lineno is not None
    return node.end_lineno - first.lineno + 1


def explained(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> bool:
    """Whether a ``# long:`` comment is on the def line or the line above (its decorators)."""
    top = min([node.lineno] + [d.lineno for d in node.decorator_list])
    candidates = {node.lineno, node.lineno - 1, top - 1}
    return any(1 <= n <= len(lines) and LONG.search(lines[n - 1]) for n in candidates)


def long_functions(source: str, name: str = "<source>") -> list[str]:
    """``file:line function (N lines)`` for each function too long without a reason."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        n = body_lines(node)
        if n > MAX_BODY and not explained(node, lines):
            found.append(f"{name}:{node.lineno} {node.name} ({n} lines)")
    return found


def _function(body: int, comment: str = "", decorated: bool = False) -> str:
    head = "@staticmethod\n" if decorated else ""
    above = f"{comment}\n" if comment and decorated else ""
    inline = f"  {comment}" if comment and not decorated else ""
    statements = "".join(f"    x{i} = {i}\n" for i in range(body))
    return f'{above}{head}def f():{inline}\n    """Doc."""\n{statements}'


def test_the_checker_counts_the_body_without_its_docstring():
    assert long_functions(_function(MAX_BODY)) == []
    assert long_functions(_function(MAX_BODY + 1)) == ["<source>:1 f (101 lines)"]


def test_a_reason_on_the_def_line_or_above_lets_a_long_function_pass():
    assert long_functions(_function(MAX_BODY + 1, "# long: one table, row by row")) == []
    decorated = _function(MAX_BODY + 1, "# long: one table, row by row", decorated=True)
    assert long_functions(decorated) == []
    assert long_functions(_function(MAX_BODY + 1, "# long:")) != []  # a reason is needed


def test_no_function_body_is_over_100_lines_without_a_reason():
    found = [
        line
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
        for line in long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    ]
    assert not found, (
        "split these functions, or say why not with '# long: <reason>' on the def line:\n"
        + "\n".join(found)
    )
