"""The report's prose, written from the result and the settings actually used: the methods
paragraphs, the summary of key figures and the definitions of the indicators."""

from __future__ import annotations

from datetime import date

from readiness import __version__
from readiness.instrument.model import UNASKED_TYPES, Instrument
from readiness.report import format as fmt
from readiness.report.model import Body, Cell, Table
from readiness.report.suppression import SYMBOL, Plan, is_small
from readiness.report.tables import group_title, sentence


def _long_date(value: str | date) -> str:
    try:
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{d.day} {d.strftime('%B %Y')}"


def fieldwork_dates(result) -> tuple[str, str] | None:
    """First and last session dates, where the sessions file gave dates."""
    sessions = {} if result.response_rate is None else result.response_rate.by_session
    dates = sorted(s.date for s in sessions.values() if s.date)
    if not dates:
        return None
    return _long_date(dates[0]), _long_date(dates[-1])


def sites_and_sessions(result) -> tuple[int | None, int | None]:
    rate = result.response_rate
    sites = len((rate.by_site if rate is not None else None) or {}) or None
    if sites is None and "site" in result.characteristics:
        sites = len(result.characteristics["site"].categories) or None
    sessions = len(rate.by_session if rate is not None else {}) or None
    return sites, sessions


# long: the Methods paragraphs in the order they are printed
def methods(result, instrument: Instrument, plan: Plan, hidden_cells: int) -> list[str]:
    settings = result.settings
    group = group_title(result).lower()
    n_items = sum(1 for i in instrument.items if not i.hidden and i.type not in UNASKED_TYPES)
    out = [
        f"Staff completed the questionnaire “{instrument.title}” ({instrument.id}, version "
        f"{instrument.version}): {n_items} questions in {len(instrument.sections)} sections, "
        f"from which {len(instrument.scales)} scales and {len(instrument.indicators)} "
        "indicators are scored as the instrument defines them (Appendix A)."
    ]
    rate = result.response_rate
    sites, sessions = sites_and_sessions(result)
    if rate:
        o = rate.overall
        dates = fieldwork_dates(result)
        where = f" at {sessions} sessions" if sessions else ""
        where += f" at {sites} sites" if sites else ""
        when = f" between {dates[0]} and {dates[1]}" if dates else ""
        if not o.attended:
            how = f"no response rate: {fmt.NO_ATTENDANCE}"
        elif fmt.above_attendance(o):
            how = f"a response rate above 100% ({fmt.pct(o.percent)}%: {fmt.ABOVE_ATTENDANCE})"
        else:
            how = (
                f"a response rate of {fmt.pct(o.percent)}% ({fmt.ci(settings.conf_level)} "
                f"{fmt.interval(o.lower, o.upper)}; "
                f"{rate.method})"
            )
        out.append(
            f"The questionnaire was handed out{where}{when}; {o.responded} of the "
            f"{o.attended} staff attending returned it, {how}."
        )
    else:
        out.append(
            f"{result.n} responses were analysed. No attendance figures were given, so no "
            "response rate is reported."
        )
    level = fmt.level(settings.conf_level).removesuffix("%")
    if settings.design_based:
        design = (
            f"Estimates are design-based, {settings.design_clause()}: "
            f"linearised standard errors, logit {level}% intervals on the design's degrees of "
            f"freedom, and the Rao-Scott F test for differences across {group}s (as R's "
            "survey package: svyciprop, svychisq)."
            + (
                " With a finite population correction at every stage, the variance is the "
                "survey package's multistage estimator, in the estimates, the tests and the "
                "regression alike."
                if len(settings.cluster_columns) > 1 and settings.fpc_columns
                else ""
            )
            + _weighting_methods(result)
        ) + (
            " Counts (n and N) are of respondents, unweighted; percentages and intervals are "
            "weighted."
            if settings.weighted
            else ""
        )
    else:
        interval = fmt.INTERVAL_NAMES.get(settings.interval, settings.interval)
        design = (
            f"Respondents are treated as a simple random sample (no allowance is made for "
            f"clustering by site). Intervals are {level}% {interval} intervals; differences "
            f"across {group}s are tested with Pearson's chi-square test without continuity "
            "correction, or Fisher's exact test where an expected count is below 5."
        )
    out.append(
        "Each indicator is the percentage of respondents who answered the question: missing "
        f"answers are excluded from the denominator, not imputed. {design}"
    )
    out.append(
        "Scale scores are the mean (or, for the knowledge scale, the prorated sum) of the "
        "answered items when enough are answered. Internal consistency is Cronbach's alpha as "
        f"R's psych::alpha with {settings.missing} deletion of missing answers and a Feldt "
        f"interval ({_alpha_n(settings)}), and omega total from a one-factor model "
        "(psych::omega). Scale scores are correlated (Pearson, pairwise), also corrected for "
        "attenuation."
        + (
            f" With the survey design, the scale means, SDs and medians are "
            f"{'weighted and ' if settings.weighted else ''}design-based (R's survey package: "
            "svymean, svyvar, svyquantile); alpha, omega and the correlations are not: they "
            "describe how the items and scales hang together among the respondents, who are "
            "treated as independent, and are unweighted."
            if settings.design_based
            else ""
        )
        + _regression_sentence(result.regression, group)
    )
    privacy = (
        f"To protect respondents, no count of 1 to {plan.min_cell - 1} is shown, nor any "
        "percentage, interval, bar or total from which one could be worked out: such cells "
        f"are marked {SYMBOL}. Where a total would reveal a hidden cell, a further cell is "
        "hidden; a group hidden in one table is hidden in all of them and in the figures. "
    )
    if plan.min_cell <= 1:
        privacy = "Small cells are not suppressed in this report (threshold set to 1). "
    elif hidden_cells:
        privacy += f"{hidden_cells} table cells are hidden in this report."
    else:
        privacy += "No cell needed hiding in this report."
    out.append(privacy)
    out.append(
        f"Analysis and report by Readiness {__version__}, whose statistics are checked against "
        "R's reference implementations (psych, survey)."
    )
    return out


