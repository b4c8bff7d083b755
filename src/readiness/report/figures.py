"""The report's figures: matplotlib drawn to SVG, made accessible and safe to inline.

* Figure 1: each indicator, overall and by group, with its interval (small multiples, one panel
  per indicator; groups named on the axis, so nothing depends on colour).
* Figure 2: a heat map of indicators by group: a one-hue sequential palette (light to dark NHS
  blue, so order survives greyscale and colour-blindness) with every value written in its cell.
* Figure 3: diverging stacked bars of the Likert items, centred on the middle point: disagreeing
  answers to the left in orange, agreeing to the right in purple with hatching (a pair that
  colour-blind readers tell apart, and that greyscale keeps apart by side and pattern), each
  segment labelled with its percentage.

Suppression follows the report's :class:`~readiness.report.suppression.Plan`: a hidden estimate
is drawn as "[c]" with no point, bar or colour; small answer categories are drawn combined.

Each SVG gets ``role="img"``, a ``<title>`` and a ``<desc>`` (referenced by
``aria-labelledby``), ids prefixed with the figure's id so that several figures can share a
page, no XML prolog, no metadata (so the output is deterministic) and no external reference.
"""

from __future__ import annotations

import io
import re
import textwrap
from html import escape
from typing import Any

import numpy as np

from readiness.report import format as fmt
from readiness.report.model import Figure
from readiness.report.suppression import SYMBOL, Plan
from readiness.report.tables import ALL, group_title, sentence

FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
TEXT = "#212b32"  # NHS text colour
SECONDARY = "#4c6272"
GRID = "#d8dde0"
BLUE = "#005eb8"
WIDTH = 7.0  # inches: the text width of an A4 page with 15 mm margins is 7.09
VALUE_X = 104  # figure 1: where the percentages are written, right of the 0-100 axis
RC: dict[Any, Any] = {  # matplotlib's stubs take only its own keys
    "svg.fonttype": "none",
    "svg.hashsalt": "readiness-report",
    "font.family": "sans-serif",
    "font.sans-serif": ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans"],
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "axes.edgecolor": SECONDARY,
    "axes.labelcolor": TEXT,
    "text.color": TEXT,
    "xtick.color": SECONDARY,
    "ytick.color": SECONDARY,
    "xtick.labelcolor": TEXT,
    "ytick.labelcolor": TEXT,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.7,
    "figure.dpi": 72,
}


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure as MplFigure

    return MplFigure(figsize=(width, height), layout="constrained")


