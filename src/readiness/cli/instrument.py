"""Commands ``readiness instrument validate|show|codebook|import|export|paper``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from readiness.instrument import resolve_instrument
from readiness.instrument.describe import codebook_csv, codebook_markdown, outline

INSTRUMENT_HELP = (
    "An instrument YAML file, or the name of a shipped one (readiness-survey, readiness-survey-ni)."
)


@click.group("instrument")
def instrument() -> None:
    """Check, read and convert instruments (questionnaires as data)."""


@instrument.command("validate")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable result.")
def validate(file: str, as_json: bool) -> None:
    """Check an instrument; list every problem with its line, field and fix.

    FILE is an instrument YAML file or the name of a shipped one. Exits 1 on any problem.
    """
    inst = resolve_instrument(file)
    summary = {
        "valid": True,
        "file": file,
        "id": inst.id,
        "version": inst.version,
        "sections": len(inst.sections),
        "items": len(inst.items),
        "scales": len(inst.scales),
        "indicators": len(inst.indicators),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(
            f"{file}: valid. {inst.id} v{inst.version}: {summary['sections']} sections, "
            f"{summary['items']} items, {summary['scales']} scales, {summary['indicators']} indicators."
        )


@instrument.command("show")
@click.argument("file")
def show(file: str) -> None:
    """Print a readable outline: sections, items, conditions, scales and indicators."""
    click.echo(outline(resolve_instrument(file)), nl=False)


@instrument.command("codebook")
@click.argument("file")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "md"]),
    default="md",
    show_default=True,
    help="CSV (one row per variable) or Markdown.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def codebook(file: str, fmt: str, out: Path | None) -> None:
    """Print the codebook: every variable with its type, label, codes and condition."""
    inst = resolve_instrument(file)
    text = codebook_csv(inst) if fmt == "csv" else codebook_markdown(inst)
    if out is None:
        click.echo(text, nl=False)
    else:
        from readiness.tabular import atomic_write

        atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        click.echo(f"Wrote {out}")


FORMATS = ("redcap", "xlsform")
IMPORT_FORMATS = (*FORMATS, "spss", "stata")


def _format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from readiness.instrument.xlsform_sheets import is_csv_xlsform

        # pyxform's CSV layout starts with a sheet's name (survey) in the first column
        return "xlsform" if is_csv_xlsform(path) else "redcap"
    if suffix in (".xlsx", ".xls"):
        return "xlsform"
    if suffix in (".sav", ".zsav"):
        return "spss"
    if suffix == ".dta":
        return "stata"
    raise click.UsageError(
        f"cannot tell the format of {path} from its suffix; give --format redcap (a .csv data "
        "dictionary), --format xlsform (an .xlsx, .xls or CSV form), --format spss (a .sav or .zsav file) "
        "or --format stata (a .dta file)."
    )


def _report(result, as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        click.echo(json.dumps({**result.to_dict(), **(extra or {})}, indent=2))
    else:
        click.echo(result.summary())


@instrument.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Instrument YAML file to write.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    help="Format of SOURCE (default: from the suffix: .csv REDCap, or XLSForm when its first "
    "cell names the survey sheet; .xlsx and .xls XLSForm, .sav/.zsav SPSS, .dta Stata).",
)
@click.option(
    "--base",
    "base_ref",
    help="An instrument to take scales and indicators from (REDCap dictionaries have no place for them).",
)
@click.option(
    "--id",
    "instrument_id",
    help="Instrument id to give (REDCap, SPSS and Stata; default from the file name).",
)
@click.option("--version", "version", help="Instrument version to give (REDCap, SPSS, Stata).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
def import_command(
    source: Path,
    out: Path,
    fmt: str | None,
    base_ref: str | None,
    instrument_id: str | None,
    version: str | None,
    as_json: bool,
) -> None:
    """Read a REDCap data dictionary, an XLSForm, or an SPSS or Stata file's variable and
    value labels, and write it as an instrument YAML file.

    Everything that cannot be mapped is listed item by item; nothing is dropped silently.
    """
    from readiness.instrument.dump import write_instrument
    from readiness.instrument.redcap import read_redcap_dictionary
    from readiness.instrument.xlsform import read_xlsform

    kind = _format_for(source, fmt)
    base = resolve_instrument(base_ref) if base_ref else None
    if kind == "redcap":
        result = read_redcap_dictionary(
            source, base=base, instrument_id=instrument_id, version=version
        )
    elif kind in ("spss", "stata"):
        from readiness.instrument.statfiles import read_statfile

        result = read_statfile(source, base=base, instrument_id=instrument_id, version=version)
    else:
        if instrument_id or version:
            raise click.UsageError(
                "--id and --version apply to REDCap dictionaries; an XLSForm carries them in its settings sheet."
            )
        result = read_xlsform(source, base=base)
    write_instrument(result.instrument, out)
    _report(result, as_json, {"written": str(out)})
    if not as_json:
        click.echo(f"Wrote {out}")


@instrument.command("export")
@click.argument("file")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write (.csv for REDCap, .xlsx for XLSForm).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Format to write (default: from the suffix of --out).",
)
@click.option(
    "--headers",
    type=click.Choice(["designer", "api"]),
    default="designer",
    show_default=True,
    help="REDCap column headers: the Data Dictionary page's or the API's.",
)
@click.option(
    "--columns",
    type=click.Choice(["18", "16"]),
    default="18",
    show_default=True,
    help="REDCap dictionary form: 18 columns (current) or 16 (older REDCap).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
def export_command(
    file: str, out: Path, fmt: str | None, headers: str, columns: str, as_json: bool
) -> None:
    """Write an instrument as a REDCap data dictionary or an XLSForm (which pyxform compiles).

    What the target format cannot hold is listed item by item.
    """
    from readiness.instrument.redcap import write_redcap_dictionary
    from readiness.instrument.xlsform import write_xlsform

    inst = resolve_instrument(file)
    kind = _format_for(out, fmt)
    if kind not in FORMATS:
        raise click.UsageError(
            f"an instrument is exported as a REDCap dictionary (.csv) or an XLSForm (.xlsx), "
            f"not to {out.suffix}; `readiness responses convert` writes responses as SPSS or "
            "Stata files with the instrument's labels."
        )
    if kind == "redcap":
        result = write_redcap_dictionary(inst, out, headers=headers, columns=int(columns))
    else:
        result = write_xlsform(inst, out)
    _report(result, as_json)


@instrument.command("paper")
@click.argument("file")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="PDF file to write.",
)
@click.option(
    "--language",
    help="A language the instrument holds (its tag, e.g. cy); default: its own language.",
)
@click.option("--study", default="", help="The study's name, printed at the top.")
@click.option("--session", default="", help="The session's code, printed at the top.")
def paper_command(file: str, out: Path, language: str | None, study: str, session: str) -> None:
    """Print the instrument as a paper questionnaire (A4 PDF) to fill in by hand.

    Every section and question, numbered; tick boxes, lines and digit boxes; conditions as
    instructions; a box for the form number that paper entry asks for. Needs the 'pdf' extra.
    """
    from readiness.instrument.paperform import write_paper_form

    inst = resolve_instrument(file)
    write_paper_form(inst, out, language=language, study=study, session=session)
    click.echo(f"Wrote {out}")