def _alpha_n(settings) -> str:
    """What alpha's n counts, as psych::alpha counts it."""
    if settings.missing == "pairwise":
        return (
            "its n counts every respondent, those who answered none of the scale's items "
            "included, as psych does; this changes only the interval"
        )
    return "its n counts the respondents who answered every item of the scale"


def _staff(count: float) -> str:
    return str(int(count)) if float(count).is_integer() else f"{count:g}"


def _weighting_methods(result) -> str:
    """The weighting to staff counts in a sentence or two: the method, the file, the margins
    (each level's count, or for a crossed table the number of cells) and how their levels were
    given."""
    w = getattr(result, "weighting", None)
    if not w:
        return ""
    margins = []
    for m in w["margins"]:
        if len(m["variables"]) == 1:
            cells = ", ".join(
                f"{level} {_staff(count)}"
                for level, count in zip(m["levels"], m["population"], strict=True)
            )
            margins.append(f"{m['variables'][0]}: {cells}")
        else:
            margins.append(
                f"{' by '.join(m['variables'])}: {len(m['levels'])} cells, "
                f"{_staff(sum(m['population']))} staff in all"
            )
    return (
        f" Weighting to the workforce (R's {w['r_function']}): {w['description']}. The staff "
        f"counts come from {w['file']}: {'; '.join(margins)} ({w['levels_words']}). Standard "
        "errors come from the residuals of the weighting, as in R's survey package."
    )


def summary(result, plan: Plan) -> list[str]:
    """Key figures, one sentence each, with suppression applied."""
    out = []
    rate = result.response_rate
    if rate:
        o = rate.overall
        if plan.response_overall:
            out.append(f"Response: {SYMBOL} of {o.attended} staff attending.")
        elif not o.attended:
            out.append(f"Response: {o.responded} responses; {fmt.NO_ATTENDANCE}.")
        elif fmt.above_attendance(o):
            out.append(
                f"Response: {o.responded} of {o.attended} staff attending "
                f"({fmt.pct(o.percent)}%, above 100%: {fmt.ABOVE_ATTENDANCE})."
            )
        else:
            out.append(
                f"Response: {o.responded} of {o.attended} staff attending "
                f"({fmt.pct(o.percent)}%; {fmt.ci(result.settings.conf_level)} "
                f"{fmt.interval(o.lower, o.upper)})."
            )
    else:
        out.append(f"{result.n} respondents.")
    for ind in result.indicators:
        o = ind.overall
        if plan.indicators[ind.id].overall_count:
            out.append(f"{SYMBOL} {ind.label}.")
        elif o.percent is None:
            out.append(f"Nobody answered: {ind.label}.")
        else:
            out.append(f"{fmt.pct(o.percent)}% ({o.count} of {o.n}) {ind.label}.")
    alphas = []
    for s in result.scales:
        rel = s.reliability
        if rel.raw_alpha is None:
            continue
        n = rel.n
        hidden = is_small(s.n, plan.min_cell) or is_small(n, plan.min_cell)  # as Table 4a
        shown = SYMBOL if hidden else f"{fmt.num(rel.raw_alpha)} (n = {fmt.count(n)})"
        alphas.append(f"{s.label.lower()} {shown}")
    if alphas:
        out.append(
            f"Internal consistency (Cronbach's α, {result.settings.missing} deletion of "
            f"missing answers; Table 4a): {', '.join(alphas)}."
        )
    return out


