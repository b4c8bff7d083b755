"""Run every command in docs/interviews.md and compare its output with the page.

GUIDs and times differ between runs and are compared as placeholders.  To refresh the page
after a deliberate change of output, run with READINESS_UPDATE_DOCS=1 and review the diff.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "interviews.md"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
BLOCK = re.compile(
    r"(?:<!-- (?P<marker>file|console): ?(?P<arg>[^>]*?) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```",
    re.S,
)


def _normal(text: str) -> str:
    text = TIME.sub("<time>", GUID.sub("<id>", text))
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _steps(body: str):
    cmd, out = None, []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            if cmd is not None:
                yield cmd, "\n".join(out)
            cmd, out = line[2:], []
        else:
            out.append(line)
    if cmd is not None:
        yield cmd, "\n".join(out)


def test_documented_commands_give_documented_output(tmp_path, monkeypatch, capsys):
    from readiness.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    text = DOC.read_text(encoding="utf-8")
    pieces, pos, ran = [], 0, 0
    mismatches = []
    for m in BLOCK.finditer(text):
        pieces.append(text[pos : m.start("body")])
        body = m.group("body")
        if m.group("marker") == "file":
            path = tmp_path / m.group("arg").strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        elif m.group("lang") == "console":
            first_lines = m.group("marker") == "console" and "first" in m.group("arg")
            new_body = []
            for cmd, expected in _steps(body):
                argv = shlex.split(cmd)
                assert argv[0] == "readiness", cmd
                main(argv[1:])
                captured = capsys.readouterr()
                got = (captured.out + captured.err).rstrip("\n")
                ran += 1
                if first_lines:
                    n = len(expected.splitlines())
                    got = "\n".join(got.splitlines()[:n])
                if _normal(got) != _normal(expected):
                    mismatches.append((cmd, expected, got))
                new_body.append(f"$ {cmd}\n{got}" if got else f"$ {cmd}")
            body = "\n".join(new_body) + "\n"
        pieces.append(body)
        pos = m.end("body")
    pieces.append(text[pos:])
    assert ran >= 20
    if os.environ.get("READINESS_UPDATE_DOCS"):
        DOC.write_text("".join(pieces), encoding="utf-8")
        return
    assert not mismatches, "\n\n".join(
        f"$ {c}\n--- documented\n{e}\n--- actual\n{g}" for c, e, g in mismatches
    )
