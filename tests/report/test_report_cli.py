"""readiness report: HTML, PDF and tables from a response file, with the settings asked for."""

from __future__ import annotations

import json

import lxml.html
import pytest

from readiness.cli import main
from tests.report.report_helpers import row, table


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory, demo_cohort, survey):
    from readiness.synth.output import write_cohort

    folder = tmp_path_factory.mktemp("cli")
    responses, _ = write_cohort(demo_cohort, survey, folder / "responses.csv")
    return responses


def test_report_writes_html_pdf_and_tables(cohort_file, tmp_path, capsys):
    out, pdf, tables = tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "tables"
    args = [str(cohort_file), "--out", str(out), "--pdf", str(pdf), "--tables", str(tables)]
    assert main(["report", *args, "--compare-published"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"Report of 782 responses from {cohort_file} (SYNTHETIC DATA)"
    assert printed[1:4] == [
        f"Wrote {out}",
        f"Wrote {pdf}",
        f"Wrote 18 table files (CSV and XLSX) to {tables}/",
    ]
    # 6 in Tables 1 to 5; the rest in Table 7, where "not answered" is often 1 to 4
    assert printed[4].startswith("Small cells: 103 table cells suppressed as [c]")
    doc = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    cells = row(table(doc, "3"), "All respondents", "lack_knowledge_questions")
    assert (cells["n"], cells["N"], cells["%"]) == ("679", "782", "86.8")
    # the sessions file beside the responses was found: the response rate is there
    assert row(table(doc, "1"), "All respondents")["Attending, n"] == "892"
    assert table(doc, "6") is not None
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_report_passes_the_analysis_settings_and_prints_json(cohort_file, tmp_path, capsys):
    out = tmp_path / "design.html"
    code = main(
        [
            "report",
            str(cohort_file),
            "--out",
            str(out),
            "--cluster",
            "site",
            "--min-cell",
            "10",
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["files"] == {"html": str(out)} and summary["min_cell"] == 10
    assert summary["synthetic"] is True and summary["n"] == 782
    assert summary["suppressed_cells"] > 6
    html = out.read_text(encoding="utf-8")
    assert "design-based, with site as clusters" in html
    assert "no count of 1 to 9 is shown" in html


def test_report_refuses_a_wrong_suffix_before_writing(cohort_file, tmp_path, capsys):
    assert main(["report", str(cohort_file), "--out", str(tmp_path / "r.pdf")]) == 1
    assert "give a name ending in .html" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_weighted_design_from_the_command_line(cohort_file, tmp_path, capsys):
    import pandas as pd

    frame = pd.read_csv(cohort_file, dtype=str, keep_default_na=False)
    frame["weight"] = ["4" if d == "2" else "1" for d in frame["discipline"]]  # not an item
    frame["region"] = ["north" if s <= "T05" else "south" for s in frame["site"]]
    path = tmp_path / "weighted.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "w.html"
    design = ["--cluster", "site", "--strata", "region", "--weights", "weight"]
    assert main(["report", str(path), "--out", str(out), *design]) == 0
    html = out.read_text(encoding="utf-8")
    assert "with site as clusters, strata region, weights weight" in html
    assert "Counts (n and N) are of respondents, unweighted; percentages" in html
    doc = lxml.html.fromstring(html)
    cells = row(table(doc, "3"), "All respondents", "lack_knowledge_questions")
    assert (cells["n"], cells["N"]) == ("679", "782")  # unweighted counts
    assert cells["%"] != "86.8"  # the weighted percentage
    frame.loc[3, "weight"] = "0"
    frame.to_csv(path, index=False)
    capsys.readouterr()
    assert main(["report", str(path), "--out", str(out), *design]) != 0
    assert "row 4" in capsys.readouterr().err
