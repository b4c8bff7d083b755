"""The study report: a study result -> self-contained HTML, PDF (WeasyPrint), and the tables as
CSV and XLSX, with small cells suppressed in every table, figure and export.

* :func:`render_html` (result, instrument=, min_cell=5, compare_published=False, source=None)
* :func:`write_pdf` (html, path)
* :func:`write_tables` (result, instrument, directory, min_cell=5) -> list of paths
* :mod:`readiness.report.suppression`: the suppression rules, reusable on any table.

Importing this package is cheap: matplotlib, Jinja2 and WeasyPrint load when first used.
"""

from __future__ import annotations

from readiness.report.suppression import (
    DEFAULT_MIN_CELL,
    SYMBOL,
    CountSuppression,
    Plan,
    ProportionSuppression,
    footnote,
    is_small,
    merge_small_categories,
    plan_for,
    suppress_counts,
    suppress_proportions,
)


def render_html(
    result, *, instrument, min_cell=DEFAULT_MIN_CELL, compare_published=False, source=None
):
    """The study report as one self-contained HTML document; see :func:`readiness.report.html.render_html`."""
    from readiness.report.html import render_html as _render

    return _render(
        result,
        instrument=instrument,
        min_cell=min_cell,
        compare_published=compare_published,
        source=source,
    )


def write_pdf(html: str, path) -> None:
    """Print the report's HTML to PDF atomically; see :func:`readiness.report.pdf.write_pdf`."""
    from readiness.report.pdf import write_pdf as _write

    _write(html, path)


def write_tables(result, instrument, directory, *, min_cell=DEFAULT_MIN_CELL):
    """Write the report's tables as CSV and XLSX; see :func:`readiness.report.export.write_tables`."""
    from readiness.report.export import write_tables as _write

    return _write(result, instrument, directory, min_cell=min_cell)


__all__ = [
    "DEFAULT_MIN_CELL",
    "SYMBOL",
    "CountSuppression",
    "Plan",
    "ProportionSuppression",
    "footnote",
    "is_small",
    "merge_small_categories",
    "plan_for",
    "render_html",
    "suppress_counts",
    "suppress_proportions",
    "write_pdf",
    "write_tables",
]
