"""The report's tables and figures as plain data, rendered to HTML and exported to CSV and XLSX.

A :class:`Table` is built once (by :mod:`readiness.report.tables`) with suppression already
applied; the HTML template, the CSV writer and the XLSX writer all read the same cells, so that
what a journal receives is what the report shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    """One cell: the text shown, and the value exported (a number where the cell is one)."""

    text: str
    value: float | int | str | None = None
    header: bool = False
    scope: str | None = None  # th scope: col, colgroup, row, rowgroup
    colspan: int = 1
    rowspan: int = 1
    numeric: bool = False
    hidden: bool = False  # suppressed ([c])
    number_format: str | None = None  # XLSX number format, e.g. "0.0"
    note: str = ""  # a short qualifier shown after the text in smaller type
    cls: str = ""  # an extra CSS class

    @property
    def export(self) -> float | int | str | None:
        """The value a spreadsheet gets: the number, or the text shown."""
        if self.hidden or self.value is None:
            return self.text
        return self.value


@dataclass
class Body:
    """A group of rows (an HTML ``tbody``); ``label`` is its heading row, and in the exports the
    value of the table's first column for each of its rows."""

    rows: list[list[Cell]]
    label: str | None = None
    key: str | None = None  # e.g. an indicator id, written as data-key for tests and scripts


@dataclass
class Table:
    id: str  # HTML id, e.g. "table-3"
    number: str  # "3", "4a", "A1"
    title: str
    head: list[list[Cell]]
    bodies: list[Body]
    notes: list[str] = field(default_factory=list)
    slug: str = ""  # file name stem for the exports, e.g. "table-3-knowledge-confidence"
    group_column: str | None = None  # export column for the bodies' labels
    hidden_any: bool = False

    @property
    def caption(self) -> str:
        return f"Table {self.number}. {self.title}"

    def n_columns(self) -> int:
        return sum(c.colspan for c in self.head[-1]) + sum(
            c.colspan for row in self.head[:-1] for c in row if c.rowspan > 1
        )

    def export_columns(self) -> list[str]:
        """Flattened column names: the header rows joined with ': ' under colspans."""
        grid: list[list[str]] = []
        width = self.n_columns()
        filled: list[list[str | None]] = [[None] * width for _ in self.head]
        for r, row in enumerate(self.head):
            col = 0
            for c in row:
                while filled[r][col] is not None:
                    col += 1
                for dr in range(c.rowspan):
                    for dc in range(c.colspan):
                        filled[r + dr][col + dc] = c.text if dr == 0 else ""
                col += c.colspan
        for col in range(width):
            parts = []
            for r in range(len(self.head)):
                text = filled[r][col] or ""
                if text and text not in parts:
                    parts.append(text)
            grid.append(parts)
        names = [": ".join(p) for p in grid]
        return ([self.group_column] if self.group_column else []) + names

    def export_rows(self, as_text: bool = False) -> list[list]:
        """Body rows as plain values (or the text printed), rowspans filled once, the body
        label as first column."""
        out = []
        width = self.n_columns()
        for body in self.bodies:
            pending: dict[int, int] = {}
            for row in body.rows:
                values: list = []
                col = 0
                cells = iter(row)
                while col < width:
                    if pending.get(col, 0) > 0:
                        pending[col] -= 1
                        values.append("")
                        col += 1
                        continue
                    c = next(cells, None)
                    if c is None:
                        values.append("")
                        col += 1
                        continue
                    values.append(c.text if as_text else c.export)
                    values.extend([""] * (c.colspan - 1))
                    if c.rowspan > 1:
                        for dc in range(c.colspan):
                            pending[col + dc] = c.rowspan - 1
                    col += c.colspan
                out.append(([body.label or ""] if self.group_column else []) + values)
        return out


@dataclass
class Figure:
    id: str  # "figure-1"
    number: str
    title: str
    svg: str  # inline SVG, accessible (role img, title, desc)
    description: str  # the text alternative
    notes: list[str] = field(default_factory=list)

    @property
    def caption(self) -> str:
        return f"Figure {self.number}. {self.title}"
