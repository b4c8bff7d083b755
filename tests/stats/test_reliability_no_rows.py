"""A table file with a header but no rows: every command that reads one says so, with a fix.

Before, ``readiness reliability`` said "only 0 respondent answered", ``readiness proportion``
"column 'q1' has no answers", ``readiness analyse`` "there are no responses to analyse" and
``readiness regress`` "--outcome q1: the column is empty".
"""

from __future__ import annotations

import json

import openpyxl
import pytest

from readiness.cli import main
from readiness.cli.stats import read_csv_text
from readiness.errors import ResponsesError
from readiness.instrument import shipped_instrument
from readiness.responses import read_responses

HEADER = "q1,q2,q3,trust,pre,post\n"


@pytest.fixture()
def header_only(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(HEADER, encoding="utf-8")
    return path


COMMANDS = [
    ["reliability", "{file}", "--items", "q1 q2 q3"],
    ["proportion", "{file}", "--var", "q1", "--by", "trust"],
    ["paired", "{file}", "--before", "pre", "--after", "post"],
    ["regress", "{file}", "--outcome", "q1", "--predictors", "q2 q3"],
    ["regress", "{file}", "--outcome", "q1", "--predictors", "q2", "--cluster", "trust"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_commands_say_the_file_has_no_rows(header_only, args, capsys):
    argv = [a.format(file=header_only) for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"{header_only} has a header but no rows." in err
    assert "Fix: check that this is the file you meant" in err
    assert main([*argv, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["problems"][0]["message"] == f"{header_only} has a header but no rows."
    assert out["problems"][0]["fix"]


def test_analyse_says_the_file_has_no_rows(tmp_path, capsys):
    instrument = shipped_instrument()
    path = tmp_path / "responses.csv"
    path.write_text(",".join(["response_id", *instrument.item_ids]) + "\n", encoding="utf-8")
    assert main(["analyse", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path} has a header but no rows." in err
    assert "no responses to analyse" not in err
    with pytest.raises(ResponsesError, match="has a header but no rows"):
        read_responses(path, instrument)
    assert len(read_responses(path, instrument, allow_empty=True).frame) == 0


def test_an_xlsx_sheet_with_only_a_header(tmp_path, capsys):
    path = tmp_path / "empty.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["q1", "q2", "q3"])
    book.save(path)
    assert main(["reliability", str(path), "--items", "q1 q2 q3"]) == 1
    assert f"{path} has a header but no rows." in capsys.readouterr().err


def test_blank_lines_after_the_header_are_no_rows(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("a,b\n\n\n", encoding="utf-8")
    with pytest.raises(ResponsesError, match="has a header but no rows"):
        read_csv_text(path)


def test_an_empty_file_is_said_to_be_empty(tmp_path, capsys):
    path = tmp_path / "nothing.csv"
    path.write_text("", encoding="utf-8")
    assert main(["reliability", str(path), "--items", "a b"]) == 1
    assert f"{path} is empty." in capsys.readouterr().err


def test_the_csv_reader_reads_as_read_table_does(tmp_path):
    from readiness.tabular import read_table

    path = tmp_path / "t.csv"
    text = (
        "\ufeffa,b,,a,c\n"  # a byte-order mark, an empty name, a repeated name
        "1, 2 ,x,4,'-1\n"  # spaces kept; an apostrophe before a formula start removed
        "\n"  # a blank line is not a row
        '"5","",7\n'  # quoted cells; an empty cell is missing; a short line
        "NA,null,nan,,''=1\n"  # words are text, not missing
    )
    path.write_text(text, encoding="utf-8")
    mine = read_csv_text(path)
    frame = read_table(path, as_text=True)
    theirs = {
        str(c): [None if v != v else v for v in frame.iloc[:, j].tolist()]
        for j, c in enumerate(frame.columns)
    }
    assert mine == theirs
    assert list(mine) == ["a", "b", "Unnamed: 2", "a.1", "c"]


def test_a_line_with_too_many_cells_is_named(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as caught:
        read_csv_text(path)
    problem = caught.value.problems[0]
    assert problem.line == 3 and "3 cells but the header has 2" in problem.message


def test_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("a,b\ncaf\u00e9,2\n".encode("latin-1"))
    with pytest.raises(ResponsesError, match="not UTF-8"):
        read_csv_text(path)


def test_evaluate_says_a_wave_has_no_rows(tmp_path, capsys):
    assert main(["evaluate", "demo", "--out", str(tmp_path / "ev")]) == 0
    post = tmp_path / "ev" / "post.csv"
    empty = tmp_path / "ev" / "post-empty.csv"
    empty.write_text(post.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    capsys.readouterr()
    pre = str(tmp_path / "ev" / "pre.csv")
    assert main(["evaluate", "analyse", "--pre", pre, "--post", str(empty)]) == 1
    assert f"{empty} has a header but no rows." in capsys.readouterr().err
