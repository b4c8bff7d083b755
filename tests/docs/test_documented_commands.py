"""Every command shown in the README and docs/*.md runs and prints what the page says.

A page's ```console blocks hold lines ``$ command`` followed by the output the command printed
(standard output and standard error together).  A line ``...`` stands for any number of lines;
identifiers (GUIDs) and times (``2026-11-21T05:50:09Z``) are compared as placeholders, since they
differ from run to run.  A block preceded by ``<!-- file: PATH -->`` is the content of a file
the page's later commands use: it is written to PATH before the commands after it run.
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
FILE_OR_CONSOLE = re.compile(
    r"(?:<!-- file: ?(?P<file>[^>]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)```", re.S
)
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def parse(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every command on a page, in order."""
    return [step for step in parse_with_files(text) if step[0] != FILE]


FILE = object()  # marks a step that writes a file: (FILE, path, content)


def parse_with_files(text: str) -> list[tuple]:
    """The page's steps in order: (command, expected lines) and (FILE, path, content)."""
    steps: list[tuple] = []
    for m in FILE_OR_CONSOLE.finditer(text):
        if m.group("file"):
            steps.append((FILE, m.group("file").strip(), m.group("body")))
        elif m.group("lang") == "console":
            for line in m.group("body").splitlines():
                if line.startswith("$ "):
                    steps.append((line[2:], []))
                elif steps and steps[-1][0] is not FILE:
                    steps[-1][1].append(line)
    return steps


def normal(line: str) -> str:
    """A printed line with its identifiers and times as placeholders, and no trailing space."""
    return TIME.sub("<time>", GUID.sub("<id>", line)).rstrip()


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line equality where an expected line '...' matches any run of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return (
        bool(actual)
        and normal(actual[0]) == normal(expected[0])
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


def documented_pages() -> list[Path]:
    return [p for p in PAGES if p.exists() and parse(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", documented_pages(), ids=lambda p: p.name)
def test_page_commands_print_what_the_page_says(page: Path, tmp_path: Path):
    examples = ROOT / "docs" / "examples"
    if examples.exists():
        shutil.copytree(examples, tmp_path, dirs_exist_ok=True)
    text = page.read_text(encoding="utf-8")
    update = os.environ.get("UPDATE_DOCS") == "1"
    failures = []
    outputs = []
    for step in parse_with_files(text):
        if step[0] is FILE:
            target = tmp_path / step[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step[2], encoding="utf-8")
            continue
        command, expected = step
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
    assert matches(
        ["2026-11-21T05:50:09Z  x 1b4e28ba-2fa1-11d2-883f-0016d3cca427"],
        ["2031-01-02T03:04:05Z  x 9f0c1a2b-0000-4d2e-8f00-123456789abc  "],
    )
    assert not matches(["2026-11-21T05:50:09Z  x"], ["2026-11-21T05:50:09Z  y"])
    with_file = (
        "<!-- file: in/a.txt -->\n```text\nhello\n```\n```console\n$ cat in/a.txt\nhello\n```\n"
    )
    assert parse_with_files(with_file) == [
        (FILE, "in/a.txt", "hello\n"),
        ("cat in/a.txt", ["hello"]),
    ]
