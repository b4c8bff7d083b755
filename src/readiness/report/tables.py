"""The report's tables, built from a study result with small cells already suppressed.

* Table 1: respondents by discipline, profession, site and years since qualifying, with the
  response rate (numerator and denominator) overall and per site.
* Table 2: training, contact and interest (indicators on yes/no and choice items), overall and
  by group, with intervals and the test of difference.
* Table 3: knowledge and confidence (indicators on Likert and true/false items and on scales).
* Table 4a-c: reliability of each scale, item statistics, correlations between scale scores.
* Table 5: the logistic regression of contact (odds ratios).

Each table is a :class:`readiness.report.model.Table`; the HTML, CSV and XLSX are written from
the same cells.
"""

from __future__ import annotations

from readiness.analysis.survey import Characteristic
from readiness.instrument.model import Instrument
from readiness.report import format as fmt
from readiness.report.model import Body, Cell, Table
from readiness.report.suppression import SYMBOL, Plan, footnote, safe_warning

ALL = "All respondents"
CHARACTERISTIC_LABELS = {
    "discipline": "Discipline",
    "profession": "Profession",
    "site": "Site",
    "years_qualified": "Years since qualifying",
}
TEXT_COLUMNS = ("Statement", "Test of difference")
EXPERIENCE_TYPES = ("yes_no", "single_choice", "multiple_choice", "number", "text", "month_year")


def group_title(result) -> str:
    return CHARACTERISTIC_LABELS.get(
        result.group_by, result.group_by.replace("_", " ").capitalize()
    )


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def th(text: str, scope: str = "col", **kw) -> Cell:
    return Cell(text, header=True, scope=scope, **kw)


def num_cell(text: str, value=None, hidden: bool = False, number_format: str | None = None) -> Cell:
    if hidden:
        return Cell(SYMBOL, None, numeric=True, hidden=True)
    if value is not None and number_format and not fmt.missing(value):
        decimals = len(number_format.partition(".")[2])
        value = round(float(value), decimals) if decimals else int(round(float(value)))
    elif fmt.missing(value):
        value = None
    return Cell(text, value, numeric=True, number_format=number_format)


def pct_cell(x: float | None, hidden: bool = False) -> Cell:
    value = None if x is None or fmt.missing(x) else round(float(x), 1)
    return num_cell(fmt.pct(x), value, hidden, "0.0")


def count_cell(x: int | None, hidden: bool = False) -> Cell:
    return num_cell(fmt.count(x), None if x is None else int(x), hidden, "0")


def text_cell(text: str, hidden: bool = False, numeric: bool = True) -> Cell:
    return Cell(SYMBOL if hidden else text, None, numeric=numeric, hidden=hidden)


def ci_head(result) -> str:
    """The head of an interval column at the level the analysis used: "95% CI"."""
    return fmt.ci(result.settings.conf_level)


def indicator_table_of(instrument: Instrument, indicator_id: str) -> str:
    """'2' for indicators on experience items (yes/no, choices, numbers), '3' for knowledge and
    confidence (Likert and true/false items, and scales)."""
    indicator = instrument.indicator(indicator_id)
    if indicator.scale is not None:
        return "3"
    try:
        item = instrument.item(indicator.item or "")
    except KeyError:
        return "3"
    return "2" if item.type in EXPERIENCE_TYPES else "3"


# -- Table 1 ----------------------------------------------------------------------------------


