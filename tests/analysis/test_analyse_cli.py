"""`readiness analyse` through the real entry point, on files written by `readiness demo-data`."""

from __future__ import annotations

import json

import pytest

from readiness.cli import main


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    path = folder / "cohort.csv"
    assert main(["demo-data", "--match-published", "--out", str(path)]) == 0
    return path


def test_json_output_carries_every_published_count(cohort_file, capsys):
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {i["id"]: i for i in data["indicators"]}
    assert by_id["lack_conf_referral_women"]["overall"]["count"] == 528
    assert by_id["lack_conf_referral_women"]["overall"]["n"] == 782
    assert data["response_rate"]["overall"]["attended"] == 892  # sessions found beside the file
    assert data["source"]["sessions"].endswith("cohort-sessions.csv")
    assert data["synthetic"] is True and data["settings"]["interval"] == "wilson"


def test_design_based_text_output(cohort_file, capsys):
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--cluster", "site", "--interval", "jeffreys"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DATA" in out and "clusters: site" in out and "Rao-Scott F" in out
    assert "Logistic regression of contact_ever" in out


def test_bad_cluster_column_is_a_clear_error(cohort_file, capsys):
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--cluster", "trust", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert "no column 'trust'" in data["error"]


def test_a_broken_response_file_stops_the_analysis(tmp_path, cohort_file, capsys):
    lines = cohort_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("c_refer_women")] = "7"
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["analyse", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "row 1" in err and "c_refer_women" in err


def _first_rows(cohort_file, folder, n):
    lines = cohort_file.read_text(encoding="utf-8").splitlines()
    path = folder / f"first-{n}.csv"
    path.write_text("\n".join(lines[: n + 1]) + "\n", encoding="utf-8")
    return path


def test_one_respondent_prints_dashes_for_what_cannot_be_computed(tmp_path, cohort_file, capsys):
    one = _first_rows(cohort_file, tmp_path, 1)
    capsys.readouterr()
    assert main(["analyse", str(one)]) == 0
    out = capsys.readouterr().out
    assert "1 responses from" in out
    scales = out.split("Scales:")[1].splitlines()[1:4]
    assert all(" (-), n = 1" in line for line in scales), scales


def test_reliability_line_shows_the_n_alpha_used_and_the_missing_rule(cohort_file, capsys):
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--missing", "listwise", "--json"]) == 0
    scales = json.loads(capsys.readouterr().out)["scales"]
    assert main(["analyse", str(cohort_file), "--missing", "listwise"]) == 0
    out = capsys.readouterr().out
    differ = 0
    for s in scales:
        line = next(x for x in out.splitlines() if x.strip().startswith(s["label"]))
        score_part, alpha_part = line.split("alpha", 1)
        assert f"n = {s['n']}" in score_part
        assert f"n = {s['reliability']['n']} listwise" in alpha_part, line
        differ += s["n"] != s["reliability"]["n"]
    assert differ  # listwise deletion drops respondents with a missing item


def test_response_rate_line_names_its_interval(cohort_file, capsys):
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--interval", "clopper-pearson"]) == 0
    out = capsys.readouterr().out
    assert "intervals: clopper-pearson" in out
    line = next(x for x in out.splitlines() if x.startswith("Response rate:"))
    assert "95% Wilson score interval" in line, line


def test_group_columns_show_counts_and_whole_labels(cohort_file, capsys):
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["analyse", str(cohort_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(i for i, x in enumerate(lines) if x.startswith("contact_reported"))
    start = next(i for i in range(first, 0, -1) if lines[i].startswith("Indicators"))
    header_words = " ".join(lines[start + 1 : first]).split()
    for label in data["groups"]:
        assert all(word in header_words for word in label.split()), label
    for ind in data["indicators"]:
        row = next(x for x in lines if x.startswith(ind["id"] + " "))
        for g in ind["by_group"].values():
            pct = "-" if g["percent"] is None else f"{g['percent']:.1f}"
            assert f"{pct} ({g['count']}/{g['n']})" in row, row


def test_tests_show_statistic_and_degrees_of_freedom(cohort_file, capsys):
    for design in ([], ["--cluster", "site"]):
        capsys.readouterr()
        assert main(["analyse", str(cohort_file), "--json", *design]) == 0
        data = json.loads(capsys.readouterr().out)
        assert main(["analyse", str(cohort_file), *design]) == 0
        lines = capsys.readouterr().out.splitlines()
        for ind in data["indicators"]:
            row = next(x for x in lines if x.startswith(ind["id"] + " "))
            t = ind["test"]
            assert f"p = {t['p_value']:.3g}" in row, row
            if t["method"] == "Pearson chi-square":
                assert f"X-squared = {t['statistic']:.2f}, df = {t['df']:g}" in row, row
            elif t["method"] == "Rao-Scott F":
                assert (
                    f"F = {t['statistic']:.2f}, ndf = {t['df']:.2f}, ddf = {t['ddf']:.2f}" in row
                ), row
        assert any("Rao-Scott" in x for x in lines) == bool(design)


def test_correlations_header_states_the_method_and_alpha_uses_to(cohort_file, capsys):
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["analyse", str(cohort_file)]) == 0
    out = capsys.readouterr().out
    assert data["correlations"]["method"] in out
    for s in data["scales"]:
        feldt = s["reliability"]["feldt"]
        assert f"({feldt['lower']:.2f} to {feldt['upper']:.2f})" in out


def test_an_indicator_nobody_answered_has_a_note(tmp_path, cohort_file, capsys):
    lines = cohort_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("training_prior")
    rows = []
    for line in lines[1:60]:
        cells = line.split(",")
        cells[column] = ""
        rows.append(",".join(cells))
    path = tmp_path / "no-training-answers.csv"
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["analyse", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(w.startswith("prior_training: nobody answered") for w in data["warnings"])
    assert main(["analyse", str(path)]) == 0
    out = capsys.readouterr().out
    row = next(x for x in out.splitlines() if x.startswith("prior_training "))
    assert "- (0/0)" in row and "nobody answered" in row


def test_why_correlations_are_missing_is_a_warning(tmp_path, cohort_file, capsys):
    three = _first_rows(cohort_file, tmp_path, 3)
    capsys.readouterr()
    assert main(["analyse", str(three), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["correlations"]["pairs"] == []
    note = data["correlations"]["note"]
    assert f"correlations between scale scores: {note}" in data["warnings"]
    assert main(["analyse", str(three)]) == 0
    assert f"Warning: correlations between scale scores: {note}" in capsys.readouterr().out


def test_weights_and_strata_columns_analyse_end_to_end(tmp_path, cohort_file, capsys):
    import pandas as pd

    from readiness.instrument import shipped_instrument
    from readiness.instrument.scoring import indicator_values, scale_scores
    from readiness.stats.design import SurveyDesign, design_proportion

    frame = pd.read_csv(cohort_file, dtype=str, keep_default_na=False)
    # not an item of the survey; maternity staff (more contact) weigh four times the others
    frame["weight"] = ["4" if d == "2" else "1" for d in frame["discipline"]]
    frame["region"] = ["north" if s <= "T05" else "south" for s in frame["site"]]
    path = tmp_path / "weighted.csv"
    frame.to_csv(path, index=False)
    options = ["--cluster", "site", "--strata", "region", "--weights", "weight"]
    capsys.readouterr()
    assert main(["analyse", str(path), *options, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["weights"] == "weight"

    survey = shipped_instrument()
    from readiness.analysis.read import design_columns, read_for_analysis

    columns = design_columns("site", "region", "weight")
    assert columns == {"site": "cluster", "region": "strata", "weight": "weights"}
    clean = read_for_analysis(path, survey, columns).frame
    design = SurveyDesign(
        clean["site"].astype(str).to_numpy(),
        strata=clean["region"].astype(str).to_numpy(),
        weights=clean["weight"].to_numpy(dtype=float),
    )
    indicator = survey.indicators[0]
    values = indicator_values(survey, indicator, clean, scale_scores(survey, clean))
    expected = design_proportion(values, design)
    got = next(i for i in data["indicators"] if i["id"] == indicator.id)["overall"]
    assert got["percent"] == pytest.approx(100 * expected.estimate, rel=1e-9)
    assert (got["count"], got["n"]) == (expected.count, expected.n)  # unweighted
    unweighted = got["count"] / got["n"] * 100
    assert abs(got["percent"] - unweighted) > 0.1  # the weights matter

    assert main(["analyse", str(path), *options]) == 0
    out = capsys.readouterr().out
    assert "weights: weight" in out and "strata: region" in out
    assert "n/N unweighted, % weighted" in out


def test_a_bad_weight_is_reported_with_its_row(tmp_path, cohort_file, capsys):
    lines = cohort_file.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",weight"] + [line + ",1" for line in lines[1:40]]
    rows[5] = lines[5] + ",0"
    path = tmp_path / "bad-weight.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["analyse", str(path), "--cluster", "site", "--weights", "weight"]) == 1
    err = capsys.readouterr().err
    assert "row 5" in err and "weight" in err and "greater than 0" in err


def test_a_rate_above_100_percent_is_printed_as_such_with_a_warning(cohort_file, tmp_path, capsys):
    import pandas as pd

    sessions = pd.read_csv(cohort_file.with_name("cohort-sessions.csv"))
    sessions["attended"] = 1  # fewer attending than responded, in every session
    path = tmp_path / "short-sessions.csv"
    sessions.to_csv(path, index=False)
    capsys.readouterr()
    assert main(["analyse", str(cohort_file), "--sessions", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Response rate:"))
    rate = 100 * 782 / len(sessions)
    assert f"782 of {len(sessions)} = {rate:.1f}%" in line, line
    assert "above 100%" in line and "no interval" in line, line
    first = sessions["session"].iat[0]
    assert any(
        x.startswith(f"Warning: response rate above 100%: session '{first}'")
        and "check the session's attending count" in x
        for x in out.splitlines()
    ), out
