"""The web apps' imports go one way: the shared modules import no app, and the accounts app
(roles in a study) imports neither the surveys nor the interviews, which import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import readiness.web

WEB = Path(readiness.web.__file__).parent
APPS = ("accounts", "audit", "guide", "interviews", "jobs", "security", "surveys")


def imported(path: Path) -> set[str]:
    """Every module the file imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def apps_imported(path: Path) -> set[str]:
    return {
        name.split(".")[2]
        for name in imported(path)
        if name.startswith("readiness.web.") and name.split(".")[2] in APPS
    }


@pytest.mark.parametrize("module", ["forms.py", "permissions.py"])
def test_the_shared_modules_import_no_app(module):
    assert apps_imported(WEB / module) == set()


def test_accounts_imports_neither_surveys_nor_interviews():
    files = [p for p in (WEB / "accounts").glob("*.py")]
    assert files
    found = {p.name: apps_imported(p) & {"surveys", "interviews"} for p in files}
    assert {name: apps for name, apps in found.items() if apps} == {}
