"""The command line starts quickly: commands are listed from a table and loaded when they run.

``readiness --help`` must import no command module (no NumPy, pandas, SciPy or Django), and
``readiness reliability`` only what alpha needs.  The table in ``readiness.cli.COMMANDS`` must
list every top-level command of the package, with the name and help the command itself has.
The times are measured in ``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

import readiness
from readiness.cli import COMMANDS, cli, load_command, short_help

HEAVY = ("numpy", "pandas", "scipy", "statsmodels", "django", "matplotlib", "openpyxl", "yaml")

# Run a command in a fresh interpreter and report which of HEAVY it imported.
PROBE = """
import json, sys
from readiness.cli import main
status = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY_NAMES))
scipy_parts = sorted(
    m for m in sys.modules
    if m.startswith("scipy.") and m.count(".") == 1 and m[6] != "_" and m != "scipy.version"
)
print(json.dumps({"status": status, "heavy": heavy, "scipy": scipy_parts}), file=sys.stderr)
""".replace("HEAVY_NAMES", repr(HEAVY))


def probe(*args: str, cwd: Path | None = None) -> tuple[str, dict]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, report


def package_commands() -> dict[str, click.Command]:
    """Every top-level click command defined in the package's cli modules.

    Imports each module of the ``readiness.cli`` package and each ``cli.py`` and ``*_cli.py``
    module elsewhere under ``readiness`` (the web application's), collects the click commands at
    module level, and leaves out those that are subcommands of a group found there (and the
    ``readiness`` group itself).
    """
    root = Path(readiness.__file__).parent
    found: dict[int, click.Command] = {}
    for path in sorted(root.rglob("*.py")):
        in_package = path.parent == root / "cli" and path.name != "__main__.py"
        if not in_package and path.name != "cli.py" and not path.name.endswith("_cli.py"):
            continue
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, click.Command) and value is not cli:
                found[id(value)] = value
    inner: set[int] = set()

    def walk(group: click.Group) -> None:
        for sub in group.commands.values():
            inner.add(id(sub))
            if isinstance(sub, click.Group):
                walk(sub)

    for command in list(found.values()):
        if isinstance(command, click.Group):
            walk(command)
    return {c.name: c for i, c in found.items() if i not in inner}


def test_the_table_lists_every_command_of_the_package():
    commands = package_commands()
    assert sorted(commands) == sorted(COMMANDS), (
        "readiness.cli.COMMANDS must list every top-level command: "
        f"missing {sorted(set(commands) - set(COMMANDS))}, "
        f"unknown {sorted(set(COMMANDS) - set(commands))}"
    )
    for name, command in commands.items():
        assert load_command(name) is command


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_entry_has_the_commands_own_name_and_help(name):
    command = load_command(name)
    assert isinstance(command, click.Command)
    assert command.name == name
    text = COMMANDS[name][2]
    assert command.get_short_help_str(10_000) == text
    for limit in (30, 45, 57, 70, 200):  # as click cuts it for terminals of any width
        assert short_help(text, limit) == command.get_short_help_str(limit), limit


def test_the_readiness_group_knows_every_command_without_loading_it():
    assert list(cli.commands) == list(COMMANDS)
    assert "reliability" in cli.commands and "no-such-command" not in cli.commands
    assert cli.commands["reliability"] is load_command("reliability")


def test_help_imports_no_command_module_and_lists_commands_in_order():
    out, report = probe("--help")
    assert report["status"] == 0
    assert report["heavy"] == [], report
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)
    assert "Cronbach's alpha of the scale" in out


def test_a_commands_own_help_imports_only_that_command():
    out, report = probe("reliability", "--help")
    assert report["status"] == 0 and "--items" in out
    assert not {"pandas", "statsmodels", "django", "matplotlib"} & set(report["heavy"]), report


def test_reliability_on_a_csv_imports_only_what_alpha_needs(tmp_path):
    rng = np.random.default_rng(1)
    f = rng.normal(size=(100, 1))
    codes = np.digitize(f + rng.normal(size=(100, 4)), [-1.5, -0.5, 0.5, 1.5]) + 1
    lines = ["q1,q2,q3,q4"] + [",".join(str(v) for v in row) for row in codes]
    (tmp_path / "scale.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, report = probe("reliability", "scale.csv", "--items", "q1 q2 q3 q4", cwd=tmp_path)
    assert report["status"] == 0, out
    assert "Cronbach's alpha: 4 items in scale.csv" in out
    assert not {"pandas", "statsmodels", "django", "matplotlib"} & set(report["heavy"]), report
    assert report["scipy"] == ["scipy.special"], report  # the F quantile of the Feldt interval
