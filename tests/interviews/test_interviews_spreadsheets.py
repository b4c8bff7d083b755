"""Interview outputs written as spreadsheets never carry a formula: participant names,
attributes, code names and quotes that start like one are written as text."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from readiness.interviews import documents as docs
from readiness.interviews import outputs as out
from readiness.interviews import store
from readiness.interviews.ingest import import_attributes, import_transcripts

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = '=HYPERLINK("http://x","y")'


def _hostile_project(tmp_path):
    """A participant named like a formula, attributes and a code that start like formulas, and a
    quote that is one, with a control character in the transcript."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "-2+3.txt").write_text(
        f"Interviewer: Anything else?\n-2+3: {QUOTE} and \x0b more.\n", encoding="utf-8"
    )
    (d / "participants.csv").write_text(
        "participant,profession,nation\n-2+3,@SUM(A1),+1+1\n", encoding="utf-8"
    )
    p = store.init(tmp_path / "study", "Hostile")
    import_transcripts(p, [d / "-2+3.txt"])
    import_attributes(p, d / "participants.csv")
    source = next(iter(p.sources.values())).name
    text = p.source(source).text
    start = text.index(QUOTE)
    p.add_code("=Code")
    p.add_coding(source, start, len(text.rstrip()), "=Code", "alice")
    return p


def test_framework_xlsx_writes_names_attributes_and_quotes_as_text(tmp_path):
    p = _hostile_project(tmp_path)
    matrix = out.framework_matrix(p, by="code")
    assert matrix.participants == ["-2+3"]
    docs.write_framework_xlsx(matrix, tmp_path / "f.xlsx")
    book = load_workbook(tmp_path / "f.xlsx")
    texts = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
                    texts.append(cell.value)
    assert {"-2+3", "@SUM(A1)", "+1+1", "=Code"} <= set(texts)
    assert any(t.startswith(QUOTE) and "\x0b" not in t for t in texts)


def test_code_tables_neutralise_formulas_in_csv_and_xlsx(tmp_path):
    p = _hostile_project(tmp_path)
    matrix = out.attribute_matrix(p, "profession", suppress_below=0)
    docs.write_table(matrix, tmp_path / "m.csv")
    with (tmp_path / "m.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows:
        assert not any(cell.startswith(FORMULA_START) for cell in row), row
    assert rows[0] == ["code", "'@SUM(A1)"] and rows[1][0] == "'=Code"
    docs.write_table(out.cooccurrence(p), tmp_path / "c.xlsx")
    sheet = load_workbook(tmp_path / "c.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert sheet["B1"].value == "=Code" and sheet["B2"].data_type == "n"
