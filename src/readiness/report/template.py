"""The report's HTML template and style sheet (kept in Python so that they ship with the package
without extra package-data rules).  The template is Jinja2 with autoescaping; the SVG figures
and the style sheet are the only markup inserted unescaped, and both are made by this package."""

from __future__ import annotations

CSS = r"""
:root {
  --text: #212b32; --secondary: #4c6272; --blue: #005eb8; --dark-blue: #003087;
  --border: #d8dde0; --pale: #f0f4f5; --warning: #ffeb3b; --warning-bg: #fff9c4;
}
html { font-family: Arial, "Liberation Sans", Helvetica, sans-serif; color: var(--text);
  font-size: 16px; line-height: 1.45; background: #fff; }
body { margin: 0 auto; max-width: 64rem; padding: 1.5rem 1.5rem 3rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0.25rem 0 1rem; }
h2 { font-size: 1.45rem; line-height: 1.25; margin: 2.5rem 0 0.75rem; padding-bottom: 0.25rem;
  border-bottom: 3px solid var(--blue); }
h3 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
p, li { max-width: 48rem; }
a { color: var(--blue); }
a:focus { outline: 3px solid var(--warning); background: var(--warning); color: #000; }
.kicker { font-size: 1rem; font-weight: bold; color: var(--secondary); margin: 0; }
.banner { background: var(--warning-bg); border: 3px solid #000; border-left-width: 12px;
  padding: 0.75rem 1rem; margin: 0 0 1rem; }
.banner strong { font-size: 1.15rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.25rem;
  margin: 0 0 1rem; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
nav.contents ol { columns: 2; padding-left: 1.5rem; }
.notice { border-left: 6px solid var(--blue); background: var(--pale); padding: 0.5rem 1rem; }
.warnings { border-left: 6px solid #d5281b; padding: 0.5rem 1rem; background: #fdf0ef; }
.table-wrap { margin: 1.5rem 0 2rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem;
  font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: bold; font-size: 1rem;
  padding: 0 0 0.5rem; }
caption .label, figcaption .label { color: var(--dark-blue); }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--border); text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid var(--text); vertical-align: bottom; background: #fff; }
tbody th { font-weight: normal; }
tr.group th { background: var(--pale); font-weight: bold; border-top: 1px solid var(--secondary); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.c { text-align: right; font-weight: bold; }
td.text { min-width: 8rem; }
td.status-partly { font-style: italic; }
td.status-author { font-weight: bold; background: var(--pale); }
.notes { font-size: 0.8rem; color: var(--secondary); margin-top: 0.4rem; }
.notes p { margin: 0.15rem 0; max-width: none; }
figure { margin: 1.5rem 0 2.5rem; }
figcaption { font-weight: bold; margin-bottom: 0.5rem; }
svg.figure-svg { display: block; width: 100%; max-width: 100%; height: auto; }
ul.summary li { margin-bottom: 0.2rem; }
.doi { font-family: "Liberation Mono", monospace; font-size: 0.85em; }
footer { margin-top: 3rem; font-size: 0.85rem; color: var(--secondary);
  border-top: 1px solid var(--border); padding-top: 0.75rem; }
@media print {
  @page { size: A4; margin: 16mm 15mm 18mm 15mm;
    @bottom-left { content: string(doctitle); font: 7.5pt Arial, "Liberation Sans", sans-serif;
      color: #4c6272; }
    @bottom-right { content: "Page " counter(page) " of " counter(pages);
      font: 7.5pt Arial, "Liberation Sans", sans-serif; color: #4c6272; } }
  html { font-size: 9.5pt; line-height: 1.35; }
  body { max-width: none; padding: 0; }
  h1 { string-set: doctitle content(); font-size: 20pt; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 1.5rem; }
  h2.new-page { break-before: page; page-break-before: always; }
  caption { break-after: avoid; }
  table { font-size: 8pt; }
  thead { display: table-header-group; }
  tr, tbody { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; margin: 0.75rem 0 1.25rem; }
  figure { break-inside: avoid; page-break-inside: avoid; margin: 0.75rem 0 1.25rem; }
  nav.contents { break-after: page; }
  a { color: inherit; text-decoration: none; }
  .banner { border-width: 2px; border-left-width: 8px; }
}
"""