def table_1(result, plan: Plan) -> Table:
    rate = result.response_rate
    with_rate = rate is not None
    head = [th("Characteristic"), th("Respondents, n"), th("% of those answering")]
    if with_rate:
        head += [th("Attending, n"), th("Response rate, %"), th(ci_head(result))]
    width = len(head)
    bodies: list[Body] = []
    overall = [th(ALL, "row"), count_cell(result.n, plan.response_overall), text_cell(fmt.DASH)]
    if with_rate:
        o = rate.overall
        hidden = plan.response_overall
        overall += [
            count_cell(o.attended),
            pct_cell(o.percent, hidden),
            text_cell(fmt.interval(o.lower, o.upper), hidden),
        ]
    bodies.append(Body([overall], None, "all"))
    by_site = (rate.by_site if rate is not None else None) or {}
    for key, block in result.characteristics.items():
        label = CHARACTERISTIC_LABELS.get(key, key.replace("_", " ").capitalize())
        rows: list[list[Cell]] = []
        if isinstance(block, Characteristic):
            mask = plan.characteristics[key].cells
            names = list(block.categories) + ["Not answered"]
            for i, name in enumerate(names):
                hidden = mask[i]
                if name == "Not answered":
                    if block.missing == 0:
                        continue
                    row = [th(name, "row"), count_cell(block.missing, hidden)]
                    row.append(text_cell(fmt.DASH))
                else:
                    cat = block.categories[name]
                    row = [
                        th(name, "row"),
                        count_cell(cat.count, hidden),
                        pct_cell(cat.percent, hidden),
                    ]
                if with_rate:
                    site = by_site.get(name) if key == "site" else None
                    if site is not None:
                        row += [
                            count_cell(site.attended),
                            pct_cell(site.percent, hidden),
                            text_cell(fmt.interval(site.lower, site.upper), hidden),
                        ]
                    else:
                        row += [text_cell(""), text_cell(""), text_cell("")]
                rows.append(row)
        else:  # a number: median (IQR) and mean (SD)
            n = block.get("n", 0)
            hidden = n < plan.min_cell and n > 0
            if n:
                median = f"{fmt.round_half(block['median'])} ({fmt.round_half(block['q1'])} to {fmt.round_half(block['q3'])})"
                mean = f"{block['mean']:.1f} ({fmt.num(block['sd'], 1)})"
            else:
                median = mean = fmt.DASH
            span = width - 1
            rows.append(
                [th("Median (interquartile range)", "row"), text_cell(median, hidden, False)]
            )
            rows[-1][-1].colspan = span
            rows.append([th("Mean (standard deviation)", "row"), text_cell(mean, hidden, False)])
            rows[-1][-1].colspan = span
            rows.append([th("Answered", "row"), count_cell(n, hidden)])
            rows[-1][-1].colspan = 1
            rows[-1] += [text_cell("")] * (width - 2)
        bodies.append(Body(rows, label, key))
    notes = [
        "Percentages are of the respondents who answered each question; those who did not are "
        "shown as 'Not answered'."
    ]
    if with_rate:
        notes.append(
            "Response rate: respondents divided by the staff attending the sessions where the "
            f"questionnaire was handed out ({rate.method})."
        )
        if any(fmt.above_attendance(r) for r in [rate.overall, *by_site.values()]):
            notes.append(f"A response rate above 100%: {fmt.ABOVE_ATTENDANCE}.")
    table = Table("table-1", "1", "Respondents and response rate", [head], bodies, notes)
    table.slug = "table-1-respondents"
    table.group_column = "Characteristic group"
    _finish(table, plan)
    return table


# -- Tables 2 and 3 ---------------------------------------------------------------------------


def _test_cells(test, coarse: bool) -> tuple[Cell, Cell]:
    if test is None or test.method == "none":
        why = test.note.removeprefix("no test: ") if test is not None and test.note else ""
        return Cell("No test" + (f": {why}" if why else "")), text_cell(fmt.DASH)
    if test.method == "Pearson chi-square":
        name = "Pearson χ²"
        stat = f"{name} = {test.statistic:.2f}, df = {test.df:g}"
    elif test.method == "Rao-Scott F":
        if test.statistic is None:
            stat = "Rao-Scott F"
        else:
            stat = f"Rao-Scott F = {test.statistic:.2f}, df = {test.df:.1f}, {test.ddf:.1f}"
    else:
        stat = test.method
    if coarse:
        stat = test.method.replace("Pearson chi-square", "Pearson χ²")
        if test.statistic is not None:
            stat += " (statistic withheld)"
        p = Cell(fmt.p_coarse(test.p_value), None, numeric=True)
    else:
        p = Cell(
            fmt.p_value(test.p_value),
            None if fmt.missing(test.p_value) else float(test.p_value),
            numeric=True,
            number_format="0.000",
        )
    return Cell(stat, None), p


