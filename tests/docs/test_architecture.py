"""docs/architecture.md draws the packages as they are: each package it names exists, every
package is named, every arrow is an import the code makes, and the core never imports the web
application or Django (tests/test_extras.py imports the core with Django missing, too)."""

from __future__ import annotations

import ast
import importlib.util
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "readiness"
PAGE = ROOT / "docs" / "architecture.md"
MERMAID = re.compile(r"```mermaid\n(.*?)```", re.S)
NODE = re.compile(r"^\s*(\w+)\[", re.M)
ARROW = re.compile(r"^\s*(\w+)\s*-->(?:\|[^|]*\|)?\s*(\w+)\s*$", re.M)
HELPER = re.compile(r"^\| `readiness\.(\w+)` \|", re.M)
FRONT_ENDS = {"cli", "web"}


def drawn() -> tuple[set[str], set[tuple[str, str]]]:
    figure = MERMAID.search(PAGE.read_text(encoding="utf-8"))
    assert figure, "docs/architecture.md has no mermaid figure"
    return set(NODE.findall(figure.group(1))), set(ARROW.findall(figure.group(1)))


def helpers() -> set[str]:
    return set(HELPER.findall(PAGE.read_text(encoding="utf-8")))


def top_level_parts() -> set[str]:
    """The packages and modules directly under src/readiness (not __init__ or __main__)."""
    return {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.is_dir() and not p.name.startswith("__"))
        or (p.suffix == ".py" and "__" not in p.name)
    }


def imported_parts(path: Path) -> set[str]:
    """The top-level parts of readiness that a file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "readiness":
                names = [f"readiness.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "readiness" and len(parts) > 1:
                found.add(parts[1])
            if parts[0] == "django":
                found.add("django")
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        graph[part] |= imported_parts(path) - {part}
    return graph


def test_every_package_drawn_exists():
    nodes, _ = drawn()
    missing = [n for n in sorted(nodes) if importlib.util.find_spec(f"readiness.{n}") is None]
    assert not missing


def test_every_package_is_drawn_or_listed_as_a_helper():
    nodes, _ = drawn()
    assert top_level_parts() - nodes - helpers() == set()


def test_every_arrow_is_an_import_the_code_makes():
    _, arrows = drawn()
    graph = import_graph()
    assert arrows
    assert sorted(a for a in arrows if a[1] not in graph[a[0]]) == []


def test_the_core_never_imports_the_web_application_or_django():
    graph = import_graph()
    core = top_level_parts() - FRONT_ENDS
    assert {
        p: sorted(graph[p] & {"web", "django", "cli"})
        for p in core
        if graph[p] & {"web", "django", "cli"}
    } == {}


def test_the_readmes_layout_names_every_package_there_is():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    named = set(re.findall(r"^  (\w+)/ ", layout, re.M))
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} | {"instruments"}
    assert named - {"data"} == packages - {"data"}
    assert all((PACKAGE / name).is_dir() for name in named)


def test_the_checks_see_what_they_look_for(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import django\n\ndef f():\n    from readiness.web import views\n")
    assert imported_parts(source) == {"django", "web"}
    assert ARROW.findall("    a -->|what flows| b\n    c --> d\n") == [("a", "b"), ("c", "d")]