SYNTHETIC_PAGE_CSS = r"""
@media print {
  @page { @top-center { content: "SYNTHETIC DATA: not findings about real people";
    font: bold 8.5pt Arial, "Liberation Sans", sans-serif; color: #000;
    vertical-align: bottom; padding-bottom: 3mm; } }
}
"""

# The page up to its body: the head, and the macros that write a cell and a table.  The
# evaluation report (readiness.evaluation.report) starts its page with the same.
PAGE_START = r"""<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Readiness {{ version }}">
<title>{{ title }}</title>
<style>{{ css|safe }}</style>
</head>
{%- macro cell(c) -%}
{%- set classes = [] -%}
{%- if c.numeric %}{% set _ = classes.append('num') %}{% endif -%}
{%- if c.hidden %}{% set _ = classes.append('c') %}{% endif -%}
{%- if not c.numeric and not c.header %}{% set _ = classes.append('text') %}{% endif -%}
{%- if c.cls %}{% set _ = classes.append(c.cls) %}{% endif -%}
{%- set attrs -%}
{%- if classes %} class="{{ classes|join(' ') }}"{% endif -%}
{%- if c.colspan > 1 %} colspan="{{ c.colspan }}"{% endif -%}
{%- if c.rowspan > 1 %} rowspan="{{ c.rowspan }}"{% endif -%}
{%- endset -%}
{%- if c.header -%}
<th scope="{{ c.scope or 'col' }}"{{ attrs }}>{{ c.text }}</th>
{%- elif c.hidden -%}
<td{{ attrs }}><abbr title="not shown to protect respondents">{{ c.text }}</abbr></td>
{%- else -%}
<td{{ attrs }}>{{ c.text }}</td>
{%- endif -%}
{%- endmacro -%}
{%- macro render_table(t) -%}
<div class="table-wrap">
<table id="{{ t.id }}">
<caption><span class="label">Table {{ t.number }}.</span> {{ t.title }}</caption>
<thead>
{%- for row in t.head %}
<tr>{% for c in row %}{{ cell(c) }}{% endfor %}</tr>
{%- endfor %}
</thead>
{%- for b in t.bodies %}
<tbody{% if b.key %} data-key="{{ b.key }}"{% endif %}>
{%- if b.label %}
<tr class="group"><th scope="rowgroup" colspan="{{ t.n_columns() }}">{{ b.label }}</th></tr>
{%- endif %}
{%- for row in b.rows %}
<tr>{% for c in row %}{{ cell(c) }}{% endfor %}</tr>
{%- endfor %}
</tbody>
{%- endfor %}
</table>
{%- if t.notes %}
<div class="notes">{% for n in t.notes %}<p>{{ n }}</p>{% endfor %}</div>
{%- endif %}
</div>
{%- endmacro -%}"""