def indicator_table(
    number: str, title: str, slug: str, indicators: list, result, plan: Plan
) -> Table:
    groups = list(result.groups)
    head = [
        th(f"Indicator; {group_title(result).lower()}"),
        th("n"),
        th("N"),
        th("%"),
        th(ci_head(result)),
        th("Test of difference"),
        th("P"),
    ]
    bodies = []
    coarse_any = False
    for ind in indicators:
        s = plan.indicators[ind.id]
        o = ind.overall
        coarse = s.any
        coarse_any = coarse_any or (coarse and ind.test is not None and ind.test.method != "none")
        test, p = _test_cells(ind.test, coarse)
        test.rowspan = p.rowspan = len(groups) + 1
        rows = [
            [
                th(ALL, "row"),
                count_cell(o.count, s.overall_count),
                count_cell(o.n, s.overall_n),
                pct_cell(o.percent, s.overall_count),
                text_cell(fmt.interval(o.lower, o.upper), s.overall_count),
                test,
                p,
            ]
        ]
        for i, g in enumerate(groups):
            e = ind.by_group[g]
            rows.append(
                [
                    th(g, "row"),
                    count_cell(e.count, s.count[i]),
                    count_cell(e.n, s.n[i]),
                    pct_cell(e.percent, s.count[i]),
                    text_cell(fmt.interval(e.lower, e.upper), s.count[i]),
                ]
            )
        bodies.append(Body(rows, sentence(ind.label), ind.id))
    conv = result.conventions
    notes = [
        "n: respondents with the characteristic; N: respondents who answered "
        f"({conv.get('denominators', 'missing answers excluded')}). "
        f"Intervals: {sentence(conv.get('intervals', ''))}. "
        f"Tests: {conv.get('tests', '')}."
    ]
    if coarse_any:
        notes.append(
            "Where a row has suppressed cells its test statistic is withheld and P is given in "
            "bands, since an exact statistic could let a suppressed cell be worked out."
        )
    table = Table(f"table-{number}", number, title, [head], bodies, notes)
    table.slug = slug
    table.group_column = "Indicator"
    _finish(table, plan)
    return table


def tables_2_and_3(result, instrument: Instrument, plan: Plan) -> tuple[Table, Table]:
    two = [i for i in result.indicators if indicator_table_of(instrument, i.id) == "2"]
    three = [i for i in result.indicators if indicator_table_of(instrument, i.id) == "3"]
    group = group_title(result).lower()
    return (
        indicator_table(
            "2",
            f"Training, contact with trafficked patients and interest in training, overall and by {group}",
            "table-2-training-contact",
            two,
            result,
            plan,
        ),
        indicator_table(
            "3",
            f"Knowledge and confidence, overall and by {group}",
            "table-3-knowledge-confidence",
            three,
            result,
            plan,
        ),
    )


# -- Table 4 ----------------------------------------------------------------------------------


DELETION = {
    "pairwise": "everyone who answered at least one of the scale's items, each covariance from "
    "those who answered both items",
    "listwise": "only those who answered every item of the scale",
}