def _svg(fig) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def accessible_svg(svg: str, fig_id: str, title: str, description: str) -> str:
    """Make matplotlib's SVG fit to inline: role, title and desc, unique ids, no prolog."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'<style type="text/css">\*\{[^}]*\}</style>\s*', "", svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{fig_id}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{fig_id}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{fig_id}-{m.group(1)}"', svg)
    svg = re.sub(r"font-family:\s*'[^']*'", f"font-family: {FONT}", svg)
    svg = re.sub(r"(font: [^;\"]*?)'[^']*'", lambda m: m.group(1) + FONT, svg)
    found = re.match(r"<svg\b[^>]*>", svg)
    if found is None:
        raise ValueError("matplotlib's SVG does not start with its <svg> tag")
    open_tag = found.group(0)
    attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', open_tag))
    new_tag = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{attrs.get("width", "")}" height="{attrs.get("height", "")}" '
        f'viewBox="{attrs.get("viewBox", "")}" role="img" focusable="false" '
        f'aria-labelledby="{fig_id}-title {fig_id}-desc" class="figure-svg">'
        f'<title id="{fig_id}-title">{escape(title)}</title>'
        f'<desc id="{fig_id}-desc">{escape(description)}</desc>'
    )
    return new_tag + svg[len(open_tag) :].rstrip() + "\n"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _luminance(rgba) -> float:
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink(rgba) -> str:
    """Black or white text, whichever contrasts more with the background."""
    lum = _luminance(rgba)
    return "#000000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#ffffff"


def interval_words(result) -> str:
    """The intervals drawn, as the analysis computed them: "95% Wilson score intervals"."""
    settings = result.settings
    level = fmt.level(settings.conf_level)
    if settings.design_based:
        return (
            f"{level} logit intervals on the design's degrees of freedom (survey::svyciprop), "
            f"{settings.design_clause()}"
        )
    return f"{level} {fmt.INTERVAL_NAMES.get(settings.interval, settings.interval)} intervals"


def denominator_words(result, plan: Plan) -> str:
    """What each percentage of Figures 1 and 2 is out of."""
    total = SYMBOL if plan.response_overall else str(result.n)
    return (
        f"Percentages are of the respondents who answered each question ({total} respondents "
        "in all; Appendix A gives each indicator's denominator), so N varies by indicator and "
        "group; each N is given in Tables 2 and 3."
    )


# -- Figure 1 ---------------------------------------------------------------------------------


def figure_indicators(result, plan: Plan, number: str = "1") -> Figure | None:
    import matplotlib

    indicators = list(result.indicators)
    if not indicators:
        return None
    groups = list(result.groups)
    rows = [ALL, *groups]
    ncols = min(3, len(indicators))
    nrows = -(-len(indicators) // ncols)
    with matplotlib.rc_context(RC):
        fig = _new_figure(WIDTH, nrows * (0.19 * len(rows) + 0.75) + 0.35)
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        y = np.arange(len(rows))[::-1]
        for k, ind in enumerate(indicators):
            ax = axes[k // ncols][k % ncols]
            s = plan.indicators[ind.id]
            estimates = [ind.overall] + [ind.by_group[g] for g in groups]
            hidden = [s.overall_count] + list(s.count)
            if not s.overall_count and ind.overall.percent is not None:
                ax.axvline(ind.overall.percent, color="#aeb7bd", lw=0.8, ls=(0, (2, 2)), zorder=1)
            for j, (est, hide) in enumerate(zip(estimates, hidden, strict=True)):
                if hide:
                    ax.text(50, y[j], SYMBOL, ha="center", va="center", color=SECONDARY, fontsize=7)
                    ax.text(VALUE_X, y[j], SYMBOL, va="center", fontsize=6.5)
                    continue
                if est.percent is None:
                    ax.text(50, y[j], "no answers", ha="center", va="center", fontsize=6.5)
                    continue
                if est.lower is not None and est.upper is not None:
                    ax.plot([est.lower, est.upper], [y[j], y[j]], color=TEXT, lw=1.1, zorder=2)
                ax.plot(
                    est.percent,
                    y[j],
                    marker="D" if j == 0 else "o",
                    ms=4.2 if j == 0 else 3.8,
                    color=TEXT if j == 0 else BLUE,
                    mec="white",
                    mew=0.5,
                    zorder=3,
                    ls="none",
                )
                ax.text(
                    VALUE_X,
                    y[j],
                    fmt.pct(est.percent),
                    va="center",
                    fontsize=6.5,
                    fontweight="bold" if j == 0 else "normal",
                )
            ax.set_title(_wrap(sentence(ind.label), 38), loc="left", fontsize=7.5, pad=4)
            ax.set_xlim(0, VALUE_X + 17)
            ax.spines["bottom"].set_bounds(0, 100)
            ax.set_xticks([0, 25, 50, 75, 100])
            ax.set_xticklabels(["0", "", "50", "", "100"])
            ax.grid(axis="x", color=GRID, lw=0.6)
            ax.set_axisbelow(True)
            ax.set_ylim(-0.7, len(rows) - 0.3)
            ax.tick_params(axis="y", length=0)
            ax.spines["left"].set_visible(False)
        for k in range(len(indicators), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        axes[0][0].set_yticks(y)
        axes[0][0].set_yticklabels([_wrap(r, 18) for r in rows])
        for r in range(nrows):
            for c in range(ncols):
                ax = axes[r][c]
                last_visible = r == nrows - 1 or (r + 1) * ncols + c >= len(indicators)
                if last_visible and ax.get_visible():
                    ax.set_xlabel(f"% ({fmt.ci(result.settings.conf_level)})")
                    ax.tick_params(axis="x", labelbottom=True)
        svg = _svg(fig)
    group = group_title(result).lower()
    level = fmt.level(result.settings.conf_level)
    title = f"Each indicator, all respondents and by {group}, with {level} confidence intervals"
    method = f"Intervals: {interval_words(result)}. {denominator_words(result, plan)}"
    desc = (
        f"{len(indicators)} small charts, one per indicator. In each, the percentage of all "
        f"respondents (a diamond) and of each {group} (circles) with a line for its {level} "
        "confidence interval; the dashed line marks all respondents and the number at the right "
        f"is the percentage. {method} {SYMBOL}: not shown to protect respondents."
    )
    fig_id = f"figure-{number}"
    return Figure(fig_id, number, title, accessible_svg(svg, fig_id, title, desc), desc, [method])


# -- Figure 2 ---------------------------------------------------------------------------------


def _sequential():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "readiness-blues", ["#eef4fa", "#9cc3e6", "#41b6e6", BLUE, "#003087", "#001a4d"]
    )


def figure_heatmap(result, plan: Plan, number: str = "2") -> Figure | None:
    import matplotlib
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    indicators = list(result.indicators)
    if not indicators:
        return None
    columns = [ALL, *result.groups]
    values, hidden = _heatmap_values(result, plan)
    cmap = _sequential()
    with matplotlib.rc_context(RC):
        fig = _new_figure(WIDTH, 0.36 * len(indicators) + 1.5)
        ax = fig.subplots()
        norm = Normalize(0, 100)
        ax.set_xlim(-0.5, len(columns) - 0.5)
        ax.set_ylim(len(indicators) - 0.5, -0.5)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if hidden[i, j] or np.isnan(values[i, j]):
                    _blank_cell(ax, i, j, SYMBOL if hidden[i, j] else fmt.DASH)
                else:
                    _heatmap_cell(ax, i, j, values[i, j], cmap, norm)
        _heatmap_axes(ax, columns, indicators)
        bar = fig.colorbar(
            ScalarMappable(norm=norm, cmap=cmap),
            ax=ax,
            orientation="horizontal",
            fraction=0.04,
            pad=0.02,
        )
        bar.set_label("% of respondents who answered (darker is higher)")
        bar.outline.set_visible(False)
        bar.solids.set_rasterized(False)  # vector, not an embedded bitmap
        bar.solids.set_edgecolor("face")  # no hairline seams between the key's steps
        svg = _svg(fig)
    group = group_title(result).lower()
    title = f"Indicators by {group}: percentage of respondents"
    method = (
        f"{denominator_words(result, plan)} Their intervals ({interval_words(result)}) are "
        "in Tables 2 and 3 and Figure 1."
    )
    desc = (
        f"A grid with one row per indicator and one column for all respondents and for each "
        f"{group}; each cell gives the percentage, and darker cells are higher. {method} "
        f"Hatched cells marked {SYMBOL} are not shown to protect respondents."
    )
    fig_id = f"figure-{number}"
    return Figure(fig_id, number, title, accessible_svg(svg, fig_id, title, desc), desc, [method])


def _heatmap_values(result, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Percentages by indicator (rows) for all respondents and each group (columns), NaN where
    there is none, and which cells suppression hides."""
    indicators, groups = list(result.indicators), list(result.groups)
    values = np.full((len(indicators), len(groups) + 1), np.nan)
    hidden = np.zeros(values.shape, dtype=bool)
    for i, ind in enumerate(indicators):
        s = plan.indicators[ind.id]
        estimates = [ind.overall] + [ind.by_group[g] for g in groups]
        hides = [s.overall_count] + list(s.count)
        for j, (est, hide) in enumerate(zip(estimates, hides, strict=True)):
            hidden[i, j] = hide
            if not hide and est.percent is not None:
                values[i, j] = est.percent
    return values, hidden