TEMPLATE = (
    PAGE_START
    + r"""
{%- macro render_figure(f) -%}
<figure id="{{ f.id }}">
<figcaption><span class="label">Figure {{ f.number }}.</span> {{ f.title }}</figcaption>
{{ f.svg|safe }}
{%- if f.notes %}
<div class="notes">{% for n in f.notes %}<p>{{ n }}</p>{% endfor %}</div>
{%- endif %}
</figure>
{%- endmacro %}
<body>
<header>
{%- if synthetic %}
<div class="banner" role="note" aria-label="Synthetic data">
<p><strong>Synthetic data: not findings.</strong> Every response in this report was drawn by a
computer model calibrated to published figures. No real person answered it. Do not report these
numbers as findings about any workforce.</p>
</div>
{%- endif %}
<p class="kicker">Study report</p>
<h1>{{ title }}</h1>
<dl class="meta">
{%- for label, value in meta %}
<dt>{{ label }}</dt><dd>{{ value }}</dd>
{%- endfor %}
</dl>
</header>
<nav class="contents" aria-labelledby="contents-heading">
<h2 id="contents-heading">Contents</h2>
<ol>
{%- for id, heading in contents %}
<li><a href="#{{ id }}">{{ heading }}</a></li>
{%- endfor %}
</ol>
</nav>
<main>
<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
<ul class="summary">
{%- for line in summary %}
<li>{{ line }}</li>
{%- endfor %}
</ul>
{%- if warnings %}
<div class="warnings"><p><strong>Warnings from the analysis</strong></p>
<ul>{% for w in warnings %}<li>{{ w }}</li>{% endfor %}</ul></div>
{%- endif %}
</section>
<section aria-labelledby="methods">
<h2 id="methods">Methods</h2>
{%- for p in methods %}
<p>{{ p }}</p>
{%- endfor %}
{%- if notice %}
<p class="notice"><strong>About the instrument.</strong> {{ notice }}</p>
{%- endif %}
</section>
<section aria-labelledby="respondents">
<h2 id="respondents" class="new-page">Respondents and response</h2>
{{ render_table(tables['1']) }}
</section>
{%- if '2' in tables %}
<section aria-labelledby="training-contact">
<h2 id="training-contact" class="new-page">Training, contact and interest in training</h2>
{{ render_table(tables['2']) }}
</section>
{%- endif %}
{%- if '3' in tables %}
<section aria-labelledby="knowledge-confidence">
<h2 id="knowledge-confidence" class="new-page">Knowledge and confidence</h2>
{{ render_table(tables['3']) }}
</section>
{%- endif %}
{%- if figures %}
<section aria-labelledby="figures">
<h2 id="figures" class="new-page">Figures</h2>
{%- for f in figures %}
{{ render_figure(f) }}
{%- endfor %}
</section>
{%- endif %}
{%- if '4a' in tables or '4c' in tables %}
<section aria-labelledby="scales">
<h2 id="scales" class="new-page">Scales: reliability and correlations</h2>
{%- for key in ['4a', '4b', '4c'] %}{% if key in tables %}
{{ render_table(tables[key]) }}
{%- endif %}{% endfor %}
</section>
{%- endif %}
{%- if '5' in tables or regression_note %}
<section aria-labelledby="regression">
<h2 id="regression">What goes with {{ regression_subject }}</h2>
{%- if '5' in tables %}
{{ render_table(tables['5']) }}
{%- else %}
<p>{{ regression_note }}</p>
{%- endif %}
</section>
{%- endif %}
{%- if published %}
<section aria-labelledby="published">
<h2 id="published" class="new-page">Published figures beside this cohort's</h2>
<p>Each figure the publication prints, beside the same figure computed from these data.
{%- if published_remarks %} Where the publication's printed percentage does not follow from its
own count and denominator, a correct analysis reports the percentage the counts give and shows
both:{% endif %}</p>
{%- if published_remarks %}
<ul>{% for r in published_remarks %}<li>{{ r }}</li>{% endfor %}</ul>
{%- endif %}
{%- if '6' in tables %}
{{ render_table(tables['6']) }}
{%- else %}
<p>The instrument records no published figures to compare with.</p>
{%- endif %}
{%- if citations %}
<p class="notes">Source: {% for c in citations %}{{ c }}{% if not loop.last %}; {% endif %}{% endfor %}</p>
{%- endif %}
</section>
{%- endif %}
{%- if '7' in tables %}
<section aria-labelledby="every-question">
<h2 id="every-question" class="new-page">Every question</h2>
<p>The answers to every question of the instrument, those a study added included: counts with
percentages and intervals for choices, a distribution for numbers, the range for dates, and for
free text only how many answered (the texts may identify a respondent).</p>
{{ render_table(tables['7']) }}
</section>
{%- endif %}
<section aria-labelledby="appendix-a">
<h2 id="appendix-a" class="new-page">Appendix A. Indicator definitions</h2>
{{ render_table(tables['A1']) }}
</section>
<section aria-labelledby="appendix-b">
<h2 id="appendix-b" class="new-page">Appendix B. CROSS reporting checklist</h2>
<p>The Consensus-Based Checklist for Reporting of Survey Studies (CROSS), each item filled from
these data where it can be ({{ checklist_counts['From the data'] }} items) or in part
({{ checklist_counts['Partly from the data: complete it'] }}), and marked where the author must
supply it ({{ checklist_counts['Author to supply'] }}).</p>
{{ render_table(tables['B1']) }}
</section>
</main>
<footer>
<p>Made with Readiness {{ version }}. {{ footer }}</p>
</footer>
</body>
</html>
"""
)
