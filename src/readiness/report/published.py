"""Published figures beside this cohort's (``--compare-published``).

The figures come from the instrument (each indicator's ``published`` entries, with their count
and denominator where the publication gives them) and, for the survey paper the shipped
instrument cites (source ``ross2015``), the figures it prints about its design and scales, which
belong to no indicator.  Where a printed percentage does not follow from the publication's own
count and denominator, the table says so: the paper's response rate, 782 of 892, is 87.7%, but
the abstract prints 84.4%.
"""

from __future__ import annotations

from readiness.instrument.model import Instrument
from readiness.publications import publications
from readiness.report import format as fmt
from readiness.report.model import Body, Cell, Table
from readiness.report.suppression import SYMBOL, Plan, footnote
from readiness.report.tables import sentence

# Figures printed in publications about their design and scales (not about an indicator).
PUBLICATIONS = publications()


def follows(count: int | None, denominator: int | None, printed: float) -> bool | None:
    """Whether a printed percentage is its count over its denominator, rounded to one decimal
    (None when the publication gives no count)."""
    if count is None or not denominator:
        return None
    return round(100 * count / denominator, 1) == round(printed, 1)


def _c(text: str, value=None, numeric: bool = True, hidden: bool = False) -> Cell:
    if hidden:
        return Cell(SYMBOL, None, numeric=numeric, hidden=True)
    return Cell(text, value, numeric=numeric)


def comparison_table(result, instrument: Instrument, plan: Plan) -> tuple[Table, list[str]]:
    """The table of published figures beside this cohort's, and the sentences that say where a
    printed percentage does not follow from its own counts."""
    head = [
        Cell("Figure", header=True, scope="col"),
        Cell("Published n/N", header=True, scope="col"),
        Cell("Printed", header=True, scope="col"),
        Cell("Its n/N give", header=True, scope="col"),
        Cell("This cohort n/N", header=True, scope="col"),
        Cell("This cohort", header=True, scope="col"),
        Cell("Note", header=True, scope="col"),
    ]
    rows: list[list[Cell]] = []
    remarks: list[str] = []
    cited = [key for key in PUBLICATIONS if key in instrument.sources]
    for key in cited:
        rows.append(_response_row(PUBLICATIONS[key]["response"], result, plan, remarks))
    for ind in result.indicators:
        for fig in ind.published:
            rows.append(_indicator_row(ind, fig, result, instrument, plan, remarks))
    for key in cited:
        rows += _reliability_rows(PUBLICATIONS[key].get("reliability", {}), result)
    notes = [
        "Published: the count (n) and denominator (N) the publication gives, and the "
        "percentage it prints. 'Its n/N give': that count over that denominator, to one "
        "decimal. This cohort: the same figure computed from these data through the "
        "instrument's definitions."
    ]
    if not rows:
        notes = ["The instrument records no published figures to compare with."]
    table = Table(
        "table-6",
        "6",
        "Published figures beside this cohort's",
        [head],
        [Body(rows)],
        notes,
    )
    table.slug = "table-6-published"
    if any(c.hidden for row in rows for c in row):
        table.hidden_any = True
        table.notes.append(footnote(plan.min_cell))
    return table, remarks


def _response_row(response: dict, result, plan: Plan, remarks: list[str]) -> list[Cell]:
    """The published response rate beside this cohort's (a remark if its % does not follow)."""
    r, a, printed = response["responded"], response["attended"], response["printed_percent"]
    own = 100 * r / a
    mine = None if result.response_rate is None else result.response_rate.overall
    ok = follows(r, a, printed)
    note = "" if ok else f"printed % does not follow from {r}/{a} ({own:.1f}%)"
    if not ok:
        remarks.append(
            f"The response rate: {r} of {a} is {own:.1f}%, but the publication prints "
            f"{printed:.1f}%."
        )
    return [
        Cell("Response rate", header=True, scope="row"),
        _c(f"{r}/{a}"),
        _c(f"{printed:.1f}%"),
        _c(f"{own:.1f}%"),
        _c(fmt.DASH)
        if mine is None
        else _c(f"{mine.responded}/{mine.attended}", hidden=plan.response_overall),
        _c(fmt.DASH)
        if mine is None
        else _c(f"{fmt.pct(mine.percent)}%", hidden=plan.response_overall),
        Cell(note),
    ]


