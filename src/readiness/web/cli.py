"""Commands of the web application: ``readiness serve``, ``migrate``, ``createadmin``,
``readiness web demo`` and ``readiness web worker``.

Django is imported only inside the commands, so ``readiness --help`` stays fast and the core
commands never load it.
"""

from __future__ import annotations

import sys

import click

from readiness.web.surveys.cli import export_command, import_command
from readiness.web.surveys.cli_corrections import correct_command, delete_command


def _django(verbosity: int = 0) -> None:
    from readiness.web import setup

    setup()


def _plain_http() -> None:
    """The development server speaks plain HTTP: cookies without ``Secure`` (unless set)."""
    import os

    os.environ.setdefault("READINESS_SECURE", "0")


def _migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _database() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    return f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')} on {db.get('HOST') or 'localhost'}"


def _serve(host: str, port: int, reload: bool) -> None:
    from django.core.management import call_command

    call_command(
        "runserver",
        f"{host}:{port}" if ":" not in host else f"[{host}]:{port}",
        use_reloader=reload,
        use_static_handler=False,  # WhiteNoise serves the static files, as in production
        skip_checks=False,
    )


@click.command("migrate")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def migrate_command(quiet: bool) -> None:
    """Create or update the web application's database tables.

    The database is $DATABASE_URL, or SQLite in $READINESS_DATA_DIR (default ./readiness-data).
    """
    _django()
    click.echo(f"Database: {_database()}")
    _migrate(0 if quiet else 1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--reload/--no-reload", default=False, help="Restart when the code changes.")
def serve_command(host: str, port: int, reload: bool) -> None:
    """Run the web application with Django's development server.

    For production use gunicorn behind a proxy (docs/web.md).  The development server's log
    lines, like gunicorn's, hold no client address or user agent.
    """
    _plain_http()
    _django()
    _serve(host, port, reload)


@click.command("createadmin")
@click.option("--username", prompt=True, help="The system administrator's username.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of prompting.",
)
def createadmin_command(username: str, password_stdin: bool) -> None:
    """Create a system administrator (or reset their password)."""
    _django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    try:
        validate_password(password, user)
    except ValidationError as err:
        raise click.ClickException(" ".join(err.messages)) from None
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    click.echo(f"System administrator {username} is ready. Sign in at /accounts/login/.")


@click.group("web")
def web() -> None:
    """The web application: a demonstration study and more."""


# the study database's responses out and in (`readiness web export`, `readiness web import`)
web.add_command(export_command)
web.add_command(import_command)
# a response corrected or deleted, with the reason (`readiness web correct`, `delete-response`)
web.add_command(correct_command)
web.add_command(delete_command)


@web.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to serve on.")
@click.option("--serve", "then_serve", is_flag=True, help="Start the development server after.")
def web_demo(host: str, port: int, then_serve: bool) -> None:
    """Migrate, load the demonstration study and print the address and the demo logins.

    The study holds the 782 synthetic responses matched to the published survey, in 10 sites
    with their sessions and attendance.  Each demo account gets a password of its own, new on
    every run.
    """
    _plain_http()
    _django()
    from readiness.web.surveys.demo import demo_accounts, load_demo

    click.echo(f"Database: {_database()}")
    _migrate(0)
    study, created = load_demo()
    accounts = demo_accounts(study)
    n = study.sites.count()
    from readiness.web.surveys.models import Response

    responses = Response.objects.filter(session__site__study=study).count()
    click.echo(
        f"{'Loaded' if created else 'Found'} the demonstration study '{study.slug}': "
        f"{n} sites, {responses} responses (SYNTHETIC)."
    )
    address = f"http://{host}:{port}/"
    click.echo("")
    click.echo(f"  Address:  {address}")
    click.echo(f"  Sign in:  {address}accounts/login/")
    for account in accounts:
        click.echo(
            f"  Login:    {account.username:<17} password {account.password}   {account.role}"
        )
    first = study.sites.order_by("code").first()
    session = first.sessions.order_by("date").first() if first else None
    if session is not None:
        click.echo(
            f"  Survey:   {address.rstrip('/')}{session.link_path()}  (session {session.code})"
        )
    # A small synthetic training evaluation (before, after and follow-up), same logins.
    from readiness.web.surveys.demo import evaluation_demo_members, load_evaluation_demo

    evaluation, _created = load_evaluation_demo()
    evaluation_demo_members(evaluation)
    click.echo(f"  Training evaluation (SYNTHETIC): {address}studies/{evaluation.slug}/evaluation/")
    click.echo("")
    if then_serve:
        click.echo("Serving, with the background worker beside it; press Ctrl+C to stop.")
        worker = _start_worker()
        import signal

        # SIGTERM (not only Ctrl+C) stops the worker too: the server's own exit skips `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            _serve(host, port, False)
        finally:
            _stop_worker(worker)


def _start_worker():
    """``readiness web worker`` as a child process, so that ``make run`` needs nothing else.
    On Linux it is also told to stop if this process is killed outright (SIGKILL)."""
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-m", "readiness.cli", "web", "worker"], preexec_fn=_end_with_parent
    )


def _end_with_parent() -> None:
    """In the child, before it starts: SIGTERM when the parent dies (Linux's PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # 1: PR_SET_PDEATHSIG
    except (AttributeError, OSError):  # not Linux: Ctrl+C and SIGTERM still stop it
        pass


def _stop_worker(worker) -> None:
    """SIGTERM: the worker finishes the job under way (at most 30 s are waited), then ends."""
    import subprocess

    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@web.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then exit.")
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between looks at the queue when it is empty.",
)
def web_worker(once: bool, interval: float) -> None:
    """Run the background jobs: imports, PDF reports, dashboard results, the hourly tidy-up.

    The queue is kept in the database ($DATABASE_URL or the SQLite file), so any number of
    workers may run, on any server that reaches it; each job runs once.  Stop with Ctrl+C or
    SIGTERM: the job under way is finished first.
    """
    _django()
    from readiness.web.jobs.worker import run

    click.echo(f"Background worker on {_database()}" + (" (once)" if once else ""))
    run(once=once, interval=interval)


@web.command("unlock")
@click.argument("username")
def web_unlock(username: str) -> None:
    """Lift the sign-in lock on USERNAME (after too many failed sign-ins)."""
    _django()
    from readiness.web.security.commands import unlock

    click.echo(unlock(username))


@web.command("expire-drafts")
def web_expire_drafts() -> None:
    """Delete unsubmitted responses not saved for READINESS_DRAFT_DAYS days (default 30).

    The background worker (readiness web worker) also does this every hour, so running it
    from cron is optional.
    """
    _django()
    from readiness.web.surveys.expiry import expire

    try:
        done = expire()
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    click.echo(
        f"Deleted {done.drafts} unsubmitted response(s) last saved more than {done.days} days "
        f"ago. Deleted {done.counters} rate-limit counter(s) whose windows had ended."
    )


@web.command("reset-two-factor")
@click.argument("username")
def web_reset_two_factor(username: str) -> None:
    """Remove USERNAME's authenticator app (lost phone); they set up a new one at sign-in."""
    _django()
    from readiness.web.security.commands import reset_two_factor

    try:
        click.echo(reset_two_factor(username))
    except LookupError as err:
        raise click.ClickException(str(err)) from None