def table_4a(result, instrument: Instrument, plan: Plan) -> Table:
    head = [
        th("Scale"),
        th("Items"),
        th("n"),
        th("Mean (SD)"),
        th("n for α"),
        th("Cronbach's α"),
        th(ci_head(result)),
        th("Standardised α"),
        th("ω total"),
    ]
    missing = result.settings.missing
    rows = []
    notes = []
    for s in result.scales:
        rel = s.reliability
        alpha = rel.raw_alpha
        alpha_n = rel.n if alpha is not None else None
        hidden = 0 < s.n < plan.min_cell
        hidden_alpha = hidden or (alpha_n is not None and 0 < alpha_n < plan.min_cell)
        feldt = rel.feldt
        mean = fmt.DASH if s.mean is None else f"{fmt.num(s.mean)} ({fmt.num(s.sd)})"
        rows.append(
            [
                th(s.label, "row"),
                count_cell(rel.n_items or len(instrument.scale(s.id).items)),
                count_cell(s.n, hidden),
                text_cell(mean, hidden),
                count_cell(alpha_n, hidden_alpha),
                num_cell(fmt.num(alpha, 3), alpha, hidden_alpha, "0.000"),
                text_cell(
                    fmt.interval(feldt and feldt.lower, feldt and feldt.upper, 3), hidden_alpha
                ),
                num_cell(fmt.num(rel.std_alpha, 3), rel.std_alpha, hidden_alpha, "0.000"),
                num_cell(fmt.num(s.omega_total, 3), s.omega_total, hidden_alpha, "0.000"),
            ]
        )
        scale = instrument.scale(s.id)
        scoring = f"{s.label}: {scale.description}" if scale.description else None
        if scoring:
            notes.append(scoring)
        if rel.note:
            why = safe_warning(result, rel.note, plan.min_cell, instrument=instrument)
            notes.append(f"{s.label}: {why}")
    conv = result.conventions
    if conv.get("scale_scores"):
        notes.append(
            f"Mean (SD): {conv['scale_scores']}. Not design-based: "
            "α, its interval and ω, which are of the respondents, unweighted."
        )
    notes.append(
        f"Reliability: {conv.get('reliability', '')}. n: respondents with a scale score; the "
        f"mean and SD are of the scale score. n for α: the respondents α, its interval and ω "
        f"were computed on, with {missing} deletion of missing answers "
        f"({DELETION.get(missing, missing)})."
    )
    table = Table("table-4a", "4a", "Reliability of each scale", [head], [Body(rows)], notes)
    table.slug = "table-4a-reliability"
    _finish(table, plan)
    return table


def table_4b(result, instrument: Instrument, plan: Plan) -> Table:
    head = [
        th("Item"),
        th("Statement"),
        th("n"),
        th("Mean"),
        th("SD"),
        th("Item-rest r (r.drop)"),
        th("α if dropped"),
    ]
    bodies = []
    for s in result.scales:
        rows = []
        for it in s.items:
            try:
                text = instrument.item(it["item"]).text
            except KeyError:
                text = it["item"]
            hidden = 0 < it["n"] < plan.min_cell
            rows.append(
                [
                    th(it["item"] + (" (reversed)" if it.get("reversed") else ""), "row"),
                    Cell(text),
                    count_cell(it["n"], hidden),
                    num_cell(fmt.num(it["mean"]), it["mean"], hidden, "0.00"),
                    num_cell(fmt.num(it["sd"]), it["sd"], hidden, "0.00"),
                    num_cell(fmt.num(it["r_drop"]), it["r_drop"], hidden, "0.00"),
                    num_cell(
                        fmt.num(it["alpha_if_dropped"], 3), it["alpha_if_dropped"], hidden, "0.000"
                    ),
                ]
            )
        if rows:
            bodies.append(Body(rows, s.label, s.id))
    notes = [
        "Item scores: Likert items score their point (1 to 5); knowledge items score 1 when "
        "correct and 0 when wrong or 'don't know', so their mean is the proportion correct. "
        "Item-rest r: correlation of the item with the sum of the other items (psych's r.drop)."
    ]
    table = Table("table-4b", "4b", "Item statistics", [head], bodies, notes)
    table.slug = "table-4b-item-statistics"
    table.group_column = "Scale"
    _finish(table, plan)
    return table


