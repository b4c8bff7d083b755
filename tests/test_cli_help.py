"""``readiness --help`` and every command's and subcommand's ``--help`` work, and the old names
``readiness export`` and ``readiness import`` still answer (hidden, pointing at the new ones)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from readiness.cli import ALIASES, COMMANDS, cli, load_command


def command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []

    def walk(path: tuple[str, ...], command: click.Command) -> None:
        paths.append(path)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk((*path, name), sub)

    for name in COMMANDS:
        walk((name,), load_command(name))
    return paths


@pytest.mark.parametrize("path", [(), *command_paths()], ids=lambda p: " ".join(p) or "readiness")
def test_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="readiness")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: {' '.join(('readiness', *path))} ")


def test_the_database_commands_are_under_web_and_the_old_names_are_hidden():
    listed = CliRunner().invoke(cli, ["--help"]).stdout
    web = CliRunner().invoke(cli, ["web", "--help"]).stdout
    for old, new in ALIASES.items():
        assert new == ("web", old)
        assert f"  {old} " not in listed and f"  {old} " in web
        help_text = CliRunner().invoke(cli, [old, "--help"])
        assert help_text.exit_code == 0 and "--study" in help_text.stdout
