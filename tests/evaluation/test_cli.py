"""readiness evaluate demo / analyse / report, read_wave, and the board report's content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from readiness.cli import main
from readiness.errors import ResponsesError
from readiness.evaluation import evaluate, read_wave
from readiness.evaluation.demo import PATTERN, make_demo
from readiness.evaluation.report import evaluation_tables, headlines, render_evaluation_html
from readiness.instrument import shipped_instrument

INSTRUMENT = shipped_instrument()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["evaluate", "demo", "--out", str(out)]) == 0
    return out


def waves(folder: Path) -> list[str]:
    return [
        "--pre",
        str(folder / "pre.csv"),
        "--post",
        str(folder / "post.csv"),
        "--follow-up",
        str(folder / "follow-up.csv"),
    ]


# --- demo -------------------------------------------------------------------------------------


def test_demo_writes_the_s55_pattern_every_row_synthetic(folder, capsys):
    pre = pd.read_csv(folder / "pre.csv", dtype=str)
    post = pd.read_csv(folder / "post.csv", dtype=str)
    fu = pd.read_csv(folder / "follow-up.csv", dtype=str)
    assert (len(pre), len(post), len(fu)) == (48, 28, 13)
    for frame in (pre, post, fu):
        assert (frame["synthetic"] == "1").all() and frame["link"].notna().all()
    report = json.loads((folder / "linkage.json").read_text())
    assert report["synthetic"] is True
    assert "digest" not in json.dumps(report)
    assert "SYNTHETIC" in (folder / "README.txt").read_text()


def test_demo_scales_with_n_and_only_part_is_linkable():
    demo = make_demo(480, seed=2)
    assert (len(demo.pre), len(demo.post), len(demo.follow_up)) == (
        480,
        round(480 * PATTERN["post"] / 48),
        round(480 * PATTERN["follow_up"] / 48),
    )
    linked = set(demo.pre["link"]) & set(demo.post["link"])
    assert 0.7 * len(demo.post) < len(linked) < len(demo.post)  # some drafts were lost
    lk = demo.linkage
    assert lk.exact > lk.fuzzy > 0
    assert lk.exact + lk.fuzzy + len(lk.ambiguous_later) + len(lk.unmatched_later) == len(
        demo.follow_up
    )


def test_demo_refuses_a_tiny_n():
    assert main(["evaluate", "demo", "--n", "5", "--out", "x"]) == 2  # click's usage error


# --- read_wave --------------------------------------------------------------------------------


def test_read_wave_keeps_the_link_column(folder):
    frame = read_wave(folder / "post.csv", INSTRUMENT)
    assert len(frame) == 28 and frame["link"].map(type).eq(str).all()
    assert frame["k_disclose"].dtype == float


def test_read_wave_without_the_link_column_names_the_fix(folder, tmp_path):
    path = tmp_path / "no-link.csv"
    pd.read_csv(folder / "pre.csv", dtype=str).drop(columns=["link"]).to_csv(path, index=False)
    with pytest.raises(ResponsesError) as err:
        read_wave(path, INSTRUMENT)
    problem = err.value.problems[0]
    assert problem.column == "link" and "--link" in problem.fix


def test_read_wave_reports_a_repeated_link_id_with_its_line(folder, tmp_path):
    path = tmp_path / "twice.csv"
    frame = pd.read_csv(folder / "pre.csv", dtype=str, keep_default_na=False)
    frame.loc[3, "link"] = frame.loc[1, "link"]
    frame.loc[5, "link"] = ""
    frame.to_csv(path, index=False)
    with pytest.raises(ResponsesError) as err:
        read_wave(path, INSTRUMENT)
    (problem,) = err.value.problems
    assert (problem.row, problem.line, problem.column) == (4, 5, "link")
    frame.loc[3, "link"] = "unique"
    frame.to_csv(path, index=False)
    assert read_wave(path, INSTRUMENT)["link"].isna().sum() == 1


# --- analyse ----------------------------------------------------------------------------------


def test_analyse_prints_every_section_and_the_conventions(folder, capsys):
    assert main(["evaluate", "analyse", *waves(folder)]) == 0
    out = capsys.readouterr().out
    for heading in (
        "(SYNTHETIC DATA)",
        "Linkage flow",
        "Attrition check",
        "Knowledge items",
        "Knowledge score and scales",
        "Indicators",
        "Still poorly known after training",
        "Retention, post-test to follow-up",
        "Three waves",
        "Conventions",
        "zero differences dropped",
    ):
        assert heading in out, heading
    assert re.search(r"matched pre-post pairs\s+\d+", out)


def test_analyse_json_is_the_full_result(folder, capsys):
    assert main(["evaluate", "analyse", *waves(folder), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    frames = [read_wave(folder / f, INSTRUMENT) for f in ("pre.csv", "post.csv", "follow-up.csv")]
    expected = evaluate(frames[0], frames[1], INSTRUMENT, follow_up=frames[2])
    assert payload["n"] == expected.n and payload["flow"]["pre"] == 48
    assert payload["items"][0]["mcnemar"]["b"] == expected.items[0].mcnemar.b
    assert payload["source"]["pre"].endswith("pre.csv")
    # the analyst's own output is not suppressed
    assert '"[c]"' not in json.dumps({k: v for k, v in payload.items() if k != "conventions"})


def test_analyse_without_a_link_column_fails_with_the_fix(folder, tmp_path, capsys):
    path = tmp_path / "pre.csv"
    pd.read_csv(folder / "pre.csv", dtype=str).rename(columns={"link": "code"}).to_csv(
        path, index=False
    )
    args = ["evaluate", "analyse", "--pre", str(path), "--post", str(folder / "post.csv")]
    assert main(args) == 1
    assert "no link column 'link'" in capsys.readouterr().err
    assert main([*args, "--link", "code"]) == 1  # the post file has no column 'code'
    capsys.readouterr()


# --- report -----------------------------------------------------------------------------------


def test_report_writes_pdf_and_html(folder, tmp_path, capsys):
    pdf, html = tmp_path / "board.pdf", tmp_path / "board.html"
    assert main(["evaluate", "report", *waves(folder), "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["evaluate", "report", *waves(folder), "--out", str(html)]) == 0
    text = html.read_text()
    assert "Synthetic data: not findings." in text
    assert "Confidence to refer a trafficked child" in text
    assert "Table A1" in text and "Conventions of the analysis" in text
    assert main(["evaluate", "report", *waves(folder), "--out", str(tmp_path / "x.txt")]) == 1
    assert ".pdf or .html" in capsys.readouterr().err


@pytest.fixture(scope="module")
def result():
    demo = make_demo(200, seed=4)
    return evaluate(demo.pre, demo.post, INSTRUMENT, follow_up=demo.follow_up)


def test_headlines_follow_the_spec_wording(result):
    lines = headlines(result, INSTRUMENT)
    child = next(
        line for line in lines if line.startswith("Confidence to refer a trafficked child")
    )
    change = next(c for c in result.indicators if c.id == "lack_conf_referral_child")
    before = round(100 - change.before.percent)
    after = round(100 - change.after.percent)
    assert f"from {before}% to {after}% agreeing (n = {change.n} matched;" in child
    assert "95% CI" in child
    assert lines[0].endswith(f"{result.flow.matched} were linked before and after training.")
    assert any(line.startswith("Actual knowledge: the mean score rose") for line in lines)


def test_report_tables_show_hidden_cells_as_c_and_no_hidden_value(result):
    tables = {t.number: t for t in evaluation_tables(result, INSTRUMENT)}
    assert list(tables) == ["1", "2", "3", "4", "5", "6", "7", "8", "A1"]
    items = tables["2"]
    hidden_rows = [
        row
        for row, change in zip(items.bodies[0].rows, result.items, strict=True)
        if "mcnemar.b" in change.hidden
    ]
    assert hidden_rows
    for row in hidden_rows:
        assert row[5].text == "[c]" and row[5].hidden
        assert row[6].text in ("<0.001", "<0.01", "<0.05", "≥0.05")


def test_small_evaluation_report_withholds_counts(tmp_path):
    demo = make_demo(20, seed=1)
    small = evaluate(demo.pre, demo.post, INSTRUMENT)
    html = render_evaluation_html(small, INSTRUMENT)
    assert "[c]" in html
    for change in small.items:
        if "n" in change.hidden:
            assert change.label not in " ".join(headlines(small, INSTRUMENT))


def test_then_test_and_the_tables_pack(folder, tmp_path, capsys):
    then = folder / "then-test.csv"
    assert then.exists()
    args = ["evaluate", "analyse", *waves(folder), "--then-test", str(then)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"confidence: standard \+\d\.\d\d .* retrospective \+\d\.\d\d", out)
    html, tables = tmp_path / "r.html", tmp_path / "tables"
    report = ["evaluate", "report", *waves(folder), "--then-test", str(then)]
    assert main([*report, "--out", str(html), "--tables", str(tables)]) == 0
    assert "Table 3b." in html.read_text()
    written = sorted(p.name for p in tables.iterdir())
    assert "evaluation-table-3b-then-test.csv" in written
    assert "evaluation-table-2-knowledge.xlsx" in written
    knowledge = pd.read_csv(tables / "evaluation-table-2-knowledge.csv", dtype=str)
    assert len(knowledge) == 14 and "[c]" in knowledge.to_string()


def test_module_examples_run():
    import doctest

    from readiness.evaluation import kernels, linkage

    for module in (kernels, linkage):
        assert doctest.testmod(module).failed == 0