def table_4c(result, plan: Plan) -> Table | None:
    corr = result.correlations
    if not corr or not corr.pairs:
        return None
    labels = {s.id: s.label for s in result.scales}
    head = [
        th("Scales"),
        th("r"),
        th(ci_head(result)),
        th("n"),
        th("P"),
        th("Corrected for attenuation"),
    ]
    rows = []
    for p in corr.pairs:
        hidden = 0 < p.n < plan.min_cell
        rows.append(
            [
                th(f"{labels.get(p.x, p.x)} and {labels.get(p.y, p.y)}", "row"),
                num_cell(fmt.num(p.r), p.r, hidden, "0.00"),
                text_cell(fmt.interval(p.lower, p.upper, 2), hidden),
                count_cell(p.n, hidden),
                text_cell(fmt.p_value(p.p_value), hidden),
                num_cell(fmt.num(p.r_disattenuated), p.r_disattenuated, hidden, "0.00"),
            ]
        )
    table = Table(
        "table-4c",
        "4c",
        "Correlations between scale scores",
        [head],
        [Body(rows)],
        [sentence(corr.method) + "."],
    )
    table.slug = "table-4c-correlations"
    _finish(table, plan)
    return table


# -- Table 5 ----------------------------------------------------------------------------------


def regression_title(outcome: str) -> str:
    """Table 5's title: the shipped survey's, or the declared outcome's."""
    if outcome == "contact_ever":
        return "Odds of having had contact with a trafficked patient: logistic regression"
    return f"Odds of {outcome.replace('_', ' ')} (yes vs no): logistic regression"


def regression_subject(outcome: str) -> str:
    """What Table 5's section is about: "having had contact" for the shipped survey's outcome,
    else the declared outcome's name."""
    return "having had contact" if outcome == "contact_ever" else outcome.replace("_", " ")


def table_5(result, plan: Plan) -> Table | None:
    reg = result.regression
    if not reg:
        return None
    head = [th("Term"), th("Odds ratio"), th(ci_head(result)), th("P")]
    rows = []
    notes = []
    if not reg.fitted:
        return None  # the report says why in words (see html.regression_note)
    else:
        groups = list(result.groups)
        reference = reg.reference.get("discipline")
        ref_hidden = (
            reference in groups
            and result.group_by == "discipline"
            and plan.group_hidden(groups, reference)
        )
        for factor, level in reg.reference.items():  # discipline's, and any declared factor's
            rows.append(
                [
                    th(f"{factor}: {level} (reference)", "row"),
                    text_cell("1"),
                    text_cell(fmt.DASH),
                    text_cell(fmt.DASH),
                ]
            )
        for t in reg.terms:
            hidden = False
            if t.label.startswith("discipline: ") and result.group_by == "discipline":
                level = t.label.removeprefix("discipline: ")
                hidden = ref_hidden or (level in groups and plan.group_hidden(groups, level))
            rows.append(
                [
                    th(t.label, "row"),
                    num_cell(fmt.num(t.odds_ratio), t.odds_ratio, hidden, "0.00"),
                    text_cell(fmt.interval(t.lower, t.upper, 2), hidden),
                    text_cell(fmt.p_value(t.p_value), hidden),
                ]
            )
        notes.append(
            f"Logistic regression: {reg.model}; n = {reg.n} respondents with every "
            f"variable ({reg.n_dropped} left out for a missing answer). {sentence(reg.errors)}; "
            f"{reg.method}."
        )
    table = Table(
        "table-5",
        "5",
        regression_title(reg.outcome),
        [head],
        [Body(rows)],
        notes,
    )
    table.slug = "table-5-regression"
    _finish(table, plan)
    return table


def _finish(table: Table, plan: Plan) -> None:
    for row in table.head:  # headers of numeric columns align with their numbers
        for c in row[1:]:
            c.numeric = c.text not in TEXT_COLUMNS
    table.hidden_any = any(c.hidden for b in table.bodies for r in b.rows for c in r)
    if table.hidden_any:
        table.notes.append(footnote(plan.min_cell))


def build_tables(result, instrument: Instrument, plan: Plan) -> list[Table]:
    """Tables 1 to 5 of the report, in order (4c and 5 only where the result has them)."""
    two, three = tables_2_and_3(result, instrument, plan)
    tables = [
        table_1(result, plan),
        two,
        three,
        table_4a(result, instrument, plan),
        table_4b(result, instrument, plan),
        table_4c(result, plan),
        table_5(result, plan),
    ]
    return [t for t in tables if t is not None and (t.bodies and any(b.rows for b in t.bodies))]


__all__ = ["build_tables", "group_title", "indicator_table_of"]
