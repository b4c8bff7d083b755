"""The ``readiness`` command line: ``readiness <noun> <verb>``.

Each area of the package owns its commands in its own ``cli`` module; this file only assembles
them and turns :class:`~readiness.errors.ReadinessError` into a clear message and exit status 1
(or a JSON error object on standard output when ``--json`` was given).
"""

from __future__ import annotations

import json
import sys

import click

from readiness import __version__
from readiness.errors import ProblemsError, ReadinessError


class _Group(click.Group):
    """Lists commands in the order they were added, which is the order of the README."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="readiness")
def cli() -> None:
    """Readiness: survey and interview tools for how health staff respond to trafficking.

    Every command that produces results takes --json for machine-readable output.
    Run `readiness COMMAND --help` for the options of one command.
    """


def _register() -> None:
    from readiness.analysis.cli import analyse_command
    from readiness.evaluation.cli import evaluate
    from readiness.guide.cli import guide
    from readiness.instrument.cli import instrument
    from readiness.interviews.cli import interviews
    from readiness.report.cli import report_command
    from readiness.responses.cli import responses
    from readiness.stats.cli import reliability
    from readiness.stats.paired_cli import paired
    from readiness.stats.proportion_cli import proportion
    from readiness.stats.regress_cli import regress
    from readiness.synth.cli import demo, demo_data
    from readiness.web.cli import createadmin_command, migrate_command, serve_command, web
    from readiness.web.surveys.cli import export_command, import_command

    cli.add_command(demo)
    cli.add_command(demo_data)
    cli.add_command(instrument)
    cli.add_command(responses)
    cli.add_command(analyse_command)
    cli.add_command(report_command)
    cli.add_command(reliability)
    cli.add_command(proportion)
    cli.add_command(paired)
    cli.add_command(regress)
    cli.add_command(evaluate)
    cli.add_command(interviews)
    cli.add_command(guide)
    cli.add_command(serve_command)
    cli.add_command(migrate_command)
    cli.add_command(createadmin_command)
    cli.add_command(web)
    cli.add_command(export_command)
    cli.add_command(import_command)


_register()


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
