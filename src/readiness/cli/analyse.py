"""Command ``readiness analyse``."""

from __future__ import annotations

import json
import math
import sys
import textwrap
from pathlib import Path

import click

from readiness.analysis.regression import ContactRegression
from readiness.analysis.survey import analyse, result_to_json
from readiness.cli.options import StudyOptions, instrument_option, json_option, study_options
from readiness.instrument import resolve_instrument


def _fmt_pct(x: float | None) -> str:
    return _fmt(x, 1)


def _cell(percent: float | None, count: int, n: int) -> str:
    return f"{_fmt_pct(percent)} ({count}/{n})"


def _test(test) -> str:
    """A test across groups with its statistic, degrees of freedom and p-value."""
    if test is None or test.method == "none":
        return ""
    if test.statistic is None:  # Fisher's exact test, or a test that could not be computed
        if not math.isfinite(test.p_value):
            return f"{test.method}: {test.note}"
        because = f" ({test.note})" if test.note else ""
        return f"{test.method}{because}: p = {test.p_value:.3g}"
    if test.ddf is not None:  # Rao-Scott: F on design degrees of freedom
        stat = f"F = {test.statistic:.2f}, ndf = {test.df:.2f}, ddf = {test.ddf:.2f}"
    else:
        stat = f"X-squared = {test.statistic:.2f}, df = {test.df:g}"
    note = f"; {test.note}" if test.note else ""  # e.g. a group kept as an empty level
    return f"{test.method}: {stat}, p = {test.p_value:.3g}{note}"


