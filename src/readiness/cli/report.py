"""Command ``readiness report``: the study report of a response file as HTML (and PDF, and the
tables as CSV and XLSX)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from readiness.cli.options import StudyOptions, instrument_option, json_option, study_options
from readiness.errors import ReadinessError
from readiness.instrument import resolve_instrument


def hidden_cells(tables: dict) -> int:
    """Suppressed cells in the results tables (not counting the published comparison)."""
    return sum(
        1
        for number, table in tables.items()
        if number not in ("6", "A1", "B1")
        for body in table.bodies
        for row in body.rows
        for cell in row
        if cell.hidden
    )


@click.command("report")
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@instrument_option()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML report to write (self-contained: one file).",
)
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), help="Also write a PDF.")
@click.option(
    "--tables",
    "tables_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write every table as CSV and XLSX into this folder.",
)
@click.option(
    "--min-cell",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Suppress counts from 1 to MIN_CELL - 1 (1 turns suppression off).",
)
@click.option(
    "--compare-published",
    is_flag=True,
    help="Add the published figures beside this cohort's.",
)
@study_options()
@json_option("Print a machine-readable summary.")
def report_command(
    responses: Path,
    instrument_ref: str,
    out: Path,
    pdf: Path | None,
    tables_dir: Path | None,
    min_cell: int,
    compare_published: bool,
    study: StudyOptions,
    as_json: bool,
) -> None:
    """Write the study report: response rate, respondents, every indicator overall and by
    group with intervals and tests, figures, reliability, correlations, regression, and the
    CROSS checklist, with small cells suppressed.

    RESPONSES is a CSV, XLSX, SPSS or Stata file validated against the instrument.  With
    --rake or --poststratify the figures are weighted to the staff counts in a small CSV, and
    the methods say which counts were used and how.
    """
    import pandas as pd

    from readiness.analysis import analyse
    from readiness.analysis.read import read_for_analysis
    from readiness.report import render_html, write_pdf, write_tables
    from readiness.report.html import report_tables
    from readiness.tabular import atomic_write

    if out.suffix.lower() not in (".html", ".htm"):
        raise ReadinessError(f"--out {out}: the report is HTML. Fix: give a name ending in .html.")
    if pdf is not None and pdf.suffix.lower() != ".pdf":
        raise ReadinessError(f"--pdf {pdf}: Fix: give a name ending in .pdf.")
    instrument = resolve_instrument(instrument_ref)
    data = read_for_analysis(responses, instrument, study.design_columns())
    sessions = study.sessions_for(responses)
    sessions_frame = pd.read_csv(sessions) if sessions is not None else None
    result = analyse(
        data.frame,
        instrument,
        sessions=sessions_frame,
        settings=study.settings(),
        data_name=str(responses),
    )
    source = {"responses": str(responses), "sessions": None if sessions is None else str(sessions)}
    html = render_html(
        result,
        instrument=instrument,
        min_cell=min_cell,
        compare_published=compare_published,
        source=source,
    )
    atomic_write(out, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    written = {"html": str(out)}
    if pdf is not None:
        write_pdf(html, pdf)
        written["pdf"] = str(pdf)
    table_files: list[Path] = []
    if tables_dir is not None:
        table_files = write_tables(result, instrument, tables_dir, min_cell=min_cell)
    tables, _ = report_tables(result, instrument, min_cell=min_cell)
    hidden = hidden_cells(tables)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "synthetic": result.synthetic,
                    "n": result.n,
                    "files": written,
                    "tables": [str(p) for p in table_files],
                    "min_cell": min_cell,
                    "suppressed_cells": hidden,
                    "weighting": None
                    if result.weighting is None
                    else {
                        k: result.weighting[k]
                        for k in ("file", "method", "description", "levels_as")
                    },
                },
                indent=2,
            )
        )
        return
    banner = " (SYNTHETIC DATA)" if result.synthetic else ""
    click.echo(f"Report of {result.n} responses from {responses}{banner}")
    if result.weighting:
        w = result.weighting
        click.echo(f"Weighted to the staff counts in {w['file']}: {w['description']}.")
    click.echo(f"Wrote {out}")
    if pdf is not None:
        click.echo(f"Wrote {pdf}")
    if tables_dir is not None:
        click.echo(f"Wrote {len(table_files)} table files (CSV and XLSX) to {tables_dir}/")
    if min_cell <= 1:
        click.echo("Small cells: not suppressed (--min-cell 1).")
    else:
        click.echo(
            f"Small cells: {hidden} table cells suppressed as [c] (counts of 1 to {min_cell - 1}, "
            "and cells that would reveal them)."
        )
