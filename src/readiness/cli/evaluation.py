"""``readiness evaluate``: analyse, report and demonstrate a training evaluation.

- ``readiness evaluate analyse --pre FILE --post FILE [--follow-up FILE]``: the paired
  analysis as plain text for the analyst (every figure, with the conventions), or ``--json``.
- ``readiness evaluate report --pre FILE --post FILE --out FILE.pdf|.html``: the board report,
  small cells suppressed.
- ``readiness evaluate demo [--out DIR] [--n N]``: synthetic linked waves to try it on.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from readiness.errors import ReadinessError

WAVE_WORDS = {"pre": "pre-test", "post": "post-test", "follow_up": "follow-up", "then": "then-test"}


def _f(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}f}"


def _p(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3g}"


def _share(s) -> str:
    return "-" if s.percent is None else f"{s.percent:.1f}% ({s.count}/{s.n})"


def _table(rows: list[list[str]], right: set[int] | None = None) -> list[str]:
    right = right or set()
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    out = []
    for k, row in enumerate(rows):
        cells = [
            c.rjust(w) if j in right else c.ljust(w)
            for j, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  " + "  ".join(cells).rstrip())
        if k == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    return out


def _binary_rows(changes, with_split: bool) -> list[list[str]]:
    head = ["", "pairs", "before", "after", "change pp (CI)", "b", "c", "exact p"]
    if with_split:
        head += ["Holm p", "dk->right", "wrong->right"]
    head += ["OR (exact CI)"]
    rows = [head]
    for c in changes:
        m, d = c.mcnemar, c.mcnemar.difference
        row = [
            c.id,
            str(c.n),
            _share(c.before),
            _share(c.after),
            f"{100 * d.difference:+.1f} ({100 * d.lower:+.1f} to {100 * d.upper:+.1f})",
            str(m.b),
            str(m.c),
            _p(m.exact_p_value),
        ]
        if with_split:
            row += [_p(c.holm_p), str(c.dont_know_to_correct), str(c.wrong_to_correct)]
        row.append(f"{_f(m.odds_ratio)} ({_f(m.or_lower)} to {_f(m.or_upper)})")
        rows.append(row)
    return rows


def _scale_rows(changes) -> list[list[str]]:
    rows = [
        [
            "",
            "pairs",
            "before median (IQR)",
            "after median (IQR)",
            "mean change (CI)",
            "t, p",
            "d_z (CI)",
            "V, p, zeros",
            "r_rb (CI)",
        ]
    ]
    for c in changes:
        t, w = c.t_test, c.wilcoxon
        rb = w.rank_biserial
        rows.append(
            [
                c.id,
                str(c.n),
                f"{_f(c.before.median)} ({_f(c.before.q1)}-{_f(c.before.q3)})",
                f"{_f(c.after.median)} ({_f(c.after.q1)}-{_f(c.after.q3)})",
                f"{t.mean_difference:+.2f} ({_f(t.lower)} to {_f(t.upper)})",
                f"{_f(t.t)}, {_p(t.p_value)}",
                f"{_f(t.cohens_dz.d_z)} ({_f(t.cohens_dz.lower)} to {_f(t.cohens_dz.upper)})",
                f"{w.v:g}, {_p(w.p_value)}, {w.n_zero}",
                (
                    f"{_f(rb.r_rb)} (one direction)"
                    if rb.one_direction
                    else f"{_f(rb.r_rb)} ({_f(rb.lower)} to {_f(rb.upper)})"
                ),
            ]
        )
    return rows


# long: the report's sections in the order they are printed
def format_result(result, sources: dict[str, str]) -> str:  # noqa: C901 - one optional report section after another
    """The plain-text report of :func:`readiness.evaluation.evaluate` for the analyst."""
    lines: list[str] = []
    echo = lines.append
    inst = result.instrument
    banner = " (SYNTHETIC DATA)" if result.synthetic else ""
    echo(f"{inst['id']} v{inst['version']}: training evaluation{banner}")
    for wave, path in sources.items():
        echo(f"  {WAVE_WORDS[wave]}: {path}")
    f = result.flow
    echo("")
    echo("Linkage flow")
    flow = [
        ["", "n"],
        ["pre-test responses", str(f.pre)],
        ["post-test responses", str(f.post)],
        ["matched pre-post pairs", str(f.matched)],
        ["pre-test only", str(f.pre_only)],
        ["post-test only", str(f.post_only)],
    ]
    if f.follow_up is not None:
        flow += [
            ["follow-up responses", str(f.follow_up)],
            ["follow-up linked to a post-test", str(f.follow_up_matched)],
            ["linked at all three waves", str(f.complete)],
        ]
    flow.append(
        [
            "without a link id",
            ", ".join(f"{WAVE_WORDS[w]} {v}" for w, v in f.unlinkable.items()),
        ]
    )
    lines += _table(flow, {1})
    cov = result.coverage
    echo("")
    echo(
        f"Staff taking part: {cov.n}; by {cov.group_by}: "
        + ", ".join(f"{g.label} {g.count}" for g in cov.by_group)
    )
    if result.attrition is not None:
        a = result.attrition
        echo("")
        echo(f"Attrition check (pre-test: {a.n_matched} linked, {a.n_unmatched} not)")
        echo(f"  {a.summary}")
        rows = [["", "linked mean (sd) n", "not linked mean (sd) n", "SMD"]]
        for s in a.scales:
            rows.append(
                [
                    s.id,
                    f"{_f(s.mean_matched)} ({_f(s.sd_matched)}) {s.n_matched}",
                    f"{_f(s.mean_unmatched)} ({_f(s.sd_unmatched)}) {s.n_unmatched}",
                    _f(s.smd),
                ]
            )
        for c in a.categories:
            diff = (
                "-"
                if c.difference is None
                else f"{100 * c.difference:+.1f} pp ({100 * c.lower:+.1f} to {100 * c.upper:+.1f})"
            )
            rows.append([c.label, _share(c.matched), _share(c.unmatched), diff])
        lines += _table(rows, {1, 2, 3})
    if result.items:
        echo("")
        echo("Knowledge items, % correct (matched pairs): b = wrong to right, c = right to wrong")
        lines += _table(_binary_rows(result.items, True), set(range(1, 12)))
    if result.scales:
        echo("")
        echo("Knowledge score and scales (matched pairs)")
        lines += _table(_scale_rows(result.scales), set(range(1, 9)))
    if result.indicators:
        echo("")
        echo("Indicators (matched pairs): b = 0 to 1, c = 1 to 0")
        lines += _table(_binary_rows(result.indicators, False), set(range(1, 9)))
    echo("")
    echo(
        f"Still poorly known after training (post-test % correct below "
        f"{100 * result.poorly_known_below:g}%)"
    )
    if not result.poorly_known:
        echo("  none")
    for p in result.poorly_known:
        echo(f"  {p.id}: {_share(p.after)}. {p.explanation}")
    if result.retention is not None:
        r = result.retention
        echo("")
        echo(f"Retention, post-test to follow-up ({r.n} linked)")
        if r.scales:
            lines += _table(_scale_rows(r.scales), set(range(1, 9)))
        if r.items:
            echo("")
            lines += _table(_binary_rows(r.items, True), set(range(1, 12)))
        if r.indicators:
            echo("")
            lines += _table(_binary_rows(r.indicators, False), set(range(1, 9)))
    if result.three_waves:
        echo("")
        echo("Three waves: Friedman on complete cases; mixed model on every response")
        for t in result.three_waves:
            fr = t.friedman
            text = (
                "-"
                if fr is None
                else f"chi2 = {_f(fr.statistic)}, df = {fr.df}, p = {_p(fr.p_value)}, "
                f"W = {_f(fr.kendalls_w.w)}"
            )
            echo(f"  {t.id}: complete cases {t.n}; Friedman {text}")
            for pw in t.pairwise:
                echo(
                    f"    {WAVE_WORDS[pw.waves[0]]} vs {WAVE_WORDS[pw.waves[1]]}: V = "
                    f"{pw.wilcoxon.v:g}, p = {_p(pw.wilcoxon.p_value)}, Holm p = {_p(pw.holm_p)}"
                )
            m = t.mixed
            if m is None:
                echo("    mixed model: not fitted (see the warnings)")
                continue
            echo(
                f"    mixed model {m.formula} (REML; {m.n} responses, {m.n_people} people): "
                f"person variance {_f(m.person_variance, 3)}, residual {_f(m.residual_variance, 3)}"
                f"{', singular' if m.singular else ''}; LRT chi2 = {_f(m.lrt_chi_square)}, "
                f"df = {m.lrt_df}, p = {_p(m.lrt_p_value)}"
            )
            for fe in m.fixed:
                echo(
                    f"      {fe.term}: {fe.estimate:+.3f} (se {fe.se:.3f}, t {fe.t:.2f}; "
                    f"{_f(fe.lower, 3)} to {_f(fe.upper, 3)})"
                )
    if result.then_test:
        echo("")
        echo("Then-test: standard (post - pre) and retrospective (post - then) change")
        for t in result.then_test:
            s, r = t.standard.t_test, t.retrospective.t_test
            echo(
                f"  {t.id}: standard {s.mean_difference:+.2f} ({_f(s.lower)} to {_f(s.upper)}, "
                f"n = {t.standard.n}); retrospective {r.mean_difference:+.2f} "
                f"({_f(r.lower)} to {_f(r.upper)}, n = {t.retrospective.n})"
            )
    if result.warnings:
        echo("")
        echo("Warnings")
        for w in result.warnings:
            echo(f"  - {w}")
    echo("")
    echo("Conventions")
    for key, text in result.conventions.items():
        echo(f"  {key}: {text}")
    return "\n".join(lines)


def _read(
    pre: Path,
    post: Path,
    follow_up: Path | None,
    instrument_ref: str,
    link: str,
    then_test: Path | None = None,
):
    from readiness.evaluation.read import read_wave
    from readiness.instrument import resolve_instrument

    instrument = resolve_instrument(instrument_ref)
    frames = {
        "pre": read_wave(pre, instrument, link),
        "post": read_wave(post, instrument, link),
    }
    if follow_up is not None:
        frames["follow_up"] = read_wave(follow_up, instrument, link)
    if then_test is not None:
        frames["then_test"] = read_wave(then_test, instrument, link)
    return instrument, frames


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
WAVE_OPTIONS = (
    click.option("--pre", required=True, type=_FILE, help="Response file of the pre-test."),
    click.option("--post", required=True, type=_FILE, help="Response file of the post-test."),
    click.option(
        "--follow-up", "follow_up", type=_FILE, help="Response file of the follow-up wave."
    ),
    click.option(
        "--then-test",
        "then_test",
        type=_FILE,
        help="File of the retrospective 'before today' ratings taken at the post-test "
        "(the rated items and the link column).",
    ),
    click.option(
        "--instrument",
        "instrument_ref",
        default="readiness-survey",
        show_default=True,
        help="Instrument YAML file, or the name of a shipped one.",
    ),
    click.option(
        "--link",
        default="link",
        show_default=True,
        help="Column holding the linkage id (the same id in two waves is the same person).",
    ),
    click.option(
        "--conf-level",
        type=click.FloatRange(0.5, 0.999),
        default=0.95,
        show_default=True,
        help="Confidence level.",
    ),
    click.option(
        "--min-cell",
        type=click.IntRange(1),
        default=5,
        show_default=True,
        help="Counts from 1 to this minus 1 are suppressed in reports (1: none).",
    ),
)


def _wave_options(func):
    for option in reversed(WAVE_OPTIONS):
        func = option(func)
    return func


@click.group("evaluate")
def evaluate_group() -> None:
    """Training evaluation: pre-test, post-test and follow-up of the same staff, paired."""


@evaluate_group.command("analyse")
@_wave_options
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def analyse_command(
    pre: Path,
    post: Path,
    follow_up: Path | None,
    instrument_ref: str,
    link: str,
    conf_level: float,
    min_cell: int,
    then_test: Path | None,
    as_json: bool,
) -> None:
    """Analyse the waves as matched pairs: linkage flow, attrition, knowledge items, scales,
    indicators, items still poorly known, retention and three waves, with the conventions.

    Each FILE is a CSV, XLSX, SPSS or Stata response file of the instrument with a link column.
    Everything is shown to you, the analyst; use `readiness evaluate report` for what others see.
    """
    from readiness.evaluation.analysis import evaluate

    instrument, frames = _read(pre, post, follow_up, instrument_ref, link, then_test)
    result = evaluate(
        frames["pre"],
        frames["post"],
        instrument,
        follow_up=frames.get("follow_up"),
        link_column=link,
        min_cell=min_cell,
        conf_level=conf_level,
        then_test=frames.get("then_test"),
    )
    sources = {"pre": str(pre), "post": str(post)}
    if follow_up is not None:
        sources["follow_up"] = str(follow_up)
    if then_test is not None:
        sources["then"] = str(then_test)
    if as_json:
        payload = result.to_dict()
        payload["source"] = sources
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(format_result(result, sources))


@evaluate_group.command("report")
@_wave_options
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The report to write: FILE.pdf or FILE.html.",
)
@click.option(
    "--tables",
    "tables_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write every table as CSV and XLSX into this folder (small cells suppressed).",
)
@click.option("--title", help="Title of the report.")
@click.option("--organisation", help="Organisation shown on the report.")
def report_command(
    pre: Path,
    post: Path,
    follow_up: Path | None,
    instrument_ref: str,
    link: str,
    conf_level: float,
    min_cell: int,
    then_test: Path | None,
    out: Path,
    tables_dir: Path | None,
    title: str | None,
    organisation: str | None,
) -> None:
    """Write the board report: a page of headline sentences, then the tables, methods and
    conventions, with small cells suppressed."""
    from readiness.evaluation.analysis import evaluate
    from readiness.evaluation.report import render_evaluation_html, write_evaluation_tables
    from readiness.report.pdf import write_pdf
    from readiness.tabular import atomic_write

    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise ReadinessError(
            f"{out}: the report is written as PDF or HTML. Fix: end the file name in .pdf or .html."
        )
    instrument, frames = _read(pre, post, follow_up, instrument_ref, link, then_test)
    with click.progressbar(length=2, label="Analysing and writing", file=sys.stderr) as bar:
        result = evaluate(
            frames["pre"],
            frames["post"],
            instrument,
            follow_up=frames.get("follow_up"),
            link_column=link,
            min_cell=min_cell,
            conf_level=conf_level,
            then_test=frames.get("then_test"),
        )
        bar.update(1)
        source: dict[str, Path | str | None] = {"pre": pre, "post": post, "follow_up": follow_up}
        if title:
            source["title"] = title
        if organisation:
            source["organisation"] = organisation
        html = render_evaluation_html(result, instrument, source=source)
        if suffix == ".pdf":
            write_pdf(html, out)
        else:
            atomic_write(out, lambda tmp: Path(tmp).write_text(html, encoding="utf-8"))
        written = write_evaluation_tables(result, instrument, tables_dir) if tables_dir else []
        bar.update(1)
    click.echo(f"Wrote {out}" + (" (SYNTHETIC DATA)" if result.synthetic else ""))
    if written:
        click.echo(f"Wrote {len(written)} table files to {tables_dir}")


@evaluate_group.command("demo")
@click.option(
    "--out",
    default="evaluation-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the synthetic waves to.",
)
@click.option(
    "--n",
    "n_pre",
    type=click.IntRange(20),
    default=48,
    show_default=True,
    help="Pre-test respondents (post-test and follow-up scale with it: 48, 28, 13).",
)
@click.option("--seed", type=int, default=55, show_default=True, help="Random seed.")
def demo_command(out: Path, n_pre: int, seed: int) -> None:
    """Write synthetic linked pre-test, post-test and follow-up files with known effects and
    realistic attrition (every row marked synthetic), then the commands to analyse them."""
    from readiness.evaluation.demo import make_demo, write_demo

    demo = make_demo(n_pre, seed=seed)
    files = write_demo(demo, out)
    lk = demo.linkage
    click.echo(
        f"Wrote SYNTHETIC data to {out}: {len(demo.pre)} pre-test, {len(demo.post)} post-test "
        f"and {len(demo.follow_up)} follow-up responses."
    )
    click.echo(
        f"Follow-up linked to the post-test by the self-generated code: {lk.exact} exactly, "
        f"{lk.fuzzy} with one element differing, {lk.ambiguous} ambiguous, "
        f"{len(lk.unmatched_later)} not linked ({files['linkage'].name})."
    )
    args = (
        f"--pre {files['pre']} --post {files['post']} --follow-up {files['follow_up']} "
        f"--then-test {files['then_test']}"
    )
    click.echo("Next:")
    click.echo(f"  readiness evaluate analyse {args}")
    click.echo(f"  readiness evaluate report {args} --out {out / 'evaluation.pdf'}")


evaluate = evaluate_group

__all__ = ["evaluate", "evaluate_group", "format_result"]
