"""The ``readiness`` command line: ``readiness <noun> <verb>``.

Each area's commands are in a module of this package (``readiness.cli.analyse``,
``readiness.cli.report``, ...; the web application's in ``readiness.web.cli``, which imports Django
only when a command runs); this file only lists them and turns :class:`~readiness.errors.ReadinessError` into a clear message and exit status 1 (or a
JSON error object on standard output when ``--json`` was given).

Commands are loaded lazily: :data:`COMMANDS` names each command's module and gives its one-line
help, so ``readiness --help`` imports none of them (no NumPy, pandas, SciPy or Django) and
``readiness reliability`` imports only what alpha needs.  A new command is added to
:data:`COMMANDS`, in the order of the README; ``tests/test_cli_startup.py`` checks that every
command in the package is listed there with the name and help it has.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator, MutableMapping

import click

from readiness.errors import ProblemsError, ReadinessError

# name: (module, attribute, one-line help as the command gives it), in the order of the README
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": (
        "readiness.cli.synth",
        "demo",
        "Make the matched synthetic cohort in ./readiness-demo/ and show what it holds.",
    ),
    "demo-data": (
        "readiness.cli.synth",
        "demo_data",
        "Draw a synthetic cohort from a latent-trait model calibrated to Ross et al.",
    ),
    "instrument": (
        "readiness.cli.instrument",
        "instrument",
        "Check, read and convert instruments (questionnaires as data).",
    ),
    "responses": (
        "readiness.cli.responses",
        "responses",
        "Response files: one row per response, one column per item, stored codes.",
    ),
    "analyse": (
        "readiness.cli.analyse",
        "analyse_command",
        "Analyse a survey: response rates, every indicator overall and by group with intervals "
        "and tests, scale scores, reliability, correlations and the regression of contact.",
    ),
    "report": (
        "readiness.cli.report",
        "report_command",
        "Write the study report: response rate, respondents, every indicator overall and by "
        "group with intervals and tests, figures, reliability, correlations, regression, and "
        "the CROSS checklist, with small cells suppressed.",
    ),
    "reliability": (
        "readiness.cli.stats",
        "reliability",
        "Cronbach's alpha of the scale made of the --items columns of FILE.",
    ),
    "proportion": (
        "readiness.cli.proportion",
        "proportion",
        "A proportion with its confidence interval, overall and by group, from a table FILE.",
    ),
    "paired": (
        "readiness.cli.paired",
        "paired",
        "The change from a --before to an --after column of FILE, one row per person.",
    ),
    "regress": (
        "readiness.cli.regress",
        "regress",
        "Logistic (odds ratios) or linear regression of one column on others, from a table FILE.",
    ),
    "evaluate": (
        "readiness.cli.evaluation",
        "evaluate",
        "Training evaluation: pre-test, post-test and follow-up of the same staff, paired.",
    ),
    "interviews": (
        "readiness.cli.interviews",
        "interviews",
        "The interview study: transcripts, pseudonymisation, codes, matrices, agreement, REFI-QDA.",
    ),
    "guide": (
        "readiness.cli.guide",
        "guide",
        "The response guide: what to do, step by step, when staff think a patient may have "
        "been trafficked, for England, Wales, Scotland and Northern Ireland.",
    ),
    "serve": (
        "readiness.web.cli",
        "serve_command",
        "Run the web application with Django's development server.",
    ),
    "migrate": (
        "readiness.web.cli",
        "migrate_command",
        "Create or update the web application's database tables.",
    ),
    "createadmin": (
        "readiness.web.cli",
        "createadmin_command",
        "Create a system administrator (or reset their password).",
    ),
    "web": (
        "readiness.web.cli",
        "web",
        "The web application: a demonstration study and more.",
    ),
}

# Old names still accepted, hidden from the help: old name -> the command's path now.  Each prints
# a one-line note on standard error before it runs.  `readiness export` and `readiness import`
# were the web database's, easily taken for `readiness instrument export` and `import`.
ALIASES: dict[str, tuple[str, ...]] = {
    "export": ("web", "export"),
    "import": ("web", "import"),
}


def load_command(name: str) -> click.Command:
    """Import the module of command ``name`` (a key of :data:`COMMANDS`) and return it."""
    module, attribute, _ = COMMANDS[name]
    return getattr(importlib.import_module(module), attribute)


def deprecated_alias(name: str, path: tuple[str, ...]) -> click.Command:
    """The command at ``path`` under another, hidden ``name`` that first says its new name."""
    import copy
    import functools

    target = load_command(path[0])
    for part in path[1:]:
        assert isinstance(target, click.Group)
        target = target.commands[part]
    callback = target.callback
    assert callback is not None
    new_name = " ".join(("readiness", *path))

    @functools.wraps(callback)
    def warn_then_run(*args, **kwargs):
        click.echo(f"Note: `readiness {name}` is now `{new_name}`; the old name will go.", err=True)
        return callback(*args, **kwargs)

    alias = copy.copy(target)
    alias.name, alias.hidden, alias.callback = name, True, warn_then_run
    return alias


class _Commands(MutableMapping):
    """The group's commands: listed without importing anything, each loaded when first used.

    Iteration gives the names of :data:`COMMANDS` in order (then any command added with
    ``add_command``); looking a name up imports that command's module alone.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name in ALIASES:
                return deprecated_alias(name, ALIASES[name])
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = load_command(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in ALIASES or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._loaded if name not in COMMANDS)

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._loaded))


def short_help(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters as click cuts a command's help in a list."""
    if len(text) <= limit:
        return text
    import textwrap

    return textwrap.shorten(text, max(limit, 3), placeholder="...", break_on_hyphens=False)


class _Group(click.Group):
    """Lists commands in the order of :data:`COMMANDS` (the README's) and loads them lazily."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # the help table comes from COMMANDS, so listing the commands imports none of them
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        rows += [
            (name, self.commands[name].get_short_help_str(10_000))
            for name in self.commands
            if name not in COMMANDS and not self.commands[name].hidden
        ]
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help(text, limit)) for name, text in rows])


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
# click reads the version from the package metadata only when --version is given
@click.version_option(package_name="readiness", prog_name="readiness")
def cli() -> None:
    """Readiness: survey and interview tools for how health staff respond to trafficking.

    Every command that produces results takes --json for machine-readable output.
    Run `readiness COMMAND --help` for the options of one command.
    """


def _report_error(err: ReadinessError, as_json: bool) -> None:
    if as_json:
        payload: dict = {"error": str(err).splitlines()[0]}
        if isinstance(err, ProblemsError):
            payload["problems"] = [p.to_dict() for p in err.problems]
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(f"Error: {err}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        # a command that ends with ctx.exit(N) returns N here (click's non-standalone mode)
        status = cli.main(args=args, prog_name="readiness", standalone_mode=False)
    except ReadinessError as err:
        _report_error(err, "--json" in args)
        return 1
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    return status if isinstance(status, int) and not isinstance(status, bool) else 0
