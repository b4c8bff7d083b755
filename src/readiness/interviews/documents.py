"""Write outputs to files: framework matrix (XLSX, DOCX), theme report (DOCX, HTML), tables.

Every writer goes through a temporary file that is renamed into place, so a failed write
leaves nothing behind.  Spreadsheets never receive a formula: in XLSX, names, attributes,
codes and quotes are text cells (Excel's quote prefix where they start like a formula, control
characters left out, cut at a cell's 32,767 characters); in CSV, text that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets an apostrophe before it
(:mod:`readiness.tabular`).  Nothing here reads the pseudonymisation key; callers check that the
transcripts have been pseudonymised first (:func:`readiness.interviews.pseudonymise.check_export`).
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

from readiness.interviews.outputs import (
    AttributeMatrix,
    Cooccurrence,
    FrameworkMatrix,
    ThemeReport,
)
from readiness.tabular import atomic_write, formula_safe_values, xlsx_row, xlsx_set

__all__ = [
    "theme_report_html",
    "write_framework_docx",
    "write_framework_xlsx",
    "write_table",
    "write_theme_report_docx",
    "write_theme_report_html",
]

_MAX_CELL = 32000  # Excel's limit is 32,767 characters


def _cell_text(cell, max_quotes: int | None = None) -> str:
    parts = []
    if cell.summary:
        parts.append(cell.summary)
    if cell.n_codings:
        parts.append(f"{cell.n_codings} coded passage{'s' if cell.n_codings != 1 else ''}")
    for q in cell.quotes[:max_quotes]:
        parts.append(f"“{q.text}” ({_reference(q)})")
    text = "\n\n".join(parts)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _reference(q) -> str:
    """Where a quote is, and who coded it when more than one coder coded that passage."""
    ref = f"{q.source}, line {q.line}"
    return ref + (f"; coded by {', '.join(q.coders)}" if q.coders else "")


def write_framework_xlsx(matrix: FrameworkMatrix, path: str | Path) -> Path:
    """Sheet "Framework": participants by columns, each cell the summary and its quotes, linked
    to its first quote on sheet "Quotes" (which lists every quote with transcript, line and
    character offsets)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    attr_keys = sorted({k for a in matrix.attributes for k in a})
    wb = Workbook()
    ws = wb.active
    ws.title = "Framework"
    quotes = wb.create_sheet("Quotes")
    quotes.append(
        [
            "Participant",
            matrix.by.title(),
            "Code",
            "Transcript",
            "Line",
            "Start",
            "End",
            "Quote",
            "Coded by",
        ]
    )
    for c in quotes[1]:
        c.font = Font(bold=True)
    header = ["Participant", *attr_keys, *matrix.columns]
    ws.append(xlsx_row(ws, header))
    for c in ws[1]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    first = len(attr_keys) + 2
    next_row = 2  # next free row on the Quotes sheet
    for i, name in enumerate(matrix.participants):
        attrs = matrix.attributes[i]
        ws.append(xlsx_row(ws, [name, *[attrs.get(k, "") for k in attr_keys]]))
        r = i + 2
        for j, cell in enumerate(matrix.cells[i]):
            target = xlsx_set(ws.cell(row=r, column=first + j), _cell_text(cell) or None)
            target.alignment = wrap
            if cell.quotes:
                target.hyperlink = Hyperlink(ref=target.coordinate, location=f"Quotes!A{next_row}")
            for q in cell.quotes:
                coders = ", ".join(q.coders) or q.coder or ""
                row = [name, cell.column, q.code, q.source, q.line, q.start, q.end, q.text, coders]
                quotes.append(xlsx_row(quotes, row))
                quotes.cell(row=next_row, column=8).alignment = wrap
                next_row += 1
    for j in range(len(header)):
        letter = get_column_letter(j + 1)
        ws.column_dimensions[letter].width = 14 if j < first - 1 else 48
    ws.freeze_panes = ws.cell(row=2, column=first)
    quotes.column_dimensions["H"].width = 90
    path = Path(path)
    atomic_write(path, lambda p: wb.save(p))
    return path


