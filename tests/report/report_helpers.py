"""Helpers that find numbers in the report's HTML."""

from __future__ import annotations


def text(element) -> str:
    return " ".join(element.text_content().split())


def table(doc, number: str):
    """The <table> whose caption reads 'Table NUMBER. ...'."""
    found = [t for t in doc.iter("table") if text(t.find("caption")).startswith(f"Table {number}.")]
    assert len(found) == 1, f"Table {number}: found {len(found)}"
    return found[0]


def columns(tbl) -> list[str]:
    return [text(th) for th in tbl.xpath("./thead/tr[last()]/th")]


def row(tbl, label: str, key: str | None = None) -> dict[str, str]:
    """The cells of the row headed LABEL (in the tbody with data-key KEY), by column name."""
    scope = tbl.xpath(f"./tbody[@data-key='{key}']") if key else tbl.xpath("./tbody")
    rows = [
        tr
        for body in scope
        for tr in body.xpath("./tr")
        if tr.xpath("./th[@scope='row']") and text(tr.xpath("./th[@scope='row']")[0]) == label
    ]
    assert len(rows) == 1, f"{label!r} in {key!r}: found {len(rows)} rows"
    cells = [text(c) for c in rows[0].xpath("./th|./td")]
    return dict(zip(columns(tbl), cells, strict=False))


def figure(doc, number: str):
    found = doc.xpath(f"//figure[@id='figure-{number}']")
    assert len(found) == 1
    return found[0]


def svg_texts(fig) -> list[str]:
    return [" ".join(t.text_content().split()) for t in fig.iter("text")]
