"""Every command shown in the README and docs/*.md runs and prints what the page says.

A page's ```console blocks hold lines ``$ command`` followed by the output the command printed
(standard output and standard error together).  A line ``...`` stands for any number of lines;
identifiers (GUIDs) and times (``2026-11-21T05:50:09Z``) are compared as placeholders, since they
differ from run to run.  A block preceded by ``<!-- file: PATH -->`` is the content of a file
the page's later commands use: it is written to PATH before the commands after it run.

Each console block is one test (``README.md::block-07`` is the README's seventh), so that the
two test workers share a long page.  A block may use what earlier blocks of its page made, so a
worker keeps one folder per page (docs/examples/ copied in, the virtual environment's
``readiness`` first on PATH) and runs in it, once, the earlier blocks it has not run yet, in
the order of the page; their output is checked by their own tests, not again here.  A comment
``<!-- needs: block-01 block-03 -->`` (or ``<!-- needs: none -->``) just before a console block
says which earlier blocks it uses, so that only those (and what they need) run first; without
it, every earlier block does.

Run with UPDATE_DOCS=1 (and without -n) to rewrite the pages' outputs from a fresh run (then
read the diff).
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
NEEDS = re.compile(r"<!-- needs: ?([^>]*?) -->\s*$")
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
    # The default data folder (./readiness-data in the page's folder), as on a reader's
    # machine: tests/web's conftest points READINESS_DATA_DIR at its own folder for the whole
    # session, where a demo loaded by another test made `readiness web demo` say "Found"
    # where the page says "Loaded".
    env.pop("READINESS_DATA_DIR", None)
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


def blocks(text: str) -> list[list[tuple]]:
    """The page's steps cut into its console blocks: each block's commands, after the files
    written since the block before (files after the last console block are left out)."""
    cut: list[list[tuple]] = []
    pending: list[tuple] = []
    for m in FILE_OR_CONSOLE.finditer(text):
        pending.extend(parse_with_files(m.group(0)))
        if m.group("lang") == "console" and not m.group("file"):
            cut.append(pending)
            pending = []
    return cut


def needs(text: str) -> list[set[int]]:
    """For each console block of the page, the earlier blocks it runs after: those its
    ``<!-- needs: ... -->`` comment names and what they need, else every earlier block."""
    out: list[set[int]] = []
    for m in FILE_OR_CONSOLE.finditer(text):
        if m.group("lang") != "console" or m.group("file"):
            continue
        marker = NEEDS.search(text[max(0, m.start() - 200) : m.start()])
        if marker is None:
            out.append(set(range(1, len(out) + 1)))
            continue
        named = {int(b) for b in re.findall(r"block-(\d+)", marker.group(1))}
        assert all(0 < b <= len(out) for b in named), f"needs names a later block: {marker[0]}"
        out.append(named.union(*(out[b - 1] for b in named)))
    return out


def documented_blocks() -> list:
    return [
        pytest.param(page, number, id=f"{page.name}::block-{number:02d}")
        for page in documented_pages()
        for number in range(1, len(blocks(page.read_text(encoding="utf-8"))) + 1)
    ]


class PageFolder:
    """One worker's folder for a page and the page's blocks that have run in it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.done: set[int] = set()


@pytest.fixture(scope="session")
def page_folders() -> dict[Path, PageFolder]:
    return {}


def folder_for(page: Path, number: int, folders: dict, factory) -> Path:
    """The worker's folder for ``page`` with the blocks that block ``number`` needs run in it,
    in the order of the page (a fresh folder when a later block already ran there, which an
    out-of-order worker may see: the page's order is what its outputs assume)."""
    text = page.read_text(encoding="utf-8")
    wanted = needs(text)[number - 1]
    state = folders.get(page)
    todo = sorted(wanted - state.done) if state else sorted(wanted)
    if state is None or any(d >= min(todo + [number]) for d in state.done):
        state = folders[page] = PageFolder(factory.mktemp(page.stem))
        examples = ROOT / "docs" / "examples"
        if examples.exists():
            shutil.copytree(examples, state.folder, dirs_exist_ok=True)
        todo = sorted(wanted)
    page_blocks = blocks(text)
    for earlier in todo:
        run_block(page_blocks[earlier - 1], state.folder)
    state.done |= set(todo) | {number}
    return state.folder


def run_block(block: list[tuple], folder: Path) -> list[tuple[str, list[str], list[str]]]:
    """Write the block's files and run its commands: (command, expected, printed) for each."""
    results = []
    for step in block:
        if step[0] is FILE:
            target = folder / step[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step[2], encoding="utf-8")
            continue
        command, expected = step
        results.append((command, expected, run(command, folder)))
    return results


@pytest.mark.parametrize(("page", "number"), documented_blocks())
def test_block_prints_what_the_page_says(page: Path, number: int, page_folders, tmp_path_factory):
    folder = folder_for(page, number, page_folders, tmp_path_factory)
    block = blocks(page.read_text(encoding="utf-8"))[number - 1]
    results = run_block(block, folder)
    failures = [
        f"$ {command}\n--- page says:\n"
        + "\n".join(expected)
        + "\n--- printed:\n"
        + "\n".join(actual)
        for command, expected, actual in results
        if not matches(expected, actual)
    ]
    if failures and os.environ.get("UPDATE_DOCS") == "1":
        text = page.read_text(encoding="utf-8")
        page.write_text(
            rewrite(text, [actual for _, _, actual in results], only=number), encoding="utf-8"
        )
    assert not failures, "\n\n".join(failures)


def rewrite(text: str, outputs: list[list[str]], only: int) -> str:
    """The page with the commands' outputs of its console block number ``only`` replaced by
    all that they printed ('...' elisions are not kept: put them back by hand where the page
    should not show everything)."""
    queue = iter(outputs)
    seen = 0

    def block(match: re.Match) -> str:
        nonlocal seen
        seen += 1
        if seen != only:
            return match.group(0)
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
    two = with_file + "```text\nnot run\n```\n```console\n$ b\n```\n<!-- file: x -->\n```\n```\n"
    assert blocks(two) == [
        [(FILE, "in/a.txt", "hello\n"), ("cat in/a.txt", ["hello"])],
        [("b", [])],
    ]
    four = "".join(
        f"{marker}\n```console\n$ c{i}\n```\n"
        for i, marker in enumerate(["", "", "<!-- needs: none -->", "<!-- needs: block-02 -->"])
    )
    assert needs(four) == [set(), {1}, set(), {1, 2}]