def _fmt(x: float | None, digits: int = 2) -> str:
    """A number to ``digits`` decimals, or "-" when it is missing (None or not finite)."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{digits}f}"


@click.command("analyse")
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@instrument_option()
@study_options()
@json_option("Print the whole result as JSON.")
def analyse_command(
    responses: Path,
    instrument_ref: str,
    study: StudyOptions,
    as_json: bool,
) -> None:
    """Analyse a survey: response rates, every indicator overall and by group with intervals
    and tests, scale scores, reliability, correlations and the regression of contact.

    RESPONSES is a CSV, XLSX, SPSS or Stata file validated against the instrument.  With
    --rake or --poststratify the figures are weighted to the staff counts in a small CSV.
    """
    import pandas as pd

    from readiness.analysis.read import read_for_analysis

    settings = study.settings()
    instrument = resolve_instrument(instrument_ref)
    with click.progressbar(
        length=2, label="Reading and analysing", file=sys.stderr, show_eta=False
    ) as bar:
        data = read_for_analysis(responses, instrument, study.design_columns())
        bar.update(1)
        sessions = study.sessions_for(responses)
        sessions_frame = pd.read_csv(sessions) if sessions is not None else None
        result = analyse(
            data.frame,
            instrument,
            sessions=sessions_frame,
            settings=settings,
            data_name=str(responses),
        )
        bar.update(1)
    if as_json:
        payload = result_to_json(result)
        payload["source"] = {
            "responses": str(responses),
            "sessions": None if sessions is None else str(sessions),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    _print(result, responses, sessions)


def _print(result, responses: Path, sessions: Path | None) -> None:
    echo = click.echo
    banner = " (SYNTHETIC DATA)" if result.synthetic else ""
    echo(
        f"{result.instrument['id']} v{result.instrument['version']}: {result.n} responses from {responses}{banner}"
    )
    for key, text in result.conventions.items():
        echo(f"  {key}: {text}")
    _print_weighting(result)
    _print_rate(result, sessions)
    _print_indicators(result)
    _print_scales(result)
    _print_numbers(result)
    _print_relations(result)
    for w in result.warnings:
        echo(f"Warning: {w}")


def _print_rate(result, sessions: Path | None) -> None:
    echo = click.echo
    if not result.response_rate:
        return
    rate = result.response_rate
    r = rate.overall
    level = round(rate.conf_level * 100)
    if not r.attended:
        interval = "no staff attending recorded: check the sessions' attending counts"
    elif r.responded > r.attended:
        interval = "above 100%: more responses than attending, so no interval; see the warnings"
    else:
        interval = f"{level}% {rate.method} {_fmt_pct(r.lower)} to {_fmt_pct(r.upper)}"
    echo(
        f"\nResponse rate: {r.responded} of {r.attended} = {_fmt_pct(r.percent)}% "
        f"({interval}), sessions from {sessions}"
    )


def _print_indicators(result) -> None:
    echo = click.echo
    groups = result.groups
    cells = {
        ind.id: [
            _cell(ind.by_group[g].percent, ind.by_group[g].count, ind.by_group[g].n) for g in groups
        ]
        for ind in result.indicators
    }
    # Each group column is as wide as its widest cell or the longest word of its label; labels
    # wrap at spaces onto more header lines rather than being cut.
    widths = [
        max([len(c[j]) for c in cells.values()] + [len(w) for w in g.split()] + [1])
        for j, g in enumerate(groups)
    ]
    wrapped = [
        textwrap.wrap(g, w, break_long_words=False) or [""]
        for g, w in zip(groups, widths, strict=True)
    ]
    depth = max([len(w) for w in wrapped] + [1])
    weighted = "; n/N unweighted, % weighted" if result.settings.weighted else ""
    echo(f"\nIndicators, % (n/N) with interval; by {result.group_by}: % (n/N){weighted}")
    overalls = {
        ind.id: f"{_cell(ind.overall.percent, ind.overall.count, ind.overall.n)} "
        f"{_fmt_pct(ind.overall.lower)}-{_fmt_pct(ind.overall.upper)}"
        for ind in result.indicators
    }
    id_width = max([len(i) for i in overalls] + [len("indicator")])
    overall_width = max([len(o) for o in overalls.values()] + [len("overall")])
    for k in range(depth):
        bottom = k == depth - 1
        labels = "  ".join(
            f"{(w[k - depth + len(w)] if k - depth + len(w) >= 0 else ''):>{width}}"
            for w, width in zip(wrapped, widths, strict=True)
        )
        left = f"{'indicator' if bottom else '':<{id_width}}  {'overall' if bottom else '':>{overall_width}}"
        echo((f"{left}  {labels}" + ("  test" if bottom else "")).rstrip())
    for ind in result.indicators:
        row = "  ".join(f"{c:>{w}}" for c, w in zip(cells[ind.id], widths, strict=True))
        test = "nobody answered" if ind.overall.n == 0 else _test(ind.test)
        echo(f"{ind.id:<{id_width}}  {overalls[ind.id]:>{overall_width}}  {row}  {test}".rstrip())


def _print_relations(result) -> None:
    """Correlations between scale scores, and the regression of contact."""
    echo = click.echo
    if result.correlations:
        method = result.correlations.method or "none computed: see the warnings below"
        if result.settings.design_based:
            method += "; unweighted, respondents treated as independent"
        echo(f"\nCorrelations between scale scores ({method})")
        for p in result.correlations.pairs:
            corrected = "" if p.r_disattenuated is None else f", corrected {p.r_disattenuated:.2f}"
            echo(
                f"  {p.x} ~ {p.y}: r = {p.r:.2f} ({p.lower:.2f} to {p.upper:.2f}), n = {p.n}{corrected}"
            )
    reg = result.regression
    if isinstance(reg, ContactRegression):
        echo(f"\nLogistic regression of {reg.outcome} (n = {reg.n}; {reg.errors}): odds ratios")
        for t in reg.terms:
            echo(
                f"  {t.label:<40} {t.odds_ratio:.2f} ({t.lower:.2f} to {t.upper:.2f}) p = {t.p_value:.3g}"
            )


def _print_weighting(result) -> None:
    """The staff counts weighted to, margin by margin: level, staff, respondents."""
    w = result.weighting
    if not w:
        return
    echo = click.echo
    echo(f"\nWeighted to the staff counts in {w['file']} ({w['method']}, {w['r_function']}):")
    for m in w["margins"]:
        cells = [
            f"{level} {_count(staff)} ({n} respondents)"
            for level, staff, n in zip(m["levels"], m["population"], m["respondents"], strict=True)
        ]
        for line in _wrap(f"  {' x '.join(m['variables'])}: ", cells):
            echo(line)
    echo(
        f"  weights from {_fmt(w['weight_min'])} to {_fmt(w['weight_max'])}, total "
        f"{_count(w['weight_total'])}"
    )


def _wrap(head: str, items: list[str], width: int = 100) -> list[str]:
    """``head`` and the items joined by commas, broken only between items."""
    lines, line = [], head
    for j, item in enumerate(items):
        piece = item + ("," if j < len(items) - 1 else "")
        if line != head and len(line) + len(piece) > width:
            lines.append(line.rstrip())
            line = "    "
        line += piece + " "
    lines.append(line.rstrip())
    return lines


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _alpha_text(s, missing: str) -> str:
    alpha = s.reliability.alpha
    if alpha is None:
        return "-"
    return (
        f"{_fmt(alpha.raw_alpha)} ({_fmt(alpha.feldt.lower)} to "
        f"{_fmt(alpha.feldt.upper)}), n = {alpha.n} {alpha.missing}"
    )


def _print_scales(result) -> None:
    echo = click.echo
    settings = result.settings
    if not settings.design_based:
        echo(
            "\nScales: mean (sd), n scored; alpha (Feldt interval), n alpha used and its "
            "missing-data rule; omega total"
        )
        for s in result.scales:
            mean = "-" if s.mean is None else f"{_fmt(s.mean)} ({_fmt(s.sd)})"
            echo(
                f"  {s.label:<24} {mean:>13}, n = {s.n:<6} alpha "
                f"{_alpha_text(s, settings.missing)}, omega {_fmt(s.omega_total)}"
            )
        return
    level = round(settings.conf_level * 100)
    weighted = "weighted " if settings.weighted else ""
    echo(
        f"\nScales, design-based: {weighted}mean ({weighted}sd) {level}% interval, SE, "
        "median; n scored (unweighted)."
    )
    echo(
        "  Reliability is not design-based: alpha (Feldt interval) and omega are of the "
        "respondents, unweighted."
    )
    for s in result.scales:
        d = s.design or {}
        if s.mean is None:
            figures = "-"
        else:
            figures = (
                f"{_fmt(s.mean)} ({_fmt(s.sd)}) {_fmt(d.get('lower'))} to "
                f"{_fmt(d.get('upper'))}, SE {_fmt(d.get('se'), 3)}, median {_fmt(s.median)}"
            )
        echo(
            f"  {s.label:<24} {figures}, n = {s.n}; alpha {_alpha_text(s, settings.missing)}, "
            f"omega {_fmt(s.omega_total)}"
        )


def _print_numbers(result) -> None:
    if not result.settings.design_based or not result.numbers:
        return
    echo = click.echo
    level = round(result.settings.conf_level * 100)
    weighted = "weighted " if result.settings.weighted else ""
    echo(
        f"\nNumbers, design-based: {weighted}mean ({weighted}sd) {level}% interval, SE, median "
        "(interval); n answered (unweighted)"
        + ("; total (interval)" if result.settings.weighted else "")
    )
    for number in result.numbers:
        o = number.overall
        if not o["n"]:
            echo(f"  {number.id}: nobody answered")
            continue
        line = (
            f"  {number.id}: {_fmt(o['mean'])} ({_fmt(o['sd'])}) {_fmt(o['lower'])} to "
            f"{_fmt(o['upper'])}, SE {_fmt(o['se'], 3)}, median {_fmt(o['median'])} "
            f"({_fmt(o['median_lower'])} to {_fmt(o['median_upper'])}), n = {o['n']}"
        )
        total = o.get("total")
        if total:
            line += (
                f"; total {_fmt(total['estimate'], 0)} ({_fmt(total['lower'], 0)} to "
                f"{_fmt(total['upper'], 0)})"
            )
        echo(line)
