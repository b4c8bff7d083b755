"""docs/security.md names the tests that keep each defence in place: each must exist.

A reference is ``tests/PATH.py::test_name`` (the test, with any parameters) or ``tests/PATH.py``
alone (every test in the file); a renamed or removed test fails here until the page is mended.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def references(text: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in REFERENCE.finditer(text)]


def test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


test_functions.__test__ = False  # a helper, not a test


def test_every_test_the_security_page_names_exists():
    refs = references(PAGE.read_text(encoding="utf-8"))
    assert len(refs) > 50
    missing = []
    for file, name in refs:
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name is not None and name not in test_functions(path):
            missing.append(f"{file}::{name}")
        elif name is None and not test_functions(path):
            missing.append(f"{file} (no tests)")
    assert not missing, "docs/security.md names tests that do not exist:\n" + "\n".join(missing)


def test_a_missing_test_is_found():
    refs = references("`tests/docs/test_security_page.py::test_no_such_thing`")
    assert refs == [("tests/docs/test_security_page.py", "test_no_such_thing")]
    assert "test_no_such_thing" not in test_functions(ROOT / refs[0][0])