def describe_rule(instrument: Instrument, indicator) -> str:
    """The indicator's rule in words."""
    rule = indicator.rule
    if indicator.scale is not None:
        scale = instrument.scale(indicator.scale)
        words = {"gt": "above", "ge": "at least", "lt": "below", "le": "at most"}
        return f"{scale.label} score {words.get(rule.kind, rule.kind)} {rule.value:g}"
    item = instrument.item(indicator.item)
    quoted = f"“{item.text}”"
    labels = [c.label for c in item.choices]
    if rule.kind in ("bottom", "top"):
        ordered = sorted(item.choices, key=lambda c: float(c.code))
        picked = ordered[: rule.value] if rule.kind == "bottom" else ordered[-rule.value :]
        return f"answered {_or([c.label for c in picked])} to {quoted}"
    if rule.kind == "in":
        chosen = [item.label_for(v) or str(v) for v in rule.value]
        return f"answered {_or(chosen)} to {quoted}"
    if rule.kind in ("correct", "incorrect"):
        right = "True" if item.key else "False"
        if rule.kind == "correct":
            return f"answered {right} (correct) to {quoted}"
        wrong = [label for label in labels if label != right]
        return f"did not answer {right} (the correct answer) to {quoted}: answered {_or(wrong)}"
    if rule.kind == "selected":
        return f"selected “{item.label_for(rule.value) or rule.value}” at {quoted}"
    words = {"gt": "more than", "ge": "at least", "lt": "less than", "le": "at most"}
    return f"answered {words.get(rule.kind, rule.kind)} {rule.value} to {quoted}"


def _or(words: list[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def definitions_table(instrument: Instrument) -> Table:
    head = [
        Cell("Indicator", header=True, scope="col"),
        Cell("Counted when the respondent", header=True, scope="col"),
        Cell("Denominator", header=True, scope="col"),
    ]
    rows = []
    for ind in instrument.indicators:
        denominator = (
            "respondents who answered"
            if ind.missing == "exclude"
            else "all respondents (no answer counts as not having it)"
        )
        rows.append(
            [
                Cell(sentence(ind.label), header=True, scope="row"),
                Cell(describe_rule(instrument, ind)),
                Cell(denominator),
            ]
        )
    table = Table(
        "table-a1",
        "A1",
        "How each indicator is defined",
        [head],
        [Body(rows)],
        [f"Indicator ids, in order: {', '.join(i.id for i in instrument.indicators)}."],
    )
    table.slug = "table-a1-indicator-definitions"
    return table


__all__ = ["definitions_table", "describe_rule", "fieldwork_dates", "methods", "summary"]


def _regression_sentence(reg, group: str) -> str:
    """The methods' sentence on the regression: the shipped survey's in its words, a declared
    one by its outcome and predictors (empty when none was fitted)."""
    if not reg or not reg.fitted:
        return ""
    if reg.outcome == "contact_ever":
        return (
            " Contact with a trafficked patient is modelled by logistic regression on "
            f"{group}, prior training and years since qualifying (complete cases)."
        )
    predictors = reg.model.split("~", 1)[1].strip().replace(" + ", ", ")
    outcome = reg.outcome.replace("_", " ")
    return (
        f" {outcome[:1].upper()}{outcome[1:]} is modelled by logistic regression on "
        f"{predictors} (complete cases)."
    )