def _docx_heading_table(doc, headers, widths=None):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for k, h in enumerate(headers):
        cell = table.rows[0].cells[k]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
    return table


def write_framework_docx(
    matrix: FrameworkMatrix, path: str | Path, *, title: str | None = None
) -> Path:
    """One table per theme (or code): participant, summary, quotes with their references."""
    import docx

    doc = docx.Document()
    doc.add_heading(title or f"Framework matrix by {matrix.by}", level=1)
    doc.add_paragraph(
        f"{matrix.n} participants by {len(matrix.columns)} {matrix.by}s. Each row gives the "
        "memos written on the coded passages, then the passages with their transcript and line."
    )
    for j, col in enumerate(matrix.columns):
        doc.add_heading(col, level=2)
        if matrix.descriptions[j]:
            doc.add_paragraph(matrix.descriptions[j])
        table = _docx_heading_table(doc, ["Participant", "Summary", "Quotes"])
        for i, name in enumerate(matrix.participants):
            cell = matrix.cells[i][j]
            if not cell.n_codings and not cell.summary:
                continue
            row = table.add_row().cells
            row[0].text = name
            row[1].text = cell.summary or f"{cell.n_codings} coded passages"
            row[2].text = ""
            for k, q in enumerate(cell.quotes):
                para = row[2].paragraphs[0] if k == 0 else row[2].add_paragraph()
                para.add_run(f"“{q.text}” ")
                ref = para.add_run(f"({_reference(q)})")
                ref.italic = True
    path = Path(path)
    atomic_write(path, lambda p: doc.save(p))
    return path


def _count(v, k) -> str:
    return f"fewer than {k}" if v is None else str(v)


