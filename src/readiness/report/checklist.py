"""The CROSS reporting checklist, filled from the data where it can be.

CROSS: Consensus-Based Checklist for Reporting of Survey Studies (Sharma A, Minh Duc NT, Luu Lam
Thang T, et al. J Gen Intern Med 2021;36(10):3179-3187, doi:10.1007/s11606-021-06737-1): 40
items in 19 sections.  The recommendations below are short paraphrases; consult the paper for
the full wording.  Each item is marked

* ``data``: filled from the data and settings of this report;
* ``partly``: partly filled; the author completes it;
* ``author``: the author must supply it (it is not in the data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readiness import __version__
from readiness.instrument.model import UNASKED_TYPES, Instrument
from readiness.report import format as fmt
from readiness.report.model import Body, Cell, Table
from readiness.report.tables import group_title
from readiness.report.text import fieldwork_dates, sites_and_sessions

if TYPE_CHECKING:
    from readiness.analysis.survey import ResponseRate

CITATION = (
    "Sharma A, Minh Duc NT, Luu Lam Thang T, et al. A Consensus-Based Checklist for Reporting "
    "of Survey Studies (CROSS). J Gen Intern Med 2021;36(10):3179-3187. "
    "doi:10.1007/s11606-021-06737-1"
)

STATUS = {
    "data": "From the data",
    "partly": "Partly from the data: complete it",
    "author": "Author to supply",
}

# (item, section, recommendation)
ITEMS = [
    ("1a", "Title and abstract", "Say 'survey' and the design in the title or abstract."),
    ("1b", "Title and abstract", "Give a structured summary in the abstract."),
    ("2", "Introduction", "Background: what is known and what the study adds."),
    ("3", "Introduction", "The purpose, aims or objectives."),
    ("4", "Methods: design", "The study design, in a commonly used term."),
    (
        "5a",
        "Methods: data collection",
        "Describe the questionnaire: sections, questions, instruments.",
    ),
    (
        "5b",
        "Methods: data collection",
        "Describe each instrument: population, validity, reliability, scoring.",
    ),
    ("5c", "Methods: data collection", "Any pretesting of the questionnaire."),
    ("5d", "Methods: data collection", "Provide the questionnaire, if possible."),
    ("6a", "Methods: sample", "The study population, locations and eligibility."),
    ("6b", "Methods: sample", "The sampling technique (and locations, for cluster sampling)."),
    ("6c", "Methods: sample", "The sample size and how it was calculated."),
    ("6d", "Methods: sample", "How representative the sample is of the population."),
    ("7a", "Methods: administration", "Mode of administration, contacts and where it took place."),
    ("7b", "Methods: administration", "The time frame of the survey."),
    (
        "7c",
        "Methods: administration",
        "Data entry: guarding against entry errors and multiple participation.",
    ),
    ("8", "Methods: preparation", "Preparation before the survey (e.g. training, advertising)."),
    ("9a", "Methods: ethics", "Ethical approval and informed consent."),
    ("9b", "Methods: ethics", "Anonymity, confidentiality and protection of the data."),
    ("10a", "Methods: analysis", "The statistical methods and the software used."),
    ("10b", "Methods: analysis", "Any modification of variables for the analysis."),
    ("10c", "Methods: analysis", "How missing data were handled, and how much was missing."),
    ("10d", "Methods: analysis", "How non-response error was addressed."),
    ("10e", "Methods: analysis", "For longitudinal surveys, how loss to follow-up was addressed."),
    ("10f", "Methods: analysis", "Any weighting or other adjustment for non-representativeness."),
    ("10g", "Methods: analysis", "Any sensitivity analyses."),
    ("11a", "Results: respondents", "The numbers at each stage of the study."),
    ("11b", "Results: respondents", "Reasons for non-participation at each stage."),
    ("11c", "Results: respondents", "The response rate and how it was calculated."),
    (
        "11d",
        "Results: respondents",
        "For web surveys, how unique visitors were counted, and the view, participation and completion rates.",
    ),
    ("12", "Results: descriptive", "The characteristics of the participants."),
    (
        "13a",
        "Results: main findings",
        "Unadjusted (and adjusted) estimates with 95% CIs and P values.",
    ),
    (
        "13b",
        "Results: main findings",
        "For multivariable analysis: model building, fit and assumptions.",
    ),
    (
        "13c",
        "Results: main findings",
        "Sensitivity analyses, e.g. complete cases against imputed data.",
    ),
    ("14", "Discussion", "Limitations: sources of bias and imprecision."),
    ("15", "Discussion", "A cautious interpretation, and further research."),
    ("16", "Discussion", "Generalisability of the results."),
    ("17", "Other", "The role of the funder."),
    ("18", "Other", "Conflicts of interest."),
    ("19", "Other", "Acknowledgements."),
]


def _fills(result, instrument: Instrument, min_cell: int) -> dict[str, tuple[str, str]]:
    """What the report can say for each checklist item: (status, text), by item number."""
    return {
        **_design_fills(result, instrument),
        **_sample_fills(result),
        **_collection_fills(result, min_cell),
        **_analysis_fills(result),
        **_results_fills(result),
    }


def _asked_types(instrument: Instrument) -> dict[str, int]:
    """How many questions of each type (notes and calculations are no questions)."""
    types: dict[str, int] = {}
    for item in instrument.items:
        if not item.hidden and item.type not in UNASKED_TYPES:
            types[item.type.replace("_", " ")] = types.get(item.type.replace("_", " "), 0) + 1
    return types


def _design_fills(result, instrument: Instrument) -> dict[str, tuple[str, str]]:
    """Items 4 and 5: the design and the instrument."""
    n_items = sum(1 for i in instrument.items if not i.hidden and i.type not in UNASKED_TYPES)
    type_text = ", ".join(f"{n} {t}" for t, n in _asked_types(instrument).items())
    scales = "; ".join(
        f"{s.label} ({len(s.items)} items, {s.scoring}; α = {fmt.num(r.reliability.raw_alpha)})"
        for s, r in zip(instrument.scales, result.scales, strict=False)
    )
    return {
        "4": (
            "partly",
            f"Cross-sectional survey with a self-completed questionnaire ({instrument.id} "
            f"version {instrument.version}). Confirm the design in the paper's own words.",
        ),
        "5a": (
            "data",
            f"{n_items} questions in {len(instrument.sections)} sections ({type_text}); "
            f"{len(instrument.scales)} scales and {len(instrument.indicators)} indicators "
            "(Methods, Appendix A).",
        ),
        "5b": (
            "partly",
            (
                f"Scales: {scales}; reliability in this sample in Table 4a. "
                if scales
                else "No scales. "
            )
            + (f"{instrument.notice} " if instrument.notice else "")
            + "Add the target population and published validity evidence.",
        ),
        "5d": (
            "partly",
            f"The instrument is data: `readiness instrument codebook {instrument.id}` writes the "
            "full wording as Markdown or CSV for a supplement.",
        ),
    }


def _sample_fills(result) -> dict[str, tuple[str, str]]:
    """Item 6: the sample."""
    settings = result.settings
    sites, _ = sites_and_sessions(result)
    return {
        "6a": (
            "partly",
            (f"{sites} sites. " if sites else "")
            + "Describe the population, eligibility and exclusions.",
        ),
        "6b": (
            "partly",
            (
                f"Analysed with its survey design, {settings.design_clause()}. "
                if settings.design_based
                else "Analysed as a simple random sample (no clustering allowed for). "
            )
            + "Describe how sites and sessions were chosen.",
        ),
        "6c": ("partly", f"{result.n} respondents. Give the sample size calculation."),
        "6d": (
            "partly",
            "Respondents' characteristics in Table 1. Compare them with the staff population.",
        ),
    }


def _collection_fills(result, min_cell: int) -> dict[str, tuple[str, str]]:
    """Items 7 and 9b: how the data were collected and protected."""
    sites, sessions = sites_and_sessions(result)
    dates = fieldwork_dates(result)
    return {
        "7a": (
            "partly",
            (
                f"Questionnaire handed out at {sessions} sessions"
                + (f" at {sites} sites" if sites else "")
                + ". "
                if sessions
                else ""
            )
            + "Describe the mode (paper, web) and contacts.",
        ),
        "7b": (
            ("data", f"Sessions from {dates[0]} to {dates[1]}.")
            if dates
            else ("author", "Give the period of data collection.")
        ),
        "7c": (
            "partly",
            "Responses were validated against the instrument (codes, ranges, conditions) when "
            "read; the web survey stores no name, e-mail or IP address. Describe data entry and "
            "how multiple participation was prevented.",
        ),
        "9b": (
            "partly",
            "The questionnaire asks for no name or contact details; in this report no count of "
            f"1 to {min_cell - 1} is shown (small-cell suppression). Describe data protection.",
        ),
    }


def _missing_text(result) -> str:
    missing = [d.missing / d.shown for d in getattr(result, "items", []) or [] if d.shown]
    if not missing:
        return ""
    return (
        f"Item non-response among those shown each closed item: "
        f"{100 * min(missing):.1f}% to {100 * max(missing):.1f}%. "
    )


def _analysis_fills(result) -> dict[str, tuple[str, str]]:
    """Item 10: the analysis."""
    settings = result.settings
    return {
        "10a": (
            "data",
            f"Methods section; Readiness {__version__} (statistics checked against R's psych and "
            "survey packages).",
        ),
        "10b": ("data", "Indicators and scale scores as defined in Appendix A and Table 4b."),
        "10c": (
            "partly",
            "Missing answers excluded from each denominator, not imputed; reliability with "
            f"{settings.missing} deletion. {_missing_text(result)}State the assumed "
            "missing-data mechanism.",
        ),
        "10d": (
            "partly",
            "Response rate reported (Table 1). Say how non-response error was addressed.",
        ),
        "10e": ("data", "Not applicable: a cross-sectional survey."),
        "10f": (
            "data",
            (
                f"Weights: {settings.weights}."
                if settings.weights
                else "Weights from the finite population correction (population over sample)."
                if settings.weighted
                else "No weighting was applied."
            )
            + (
                " Reliability (alpha, omega) and the correlations between scales are unweighted."
                if settings.weighted
                else ""
            ),
        ),
    }


def _results_fills(result) -> dict[str, tuple[str, str]]:
    """Items 11 to 13: respondents and results."""
    settings = result.settings
    rate = result.response_rate
    group = group_title(result).lower()
    return {
        "11c": (
            ("data", _rate_text(rate))
            if rate
            else ("author", "Give the number invited and the response rate.")
        ),
        "11a": (
            ("data", _rate_text(rate).split(";")[0] + ".")
            if rate
            else ("partly", f"{result.n} respondents analysed. Give the numbers at each stage.")
        ),
        "12": ("data", "Table 1."),
        "13a": (
            "data",
            f"Tables 2 and 3 (percentages with {fmt.level(settings.conf_level)} CIs and tests "
            f"across {group}s); Figures 1 "
            "and 2.",
        ),
        "13b": (
            (
                "partly",
                "Table 5: model, number of respondents and standard errors. Describe model building and fit.",
            )
            if result.regression and result.regression.fitted
            else ("author", "Describe any multivariable analysis.")
        ),
    }


def _rate_text(rate: ResponseRate) -> str:
    o = rate.overall
    return (
        f"{o.attended} staff attended the sessions and {o.responded} returned a "
        f"questionnaire; response rate {fmt.pct(o.percent)}% = respondents / staff attending "
        "(Table 1)."
    )


def checklist_table(result, instrument: Instrument, min_cell: int) -> Table:
    fills = _fills(result, instrument, min_cell)
    head = [
        Cell("Item", header=True, scope="col"),
        Cell("Recommendation", header=True, scope="col"),
        Cell("In this report", header=True, scope="col"),
        Cell("Status", header=True, scope="col"),
    ]
    bodies: list[Body] = []
    current: Body | None = None
    for number, section, text in ITEMS:
        status, filled = fills.get(number, ("author", ""))
        row = [
            Cell(number, header=True, scope="row"),
            Cell(text),
            Cell(filled),
            Cell(STATUS[status], value=STATUS[status], cls=f"status-{status}"),
        ]
        if current is None or current.label != section:
            current = Body([], section, f"cross-{number}")
            bodies.append(current)
        current.rows.append(row)
    table = Table(
        "table-b1",
        "B1",
        "CROSS reporting checklist for survey studies",
        [head],
        bodies,
        [f"Checklist: {CITATION}. Recommendations paraphrased."],
    )
    table.slug = "table-b1-cross-checklist"
    table.group_column = "Section"
    return table


def counts(table: Table) -> dict[str, int]:
    out = {label: 0 for label in STATUS.values()}
    for body in table.bodies:
        for row in body.rows:
            out[row[-1].text] += 1
    return out


__all__ = ["CITATION", "ITEMS", "checklist_table", "counts"]
