"""Every command shown in the README and docs/*.md runs and prints what the page says.

A page's ```console blocks hold lines ``$ command`` followed by the output the command printed
(standard output and standard error together).  A line ``...`` stands for any number of lines.
Each page runs in its own empty folder, into which docs/examples/ is copied, with the virtual
environment's ``readiness`` first on PATH; commands run in the order of the page.

Run with UPDATE_DOCS=1 to rewrite the pages' outputs from a fresh run (then read the diff).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def parse(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every command on a page, in order."""
    steps: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
    return steps


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line equality where an expected line '...' matches any run of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return (
        bool(actual)
        and actual[0].rstrip() == expected[0].rstrip()
        and matches(expected[1:], actual[1:])
    )


def run(command: str, cwd: Path) -> list[str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    env["COLUMNS"] = "100"
    env.pop("UPDATE_DOCS", None)
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    return done.stdout.splitlines()


# Pages whose commands another test runs (it also writes the page's example files and compares
# GUIDs and times as placeholders): docs/interviews.md by tests/interviews/test_interviews_docs.py.
RUN_ELSEWHERE = {"interviews.md"}


def documented_pages() -> list[Path]:
    return [
        p
        for p in PAGES
        if p.exists() and p.name not in RUN_ELSEWHERE and parse(p.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("page", documented_pages(), ids=lambda p: p.name)
def test_page_commands_print_what_the_page_says(page: Path, tmp_path: Path):
    examples = ROOT / "docs" / "examples"
    if examples.exists():
        shutil.copytree(examples, tmp_path, dirs_exist_ok=True)
    text = page.read_text(encoding="utf-8")
    steps = parse(text)
    update = os.environ.get("UPDATE_DOCS") == "1"
    failures = []
    outputs = []
    for command, expected in steps:
        actual = run(command, tmp_path)
        outputs.append(actual)
        if not matches(expected, actual):
            failures.append(
                f"$ {command}\n--- page says:\n"
                + "\n".join(expected)
                + "\n--- printed:\n"
                + "\n".join(actual)
            )
    if update and failures:
        page.write_text(rewrite(text, outputs), encoding="utf-8")
    assert not failures, "\n\n".join(failures)


def rewrite(text: str, outputs: list[list[str]]) -> str:
    """The page with every command's output replaced by all that it printed ('...' elisions
    are not kept: put them back by hand where the page should not show everything)."""
    queue = iter(outputs)

    def block(match: re.Match) -> str:
        lines, out = match.group(1).splitlines(), []
        for line in lines:
            if line.startswith("$ "):
                out.append(line)
                printed = next(queue)
                out.extend(printed)
        return "```console\n" + "\n".join(out) + "\n```"

    return BLOCK.sub(block, text)


def test_the_parser_and_matcher():
    steps = parse("x\n```console\n$ a\none\n...\n$ b\n```\n")
    assert steps == [("a", ["one", "..."]), ("b", [])]
    assert matches(["one", "..."], ["one", "two", "three"])
    assert not matches(["one", "two"], ["one"])
    assert matches(["...", "end"], ["a", "b", "end"])
