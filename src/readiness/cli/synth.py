"""Commands ``readiness demo-data`` and ``readiness demo``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from readiness.instrument import resolve_instrument
from readiness.synth.cohort import PUBLISHED_N, make_cohort
from readiness.synth.output import (
    indicator_checks,
    reliability_checks,
    response_rate,
    write_cohort,
    write_demo_folder,
)


@click.command("demo-data")
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=10),
    default=PUBLISHED_N,
    show_default=True,
    help="Number of respondents.",
)
@click.option(
    "--seed",
    type=int,
    default=2015,
    show_default=True,
    help="Random seed; the same seed gives the same cohort.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Responses file to write (.csv, .xlsx, .sav or .dta); the sessions go to NAME-sessions.csv beside it.",
)
@click.option(
    "--match-published",
    is_flag=True,
    help=f"Reproduce the published counts exactly (needs --n {PUBLISHED_N}).",
)
@click.option(
    "--instrument",
    "instrument_ref",
    default="readiness-survey",
    show_default=True,
    help="The instrument (only the shipped one is modelled).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def demo_data(
    n: int, seed: int, out: Path, match_published: bool, instrument_ref: str, as_json: bool
) -> None:
    """Draw a synthetic cohort from a latent-trait model calibrated to Ross et al. 2015.

    Every row carries synthetic = 1. With --match-published and --n 782 the published counts
    (679, 613, 556, 528, 418, 746, 598 of 782; contact 13.0%, 20.4% in maternity) come out exactly.
    """
    instrument = resolve_instrument(instrument_ref)
    with click.progressbar(
        length=2,
        label="Drawing and writing the cohort",
        file=sys.stderr,
        show_eta=False,
    ) as bar:
        cohort = make_cohort(n, seed, match_published=match_published, instrument=instrument)
        bar.update(1)
        responses, sessions = write_cohort(cohort, instrument, out)
        bar.update(1)
    summary: dict[str, Any] = {
        "synthetic": True,
        "n": cohort.n,
        "seed": seed,
        "matched": match_published,
        "responses": str(responses),
        "sessions": str(sessions),
        "response_rate": response_rate(cohort),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    rate = summary["response_rate"]
    click.echo(
        f"Wrote {responses}: {n} synthetic responses (seed {seed}{', matched to the published counts' if match_published else ''})."
    )
    click.echo(
        f"Wrote {sessions}: {rate['sessions']} sessions at {rate['sites']} sites, {rate['attended']} attending."
    )


def write_demo_report(cohort, instrument, files: dict[str, Path]) -> dict[str, Path]:
    """The study report of the demo cohort (HTML and PDF) beside its files."""
    from readiness.analysis import analyse
    from readiness.report import render_html, write_pdf
    from readiness.tabular import atomic_write

    result = analyse(cohort.responses, instrument, sessions=cohort.sessions)
    html = render_html(
        result,
        instrument=instrument,
        compare_published=True,
        source={"responses": files["responses"], "sessions": files["sessions"]},
    )
    folder = Path(files["responses"]).parent
    report_html, report_pdf = folder / "report.html", folder / "report.pdf"
    atomic_write(report_html, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    write_pdf(html, report_pdf)
    return {"report_html": report_html, "report_pdf": report_pdf}


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("readiness-demo"),
    show_default=True,
    help="Folder to write the demo into.",
)
@click.option("--seed", type=int, default=2015, show_default=True, help="Random seed.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def demo(out: Path, seed: int, as_json: bool) -> None:
    """Make the matched synthetic cohort in ./readiness-demo/ and show what it holds."""
    instrument = resolve_instrument("readiness-survey")
    cohort = make_cohort(PUBLISHED_N, seed, match_published=True, instrument=instrument)
    files = write_demo_folder(cohort, instrument, out)
    files.update(write_demo_report(cohort, instrument, files))
    checks = indicator_checks(cohort, instrument)
    alphas = reliability_checks(cohort, instrument)
    rate = response_rate(cohort)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "synthetic": True,
                    "files": {k: str(v) for k, v in files.items()},
                    "response_rate": rate,
                    "indicators": [
                        {
                            "id": c.id,
                            "group": c.group,
                            "count": c.count,
                            "n": c.n,
                            "percent": round(c.percent, 1),
                            "published_percent": c.published_percent,
                            "published_count": c.published_count,
                            "matches": c.matches,
                            "printed_percent_follows_from_count": not c.printed_inconsistent,
                        }
                        for c in checks
                    ],
                    "reliability": alphas,
                },
                indent=2,
            )
        )
        return
    echo = click.echo
    echo("Readiness demo: SYNTHETIC data matched to the published figures of Ross et al. 2015")
    echo("")
    echo(
        f"  {files['responses']}  {cohort.n} responses to {instrument.id} v{instrument.version} (every row marked synthetic)"
    )
    echo(
        f"  {files['sessions']}  {rate['sessions']} training sessions at {rate['sites']} sites, {rate['attended']} staff attending"
    )
    echo(
        f"  {files['instrument']}  the questionnaire: {len(instrument.items)} items, {len(instrument.scales)} scales, {len(instrument.indicators)} indicators"
    )
    echo(
        f"  {files['report_html']}  the study report: tables, figures, published figures beside the cohort's"
    )
    echo(f"  {files['report_pdf']}  the same report as PDF")
    echo("")
    echo(
        f"Response rate: {rate['responded']} of {rate['attended']} = {rate['percent']:.1f}% (the paper prints {rate['published_percent']}% for the same counts)"
    )
    echo("")
    width = max(len(c.label) + (len(c.group) + 3 if c.group != "all" else 0) for c in checks)
    echo(f"{'Published figure':<{width}}  {'this cohort':>15}  {'published':>16}")
    inconsistent = False
    for c in checks:
        label = c.label + (f" ({c.group})" if c.group != "all" else "")
        pub = f"{c.published_count}/{c.published_n} " if c.published_count is not None else ""
        pub += f"{c.published_percent:.1f}%"
        if c.printed_inconsistent:
            pub += "*"
            inconsistent = True
        mine = f"{c.count}/{c.n} {c.percent:.1f}%"
        echo(f"{label:<{width}}  {mine:>15}  {pub:>16}")
    if inconsistent:
        echo("* the paper prints a percentage that its own count and denominator do not give;")
        echo("  the cohort reproduces the counts exactly.")
    echo("")
    echo("Reliability (Cronbach's alpha, raw; missing answers pairwise, as psych::alpha):")
    for a in alphas:
        echo(
            f"  {a['label']:<24} {a['raw_alpha']:.3f} (n = {a['n']}, {a['n_items']} items)   published {a['published_alpha']:.2f}"
        )
    echo("")
    echo("Next: readiness instrument show " + str(files["instrument"]))
