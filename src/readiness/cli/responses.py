"""``readiness responses``: check response files against an instrument and convert them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from readiness.instrument import resolve_instrument
from readiness.responses.read import Responses, read_responses
from readiness.responses.redcap import write_redcap
from readiness.responses.write import write_responses_noted

_INSTRUMENT_HELP = (
    "The instrument the responses answered: a YAML file, or the name of a shipped instrument "
    "(readiness-survey)."
)
_TO_HELP = (
    "Write REDCap data to import (OUT must end in .csv: the record id, then the dictionary's "
    "fields, a multiple-choice item as one 1/0 column per choice) and the data dictionary "
    "beside it, OUT-dictionary.csv, instead of the format of OUT's suffix."
)
_STRICT_HELP = (
    "Treat answers to items whose show_if condition is false as errors (by default they are "
    "warnings and kept)."
)


@click.group()
def responses() -> None:
    """Response files: one row per response, one column per item, stored codes.

    Reads CSV, XLSX, SPSS .sav and Stata .dta; every problem is reported with its row and
    column, and nothing is written when there is one.
    """


def _summary(result: Responses, instrument) -> dict:
    present = list(result.items_in_file)
    return {
        "file": result.source,
        "instrument": {"id": result.instrument_id, "version": result.instrument_version},
        "responses": len(result.frame),
        "items_in_file": len(present),
        "items_in_instrument": len(instrument.data_items),  # a note holds no answer
        "items_absent": [i.id for i in instrument.data_items if i.id not in present],
        # SPSS user-missing and Stata .a-.z answers: item -> reason -> count.
        "declared_missing": result.declared_counts(),
        "warnings": [w.to_dict() for w in result.warnings],
    }


def _echo_warnings(result: Responses, err: bool = False) -> None:
    n = len(result.warnings)
    if not n:
        click.echo("No problems found.", err=err)
        return
    click.echo(f"{n} warning{'s' if n != 1 else ''}:", err=err)
    for warning in result.warnings:
        click.echo(f"  - {warning}", err=err)


@responses.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--instrument", "instrument_ref", required=True, metavar="PATH_OR_NAME",
              help=_INSTRUMENT_HELP)  # fmt: skip
@click.option("--strict-conditions", is_flag=True, help=_STRICT_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def validate_command(file: Path, instrument_ref: str, strict_conditions: bool, as_json: bool):
    """Check FILE against the instrument and summarise it.

    Prints the number of responses, the items present and any warnings.  On problems prints
    every one, with its row and column, and exits with status 1.
    """
    instrument = resolve_instrument(instrument_ref)
    result = read_responses(file, instrument, strict_conditions=strict_conditions)
    summary = _summary(result, instrument)
    if as_json:
        click.echo(json.dumps({"valid": True, **summary}, indent=2))
        return
    n = summary["responses"]
    click.echo(
        f"{file}: {n} response{'s' if n != 1 else ''} to {instrument.id} "
        f"version {instrument.version}; {summary['items_in_file']} of "
        f"{summary['items_in_instrument']} items in the file."
    )
    _echo_warnings(result)


@responses.command("convert")
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("target", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--instrument", "instrument_ref", required=True, metavar="PATH_OR_NAME",
              help=_INSTRUMENT_HELP)  # fmt: skip
@click.option("--strict-conditions", is_flag=True, help=_STRICT_HELP)
@click.option("--to", "to", type=click.Choice(["redcap"]), default=None, help=_TO_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def convert_command(
    source: Path,
    target: Path,
    instrument_ref: str,
    strict_conditions: bool,
    to: str | None,
    as_json: bool,
):
    """Validate IN and write it to OUT, in the format of OUT's suffix (or REDCap's).

    Formats: .csv, .xlsx, .sav (SPSS), .dta (Stata).  SPSS and Stata files carry the item
    texts as variable labels and the choice labels as value labels; multiple-choice answers
    stay one string of space-separated codes.  With --to redcap, OUT is REDCap data to import
    (a .csv file) and OUT-dictionary.csv the data dictionary that creates its fields.  Nothing
    is written if IN has a problem.
    """
    instrument = resolve_instrument(instrument_ref)
    result = read_responses(source, instrument, strict_conditions=strict_conditions)
    write = _as_redcap if to == "redcap" else _as_table
    extra, notes = write(result, instrument, target)
    n = len(result.frame)
    declared = sum(sum(reasons.values()) for reasons in result.declared_counts().values())
    if declared:
        notes.append(
            f"{declared} declared missing answer{'s' if declared != 1 else ''} (SPSS "
            f"user-missing, Stata .a-.z) {'are' if declared != 1 else 'is'} written as empty "
            f"cells: {target} does not keep the reasons, which {source} holds."
        )
    if as_json:
        summary = _summary(result, instrument)
        extra = {**extra, "notes": notes}
        click.echo(json.dumps({"written": str(target), **extra, **summary}, indent=2))
        return
    click.echo(f"Wrote {target}: {n} response{'s' if n != 1 else ''} from {source}.")
    for note in notes:
        click.echo(note)
    if result.warnings:
        _echo_warnings(result, err=True)


def _as_table(result: Responses, instrument, target: Path) -> tuple[dict, list[str]]:
    """Write a response file; (what JSON adds: the names changed and the codebook; notes)."""
    written = write_responses_noted(result, instrument, target)
    renamed = {k: v for k, v in written.names.items() if k != v}
    codebook = {"codebook": str(written.codebook)} if written.codebook else {}
    return {"renamed": renamed, **codebook}, list(written.notes)


def _as_redcap(result: Responses, instrument, target: Path) -> tuple[dict, list[str]]:
    """Write REDCap data and dictionary; (what JSON adds: the dictionary; notes)."""
    frame = result.frame
    synthetic = "synthetic" in frame and len(frame) > 0 and bool(frame["synthetic"].eq(1).all())
    written = write_redcap(result, instrument, target, synthetic=synthetic)
    notes = [f"Wrote {written.dictionary}: the REDCap data dictionary.", *written.notes]
    if synthetic:
        notes.append("Every response is synthetic: the record ids read SYNTHETIC-<id>.")
    return {"dictionary": str(written.dictionary)}, notes
