"""`readiness instrument ...` through the real entry point."""

from __future__ import annotations

import csv
import io
import json

from readiness.cli import main
from readiness.instrument import load_instrument, shipped_instrument


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_shipped_and_json(capsys):
    code, out, _ = run(capsys, "instrument", "validate", "readiness-survey")
    assert code == 0 and "valid" in out and "47 items" in out
    code, out, _ = run(capsys, "instrument", "validate", "readiness-survey", "--json")
    data = json.loads(out)
    assert data["valid"] is True and data["indicators"] == 11


def test_validate_broken_file_lists_every_problem_and_exits_1(capsys, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "id: b\nversion: 1\ntitle: B\nsections:\n  - id: s\n    title: S\n    items:\n"
        "      - {id: q1, type: likert, text: Q1}\n      - {id: q2, type: yesno, text: Q2}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "instrument", "validate", str(broken))
    assert code == 1 and out == ""
    assert "2 problems" in err
    assert f"{broken}, line 8, field sections[0].items[0]: item q1 (likert) has no choices." in err
    assert "line 9" in err and "did you mean 'yes_no'?" in err
    code, out, _ = run(capsys, "instrument", "validate", str(broken), "--json")
    data = json.loads(out)
    assert code == 1 and len(data["problems"]) == 2 and data["problems"][1]["line"] == 9


def test_show_outline(capsys):
    code, out, _ = run(capsys, "instrument", "show", "readiness-survey")
    assert code == 0
    assert "readiness-survey v1" in out and "not the original" in out
    assert "shown if training_prior = 1 (Yes)" in out
    assert "published: 528/782 = 67.5% [ross2015]" in out


def test_codebook_csv_and_markdown(capsys, tmp_path):
    code, out, _ = run(capsys, "instrument", "codebook", "readiness-survey", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == len(shipped_instrument().items)
    police = next(r for r in rows if r["variable"] == "k_police_danger")
    assert police["key"] == "1 = True" and police["scales"] == "actual_knowledge"
    target = tmp_path / "codebook.md"
    code, out, _ = run(capsys, "instrument", "codebook", "readiness-survey", "--out", str(target))
    text = target.read_text(encoding="utf-8")
    assert "| `c_refer_women` | likert |" in text and "## Indicators" in text


def test_export_and_import_round_trip_through_both_formats(capsys, tmp_path):
    survey = shipped_instrument()
    for name in ("dict.csv", "form.xlsx"):
        target = tmp_path / name
        code, out, _ = run(capsys, "instrument", "export", "readiness-survey", "--out", str(target))
        assert code == 0 and target.exists()
        back = tmp_path / (name + ".yaml")
        code, out, _ = run(
            capsys,
            "instrument",
            "import",
            str(target),
            "--out",
            str(back),
            "--base",
            "readiness-survey",
        )
        assert code == 0 and f"Wrote {back}" in out
        again = load_instrument(back)
        assert again.items == survey.items and again.sections == survey.sections
        assert again.scales == survey.scales and again.indicators == survey.indicators


def test_export_reports_what_redcap_cannot_hold(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        "instrument",
        "export",
        "readiness-survey",
        "--out",
        str(tmp_path / "d.csv"),
        "--json",
    )
    data = json.loads(out)
    unmapped = {n["field"] for n in data["unmapped"]}
    assert {"perceived_knowledge", "contact_reported"} <= unmapped


def test_unknown_suffix_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(
        capsys, "instrument", "export", "readiness-survey", "--out", str(tmp_path / "x.txt")
    )
    assert code == 2 and "--format redcap" in err
