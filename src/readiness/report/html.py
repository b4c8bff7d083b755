"""The study report as one self-contained HTML document (inline CSS and SVG, no request to any
other host), from which the PDF is printed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from readiness import __version__
from readiness.instrument.model import UNASKED_TYPES, Instrument
from readiness.report import format as fmt
from readiness.report.checklist import checklist_table
from readiness.report.checklist import counts as checklist_counts
from readiness.report.model import Table
from readiness.report.published import citations, comparison_table
from readiness.report.questions import questions_table
from readiness.report.suppression import DEFAULT_MIN_CELL, plan_for, safe_warning
from readiness.report.tables import build_tables, group_title, regression_subject
from readiness.report.template import CSS, SYNTHETIC_PAGE_CSS, TEMPLATE
from readiness.report.text import definitions_table, fieldwork_dates, methods, sites_and_sessions
from readiness.report.text import summary as summary_lines

SOURCE_LABELS = {
    "responses": "Data",
    "sessions": "Sessions",
    "fieldwork": "Fieldwork",
    "organisation": "Organisation",
    "study": "Study",
    "produced": "Produced",
}


def _environment():
    import jinja2

    return jinja2.Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False)


def _meta(result, instrument: Instrument, source: dict, min_cell: int) -> list[tuple[str, str]]:
    source = dict(source or {})
    items = sum(1 for i in instrument.items if not i.hidden and i.type not in UNASKED_TYPES)
    meta = []
    if source.get("study"):
        meta.append(("Study", str(source.pop("study"))))
    if source.get("organisation"):
        meta.append(("Organisation", str(source.pop("organisation"))))
    meta.append(
        (
            "Instrument",
            f"{instrument.title} ({instrument.id}, version {instrument.version}; {items} "
            f"questions in {len(instrument.sections)} sections)",
        )
    )
    data = f"{result.n} responses" + (" (SYNTHETIC)" if result.synthetic else "")
    if source.get("responses"):
        data = f"{Path(str(source.pop('responses'))).name}: {data}"
    meta.append(("Data", data))
    sites, sessions = sites_and_sessions(result)
    if source.get("sessions") or sessions:
        text = ""
        if source.get("sessions"):
            text = f"{Path(str(source.pop('sessions'))).name}: "
        if sessions:
            text += f"{sessions} sessions" + (f" at {sites} sites" if sites else "")
        meta.append(("Sessions", text.rstrip(": ")))
    dates = fieldwork_dates(result)
    if source.get("fieldwork"):
        meta.append(("Fieldwork", str(source.pop("fieldwork"))))
    elif dates:
        meta.append(("Fieldwork", f"{dates[0]} to {dates[1]}"))
    settings = result.settings
    design = settings.design_words() if settings.design_based else "simple random sample"
    meta.append(
        (
            "Analysis",
            f"by {group_title(result).lower()}; {design}; small cells (1 to {min_cell - 1}) "
            "suppressed"
            if min_cell > 1
            else f"by {group_title(result).lower()}; {design}; no suppression",
        )
    )
    produced = source.pop("produced", None) or date.today().isoformat()
    meta.append(("Produced", f"{produced}, Readiness {__version__}"))
    for key, value in source.items():
        if value is None or key == "title":
            continue
        meta.append((SOURCE_LABELS.get(key, key.replace("_", " ").capitalize()), str(value)))
    return meta


def regression_outcome(instrument: Instrument) -> str:
    """The outcome of the instrument's regression (declared, else the analysis's default)."""
    from readiness.analysis.declared import analysis_plan

    plan = analysis_plan(instrument).regression
    return plan.outcome if plan is not None else "contact_ever"


def regression_note(result, min_cell: int, outcome: str = "contact_ever") -> str | None:
    """Why the regression is missing, fit to print (None when it was fitted or not asked for)."""
    reg = result.regression
    if not reg or reg.fitted:
        return None
    detail = safe_warning(result, f"why: {reg.note}", min_cell).removeprefix("why: ")
    subject = "contact" if outcome == "contact_ever" else outcome.replace("_", " ")
    return f"The logistic regression of {subject} could not be fitted ({detail.rstrip('.')})."


def report_tables(
    result, instrument: Instrument, *, min_cell: int = DEFAULT_MIN_CELL, compare_published=False
) -> tuple[dict[str, Table], dict]:
    """Every table of the report by number, and the pieces of text that go with them."""
    plan = plan_for(result, min_cell)
    tables = {t.number: t for t in build_tables(result, instrument, plan)}
    extra: dict = {"plan": plan}
    if compare_published:
        table, remarks = comparison_table(result, instrument, plan)
        if any(body.rows for body in table.bodies):
            tables["6"] = table
        extra["published_remarks"] = remarks
    questions = questions_table(result, min_cell)
    if questions is not None:
        tables["7"] = questions
    tables["A1"] = definitions_table(instrument)
    tables["B1"] = checklist_table(result, instrument, min_cell)
    return tables, extra


def render_html(
    result,
    *,
    instrument: Instrument,
    min_cell: int = DEFAULT_MIN_CELL,
    compare_published: bool = False,
    source: dict | None = None,
) -> str:
    """The study report of ``result`` as a self-contained HTML document.

    ``instrument`` is the instrument the result was analysed with; ``min_cell`` the small-cell
    threshold (counts from 1 to ``min_cell - 1`` are suppressed; 1 turns suppression off);
    ``compare_published`` adds the published figures beside this cohort's.  ``source``
    describes the data for the title block; known keys are ``responses`` and ``sessions`` (file
    paths; only the file name is shown), ``fieldwork`` (text; default: the first and last
    session dates), ``produced`` (date; default: today), ``title``, ``study`` and
    ``organisation``; any other key is shown as a labelled line.
    """
    from readiness.report.figures import build_figures

    tables, extra = report_tables(
        result, instrument, min_cell=min_cell, compare_published=compare_published
    )
    plan = extra["plan"]
    figures = build_figures(result, instrument, plan)
    hidden_cells = sum(
        1
        for key in ("1", "2", "3", "4a", "4b", "4c", "5")
        if key in tables
        for b in tables[key].bodies
        for row in b.rows
        for c in row
        if c.hidden
    )
    source = dict(source or {})
    title = source.get("title") or f"{instrument.title}: study report"
    contents = [
        ("summary", "Summary"),
        ("methods", "Methods"),
        ("respondents", "Respondents and response (Table 1)"),
    ]
    if "2" in tables:
        contents.append(
            ("training-contact", "Training, contact and interest in training (Table 2)")
        )
    if "3" in tables:
        contents.append(("knowledge-confidence", "Knowledge and confidence (Table 3)"))
    if figures:
        contents.append(
            ("figures", f"Figures 1 to {len(figures)}" if len(figures) > 1 else "Figure 1")
        )
    if "4a" in tables or "4c" in tables:
        contents.append(("scales", "Scales: reliability and correlations (Table 4)"))
    if "5" in tables or result.regression:
        subject = regression_subject(regression_outcome(instrument))
        contents.append(("regression", f"What goes with {subject} (Table 5)"))
    if compare_published:
        contents.append(("published", "Published figures beside this cohort's (Table 6)"))
    if "7" in tables:
        contents.append(("every-question", "Every question (Table 7)"))
    contents += [
        ("appendix-a", "Appendix A. Indicator definitions"),
        ("appendix-b", "Appendix B. CROSS reporting checklist"),
    ]
    css = CSS + (SYNTHETIC_PAGE_CSS if result.synthetic else "")
    footer = (
        "Percentages are of respondents who answered; intervals are "
        f"{fmt.level(result.settings.conf_level)} confidence intervals (see Methods)."
    )
    if result.synthetic:
        footer += " SYNTHETIC DATA: not findings."
    return (
        _environment()
        .from_string(TEMPLATE)
        .render(
            lang=instrument.language or "en-GB",
            version=__version__,
            title=title,
            css=css,
            synthetic=result.synthetic,
            meta=_meta(result, instrument, source, min_cell),
            contents=contents,
            summary=summary_lines(result, plan),
            warnings=[
                safe_warning(result, w, min_cell, instrument=instrument) for w in result.warnings
            ],
            regression_note=regression_note(result, min_cell, regression_outcome(instrument)),
            regression_subject=regression_subject(regression_outcome(instrument)),
            methods=methods(result, instrument, plan, hidden_cells),
            notice=instrument.notice,
            tables=tables,
            figures=figures,
            published=compare_published,
            published_remarks=extra.get("published_remarks", []),
            citations=citations(instrument) if compare_published else [],
            checklist_counts=checklist_counts(tables["B1"]),
            footer=footer,
            fmt=fmt,
        )
    )


__all__ = ["render_html", "report_tables"]