def write_theme_report_docx(report: ThemeReport, path: str | Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading(report.title, level=1)
    doc.add_paragraph(_intro(report))
    for th in report.themes:
        doc.add_heading(th.name, level=2)
        if th.description:
            doc.add_paragraph(th.description)
        doc.add_paragraph(_theme_count_sentence(report, th))
        if report.group_by:
            table = _docx_heading_table(
                doc, [report.group_by.replace("_", " ").capitalize(), "Participants", "Of"]
            )
            for g in report.groups:
                row = table.add_row().cells
                row[0].text = g
                row[1].text = _count(th.by_group[g], report.suppressed_below)
                row[2].text = _count(report.group_totals[g], report.suppressed_below)
        if th.codes:
            doc.add_heading("Codes", level=3)
            for c in th.codes:
                para = doc.add_paragraph(style="List Bullet")
                para.add_run(c.path).bold = True
                if c.definition:
                    para.add_run(f": {c.definition}")
        if th.quotes:
            doc.add_heading("Exemplar quotes", level=3)
            for q in th.quotes:
                para = doc.add_paragraph(style="Quote")
                para.add_run(f"“{q.text}”")
                para.add_run(f" ({q.attribution})").italic = True
    path = Path(path)
    atomic_write(path, lambda p: doc.save(p))
    return path


def _intro(report: ThemeReport) -> str:
    text = f"{report.n} participants; {len(report.themes)} themes."
    if report.group_by:
        groups = ", ".join(
            f"{g}: {_count(report.group_totals[g], report.suppressed_below)}" for g in report.groups
        )
        text += f" By {report.group_by.replace('_', ' ')}: {groups}."
    if report.suppressed_below:
        text += f" Counts from 1 to {report.suppressed_below - 1} are not shown."
    return text


def _theme_count_sentence(report: ThemeReport, th) -> str:
    return f"Participants who spoke to this theme: {th.participants} of {report.n}."


_CSS = """
body{font-family:Arial,Helvetica,sans-serif;line-height:1.5;color:#212b32;background:#fff;
max-width:52rem;margin:0 auto;padding:1rem 1.5rem}
h1,h2,h3{line-height:1.25}h2{border-top:4px solid #005eb8;padding-top:.75rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:bold;
padding:.25rem 0}th,td{border:1px solid #768692;padding:.4rem .6rem;text-align:left}
th{background:#e8edee}td.n{text-align:right}
blockquote{margin:1rem 0;padding:.5rem 1rem;border-left:6px solid #005eb8;background:#f0f4f5}
blockquote p{margin:0}blockquote footer{margin-top:.4rem;color:#4c6272}
dt{font-weight:bold}dd{margin:0 0 .75rem 0}a{color:#005eb8}a:focus{outline:3px solid #ffeb3b;
background:#ffeb3b;color:#212b32}
.skip{position:absolute;left:-999px}.skip:focus{position:static}
@media print{h2{page-break-before:auto}a{color:#212b32}}
"""


def theme_report_html(report: ThemeReport) -> str:
    """A self-contained, accessible HTML page (no scripts, no external files)."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#main">Skip to the themes</a>',
        '<header><h1 id="top">' + e(report.title) + "</h1>",
        f"<p>{e(_intro(report))}</p>",
        '<nav aria-label="Themes"><ul>',
    ]
    for k, th in enumerate(report.themes, 1):
        out.append(f'<li><a href="#theme-{k}">{e(th.name)}</a></li>')
    out += ["</ul></nav></header>", '<main id="main">']
    for k, th in enumerate(report.themes, 1):
        out.append(f'<section aria-labelledby="theme-{k}">')
        out.append(f'<h2 id="theme-{k}">{e(th.name)}</h2>')
        if th.description:
            out.append(f"<p>{e(th.description)}</p>")
        out.append(f"<p>{e(_theme_count_sentence(report, th))}</p>")
        if report.group_by:
            label = e(report.group_by.replace("_", " ").capitalize())
            out.append("<table>")
            out.append(
                f"<caption>Participants who spoke to {e(th.name)}, by {label.lower()}</caption>"
            )
            out.append(
                f'<thead><tr><th scope="col">{label}</th><th scope="col">Participants</th>'
                '<th scope="col">Of</th></tr></thead><tbody>'
            )
            for g in report.groups:
                out.append(
                    f'<tr><th scope="row">{e(g)}</th>'
                    f'<td class="n">{e(_count(th.by_group[g], report.suppressed_below))}</td>'
                    f'<td class="n">{e(_count(report.group_totals[g], report.suppressed_below))}'
                    "</td></tr>"
                )
            out.append("</tbody></table>")
        if th.codes:
            out.append("<h3>Codes</h3><dl>")
            for c in th.codes:
                out.append(f"<dt>{e(c.path)}</dt><dd>{e(c.definition) or '&nbsp;'}</dd>")
            out.append("</dl>")
        if th.quotes:
            out.append("<h3>Exemplar quotes</h3>")
            for q in th.quotes:
                out.append(
                    f"<figure><blockquote><p>“{e(q.text)}”</p></blockquote>"
                    f"<figcaption>{e(q.attribution)}</figcaption></figure>"
                )
        out.append('<p><a href="#top">Back to the top</a></p>')
        out.append("</section>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def write_theme_report_html(report: ThemeReport, path: str | Path) -> Path:
    text = theme_report_html(report)
    path = Path(path)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


def write_table(result: AttributeMatrix | Cooccurrence, path: str | Path) -> Path:
    """A code by attribute or co-occurrence matrix as CSV or XLSX (by the file's suffix);
    suppressed cells are written as ``<k``."""
    if isinstance(result, AttributeMatrix):
        header = ["code", *result.values]
        k = result.suppressed_below
        rows = [
            [code, *[f"<{k}" if v is None else v for v in counts]]
            for code, counts in zip(result.codes, result.counts, strict=True)
        ]
        rows.append(["(participants)", *result.totals])
    else:
        header = ["code", *result.codes]
        rows = [[c, *r] for c, r in zip(result.codes, result.participants, strict=True)]
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(xlsx_row(ws, header))
        for r in rows:
            ws.append(xlsx_row(ws, r))
        atomic_write(path, lambda p: wb.save(p))
    else:

        def write(p):
            with open(p, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(formula_safe_values(header))
                w.writerows(formula_safe_values(r) for r in rows)

        atomic_write(path, write)
    return path