def _blank_cell(ax, i: int, j: int, mark: str) -> None:
    """A hatched cell with ``mark``: hidden (suppressed) or without a value."""
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (j - 0.5, i - 0.5),
            1,
            1,
            facecolor="white",
            edgecolor="#aeb7bd",
            hatch="////",
            lw=0,
        )
    )
    ax.text(
        j,
        i,
        mark,
        ha="center",
        va="center",
        fontsize=7.5,
        color=TEXT,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
    )


def _heatmap_cell(ax, i: int, j: int, value: float, cmap, norm) -> None:
    """A cell shaded by its percentage, which is written in it (bold for all respondents)."""
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=cmap(norm(value)), lw=0))
    ax.text(
        j,
        i,
        fmt.pct(value),
        ha="center",
        va="center",
        fontsize=7.5,
        color=_ink(cmap(value / 100)),
        fontweight="bold" if j == 0 else "normal",
    )


def _heatmap_axes(ax, columns: list, indicators: list) -> None:
    """Column names on top (bottom-aligned), indicator labels at the left, white gridlines."""
    ax.set_xticks(range(len(columns)))
    wrapped = [_wrap(c, 12) for c in columns]
    lines = max(w.count("\n") for w in wrapped) + 1
    ax.set_xticklabels(["\n" * (lines - 1 - w.count("\n")) + w for w in wrapped])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(indicators)))
    ax.set_yticklabels([_wrap(sentence(i.label), 52) for i in indicators], fontsize=7)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(len(columns) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(indicators) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.tick_params(which="minor", length=0)


# -- Figure 3 ---------------------------------------------------------------------------------


def _likert_colours(k: int) -> list:
    """Orange (disagree) to purple (agree), light near the middle; a grey middle point."""
    from matplotlib import colormaps

    cmap = colormaps["PuOr"]
    positions = np.linspace(0.0, 1.0, k + 2)[1:-1] if k > 2 else np.array([0.15, 0.85])
    colours = [cmap(float(p)) for p in positions]
    if k % 2 == 1:
        colours[k // 2] = (0.85, 0.87, 0.88, 1.0)
    return colours


def _side(first: int, last: int, centre: float) -> str:
    if last < centre:
        return "left"
    if first > centre:
        return "right"
    return "centre"


def figure_likert(result, instrument, plan: Plan, number: str = "3") -> Figure | None:
    import matplotlib

    items = [d for d in getattr(result, "items", []) or [] if d.type == "likert"]
    if not items:
        return None
    rows = _likert_rows(items, instrument)
    k = max(len(d.codes) for d in items)
    colours = _likert_colours(k)
    summary = []
    with matplotlib.rc_context(RC):
        fig = _new_figure(WIDTH, 0.3 * len(rows) + 1.3)
        ax = fig.subplots()
        y = np.arange(len(rows))[::-1]
        extent = 10.0
        ticklabels = []
        n_labels = []
        for r, (kind, d) in enumerate(rows):
            if kind == "heading":
                ticklabels.append(d)
                continue
            ticklabels.append(_wrap(d.text, 62))
            spans = plan.likert.get(d.id)
            if spans is None or d.n == 0:
                ax.text(0, y[r], SYMBOL if d.n else "no answers", ha="center", va="center")
                summary.append(f"{d.text}: {SYMBOL if d.n else 'no answers'}.")
                continue
            parts, reach = _likert_bar(ax, y[r], d, spans, colours, k)
            extent = max(extent, reach)
            n_labels.append((y[r], f"n = {d.n}"))
            summary.append(f"{d.text}: {', '.join(parts)} (n = {d.n}).")
        headings = [r for r, (kind, _) in enumerate(rows) if kind == "heading"]
        _likert_axes(ax, y, ticklabels, headings, n_labels, extent)
        _likert_legend(fig, items[0].labels, colours, k, plan)
        svg = _svg(fig)
    title = "Answers to the agreement statements"
    desc = (
        "Stacked bars, one per statement, centred on the middle answer: disagreeing answers to "
        "the left of the centre line, agreeing answers to the right (hatched); each segment "
        "gives the percentage. " + " ".join(summary)
    )
    notes = []
    if any(spans is None or any(a != b for a, b in spans) for spans in plan.likert.values()):
        notes.append(
            f"Answers given by 1 to {plan.min_cell - 1} respondents are drawn together with the "
            "next answer towards the middle (dotted segments), so that no small group can be "
            "read off a bar; a combined segment that holds the middle answer is centred on the "
            "line."
        )
    fig_id = f"figure-{number}"
    return Figure(fig_id, number, title, accessible_svg(svg, fig_id, title, desc), desc, notes)


def _likert_rows(items: list, instrument) -> list[tuple[str, Any]]:
    """The statements in order, each run under a heading: its scale, else its section."""
    scale_label = {s.id: s.label for s in instrument.scales}
    section_title = {s.id: s.title for s in instrument.sections}
    rows: list[tuple[str, object]] = []
    current = None
    for d in items:
        heading = scale_label.get(d.scale) if d.scale else section_title.get(d.section, d.section)
        if heading != current:
            rows.append(("heading", heading))
            current = heading
        rows.append(("item", d))
    return rows


def _likert_bar(ax, y: float, d, spans: list, colours: list, k: int) -> tuple[list[str], float]:
    """One statement's bar, centred on the middle answer; the segments as words ("Agree 40%")
    and how far from the centre line the bar reaches (``k``: the most answers a statement has)."""
    centre = (len(d.codes) - 1) / 2
    sizes = [100 * sum(d.counts[a : b + 1]) / d.n for a, b in spans]
    sides = [_side(a, b, centre) for a, b in spans]
    left = sum(s for s, side in zip(sizes, sides, strict=True) if side == "left")
    middle = sum(s for s, side in zip(sizes, sides, strict=True) if side == "centre")
    start = -left - middle / 2
    parts = []
    for (a, b), size, side in zip(spans, sizes, sides, strict=True):
        combined = a != b
        if combined:
            base = b if side == "left" else a if side == "right" else None
            colour = colours[base] if base is not None else colours[k // 2]
            hatch: str | None = "...."
        else:
            colour = colours[a]
            hatch = "////" if side == "right" else None
        if size > 0:
            _likert_segment(ax, y, start, size, colour, hatch)
        name = " or ".join(d.labels[a : b + 1]) if combined else d.labels[a]
        parts.append(f"{name} {size:.0f}%")
        start += size
    return parts, max(left + middle / 2, start)


def _likert_segment(ax, y: float, start: float, size: float, colour, hatch: str | None) -> None:
    """A segment of a bar, its percentage written in it if there is room."""
    ax.barh(
        y,
        size,
        left=start,
        height=0.72,
        color=colour,
        hatch=hatch,
        edgecolor="white",
        linewidth=0.6,
        zorder=2,
    )
    if size >= 7.5:
        ax.text(
            start + size / 2,
            y,
            f"{size:.0f}",
            ha="center",
            va="center",
            fontsize=6.5,
            color=_ink(colour),
            bbox={"facecolor": colour, "edgecolor": "none", "pad": 0.6},
            zorder=3,
        )


def _likert_axes(ax, y, ticklabels: list, headings: list[int], n_labels: list, extent: float):
    """Axis from -limit to limit (percent either side of the centre line), n at the right,
    statements and headings (bold) at the left."""
    limit = min(100.0, 10 * np.ceil(extent / 10) + 2)
    ax.set_xlim(-limit, limit * 1.22)
    ax.spines["bottom"].set_bounds(-limit, limit)
    for at, text in n_labels:
        ax.text(limit * 1.03, at, text, va="center", fontsize=6.5, color=SECONDARY)
    ticks = [t for t in range(-100, 101, 25) if abs(t) <= limit]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{abs(t)}%" for t in ticks])
    ax.axvline(0, color=TEXT, lw=0.8, zorder=2.5)
    ax.set_yticks(y)
    ax.set_yticklabels(ticklabels, fontsize=6.8)
    for r in headings:
        tick = ax.get_yticklabels()[r]
        tick.set_fontweight("bold")
        tick.set_fontsize(7.5)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", color=GRID, lw=0.6)
    ax.set_axisbelow(True)
    ax.set_ylim(-0.6, len(ticklabels) - 0.4)
    ax.set_xlabel("% of respondents who answered: disagreeing to the left, agreeing to the right")


def _likert_legend(fig, labels: list, colours: list, k: int, plan: Plan) -> None:
    """One key per answer (agreeing ones hatched), and one for combined answers if any."""
    from matplotlib.patches import Patch

    handles = []
    for i, label in enumerate(labels[:k]):
        side = _side(i, i, (k - 1) / 2)
        handles.append(
            Patch(
                facecolor=colours[i],
                edgecolor="white",
                hatch="////" if side == "right" else None,
                label=label,
            )
        )
    if any(a != b for spans in plan.likert.values() if spans for a, b in spans):
        handles.append(
            Patch(facecolor="#d8dde0", edgecolor="white", hatch="....", label="Answers combined")
        )
    fig.legend(
        handles=handles,
        loc="outside upper center",
        ncol=min(len(handles), 6),
        frameon=False,
        fontsize=7,
        handlelength=1.6,
    )


def build_figures(result, instrument, plan: Plan) -> list[Figure]:
    figures = [
        figure_indicators(result, plan, "1"),
        figure_heatmap(result, plan, "2"),
        figure_likert(result, instrument, plan, "3"),
    ]
    return [f for f in figures if f is not None]


__all__ = ["accessible_svg", "build_figures"]