def _cohort_estimate(ind, fig: dict, result, instrument: Instrument, plan: Plan):
    """The row's label and this cohort's estimate of a published figure (None if this analysis
    has none, e.g. the figure is for a group the cohort is not split by), and whether it is
    hidden."""
    s = plan.indicators[ind.id]
    label = sentence(ind.label)
    where = fig.get("where")
    if not where:
        return label, ind.overall, s.overall_count
    item_id, code = where.get("item"), where.get("equals")
    try:
        where_label = instrument.item(item_id).label_for(code) or str(code)
    except KeyError:
        where_label = f"{item_id} = {code}"
    label += f" ({where_label.lower()})"
    if item_id == result.group_by and where_label in ind.by_group:
        i = list(result.groups).index(where_label)
        return label, ind.by_group[where_label], s.count[i]
    return label, None, s.overall_count


def _indicator_row(
    ind, fig: dict, result, instrument: Instrument, plan: Plan, remarks: list[str]
) -> list[Cell]:
    """A published indicator figure beside this cohort's (a remark if its % does not follow)."""
    label, estimate, hidden = _cohort_estimate(ind, fig, result, instrument, plan)
    count, den, printed = fig.get("count"), fig.get("denominator"), fig["percent"]
    ok = follows(count, den, printed)
    published = (
        f"{count}/{den}" if count is not None and den else f"{fmt.DASH}/{den}" if den else fmt.DASH
    )
    # ok is None exactly when there is no count or denominator (see follows)
    own = f"{100 * count / den:.1f}%" if count is not None and den else fmt.DASH
    notes = []
    if ok is False and count is not None and den:
        notes.append(f"printed % does not follow from {count}/{den}")
        remarks.append(
            f"{label}: {count} of {den} is {100 * count / den:.1f}%, but the "
            f"publication prints {printed:.1f}%."
        )
    if estimate is not None and not hidden and count is not None:
        if estimate.count == count and estimate.n == den:
            notes.append("same count as published")
    if estimate is None:
        mine_n = mine_p = _c("not in this analysis", numeric=False)
    else:
        mine_n = _c(f"{estimate.count}/{estimate.n}", hidden=hidden)
        mine_p = _c(f"{fmt.pct(estimate.percent)}%", hidden=hidden)
    return [
        Cell(label, header=True, scope="row"),
        _c(published),
        _c(f"{printed:.1f}%"),
        _c(own),
        mine_n,
        mine_p,
        Cell("; ".join(notes)),
    ]


def _reliability_rows(published: dict, result) -> list[list[Cell]]:
    """Published Cronbach's alphas beside this cohort's, for the scales the analysis has."""
    rows = []
    for scale_id, alpha in published.items():
        scale = next((s for s in result.scales if s.id == scale_id), None)
        if scale is None:
            continue
        rows.append(
            [
                Cell(f"Cronbach's α, {scale.label.lower()}", header=True, scope="row"),
                _c(fmt.DASH),
                _c(f"{alpha:.2f}"),
                _c(fmt.DASH),
                _c(str(scale.reliability.n)),
                _c(fmt.num(scale.reliability.raw_alpha, 3)),
                Cell(""),
            ]
        )
    return rows


def citations(instrument: Instrument) -> list[str]:
    """The publications the comparison draws on, as text (a DOI printed, not linked)."""
    out = []
    for key in PUBLICATIONS:
        source = instrument.sources.get(key)
        if source and source.get("citation"):
            text = source["citation"]
            url = str(source.get("url") or "")
            if url.startswith("https://doi.org/"):
                text += " doi:" + url.removeprefix("https://doi.org/")
            out.append(text)
    return out


__all__ = ["PUBLICATIONS", "citations", "comparison_table", "follows"]
