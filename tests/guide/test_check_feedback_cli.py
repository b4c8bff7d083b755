"""`readiness guide check` also checks the survey feedback against the shipped instruments."""

from __future__ import annotations

import shutil

import yaml
from click.testing import CliRunner

from readiness.cli import cli
from readiness.guide.load import default_folder, load_content


def _copy(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(default_folder(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return folder


def test_a_feedback_key_that_disagrees_with_the_survey_fails_the_check(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "feedback.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["feedback"]["k_police_danger"]["key"] = False  # the survey's key is true
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["guide", "check", "--as-of", "2026-12-06", "--folder", folder]
    )
    assert result.exit_code == 1, result.output
    assert "feedback.yaml" in result.output and "k_police_danger" in result.output


def test_the_shipped_content_passes_with_its_feedback(tmp_path):
    result = CliRunner().invoke(cli, ["guide", "check", "--as-of", "2026-12-06"])
    assert result.exit_code == 0, result.output
    assert "passed on 6 December 2026" in result.output


def test_a_nation_override_without_a_benchmark_keeps_the_figure(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "feedback.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = data["feedback"]["k_police_danger"]
    assert entry.get("benchmark", {}).get("figure")
    entry.setdefault("nations", {})["wales"] = {"explanation": "Said for Wales, in one sentence."}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    fb = load_content(folder).feedback["k_police_danger"]
    assert fb.for_nation("wales").benchmark_figure == fb.default.benchmark_figure
    assert fb.for_nation("wales").explanation == "Said for Wales, in one sentence."
