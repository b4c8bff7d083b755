"""``readiness web export`` and ``readiness web import``: a study's responses out of and into the web
application's database, as the study's Export and Import pages do (:mod:`.exports`,
:mod:`.imports`).  Django is imported only when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from readiness.errors import ReadinessError

FORMAT_NAMES = ("csv", "xlsx", "sav", "dta", "redcap")


def _study(slug: str):
    from readiness.web.cli import _django

    _django()
    from readiness.web.surveys.models import Study

    study = Study.objects.select_related("instrument").filter(slug=slug).first()
    if study is None:
        known = ", ".join(Study.objects.order_by("slug").values_list("slug", flat=True)[:10])
        raise ReadinessError(
            f"there is no study '{slug}' in the database. Fix: give a study's short name"
            + (f" ({known})." if known else " (`readiness web demo` loads the study 'demo').")
        )
    return study


@click.command("export")
@click.option("--study", "slug", required=True, metavar="SLUG", help="The study's short name.")
@click.option(
    "--format", "fmt", required=True, type=click.Choice(FORMAT_NAMES), help="The file format."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default SLUG-responses.EXT, SLUG-redcap-data.csv for REDCap; "
    "SLUG-SYNTHETIC-... for a synthetic study). "
    "CSV also writes NAME-codebook.csv beside it, REDCap NAME-dictionary.csv.",
)
def export_command(slug: str, fmt: str, out: Path | None) -> None:
    """Export a study's responses: CSV with a codebook, XLSX, SPSS, Stata or REDCap.

    One row per response, one column per item, the stored codes; SPSS and Stata files carry
    variable and value labels.  A synthetic study's rows are all marked synthetic.  The
    export is recorded in the audit log.
    """
    study = _study(slug)  # sets Django up first
    from readiness.web.surveys import exports

    path = out or Path(exports.default_name(study, fmt))
    result = exports.write_export(study, fmt, path)
    for line in result.lines():
        click.echo(line)


@click.command("import")
@click.option("--study", "slug", required=True, metavar="SLUG", help="The study's short name.")
@click.option(
    "--session",
    "session_code",
    default=None,
    metavar="CODE",
    help="Put every row into this session (default: the file's session column).",
)
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def import_command(slug: str, session_code: str | None, file: Path) -> None:
    """Import a response file (CSV, XLSX, SPSS .sav, Stata .dta) into a study.

    The file is validated against the study's instrument: every problem is printed with its
    row and column, and nothing is imported when there is one.  The same file is never
    imported twice.
    """
    study = _study(slug)  # sets Django up first
    from readiness.web.surveys import imports
    from readiness.web.surveys.models import Session

    session = None
    if session_code is not None:
        session = (
            Session.objects.select_related("site")
            .filter(site__study=study, code=session_code)
            .first()
        )
        if session is None:
            raise ReadinessError(
                f"study {study.slug} has no session '{session_code}'. Fix: give one of its "
                "session codes, or add the session first."
            )
    result = imports.import_file(study, file, session=session)
    n = result.rows
    where = f"session {session.code}" if session else "the sessions of its session column"
    click.echo(
        f"Imported {n} response{'s' if n != 1 else ''} from {file} into study {study.slug} "
        f"({where})."
    )
    if result.warnings:
        click.echo(f"{len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''}:")
        for warning in result.warnings:
            click.echo(f"  - {warning}")
