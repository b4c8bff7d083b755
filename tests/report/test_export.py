"""The tables as CSV and XLSX: the report's cells, numbers as numbers in the spreadsheet."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from readiness.report import write_tables


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_table_is_written_as_csv_and_xlsx(demo_result, survey, tmp_path):
    paths = write_tables(demo_result, survey, tmp_path / "tables")
    names = [p.name for p in paths]
    assert names[:4] == [
        "table-1-respondents.csv",
        "table-1-respondents.xlsx",
        "table-2-training-contact.csv",
        "table-2-training-contact.xlsx",
    ]
    assert "table-5-regression.xlsx" in names and "table-a1-indicator-definitions.csv" in names
    assert "table-7-every-question.csv" in names
    assert len(paths) == 18 and all(p.exists() for p in paths)
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == sorted(names)


def test_the_csv_holds_the_reports_cells(demo_result, survey, tmp_path):
    write_tables(demo_result, survey, tmp_path)
    rows = read_csv(tmp_path / "table-3-knowledge-confidence.csv")
    assert list(rows[0])[:6] == ["Indicator", "Indicator; discipline", "n", "N", "%", "95% CI"]
    knowledge = [r for r in rows if r["Indicator"].startswith("Lacked knowledge of what questions")]
    overall = knowledge[0]
    assert (overall["Indicator; discipline"], overall["n"], overall["N"], overall["%"]) == (
        "All respondents",
        "679",
        "782",
        "86.8",
    )
    assert overall["P"] == "0.18" and knowledge[1]["P"] == ""  # the test once per indicator
    assert [r["Indicator; discipline"] for r in knowledge[1:]] == list(demo_result.groups)
    table1 = read_csv(tmp_path / "table-1-respondents.csv")
    first = table1[0]
    assert (first["Respondents, n"], first["Attending, n"], first["Response rate, %"]) == (
        "782",
        "892",
        "87.7",
    )


def test_the_xlsx_has_numbers_rounded_as_printed_and_the_notes(demo_result, survey, tmp_path):
    write_tables(demo_result, survey, tmp_path)
    sheet = load_workbook(tmp_path / "table-3-knowledge-confidence.xlsx").active
    assert sheet["A1"].value == "Table 3. Knowledge and confidence, overall and by discipline"
    header = [c.value for c in sheet[2]]
    assert header[:5] == ["Indicator", "Indicator; discipline", "n", "N", "%"]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value.startswith("Lacked knowledge"))
    assert (row[2].value, row[3].value, row[4].value) == (679, 782, 86.8)
    assert row[4].number_format == "0.0"
    suppressed = [
        r
        for r in sheet.iter_rows(min_row=3)
        if r[0].value
        and r[0].value.startswith("Unaware of the scale")
        and r[1].value == "Maternity"
    ][0]
    assert suppressed[2].value == "[c]" and suppressed[3].value == 98
    notes = [
        r[0].value for r in sheet.iter_rows() if r[0].value and str(r[0].value).startswith("[c]")
    ]
    assert notes and "1 to 4" in notes[0]


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _hostile_table():
    """A table whose labels (a site or discipline name typed by a person) start like formulas."""
    from readiness.report.model import Body, Cell, Table

    rows = [[Cell(text), Cell("-3", value=-3, numeric=True)] for text in FORMULAS]
    return Table(
        id="table-x",
        number="X",
        title="Hostile",
        head=[[Cell("=Group", header=True), Cell("@n", header=True)]],
        bodies=[Body(rows=rows, label="+label")],
        notes=["-a note"],
        slug="table-x",
        group_column="Group",
    )


def test_the_csv_neutralises_text_that_starts_like_a_formula(tmp_path):
    from readiness.report.export import write_csv

    write_csv(_hostile_table(), tmp_path / "x.csv")
    with (tmp_path / "x.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    assert [r[1] for r in rows[1:]] == ["'" + t for t in FORMULAS]


def test_the_xlsx_holds_no_formula_and_numbers_stay_numbers(tmp_path):
    from readiness.report.export import write_xlsx

    write_xlsx(_hostile_table(), tmp_path / "x.xlsx")
    sheet = load_workbook(tmp_path / "x.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert [sheet.cell(row=r, column=2).value for r in range(3, 9)] == FORMULAS
    assert all(sheet.cell(row=r, column=2).quotePrefix for r in range(3, 9))
    assert {
        (sheet.cell(row=r, column=3).value, sheet.cell(row=r, column=3).data_type)
        for r in range(3, 9)
    } == {(-3, "n")}
